// Tests of monitor/web/diff.cpp: an event's before/after as the lines that differ.
#include "monitor/web/diff.h"

#include <gtest/gtest.h>

namespace zonewatch::web {
namespace {

TEST(Diff, SetsShowRemovedKeptAdded) {
  const auto lines = diffJson(R"(["ns1.lab.","ns2.lab."])", R"(["ns1.lab.","ns9.evil."])");
  const std::vector<DiffLine> want = {{'-', "ns2.lab."}, {' ', "ns1.lab."}, {'+', "ns9.evil."}};
  EXPECT_EQ(lines, want);
}

TEST(Diff, ObjectsShowOnlyKeysThatDiffer) {
  const auto lines = diffJson(R"({"status":"secure","ds":[1],"same":true})",
                              R"({"status":"bogus","ds":[1,2],"same":true})");
  const std::vector<DiffLine> want = {
      {' ', "ds: 1"}, {'+', "ds: 2"}, {'-', "status: secure"}, {'+', "status: bogus"}};
  EXPECT_EQ(lines, want);
}

TEST(Diff, NullSidesAndTextThatIsNotJson) {
  EXPECT_EQ(diffJson("null", R"("x")"), (std::vector<DiffLine>{{'+', "x"}}));
  EXPECT_EQ(diffJson("", ""), std::vector<DiffLine>{});
  EXPECT_EQ(diffJson("not json", "null"), (std::vector<DiffLine>{{'-', "not json"}}));
}

TEST(Diff, LongDiffsAreCapped) {
  std::string big = "[";
  for (int i = 0; i < 1000; ++i) big += (i ? "," : "") + std::to_string(i);
  big += "]";
  const auto lines = diffJson("[]", big);
  ASSERT_EQ(lines.size(), kMaxDiffLines + 1);
  EXPECT_EQ(lines.back().text, "(800 more lines)");
}

}  // namespace
}  // namespace zonewatch::web
