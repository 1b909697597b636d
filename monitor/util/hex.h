// Lowercase hexadecimal text of bytes, for digests and signatures that receivers and the store
// compare as text (webhook HMAC signatures, the differ's event ids), and percent-decoding (RFC 3986
// §2.1) for the URIs zonewatch reads: database URIs and the page's query strings. DNS presentation
// format wants uppercase and has its own toHex in monitor/dns/presentation.h.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

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

// The value of one hexadecimal digit, either case; -1 for any other character.
inline int hexDigitValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// `text` with each %XX replaced by its octet (RFC 3986 §2.1); a '%' not followed by two hex
// digits stays as it is. `plusIsSpace`: '+' is a space too, as in HTML form queries
// (application/x-www-form-urlencoded), never in URI paths or userinfo.
inline std::string percentDecoded(std::string_view text, bool plusIsSpace = false) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    if (plusIsSpace && text[i] == '+') {
      out += ' ';
    } else if (text[i] == '%' && i + 2 < text.size() && hexDigitValue(text[i + 1]) >= 0 &&
               hexDigitValue(text[i + 2]) >= 0) {
      out += static_cast<char>(hexDigitValue(text[i + 1]) * 16 + hexDigitValue(text[i + 2]));
      i += 2;
    } else {
      out += text[i];
    }
  }
  return out;
}

}  // namespace zonewatch
