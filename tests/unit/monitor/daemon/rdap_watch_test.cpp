// Tests of the pure parts of monitor/daemon/rdap_watch.h: the stored JSON of a registration and of
// the judgement's memory (a round trip must lose nothing the next poll compares), the poll schedule
// and its jitter, the apply step (previous row + new registration -> events + row, the first poll a
// silent baseline) and the correlation of a DNS operator change with the stored signals.
#include "monitor/daemon/rdap_watch.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <algorithm>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <thread>

#include "alerts/metrics.h"
#include "monitor/detect/domain_state.h"
#include "monitor/model/event_kind.h"
#include "monitor/rdap/registration_json.h"
#include "monitor/util/clock.h"
#include "storage/sqlite_store.h"

namespace zonewatch::daemon {
namespace {

using namespace std::chrono_literals;
using model::EventKind;

constexpr int64_t kT0 = 1'800'000'000;  // 2027-01-15
constexpr int64_t kDay = 86400;
const std::string kDomain = "victim.example.";
using Due = std::pair<int64_t, std::string>;

rdap::StatusValue status(rdap::StatusCode code) {
  return {code, std::string(rdap::toString(code))};
}

rdap::Registration locked() {
  rdap::Registration r;
  r.ldhName = kDomain;
  r.handle = "D1-EXAMPLE";
  r.statuses = {status(rdap::StatusCode::kClientTransferProhibited),
                status(rdap::StatusCode::kServerUpdateProhibited),
                {rdap::StatusCode::kUnknown, "something registry-specific"}};
  std::sort(r.statuses.begin(), r.statuses.end());
  r.registrar = rdap::Registrar{"Good Registrar, Inc.", 1001, "1001"};
  r.nameservers = {"ns1.good-dns.example.", "ns2.good-dns.example."};
  r.registeredAt = kT0 - 400 * kDay;
  r.lastChangedAt = kT0 - 10 * kDay;
  r.expiresAt = kT0 + 300 * kDay;
  return r;
}

rdap::Registration without(rdap::Registration r, rdap::StatusCode code) {
  std::erase_if(r.statuses, [&](const rdap::StatusValue& s) { return s.code == code; });
  return r;
}

std::vector<EventKind> kinds(const std::vector<model::Event>& events) {
  std::vector<EventKind> out;
  for (const auto& e : events) out.push_back(e.kind);
  return out;
}

// A previous row as the apply step writes it.
storage::RegistrationRow rowFor(const rdap::Registration& r, int64_t at) {
  return applyRegistration(kDomain, std::nullopt, r, at, r.nameservers, ApplyOptions{}).row;
}

TEST(RdapWatchJsonTest, MemoryRoundTripWithEverySignalKind) {
  RegistrationMemory m;
  m.expiry.reportedFor = kT0 + 20 * kDay;
  m.expiry.reportedLevel = model::Severity::kWarning;
  m.mismatch.since = kT0 - 3600;
  m.mismatch.raised = true;
  m.correlation.signals.push_back(
      {kT0 - 100, rdap::LockRemoved{{rdap::LockAction::kTransfer, rdap::LockParty::kClient}}});
  m.correlation.signals.push_back(
      {kT0 - 50, rdap::LockRemoved{{rdap::LockAction::kUpdate, rdap::LockParty::kServer}}});
  m.correlation.signals.push_back(
      {kT0, rdap::RegistrarChanged{{"Good Registrar, Inc.", 1001, "1001"},
                                   {"Evil Registrar", std::nullopt, "E-7"}}});
  EXPECT_EQ(memoryFromJson(memoryToJson(m)), m);
  EXPECT_EQ(memoryFromJson(memoryToJson(RegistrationMemory{})), RegistrationMemory{});
}

TEST(RdapWatchJsonTest, UnreadableMemoryIsAFreshMemory) {
  EXPECT_EQ(memoryFromJson(""), RegistrationMemory{});
  EXPECT_EQ(memoryFromJson("not json"), RegistrationMemory{});
  // A signal this build cannot read is dropped, the others kept.
  const auto m = memoryFromJson(
      R"({"signals": [{"at": 5, "lock_removed": {"action": "teleport", "party": "client"}},
                      {"at": 6, "lock_removed": {"action": "delete", "party": "either"}}]})");
  ASSERT_EQ(m.correlation.signals.size(), 1U);
  EXPECT_EQ(m.correlation.signals[0].at, 6);
}

TEST(RdapWatchScheduleTest, NextPollIsNinetyToHundredPercentOfTheInterval) {
  EXPECT_EQ(nextPollAt(kT0, 1000s, 0.0), kT0 + 900);
  EXPECT_EQ(nextPollAt(kT0, 1000s, 0.5), kT0 + 950);
  EXPECT_EQ(nextPollAt(kT0, 1000s, 1.0), kT0 + 1000);
  // Out-of-range draws are clamped, never earlier than 90 % nor later than the interval.
  EXPECT_EQ(nextPollAt(kT0, 1000s, -3.0), kT0 + 900);
  EXPECT_EQ(nextPollAt(kT0, 1000s, 7.0), kT0 + 1000);
  for (double u = 0; u < 1; u += 0.01) {
    const int64_t next = nextPollAt(kT0, 6h, u);
    EXPECT_GE(next, kT0 + 6 * 3600 * 9 / 10);
    EXPECT_LE(next, kT0 + 6 * 3600);
  }
}

// --- the bootstrap refresh (rdap.bootstrap_url)

TEST(RdapBootstrapRefreshTest, NextFetchIsTheRefreshAfterASuccessAtMostAnHourAfterAFailure) {
  EXPECT_EQ(nextBootstrapFetchAt(kT0, 24h, true, 1.0), kT0 + 24 * 3600);
  EXPECT_EQ(nextBootstrapFetchAt(kT0, 24h, true, 0.0), kT0 + 24 * 3600 * 9 / 10);
  // A failure retries within the hour, not a day later...
  EXPECT_EQ(nextBootstrapFetchAt(kT0, 24h, false, 1.0), kT0 + 3600);
  EXPECT_EQ(nextBootstrapFetchAt(kT0, 24h, false, 0.0), kT0 + 3240);
  // ...and never later than the refresh itself when that is shorter.
  EXPECT_EQ(nextBootstrapFetchAt(kT0, 10min, false, 1.0), kT0 + 600);
  EXPECT_EQ(nextBootstrapFetchAt(kT0, 10min, true, 1.0), kT0 + 600);
}

constexpr std::string_view kOneService = R"({"version": "1.0",
  "publication": "2026-11-30T20:00:01Z",
  "services": [[["lab", "test"], ["http://127.0.0.1:8080/"]]]})";

alerts::HttpGetResponse answered(long status, std::string body) {  // NOLINT(google-runtime-int)
  alerts::HttpGetResponse r;
  r.status = status;
  r.body = std::move(body);
  return r;
}

TEST(RdapBootstrapRefreshTest, AGoodAnswerIsTheNewBootstrap) {
  auto judged = judgeBootstrapAnswer(answered(200, std::string(kOneService)));
  ASSERT_TRUE(judged.ok()) << judged.error().message;
  EXPECT_EQ(judged->publication, "2026-11-30T20:00:01Z");
  ASSERT_EQ(judged->services.size(), 1U);
  EXPECT_EQ(judged->services[0].entries, (std::vector<std::string>{"lab", "test"}));
}

// Each refusal keeps the bootstrap in use; the reason is what the warning is logged once per.
TEST(RdapBootstrapRefreshTest, EveryUnusableAnswerIsRefusedWithItsReason) {
  using Answer = Result<alerts::HttpGetResponse, alerts::HttpError>;
  const auto reasonOf = [](const Answer& answer) {
    auto judged = judgeBootstrapAnswer(answer);
    return judged.ok() ? std::string("accepted") : judged.error().reason;
  };
  EXPECT_EQ(reasonOf(Unexpected(alerts::HttpError{"Couldn't connect to server"})), "transport");
  EXPECT_EQ(reasonOf(answered(404, std::string(kOneService))), "HTTP status 404");
  EXPECT_EQ(reasonOf(answered(503, "")), "HTTP status 503");
  auto cut = answered(200, std::string(kOneService));
  cut.truncated = true;
  EXPECT_EQ(reasonOf(cut), "too_large");
  EXPECT_EQ(reasonOf(answered(200, "<html>moved</html>")), "malformed");
  EXPECT_EQ(reasonOf(answered(200, R"({"version": "1.0", "services": []})")), "no_services");
  // A service whose only URL is not http(s) is kept out of the lookup: no service either.
  EXPECT_EQ(reasonOf(answered(200, R"({"version": "1.0",
      "services": [[["lab"], ["ftp://127.0.0.1/"]]]})")),
            "no_services");
}

TEST(RdapWatchScheduleTest, NewDomainsAreDueNowOrResumeTheirPhase) {
  RdapSchedule s;
  s.setDomains({{"a.example.", std::nullopt}, {"b.example.", kT0 - 100}}, kT0, 1000s, 0.0);
  ASSERT_EQ(s.size(), 2U);
  auto next = s.next();
  ASSERT_TRUE(next.has_value());
  EXPECT_EQ(*next, (Due{kT0, "a.example."}));
  s.reschedule("a.example.", kT0 + 5000);
  // b was fetched 100 s before the start: due 900 s after that fetch.
  EXPECT_EQ(*s.next(), (Due{kT0 + 800, "b.example."}));
  // Long overdue: due now, not in the past.
  RdapSchedule late;
  late.setDomains({{"c.example.", kT0 - 10 * kDay}}, kT0, 1000s, 0.0);
  EXPECT_EQ(late.next()->first, kT0);
}

TEST(RdapWatchScheduleTest, AReloadKeepsDueTimesAndDropsRemovedDomains) {
  RdapSchedule s;
  s.setDomains({{"a.example.", std::nullopt}}, kT0, 1000s, 0.0);
  s.reschedule("a.example.", kT0 + 700);
  s.setDomains({{"a.example.", std::nullopt}, {"new.example.", std::nullopt}}, kT0 + 10, 1000s,
               0.0);
  EXPECT_EQ(*s.next(), (Due{kT0 + 10, "new.example."}));
  s.setDomains({{"a.example.", std::nullopt}}, kT0 + 20, 1000s, 0.0);
  s.reschedule("new.example.", kT0);  // its fetch ended after it left the portfolio
  EXPECT_EQ(s.size(), 1U);
  EXPECT_EQ(*s.next(), (Due{kT0 + 700, "a.example."}));
  s.setDomains({}, kT0 + 30, 1000s, 0.0);
  EXPECT_FALSE(s.next().has_value());
}

TEST(RdapWatchScheduleTest, TiesGoToTheDomainDeferredFirst) {
  // "z" was deferred to the server's retry time before "a" was: it goes first, or a domain whose
  // name sorts first and that keeps meeting the server's 429 would starve the others.
  RdapSchedule s;
  s.setDomains({{"a.example.", std::nullopt}, {"z.example.", std::nullopt}}, kT0, 1000s, 0.0);
  s.reschedule("z.example.", kT0 + 2);
  s.reschedule("a.example.", kT0 + 2);
  EXPECT_EQ(*s.next(), (Due{kT0 + 2, "z.example."}));
  s.reschedule("z.example.", kT0 + 900);
  EXPECT_EQ(*s.next(), (Due{kT0 + 2, "a.example."}));
}

TEST(RdapWatchApplyTest, TheFirstPollIsASilentBaseline) {
  // Even a registration about to expire and NS that differ from the DNS raise nothing at first.
  rdap::Registration r = locked();
  r.expiresAt = kT0 + 2 * kDay;
  const auto applied =
      applyRegistration(kDomain, std::nullopt, r, kT0, {"ns1.other.example."}, ApplyOptions{});
  EXPECT_TRUE(applied.baseline);
  EXPECT_TRUE(applied.events.empty());
  EXPECT_EQ(applied.row.domain, kDomain);
  EXPECT_EQ(applied.row.fetchedAt, kT0);
  EXPECT_EQ(*rdap::registrationFromJson(applied.row.factsJson), r);
  const auto memory = memoryFromJson(applied.row.memoryJson);
  EXPECT_EQ(memory.mismatch.since, kT0);  // timed from here
  EXPECT_FALSE(memory.mismatch.raised);
  EXPECT_FALSE(memory.expiry.reportedFor.has_value());  // reported at the next poll

  // The next poll reports the expiry, once.
  const auto second =
      applyRegistration(kDomain, applied.row, r, kT0 + 60, {"ns1.other.example."}, ApplyOptions{});
  EXPECT_FALSE(second.baseline);
  EXPECT_EQ(kinds(second.events), std::vector{EventKind::kRegistrationExpiring});
  const auto third =
      applyRegistration(kDomain, second.row, r, kT0 + 120, {"ns1.other.example."}, ApplyOptions{});
  EXPECT_TRUE(third.events.empty());
}

TEST(RdapWatchApplyTest, UnreadablePreviousFactsAreABaselineToo) {
  storage::RegistrationRow garbage{kDomain, kT0 - 60, "{\"truncated", ""};
  const auto applied = applyRegistration(
      kDomain, garbage, without(locked(), rdap::StatusCode::kClientTransferProhibited), kT0, {},
      ApplyOptions{});
  EXPECT_TRUE(applied.baseline);
  EXPECT_TRUE(applied.events.empty());
}

TEST(RdapWatchApplyTest, ALockRemovedIsAnEventAndASignal) {
  const auto previous = rowFor(locked(), kT0 - 3600);
  const auto next = without(locked(), rdap::StatusCode::kClientTransferProhibited);
  const auto applied =
      applyRegistration(kDomain, previous, next, kT0, next.nameservers, ApplyOptions{});
  ASSERT_EQ(kinds(applied.events), std::vector{EventKind::kLockRemoved});
  EXPECT_EQ(applied.events[0].domain, kDomain);
  EXPECT_EQ(applied.events[0].observedAt, kT0);
  EXPECT_NE(applied.events[0].summary.find("client transfer lock"), std::string::npos)
      << applied.events[0].summary;
  const auto memory = memoryFromJson(applied.row.memoryJson);
  ASSERT_EQ(memory.correlation.signals.size(), 1U);
  EXPECT_EQ(memory.correlation.signals[0].at, kT0);
  // Unchanged afterwards: no event, the signal kept.
  const auto again =
      applyRegistration(kDomain, applied.row, next, kT0 + 60, next.nameservers, ApplyOptions{});
  EXPECT_TRUE(again.events.empty());
  EXPECT_EQ(memoryFromJson(again.row.memoryJson).correlation, memory.correlation);
}

// A registry that once answers without `status` and `nameservers` (redacted for a rate-limited
// client) says nothing about them: no lock_removed (critical for the server lock), no
// registry_nameservers_changed, the locks still published, and a lock removed while they were
// left out is still seen when they come back.
TEST(RdapWatchApplyTest, PartsAServerLeavesOutAreKeptNotRemoved) {
  const auto previous = rowFor(locked(), kT0 - 3600);
  rdap::Registration terse = locked();
  terse.statuses.clear();
  terse.nameservers.clear();
  terse.registrar.reset();
  terse.expiresAt.reset();
  const auto applied =
      applyRegistration(kDomain, previous, terse, kT0, locked().nameservers, ApplyOptions{});
  EXPECT_TRUE(applied.events.empty()) << applied.events.front().summary;
  EXPECT_EQ(applied.facts, locked());
  EXPECT_EQ(*rdap::registrationFromJson(applied.row.factsJson), locked());
  const auto next = without(locked(), rdap::StatusCode::kServerUpdateProhibited);
  const auto back =
      applyRegistration(kDomain, applied.row, next, kT0 + 60, next.nameservers, ApplyOptions{});
  EXPECT_EQ(kinds(back.events), std::vector{EventKind::kLockRemoved});
}

TEST(RdapWatchApplyTest, ARegistrarChangeAloneIsRegistrarChangedOnly) {
  const auto previous = rowFor(locked(), kT0 - 3600);
  rdap::Registration next = locked();
  next.registrar = rdap::Registrar{"Other Registrar", 2002, "2002"};
  const auto applied =
      applyRegistration(kDomain, previous, next, kT0, next.nameservers, ApplyOptions{});
  EXPECT_EQ(kinds(applied.events), std::vector{EventKind::kRegistrarChanged});
}

TEST(RdapWatchApplyTest, AMismatchLastingTheGraceIsRaisedOnce) {
  ApplyOptions options;
  options.mismatchGraceSeconds = 3600;
  const std::vector<std::string> dns = {"ns1.elsewhere.example."};
  auto applied = applyRegistration(kDomain, std::nullopt, locked(), kT0, dns, options);
  applied = applyRegistration(kDomain, applied.row, locked(), kT0 + 1800, dns, options);
  EXPECT_TRUE(applied.events.empty());
  applied = applyRegistration(kDomain, applied.row, locked(), kT0 + 3600, dns, options);
  EXPECT_EQ(kinds(applied.events), std::vector{EventKind::kRegistryDnsMismatch});
  applied = applyRegistration(kDomain, applied.row, locked(), kT0 + 7200, dns, options);
  EXPECT_TRUE(applied.events.empty());
  // The DNS not known (no confirmed state yet): the memory stays, nothing raised or cleared.
  applied = applyRegistration(kDomain, applied.row, locked(), kT0 + 9000, {}, options);
  EXPECT_TRUE(memoryFromJson(applied.row.memoryJson).mismatch.raised);
}

model::Event operatorChanged(int64_t at) {
  model::Event e;
  e.domain = kDomain;
  e.kind = EventKind::kOperatorChanged;
  e.observedAt = at;
  e.beforeJson = R"({"operators": ["good-dns.example"], "ns": []})";
  e.afterJson = R"({"operators": ["evil-dns.example"], "ns": []})";
  return e;
}

TEST(RdapWatchCorrelateTest, LockRemovedThenOperatorChangedIsAHijackSuspicion) {
  const auto previous = rowFor(locked(), kT0 - 3600);
  const auto next = without(locked(), rdap::StatusCode::kClientTransferProhibited);
  const auto removed =
      applyRegistration(kDomain, previous, next, kT0, next.nameservers, ApplyOptions{});
  auto hijack = correlateOperatorChanged(removed.row, operatorChanged(kT0 + 600), 7 * kDay);
  ASSERT_TRUE(hijack.has_value());
  EXPECT_EQ(hijack->event.kind, EventKind::kHijackSuspected);
  EXPECT_EQ(hijack->event.severity, model::Severity::kCritical);
  EXPECT_EQ(hijack->event.domain, kDomain);
  const std::string& summary = hijack->event.summary;
  const auto lock = summary.find("client transfer lock removed");
  const auto then = summary.find("then operator changed from good-dns.example to evil-dns.example");
  ASSERT_NE(lock, std::string::npos) << summary;
  ASSERT_NE(then, std::string::npos) << summary;
  EXPECT_LT(lock, then) << summary;
  // The signal is used up: the owner moving back is not a second suspicion.
  EXPECT_TRUE(memoryFromJson(hijack->row.memoryJson).correlation.signals.empty());
  EXPECT_FALSE(correlateOperatorChanged(hijack->row, operatorChanged(kT0 + 900), 7 * kDay));
}

TEST(RdapWatchCorrelateTest, NoSignalOrAnOldOneIsNoSuspicion) {
  EXPECT_FALSE(correlateOperatorChanged(rowFor(locked(), kT0), operatorChanged(kT0 + 60), kDay));
  const auto previous = rowFor(locked(), kT0 - 3600);
  const auto next = without(locked(), rdap::StatusCode::kClientTransferProhibited);
  const auto removed =
      applyRegistration(kDomain, previous, next, kT0, next.nameservers, ApplyOptions{});
  EXPECT_FALSE(correlateOperatorChanged(removed.row, operatorChanged(kT0 + 2 * kDay), kDay));
  // The operator change came first (the RDAP poll saw the lock later): not "followed by".
  EXPECT_FALSE(correlateOperatorChanged(removed.row, operatorChanged(kT0 - 60), kDay));
}

TEST(RdapWatchOptionsTest, ConfiguredWindowsReachTheJudgement) {
  config::RdapSpec spec;
  spec.expiryWarning = std::chrono::seconds(3 * kDay);
  spec.mismatchGrace = 2h;
  spec.hijackWindow = std::chrono::seconds(kDay);
  const auto o = applyOptionsFor(spec);
  EXPECT_EQ(o.expiry.warningSeconds, 3 * kDay);
  EXPECT_EQ(o.expiry.criticalSeconds, 3 * kDay);  // never later than the warning
  EXPECT_EQ(o.mismatchGraceSeconds, 7200);
  EXPECT_EQ(o.hijackWindowSeconds, kDay);
}

TEST(RdapWatchDnsTest, TheConfirmedStatesParentNsAreTheDnsSide) {
  detect::DomainState state;
  state.parentNs = {"ns1.good-dns.example.", "ns2.good-dns.example."};
  storage::DomainRow row;
  row.stateJson = detect::toJson(state);
  EXPECT_EQ(confirmedParentNs(row), state.parentNs);
  EXPECT_TRUE(confirmedParentNs(storage::DomainRow{}).empty());
  row.stateJson = "garbage";
  EXPECT_TRUE(confirmedParentNs(row).empty());
}

TEST(RdapWatchScheduleTest, NamesAreTheScheduledDomains) {
  RdapSchedule s;
  s.setDomains({{"b.example.", std::nullopt}, {"a.example.", kT0}}, kT0, 1000s, 0.0);
  EXPECT_EQ(s.names(), (std::vector<std::string>{"a.example.", "b.example."}));
}

// How many RDAP queries `metrics` counted, whatever their result.
int rdapQueries(const alerts::Metrics& metrics) {
  int count = 0;
  const std::string text = metrics.render();
  const std::string prefix = "zonewatch_rdap_queries_total{";
  for (size_t at = text.find(prefix); at != std::string::npos; at = text.find(prefix, at + 1)) {
    const size_t space = text.find(' ', at);
    count += std::stoi(text.substr(space + 1, text.find('\n', space) - space - 1));
  }
  return count;
}

// The watch of a worker that does not hold the role "rdap" sends no query; once it takes the role
// it polls. The registry is a closed local port: each query fails at once as a transport failure,
// counted when drained.
TEST(RdapWatchActiveTest, AnInactiveWatchSendsNoQueryUntilActive) {
  std::string dir = (std::filesystem::temp_directory_path() / "zonewatch-rdap-XXXXXX").string();
  ASSERT_NE(mkdtemp(dir.data()), nullptr);
  auto store = storage::SqliteStore::open(dir + "/zonewatch.sqlite");
  ASSERT_TRUE(store.ok()) << store.error().message;
  config::MetricsSpec metricsSpec;
  metricsSpec.enabled = false;
  auto metrics = alerts::Metrics::create(metricsSpec);
  ASSERT_TRUE(metrics.ok()) << metrics.error().message;
  config::RdapSpec spec;
  spec.enabled = true;
  spec.minSpacing = 0s;
  spec.timeout = 1000ms;
  spec.servers = {{"lab", "http://127.0.0.1:1/"}};
  SystemClock clock;
  auto watch = RdapWatch::create(spec, **metrics, clock);
  ASSERT_TRUE(watch.ok()) << watch.error().message;
  const auto noSinks = [](const model::Event&) { return std::vector<std::string>{}; };

  EXPECT_TRUE((*watch)->active());
  (*watch)->setActive(**store, false);
  EXPECT_FALSE((*watch)->active());
  (*watch)->setDomains(**store, {"a.lab."});
  std::this_thread::sleep_for(1500ms);
  (void)(*watch)->drain(**store, noSinks);
  EXPECT_EQ(rdapQueries(**metrics), 0);

  (*watch)->setActive(**store, true);
  EXPECT_TRUE((*watch)->active());
  for (int i = 0; i < 50 && rdapQueries(**metrics) == 0; ++i) {
    std::this_thread::sleep_for(100ms);
    (void)(*watch)->drain(**store, noSinks);
  }
  EXPECT_GE(rdapQueries(**metrics), 1);
  watch->reset();
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace zonewatch::daemon
