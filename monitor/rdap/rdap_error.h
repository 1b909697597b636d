// The one failure type of the RDAP library: what went wrong with a bootstrap file or a response,
// as a kind the daemon can count and store (an observation failure, never a change: issue 16) and
// a message naming the offending part for the log. Nothing in monitor/rdap throws across its
// boundary; every parser returns Result<T, RdapError>.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace zonewatch::rdap {

enum class RdapErrorKind : uint8_t {
  kMalformedJson,  // not JSON at all (or truncated)
  kWrongShape,     // JSON, but a member is missing or of the wrong type
  kTooLarge,       // more bytes, nesting, array items or characters than the caps allow
  kBadValue,       // a value of the right type that is not valid (a date, a name, a URL)
  kErrorResponse,  // the server answered with an RFC 9083 §6 error object
  kNoServer,       // no bootstrap entry or override covers the domain
};

struct RdapError {
  RdapErrorKind kind = RdapErrorKind::kWrongShape;
  std::string message;
  // For kErrorResponse: the errorCode the server sent (RFC 9083 §6), usually the HTTP status.
  int errorCode = 0;
};

constexpr std::string_view toString(RdapErrorKind kind) {
  switch (kind) {
    case RdapErrorKind::kMalformedJson:
      return "malformed_json";
    case RdapErrorKind::kWrongShape:
      return "wrong_shape";
    case RdapErrorKind::kTooLarge:
      return "too_large";
    case RdapErrorKind::kBadValue:
      return "bad_value";
    case RdapErrorKind::kErrorResponse:
      return "error_response";
    case RdapErrorKind::kNoServer:
      return "no_server";
  }
  return "unknown";
}

}  // namespace zonewatch::rdap
