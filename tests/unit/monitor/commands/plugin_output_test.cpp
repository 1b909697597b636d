// The plugin status line and perfdata of `zonewatch check` (monitor/commands/plugin_output.h), read
// back the way Icinga reads them (icinga_reader.h), for each of the four states, on hand-built
// observations judged by the real findings; and the -w/-c ranges (threshold_range.h) against the
// monitoring-plugins guidelines' examples.
#include "monitor/commands/plugin_output.h"

#include <gtest/gtest.h>

#include "monitor/commands/exit_codes.h"
#include "monitor/commands/threshold_range.h"
#include "monitor/detect/findings.h"
#include "tests/unit/monitor/commands/icinga_reader.h"
#include "tests/unit/monitor/probe/observation_fixture.h"

namespace zonewatch::commands {
namespace {

using probe::testing::healthyObservation;
using probe::testing::kDay;
using probe::testing::kNow;
using zonewatch::testing::parsePluginOutput;
using zonewatch::testing::PluginOutput;

ThresholdRange range(const std::string& text) {
  auto r = parseThresholdRange(text);
  EXPECT_TRUE(r.ok()) << text << ": " << (r.ok() ? "" : r.error().message);
  return r.ok() ? *r : ThresholdRange{};
}

const SignatureThresholds kDefaults = {range("604800:"), range("86400:")};

// What `check` prints first for one judged observation (findings from `options`).
PluginOutput judged(model::Observation obs, const detect::DetectOptions& options = {}) {
  detect::computeFindings(obs, options);
  const int code = static_cast<int>(detect::nagiosStatus(obs));
  return parsePluginOutput(statusLine({obs}, code, kDefaults) + "\nthe report\n");
}

TEST(PluginOutputTest, OkHasEveryMetric) {
  const PluginOutput r = judged(healthyObservation());
  ASSERT_TRUE(r.valid) << r.problem;
  EXPECT_EQ(r.state, "OK");
  EXPECT_EQ(r.text, "example.com. secure");
  EXPECT_EQ(r.item("rrsig_expiry").value, 20.0 * kDay);
  EXPECT_EQ(r.item("rrsig_expiry").uom, "s");
  EXPECT_EQ(r.item("rrsig_expiry").warn, "604800:");
  EXPECT_EQ(r.item("rrsig_expiry").crit, "86400:");
  EXPECT_EQ(r.item("servers_answering").value, 3.0);
  EXPECT_EQ(r.item("servers_answering").min, "0");
  EXPECT_EQ(r.item("servers_answering").max, "3");
  EXPECT_EQ(r.item("rtt_max").value, 0.00125);
  EXPECT_EQ(r.item("rtt_max").uom, "s");
  EXPECT_EQ(r.longOutput, std::vector<std::string>{"the report"});
}

TEST(PluginOutputTest, WarningWhenASignatureExpiresWithinW) {
  model::Observation obs = healthyObservation();
  obs.earliestRrsigExpiration = kNow + 3 * kDay;
  obs.servers[2].rttMs = 250;
  obs.servers[1].error = model::QueryError{model::QueryFailure::kTimeout};
  const PluginOutput r = judged(obs);
  ASSERT_TRUE(r.valid) << r.problem;
  EXPECT_EQ(r.state, "WARNING");
  EXPECT_NE(r.text.find("signature_expiring (warning)"), std::string::npos) << r.text;
  EXPECT_EQ(r.item("rrsig_expiry").value, 3.0 * kDay);
  EXPECT_EQ(r.item("servers_answering").value, 2.0);  // the timeout sent no message back
  EXPECT_EQ(r.item("rtt_max").value, 0.25);
}

TEST(PluginOutputTest, CriticalWhenBogus) {
  model::Observation obs = healthyObservation();
  obs.status = model::SecurityState::kBogus;
  obs.reason = model::SecurityReason::kDsMismatch;
  const PluginOutput r = judged(obs);
  ASSERT_TRUE(r.valid) << r.problem;
  EXPECT_EQ(r.state, "CRITICAL");
  EXPECT_EQ(r.text.rfind("example.com. bogus (ds_mismatch)", 0), 0u) << r.text;
}

TEST(PluginOutputTest, UnknownWhenNothingWasObserved) {
  model::Observation obs;
  obs.domain = "nowhere.test.";
  obs.domainUnicode = obs.domain;
  obs.observedAt = kNow;
  obs.error = "no server of the root answered | twice\nreally";
  obs.errorCode = "unreachable";
  const PluginOutput r = judged(obs);
  ASSERT_TRUE(r.valid) << r.problem;
  EXPECT_EQ(r.state, "UNKNOWN");
  EXPECT_EQ(r.text, "nowhere.test. indeterminate (unreachable)");
  EXPECT_FALSE(r.has("rrsig_expiry"));  // nothing is known about the signatures
  EXPECT_EQ(r.item("servers_answering").value, 0.0);
  EXPECT_FALSE(r.has("rtt_max"));
}

TEST(PluginOutputTest, SeveralDomainsGetQuotedPrefixedLabelsAndACount) {
  model::Observation bad = healthyObservation();
  bad.domain = "it's.example.";  // a quote in a label: doubled inside the quotes
  bad.status = model::SecurityState::kBogus;
  bad.reason = model::SecurityReason::kDsMismatch;
  std::vector<model::Observation> all = {healthyObservation(), bad};
  for (auto& o : all) detect::computeFindings(o);
  const PluginOutput r = parsePluginOutput(statusLine(all, kExitCritical, kDefaults));
  ASSERT_TRUE(r.valid) << r.problem;
  EXPECT_EQ(r.state, "CRITICAL");
  EXPECT_EQ(r.text.rfind("2 domains: 1 critical, 1 ok; it's.example. bogus (ds_mismatch)", 0), 0u)
      << r.text;
  EXPECT_TRUE(r.has("example.com. rrsig_expiry"));
  EXPECT_TRUE(r.has("it's.example. servers_answering"));
  EXPECT_EQ(r.perf.size(), 6u);
}

TEST(PluginOutputTest, TextNeverBreaksTheLine) {
  model::Observation obs = healthyObservation();
  obs.domain = "a|b.example.";
  const std::string text = statusText(obs);
  EXPECT_EQ(text.find('|'), std::string::npos) << text;
  EXPECT_EQ(std::string(statusWord(kExitUnknown)), "UNKNOWN");
  EXPECT_EQ(std::string(statusWord(7)), "UNKNOWN");
}

// monitoring-plugins guidelines, "Threshold and ranges", the table of examples.
TEST(ThresholdRangeTest, TheGuidelinesExamples) {
  EXPECT_TRUE(range("10").alerts(-1));
  EXPECT_FALSE(range("10").alerts(0));
  EXPECT_FALSE(range("10").alerts(10));
  EXPECT_TRUE(range("10").alerts(10.5));
  EXPECT_TRUE(range("10:").alerts(9.9));
  EXPECT_FALSE(range("10:").alerts(10));
  EXPECT_FALSE(range("~:10").alerts(-1e9));
  EXPECT_TRUE(range("~:10").alerts(11));
  EXPECT_TRUE(range("10:20").alerts(9));
  EXPECT_FALSE(range("10:20").alerts(15));
  EXPECT_TRUE(range("10:20").alerts(21));
  EXPECT_FALSE(range("@10:20").alerts(9));
  EXPECT_TRUE(range("@10:20").alerts(10));
  EXPECT_TRUE(range("@10:20").alerts(20));
  EXPECT_FALSE(range("@10:20").alerts(21));
}

TEST(ThresholdRangeTest, DurationsAndTextRoundTrip) {
  EXPECT_EQ(range("7d:").text(), "604800:");
  EXPECT_EQ(range("1h30m:").text(), "5400:");
  EXPECT_EQ(range("10").text(), "10");
  EXPECT_EQ(range("~:10").text(), "~:10");
  EXPECT_EQ(range("@1.5:2").text(), "@1.5:2");
  EXPECT_EQ(perfNumber(0.00125), "0.00125");
  EXPECT_EQ(perfNumber(-3), "-3");
  for (const char* bad : {"", "soon", "20:10", "7 days:", ":x", "@"}) {
    EXPECT_FALSE(parseThresholdRange(bad).ok()) << bad;
  }
}

}  // namespace
}  // namespace zonewatch::commands
