// The SQLite backend of Store: one database file in WAL mode, its versioned schema and the
// migrations that bring an older file up to date when it is opened.
//
// sqlite_store.cpp is the only file that includes <sqlite3.h>; the connection and its cached
// prepared statements live behind SqliteStore's pointer to implementation. The few methods beyond
// Store are for maintenance tools and tests (raw SQL, a size cap, the schema version).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "monitor/util/result.h"
#include "storage/store.h"

namespace zonewatch::storage {

// The schema version this binary writes; PRAGMA user_version of an up-to-date database.
constexpr int kSqliteSchemaVersion = 10;

struct SqliteOptions {
  int busyTimeoutMs = 5000;  // how long a write waits for another process's write lock
  // Opens without write access: no migration (an out-of-date file is an error), every write fails.
  bool readOnly = false;
  // Stop migrating at this version instead of kSqliteSchemaVersion. Only tests use it, to build
  // the database an older zonewatch would have left behind.
  std::optional<int> migrateTo;
};

class SqliteStore final : public Store {
 public:
  // Opens (creating it unless readOnly) and migrates the database at path. Refuses a database
  // whose schema is newer than kSqliteSchemaVersion or that belongs to another application.
  static Result<std::unique_ptr<SqliteStore>> open(const std::string& path,
                                                   const SqliteOptions& options = {});
  ~SqliteStore() override;
  SqliteStore(const SqliteStore&) = delete;
  SqliteStore& operator=(const SqliteStore&) = delete;

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
  Status<> outboxDelivered(int64_t id, int64_t now) override;
  Status<> outboxRetry(int64_t id, int64_t nextAttempt, std::string_view error) override;
  Status<> outboxGiveUp(int64_t id, std::string_view error) override;
  Status<> prune(int64_t olderThan) override;
  Result<std::vector<VerifiedSignature>> verifiedSignatures(int64_t now) override;
  Status<> forgetVerifiedBefore(int64_t time) override;
  Result<StoreStats> stats() override;
  Result<std::string> integrityCheck() override;
  // One process owns the file: it holds every role (while the store is open).
  Result<bool> holdRole(std::string_view role) override;

  // PRAGMA user_version of the open database.
  Result<int> schemaVersion();
  // PRAGMA synchronous of this connection: 2 is FULL (every commit fsynced).
  Result<int> synchronousLevel();
  // Runs SQL text (any number of statements) and discards result rows.
  Status<> execute(std::string_view sql);
  // Caps the database at `pages` pages (PRAGMA max_page_count, this connection only; SQLite
  // never sets it below the current size). Returns the cap in effect. A quota, and how the tests
  // make the disk "full".
  Result<int64_t> setMaxPageCount(int64_t pages);
  // Closes the connection now; every later call fails with "store is closed".
  void close();

 private:
  struct Impl;
  explicit SqliteStore(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// The same as SqliteStore::open, seen through the backend-neutral interface.
Result<std::unique_ptr<Store>> openSqliteStore(const std::string& path,
                                               const SqliteOptions& options = {});

}  // namespace zonewatch::storage
