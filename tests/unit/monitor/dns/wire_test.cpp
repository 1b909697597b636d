#include "monitor/dns/wire.h"

#include <gtest/gtest.h>

namespace zonewatch::dns {
namespace {

TEST(WireTest, ReaderReadsBigEndianFieldsAndStopsAtTheEnd) {
  const std::vector<uint8_t> data{0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07};
  WireReader r(data);
  EXPECT_EQ(*r.u8(), 0x01);
  EXPECT_EQ(*r.u16(), 0x0203);
  EXPECT_EQ(*r.u32(), 0x04050607u);
  EXPECT_TRUE(r.atEnd());
  auto more = r.u8();
  ASSERT_FALSE(more.ok());
  EXPECT_EQ(more.error().code, ParseErrc::kTruncated);
  EXPECT_EQ(more.error().offset, 7u);
}

TEST(WireTest, FailedReadsDoNotMoveTheCursor) {
  const std::vector<uint8_t> data{0x01, 0x02, 0x03};
  WireReader r(data);
  EXPECT_FALSE(r.u32().ok());
  EXPECT_FALSE(r.bytes(4).ok());
  EXPECT_FALSE(r.skip(4).ok());
  EXPECT_EQ(r.position(), 0u);
  EXPECT_EQ(*r.u16(), 0x0102);
  EXPECT_EQ(r.remaining(), 1u);
}

TEST(WireTest, WindowsBoundReadsButPointersSeeTheMessage) {
  // "a." at 0, then a window of 2 octets holding a pointer to it, then one more octet.
  const std::vector<uint8_t> data{0x01, 'a', 0x00, 0xC0, 0x00, 0xEE};
  WireReader r(data);
  ASSERT_TRUE(r.skip(3).ok());
  auto w = r.window(2);
  ASSERT_TRUE(w.ok());
  EXPECT_EQ(r.position(), 5u);
  auto n = w->name();
  ASSERT_TRUE(n.ok()) << n.error().message;
  EXPECT_EQ(n->toString(), "a.");
  EXPECT_TRUE(w->atEnd());
  EXPECT_FALSE(w->u8().ok());  // the 0xEE after the window is out of its reach
  EXPECT_FALSE(r.window(2).ok());
}

TEST(WireTest, NameWithoutCompressionRejectsPointers) {
  const std::vector<uint8_t> data{0x01, 'a', 0x00, 0xC0, 0x00};
  WireReader r(data);
  ASSERT_TRUE(r.skip(3).ok());
  auto n = r.name(false);
  ASSERT_FALSE(n.ok());
  EXPECT_EQ(n.error().code, ParseErrc::kBadPointer);
}

TEST(WireTest, FailedNameReadDoesNotMoveTheCursor) {
  // "a" then a pointer forward: the pointer is only found after the first label.
  const std::vector<uint8_t> data{0x01, 'a', 0xC0, 0x04, 0x00};
  WireReader r(data);
  auto n = r.name();
  ASSERT_FALSE(n.ok());
  EXPECT_EQ(n.error().code, ParseErrc::kBadPointer);
  EXPECT_EQ(n.error().offset, 2u);
  EXPECT_EQ(r.position(), 0u);
}

TEST(WireTest, NameCursorStopsAfterFirstPointer) {
  const std::vector<uint8_t> data{0x01, 'a', 0x00, 0x01, 'b', 0xC0, 0x00, 0x42};
  WireReader r(data);
  ASSERT_TRUE(r.skip(3).ok());
  auto n = r.name();
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(n->toString(), "b.a.");
  EXPECT_EQ(r.position(), 7u);
  EXPECT_EQ(*r.u8(), 0x42);
}

TEST(WireTest, WriterAppendsBigEndian) {
  WireWriter w;
  w.u8(1);
  w.u16(0x0203);
  w.u32(0x04050607);
  w.name(*Name::parse("a"));
  w.characterString("xy");
  w.patchU16(1, 0xBEEF);
  EXPECT_EQ(w.data(), (std::vector<uint8_t>{1, 0xBE, 0xEF, 4, 5, 6, 7, 1, 'a', 0, 2, 'x', 'y'}));
  EXPECT_EQ(w.size(), 13u);
}

TEST(WireTest, CopyRdataExpandsAndLowercases) {
  // Message: "Ex." at 0; RDATA (MX) at 4: preference, "Mail" + pointer to 0.
  const std::vector<uint8_t> data{0x02, 'E', 'x', 0x00, 0x00, 0x0A, 0x04,
                                  'M',  'a', 'i', 'l',  0xC0, 0x00};
  WireReader r(data);
  ASSERT_TRUE(r.skip(4).ok());
  auto window = r.window(9);
  ASSERT_TRUE(window.ok());
  auto expanded = copyRdata(RRType::MX, *window, true, false);
  ASSERT_TRUE(expanded.ok()) << expanded.error().message;
  EXPECT_EQ(*expanded, (std::vector<uint8_t>{0, 10, 4, 'M', 'a', 'i', 'l', 2, 'E', 'x', 0}));
  auto lowered = copyRdata(RRType::MX, *window, true, true);
  ASSERT_TRUE(lowered.ok());
  EXPECT_EQ(*lowered, (std::vector<uint8_t>{0, 10, 4, 'm', 'a', 'i', 'l', 2, 'e', 'x', 0}));
  auto noCompression = copyRdata(RRType::MX, *window, false, false);
  ASSERT_FALSE(noCompression.ok());
  EXPECT_EQ(noCompression.error().code, ParseErrc::kBadPointer);
}

}  // namespace
}  // namespace zonewatch::dns
