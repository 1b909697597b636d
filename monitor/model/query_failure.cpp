#include "monitor/model/query_failure.h"

#include <array>

#include "monitor/dns/types.h"

namespace zonewatch::model {
namespace {

// Indexed by QueryFailure; kRcode's text is the rcode's mnemonic instead.
constexpr std::array<std::string_view, 13> kNames = {
    "timeout",   "network", "unresolved", "cancelled", "not asked", "not sent", "unanswered",
    "malformed", "refused", "servfail",   "nxdomain",  "lame",      "rcode"};
static_assert(kNames.size() == static_cast<size_t>(QueryFailure::kRcode) + 1,
              "every QueryFailure needs its name");

}  // namespace

bool QueryError::isTransport() const {
  return failure <= QueryFailure::kUnanswered;
}

std::string QueryError::text() const {
  if (failure == QueryFailure::kRcode) return dns::rcodeToString(rcode);
  return std::string(kNames[static_cast<size_t>(failure)]);
}

std::optional<QueryError> QueryError::parse(std::string_view text) {
  for (size_t i = 0; i + 1 < kNames.size(); ++i) {
    if (kNames[i] == text) return QueryError{static_cast<QueryFailure>(i), 0};
  }
  // Any other rcode, by mnemonic or as "RCODE<n>" (dns::rcodeToString's two forms).
  for (uint16_t rcode = 1; rcode < 4096; ++rcode) {
    if (dns::rcodeToString(rcode) == text) return QueryError{QueryFailure::kRcode, rcode};
  }
  return std::nullopt;
}

bool failedWith(const std::optional<QueryError>& error, QueryFailure failure) {
  return error && error->failure == failure;
}

std::string FailedQuery::text() const {
  return dns::typeToString(type) + " " + (host.empty() ? "" : host + " ") + why.text();
}

std::optional<FailedQuery> FailedQuery::parse(std::string_view text) {
  const size_t typeEnd = text.find(' ');
  if (typeEnd == std::string_view::npos || typeEnd == 0) return std::nullopt;
  FailedQuery out;
  const auto type = dns::typeFromString(text.substr(0, typeEnd));
  if (!type) return std::nullopt;
  out.type = *type;
  std::string_view rest = text.substr(typeEnd + 1);
  // The failure may be two words ("not sent"): the whole rest first, then a host before it.
  if (auto why = QueryError::parse(rest)) {
    out.why = *why;
    return out;
  }
  const size_t hostEnd = rest.find(' ');
  if (hostEnd == std::string_view::npos || hostEnd == 0) return std::nullopt;
  auto why = QueryError::parse(rest.substr(hostEnd + 1));
  if (!why) return std::nullopt;
  out.host = std::string(rest.substr(0, hostEnd));
  out.why = *why;
  return out;
}

}  // namespace zonewatch::model
