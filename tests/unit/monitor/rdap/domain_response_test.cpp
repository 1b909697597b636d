// RDAP domain and error objects (monitor/rdap/domain_response.h): fixtures written after real
// registry responses (a Verisign-style .com answer, a registry answer with a full registrar entity,
// vCards, IDN and mixed-case status values), and hostile bodies that must come back as errors.
#include "monitor/rdap/domain_response.h"

#include <gtest/gtest.h>

#include <string>

#include "monitor/util/file_io.h"
#include "monitor/util/rfc3339.h"

namespace zonewatch::rdap {
namespace {

std::string fixture(const std::string& name) {
  auto text = readFileNamed(ZONEWATCH_SOURCE_DIR "/tests/unit/monitor/rdap/fixtures/" + name);
  EXPECT_TRUE(text.ok()) << text.error().message;
  return text.ok() ? *text : "";
}

int64_t at(std::string_view text) {
  return parseRfc3339(text).value();
}

TEST(DomainResponseTest, ReadsAVerisignStyleAnswer) {
  auto r = parseDomain(fixture("verisign_thin.json"));
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->ldhName, "example.com.");
  EXPECT_EQ(r->handle, "2336799_DOMAIN_COM-VRSN");
  ASSERT_EQ(r->statuses.size(), 3u);
  EXPECT_TRUE(r->has(StatusCode::kClientTransferProhibited));
  EXPECT_TRUE(r->has(StatusCode::kClientUpdateProhibited));
  EXPECT_TRUE(r->has(StatusCode::kClientDeleteProhibited));
  ASSERT_TRUE(r->registrar.has_value());
  EXPECT_EQ(r->registrar->name, "RESERVED-Internet Assigned Numbers Authority");
  EXPECT_EQ(r->registrar->ianaId, 376u);
  EXPECT_EQ(r->nameservers,
            (std::vector<std::string>{"a.iana-servers.net.", "b.iana-servers.net."}));
  EXPECT_EQ(r->registeredAt, at("1995-08-14T04:00:00Z"));
  EXPECT_EQ(r->expiresAt, at("2027-08-13T04:00:00Z"));
  EXPECT_EQ(r->lastChangedAt, at("2026-08-14T07:01:34Z"));
  EXPECT_EQ(r->databaseUpdatedAt, at("2026-12-06T10:12:41Z"));
  EXPECT_FALSE(r->transferredAt.has_value());
  const std::vector<Lock> locks = r->locks();
  ASSERT_EQ(locks.size(), 3u);
  EXPECT_EQ(describe(locks.front()), "client transfer lock");
}

TEST(DomainResponseTest, ReadsAFullRegistryAnswer) {
  auto r = parseDomain(fixture("registry_full.json"));
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->ldhName, "xn--bcher-kva.example.");
  EXPECT_EQ(r->unicodeName, "bücher.example");
  // The registrar is found by its role, whatever the case or the other roles; the registrant's
  // entity comes first and is not it.
  ASSERT_TRUE(r->registrar.has_value());
  EXPECT_EQ(r->registrar->name, "Example Registrar, Inc.");
  EXPECT_EQ(r->registrar->ianaId, 1234u);
  EXPECT_EQ(r->registrar->handle, "1234");
  // Name servers: lowercased, FQDN, sorted, duplicates (by case, by trailing dot) merged.
  EXPECT_EQ(r->nameservers,
            (std::vector<std::string>{"ns1.provider.example.", "ns2.provider.example."}));
  // EPP spelling and unknown values: normalised, and the unknown one kept as text.
  EXPECT_TRUE(r->has(StatusCode::kClientRenewProhibited));
  EXPECT_TRUE(r->has(StatusCode::kActive));
  EXPECT_TRUE(r->has(StatusCode::kUnknown));
  const auto unknown =
      std::find_if(r->statuses.begin(), r->statuses.end(),
                   [](const StatusValue& s) { return s.code == StatusCode::kUnknown; });
  EXPECT_EQ(unknown->text, "registrar lock");
  const std::vector<Lock> locks = r->locks();
  EXPECT_EQ(locks.size(), 4u);  // three server locks and the client transfer lock
  EXPECT_TRUE(
      std::count(locks.begin(), locks.end(), Lock{LockAction::kTransfer, LockParty::kServer}) == 1);
  // Events: fractions and offsets; of two "last changed", the latest; unknown actions skipped.
  EXPECT_EQ(r->registeredAt, at("2014-03-02T11:20:31Z"));
  EXPECT_EQ(r->lastChangedAt, at("2026-10-01T10:34:56Z"));
  EXPECT_EQ(r->transferredAt, at("2019-06-01T08:00:00Z"));
  EXPECT_EQ(r->expiresAt, at("2027-03-02T11:20:31Z"));
}

TEST(DomainResponseTest, StatusNamesRoundTripInEitherSpelling) {
  for (int i = 0; i < static_cast<int>(StatusCode::kUnknown); ++i) {
    const auto code = static_cast<StatusCode>(i);
    EXPECT_EQ(statusCodeFromString(toString(code)), code) << toString(code);
  }
  EXPECT_EQ(statusCodeFromString("pendingTransfer"), StatusCode::kPendingTransfer);
  EXPECT_EQ(statusCodeFromString("Server Update Prohibited"), StatusCode::kServerUpdateProhibited);
  EXPECT_EQ(statusCodeFromString("ok"), StatusCode::kUnknown);
  EXPECT_FALSE(lockOf(StatusCode::kPendingTransfer).has_value());
  EXPECT_EQ(describe(*lockOf(StatusCode::kTransferProhibited)), "transfer lock");
  EXPECT_EQ(describe(*lockOf(StatusCode::kServerDeleteProhibited)), "server delete lock");
}

TEST(DomainResponseTest, ReadsErrorObjects) {
  auto e = parseErrorResponse(fixture("error_404.json"));
  ASSERT_TRUE(e.ok()) << e.error().message;
  EXPECT_EQ(e->errorCode, 404);
  EXPECT_EQ(e->title, "Not Found");
  ASSERT_EQ(e->description.size(), 1u);
  // An error object where a domain was expected: a typed error carrying the code.
  auto d = parseDomain(fixture("error_404.json"));
  ASSERT_FALSE(d.ok());
  EXPECT_EQ(d.error().kind, RdapErrorKind::kErrorResponse);
  EXPECT_EQ(d.error().errorCode, 404);
  EXPECT_NE(d.error().message.find("Not Found"), std::string::npos);
  EXPECT_FALSE(parseErrorResponse(R"({"title": "no code"})").ok());
  EXPECT_FALSE(parseErrorResponse(R"({"errorCode": "429"})").ok());
}

std::string domainWith(const std::string& members) {
  return R"({"objectClassName": "domain", "ldhName": "example.com")" +
         (members.empty() ? "" : ", " + members) + "}";
}

std::string repeated(const std::string& item, size_t count) {
  std::string out;
  for (size_t i = 0; i < count; ++i) out += (i ? "," : "") + item;
  return out;
}

TEST(DomainResponseTest, HostileBodiesAreTypedErrors) {
  struct Case {
    std::string body;
    RdapErrorKind kind;
  };
  const std::vector<Case> cases = {
      {"", RdapErrorKind::kMalformedJson},
      {"<html>502 Bad Gateway</html>", RdapErrorKind::kMalformedJson},
      {R"({"objectClassName": "domain", "ldhName": "example.com", )",
       RdapErrorKind::kMalformedJson},
      {"\"domain\"", RdapErrorKind::kWrongShape},
      {R"({"ldhName": "example.com"})", RdapErrorKind::kWrongShape},
      {R"({"objectClassName": "entity", "handle": "X"})", RdapErrorKind::kWrongShape},
      {R"({"objectClassName": "domain"})", RdapErrorKind::kWrongShape},
      {R"({"objectClassName": "domain", "ldhName": 7})", RdapErrorKind::kWrongShape},
      {R"({"objectClassName": "domain", "ldhName": "bad name.com"})", RdapErrorKind::kBadValue},
      {domainWith(R"("status": "active")"), RdapErrorKind::kWrongShape},
      {domainWith(R"("status": [1, 2])"), RdapErrorKind::kWrongShape},
      {domainWith(R"("nameservers": [{"handle": "x"}])"), RdapErrorKind::kWrongShape},
      {domainWith(R"("nameservers": [{"ldhName": ["ns1.example"]}])"), RdapErrorKind::kWrongShape},
      {domainWith(R"("nameservers": [{"ldhName": "ns1/../x"}])"), RdapErrorKind::kBadValue},
      {domainWith(R"("events": [{"eventAction": "expiration"}])"), RdapErrorKind::kWrongShape},
      {domainWith(R"("events": [{"eventAction": "expiration", "eventDate": "tomorrow"}])"),
       RdapErrorKind::kBadValue},
      {domainWith(R"("entities": {"roles": ["registrar"]})"), RdapErrorKind::kWrongShape},
      {domainWith(R"("status": [)" + repeated("\"active\"", kMaxStatuses + 1) + "]"),
       RdapErrorKind::kTooLarge},
      {domainWith(R"("nameservers": [)" +
                  repeated(R"({"ldhName": "ns.example"})", kMaxNameservers + 1) + "]"),
       RdapErrorKind::kTooLarge},
      {domainWith(R"("entities": [)" + repeated("{}", kMaxEntities + 1) + "]"),
       RdapErrorKind::kTooLarge},
      {domainWith(R"("events": [)" + repeated("{}", kMaxEvents + 1) + "]"),
       RdapErrorKind::kTooLarge},
      {domainWith(R"("status": [")" + std::string(kMaxTextLength + 1, 'x') + "\"]"),
       RdapErrorKind::kTooLarge},
      {domainWith(R"("remarks": )" + std::string(10000, '[') + std::string(10000, ']')),
       RdapErrorKind::kTooLarge},
      {std::string(kMaxResponseBytes + 1, ' '), RdapErrorKind::kTooLarge},
  };
  for (const Case& c : cases) {
    auto r = parseDomain(c.body);
    ASSERT_FALSE(r.ok()) << c.body.substr(0, 100);
    EXPECT_EQ(r.error().kind, c.kind) << c.body.substr(0, 100) << ": " << r.error().message;
  }
}

// Brackets inside strings are not nesting; escaped quotes do not end a string.
TEST(DomainResponseTest, DepthCheckSkipsStrings) {
  const std::string brackets(5000, '[');
  auto r = parseDomain(domainWith(R"("port43": "\")" + brackets + R"(")"));
  ASSERT_TRUE(r.ok()) << r.error().message;
}

// What a server may omit or garble without the answer being unusable: a registrar entity without
// a vCard or an IANA id, a non-numeric id, members of unexpected types that zonewatch does not
// read.
TEST(DomainResponseTest, ToleratesMissingOptionalParts) {
  auto r = parseDomain(domainWith(
      R"("entities": [{"roles": ["registrar"], "handle": "R-1",
                       "publicIds": [{"type": "IANA Registrar ID", "identifier": "12x"}],
                       "vcardArray": ["vcard"]}, 5, "text"],
         "secureDNS": "yes", "links": 7)"));
  ASSERT_TRUE(r.ok()) << r.error().message;
  ASSERT_TRUE(r->registrar.has_value());
  EXPECT_EQ(r->registrar->name, "");
  EXPECT_FALSE(r->registrar->ianaId.has_value());
  EXPECT_EQ(r->registrar->handle, "R-1");
  EXPECT_TRUE(r->nameservers.empty());
  EXPECT_TRUE(r->statuses.empty());
  auto none = parseDomain(domainWith(""));
  ASSERT_TRUE(none.ok());
  EXPECT_FALSE(none->registrar.has_value());
}

}  // namespace
}  // namespace zonewatch::rdap
