#include "monitor/dns/wire.h"

#include <string>

namespace zonewatch::dns {

namespace {

constexpr uint8_t kPointerMask = 0xC0;

Unexpected<ParseError> errorAt(ParseErrc code, size_t at, std::string what) {
  return Unexpected{ParseError{code, at, std::move(what)}};
}

// Where WireReader::name() is in the message while it reads one name.
struct NameWalk {
  size_t cursor;  // the next length octet or pointer
  size_t limit;   // the window before the first pointer, the whole message after it
  // RFC 1035 §4.1.4 only says a pointer refers to a prior occurrence. Requiring every target to lie
  // strictly before the start of the labels being read makes the targets strictly decreasing, so no
  // chain can loop; a compressor only ever points at names it wrote earlier, so none is rejected.
  size_t segmentStart;
  size_t after = segmentStart;  // where the reader's cursor goes once the whole name has been read
  size_t hops = 0;
  bool jumped = false;
};

// The compression pointer at walk.cursor (RFC 1035 §4.1.4): checks it and moves the walk to its
// target.
Status<ParseError> followPointer(std::span<const uint8_t> message, NameWalk& walk,
                                 bool allowCompression) {
  size_t at = walk.cursor;
  if (!allowCompression) {
    return errorAt(ParseErrc::kBadPointer, at, "compression pointer where none is allowed");
  }
  if (at + 1 >= walk.limit) {
    return errorAt(ParseErrc::kTruncated, at, "data ends inside a compression pointer");
  }
  size_t target = (size_t{message[at] & 0x3Fu} << 8) | message[at + 1];
  if (target >= message.size()) {
    return errorAt(ParseErrc::kBadPointer, at,
                   "compression pointer to " + std::to_string(target) + " beyond the message");
  }
  if (target >= walk.segmentStart) {
    return errorAt(ParseErrc::kBadPointer, at,
                   "compression pointer to " + std::to_string(target) +
                       " does not point backwards (must be before " +
                       std::to_string(walk.segmentStart) + ")");
  }
  if (++walk.hops > kMaxPointerHops) {
    return errorAt(ParseErrc::kPointerLoop, at,
                   "more than " + std::to_string(kMaxPointerHops) + " compression pointers");
  }
  if (!walk.jumped) {
    walk.after = at + 2;
    walk.jumped = true;
  }
  walk.cursor = target;
  walk.segmentStart = target;
  walk.limit = message.size();
  return Ok{};
}

// The label at walk.cursor (not a pointer), appended to wire; the root label ends the name.
Status<ParseError> appendLabel(std::span<const uint8_t> message, NameWalk& walk,
                               std::vector<uint8_t>& wire) {
  size_t at = walk.cursor;
  uint8_t len = message[at];
  if ((len & kPointerMask) != 0) {
    // RFC 6891 §5 retired the 0x40 extended label type; 0x80 was never assigned.
    return errorAt(ParseErrc::kBadLabel, at,
                   "length octet " + std::to_string(len) + " (label type " +
                       ((len & kPointerMask) == 0x40 ? "0x40" : "0x80") +
                       ": a label over 63 octets or a retired label type)");
  }
  if (wire.size() + 1 + len > kMaxNameLength) {
    return errorAt(ParseErrc::kNameTooLong, at,
                   "name longer than " + std::to_string(kMaxNameLength) + " octets");
  }
  if (len == 0) {
    wire.push_back(0);
    if (!walk.jumped) walk.after = at + 1;
    return Ok{};
  }
  if (at + 1 + len > walk.limit) {
    return errorAt(ParseErrc::kTruncated, at, "data ends inside a label");
  }
  auto label = message.subspan(at, 1 + size_t{len});
  wire.insert(wire.end(), label.begin(), label.end());
  walk.cursor += label.size();
  return Ok{};
}

// Appends one field of a layout from rdata to out, expanding and maybe lowercasing a name.
Status<ParseError> copyField(const RdataField& field, WireReader& rdata, bool allowCompression,
                             bool lowercaseNames, std::vector<uint8_t>& out) {
  auto append = [&out](std::span<const uint8_t> b) { out.insert(out.end(), b.begin(), b.end()); };
  switch (field.kind) {
    case RdataField::kFixed: {
      ZONEWATCH_DNS_TRY(auto b, rdata.bytes(field.length));
      append(b);
      break;
    }
    case RdataField::kCharString: {
      ZONEWATCH_DNS_TRY(uint8_t len, rdata.u8());
      ZONEWATCH_DNS_TRY(auto b, rdata.bytes(len));
      out.push_back(len);
      append(b);
      break;
    }
    case RdataField::kName: {
      ZONEWATCH_DNS_TRY(Name n, rdata.name(allowCompression));
      append(lowercaseNames ? n.lowercased().wire() : n.wire());
      break;
    }
    case RdataField::kRest: {
      ZONEWATCH_DNS_TRY(auto b, rdata.bytes(rdata.remaining()));
      append(b);
      break;
    }
  }
  return Ok{};
}

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
  // pointer lie earlier in the message and are bounded by the message itself. The loop ends within
  // kMaxNameLength octets of labels and kMaxPointerHops pointers.
  NameWalk walk{pos_, end_, pos_};
  std::vector<uint8_t> wire;
  wire.reserve(64);
  for (;;) {
    if (walk.cursor >= walk.limit) {
      return errorAt(ParseErrc::kTruncated, walk.cursor, "data ends inside a name");
    }
    uint8_t len = message_[walk.cursor];
    auto step = (len & kPointerMask) == kPointerMask
                    ? followPointer(message_, walk, allowCompression)
                    : appendLabel(message_, walk, wire);
    if (!step) return Unexpected{step.error()};
    if (len == 0) break;
  }
  auto parsed = Name::fromWire(wire);
  if (!parsed) return errorAt(ParseErrc::kBadLabel, pos_, parsed.error().message);
  pos_ = walk.after;
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
    if (auto s = copyField(field, rdata, allowCompression, lowercaseNames, out); !s) {
      // Running off the RDATA is a shape problem of the record; a bad pointer or label is the
      // name's own fault and keeps its specific code.
      if (s.error().code == ParseErrc::kTruncated) return badRdata(s.error());
      return Unexpected{s.error()};
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
