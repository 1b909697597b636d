// One RDAP query for one domain: from the choice of its server to a Registration, or to a failure
// the daemon logs and counts as an RDAP observation failure (never a change, issue 16). Owns the
// server choice (the bootstrap file with the configured overrides, rdap::findServers), asking the
// RatePolicy before sending and telling it every answer, the GET with RDAP's media type, and the
// reading of the answer (rdap::parseDomain).
//
// RFC 7480 §4.2: "clients include an Accept header field with an RDAP-specific JSON media type",
// application/rdap+json (registered by RFC 9083 §10.1). RFC 7480 §5.3 and §5.5: 404 means the
// server has no such object, 429 that too many requests were sent; both are answers about the
// query, not about the domain, so neither changes what is known of it.
//
// Blocking (the GET waits up to the timeout): the daemon runs fetches on its RDAP thread, never on
// the DNS loop, and applies their results on the loop thread. One RdapFetcher per thread: the
// getter and the policy it is given are not shared.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

#include "alerts/http_client.h"
#include "monitor/rdap/bootstrap.h"
#include "monitor/rdap/domain_response.h"
#include "monitor/rdap/rate_policy.h"
#include "monitor/util/result.h"

namespace zonewatch::daemon {

inline constexpr std::string_view kRdapMediaType = "application/rdap+json";

enum class RdapFetchFailureKind : uint8_t {
  kNoServer,     // no bootstrap entry or override covers the domain, or it is not an LDH name
  kDeferred,     // the server may not be asked yet (spacing, or the back-off after a 429/503)
  kTransport,    // no HTTP answer: connection, TLS, timeout, too many redirects
  kNotFound,     // 404 (RFC 7480 §5.3)
  kRateLimited,  // 429 or 503 (RFC 7480 §5.5); the policy now holds the server back
  kHttpStatus,   // any other status than 200
  kBadResponse,  // 200, but the body is cut at the size cap, not JSON, or not a domain object
};

std::string_view toString(RdapFetchFailureKind kind);

struct RdapFetchFailure {
  RdapFetchFailureKind kind = RdapFetchFailureKind::kTransport;
  std::string message;  // for the log: the server and what went wrong, never a response body
  int64_t retryAt = 0;  // kDeferred and kRateLimited: when the server may next be asked (unix s)
};

class RdapFetcher {
 public:
  RdapFetcher(const rdap::Bootstrap& bootstrap, rdap::ServerOverrides overrides,
              alerts::HttpGetter& getter, rdap::RatePolicy& policy,
              std::chrono::milliseconds timeout)
      : bootstrap_(bootstrap),
        overrides_(std::move(overrides)),
        getter_(getter),
        policy_(policy),
        timeout_(timeout) {}

  // Asks the domain's first server (https ones come first, rdap::ServerChoice) once.
  Result<rdap::Registration, RdapFetchFailure> fetch(std::string_view domain);

 private:
  Result<rdap::Registration, RdapFetchFailure> readAnswer(const std::string& server,
                                                          const alerts::HttpGetResponse& answer);

  const rdap::Bootstrap& bootstrap_;
  rdap::ServerOverrides overrides_;
  alerts::HttpGetter& getter_;
  rdap::RatePolicy& policy_;
  std::chrono::milliseconds timeout_;
};

}  // namespace zonewatch::daemon
