// The stored form of a Registration (monitor/rdap/registration_json.h): what parseDomain reads
// from the registry fixtures survives toJson and registrationFromJson unchanged, the form's keys
// are the documented ones, and a row that is not that form comes back as an error, not a guess.
#include "monitor/rdap/registration_json.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <nlohmann/json.hpp>
#include <string>

#include "monitor/util/file_io.h"
#include "monitor/util/rfc3339.h"

namespace zonewatch::rdap {
namespace {

using nlohmann::json;

std::string fixture(const std::string& name) {
  auto text = readFileNamed(ZONEWATCH_SOURCE_DIR "/tests/unit/monitor/rdap/fixtures/" + name);
  EXPECT_TRUE(text.ok()) << text.error().message;
  return text.ok() ? *text : "";
}

TEST(RegistrationJsonTest, EveryFixtureSurvivesTheRoundTrip) {
  for (const char* name : {"verisign_thin.json", "registry_full.json"}) {
    auto parsed = parseDomain(fixture(name));
    ASSERT_TRUE(parsed.ok()) << name << ": " << parsed.error().message;
    auto back = registrationFromJson(toJson(*parsed));
    ASSERT_TRUE(back.ok()) << name << ": " << back.error().message;
    EXPECT_EQ(*back, *parsed) << name << ": " << toJson(*parsed);
  }
}

TEST(RegistrationJsonTest, TheFormHasTheDocumentedKeysAndUnixTimes) {
  auto parsed = parseDomain(fixture("verisign_thin.json"));
  ASSERT_TRUE(parsed.ok());
  const json j = json::parse(toJson(*parsed));
  EXPECT_EQ(j["ldh_name"], "example.com.");
  EXPECT_EQ(j["status"], json({"client delete prohibited", "client transfer prohibited",
                               "client update prohibited"}));
  EXPECT_EQ(j["registrar"]["iana_id"], 376);
  EXPECT_EQ(j["nameservers"], json({"a.iana-servers.net.", "b.iana-servers.net."}));
  EXPECT_EQ(j["registered_at"], parseRfc3339("1995-08-14T04:00:00Z").value());
  EXPECT_EQ(j["expires_at"], parseRfc3339("2027-08-13T04:00:00Z").value());
  EXPECT_TRUE(j["transferred_at"].is_null());
}

TEST(RegistrationJsonTest, AnUnregisteredStatusAndNoRegistrarRoundTrip) {
  Registration r;
  r.ldhName = "example.test.";
  r.statuses = {{StatusCode::kServerHold, "server hold"}, {StatusCode::kUnknown, "on hold by x"}};
  std::sort(r.statuses.begin(), r.statuses.end());
  r.expiresAt = parseRfc3339("2027-01-01T00:00:00Z").value();
  const std::string text = toJson(r);
  EXPECT_TRUE(json::parse(text)["registrar"].is_null());
  auto back = registrationFromJson(text);
  ASSERT_TRUE(back.ok()) << back.error().message;
  EXPECT_EQ(*back, r);
  EXPECT_TRUE(back->has(StatusCode::kServerHold));
  EXPECT_EQ(back->statuses.back().code, StatusCode::kUnknown);
}

TEST(RegistrationJsonTest, ARowThatIsNotTheFormIsAnError) {
  EXPECT_EQ(registrationFromJson("{\"ldh_name\": ").error().kind, RdapErrorKind::kMalformedJson);
  EXPECT_EQ(registrationFromJson("[]").error().kind, RdapErrorKind::kWrongShape);
  EXPECT_EQ(registrationFromJson(R"({"status": "locked"})").error().kind,
            RdapErrorKind::kWrongShape);
  EXPECT_EQ(registrationFromJson(R"({"registrar": {"iana_id": -1}})").error().kind,
            RdapErrorKind::kBadValue);
  EXPECT_EQ(registrationFromJson(R"({"expires_at": "next year"})").error().kind,
            RdapErrorKind::kBadValue);
  EXPECT_EQ(registrationFromJson(R"({"nameservers": [1]})").error().kind,
            RdapErrorKind::kWrongShape);
}

}  // namespace
}  // namespace zonewatch::rdap
