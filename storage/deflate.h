// Compression of the text the store keeps (a snapshot's evidence), which deflates to under a
// third of its size. The format is zlib's (RFC 1950: a deflate
// stream, RFC 1951, with an Adler-32 checksum of the text): the checksum makes a damaged blob an
// error instead of other text. deflate.cpp is the only file that includes <zlib.h>.
//
// Inflating is bounded: a blob read back from the database may be damaged or written by someone
// else, and deflate packs up to 1032 bytes into one (https://www.zlib.net/zlib_tech.html), so a
// small blob could otherwise ask for gigabytes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "monitor/util/result.h"

namespace zonewatch::storage {

// zlib's level 6 (its default). Measured on the evidence of 10,000 lab domains (3.1 KB each):
// level 1 leaves 30.7% of the text, 6 leaves 30.0%, 9 leaves 29.8%; each takes about the same time
// for texts this small (zlib's set-up dominates), and level 9 can be many times slower than 6 on
// large repetitive text, which evidence may be (256 KiB of a hostile answer).
inline constexpr int kDeflateLevel = 6;

// The largest text inflateText() returns by default: four times the evidence cap (evidence.h, and
// a static_assert in sqlite_store.cpp), so a blob that inflates to more is damaged or not ours.
inline constexpr size_t kMaxInflatedBytes = 1024 * 1024;

// `text` in zlib's format at kDeflateLevel. Fails only when zlib cannot allocate its state or the
// text is larger than zlib's 32-bit counters.
Result<std::vector<uint8_t>> deflateText(std::string_view text);

// The text `blob` holds, or why not: damaged (bad header, data or checksum), truncated, followed
// by stray bytes, or inflating to more than `maxBytes`, whose error says so and names the cap.
Result<std::string> inflateText(std::span<const uint8_t> blob, size_t maxBytes = kMaxInflatedBytes);

}  // namespace zonewatch::storage
