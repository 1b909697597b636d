// How the commands show a registration (monitor/commands/registration_report.h): the lock codes
// and their order, the absent locks, the comparison of the registry's name servers with the
// delegation, `check --rdap`'s section and JSON object for an answer and for a failure, and the
// lines `status` and `history` print. Every time is a fixed instant.
#include "monitor/commands/registration_report.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "monitor/util/rfc3339.h"

namespace zonewatch::commands {
namespace {

using nlohmann::json;
using rdap::Lock;
using rdap::LockAction;
using rdap::LockParty;
using rdap::StatusCode;

int64_t at(std::string_view text) {
  return parseRfc3339(text).value();
}

const int64_t kNow = at("2026-12-06T12:00:00Z");

rdap::Registration locked() {
  rdap::Registration r;
  r.ldhName = "child01.lab.";
  r.statuses = {{StatusCode::kClientDeleteProhibited, "client delete prohibited"},
                {StatusCode::kClientTransferProhibited, "client transfer prohibited"},
                {StatusCode::kServerDeleteProhibited, "server delete prohibited"},
                {StatusCode::kClientUpdateProhibited, "client update prohibited"}};
  std::sort(r.statuses.begin(), r.statuses.end());
  r.registrar = rdap::Registrar{"Example Registrar, Inc.", 292, "292"};
  r.nameservers = {"ns1.child01.lab.", "ns2.child01.lab."};
  r.expiresAt = at("2027-01-01T00:00:00Z");
  r.lastChangedAt = at("2026-11-01T08:30:00Z");
  return r;
}

const std::vector<std::string> kDelegation = {"NS2.child01.lab", "ns1.child01.lab."};

TEST(RegistrationReportTest, LockCodesAreClientThenServerEachTransferUpdateDelete) {
  EXPECT_EQ(lockCode({LockAction::kTransfer, LockParty::kClient}), "CTL");
  EXPECT_EQ(lockCode({LockAction::kDelete, LockParty::kServer}), "SDL");
  EXPECT_EQ(lockCode({LockAction::kUpdate, LockParty::kEither}), "UL");
  EXPECT_EQ(lockCodes(locked().locks()), "CTL CUL CDL SDL");
  EXPECT_EQ(lockCodes({}), "");
  const std::vector<Lock> absent = absentLocks(locked().locks());
  ASSERT_EQ(absent.size(), 2u);
  EXPECT_EQ(lockCodes(absent), "STL SUL");
  EXPECT_EQ(absentLocks({}).size(), 6u);
}

TEST(RegistrationReportTest, NameserversAreComparedAsSetsOfHostNames) {
  EXPECT_EQ(compareNameservers(locked().nameservers, kDelegation), NsMatch::kMatch);
  EXPECT_EQ(compareNameservers({"ns1.evil.test."}, kDelegation), NsMatch::kMismatch);
  EXPECT_EQ(compareNameservers({"ns1.child01.lab."}, kDelegation), NsMatch::kMismatch);
  EXPECT_EQ(compareNameservers({}, kDelegation), NsMatch::kUnknown);
  EXPECT_EQ(compareNameservers(locked().nameservers, {}), NsMatch::kUnknown);
}

TEST(RegistrationReportTest, TheSectionShowsEveryFact) {
  const RdapOutcome outcome{"http://127.0.0.1:8080/", locked(), "", ""};
  const std::string text = formatRegistrationSection(outcome, kDelegation, kNow);
  EXPECT_EQ(text,
            "\nRegistration (RDAP, http://127.0.0.1:8080/)\n"
            "  Registrar     Example Registrar, Inc. (IANA 292)\n"
            "  Locks held    CTL CUL CDL SDL (client transfer lock, client update lock, client "
            "delete lock, server delete lock)\n"
            "  Locks absent  server transfer lock, server update lock\n"
            "  Name servers  ns1.child01.lab., ns2.child01.lab.: the delegation at the parent is "
            "the same\n"
            "  Expires       2027-01-01T00:00:00Z (25 days left)\n"
            "  Last changed  2026-11-01T08:30:00Z\n"
            "  Status        client delete prohibited, client transfer prohibited, client update "
            "prohibited, server delete prohibited\n");
}

TEST(RegistrationReportTest, TheSectionSaysAMismatchAnExpiryPassedAndWhatIsNotPublished) {
  rdap::Registration r;
  r.nameservers = {"ns1.evil.test."};
  r.expiresAt = kNow - 3 * 86400 - 5;
  const std::string text = formatRegistrationSection({"", r, "", ""}, kDelegation, kNow);
  EXPECT_NE(text.find("\nRegistration (RDAP)\n"), std::string::npos) << text;
  EXPECT_NE(text.find("Registrar     not published\n"), std::string::npos) << text;
  EXPECT_NE(text.find("Locks held    none\n"), std::string::npos) << text;
  EXPECT_NE(text.find("ns1.evil.test.: DIFFERENT from the delegation at the parent "
                      "(NS2.child01.lab, ns1.child01.lab.)"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("(expired 3 days ago)"), std::string::npos) << text;
  EXPECT_NE(text.find("Last changed  not published\n"), std::string::npos) << text;
}

TEST(RegistrationReportTest, AFailureIsItsKindAndReason) {
  const RdapOutcome failed{"http://127.0.0.1:8080/", std::nullopt, "not_found",
                           "http://127.0.0.1:8080 answered 404"};
  EXPECT_EQ(formatRegistrationSection(failed, kDelegation, kNow),
            "\nRegistration (RDAP, http://127.0.0.1:8080/)\n"
            "  Not available not_found: http://127.0.0.1:8080 answered 404\n");
  const json j = json::parse(registrationJson(failed, kDelegation, kNow));
  EXPECT_EQ(j["ok"], false);
  EXPECT_EQ(j["error"]["kind"], "not_found");
  EXPECT_EQ(j["error"]["message"], "http://127.0.0.1:8080 answered 404");
  EXPECT_FALSE(j.contains("registrar"));
}

TEST(RegistrationReportTest, TheJsonObjectHasTheFactsAndTheComparison) {
  const json j = json::parse(
      registrationJson({"http://127.0.0.1:8080/", locked(), "", ""}, kDelegation, kNow));
  EXPECT_EQ(j["ok"], true);
  EXPECT_EQ(j["server"], "http://127.0.0.1:8080/");
  EXPECT_EQ(j["registrar"]["name"], "Example Registrar, Inc.");
  EXPECT_EQ(j["registrar"]["iana_id"], 292);
  EXPECT_EQ(j["locks"], json({"CTL", "CUL", "CDL", "SDL"}));
  EXPECT_EQ(j["locks_absent"], json({"STL", "SUL"}));
  EXPECT_EQ(j["nameservers_match_delegation"], true);
  EXPECT_EQ(j["expires"], "2027-01-01T00:00:00Z");
  EXPECT_EQ(j["days_left"], 25);
  EXPECT_EQ(j["last_changed"], "2026-11-01T08:30:00Z");
  EXPECT_TRUE(j["registered"].is_null());
  const json mismatch =
      json::parse(registrationJson({"", locked(), "", ""}, {"ns1.evil.test."}, kNow));
  EXPECT_EQ(mismatch["nameservers_match_delegation"], false);
  EXPECT_TRUE(mismatch["server"].is_null());
  EXPECT_TRUE(json::parse(registrationJson({"", locked(), "", ""}, {},
                                           kNow))["nameservers_match_delegation"]
                  .is_null());
}

TEST(RegistrationReportTest, WithMemberAppendsKeepingTheOrder) {
  EXPECT_EQ(withMember(R"({"domain":"a.test.","status":"secure"})", "registration", "{}"),
            R"({"domain":"a.test.","status":"secure","registration":{}})");
  EXPECT_EQ(withMember("{}", "registration", "null"), R"({"registration":null})");
}

TEST(RegistrationReportTest, StatusAndHistoryLines) {
  EXPECT_EQ(registrationSummary(locked()),
            "Example Registrar, Inc. (IANA 292), locks CTL CUL CDL SDL, expires 2027-01-01");
  EXPECT_EQ(registrationSummary(rdap::Registration{}), "registrar not published, no lock");
  EXPECT_EQ(formatStoredRegistration(locked(), at("2026-12-01T00:00:00Z")),
            "Registration (RDAP, fetched 2026-12-01T00:00:00Z)\n"
            "  Registrar     Example Registrar, Inc. (IANA 292)\n"
            "  Locks held    CTL CUL CDL SDL (client transfer lock, client update lock, client "
            "delete lock, server delete lock)\n"
            "  Name servers  ns1.child01.lab., ns2.child01.lab.\n"
            "  Expires       2027-01-01T00:00:00Z (31 days left)\n"
            "  Last changed  2026-11-01T08:30:00Z\n");
}

}  // namespace
}  // namespace zonewatch::commands
