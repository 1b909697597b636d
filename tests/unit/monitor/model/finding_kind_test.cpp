// The finding vocabulary (monitor/model/finding_kind.h): names, and monitor/probe/README.md's
// table of findings, which must list exactly the kinds the code finds, each with the event the
// daemon reports it through.
#include "monitor/model/finding_kind.h"

#include <gtest/gtest.h>

#include <map>
#include <regex>
#include <set>
#include <string>

#include "tests/unit/monitor/model/readme_table.h"

namespace zonewatch::model {
namespace {

TEST(FindingKindTest, NamesAreUniqueSnakeCaseAndRoundTrip) {
  std::set<std::string_view> seen;
  const std::regex snake("[a-z]+(_[a-z0-9]+)*");
  for (const FindingKindInfo& row : kFindingKinds) {
    EXPECT_TRUE(seen.insert(row.name).second) << row.name;
    EXPECT_TRUE(std::regex_match(std::string(row.name), snake)) << row.name;
    ASSERT_TRUE(findingKindFromString(row.name).has_value()) << row.name;
    EXPECT_EQ(*findingKindFromString(row.name), row.kind);
    EXPECT_EQ(toString(row.kind), row.name);
  }
  EXPECT_FALSE(findingKindFromString("lame").has_value());
  EXPECT_FALSE(findingKindFromString("").has_value());
}

// An event that reports a finding of its own is never the generic pair.
TEST(FindingKindTest, EventsOfTheirOwnAreNotTheGenericOnes) {
  for (const FindingKindInfo& row : kFindingKinds) {
    if (!row.event) continue;
    EXPECT_NE(*row.event, EventKind::kFindingRaised) << row.name;
    EXPECT_NE(*row.event, EventKind::kFindingCleared) << row.name;
  }
}

// The rows "| `code` | severity | `event` | when |" of the findings table: code -> event.
std::map<std::string, std::string> readmeFindings() {
  return testing::readmeTable(
      ZONEWATCH_SOURCE_DIR "/monitor/probe/README.md", "| code | severity | daemon event | when |",
      std::regex(R"(^\| `([a-z_0-9]+)` \| [a-z /]+ \| `([a-z_]+)` \| .+ \|$)"));
}

TEST(FindingKindTest, ProbeReadmeListsEveryKindWithItsEvent) {
  const auto rows = readmeFindings();
  ASSERT_FALSE(rows.empty()) << "no findings table in monitor/probe/README.md";
  EXPECT_EQ(rows.size(), kFindingKinds.size());
  for (const FindingKindInfo& kind : kFindingKinds) {
    auto it = rows.find(std::string(kind.name));
    ASSERT_NE(it, rows.end()) << kind.name << " is missing from the findings table";
    const EventKind event = kind.event.value_or(EventKind::kFindingRaised);
    EXPECT_EQ(it->second, toString(event)) << kind.name;
  }
}

}  // namespace
}  // namespace zonewatch::model
