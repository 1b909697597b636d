// The monitor's read-side commands (monitor/commands/monitor_commands.cpp): `status`, `history`,
// `events`, `evidence`, `ack`, `config check`, and `run`'s refusal of a configuration that does not
// load. Each test writes a configuration into a fresh temporary directory and builds the database
// through the store API (storage/store.h), as the daemon would have left it: no network, no
// daemon, and every time is a fixed instant (no wall clock). Every command's exit code, output and
// error text are pinned, the errors for bad input (no database, unknown domain, a bad --at, a bad
// configuration) included, and `ack`'s refusal to accept a state that no observation with data
// produced (issue 11).
#include "monitor/commands/monitor_commands.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "config/config.h"
#include "monitor/detect/domain_state.h"
#include "monitor/model/event_kind.h"
#include "monitor/model/observation.h"
#include "monitor/rdap/registration_events.h"
#include "monitor/rdap/registration_json.h"
#include "storage/sqlite_store.h"

namespace zonewatch {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

// 2026-11-18T11:06:40Z and five-minute polls after it.
constexpr int64_t kT0 = 1795000000;
constexpr int64_t kPoll = 300;

struct Outcome {
  int code = -1;
  std::string out;
  std::string err;
};

using Command = std::function<int(const MonitorArgs&, std::ostream&, std::ostream&)>;

detect::DomainState signedState(std::vector<std::string> operators, std::vector<uint16_t> dsTags) {
  detect::DomainState s;
  s.status = model::SecurityState::kSecure;
  s.reason = model::SecurityReason::kNone;
  s.operators = std::move(operators);
  s.parentNs = {"ns1.alpha-dns.example.", "ns2.beta-dns.example."};
  for (uint16_t tag : dsTags) s.ds.push_back({tag, 13, 2, "AABB"});
  s.denial = "";
  s.dnskey = {{100, 257, 13}, {200, 256, 13}};
  return s;
}

const detect::DomainState kAlphaBeta =
    signedState({"alpha-dns.example.", "beta-dns.example."}, {100});

class MonitorCommandsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (fs::temp_directory_path() / "zw-commands-XXXXXX").string();
    ASSERT_NE(::mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
    database_ = (dir_ / "zonewatch.sqlite").string();
    configPath_ = (dir_ / "zonewatch.yaml").string();
    configure();
  }
  void TearDown() override {
    store_.reset();
    fs::remove_all(dir_);
  }

  void configure(const std::string& extra = "") {
    std::ofstream(configPath_) << "database: " << database_ << "\n"
                               << "metrics: {enabled: false}\n"
                               << "domains:\n"
                               << "  - a.example\n"
                               << "  - b.example\n"
                               << extra;
  }

  storage::Store& store() {
    if (!store_) {
      auto s = storage::openSqliteStore(database_);
      EXPECT_TRUE(s.ok()) << s.error().message;
      if (s.ok()) store_ = std::move(s).value();
    }
    return *store_;
  }

  // A row as the daemon writes it after an observation with data at `at`.
  static storage::DomainRow rowOf(const std::string& domain, const detect::DomainState& state,
                                  int64_t at) {
    storage::DomainRow r;
    r.domain = domain;
    r.firstSeen = kT0;
    r.lastSeen = at;
    r.status = state.status;
    r.reason = state.reason;
    r.operatorsJson = json(state.operators).dump();
    r.stateJson = detect::toJson(state);
    return r;
  }

  // Commits an observation of `domain` with data at `at`: the row, the snapshot (a new one when
  // the state differs from the latest) and `events`.
  void observed(const std::string& domain, const detect::DomainState& state, int64_t at,
                std::vector<storage::NewEvent> events = {}, const std::string& evidence = "") {
    storage::ObservationCommit c;
    c.row = rowOf(domain, state, at);
    c.snapshotStateJson = c.row.stateJson;
    c.evidence = evidence.empty() ? domain + " 3600 IN NS ns1.alpha-dns.example.\n" : evidence;
    c.observedAt = at;
    c.events = std::move(events);
    ASSERT_TRUE(store().commit(c).ok());
  }

  // Commits a row as is (no snapshot): what the daemon writes after an observation without data.
  void commitRow(const storage::DomainRow& row, int64_t at) {
    storage::ObservationCommit c;
    c.row = row;
    c.observedAt = at;
    ASSERT_TRUE(store().commit(c).ok());
  }

  storage::DomainRow row(const std::string& domain) {
    auto r = store().domain(domain);
    EXPECT_TRUE(r.ok() && r->has_value()) << domain;
    return r.ok() && r->has_value() ? **r : storage::DomainRow{};
  }

  static storage::NewEvent event(const std::string& uid, const std::string& domain, int64_t at,
                                 const std::string& name, const std::string& severity) {
    storage::NewEvent e;
    e.uid = uid;
    e.domain = domain;
    e.observedAt = at;
    e.kind = model::eventKindFromString(name).value();
    e.severity = model::severityFromString(severity).value();
    e.summary = name + " (" + uid + ")";
    e.beforeJson = "null";
    e.afterJson = "null";
    return e;
  }

  MonitorArgs args(const std::string& domain = "") const {
    MonitorArgs a;
    a.configPath = configPath_;
    a.configGiven = true;  // as with -c
    a.domain = domain;
    return a;
  }

  static Outcome run(const Command& command, const MonitorArgs& a) {
    std::ostringstream out, err;
    Outcome o;
    o.code = command(a, out, err);
    o.out = out.str();
    o.err = err.str();
    return o;
  }

  fs::path dir_;
  std::string database_, configPath_;
  std::unique_ptr<storage::Store> store_;
};

// --- status --------------------------------------------------------------------------------------

TEST_F(MonitorCommandsTest, StatusOfAnEmptyDatabaseSaysNothingWasObserved) {
  store();  // creates the database, as `run` does before its first round
  const Outcome o = run(runStatusCommand, args());
  EXPECT_EQ(o.code, 0) << o.err;
  EXPECT_EQ(o.err, "");
  EXPECT_EQ(o.out,
            "DOMAIN  STATE          REASON                    LAST CHANGE           OPERATORS\n"
            "(no domain observed yet: start `zonewatch run`)\n");
  MonitorArgs a = args();
  a.json = true;
  const Outcome j = run(runStatusCommand, a);
  EXPECT_EQ(j.code, 0);
  EXPECT_EQ(j.out, "") << "no domain, no JSON line";
}

TEST_F(MonitorCommandsTest, StatusTableMarksAFailedLatestObservationAndANeverSeenDomain) {
  observed("a.example.", kAlphaBeta, kT0);
  // b.example.: seen healthy, then changed once (last_change), then its latest observation failed.
  observed("b.example.", kAlphaBeta, kT0);
  storage::DomainRow b = row("b.example.");
  b.lastChange = kT0 + kPoll;
  b.failures = 2;
  commitRow(b, kT0 + 2 * kPoll);
  // c.example.: only failed observations so far, no state at all.
  storage::DomainRow c;
  c.domain = "c.example.";
  c.firstSeen = kT0;
  c.failures = 1;
  commitRow(c, kT0);

  const Outcome o = run(runStatusCommand, args());
  EXPECT_EQ(o.code, 0) << o.err;
  EXPECT_EQ(o.out,
            "DOMAIN      STATE          REASON                    LAST CHANGE           OPERATORS\n"
            "a.example.  secure         none                      -                     "
            "alpha-dns.example., beta-dns.example.\n"
            "b.example.  secure?        none                      2026-11-18T11:11:40Z  "
            "alpha-dns.example., beta-dns.example.\n"
            "c.example.  -?                                       -                     \n"
            "STATE \"?\": the latest observation got no data; the state shown is the last one "
            "seen before it. \"-\": not observed yet.\n");
}

TEST_F(MonitorCommandsTest, StatusJsonHasOneObjectPerDomainWithEveryField) {
  detect::DomainState state = kAlphaBeta;
  observed("a.example.", state, kT0 + kPoll);
  storage::DomainRow a = row("a.example.");
  a.rrsigExpiry = kT0 + 30 * 86400;
  a.lastChange = kT0;
  a.pendingJson = detect::toJson(signedState({"gamma-dns.example."}, {100}));
  a.pendingCount = 1;
  commitRow(a, kT0 + kPoll);
  storage::DomainRow c;
  c.domain = "c.example.";
  c.firstSeen = kT0;
  c.failures = 3;
  commitRow(c, kT0);

  MonitorArgs args_ = args();
  args_.json = true;
  const Outcome o = run(runStatusCommand, args_);
  EXPECT_EQ(o.code, 0) << o.err;
  std::istringstream lines(o.out);
  std::vector<json> rows;
  for (std::string line; std::getline(lines, line);) rows.push_back(json::parse(line));
  ASSERT_EQ(rows.size(), 2U) << o.out;
  EXPECT_EQ(rows[0], json::parse(R"({"domain":"a.example.","domain_unicode":"a.example.",
      "status":"secure","reason":"none",
      "operators":["alpha-dns.example.","beta-dns.example."],"first_seen":"2026-11-18T11:06:40Z",
      "last_seen":"2026-11-18T11:11:40Z","last_change":"2026-11-18T11:06:40Z",
      "rrsig_expiry":"2026-12-18T11:06:40Z","pending_change":true,"consecutive_failures":0,
      "registration":null})"));
  EXPECT_EQ(rows[1], json::parse(R"({"domain":"c.example.","domain_unicode":"c.example.",
      "status":"","reason":"",
      "operators":[],"first_seen":"2026-11-18T11:06:40Z","last_seen":"-","last_change":null,
      "rrsig_expiry":null,"pending_change":false,"consecutive_failures":3,
      "registration":null})"));
}

TEST_F(MonitorCommandsTest, StatusShowsTheUnicodeFormOfAnIdnAndNoLegendWithoutMarkers) {
  observed("xn--bcher-kva.example.", kAlphaBeta, kT0);
  observed("a.example.", kAlphaBeta, kT0);
  const Outcome o = run(runStatusCommand, args());
  EXPECT_EQ(o.code, 0) << o.err;
  // The column is as wide as the widest name in characters, not in UTF-8 octets.
  EXPECT_EQ(o.out,
            "DOMAIN                                    STATE          REASON                    "
            "LAST CHANGE           OPERATORS\n"
            "a.example.                                secure         none                      "
            "-                     alpha-dns.example., beta-dns.example.\n"
            "xn--bcher-kva.example. (bücher.example.)  secure         none                      "
            "-                     alpha-dns.example., beta-dns.example.\n");
  MonitorArgs a = args();
  a.json = true;
  const Outcome j = run(runStatusCommand, a);
  EXPECT_NE(j.out.find(R"("domain":"xn--bcher-kva.example.","domain_unicode":"bücher.example.")"),
            std::string::npos)
      << j.out;
}

// --- registration (issue 16) ---------------------------------------------------------------------

rdap::Registration registrationOf(const std::string& domain) {
  rdap::Registration r;
  r.ldhName = domain;
  r.statuses = {{rdap::StatusCode::kClientTransferProhibited, "client transfer prohibited"},
                {rdap::StatusCode::kServerDeleteProhibited, "server delete prohibited"}};
  r.registrar = rdap::Registrar{"Example Registrar", 292, "292"};
  r.nameservers = {"ns1.alpha-dns.example.", "ns2.beta-dns.example."};
  r.expiresAt = kT0 + 60 * 86400;  // 2027-01-17
  r.lastChangedAt = kT0 - 86400;
  return r;
}

TEST_F(MonitorCommandsTest, StatusShowsAStoredRegistrationUnderItsDomain) {
  observed("a.example.", kAlphaBeta, kT0);
  observed("b.example.", kAlphaBeta, kT0);
  ASSERT_TRUE(
      store()
          .putRegistration({"a.example.", kT0, rdap::toJson(registrationOf("a.example.")), ""})
          .ok());
  const Outcome o = run(runStatusCommand, args());
  EXPECT_EQ(o.code, 0) << o.err;
  EXPECT_NE(o.out.find("alpha-dns.example., beta-dns.example.\n"
                       "    registration: Example Registrar (IANA 292), locks CTL SDL, expires "
                       "2027-01-17\n"
                       "b.example.  "),
            std::string::npos)
      << o.out;
  EXPECT_EQ(o.out.find("registration", o.out.find("b.example.")), std::string::npos) << o.out;

  MonitorArgs a = args();
  a.json = true;
  const Outcome j = run(runStatusCommand, a);
  std::istringstream lines(j.out);
  std::vector<json> rows;
  for (std::string line; std::getline(lines, line);) rows.push_back(json::parse(line));
  ASSERT_EQ(rows.size(), 2U) << j.out;
  EXPECT_EQ(rows[0]["registration"],
            json::parse(R"({"registrar":"Example Registrar","registrar_iana_id":292,
                "locks":["CTL","SDL"],"expires":"2027-01-17T11:06:40Z",
                "fetched_at":"2026-11-18T11:06:40Z"})"));
  EXPECT_TRUE(rows[1]["registration"].is_null());
}

TEST_F(MonitorCommandsTest, StatusSaysAStoredRegistrationItCannotRead) {
  observed("a.example.", kAlphaBeta, kT0);
  ASSERT_TRUE(store().putRegistration({"a.example.", kT0, "{\"status\": 7}", ""}).ok());
  const Outcome o = run(runStatusCommand, args());
  EXPECT_EQ(o.code, 0) << o.err;
  EXPECT_NE(o.out.find("    registration: the stored registration cannot be read: status: "),
            std::string::npos)
      << o.out;
}

TEST_F(MonitorCommandsTest, HistoryShowsTheRegistrationFirstAndItsEventsReadably) {
  const rdap::Registration before = registrationOf("a.example.");
  rdap::Registration after = before;
  after.statuses.erase(after.statuses.begin());  // the client transfer lock lifted
  after.registrar = rdap::Registrar{"Other Registrar", 1910, ""};
  std::vector<storage::NewEvent> events;
  for (const auto& change : rdap::diffRegistrations(before, after)) {
    storage::NewEvent e;
    static_cast<model::Event&>(e) = rdap::toEvent("a.example.", kT0, change);
    events.push_back(e);
  }
  ASSERT_EQ(events.size(), 2U);
  observed("a.example.", kAlphaBeta, kT0, events);
  ASSERT_TRUE(store().putRegistration({"a.example.", kT0, rdap::toJson(after), ""}).ok());

  const Outcome o = run(runHistoryCommand, args("a.example"));
  EXPECT_EQ(o.code, 0) << o.err;
  EXPECT_EQ(o.out.rfind("Registration (RDAP, fetched 2026-11-18T11:06:40Z)\n"
                        "  Registrar     Other Registrar (IANA 1910)\n"
                        "  Locks held    SDL (server delete lock)\n"
                        "  Name servers  ns1.alpha-dns.example., ns2.beta-dns.example.\n"
                        "  Expires       2027-01-17T11:06:40Z (60 days left)\n"
                        "  Last changed  2026-11-17T11:06:40Z\n\n",
                        0),
            0U)
      << o.out;
  EXPECT_NE(o.out.find("registrar_changed             warning   registrar of a.example. changed "
                       "from Example Registrar (IANA 292) to Other Registrar (IANA 1910)\n"),
            std::string::npos)
      << o.out;
  EXPECT_NE(o.out.find("lock_removed                  warning   client transfer lock removed "
                       "from a.example.\n"
                       "    before: {\"lock\":\"client transfer lock\"}\n"
                       "    after:  {\"lock\":null}\n"),
            std::string::npos)
      << o.out;

  const Outcome events_ = run(runEventsCommand, args());
  EXPECT_NE(events_.out.find("a.example.  lock_removed"), std::string::npos) << events_.out;
  MonitorArgs a = args("a.example");
  a.json = true;
  const Outcome j = run(runHistoryCommand, a);
  EXPECT_EQ(j.out.find("Registration"), std::string::npos) << "every --json line is an event";
  std::istringstream lines(j.out);
  size_t count = 0;
  for (std::string line; std::getline(lines, line); ++count) {
    EXPECT_TRUE(json::parse(line).contains("event")) << line;
  }
  EXPECT_EQ(count, 2U) << j.out;
}

TEST_F(MonitorCommandsTest, ConfigCheckJsonHasTheRdapSection) {
  configure("rdap:\n  enabled: true\n  servers: {lab: 'http://127.0.0.1:8080/'}\n");
  MonitorArgs a = args();
  a.json = true;
  const Outcome o = run(runConfigCheckCommand, a);
  EXPECT_EQ(o.code, 0) << o.err;
  const json j = json::parse(o.out);
  EXPECT_EQ(j["rdap"], json::parse(R"({"enabled":true,"interval":"6h","min_spacing":"2s",
      "timeout":"10s","bootstrap_file":null,"bootstrap_url":null,"bootstrap_refresh":"1d",
      "servers":{"lab":"http://127.0.0.1:8080/"},
      "expiry_warning":"30d","mismatch_grace":"1d","hijack_window":"1w"})"))
      << o.out;
  const Outcome text = run(runConfigCheckCommand, args());
  EXPECT_NE(text.out.find("  server:       lab -> http://127.0.0.1:8080/\n"), std::string::npos)
      << text.out;
}

TEST_F(MonitorCommandsTest, StatusWithoutADatabaseFailsAndCreatesNone) {
  const Outcome o = run(runStatusCommand, args());
  EXPECT_EQ(o.code, 3);
  EXPECT_EQ(o.out, "");
  EXPECT_EQ(o.err.rfind("zonewatch: cannot open the database " + database_ + ": ", 0), 0U) << o.err;
  EXPECT_FALSE(fs::exists(database_)) << "a read-only command must not create the database";
}

TEST_F(MonitorCommandsTest, StatusWithAConfigurationThatDoesNotLoadIsUnknown) {
  MonitorArgs a = args();
  a.configPath = (dir_ / "missing.yaml").string();
  const Outcome missing = run(runStatusCommand, a);
  EXPECT_EQ(missing.code, 3);
  EXPECT_EQ(missing.out, "");
  EXPECT_EQ(missing.err.rfind("zonewatch: " + a.configPath, 0), 0U) << missing.err;

  configure("interval: soon\n");
  const Outcome bad = run(runStatusCommand, args());
  EXPECT_EQ(bad.code, 3);
  EXPECT_EQ(bad.out, "");
  // The loader's error names file, line, column and key (config/config.h).
  EXPECT_EQ(bad.err.rfind("zonewatch: " + configPath_ + ":6:", 0), 0U) << bad.err;
  EXPECT_NE(bad.err.find("key 'interval'"), std::string::npos) << bad.err;
}

// --- history -------------------------------------------------------------------------------------

TEST_F(MonitorCommandsTest, HistoryPrintsTheNewestLimitEventsOldestFirst) {
  observed("a.example.", kAlphaBeta, kT0,
           {event("e1", "", kT0, "ds_added", "info"),
            event("b1", "b.example.", kT0, "ds_removed", "critical")});
  storage::NewEvent changed = event("e2", "", kT0 + kPoll, "operator_changed", "warning");
  changed.beforeJson = R"(["alpha-dns.example."])";
  changed.afterJson = R"(["gamma-dns.example."])";
  storage::NewEvent unreachable = event("e3", "", kT0 + 2 * kPoll, "server_unreachable", "warning");
  unreachable.server = "ns1.alpha-dns.example. 192.0.2.53";
  observed("a.example.", kAlphaBeta, kT0 + 2 * kPoll, {changed, unreachable});

  MonitorArgs a = args("a.example");
  a.limit = 2;
  const Outcome o = run(runHistoryCommand, a);
  EXPECT_EQ(o.code, 0) << o.err;
  EXPECT_EQ(o.err, "");
  EXPECT_EQ(o.out,
            "2026-11-18T11:11:40Z  operator_changed              warning   "
            "operator_changed (e2)\n"
            "    before: [\"alpha-dns.example.\"]\n"
            "    after:  [\"gamma-dns.example.\"]\n"
            "2026-11-18T11:16:40Z  server_unreachable            warning   "
            "server_unreachable (e3)\n"
            "    server: ns1.alpha-dns.example. 192.0.2.53\n");

  a.limit = 100;
  const Outcome all = run(runHistoryCommand, a);
  EXPECT_EQ(all.out.rfind("2026-11-18T11:06:40Z  ds_added                      info      ", 0), 0U)
      << all.out;
  EXPECT_EQ(all.out.find("ds_removed"), std::string::npos) << "b.example.'s event: " << all.out;
}

TEST_F(MonitorCommandsTest, HistoryJsonParsesBeforeAndAfterAndKeepsTextThatIsNotJson) {
  storage::NewEvent changed = event("uid-1", "", kT0, "operator_changed", "warning");
  changed.beforeJson = R"({"operators":["alpha-dns.example."]})";
  changed.afterJson = "not json";
  changed.server = "ns1.alpha-dns.example. 192.0.2.53";
  observed("a.example.", kAlphaBeta, kT0, {changed});

  MonitorArgs a = args("A.Example.");  // names are matched as the store keeps them: lowercase
  a.json = true;
  const Outcome o = run(runHistoryCommand, a);
  EXPECT_EQ(o.code, 0) << o.err;
  ASSERT_EQ(o.out.back(), '\n');
  EXPECT_EQ(json::parse(o.out), json::parse(R"json({"id":"uid-1","event":"operator_changed",
      "severity":"warning","domain":"a.example.","observed_at":"2026-11-18T11:06:40Z",
      "observed_at_unix":1795000000,"summary":"operator_changed (uid-1)",
      "before":{"operators":["alpha-dns.example."]},"after":"not json",
      "server":"ns1.alpha-dns.example. 192.0.2.53"})json"));
}

TEST_F(MonitorCommandsTest, HistoryTakesUnicodeNames) {
  observed("xn--bcher-kva.example.", kAlphaBeta, kT0, {event("idn", "", kT0, "ds_added", "info")});
  const Outcome o = run(runHistoryCommand, args("bücher.example"));
  EXPECT_EQ(o.code, 0) << o.err;
  EXPECT_EQ(o.out,
            "2026-11-18T11:06:40Z  ds_added                      info      ds_added (idn)\n");
}

TEST_F(MonitorCommandsTest, HistoryOfADomainWithoutEventsSaysSo) {
  observed("a.example.", kAlphaBeta, kT0, {event("e1", "", kT0, "ds_added", "info")});
  const Outcome o = run(runHistoryCommand, args("b.example"));
  EXPECT_EQ(o.code, 0) << o.err;
  EXPECT_EQ(o.out, "(no events for b.example.)\n");
  MonitorArgs a = args("b.example");
  a.json = true;
  const Outcome j = run(runHistoryCommand, a);
  EXPECT_EQ(j.code, 0);
  EXPECT_EQ(j.out, "") << "JSON output is one line per event, nothing else";
}

TEST_F(MonitorCommandsTest, HistorySinceLeavesOutOlderEvents) {
  observed("a.example.", kAlphaBeta, kT0, {event("old", "", kT0, "ds_added", "info")});
  observed("a.example.", kAlphaBeta, kT0 + kPoll,
           {event("new", "", kT0 + kPoll, "ds_removed", "critical")});
  MonitorArgs a = args("a.example");
  a.since = "2026-11-18T11:10:00Z";
  Outcome o = run(runHistoryCommand, a);
  EXPECT_EQ(o.code, 0) << o.err;
  EXPECT_EQ(o.out,
            "2026-11-18T11:11:40Z  ds_removed                    critical  ds_removed (new)\n");
  a.since = "2026-11-18T11:20:00Z";
  EXPECT_EQ(run(runHistoryCommand, a).out,
            "(no events for a.example. since 2026-11-18T11:20:00Z)\n");
  a.since = "yesterday";
  o = run(runHistoryCommand, a);
  EXPECT_EQ(o.code, 3);
  EXPECT_EQ(o.err.rfind("zonewatch: --since: \"yesterday\" is neither an RFC 3339 time", 0), 0U)
      << o.err;
}

// --- events --------------------------------------------------------------------------------------

// Every domain's events and the portfolio's, oldest first, whichever commit carried them.
TEST_F(MonitorCommandsTest, EventsListsTheWholePortfolioInTimeOrder) {
  observed("b.example.", kAlphaBeta, kT0 + kPoll,
           {event("b1", "", kT0 + kPoll, "ds_removed", "critical"),
            event("p1", "*", kT0 + kPoll, "portfolio_operator_change", "critical")});
  observed("a.example.", kAlphaBeta, kT0, {event("a1", "", kT0, "ds_added", "info")});
  storage::NewEvent moved = event("a2", "", kT0 + 2 * kPoll, "operator_changed", "warning");
  moved.beforeJson = R"(["alpha-dns.example."])";
  observed("a.example.", kAlphaBeta, kT0 + 2 * kPoll, {moved});

  const Outcome o = run(runEventsCommand, args());
  EXPECT_EQ(o.code, 0) << o.err;
  EXPECT_EQ(o.err, "");
  EXPECT_EQ(
      o.out,
      "2026-11-18T11:06:40Z  a.example.  ds_added                      info      ds_added (a1)\n"
      "2026-11-18T11:11:40Z  b.example.  ds_removed                    critical  "
      "ds_removed (b1)\n"
      "2026-11-18T11:11:40Z  *           portfolio_operator_change     critical  "
      "portfolio_operator_change (p1)\n"
      "2026-11-18T11:16:40Z  a.example.  operator_changed              warning   "
      "operator_changed (a2)\n"
      "    before: [\"alpha-dns.example.\"]\n");

  MonitorArgs a = args();
  a.json = true;
  a.since = "2026-11-18T11:10:00Z";
  const Outcome j = run(runEventsCommand, a);
  EXPECT_EQ(j.code, 0) << j.err;
  std::istringstream lines(j.out);
  std::vector<std::string> ids;
  for (std::string line; std::getline(lines, line);) ids.push_back(json::parse(line)["id"]);
  EXPECT_EQ(ids, (std::vector<std::string>{"b1", "p1", "a2"}));

  a = args();
  a.domain = "*";
  EXPECT_EQ(run(runEventsCommand, a).out.find("b.example."), std::string::npos);
  a.domain = "A.example";
  const Outcome mine = run(runEventsCommand, a);
  EXPECT_NE(mine.out.find("(a1)"), std::string::npos) << mine.out;
  EXPECT_EQ(mine.out.find("(p1)"), std::string::npos) << mine.out;
}

TEST_F(MonitorCommandsTest, EventsOfAnEmptyDatabaseAndABadSince) {
  store();
  EXPECT_EQ(run(runEventsCommand, args()).out, "(no events)\n");
  MonitorArgs a = args();
  a.json = true;
  EXPECT_EQ(run(runEventsCommand, a).out, "");
  a.since = "2026-11-18";  // a date alone is no RFC 3339 time
  const Outcome o = run(runEventsCommand, a);
  EXPECT_EQ(o.code, 3);
  EXPECT_EQ(o.err.rfind("zonewatch: --since: ", 0), 0U) << o.err;
}

TEST(SinceTimeTest, Rfc3339OrAnAgeBackFromNow) {
  EXPECT_EQ(parseSinceTime("2026-11-18T11:06:40Z", 0).value(), kT0);
  EXPECT_EQ(parseSinceTime("2026-11-18T12:06:40+01:00", 0).value(), kT0);
  EXPECT_EQ(parseSinceTime("24h", kT0).value(), kT0 - 86400);
  EXPECT_EQ(parseSinceTime("7d", kT0).value(), kT0 - 7 * 86400);
  EXPECT_EQ(parseSinceTime("1h30m", kT0).value(), kT0 - 5400);
  for (const char* bad : {"", "7", "soon", "2026-11-18", "-1d"}) {
    EXPECT_FALSE(parseSinceTime(bad, kT0).ok()) << bad;
  }
}

// The differ stores the portfolio-wide events (portfolio_operator_change) under the domain "*"
// (monitor/detect/differ.h); `zonewatch history '*'` shows them, and `zonewatch events` with the
// rest.
TEST_F(MonitorCommandsTest, HistoryOfStarShowsThePortfolioEvents) {
  observed("a.example.", kAlphaBeta, kT0,
           {event("p1", "*", kT0, "portfolio_operator_change", "critical")});
  const Outcome o = run(runHistoryCommand, args("*"));
  EXPECT_EQ(o.code, 0) << o.err;
  EXPECT_EQ(o.out,
            "2026-11-18T11:06:40Z  portfolio_operator_change     critical  "
            "portfolio_operator_change (p1)\n");
}

// The text columns line up and stay apart for every event name there is (the longest,
// portfolio_operator_change, once ran into the severity: "portfolio_operator_changecritical").
TEST_F(MonitorCommandsTest, HistoryColumnsStayApartForEveryEventName) {
  std::vector<storage::NewEvent> events;
  for (std::string_view name : model::kEventNames) {
    events.push_back(event(std::string(name), "", kT0, std::string(name), "critical"));
  }
  observed("a.example.", kAlphaBeta, kT0, events);
  MonitorArgs a = args("a.example");
  a.limit = model::kEventNames.size();
  const Outcome o = run(runHistoryCommand, a);
  EXPECT_EQ(o.code, 0) << o.err;
  std::istringstream lines(o.out);
  size_t count = 0;
  std::set<size_t> severityColumns;
  for (std::string line; std::getline(lines, line); ++count) {
    const size_t severity = line.find("critical");
    ASSERT_NE(severity, std::string::npos) << line;
    EXPECT_EQ(line.substr(severity - 2, 2), "  ") << line;
    severityColumns.insert(severity);
  }
  EXPECT_EQ(count, model::kEventNames.size());
  EXPECT_EQ(severityColumns.size(), 1U) << o.out;
}

TEST_F(MonitorCommandsTest, HistoryWithoutADatabaseFails) {
  const Outcome o = run(runHistoryCommand, args("a.example"));
  EXPECT_EQ(o.code, 3);
  EXPECT_EQ(o.out, "");
  EXPECT_NE(o.err.find("cannot open the database " + database_), std::string::npos) << o.err;
}

// --- evidence ------------------------------------------------------------------------------------

class EvidenceTest : public MonitorCommandsTest {
 protected:
  // Three states of a.example.: alpha/beta seen at t0 and t0+5m, gamma from t0+10m to t0+15m,
  // alpha/beta again at t0+20m.
  void SetUp() override {
    MonitorCommandsTest::SetUp();
    const detect::DomainState gamma = signedState({"gamma-dns.example."}, {300});
    observed("a.example.", kAlphaBeta, kT0, {}, "; first\n");
    observed("a.example.", kAlphaBeta, kT0 + kPoll);
    observed("a.example.", gamma, kT0 + 2 * kPoll, {}, "; second\n");
    observed("a.example.", gamma, kT0 + 3 * kPoll);
    observed("a.example.", kAlphaBeta, kT0 + 4 * kPoll, {}, "; third\n");
  }

  Outcome evidenceAt(const std::string& at, bool asJson = false) {
    MonitorArgs a = args("a.example");
    a.at = at;
    a.json = asJson;
    return run(runEvidenceCommand, a);
  }
};

TEST_F(EvidenceTest, LatestSnapshotByDefault) {
  const Outcome o = evidenceAt("");
  EXPECT_EQ(o.code, 0) << o.err;
  EXPECT_EQ(o.out,
            "; a.example. as observed from 2026-11-18T11:26:40Z to 2026-11-18T11:26:40Z\n"
            "; state " +
                detect::toJson(kAlphaBeta) + "\n; third\n");
}

TEST_F(EvidenceTest, AtPicksTheSnapshotCurrentThen) {
  // Between two polls of the second state, at its first poll exactly, and just before it.
  EXPECT_EQ(evidenceAt("2026-11-18T11:20:00Z").out.find("; second\n") != std::string::npos, true);
  EXPECT_NE(evidenceAt("2026-11-18T11:16:40Z").out.find("; second\n"), std::string::npos);
  const Outcome before = evidenceAt("2026-11-18T11:16:39Z");
  EXPECT_EQ(before.code, 0) << before.err;
  EXPECT_NE(before.out.find("from 2026-11-18T11:06:40Z to 2026-11-18T11:11:40Z\n"),
            std::string::npos)
      << before.out;
  EXPECT_NE(before.out.find("; first\n"), std::string::npos) << before.out;
}

TEST_F(EvidenceTest, JsonHasTimesStateAndEvidence) {
  const Outcome o = evidenceAt("2026-11-18T11:20:00Z", /*asJson=*/true);
  EXPECT_EQ(o.code, 0) << o.err;
  json want = {{"domain", "a.example."},
               {"first_seen", "2026-11-18T11:16:40Z"},
               {"last_seen", "2026-11-18T11:21:40Z"},
               {"state", json::parse(detect::toJson(signedState({"gamma-dns.example."}, {300})))},
               {"evidence", "; second\n"}};
  EXPECT_EQ(json::parse(o.out), want);
}

TEST_F(EvidenceTest, BeforeTheFirstSnapshotThereIsNone) {
  const Outcome o = evidenceAt("2026-11-18T11:06:39Z");
  EXPECT_EQ(o.code, 3);
  EXPECT_EQ(o.out, "");
  EXPECT_EQ(o.err, "zonewatch: no snapshot of a.example. from 2026-11-18T11:06:39Z or earlier\n");
}

TEST_F(EvidenceTest, AnUnknownDomainHasNoSnapshot) {
  const Outcome o = run(runEvidenceCommand, args("nowhere.example"));
  EXPECT_EQ(o.code, 3);
  EXPECT_EQ(o.out, "");
  EXPECT_EQ(o.err, "zonewatch: no snapshot of nowhere.example.\n");
}

TEST_F(EvidenceTest, AnAtThatIsNotRfc3339IsRefusedBeforeAnythingIsRead) {
  MonitorArgs a = args("a.example");
  a.at = "yesterday";
  a.configPath = (dir_ / "missing.yaml").string();  // not even read
  const Outcome o = run(runEvidenceCommand, a);
  EXPECT_EQ(o.code, 3);
  EXPECT_EQ(o.out, "");
  EXPECT_EQ(o.err.rfind("zonewatch: --at: ", 0), 0U) << o.err;
  EXPECT_EQ(o.err.find("missing.yaml"), std::string::npos) << o.err;
}

// --- ack -----------------------------------------------------------------------------------------

TEST_F(MonitorCommandsTest, AckAcceptsTodaysOperatorsAndDsKeyTags) {
  // Two DS for one key (SHA-256 and SHA-384) and one for another: each tag once, sorted.
  detect::DomainState state =
      signedState({"alpha-dns.example.", "beta-dns.example."}, {300, 100, 300});
  observed("a.example.", state, kT0);
  const Outcome o = run(runAckCommand, args("A.EXAMPLE"));
  EXPECT_EQ(o.code, 0) << o.err;
  EXPECT_EQ(o.err, "");
  EXPECT_EQ(o.out,
            "accepted the current state of a.example. as its baseline: operators "
            "[\"alpha-dns.example.\",\"beta-dns.example.\"], DS key tags [100,300]\n");
  EXPECT_EQ(json::parse(row("a.example.").baselineJson),
            json::parse(R"({"operators":["alpha-dns.example.","beta-dns.example."],
                            "ds_key_tags":[100,300]})"));
}

TEST_F(MonitorCommandsTest, AckJsonPrintsTheBaselineAndAcceptsAnUnsignedDomain) {
  detect::DomainState unsigned_ = signedState({"alpha-dns.example."}, {});
  unsigned_.status = model::SecurityState::kInsecure;
  unsigned_.dnskey.clear();
  unsigned_.denial = "nsec";
  observed("a.example.", unsigned_, kT0);
  MonitorArgs a = args("a.example.");
  a.json = true;
  const Outcome o = run(runAckCommand, a);
  EXPECT_EQ(o.code, 0) << o.err;
  EXPECT_EQ(json::parse(o.out),
            json::parse(R"({"domain":"a.example.","baseline":{"operators":["alpha-dns.example."],
                            "ds_key_tags":[]}})"));
  EXPECT_EQ(row("a.example.").baselineJson,
            R"({"ds_key_tags":[],"operators":["alpha-dns.example."]})");
}

TEST_F(MonitorCommandsTest, AckReplacesAnEarlierBaseline) {
  observed("a.example.", kAlphaBeta, kT0);
  ASSERT_EQ(run(runAckCommand, args("a.example")).code, 0);
  observed("a.example.", signedState({"gamma-dns.example."}, {300}), kT0 + kPoll);
  ASSERT_EQ(run(runAckCommand, args("a.example")).code, 0);
  EXPECT_EQ(json::parse(row("a.example.").baselineJson),
            json::parse(R"({"operators":["gamma-dns.example."],"ds_key_tags":[300]})"));
}

TEST_F(MonitorCommandsTest, AckOfADomainNeverObservedAcceptsNothing) {
  observed("a.example.", kAlphaBeta, kT0);
  const Outcome o = run(runAckCommand, args("b.example"));
  EXPECT_EQ(o.code, 3);
  EXPECT_EQ(o.out, "");
  EXPECT_EQ(o.err, "zonewatch: b.example. has not been observed yet: nothing to accept\n");
  EXPECT_FALSE(store().domain("b.example.")->has_value()) << "ack must not create a row";
}

// Issue 11: a failed first observation must never become the accepted baseline. The daemon keeps
// no state for it (monitor/detect/observation_failure.h), only the count of failures.
TEST_F(MonitorCommandsTest, AckAfterOnlyFailedObservationsAcceptsNothing) {
  storage::DomainRow failed;
  failed.domain = "a.example.";
  failed.firstSeen = kT0;
  failed.failures = 1;
  commitRow(failed, kT0);
  const Outcome once = run(runAckCommand, args("a.example"));
  EXPECT_EQ(once.code, 3);
  EXPECT_EQ(once.out, "");
  EXPECT_EQ(once.err,
            "zonewatch: a.example. has not been observed yet (1 observation got no data): "
            "nothing to accept\n");

  failed.failures = 3;
  commitRow(failed, kT0 + 2 * kPoll);
  const Outcome thrice = run(runAckCommand, args("a.example"));
  EXPECT_EQ(thrice.code, 3);
  EXPECT_NE(thrice.err.find("(3 observations in a row got no data)"), std::string::npos)
      << thrice.err;
  EXPECT_EQ(row("a.example.").baselineJson, "");
}

TEST_F(MonitorCommandsTest, AckWhileTheLatestObservationFailedKeepsTheEarlierBaseline) {
  observed("a.example.", kAlphaBeta, kT0);
  ASSERT_EQ(run(runAckCommand, args("a.example")).code, 0);
  const std::string accepted = row("a.example.").baselineJson;
  storage::DomainRow r = row("a.example.");
  r.failures = 1;  // the state is the last one seen; today's operators are unknown
  commitRow(r, kT0 + kPoll);
  const Outcome o = run(runAckCommand, args("a.example"));
  EXPECT_EQ(o.code, 3);
  EXPECT_EQ(o.out, "");
  EXPECT_EQ(o.err,
            "zonewatch: the latest observation of a.example. failed (1 observation got no data): "
            "its current operators are unknown, nothing accepted; run `zonewatch ack` again once "
            "`zonewatch status` shows it observed\n");
  EXPECT_EQ(row("a.example.").baselineJson, accepted);
}

// What zonewatch stored before observation_failure.h when a first observation got no data: the
// state such an observation yields, with no operator, NS or key. Accepting it would pin an empty
// operator set, and every later observation would violate it.
TEST_F(MonitorCommandsTest, AckRefusesTheEmptyStateOfAnObservationWithoutData) {
  model::Observation silent;
  silent.domain = "a.example.";
  silent.observedAt = kT0;
  silent.error = "no server of . answered";
  const detect::DomainState empty = detect::stateFromObservation(silent, nullptr);
  ASSERT_TRUE(detect::fromObservationWithoutData(empty)) << detect::toJson(empty);
  observed("a.example.", empty, kT0);
  ASSERT_EQ(row("a.example.").failures, 0) << "the legacy row does not count the failure";

  const Outcome o = run(runAckCommand, args("a.example"));
  EXPECT_EQ(o.code, 3);
  EXPECT_EQ(o.out, "");
  EXPECT_EQ(o.err,
            "zonewatch: the stored state of a.example. comes from an observation without data: "
            "nothing to accept until it is observed again\n");
  EXPECT_EQ(row("a.example.").baselineJson, "") << "no empty baseline";
}

TEST_F(MonitorCommandsTest, AckOfAStateThatIsNotJsonFails) {
  storage::DomainRow r = rowOf("a.example.", kAlphaBeta, kT0);
  r.stateJson = "{not json";
  commitRow(r, kT0);
  const Outcome o = run(runAckCommand, args("a.example"));
  EXPECT_EQ(o.code, 3);
  EXPECT_EQ(o.err, "zonewatch: stored domain state is not a JSON object\n");
  EXPECT_EQ(row("a.example.").baselineJson, "");
}

// `ack` is the one command that writes: a configuration that names the wrong database (a typo, or
// the default zonewatch.sqlite in the current directory outside systemd) must not leave an empty
// database behind, which `zonewatch run` would later take for the real one.
TEST_F(MonitorCommandsTest, AckWithoutADatabaseFailsAndCreatesNone) {
  const Outcome o = run(runAckCommand, args("a.example"));
  EXPECT_EQ(o.code, 3);
  EXPECT_EQ(o.out, "");
  EXPECT_EQ(o.err.rfind("zonewatch: cannot open the database " + database_ + ": ", 0), 0U) << o.err;
  EXPECT_FALSE(fs::exists(database_));
}

// --- what the store holds is not trusted to be valid UTF-8 or JSON ------------------------------
// The store keeps text as given (storage/store.h); a summary may quote what a hostile server sent,
// a row may come from an older zonewatch or a hand-edited database. The JSON outputs stay one
// valid JSON object per line: each invalid octet becomes U+FFFD (as in the webhooks,
// alerts/webhook_format.cpp), and a stored JSON text that does not parse is shown as a string.

TEST_F(MonitorCommandsTest, HistoryJsonReplacesInvalidUtf8) {
  storage::NewEvent e = event("bad", "", kT0, "operator_changed", "warning");
  e.summary = std::string("bad \xff\xfe name");
  e.server = std::string("ns1.\xc3(.example. 192.0.2.1");
  observed("a.example.", kAlphaBeta, kT0, {e});
  MonitorArgs a = args("a.example");
  a.json = true;
  const Outcome o = run(runHistoryCommand, a);
  EXPECT_EQ(o.code, 0) << o.err;
  const json j = json::parse(o.out, nullptr, /*allow_exceptions=*/false);
  ASSERT_FALSE(j.is_discarded()) << o.out;
  EXPECT_EQ(j["summary"], "bad \uFFFD\uFFFD name");
  EXPECT_EQ(j["server"], "ns1.\uFFFD(.example. 192.0.2.1");
}

// The verdict is typed (storage reads an unknown name as an error: sqlite_store_test); the
// operators are stored JSON text, printed as they are when they do not parse.
TEST_F(MonitorCommandsTest, StatusJsonKeepsUnparsedOperators) {
  storage::DomainRow r = rowOf("a.example.", kAlphaBeta, kT0);
  r.operatorsJson = "[\"unterminated";
  commitRow(r, kT0);
  MonitorArgs a = args();
  a.json = true;
  const Outcome o = run(runStatusCommand, a);
  EXPECT_EQ(o.code, 0) << o.err;
  const json j = json::parse(o.out, nullptr, /*allow_exceptions=*/false);
  ASSERT_FALSE(j.is_discarded()) << o.out;
  EXPECT_EQ(j["status"], "secure");
  EXPECT_EQ(j["operators"], "[\"unterminated");
}

TEST_F(MonitorCommandsTest, EvidenceJsonReplacesInvalidUtf8) {
  observed("a.example.", kAlphaBeta, kT0, {}, std::string("a.example. 300 IN TXT \"\xff\"\n"));
  MonitorArgs a = args("a.example");
  a.json = true;
  const Outcome o = run(runEvidenceCommand, a);
  EXPECT_EQ(o.code, 0) << o.err;
  const json j = json::parse(o.out, nullptr, /*allow_exceptions=*/false);
  ASSERT_FALSE(j.is_discarded()) << o.out;
  EXPECT_EQ(j["evidence"], "a.example. 300 IN TXT \"\uFFFD\"\n");
  EXPECT_EQ(j["state"], json::parse(detect::toJson(kAlphaBeta)));
}

// --- config check and run ------------------------------------------------------------------------

TEST_F(MonitorCommandsTest, ConfigCheckPrintsTheSummaryWithSecretsRedacted) {
  configure(
      "webhooks:\n"
      "  - {name: ops, url: 'https://hooks.example.net/T000/B000/XXXX', secret: s3cr3t-value}\n");
  const Outcome o = run(runConfigCheckCommand, args());
  EXPECT_EQ(o.code, 0) << o.err;
  EXPECT_EQ(o.err, "");
  EXPECT_EQ(o.out, config::describe(config::loadConfig(configPath_)));
  EXPECT_NE(o.out.find("domains:        2, polled every 5m\n"), std::string::npos) << o.out;
  EXPECT_NE(o.out.find("database:       " + database_ + " ("), std::string::npos) << o.out;
  EXPECT_NE(o.out.find("webhooks:       1\n"), std::string::npos) << o.out;
  EXPECT_EQ(o.out.find("s3cr3t-value"), std::string::npos) << o.out;
  EXPECT_EQ(o.out.find("T000/B000"), std::string::npos) << "a Slack URL's path is a credential";
}

TEST_F(MonitorCommandsTest, ConfigCheckOfABadConfigurationNamesTheKey) {
  configure("confirm_polls: 0\n");
  const Outcome o = run(runConfigCheckCommand, args());
  EXPECT_EQ(o.code, 3);
  EXPECT_EQ(o.out, "");
  EXPECT_EQ(o.err.rfind("zonewatch: " + configPath_ + ":6:", 0), 0U) << o.err;
  EXPECT_NE(o.err.find("key 'confirm_polls'"), std::string::npos) << o.err;
}

TEST_F(MonitorCommandsTest, ConfigCheckJsonSaysOkWithWarnings) {
  std::ofstream(configPath_) << "database: " << database_ << "\n"
                             << "metrics: {enabled: true, listen: '0.0.0.0:9153'}\n"
                             << "domains: [a.example, b.example]\n";
  MonitorArgs a = args();
  a.json = true;
  const Outcome o = run(runConfigCheckCommand, a);
  EXPECT_EQ(o.code, 0) << o.err;
  ASSERT_EQ(o.out.back(), '\n');
  EXPECT_EQ(o.out.find('\n'), o.out.size() - 1) << "one line";
  const json j = json::parse(o.out);
  EXPECT_EQ(j["ok"], true);
  EXPECT_EQ(j["file"], configPath_);
  EXPECT_EQ(j["errors"], json::array());
  EXPECT_EQ(j["domains"], 2);
  const json want = {{{"key", "webhooks"},
                      {"message", "no webhook: events are stored and counted in the metrics only"}},
                     {{"key", "metrics.listen"},
                      {"message", "/metrics is served beyond this machine (0.0.0.0:9153)"}}};
  EXPECT_EQ(j["warnings"], want) << o.out;
}

TEST_F(MonitorCommandsTest, ConfigCheckJsonNamesFileLineAndKeyOfAnError) {
  configure("confirm_polls: 0\n");
  MonitorArgs a = args();
  a.json = true;
  const Outcome o = run(runConfigCheckCommand, a);
  EXPECT_EQ(o.code, 3);
  EXPECT_EQ(o.err, "");
  const json j = json::parse(o.out);
  EXPECT_EQ(j["ok"], false);
  ASSERT_EQ(j["errors"].size(), 1U) << o.out;
  EXPECT_EQ(j["errors"][0]["file"], configPath_);
  EXPECT_EQ(j["errors"][0]["line"], 6);
  EXPECT_EQ(j["errors"][0]["key"], "confirm_polls");
  EXPECT_TRUE(j["errors"][0]["column"].is_number());
  EXPECT_TRUE(j["errors"][0]["message"].is_string());

  a.configPath = (dir_ / "missing.yaml").string();
  const json missing = json::parse(run(runConfigCheckCommand, a).out);
  EXPECT_EQ(missing["ok"], false);
  EXPECT_EQ(missing["errors"][0]["file"], a.configPath);
  EXPECT_TRUE(missing["errors"][0]["line"].is_null());
}

// Without -c the default path is read; when it is missing, the message names it as the default.
TEST_F(MonitorCommandsTest, AMissingDefaultConfigurationIsNamedAsSuch) {
  MonitorArgs a;
  EXPECT_EQ(a.configPath, std::string(kDefaultConfigPath));
  a.configPath = (dir_ / "not-there.yaml").string();  // as if it were the default
  a.configGiven = false;
  const Outcome o = run(runStatusCommand, a);
  EXPECT_EQ(o.code, 3);
  EXPECT_EQ(o.err, "zonewatch: no configuration file at " + a.configPath +
                       " (the default when -c is not given): give one with -c FILE\n");
  a.configPath = configPath_;  // present: read as if given
  store();
  EXPECT_EQ(run(runStatusCommand, a).code, 0);
}

TEST_F(MonitorCommandsTest, RunWithAConfigurationThatDoesNotLoadIsUnknown) {
  MonitorArgs a = args();
  a.configPath = (dir_ / "missing.yaml").string();
  a.once = true;
  std::ostringstream err;
  std::streambuf* saved = std::cerr.rdbuf(err.rdbuf());
  const int code = runDaemonCommand(a);
  std::cerr.rdbuf(saved);
  EXPECT_EQ(code, 3);
  EXPECT_EQ(err.str().rfind("zonewatch: " + a.configPath, 0), 0U) << err.str();
  EXPECT_FALSE(fs::exists(database_));
}

}  // namespace
}  // namespace zonewatch
