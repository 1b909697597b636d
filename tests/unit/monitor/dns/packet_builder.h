// Test helper: writes raw DNS messages octet by octet, including compression pointers and
// deliberately broken fields that the codec's own encoder would never produce.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "monitor/dns/presentation.h"

namespace zonewatch::dns::testing {

inline std::vector<uint8_t> hexBytes(std::string_view text) {
  auto r = fromHex(text);
  if (!r) throw std::invalid_argument("bad hex in test: " + r.error().message);
  return std::move(r).value();
}

class PacketBuilder {
 public:
  PacketBuilder& u8(uint8_t v) {
    b_.push_back(v);
    return *this;
  }
  PacketBuilder& u16(uint16_t v) {
    b_.push_back(static_cast<uint8_t>(v >> 8));
    b_.push_back(static_cast<uint8_t>(v));
    return *this;
  }
  PacketBuilder& u32(uint32_t v) {
    u16(static_cast<uint16_t>(v >> 16));
    return u16(static_cast<uint16_t>(v));
  }
  PacketBuilder& bytes(const std::vector<uint8_t>& v) {
    b_.insert(b_.end(), v.begin(), v.end());
    return *this;
  }
  // Labels only (no terminating root): "www.example" -> 3www7example. Call root() or ptr() after.
  PacketBuilder& labels(std::string_view dotted) {
    size_t start = 0;
    while (start < dotted.size()) {
      size_t dot = dotted.find('.', start);
      if (dot == std::string_view::npos) dot = dotted.size();
      std::string_view l = dotted.substr(start, dot - start);
      b_.push_back(static_cast<uint8_t>(l.size()));
      b_.insert(b_.end(), l.begin(), l.end());
      start = dot + 1;
    }
    return *this;
  }
  PacketBuilder& label(const std::string& l) {
    b_.push_back(static_cast<uint8_t>(l.size()));
    b_.insert(b_.end(), l.begin(), l.end());
    return *this;
  }
  PacketBuilder& root() { return u8(0); }
  // A full uncompressed name.
  PacketBuilder& name(std::string_view dotted) { return labels(dotted).root(); }
  PacketBuilder& ptr(uint16_t offset) { return u16(static_cast<uint16_t>(0xC000 | offset)); }

  // Header with the given counts; flags default to a plain authoritative response.
  PacketBuilder& header(uint16_t qd, uint16_t an, uint16_t ns, uint16_t ar, uint16_t flags = 0x8400,
                        uint16_t id = 0x1234) {
    return u16(id).u16(flags).u16(qd).u16(an).u16(ns).u16(ar);
  }
  // Record header after the owner: type, class IN, TTL, RDLENGTH.
  PacketBuilder& rr(uint16_t type, uint32_t ttl, uint16_t rdlength, uint16_t rclass = 1) {
    return u16(type).u16(rclass).u32(ttl).u16(rdlength);
  }
  // Starts a record whose RDLENGTH is filled in by endRdata().
  PacketBuilder& rrOpen(uint16_t type, uint32_t ttl, uint16_t rclass = 1) {
    u16(type).u16(rclass).u32(ttl);
    rdlengthAt_ = b_.size();
    return u16(0);
  }
  PacketBuilder& endRdata() {
    size_t len = b_.size() - rdlengthAt_ - 2;
    b_[rdlengthAt_] = static_cast<uint8_t>(len >> 8);
    b_[rdlengthAt_ + 1] = static_cast<uint8_t>(len);
    return *this;
  }

  uint16_t here() const { return static_cast<uint16_t>(b_.size()); }
  const std::vector<uint8_t>& data() const { return b_; }

 private:
  std::vector<uint8_t> b_;
  size_t rdlengthAt_ = 0;
};

}  // namespace zonewatch::dns::testing
