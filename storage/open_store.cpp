// openStore(): the choice of backend from the `database` text.
#include "storage/open_store.h"

#include "storage/pg_store.h"
#include "storage/sqlite_store.h"

namespace zonewatch::storage {

Result<std::unique_ptr<Store>> openStore(const std::string& database, const StoreOptions& options) {
  if (isPostgresUri(database)) {
    PgOptions pg;
    pg.readOnly = options.readOnly;
    pg.password = options.password;
    pg.outboxClaimSeconds = static_cast<int>(options.outboxClaim.count());
    return openPgStore(database, pg);
  }
  SqliteOptions sqlite;
  sqlite.readOnly = options.readOnly;
  return openSqliteStore(database, sqlite);
}

std::string databaseForDisplay(const std::string& database) {
  return isPostgresUri(database) ? redactDatabaseUri(database) : database;
}

}  // namespace zonewatch::storage
