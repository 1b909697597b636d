#include "monitor/dns/presentation.h"

#include <gtest/gtest.h>

namespace zonewatch::dns {
namespace {

std::vector<uint8_t> bytes(std::string_view s) {
  return {s.begin(), s.end()};
}

TEST(PresentationTest, HexRoundTrip) {
  EXPECT_EQ(toHex(bytes("\x01\xab\xff")), "01ABFF");
  EXPECT_EQ(*fromHex("01abFF"), bytes("\x01\xab\xff"));
  EXPECT_EQ(*fromHex(" 01 ab\tff "), bytes("\x01\xab\xff"));
  EXPECT_TRUE(fromHex("")->empty());
  EXPECT_FALSE(fromHex("abc").ok());
  EXPECT_FALSE(fromHex("0g").ok());
}

TEST(PresentationTest, Base64Rfc4648Vectors) {
  const std::pair<const char*, const char*> kVectors[] = {
      {"", ""},
      {"f", "Zg=="},
      {"fo", "Zm8="},
      {"foo", "Zm9v"},
      {"foob", "Zm9vYg=="},
      {"fooba", "Zm9vYmE="},
      {"foobar", "Zm9vYmFy"},
  };
  for (const auto& [plain, encoded] : kVectors) {
    EXPECT_EQ(toBase64(bytes(plain)), encoded);
    auto back = fromBase64(encoded);
    ASSERT_TRUE(back.ok()) << encoded;
    EXPECT_EQ(*back, bytes(plain));
  }
  EXPECT_EQ(*fromBase64("Zm9v Ym Fy"), bytes("foobar"));  // spaces inside
  EXPECT_EQ(*fromBase64("Zm9vYg"), bytes("foob"));        // padding left out
  EXPECT_FALSE(fromBase64("Zm9vY").ok());
  EXPECT_FALSE(fromBase64("Zg=a").ok());
  EXPECT_FALSE(fromBase64("Zg===").ok());
  EXPECT_FALSE(fromBase64("Zm9v!").ok());
}

TEST(PresentationTest, Base32HexRfc4648Vectors) {
  // RFC 4648 §10, lowercase and without padding as NSEC3 writes it.
  const std::pair<const char*, const char*> kVectors[] = {
      {"", ""},
      {"f", "co"},
      {"fo", "cpng"},
      {"foo", "cpnmu"},
      {"foob", "cpnmuog"},
      {"fooba", "cpnmuoj1"},
      {"foobar", "cpnmuoj1e8"},
  };
  for (const auto& [plain, encoded] : kVectors) {
    EXPECT_EQ(toBase32Hex(bytes(plain)), encoded);
    auto back = fromBase32Hex(encoded);
    ASSERT_TRUE(back.ok()) << encoded;
    EXPECT_EQ(*back, bytes(plain));
  }
  EXPECT_EQ(*fromBase32Hex("CPNMUOJ1E8"), bytes("foobar"));
  EXPECT_FALSE(fromBase32Hex("cpnmuoj1e8======").ok());  // no padding in NSEC3
  EXPECT_FALSE(fromBase32Hex("c").ok());                 // impossible length
  EXPECT_FALSE(fromBase32Hex("cp").ok());                // non-zero leftover bits
  EXPECT_FALSE(fromBase32Hex("cw").ok());                // 'w' is past base32hex's 'v'
}

TEST(PresentationTest, DnssecTimes) {
  EXPECT_EQ(formatDnssecTime(0), "19700101000000");
  EXPECT_EQ(formatDnssecTime(1048354263), "20030322173103");
  EXPECT_EQ(formatDnssecTime(951782400), "20000229000000");  // leap day
  EXPECT_EQ(formatDnssecTime(0xFFFFFFFFu), "21060207062815");
  for (uint32_t t : {0u, 1u, 86399u, 951782400u, 1048354263u, 1700000000u, 0xFFFFFFFFu}) {
    auto back = parseDnssecTime(formatDnssecTime(t));
    ASSERT_TRUE(back.ok()) << t;
    EXPECT_EQ(*back, t);
  }
  EXPECT_EQ(*parseDnssecTime("1048354263"), 1048354263u);  // plain seconds
  EXPECT_EQ(*parseDnssecTime("0"), 0u);
  EXPECT_FALSE(parseDnssecTime("21060207062816").ok());  // past 2^32 - 1
  EXPECT_FALSE(parseDnssecTime("19691231235959").ok());
  EXPECT_FALSE(parseDnssecTime("20010229000000").ok());  // not a leap year
  EXPECT_FALSE(parseDnssecTime("20031322173103").ok());
  EXPECT_FALSE(parseDnssecTime("20030322243103").ok());
  EXPECT_FALSE(parseDnssecTime("4294967296").ok());
  EXPECT_FALSE(parseDnssecTime("2003-03-22").ok());
  EXPECT_FALSE(parseDnssecTime("").ok());
}

TEST(PresentationTest, Ttls) {
  EXPECT_EQ(*parseTtl("3600"), 3600u);
  EXPECT_EQ(*parseTtl("1h30m"), 5400u);
  EXPECT_EQ(*parseTtl("1W2d3H4m5S"), 604800u + 172800u + 10800u + 240u + 5u);
  EXPECT_EQ(*parseTtl("4294967295"), 4294967295u);
  EXPECT_FALSE(parseTtl("4294967296").ok());
  EXPECT_FALSE(parseTtl("1h30").ok());
  EXPECT_FALSE(parseTtl("h").ok());
  EXPECT_FALSE(parseTtl("1x").ok());
  EXPECT_FALSE(parseTtl("").ok());
  EXPECT_FALSE(parseTtl("10000w").ok());
}

TEST(PresentationTest, Algorithms) {
  EXPECT_EQ(*parseAlgorithm("8"), 8);
  EXPECT_EQ(*parseAlgorithm("RSASHA256"), 8);
  EXPECT_EQ(*parseAlgorithm("ecdsap256sha256"), 13);
  EXPECT_EQ(*parseAlgorithm("ED25519"), 15);
  EXPECT_FALSE(parseAlgorithm("256").ok());
  EXPECT_FALSE(parseAlgorithm("ROT13").ok());
}

TEST(PresentationTest, Tokenizer) {
  auto t = tokenizeRdata("a \"b c\" ( d\\ e\n f ) \"x\\\"y\" ; comment \"ignored\"");
  ASSERT_TRUE(t.ok());
  ASSERT_EQ(t->size(), 5u);
  EXPECT_EQ((*t)[0].text, "a");
  EXPECT_FALSE((*t)[0].quoted);
  EXPECT_EQ((*t)[1].text, "b c");
  EXPECT_TRUE((*t)[1].quoted);
  EXPECT_EQ((*t)[2].text, "d\\ e");  // escapes stay for the field parser
  EXPECT_EQ((*t)[3].text, "f");
  EXPECT_EQ((*t)[4].text, "x\\\"y");
  EXPECT_FALSE(tokenizeRdata("\"open").ok());
  EXPECT_EQ(*unescapeText("x\\\"y\\065\\\\"), "x\"yA\\");
  EXPECT_FALSE(unescapeText("\\").ok());
  EXPECT_FALSE(unescapeText("\\12").ok());
  EXPECT_FALSE(unescapeText("\\300").ok());
  EXPECT_EQ(quoteCharacterString(std::string("a\"b\\c\n\xff", 7)), "\"a\\\"b\\\\c\\010\\255\"");
}

TEST(PresentationTest, BlobEncodingsRoundTripEveryLength) {
  // RFC 4648: base64 pads to 4 symbols, base32hex (as NSEC3 writes it) does not pad; hex is two
  // uppercase digits an octet.
  std::vector<uint8_t> data;
  uint32_t seed = 1;
  for (size_t n = 0; n <= 40; ++n) {
    SCOPED_TRACE(n);
    EXPECT_EQ(toHex(data).size(), 2 * n);
    EXPECT_EQ(toBase64(data).size(), (n + 2) / 3 * 4);
    EXPECT_EQ(toBase32Hex(data).size(), (n * 8 + 4) / 5);
    EXPECT_EQ(*fromHex(toHex(data)), data);
    EXPECT_EQ(*fromBase64(toBase64(data)), data);
    EXPECT_EQ(*fromBase32Hex(toBase32Hex(data)), data);
    seed = seed * 1103515245u + 12345u;
    data.push_back(static_cast<uint8_t>(seed >> 16));
  }
  EXPECT_EQ(toHex(std::vector<uint8_t>{0x0a, 0xbc, 0xde}), "0ABCDE");
  EXPECT_EQ(toBase64(std::vector<uint8_t>{0xfb, 0xff}), "+/8=");
  EXPECT_EQ(toBase32Hex(std::vector<uint8_t>{0xff}), "vs");
  EXPECT_EQ(fromHex("0").error().message, "odd number of hex digits");
  EXPECT_EQ(fromBase32Hex("vt").error().message, "base32hex data with non-zero trailing bits");
}

}  // namespace
}  // namespace zonewatch::dns
