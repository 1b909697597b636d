// The two checks and the lookup every kind table of the model shares (event_kind.h,
// finding_kind.h): a table lists its enum's kinds in enum order, one row each, so that a kind
// indexes its row; a name finds its kind by a walk of the table.
#pragma once

#include <cstddef>
#include <optional>
#include <string_view>

namespace zonewatch::model::detail {

// Whether row i of `table` holds the kind whose value is i, for every row, and the last row holds
// `last`: no kind is missing, none is out of place.
template <class Table, class Kind>
constexpr bool coversEnumInOrder(const Table& table, Kind last) {
  for (size_t i = 0; i < table.size(); ++i) {
    if (static_cast<size_t>(table[i].kind) != i) return false;
  }
  return table.size() == static_cast<size_t>(last) + 1;
}

template <class Table>
constexpr auto kindNamed(const Table& table, std::string_view name)
    -> std::optional<decltype(table[0].kind)> {
  for (const auto& row : table) {
    if (row.name == name) return row.kind;
  }
  return std::nullopt;
}

}  // namespace zonewatch::model::detail
