#include "monitor/dns/wire.h"

#include <string>

namespace zonewatch::dns {

namespace {

constexpr uint8_t kPointerMask = 0xC0;

}  // namespace

WireReader::WireReader(std::span<const uint8_t> message)
    : message_(message), pos_(0), end_(message.size()) {}

ParseError WireReader::error(ParseErrc code, std::string_view what) const {
  return ParseError{code, pos_, std::string(what)};
}

Status<ParseError> WireReader::need(size_t n, std::string_view what) const {
  if (n > remaining()) {
    return Unexpected{ParseError{ParseErrc::kTruncated, pos_,
                                 "data ends before " + std::string(what) + " (need " +
                                     std::to_string(n) + " octets, have " +
                                     std::to_string(remaining()) + ")"}};
  }
  return Ok{};
}

Result<uint8_t, ParseError> WireReader::u8() {
  if (auto s = need(1, "an 8-bit field"); !s) return Unexpected{s.error()};
  return message_[pos_++];
}

Result<uint16_t, ParseError> WireReader::u16() {
  if (auto s = need(2, "a 16-bit field"); !s) return Unexpected{s.error()};
  auto v = static_cast<uint16_t>((message_[pos_] << 8) | message_[pos_ + 1]);
  pos_ += 2;
  return v;
}

Result<uint32_t, ParseError> WireReader::u32() {
  if (auto s = need(4, "a 32-bit field"); !s) return Unexpected{s.error()};
  uint32_t v = (uint32_t{message_[pos_]} << 24) | (uint32_t{message_[pos_ + 1]} << 16) |
               (uint32_t{message_[pos_ + 2]} << 8) | uint32_t{message_[pos_ + 3]};
  pos_ += 4;
  return v;
}

Result<std::span<const uint8_t>, ParseError> WireReader::bytes(size_t n) {
  if (auto s = need(n, "a field of " + std::to_string(n) + " octets"); !s) {
    return Unexpected{s.error()};
  }
  auto out = message_.subspan(pos_, n);
  pos_ += n;
  return out;
}

Status<ParseError> WireReader::skip(size_t n) {
  if (auto s = need(n, "the end of a skipped field"); !s) return s;
  pos_ += n;
  return Ok{};
}

Result<WireReader, ParseError> WireReader::window(size_t n) {
  if (auto s = need(n, "the end of a " + std::to_string(n) + "-octet field"); !s) {
    return Unexpected{s.error()};
  }
  WireReader sub(message_, pos_, pos_ + n);
  pos_ += n;
  return sub;
}

Result<Name, ParseError> WireReader::name(bool allowCompression) {
  // The labels before the first pointer must fit this reader's window; labels reached through a
  // pointer lie earlier in the message and are bounded by the message itself.
  std::vector<uint8_t> wire;
  wire.reserve(64);
  size_t cursor = pos_;
  size_t limit = end_;
  // RFC 1035 §4.1.4 only says a pointer refers to a prior occurrence. Requiring every target to lie
  // strictly before the start of the labels being read makes the targets strictly decreasing, so no
  // chain can loop; a compressor only ever points at names it wrote earlier, so none is rejected.
  size_t segmentStart = pos_;
  size_t hops = 0;
  bool jumped = false;
  size_t after = pos_;  // where the cursor goes once the whole name has been read
  auto fail = [&](ParseErrc code, size_t at, std::string what) {
    return Unexpected{ParseError{code, at, std::move(what)}};
  };
  for (;;) {
    if (cursor >= limit) return fail(ParseErrc::kTruncated, cursor, "data ends inside a name");
    uint8_t len = message_[cursor];
    if ((len & kPointerMask) == kPointerMask) {
      if (!allowCompression) {
        return fail(ParseErrc::kBadPointer, cursor, "compression pointer where none is allowed");
      }
      if (cursor + 1 >= limit) {
        return fail(ParseErrc::kTruncated, cursor, "data ends inside a compression pointer");
      }
      size_t target = (size_t{len & 0x3Fu} << 8) | message_[cursor + 1];
      if (target >= message_.size()) {
        return fail(ParseErrc::kBadPointer, cursor,
                    "compression pointer to " + std::to_string(target) + " beyond the message");
      }
      if (target >= segmentStart) {
        return fail(ParseErrc::kBadPointer, cursor,
                    "compression pointer to " + std::to_string(target) +
                        " does not point backwards (must be before " +
                        std::to_string(segmentStart) + ")");
      }
      if (++hops > kMaxPointerHops) {
        return fail(ParseErrc::kPointerLoop, cursor,
                    "more than " + std::to_string(kMaxPointerHops) + " compression pointers");
      }
      if (!jumped) {
        after = cursor + 2;
        jumped = true;
      }
      cursor = target;
      segmentStart = target;
      limit = message_.size();
      continue;
    }
    if ((len & kPointerMask) != 0) {
      // RFC 6891 §5 retired the 0x40 extended label type; 0x80 was never assigned.
      return fail(ParseErrc::kBadLabel, cursor,
                  "length octet " + std::to_string(len) + " (label type " +
                      ((len & kPointerMask) == 0x40 ? "0x40" : "0x80") +
                      ": a label over 63 octets or a retired label type)");
    }
    if (wire.size() + 1 + len > kMaxNameLength) {
      return fail(ParseErrc::kNameTooLong, cursor,
                  "name longer than " + std::to_string(kMaxNameLength) + " octets");
    }
    if (len == 0) {
      wire.push_back(0);
      if (!jumped) after = cursor + 1;
      break;
    }
    if (cursor + 1 + len > limit) {
      return fail(ParseErrc::kTruncated, cursor, "data ends inside a label");
    }
    wire.insert(wire.end(), message_.begin() + static_cast<std::ptrdiff_t>(cursor),
                message_.begin() + static_cast<std::ptrdiff_t>(cursor + 1 + len));
    cursor += 1 + size_t{len};
  }
  auto parsed = Name::fromWire(wire);
  if (!parsed) return fail(ParseErrc::kBadLabel, pos_, parsed.error().message);
  pos_ = after;
  return std::move(parsed).value();
}

void WireWriter::u16(uint16_t v) {
  out_.push_back(static_cast<uint8_t>(v >> 8));
  out_.push_back(static_cast<uint8_t>(v));
}

void WireWriter::u32(uint32_t v) {
  out_.push_back(static_cast<uint8_t>(v >> 24));
  out_.push_back(static_cast<uint8_t>(v >> 16));
  out_.push_back(static_cast<uint8_t>(v >> 8));
  out_.push_back(static_cast<uint8_t>(v));
}

void WireWriter::characterString(std::string_view s) {
  out_.push_back(static_cast<uint8_t>(s.size()));
  out_.insert(out_.end(), s.begin(), s.end());
}

void WireWriter::patchU16(size_t offset, uint16_t v) {
  out_.at(offset) = static_cast<uint8_t>(v >> 8);
  out_.at(offset + 1) = static_cast<uint8_t>(v);
}

Result<std::vector<uint8_t>, ParseError> copyRdata(RRType type, WireReader rdata,
                                                   bool allowCompression, bool lowercaseNames) {
  auto layout = rdataLayout(type);
  std::vector<uint8_t> out;
  out.reserve(rdata.remaining() + 32);
  auto badRdata = [&](const ParseError& e) {
    return Unexpected{
        ParseError{ParseErrc::kBadRdata, e.offset,
                   typeToString(type) + " RDATA does not fit its type: " + e.message}};
  };
  if (layout.empty()) {
    auto all = rdata.bytes(rdata.remaining());
    out.assign(all->begin(), all->end());
    return out;
  }
  for (const RdataField& field : layout) {
    switch (field.kind) {
      case RdataField::kFixed: {
        auto b = rdata.bytes(field.length);
        if (!b) return badRdata(b.error());
        out.insert(out.end(), b->begin(), b->end());
        break;
      }
      case RdataField::kCharString: {
        auto len = rdata.u8();
        if (!len) return badRdata(len.error());
        auto b = rdata.bytes(*len);
        if (!b) return badRdata(b.error());
        out.push_back(*len);
        out.insert(out.end(), b->begin(), b->end());
        break;
      }
      case RdataField::kName: {
        auto n = rdata.name(allowCompression);
        if (!n) {
          // Running off the RDATA is a shape problem of the record; a bad pointer or label is the
          // name's own fault and keeps its specific code.
          if (n.error().code == ParseErrc::kTruncated) return badRdata(n.error());
          return Unexpected{n.error()};
        }
        const Name& name = lowercaseNames ? n->lowercased() : *n;
        out.insert(out.end(), name.wire().begin(), name.wire().end());
        break;
      }
      case RdataField::kRest: {
        auto b = rdata.bytes(rdata.remaining());
        out.insert(out.end(), b->begin(), b->end());
        break;
      }
    }
  }
  if (!rdata.atEnd()) {
    return badRdata(rdata.error(
        ParseErrc::kBadRdata, std::to_string(rdata.remaining()) + " octets after the last field"));
  }
  if (out.size() > 0xFFFF) {
    return badRdata(
        rdata.error(ParseErrc::kBadRdata, "RDATA over 65535 octets once its names are expanded"));
  }
  return out;
}

}  // namespace zonewatch::dns
