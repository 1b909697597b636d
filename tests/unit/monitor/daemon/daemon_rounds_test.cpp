// Tests of the daemon's rounds (monitor/daemon/daemon.cpp) end to end on a real SQLite store, with
// scripted observations in place of the prober (RunOptions::observer: no DNS traffic at all). Each
// `run --once` is a new Daemon, so what one round leaves in the database is what the next one
// starts from, as with cron. Covered: observations without data (no baseline, no expectation
// verdict, no `ack` baseline, observation_failing after failing_polls), the metrics they move,
// the `expect:` pins and the `ack` baseline, per-webhook filters, a failed commit, and SIGHUP.
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "alerts/metrics.h"
#include "monitor/commands/monitor_commands.h"
#include "monitor/daemon/daemon.h"
#include "monitor/util/log.h"
#include "storage/sqlite_store.h"
#include "tests/unit/alerts/http_receiver.h"
#include "tests/unit/alerts/metrics_text.h"
#include "tests/unit/monitor/daemon/daemon_fixture.h"
#include "tests/unit/monitor/model/query_failure_text.h"

namespace zonewatch::daemon {
namespace {

using nlohmann::json;
using testutil::sample;
using testutil::StderrCapture;

// What the scripted observer answers for every domain in a round.
enum class World {
  kHealthy,        // signed, operated by alpha-dns/beta-dns
  kMoved,          // operated by gamma-dns, same keys
  kUnsigned,       // the DS withdrawn and proven absent, no signatures
  kRootDown,       // the walk fails: no root server answers
  kServersSilent,  // the parent answers, no server of the domain does
  kExpiring20h     // healthy, with a signature that expires 20 hours from now
};

model::ServerView server(const std::string& name, const std::string& address, bool signed_) {
  model::ServerView s;
  s.name = name;
  s.address = address;
  s.aa = true;
  s.ns = {"ns1.alpha-dns.example.", "ns2.beta-dns.example."};
  if (signed_) s.dnskey = {{100, 257, 13}, {200, 256, 13}};
  s.state = signed_ ? model::SecurityState::kSecure : model::SecurityState::kInsecure;
  s.reason = signed_ ? model::SecurityReason::kNone : model::SecurityReason::kDsAbsent;
  return s;
}

model::Observation healthy(const std::string& domain, int64_t t, bool signed_ = true) {
  model::Observation o;
  o.domain = domain;
  o.domainUnicode = domain;
  o.observedAt = t;
  o.status = signed_ ? model::SecurityState::kSecure : model::SecurityState::kInsecure;
  o.reason = signed_ ? model::SecurityReason::kNone : model::SecurityReason::kDsAbsent;
  o.operators = {"alpha-dns.example.", "beta-dns.example."};
  o.parent.zone = "example.";
  o.parent.ns = {"ns1.alpha-dns.example.", "ns2.beta-dns.example."};
  if (signed_) {
    o.parent.ds = {{100, 13, 2, "AABB"}};
  } else {
    o.parent.denial = "nsec";
  }
  o.parent.servers = {testutil::parentServer(o.parent)};
  o.servers = {server("ns1.alpha-dns.example.", "192.0.2.53", signed_),
               server("ns2.beta-dns.example.", "198.51.100.53", signed_)};
  if (signed_) o.earliestRrsigExpiration = t + 30 * 86400;
  return o;
}

model::Observation observe(World world, const std::string& domain, int64_t t) {
  model::Observation o = healthy(domain, t, world != World::kUnsigned);
  if (world == World::kExpiring20h) o.earliestRrsigExpiration = t + 20 * 3600;
  if (world == World::kMoved) {
    o.operators = {"gamma-dns.example."};
    o.parent.ns = {"ns1.gamma-dns.example.", "ns2.gamma-dns.example."};
    o.parent.servers[0].ns = o.parent.ns;
    for (auto& s : o.servers) s.ns = o.parent.ns;  // the new servers serve the same NS set
  } else if (world == World::kRootDown) {
    model::Observation failed;
    failed.domain = domain;
    failed.domainUnicode = domain;
    failed.observedAt = t;
    failed.error = "no server of . answered";
    failed.detail = *failed.error;
    return failed;
  } else if (world == World::kServersSilent) {
    for (auto& s : o.servers) {
      model::ServerView silent;
      silent.name = s.name;
      silent.address = s.address;
      silent.error = zonewatch::testing::queryError("timeout");
      s = silent;
    }
    o.status = model::SecurityState::kIndeterminate;
    o.reason = model::SecurityReason::kMissingData;
    o.earliestRrsigExpiration.reset();
  }
  return o;
}

std::string domainSeries(const std::string& name, const std::string& domain) {
  return name + "{domain=\"" + domain + "\"}";
}

class DaemonRoundsTest : public testutil::ScriptedRoundsFixture {
 protected:
  DaemonRoundsTest() : ScriptedRoundsFixture("zw-rounds") {}

  // Writes the configuration: `domains` and anything else as YAML lines.
  void configure(const std::string& domainsYaml, const std::string& extra = "",
                 const std::string& logLevel = "error") {
    std::ofstream(configPath_) << "database: " << database_ << "\n"
                               << "metrics: {enabled: false}\n"
                               << "log_level: " << logLevel << "\n"
                               << "domains:\n"
                               << domainsYaml << extra;
  }

  std::unique_ptr<Daemon> create(bool once = true) {
    RunOptions options;
    options.once = once;
    options.seed = 1;
    // Never the machine's /usr/share/dns: a folder of this test, empty unless a test fills it.
    options.debianRootData = {(dir_ / "dns/root.hints").string(), (dir_ / "dns/root.ds").string(),
                              (dir_ / "dns/root.key").string()};
    options.observer = [this](const std::string& domain, auto done) {
      ++observed_[domain];
      model::Observation o = observe(world_, domain, t_);
      if (fixedExpiry_ && o.earliestRrsigExpiration) o.earliestRrsigExpiration = fixedExpiry_;
      if (replayInputs_ && !o.error) {
        // What the prober would digest: the same for the same world, another for another.
        model::ReplayInputs in;
        in.digest[0] = static_cast<uint8_t>(static_cast<int>(world_) + 1);
        in.earliestExpiration = o.earliestRrsigExpiration;
        o.replay = in;
      }
      if (!o.error) o.serverMemo = serverMemo_;
      done(std::move(o));
    };
    auto d = Daemon::create(config::loadConfig(configPath_), std::move(options));
    EXPECT_TRUE(d.ok()) << d.error().message;
    return d.ok() ? std::move(d).value() : nullptr;
  }

  // One `run --once` round in `world`, 5 minutes after the previous one. Returns the daemon
  // (to read its metrics) and fills summary_.
  std::unique_ptr<Daemon> round(World world) {
    world_ = world;
    t_ += 300;
    auto d = create();
    if (!d) return nullptr;
    auto summary = d->run();
    EXPECT_TRUE(summary.ok()) << summary.error().message;
    summary_ = summary.ok() ? *summary : RunSummary{};
    return d;
  }

  // The events of `domain`, of every domain when empty.
  std::vector<std::string> eventNames(const std::string& domain = "") {
    return testutil::eventNames(store(), domain);
  }

  storage::DomainRow row(const std::string& domain) { return testutil::domainRow(store(), domain); }

  size_t snapshotCount(const std::string& domain) {
    auto s = store().snapshots(domain, 100);
    EXPECT_TRUE(s.ok());
    return s.ok() ? s->size() : 0;
  }

  int ack(const std::string& domain, std::string& out, std::string& err) {
    MonitorArgs args;
    args.configPath = configPath_;
    args.domain = domain;
    std::ostringstream o, e;
    const int code = runAckCommand(args, o, e);
    out = o.str();
    err = e.str();
    return code;
  }

  World world_ = World::kHealthy;
  bool replayInputs_ = false;  // the scripted observations carry replay inputs
  // ... and this server memo (probe/server_memo.h): none when the memos stood in for the answers.
  std::optional<std::vector<uint8_t>> serverMemo_;
  std::optional<int64_t> fixedExpiry_;  // their earliest RRSIG expiration, when set
  RunSummary summary_;
  std::map<std::string, int> observed_;
};

const std::string kThreeSigned = "  - a.example\n  - b.example\n  - c.example\n";

// Issue 11: a daemon started during an outage took the failed observations as the baselines, and
// the first rounds after it raised operator_changed, dnskey_changed, ds_added, hijack_suspected and
// portfolio_operator_change for every domain.
TEST_F(DaemonRoundsTest, StartedDuringAnOutageRaisesNothingOnceServersAnswer) {
  configure(kThreeSigned);
  round(World::kRootDown);
  EXPECT_EQ(summary_.observations, 3U);
  EXPECT_EQ(summary_.failedObservations, 3U);
  for (const char* d : {"a.example.", "b.example.", "c.example."}) {
    const auto r = row(d);
    EXPECT_EQ(r.stateJson, "") << d << ": a failed observation is no baseline";
    EXPECT_EQ(r.failures, 1) << d;
    EXPECT_EQ(r.lastSeen, 0) << d << ": nothing was seen";
    EXPECT_EQ(snapshotCount(d), 0U) << d;
  }
  round(World::kHealthy);
  round(World::kHealthy);
  EXPECT_EQ(summary_.failedObservations, 0U);
  EXPECT_EQ(eventNames(), std::vector<std::string>{});
  for (const char* d : {"a.example.", "b.example.", "c.example."}) {
    const auto r = row(d);
    EXPECT_NE(r.stateJson.find("alpha-dns.example."), std::string::npos) << d;
    EXPECT_EQ(r.failures, 0) << d;
    EXPECT_EQ(r.lastSeen, t_) << d;
    EXPECT_EQ(snapshotCount(d), 1U) << d;
  }
}

// signature_critical reaches the differ: the same signature expiring in 20 hours is a warning under
// a 12-hour critical threshold and critical under a one-day one (check's --signature-critical).
TEST_F(DaemonRoundsTest, SignatureCriticalIsTheConfiguredThreshold) {
  auto severities = [this] {
    std::vector<std::string> out;
    auto events = store().events(storage::EventQuery{});
    EXPECT_TRUE(events.ok());
    for (const auto& e : events.ok() ? *events : std::vector<storage::EventRow>{}) {
      if (e.kind == model::EventKind::kSignatureExpiring) {
        out.emplace_back(model::toString(e.severity));
      }
    }
    return out;
  };
  configure("  - a.example\n", "signature_warning: 2d\nsignature_critical: 12h\n");
  round(World::kExpiring20h);
  EXPECT_EQ(severities(), std::vector<std::string>{"warning"});
  configure("  - a.example\n", "signature_warning: 2d\nsignature_critical: 1d\n");
  round(World::kExpiring20h);  // 5 minutes later: another expiration time, alerted again
  EXPECT_EQ(severities(), (std::vector<std::string>{"warning", "critical"}));
}

TEST_F(DaemonRoundsTest, ServersSilentDuringTheFirstRoundIsNoBaselineEither) {
  configure(kThreeSigned);
  round(World::kServersSilent);
  EXPECT_EQ(summary_.failedObservations, 3U);
  EXPECT_EQ(row("a.example.").stateJson, "");
  round(World::kHealthy);
  round(World::kHealthy);
  EXPECT_EQ(eventNames(), std::vector<std::string>{});
}

TEST_F(DaemonRoundsTest, DomainAddedDuringAnOutageIsFailingThenQuiet) {
  configure("  - a.example\n", "failing_polls: 2\n");
  round(World::kHealthy);
  configure("  - a.example\n  - b.example\n", "failing_polls: 2\n");
  round(World::kServersSilent);
  EXPECT_EQ(eventNames(), std::vector<std::string>{}) << "one failure is not news yet";
  round(World::kServersSilent);
  // The failure count survived the restart between the two rounds (DomainRow::failures).
  EXPECT_EQ(eventNames("a.example."), std::vector<std::string>{"observation_failing"});
  EXPECT_EQ(eventNames("b.example."), std::vector<std::string>{"observation_failing"});
  round(World::kServersSilent);
  EXPECT_EQ(eventNames().size(), 2U) << "reported once per run of failures";
  round(World::kHealthy);
  round(World::kHealthy);
  EXPECT_EQ(eventNames("a.example."),
            (std::vector<std::string>{"observation_failing", "observation_recovered"}));
  EXPECT_EQ(eventNames("b.example."),
            (std::vector<std::string>{"observation_failing", "observation_recovered"}));
}

// quickstart offline: example.org pins iana-servers.net, and an observation that got no data at
// all raised expectation_violated (critical).
TEST_F(DaemonRoundsTest, PinsAreNotJudgedOnAFailedObservation) {
  configure("  - name: a.example\n    expect: {operators: [iana-servers.net]}\n");
  round(World::kRootDown);
  round(World::kServersSilent);
  EXPECT_EQ(eventNames(), std::vector<std::string>{});
  round(World::kHealthy);  // the first observation with data is judged: others operate it
  EXPECT_EQ(eventNames(), std::vector<std::string>{"expectation_violated"});
}

TEST_F(DaemonRoundsTest, PinsMatchingTheDomainStayQuietUntilItMoves) {
  configure(
      "  - name: a.example\n"
      "    expect: {operators: [alpha-dns.example, beta-dns.example], ds_key_tags: [100]}\n");
  round(World::kHealthy);
  round(World::kHealthy);
  EXPECT_EQ(eventNames(), std::vector<std::string>{});
  round(World::kMoved);
  round(World::kMoved);  // confirm_polls: 2
  EXPECT_EQ(eventNames(), (std::vector<std::string>{"operator_changed", "expectation_violated"}));
}

TEST_F(DaemonRoundsTest, AckRefusesAFailedObservation) {
  configure("  - a.example\n");
  round(World::kRootDown);
  std::string out, err;
  EXPECT_EQ(ack("a.example", out, err), 3);
  EXPECT_EQ(out, "");
  EXPECT_NE(err.find("a.example. has not been observed yet (1 observation got no data): nothing "
                     "to accept"),
            std::string::npos)
      << err;
  EXPECT_EQ(row("a.example.").baselineJson, "");

  round(World::kHealthy);
  round(World::kServersSilent);
  EXPECT_EQ(ack("a.example.", out, err), 3);
  EXPECT_NE(err.find("the latest observation of a.example. failed (1 observation got no data): "
                     "its current operators are unknown"),
            std::string::npos)
      << err;
  EXPECT_EQ(row("a.example.").baselineJson, "");
}

TEST_F(DaemonRoundsTest, AckRefusesAStateLeftByAnOlderZonewatchForAFailedObservation) {
  configure("  - a.example\n");
  round(World::kHealthy);
  // What zonewatch before observation_failure.h stored after a first observation without data.
  auto legacy = row("a.example.");
  legacy.stateJson =
      R"({"cdnskey":[],"cds":[],"cds_delete":false,"denial":"","dnskey":[],"ds":[],"glue":[],)"
      R"("inconsistent":false,"operators":[],"parent_ns":[],"reason":"missing_data",)"
      R"("status":"indeterminate"})";
  storage::ObservationCommit c;
  c.row = legacy;
  c.observedAt = legacy.lastSeen;
  ASSERT_TRUE(store().commit(c).ok());
  std::string out, err;
  EXPECT_EQ(ack("a.example", out, err), 3);
  EXPECT_NE(err.find("comes from an observation without data"), std::string::npos) << err;
  // Nor is it a baseline for the daemon: the next observation is the baseline, raising nothing.
  round(World::kHealthy);
  round(World::kHealthy);
  EXPECT_EQ(eventNames(), std::vector<std::string>{});
}

TEST_F(DaemonRoundsTest, AckedStateBecomesThePinnedExpectation) {
  configure("  - a.example\n");
  round(World::kHealthy);
  std::string out, err;
  ASSERT_EQ(ack("a.example", out, err), 0) << err;
  EXPECT_NE(out.find("accepted the current state of a.example. as its baseline: operators "
                     R"(["alpha-dns.example.","beta-dns.example."], DS key tags [100])"),
            std::string::npos)
      << out;
  EXPECT_EQ(json::parse(row("a.example.").baselineJson),
            json::parse(R"({"operators":["alpha-dns.example.","beta-dns.example."],)"
                        R"("ds_key_tags":[100]})"));
  round(World::kHealthy);
  EXPECT_EQ(row("a.example.").baselineJson.empty(), false) << "a round must not undo the ack";
  EXPECT_EQ(eventNames(), std::vector<std::string>{});
  round(World::kMoved);
  round(World::kMoved);
  EXPECT_EQ(eventNames(), (std::vector<std::string>{"operator_changed", "expectation_violated"}));
}

TEST_F(DaemonRoundsTest, MetricsOfFailedObservations) {
  configure(kThreeSigned);
  round(World::kHealthy);
  const int64_t seen = t_;
  auto d = round(World::kRootDown);
  ASSERT_TRUE(d);
  const std::string text = d->metrics().render();
  const std::string a = "a.example.";
  EXPECT_EQ(sample(text, domainSeries(
                             "zonewatch_domain_last_successful_observation_timestamp_seconds", a)),
            static_cast<double>(seen))
      << "a failed observation observes nothing";
  EXPECT_EQ(sample(text, domainSeries("zonewatch_domain_last_observed_timestamp_seconds", a)),
            static_cast<double>(t_));
  EXPECT_EQ(sample(text, domainSeries("zonewatch_domain_observation_failures_consecutive", a)), 1);
  EXPECT_EQ(sample(text, R"(zonewatch_observation_failures_total{reason="walk_failed"})"), 3);
  EXPECT_EQ(
      sample(text, R"(zonewatch_observation_failures_total{reason="no_authoritative_answer"})"), 0);
  // The domain is still signed as far as anyone knows: its expiry stays for the alert.
  EXPECT_EQ(sample(text, domainSeries("zonewatch_domain_rrsig_expiry_timestamp_seconds", a)),
            static_cast<double>(seen + 30 * 86400));

  d = round(World::kServersSilent);
  ASSERT_TRUE(d);
  const std::string silent = d->metrics().render();
  EXPECT_EQ(sample(silent, domainSeries("zonewatch_domain_observation_failures_consecutive", a)),
            2);
  EXPECT_EQ(
      sample(silent, R"(zonewatch_observation_failures_total{reason="no_authoritative_answer"})"),
      3);
}

TEST_F(DaemonRoundsTest, MetricsAfterTheOutage) {
  configure("  - a.example\n");
  round(World::kRootDown);
  auto d = round(World::kRootDown);
  ASSERT_TRUE(d);
  const std::string a = "a.example.";
  const int64_t firstWatched = t_ - 300;
  // Never observed with data: staleness counts from when it was first watched.
  EXPECT_EQ(
      sample(d->metrics().render(),
             domainSeries("zonewatch_domain_last_successful_observation_timestamp_seconds", a)),
      static_cast<double>(firstWatched));
  d = round(World::kHealthy);
  ASSERT_TRUE(d);
  const std::string text = d->metrics().render();
  EXPECT_EQ(sample(text, domainSeries(
                             "zonewatch_domain_last_successful_observation_timestamp_seconds", a)),
            static_cast<double>(t_));
  EXPECT_EQ(sample(text, domainSeries("zonewatch_domain_observation_failures_consecutive", a)), 0);
  EXPECT_EQ(sample(text, R"(zonewatch_domain_state{domain="a.example.",state="secure"})"), 1);
}

TEST_F(DaemonRoundsTest, RrsigExpiryIsClearedWhenTheDomainStopsBeingSigned) {
  configure("  - a.example\n", "confirm_polls: 1\n");
  round(World::kHealthy);
  auto d = create();
  ASSERT_TRUE(d);
  const std::string series =
      domainSeries("zonewatch_domain_rrsig_expiry_timestamp_seconds", "a.example.");
  // At start the daemon shows what the database holds...
  EXPECT_EQ(sample(d->metrics().render(), series), static_cast<double>(t_ + 30 * 86400));
  // ... and once an observation shows no signature any more, the series goes.
  world_ = World::kUnsigned;
  t_ += 300;
  ASSERT_TRUE(d->run().ok());
  const std::string text = d->metrics().render();
  EXPECT_FALSE(sample(text, series).has_value()) << text;
  EXPECT_EQ(sample(text, R"(zonewatch_domain_state{domain="a.example.",state="insecure"})"), 1);
  EXPECT_FALSE(row("a.example.").rrsigExpiry.has_value());
}

// Per-webhook filters: min_severity and events decide, event by event, which outbox rows exist.
TEST_F(DaemonRoundsTest, EachWebhookGetsWhatItsFiltersLetThrough) {
  testutil::Receiver receiver;
  receiver.start();
  configure("  - a.example\n",
            "confirm_polls: 1\nfailing_polls: 1\nwebhooks:\n"
            "  - {name: everything, url: '" +
                receiver.url("/everything") +
                "'}\n"
                "  - {name: warnings, url: '" +
                receiver.url("/warnings") +
                "', min_severity: warning}\n"
                "  - {name: moves, url: '" +
                receiver.url("/moves") + "', events: [operator_changed, observation_recovered]}\n");
  round(World::kHealthy);
  round(World::kRootDown);  // observation_failing (warning)
  round(World::kMoved);     // observation_recovered (info), operator_changed (critical)
  std::map<std::string, std::multiset<std::string>> got;
  for (const auto& r : receiver.requests()) {
    got[r.path].insert(json::parse(r.body).at("event").get<std::string>());
  }
  EXPECT_EQ(got["/everything"],
            (std::multiset<std::string>{"observation_failing", "observation_recovered",
                                        "operator_changed"}));
  EXPECT_EQ(got["/warnings"],
            (std::multiset<std::string>{"observation_failing", "operator_changed"}));
  EXPECT_EQ(got["/moves"],
            (std::multiset<std::string>{"observation_recovered", "operator_changed"}));
}

// A receiver behind authentication, configured as an operator writes it: no name (the URL's host),
// custom headers, and a bearer token from a file beside the configuration.
TEST_F(DaemonRoundsTest, AWebhookSendsItsHeadersAndBearerTokenFromTheConfiguration) {
  testutil::Receiver receiver;
  receiver.start();
  std::ofstream(dir_ / "hook.token") << "t0ken-from-file\n";
  configure("  - a.example\n",
            "confirm_polls: 1\nfailing_polls: 1\nwebhooks:\n  - url: '" + receiver.url() +
                "'\n    bearer_token_file: hook.token\n    headers: {X-Tenant: acme}\n");
  round(World::kHealthy);
  round(World::kRootDown);  // observation_failing
  const auto requests = receiver.requests();
  ASSERT_FALSE(requests.empty());
  for (const auto& r : requests) {
    EXPECT_EQ(r.headers.at("authorization"), "Bearer t0ken-from-file");
    EXPECT_EQ(r.headers.at("x-tenant"), "acme");
  }
  auto stats = store().stats();
  ASSERT_TRUE(stats.ok()) << stats.error().message;
  EXPECT_EQ(stats->outboxPending, 0);  // delivered to the sink named "127.0.0.1"
}

// Without root_hints and trust_anchors, the start says which copy it uses; a malformed Debian file
// is a warning and the built-in copy, never a failed start.
TEST_F(DaemonRoundsTest, StartSaysWhichRootHintsAndTrustAnchorsItUses) {
  configure("  - a.example\n", "", "info");
  std::filesystem::create_directories(dir_ / "dns");
  std::ofstream(dir_ / "dns/root.hints") << ";  related version of root zone: 2099010101\n"
                                         << ". 3600000 NS a.root.test.\n";  // no address
  std::ofstream(dir_ / "dns/root.ds")
      << ". IN DS 20326 8 2 E06D44B80B8F1D39A95C0B0D7C65D08458E880409BBC683457104237C7F8EC8D\n"
         ". IN DS 38696 8 2 683D2D0ACB8C9B712A1948B27F741219298D0A450D612C483AF444A4C0FB2B16\n"
         ". IN DS 12345 8 2 00112233445566778899AABBCCDDEEFF00112233445566778899AABBCCDDEEFF\n";
  std::string text;
  {
    StderrCapture log((dir_ / "daemon.log").string());
    round(World::kHealthy);
    text = log.text();
  }
  log::setLevel(log::Level::kError);
  EXPECT_NE(text.find(" warning root hints: ignoring " + (dir_ / "dns/root.hints").string()),
            std::string::npos)
      << text;
  EXPECT_NE(text.find(" info root hints: built-in copy, 2024041801 (" +
                      (dir_ / "dns/root.hints").string() + " is unusable)"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find(" info trust anchors: " + (dir_ / "dns/root.ds").string() +
                      " (dns-root-data, root keys 12345 20326 38696)"),
            std::string::npos)
      << text;
  EXPECT_EQ(summary_.observations, 1U);
}

// log_format: json makes every line the daemon writes one JSON object with time, level and event,
// and the lines about a domain's events name the domain.
TEST_F(DaemonRoundsTest, JsonLogLinesParseAndNameTheirDomain) {
  configure("  - a.example\n", "confirm_polls: 1\nfailing_polls: 1\nlog_format: json\n", "debug");
  std::vector<std::string> lines;
  {
    StderrCapture log((dir_ / "daemon.log").string());
    round(World::kHealthy);
    round(World::kRootDown);  // observation_failed lines and the observation_failing event
    std::istringstream in(log.text());
    for (std::string line; std::getline(in, line);) lines.push_back(line);
  }
  log::setFormat(log::Format::kText);
  log::setLevel(log::Level::kError);
  ASSERT_FALSE(lines.empty());
  bool sawEvent = false;
  for (const std::string& line : lines) {
    const json j = json::parse(line, nullptr, /*allow_exceptions=*/false);
    ASSERT_TRUE(j.is_object()) << line;
    EXPECT_TRUE(j.contains("time") && j.contains("level") && j.contains("event") &&
                j.contains("message"))
        << line;
    if (j.at("event") == "observation_failing") {
      sawEvent = true;
      EXPECT_EQ(j.at("domain"), "a.example.") << line;
      // A warning event is logged at warning: `journalctl -p warning` must show it.
      EXPECT_EQ(j.at("level"), "warning") << line;
    }
  }
  EXPECT_TRUE(sawEvent) << lines.front();
}

// A commit that fails (full disk, here a trigger) stores nothing, and the memory does not advance:
// the next round derives the same event again, and it is stored once.
TEST_F(DaemonRoundsTest, AFailedCommitLosesNoEventAndRepeatsNone) {
  configure("  - a.example\n", "failing_polls: 1\n");
  round(World::kHealthy);
  auto* sqlite = dynamic_cast<storage::SqliteStore*>(&store());
  ASSERT_NE(sqlite, nullptr);
  ASSERT_TRUE(sqlite
                  ->execute("CREATE TRIGGER test_full_disk BEFORE INSERT ON events "
                            "BEGIN SELECT RAISE(ABORT, 'database or disk is full'); END;")
                  .ok());
  round(World::kRootDown);
  EXPECT_EQ(summary_.commitFailures, 1U);
  EXPECT_EQ(summary_.events, 0U);
  EXPECT_EQ(row("a.example.").failures, 0) << "the row was not written either";
  ASSERT_TRUE(sqlite->execute("DROP TRIGGER test_full_disk;").ok());
  round(World::kRootDown);
  EXPECT_EQ(summary_.commitFailures, 0U);
  EXPECT_EQ(eventNames(), std::vector<std::string>{"observation_failing"});
  EXPECT_EQ(row("a.example.").failures, 1);
}

// --- SIGHUP ----------------------------------------------------------------------------------

template <class Predicate>
bool eventually(Predicate done, std::chrono::seconds limit = std::chrono::seconds(10)) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < deadline) {
    if (done()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return done();
}

TEST_F(DaemonRoundsTest, SighupReloadsAndABadReloadKeepsTheRunningConfiguration) {
  configure("  - a.example\n", "", "info");
  // The loop's signal mask is set by create(), on this thread, so the run() thread inherits it and
  // a signal sent to the process waits for the daemon's signalfd.
  auto d = create(/*once=*/false);
  ASSERT_TRUE(d);
  StderrCapture log((dir_ / "daemon.log").string());
  std::thread runner([&] { EXPECT_TRUE(d->run().ok()); });
  auto watched = [&] {
    return sample(d->metrics().render(), "zonewatch_domains_watched").value_or(-1);
  };
  auto stored = [&](const std::string& domain) {
    auto r = store().domain(domain);
    return r.ok() && r->has_value();
  };
  EXPECT_TRUE(eventually([&] { return stored("a.example."); }));

  configure("  - a.example\n  - b.example\n", "", "info");
  ASSERT_EQ(::kill(::getpid(), SIGHUP), 0);
  EXPECT_TRUE(eventually([&] { return stored("b.example."); })) << log.text();
  EXPECT_EQ(watched(), 2);

  std::ofstream(configPath_) << "database: " << database_ << "\ndomains: [c..example]\n";
  ASSERT_EQ(::kill(::getpid(), SIGHUP), 0);
  EXPECT_TRUE(eventually([&] {
    return log.text().find("reload failed, keeping the previous configuration") !=
           std::string::npos;
  })) << log.text();
  EXPECT_NE(log.text().find("zonewatch.yaml:2"), std::string::npos) << log.text();
  EXPECT_EQ(watched(), 2);

  ASSERT_EQ(::kill(::getpid(), SIGTERM), 0);
  runner.join();
  EXPECT_FALSE(stored("c..example.")) << "nothing of the bad configuration was applied";
  EXPECT_EQ(observed_.count("c..example."), 0U);
}

TEST_F(DaemonRoundsTest, ReloadKeepsStartOnlyKeysAndSaysSo) {
  configure("  - a.example\n", "observation_timeout: 30s\n", "info");
  auto d = create(/*once=*/false);
  ASSERT_TRUE(d);
  StderrCapture log((dir_ / "daemon.log").string());
  std::thread runner([&] { EXPECT_TRUE(d->run().ok()); });
  const std::string other = (dir_ / "other.sqlite").string();
  std::ofstream(configPath_) << "database: " << other
                             << "\nlog_level: info\nobservation_timeout: 5s\n"
                             << "domains: [a.example, b.example]\n";
  ASSERT_EQ(::kill(::getpid(), SIGHUP), 0);
  EXPECT_TRUE(eventually([&] {
    auto r = store().domain("b.example.");
    return r.ok() && r->has_value();
  })) << "the domains changed, in the database the daemon started with";
  const std::string text = log.text();
  EXPECT_NE(text.find("a change of 'database' takes effect at restart"), std::string::npos) << text;
  EXPECT_NE(text.find("a change of 'observation_timeout' takes effect at restart"),
            std::string::npos)
      << text;
  ASSERT_EQ(::kill(::getpid(), SIGTERM), 0);
  runner.join();
  EXPECT_FALSE(std::filesystem::exists(other));
}

// Issue 11: a reload joined the delivery worker, so SIGHUP waited on the DNS loop for as long as a
// request to a hanging receiver took (its timeout). The receiver here holds the request for the
// whole test, far beyond the time the reload is given to show.
TEST_F(DaemonRoundsTest, ReloadDoesNotWaitForAHangingWebhookReceiver) {
  testutil::Receiver receiver;
  receiver.setSilent(true);
  // interval 30s: the domain observed before is overdue when the daemon starts, and is spread over
  // the first tenth of its interval (monitor/scheduler/scheduler.h), 3 s here.
  const std::string hook = "interval: 30s\nfailing_polls: 1\nwebhooks:\n  - {name: slow, url: '" +
                           receiver.url() + "', timeout: 60s}\n";
  configure("  - a.example\n", hook, "info");
  round(World::kHealthy);
  world_ = World::kRootDown;  // the running daemon's first round raises observation_failing
  auto d = create(/*once=*/false);
  ASSERT_TRUE(d);
  // Started after create() blocked SIGHUP on this thread: the receiver's thread inherits the mask,
  // so the signal waits for the daemon's signalfd instead of killing the test.
  receiver.start();
  StderrCapture log((dir_ / "daemon.log").string());
  std::thread runner([&] { EXPECT_TRUE(d->run().ok()); });
  ASSERT_TRUE(eventually([&] { return !receiver.requests().empty(); })) << log.text();

  // The worker is now inside a request that will not end for 60 s.
  configure("  - a.example\n  - b.example\n", hook, "info");
  ASSERT_EQ(::kill(::getpid(), SIGHUP), 0);
  EXPECT_TRUE(eventually([&] {
    auto r = store().domain("b.example.");
    return r.ok() && r->has_value();
  })) << "the loop applied the reload and observed the new domain while the receiver hangs\n"
      << log.text();
  EXPECT_NE(log.text().find("reloaded"), std::string::npos) << log.text();

  // Stopping aborts the held request (the receiver still holds it), and the alert stays in the
  // outbox for the next start.
  ASSERT_EQ(::kill(::getpid(), SIGTERM), 0);
  runner.join();
  d.reset();
  auto stats = store().stats();
  ASSERT_TRUE(stats.ok());
  EXPECT_GE(stats->outboxPending, 1);
  EXPECT_EQ(stats->outboxPending, static_cast<int64_t>(eventNames().size()))
      << "no receiver ever answered: every event is still to be delivered";
}

// --- Sizing and the schedule (issue 13) ------------------------------------------------------

size_t occurrences(const std::string& text, const std::string& part) {
  size_t n = 0;
  for (size_t at = text.find(part); at != std::string::npos; at = text.find(part, at + 1)) ++n;
  return n;
}

// Every scripted domain is served by 192.0.2.53 and 198.51.100.53: with server memos (the SOA each
// round, the other 4 questions once an hour) 3 x (1 + 4 x 300 / 3600) = 4 queries a round for
// three domains, 400 s at 0.01 per second, and 0.0133 per second, more than 0.01. On an empty
// database only the parent's question is known (3 a round: 5 minutes, which the interval allows),
// so the start says nothing wrong; once the first round has shown the shared servers, the daemon
// says it cannot keep up. The next start knows it at once.
TEST_F(DaemonRoundsTest, SizingWarnsOnceTheFirstRoundShowsTheSharedServers) {
  configure(kThreeSigned, "per_server_qps: 0.01\n", "info");
  const std::string warning =
      "per_server_qps 0.01 cannot observe 3 domains every 5m: address 192.0.2.53 "
      "(ns1.alpha-dns.example.) gets 4 queries per round, a round takes at least 6m40s; raise "
      "per_server_qps to at least 1 or the interval to at least 7m30s";
  {
    StderrCapture log((dir_ / "first.log").string());
    auto d = round(World::kHealthy);
    ASSERT_TRUE(d);
    const std::string text = log.text();
    EXPECT_NE(text.find("sizing: 3 domains, a round takes at least 5m at per_server_qps 0.01 "
                        "(busiest: every address of the servers of example., 3 queries per round)"),
              std::string::npos)
        << text;
    EXPECT_EQ(occurrences(text, warning), 1u) << text;
    EXPECT_LT(text.find("sizing: 3 domains"), text.find(warning)) << "after the round, not before";
    const std::string metrics = d->metrics().render();
    EXPECT_NEAR(sample(metrics, "zonewatch_round_estimated_duration_seconds").value_or(-1), 400,
                1e-6);
    EXPECT_EQ(sample(metrics, "zonewatch_behind_schedule"), 1);
  }
  StderrCapture log((dir_ / "second.log").string());
  auto d = create();  // the start knows the servers from the database: the warning comes at once
  ASSERT_TRUE(d);
  EXPECT_EQ(occurrences(log.text(), warning), 1u) << log.text();
  ASSERT_TRUE(d->run().ok());
  EXPECT_EQ(occurrences(log.text(), warning), 1u) << "not again after the round: " << log.text();
}

TEST_F(DaemonRoundsTest, AReloadThatSlowsTheQueriesDownWarns) {
  configure("  - a.example\n", "per_server_qps: 100\n", "info");
  auto d = create(/*once=*/false);
  ASSERT_TRUE(d);
  StderrCapture log((dir_ / "daemon.log").string());
  std::thread runner([&] { EXPECT_TRUE(d->run().ok()); });
  auto behind = [&] {
    return sample(d->metrics().render(), "zonewatch_behind_schedule").value_or(-1);
  };
  // After its first observation the estimate counts a.example.'s own servers: with a server memo
  // 1 + 4 x 300 / 3600 queries a round at 100 a second (before it, the parent's one question:
  // 0.01 s).
  EXPECT_TRUE(eventually([&] {
    const double round =
        sample(d->metrics().render(), "zonewatch_round_estimated_duration_seconds").value_or(-1);
    return round > 0.0133 && round < 0.0134;
  })) << log.text();
  EXPECT_EQ(behind(), 0);

  configure("  - a.example\n", "per_server_qps: 0.001\n", "info");
  ASSERT_EQ(::kill(::getpid(), SIGHUP), 0);
  EXPECT_TRUE(eventually([&] { return behind() == 1; })) << log.text();
  EXPECT_NE(log.text().find("per_server_qps 0.001 cannot observe 1 domain every 5m: address "
                            "192.0.2.53 (ns1.alpha-dns.example.) gets 1 query per round, a "
                            "round takes at least 22m13s; raise per_server_qps to at least 1 or "
                            "the interval to at least 1h24m"),
            std::string::npos)
      << log.text();
  // The hourly questions alone (4 in 3600 s) exceed 0.001 per second: no interval under an hour
  // helps, and from an hour on every observation asks all 5 (5,000 s at 0.001).
  EXPECT_NEAR(
      sample(d->metrics().render(), "zonewatch_round_estimated_duration_seconds").value_or(-1),
      4000.0 / 3, 1e-6);
  ASSERT_EQ(::kill(::getpid(), SIGTERM), 0);
  runner.join();
}

// A restart resumes each domain's phase instead of observing the whole portfolio at once; a domain
// never observed is observed at once.
TEST_F(DaemonRoundsTest, ARestartedDaemonResumesThePhaseOfDomainsObservedBefore) {
  configure("  - a.example\n");
  t_ = static_cast<int64_t>(std::time(nullptr)) - 300;  // round() observes a.example. now
  round(World::kHealthy);
  ASSERT_EQ(observed_["a.example."], 1);
  configure("  - a.example\n  - b.example\n");
  auto d = create(/*once=*/false);
  ASSERT_TRUE(d);
  std::thread runner([&] { EXPECT_TRUE(d->run().ok()); });
  EXPECT_TRUE(eventually([&] {
    auto r = store().domain("b.example.");
    return r.ok() && r->has_value();
  }));
  // Both would have been taken in the same turn of the loop had both been due.
  ASSERT_EQ(::kill(::getpid(), SIGTERM), 0);
  runner.join();
  EXPECT_EQ(observed_["b.example."], 1);
  EXPECT_EQ(observed_["a.example."], 1) << "due 270-300 s after its last observation, not at start";
}

// --- Replay (monitor/detect/replay.h): an unchanged domain is not judged again -----------------

TEST_F(DaemonRoundsTest, UnchangedRoundsAreReplayedAndAChangeIsJudgedInFull) {
  configure(kThreeSigned);
  replayInputs_ = true;
  serverMemo_ = std::vector<uint8_t>{1, 0, 2};  // the first observation asked everything
  round(World::kHealthy);
  EXPECT_EQ(summary_.replayedObservations, 0U);
  const auto first = row("a.example.");
  EXPECT_EQ(first.serverMemo, *serverMemo_);
  serverMemo_.reset();  // the memos stood in for the answers: none renewed
  // The baseline, judged once more from the memory it left, changes nothing: proven at rest.
  ASSERT_TRUE(first.replayDigest.has_value());
  EXPECT_EQ(first.replayUntil, t_ + 30 * 86400 - 7 * 86400);  // before signature_warning
  round(World::kHealthy);
  EXPECT_EQ(summary_.replayedObservations, 3U);
  EXPECT_EQ(summary_.observations, 3U);
  auto replayed = row("a.example.");
  EXPECT_EQ(replayed.lastSeen, t_);
  replayed.lastSeen = first.lastSeen;
  EXPECT_EQ(replayed, first) << "a replay writes last_seen only, and keeps the memo it used";
  auto snapshots = store().snapshots("a.example.", 10);
  ASSERT_TRUE(snapshots.ok());
  ASSERT_EQ(snapshots->size(), 1U);
  EXPECT_EQ(snapshots->front().lastSeen, t_);

  round(World::kMoved);  // other answers: judged, the change pending
  EXPECT_EQ(summary_.replayedObservations, 0U);
  EXPECT_FALSE(row("a.example.").replayDigest.has_value());
  round(World::kMoved);  // confirmed and reported
  EXPECT_EQ(summary_.replayedObservations, 0U);
  const auto moved = eventNames("a.example.");
  EXPECT_NE(std::find(moved.begin(), moved.end(), "operator_changed"), moved.end());
  const size_t events = eventNames().size();
  round(World::kMoved);  // the new state, judged once more: at rest
  EXPECT_EQ(summary_.replayedObservations, 0U);
  round(World::kMoved);
  EXPECT_EQ(summary_.replayedObservations, 3U);
  EXPECT_EQ(eventNames().size(), events);
  round(World::kHealthy);  // moved back: judged, whatever was replayed before
  EXPECT_EQ(summary_.replayedObservations, 0U);
}

TEST_F(DaemonRoundsTest, ASignatureNearingExpiryIsNeverReplayed) {
  configure("  - a.example\n");
  replayInputs_ = true;
  fixedExpiry_ = t_ + 300 + 7 * 86400 + 400;  // 400 s past signature_warning at round 1
  round(World::kHealthy);
  EXPECT_EQ(row("a.example.").replayUntil, t_ + 400);
  round(World::kHealthy);  // 300 s later: the proof still holds
  EXPECT_EQ(summary_.replayedObservations, 1U);
  EXPECT_EQ(eventNames("a.example."), std::vector<std::string>{});
  round(World::kHealthy);  // 600 s: within signature_warning, judged and reported
  EXPECT_EQ(summary_.replayedObservations, 0U);
  EXPECT_EQ(eventNames("a.example."), std::vector<std::string>{"signature_expiring"});
  EXPECT_FALSE(row("a.example.").replayDigest.has_value());
  round(World::kHealthy);
  EXPECT_EQ(summary_.replayedObservations, 0U);
}

TEST_F(DaemonRoundsTest, AChangedOptionOrAnAckEndsTheReplay) {
  configure(kThreeSigned);
  replayInputs_ = true;
  round(World::kHealthy);
  round(World::kHealthy);
  ASSERT_EQ(summary_.replayedObservations, 3U);
  configure(kThreeSigned, "signature_warning: 3d\n");
  round(World::kHealthy);  // judged by the new threshold
  EXPECT_EQ(summary_.replayedObservations, 0U);
  EXPECT_EQ(row("b.example.").replayUntil, t_ + 30 * 86400 - 3 * 86400);
  round(World::kHealthy);
  EXPECT_EQ(summary_.replayedObservations, 3U);
  std::string out, err;
  ASSERT_EQ(ack("a.example", out, err), 0) << err;
  round(World::kHealthy);  // a.example. is judged against its new baseline
  EXPECT_EQ(summary_.replayedObservations, 2U);
  round(World::kHealthy);
  EXPECT_EQ(summary_.replayedObservations, 3U);
  EXPECT_EQ(eventNames(), std::vector<std::string>{});
}

TEST_F(DaemonRoundsTest, AnObservationWithoutDataIsJudgedAndEndsTheReplay) {
  configure("  - a.example\n");
  replayInputs_ = true;
  round(World::kHealthy);
  round(World::kServersSilent);  // no data: judged (and counted), the memory kept
  EXPECT_EQ(summary_.replayedObservations, 0U);
  EXPECT_EQ(summary_.failedObservations, 1U);
  EXPECT_EQ(row("a.example.").failures, 1);
  round(World::kHealthy);  // data again: the failure count goes back to 0, judged in full
  EXPECT_EQ(summary_.replayedObservations, 0U);
  EXPECT_EQ(row("a.example.").failures, 0);
  round(World::kHealthy);
  EXPECT_EQ(summary_.replayedObservations, 1U);
}

}  // namespace
}  // namespace zonewatch::daemon
