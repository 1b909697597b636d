// What a webhook receives: the body of each format (generic, slack, alertmanager) built from one
// stored event, and the headers that go with it, including the HMAC signature over the exact body.
//
// Everything here is pure: the delivery time (`sentAt`) is an argument, so the same event and
// instant give the same bytes, and the signature is over those bytes. The body and its headers
// are the documented contract with receivers (alerts/README.md); change them only together with
// that file. nlohmann_json stays inside webhook_format.cpp.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "alerts/http_client.h"
#include "config/config.h"
#include "monitor/util/result.h"
#include "storage/store.h"

namespace zonewatch::alerts {

// The formats, as config/ reads them from `webhooks[].format`.
using WebhookFormat = config::WebhookFormat;

inline constexpr std::string_view kUserAgent = "zonewatch/0.1";

// An Alertmanager alert needs an end, else it stays firing until the server's resolve_timeout and
// is re-notified on every repeat_interval in between. zonewatch events are points in time with no
// "resolved" message, so each alert is held for this long after it is SENT (not observed): an
// event delivered late after retries still fires, instead of arriving already resolved.
inline constexpr int64_t kAlertmanagerHoldSeconds = 3600;

struct FormatContext {
  int64_t sentAt = 0;  // unix seconds, the delivery attempt's instant
  // Alertmanager's generatorURL (e.g. a link to the status page); empty = left out.
  std::string generatorUrl;
};

// RFC 3339 §5.6 "date-time" in UTC with a "Z" offset, e.g. "2024-05-01T12:00:00Z": the body's time
// fields, named here because they are part of the receiver contract; zonewatch::formatRfc3339
// (monitor/util/time_text.h) spells them, as it does every time zonewatch prints.
std::string toRfc3339(int64_t unixSeconds);

// The documented generic JSON object (see README.md, "generic").
Result<std::string> genericBody(const storage::EventRow& event, const FormatContext& context);
// A Slack incoming-webhook body: {"text": ..., "blocks": [...]}.
Result<std::string> slackBody(const storage::EventRow& event, const FormatContext& context);
// An Alertmanager API v2 body: a JSON array holding one postable alert.
Result<std::string> alertmanagerBody(const storage::EventRow& event, const FormatContext& context);
Result<std::string> formatBody(WebhookFormat format, const storage::EventRow& event,
                               const FormatContext& context);

// "sha256=" + lowercase hex HMAC-SHA256(secret, timestamp + "." + body) (RFC 2104), the
// X-Zonewatch-Signature value. The timestamp (X-Zonewatch-Timestamp, unix seconds) is signed with
// the body, as Standard Webhooks does, so that a captured request cannot be replayed later under a
// fresh timestamp: every format is covered, not only those whose body carries sent_at.
std::string signatureValue(std::string_view secret, int64_t timestamp, std::string_view body);

// The URL a POST goes to: for alertmanager, `{url}/api/v2/alerts` (unless the configured URL
// already names that path); the configured URL otherwise.
std::string endpointUrl(WebhookFormat format, std::string_view configuredUrl);

struct WebhookRequest {
  std::string url;
  std::vector<HttpHeader> headers;
  std::string body;
};

// Body, endpoint and headers for one delivery of `event` to `sink`: Content-Type, User-Agent,
// X-Zonewatch-Event, X-Zonewatch-Id (the event uid), X-Zonewatch-Timestamp (unix seconds, the
// instant of `sent_at`) and, when the sink has a secret, X-Zonewatch-Signature; then the sink's own
// `headers` and, with a bearer token, Authorization.
Result<WebhookRequest> buildRequest(const config::WebhookSpec& sink, const storage::EventRow& event,
                                    const FormatContext& context);

}  // namespace zonewatch::alerts
