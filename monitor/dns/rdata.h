// Typed RDATA for the record types zonewatch interprets, and the conversions between wire form,
// typed form and presentation form.
//
// Wire RDATA here is always uncompressed (names expanded by the message parser, RFC 3597 §4).
// Types not listed in Rdata stay opaque (Unknown) and keep their bytes, per RFC 3597.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "monitor/dns/name.h"
#include "monitor/dns/types.h"
#include "monitor/util/result.h"

namespace zonewatch::dns {

// NSEC/NSEC3 type bit maps, RFC 4034 §4.1.2; kept as a sorted list of distinct types.
struct TypeBitmap {
  std::vector<uint16_t> types;
  bool has(RRType t) const;
  friend bool operator==(const TypeBitmap&, const TypeBitmap&) = default;
};

namespace rdata {
struct Unknown {
  friend bool operator==(const Unknown&, const Unknown&) = default;
};
struct A {
  std::array<uint8_t, 4> address{};
  friend bool operator==(const A&, const A&) = default;
};
struct AAAA {
  std::array<uint8_t, 16> address{};
  friend bool operator==(const AAAA&, const AAAA&) = default;
};
struct NS {
  Name host;
  friend bool operator==(const NS&, const NS&) = default;
};
struct CNAME {
  Name target;
  friend bool operator==(const CNAME&, const CNAME&) = default;
};
struct SOA {
  Name mname;
  Name rname;
  uint32_t serial = 0;
  uint32_t refresh = 0;
  uint32_t retry = 0;
  uint32_t expire = 0;
  uint32_t minimum = 0;
  friend bool operator==(const SOA&, const SOA&) = default;
};
struct TXT {
  std::vector<std::string> strings;
  friend bool operator==(const TXT&, const TXT&) = default;
};
// DS and CDS (RFC 4034 §5, RFC 7344 §3.1 share the layout).
struct DS {
  uint16_t keyTag = 0;
  uint8_t algorithm = 0;
  uint8_t digestType = 0;
  std::vector<uint8_t> digest;
  friend bool operator==(const DS&, const DS&) = default;
};
// DNSKEY and CDNSKEY (RFC 4034 §2, RFC 7344 §3.2).
struct DNSKEY {
  uint16_t flags = 0;
  uint8_t protocol = 3;
  uint8_t algorithm = 0;
  std::vector<uint8_t> publicKey;
  friend bool operator==(const DNSKEY&, const DNSKEY&) = default;
};
struct RRSIG {  // RFC 4034 §3.1
  RRType typeCovered = RRType::A;
  uint8_t algorithm = 0;
  uint8_t labels = 0;
  uint32_t originalTtl = 0;
  uint32_t expiration = 0;
  uint32_t inception = 0;
  uint16_t keyTag = 0;
  Name signer;
  std::vector<uint8_t> signature;
  friend bool operator==(const RRSIG&, const RRSIG&) = default;
};
struct NSEC {  // RFC 4034 §4.1
  Name next;
  TypeBitmap types;
  friend bool operator==(const NSEC&, const NSEC&) = default;
};
struct NSEC3 {  // RFC 5155 §3.2
  uint8_t hashAlgorithm = 1;
  uint8_t flags = 0;  // bit 0x01: opt-out
  uint16_t iterations = 0;
  std::vector<uint8_t> salt;
  std::vector<uint8_t> nextHashed;  // raw hash octets (not base32)
  TypeBitmap types;
  bool optOut() const { return (flags & 0x01) != 0; }
  friend bool operator==(const NSEC3&, const NSEC3&) = default;
};
struct NSEC3PARAM {  // RFC 5155 §4.2
  uint8_t hashAlgorithm = 1;
  uint8_t flags = 0;
  uint16_t iterations = 0;
  std::vector<uint8_t> salt;
  friend bool operator==(const NSEC3PARAM&, const NSEC3PARAM&) = default;
};
}  // namespace rdata

// DS is used for CDS, DNSKEY for CDNSKEY: the RRType of the record says which.
using Rdata = std::variant<rdata::Unknown, rdata::A, rdata::AAAA, rdata::NS, rdata::CNAME,
                           rdata::SOA, rdata::TXT, rdata::DS, rdata::DNSKEY, rdata::RRSIG,
                           rdata::NSEC, rdata::NSEC3, rdata::NSEC3PARAM>;

// Decodes uncompressed wire RDATA of `type`; Unknown for types without a typed form. Fails when the
// RDATA does not fit its type (short, trailing bytes, bad name).
Result<Rdata> decodeRdata(RRType type, std::span<const uint8_t> wire);
// Uncompressed wire form of typed RDATA. Unknown has no bytes of its own: use the record's raw
// RDATA.
std::vector<uint8_t> encodeRdata(const Rdata& data);
// Presentation form of RDATA (RFC 1035 §5.1, RFC 4034 §§2.2, 3.2, 4.2, 5.3; RFC 3597 §5 "\# len
// hex" for unknown types).
std::string rdataToString(RRType type, std::span<const uint8_t> wire);
// Parses presentation RDATA (the fields after the type in a zone-file line, parentheses already
// joined). Relative names are completed with origin. Accepts RFC 3597 "\# len hex" for any type.
Result<std::vector<uint8_t>> rdataFromString(RRType type, std::string_view text,
                                             const Name& origin);

// Names embedded in RDATA, by type: where the message parser must expand compression pointers and
// where RFC 4034 §6.2 (as amended by RFC 6840 §5.1) lowercases for the canonical form.
struct RdataField {
  // kCharString is one RFC 1035 §3.3 character-string (a length octet and that many octets); NAPTR
  // (RFC 3403 §4.1) has three of them before its replacement name.
  enum Kind : uint8_t { kFixed, kName, kRest, kCharString } kind;
  uint16_t length;  // octets, for kFixed
};
// The layout of types whose RDATA holds names (NS, SOA, MX, SRV, RRSIG, NSEC, ...), empty
// otherwise.
std::span<const RdataField> rdataLayout(RRType type);
// True when `wire` is well-formed RDATA for `type`: its names (uncompressed) fill the layout
// exactly and typed RDATA decodes. The message parser enforces the same rules on what it accepts.
bool rdataFitsType(RRType type, std::span<const uint8_t> wire);
// RFC 4034 §6.2 item 3 with RFC 6840 §5.1: the names in RDATA of this type are lowercased.
bool lowercasesNamesInCanonicalForm(RRType type);

}  // namespace zonewatch::dns
