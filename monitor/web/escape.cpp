#include "monitor/web/escape.h"

#include <cstdint>

#include "monitor/util/hex.h"

namespace zonewatch::web {

namespace {

constexpr std::string_view kReplacement = "\xEF\xBF\xBD";  // U+FFFD

// The length of the well-formed UTF-8 sequence at text[i] (Unicode 15 table 3-7: no overlong
// forms, no surrogates, nothing above U+10FFFF), or 0 when the bytes there are not one.
size_t sequenceLength(std::string_view text, size_t i) {
  const auto byte = [&](size_t k) { return static_cast<uint8_t>(text[k]); };
  const uint8_t b0 = byte(i);
  if (b0 < 0x80) return 1;
  size_t n = 0;
  uint8_t lo = 0x80, hi = 0xBF;
  if (b0 >= 0xC2 && b0 <= 0xDF) {
    n = 2;
  } else if (b0 >= 0xE0 && b0 <= 0xEF) {
    n = 3;
    if (b0 == 0xE0) lo = 0xA0;
    if (b0 == 0xED) hi = 0x9F;
  } else if (b0 >= 0xF0 && b0 <= 0xF4) {
    n = 4;
    if (b0 == 0xF0) lo = 0x90;
    if (b0 == 0xF4) hi = 0x8F;
  } else {
    return 0;
  }
  if (i + n > text.size()) return 0;
  if (byte(i + 1) < lo || byte(i + 1) > hi) return 0;
  for (size_t k = 2; k < n; ++k) {
    if (byte(i + k) < 0x80 || byte(i + k) > 0xBF) return 0;
  }
  return n;
}

void appendDecimalEscape(std::string& out, uint8_t b) {
  out += '\\';
  out += static_cast<char>('0' + b / 100);
  out += static_cast<char>('0' + b / 10 % 10);
  out += static_cast<char>('0' + b % 10);
}

// Walks `text` once, calling `ascii` for each printable ASCII byte; everything else is handled
// here (valid multi-byte sequences copied, invalid bytes replaced, controls escaped).
template <class Ascii>
std::string sanitise(std::string_view text, Ascii&& ascii) {
  std::string out;
  out.reserve(text.size() + text.size() / 8);
  for (size_t i = 0; i < text.size();) {
    const auto b = static_cast<uint8_t>(text[i]);
    const size_t n = sequenceLength(text, i);
    if (n == 0) {
      out += kReplacement;
      ++i;
    } else if (n > 1) {
      out.append(text.substr(i, n));
      i += n;
    } else if ((b < 0x20 && b != '\t' && b != '\n') || b == 0x7F) {
      appendDecimalEscape(out, b);
      ++i;
    } else {
      ascii(out, static_cast<char>(b));
      ++i;
    }
  }
  return out;
}

}  // namespace

std::string html(std::string_view text) {
  return sanitise(text, [](std::string& out, char c) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out += c;
    }
  });
}

std::string visible(std::string_view text) {
  return sanitise(text, [](std::string& out, char c) { out += c; });
}

std::string pathSegment(std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(text.size());
  for (const char c : text) {
    const auto b = static_cast<uint8_t>(c);
    const bool unreserved = (b >= 'a' && b <= 'z') || (b >= 'A' && b <= 'Z') ||
                            (b >= '0' && b <= '9') || b == '-' || b == '.' || b == '_' || b == '~';
    if (unreserved) {
      out += c;
    } else {
      out += '%';
      out += kHex[b >> 4];
      out += kHex[b & 0xF];
    }
  }
  return out;
}

std::optional<std::string> queryValue(std::string_view query, std::string_view key) {
  // A query has as many pairs as '&'-separated parts; its length bounds the loop.
  while (!query.empty()) {
    const size_t end = query.find('&');
    const std::string_view pair = query.substr(0, end);
    const size_t eq = pair.find('=');
    if (percentDecoded(pair.substr(0, eq), /*plusIsSpace=*/true) == key) {
      return eq == std::string_view::npos
                 ? std::string()
                 : percentDecoded(pair.substr(eq + 1), /*plusIsSpace=*/true);
    }
    if (end == std::string_view::npos) break;
    query.remove_prefix(end + 1);
  }
  return std::nullopt;
}

std::string shorten(std::string_view text, size_t maxBytes) {
  if (text.size() <= maxBytes) return std::string(text);
  return std::string(text.substr(0, maxBytes)) + "\xE2\x80\xA6";  // U+2026
}

}  // namespace zonewatch::web
