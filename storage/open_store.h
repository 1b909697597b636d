// Opening the store the configuration names: its `database` is either a PostgreSQL connection URI
// (postgresql:// or postgres://, pg_store.h) or the path of an SQLite file (sqlite_store.h), the
// default. The daemon and the commands open their stores here, so that neither knows which
// backends exist.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>

#include "monitor/util/result.h"
#include "storage/store.h"

namespace zonewatch::storage {

struct StoreOptions {
  // Opens without write access. SQLite: the file is opened read-only; PostgreSQL: the session
  // refuses writes. Neither migrates.
  bool readOnly = false;
  // The PostgreSQL password (database_password_file); unused for SQLite.
  std::optional<std::string> password;
  // PostgreSQL: how long claimOutbox() claims the items it returns (the configuration's
  // delivery_claim, PgOptions::outboxClaimSeconds); unused for SQLite.
  std::chrono::seconds outboxClaim{300};
};

Result<std::unique_ptr<Store>> openStore(const std::string& database,
                                         const StoreOptions& options = {});

// `database` as it may be printed: a URI's password replaced by "***", a path as it is.
std::string databaseForDisplay(const std::string& database);

}  // namespace zonewatch::storage
