#include "monitor/dns/zone_reader.h"

#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <sstream>

#include "monitor/dns/canonical.h"

namespace zonewatch::dns {
namespace {

std::vector<ResourceRecord> read(std::string_view text, const ZoneReaderOptions& options = {}) {
  auto r = readZoneText(text, "test.zone", options);
  EXPECT_TRUE(r.ok()) << (r ? "" : r.error().message);
  return r ? *r : std::vector<ResourceRecord>{};
}

std::string errorOf(std::string_view text) {
  auto r = readZoneText(text, "test.zone");
  EXPECT_FALSE(r.ok()) << "expected an error for:\n" << text;
  return r ? "" : r.error().message;
}

std::vector<std::string> lines(const std::vector<ResourceRecord>& rrs) {
  std::vector<std::string> out;
  for (const auto& rr : rrs) out.push_back(rr.toString());
  return out;
}

TEST(ZoneReaderTest, RootHintsFromTheSystem) {
  const char* path = "/usr/share/dns/root.hints";
  std::ifstream in(path);
  if (!in) GTEST_SKIP() << path << " is not installed (dns-root-data)";
  std::stringstream text;
  text << in.rdbuf();
  auto r = readZoneText(text.str(), path);
  ASSERT_TRUE(r.ok()) << r.error().message;
  std::map<RRType, size_t> counts;
  for (const auto& rr : *r) {
    ++counts[rr.type];
    EXPECT_EQ(rr.rclass, kClassIN);
    if (rr.type == RRType::NS) {
      EXPECT_TRUE(rr.owner.isRoot());
      EXPECT_TRUE(
          std::get<rdata::NS>(rr.data).host.isSubdomainOf(*Name::parse("root-servers.net")));
    } else {
      EXPECT_TRUE(rr.owner.isSubdomainOf(*Name::parse("root-servers.net"))) << rr.toString();
    }
  }
  EXPECT_EQ(counts[RRType::NS], 13u);
  EXPECT_EQ(counts[RRType::A], 13u);
  EXPECT_EQ(counts[RRType::AAAA], 13u);
  EXPECT_EQ(r->front().ttl, 3600000u);
  EXPECT_EQ(r->front().toString(), ". 3600000 IN NS A.ROOT-SERVERS.NET.");
  EXPECT_EQ((*r)[1].toString(), "A.ROOT-SERVERS.NET. 3600000 IN A 198.41.0.4");
}

TEST(ZoneReaderTest, DsTrustAnchor) {
  auto rrs =
      read(". IN DS 20326 8 2 E06D44B80B8F1D39A95C0B0D7C65D08458E880409BBC683457104237C7F8EC8D\n");
  ASSERT_EQ(rrs.size(), 1u);
  EXPECT_TRUE(rrs[0].owner.isRoot());
  EXPECT_EQ(rrs[0].ttl, 3600u);  // the default
  const auto& ds = std::get<rdata::DS>(rrs[0].data);
  EXPECT_EQ(ds.keyTag, 20326);
  EXPECT_EQ(ds.algorithm, algorithm::kRsaSha256);
  EXPECT_EQ(ds.digestType, digest::kSha256);
  EXPECT_EQ(ds.digest.size(), 32u);
  EXPECT_EQ(ds.digest[0], 0xE0);
  EXPECT_EQ(ds.digest[31], 0x8D);
}

TEST(ZoneReaderTest, MultiLineDnskeyAsKeygenWritesIt) {
  // The shape of a dnssec-keygen .key file, with the key spread over lines in parentheses.
  auto rrs = read(R"(; This is a key-signing key, keyid 60485, for dskey.example.com.
; Created: 20240101000000 (Mon Jan  1 00:00:00 2024)
dskey.example.com. 86400 IN DNSKEY 256 3 5 ( AQOeiiR0GOMYkDshWoSKz9Xz
                                             fwJr1AYtsmx3TGkJaNXVbfi/
                                             2pHm822aJ5iI9BMzNXxeYCmZ
                                             DRD99WYwYqUSdjMmmAphXdvx
                                             egXd/M5+X7OrzKBaMbCVdFLU
                                             Uh6DhweJBjEVv5f2wwjM9Xzc
                                             nOf+EPbtG9DMBmADjFDc2w/r
                                             ljwvFw==
                                             ) ;  key id = 60485
)");
  ASSERT_EQ(rrs.size(), 1u);
  EXPECT_EQ(rrs[0].owner.toString(), "dskey.example.com.");
  EXPECT_EQ(rrs[0].ttl, 86400u);
  const auto& key = std::get<rdata::DNSKEY>(rrs[0].data);
  EXPECT_EQ(key.flags, 256);
  EXPECT_EQ(key.protocol, 3);
  EXPECT_EQ(key.algorithm, 5);
  EXPECT_EQ(key.publicKey.size(), 130u);
  EXPECT_EQ(keyTag(rrs[0].rdata), 60485);
}

TEST(ZoneReaderTest, OwnersOriginsTtlsAndClasses) {
  auto rrs = read(R"($ORIGIN example.com.
$TTL 1h
@       IN  SOA ns1 hostmaster ( 2024010101 ; serial
                                 2h 1h 2w 5m )
        NS  ns1
        NS  ns2.example.net.
ns1 300 IN A 192.0.2.1
        IN 600 AAAA 2001:db8::1
www     CH  TXT "hello; not a comment" "quote\"d" unquoted
$ORIGIN sub
deep    A   192.0.2.2
        A   192.0.2.3
)");
  EXPECT_EQ(lines(rrs), (std::vector<std::string>{
                            "example.com. 3600 IN SOA ns1.example.com. hostmaster.example.com. "
                            "2024010101 7200 3600 1209600 300",
                            "example.com. 3600 IN NS ns1.example.com.",
                            "example.com. 3600 IN NS ns2.example.net.",
                            "ns1.example.com. 300 IN A 192.0.2.1",
                            "ns1.example.com. 600 IN AAAA 2001:db8::1",
                            "www.example.com. 3600 CH TXT \"hello; not a comment\" \"quote\\\"d\" "
                            "\"unquoted\"",
                            "deep.sub.example.com. 3600 CH A 192.0.2.2",
                            "deep.sub.example.com. 3600 CH A 192.0.2.3",
                        }));
}

TEST(ZoneReaderTest, TtlCarriesOverWithoutDollarTtl) {
  // RFC 1035 §5.1: without $TTL an omitted TTL is the last one given.
  ZoneReaderOptions options;
  options.origin = *Name::parse("example.");
  options.defaultTtl = 42;
  auto rrs = read("a A 192.0.2.1\nb 7 A 192.0.2.2\nc A 192.0.2.3\n", options);
  ASSERT_EQ(rrs.size(), 3u);
  EXPECT_EQ(rrs[0].ttl, 42u);
  EXPECT_EQ(rrs[1].ttl, 7u);
  EXPECT_EQ(rrs[2].ttl, 7u);
  EXPECT_EQ(rrs[2].owner.toString(), "c.example.");
}

TEST(ZoneReaderTest, GenericRdataAndTypes) {
  auto rrs = read(R"(x.example. 60 IN TYPE65280 \# 4 0A000001
x.example. 60 IN TYPE1 \# 4 C0000201
x.example. 60 CLASS32 A 192.0.2.9
)");
  ASSERT_EQ(rrs.size(), 3u);
  EXPECT_EQ(rrs[0].toString(), "x.example. 60 IN TYPE65280 \\# 4 0A000001");
  EXPECT_EQ(rrs[1].toString(), "x.example. 60 IN A 192.0.2.1");
  EXPECT_EQ(rrs[2].rclass, 32);
}

TEST(ZoneReaderTest, EscapesInOwnersAndCrLf) {
  auto rrs = read("a\\.b\\;c.example. 60 IN A 192.0.2.1\r\n\\@.example. 60 IN A 192.0.2.2\r\n");
  ASSERT_EQ(rrs.size(), 2u);
  EXPECT_EQ(rrs[0].owner.label(0), "a.b;c");
  EXPECT_EQ(rrs[1].owner.label(0), "@");
}

TEST(ZoneReaderTest, ErrorsNameSourceAndLine) {
  EXPECT_EQ(errorOf("a.example. 60 IN A 192.0.2.1\nb.example. 60 IN NOSUCH x\n"),
            "test.zone:2: unknown record type \"NOSUCH\"");
  EXPECT_EQ(errorOf("\n\nx. 60 IN A ( 192.0.2.1\n"), "test.zone:3: '(' is never closed");
  EXPECT_EQ(errorOf("x. 60 IN A 192.0.2.1 )\n"), "test.zone:1: ')' without a matching '('");
  EXPECT_EQ(errorOf("x. 60 IN TXT \"open\n"), "test.zone:1: unterminated quoted string");
  EXPECT_EQ(errorOf("  60 IN A 192.0.2.1\n"),
            "test.zone:1: no owner name and no previous record to take it from");
  EXPECT_EQ(errorOf("$INCLUDE other.zone\n"),
            "test.zone:1: $INCLUDE is not supported (only $ORIGIN and $TTL)");
  EXPECT_EQ(errorOf("x. 60 IN\n"), "test.zone:1: missing record type");
  EXPECT_EQ(errorOf("$TTL soon\n"), "test.zone:1: $TTL: \"soon\" is not a TTL");

  std::string bad = errorOf("ok. 1 A 192.0.2.1\n; comment\n\nx. 60 IN A 192.0.2\n");
  EXPECT_EQ(bad.rfind("test.zone:4: ", 0), 0u) << bad;
  std::string longLabel = errorOf(std::string(64, 'a') + ". 60 IN A 192.0.2.1\n");
  EXPECT_EQ(longLabel.rfind("test.zone:1: owner: ", 0), 0u) << longLabel;
  EXPECT_NE(longLabel.find("63"), std::string::npos) << longLabel;
  // A record spanning lines reports the line it starts on.
  std::string multi = errorOf("x. 60 IN DS ( 1 2\n 3 XYZ )\n");
  EXPECT_EQ(multi.rfind("test.zone:1: ", 0), 0u) << multi;
}

TEST(ZoneReaderTest, EmptyAndCommentOnlyText) {
  EXPECT_TRUE(read("").empty());
  EXPECT_TRUE(read("; nothing\n   ; indented comment\n\n").empty());
}

TEST(ZoneReaderTest, QuotedStringsAndEscapes) {
  // RFC 1035 §5.1: a quoted string ends at the next unescaped quote, escapes stay for the RDATA
  // parser, and a field may start right after a closing quote.
  auto rrs = read("t.example. 60 IN TXT \"a\\\\\" \"b;c\"d \"\\065\" ( \"e\"\n \"f\" )\n");
  ASSERT_EQ(rrs.size(), 1u);
  EXPECT_EQ(rrs[0].toString(), "t.example. 60 IN TXT \"a\\\\\" \"b;c\" \"d\" \"A\" \"e\" \"f\"");
  EXPECT_EQ(errorOf("t. 60 IN TXT \"a\\\n\"\n"), "test.zone:1: unterminated quoted string");
}

TEST(ZoneReaderTest, FieldErrorsKeepTheirReasons) {
  EXPECT_EQ(errorOf("x. 1x IN A 192.0.2.1\n"), "test.zone:1: TTL: \"1x\" is not a TTL");
  EXPECT_EQ(errorOf("$ORIGIN a. b.\n"), "test.zone:1: $ORIGIN takes exactly one name");
  EXPECT_EQ(errorOf("x. 60 IN A 192.0.2\n"),
            "test.zone:1: A RDATA: \"192.0.2\" is not an IPv4 address");
  EXPECT_EQ(errorOf("x. 60 IN A 192.0.2.1\n\n( x. 60\n IN A 1.2.3.4 ) )\n"),
            "test.zone:4: ')' without a matching '('");
}

}  // namespace
}  // namespace zonewatch::dns
