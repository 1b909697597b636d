#include "monitor/dns/presentation.h"

#include <utility>

#include "monitor/util/civil_time.h"

namespace zonewatch::dns {

namespace {

bool isSpace(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}
bool isDigit(char c) {
  return c >= '0' && c <= '9';
}
char upper(char c) {
  return (c >= 'a' && c <= 'z') ? static_cast<char>(c - 'a' + 'A') : c;
}

int hexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

constexpr std::string_view kHexDigits = "0123456789ABCDEF";  // uppercase, as BIND prints
constexpr std::string_view kBase64Alphabet =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
constexpr std::string_view kBase32HexAlphabet = "0123456789abcdefghijklmnopqrstuv";

int base64Value(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+') return 62;
  if (c == '/') return 63;
  return -1;
}

int base32HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'v') return c - 'a' + 10;
  if (c >= 'A' && c <= 'V') return c - 'A' + 10;
  return -1;
}

unsigned daysInMonth(int64_t year, unsigned month) {
  static constexpr unsigned kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
  return month == 2 && leap ? 29 : kDays[month - 1];
}

void appendPadded(std::string& out, int64_t value, int width) {
  std::string digits = std::to_string(value);
  for (int i = static_cast<int>(digits.size()); i < width; ++i) out.push_back('0');
  out += digits;
}

// RFC 4648 §§4, 7 and §8 (hex): the text is a stream of symbols of `bits` bits each, most
// significant first; a last partial symbol is filled with zero bits.
std::string toSymbols(std::span<const uint8_t> data, std::string_view alphabet, unsigned bits) {
  const uint32_t mask = (1u << bits) - 1;
  std::string out;
  out.reserve((data.size() * 8 + bits - 1) / bits);
  uint32_t acc = 0;
  unsigned have = 0;
  for (uint8_t b : data) {
    acc = (acc << 8) | b;
    have += 8;
    while (have >= bits) {
      have -= bits;
      out.push_back(alphabet[(acc >> have) & mask]);
    }
    acc &= (1u << have) - 1;
  }
  if (have > 0) out.push_back(alphabet[(acc << (bits - have)) & mask]);
  return out;
}

// The other way: collects symbol values of `bits` bits and emits each completed octet.
class OctetPacker {
 public:
  OctetPacker(unsigned bits, size_t expectedOctets) : bits_(bits) { out_.reserve(expectedOctets); }

  void push(int value) {
    acc_ = (acc_ << bits_) | static_cast<uint32_t>(value);
    have_ += bits_;
    if (have_ >= 8) {
      have_ -= 8;
      out_.push_back(static_cast<uint8_t>(acc_ >> have_));
      acc_ &= (1u << have_) - 1;
    }
  }
  // Bits after the last complete octet, and their value.
  unsigned leftoverBits() const { return have_; }
  uint32_t leftoverValue() const { return acc_; }
  std::vector<uint8_t> take() { return std::move(out_); }

 private:
  unsigned bits_;
  uint32_t acc_ = 0;
  unsigned have_ = 0;
  std::vector<uint8_t> out_;
};

}  // namespace

std::string toHex(std::span<const uint8_t> data) {
  return toSymbols(data, kHexDigits, 4);
}

Result<std::vector<uint8_t>> fromHex(std::string_view text) {
  OctetPacker packer(4, text.size() / 2);
  for (char c : text) {
    if (isSpace(c)) continue;
    int v = hexValue(c);
    if (v < 0) return fail("'" + std::string(1, c) + "' is not a hex digit");
    packer.push(v);
  }
  if (packer.leftoverBits() != 0) return fail("odd number of hex digits");
  return packer.take();
}

std::string toBase64(std::span<const uint8_t> data) {
  std::string out = toSymbols(data, kBase64Alphabet, 6);
  out.append((4 - out.size() % 4) % 4, '=');  // RFC 4648 §4: padded to a multiple of 4
  return out;
}

Result<std::vector<uint8_t>> fromBase64(std::string_view text) {
  OctetPacker packer(6, text.size() * 3 / 4);
  size_t symbols = 0;
  size_t padding = 0;
  for (char c : text) {
    if (isSpace(c)) continue;
    if (c == '=') {
      ++padding;
      continue;
    }
    if (padding > 0) return fail("base64 data after '=' padding");
    int v = base64Value(c);
    if (v < 0) return fail("'" + std::string(1, c) + "' is not a base64 character");
    packer.push(v);
    ++symbols;
  }
  if (symbols % 4 == 1) return fail("base64 data of impossible length");
  if (padding > 2 || (padding > 0 && (symbols + padding) % 4 != 0)) {
    return fail("bad base64 padding");
  }
  return packer.take();
}

std::string toBase32Hex(std::span<const uint8_t> data) {
  return toSymbols(data, kBase32HexAlphabet, 5);
}

Result<std::vector<uint8_t>> fromBase32Hex(std::string_view text) {
  OctetPacker packer(5, text.size() * 5 / 8);
  for (char c : text) {
    int v = base32HexValue(c);
    if (v < 0) return fail("'" + std::string(1, c) + "' is not a base32hex character");
    packer.push(v);
  }
  // RFC 4648 §6: 8 symbols carry 5 octets; a remainder of 1, 3 or 6 symbols cannot end on an octet.
  size_t rem = text.size() % 8;
  if (rem == 1 || rem == 3 || rem == 6) return fail("base32hex data of impossible length");
  if (packer.leftoverValue() != 0) return fail("base32hex data with non-zero trailing bits");
  return packer.take();
}

std::string formatDnssecTime(uint32_t seconds) {
  int64_t days = seconds / 86400;
  uint32_t rest = seconds % 86400;
  Civil c = civilFromDays(days);
  std::string out;
  out.reserve(14);
  appendPadded(out, c.year, 4);
  appendPadded(out, c.month, 2);
  appendPadded(out, c.day, 2);
  appendPadded(out, rest / 3600, 2);
  appendPadded(out, (rest / 60) % 60, 2);
  appendPadded(out, rest % 60, 2);
  return out;
}

Result<uint32_t> parseDnssecTime(std::string_view text) {
  if (text.empty()) return fail("empty time");
  for (char c : text) {
    if (!isDigit(c)) return fail("time \"" + std::string(text) + "\" is not YYYYMMDDHHmmSS");
  }
  // RFC 4034 §3.2: exactly 14 digits is a date; anything else is a count of seconds.
  if (text.size() != 14) return parseDecimal(text, 0xFFFFFFFFu);
  auto num = [&](size_t at, size_t len) {
    unsigned v = 0;
    for (size_t i = at; i < at + len; ++i) v = v * 10 + static_cast<unsigned>(text[i] - '0');
    return v;
  };
  unsigned year = num(0, 4);
  unsigned month = num(4, 2);
  unsigned day = num(6, 2);
  unsigned hour = num(8, 2);
  unsigned minute = num(10, 2);
  unsigned second = num(12, 2);
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month) || hour > 23 ||
      minute > 59 || second > 59) {
    return fail("time \"" + std::string(text) + "\" is not a valid date");
  }
  int64_t total = daysFromCivil(year, month, day) * 86400 + hour * 3600 + minute * 60 + second;
  if (total < 0 || total > 0xFFFFFFFFll) {
    return fail("time \"" + std::string(text) + "\" is outside 1970-2106");
  }
  return static_cast<uint32_t>(total);
}

Result<uint32_t> parseDecimal(std::string_view text, uint32_t max) {
  if (text.empty()) return fail("empty number");
  uint64_t v = 0;
  for (char c : text) {
    if (!isDigit(c)) return fail("\"" + std::string(text) + "\" is not a decimal number");
    v = v * 10 + static_cast<uint64_t>(c - '0');
    if (v > max) return fail(std::string(text) + " is over " + std::to_string(max));
  }
  return static_cast<uint32_t>(v);
}

Result<uint32_t> parseTtl(std::string_view text) {
  if (text.empty()) return fail("empty TTL");
  bool allDigits = true;
  for (char c : text) allDigits = allDigits && isDigit(c);
  if (allDigits) return parseDecimal(text, 0xFFFFFFFFu);
  uint64_t total = 0;
  uint64_t current = 0;
  bool haveDigits = false;
  for (char c : text) {
    if (isDigit(c)) {
      current = current * 10 + static_cast<uint64_t>(c - '0');
      if (current > 0xFFFFFFFFu) return fail("TTL \"" + std::string(text) + "\" is too large");
      haveDigits = true;
      continue;
    }
    uint64_t unit = 0;
    switch (upper(c)) {
      case 'W':
        unit = 604800;
        break;
      case 'D':
        unit = 86400;
        break;
      case 'H':
        unit = 3600;
        break;
      case 'M':
        unit = 60;
        break;
      case 'S':
        unit = 1;
        break;
      default:
        return fail("\"" + std::string(text) + "\" is not a TTL");
    }
    if (!haveDigits) return fail("\"" + std::string(text) + "\" is not a TTL");
    total += current * unit;
    if (total > 0xFFFFFFFFu) return fail("TTL \"" + std::string(text) + "\" is too large");
    current = 0;
    haveDigits = false;
  }
  if (haveDigits) return fail("\"" + std::string(text) + "\" ends without a unit");
  return static_cast<uint32_t>(total);
}

Result<uint8_t> parseAlgorithm(std::string_view text) {
  static constexpr std::pair<std::string_view, uint8_t> kNames[] = {
      {"RSAMD5", 1},
      {"DH", 2},
      {"DSA", 3},
      {"RSASHA1", 5},
      {"DSA-NSEC3-SHA1", 6},
      {"RSASHA1-NSEC3-SHA1", 7},
      {"RSASHA256", 8},
      {"RSASHA512", 10},
      {"ECC-GOST", 12},
      {"ECDSAP256SHA256", 13},
      {"ECDSAP384SHA384", 14},
      {"ED25519", 15},
      {"ED448", 16},
      {"INDIRECT", 252},
      {"PRIVATEDNS", 253},
      {"PRIVATEOID", 254},
  };
  if (!text.empty() && isDigit(text[0])) {
    auto v = parseDecimal(text, 255);
    if (!v) return Unexpected{v.error()};
    return static_cast<uint8_t>(*v);
  }
  std::string up;
  for (char c : text) up.push_back(upper(c));
  for (const auto& [name, value] : kNames) {
    if (up == name) return value;
  }
  return fail("unknown DNSSEC algorithm \"" + std::string(text) + "\"");
}

Result<std::vector<RdataToken>> tokenizeRdata(std::string_view text) {
  std::vector<RdataToken> out;
  size_t i = 0;
  while (i < text.size()) {
    char c = text[i];
    if (isSpace(c) || c == '(' || c == ')') {
      ++i;
      continue;
    }
    if (c == ';') break;
    RdataToken token;
    if (c == '"') {
      token.quoted = true;
      ++i;
      bool closed = false;
      while (i < text.size()) {
        char d = text[i];
        if (d == '\\' && i + 1 < text.size()) {
          token.text.push_back(d);
          token.text.push_back(text[i + 1]);
          i += 2;
          continue;
        }
        if (d == '"') {
          closed = true;
          ++i;
          break;
        }
        token.text.push_back(d);
        ++i;
      }
      if (!closed) return fail("unterminated quoted string");
    } else {
      while (i < text.size()) {
        char d = text[i];
        if (isSpace(d) || d == '(' || d == ')' || d == ';') break;
        if (d == '\\' && i + 1 < text.size()) {
          token.text.push_back(d);
          token.text.push_back(text[i + 1]);
          i += 2;
          continue;
        }
        token.text.push_back(d);
        ++i;
      }
    }
    out.push_back(std::move(token));
  }
  return out;
}

Result<std::string> unescapeText(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c != '\\') {
      out.push_back(c);
      continue;
    }
    if (i + 1 >= text.size()) return fail("trailing backslash");
    if (isDigit(text[i + 1])) {
      if (i + 3 >= text.size() || !isDigit(text[i + 2]) || !isDigit(text[i + 3])) {
        return fail("\\DDD escape needs three digits");
      }
      int v = (text[i + 1] - '0') * 100 + (text[i + 2] - '0') * 10 + (text[i + 3] - '0');
      if (v > 255) return fail("\\DDD escape over 255");
      out.push_back(static_cast<char>(v));
      i += 3;
    } else {
      out.push_back(text[i + 1]);
      ++i;
    }
  }
  return out;
}

std::string quoteCharacterString(std::string_view data) {
  std::string out;
  out.reserve(data.size() + 2);
  out.push_back('"');
  for (char ch : data) {
    auto c = static_cast<uint8_t>(ch);
    if (c < 0x20 || c >= 0x7F) {
      out.push_back('\\');
      out.push_back(static_cast<char>('0' + c / 100));
      out.push_back(static_cast<char>('0' + (c / 10) % 10));
      out.push_back(static_cast<char>('0' + c % 10));
    } else {
      if (ch == '"' || ch == '\\') out.push_back('\\');
      out.push_back(ch);
    }
  }
  out.push_back('"');
  return out;
}

}  // namespace zonewatch::dns
