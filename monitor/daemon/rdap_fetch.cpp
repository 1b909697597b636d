#include "monitor/daemon/rdap_fetch.h"

#include <optional>
#include <utility>
#include <vector>

namespace zonewatch::daemon {

namespace {

constexpr int kHttpOk = 200;
constexpr int kHttpNotFound = 404;
constexpr int kHttpTooManyRequests = 429;     // RFC 6585 §4
constexpr int kHttpServiceUnavailable = 503;  // RFC 9110 §15.6.4

Unexpected<RdapFetchFailure> failure(RdapFetchFailureKind kind, std::string message,
                                     int64_t retryAt = 0) {
  return Unexpected{RdapFetchFailure{kind, std::move(message), retryAt}};
}

}  // namespace

std::string_view toString(RdapFetchFailureKind kind) {
  switch (kind) {
    case RdapFetchFailureKind::kNoServer:
      return "no_server";
    case RdapFetchFailureKind::kDeferred:
      return "deferred";
    case RdapFetchFailureKind::kTransport:
      return "transport";
    case RdapFetchFailureKind::kNotFound:
      return "not_found";
    case RdapFetchFailureKind::kRateLimited:
      return "rate_limited";
    case RdapFetchFailureKind::kHttpStatus:
      return "http_status";
    case RdapFetchFailureKind::kBadResponse:
      return "bad_response";
  }
  return "unknown";
}

Result<rdap::Registration, RdapFetchFailure> RdapFetcher::fetch(std::string_view domain) {
  auto choice = rdap::findServers(bootstrap_, overrides_, domain);
  if (!choice.ok()) {
    return failure(RdapFetchFailureKind::kNoServer, choice.error().message);
  }
  if (choice->urls.empty()) {
    return failure(RdapFetchFailureKind::kNoServer, "no RDAP server for " + choice->matched);
  }
  const std::string url = rdap::domainQueryUrl(choice->urls.front(), domain);
  const std::string server = rdap::serverOf(url);
  if (!policy_.mayRequest(server)) {
    return failure(RdapFetchFailureKind::kDeferred, server + " may not be asked yet",
                   policy_.nextAllowed(server));
  }
  policy_.recordRequest(server);
  const std::vector<alerts::HttpHeader> headers = {{"Accept", std::string(kRdapMediaType)}};
  auto answer = getter_.get(url, headers, timeout_);
  if (!answer.ok()) {
    return failure(RdapFetchFailureKind::kTransport, server + ": " + answer.error().message);
  }
  std::optional<std::string_view> retryAfter;
  if (answer->retryAfter) retryAfter = *answer->retryAfter;
  policy_.recordResponse(server, static_cast<int>(answer->status), retryAfter);
  return readAnswer(server, *answer);
}

Result<rdap::Registration, RdapFetchFailure> RdapFetcher::readAnswer(
    const std::string& server, const alerts::HttpGetResponse& answer) {
  const std::string status = std::to_string(answer.status);
  if (answer.status == kHttpNotFound) {
    return failure(RdapFetchFailureKind::kNotFound, server + " answered 404");
  }
  if (answer.status == kHttpTooManyRequests || answer.status == kHttpServiceUnavailable) {
    return failure(RdapFetchFailureKind::kRateLimited, server + " answered " + status,
                   policy_.nextAllowed(server));
  }
  if (answer.status != kHttpOk) {
    return failure(RdapFetchFailureKind::kHttpStatus, server + " answered " + status);
  }
  if (answer.truncated) {
    return failure(
        RdapFetchFailureKind::kBadResponse,
        server + " answered more than " + std::to_string(alerts::kMaxGetResponseBytes) + " bytes");
  }
  auto registration = rdap::parseDomain(answer.body);
  if (!registration.ok()) {
    return failure(RdapFetchFailureKind::kBadResponse,
                   server + ": " + std::string(rdap::toString(registration.error().kind)) + ": " +
                       registration.error().message);
  }
  return std::move(*registration);
}

}  // namespace zonewatch::daemon
