#include "monitor/probe/findings.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "tests/unit/monitor/probe/observation_fixture.h"

namespace zonewatch::probe {
namespace {

using testing::healthyObservation;
using testing::kDay;
using testing::kNow;

std::vector<const Finding*> withCode(const Observation& o, std::string_view code) {
  std::vector<const Finding*> out;
  for (const Finding& f : o.findings) {
    if (f.code == code) out.push_back(&f);
  }
  return out;
}

std::string codes(const Observation& o) {
  std::string out;
  for (const Finding& f : o.findings)
    out += f.code + "(" + std::string(toString(f.severity)) + ") ";
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
  o.findings.push_back({"stale", Severity::kCritical, "from an earlier run", std::nullopt});
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

TEST(FindingsTest, ServersThatFailedAreNotComparedForDisagreement) {
  Observation o = healthyObservation();
  o.servers[2].error = "timeout";
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

TEST(FindingsTest, GlueMismatchWhenGlueDiffersFromAddressesQueried) {
  Observation o = healthyObservation();
  o.parent.glue[0].addresses = {"192.0.2.99", "2001:db8::1"};
  computeFindings(o);
  auto found = withCode(o, "glue_mismatch");
  ASSERT_EQ(found.size(), 1u) << codes(o);
  EXPECT_EQ(found[0]->server, "ns1.example.com.");
  EXPECT_TRUE(contains(found[0]->message, "192.0.2.99"));
  EXPECT_TRUE(contains(found[0]->message, "reached at {192.0.2.1, 2001:db8::1}"));
}

TEST(FindingsTest, GlueOfAnUnaskedAddressFamilyIsNotAMismatch) {
  // An --ipv4-only observation: the IPv6 glue was never asked, which is not a mismatch.
  Observation o = healthyObservation();
  o.servers.erase(o.servers.begin() + 1);
  computeFindings(o);
  EXPECT_TRUE(withCode(o, "glue_mismatch").empty()) << codes(o);
}

TEST(FindingsTest, LameServerWithoutAaOrRefused) {
  Observation o = healthyObservation();
  o.servers[0].aa = false;
  o.servers[0].error = "lame";
  o.servers[2].error = "refused";
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
  o.servers[1].error = "timeout";
  ServerView unresolved;
  unresolved.name = "ns3.example.org.";
  unresolved.error = "unresolved";
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
    s.error = "timeout";
    s.aa = false;
  }
  o.status = dnssec::State::kIndeterminate;
  o.reason = dnssec::Reason::kMissingData;
  computeFindings(o);
  auto found = withCode(o, "all_servers_unreachable");
  ASSERT_EQ(found.size(), 1u) << codes(o);
  EXPECT_EQ(found[0]->severity, Severity::kCritical);
  EXPECT_EQ(o.findings.front().code, "all_servers_unreachable");  // critical first
  EXPECT_EQ(withCode(o, "server_unreachable").size(), 3u);
  // The servers were found and asked: their silence is a fact about the domain. The same exit
  // code whether the chain above is signed (indeterminate) or not (insecure).
  EXPECT_EQ(nagiosStatus(o), NagiosStatus::kCritical);
  o.status = dnssec::State::kInsecure;
  o.reason = dnssec::Reason::kDsAbsent;
  computeFindings(o);
  ASSERT_EQ(withCode(o, "all_servers_unreachable").size(), 1u) << codes(o);
  EXPECT_EQ(nagiosStatus(o), NagiosStatus::kCritical);
}

TEST(FindingsTest, AllServersLameIsCritical) {
  Observation o = healthyObservation();
  for (ServerView& s : o.servers) {
    s.error = "lame";
    s.aa = false;
  }
  o.status = dnssec::State::kIndeterminate;
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
  FindingOptions options;
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
  }
  computeFindings(o);
  auto found = withCode(o, "cds_delete");
  ASSERT_EQ(found.size(), 1u) << codes(o);
  EXPECT_TRUE(contains(found[0]->message, "RFC 8078"));
  EXPECT_TRUE(withCode(o, "cds_inconsistent").empty()) << codes(o);
}

TEST(FindingsTest, CdsMatchingTheKeysIsNotAFinding) {
  Observation o = healthyObservation();
  for (ServerView& s : o.servers) {
    s.cds = {{12345, 13, 2, "3A4F0C"}};
    s.cdnskey = {{12345, 257, 13}};
  }
  computeFindings(o);
  EXPECT_TRUE(o.findings.empty()) << codes(o);
}

TEST(FindingsTest, CdsNamingNoDnskeyIsInconsistent) {
  Observation o = healthyObservation();
  for (ServerView& s : o.servers) {
    s.cds = {{11111, 13, 2, "ABCD"}};
    s.cdnskey = {{11111, 257, 13}};
  }
  computeFindings(o);
  auto found = withCode(o, "cds_inconsistent");
  ASSERT_EQ(found.size(), 2u) << codes(o);
  EXPECT_TRUE(contains(found[0]->message, "CDS 11111 13 2 ABCD matches no DNSKEY"));
  EXPECT_TRUE(contains(found[1]->message, "CDNSKEY 11111"));
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
  }
  computeFindings(o);
  auto found = withCode(o, "cds_inconsistent");
  ASSERT_EQ(found.size(), 1u) << codes(o);
  EXPECT_TRUE(contains(found[0]->message, "describe different keys"));
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
  o.reason = dnssec::Reason::kDeprecatedAlgorithm;
  computeFindings(o);
  EXPECT_EQ(withCode(o, "deprecated_algorithm").size(), 1u) << codes(o);
}

TEST(FindingsTest, DnssecBogusIsCriticalWithReasonAndDetail) {
  Observation o = healthyObservation();
  o.status = dnssec::State::kBogus;
  o.reason = dnssec::Reason::kRrsigExpired;
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
  o.status = dnssec::State::kIndeterminate;
  o.reason = dnssec::Reason::kNoTrustAnchor;
  computeFindings(o);
  auto found = withCode(o, "validation_indeterminate");
  ASSERT_EQ(found.size(), 1u) << codes(o);
  EXPECT_TRUE(contains(found[0]->message, "no_trust_anchor"));
  EXPECT_EQ(nagiosStatus(o), NagiosStatus::kWarning);
}

TEST(FindingsTest, InsecureIsNotAFinding) {
  Observation o = healthyObservation();
  o.status = dnssec::State::kInsecure;
  o.reason = dnssec::Reason::kDsAbsent;
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
  o.servers[0].aa = false;           // warning
  o.status = dnssec::State::kBogus;  // critical
  o.reason = dnssec::Reason::kDsMismatch;
  computeFindings(o);
  ASSERT_GE(o.findings.size(), 2u);
  EXPECT_TRUE(
      std::is_sorted(o.findings.begin(), o.findings.end(),
                     [](const Finding& a, const Finding& b) { return a.severity > b.severity; }));
  EXPECT_EQ(o.findings.front().code, "dnssec_bogus");
}

TEST(FindingsTest, SeverityNames) {
  EXPECT_EQ(toString(Severity::kInfo), "info");
  EXPECT_EQ(toString(Severity::kWarning), "warning");
  EXPECT_EQ(toString(Severity::kCritical), "critical");
}

}  // namespace
}  // namespace zonewatch::probe
