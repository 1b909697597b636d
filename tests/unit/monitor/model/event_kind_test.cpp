// The shared vocabulary (monitor/model): the event-kind table and severities, and the README's
// table of events, which must list exactly the kinds the code raises, with the same severities.
#include "monitor/model/event_kind.h"

#include <gtest/gtest.h>

#include <array>
#include <map>
#include <regex>
#include <set>
#include <string>

#include "monitor/model/severity.h"
#include "tests/unit/monitor/model/readme_table.h"

namespace zonewatch::model {
namespace {

TEST(EventKindTest, NamesAreUniqueSnakeCaseAndRoundTrip) {
  std::set<std::string_view> seen;
  const std::regex snake("[a-z]+(_[a-z]+)*");
  for (const EventKindInfo& row : kEventKinds) {
    EXPECT_TRUE(seen.insert(row.name).second) << row.name;
    EXPECT_TRUE(std::regex_match(std::string(row.name), snake)) << row.name;
    EXPECT_FALSE(row.meaning.empty()) << row.name;
    ASSERT_TRUE(eventKindFromString(row.name).has_value()) << row.name;
    EXPECT_EQ(*eventKindFromString(row.name), row.kind);
    EXPECT_EQ(toString(row.kind), row.name);
  }
  EXPECT_EQ(kEventNames.size(), kEventKinds.size());
  EXPECT_EQ(kEventNames.front(), "operator_changed");
  EXPECT_FALSE(eventKindFromString("operator_change").has_value());
  EXPECT_FALSE(eventKindFromString("").has_value());
}

// The checks every kind table is compiled with (kind_table.h) catch a swapped or a missing row.
TEST(KindTableTest, ChecksCatchSwappedAndMissingRows) {
  enum class K { kA, kB, kC };
  struct Row {
    K kind;
    std::string_view name;
  };
  constexpr std::array<Row, 3> good = {{{K::kA, "a"}, {K::kB, "b"}, {K::kC, "c"}}};
  constexpr std::array<Row, 3> swapped = {{{K::kA, "a"}, {K::kC, "c"}, {K::kB, "b"}}};
  constexpr std::array<Row, 2> missing = {{{K::kA, "a"}, {K::kB, "b"}}};
  static_assert(detail::coversEnumInOrder(good, K::kC));
  static_assert(!detail::coversEnumInOrder(swapped, K::kC));
  static_assert(!detail::coversEnumInOrder(missing, K::kC));
  static_assert(detail::kindNamed(good, "b") == K::kB);
  EXPECT_FALSE(detail::kindNamed(good, "d").has_value());
  EXPECT_EQ(detail::kindNamed(swapped, "c"), K::kC);
}

TEST(SeverityTest, NamesRoundTripAndOrder) {
  for (Severity s : {Severity::kInfo, Severity::kWarning, Severity::kCritical}) {
    ASSERT_TRUE(severityFromString(toString(s)).has_value());
    EXPECT_EQ(*severityFromString(toString(s)), s);
  }
  EXPECT_EQ(toString(Severity::kCritical), "critical");
  EXPECT_LT(Severity::kInfo, Severity::kWarning);
  EXPECT_LT(Severity::kWarning, Severity::kCritical);
  EXPECT_FALSE(severityFromString("Critical").has_value());
}

// The README's rows "| `name` | severity | meaning |": name -> severity.
std::map<std::string, std::string> readmeEvents() {
  return testing::readmeTable(ZONEWATCH_SOURCE_DIR "/README.md",
                              "| event | severity | raised when |",
                              std::regex(R"(^\| `([a-z_]+)` \| ([a-z]+) \| .+ \|$)"));
}

TEST(EventKindTest, ReadmeListsEveryKindWithItsSeverity) {
  const auto rows = readmeEvents();
  ASSERT_FALSE(rows.empty()) << "no event table in README.md";
  EXPECT_EQ(rows.size(), kEventKinds.size());
  for (const EventKindInfo& kind : kEventKinds) {
    auto it = rows.find(std::string(kind.name));
    ASSERT_NE(it, rows.end()) << kind.name << " is missing from README.md's event table";
    EXPECT_EQ(it->second, toString(kind.severity)) << kind.name;
  }
}

}  // namespace
}  // namespace zonewatch::model
