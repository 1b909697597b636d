// Tests write query failures as `check --json` prints them ("timeout", "DNSKEY servfail"): these
// turn that text into the typed values and back.
#pragma once

#include <initializer_list>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "monitor/model/query_failure.h"

namespace zonewatch::testing {

inline model::QueryError queryError(std::string_view text) {
  auto e = model::QueryError::parse(text);
  if (!e) throw std::invalid_argument("not a query failure: " + std::string(text));
  return *e;
}

inline std::vector<model::FailedQuery> failedQueries(
    std::initializer_list<std::string_view> texts) {
  std::vector<model::FailedQuery> out;
  for (std::string_view text : texts) {
    auto f = model::FailedQuery::parse(text);
    if (!f) throw std::invalid_argument("not a failed query: " + std::string(text));
    out.push_back(*f);
  }
  return out;
}

// "" for no error.
inline std::string errorText(const std::optional<model::QueryError>& error) {
  return error ? error->text() : std::string();
}

inline std::vector<std::string> failedTexts(const std::vector<model::FailedQuery>& failed) {
  std::vector<std::string> out;
  for (const auto& f : failed) out.push_back(f.text());
  return out;
}

}  // namespace zonewatch::testing
