#include "monitor/dns/types.h"

#include <gtest/gtest.h>

namespace zonewatch::dns {
namespace {

TEST(TypesTest, EveryEnumeratorHasItsMnemonic) {
  const std::pair<RRType, const char*> kExpected[] = {
      {RRType::A, "A"},
      {RRType::NS, "NS"},
      {RRType::CNAME, "CNAME"},
      {RRType::SOA, "SOA"},
      {RRType::PTR, "PTR"},
      {RRType::MX, "MX"},
      {RRType::TXT, "TXT"},
      {RRType::AAAA, "AAAA"},
      {RRType::SRV, "SRV"},
      {RRType::DNAME, "DNAME"},
      {RRType::OPT, "OPT"},
      {RRType::DS, "DS"},
      {RRType::RRSIG, "RRSIG"},
      {RRType::NSEC, "NSEC"},
      {RRType::DNSKEY, "DNSKEY"},
      {RRType::NSEC3, "NSEC3"},
      {RRType::NSEC3PARAM, "NSEC3PARAM"},
      {RRType::CDS, "CDS"},
      {RRType::CDNSKEY, "CDNSKEY"},
      {RRType::ANY, "ANY"},
  };
  for (const auto& [type, name] : kExpected) {
    EXPECT_EQ(typeToString(type), name);
    ASSERT_TRUE(typeFromString(name).has_value()) << name;
    EXPECT_EQ(*typeFromString(name), type) << name;
  }
}

TEST(TypesTest, UnknownTypesUseRfc3597Form) {
  EXPECT_EQ(typeToString(static_cast<RRType>(65280)), "TYPE65280");
  EXPECT_EQ(typeToString(static_cast<RRType>(0)), "TYPE0");
  EXPECT_EQ(typeFromString("TYPE65280"), static_cast<RRType>(65280));
  EXPECT_EQ(typeFromString("type1"), RRType::A);  // RFC 3597 §5: TYPEnnn works for known types too
  EXPECT_EQ(typeFromString("TYPE65535"), static_cast<RRType>(65535));
}

TEST(TypesTest, MnemonicsAreCaseInsensitive) {
  EXPECT_EQ(typeFromString("dnskey"), RRType::DNSKEY);
  EXPECT_EQ(typeFromString("NsEc3PaRaM"), RRType::NSEC3PARAM);
  EXPECT_EQ(typeFromString("naptr"), static_cast<RRType>(35));
}

TEST(TypesTest, RejectsMalformedTypeText) {
  for (const char* bad :
       {"", "TYPE", "TYPE65536", "TYPE-1", "TYPE1x", "TYPE 1", "TYPE000001", "AA", "A ", "IN"}) {
    EXPECT_FALSE(typeFromString(bad).has_value()) << bad;
  }
}

TEST(TypesTest, EveryTypeValueRoundTripsThroughText) {
  for (uint32_t v = 0; v <= 0xFFFF; ++v) {
    auto t = static_cast<RRType>(v);
    auto back = typeFromString(typeToString(t));
    ASSERT_TRUE(back.has_value()) << v;
    ASSERT_EQ(toU16(*back), v);
  }
}

TEST(TypesTest, Rcodes) {
  EXPECT_EQ(rcodeToString(0), "NOERROR");
  EXPECT_EQ(rcodeToString(2), "SERVFAIL");
  EXPECT_EQ(rcodeToString(3), "NXDOMAIN");
  EXPECT_EQ(rcodeToString(5), "REFUSED");
  EXPECT_EQ(rcodeToString(16), "BADVERS");
  EXPECT_EQ(rcodeToString(24), "RCODE24");
  EXPECT_EQ(rcodeToString(4095), "RCODE4095");
}

TEST(TypesTest, Classes) {
  EXPECT_EQ(classToString(1), "IN");
  EXPECT_EQ(classToString(3), "CH");
  EXPECT_EQ(classToString(32), "CLASS32");
  EXPECT_EQ(classFromString("in"), 1);
  EXPECT_EQ(classFromString("CLASS4"), 4);
  EXPECT_FALSE(classFromString("CLASS").has_value());
  EXPECT_FALSE(classFromString("A").has_value());
}

}  // namespace
}  // namespace zonewatch::dns
