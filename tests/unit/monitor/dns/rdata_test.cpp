#include "monitor/dns/rdata.h"

#include <gtest/gtest.h>

#include <map>
#include <set>

#include "monitor/dns/presentation.h"
#include "tests/unit/monitor/dns/packet_builder.h"

namespace zonewatch::dns {
namespace {

using testing::hexBytes;

RRType T(std::string_view mnemonic) {
  auto t = typeFromString(mnemonic);
  EXPECT_TRUE(t.has_value()) << mnemonic;
  return t.value_or(RRType::A);
}

std::vector<uint8_t> fromText(RRType type, std::string_view text, const Name& origin = Name()) {
  auto r = rdataFromString(type, text, origin);
  EXPECT_TRUE(r.ok()) << typeToString(type) << " " << text << ": " << (r ? "" : r.error().message);
  return r ? *r : std::vector<uint8_t>{};
}

// Presentation samples in the exact form rdataToString prints, one or more per type.
struct Sample {
  const char* type;
  const char* text;
};
const Sample kSamples[] = {
    {"A", "192.0.2.1"},
    {"AAAA", "2001:db8::1"},
    {"AAAA", "::ffff:192.0.2.1"},
    {"NS", "ns1.Example.com."},
    {"CNAME", "target.example."},
    {"SOA", "ns.example. hostmaster.example. 2024010101 7200 3600 1209600 300"},
    {"TXT", "\"hello world\""},
    {"TXT", "\"v=spf1 -all\" \"semi;colon\" \"quo\\\"te\" \"back\\\\slash\" \"\\000\\255\" \"\""},
    {"DS", "60485 5 1 2BB183AF5F22588179A53B0A98631FAD1A292118"},
    {"CDS", "0 0 0 00"},
    {"DNSKEY", "256 3 5 AQOeiiR0GOMYkDshWoSKz9XzfwJr1AYtsmx3TGkJaNXVbfi/2pHm822aJ5iI9BMzNXxeYCmZ"},
    {"CDNSKEY", "0 3 0 AA=="},
    {"RRSIG",
     "A 5 3 86400 20030322173103 20030220173103 2642 example.com. "
     "oJB1W6WNGv+ldvQ3WDG0MQkg5IEhjRip8WTrPYGv07h108dUKGMeDPKijVCHX3DDKdfb+v6oB9wfuh3DTJXUAfI/"
     "M0zmO/zz8bW0Rznl8O3tGNazPwQKkRN20XPXV6nwwfoXmJQbsLNrLfkGJ5D6fwFm8nN+6pBzeDQfsS3Ap3o="},
    {"RRSIG", "TYPE65280 13 0 0 19700101000000 21060207062815 0 . AA=="},
    {"NSEC", "host.example.com. A MX RRSIG NSEC TYPE1234"},
    {"NSEC", "\\000.example. NS DS RRSIG NSEC CAA TYPE65535"},
    {"NSEC3", "1 1 12 AABBCCDD 2t7b4g4vsa5smi47k61mv5bv1a22bojr NS SOA MX RRSIG DNSKEY NSEC3PARAM"},
    {"NSEC3", "1 0 0 - 2t7b4g4vsa5smi47k61mv5bv1a22bojr"},
    {"NSEC3PARAM", "1 0 12 AABBCCDD"},
    {"NSEC3PARAM", "1 0 0 -"},
    {"MX", "10 mail.example."},
    {"SRV", "0 5 5060 sip.example."},
    {"PTR", "host.example."},
    {"DNAME", "other.example."},
    {"NAPTR", "100 10 \"S\" \"SIP+D2U\" \"\" _sip._udp.example.com."},
    {"HINFO", "\"PC\" \"Linux\""},
    {"RP", "admin.example. txt.example."},
    {"TYPE65280", "\\# 3 ABCDEF"},
    {"TYPE65280", "\\# 0"},
};

TEST(RdataTest, PresentationRoundTripsForEveryType) {
  for (const Sample& s : kSamples) {
    SCOPED_TRACE(std::string(s.type) + " " + s.text);
    RRType type = T(s.type);
    auto wire = fromText(type, s.text);
    EXPECT_EQ(rdataToString(type, wire), s.text);
    // And the wire form reads back to itself through the typed view.
    auto typed = decodeRdata(type, wire);
    ASSERT_TRUE(typed.ok()) << typed.error().message;
    if (!std::holds_alternative<rdata::Unknown>(*typed)) {
      EXPECT_EQ(encodeRdata(*typed), wire);
    }
    EXPECT_TRUE(rdataFitsType(type, wire));
  }
}

TEST(RdataTest, SortedNsec3PresentationMatchesTypeOrder) {
  // Type lists print in numeric order whatever order the text gave.
  auto wire = fromText(RRType::NSEC3, "1 1 12 aabbccdd 2T7B4G4VSA5SMI47K61MV5BV1A22BOJR MX NS");
  EXPECT_EQ(rdataToString(RRType::NSEC3, wire),
            "1 1 12 AABBCCDD 2t7b4g4vsa5smi47k61mv5bv1a22bojr NS MX");
}

TEST(RdataTest, TypedFieldsDecode) {
  auto soa = decodeRdata(RRType::SOA, fromText(RRType::SOA, "ns.example. h.example. 1 2 3 4 5"));
  ASSERT_TRUE(soa.ok());
  const auto& s = std::get<rdata::SOA>(*soa);
  EXPECT_EQ(s.mname.toString(), "ns.example.");
  EXPECT_EQ(s.serial, 1u);
  EXPECT_EQ(s.minimum, 5u);

  auto sig = decodeRdata(RRType::RRSIG, fromText(RRType::RRSIG, kSamples[12].text));
  ASSERT_TRUE(sig.ok());
  const auto& r = std::get<rdata::RRSIG>(*sig);
  EXPECT_EQ(r.typeCovered, RRType::A);
  EXPECT_EQ(r.algorithm, 5);
  EXPECT_EQ(r.labels, 3);
  EXPECT_EQ(r.originalTtl, 86400u);
  EXPECT_EQ(r.expiration, 1048354263u);  // 2003-03-22 17:31:03 UTC
  EXPECT_EQ(r.keyTag, 2642);
  EXPECT_EQ(r.signer.toString(), "example.com.");
  EXPECT_EQ(r.signature.size(), 128u);  // base64 of a 1024-bit RSA signature

  auto n3 = decodeRdata(RRType::NSEC3, fromText(RRType::NSEC3, kSamples[16].text));
  ASSERT_TRUE(n3.ok());
  const auto& n = std::get<rdata::NSEC3>(*n3);
  EXPECT_TRUE(n.optOut());
  EXPECT_EQ(n.iterations, 12);
  EXPECT_EQ(n.salt, hexBytes("aabbccdd"));
  EXPECT_EQ(n.nextHashed.size(), 20u);
  EXPECT_TRUE(n.types.has(RRType::SOA));
  EXPECT_FALSE(n.types.has(RRType::A));
}

TEST(RdataTest, AlternativeInputForms) {
  // Algorithm mnemonics, lowercase hex split over fields, base64 with spaces, integer times,
  // parentheses and a trailing comment as copied from a zone file.
  EXPECT_EQ(fromText(RRType::DS, "60485 RSASHA1 1 ( 2bb183af5f22588179a53b0a 98631fad1a292118 )"),
            fromText(RRType::DS, "60485 5 1 2BB183AF5F22588179A53B0A98631FAD1A292118"));
  EXPECT_EQ(fromText(RRType::DNSKEY, "256 3 ECDSAP256SHA256 AQID BAUG ; comment"),
            fromText(RRType::DNSKEY, "256 3 13 AQIDBAUG"));
  EXPECT_EQ(fromText(RRType::RRSIG, "A 8 2 300 1048354263 0 1 Example. AA=="),
            fromText(RRType::RRSIG, "A 8 2 300 20030322173103 19700101000000 1 Example. AA=="));
  EXPECT_EQ(fromText(RRType::SOA, "ns h 1 2h 1H 1w 30m", *Name::parse("example.")),
            fromText(RRType::SOA, "ns.example. h.example. 1 7200 3600 604800 1800"));
  EXPECT_EQ(fromText(RRType::TXT, "unquoted two"), fromText(RRType::TXT, "\"unquoted\" \"two\""));
  EXPECT_EQ(fromText(RRType::NS, "ns1", *Name::parse("example.org")),
            fromText(RRType::NS, "ns1.example.org."));
  // RFC 3597 §5: the generic form works for known types too.
  EXPECT_EQ(fromText(RRType::A, "\\# 4 C0000201"), fromText(RRType::A, "192.0.2.1"));
  EXPECT_EQ(fromText(RRType::MX, "\\# 7 000A 01610178 00"), fromText(RRType::MX, "10 a.x."));
}

TEST(RdataTest, RejectsBadPresentation) {
  struct Bad {
    RRType type;
    const char* text;
  };
  static const std::string kLongTxt(256, 'x');
  const Bad kBad[] = {
      {RRType::A, "192.0.2"},
      {RRType::A, "192.0.2.1 extra"},
      {RRType::A, ""},
      {RRType::AAAA, "2001:db8::g"},
      {RRType::A, "\\# 3 C00002"},    // generic form must still be a valid A
      {RRType::A, "\\# 5 C0000201"},  // length disagrees with the data
      {RRType::TXT, ""},
      {RRType::TXT, "\"unterminated"},
      {RRType::TXT, kLongTxt.c_str()},
      {RRType::DS, "1 2 3 ABC"},      // odd hex digits
      {RRType::DS, "70000 8 2 AB"},   // key tag over 16 bits
      {RRType::DNSKEY, "256 3 8 A"},  // impossible base64
      {RRType::DNSKEY, "256 3 NOSUCHALG AA=="},
      {RRType::RRSIG, "A 8 2 300 20030230000000 0 1 example. AA=="},  // 30 February
      {RRType::RRSIG, "A 8 2 300 21070101000000 0 1 example. AA=="},  // after 2106
      {RRType::RRSIG, "NOTATYPE 8 2 300 0 0 1 example. AA=="},
      {RRType::NSEC, "next.example. A NOTATYPE"},
      {RRType::NSEC3, "1 0 0 - 2t7b4g4vsa5smi47k61mv5bv1a22boj"},   // non-zero trailing bits
      {RRType::NSEC3, "1 0 0 - 2t7b4g4vsa5smi47k61mv5bv1a22bojw"},  // not base32hex
      {RRType::NSEC3, "1 0 0 zz 2t7b4g4vsa5smi47k61mv5bv1a22bojr"},
      {RRType::NSEC3PARAM, "1 0 70000 -"},
      {RRType::MX, "10"},
      {RRType::MX, "10 a. b."},
      {static_cast<RRType>(65280), "ABCDEF"},  // no presentation format: needs \#
  };
  for (const Bad& b : kBad) {
    auto r = rdataFromString(b.type, b.text, Name());
    EXPECT_FALSE(r.ok()) << typeToString(b.type) << " \"" << b.text << "\"";
  }
}

TEST(RdataTest, TypeBitmapWireFormRfc4034Section4_3) {
  // RFC 4034 §4.3: alfa.example.com. NSEC host.example.com. A MX RRSIG NSEC TYPE1234
  auto wire = fromText(RRType::NSEC, "host.example.com. A MX RRSIG NSEC TYPE1234");
  std::vector<uint8_t> expected =
      hexBytes("04686F7374076578616D706C6503636F6D00 0006400100000003 041B");
  expected.insert(expected.end(), 26, 0);
  expected.push_back(0x20);
  EXPECT_EQ(wire, expected);
}

TEST(RdataTest, RejectsBadTypeBitmaps) {
  std::vector<uint8_t> next = hexBytes("0161 00");  // "a."
  auto with = [&](std::string_view bitmapHex) {
    std::vector<uint8_t> w = next;
    auto b = hexBytes(bitmapHex);
    w.insert(w.end(), b.begin(), b.end());
    return w;
  };
  EXPECT_TRUE(decodeRdata(RRType::NSEC, with("0001 40")).ok());
  EXPECT_TRUE(decodeRdata(RRType::NSEC, with("")).ok());       // empty bitmap
  EXPECT_FALSE(decodeRdata(RRType::NSEC, with("0000")).ok());  // length 0
  EXPECT_FALSE(decodeRdata(RRType::NSEC, with("0021" + std::string(66, '0'))).ok());  // 33
  EXPECT_FALSE(decodeRdata(RRType::NSEC, with("0101 40 0001 40")).ok());  // window order
  EXPECT_FALSE(decodeRdata(RRType::NSEC, with("0001 40 0001 40")).ok());  // repeated window
  EXPECT_FALSE(decodeRdata(RRType::NSEC, with("0002 40")).ok());          // truncated block
  EXPECT_FALSE(decodeRdata(RRType::NSEC, with("00")).ok());               // half a header
  auto ok = decodeRdata(RRType::NSEC, with("0001 40 0120 " + std::string(62, '0') + "01"));
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(std::get<rdata::NSEC>(*ok).types.types, (std::vector<uint16_t>{1, 511}));
}

TEST(RdataTest, RejectsRdataThatDoesNotFitItsType) {
  EXPECT_FALSE(decodeRdata(RRType::A, hexBytes("C000020101")).ok());  // RDLENGTH 5
  EXPECT_FALSE(decodeRdata(RRType::A, hexBytes("C00002")).ok());
  EXPECT_FALSE(decodeRdata(RRType::AAAA, hexBytes("20010DB8")).ok());
  EXPECT_FALSE(decodeRdata(RRType::DNSKEY, hexBytes("010003")).ok());   // RDLENGTH 3
  EXPECT_TRUE(decodeRdata(RRType::DNSKEY, hexBytes("01000308")).ok());  // empty key: decodes
  EXPECT_FALSE(decodeRdata(RRType::DS, hexBytes("0001 08")).ok());
  EXPECT_FALSE(decodeRdata(RRType::NS, hexBytes("0161 00 00")).ok());  // trailing octet
  EXPECT_FALSE(decodeRdata(RRType::NS, hexBytes("C00C")).ok());        // no pointers here
  EXPECT_FALSE(decodeRdata(RRType::TXT, {}).ok());
  EXPECT_FALSE(decodeRdata(RRType::TXT, hexBytes("0561")).ok());
  EXPECT_FALSE(decodeRdata(RRType::SOA, hexBytes("00 00 00000001")).ok());
  EXPECT_FALSE(decodeRdata(RRType::NSEC3, hexBytes("01000000 00 00")).ok());   // empty hash
  EXPECT_FALSE(decodeRdata(RRType::NSEC3, hexBytes("01000000 05AABB")).ok());  // salt runs off
  EXPECT_FALSE(decodeRdata(RRType::NSEC3PARAM, hexBytes("01000000 00 FF")).ok());
  EXPECT_FALSE(decodeRdata(RRType::RRSIG, hexBytes("0001 08 02")).ok());
  // Opaque types keep any bytes.
  auto unknown = decodeRdata(static_cast<RRType>(65280), hexBytes("C00C"));
  ASSERT_TRUE(unknown.ok());
  EXPECT_TRUE(std::holds_alternative<rdata::Unknown>(*unknown));
  // A typed type whose bytes do not fit prints in the generic form instead of failing.
  EXPECT_EQ(rdataToString(RRType::A, hexBytes("C000020101")), "\\# 5 C000020101");
  EXPECT_EQ(rdataToString(RRType::MX, hexBytes("000A")), "\\# 2 000A");
}

TEST(RdataTest, EncodeNormalizesBitmaps) {
  rdata::NSEC nsec{*Name::parse("b.example."), TypeBitmap{{47, 1, 46, 1}}};
  auto wire = encodeRdata(nsec);
  auto back = decodeRdata(RRType::NSEC, wire);
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(std::get<rdata::NSEC>(*back).types.types, (std::vector<uint16_t>{1, 46, 47}));
  EXPECT_TRUE(encodeRdata(rdata::Unknown{}).empty());
}

TEST(RdataTest, LayoutsDescribeEmbeddedNames) {
  auto kinds = [](RRType t) {
    std::string out;
    for (const auto& f : rdataLayout(t)) {
      switch (f.kind) {
        case RdataField::kFixed:
          out += "F" + std::to_string(f.length);
          break;
        case RdataField::kName:
          out += "N";
          break;
        case RdataField::kRest:
          out += "R";
          break;
        case RdataField::kCharString:
          out += "C";
          break;
      }
      out += ",";
    }
    return out;
  };
  EXPECT_EQ(kinds(RRType::NS), "N,");
  EXPECT_EQ(kinds(RRType::CNAME), "N,");
  EXPECT_EQ(kinds(RRType::PTR), "N,");
  EXPECT_EQ(kinds(RRType::DNAME), "N,");
  for (int t : {3, 4, 7, 8, 9}) EXPECT_EQ(kinds(static_cast<RRType>(t)), "N,") << t;
  EXPECT_EQ(kinds(RRType::SOA), "N,N,F20,");
  EXPECT_EQ(kinds(RRType::MX), "F2,N,");
  for (int t : {18, 21, 36}) EXPECT_EQ(kinds(static_cast<RRType>(t)), "F2,N,") << t;
  for (int t : {14, 17}) EXPECT_EQ(kinds(static_cast<RRType>(t)), "N,N,") << t;
  EXPECT_EQ(kinds(static_cast<RRType>(26)), "F2,N,N,");
  EXPECT_EQ(kinds(RRType::SRV), "F6,N,");
  EXPECT_EQ(kinds(RRType::RRSIG), "F18,N,R,");
  EXPECT_EQ(kinds(static_cast<RRType>(24)), "F18,N,R,");
  EXPECT_EQ(kinds(RRType::NSEC), "N,R,");
  EXPECT_EQ(kinds(static_cast<RRType>(35)), "F4,C,C,C,N,");
  EXPECT_EQ(kinds(RRType::A), "");
  EXPECT_EQ(kinds(RRType::DNSKEY), "");
  EXPECT_EQ(kinds(RRType::NSEC3), "");  // the next hashed owner is not a name
}

TEST(RdataTest, CanonicalLowercasingListRfc6840) {
  for (RRType t : {RRType::NS, RRType::CNAME, RRType::SOA, RRType::PTR, RRType::MX, RRType::SRV,
                   RRType::DNAME, RRType::RRSIG}) {
    EXPECT_TRUE(lowercasesNamesInCanonicalForm(t)) << typeToString(t);
  }
  for (int t : {3, 4, 7, 8, 9, 14, 17, 18, 21, 24, 26, 30, 35, 36, 38}) {
    EXPECT_TRUE(lowercasesNamesInCanonicalForm(static_cast<RRType>(t))) << t;
  }
  // RFC 6840 §5.1 took NSEC off the list; the rest never had names.
  for (RRType t : {RRType::NSEC, RRType::NSEC3, RRType::A, RRType::TXT, RRType::DS, RRType::DNSKEY,
                   RRType::OPT}) {
    EXPECT_FALSE(lowercasesNamesInCanonicalForm(t)) << typeToString(t);
  }
}

// Every type the codec knows (one row each in rdata.cpp's type table), with its RDATA written
// octet by octet, its exact presentation text and the typed alternative it decodes to. A row of
// the table with the wrong codec, text form or alternative fails here.
struct KnownType {
  uint16_t type;
  std::vector<uint8_t> wire;
  std::string text;  // empty: no presentation form of its own, RFC 3597 "\#" instead
  size_t alternative;
};

template <class T>
size_t alt() {
  return Rdata{T{}}.index();
}

std::vector<KnownType> knownTypes() {
  using testing::PacketBuilder;
  using B = PacketBuilder;
  const size_t kOpaque = alt<rdata::Unknown>();
  auto hashed = *fromBase32Hex("2t7b4g4vsa5smi47k61mv5bv1a22bojr");
  auto v6 = hexBytes("20010DB8000000000000000000000001");
  return {
      {1, B().u8(192).u8(0).u8(2).u8(1).data(), "192.0.2.1", alt<rdata::A>()},
      {2, B().name("ns.example").data(), "ns.example.", alt<rdata::NS>()},
      {3, B().name("md.example").data(), "md.example.", kOpaque},
      {4, B().name("mf.example").data(), "mf.example.", kOpaque},
      {5, B().name("c.example").data(), "c.example.", alt<rdata::CNAME>()},
      {6, B().name("ns.example").name("h.example").u32(1).u32(2).u32(3).u32(4).u32(5).data(),
       "ns.example. h.example. 1 2 3 4 5", alt<rdata::SOA>()},
      {7, B().name("mb.example").data(), "mb.example.", kOpaque},
      {8, B().name("mg.example").data(), "mg.example.", kOpaque},
      {9, B().name("mr.example").data(), "mr.example.", kOpaque},
      {12, B().name("host.example").data(), "host.example.", kOpaque},
      {13, B().label("PC").label("Linux").data(), "\"PC\" \"Linux\"", kOpaque},
      {14, B().name("r.example").name("e.example").data(), "r.example. e.example.", kOpaque},
      {15, B().u16(10).name("mail.example").data(), "10 mail.example.", kOpaque},
      {16, B().label("a").label("b c").data(), "\"a\" \"b c\"", alt<rdata::TXT>()},
      {17, B().name("admin.example").name("txt.example").data(), "admin.example. txt.example.",
       kOpaque},
      {18, B().u16(1).name("afs.example").data(), "1 afs.example.", kOpaque},
      {21, B().u16(2).name("rt.example").data(), "2 rt.example.", kOpaque},
      {24, B().u16(1).u8(5).u8(2).u32(3600).u32(2).u32(1).u16(7).name("example").u8(0xAB).data(),
       "", kOpaque},
      {26, B().u16(10).name("map822.example").name("mapx400.example").data(),
       "10 map822.example. mapx400.example.", kOpaque},
      {28, v6, "2001:db8::1", alt<rdata::AAAA>()},
      {30, B().name("next.example").u8(0).u8(1).u8(0x40).data(), "", kOpaque},
      {33, B().u16(0).u16(5).u16(5060).name("sip.example").data(), "0 5 5060 sip.example.",
       kOpaque},
      {35,
       B().u16(100).u16(10).label("S").label("SIP+D2U").label("").name("_sip._udp.example").data(),
       "100 10 \"S\" \"SIP+D2U\" \"\" _sip._udp.example.", kOpaque},
      {36, B().u16(5).name("kx.example").data(), "5 kx.example.", kOpaque},
      {38, hexBytes("00 20010DB8"), "", kOpaque},
      {39, B().name("other.example").data(), "other.example.", kOpaque},
      {43, B().u16(60485).u8(5).u8(1).bytes(hexBytes("2BB183AF")).data(), "60485 5 1 2BB183AF",
       alt<rdata::DS>()},
      {46,
       B().u16(1)
           .u8(13)
           .u8(2)
           .u32(3600)
           .u32(1048354263)
           .u32(0)
           .u16(4711)
           .name("example")
           .bytes({1, 2, 3})
           .data(),
       "A 13 2 3600 20030322173103 19700101000000 4711 example. AQID", alt<rdata::RRSIG>()},
      {47, B().name("host.example").u8(0).u8(1).u8(0x40).data(), "host.example. A",
       alt<rdata::NSEC>()},
      {48, B().u16(257).u8(3).u8(13).bytes({1, 2, 3}).data(), "257 3 13 AQID",
       alt<rdata::DNSKEY>()},
      {50,
       B().u8(1)
           .u8(1)
           .u16(12)
           .u8(4)
           .bytes(hexBytes("AABBCCDD"))
           .u8(20)
           .bytes(hashed)
           .u8(0)
           .u8(1)
           .u8(0x60)
           .data(),
       "1 1 12 AABBCCDD 2t7b4g4vsa5smi47k61mv5bv1a22bojr A NS", alt<rdata::NSEC3>()},
      {51, B().u8(1).u8(0).u16(12).u8(0).data(), "1 0 12 -", alt<rdata::NSEC3PARAM>()},
      {59, B().u16(2371).u8(13).u8(2).bytes({0xAB}).data(), "2371 13 2 AB", alt<rdata::DS>()},
      {60, B().u16(257).u8(3).u8(8).bytes({0}).data(), "257 3 8 AA==", alt<rdata::DNSKEY>()},
  };
}

TEST(RdataTest, EveryKnownTypeRoundTripsWireTextWire) {
  for (const KnownType& k : knownTypes()) {
    auto type = static_cast<RRType>(k.type);
    SCOPED_TRACE(typeToString(type) + " " + k.text);
    std::string text =
        k.text.empty() ? "\\# " + std::to_string(k.wire.size()) + " " + toHex(k.wire) : k.text;
    EXPECT_EQ(rdataToString(type, k.wire), text);
    EXPECT_EQ(fromText(type, text), k.wire);
    auto typed = decodeRdata(type, k.wire);
    ASSERT_TRUE(typed.ok()) << typed.error().message;
    EXPECT_EQ(typed->index(), k.alternative);
    if (k.alternative != alt<rdata::Unknown>()) {
      EXPECT_EQ(encodeRdata(*typed), k.wire);
    }
    EXPECT_TRUE(rdataFitsType(type, k.wire));
  }
}

TEST(RdataTest, OnlyKnownTypesHaveTypedOrTextForms) {
  std::set<uint16_t> typed, withText;
  for (const KnownType& k : knownTypes()) {
    if (k.alternative != alt<rdata::Unknown>()) typed.insert(k.type);
    if (!k.text.empty()) withText.insert(k.type);
  }
  for (uint32_t t = 0; t <= 0xFFFF; ++t) {
    auto type = static_cast<RRType>(t);
    // Every typed form needs at least one octet, so empty RDATA fails exactly for them.
    auto empty = decodeRdata(type, {});
    EXPECT_EQ(empty.ok(), typed.count(static_cast<uint16_t>(t)) == 0) << t;
    auto text = rdataFromString(type, "x", Name());
    bool noForm = !text && text.error().message.find("no presentation format") != std::string::npos;
    EXPECT_EQ(noForm, withText.count(static_cast<uint16_t>(t)) == 0) << t;
  }
}

TEST(RdataTest, LayoutsAndLowercasingOfEveryType) {
  const std::map<uint16_t, std::string> kLayouts = {
      {2, "N"},       {3, "N"},    {4, "N"},      {5, "N"},      {6, "NNF20"}, {7, "N"},
      {8, "N"},       {9, "N"},    {12, "N"},     {14, "NN"},    {15, "F2N"},  {17, "NN"},
      {18, "F2N"},    {21, "F2N"}, {24, "F18NR"}, {26, "F2NN"},  {30, "NR"},   {33, "F6N"},
      {35, "F4CCCN"}, {36, "F2N"}, {39, "N"},     {46, "F18NR"}, {47, "NR"},
  };
  const std::set<uint16_t> kLowercased = {2,  3,  4,  5,  6,  7,  8,  9,  12, 13, 14, 15,
                                          17, 18, 21, 24, 26, 30, 33, 35, 36, 38, 39, 46};
  for (uint32_t t = 0; t <= 0xFFFF; ++t) {
    auto type = static_cast<RRType>(t);
    std::string layout;
    for (const RdataField& f : rdataLayout(type)) {
      const char* kinds[] = {"F", "N", "R", "C"};
      layout += kinds[f.kind];
      if (f.kind == RdataField::kFixed) layout += std::to_string(f.length);
    }
    auto expected = kLayouts.find(static_cast<uint16_t>(t));
    EXPECT_EQ(layout, expected == kLayouts.end() ? "" : expected->second) << t;
    EXPECT_EQ(lowercasesNamesInCanonicalForm(type),
              kLowercased.count(static_cast<uint16_t>(t)) == 1)
        << t;
  }
}

TEST(RdataTest, ErrorsNameTheTypeAndTheField) {
  auto error = [](RRType type, std::string_view text) {
    auto r = rdataFromString(type, text, Name());
    return r ? std::string("ok") : r.error().message;
  };
  EXPECT_EQ(error(RRType::A, "x"), "A RDATA: \"x\" is not an IPv4 address");
  EXPECT_EQ(error(RRType::AAAA, "192.0.2.1"), "AAAA RDATA: \"192.0.2.1\" is not an IPv6 address");
  EXPECT_EQ(error(RRType::NS, ""), "NS RDATA: missing name server");
  EXPECT_EQ(error(RRType::SOA, "a. b. 1 2 3 4 x"), "SOA RDATA: SOA timer: \"x\" is not a TTL");
  EXPECT_EQ(error(RRType::SOA, "a. b. 4294967296"),
            "SOA RDATA: serial: 4294967296 is over 4294967295");
  EXPECT_EQ(error(RRType::TXT, ""), "TXT RDATA: TXT needs at least one character-string");
  EXPECT_EQ(error(RRType::DS, "1 8"), "DS RDATA: missing digest type");
  EXPECT_EQ(error(RRType::DS, "1 8 256 AB"), "DS RDATA: digest type: 256 is over 255");
  EXPECT_EQ(error(RRType::DS, "1 8 2 ABC"), "DS RDATA: digest: odd number of hex digits");
  EXPECT_EQ(error(RRType::CDNSKEY, "256 3 X"), "CDNSKEY RDATA: unknown DNSSEC algorithm \"X\"");
  EXPECT_EQ(error(RRType::DNSKEY, "256 3 8 A"),
            "DNSKEY RDATA: public key: base64 data of "
            "impossible length");
  EXPECT_EQ(error(RRType::RRSIG, "X"), "RRSIG RDATA: unknown type covered \"X\"");
  EXPECT_EQ(error(RRType::RRSIG, "A 8 2 300 x"),
            "RRSIG RDATA: expiration: time \"x\" is not YYYYMMDDHHmmSS");
  EXPECT_EQ(error(RRType::RRSIG, "A 8 2 300 0 0 1"), "RRSIG RDATA: missing signer");
  EXPECT_EQ(error(RRType::NSEC, "a. A NOPE"), "NSEC RDATA: unknown type \"NOPE\" in type list");
  EXPECT_EQ(error(RRType::NSEC3, "1 0 0 -"), "NSEC3 RDATA: missing next hashed owner name");
  EXPECT_EQ(error(RRType::NSEC3, "1 0 0 zz"), "NSEC3 RDATA: salt: 'z' is not a hex digit");
  EXPECT_EQ(error(RRType::NSEC3PARAM, "1 0 0 - x"), "NSEC3PARAM RDATA: unexpected field \"x\"");
  EXPECT_EQ(error(RRType::MX, "10"), "MX RDATA: missing name");
  EXPECT_EQ(error(RRType::SRV, "1 2 x"), "SRV RDATA: number: \"x\" is not a decimal number");
  EXPECT_EQ(error(static_cast<RRType>(13), "\"PC\""), "HINFO RDATA: missing character-string");
  EXPECT_EQ(error(static_cast<RRType>(24), "1"),
            "no presentation format for SIG RDATA here; write it as \\# <length> <hex> "
            "(RFC 3597 §5)");

  auto decodeError = [](RRType type, std::string_view hex) {
    auto r = decodeRdata(type, hexBytes(hex));
    return r ? std::string("ok") : r.error().message;
  };
  EXPECT_EQ(decodeError(RRType::TXT, ""),
            "TXT RDATA does not fit its type: TXT RDATA without a character-string");
  EXPECT_EQ(decodeError(RRType::NSEC3, "01000000 00 00"),
            "NSEC3 RDATA does not fit its type: NSEC3 with an empty next hashed owner");
  EXPECT_EQ(decodeError(RRType::A, "C000020101"), "A RDATA has 1 octets after its last field");
}

}  // namespace
}  // namespace zonewatch::dns
