#include "monitor/dns/name.h"

#include <idn2.h>

#include <algorithm>
#include <array>
#include <memory>

namespace zonewatch::dns {

namespace {

// A name has at most 127 labels (each takes at least 2 of the 255 octets), and every offset fits
// in an octet, so the label offsets of any name fit in a small fixed array.
constexpr size_t kMaxLabels = 128;
struct LabelOffsets {
  std::array<uint8_t, kMaxLabels> at{};
  size_t count = 0;
};

// Offsets of the length octets of each label, root excluded. The wire form is trusted here: every
// Name is validated when it is made.
LabelOffsets labelOffsets(const std::vector<uint8_t>& wire) {
  LabelOffsets out;
  size_t i = 0;
  while (i < wire.size() && wire[i] != 0 && out.count < kMaxLabels) {
    out.at[out.count++] = static_cast<uint8_t>(i);
    i += 1 + size_t{wire[i]};
  }
  return out;
}

constexpr uint8_t lower(uint8_t c) {
  return (c >= 'A' && c <= 'Z') ? static_cast<uint8_t>(c - 'A' + 'a') : c;
}

// RFC 1035 §5.1: these need a backslash to be read back as label octets rather than syntax.
bool needsBackslash(uint8_t c) {
  switch (c) {
    case '.':
    case '\\':
    case '"':
    case '(':
    case ')':
    case ';':
    case '@':
    case '$':
      return true;
    default:
      return false;
  }
}

void appendEscapedLabel(std::string& out, std::string_view label) {
  for (char ch : label) {
    auto c = static_cast<uint8_t>(ch);
    if (c <= 0x20 || c >= 0x7F) {
      // RFC 1035 §5.1 "\DDD": always three digits, so a following digit cannot be misread.
      out.push_back('\\');
      out.push_back(static_cast<char>('0' + c / 100));
      out.push_back(static_cast<char>('0' + (c / 10) % 10));
      out.push_back(static_cast<char>('0' + c % 10));
    } else {
      if (needsBackslash(c)) out.push_back('\\');
      out.push_back(ch);
    }
  }
}

struct ParsedText {
  std::vector<uint8_t> labels;  // length-prefixed labels, without the root octet
  bool absolute = false;        // ended in an unescaped "."
};

Result<ParsedText> parseLabels(std::string_view text) {
  ParsedText out;
  if (text == ".") {
    out.absolute = true;
    return out;
  }
  std::string label;
  auto finishLabel = [&]() -> Status<> {
    if (label.empty()) return fail("empty label in \"" + std::string(text) + "\"");
    if (label.size() > kMaxLabelLength) {
      return fail("label of " + std::to_string(label.size()) + " octets in \"" + std::string(text) +
                  "\" is over the 63-octet limit (RFC 1035 §2.3.4)");
    }
    out.labels.push_back(static_cast<uint8_t>(label.size()));
    out.labels.insert(out.labels.end(), label.begin(), label.end());
    label.clear();
    return Ok{};
  };
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '\\') {
      if (i + 1 >= text.size()) return fail("trailing backslash in \"" + std::string(text) + "\"");
      auto isDigit = [](char d) { return d >= '0' && d <= '9'; };
      if (isDigit(text[i + 1])) {
        if (i + 3 >= text.size() || !isDigit(text[i + 2]) || !isDigit(text[i + 3])) {
          return fail("\\DDD escape needs three digits in \"" + std::string(text) + "\"");
        }
        int value = (text[i + 1] - '0') * 100 + (text[i + 2] - '0') * 10 + (text[i + 3] - '0');
        if (value > 255) {
          return fail("\\DDD escape over 255 in \"" + std::string(text) + "\"");
        }
        label.push_back(static_cast<char>(value));
        i += 3;
      } else {
        label.push_back(text[i + 1]);
        i += 1;
      }
      out.absolute = false;
      continue;
    }
    if (c == '.') {
      if (auto s = finishLabel(); !s) return Unexpected{s.error()};
      out.absolute = true;
      continue;
    }
    label.push_back(c);
    out.absolute = false;
  }
  if (!out.absolute) {
    if (auto s = finishLabel(); !s) return Unexpected{s.error()};
  }
  return out;
}

Status<> checkLength(size_t wireLength, std::string_view text) {
  if (wireLength > kMaxNameLength) {
    return fail("name \"" + std::string(text) + "\" is " + std::to_string(wireLength) +
                " octets in wire form, over the 255-octet limit (RFC 1035 §2.3.4)");
  }
  return Ok{};
}

struct Idn2Deleter {
  void operator()(char* p) const { idn2_free(p); }
};

}  // namespace

Name::Name() : wire_{0} {}

Result<Name> Name::parse(std::string_view text) {
  if (text.empty() || text == ".") return Name();
  auto parsed = parseLabels(text);
  if (!parsed) return Unexpected{parsed.error()};
  std::vector<uint8_t> wire = std::move(parsed->labels);
  wire.push_back(0);
  if (auto s = checkLength(wire.size(), text); !s) return Unexpected{s.error()};
  return Name(std::move(wire));
}

Result<Name> Name::parse(std::string_view text, const Name& origin) {
  if (text == "@") return origin;  // RFC 1035 §5.1
  if (text.empty()) return fail("empty name");
  auto parsed = parseLabels(text);
  if (!parsed) return Unexpected{parsed.error()};
  std::vector<uint8_t> wire = std::move(parsed->labels);
  if (parsed->absolute) {
    wire.push_back(0);
  } else {
    wire.insert(wire.end(), origin.wire_.begin(), origin.wire_.end());
  }
  if (auto s = checkLength(wire.size(), text); !s) return Unexpected{s.error()};
  return Name(std::move(wire));
}

Result<Name> Name::fromUser(std::string_view utf8) {
  bool ascii = std::all_of(utf8.begin(), utf8.end(),
                           [](char c) { return static_cast<unsigned char>(c) < 0x80; });
  if (ascii) return parse(utf8);
  // IDNA2008 with UTS #46 non-transitional mapping (what browsers and registries use), NFC first.
  std::string input(utf8);
  char* raw = nullptr;
  int rc = idn2_to_ascii_8z(input.c_str(), &raw, IDN2_NONTRANSITIONAL | IDN2_NFC_INPUT);
  std::unique_ptr<char, Idn2Deleter> output(raw);
  if (rc != IDN2_OK || !output) {
    return fail("\"" + input +
                "\" is not a valid internationalized domain name: " + idn2_strerror(rc));
  }
  return parse(output.get());
}

Result<Name> Name::fromWire(std::span<const uint8_t> wire) {
  size_t i = 0;
  while (true) {
    if (i >= wire.size()) return fail("name wire data ends before the root label");
    uint8_t len = wire[i];
    if (len > kMaxLabelLength) {
      return fail("label length octet " + std::to_string(len) + " in an uncompressed name");
    }
    if (i + 1 + len > kMaxNameLength) return fail("name over 255 octets");
    if (len == 0) break;
    i += 1 + size_t{len};
  }
  if (i + 1 != wire.size()) return fail("bytes after the root label of a name");
  return Name(std::vector<uint8_t>(wire.begin(), wire.end()));
}

std::string Name::toString() const {
  if (isRoot()) return ".";
  std::string out;
  out.reserve(wire_.size() + 8);
  auto offsets = labelOffsets(wire_);
  for (size_t k = 0; k < offsets.count; ++k) {
    appendEscapedLabel(out, label(k));
    out.push_back('.');
  }
  return out;
}

std::string Name::toUnicode() const {
  if (isRoot()) return ".";
  std::string out;
  size_t count = labelCount();
  for (size_t k = 0; k < count; ++k) {
    std::string_view l = label(k);
    bool aLabel = l.size() > 4 && (l[0] == 'x' || l[0] == 'X') && (l[1] == 'n' || l[1] == 'N') &&
                  l[2] == '-' && l[3] == '-';
    bool done = false;
    if (aLabel) {
      // Punycode keeps the case of ASCII letters ("XN--BCHER-KVA" would decode to "BüCHER"); the
      // U-label of an A-label is its lowercase form's.
      std::string input;
      for (char c : l) input.push_back(static_cast<char>(lower(static_cast<uint8_t>(c))));
      char* raw = nullptr;
      int rc = idn2_to_unicode_8z8z(input.c_str(), &raw, 0);
      std::unique_ptr<char, Idn2Deleter> decoded(raw);
      if (rc == IDN2_OK && decoded) {
        // libidn2 decodes any Punycode, including code points IDNA2008 disallows (e.g. "xn--a" is
        // U+0080). Only a label that converts back to the same A-label is a real U-label.
        char* rawBack = nullptr;
        int rcBack = idn2_to_ascii_8z(decoded.get(), &rawBack, IDN2_NONTRANSITIONAL);
        std::unique_ptr<char, Idn2Deleter> back(rawBack);
        if (rcBack == IDN2_OK && back && Name::parse(back.get()).ok() &&
            *Name::parse(back.get()) == *Name::parse(input)) {
          out.append(decoded.get());
          done = true;
        }
      }
    }
    if (!done) appendEscapedLabel(out, l);
    out.push_back('.');
  }
  return out;
}

size_t Name::labelCount() const {
  return labelOffsets(wire_).count;
}

std::string_view Name::label(size_t i) const {
  auto offsets = labelOffsets(wire_);
  if (i >= offsets.count) return {};
  size_t at = offsets.at[i];
  return std::string_view(reinterpret_cast<const char*>(wire_.data()) + at + 1, wire_[at]);
}

bool Name::isWildcard() const {
  return wire_.size() >= 3 && wire_[0] == 1 && wire_[1] == '*';
}

Name Name::parent() const {
  if (isRoot()) return *this;
  size_t skip = 1 + size_t{wire_[0]};
  return Name(std::vector<uint8_t>(wire_.begin() + static_cast<std::ptrdiff_t>(skip), wire_.end()));
}

Name Name::suffix(size_t labels) const {
  auto offsets = labelOffsets(wire_);
  if (labels >= offsets.count) return *this;
  if (labels == 0) return Name();
  size_t start = offsets.at[offsets.count - labels];
  return Name(
      std::vector<uint8_t>(wire_.begin() + static_cast<std::ptrdiff_t>(start), wire_.end()));
}

bool Name::isSubdomainOf(const Name& ancestor) const {
  size_t mine = labelCount();
  size_t theirs = ancestor.labelCount();
  if (theirs > mine) return false;
  return suffix(theirs) == ancestor;
}

Result<Name> Name::child(std::string_view l) const {
  if (l.empty()) return fail("empty label");
  if (l.size() > kMaxLabelLength) {
    return fail("label of " + std::to_string(l.size()) + " octets is over the 63-octet limit");
  }
  if (wire_.size() + 1 + l.size() > kMaxNameLength) {
    return fail("name would be over 255 octets");
  }
  std::vector<uint8_t> wire;
  wire.reserve(wire_.size() + 1 + l.size());
  wire.push_back(static_cast<uint8_t>(l.size()));
  wire.insert(wire.end(), l.begin(), l.end());
  wire.insert(wire.end(), wire_.begin(), wire_.end());
  return Name(std::move(wire));
}

Name Name::lowercased() const {
  std::vector<uint8_t> wire = wire_;
  // Only label octets are mapped: length octets (<= 63) never fall in 'A'..'Z' anyway, but being
  // explicit keeps this correct if that ever changes.
  size_t i = 0;
  while (i < wire.size() && wire[i] != 0) {
    size_t len = wire[i];
    for (size_t k = i + 1; k <= i + len && k < wire.size(); ++k) wire[k] = lower(wire[k]);
    i += 1 + len;
  }
  return Name(std::move(wire));
}

int Name::canonicalCompare(const Name& other) const {
  // RFC 4034 §6.1: compare labels from the rightmost one; each label as a lowercased,
  // left-justified octet string, where a shorter label that is a prefix of a longer one sorts
  // first; and a name with fewer labels sorts before one that extends it.
  auto a = labelOffsets(wire_);
  auto b = labelOffsets(other.wire_);
  size_t i = a.count;
  size_t j = b.count;
  while (i > 0 && j > 0) {
    --i;
    --j;
    size_t pa = a.at[i];
    size_t pb = b.at[j];
    size_t la = wire_[pa];
    size_t lb = other.wire_[pb];
    size_t n = std::min(la, lb);
    for (size_t k = 1; k <= n; ++k) {
      uint8_t ca = lower(wire_[pa + k]);
      uint8_t cb = lower(other.wire_[pb + k]);
      if (ca != cb) return ca < cb ? -1 : 1;
    }
    if (la != lb) return la < lb ? -1 : 1;
  }
  if (i == j) return 0;
  return i < j ? -1 : 1;
}

bool operator==(const Name& a, const Name& b) {
  // RFC 4343 §3: ASCII case-insensitive. Length octets are at most 63, outside 'A'..'Z', so
  // lowering every octet of the wire form only ever touches label data.
  if (a.wire_.size() != b.wire_.size()) return false;
  for (size_t i = 0; i < a.wire_.size(); ++i) {
    if (lower(a.wire_[i]) != lower(b.wire_[i])) return false;
  }
  return true;
}

size_t Name::hash() const {
  // FNV-1a over the lowercased wire form: consistent with operator==.
  uint64_t h = 14695981039346656037ull;
  for (uint8_t c : wire_) {
    h ^= lower(c);
    h *= 1099511628211ull;
  }
  return static_cast<size_t>(h);
}

}  // namespace zonewatch::dns
