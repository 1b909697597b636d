#include "monitor/util/hex.h"

#include <gtest/gtest.h>

#include <array>
#include <vector>

namespace zonewatch {
namespace {

TEST(HexTest, LowercaseTwoDigitsPerByte) {
  EXPECT_EQ(toLowerHex({}), "");
  const std::array<uint8_t, 6> bytes{0x00, 0x0a, 0x7f, 0x80, 0xde, 0xff};
  EXPECT_EQ(toLowerHex(bytes), "000a7f80deff");
  const std::vector<uint8_t> one{0x5};
  EXPECT_EQ(toLowerHex(one), "05");
}

TEST(HexTest, PercentDecodingKeepsWhatIsNotAnEscape) {
  EXPECT_EQ(percentDecoded("p%40ss%2Fw%3Ard"), "p@ss/w:rd");
  EXPECT_EQ(percentDecoded("%e2%82%AC"), "\xE2\x82\xAC");  // either case
  EXPECT_EQ(percentDecoded("100%"), "100%");               // too short to be an escape
  EXPECT_EQ(percentDecoded("%zz%4"), "%zz%4");             // not hex digits
  EXPECT_EQ(percentDecoded("%00"), std::string(1, '\0'));
  EXPECT_EQ(percentDecoded("a+b"), "a+b");  // a '+' in a URI path or userinfo is a '+'
  EXPECT_EQ(percentDecoded("a+b%2B", /*plusIsSpace=*/true), "a b+");
}

}  // namespace
}  // namespace zonewatch
