// Tests of alerts/metrics.cpp through its real endpoint: a Metrics listening on a loopback port
// picked by the kernel, read back with a plain HTTP GET over a socket, and the exposition checked
// by `promtool check metrics` (Prometheus's own linter; CI installs it).
#include "alerts/metrics.h"

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>
#include <vector>

#include "tests/unit/alerts/metrics_text.h"
#include "tests/unit/alerts/raw_http.h"

namespace zonewatch::alerts {
namespace {

using testutil::sample;

config::MetricsSpec spec(bool perDomain = true) {
  config::MetricsSpec s;
  s.enabled = true;
  s.listen = "127.0.0.1:0";
  s.perDomain = perDomain;
  return s;
}

// Read back through render() only: no port to bind and no listener to stop.
config::MetricsSpec rendered() {
  config::MetricsSpec s = spec();
  s.enabled = false;
  return s;
}

using testing::httpGet;

std::string body(const std::string& response) {
  const auto at = response.find("\r\n\r\n");
  return at == std::string::npos ? std::string() : response.substr(at + 4);
}

bool hasName(const std::string& text, const std::string& name) {
  return text.find("\n" + name + "{") != std::string::npos ||
         text.find("\n" + name + " ") != std::string::npos;
}

// Runs `promtool check metrics` with `text` on its standard input; returns its exit status.
int promtoolCheck(const std::string& text, std::string& output) {
  char path[] = "/tmp/zonewatch-metrics-XXXXXX";
  const int fd = ::mkstemp(path);
  if (fd < 0) return -1;
  const bool written = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size());
  ::close(fd);
  if (!written) return -1;
  const std::string command = std::string("promtool check metrics < ") + path + " 2>&1";
  FILE* pipe = ::popen(command.c_str(), "r");
  if (pipe == nullptr) return -1;
  char buf[512];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, pipe)) > 0) output.append(buf, n);
  const int status = ::pclose(pipe);
  ::unlink(path);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

void populate(Metrics& m) {
  m.setDomainsWatched(3);
  m.setDomainState("a.example.", model::SecurityState::kSecure);
  m.setDomainState("b.example.", model::SecurityState::kInsecure);
  m.setDomainState("b.example.",
                   model::SecurityState::kBogus);  // the state moves: only bogus is 1 now
  m.setRrsigExpiry("a.example.", 1700000000);
  m.setLastObserved("a.example.", 1690000000);
  m.setLastChange("b.example.", 1690000100);
  m.setLastSuccess("a.example.", 1689999700);
  m.setConsecutiveFailures("a.example.", 2);
  m.countObservationFailure("walk_failed");
  m.countEvent(model::EventKind::kDsRemoved);
  m.countEvent(model::EventKind::kDsRemoved);
  m.observeObservationDuration(0.002);
  m.observeObservationDuration(3.0);
  m.countQuery("NOERROR");
  m.countQuery("NOERROR");
  m.countQuery("timeout");
  m.countWebhookDelivery("soc", "delivered");
  m.setOutboxPending(7);
  m.setRoundEstimate(5000);
  m.setScheduleLag(12.5);
  m.setBehindSchedule(true);
  const std::vector<std::pair<std::string, bool>> locks = {{"client_transfer", true},
                                                           {"server_update", false}};
  m.setRegistrationLocks("a.example.", locks);
  m.setRegistrationExpiry("a.example.", 1800000000);
  m.countRdapQuery("ok");
  m.countRdapQuery("rate_limited");
  m.countRdapBootstrapRefresh(true);
  m.countRdapBootstrapRefresh(false);
  m.countRdapBootstrapRefresh(false);
  m.setRdapBootstrapLoaded(1700000000);
}

TEST(Metrics, ServesExpositionOverHttp) {
  auto created = Metrics::create(spec());
  ASSERT_TRUE(created.ok()) << created.error().message;
  auto& m = **created;
  ASSERT_NE(m.port(), 0);
  populate(m);

  const std::string response = httpGet(m.port());
  ASSERT_EQ(response.rfind("HTTP/1.1 200", 0), 0u) << response.substr(0, 200);
  const std::string text = body(response);

  EXPECT_EQ(sample(text, "zonewatch_domains_watched"), 3);
  EXPECT_EQ(sample(text, R"(zonewatch_domain_state{domain="a.example.",state="secure"})"), 1);
  EXPECT_EQ(sample(text, R"(zonewatch_domain_state{domain="a.example.",state="bogus"})"), 0);
  EXPECT_EQ(sample(text, R"(zonewatch_domain_state{domain="b.example.",state="bogus"})"), 1);
  EXPECT_EQ(sample(text, R"(zonewatch_domain_state{domain="b.example.",state="insecure"})"), 0);
  EXPECT_EQ(sample(text, R"(zonewatch_domains_by_state{state="secure"})"), 1);
  EXPECT_EQ(sample(text, R"(zonewatch_domains_by_state{state="bogus"})"), 1);
  EXPECT_EQ(sample(text, R"(zonewatch_domains_by_state{state="insecure"})"), 0);
  EXPECT_EQ(sample(text, R"(zonewatch_domain_rrsig_expiry_timestamp_seconds{domain="a.example."})"),
            1700000000);
  EXPECT_EQ(
      sample(text, R"(zonewatch_domain_last_observed_timestamp_seconds{domain="a.example."})"),
      1690000000);
  EXPECT_EQ(sample(text, R"(zonewatch_domain_last_change_timestamp_seconds{domain="b.example."})"),
            1690000100);
  // A domain never observed has no timestamp series (0 would read as "observed in 1970").
  EXPECT_FALSE(
      sample(text, R"(zonewatch_domain_last_observed_timestamp_seconds{domain="b.example."})"));
  EXPECT_EQ(sample(text, R"(zonewatch_events_total{event="ds_removed"})"), 2);
  EXPECT_EQ(sample(text, R"(zonewatch_events_total{event="hijack_suspected"})"), 0);
  // Every kind is pre-registered at 0, and only kinds exist: no "other" series.
  EXPECT_FALSE(sample(text, R"(zonewatch_events_total{event="other"})"));
  EXPECT_EQ(sample(text, "zonewatch_observation_duration_seconds_count"), 2);
  EXPECT_EQ(sample(text, R"(zonewatch_observation_duration_seconds_bucket{le="0.001"})"), 0);
  EXPECT_EQ(sample(text, R"(zonewatch_observation_duration_seconds_bucket{le="0.0025"})"), 1);
  EXPECT_EQ(sample(text, R"(zonewatch_observation_duration_seconds_bucket{le="2.5"})"), 1);
  EXPECT_EQ(sample(text, R"(zonewatch_observation_duration_seconds_bucket{le="30"})"), 2);
  EXPECT_EQ(sample(text, R"(zonewatch_queries_total{rcode="NOERROR"})"), 2);
  EXPECT_EQ(sample(text, R"(zonewatch_queries_total{rcode="timeout"})"), 1);
  EXPECT_EQ(sample(text, R"(zonewatch_webhook_deliveries_total{outcome="delivered",sink="soc"})"),
            1);
  EXPECT_EQ(sample(text, "zonewatch_outbox_pending"), 7);
  EXPECT_EQ(sample(text, "zonewatch_round_estimated_duration_seconds"), 5000);
  EXPECT_EQ(sample(text, "zonewatch_schedule_lag_seconds"), 12.5);
  EXPECT_EQ(sample(text, "zonewatch_behind_schedule"), 1);
  EXPECT_NE(text.find("zonewatch_build_info{version=\""), std::string::npos);
  EXPECT_NE(text.find("# TYPE zonewatch_observation_duration_seconds histogram"),
            std::string::npos);
  EXPECT_NE(text.find("# TYPE zonewatch_events_total counter"), std::string::npos);
}

TEST(Metrics, ObservationFailureSeries) {
  auto created = Metrics::create(rendered());
  ASSERT_TRUE(created.ok()) << created.error().message;
  auto& m = **created;
  // Both reasons exist from the start, so that increase() sees the first failure.
  std::string text = m.render();
  EXPECT_EQ(sample(text, R"(zonewatch_observation_failures_total{reason="walk_failed"})"), 0);
  EXPECT_EQ(
      sample(text, R"(zonewatch_observation_failures_total{reason="no_authoritative_answer"})"), 0);
  m.countObservationFailure("walk_failed");
  m.countObservationFailure("walk_failed");
  m.countObservationFailure("no_authoritative_answer");
  m.countObservationFailure("no root server answered for example.com.");  // not a reason
  m.setConsecutiveFailures("a.example.", 3);
  m.setLastSuccess("a.example.", 1690000000);
  m.setLastObserved("a.example.", 1690000900);
  text = m.render();
  EXPECT_EQ(sample(text, R"(zonewatch_observation_failures_total{reason="walk_failed"})"), 2);
  EXPECT_EQ(
      sample(text, R"(zonewatch_observation_failures_total{reason="no_authoritative_answer"})"), 1);
  EXPECT_EQ(sample(text, R"(zonewatch_observation_failures_total{reason="other"})"), 1);
  EXPECT_EQ(text.find("no root server"), std::string::npos);
  EXPECT_EQ(
      sample(text, R"(zonewatch_domain_observation_failures_consecutive{domain="a.example."})"), 3);
  EXPECT_EQ(
      sample(
          text,
          R"(zonewatch_domain_last_successful_observation_timestamp_seconds{domain="a.example."})"),
      1690000000);
  EXPECT_EQ(
      sample(text, R"(zonewatch_domain_last_observed_timestamp_seconds{domain="a.example."})"),
      1690000900);
  m.setConsecutiveFailures("a.example.", 0);
  EXPECT_EQ(sample(m.render(),
                   R"(zonewatch_domain_observation_failures_consecutive{domain="a.example."})"),
            0);
}

TEST(Metrics, OperatorInfoFollowsTheLatestOperators) {
  auto created = Metrics::create(rendered());
  ASSERT_TRUE(created.ok()) << created.error().message;
  auto& m = **created;
  const std::vector<std::string> two = {"dns-alpha.lab.", "dns-beta.lab."};
  m.setDomainOperators("a.example.", two);
  m.setDomainOperators("b.example.", std::vector<std::string>{"dns-alpha.lab."});
  const auto info = [&](const std::string& text, const std::string& domain, const std::string& op) {
    return sample(
        text, "zonewatch_domain_operator_info{domain=\"" + domain + "\",operator=\"" + op + "\"}");
  };
  std::string text = m.render();
  EXPECT_EQ(info(text, "a.example.", "dns-alpha.lab."), 1);
  EXPECT_EQ(info(text, "a.example.", "dns-beta.lab."), 1);
  EXPECT_EQ(info(text, "b.example.", "dns-alpha.lab."), 1);
  // A move replaces the series: the old operator's is gone, not left at 1.
  m.setDomainOperators("a.example.", std::vector<std::string>{"attacker.example."});
  text = m.render();
  EXPECT_FALSE(info(text, "a.example.", "dns-alpha.lab."));
  EXPECT_FALSE(info(text, "a.example.", "dns-beta.lab."));
  EXPECT_EQ(info(text, "a.example.", "attacker.example."), 1);
  m.removeDomain("b.example.");
  EXPECT_FALSE(info(m.render(), "b.example.", "dns-alpha.lab."));
  // With per_domain off there is no series per domain at all.
  config::MetricsSpec off = rendered();
  off.perDomain = false;
  auto quiet = Metrics::create(off);
  ASSERT_TRUE(quiet.ok());
  (*quiet)->setDomainOperators("a.example.", two);
  EXPECT_EQ((*quiet)->render().find("zonewatch_domain_operator_info{"), std::string::npos);
}

TEST(Metrics, ClearRrsigExpiryDropsOnlyThatSeries) {
  auto created = Metrics::create(rendered());
  ASSERT_TRUE(created.ok()) << created.error().message;
  auto& m = **created;
  m.clearRrsigExpiry("never.seen.");  // no effect, no failure
  m.setRrsigExpiry("a.example.", 1700000000);
  m.setRrsigExpiry("b.example.", 1700000500);
  m.setLastSuccess("a.example.", 1690000000);
  m.clearRrsigExpiry("a.example.");
  m.clearRrsigExpiry("a.example.");  // twice: still no failure
  std::string text = m.render();
  EXPECT_FALSE(
      sample(text, R"(zonewatch_domain_rrsig_expiry_timestamp_seconds{domain="a.example."})"));
  EXPECT_EQ(sample(text, R"(zonewatch_domain_rrsig_expiry_timestamp_seconds{domain="b.example."})"),
            1700000500);
  EXPECT_EQ(
      sample(
          text,
          R"(zonewatch_domain_last_successful_observation_timestamp_seconds{domain="a.example."})"),
      1690000000);
  m.setRrsigExpiry("a.example.", 1700000900);  // signed again: the series comes back
  text = m.render();
  EXPECT_EQ(sample(text, R"(zonewatch_domain_rrsig_expiry_timestamp_seconds{domain="a.example."})"),
            1700000900);
  m.removeDomain("a.example.");
  EXPECT_EQ(m.render().find("a.example."), std::string::npos) << m.render();
}

TEST(Metrics, PerDomainOffDropsDomainLabel) {
  auto created = Metrics::create(spec(false));
  ASSERT_TRUE(created.ok()) << created.error().message;
  auto& m = **created;
  populate(m);
  const std::string text = body(httpGet(m.port()));
  ASSERT_FALSE(text.empty());
  EXPECT_EQ(text.find("domain="), std::string::npos) << text;
  EXPECT_FALSE(hasName(text, "zonewatch_domain_state"));
  EXPECT_FALSE(hasName(text, "zonewatch_domain_rrsig_expiry_timestamp_seconds"));
  EXPECT_FALSE(hasName(text, "zonewatch_domain_observation_failures_consecutive"));
  // The portfolio view survives without the per-domain series.
  EXPECT_EQ(sample(text, R"(zonewatch_observation_failures_total{reason="walk_failed"})"), 1);
  EXPECT_EQ(sample(text, R"(zonewatch_domains_by_state{state="bogus"})"), 1);
  EXPECT_EQ(sample(text, R"(zonewatch_domains_by_state{state="secure"})"), 1);
  EXPECT_EQ(sample(text, "zonewatch_domains_watched"), 3);
}

TEST(Metrics, RemoveDomainDropsItsSeries) {
  auto created = Metrics::create(spec());
  ASSERT_TRUE(created.ok()) << created.error().message;
  auto& m = **created;
  populate(m);
  m.removeDomain("b.example.");
  m.removeDomain("never.seen.");  // no effect, no failure
  const std::string text = m.render();
  EXPECT_EQ(text.find("b.example."), std::string::npos) << text;
  EXPECT_EQ(sample(text, R"(zonewatch_domain_state{domain="a.example.",state="secure"})"), 1);
  EXPECT_EQ(sample(text, R"(zonewatch_domains_by_state{state="bogus"})"), 0);
  EXPECT_EQ(sample(text, R"(zonewatch_domains_by_state{state="secure"})"), 1);
}

TEST(Metrics, LabelsStayBounded) {
  auto created = Metrics::create(spec());
  ASSERT_TRUE(created.ok()) << created.error().message;
  auto& m = **created;
  // The state is typed (model::SecurityState): no value outside its four names can reach a label.
  for (int i = 0; i < 200; ++i) m.countQuery("RCODE" + std::to_string(i));
  const std::string text = m.render();
  EXPECT_TRUE(sample(text, R"(zonewatch_queries_total{rcode="RCODE0"})"));
  EXPECT_FALSE(sample(text, R"(zonewatch_queries_total{rcode="RCODE199"})"));
  EXPECT_EQ(sample(text, R"(zonewatch_queries_total{rcode="other"})"), 200 - 64);
}

// Issue 13: the schedule's series exist from the start, at 0, so that an alert on them has a
// series to read before the first estimate; "behind" goes back to 0.
TEST(Metrics, ScheduleSeriesStartAtZeroAndFollowTheDaemon) {
  auto created = Metrics::create(rendered());
  ASSERT_TRUE(created.ok()) << created.error().message;
  auto& m = **created;
  std::string text = m.render();
  EXPECT_EQ(sample(text, "zonewatch_round_estimated_duration_seconds"), 0);
  EXPECT_EQ(sample(text, "zonewatch_schedule_lag_seconds"), 0);
  EXPECT_EQ(sample(text, "zonewatch_behind_schedule"), 0);
  m.setRoundEstimate(42.5);
  m.setBehindSchedule(true);
  m.setBehindSchedule(false);
  m.setScheduleLag(3);
  text = m.render();
  EXPECT_EQ(sample(text, "zonewatch_round_estimated_duration_seconds"), 42.5);
  EXPECT_EQ(sample(text, "zonewatch_behind_schedule"), 0);
  EXPECT_EQ(sample(text, "zonewatch_schedule_lag_seconds"), 3);
  EXPECT_NE(text.find("# TYPE zonewatch_behind_schedule gauge"), std::string::npos);
}

// Whether this worker polls RDAP: 0 until the daemon says it holds the role, then follows it.
TEST(Metrics, RdapActiveFollowsTheRole) {
  auto created = Metrics::create(rendered());
  ASSERT_TRUE(created.ok()) << created.error().message;
  auto& m = **created;
  EXPECT_EQ(sample(m.render(), "zonewatch_rdap_active"), 0);
  m.setRdapActive(true);
  EXPECT_EQ(sample(m.render(), "zonewatch_rdap_active"), 1);
  m.setRdapActive(false);
  const std::string text = m.render();
  EXPECT_EQ(sample(text, "zonewatch_rdap_active"), 0);
  EXPECT_NE(text.find("# TYPE zonewatch_rdap_active gauge"), std::string::npos);
}

// Issue 16: the registration watch's series. The locks of a domain are replaced by each answer,
// the expiry dropped when the registry gives none, and every series follows per_domain and
// removeDomain like the DNS ones.
TEST(Metrics, RegistrationSeriesFollowTheLatestAnswer) {
  auto created = Metrics::create(spec());
  ASSERT_TRUE(created.ok()) << created.error().message;
  auto& m = **created;
  populate(m);
  std::string text = m.render();
  EXPECT_EQ(
      sample(text, R"(zonewatch_registration_lock{domain="a.example.",lock="client_transfer"})"),
      1);
  EXPECT_EQ(
      sample(text, R"(zonewatch_registration_lock{domain="a.example.",lock="server_update"})"), 0);
  EXPECT_EQ(sample(text, R"(zonewatch_registration_expiry_timestamp_seconds{domain="a.example."})"),
            1800000000);
  EXPECT_EQ(sample(text, R"(zonewatch_rdap_queries_total{result="ok"})"), 1);
  EXPECT_EQ(sample(text, R"(zonewatch_rdap_queries_total{result="rate_limited"})"), 1);
  EXPECT_EQ(sample(text, R"(zonewatch_rdap_bootstrap_refresh_total{result="ok"})"), 1);
  EXPECT_EQ(sample(text, R"(zonewatch_rdap_bootstrap_refresh_total{result="failed"})"), 2);
  EXPECT_EQ(sample(text, "zonewatch_rdap_bootstrap_loaded_timestamp_seconds"), 1700000000);
  const std::vector<std::pair<std::string, bool>> unlocked = {{"client_transfer", false}};
  m.setRegistrationLocks("a.example.", unlocked);
  m.clearRegistrationExpiry("a.example.");
  text = m.render();
  EXPECT_EQ(
      sample(text, R"(zonewatch_registration_lock{domain="a.example.",lock="client_transfer"})"),
      0);
  EXPECT_FALSE(
      sample(text, R"(zonewatch_registration_lock{domain="a.example.",lock="server_update"})"));
  EXPECT_FALSE(
      sample(text, R"(zonewatch_registration_expiry_timestamp_seconds{domain="a.example."})"));
  m.removeDomain("a.example.");
  EXPECT_EQ(m.render().find("zonewatch_registration_lock{"), std::string::npos);

  auto off = Metrics::create(spec(false));
  ASSERT_TRUE(off.ok());
  populate(**off);
  text = (*off)->render();
  EXPECT_FALSE(hasName(text, "zonewatch_registration_lock"));
  EXPECT_FALSE(hasName(text, "zonewatch_registration_expiry_timestamp_seconds"));
  EXPECT_EQ(sample(text, R"(zonewatch_rdap_queries_total{result="ok"})"), 1);
}

TEST(Metrics, DisabledDoesNotListen) {
  auto s = spec();
  s.enabled = false;
  auto created = Metrics::create(s);
  ASSERT_TRUE(created.ok()) << created.error().message;
  EXPECT_EQ((*created)->port(), 0);
  (*created)->setDomainsWatched(5);
  EXPECT_EQ(sample((*created)->render(), "zonewatch_domains_watched"), 5);
}

TEST(Metrics, AddressInUseIsAnError) {
  auto first = Metrics::create(spec());
  ASSERT_TRUE(first.ok()) << first.error().message;
  auto s = spec();
  s.listen = "127.0.0.1:" + std::to_string((*first)->port());
  auto second = Metrics::create(s);
  ASSERT_FALSE(second.ok());
  EXPECT_NE(second.error().message.find(s.listen), std::string::npos) << second.error().message;
}

TEST(Metrics, PromtoolAcceptsExposition) {
  for (bool perDomain : {true, false}) {
    auto created = Metrics::create(spec(perDomain));
    ASSERT_TRUE(created.ok()) << created.error().message;
    populate(**created);
    const std::string text = body(httpGet((*created)->port()));
    ASSERT_FALSE(text.empty());
    std::string output;
    // promtool is a CI requirement (package prometheus): a missing one fails here (exit 127).
    EXPECT_EQ(promtoolCheck(text, output), 0) << "per_domain=" << perDomain << "\n" << output;
  }
}

}  // namespace
}  // namespace zonewatch::alerts
