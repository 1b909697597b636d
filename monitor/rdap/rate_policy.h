// Politeness towards RDAP servers: when zonewatch may next send a request to a server. Owns the
// per-server spacing and the back-off a 429 or 503 imposes; the HTTP client asks it before each
// request and tells it each answer. Pure: the clock is injected, nothing is sent from here.
//
// Registries rate-limit RDAP hard (RFC 7480 §5.5: a server "can respond with ... 429 ... to
// indicate that too many requests have been sent"), and a portfolio often holds hundreds of domains
// under one TLD, hence one RDAP server: requests to a server are spaced by `minSpacingSeconds`, and
// after a 429 or 503 none is sent before the time its Retry-After asks (RFC 9110 §10.2.3), capped
// at `maxRetryAfterSeconds` so that a hostile or mistaken header cannot silence a server forever.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "monitor/util/clock.h"
#include "monitor/util/result.h"

namespace zonewatch::rdap {

// Servers remembered at once; beyond it, those whose back-off is over are forgotten first. IANA's
// bootstrap file names a few hundred servers, the overrides a handful more.
inline constexpr size_t kMaxTrackedServers = 1024;
// A Retry-After value is a date or a number; longer text is not either.
inline constexpr size_t kMaxRetryAfterLength = 64;

struct RateOptions {
  int64_t minSpacingSeconds = 2;        // between two requests to one server
  int64_t maxRetryAfterSeconds = 3600;  // the longest back-off a server may ask for
  int64_t defaultBackoffSeconds = 60;   // after a 429/503 without a usable Retry-After
};

// RFC 9110 §10.2.3: Retry-After = HTTP-date / delay-seconds. The delay in seconds from `now`
// (zero for a date in the past), or an error for a value that is neither. Dates in all three forms
// a recipient must accept (RFC 9110 §5.6.7): IMF-fixdate "Sun, 06 Nov 1994 08:49:37 GMT", the
// obsolete RFC 850 "Sunday, 06-Nov-94 08:49:37 GMT" and asctime "Sun Nov  6 08:49:37 1994".
Result<int64_t> parseRetryAfter(std::string_view value, int64_t now);

// The server a URL addresses, as the limits count it: lowercase "scheme://host[:port]".
std::string serverOf(std::string_view url);

class RatePolicy {
 public:
  RatePolicy(const Clock& clock, RateOptions options) : clock_(clock), options_(options) {}

  // Unix time at which a request to `server` (serverOf) may be sent; now or earlier when it may
  // be sent at once.
  int64_t nextAllowed(std::string_view server) const;
  bool mayRequest(std::string_view server) const { return nextAllowed(server) <= clock_.nowUnix(); }

  // A request to `server` is being sent now.
  void recordRequest(std::string_view server);
  // Its answer: after 429 (RFC 6585 §4) or 503 (RFC 9110 §15.6.4) the server is left alone until
  // its Retry-After (capped), or for defaultBackoffSeconds when there is none or it is unusable.
  void recordResponse(std::string_view server, int httpStatus,
                      std::optional<std::string_view> retryAfter);

  size_t trackedServers() const { return servers_.size(); }

 private:
  struct ServerState {
    int64_t lastRequest = 0;
    int64_t blockedUntil = 0;
  };
  ServerState& state(std::string_view server);

  const Clock& clock_;
  RateOptions options_;
  std::map<std::string, ServerState, std::less<>> servers_;
};

}  // namespace zonewatch::rdap
