// The shared vocabulary (monitor/model): the event-kind table and severities, and the README's
// table of events, which must list exactly the kinds the code raises, with the same severities.
#include "monitor/model/event_kind.h"

#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <sstream>
#include <string>

#include "monitor/model/severity.h"

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

// The README's rows "| `name` | severity | meaning |" between the events heading text and the
// next blank line.
std::map<std::string, std::string> readmeEvents() {
  std::ifstream in(ZONEWATCH_SOURCE_DIR "/README.md");
  std::stringstream text;
  text << in.rdbuf();
  const std::string readme = text.str();
  const size_t start = readme.find("| event | severity | raised when |");
  std::map<std::string, std::string> rows;
  if (start == std::string::npos) return rows;
  const std::regex row(R"(^\| `([a-z_]+)` \| ([a-z]+) \| .+ \|$)");
  std::istringstream lines(readme.substr(start));
  std::string line;
  std::getline(lines, line);  // heading
  std::getline(lines, line);  // rule
  while (std::getline(lines, line) && !line.empty()) {
    std::smatch m;
    if (std::regex_match(line, m, row)) rows[m[1]] = m[2];
  }
  return rows;
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
