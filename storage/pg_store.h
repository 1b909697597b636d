// The PostgreSQL backend of Store: one libpq connection to a database named by a libpq connection
// URI (postgresql://USER@HOST:PORT/DB), its versioned schema and the migrations that bring an
// older schema up to date when it is opened. For deployments past one machine; SQLite
// (sqlite_store.h) stays the embedded default.
//
// The rules it keeps:
// - pg_store.cpp is the only file that includes <libpq-fe.h>; the connection and its prepared
//   statements live behind PgStore's pointer to implementation.
// - Data travels as parameters only (prepared statements): no SQL text is ever built from a
//   value. The only SQL strings built at run time are the constant migrations.
// - The semantics are SqliteStore's, row for row (store.h, store_rows.h): snapshots only on
//   change, event uids idempotent, the outbox state machine, the same retention, evidence capped
//   and deflated. commit() and commitBatch() are each one transaction.
// - The schema version is a row of the table zonewatch_schema. A database whose version is newer
//   than kPgSchemaVersion is refused; an older one is migrated, each step in its own transaction
//   under an advisory lock, so that several processes starting at once migrate it once.
// - A lost connection (the server restarted, a network cut) fails the call that met it with an
//   error value; the next call tries once to reconnect (PQreset) before it runs. A transaction
//   cut off that way was rolled back by the server, so nothing is left half-written.
// - A password never appears in an error: the one given in PgOptions, or in the URI, is cut from
//   every message libpq returns, and the URI is always shown redacted (util/database_uri.h). The
//   rest of libpq's environment (PGPASSWORD, ~/.pgpass, PGSSLMODE, ...) works as usual.
// - Work sharing (work_queue.h): the table work holds the portfolio with each domain's due time
//   and claim; outbox rows carry a claim (claimed_by, claim_until) that claimOutbox() takes, so
//   that workers sharing the database deliver each item once. Both are claimed with
//   FOR UPDATE SKIP LOCKED: a worker never waits for rows another is claiming.
// - Tables live in the connection's current schema (search_path): a database shared with other
//   applications can give zonewatch its own with `?options=-csearch_path%3Dzonewatch`.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "monitor/util/database_uri.h"
#include "monitor/util/result.h"
#include "storage/store.h"
#include "storage/work_queue.h"

namespace zonewatch::storage {

// The schema version this binary writes: zonewatch_schema.version of an up-to-date database.
constexpr int kPgSchemaVersion = 4;

struct PgOptions {
  // Read from database_password_file by the caller; overrides a password in the URI. Without it,
  // libpq's own sources apply (the URI, PGPASSWORD, ~/.pgpass).
  std::optional<std::string> password;
  // The session refuses writes (SET default_transaction_read_only): the CLI's read-only commands.
  // No migration either: an out-of-date schema is an error.
  bool readOnly = false;
  // libpq's connect_timeout when the URI sets none: a server that does not answer fails the
  // start instead of hanging it.
  int connectTimeoutSeconds = 10;
  // How long claimOutbox() claims the items it returns: longer than the deliverer takes over a
  // batch (it skips a sink that does not answer after one timeout), short enough that a worker
  // killed mid-delivery leaves its items to another soon.
  int outboxClaimSeconds = 300;
  // Stored with outbox claims (who is delivering); empty = newWorkerId().
  std::string workerId;
};

// Also the WorkQueue of the workers sharing the database (work_queue.h).
class PgStore final : public Store, public WorkQueue {
 public:
  // Connects and migrates. Refuses a schema newer than kPgSchemaVersion, and a database that has
  // zonewatch's table names without its schema table.
  static Result<std::unique_ptr<PgStore>> open(const std::string& uri,
                                               const PgOptions& options = {});
  ~PgStore() override;
  PgStore(const PgStore&) = delete;
  PgStore& operator=(const PgStore&) = delete;

  Result<std::optional<DomainRow>> domain(std::string_view name) override;
  Result<std::vector<DomainRow>> domains() override;
  Status<> forEachDomain(const std::function<void(DomainRow&&)>& visit) override;
  Status<> commit(const ObservationCommit& c) override;
  Status<> commitBatch(std::span<const ObservationCommit> batch) override;
  Result<std::vector<EventRow>> events(const EventQuery& q) override;
  Result<std::vector<SnapshotRow>> snapshots(std::string_view domain, size_t limit) override;
  Status<> setBaseline(std::string_view domain, std::string_view baselineJson) override;
  Result<std::optional<RegistrationRow>> registration(std::string_view domain) override;
  Status<> putRegistration(const RegistrationRow& row) override;
  Result<std::vector<OutboxItem>> dueOutbox(int64_t now, size_t limit) override;
  // Claimed for PgOptions::outboxClaimSeconds by PgOptions::workerId (FOR UPDATE SKIP LOCKED).
  Result<std::vector<OutboxItem>> claimOutbox(int64_t now, size_t limit) override;
  Status<> outboxDelivered(int64_t id, int64_t now) override;
  Status<> outboxRetry(int64_t id, int64_t nextAttempt, std::string_view error) override;
  Status<> outboxGiveUp(int64_t id, std::string_view error) override;
  Status<> prune(int64_t olderThan) override;
  Result<std::vector<VerifiedSignature>> verifiedSignatures(int64_t now) override;
  Status<> forgetVerifiedBefore(int64_t time) override;
  // Table counts; fileBytes is the size of zonewatch's tables with their indexes and TOAST.
  Result<StoreStats> stats() override;
  // PostgreSQL keeps its own pages sound; this looks for what it cannot: rows orphaned by a
  // hand-made change with the foreign keys' triggers off, and indexes left invalid.
  Result<std::string> integrityCheck() override;
  // A session-level advisory lock keyed by hashtextextended(role, 0), on this connection: the
  // server frees it when the session ends (a killed worker, a lost connection), and another
  // worker takes it at its next call. Held once however often asked (no stacking).
  Result<bool> holdRole(std::string_view role) override;
  WorkQueue* workQueue() override { return this; }

  Status<> syncPortfolio(std::span<const PortfolioEntry> domains, int64_t now) override;
  Result<std::vector<std::string>> claimDue(std::string_view worker, int64_t now, size_t limit,
                                            std::chrono::seconds lease) override;
  Status<> completeClaims(std::string_view worker, int64_t now,
                          std::span<const ClaimCompletion> done) override;
  Result<std::vector<std::string>> takenOver(std::string_view worker, int64_t since) override;
  Result<std::optional<OldestWaiting>> oldestWaiting(int64_t now) override;

  // zonewatch_schema.version of the database.
  Result<int> schemaVersion();
  // Runs SQL text (any number of statements, no parameters) and discards result rows. For
  // maintenance tools and tests: never with data in it.
  Status<> execute(std::string_view sql);
  // Closes the connection now; every later call fails with "store is closed".
  void close();

 private:
  struct Impl;
  explicit PgStore(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// The same as PgStore::open, seen through the backend-neutral interface.
Result<std::unique_ptr<Store>> openPgStore(const std::string& uri, const PgOptions& options = {});

}  // namespace zonewatch::storage
