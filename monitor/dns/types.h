// DNS vocabulary shared by the codec, the validator and the probe: RR types, classes, rcodes,
// DNSSEC algorithm and digest numbers, and their mnemonics.
//
// RRType is an enum over the whole 16-bit space: any value a server sends is representable, the
// named enumerators are only the ones the project interprets (RFC 3597 keeps the rest opaque).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace zonewatch::dns {

enum class RRType : uint16_t {
  A = 1,
  NS = 2,
  CNAME = 5,
  SOA = 6,
  PTR = 12,
  MX = 15,
  TXT = 16,
  AAAA = 28,
  SRV = 33,
  DNAME = 39,
  OPT = 41,
  DS = 43,
  RRSIG = 46,
  NSEC = 47,
  DNSKEY = 48,
  NSEC3 = 50,
  NSEC3PARAM = 51,
  CDS = 59,
  CDNSKEY = 60,
  ANY = 255,
};

constexpr uint16_t kClassIN = 1;

// RFC 1035 §4.1.1, RFC 6891 §6.1.3 (extended rcodes are 12 bits once the OPT RR is applied).
enum class Rcode : uint16_t {
  NoError = 0,
  FormErr = 1,
  ServFail = 2,
  NXDomain = 3,
  NotImp = 4,
  Refused = 5,
  BadVers = 16,
};

// RFC 8624 / IANA "DNS Security Algorithm Numbers".
namespace algorithm {
constexpr uint8_t kRsaSha1 = 5;
constexpr uint8_t kRsaSha1Nsec3Sha1 = 7;
constexpr uint8_t kRsaSha256 = 8;
constexpr uint8_t kRsaSha512 = 10;
constexpr uint8_t kEcdsaP256Sha256 = 13;
constexpr uint8_t kEcdsaP384Sha384 = 14;
constexpr uint8_t kEd25519 = 15;
constexpr uint8_t kEd448 = 16;
}  // namespace algorithm

// IANA "Delegation Signer (DS) Resource Record (RR) Type Digest Algorithms".
namespace digest {
constexpr uint8_t kSha1 = 1;
constexpr uint8_t kSha256 = 2;
constexpr uint8_t kSha384 = 4;
}  // namespace digest

// DNSKEY flags, RFC 4034 §2.1.1 and RFC 5011 §3 (REVOKE).
namespace dnskey_flags {
constexpr uint16_t kZone = 0x0100;
constexpr uint16_t kRevoke = 0x0080;
constexpr uint16_t kSep = 0x0001;
}  // namespace dnskey_flags

// "IN", "CH", "HS", "NONE", "ANY" or RFC 3597 "CLASS32".
std::string classToString(uint16_t rclass);
// Accepts those mnemonics case-insensitively and the RFC 3597 "CLASSnnn" form.
std::optional<uint16_t> classFromString(std::string_view text);

// "A", "DNSKEY", or RFC 3597 "TYPE65280" for types without a mnemonic here.
std::string typeToString(RRType type);
// Accepts mnemonics case-insensitively and the RFC 3597 "TYPEnnn" form.
std::optional<RRType> typeFromString(std::string_view text);
// "NOERROR", "SERVFAIL", ... or "RCODE24" for codes without a mnemonic.
std::string rcodeToString(uint16_t rcode);

constexpr uint16_t toU16(RRType t) {
  return static_cast<uint16_t>(t);
}

}  // namespace zonewatch::dns
