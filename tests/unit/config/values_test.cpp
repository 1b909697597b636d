// Tests of config/values.h: the scalar syntaxes, one by one.
#include "config/values.h"

#include <gtest/gtest.h>

#include <array>

#include "monitor/util/database_uri.h"

namespace zonewatch::config {
namespace {

using std::chrono::milliseconds;

TEST(DurationTest, AcceptsUnitsCombinationsAndPlainSeconds) {
  struct Case {
    const char* text;
    int64_t millis;
  };
  for (const Case& c : {Case{"30s", 30'000}, Case{"5m", 300'000}, Case{"2h", 7'200'000},
                        Case{"7d", 604'800'000}, Case{"1w", 604'800'000}, Case{"1h30m", 5'400'000},
                        Case{"1w2d3h4m5s6ms", 788'645'006}, Case{"90", 90'000}, Case{"0", 0},
                        Case{"0s", 0}, Case{"1500ms", 1500}, Case{"1s500ms", 1500}}) {
    auto d = parseDuration(c.text);
    ASSERT_TRUE(d.ok()) << c.text << ": " << d.error().message;
    EXPECT_EQ(d->count(), c.millis) << c.text;
  }
}

TEST(DurationTest, RejectsGarbage) {
  for (const char* text : {"", "-5m", "+5m", "m", "5 m", "1.5h", "5M", "5min", "1h1h", "30m1h",
                           "s30", "5m ", "1h-30m", "0x10", "99999999999999999999"}) {
    EXPECT_FALSE(parseDuration(text).ok()) << text;
  }
}

TEST(DurationTest, FormatsInTheSameSyntax) {
  EXPECT_EQ(formatDuration(milliseconds(0)), "0s");
  EXPECT_EQ(formatDuration(milliseconds(5'400'000)), "1h30m");
  EXPECT_EQ(formatDuration(milliseconds(1500)), "1s500ms");
  EXPECT_EQ(formatDuration(milliseconds(365LL * 86400 * 1000)), "365d");
  EXPECT_EQ(formatDuration(milliseconds(14LL * 86400 * 1000)), "2w");
  EXPECT_EQ(formatDuration(milliseconds((14LL * 86400 + 1) * 1000)), "14d1s");
  for (int64_t ms : {1LL, 999LL, 61'000LL, 90'061'001LL, 8 * 86400'000LL}) {
    auto back = parseDuration(formatDuration(milliseconds(ms)));
    ASSERT_TRUE(back.ok());
    EXPECT_EQ(back->count(), ms);
  }
}

TEST(ScalarTest, UnsignedBoolAndNumber) {
  EXPECT_EQ(parseUnsigned("4096", 4096).value(), 4096u);
  EXPECT_FALSE(parseUnsigned("4097", 4096).ok());
  EXPECT_FALSE(parseUnsigned("-1", 10).ok());
  EXPECT_FALSE(parseUnsigned("1e3", 10000).ok());
  EXPECT_FALSE(parseUnsigned("", 10).ok());
  EXPECT_TRUE(parseBool("TRUE").value());
  EXPECT_FALSE(parseBool("off").value());
  EXPECT_FALSE(parseBool("1").ok());
  EXPECT_DOUBLE_EQ(parseNumber("0.25").value(), 0.25);
  EXPECT_DOUBLE_EQ(parseNumber("2.5e1").value(), 25.0);
  EXPECT_FALSE(parseNumber("nan").ok());
  EXPECT_FALSE(parseNumber("inf").ok());
  EXPECT_FALSE(parseNumber("3qps").ok());
}

TEST(ListenTest, HostPortForms) {
  for (const char* ok : {"127.0.0.1:9153", "[::1]:9153", "[::]:1", "0.0.0.0:65535", "localhost:80",
                         "metrics.internal:9100"}) {
    EXPECT_TRUE(checkListen(ok).ok()) << ok;
  }
  for (const char* bad :
       {"127.0.0.1", ":9153", "127.0.0.1:", "127.0.0.1:0", "[::1]9153", "::1:9153", "[::1:9153",
        "1.2.3:80", "-bad-.host:80", "host name:80", "[1.2.3.4]:80"}) {
    EXPECT_FALSE(checkListen(bad).ok()) << bad;
  }
}

TEST(WebhookUrlTest, AcceptsHttpAndHttpsOnly) {
  for (const char* ok :
       {"https://hooks.example.com/x", "http://127.0.0.1:8080/hook", "HTTPS://EXAMPLE.COM",
        "https://user:pw@example.com/p?q#f", "http://[::1]:9093/api/v2/alerts"}) {
    EXPECT_TRUE(checkWebhookUrl(ok).ok()) << ok;
  }
  for (const char* bad : {"", "hooks.example.com", "ftp://example.com", "https://", "https:///path",
                          "https://exa mple.com", "http://[::g]/", "https://example.com:0/",
                          "mailto:ops@example.com"}) {
    EXPECT_FALSE(checkWebhookUrl(bad).ok()) << bad;
  }
}

TEST(WebhookUrlTest, RedactionKeepsOnlySchemeAndAuthority) {
  EXPECT_EQ(redactUrl("https://hooks.slack.com/services/T0/B0/XYZ"), "https://hooks.slack.com/...");
  EXPECT_EQ(redactUrl("https://u:p@example.com:8443?token=1"), "https://example.com:8443/...");
  EXPECT_EQ(redactUrl("http://example.com/"), "http://example.com");
  EXPECT_EQ(redactUrl("http://example.com"), "http://example.com");
  EXPECT_EQ(redactUrl("garbage"), "<redacted>");
}

// An RDAP base URL is printed with its path (it names the service), without a user or password.
TEST(WebhookUrlTest, WithoutUserinfoKeepsThePath) {
  EXPECT_EQ(withoutUserinfo("https://u:p@rdap.example.net:8443/com/v1/"),
            "https://rdap.example.net:8443/com/v1/");
  EXPECT_EQ(withoutUserinfo("http://127.0.0.1:8080/"), "http://127.0.0.1:8080/");
  EXPECT_EQ(withoutUserinfo("https://h.example/a@b"), "https://h.example/a@b");
  EXPECT_EQ(withoutUserinfo("garbage"), "garbage");
}

TEST(WebhookUrlTest, HostIsTheDefaultName) {
  EXPECT_EQ(webhookUrlHost("https://Hooks.Slack.com/services/T0"), "hooks.slack.com");
  EXPECT_EQ(webhookUrlHost("https://u:p@example.com:8443?token=1"), "example.com");
  EXPECT_EQ(webhookUrlHost("http://127.0.0.1:9000"), "127.0.0.1");
  EXPECT_EQ(webhookUrlHost("http://[2001:DB8::1]:80/x"), "2001:db8::1");
}

TEST(HeaderTest, NamesAreTokensAndValuesOneLine) {
  for (std::string_view good : {"X-Api-Key", "x_tenant", "A!#$%&'*+-.^_`|~9"}) {
    EXPECT_TRUE(checkHeaderName(good).ok()) << good;
  }
  for (std::string_view bad : {"", "X Key", "X-Key:", "X\r\nY", "Ünicode", "(x)", "a/b"}) {
    EXPECT_FALSE(checkHeaderName(bad).ok()) << bad;
  }
  for (std::string_view good : {"v", "Bearer a b", "a\tb", "caf\xc3\xa9", "=\"quoted\"="}) {
    EXPECT_TRUE(checkHeaderValue(good).ok()) << good;
  }
  using namespace std::string_view_literals;
  for (std::string_view bad : {""sv, "a\r\nX-Evil: 1"sv, "a\nb"sv, "a\rb"sv, "a\0b"sv, "a\x7f"sv,
                               " lead"sv, "trail\t"sv}) {
    EXPECT_FALSE(checkHeaderValue(bad).ok()) << bad;
  }
}

TEST(DatabaseUriTest, PostgresUrisOnlyAndTheirPasswordsRedacted) {
  for (const char* uri : {"postgresql://zw@db.example:5432/zonewatch", "postgres://zw@10.0.0.5/z",
                          "postgresql:///zonewatch?host=/run/postgresql"}) {
    EXPECT_TRUE(looksLikeUri(uri)) << uri;
    EXPECT_TRUE(checkDatabaseUri(uri).ok()) << uri;
  }
  for (const char* path : {"zonewatch.sqlite", "/var/lib/zonewatch/z.db", "a:b", "://x"}) {
    EXPECT_FALSE(looksLikeUri(path)) << path;
  }
  auto mysql = checkDatabaseUri("mysql://db/zonewatch");
  ASSERT_FALSE(mysql.ok());
  EXPECT_NE(mysql.error().message.find("\"mysql://\" is not a database zonewatch knows"),
            std::string::npos)
      << mysql.error().message;
  EXPECT_FALSE(checkDatabaseUri("postgresql://zw@db/zone watch").ok());
  EXPECT_EQ(redactDatabaseUri("postgresql://zw:pw@db:5432/z?password=x"),
            "postgresql://zw:***@db:5432/z?password=***");
}

TEST(DomainTest, NormalisesAndRejectsNonHostNames) {
  EXPECT_EQ(parseDomain("Example.COM").value().toString(), "example.com.");
  EXPECT_EQ(parseDomain("example.com.").value().toString(), "example.com.");
  EXPECT_EQ(parseDomain("münchen.de").value().toString(), "xn--mnchen-3ya.de.");
  EXPECT_EQ(parseDomain("_dmarc.example.com").value().toString(), "_dmarc.example.com.");
  for (const char* bad : {"", ".", "*.example.com", "exa mple.com", "-x.example", "x-.example",
                          "a..b", "ex\\046ample.com", "a\\.b.example"}) {
    EXPECT_FALSE(parseDomain(bad).ok()) << bad;
  }
}

TEST(ClosestMatchTest, SuggestsWithinTwoEdits) {
  constexpr std::array<std::string_view, 4> kKeys = {"interval", "concurrency", "retention",
                                                     "log_level"};
  EXPECT_EQ(closestMatch("intreval", kKeys), "interval");   // transposition
  EXPECT_EQ(closestMatch("intervals", kKeys), "interval");  // insertion
  EXPECT_EQ(closestMatch("concurency", kKeys), "concurrency");
  EXPECT_EQ(closestMatch("loglevel", kKeys), "log_level");
  EXPECT_EQ(closestMatch("Interval", kKeys), "interval");
  EXPECT_EQ(closestMatch("timeout", kKeys), "");
  EXPECT_EQ(closestMatch("rtntn", kKeys), "");
}

}  // namespace
}  // namespace zonewatch::config
