// Database URIs in the configuration's `database` (libpq's connection URIs,
// https://www.postgresql.org/docs/15/libpq-connect.html#LIBPQ-CONNSTRING): telling one from a
// file path, and keeping its password out of what is printed. Shared by config/ (which prints
// and checks the configuration) and storage/ (which connects and reports errors).
#include "monitor/util/database_uri.h"

#include <algorithm>
#include <utility>

#include "monitor/util/hex.h"

namespace zonewatch {
namespace {

// Where the password sits in a URI: the part of the user information after ':' (before the last
// '@' of the authority), and the value of each password= parameter. Offsets into the URI.
std::vector<std::pair<size_t, size_t>> passwordSpans(std::string_view uri) {
  std::vector<std::pair<size_t, size_t>> spans;
  const size_t scheme = uri.find("://");
  const size_t start = scheme == std::string_view::npos ? 0 : scheme + 3;
  if (scheme != std::string_view::npos) {
    size_t end = uri.find_first_of("/?#", start);
    if (end == std::string_view::npos) end = uri.size();
    const size_t at = uri.substr(0, end).rfind('@');
    if (at != std::string_view::npos && at >= start) {
      const size_t colon = uri.substr(0, at).find(':', start);
      if (colon != std::string_view::npos) spans.emplace_back(colon + 1, at - colon - 1);
    }
  }
  // password=VALUE in the query (a URI) or as a keyword (a key=value conninfo string).
  for (size_t pos = uri.find("password", start); pos != std::string_view::npos;
       pos = uri.find("password", pos + 1)) {
    if (pos > 0 && std::string_view("?& \t").find(uri[pos - 1]) == std::string_view::npos) {
      continue;
    }
    size_t eq = pos + 8;
    while (eq < uri.size() && uri[eq] == ' ') ++eq;
    if (eq >= uri.size() || uri[eq] != '=') continue;
    size_t value = eq + 1;
    while (value < uri.size() && uri[value] == ' ') ++value;
    const size_t end = uri.find_first_of(scheme == std::string_view::npos ? " \t" : "&#", value);
    spans.emplace_back(value, (end == std::string_view::npos ? uri.size() : end) - value);
  }
  return spans;
}

}  // namespace

bool isPostgresUri(std::string_view database) {
  return database.starts_with("postgresql://") || database.starts_with("postgres://");
}

std::string redactDatabaseUri(std::string_view uri) {
  std::string out(uri);
  auto spans = passwordSpans(uri);
  // From the end, so that earlier offsets stay valid.
  std::sort(spans.begin(), spans.end(), [](const auto& a, const auto& b) { return a > b; });
  for (const auto& [start, length] : spans) out.replace(start, length, "***");
  return out;
}

std::vector<std::string> databaseUriPasswords(std::string_view uri) {
  std::vector<std::string> out;
  for (const auto& [start, length] : passwordSpans(uri)) {
    std::string raw(uri.substr(start, length));
    if (raw.empty()) continue;
    out.push_back(percentDecoded(raw));
    out.push_back(std::move(raw));
  }
  return out;
}

}  // namespace zonewatch
