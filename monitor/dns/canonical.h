// The DNSSEC canonical forms that signatures and digests are computed over.
//
// RFC 4034 §6.2 (canonical RR form), §6.3 (canonical RRset order), Appendix B (key tag), and §5.1.4
// (DS digest input). Everything here is byte-exact and pure; the crypto itself lives in dnssec/.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "monitor/dns/message.h"

namespace zonewatch::dns {

// RFC 4034 §6.2: the RDATA with the embedded names lowercased for the types listed there, as
// amended by RFC 6840 §5.1 (names in NSEC RDATA keep their case).
std::vector<uint8_t> canonicalRdata(RRType type, std::span<const uint8_t> rdata);

// RFC 4034 §3.1.8.1: the data an RRSIG signs: RRSIG RDATA without the signature, followed by each
// RR of the set in canonical form (owner lowercased, or the wildcard owner "*.<labels>" when the
// RRSIG labels field is shorter than the owner's, TTL = original TTL) in canonical order, with
// duplicates removed (RFC 4034 §6.3).
std::vector<uint8_t> signedData(const rdata::RRSIG& sig, const RRset& rrset);

// The RRSIG RDATA without its Signature field (RFC 4034 §3.1.8.1, "RRSIG_RDATA").
std::vector<uint8_t> rrsigRdataWithoutSignature(const rdata::RRSIG& sig);

// RFC 4034 Appendix B, for DNSKEY RDATA in wire form (algorithm 1 is handled per B.1).
uint16_t keyTag(std::span<const uint8_t> dnskeyRdata);

// RFC 4034 §5.1.4: owner name (canonical) | DNSKEY RDATA, the input of the DS digest.
std::vector<uint8_t> dsDigestInput(const Name& owner, std::span<const uint8_t> dnskeyRdata);

}  // namespace zonewatch::dns
