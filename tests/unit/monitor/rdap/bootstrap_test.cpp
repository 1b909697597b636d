// The RDAP bootstrap registry (monitor/rdap/bootstrap.h): RFC 9224 §3 files, §4 longest match,
// the overrides, and the caps on hostile files.
#include "monitor/rdap/bootstrap.h"

#include <gtest/gtest.h>

#include <string>

#include "monitor/rdap/shipped_bootstrap.h"
#include "monitor/util/file_io.h"

namespace zonewatch::rdap {
namespace {

// Shaped like IANA's dns.json; the URLs are made up.
constexpr std::string_view kFile = R"({
  "version": "1.0",
  "publication": "2026-11-30T18:00:01Z",
  "description": "RDAP bootstrap file for Domain Name System registrations",
  "services": [
    [["com", "net"], ["https://rdap.registry-one.example/v1/"]],
    [["uk"], ["http://rdap.uk.example/", "https://rdap.uk.example/"]],
    [["co.uk", "org.uk"], ["https://rdap.nominet-like.example/uk/"]],
    [["example"], ["https://rdap.example/no-slash"]],
    [["Test."], ["ftp://not-rdap.example/"]]
  ]
})";

Bootstrap parsed() {
  auto b = parseBootstrap(kFile);
  EXPECT_TRUE(b.ok()) << b.error().message;
  return b.ok() ? *b : Bootstrap{};
}

TEST(BootstrapTest, ReadsTheFile) {
  const Bootstrap b = parsed();
  EXPECT_EQ(b.version, "1.0");
  EXPECT_EQ(b.publication, "2026-11-30T18:00:01Z");
  // "Test." has no http(s) URL and so no service; the URL without "/" gained one.
  ASSERT_EQ(b.services.size(), 4u);
  EXPECT_EQ(b.services[3].urls, std::vector<std::string>{"https://rdap.example/no-slash/"});
  // HTTPS first (RFC 9224 §3 and RFC 7481 §3.2).
  EXPECT_EQ(b.services[1].urls,
            (std::vector<std::string>{"https://rdap.uk.example/", "http://rdap.uk.example/"}));
}

TEST(BootstrapTest, LongestLabelMatchWins) {
  const Bootstrap b = parsed();
  auto uk = findServers(b, {}, "www.Example.CO.UK.");
  ASSERT_TRUE(uk.ok()) << uk.error().message;
  EXPECT_EQ(uk->matched, "co.uk");
  EXPECT_EQ(uk->urls.front(), "https://rdap.nominet-like.example/uk/");
  EXPECT_FALSE(uk->fromOverride);

  auto plainUk = findServers(b, {}, "example.uk");
  ASSERT_TRUE(plainUk.ok());
  EXPECT_EQ(plainUk->matched, "uk");

  // A suffix matches whole labels only: "ample.com" is not under "le.com", "xcom" not under "com".
  auto com = findServers(b, {}, "example.com");
  ASSERT_TRUE(com.ok());
  EXPECT_EQ(com->matched, "com");
  auto xcom = findServers(b, {}, "example.xcom");
  ASSERT_FALSE(xcom.ok());
  EXPECT_EQ(xcom.error().kind, RdapErrorKind::kNoServer);
}

TEST(BootstrapTest, OverridesTakePrecedence) {
  const Bootstrap b = parsed();
  const ServerOverrides overrides = {{"com", "https://rdap.mirror.example/com"},
                                     {"uk", "https://rdap.override.example/uk/"}};
  auto com = findServers(b, overrides, "example.com.");
  ASSERT_TRUE(com.ok());
  EXPECT_TRUE(com->fromOverride);
  EXPECT_EQ(com->urls, std::vector<std::string>{"https://rdap.mirror.example/com/"});
  // An override beats a longer bootstrap entry: the operator configured it for that reason.
  auto couk = findServers(b, overrides, "shop.co.uk");
  ASSERT_TRUE(couk.ok());
  EXPECT_TRUE(couk->fromOverride);
  EXPECT_EQ(couk->matched, "uk");
  // An override may cover a TLD the file lacks.
  auto nl = findServers(b, {{"nl", "https://rdap.nl.example/"}}, "example.nl");
  ASSERT_TRUE(nl.ok());
  EXPECT_EQ(nl->matched, "nl");
}

TEST(BootstrapTest, DomainNamesBecomeUrlPathsSafely) {
  EXPECT_EQ(domainQueryUrl("https://rdap.example/v1/", "Example.COM."),
            "https://rdap.example/v1/domain/example.com");
  EXPECT_EQ(domainQueryUrl("https://rdap.example/v1", "example.com"),
            "https://rdap.example/v1/domain/example.com");
  const std::string longLabel = std::string(kMaxLabelLength + 1, 'a') + ".com";
  for (const std::string& bad :
       {std::string(), std::string("."), std::string("exa mple.com"), std::string("a/b.com"),
        std::string("a..com"), std::string("x?.com"), std::string(".com"), longLabel}) {
    auto name = rdapDomainName(bad);
    ASSERT_FALSE(name.ok()) << bad;
    EXPECT_EQ(name.error().kind, RdapErrorKind::kBadValue) << bad;
  }
  EXPECT_EQ(*rdapDomainName("XN--BCHER-KVA.example."), "xn--bcher-kva.example");
}

TEST(BootstrapTest, RejectsMalformedAndHostileFiles) {
  struct Case {
    std::string text;
    RdapErrorKind kind;
  };
  const std::string manyServices = [] {
    std::string s = R"({"version":"1.0","services":[)";
    for (size_t i = 0; i <= kMaxServices; ++i)
      s += std::string(i ? "," : "") + "[[\"a\"],[\"https://x/\"]]";
    return s + "]}";
  }();
  const std::string longUrl = R"({"version":"1.0","services":[[["a"],["https://)" +
                              std::string(kMaxUrlLength, 'x') + R"("]]]})";
  const std::vector<Case> cases = {
      {"", RdapErrorKind::kMalformedJson},
      {"{\"version\": \"1.0\", \"services\": [", RdapErrorKind::kMalformedJson},
      {"[]", RdapErrorKind::kWrongShape},
      {R"({"services": []})", RdapErrorKind::kWrongShape},
      {R"({"version": "1.0"})", RdapErrorKind::kWrongShape},
      {R"({"version": "1.0", "services": {}})", RdapErrorKind::kWrongShape},
      {R"({"version": "1.0", "services": [["com"]]})", RdapErrorKind::kWrongShape},
      {R"({"version": "1.0", "services": [[["com"], "https://x/"]]})", RdapErrorKind::kWrongShape},
      {R"({"version": "1.0", "services": [[[1], ["https://x/"]]]})", RdapErrorKind::kWrongShape},
      {R"({"version": "1.0", "services": [[[[[[[[["deep"]]]]]]]]]})", RdapErrorKind::kTooLarge},
      {manyServices, RdapErrorKind::kTooLarge},
      {longUrl, RdapErrorKind::kTooLarge},
      {std::string(kMaxBootstrapBytes + 1, ' '), RdapErrorKind::kTooLarge},
  };
  for (const Case& c : cases) {
    auto b = parseBootstrap(c.text);
    ASSERT_FALSE(b.ok()) << c.text.substr(0, 80);
    EXPECT_EQ(b.error().kind, c.kind) << c.text.substr(0, 80) << ": " << b.error().message;
  }
}

// The copy shipped in the repository must stay a well-formed bootstrap file.
TEST(BootstrapTest, ShippedCopyParses) {
  auto text = readFileNamed(ZONEWATCH_SOURCE_DIR "/monitor/rdap/dns.json");
  ASSERT_TRUE(text.ok()) << text.error().message;
  auto b = parseBootstrap(*text);
  ASSERT_TRUE(b.ok()) << b.error().message;
  EXPECT_FALSE(b->services.empty());
  auto com = findServers(*b, {}, "example.com.");
  ASSERT_TRUE(com.ok());
  EXPECT_EQ(com->urls.front().substr(0, 8), "https://");
}

// The binary's compiled-in copy is the file, byte for byte (a stale build would differ).
TEST(BootstrapTest, CompiledInCopyIsTheShippedFile) {
  auto text = readFileNamed(ZONEWATCH_SOURCE_DIR "/monitor/rdap/dns.json");
  ASSERT_TRUE(text.ok()) << text.error().message;
  EXPECT_EQ(kShippedBootstrap, *text);
  EXPECT_TRUE(parseBootstrap(kShippedBootstrap).ok());
}

}  // namespace
}  // namespace zonewatch::rdap
