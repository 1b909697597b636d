// deflateText/inflateText: text comes back byte for byte, and a blob that is damaged, truncated,
// padded or inflates past the cap is an error that says which, never a crash or other text.
#include "storage/deflate.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

namespace zonewatch::storage {
namespace {

// Evidence as the daemon renders it: repeated owner names, records and base64 signatures.
std::string evidenceLike() {
  std::string text;
  for (int server = 1; server <= 3; ++server) {
    text += "; server ns" + std::to_string(server) + ".example.com. 192.0.2." +
            std::to_string(server) + "\n";
    text += "example.com. 300 IN NS ns1.example.com.\nexample.com. 300 IN NS ns2.example.com.\n";
    text +=
        "example.com. 300 IN RRSIG NS 13 2 300 20270105041022 20261206031022 26609 example.com. "
        "8/"
        "cDN+m+3vqFBhvM3X1AN8rImFUDiLJmxSdFmlkPuZi9xShO91eN2BM8FKDzTP+AhJnYW5tbeR3tR88xflg8RA==\n";
  }
  return text;
}

std::vector<uint8_t> deflated(const std::string& text) {
  auto blob = deflateText(text);
  EXPECT_TRUE(blob.ok()) << blob.error().message;
  return blob.ok() ? *blob : std::vector<uint8_t>{};
}

TEST(DeflateTest, TextRoundTripsByteForByteAndShrinks) {
  const std::string text = evidenceLike();
  const auto blob = deflated(text);
  EXPECT_LT(blob.size() * 2, text.size()) << "repetitive evidence should at least halve";
  auto back = inflateText(blob);
  ASSERT_TRUE(back.ok()) << back.error().message;
  EXPECT_EQ(*back, text);

  // Empty text and text with every byte value survive too.
  auto empty = inflateText(deflated(""));
  ASSERT_TRUE(empty.ok()) << empty.error().message;
  EXPECT_EQ(*empty, "");
  std::string binary;
  for (int i = 0; i < 256 * 4; ++i) binary += static_cast<char>(i % 256);
  auto all = inflateText(deflated(binary));
  ASSERT_TRUE(all.ok()) << all.error().message;
  EXPECT_EQ(*all, binary);
}

TEST(DeflateTest, ADamagedBlobIsAnErrorNotOtherText) {
  const std::string text = evidenceLike();
  const auto blob = deflated(text);
  ASSERT_GT(blob.size(), 20u);

  // A flipped bit anywhere (header, data or the Adler-32 at the end) is caught.
  for (size_t at : {size_t{0}, blob.size() / 2, blob.size() - 1}) {
    auto damaged = blob;
    damaged[at] ^= 0x10;
    auto back = inflateText(damaged);
    ASSERT_FALSE(back.ok()) << "byte " << at << " flipped still inflated";
    EXPECT_NE(back.error().message.find("damaged"), std::string::npos) << back.error().message;
  }

  auto truncated = inflateText(std::span(blob).first(blob.size() - 5));
  ASSERT_FALSE(truncated.ok());
  EXPECT_NE(truncated.error().message.find("truncated"), std::string::npos)
      << truncated.error().message;

  auto padded = blob;
  padded.push_back(0);
  auto stray = inflateText(padded);
  ASSERT_FALSE(stray.ok());
  EXPECT_NE(stray.error().message.find("stray bytes"), std::string::npos) << stray.error().message;

  auto nothing = inflateText({});
  EXPECT_FALSE(nothing.ok());
  const std::vector<uint8_t> plainText(text.begin(), text.end());  // never deflated
  EXPECT_FALSE(inflateText(plainText).ok());
}

// Deflate packs up to 1032 bytes into one: a few KiB of blob can claim megabytes.
TEST(DeflateTest, InflatingStopsAtTheCap) {
  const std::string bomb(4 * kMaxInflatedBytes, 'a');
  const auto blob = deflated(bomb);
  EXPECT_LT(blob.size(), 8 * 1024u);
  auto capped = inflateText(blob);
  ASSERT_FALSE(capped.ok());
  EXPECT_NE(capped.error().message.find("more than " + std::to_string(kMaxInflatedBytes)),
            std::string::npos)
      << capped.error().message;
  auto allowed = inflateText(blob, bomb.size());
  ASSERT_TRUE(allowed.ok()) << allowed.error().message;
  EXPECT_EQ(allowed->size(), bomb.size());

  // The cap is inclusive: text exactly as long passes, one byte shorter a cap fails.
  const std::string text = evidenceLike();
  const auto small = deflated(text);
  auto exact = inflateText(small, text.size());
  ASSERT_TRUE(exact.ok()) << exact.error().message;
  EXPECT_EQ(*exact, text);
  EXPECT_FALSE(inflateText(small, text.size() - 1).ok());
}

}  // namespace
}  // namespace zonewatch::storage
