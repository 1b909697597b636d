#include "monitor/detect/findings.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "tests/unit/monitor/model/query_failure_text.h"
#include "tests/unit/monitor/probe/observation_fixture.h"

namespace zonewatch::detect {
namespace {

using model::Finding;
using model::Observation;
using model::ParentServer;
using model::ServerView;
using model::Severity;

using probe::testing::healthyObservation;
using probe::testing::kDay;
using probe::testing::kNow;

std::vector<const Finding*> withCode(const Observation& o, std::string_view code) {
  std::vector<const Finding*> out;
  for (const Finding& f : o.findings) {
    if (model::toString(f.kind) == code) out.push_back(&f);
  }
  return out;
}

std::string codes(const Observation& o) {
  std::string out;
  for (const Finding& f : o.findings)
    out += std::string(model::toString(f.kind)) + "(" + std::string(toString(f.severity)) + ") ";
  return out;
}

bool contains(const std::string& text, std::string_view part) {
  return text.find(part) != std::string::npos;
}

TEST(FindingsTest, HealthyObservationHasNoFindingsAndIsOk) {
  Observation o = healthyObservation();
  computeFindings(o);
  EXPECT_TRUE(o.findings.empty()) << codes(o);
  EXPECT_EQ(nagiosStatus(o), NagiosStatus::kOk);
}

TEST(FindingsTest, ComputeFindingsReplacesEarlierFindings) {
  Observation o = healthyObservation();
  o.findings.push_back(
      {model::FindingKind::kDnssecBogus, Severity::kCritical, "from an earlier run", std::nullopt});
  computeFindings(o);
  EXPECT_TRUE(o.findings.empty()) << codes(o);
}

TEST(FindingsTest, ParentChildNsMismatchIsGroupedAcrossServers) {
  Observation o = healthyObservation();
  for (ServerView& s : o.servers) s.ns = {"ns1.example.com.", "ns3.example.org."};
  computeFindings(o);
  auto found = withCode(o, "ns_parent_child_mismatch");
  ASSERT_EQ(found.size(), 1u) << codes(o);
  EXPECT_EQ(found[0]->severity, Severity::kWarning);
  EXPECT_FALSE(found[0]->server.has_value());  // three servers share it
  EXPECT_TRUE(contains(found[0]->message, "only at the parent: ns2.example.net."));
  EXPECT_TRUE(contains(found[0]->message, "only at the child: ns3.example.org."));
  EXPECT_EQ(nagiosStatus(o), NagiosStatus::kWarning);
}

TEST(FindingsTest, ParentChildNsComparisonIgnoresCaseAndOrder) {
  Observation o = healthyObservation();
  o.servers[0].ns = {"NS2.Example.NET.", "ns1.EXAMPLE.com."};
  computeFindings(o);
  EXPECT_TRUE(withCode(o, "ns_parent_child_mismatch").empty()) << codes(o);
}

TEST(FindingsTest, ParentChildNsMismatchOnOneServerNamesIt) {
  Observation o = healthyObservation();
  o.servers[2].ns = {"ns2.example.net."};
  computeFindings(o);
  auto found = withCode(o, "ns_parent_child_mismatch");
  ASSERT_EQ(found.size(), 1u) << codes(o);
  EXPECT_EQ(found[0]->server, "ns2.example.net. 198.51.100.2");
}

TEST(FindingsTest, ServersDisagreeOnSoaSerial) {
  Observation o = healthyObservation();
  o.servers[2].soaSerial = 2026112702;
  computeFindings(o);
  auto found = withCode(o, "servers_disagree");
  ASSERT_EQ(found.size(), 1u) << codes(o);
  EXPECT_TRUE(contains(found[0]->message, "SOA serials"));
  EXPECT_TRUE(contains(found[0]->message, "2026112701 at ns1.example.com. 192.0.2.1"));
  EXPECT_TRUE(contains(found[0]->message, "2026112702 at ns2.example.net. 198.51.100.2"));
}

TEST(FindingsTest, ServersDisagreeOnDnskeyAndNs) {
  Observation o = healthyObservation();
  o.servers[1].dnskey.push_back({34567, 256, 13});
  o.servers[2].ns.push_back("ns3.example.org.");
  computeFindings(o);
  auto found = withCode(o, "servers_disagree");
  ASSERT_EQ(found.size(), 2u) << codes(o);
  EXPECT_TRUE(contains(found[0]->message, "NS sets"));
  EXPECT_TRUE(contains(found[1]->message, "DNSKEY sets"));
  EXPECT_TRUE(contains(found[1]->message, "34567"));
}

// A hostile server chooses how many keys it sends (KeyTrap sends hundreds): the finding that lists
// them stays bounded, cut at a character boundary, and says how much it left out.
TEST(FindingsTest, AMessageListingWhatAServerSentIsCapped) {
  Observation o = healthyObservation();
  for (uint16_t tag = 0; tag < 2000; ++tag) o.servers[1].dnskey.push_back({tag, 256, 13});
  o.servers[2].ns.push_back("ns\u00e9\u00e9\u00e9.example.org.");
  computeFindings(o);
  auto found = withCode(o, "servers_disagree");
  ASSERT_EQ(found.size(), 2u) << codes(o);
  const std::string& text = found[1]->message;
  EXPECT_TRUE(contains(text, "DNSKEY sets"));
  EXPECT_LE(text.size(), kMaxFindingMessageBytes + 40);
  EXPECT_TRUE(contains(text, "more bytes)")) << text.substr(text.size() - 60);
  // Every octet sequence is whole UTF-8: no continuation octet follows a cut.
  const size_t mark = text.rfind("\u2026");
  ASSERT_NE(mark, std::string::npos);
  EXPECT_NE(static_cast<unsigned char>(text[mark - 1]) & 0xC0, 0xC0) << "cut after a lead octet";
  EXPECT_LT(found[0]->message.size(), kMaxFindingMessageBytes) << "a short message is untouched";
  EXPECT_FALSE(contains(found[0]->message, "more bytes)"));
}

// The observation's own query cap ("not sent") is not the server's failure: no server_unreachable
// for a server never asked, or for its questions never asked; observation_limited says what was
// cut.
TEST(FindingsTest, QuestionsTheQueryCapKeptBackAreNotTheServersFailure) {
  Observation o = healthyObservation();
  o.servers[1].error = zonewatch::testing::queryError("not sent");
  o.servers[1].failedQueries = zonewatch::testing::failedQueries({"SOA not sent", "NS not sent"});
  o.servers[2].error = zonewatch::testing::queryError("not sent");
  o.servers[2].failedQueries =
      zonewatch::testing::failedQueries({"DNSKEY not sent", "A ns1.example.net. not sent"});
  o.limits = {"queries sent: the cap of 400 was reached"};
  computeFindings(o);
  EXPECT_TRUE(withCode(o, "server_unreachable").empty()) << codes(o);
  EXPECT_TRUE(withCode(o, "server_query_failed").empty()) << codes(o);
  EXPECT_EQ(withCode(o, "observation_limited").size(), 1u) << codes(o);

  for (auto& s : o.servers) {
    s.error = zonewatch::testing::queryError("not sent");
    s.failedQueries = zonewatch::testing::failedQueries({"SOA not sent"});
  }
  computeFindings(o);
  EXPECT_TRUE(withCode(o, "all_servers_unreachable").empty()) << codes(o);
  EXPECT_EQ(withCode(o, "observation_limited").size(), 1u) << codes(o);

  o.servers[0].error = zonewatch::testing::queryError(
      "timeout");  // one server really failed: the domain is judged again
  o.servers[0].failedQueries = zonewatch::testing::failedQueries({"SOA timeout"});
  computeFindings(o);
  EXPECT_EQ(withCode(o, "all_servers_unreachable").size(), 1u) << codes(o);
  EXPECT_EQ(withCode(o, "server_unreachable").size(), 1u) << codes(o);
}

TEST(FindingsTest, ServersThatFailedAreNotComparedForDisagreement) {
  Observation o = healthyObservation();
  o.servers[2].error = zonewatch::testing::queryError("timeout");
  o.servers[2].soaSerial.reset();
  o.servers[2].dnskey.clear();
  o.servers[2].ns.clear();
  computeFindings(o);
  EXPECT_TRUE(withCode(o, "servers_disagree").empty()) << codes(o);
}

TEST(FindingsTest, ParentServersDisagreeOnDs) {
  Observation o = healthyObservation();
  o.parent.servers[1].ds = {{54321, 13, 2, "FFFF"}};
  computeFindings(o);
  auto found = withCode(o, "parent_servers_disagree");
  ASSERT_EQ(found.size(), 1u) << codes(o);
  EXPECT_TRUE(contains(found[0]->message, "DS sets"));
  EXPECT_TRUE(contains(found[0]->message, "54321 13 2 FFFF"));
  EXPECT_TRUE(contains(found[0]->message, "b.gtld-servers.net. 192.33.14.30"));
}

TEST(FindingsTest, ParentServersDisagreeOnNsAndGlue) {
  Observation o = healthyObservation();
  o.parent.servers[0].ns.push_back("ns3.example.org.");
  o.parent.servers[0].glue[0].addresses = {"192.0.2.9"};
  computeFindings(o);
  auto found = withCode(o, "parent_servers_disagree");
  ASSERT_EQ(found.size(), 2u) << codes(o);
  EXPECT_TRUE(contains(found[0]->message, "NS sets"));
  EXPECT_TRUE(contains(found[1]->message, "glue"));
}

// The fixture's servers serve what the glue says for the one in-domain host.
Observation withServedAddresses(std::vector<std::string> addresses) {
  Observation o = healthyObservation();
  for (ServerView& s : o.servers) s.hostAddresses = {{"ns1.example.com.", addresses}};
  return o;
}

TEST(FindingsTest, GlueMatchingTheServersOwnAddressesIsNotAFinding) {
  Observation o = withServedAddresses({"192.0.2.1", "2001:db8::1"});
  computeFindings(o);
  EXPECT_TRUE(o.findings.empty()) << codes(o);
}

TEST(FindingsTest, GlueMismatchWhenTheChildServesOtherAddresses) {
  // The lab's change-glue: the parent moved the glue, the zone still says the old address. The
  // prober asked the glue address, so the addresses it queried prove nothing; the zone's own A
  // record does.
  Observation o = withServedAddresses({"192.0.2.1", "2001:db8::1"});
  o.parent.glue[0].addresses = {"192.0.2.99", "2001:db8::1"};
  for (ParentServer& p : o.parent.servers) p.glue = o.parent.glue;
  o.servers[0].address = "192.0.2.99";
  computeFindings(o);
  auto found = withCode(o, "glue_mismatch");
  ASSERT_EQ(found.size(), 1u) << codes(o);
  EXPECT_EQ(found[0]->severity, Severity::kWarning);
  EXPECT_EQ(found[0]->server, "ns1.example.com.");
  EXPECT_TRUE(contains(found[0]->message,
                       "glue for ns1.example.com. in com. is "
                       "{192.0.2.99, 2001:db8::1}"))
      << found[0]->message;
  EXPECT_TRUE(contains(found[0]->message,
                       "serve {192.0.2.1, 2001:db8::1} at "
                       "ns1.example.com. 192.0.2.99, ns1.example.com. "
                       "2001:db8::1, ns2.example.net. 198.51.100.2"))
      << found[0]->message;
  EXPECT_TRUE(withCode(o, "parent_servers_disagree").empty()) << codes(o);
  EXPECT_EQ(nagiosStatus(o), NagiosStatus::kWarning);
}

TEST(FindingsTest, GlueMismatchListsEachAddressSetServedAndWhoServesIt) {
  Observation o = withServedAddresses({"192.0.2.1", "2001:db8::1"});
  o.servers[2].hostAddresses = {{"ns1.example.com.", {}}};  // "no such host" at one server
  computeFindings(o);
  auto found = withCode(o, "glue_mismatch");
  ASSERT_EQ(found.size(), 1u) << codes(o);
  EXPECT_TRUE(contains(found[0]->message, "no address at ns2.example.net. 198.51.100.2"))
      << found[0]->message;
  EXPECT_TRUE(contains(found[0]->message,
                       "{192.0.2.1, 2001:db8::1} at ns1.example.com. "
                       "192.0.2.1, ns1.example.com. 2001:db8::1"))
      << found[0]->message;
}

TEST(FindingsTest, GlueIsComparedOnlyWithServersThatGaveAddresses) {
  // No server gave addresses (old observations, or every NS answer failed): nothing to compare.
  Observation o = healthyObservation();
  o.parent.glue[0].addresses = {"192.0.2.99"};
  for (ParentServer& p : o.parent.servers) p.glue = o.parent.glue;
  computeFindings(o);
  EXPECT_TRUE(withCode(o, "glue_mismatch").empty()) << codes(o);

  // A server with an error is not a witness either.
  o = withServedAddresses({"192.0.2.1", "2001:db8::1"});
  o.servers[2].hostAddresses = {{"ns1.example.com.", {"203.0.113.1"}}};
  o.servers[2].error = zonewatch::testing::queryError("timeout");
  computeFindings(o);
  EXPECT_TRUE(withCode(o, "glue_mismatch").empty()) << codes(o);
}

TEST(FindingsTest, GlueForHostsOutsideTheDomainIsNotCompared) {
  // Sibling glue (a host in another zone under the same parent) is that zone's business.
  Observation o = withServedAddresses({"192.0.2.1", "2001:db8::1"});
  o.parent.glue.push_back({"ns2.example.net.", {"198.51.100.2"}});
  for (ServerView& s : o.servers) s.hostAddresses.push_back({"ns2.example.net.", {"203.0.113.9"}});
  computeFindings(o);
  EXPECT_TRUE(withCode(o, "glue_mismatch").empty()) << codes(o);
}

TEST(FindingsTest, LameServerWithoutAaOrRefused) {
  Observation o = healthyObservation();
  o.servers[0].aa = false;
  o.servers[0].error = zonewatch::testing::queryError("lame");
  o.servers[2].error = zonewatch::testing::queryError("refused");
  o.servers[2].rcode = 5;
  o.servers[2].aa = false;
  computeFindings(o);
  auto found = withCode(o, "lame_server");
  ASSERT_EQ(found.size(), 2u) << codes(o);
  EXPECT_EQ(found[0]->server, "ns1.example.com. 192.0.2.1");
  EXPECT_TRUE(contains(found[0]->message, "AA"));
  EXPECT_EQ(found[1]->server, "ns2.example.net. 198.51.100.2");
  EXPECT_TRUE(contains(found[1]->message, "REFUSED"));
  EXPECT_TRUE(withCode(o, "all_servers_unreachable").empty());
}

TEST(FindingsTest, LameServerFromFlagsAloneWithoutErrorText) {
  Observation o = healthyObservation();
  o.servers[1].aa = false;
  computeFindings(o);
  auto found = withCode(o, "lame_server");
  ASSERT_EQ(found.size(), 1u) << codes(o);
  EXPECT_EQ(found[0]->server, "ns1.example.com. 2001:db8::1");
}

TEST(FindingsTest, ServerUnreachableOnTimeoutAndUnresolvedHost) {
  Observation o = healthyObservation();
  o.servers[1].error = zonewatch::testing::queryError("timeout");
  ServerView unresolved;
  unresolved.name = "ns3.example.org.";
  unresolved.error = zonewatch::testing::queryError("unresolved");
  unresolved.detail = "NXDOMAIN";
  o.servers.push_back(unresolved);
  computeFindings(o);
  auto found = withCode(o, "server_unreachable");
  ASSERT_EQ(found.size(), 2u) << codes(o);
  EXPECT_EQ(found[0]->server, "ns1.example.com. 2001:db8::1");
  EXPECT_TRUE(contains(found[0]->message, "timeout"));
  EXPECT_EQ(found[1]->server, "ns3.example.org.");
  EXPECT_TRUE(contains(found[1]->message, "NXDOMAIN"));
  EXPECT_EQ(nagiosStatus(o), NagiosStatus::kWarning);
}

TEST(FindingsTest, AllServersUnreachableIsCriticalWhateverTheChainAbove) {
  Observation o = healthyObservation();
  for (ServerView& s : o.servers) {
    s.error = zonewatch::testing::queryError("timeout");
    s.aa = false;
  }
  o.status = model::SecurityState::kIndeterminate;
  o.reason = model::SecurityReason::kMissingData;
  computeFindings(o);
  auto found = withCode(o, "all_servers_unreachable");
  ASSERT_EQ(found.size(), 1u) << codes(o);
  EXPECT_EQ(found[0]->severity, Severity::kCritical);
  EXPECT_EQ(model::toString(o.findings.front().kind), "all_servers_unreachable");  // critical first
  EXPECT_EQ(withCode(o, "server_unreachable").size(), 3u);
  // The servers were found and asked: their silence is a fact about the domain. The same exit
  // code whether the chain above is signed (indeterminate) or not (insecure).
  EXPECT_EQ(nagiosStatus(o), NagiosStatus::kCritical);
  o.status = model::SecurityState::kInsecure;
  o.reason = model::SecurityReason::kDsAbsent;
  computeFindings(o);
  ASSERT_EQ(withCode(o, "all_servers_unreachable").size(), 1u) << codes(o);
  EXPECT_EQ(nagiosStatus(o), NagiosStatus::kCritical);
}

TEST(FindingsTest, AllServersLameIsCritical) {
  Observation o = healthyObservation();
  for (ServerView& s : o.servers) {
    s.error = zonewatch::testing::queryError("lame");
    s.aa = false;
  }
  o.status = model::SecurityState::kIndeterminate;
  computeFindings(o);
  ASSERT_EQ(withCode(o, "all_servers_unreachable").size(), 1u) << codes(o);
  EXPECT_EQ(nagiosStatus(o), NagiosStatus::kCritical);
}

TEST(FindingsTest, SignatureExpiringWarningThenCritical) {
  Observation o = healthyObservation();
  o.earliestRrsigExpiration = kNow + 3 * kDay;
  o.servers[2].earliestRrsigExpiration = kNow + 3 * kDay;
  computeFindings(o);
  auto found = withCode(o, "signature_expiring");
  ASSERT_EQ(found.size(), 1u) << codes(o);
  EXPECT_EQ(found[0]->severity, Severity::kWarning);
  EXPECT_EQ(found[0]->server, "ns2.example.net. 198.51.100.2");
  EXPECT_TRUE(contains(found[0]->message, "in 3d"));
  EXPECT_EQ(nagiosStatus(o), NagiosStatus::kWarning);

  o.earliestRrsigExpiration = kNow + 6 * 3600;
  computeFindings(o);
  found = withCode(o, "signature_expiring");
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(found[0]->severity, Severity::kCritical);
  EXPECT_EQ(nagiosStatus(o), NagiosStatus::kCritical);

  o.earliestRrsigExpiration = kNow - 7200;
  computeFindings(o);
  found = withCode(o, "signature_expiring");
  ASSERT_EQ(found.size(), 1u);
  EXPECT_TRUE(contains(found[0]->message, "expired 2h0m ago"));
}

TEST(FindingsTest, SignatureThresholdsComeFromOptions) {
  Observation o = healthyObservation();  // expires in 20 days
  DetectOptions options;
  options.signatureWarningSeconds = 30 * kDay;
  computeFindings(o, options);
  ASSERT_EQ(withCode(o, "signature_expiring").size(), 1u) << codes(o);
  options.signatureWarningSeconds = 10 * kDay;
  computeFindings(o, options);
  EXPECT_TRUE(withCode(o, "signature_expiring").empty());
}

TEST(FindingsTest, CdsDeleteAndCdnskeyDelete) {
  Observation o = healthyObservation();
  for (ServerView& s : o.servers) {
    s.cds = {{0, 0, 0, "00"}};
    s.cdnskey = {{768, 0, 0}};  // "0 3 0 AA==": key tag 768
    s.cdsCheck.cdsDelete = true;
    s.cdsCheck.cdnskeyDelete = true;
  }
  computeFindings(o);
  auto found = withCode(o, "cds_delete");
  ASSERT_EQ(found.size(), 1u) << codes(o);
  EXPECT_TRUE(contains(found[0]->message, "RFC 8078"));
  EXPECT_TRUE(withCode(o, "cds_inconsistent").empty()) << codes(o);
  EXPECT_TRUE(withCode(o, "cds_pending").empty()) << codes(o);  // the delete says it already
}

TEST(FindingsTest, CdsMatchingTheKeysAndTheDsIsNotAFinding) {
  Observation o = healthyObservation();
  for (ServerView& s : o.servers) {
    s.cds = {{12345, 13, 2, "3A4F0C"}};
    s.cdnskey = {{12345, 257, 13}};
  }
  computeFindings(o);
  EXPECT_TRUE(o.findings.empty()) << codes(o);
}

TEST(FindingsTest, CdsWhoseDigestMatchesNoDnskeyIsInconsistent) {
  // Tag and algorithm of a served key, digest of none: the prober's digest check says so.
  Observation o = healthyObservation();
  for (ServerView& s : o.servers) {
    s.cds = {{12345, 13, 2, "ABCD"}};
    s.cdsCheck.cdsWithoutKey = {{12345, 13, 2, "ABCD"}};
  }
  computeFindings(o);
  auto found = withCode(o, "cds_inconsistent");
  ASSERT_EQ(found.size(), 1u) << codes(o);
  EXPECT_TRUE(contains(found[0]->message, "CDS 12345 13 2 ABCD is the digest of no DNSKEY"))
      << found[0]->message;
  EXPECT_FALSE(found[0]->server.has_value());  // all three servers, one finding
}

TEST(FindingsTest, CdnskeyEqualToNoDnskeyIsInconsistent) {
  Observation o = healthyObservation();
  o.servers[0].cdnskey = {{11111, 257, 13}};
  o.servers[0].cdsCheck.cdnskeyWithoutKey = {{11111, 257, 13}};
  computeFindings(o);
  auto found = withCode(o, "cds_inconsistent");
  ASSERT_EQ(found.size(), 2u) << codes(o);  // the key, and the servers that differ
  EXPECT_EQ(found[0]->server, "ns1.example.com. 192.0.2.1");
  EXPECT_TRUE(contains(found[0]->message, "CDNSKEY 11111/13/257"));
}

TEST(FindingsTest, CdsWithoutCdnskeyOnSomeServersIsInconsistent) {
  Observation o = healthyObservation();
  for (ServerView& s : o.servers) s.cds = {{12345, 13, 2, "3A4F0C"}};
  o.servers[0].cdnskey = {{12345, 257, 13}};
  computeFindings(o);
  auto found = withCode(o, "cds_inconsistent");
  ASSERT_EQ(found.size(), 1u) << codes(o);
  EXPECT_TRUE(contains(found[0]->message, "between servers"));
  EXPECT_TRUE(contains(found[0]->message, "CDNSKEY (none) at ns1.example.com. 2001:db8::1"));
}

TEST(FindingsTest, CdsDifferingBetweenServersIsInconsistent) {
  Observation o = healthyObservation();
  o.servers[2].cds = {{23456, 13, 2, "BEEF"}};
  computeFindings(o);
  auto found = withCode(o, "cds_inconsistent");
  ASSERT_EQ(found.size(), 1u) << codes(o);
  EXPECT_TRUE(contains(found[0]->message, "23456 13 2 BEEF"));
}

TEST(FindingsTest, CdsAndCdnskeyNamingDifferentKeys) {
  Observation o = healthyObservation();
  for (ServerView& s : o.servers) {
    s.cds = {{12345, 13, 2, "3A4F0C"}};
    s.cdnskey = {{23456, 256, 13}};
    s.cdsCheck.cdsWithoutCdnskey = {{12345, 13, 2, "3A4F0C"}};
    s.cdsCheck.cdnskeyWithoutCds = {{23456, 256, 13}};
  }
  computeFindings(o);
  auto found = withCode(o, "cds_inconsistent");
  ASSERT_EQ(found.size(), 1u) << codes(o);
  EXPECT_TRUE(contains(found[0]->message, "describe different keys"));
  EXPECT_TRUE(contains(found[0]->message, "CDS without a CDNSKEY: {12345 13 2 3A4F0C}"));
  EXPECT_TRUE(contains(found[0]->message, "CDNSKEY without a CDS: {23456/13/256}"));
}

TEST(FindingsTest, CdsOfAnUncomputableDigestTypeIsReportedAsUnchecked) {
  Observation o = healthyObservation();
  for (ServerView& s : o.servers) {
    s.cds = {{12345, 13, 2, "3A4F0C"}, {12345, 13, 3, "0102"}};
    s.cdsCheck.cdsUnchecked = {{12345, 13, 3, "0102"}};
  }
  computeFindings(o);
  auto found = withCode(o, "cds_unchecked");
  ASSERT_EQ(found.size(), 1u) << codes(o);
  EXPECT_EQ(found[0]->severity, Severity::kInfo);
  EXPECT_TRUE(withCode(o, "cds_inconsistent").empty()) << codes(o);
}

TEST(FindingsTest, CdsDifferingFromTheDsIsAPendingRequest) {
  // RFC 7344 §4: a KSK rollover asks the parent for the new DS through CDS.
  Observation o = healthyObservation();
  for (ServerView& s : o.servers) s.cds = {{12345, 13, 2, "3A4F0C"}, {23456, 13, 2, "BEEF"}};
  computeFindings(o);
  auto found = withCode(o, "cds_pending");
  ASSERT_EQ(found.size(), 1u) << codes(o);
  EXPECT_EQ(found[0]->severity, Severity::kInfo);
  EXPECT_TRUE(contains(found[0]->message, "CDS {12345 13 2 3A4F0C, 23456 13 2 BEEF}"));
  EXPECT_TRUE(contains(found[0]->message, "com. publishes DS {12345 13 2 3A4F0C}"));
  EXPECT_EQ(nagiosStatus(o), NagiosStatus::kOk);

  // CDNSKEY alone: compared by key tag and algorithm, the digest being the parent's choice.
  o = healthyObservation();
  for (ServerView& s : o.servers) s.cdnskey = {{12345, 257, 13}};
  computeFindings(o);
  EXPECT_TRUE(withCode(o, "cds_pending").empty()) << codes(o);
  for (ServerView& s : o.servers) s.cdnskey = {{23456, 257, 13}};
  computeFindings(o);
  EXPECT_EQ(withCode(o, "cds_pending").size(), 1u) << codes(o);
}

TEST(FindingsTest, CdsQuestionsThatFailedAreNotComparedAsEmpty) {
  Observation o = healthyObservation();
  for (ServerView& s : o.servers) s.cds = {{12345, 13, 2, "3A4F0C"}};
  o.servers[2].cds.clear();
  o.servers[2].failedQueries = zonewatch::testing::failedQueries({"CDS refused"});
  computeFindings(o);
  EXPECT_TRUE(withCode(o, "cds_inconsistent").empty()) << codes(o);
  auto found = withCode(o, "server_query_failed");
  ASSERT_EQ(found.size(), 1u) << codes(o);
  EXPECT_EQ(found[0]->server, "ns2.example.net. 198.51.100.2");
  EXPECT_TRUE(contains(found[0]->message, "CDS REFUSED")) << found[0]->message;
  // CDS refused is no reason to doubt the server's other data: no "left out".
  EXPECT_FALSE(contains(found[0]->message, "left out")) << found[0]->message;
}

TEST(FindingsTest, ServerQueryFailedNamesTheServerAndTheQuestion) {
  // The prober's view of a server that answers SOA, NS and CDS fine but DNSKEY with SERVFAIL.
  Observation o = healthyObservation();
  ServerView& s = o.servers[1];
  s.error = zonewatch::testing::queryError("servfail");
  s.failedQueries = zonewatch::testing::failedQueries({"DNSKEY servfail"});
  s.dnskey.clear();
  s.state = model::SecurityState::kIndeterminate;
  s.reason = model::SecurityReason::kMissingData;
  computeFindings(o);
  auto found = withCode(o, "server_query_failed");
  ASSERT_EQ(found.size(), 1u) << codes(o);
  EXPECT_EQ(found[0]->server, "ns1.example.com. 2001:db8::1");
  EXPECT_EQ(found[0]->severity, Severity::kWarning);
  EXPECT_TRUE(contains(found[0]->message, "answered the SOA but DNSKEY SERVFAIL"))
      << found[0]->message;
  EXPECT_TRUE(contains(found[0]->message, "left out of the verdict")) << found[0]->message;
  // Not the SOA's story: no lame_server claiming it answered NOERROR.
  EXPECT_TRUE(withCode(o, "lame_server").empty()) << codes(o);
  // Its empty DNSKEY set is not a disagreement: its data is not counted.
  EXPECT_TRUE(withCode(o, "servers_disagree").empty()) << codes(o);
  EXPECT_EQ(nagiosStatus(o), NagiosStatus::kWarning);
}

TEST(FindingsTest, AnswerWithoutAaForOneTypeIsLame) {
  Observation o = healthyObservation();
  o.servers[0].error = zonewatch::testing::queryError("lame");
  o.servers[0].failedQueries = zonewatch::testing::failedQueries({"DNSKEY lame", "CDNSKEY lame"});
  computeFindings(o);
  auto found = withCode(o, "lame_server");
  ASSERT_EQ(found.size(), 1u) << codes(o);
  EXPECT_TRUE(contains(found[0]->message, "answered DNSKEY, CDNSKEY without the AA bit"))
      << found[0]->message;
  EXPECT_TRUE(withCode(o, "server_query_failed").empty()) << codes(o);
}

TEST(FindingsTest, SilenceAfterTheSoaIsUnreachableNamingTheQuestions) {
  Observation o = healthyObservation();
  o.servers[0].error = zonewatch::testing::queryError("timeout");
  o.servers[0].failedQueries = zonewatch::testing::failedQueries({"DNSKEY timeout", "CDS timeout"});
  computeFindings(o);
  auto found = withCode(o, "server_unreachable");
  ASSERT_EQ(found.size(), 1u) << codes(o);
  EXPECT_TRUE(contains(found[0]->message,
                       "no answer (timeout) to DNSKEY, CDS, though it "
                       "answered the SOA"))
      << found[0]->message;
}

TEST(FindingsTest, AllServersFailingTheDnskeyQuestionIsCritical) {
  Observation o = healthyObservation();
  for (ServerView& s : o.servers) {
    s.error = zonewatch::testing::queryError("servfail");
    s.failedQueries = zonewatch::testing::failedQueries({"DNSKEY servfail"});
  }
  o.status = model::SecurityState::kIndeterminate;
  o.reason = model::SecurityReason::kMissingData;
  computeFindings(o);
  auto found = withCode(o, "all_servers_unreachable");
  ASSERT_EQ(found.size(), 1u) << codes(o);
  EXPECT_TRUE(contains(found[0]->message, "3 answered the SOA but not the rest"))
      << found[0]->message;
  EXPECT_EQ(withCode(o, "server_query_failed").size(), 3u) << codes(o);
  EXPECT_EQ(nagiosStatus(o), NagiosStatus::kCritical);
}

TEST(FindingsTest, HostAddressQuestionsThatFailedAreReported) {
  Observation o = healthyObservation();
  o.servers[2].failedQueries = zonewatch::testing::failedQueries(
      {"A ns1.example.com. timeout", "AAAA ns1.example.com. servfail"});
  computeFindings(o);
  auto found = withCode(o, "server_query_failed");
  ASSERT_EQ(found.size(), 1u) << codes(o);
  EXPECT_TRUE(contains(found[0]->message, "A ns1.example.com. unanswered (timeout)"))
      << found[0]->message;
  EXPECT_TRUE(contains(found[0]->message, "AAAA ns1.example.com. SERVFAIL")) << found[0]->message;
  EXPECT_TRUE(withCode(o, "server_unreachable").empty()) << codes(o);
}

TEST(FindingsTest, DeprecatedAlgorithmFromKeysDsOrReason) {
  Observation o = healthyObservation();
  o.servers[0].dnskey.push_back({40000, 257, 5});
  computeFindings(o);
  auto found = withCode(o, "deprecated_algorithm");
  ASSERT_EQ(found.size(), 1u) << codes(o);
  EXPECT_TRUE(contains(found[0]->message, "DNSKEY 40000 algorithm 5"));

  o = healthyObservation();
  o.parent.ds.push_back({40001, 7, 2, "AA"});
  computeFindings(o);
  found = withCode(o, "deprecated_algorithm");
  ASSERT_EQ(found.size(), 1u) << codes(o);
  EXPECT_TRUE(contains(found[0]->message, "DS 40001 algorithm 7"));

  o = healthyObservation();
  o.reason = model::SecurityReason::kDeprecatedAlgorithm;
  computeFindings(o);
  EXPECT_EQ(withCode(o, "deprecated_algorithm").size(), 1u) << codes(o);
}

TEST(FindingsTest, DnssecBogusIsCriticalWithReasonAndDetail) {
  Observation o = healthyObservation();
  o.status = model::SecurityState::kBogus;
  o.reason = model::SecurityReason::kRrsigExpired;
  o.detail = "SOA RRSIG by 23456 expired 2026-11-20";
  computeFindings(o);
  auto found = withCode(o, "dnssec_bogus");
  ASSERT_EQ(found.size(), 1u) << codes(o);
  EXPECT_EQ(found[0]->severity, Severity::kCritical);
  EXPECT_TRUE(contains(found[0]->message, "rrsig_expired"));
  EXPECT_TRUE(contains(found[0]->message, "expired 2026-11-20"));
  EXPECT_EQ(nagiosStatus(o), NagiosStatus::kCritical);
}

TEST(FindingsTest, ValidationIndeterminateIsAWarningWhenServersAnswer) {
  Observation o = healthyObservation();
  o.status = model::SecurityState::kIndeterminate;
  o.reason = model::SecurityReason::kNoTrustAnchor;
  computeFindings(o);
  auto found = withCode(o, "validation_indeterminate");
  ASSERT_EQ(found.size(), 1u) << codes(o);
  EXPECT_TRUE(contains(found[0]->message, "no_trust_anchor"));
  EXPECT_EQ(nagiosStatus(o), NagiosStatus::kWarning);
}

TEST(FindingsTest, InsecureIsNotAFinding) {
  Observation o = healthyObservation();
  o.status = model::SecurityState::kInsecure;
  o.reason = model::SecurityReason::kDsAbsent;
  o.parent.ds.clear();
  for (ParentServer& p : o.parent.servers) p.ds.clear();
  computeFindings(o);
  EXPECT_TRUE(o.findings.empty()) << codes(o);
  EXPECT_EQ(nagiosStatus(o), NagiosStatus::kOk);
}

TEST(FindingsTest, NagiosUnknownWhenTheObservationFailed) {
  Observation o;
  o.domain = "example.com.";
  o.observedAt = kNow;
  o.error = "no root server answered";
  o.detail = *o.error;
  computeFindings(o);
  // The error says it all: no finding restates it.
  EXPECT_TRUE(o.findings.empty()) << codes(o);
  EXPECT_EQ(nagiosStatus(o), NagiosStatus::kUnknown);
}

TEST(FindingsTest, CriticalFindingsComeFirst) {
  Observation o = healthyObservation();
  o.servers[0].aa = false;                  // warning
  o.status = model::SecurityState::kBogus;  // critical
  o.reason = model::SecurityReason::kDsMismatch;
  computeFindings(o);
  ASSERT_GE(o.findings.size(), 2u);
  EXPECT_TRUE(
      std::is_sorted(o.findings.begin(), o.findings.end(),
                     [](const Finding& a, const Finding& b) { return a.severity > b.severity; }));
  EXPECT_EQ(model::toString(o.findings.front().kind), "dnssec_bogus");
}

TEST(FindingsTest, SeverityNames) {
  EXPECT_EQ(toString(Severity::kInfo), "info");
  EXPECT_EQ(toString(Severity::kWarning), "warning");
  EXPECT_EQ(toString(Severity::kCritical), "critical");
}

}  // namespace
}  // namespace zonewatch::detect
