// How a question to a server gave no usable answer: one enum for the parent's servers, the
// domain's servers and each of their questions, read by the findings, the differ and the domain
// state alike. isTransport() is the one definition of "no DNS message came back" (the server may
// be down); the others are answers that cannot be used (lame, an error rcode, malformed).
//
// The names (QueryError::text) are the edge: `check --json`'s "error" and "failed_queries", the
// report, event bodies. They are stable.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "monitor/dns/types.h"

namespace zonewatch::model {

enum class QueryFailure : uint8_t {
  // No DNS message came back:
  kTimeout,     // "timeout": every try went unanswered
  kNetwork,     // "network": the socket failed (e.g. ICMP unreachable, TCP reset)
  kUnresolved,  // "unresolved": no address was found for the server's name
  kCancelled,   // "cancelled": the query was withdrawn before an answer came
  kNotAsked,    // "not asked": the observation ended before the question was sent
  kNotSent,     // "not sent": the observation's own query cap kept it from being sent
  kUnanswered,  // "unanswered": the observation's deadline came first
  // A message came back but is no usable answer:
  kMalformed,  // "malformed": the codec could not read it
  kRefused,    // "refused": RCODE REFUSED
  kServfail,   // "servfail": RCODE SERVFAIL
  kNxdomain,   // "nxdomain": NXDOMAIN for the zone's own apex
  kLame,       // "lame": no AA bit for the zone's own data (RFC 1035 §4.1.1)
  kRcode,      // another error rcode, named by its mnemonic ("NOTIMP", "FORMERR")
};

struct QueryError {
  QueryFailure failure = QueryFailure::kTimeout;
  uint16_t rcode = 0;  // kRcode only: the rcode the answer carried

  // No DNS message came back (kTimeout .. kUnanswered).
  bool isTransport() const;
  // "timeout", "not sent", "servfail", "NOTIMP"...
  std::string text() const;
  // The inverse of text(), for readers of stored or printed observations and for tests.
  static std::optional<QueryError> parse(std::string_view text);

  friend bool operator==(const QueryError&, const QueryError&) = default;
};

// `error` is set and is `failure`.
bool failedWith(const std::optional<QueryError>& error, QueryFailure failure);

// One question of one server address that gave no usable answer: an apex question ("DNSKEY
// servfail") or an address question for an NS host inside the domain ("A ns1.example. timeout").
struct FailedQuery {
  dns::RRType type = dns::RRType::SOA;  // the question's type
  std::string host;                     // the NS host asked about; empty for the apex questions
  QueryError why;

  // "TYPE [HOST] why", as `check --json` prints it.
  std::string text() const;
  // The inverse of text().
  static std::optional<FailedQuery> parse(std::string_view text);

  friend bool operator==(const FailedQuery&, const FailedQuery&) = default;
};

}  // namespace zonewatch::model
