// Tests of alerts/webhook_format.cpp: every format's body parsed back with nlohmann_json, the
// headers, and the signature against HMAC-SHA256 computed independently (RFC 4231 test case 2
// pins the primitive first, so the header is checked against a known-good HMAC).
#include "alerts/webhook_format.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>

#include "monitor/crypto/crypto.h"

namespace zonewatch::alerts {
namespace {

using nlohmann::json;

constexpr int64_t kObserved = 1714564800;  // 2024-05-01T12:00:00Z
constexpr int64_t kSent = 1714564923;      // 2024-05-01T12:02:03Z

storage::EventRow sampleEvent() {
  storage::EventRow e;
  e.id = 7;
  e.uid = "evt-0001";
  e.domain = "example.com.";
  e.observedAt = kObserved;
  e.kind = model::EventKind::kOperatorChanged;
  e.severity = model::Severity::kCritical;
  e.summary = "operator changed from ns.one. to ns.two.";
  e.beforeJson = R"({"operators":["ns.one."]})";
  e.afterJson = R"({"operators":["ns.two."]})";
  e.server = "192.0.2.1";
  return e;
}

config::WebhookSpec sink(std::string format, std::string secret = "") {
  config::WebhookSpec s;
  s.name = "ops";
  s.url = "https://hooks.example.net/zonewatch";
  s.secret = std::move(secret);
  s.format = config::webhookFormatFromString(format).value();
  return s;
}

std::string hex(std::span<const uint8_t> bytes) {
  std::string out;
  char buf[3];
  for (uint8_t b : bytes) {
    std::snprintf(buf, sizeof buf, "%02x", b);
    out += buf;
  }
  return out;
}

std::span<const uint8_t> bytesOf(std::string_view s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

std::string header(const WebhookRequest& r, std::string_view name) {
  for (const auto& h : r.headers) {
    if (h.name == name) return h.value;
  }
  return "<missing>";
}

TEST(Rfc3339, FormatsUtc) {
  EXPECT_EQ(toRfc3339(0), "1970-01-01T00:00:00Z");
  EXPECT_EQ(toRfc3339(kObserved), "2024-05-01T12:00:00Z");
  EXPECT_EQ(toRfc3339(kSent), "2024-05-01T12:02:03Z");
}

TEST(GenericFormat, HasEveryDocumentedField) {
  auto body = genericBody(sampleEvent(), {kSent, ""});
  ASSERT_TRUE(body.ok()) << body.error().message;
  const json j = json::parse(*body);
  ASSERT_TRUE(j.is_object());
  EXPECT_EQ(j.at("id"), "evt-0001");
  EXPECT_EQ(j.at("event"), "operator_changed");
  EXPECT_EQ(j.at("severity"), "critical");
  EXPECT_EQ(j.at("domain"), "example.com.");
  EXPECT_EQ(j.at("summary"), "operator changed from ns.one. to ns.two.");
  EXPECT_EQ(j.at("observed_at"), "2024-05-01T12:00:00Z");
  EXPECT_EQ(j.at("sent_at"), "2024-05-01T12:02:03Z");
  // before/after are JSON values, not strings holding JSON.
  ASSERT_TRUE(j.at("before").is_object());
  EXPECT_EQ(j.at("before").at("operators").at(0), "ns.one.");
  EXPECT_EQ(j.at("after").at("operators").at(0), "ns.two.");
  EXPECT_EQ(j.at("server"), "192.0.2.1");
  EXPECT_EQ(j.size(), 10U);
}

TEST(GenericFormat, NullServerEmptyStatesAndNonJsonText) {
  auto e = sampleEvent();
  e.server.reset();
  e.beforeJson = "";
  e.afterJson = "not json {";
  auto body = genericBody(e, {kSent, ""});
  ASSERT_TRUE(body.ok());
  const json j = json::parse(*body);
  EXPECT_TRUE(j.at("server").is_null());
  EXPECT_TRUE(j.at("before").is_null());
  EXPECT_EQ(j.at("after"), "not json {");
}

// Invalid UTF-8 in a stored string (a summary quoting a hostile name) is replaced with U+FFFD, one
// per invalid octet, and the rest of the text is kept (issue 18: pinned, not just "parses").
TEST(GenericFormat, InvalidUtf8BecomesReplacementCharacters) {
  auto e = sampleEvent();
  e.summary = std::string("bad \xff\xfe name");
  auto body = genericBody(e, {kSent, ""});
  ASSERT_TRUE(body.ok()) << body.error().message;
  const json j = json::parse(*body);
  EXPECT_EQ(j.at("summary"), "bad \uFFFD\uFFFD name");
}

TEST(SlackFormat, TextAndBlocks) {
  auto e = sampleEvent();
  e.summary = "a <b> & c";
  auto body = slackBody(e, {kSent, ""});
  ASSERT_TRUE(body.ok());
  const json j = json::parse(*body);
  EXPECT_EQ(j.at("text"), "[CRITICAL] operator_changed example.com.: a &lt;b&gt; &amp; c");
  const json& blocks = j.at("blocks");
  ASSERT_TRUE(blocks.is_array());
  ASSERT_EQ(blocks.size(), 3U);
  EXPECT_EQ(blocks[0].at("type"), "section");
  EXPECT_EQ(blocks[0].at("text").at("type"), "mrkdwn");
  const std::string code = blocks[1].at("text").at("text");
  EXPECT_EQ(code.rfind("```", 0), 0U);
  EXPECT_NE(code.find("ns.one."), std::string::npos);
  EXPECT_NE(code.find("ns.two."), std::string::npos);
  EXPECT_EQ(code.substr(code.size() - 3), "```");
  EXPECT_EQ(blocks[2].at("type"), "context");
  const std::string context = blocks[2].at("elements").at(0).at("text");
  EXPECT_NE(context.find("evt-0001"), std::string::npos);
}

TEST(SlackFormat, BackticksFromDnsDataCannotCloseTheCodeBlock) {
  auto e = sampleEvent();
  e.afterJson = R"({"operators":["a```*bold*```b."]})";
  auto body = slackBody(e, {kSent, ""});
  ASSERT_TRUE(body.ok());
  const std::string code = json::parse(*body).at("blocks")[1].at("text").at("text");
  ASSERT_GE(code.size(), 6U);
  const std::string inside = code.substr(3, code.size() - 6);
  EXPECT_EQ(inside.find('`'), std::string::npos) << inside;
  EXPECT_NE(inside.find("a\u02CB\u02CB\u02CB*bold*"), std::string::npos) << inside;
}

TEST(SlackFormat, LargeStatesStayUnderSlackLimit) {
  auto e = sampleEvent();
  json big = json::array();
  for (int i = 0; i < 500; ++i) big.push_back("ns" + std::to_string(i) + ".example.");
  e.beforeJson = big.dump();
  e.afterJson = big.dump();
  auto body = slackBody(e, {kSent, ""});
  ASSERT_TRUE(body.ok());
  const json j = json::parse(*body);
  EXPECT_LE(j.at("blocks")[1].at("text").at("text").get<std::string>().size(), 3000U);
}

TEST(AlertmanagerFormat, ArrayOfOnePostableAlert) {
  auto body = alertmanagerBody(sampleEvent(), {kSent, "http://zonewatch.local/status"});
  ASSERT_TRUE(body.ok());
  const json j = json::parse(*body);
  ASSERT_TRUE(j.is_array());
  ASSERT_EQ(j.size(), 1U);
  const json& a = j[0];
  EXPECT_EQ(a.at("labels"), json({{"alertname", "zonewatch_operator_changed"},
                                  {"event", "operator_changed"},
                                  {"domain", "example.com."},
                                  {"severity", "critical"},
                                  {"source", "zonewatch"}}));
  const json& ann = a.at("annotations");
  EXPECT_EQ(ann.at("summary"), "operator changed from ns.one. to ns.two.");
  EXPECT_EQ(ann.at("event_id"), "evt-0001");
  EXPECT_EQ(ann.at("server"), "192.0.2.1");
  // Annotations must be strings (API v2 LabelSet); the state rides as JSON text.
  ASSERT_TRUE(ann.at("before").is_string());
  EXPECT_EQ(json::parse(ann.at("before").get<std::string>()).at("operators").at(0), "ns.one.");
  EXPECT_EQ(a.at("startsAt"), "2024-05-01T12:00:00Z");
  EXPECT_EQ(a.at("endsAt"), toRfc3339(kSent + kAlertmanagerHoldSeconds));
  EXPECT_EQ(a.at("generatorURL"), "http://zonewatch.local/status");
}

TEST(AlertmanagerFormat, NoServerNoGeneratorUrl) {
  auto e = sampleEvent();
  e.server.reset();
  auto body = alertmanagerBody(e, {kSent, ""});
  ASSERT_TRUE(body.ok());
  const json a = json::parse(*body)[0];
  EXPECT_FALSE(a.at("annotations").contains("server"));
  EXPECT_FALSE(a.contains("generatorURL"));
  for (const auto& [k, v] : a.at("annotations").items()) EXPECT_TRUE(v.is_string()) << k;
}

TEST(Endpoint, AlertmanagerPathAppendedOnce) {
  EXPECT_EQ(endpointUrl(WebhookFormat::kAlertmanager, "http://127.0.0.1:9093"),
            "http://127.0.0.1:9093/api/v2/alerts");
  EXPECT_EQ(endpointUrl(WebhookFormat::kAlertmanager, "http://127.0.0.1:9093/"),
            "http://127.0.0.1:9093/api/v2/alerts");
  EXPECT_EQ(endpointUrl(WebhookFormat::kAlertmanager, "http://am:9093/api/v2/alerts"),
            "http://am:9093/api/v2/alerts");
  EXPECT_EQ(endpointUrl(WebhookFormat::kGeneric, "https://x.example/hook/"),
            "https://x.example/hook/");
}

TEST(Format, EveryFormatHasABody) {
  for (std::string_view name : config::kWebhookFormatNames) {
    auto body = formatBody(*config::webhookFormatFromString(name), sampleEvent(), {});
    EXPECT_TRUE(body.ok()) << name;
  }
}

// RFC 4231 §4.3 test case 2: the primitive the signature is built on.
TEST(Signature, HmacPrimitiveMatchesRfc4231) {
  const auto mac = crypto::hmacSha256(bytesOf("Jefe"), bytesOf("what do ya want for nothing?"));
  EXPECT_EQ(hex(mac), "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
  // The signed text is the timestamp, a dot and the body: never the body alone.
  EXPECT_NE(signatureValue("Jefe", 0, "what do ya want for nothing?"),
            "sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
  EXPECT_EQ(signatureValue("Jefe", 0, "what do ya want for nothing?"),
            "sha256=" + hex(crypto::hmacSha256(bytesOf("Jefe"),
                                               bytesOf("0.what do ya want for nothing?"))));
}

TEST(Request, HeadersAndSignatureOverExactBody) {
  auto request = buildRequest(sink("generic", "s3cret"), sampleEvent(), {kSent, ""});
  ASSERT_TRUE(request.ok()) << request.error().message;
  EXPECT_EQ(request->url, "https://hooks.example.net/zonewatch");
  EXPECT_EQ(header(*request, "Content-Type"), "application/json");
  EXPECT_EQ(header(*request, "User-Agent"), "zonewatch/0.1");
  EXPECT_EQ(header(*request, "X-Zonewatch-Event"), "operator_changed");
  EXPECT_EQ(header(*request, "X-Zonewatch-Id"), "evt-0001");
  EXPECT_EQ(header(*request, "X-Zonewatch-Timestamp"), std::to_string(kSent));
  // The timestamp header and sent_at in the (signed) body are the same instant.
  EXPECT_EQ(json::parse(request->body).at("sent_at"), toRfc3339(kSent));

  // Signed: the timestamp, a dot, the body's bytes exactly.
  const std::string signedText = std::to_string(kSent) + "." + request->body;
  const std::string expected =
      "sha256=" + hex(crypto::hmacSha256(bytesOf("s3cret"), bytesOf(signedText)));
  EXPECT_EQ(header(*request, "X-Zonewatch-Signature"), expected);

  // A receiver with the wrong secret computes something else, and so does a changed body or a
  // replay under another timestamp.
  const std::string wrong =
      "sha256=" + hex(crypto::hmacSha256(bytesOf("s3cret!"), bytesOf(signedText)));
  EXPECT_NE(header(*request, "X-Zonewatch-Signature"), wrong);
  std::string tampered = request->body;
  tampered[tampered.size() / 2] ^= 1;
  EXPECT_NE(header(*request, "X-Zonewatch-Signature"), signatureValue("s3cret", kSent, tampered));
  EXPECT_NE(header(*request, "X-Zonewatch-Signature"),
            signatureValue("s3cret", kSent + 600, request->body));
}

TEST(Request, NoSecretNoSignature) {
  auto request = buildRequest(sink("slack"), sampleEvent(), {kSent, ""});
  ASSERT_TRUE(request.ok());
  EXPECT_EQ(header(*request, "X-Zonewatch-Signature"), "<missing>");
}

TEST(Request, HeaderValuesCannotInjectLines) {
  auto e = sampleEvent();
  e.uid = "id\r\nX-Evil: 1";
  auto request = buildRequest(sink("generic"), e, {kSent, ""});
  ASSERT_TRUE(request.ok());
  EXPECT_EQ(header(*request, "X-Zonewatch-Id").find_first_of("\r\n"), std::string::npos);
}

// An unknown format name never gets this far (config validation refuses it: config_test); a value
// outside the enum is an error, not a body.
TEST(Request, AlertmanagerUrlAndUnknownFormat) {
  auto s = sink("alertmanager");
  s.url = "http://127.0.0.1:9093";
  auto request = buildRequest(s, sampleEvent(), {kSent, ""});
  ASSERT_TRUE(request.ok());
  EXPECT_EQ(request->url, "http://127.0.0.1:9093/api/v2/alerts");
  s.format = static_cast<WebhookFormat>(7);
  EXPECT_FALSE(buildRequest(s, sampleEvent(), {kSent, ""}).ok());
}

}  // namespace
}  // namespace zonewatch::alerts
