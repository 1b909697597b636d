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

}  // namespace
}  // namespace zonewatch
