// Lowercase hexadecimal text of bytes, for digests and signatures that receivers and the store
// compare as text (webhook HMAC signatures, the differ's event ids). DNS presentation format wants
// uppercase and has its own toHex in monitor/dns/presentation.h.
#pragma once

#include <cstdint>
#include <span>
#include <string>

namespace zonewatch {

// Two digits per byte, most significant nibble first: {0x0a, 0xff} gives "0aff".
inline std::string toLowerHex(std::span<const uint8_t> bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (const uint8_t b : bytes) {
    out += kDigits[b >> 4U];
    out += kDigits[b & 0x0FU];
  }
  return out;
}

}  // namespace zonewatch
