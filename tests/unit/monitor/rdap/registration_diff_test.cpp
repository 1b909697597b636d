// The judgement of registration data (monitor/rdap/registration_diff.h) and its events
// (registration_events.h): changes, expiration, registry/DNS mismatch and the hijack correlation.
#include "monitor/rdap/registration_diff.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "monitor/rdap/registration_events.h"
#include "monitor/util/rfc3339.h"

namespace zonewatch::rdap {
namespace {

constexpr int64_t kHour = 3600;
constexpr int64_t kDay = 86400;

int64_t at(std::string_view text) {
  return parseRfc3339(text).value();
}

StatusValue status(StatusCode code) {
  return {code, std::string(toString(code))};
}

// A registrar-locked domain as a .com registry shows it.
Registration locked() {
  Registration r;
  r.ldhName = "victim.example.";
  r.statuses = {status(StatusCode::kClientDeleteProhibited),
                status(StatusCode::kClientTransferProhibited),
                status(StatusCode::kClientUpdateProhibited)};
  std::sort(r.statuses.begin(), r.statuses.end());
  r.registrar = Registrar{"Good Registrar, Inc.", 1001, "1001"};
  r.nameservers = {"ns1.good-dns.example.", "ns2.good-dns.example."};
  r.expiresAt = at("2027-06-01T00:00:00Z");
  return r;
}

TEST(RegistrationDiffTest, NoChangeNoChanges) {
  EXPECT_TRUE(diffRegistrations(locked(), locked()).empty());
  // The same registrar spelled otherwise is the same registrar, by id and, without ids, by name.
  Registration b = locked();
  b.registrar->name = "GOOD REGISTRAR, INC.";
  EXPECT_TRUE(diffRegistrations(locked(), b).empty());
  // A registrar that disappears from the answer (redaction) is no change.
  b.registrar.reset();
  EXPECT_TRUE(diffRegistrations(locked(), b).empty());
}

TEST(RegistrationDiffTest, ReportsRegistrarLocksAndNameservers) {
  Registration after = locked();
  after.registrar = Registrar{"Bad Registrar LLC", 6666, "6666"};
  after.statuses = {status(StatusCode::kClientDeleteProhibited),
                    status(StatusCode::kClientUpdateProhibited),
                    status(StatusCode::kServerTransferProhibited)};
  std::sort(after.statuses.begin(), after.statuses.end());
  after.nameservers = {"ns1.evil.example.", "ns2.evil.example."};
  const auto changes = diffRegistrations(locked(), after);
  ASSERT_EQ(changes.size(), 4u);
  const auto& registrar = std::get<RegistrarChanged>(changes[0]);
  EXPECT_EQ(registrar.before.ianaId, 1001u);
  EXPECT_EQ(registrar.after.name, "Bad Registrar LLC");
  EXPECT_EQ(std::get<LockRemoved>(changes[1]).lock,
            (Lock{LockAction::kTransfer, LockParty::kClient}));
  EXPECT_EQ(std::get<LockAdded>(changes[2]).lock,
            (Lock{LockAction::kTransfer, LockParty::kServer}));
  const auto& ns = std::get<RegistryNameserversChanged>(changes[3]);
  EXPECT_EQ(ns.after, after.nameservers);
}

TEST(RegistrationDiffTest, NameserverComparisonIgnoresCaseAndOrder) {
  Registration after = locked();
  after.nameservers = {"NS2.good-dns.example", "ns1.good-dns.example."};
  EXPECT_TRUE(diffRegistrations(locked(), after).empty());
}

TEST(RegistrationDiffTest, ExpiryIsReportedOncePerLevelAndDate) {
  const ExpiryOptions options{30 * kDay, 7 * kDay};
  const Registration r = locked();
  ExpiryMemory memory;
  auto far = stepExpiry(memory, r, *r.expiresAt - 60 * kDay, options);
  EXPECT_FALSE(far.expiring.has_value());
  auto warn = stepExpiry(far.memory, r, *r.expiresAt - 20 * kDay, options);
  ASSERT_TRUE(warn.expiring.has_value());
  EXPECT_EQ(warn.expiring->severity, model::Severity::kWarning);
  EXPECT_EQ(warn.expiring->secondsLeft, 20 * kDay);
  EXPECT_FALSE(stepExpiry(warn.memory, r, *r.expiresAt - 19 * kDay, options).expiring);
  auto critical = stepExpiry(warn.memory, r, *r.expiresAt - 6 * kDay, options);
  ASSERT_TRUE(critical.expiring.has_value());
  EXPECT_EQ(critical.expiring->severity, model::Severity::kCritical);
  EXPECT_FALSE(stepExpiry(critical.memory, r, *r.expiresAt + kDay, options).expiring);
  // Renewed, but the new date is still within the threshold: news again, at its own level.
  Registration renewed = r;
  *renewed.expiresAt += 20 * kDay;
  auto again = stepExpiry(critical.memory, renewed, *r.expiresAt - 6 * kDay, options);
  ASSERT_TRUE(again.expiring.has_value());
  EXPECT_EQ(again.expiring->severity, model::Severity::kWarning);
  // No expiration event at all: nothing to say.
  Registration unknown = r;
  unknown.expiresAt.reset();
  EXPECT_FALSE(stepExpiry({}, unknown, 0, options).expiring);
}

TEST(RegistrationDiffTest, MismatchRaisesOnceAfterGraceAndClears) {
  const std::vector<std::string> registry = {"ns1.good-dns.example.", "ns2.good-dns.example."};
  const std::vector<std::string> dns = {"ns1.evil.example.", "ns2.evil.example."};
  const int64_t t0 = at("2026-12-01T00:00:00Z"), grace = 6 * kHour;
  MismatchStep s = stepMismatch({}, t0, registry, dns, grace);
  EXPECT_EQ(s.transition, MismatchTransition::kNone);
  EXPECT_EQ(s.memory.since, t0);
  s = stepMismatch(s.memory, t0 + grace - 1, registry, dns, grace);
  EXPECT_EQ(s.transition, MismatchTransition::kNone);
  s = stepMismatch(s.memory, t0 + grace, registry, dns, grace);
  ASSERT_EQ(s.transition, MismatchTransition::kRaised);
  ASSERT_TRUE(s.raised.has_value());
  EXPECT_EQ(s.raised->since, t0);
  EXPECT_EQ(s.raised->dnsNs, dns);
  s = stepMismatch(s.memory, t0 + 2 * grace, registry, dns, grace);
  EXPECT_EQ(s.transition, MismatchTransition::kNone) << "raised once";
  // Unknown on either side: no judgement, the timer keeps running.
  s = stepMismatch(s.memory, t0 + 3 * grace, registry, {}, grace);
  EXPECT_EQ(s.transition, MismatchTransition::kNone);
  EXPECT_TRUE(s.memory.raised);
  // Agreement (case and order aside) clears it, and a new mismatch starts a new grace.
  s = stepMismatch(s.memory, t0 + 4 * grace, registry,
                   {"NS2.GOOD-DNS.EXAMPLE", "ns1.good-dns.example."}, grace);
  EXPECT_EQ(s.transition, MismatchTransition::kCleared);
  EXPECT_EQ(s.memory, MismatchMemory{});
  s = stepMismatch(s.memory, t0 + 5 * grace, registry, dns, grace);
  EXPECT_EQ(s.transition, MismatchTransition::kNone);
  EXPECT_EQ(s.memory.since, t0 + 5 * grace);
  // A short disagreement (a registrar's update on its way to the zone) raises nothing.
  MismatchStep brief = stepMismatch({}, t0, registry, dns, grace);
  brief = stepMismatch(brief.memory, t0 + kHour, registry, registry, grace);
  EXPECT_EQ(brief.transition, MismatchTransition::kNone);
}

TEST(RegistrationDiffTest, LockRemovalThenOperatorChangeIsAHijackSuspicion) {
  const int64_t t1 = at("2026-12-01T10:00:00Z"), t2 = at("2026-12-01T16:30:00Z");
  const int64_t window = 7 * kDay;
  Registration unlocked = locked();
  unlocked.statuses = {status(StatusCode::kClientDeleteProhibited),
                       status(StatusCode::kClientUpdateProhibited)};
  std::sort(unlocked.statuses.begin(), unlocked.statuses.end());
  const auto changes = diffRegistrations(locked(), unlocked);
  const CorrelationMemory memory = rememberSignals({}, changes, t1, window);
  ASSERT_EQ(memory.signals.size(), 1u);
  auto suspicion =
      correlateOperatorChange(memory, t2, {"good-dns.example"}, {"evil.example"}, window);
  ASSERT_TRUE(suspicion.has_value());
  EXPECT_EQ(suspicion->text(),
            "client transfer lock removed at 2026-12-01T10:00:00Z, then operator changed from "
            "good-dns.example to evil.example at 2026-12-01T16:30:00Z");
  // Outside the window, or before the lock came off: no suspicion.
  EXPECT_FALSE(correlateOperatorChange(memory, t1 + window + 1, {"a"}, {"b"}, window));
  EXPECT_FALSE(correlateOperatorChange(memory, t1 - 1, {"a"}, {"b"}, window));
  // Forgotten once older than the window.
  EXPECT_TRUE(rememberSignals(memory, {}, t1 + window + 1, window).signals.empty());
}

TEST(RegistrationDiffTest, RegistrarChangeAloneIsNoSuspicion) {
  Registration moved = locked();
  moved.registrar = Registrar{"Other Registrar AG", 2002, "2002"};
  const auto changes = diffRegistrations(locked(), moved);
  ASSERT_EQ(changes.size(), 1u);
  const int64_t t1 = at("2026-12-01T10:00:00Z");
  const CorrelationMemory memory = rememberSignals({}, changes, t1, kDay);
  // No operator change follows: nothing to correlate; the event alone is registrar_changed.
  const model::Event e = toEvent("victim.example.", t1, changes.front());
  EXPECT_EQ(e.kind, model::EventKind::kRegistrarChanged);
  EXPECT_EQ(e.summary,
            "registrar of victim.example. changed from Good Registrar, Inc. (IANA 1001) to Other "
            "Registrar AG (IANA 2002)");
  // Followed by an operator change, it names both steps in order.
  moved.statuses.clear();
  const auto more = diffRegistrations(locked(), moved);
  const CorrelationMemory both =
      rememberSignals(memory, {more.begin() + 1, more.end()}, t1 + kHour, kDay);
  auto suspicion =
      correlateOperatorChange(both, t1 + 2 * kHour, {"good-dns.example"}, {"evil.example"}, kDay);
  ASSERT_TRUE(suspicion.has_value());
  ASSERT_EQ(suspicion->steps.size(), 4u);  // the registrar, then three locks
  EXPECT_EQ(suspicion->text().rfind("registrar changed from Good Registrar, Inc. (IANA 1001) to "
                                    "Other Registrar AG (IANA 2002) at 2026-12-01T10:00:00Z, ",
                                    0),
            0u)
      << suspicion->text();
}

TEST(RegistrationDiffTest, SignalMemoryIsBounded) {
  CorrelationMemory memory;
  const std::vector<RegistrationChange> flap = {
      LockRemoved{{LockAction::kTransfer, LockParty::kClient}}};
  for (int i = 0; i < 100; ++i) memory = rememberSignals(memory, flap, 1000 + i, kDay);
  EXPECT_EQ(memory.signals.size(), kMaxSignals);
  EXPECT_EQ(memory.signals.back().at, 1099);
}

TEST(RegistrationEventsTest, EventsCarryKindSeverityAndJson) {
  const int64_t t = at("2026-12-01T10:00:00Z");
  const model::Event server =
      toEvent("victim.example.", t, LockRemoved{{LockAction::kTransfer, LockParty::kServer}});
  EXPECT_EQ(server.name(), "lock_removed");
  EXPECT_EQ(server.severity, model::Severity::kCritical);
  EXPECT_EQ(server.summary, "server transfer lock removed from victim.example.");
  EXPECT_EQ(nlohmann::json::parse(server.beforeJson)["lock"], "server transfer lock");
  const model::Event client =
      toEvent("victim.example.", t, LockRemoved{{LockAction::kTransfer, LockParty::kClient}});
  EXPECT_EQ(client.severity, model::Severity::kWarning);
  EXPECT_NE(client.uid, server.uid);
  EXPECT_EQ(
      toEvent("victim.example.", t, LockAdded{{LockAction::kUpdate, LockParty::kClient}}).severity,
      model::Severity::kInfo);
  const model::Event ns =
      toEvent("victim.example.", t, RegistryNameserversChanged{{"a.example."}, {"b.example."}});
  EXPECT_EQ(ns.kind, model::EventKind::kRegistryNameserversChanged);
  EXPECT_EQ(nlohmann::json::parse(ns.afterJson)["ns"][0], "b.example.");

  const model::Event expiring =
      toEvent("victim.example.", t,
              RegistrationExpiring{t + 6 * kDay, 6 * kDay, model::Severity::kCritical});
  EXPECT_EQ(expiring.kind, model::EventKind::kRegistrationExpiring);
  EXPECT_EQ(expiring.severity, model::Severity::kCritical);
  EXPECT_EQ(expiring.summary,
            "registration of victim.example. expires in 6 day(s), at 2026-12-07T10:00:00Z");

  const model::Event mismatch =
      toEvent("victim.example.", t, RegistryDnsMismatch{{"a.example."}, {"b.example."}, t - kDay});
  EXPECT_EQ(mismatch.kind, model::EventKind::kRegistryDnsMismatch);
  EXPECT_EQ(mismatch.summary,
            "the registry lists a.example. for victim.example. but the DNS delegates to "
            "b.example. since 2026-11-30T10:00:00Z");

  HijackSuspicion s{{{t - kHour, LockRemoved{{LockAction::kTransfer, LockParty::kClient}}}},
                    t,
                    {"good-dns.example"},
                    {"evil.example"}};
  const model::Event hijack = toEvent("victim.example.", s);
  EXPECT_EQ(hijack.kind, model::EventKind::kHijackSuspected);
  EXPECT_EQ(hijack.observedAt, t);
  EXPECT_EQ(hijack.summary,
            "possible hijack of victim.example.: client transfer lock removed at "
            "2026-12-01T09:00:00Z, then operator changed from good-dns.example to evil.example at "
            "2026-12-01T10:00:00Z");
  const auto before = nlohmann::json::parse(hijack.beforeJson);
  EXPECT_EQ(before["registration"][0]["change"], "client transfer lock removed");
  // The same event built again has the same uid (idempotent storage of a replayed round).
  EXPECT_EQ(toEvent("victim.example.", s).uid, hijack.uid);
  // Severity never exceeds the kind's worst (event_kind.h).
  for (const model::Event& e : {server, client, ns, expiring, mismatch, hijack}) {
    EXPECT_LE(e.severity, model::info(e.kind).severity) << e.name();
  }
}

}  // namespace
}  // namespace zonewatch::rdap
