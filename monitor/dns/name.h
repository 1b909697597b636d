// Domain names: the wire form is the single representation (uncompressed, original case
// preserved), with the comparisons and conversions DNS needs.
//
// Equality is case-insensitive for ASCII (RFC 4343); ordering is the DNSSEC canonical order
// (RFC 4034 §6.1). Presentation form follows RFC 1035 §5.1 escapes (\. and \DDD). U-label input is
// converted to A-labels with libidn2 under IDNA2008 rules.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "monitor/util/result.h"

namespace zonewatch::dns {

constexpr size_t kMaxNameLength = 255;  // RFC 1035 §2.3.4, in wire octets
constexpr size_t kMaxLabelLength = 63;

class Name {
 public:
  // The root name ".".
  Name();

  // Presentation form, absolute whether or not it ends in ".". "." and "" are the root.
  static Result<Name> parse(std::string_view text);
  // Presentation form relative to origin unless it ends in "." ("@" is origin), for zone files.
  static Result<Name> parse(std::string_view text, const Name& origin);
  // User input that may contain U-labels (IDNA2008 via libidn2); ASCII input goes through parse().
  static Result<Name> fromUser(std::string_view utf8);
  // Uncompressed wire form; rejects labels over 63, names over 255 octets and trailing bytes.
  static Result<Name> fromWire(std::span<const uint8_t> wire);

  const std::vector<uint8_t>& wire() const { return wire_; }
  // Presentation form with the trailing dot, e.g. "example.com." and "." for the root.
  std::string toString() const;
  // The name with A-labels shown as U-labels where libidn2 can decode them; else toString().
  std::string toUnicode() const;

  bool isRoot() const { return wire_.size() == 1; }
  // Labels not counting the root: "www.example.com." has 3.
  size_t labelCount() const;
  // Label i counted from the left (0 = leftmost), raw octets without the length byte.
  std::string_view label(size_t i) const;
  bool isWildcard() const;  // leftmost label is "*"

  // The name without its leftmost label; the root's parent is the root.
  Name parent() const;
  // The rightmost `labels` labels of this name (labels <= labelCount()).
  Name suffix(size_t labels) const;
  // True when this name equals ancestor or lies below it.
  bool isSubdomainOf(const Name& ancestor) const;
  // A new name with `label` prepended.
  Result<Name> child(std::string_view label) const;
  Name lowercased() const;

  // RFC 4034 §6.1 canonical order: negative, zero or positive.
  int canonicalCompare(const Name& other) const;
  friend bool operator==(const Name& a, const Name& b);
  friend bool operator<(const Name& a, const Name& b) { return a.canonicalCompare(b) < 0; }

  // Case-insensitive hash, consistent with operator==.
  size_t hash() const;
  struct Hasher {
    size_t operator()(const Name& n) const { return n.hash(); }
  };

 private:
  explicit Name(std::vector<uint8_t> wire) : wire_(std::move(wire)) {}
  std::vector<uint8_t> wire_;
};

}  // namespace zonewatch::dns
