#include "monitor/probe/observation_json.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "monitor/detect/findings.h"
#include "tests/unit/monitor/model/query_failure_text.h"
#include "tests/unit/monitor/probe/observation_fixture.h"

namespace zonewatch::probe {

// The observation's records (monitor/model/observation.h).
using model::Observation;
namespace {

using nlohmann::json;
using testing::healthyObservation;

json parse(const std::string& text) {
  json parsed = json::parse(text, nullptr, /*allow_exceptions=*/false);
  EXPECT_FALSE(parsed.is_discarded()) << text;
  return parsed;
}

TEST(ObservationJsonTest, OneCompactLine) {
  Observation o = healthyObservation();
  detect::computeFindings(o);
  const std::string text = toJson(o);
  EXPECT_EQ(text.find('\n'), std::string::npos);
  EXPECT_EQ(text.find(": "), std::string::npos);  // compact: no pretty-printing
  EXPECT_EQ(text.front(), '{');
}

TEST(ObservationJsonTest, TopLevelFieldsAndTypes) {
  Observation o = healthyObservation();
  o.status = model::SecurityState::kBogus;
  o.reason = model::SecurityReason::kRrsigExpired;
  o.ede = 7;
  o.detail = "SOA RRSIG expired";
  detect::computeFindings(o);
  const json j = parse(toJson(o));
  ASSERT_TRUE(j.is_object());
  EXPECT_EQ(j["domain"], "example.com.");
  EXPECT_EQ(j["domain_unicode"], "example.com.");
  EXPECT_EQ(j["observed_at"], "2026-11-27T12:00:00Z");
  EXPECT_TRUE(j["observed_at_unix"].is_number_integer());
  EXPECT_EQ(j["observed_at_unix"], testing::kNow);
  EXPECT_EQ(j["status"], "bogus");
  EXPECT_EQ(j["reason"], "rrsig_expired");
  EXPECT_EQ(j["ede"], 7);
  EXPECT_EQ(j["detail"], "SOA RRSIG expired");
  EXPECT_EQ(j["operators"], json({"example.com.", "example.net."}));
  EXPECT_EQ(j["earliest_rrsig_expiration"], "2026-12-17T12:00:00Z");
  EXPECT_EQ(j["earliest_rrsig_expiration_unix"], testing::kNow + 20 * testing::kDay);
  EXPECT_TRUE(j["error"].is_null());
  for (const char* key : {"parent", "servers", "chain", "findings"}) {
    EXPECT_TRUE(j.contains(key)) << key;
  }
}

TEST(ObservationJsonTest, EdeIsNullWhenTheVerdictIsNoError) {
  // RFC 8914 §4.1: code 0 is "Other Error", so "no EDE" must not be written as 0.
  Observation o = healthyObservation();
  o.status = model::SecurityState::kInsecure;
  o.reason = model::SecurityReason::kDsAbsent;
  o.ede = model::edeCode(o.reason);
  EXPECT_TRUE(parse(toJson(o))["ede"].is_null());
  o.ede = 0;
  EXPECT_EQ(parse(toJson(o))["ede"], 0);
}

TEST(ObservationJsonTest, ParentSection) {
  Observation o = healthyObservation();
  o.parent.servers[1].error = zonewatch::testing::queryError("timeout");
  o.parent.servers[1].rcode = 0;
  const json parent = parse(toJson(o))["parent"];
  EXPECT_EQ(parent["zone"], "com.");
  EXPECT_EQ(parent["ns"], json({"ns1.example.com.", "ns2.example.net."}));
  ASSERT_EQ(parent["glue"].size(), 1u);
  EXPECT_EQ(parent["glue"][0]["host"], "ns1.example.com.");
  EXPECT_EQ(parent["glue"][0]["addresses"], json({"192.0.2.1", "2001:db8::1"}));
  ASSERT_EQ(parent["ds"].size(), 1u);
  EXPECT_EQ(parent["ds"][0]["key_tag"], 12345);
  EXPECT_EQ(parent["ds"][0]["algorithm"], 13);
  EXPECT_EQ(parent["ds"][0]["digest_type"], 2);
  EXPECT_EQ(parent["ds"][0]["digest"], "3A4F0C");
  EXPECT_EQ(parent["denial"], "");
  ASSERT_EQ(parent["servers"].size(), 2u);
  const json& first = parent["servers"][0];
  EXPECT_EQ(first["name"], "a.gtld-servers.net.");
  EXPECT_EQ(first["address"], "192.5.6.30");
  EXPECT_EQ(first["rcode"], "NOERROR");
  EXPECT_TRUE(first["error"].is_null());
  EXPECT_TRUE(first["ns"].is_array());
  EXPECT_TRUE(first["glue"].is_array());
  EXPECT_TRUE(first["ds"].is_array());
  EXPECT_TRUE(first["denial"].is_string());
  EXPECT_EQ(parent["servers"][1]["error"], "timeout");
}

TEST(ObservationJsonTest, ServerSection) {
  Observation o = healthyObservation();
  o.servers[0].cds = {{12345, 13, 2, "3A4F0C"}};
  o.servers[0].cdnskey = {{12345, 257, 13}};
  o.servers[2].error = zonewatch::testing::queryError("refused");
  o.servers[2].rcode = 5;
  o.servers[2].aa = false;
  o.servers[2].soaSerial.reset();
  o.servers[2].earliestRrsigExpiration.reset();
  const json servers = parse(toJson(o))["servers"];
  ASSERT_EQ(servers.size(), 3u);
  const json& s = servers[0];
  EXPECT_EQ(s["name"], "ns1.example.com.");
  EXPECT_EQ(s["address"], "192.0.2.1");
  EXPECT_EQ(s["rcode"], "NOERROR");
  EXPECT_EQ(s["aa"], true);
  EXPECT_EQ(s["transport"], "udp");
  EXPECT_TRUE(s["rtt_ms"].is_number());
  EXPECT_DOUBLE_EQ(s["rtt_ms"].get<double>(), 1.25);
  EXPECT_EQ(s["soa_serial"], 2026112701u);
  EXPECT_EQ(s["soa_mname"], "ns1.example.com.");
  EXPECT_EQ(s["soa_rname"], "hostmaster.example.com.");
  EXPECT_EQ(s["ns"], json({"ns1.example.com.", "ns2.example.net."}));
  ASSERT_EQ(s["dnskey"].size(), 2u);
  EXPECT_EQ(s["dnskey"][0], json({{"tag", 12345}, {"flags", 257}, {"algorithm", 13}}));
  EXPECT_EQ(s["cds"][0]["key_tag"], 12345);
  EXPECT_EQ(s["cdnskey"][0]["flags"], 257);
  EXPECT_EQ(s["earliest_rrsig_expiration"], "2026-12-17T12:00:00Z");
  EXPECT_EQ(s["status"], "secure");
  EXPECT_EQ(s["reason"], "none");
  EXPECT_TRUE(s["error"].is_null());
  const json& refused = servers[2];
  EXPECT_EQ(refused["rcode"], "REFUSED");
  EXPECT_EQ(refused["aa"], false);
  EXPECT_EQ(refused["error"], "refused");
  EXPECT_TRUE(refused["soa_serial"].is_null());
  EXPECT_TRUE(refused["earliest_rrsig_expiration"].is_null());
}

TEST(ObservationJsonTest, HostAddressesAndFailedQueries) {
  Observation o = healthyObservation();
  o.servers[0].hostAddresses = {{"ns1.example.com.", {"192.0.2.1", "2001:db8::1"}},
                                {"ns3.example.com.", {}}};
  o.servers[1].error = zonewatch::testing::queryError("servfail");
  o.servers[1].failedQueries =
      zonewatch::testing::failedQueries({"DNSKEY servfail", "A ns3.example.com. timeout"});
  const json servers = parse(toJson(o))["servers"];
  ASSERT_EQ(servers[0]["host_addresses"].size(), 2u);
  EXPECT_EQ(servers[0]["host_addresses"][0],
            json({{"host", "ns1.example.com."}, {"addresses", {"192.0.2.1", "2001:db8::1"}}}));
  EXPECT_TRUE(servers[0]["host_addresses"][1]["addresses"].is_array());
  EXPECT_TRUE(servers[0]["host_addresses"][1]["addresses"].empty());
  EXPECT_TRUE(servers[0]["failed_queries"].is_array());
  EXPECT_TRUE(servers[0]["failed_queries"].empty());
  EXPECT_EQ(servers[1]["failed_queries"], json({"DNSKEY servfail", "A ns3.example.com. timeout"}));
  EXPECT_TRUE(servers[2]["host_addresses"].empty());
}

TEST(ObservationJsonTest, ChainAndFindings) {
  Observation o = healthyObservation();
  o.servers[1].aa = false;
  detect::computeFindings(o);
  const json j = parse(toJson(o));
  ASSERT_EQ(j["chain"].size(), 3u);
  EXPECT_EQ(j["chain"][0]["zone"], ".");
  EXPECT_EQ(j["chain"][0]["status"], "secure");
  EXPECT_EQ(j["chain"][0]["reason"], "none");
  EXPECT_EQ(j["chain"][0]["ds_tags"], json({20326, 38696}));
  EXPECT_EQ(j["chain"][2]["dnskey_tags"], json({12345, 23456}));
  ASSERT_EQ(j["findings"].size(), 1u);
  const json& f = j["findings"][0];
  EXPECT_EQ(f["code"], "lame_server");
  EXPECT_EQ(f["severity"], "warning");
  EXPECT_TRUE(f["message"].is_string());
  EXPECT_EQ(f["server"], "ns1.example.com. 2001:db8::1");
}

TEST(ObservationJsonTest, NullsForAFailedObservation) {
  Observation o;
  o.domain = "example.com.";
  o.observedAt = testing::kNow;
  o.error = "no root server answered";
  detect::computeFindings(o);
  const json j = parse(toJson(o));
  EXPECT_EQ(j["error"], "no root server answered");
  EXPECT_EQ(j["domain_unicode"], "example.com.");  // falls back to the A-label form
  EXPECT_TRUE(j["earliest_rrsig_expiration"].is_null());
  EXPECT_TRUE(j["servers"].is_array());
  EXPECT_TRUE(j["servers"].empty());
  EXPECT_TRUE(j["findings"].is_array());
}

TEST(ObservationJsonTest, EvidenceOnlyWhenAsked) {
  Observation o = healthyObservation();
  o.servers[0].evidence = "example.com. 3600 IN SOA ...";
  o.parent.servers[0].evidence = "example.com. 86400 IN DS 12345 13 2 3A4F0C";
  const json without = parse(toJson(o));
  EXPECT_FALSE(without["servers"][0].contains("evidence"));
  EXPECT_FALSE(without["parent"]["servers"][0].contains("evidence"));
  const json with = parse(toJson(o, /*withEvidence=*/true));
  EXPECT_EQ(with["servers"][0]["evidence"], "example.com. 3600 IN SOA ...");
  EXPECT_EQ(with["parent"]["servers"][0]["evidence"], "example.com. 86400 IN DS 12345 13 2 3A4F0C");
}

TEST(ObservationJsonTest, UnicodeAndInvalidUtf8DoNotThrow) {
  Observation o = healthyObservation();
  o.domain = "xn--bcher-kva.example.";
  o.domainUnicode = "bücher.example.";
  o.detail = std::string("bad \xff\xfe bytes");
  const json j = parse(toJson(o));
  EXPECT_EQ(j["domain_unicode"], "bücher.example.");
  // Each invalid octet becomes U+FFFD, as the webhooks write it.
  EXPECT_EQ(j["detail"], "bad \uFFFD\uFFFD bytes");
}

}  // namespace
}  // namespace zonewatch::probe
