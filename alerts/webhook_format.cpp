#include "alerts/webhook_format.h"

#include <cctype>
#include <cstdio>
#include <exception>
#include <nlohmann/json.hpp>

#include "monitor/crypto/crypto.h"
#include "monitor/util/hex.h"
#include "monitor/util/time_text.h"

namespace zonewatch::alerts {

namespace {

using nlohmann::json;

// Invalid UTF-8 in a stored string (a summary quoting a hostile name) becomes U+FFFD instead of
// making dump() throw.
std::string dump(const json& j) {
  return j.dump(-1, ' ', false, json::error_handler_t::replace);
}

// before/after are stored as the differ's JSON text; receivers get them as JSON values. Empty text
// is null; text that is not JSON (an older row, a bug upstream) is passed on as a string rather
// than dropping the alert.
json jsonValue(const std::string& text) {
  if (text.empty()) return nullptr;
  json parsed = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (parsed.is_discarded()) return text;
  return parsed;
}

json serverValue(const storage::EventRow& event) {
  if (event.server) return *event.server;
  return nullptr;
}

std::string upper(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

// Slack mrkdwn treats these three as control characters (its "Escaping text" rules).
std::string slackEscape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

// Cuts at a UTF-8 character boundary, marking the cut.
std::string clip(std::string text, size_t limit) {
  if (text.size() <= limit) return text;
  size_t end = limit;
  while (end > 0 && (static_cast<unsigned char>(text[end]) & 0xC0U) == 0x80U) --end;
  text.resize(end);
  text += "…";
  return text;
}

// Inside a ``` code block Slack has no escape: a backtick from DNS data (a name may hold any
// byte) could close the block and turn the rest into markup. Each becomes U+02CB MODIFIER LETTER
// GRAVE ACCENT, which reads the same.
std::string codeSafe(std::string text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    if (c == '`') {
      out += "\u02CB";
    } else {
      out += c;
    }
  }
  return out;
}

// Slack rejects a section whose text exceeds 3000 characters; each side keeps well under half.
constexpr size_t kSlackSideLimit = 1400;

template <class F>
Result<std::string> guarded(F&& build) {
  try {
    return build();
  } catch (const std::exception& e) {
    return fail(std::string("cannot format the webhook body: ") + e.what());
  }
}

// A header value must not carry CR/LF (or any control character): that would let a stored string
// inject headers into the request (RFC 9110 §5.5).
std::string headerSafe(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    const auto u = static_cast<unsigned char>(c);
    out += (u < 0x20U || u == 0x7FU) ? '?' : c;
  }
  return out;
}

std::span<const uint8_t> bytesOf(std::string_view text) {
  return {reinterpret_cast<const uint8_t*>(text.data()), text.size()};
}

}  // namespace

std::string toRfc3339(int64_t unixSeconds) {
  return formatRfc3339(unixSeconds);
}

Result<std::string> genericBody(const storage::EventRow& event, const FormatContext& context) {
  return guarded([&] {
    json body = {
        {"id", event.uid},
        {"event", event.name()},
        {"severity", std::string(model::toString(event.severity))},
        {"domain", event.domain},
        {"summary", event.summary},
        {"observed_at", toRfc3339(event.observedAt)},
        {"before", jsonValue(event.beforeJson)},
        {"after", jsonValue(event.afterJson)},
        {"server", serverValue(event)},
        {"sent_at", toRfc3339(context.sentAt)},
    };
    return dump(body);
  });
}

// The delivery time is left out: Slack stamps each message itself.
Result<std::string> slackBody(const storage::EventRow& event, const FormatContext& /*context*/) {
  return guarded([&] {
    const std::string headline = "[" + upper(std::string(model::toString(event.severity))) + "] " +
                                 event.name() + " " + event.domain + ": " + event.summary;
    const std::string before = codeSafe(clip(dump(jsonValue(event.beforeJson)), kSlackSideLimit));
    const std::string after = codeSafe(clip(dump(jsonValue(event.afterJson)), kSlackSideLimit));
    std::string details = "observed " + toRfc3339(event.observedAt) + " · id " + event.uid;
    if (event.server) details += " · server " + *event.server;

    json blocks = json::array();
    blocks.push_back(
        {{"type", "section"}, {"text", {{"type", "mrkdwn"}, {"text", slackEscape(headline)}}}});
    blocks.push_back(
        {{"type", "section"},
         {"text",
          {{"type", "mrkdwn"},
           {"text", slackEscape("```before: " + before + "\nafter:  " + after + "```")}}}});
    blocks.push_back(
        {{"type", "context"},
         {"elements", json::array({{{"type", "mrkdwn"}, {"text", slackEscape(details)}}})}});
    // `text` is what notifications and clients without blocks show.
    json body = {{"text", slackEscape(headline)}, {"blocks", std::move(blocks)}};
    return dump(body);
  });
}

Result<std::string> alertmanagerBody(const storage::EventRow& event, const FormatContext& context) {
  return guarded([&] {
    // Alertmanager identifies an alert by its label set: a second event of the same kind for the
    // same domain updates the firing alert instead of opening another (its grouping semantics);
    // the event uid travels as an annotation so each notification can still be traced.
    json labels = {{"alertname", "zonewatch_" + event.name()},
                   {"event", event.name()},
                   {"domain", event.domain},
                   {"severity", std::string(model::toString(event.severity))},
                   {"source", "zonewatch"}};
    // Annotations are strings in the API v2 schema (LabelSet), hence before/after as JSON text.
    json annotations = {{"summary", event.summary},
                        {"before", dump(jsonValue(event.beforeJson))},
                        {"after", dump(jsonValue(event.afterJson))},
                        {"event_id", event.uid}};
    if (event.server) annotations["server"] = *event.server;
    json alert = {{"labels", std::move(labels)},
                  {"annotations", std::move(annotations)},
                  {"startsAt", toRfc3339(event.observedAt)},
                  {"endsAt", toRfc3339(context.sentAt + kAlertmanagerHoldSeconds)}};
    if (!context.generatorUrl.empty()) alert["generatorURL"] = context.generatorUrl;
    return dump(json::array({std::move(alert)}));
  });
}

Result<std::string> formatBody(WebhookFormat format, const storage::EventRow& event,
                               const FormatContext& context) {
  switch (format) {
    case WebhookFormat::kGeneric:
      return genericBody(event, context);
    case WebhookFormat::kSlack:
      return slackBody(event, context);
    case WebhookFormat::kAlertmanager:
      return alertmanagerBody(event, context);
  }
  return fail("unknown webhook format");
}

std::string signatureValue(std::string_view secret, int64_t timestamp, std::string_view body) {
  const std::string signedText = std::to_string(timestamp) + "." + std::string(body);
  const auto mac = crypto::hmacSha256(bytesOf(secret), bytesOf(signedText));
  return "sha256=" + toLowerHex(mac);
}

std::string endpointUrl(WebhookFormat format, std::string_view configuredUrl) {
  if (format != WebhookFormat::kAlertmanager) return std::string(configuredUrl);
  constexpr std::string_view kPath = "/api/v2/alerts";
  std::string url(configuredUrl);
  if (url.size() >= kPath.size() &&
      url.compare(url.size() - kPath.size(), kPath.size(), kPath) == 0)
    return url;
  while (!url.empty() && url.back() == '/') url.pop_back();
  return url + std::string(kPath);
}

Result<WebhookRequest> buildRequest(const config::WebhookSpec& sink, const storage::EventRow& event,
                                    const FormatContext& context) {
  auto body = formatBody(sink.format, event, context);
  if (!body) return Unexpected{body.error()};

  WebhookRequest request;
  request.url = endpointUrl(sink.format, sink.url);
  request.headers = {{"Content-Type", "application/json"},
                     {"User-Agent", std::string(kUserAgent)},
                     {"X-Zonewatch-Event", headerSafe(event.name())},
                     {"X-Zonewatch-Id", headerSafe(event.uid)},
                     {"X-Zonewatch-Timestamp", std::to_string(context.sentAt)}};
  if (!sink.secret.empty()) {
    request.headers.push_back(
        {"X-Zonewatch-Signature", signatureValue(sink.secret, context.sentAt, *body)});
  }
  // The configuration has refused any header that would replace those above, or break a line.
  for (const config::HttpHeaderSpec& header : sink.headers) {
    request.headers.push_back({header.name, header.value});
  }
  if (!sink.bearerToken.empty()) {
    request.headers.push_back({"Authorization", "Bearer " + sink.bearerToken});
  }
  request.body = std::move(*body);
  return request;
}

}  // namespace zonewatch::alerts
