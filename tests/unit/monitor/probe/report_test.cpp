#include "monitor/probe/report.h"

#include <gtest/gtest.h>

#include "monitor/detect/findings.h"
#include "tests/unit/monitor/model/query_failure_text.h"
#include "tests/unit/monitor/probe/observation_fixture.h"

namespace zonewatch::probe {

// The observation's records (monitor/model/observation.h).
using model::Observation;
namespace {

using testing::healthyObservation;

bool contains(const std::string& text, std::string_view part) {
  return text.find(part) != std::string::npos;
}

// The line of `text` that contains `part`, or "" when none does.
std::string lineWith(const std::string& text, std::string_view part) {
  size_t at = text.find(part);
  if (at == std::string::npos) return {};
  size_t begin = text.rfind('\n', at);
  begin = begin == std::string::npos ? 0 : begin + 1;
  size_t end = text.find('\n', at);
  return text.substr(begin, end == std::string::npos ? std::string::npos : end - begin);
}

TEST(ReportTest, HealthyReportHasTheKeyLines) {
  Observation o = healthyObservation();
  detect::computeFindings(o);
  const std::string report = formatReport(o, false);
  EXPECT_EQ(report.rfind("example.com.\n", 0), 0u) << report;  // the domain first
  EXPECT_TRUE(contains(lineWith(report, "Verdict"), "SECURE")) << report;
  EXPECT_TRUE(contains(lineWith(report, "Observed"), "2026-11-27T12:00:00Z")) << report;
  EXPECT_TRUE(contains(lineWith(report, "Operators"), "example.com., example.net.")) << report;
  EXPECT_TRUE(contains(lineWith(report, "RRSIG expiry"), "2026-12-17T12:00:00Z (in 20d)"))
      << report;
  // The chain, from the root down.
  EXPECT_TRUE(contains(report, "Chain of trust")) << report;
  const std::string root = lineWith(report, "DS 20326 38696 → DNSKEY 20326 38696 53148");
  EXPECT_TRUE(contains(root, "secure")) << report;
  EXPECT_LT(report.find("DS 20326"), report.find("DS 19718"));
  EXPECT_LT(report.find("DS 19718"), report.find("DS 12345 → DNSKEY 12345 23456"));
  // The delegation.
  EXPECT_TRUE(contains(report, "Delegation from com.")) << report;
  EXPECT_TRUE(contains(report, "2 of 2 parent server addresses answered")) << report;
  EXPECT_TRUE(contains(lineWith(report, "NS  "), "ns1.example.com. ns2.example.net.")) << report;
  EXPECT_TRUE(contains(lineWith(report, "Glue"), "ns1.example.com. 192.0.2.1 2001:db8::1"));
  EXPECT_TRUE(contains(lineWith(report, "DS  "), "12345 alg 13 SHA-256 3A4F0C")) << report;
  // One table row per server address.
  const std::string header = lineWith(report, "NAME");
  for (const char* column : {"ADDRESS", "ANSWER", "SERIAL", "DNSKEY", "RRSIG EXPIRES", "STATE"}) {
    EXPECT_TRUE(contains(header, column)) << column;
  }
  const std::string row = lineWith(report, "198.51.100.2");
  EXPECT_TRUE(contains(row, "ns2.example.net.")) << row;
  EXPECT_TRUE(contains(row, "NOERROR aa")) << row;
  EXPECT_TRUE(contains(row, "2026112701")) << row;
  EXPECT_TRUE(contains(row, "12345 23456")) << row;
  EXPECT_TRUE(contains(row, "2026-12-17T12:00:00Z")) << row;
  EXPECT_TRUE(contains(row, "secure")) << row;
  // Columns line up: every row's address starts where the header's ADDRESS does.
  EXPECT_EQ(row.find("198.51.100.2"), header.find("ADDRESS"));
  EXPECT_TRUE(contains(lineWith(report, "Findings") + "\n" + report.substr(report.find("Findings")),
                       "none"));
  EXPECT_FALSE(contains(report, "\x1b")) << "no ANSI escapes without colour";
}

TEST(ReportTest, BogusReportShowsReasonEdeFailuresAndFindings) {
  Observation o = healthyObservation();
  o.status = model::SecurityState::kBogus;
  o.reason = model::SecurityReason::kRrsigExpired;
  o.ede = 7;
  o.detail = "SOA RRSIG expired";
  o.chain.back().state = model::SecurityState::kBogus;
  o.chain.back().reason = model::SecurityReason::kRrsigExpired;
  o.servers[2].error = zonewatch::testing::queryError("timeout");
  o.servers[2].soaSerial.reset();
  o.servers[2].dnskey.clear();
  o.servers[2].earliestRrsigExpiration.reset();
  o.servers[2].state = model::SecurityState::kIndeterminate;
  o.parent.servers[1].error = zonewatch::testing::queryError("timeout");
  detect::computeFindings(o);
  const std::string report = formatReport(o, false);
  EXPECT_TRUE(contains(lineWith(report, "Verdict"),
                       "BOGUS, rrsig_expired (EDE 7: Signature Expired) — SOA RRSIG expired"))
      << report;
  EXPECT_TRUE(contains(lineWith(report, "DS 12345 → DNSKEY"), "bogus")) << report;
  EXPECT_TRUE(contains(lineWith(report, "DS 12345 → DNSKEY"), "rrsig_expired")) << report;
  EXPECT_TRUE(contains(report, "1 of 2 parent server addresses answered")) << report;
  EXPECT_TRUE(contains(lineWith(report, "192.33.14.30"), "timeout")) << report;
  const std::string row = lineWith(report, "198.51.100.2");
  EXPECT_TRUE(contains(row, "timeout")) << row;
  EXPECT_TRUE(contains(row, "indeterminate")) << row;
  EXPECT_TRUE(contains(lineWith(report, "dnssec_bogus"), "CRITICAL")) << report;
  EXPECT_TRUE(contains(lineWith(report, "server_unreachable"), "WARNING")) << report;
  EXPECT_LT(report.find("dnssec_bogus"), report.find("server_unreachable"));
  EXPECT_FALSE(contains(report, "\x1b"));
}

TEST(ReportTest, VerdictWithoutAnEdeShowsNone) {
  Observation o = healthyObservation();
  o.status = model::SecurityState::kInsecure;
  o.reason = model::SecurityReason::kOptOut;
  o.ede = model::edeCode(o.reason);
  const std::string verdict = lineWith(formatReport(o, false), "Verdict");
  EXPECT_TRUE(contains(verdict, "INSECURE, opt_out")) << verdict;
  EXPECT_FALSE(contains(verdict, "EDE")) << verdict;
}

TEST(ReportTest, ServerThatAnsweredOnlyTheSoaShowsWhichQuestionsFailed) {
  Observation o = healthyObservation();
  o.servers[2].error = zonewatch::testing::queryError("servfail");
  o.servers[2].failedQueries = zonewatch::testing::failedQueries(
      {"DNSKEY servfail", "CDS refused", "A ns1.example.com. timeout"});
  const std::string row = lineWith(formatReport(o, false), "198.51.100.2");
  EXPECT_TRUE(contains(row, "DNSKEY servfail, CDS refused")) << row;
  EXPECT_FALSE(contains(row, "ns1.example.com. timeout")) << row;  // findings say that
  // A server whose SOA failed keeps showing the SOA's error.
  o.servers[2].failedQueries = zonewatch::testing::failedQueries({"SOA timeout", "NS timeout"});
  o.servers[2].error = zonewatch::testing::queryError("timeout");
  EXPECT_TRUE(contains(lineWith(formatReport(o, false), "198.51.100.2"), "timeout"));
  EXPECT_FALSE(contains(lineWith(formatReport(o, false), "198.51.100.2"), "NS timeout"));
}

TEST(ReportTest, InsecureDelegationShowsTheDenial) {
  Observation o = healthyObservation();
  o.status = model::SecurityState::kInsecure;
  o.reason = model::SecurityReason::kDsAbsent;
  o.parent.ds.clear();
  o.parent.denial = "nsec3";
  const std::string report = formatReport(o, false);
  EXPECT_TRUE(contains(lineWith(report, "Verdict"), "INSECURE, ds_absent")) << report;
  EXPECT_TRUE(contains(lineWith(report, "DS  "), "none (absence proven by nsec3)")) << report;
}

TEST(ReportTest, IdnDomainIsShownInBothForms) {
  Observation o = healthyObservation();
  o.domain = "xn--bcher-kva.example.";
  o.domainUnicode = "bücher.example.";
  const std::string report = formatReport(o, false);
  EXPECT_EQ(report.rfind("bücher.example. (xn--bcher-kva.example.)\n", 0), 0u) << report;
}

TEST(ReportTest, ObservationErrorIsShown) {
  Observation o;
  o.domain = "example.com.";
  o.observedAt = testing::kNow;
  o.error = "no root server answered";
  o.detail = *o.error;
  detect::computeFindings(o);
  const std::string report = formatReport(o, false);
  EXPECT_TRUE(contains(lineWith(report, "Error"), "no root server answered")) << report;
  EXPECT_EQ(lineWith(report, "Verdict"), "  Verdict    INDETERMINATE, missing_data") << report;
  EXPECT_TRUE(contains(report, "(none reached)")) << report;
}

TEST(ReportTest, ColourOnlyWhenAsked) {
  Observation o = healthyObservation();
  o.status = model::SecurityState::kBogus;
  o.reason = model::SecurityReason::kDsMismatch;
  detect::computeFindings(o);
  const std::string plain = formatReport(o, false);
  const std::string coloured = formatReport(o, true);
  EXPECT_FALSE(contains(plain, "\x1b["));
  EXPECT_TRUE(contains(coloured, "\x1b[1;31mBOGUS\x1b[0m")) << coloured;
  EXPECT_TRUE(contains(coloured, "\x1b[1;31mCRITICAL\x1b[0m")) << coloured;
  // Escapes never shift the columns: stripping them gives the plain report back.
  std::string stripped;
  for (size_t i = 0; i < coloured.size(); ++i) {
    if (coloured[i] == '\x1b') {
      i = coloured.find('m', i);
      continue;
    }
    stripped += coloured[i];
  }
  EXPECT_EQ(stripped, plain);
}

TEST(ReportTest, EdeNames) {
  EXPECT_EQ(edeName(6), "DNSSEC Bogus");
  EXPECT_EQ(edeName(22), "No Reachable Authority");
  EXPECT_EQ(edeName(27), "Unsupported NSEC3 Iterations Value");
  EXPECT_EQ(edeName(28), "");
}

}  // namespace
}  // namespace zonewatch::probe
