// The monitor's durable memory behind a narrow, backend-neutral interface: one row per watched
// domain, the history of its confirmed states (snapshots), the events derived from them, and the
// outbox through which alerts/ delivers each event to each sink at least once.
//
// The store knows nothing about DNS: states and evidence are opaque strings (the differ's
// canonical JSON, zone-file text). Every write an observation causes (domain row, snapshot, events,
// outbox rows) goes through commit()/commitBatch() as ONE transaction, so a crash or a full disk
// leaves either all of it or none of it (a full disk fails with a message starting "disk full").
// Event uids make re-running an interrupted round harmless. Growth is bounded per domain: the
// differ writes at most a few snapshots an hour (kMaxSnapshotsPerHour), the evidence of each is
// capped (evidence.h), and prune() drops what is older than the retention.
// Backends: sqlite_store.h (the embedded default) and pg_store.h, which also shares the work
// between several workers (work_queue.h).
//
// A Store object is one connection: use it from one thread at a time.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "monitor/model/event.h"
#include "monitor/model/security_state.h"
#include "monitor/util/result.h"

namespace zonewatch::storage {

class WorkQueue;

// The monitor's memory of one domain.
struct DomainRow {
  std::string domain;      // absolute lowercase A-label name, e.g. "example.com."
  int64_t firstSeen = 0;   // the first observation, with data or not
  int64_t lastSeen = 0;    // the latest observation with data (observation_failure.h); 0 = none
  int64_t lastChange = 0;  // unix seconds; 0 = never changed
  // The verdict of the latest observation with data; none before the first one. Stored by name
  // (model::toString), the only place it is text.
  std::optional<model::SecurityState> status;
  std::optional<model::SecurityReason> reason;
  std::string operatorsJson = "[]";
  std::optional<int64_t> rrsigExpiry;
  std::string stateJson;    // the confirmed state, what the differ compares against
  std::string pendingJson;  // a change seen but not yet confirmed (confirm_polls)
  int pendingCount = 0;
  std::string serversJson;   // per-server reachability memory (unreachable/recovered events)
  std::string baselineJson;  // accepted by `zonewatch ack` (expect: pins); empty = none
  int failures = 0;          // observations without data in a row (backoff, observation_failing)
  // The replay digest (model::ReplayInputs, combined with the daemon's options) of an observation
  // that was proven to change nothing, and until when the same inputs may be taken as unchanged
  // without judging them (unix seconds). None / 0: every observation is judged. Opaque here.
  std::optional<std::array<uint8_t, 32>> replayDigest;
  int64_t replayUntil = 0;
  // The chain of trust of the latest observation with data, for display only (the web page,
  // /api/domain): monitor/detect/chain_summary.h's JSON, opaque here; empty = none yet. Kept out
  // of the state and the snapshots, so that a root or TLD key rollover is no change of the domain.
  std::string chainJson;
  // What the next observation may reuse of each server's answers (monitor/probe/server_memo.h),
  // from the latest observation judged in full; opaque here, empty = none. A replayed observation
  // leaves it as it is.
  std::vector<uint8_t> serverMemo;

  bool operator==(const DomainRow&) const = default;
};

// An event to store (model/event.h): uid is the idempotency key, unique across the store; an
// empty domain means the domain of the commit it travels with, any other (the portfolio's "*") is
// stored as is.
struct NewEvent : model::Event {
  // Where to deliver it: one pending outbox row per sink, written only when the event is new.
  // Per event, because each webhook filters by event kind and severity. Not read back (an
  // EventRow has none: the outbox rows say where it went).
  std::vector<std::string> sinks;

  bool operator==(const NewEvent&) const = default;
};

// A stored event and its row id.
struct EventRow : model::Event {
  int64_t id = 0;

  bool operator==(const EventRow&) const = default;
};

struct SnapshotRow {
  int64_t id = 0;
  std::string domain;
  int64_t firstSeen = 0;  // first observation with this state
  int64_t lastSeen = 0;   // latest observation with this state
  std::string stateJson;
  std::string evidence;
};

// A signature verification known to have succeeded: the digest that names it (the validator's
// memo key over signed data, signature and key) and when the signature expires. Kept so that a
// restarted monitor, or the next `run --once`, does not verify the whole portfolio's signatures
// again; an expired one is useless, as the validator rejects it before it asks the memo.
struct VerifiedSignature {
  std::array<uint8_t, 32> digest{};
  int64_t expiresAt = 0;  // unix seconds

  bool operator==(const VerifiedSignature&) const = default;
};

// Everything one observation of one domain writes.
struct ObservationCommit {
  // Upserted as is, except baselineJson, which only setBaseline() changes once the row exists: a
  // round that read the row before a `zonewatch ack` must not undo the ack.
  DomainRow row;
  // Compared with the domain's latest snapshot: equal -> only that snapshot's last_seen advances;
  // different (or no snapshot yet) -> a new snapshot. Empty = this observation produced no state
  // (e.g. every server failed): no snapshot is touched.
  std::string snapshotStateJson;
  // Stored with a NEW snapshot only, capped at kMaxEvidenceBytes (storage/evidence.h): larger
  // text is cut at a line (record) boundary and ends with a line saying how much was cut.
  std::string evidence;
  // Instead of `evidence`, for evidence that costs to render: called only when a new snapshot is
  // written (an unchanged observation, the common case, never renders it).
  std::function<std::string()> renderEvidence;
  // With an empty snapshotStateJson: the latest snapshot stands for this observation too, whatever
  // its state, and only its last_seen advances. A flapping domain (monitor/detect/differ.h) writes
  // no new snapshot per poll; a domain without any snapshot yet gets none.
  bool touchLatestSnapshot = false;
  // The observation repeated one proven to change nothing (the daemon's replay): of the row only
  // last_seen and serverMemo are written, and the latest snapshot's last_seen advances; `row` must
  // be the stored row with its new last_seen (and the memo it keeps or renews).
  bool replayed = false;
  int64_t observedAt = 0;
  // An event whose uid is already stored is skipped together with its outbox rows.
  std::vector<NewEvent> events;
  // Verifications made since the previous commit (by this observation or others in flight);
  // one already stored is skipped.
  std::vector<VerifiedSignature> verified;
};

struct OutboxItem {
  int64_t id = 0;
  std::string sink;
  int attempts = 0;  // deliveries tried so far
  int64_t nextAttempt = 0;
  std::string lastError;  // from the latest outboxRetry(); empty before any
  // claimOutbox() of a shared backend: when this worker's claim on the item ends (unix seconds),
  // after which another worker may send it too. 0: not claimed for a limited time (a backend one
  // process owns, or dueOutbox()).
  int64_t claimUntil = 0;
  EventRow event;
  // Why the item's event could not be read (a kind or severity this build does not know: a newer
  // zonewatch wrote it); empty when it was. Such an item comes back with the others instead of
  // making the whole outbox unreadable, and the deliverer gives it up with this error; its event
  // holds the id, uid, domain and time only.
  std::string unreadable;
};

// The latest RDAP answer about a domain (issue 16) and what the registration judgement remembers
// between polls (expiry level, since when registry and DNS disagree, the signals a later operator
// change is correlated with). Both are JSON the daemon writes and reads back; the store keeps them
// as they are, one row per domain, gone with the domain.
struct RegistrationRow {
  std::string domain;
  int64_t fetchedAt = 0;   // when the registry answered
  std::string factsJson;   // the Registration
  std::string memoryJson;  // the judgement's memory; "" when none
  bool operator==(const RegistrationRow&) const = default;
};

struct EventQuery {
  std::optional<std::string> domain;  // none = every domain
  int64_t since = 0;                  // observed_at >= since
  size_t limit = 1000;
  bool newestFirst = false;
};

struct StoreStats {
  int64_t domains = 0;
  int64_t snapshots = 0;
  int64_t events = 0;
  int64_t outboxPending = 0;
  int64_t fileBytes = 0;  // size of the database proper (pages in use and free)
};

class Store {
 public:
  virtual ~Store() = default;

  virtual Result<std::optional<DomainRow>> domain(std::string_view name) = 0;
  // Every domain, ordered by name.
  virtual Result<std::vector<DomainRow>> domains() = 0;
  // The same rows handed to `visit` one at a time, so that a large portfolio's rows are never all
  // in memory at once (the daemon's start and reload). Stops at the first read error.
  virtual Status<> forEachDomain(const std::function<void(DomainRow&&)>& visit) = 0;

  // One transaction: all of it is stored or none of it.
  virtual Status<> commit(const ObservationCommit& c) = 0;
  // One transaction for the whole batch (a round of the daemon).
  virtual Status<> commitBatch(std::span<const ObservationCommit> batch) = 0;

  // Ordered by observed_at (then id), oldest first unless q.newestFirst.
  virtual Result<std::vector<EventRow>> events(const EventQuery& q) = 0;
  // The domain's snapshots, newest first.
  virtual Result<std::vector<SnapshotRow>> snapshots(std::string_view domain, size_t limit) = 0;
  // Sets (or, with "", clears) the accepted baseline of a known domain.
  virtual Status<> setBaseline(std::string_view domain, std::string_view baselineJson) = 0;

  // The domain's latest registration, if any was stored.
  virtual Result<std::optional<RegistrationRow>> registration(std::string_view domain) = 0;
  // Replaces the domain's registration; an error for a domain the store does not know. Events the
  // registration raises go through commit() like every other event.
  virtual Status<> putRegistration(const RegistrationRow& row) = 0;

  // The outbox, used by alerts/. Pending items with next_attempt <= now, earliest first (then by
  // id). The three transitions apply to pending items only; each counts one attempt.
  virtual Result<std::vector<OutboxItem>> dueOutbox(int64_t now, size_t limit) = 0;
  // The due items this process is to deliver now, in the same order. A backend shared by several
  // workers (PostgreSQL) claims them for a while, so that no other worker's claimOutbox() returns
  // them meanwhile: each item is delivered by one worker, and by another only once the claim
  // expired with the item still pending (its worker died). A backend one process owns has no one
  // to share with: its due items.
  virtual Result<std::vector<OutboxItem>> claimOutbox(int64_t now, size_t limit) {
    return dueOutbox(now, limit);
  }
  virtual Status<> outboxDelivered(int64_t id, int64_t now) = 0;
  virtual Status<> outboxRetry(int64_t id, int64_t nextAttempt, std::string_view error) = 0;
  virtual Status<> outboxGiveUp(int64_t id, std::string_view error) = 0;

  // Retention: deletes snapshots last seen before olderThan (never a domain's latest), events
  // observed before it whose outbox rows are all settled, and those settled outbox rows. Pending
  // deliveries are never dropped.
  virtual Status<> prune(int64_t olderThan) = 0;

  // Verified signatures not expired at `now`; forgetVerifiedBefore() drops those expired before
  // the given time.
  virtual Result<std::vector<VerifiedSignature>> verifiedSignatures(int64_t now) = 0;
  virtual Status<> forgetVerifiedBefore(int64_t time) = 0;

  virtual Result<StoreStats> stats() = 0;
  // The backend's own consistency check (for SQLite: PRAGMA integrity_check, then the foreign
  // keys); "ok" when sound, else one line per problem.
  virtual Result<std::string> integrityCheck() = 0;

  // Whether this process is now the one holder of `role` (e.g. "rdap": the one worker that polls
  // the registries); takes it when it is free. Held until the process, or its connection, goes
  // away; asking again is cheap and is how a holder notices it lost the role (a reconnect). A
  // backend one process owns (SQLite) always answers true.
  virtual Result<bool> holdRole(std::string_view role) = 0;

  // The backend's work sharing between workers (work_queue.h), or nullptr for a backend one
  // process owns (SQLite), whose daemon schedules in memory.
  virtual WorkQueue* workQueue() { return nullptr; }
};

}  // namespace zonewatch::storage
