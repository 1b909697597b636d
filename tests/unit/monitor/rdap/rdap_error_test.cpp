// The names of the RDAP error kinds, as logs and failure counters show them: one each, distinct.
#include "monitor/rdap/rdap_error.h"

#include <gtest/gtest.h>

#include <set>
#include <string>
#include <vector>

namespace zonewatch::rdap {
namespace {

TEST(RdapError, EveryKindHasItsOwnName) {
  // Read at run time (a vector, not constants), so that the names are what the program prints.
  const std::vector<RdapErrorKind> kinds = {
      RdapErrorKind::kMalformedJson, RdapErrorKind::kWrongShape,    RdapErrorKind::kTooLarge,
      RdapErrorKind::kBadValue,      RdapErrorKind::kErrorResponse, RdapErrorKind::kNoServer};
  std::set<std::string> names;
  for (RdapErrorKind kind : kinds) names.insert(std::string(toString(kind)));
  EXPECT_EQ(names.size(), kinds.size());
  EXPECT_EQ(names.count("unknown"), 0U);
  EXPECT_EQ(toString(kinds[0]), "malformed_json");
  EXPECT_EQ(toString(kinds[4]), "error_response");
  EXPECT_EQ(toString(static_cast<RdapErrorKind>(99)), "unknown");
}

}  // namespace
}  // namespace zonewatch::rdap
