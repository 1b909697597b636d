// SqliteStore: the schema, its migrations, the RAII wrappers around the connection and its cached
// statements, and the transactions behind Store. The only file that includes <sqlite3.h>.
#include "storage/sqlite_store.h"

#include <fcntl.h>
#include <sqlite3.h>
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <limits>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "storage/store_rows.h"

namespace zonewatch::storage {
namespace {

// PRAGMA application_id ("ZWCH"): tells a zonewatch database from any other SQLite file, so that a
// wrong path fails clearly instead of gaining our tables.
constexpr int64_t kApplicationId = 0x5a574348;

// ---- schema -------------------------------------------------------------------------------------
// Each migration runs in its own transaction together with the PRAGMA user_version that records
// it, so a failed or interrupted migration leaves the file at the previous version, untouched.
// A migration, once released, is never edited: later changes are new migrations.
struct Migration {
  int version;
  std::string_view sql;
};

// Version 1: the four tables. Child rows follow their parent (ON DELETE CASCADE) so that removing
// a domain by hand cannot leave orphans. Events are the exception: they are history, and some
// concern no single domain (the differ's portfolio-wide events use "*"). All text columns are
// NOT NULL ('' = none) except events.server, whose absence differs from an empty name.
constexpr std::string_view kMigration1 = R"sql(
PRAGMA application_id = 1515668296;
CREATE TABLE domains (
  domain         TEXT PRIMARY KEY NOT NULL CHECK (domain <> ''),
  first_seen     INTEGER NOT NULL,
  last_seen      INTEGER NOT NULL,
  last_change    INTEGER NOT NULL DEFAULT 0,
  status         TEXT NOT NULL DEFAULT '',
  reason         TEXT NOT NULL DEFAULT '',
  operators_json TEXT NOT NULL DEFAULT '[]',
  rrsig_expiry   INTEGER,
  state_json     TEXT NOT NULL DEFAULT '',
  pending_json   TEXT NOT NULL DEFAULT '',
  pending_count  INTEGER NOT NULL DEFAULT 0,
  servers_json   TEXT NOT NULL DEFAULT '',
  baseline_json  TEXT NOT NULL DEFAULT '',
  failures       INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE snapshots (
  id         INTEGER PRIMARY KEY,
  domain     TEXT NOT NULL REFERENCES domains (domain) ON DELETE CASCADE,
  first_seen INTEGER NOT NULL,
  last_seen  INTEGER NOT NULL,
  state_json TEXT NOT NULL,
  evidence   TEXT NOT NULL DEFAULT ''
);
CREATE INDEX snapshots_domain_id ON snapshots (domain, id);
CREATE TABLE events (
  id          INTEGER PRIMARY KEY,
  uid         TEXT NOT NULL UNIQUE CHECK (uid <> ''),
  domain      TEXT NOT NULL CHECK (domain <> ''),
  observed_at INTEGER NOT NULL,
  event       TEXT NOT NULL,
  severity    TEXT NOT NULL,
  summary     TEXT NOT NULL,
  before_json TEXT NOT NULL DEFAULT '',
  after_json  TEXT NOT NULL DEFAULT '',
  server      TEXT
);
CREATE INDEX events_domain_observed ON events (domain, observed_at);
CREATE TABLE outbox (
  id           INTEGER PRIMARY KEY,
  event_id     INTEGER NOT NULL REFERENCES events (id) ON DELETE CASCADE,
  sink         TEXT NOT NULL CHECK (sink <> ''),
  status       TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'delivered', 'failed')),
  attempts     INTEGER NOT NULL DEFAULT 0,
  next_attempt INTEGER NOT NULL,
  UNIQUE (event_id, sink)
);
CREATE INDEX outbox_status_next ON outbox (status, next_attempt);
)sql";

// Version 2: what the outbox needs to be pruned and diagnosed. last_error keeps why the latest
// delivery failed; settled_at is when a row stopped being pending (retention counts from it: an
// alert delivered today for an old event is kept as long as today's). Rows settled under v1 take
// their last due time. Two indexes for retention and the unfiltered event listing: events by
// time, and outbox by event (SQLite wants the child key of a foreign key indexed, or each deleted
// event scans the outbox: https://www.sqlite.org/foreignkeys.html#fk_indexes).
constexpr std::string_view kMigration2 = R"sql(
ALTER TABLE outbox ADD COLUMN last_error TEXT NOT NULL DEFAULT '';
ALTER TABLE outbox ADD COLUMN settled_at INTEGER;
UPDATE outbox SET settled_at = next_attempt WHERE status <> 'pending';
CREATE INDEX events_observed ON events (observed_at);
CREATE INDEX outbox_event ON outbox (event_id);
)sql";

// Version 3: a snapshot's payload moves to its own table. Every unchanged observation rewrites its
// latest snapshot's row to advance last_seen; with the state and evidence inline that row is
// kilobytes (a page or more each), alone it is a few dozen bytes. store_bench, 1,000 unchanged
// observations per transaction: about twice the commits per second (38k -> 77k/s CPU time).
constexpr std::string_view kMigration3 = R"sql(
CREATE TABLE snapshot_bodies (
  snapshot_id INTEGER PRIMARY KEY REFERENCES snapshots (id) ON DELETE CASCADE,
  state_json  TEXT NOT NULL,
  evidence    TEXT NOT NULL DEFAULT ''
);
INSERT INTO snapshot_bodies (snapshot_id, state_json, evidence)
  SELECT id, state_json, evidence FROM snapshots;
ALTER TABLE snapshots DROP COLUMN state_json;
ALTER TABLE snapshots DROP COLUMN evidence;
)sql";

// Version 4: the validator's successful verifications, so that a restart (or the next `run
// --once`) does not verify every signature of the portfolio again. WITHOUT ROWID: the 32-byte
// digest is the whole key, and a table of small rows looked up by it is what that layout is for.
// Indexed by expiry, which is how rows leave.
constexpr std::string_view kMigration4 = R"sql(
CREATE TABLE verified_signatures (
  digest     BLOB PRIMARY KEY NOT NULL CHECK (length(digest) = 32),
  expires_at INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX verified_signatures_expiry ON verified_signatures (expires_at);
)sql";

// Version 5: a snapshot's evidence is stored deflated (storage/deflate.h). It was most of the
// database (3.1 of the 6.1 KB per domain over 10,000 lab domains) and deflates to under a third.
// A new row keeps '' in evidence and the deflated text in evidence_deflate; rows written before
// keep their text and a NULL blob, and are read as they are, so the migration rewrites nothing (an
// existing file's old rows shrink only as they are pruned). The state stays text: deflated it
// would save 0.3 KB per snapshot, but every unchanged observation compares with it, in SQL today,
// and inflating it there made store_bench's unchanged commits a third slower.
constexpr std::string_view kMigration5 = R"sql(
ALTER TABLE snapshot_bodies ADD COLUMN evidence_deflate BLOB;
)sql";

// Version 6: verified signatures lose their index by expiry. At 10,000 domains it took 1.6 MB
// (160 bytes per domain, as much as the table itself) and every verification written updated it,
// for the sake of the hourly forgetVerifiedBefore(), whose DELETE now reads the table once (400
// pages at 10,000 domains: 3 ms). verifiedSignatures() reads nearly every row
// anyway, as most are unexpired.
constexpr std::string_view kMigration6 = R"sql(
DROP INDEX verified_signatures_expiry;
)sql";

// Version 7: a domain remembers the digest of an observation proven to change nothing, and until
// when it may stand for the next ones (DomainRow::replayDigest): the daemon then skips judging an
// observation whose answers are the same. NULL / 0 for every existing row: its next observation is
// judged in full, as before.
constexpr std::string_view kMigration7 = R"sql(
ALTER TABLE domains ADD COLUMN replay_digest BLOB CHECK (replay_digest IS NULL OR length(replay_digest) = 32);
ALTER TABLE domains ADD COLUMN replay_until INTEGER NOT NULL DEFAULT 0;
)sql";

// Version 8: the latest RDAP registration of each domain and the judgement's memory (issue 16),
// gone with the domain.
constexpr std::string_view kMigration8 = R"sql(
CREATE TABLE registrations (
  domain      TEXT PRIMARY KEY NOT NULL REFERENCES domains (domain) ON DELETE CASCADE,
  fetched_at  INTEGER NOT NULL,
  facts_json  TEXT NOT NULL,
  memory_json TEXT NOT NULL DEFAULT ''
);
)sql";

// Version 9: the chain of trust of a domain's latest observation with data, for display
// (DomainRow::chainJson); empty for every existing row until its next observation.
constexpr std::string_view kMigration9 = R"sql(
ALTER TABLE domains ADD COLUMN chain_json TEXT NOT NULL DEFAULT '';
)sql";

// Version 10: what the next observation may reuse of each server's answers
// (DomainRow::serverMemo); NULL for every existing row until its next observation judged in full.
constexpr std::string_view kMigration10 = R"sql(
ALTER TABLE domains ADD COLUMN server_memo BLOB;
)sql";

constexpr Migration kMigrations[] = {
    {1, kMigration1}, {2, kMigration2}, {3, kMigration3}, {4, kMigration4}, {5, kMigration5},
    {6, kMigration6}, {7, kMigration7}, {8, kMigration8}, {9, kMigration9}, {10, kMigration10}};
static_assert(std::size(kMigrations) == kSqliteSchemaVersion);

// ---- statements ---------------------------------------------------------------------------------
// Cached per connection, keyed by these literals (string_view keys stay valid for the program's
// life).
constexpr std::string_view kSelectDomain =
    "SELECT domain, first_seen, last_seen, last_change, status, reason, operators_json, "
    "rrsig_expiry, state_json, pending_json, pending_count, servers_json, baseline_json, failures, "
    "replay_digest, replay_until, chain_json, server_memo FROM domains WHERE domain = ?1";
constexpr std::string_view kSelectDomains =
    "SELECT domain, first_seen, last_seen, last_change, status, reason, operators_json, "
    "rrsig_expiry, state_json, pending_json, pending_count, servers_json, baseline_json, failures, "
    "replay_digest, replay_until, chain_json, server_memo FROM domains ORDER BY domain";
// baseline_json is written on insert only: see ObservationCommit::row.
constexpr std::string_view kUpsertDomain =
    "INSERT INTO domains (domain, first_seen, last_seen, last_change, status, reason, "
    "operators_json, rrsig_expiry, state_json, pending_json, pending_count, servers_json, "
    "baseline_json, failures, replay_digest, replay_until, chain_json, server_memo) "
    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18) "
    "ON CONFLICT (domain) DO UPDATE SET first_seen = excluded.first_seen, "
    "last_seen = excluded.last_seen, last_change = excluded.last_change, "
    "status = excluded.status, reason = excluded.reason, operators_json = excluded.operators_json, "
    "rrsig_expiry = excluded.rrsig_expiry, state_json = excluded.state_json, "
    "pending_json = excluded.pending_json, pending_count = excluded.pending_count, "
    "servers_json = excluded.servers_json, failures = excluded.failures, "
    "replay_digest = excluded.replay_digest, replay_until = excluded.replay_until, "
    "chain_json = excluded.chain_json, server_memo = excluded.server_memo";
// A replayed observation (ObservationCommit::replayed): the row is as stored but for last_seen
// and the server memo, which a replayed observation that asked everything renews.
constexpr std::string_view kTouchDomain =
    "UPDATE domains SET last_seen = ?2, server_memo = ?3 WHERE domain = ?1";
// The comparison happens inside SQLite: an unchanged state is never copied out.
constexpr std::string_view kLatestSnapshotSame =
    "SELECT s.id, (SELECT b.state_json FROM snapshot_bodies b WHERE b.snapshot_id = s.id) = ?2 "
    "FROM snapshots s WHERE s.domain = ?1 ORDER BY s.id DESC LIMIT 1";
constexpr std::string_view kTouchSnapshot =
    "UPDATE snapshots SET last_seen = ?2 WHERE id = ?1 AND last_seen < ?2";
// A flapping domain's observation (ObservationCommit::touchLatestSnapshot), whatever the state.
constexpr std::string_view kTouchLatestSnapshot =
    "UPDATE snapshots SET last_seen = ?2 WHERE id = "
    "(SELECT max(s.id) FROM snapshots s WHERE s.domain = ?1) AND last_seen < ?2";
constexpr std::string_view kInsertSnapshot =
    "INSERT INTO snapshots (domain, first_seen, last_seen) VALUES (?1, ?2, ?2)";
constexpr std::string_view kInsertSnapshotBody =
    "INSERT INTO snapshot_bodies (snapshot_id, state_json, evidence, evidence_deflate) "
    "VALUES (?1, ?2, ?3, ?4)";
constexpr std::string_view kSelectSnapshots =
    "SELECT s.id, s.domain, s.first_seen, s.last_seen, b.state_json, b.evidence, "
    "b.evidence_deflate "
    "FROM snapshots s JOIN snapshot_bodies b ON b.snapshot_id = s.id "
    "WHERE s.domain = ?1 ORDER BY s.id DESC LIMIT ?2";
// ON CONFLICT (uid) rather than INSERT OR IGNORE: OR IGNORE would also swallow NOT NULL and CHECK
// violations, silently dropping a malformed event instead of failing the commit.
constexpr std::string_view kInsertEvent =
    "INSERT INTO events (uid, domain, observed_at, event, severity, summary, before_json, "
    "after_json, server) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9) ON CONFLICT (uid) DO NOTHING";
constexpr std::string_view kInsertOutbox =
    "INSERT INTO outbox (event_id, sink, next_attempt) VALUES (?1, ?2, ?3) "
    "ON CONFLICT (event_id, sink) DO NOTHING";
// The ten columns readEvent() reads, in its order, for the event queries below.
#define ZONEWATCH_EVENT_COLUMNS                                                           \
  "e.id, e.uid, e.domain, e.observed_at, e.event, e.severity, e.summary, e.before_json, " \
  "e.after_json, e.server "
// Four forms rather than "?3 IS NULL OR domain = ?3", which would keep SQLite from using the
// (domain, observed_at) index.
constexpr std::string_view kEventsAllAsc =
    "SELECT " ZONEWATCH_EVENT_COLUMNS
    "FROM events e WHERE observed_at >= ?1 ORDER BY observed_at, id LIMIT ?2";
constexpr std::string_view kEventsAllDesc =
    "SELECT " ZONEWATCH_EVENT_COLUMNS
    "FROM events e WHERE observed_at >= ?1 ORDER BY observed_at DESC, id DESC LIMIT ?2";
constexpr std::string_view kEventsDomainAsc =
    "SELECT " ZONEWATCH_EVENT_COLUMNS
    "FROM events e WHERE domain = ?3 AND observed_at >= ?1 ORDER BY observed_at, id LIMIT ?2";
constexpr std::string_view kEventsDomainDesc =
    "SELECT " ZONEWATCH_EVENT_COLUMNS
    "FROM events e WHERE domain = ?3 AND observed_at >= ?1 "
    "ORDER BY observed_at DESC, id DESC LIMIT ?2";
constexpr std::string_view kSetBaseline = "UPDATE domains SET baseline_json = ?2 WHERE domain = ?1";
constexpr std::string_view kSelectRegistration =
    "SELECT fetched_at, facts_json, memory_json FROM registrations WHERE domain = ?1";
// Only for a known domain: no row is written for another, and changes() tells which happened.
constexpr std::string_view kPutRegistration =
    "INSERT INTO registrations (domain, fetched_at, facts_json, memory_json) "
    "SELECT ?1, ?2, ?3, ?4 WHERE EXISTS (SELECT 1 FROM domains WHERE domain = ?1) "
    "ON CONFLICT (domain) DO UPDATE SET fetched_at = excluded.fetched_at, "
    "facts_json = excluded.facts_json, memory_json = excluded.memory_json";
constexpr std::string_view kDueOutbox =
    "SELECT o.id, o.sink, o.attempts, o.next_attempt, o.last_error, " ZONEWATCH_EVENT_COLUMNS
    "FROM outbox o JOIN events e ON e.id = o.event_id "
    "WHERE o.status = 'pending' AND o.next_attempt <= ?1 ORDER BY o.next_attempt, o.id LIMIT ?2";
constexpr std::string_view kOutboxStatus = "SELECT status FROM outbox WHERE id = ?1";
constexpr std::string_view kOutboxDelivered =
    "UPDATE outbox SET status = 'delivered', attempts = attempts + 1, settled_at = ?2 "
    "WHERE id = ?1 AND status = 'pending'";
constexpr std::string_view kOutboxRetry =
    "UPDATE outbox SET attempts = attempts + 1, next_attempt = ?2, last_error = ?3 "
    "WHERE id = ?1 AND status = 'pending'";
// outboxGiveUp() is not told the time; the due time of the attempt that failed last stands in.
constexpr std::string_view kOutboxGiveUp =
    "UPDATE outbox SET status = 'failed', attempts = attempts + 1, last_error = ?2, "
    "settled_at = next_attempt WHERE id = ?1 AND status = 'pending'";
constexpr std::string_view kPruneSnapshots =
    "DELETE FROM snapshots WHERE last_seen < ?1 AND "
    "id < (SELECT max(s.id) FROM snapshots s WHERE s.domain = snapshots.domain)";
constexpr std::string_view kPruneOutbox =
    "DELETE FROM outbox WHERE status <> 'pending' AND settled_at < ?1";
constexpr std::string_view kPruneEvents =
    "DELETE FROM events WHERE observed_at < ?1 AND "
    "NOT EXISTS (SELECT 1 FROM outbox o WHERE o.event_id = events.id)";
constexpr std::string_view kInsertVerified =
    "INSERT INTO verified_signatures (digest, expires_at) VALUES (?1, ?2) "
    "ON CONFLICT (digest) DO UPDATE SET expires_at = max(expires_at, excluded.expires_at)";
constexpr std::string_view kSelectVerified =
    "SELECT digest, expires_at FROM verified_signatures WHERE expires_at >= ?1";
constexpr std::string_view kForgetVerified =
    "DELETE FROM verified_signatures WHERE expires_at < ?1";
constexpr std::string_view kStats =
    "SELECT (SELECT count(*) FROM domains), (SELECT count(*) FROM snapshots), "
    "(SELECT count(*) FROM events), (SELECT count(*) FROM outbox WHERE status = 'pending'), "
    "(SELECT page_count FROM pragma_page_count()) * (SELECT page_size FROM pragma_page_size())";

// ---- errors -------------------------------------------------------------------------------------
// A failure inside the store, before it is given its context ("while committing example.com.").
// rc is 0 for failures that are not SQLite's.
struct Fault {
  int rc = 0;
  std::string message;
};

const char* codeName(int rc) {
  static constexpr struct {
    int code;
    const char* name;
  } kNames[] = {
      {SQLITE_ERROR, "SQLITE_ERROR"},         {SQLITE_INTERNAL, "SQLITE_INTERNAL"},
      {SQLITE_PERM, "SQLITE_PERM"},           {SQLITE_ABORT, "SQLITE_ABORT"},
      {SQLITE_BUSY, "SQLITE_BUSY"},           {SQLITE_LOCKED, "SQLITE_LOCKED"},
      {SQLITE_NOMEM, "SQLITE_NOMEM"},         {SQLITE_READONLY, "SQLITE_READONLY"},
      {SQLITE_INTERRUPT, "SQLITE_INTERRUPT"}, {SQLITE_IOERR, "SQLITE_IOERR"},
      {SQLITE_CORRUPT, "SQLITE_CORRUPT"},     {SQLITE_NOTFOUND, "SQLITE_NOTFOUND"},
      {SQLITE_FULL, "SQLITE_FULL"},           {SQLITE_CANTOPEN, "SQLITE_CANTOPEN"},
      {SQLITE_PROTOCOL, "SQLITE_PROTOCOL"},   {SQLITE_SCHEMA, "SQLITE_SCHEMA"},
      {SQLITE_TOOBIG, "SQLITE_TOOBIG"},       {SQLITE_CONSTRAINT, "SQLITE_CONSTRAINT"},
      {SQLITE_MISMATCH, "SQLITE_MISMATCH"},   {SQLITE_MISUSE, "SQLITE_MISUSE"},
      {SQLITE_NOLFS, "SQLITE_NOLFS"},         {SQLITE_AUTH, "SQLITE_AUTH"},
      {SQLITE_RANGE, "SQLITE_RANGE"},         {SQLITE_NOTADB, "SQLITE_NOTADB"},
  };
  // Extended codes (SQLITE_IOERR_WRITE, ...) carry the primary code in their low byte.
  for (const auto& entry : kNames) {
    if (entry.code == (rc & 0xff)) return entry.name;
  }
  return "SQLITE_UNKNOWN";
}

// The connection's message when it describes rc (it names the constraint, the table...), else
// SQLite's generic text for the code.
Fault faultOf(sqlite3* db, int rc) {
  if (db != nullptr && sqlite3_extended_errcode(db) == rc) return {rc, sqlite3_errmsg(db)};
  return {rc, sqlite3_errstr(rc)};
}

Unexpected<Error> describe(const Fault& f, std::string_view doing) {
  // SQLITE_FULL: the file system is full, or the database reached its max_page_count. Said
  // plainly first, for the operator reading the log.
  std::string message = (f.rc & 0xff) == SQLITE_FULL ? "disk full: " + f.message : f.message;
  if (f.rc != 0) message += std::string(" (") + codeName(f.rc) + ")";
  message += " while ";
  message += doing;
  if (!message.ends_with('.')) message += '.';
  return fail(std::move(message));
}

// ---- RAII ---------------------------------------------------------------------------------------
struct DbClose {
  // close_v2: even a statement someone forgot to finalize cannot keep the file open forever.
  void operator()(sqlite3* db) const { sqlite3_close_v2(db); }
};
using DbPtr = std::unique_ptr<sqlite3, DbClose>;

struct StmtFinalize {
  void operator()(sqlite3_stmt* s) const { sqlite3_finalize(s); }
};
using StmtPtr = std::unique_ptr<sqlite3_stmt, StmtFinalize>;

std::string columnText(sqlite3_stmt* stmt, int col) {
  const unsigned char* p = sqlite3_column_text(stmt, col);
  if (p == nullptr) return {};
  return std::string(reinterpret_cast<const char*>(p),
                     static_cast<size_t>(sqlite3_column_bytes(stmt, col)));
}

// One use of a cached statement: binds, steps, reads, and on scope exit resets it, so that a
// statement abandoned on an error path holds no read snapshot and no stale bindings.
class Query {
 public:
  Query(sqlite3* db, sqlite3_stmt* stmt) : db_(db), stmt_(stmt) {}
  Query(Query&& other) noexcept
      : db_(other.db_), stmt_(std::exchange(other.stmt_, nullptr)), bindRc_(other.bindRc_) {}
  Query& operator=(Query&&) = delete;
  ~Query() {
    if (stmt_ != nullptr) {
      sqlite3_reset(stmt_);
      sqlite3_clear_bindings(stmt_);
    }
  }

  Query& bind(int index, int64_t value) {
    note(sqlite3_bind_int64(stmt_, index, value));
    return *this;
  }
  // The text must outlive the step (SQLITE_STATIC: no copy); every caller binds and steps in one
  // expression's lifetime.
  Query& bind(int index, std::string_view value) {
    note(sqlite3_bind_text64(stmt_, index, value.data() != nullptr ? value.data() : "",
                             static_cast<sqlite3_uint64>(value.size()),
                             static_cast<sqlite3_destructor_type>(nullptr), SQLITE_UTF8));
    return *this;
  }
  // Same lifetime rule as the text overload.
  Query& bindBlob(int index, std::span<const uint8_t> value) {
    static constexpr uint8_t kEmpty = 0;  // a null pointer would bind NULL, not an empty blob
    note(sqlite3_bind_blob64(stmt_, index, value.data() != nullptr ? value.data() : &kEmpty,
                             static_cast<sqlite3_uint64>(value.size()),
                             static_cast<sqlite3_destructor_type>(nullptr)));
    return *this;
  }
  // Evidence (StoredText) into its text column and, after it, its blob column. Same lifetime
  // rule as the text overload.
  Query& bindStored(int textIndex, const StoredText& value) {
    bind(textIndex, value.text);
    if (value.deflated) return bindBlob(textIndex + 1, *value.deflated);
    note(sqlite3_bind_null(stmt_, textIndex + 1));
    return *this;
  }
  Query& bindOptional(int index, const std::optional<int64_t>& value) {
    if (value) return bind(index, *value);
    note(sqlite3_bind_null(stmt_, index));
    return *this;
  }
  Query& bindOptional(int index, const std::optional<std::string>& value) {
    if (value) return bind(index, std::string_view(*value));
    note(sqlite3_bind_null(stmt_, index));
    return *this;
  }
  Query& bindLimit(int index, size_t limit) {
    return bind(index, static_cast<int64_t>(std::min<size_t>(
                           limit, static_cast<size_t>(std::numeric_limits<int64_t>::max()))));
  }

  // true: a row is ready; false: done.
  Result<bool, Fault> step() {
    if (bindRc_ != SQLITE_OK) return Unexpected{faultOf(db_, bindRc_)};
    const int rc = sqlite3_step(stmt_);
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) return false;
    return Unexpected{faultOf(db_, rc)};
  }
  Status<Fault> run() {
    auto r = step();
    if (!r) return Unexpected{r.error()};
    return Ok{};
  }

  int64_t int64(int col) const { return sqlite3_column_int64(stmt_, col); }
  int integer(int col) const { return sqlite3_column_int(stmt_, col); }
  bool isNull(int col) const { return sqlite3_column_type(stmt_, col) == SQLITE_NULL; }
  bool isBlob(int col) const { return sqlite3_column_type(stmt_, col) == SQLITE_BLOB; }
  std::string text(int col) const { return columnText(stmt_, col); }
  std::span<const uint8_t> blob(int col) const {
    const void* p = sqlite3_column_blob(stmt_, col);
    if (p == nullptr) return {};
    return {static_cast<const uint8_t*>(p), static_cast<size_t>(sqlite3_column_bytes(stmt_, col))};
  }
  std::optional<int64_t> optionalInt64(int col) const {
    if (isNull(col)) return std::nullopt;
    return int64(col);
  }
  std::optional<std::string> optionalText(int col) const {
    if (isNull(col)) return std::nullopt;
    return text(col);
  }

 private:
  void note(int rc) {
    if (bindRc_ == SQLITE_OK) bindRc_ = rc;
  }

  sqlite3* db_;
  sqlite3_stmt* stmt_;
  int bindRc_ = SQLITE_OK;
};

// DomainRow::chainJson's column: stored deflated (commit), or as text by a zonewatch before
// schema 10. A blob that does not inflate reads as no chain: it is for display only, and the page
// falls back to the parent's DS, so a damaged one must not stop the domain being observed.
constexpr int kChainColumn = 16;

Result<DomainRow> readDomain(const Query& q) {
  // Asked first: once read as text, SQLite's column type is undefined (sqlite3_column_type).
  const bool deflated = q.isBlob(kChainColumn);
  auto row = readDomainColumns(q);
  if (!row || !deflated) return row;
  auto chain = inflateText(q.blob(kChainColumn));
  row->chainJson = chain ? std::move(*chain) : std::string();
  return row;
}

// Kind and severity are stored by name (model::toString): see readEventColumns.
Status<> readEventInto(const Query& q, int first, EventRow& e) {
  return readEventColumns(q, first, e);
}

Result<EventRow> readEvent(const Query& q, int first) {
  EventRow e;
  if (auto ok = readEventInto(q, first, e); !ok) return Unexpected{ok.error()};
  return e;
}

// A kSelectSnapshots row. Evidence whose blob does not inflate (a damaged file) is an error naming
// the snapshot; the blob stays in the file untouched, and the other snapshots read as before.
Result<SnapshotRow> readSnapshot(const Query& q) {
  SnapshotRow r{q.int64(0), q.text(1), q.int64(2), q.int64(3), q.text(4), {}};
  std::optional<std::span<const uint8_t>> deflated;
  if (!q.isNull(6)) deflated = q.blob(6);
  if (auto read = readEvidence(r, q.text(5), deflated); !read) return Unexpected{read.error()};
  return r;
}

}  // namespace

// ---- the connection -----------------------------------------------------------------------------
struct SqliteStore::Impl {
  std::string path;
  SqliteOptions options;
  DbPtr db;
  // Declared after db, so destroyed before it.
  std::unordered_map<std::string_view, StmtPtr> statements;

  Result<Query, Fault> query(std::string_view sql) {
    if (!db) return Unexpected{Fault{0, "store is closed"}};
    auto it = statements.find(sql);
    if (it == statements.end()) {
      sqlite3_stmt* stmt = nullptr;
      // PERSISTENT: these statements live as long as the connection.
      const int rc = sqlite3_prepare_v3(db.get(), sql.data(), static_cast<int>(sql.size()),
                                        SQLITE_PREPARE_PERSISTENT, &stmt, nullptr);
      if (rc != SQLITE_OK) return Unexpected{faultOf(db.get(), rc)};
      it = statements.emplace(sql, StmtPtr(stmt)).first;
    }
    return Query(db.get(), it->second.get());
  }

  Status<Fault> exec(const std::string& sql) {
    if (!db) return Unexpected{Fault{0, "store is closed"}};
    const int rc = sqlite3_exec(db.get(), sql.c_str(), nullptr, nullptr, nullptr);
    if (rc != SQLITE_OK) return Unexpected{faultOf(db.get(), rc)};
    return Ok{};
  }

  // Prepares and steps a statement not worth caching (pragmas), leaving it on its first row.
  Result<StmtPtr, Fault> firstRow(const std::string& sql) {
    if (!db) return Unexpected{Fault{0, "store is closed"}};
    sqlite3_stmt* raw = nullptr;
    int rc = sqlite3_prepare_v2(db.get(), sql.c_str(), -1, &raw, nullptr);
    if (rc != SQLITE_OK) return Unexpected{faultOf(db.get(), rc)};
    StmtPtr stmt(raw);
    rc = sqlite3_step(stmt.get());
    if (rc == SQLITE_DONE) return Unexpected{Fault{0, "'" + sql + "' returned no row"}};
    if (rc != SQLITE_ROW) return Unexpected{faultOf(db.get(), rc)};
    return stmt;
  }
  Result<std::string, Fault> scalarText(const std::string& sql) {
    auto stmt = firstRow(sql);
    if (!stmt) return Unexpected{stmt.error()};
    return columnText(stmt->get(), 0);
  }
  Result<int64_t, Fault> scalar(const std::string& sql) {
    auto stmt = firstRow(sql);
    if (!stmt) return Unexpected{stmt.error()};
    return sqlite3_column_int64(stmt->get(), 0);
  }

  void rollbackIfOpen() {
    // A failed statement may already have rolled the transaction back (SQLITE_FULL, SQLITE_IOERR
    // may do so: https://www.sqlite.org/lang_transaction.html, "Response To Errors Within A
    // Transaction"); ROLLBACK is needed only when it is still open.
    if (db && sqlite3_get_autocommit(db.get()) == 0) {
      sqlite3_exec(db.get(), "ROLLBACK", nullptr, nullptr, nullptr);
    }
  }

  // Runs body in a write transaction. BEGIN IMMEDIATE takes the write lock up front, so that the
  // busy timeout covers waiting for another writer; a deferred transaction that read first could
  // only fail with SQLITE_BUSY when it tries to write.
  template <class Body>
  Status<Fault> transaction(Body&& body) {
    if (auto begun = exec("BEGIN IMMEDIATE"); !begun) return begun;
    Status<Fault> done = body();
    if (done) done = exec("COMMIT");
    if (!done) rollbackIfOpen();
    return done;
  }

  // A replayed observation's row: last_seen and the server memo (ObservationCommit::replayed).
  Status<Fault> touchDomain(const DomainRow& r) {
    auto q = query(kTouchDomain);
    if (!q) return Unexpected{q.error()};
    q->bind(1, r.domain).bind(2, r.lastSeen);
    if (!r.serverMemo.empty()) q->bindBlob(3, r.serverMemo);  // else NULL
    return q->run();
  }

  Status<Fault> upsertDomain(const DomainRow& r) {
    auto q = query(kUpsertDomain);
    if (!q) return Unexpected{q.error()};
    q->bind(1, r.domain).bind(2, r.firstSeen).bind(3, r.lastSeen).bind(4, r.lastChange);
    q->bind(5, r.status ? model::toString(*r.status) : "");
    q->bind(6, r.reason ? model::toString(*r.reason) : "").bind(7, r.operatorsJson);
    q->bindOptional(8, r.rrsigExpiry).bind(9, r.stateJson).bind(10, r.pendingJson);
    q->bind(11, int64_t{r.pendingCount}).bind(12, r.serversJson).bind(13, r.baselineJson);
    q->bind(14, int64_t{r.failures});
    if (r.replayDigest) q->bindBlob(15, *r.replayDigest);  // else NULL: bindings start cleared
    // The chain deflated: about a third of its text, which keeps a domain's row small enough for
    // three to a page (issue 13: the database's size per domain). Text if zlib fails.
    auto chain = r.chainJson.empty() ? Result<std::vector<uint8_t>>(std::vector<uint8_t>{})
                                     : deflateText(r.chainJson);
    q->bind(16, r.replayUntil);
    if (chain && !chain->empty()) {
      q->bindBlob(17, *chain);
    } else {
      q->bind(17, r.chainJson);
    }
    if (!r.serverMemo.empty()) q->bindBlob(18, r.serverMemo);
    return q->run();
  }

  Status<Fault> commitOne(const ObservationCommit& c) {
    const DomainRow& r = c.row;
    if (auto written = c.replayed ? touchDomain(r) : upsertDomain(r); !written) return written;
    if (!c.snapshotStateJson.empty()) {
      if (auto s = snapshot(c); !s) return s;
    } else if (c.touchLatestSnapshot) {
      auto q = query(kTouchLatestSnapshot);
      if (!q) return Unexpected{q.error()};
      q->bind(1, r.domain).bind(2, c.observedAt);
      if (auto ran = q->run(); !ran) return ran;
    }
    for (const VerifiedSignature& v : c.verified) {
      auto q = query(kInsertVerified);
      if (!q) return Unexpected{q.error()};
      q->bindBlob(1, v.digest).bind(2, v.expiresAt);
      if (auto ran = q->run(); !ran) return ran;
    }
    for (const NewEvent& e : c.events) {
      auto q = query(kInsertEvent);
      if (!q) return Unexpected{q.error()};
      q->bind(1, e.uid).bind(2, e.domain.empty() ? r.domain : e.domain).bind(3, e.observedAt);
      q->bind(4, model::toString(e.kind)).bind(5, model::toString(e.severity));
      q->bind(6, e.summary).bind(7, e.beforeJson);
      q->bind(8, e.afterJson).bindOptional(9, e.server);
      if (auto ran = q->run(); !ran) return ran;
      // An event already stored (a re-run round) keeps the outbox rows it got the first time.
      if (sqlite3_changes(db.get()) == 0) continue;
      const int64_t eventId = sqlite3_last_insert_rowid(db.get());
      for (const std::string& sink : e.sinks) {
        auto o = query(kInsertOutbox);
        if (!o) return Unexpected{o.error()};
        o->bind(1, eventId).bind(2, sink).bind(3, e.observedAt);
        if (auto ran = o->run(); !ran) return ran;
      }
    }
    return Ok{};
  }

  Status<Fault> snapshot(const ObservationCommit& c) {
    std::optional<int64_t> sameId;
    {
      auto q = query(kLatestSnapshotSame);
      if (!q) return Unexpected{q.error()};
      q->bind(1, c.row.domain).bind(2, c.snapshotStateJson);
      auto row = q->step();
      if (!row) return Unexpected{row.error()};
      if (*row && q->int64(1) == 1) sameId = q->int64(0);
    }
    if (sameId) {
      auto q = query(kTouchSnapshot);
      if (!q) return Unexpected{q.error()};
      q->bind(1, *sameId).bind(2, c.observedAt);
      return q->run();
    }
    {
      auto q = query(kInsertSnapshot);
      if (!q) return Unexpected{q.error()};
      q->bind(1, c.row.domain).bind(2, c.observedAt);
      if (auto ran = q->run(); !ran) return ran;
    }
    const std::string evidence = evidenceToKeep(c);
    const StoredText stored = storedText(evidence);
    auto q = query(kInsertSnapshotBody);
    if (!q) return Unexpected{q.error()};
    q->bind(1, sqlite3_last_insert_rowid(db.get())).bind(2, c.snapshotStateJson);
    q->bindStored(3, stored);
    return q->run();
  }

  // The three outbox transitions: one UPDATE guarded by status = 'pending'; when it changes
  // nothing, says why.
  Status<> outboxTransition(int64_t id, Query& update, std::string_view what) {
    const std::string doing = std::string(what) + " outbox item " + std::to_string(id);
    if (auto ran = update.run(); !ran) return describe(ran.error(), doing);
    if (sqlite3_changes(db.get()) == 1) return Ok{};
    auto q = query(kOutboxStatus);
    if (!q) return describe(q.error(), doing);
    q->bind(1, id);
    auto row = q->step();
    if (!row) return describe(row.error(), doing);
    if (!*row) return fail("no outbox item " + std::to_string(id));
    return fail("outbox item " + std::to_string(id) + " is " + q->text(0) + ", not pending");
  }

  Status<> migrate(int target);
};

// ---- opening and migrating ----------------------------------------------------------------------
Status<> SqliteStore::Impl::migrate(int target) {
  const std::string opening = "opening " + path;
  auto version = scalar("PRAGMA user_version");
  if (!version) return describe(version.error(), opening);
  auto appId = scalar("PRAGMA application_id");
  if (!appId) return describe(appId.error(), opening);
  if (*version > kSqliteSchemaVersion) {
    return fail("database " + path + " has schema version " + std::to_string(*version) +
                ", newer than version " + std::to_string(kSqliteSchemaVersion) +
                " that this zonewatch knows: refusing to open it (upgrade zonewatch)");
  }
  if (*version > 0 && *appId != kApplicationId) {
    return fail(path + " is not a zonewatch database (application_id " + std::to_string(*appId) +
                ")");
  }
  if (*version >= target) return Ok{};
  if (options.readOnly) {
    return fail("database " + path + " has schema version " + std::to_string(*version) +
                ", older than version " + std::to_string(target) +
                "; open it read-write once to migrate it");
  }
  for (const Migration& m : kMigrations) {
    if (m.version <= *version || m.version > target) continue;
    auto done = transaction([&]() -> Status<Fault> {
      // Read again under the write lock: another process may have migrated meanwhile.
      auto now = scalar("PRAGMA user_version");
      if (!now) return Unexpected{now.error()};
      if (*now >= m.version) return Ok{};
      if (m.version == 1) {
        auto objects = scalar("SELECT count(*) FROM sqlite_schema");
        if (!objects) return Unexpected{objects.error()};
        if (*objects != 0) {
          return Unexpected{Fault{0, path + " is not a zonewatch database (it has tables "
                                            "but no zonewatch schema)"}};
        }
      }
      if (auto ran = exec(std::string(m.sql)); !ran) return ran;
      return exec("PRAGMA user_version = " + std::to_string(m.version));
    });
    if (!done) {
      return describe(done.error(),
                      "migrating " + path + " to schema version " + std::to_string(m.version));
    }
  }
  return Ok{};
}

SqliteStore::SqliteStore(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
SqliteStore::~SqliteStore() = default;

Result<std::unique_ptr<SqliteStore>> SqliteStore::open(const std::string& path,
                                                       const SqliteOptions& options) {
  const int target = options.migrateTo.value_or(kSqliteSchemaVersion);
  if (target < 1 || target > kSqliteSchemaVersion) {
    return fail("cannot migrate to unknown schema version " + std::to_string(target));
  }
  auto impl = std::make_unique<Impl>();
  impl->path = path;
  impl->options = options;
  const std::string opening = "opening " + path;

  // A database this creates is readable by its owner only (the history names every server and key
  // of the portfolio): created here 0600 before SQLite opens it, and SQLite gives its -wal and -shm
  // files the database's permissions. Under systemd, StateDirectory= already makes the directory
  // private; an existing file keeps the mode its owner gave it.
  if (!options.readOnly && path != ":memory:" && !path.empty()) {
    const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd >= 0) ::close(fd);
  }
  sqlite3* raw = nullptr;
  const int flags =
      options.readOnly ? SQLITE_OPEN_READONLY : (SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
  const int rc = sqlite3_open_v2(path.c_str(), &raw, flags, nullptr);
  impl->db.reset(raw);  // even a failed open allocates a handle that must be closed
  if (rc != SQLITE_OK) return describe(faultOf(raw, rc), opening);
  sqlite3_extended_result_codes(raw, 1);
  sqlite3_busy_timeout(raw, options.busyTimeoutMs);

  if (auto on = impl->exec("PRAGMA foreign_keys = ON"); !on) return describe(on.error(), opening);
  if (!options.readOnly) {
    // WAL: readers (the CLI) never block the daemon's writes, and a commit is a single append
    // to the -wal file. https://www.sqlite.org/wal.html
    auto mode = impl->scalarText("PRAGMA journal_mode = WAL");
    if (!mode) return describe(mode.error(), opening);
    // SQLite answers with the mode in effect; an in-memory database stays "memory".
    if (*mode != "wal" && *mode != "memory") {
      return fail("cannot switch " + path + " to WAL mode (journal_mode is " + *mode + ")");
    }
    // synchronous=FULL: the WAL is fsynced at every commit. A webhook delivery follows the commit
    // that queued it, so that commit must survive a power loss or an OS crash too, not only the
    // process being killed; with NORMAL the latest commits could be rolled back after their events
    // went out (https://www.sqlite.org/pragma.html#pragma_synchronous). The daemon commits a round
    // in batches, so this is one fsync per batch. (Event ids do not depend on the time of the
    // observation either: a round that is rolled back and redone raises the same ids.)
    if (auto sync = impl->exec("PRAGMA synchronous = FULL"); !sync) {
      return describe(sync.error(), opening);
    }
  }
  if (auto migrated = impl->migrate(target); !migrated) return Unexpected{migrated.error()};
  return std::unique_ptr<SqliteStore>(new SqliteStore(std::move(impl)));
}

Result<std::unique_ptr<Store>> openSqliteStore(const std::string& path,
                                               const SqliteOptions& options) {
  auto store = SqliteStore::open(path, options);
  if (!store) return Unexpected{store.error()};
  return std::unique_ptr<Store>(std::move(*store));
}

void SqliteStore::close() {
  impl_->statements.clear();
  impl_->db.reset();
}

Result<bool> SqliteStore::holdRole(std::string_view role) {
  if (!impl_->db) return fail("cannot hold the role " + std::string(role) + ": store is closed");
  return true;
}

// ---- Store --------------------------------------------------------------------------------------
Result<std::optional<DomainRow>> SqliteStore::domain(std::string_view name) {
  const std::string doing = "reading domain " + std::string(name);
  auto q = impl_->query(kSelectDomain);
  if (!q) return describe(q.error(), doing);
  q->bind(1, name);
  auto row = q->step();
  if (!row) return describe(row.error(), doing);
  if (!*row) return std::optional<DomainRow>();
  auto domain = readDomain(*q);
  if (!domain) return Unexpected{domain.error()};
  return std::optional<DomainRow>(std::move(*domain));
}

Result<std::vector<DomainRow>> SqliteStore::domains() {
  std::vector<DomainRow> out;
  auto listed = forEachDomain([&out](DomainRow&& row) { out.push_back(std::move(row)); });
  if (!listed) return Unexpected{listed.error()};
  return out;
}

Status<> SqliteStore::forEachDomain(const std::function<void(DomainRow&&)>& visit) {
  auto q = impl_->query(kSelectDomains);
  if (!q) return describe(q.error(), "listing domains");
  for (;;) {
    auto row = q->step();
    if (!row) return describe(row.error(), "listing domains");
    if (!*row) return Ok{};
    auto domain = readDomain(*q);
    if (!domain) return Unexpected{domain.error()};
    visit(std::move(*domain));
  }
}

Status<> SqliteStore::commit(const ObservationCommit& c) {
  return commitBatch(std::span<const ObservationCommit>(&c, 1));
}

Status<> SqliteStore::commitBatch(std::span<const ObservationCommit> batch) {
  if (batch.empty()) return Ok{};
  for (const ObservationCommit& c : batch) {
    if (auto valid = validateCommit(c); !valid) return valid;
  }
  const ObservationCommit* current = nullptr;
  auto done = impl_->transaction([&]() -> Status<Fault> {
    for (const ObservationCommit& c : batch) {
      current = &c;
      if (auto one = impl_->commitOne(c); !one) return one;
    }
    current = nullptr;  // from here on, a failure is the COMMIT's
    return Ok{};
  });
  if (done) return Ok{};
  return describe(done.error(), commitDoing(batch, current, impl_->path));
}

Result<std::vector<EventRow>> SqliteStore::events(const EventQuery& eq) {
  const std::string_view sql = eq.domain ? (eq.newestFirst ? kEventsDomainDesc : kEventsDomainAsc)
                                         : (eq.newestFirst ? kEventsAllDesc : kEventsAllAsc);
  auto q = impl_->query(sql);
  if (!q) return describe(q.error(), "listing events");
  q->bind(1, eq.since).bindLimit(2, eq.limit);
  if (eq.domain) q->bind(3, std::string_view(*eq.domain));
  std::vector<EventRow> out;
  for (;;) {
    auto row = q->step();
    if (!row) return describe(row.error(), "listing events");
    if (!*row) break;
    auto event = readEvent(*q, 0);
    if (!event) return Unexpected{event.error()};
    out.push_back(std::move(*event));
  }
  return out;
}

Result<std::vector<SnapshotRow>> SqliteStore::snapshots(std::string_view domain, size_t limit) {
  const std::string doing = "listing snapshots of " + std::string(domain);
  auto q = impl_->query(kSelectSnapshots);
  if (!q) return describe(q.error(), doing);
  q->bind(1, domain).bindLimit(2, limit);
  std::vector<SnapshotRow> out;
  for (;;) {
    auto row = q->step();
    if (!row) return describe(row.error(), doing);
    if (!*row) break;
    auto snapshot = readSnapshot(*q);
    if (!snapshot) return fail(snapshot.error().message + " while " + doing);
    out.push_back(std::move(*snapshot));
  }
  return out;
}

Status<> SqliteStore::setBaseline(std::string_view domain, std::string_view baselineJson) {
  const std::string doing = "setting the baseline of " + std::string(domain);
  auto q = impl_->query(kSetBaseline);
  if (!q) return describe(q.error(), doing);
  q->bind(1, domain).bind(2, baselineJson);
  if (auto ran = q->run(); !ran) return describe(ran.error(), doing);
  if (sqlite3_changes(impl_->db.get()) == 0) {
    return fail("cannot set the baseline of " + std::string(domain) + ": unknown domain");
  }
  return Ok{};
}

Result<std::optional<RegistrationRow>> SqliteStore::registration(std::string_view domain) {
  const std::string doing = "reading the registration of " + std::string(domain);
  auto q = impl_->query(kSelectRegistration);
  if (!q) return describe(q.error(), doing);
  q->bind(1, domain);
  auto row = q->step();
  if (!row) return describe(row.error(), doing);
  if (!*row) return std::optional<RegistrationRow>();
  return std::optional<RegistrationRow>(
      RegistrationRow{std::string(domain), q->int64(0), q->text(1), q->text(2)});
}

Status<> SqliteStore::putRegistration(const RegistrationRow& row) {
  const std::string doing = "storing the registration of " + row.domain;
  auto q = impl_->query(kPutRegistration);
  if (!q) return describe(q.error(), doing);
  q->bind(1, row.domain).bind(2, row.fetchedAt).bind(3, row.factsJson).bind(4, row.memoryJson);
  if (auto ran = q->run(); !ran) return describe(ran.error(), doing);
  if (sqlite3_changes(impl_->db.get()) == 0) {
    return fail("cannot store the registration of " + row.domain + ": unknown domain");
  }
  return Ok{};
}

Result<std::vector<OutboxItem>> SqliteStore::dueOutbox(int64_t now, size_t limit) {
  auto q = impl_->query(kDueOutbox);
  if (!q) return describe(q.error(), "reading the outbox");
  q->bind(1, now).bindLimit(2, limit);
  std::vector<OutboxItem> out;
  for (;;) {
    auto row = q->step();
    if (!row) return describe(row.error(), "reading the outbox");
    if (!*row) break;
    OutboxItem item{q->int64(0), q->text(1), q->integer(2), q->int64(3), q->text(4), 0, {}, {}};
    if (auto read = readEventInto(*q, 5, item.event); !read) item.unreadable = read.error().message;
    out.push_back(std::move(item));
  }
  return out;
}

Status<> SqliteStore::outboxDelivered(int64_t id, int64_t now) {
  auto q = impl_->query(kOutboxDelivered);
  if (!q) return describe(q.error(), "marking outbox item " + std::to_string(id) + " delivered");
  q->bind(1, id).bind(2, now);
  return impl_->outboxTransition(id, *q, "delivering");
}

Status<> SqliteStore::outboxRetry(int64_t id, int64_t nextAttempt, std::string_view error) {
  auto q = impl_->query(kOutboxRetry);
  if (!q) return describe(q.error(), "rescheduling outbox item " + std::to_string(id));
  q->bind(1, id).bind(2, nextAttempt).bind(3, error);
  return impl_->outboxTransition(id, *q, "rescheduling");
}

Status<> SqliteStore::outboxGiveUp(int64_t id, std::string_view error) {
  auto q = impl_->query(kOutboxGiveUp);
  if (!q) return describe(q.error(), "giving up outbox item " + std::to_string(id));
  q->bind(1, id).bind(2, error);
  return impl_->outboxTransition(id, *q, "giving up");
}

Status<> SqliteStore::prune(int64_t olderThan) {
  auto done = impl_->transaction([&]() -> Status<Fault> {
    // Outbox first: an event goes only once none of its deliveries is pending.
    for (std::string_view sql : {kPruneSnapshots, kPruneOutbox, kPruneEvents}) {
      auto q = impl_->query(sql);
      if (!q) return Unexpected{q.error()};
      q->bind(1, olderThan);
      if (auto ran = q->run(); !ran) return ran;
    }
    return Ok{};
  });
  if (!done) return describe(done.error(), "pruning before " + std::to_string(olderThan));
  return Ok{};
}

Result<std::vector<VerifiedSignature>> SqliteStore::verifiedSignatures(int64_t now) {
  auto q = impl_->query(kSelectVerified);
  if (!q) return describe(q.error(), "reading verified signatures");
  q->bind(1, now);
  std::vector<VerifiedSignature> out;
  for (;;) {
    auto row = q->step();
    if (!row) return describe(row.error(), "reading verified signatures");
    if (!*row) break;
    const auto digest = q->blob(0);
    if (digest.size() != 32) continue;  // the CHECK constraint makes this unreachable
    VerifiedSignature v;
    std::copy(digest.begin(), digest.end(), v.digest.begin());
    v.expiresAt = q->int64(1);
    out.push_back(v);
  }
  return out;
}

Status<> SqliteStore::forgetVerifiedBefore(int64_t time) {
  auto done = impl_->transaction([&]() -> Status<Fault> {
    auto q = impl_->query(kForgetVerified);
    if (!q) return Unexpected{q.error()};
    q->bind(1, time);
    return q->run();
  });
  if (!done) return describe(done.error(), "forgetting expired signatures");
  return Ok{};
}

Result<StoreStats> SqliteStore::stats() {
  auto q = impl_->query(kStats);
  if (!q) return describe(q.error(), "counting rows");
  auto row = q->step();
  if (!row) return describe(row.error(), "counting rows");
  if (!*row) return fail("counting rows: no result");
  return StoreStats{q->int64(0), q->int64(1), q->int64(2), q->int64(3), q->int64(4)};
}

// integrity_check does not look at foreign keys; foreign_key_check finds the orphans a missing
// cascade would leave (a body without its snapshot, an outbox row without its event).
Result<int> SqliteStore::synchronousLevel() {
  auto level = impl_->scalarText("PRAGMA synchronous");
  if (!level) return describe(level.error(), "reading PRAGMA synchronous");
  return std::atoi(level->c_str());
}

Result<std::string> SqliteStore::integrityCheck() {
  std::string out;
  {
    auto q = impl_->query("PRAGMA integrity_check");
    if (!q) return describe(q.error(), "checking integrity");
    for (;;) {
      auto row = q->step();
      if (!row) return describe(row.error(), "checking integrity");
      if (!*row) break;
      if (!out.empty()) out += '\n';
      out += q->text(0);
    }
  }
  if (out != "ok") return out;
  auto q = impl_->query("PRAGMA foreign_key_check");
  if (!q) return describe(q.error(), "checking foreign keys");
  std::string orphans;
  for (;;) {
    auto row = q->step();
    if (!row) return describe(row.error(), "checking foreign keys");
    if (!*row) break;
    if (!orphans.empty()) orphans += '\n';
    orphans += "row " + std::to_string(q->int64(1)) + " of " + q->text(0) +
               " refers to a missing row of " + q->text(2);
  }
  return orphans.empty() ? out : orphans;
}

Result<int> SqliteStore::schemaVersion() {
  auto v = impl_->scalar("PRAGMA user_version");
  if (!v) return describe(v.error(), "reading the schema version");
  return static_cast<int>(*v);
}

Status<> SqliteStore::execute(std::string_view sql) {
  if (auto ran = impl_->exec(std::string(sql)); !ran) {
    return describe(ran.error(), "running '" + std::string(sql) + "'");
  }
  return Ok{};
}

Result<int64_t> SqliteStore::setMaxPageCount(int64_t pages) {
  auto v = impl_->scalar("PRAGMA max_page_count = " + std::to_string(pages));
  if (!v) return describe(v.error(), "setting max_page_count");
  return *v;
}

}  // namespace zonewatch::storage
