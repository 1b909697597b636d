// deflateText/inflateText over zlib's one-shot stream API, with each z_stream ended on every path.
#include "storage/deflate.h"

// next_in as a pointer to const: no const_cast of the caller's text.
#define ZLIB_CONST
#include <zlib.h>

#include <algorithm>
#include <limits>
#include <string>

namespace zonewatch::storage {
namespace {

// Ends the deflate or inflate stream it guards when the function returns, whatever the path.
template <int (*End)(z_streamp)>
class StreamGuard {
 public:
  explicit StreamGuard(z_stream& z) : z_(z) {}
  StreamGuard(const StreamGuard&) = delete;
  StreamGuard& operator=(const StreamGuard&) = delete;
  ~StreamGuard() { End(&z_); }

 private:
  z_stream& z_;
};

// z_stream counts in uInt (32 bits): larger inputs would need a loop that nothing here needs.
constexpr size_t kMaxZlibInput = std::numeric_limits<uInt>::max();

// The smallest window that spans `size` bytes (2^9 to zlib's 2^15), and a hash table to match.
// Deflate cannot refer further back than the text's start, so a larger window only costs zlib's
// set-up, which dominates for a few KiB: 3.1 KB of evidence deflated in 74 us with zlib's defaults
// (windowBits 15, memLevel 8) and in 23 us with 12 and 6, to the same 741 bytes. The zlib header
// records the window, and inflate accepts any.
struct Window {
  int bits;
  int memLevel;
};

Window windowFor(size_t size) {
  int bits = 9;
  while (bits < 15 && (size_t{1} << bits) < size) ++bits;
  return {bits, std::min(8, bits - 6)};
}

std::string zlibMessage(const z_stream& z, int rc) {
  if (z.msg != nullptr) return z.msg;
  return zError(rc);
}

}  // namespace

Result<std::vector<uint8_t>> deflateText(std::string_view text) {
  if (text.size() > kMaxZlibInput) return fail("text too large to compress");
  z_stream z{};
  // windowBits from 9 to 15 with no offset: the zlib format, not raw deflate nor gzip.
  const Window window = windowFor(text.size());
  int rc =
      deflateInit2(&z, kDeflateLevel, Z_DEFLATED, window.bits, window.memLevel, Z_DEFAULT_STRATEGY);
  if (rc != Z_OK) return fail("cannot start compressing: " + zlibMessage(z, rc));
  StreamGuard<deflateEnd> guard(z);
  // deflateBound: the output never exceeds it, so one call with Z_FINISH completes the stream.
  std::vector<uint8_t> out(deflateBound(&z, static_cast<uLong>(text.size())));
  z.next_in = reinterpret_cast<const Bytef*>(text.data());
  z.avail_in = static_cast<uInt>(text.size());
  z.next_out = out.data();
  z.avail_out = static_cast<uInt>(out.size());
  rc = deflate(&z, Z_FINISH);
  if (rc != Z_STREAM_END) return fail("cannot compress: " + zlibMessage(z, rc));
  out.resize(z.total_out);
  return out;
}

Result<std::string> inflateText(std::span<const uint8_t> blob, size_t maxBytes) {
  if (blob.size() > kMaxZlibInput) return fail("compressed data too large");
  z_stream z{};
  int rc = inflateInit(&z);  // zlib format: header and Adler-32 checked
  if (rc != Z_OK) return fail("cannot start inflating: " + zlibMessage(z, rc));
  StreamGuard<inflateEnd> guard(z);
  z.next_in = blob.data();
  z.avail_in = static_cast<uInt>(blob.size());
  // Text usually deflates to a third; grow by doubling from there, never past maxBytes + 1 (one
  // byte more than allowed is how an oversized text is told from one exactly at the cap).
  const size_t limit = std::min(maxBytes, kMaxZlibInput - 1) + 1;
  std::string out(std::min(limit, blob.size() * 4 + 64), '\0');
  for (;;) {
    z.next_out = reinterpret_cast<Bytef*>(out.data() + z.total_out);
    z.avail_out = static_cast<uInt>(out.size() - z.total_out);
    rc = inflate(&z, Z_NO_FLUSH);
    if (z.total_out > maxBytes) {
      return fail("compressed data inflates to more than " + std::to_string(maxBytes) +
                  " bytes, the cap (damaged, or not written by zonewatch)");
    }
    if (rc == Z_STREAM_END) break;
    if (rc == Z_BUF_ERROR && z.avail_in == 0) return fail("compressed data is truncated");
    if (rc != Z_OK && rc != Z_BUF_ERROR) {
      return fail("compressed data is damaged (" + zlibMessage(z, rc) + ")");
    }
    if (z.avail_out == 0) out.resize(std::min(limit, out.size() * 2));
  }
  if (z.avail_in != 0) return fail("compressed data is followed by stray bytes");
  out.resize(z.total_out);
  return out;
}

}  // namespace zonewatch::storage
