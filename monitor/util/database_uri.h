// Database URIs as the configuration's `database` may hold them: a PostgreSQL connection URI
// (postgresql:// or postgres://) rather than the path of an SQLite file. Telling the two apart,
// and printing a URI without its password, are needed by both config/ and storage/, hence here.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace zonewatch {

// Whether `database` names a PostgreSQL database (a postgresql:// or postgres:// URI) rather than
// an SQLite file.
bool isPostgresUri(std::string_view database);

// The URI with the password of its user information and of any password= parameter replaced by
// "***": what may be printed or logged. A key=value connection string's password= too.
std::string redactDatabaseUri(std::string_view uri);

// The passwords written in the URI, as written and percent-decoded, for cutting out of messages
// that might echo them.
std::vector<std::string> databaseUriPasswords(std::string_view uri);

}  // namespace zonewatch
