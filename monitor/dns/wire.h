// Bounds-checked cursors over DNS wire data: WireReader for untrusted input, WireWriter for output.
//
// Every read is checked against the end of its window and returns a ParseError instead of reading
// past it (the idea of c-ares' ares_buf.c). A reader sees the whole message, so compression
// pointers can reach back before its window, while its own fields must fit inside the window; this
// is what lets the message parser expand names inside RDATA without trusting RDLENGTH twice.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "monitor/dns/message.h"
#include "monitor/dns/name.h"
#include "monitor/dns/rdata.h"
#include "monitor/util/result.h"

namespace zonewatch::dns {

// RFC 1035 §4.1.4 does not bound pointer chains; legitimate messages need a handful of hops, so a
// chain this long is treated as hostile even though strictly backward pointers cannot loop.
constexpr size_t kMaxPointerHops = 128;

class WireReader {
 public:
  // A reader whose window is the whole of `message`.
  explicit WireReader(std::span<const uint8_t> message);

  size_t position() const { return pos_; }
  size_t end() const { return end_; }
  size_t remaining() const { return end_ - pos_; }
  bool atEnd() const { return pos_ == end_; }
  std::span<const uint8_t> message() const { return message_; }

  Result<uint8_t, ParseError> u8();
  Result<uint16_t, ParseError> u16();
  Result<uint32_t, ParseError> u32();
  Result<std::span<const uint8_t>, ParseError> bytes(size_t n);
  Status<ParseError> skip(size_t n);

  // A name at the cursor. With compression, pointers may target any earlier offset of the message
  // (RFC 1035 §4.1.4); without it a pointer is kBadPointer (RFC 3597 §4, RFC 4034 §3.1.7).
  Result<Name, ParseError> name(bool allowCompression = true);

  // A reader over the next n bytes of this one (same message, narrower window); this reader's
  // cursor moves past them.
  Result<WireReader, ParseError> window(size_t n);

  // A ParseError at the cursor, for callers that detect a problem themselves.
  ParseError error(ParseErrc code, std::string_view what) const;

 private:
  WireReader(std::span<const uint8_t> message, size_t pos, size_t end)
      : message_(message), pos_(pos), end_(end) {}
  Status<ParseError> need(size_t n, std::string_view what) const;

  std::span<const uint8_t> message_;
  size_t pos_ = 0;
  size_t end_ = 0;
};

// Appends big-endian fields to a byte vector. Names are written uncompressed: zonewatch only
// builds queries and test answers, where a few extra octets do not matter.
class WireWriter {
 public:
  WireWriter() = default;

  void u8(uint8_t v) { out_.push_back(v); }
  void u16(uint16_t v);
  void u32(uint32_t v);
  void bytes(std::span<const uint8_t> data) { out_.insert(out_.end(), data.begin(), data.end()); }
  void name(const Name& n) { bytes(n.wire()); }
  // A character-string (RFC 1035 §3.3): length octet then data; callers keep data <= 255 octets.
  void characterString(std::string_view s);
  // Overwrites a u16 written earlier, e.g. an RDLENGTH once the RDATA is known.
  void patchU16(size_t offset, uint16_t v);

  size_t size() const { return out_.size(); }
  const std::vector<uint8_t>& data() const { return out_; }
  std::vector<uint8_t> take() { return std::move(out_); }

 private:
  std::vector<uint8_t> out_;
};

// Copies RDATA of `type` from `rdata` (a window over exactly the RDATA) following rdataLayout():
// embedded names are expanded from compression pointers when allowCompression (the message parser,
// RFC 3597 §4) and lowercased when lowercaseNames (RFC 4034 §6.2). Types without a layout are
// copied as they are. Fails with kBadRdata when the RDATA does not fill the layout exactly, and
// with the name's own error (kBadPointer, kNameTooLong, ...) when an embedded name is malformed.
Result<std::vector<uint8_t>, ParseError> copyRdata(RRType type, WireReader rdata,
                                                   bool allowCompression, bool lowercaseNames);

}  // namespace zonewatch::dns

// Inside the codec's .cpp files: evaluate a Result, return its error from the enclosing function,
// else assign its value. Kept to this module (the error types must match).
#define ZONEWATCH_DNS_CONCAT_INNER(a, b) a##b
#define ZONEWATCH_DNS_CONCAT(a, b) ZONEWATCH_DNS_CONCAT_INNER(a, b)
#define ZONEWATCH_DNS_TRY(lhs, expr)                                                     \
  auto ZONEWATCH_DNS_CONCAT(try_result_, __LINE__) = (expr);                             \
  if (!ZONEWATCH_DNS_CONCAT(try_result_, __LINE__)) {                                    \
    return ::zonewatch::Unexpected{ZONEWATCH_DNS_CONCAT(try_result_, __LINE__).error()}; \
  }                                                                                      \
  lhs = std::move(ZONEWATCH_DNS_CONCAT(try_result_, __LINE__)).value()
