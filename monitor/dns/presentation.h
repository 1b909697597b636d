// The text encodings of DNS presentation format: hex, base64 and base32hex blobs, DNSSEC
// timestamps, TTLs with units, algorithm mnemonics, character-strings and the tokenizer that
// splits RDATA text into fields.
//
// Shared by rdata.cpp and zone_reader.cpp, and by anything that prints or reads keys and digests
// (the validator and the probe). Pure functions, no locale: presentation format is ASCII.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "monitor/util/result.h"

namespace zonewatch::dns {

// Uppercase hex, as BIND and the IANA trust-anchor files print DS digests.
std::string toHex(std::span<const uint8_t> data);
// Case-insensitive; whitespace between digits is skipped (RFC 4034 §5.3); odd digit counts fail.
Result<std::vector<uint8_t>> fromHex(std::string_view text);

// RFC 4648 §4, with padding.
std::string toBase64(std::span<const uint8_t> data);
// RFC 4648 §4; whitespace is skipped (RFC 4034 §2.2 lets the key span several fields) and the
// trailing "=" padding may be left out.
Result<std::vector<uint8_t>> fromBase64(std::string_view text);

// RFC 4648 §7 "base32hex", lowercase, no padding: the NSEC3 hashed-owner form (RFC 5155 §3.3).
std::string toBase32Hex(std::span<const uint8_t> data);
// Case-insensitive; rejects padding, impossible lengths and non-zero leftover bits, so that every
// accepted text maps to exactly one octet string.
Result<std::vector<uint8_t>> fromBase32Hex(std::string_view text);

// RFC 4034 §3.2: YYYYMMDDHHmmSS in UTC for a 32-bit count of seconds since 1970.
std::string formatDnssecTime(uint32_t seconds);
// Accepts YYYYMMDDHHmmSS (exactly 14 digits, years 1970-2106) or a plain decimal number of seconds.
Result<uint32_t> parseDnssecTime(std::string_view text);

// A TTL as a decimal number of seconds or with BIND's units ("1h30m", "2D", "1w").
Result<uint32_t> parseTtl(std::string_view text);
// A decimal number no larger than max.
Result<uint32_t> parseDecimal(std::string_view text, uint32_t max);

// RFC 4034 Appendix A.1 mnemonics ("RSASHA256", "ECDSAP256SHA256", ...) or a decimal number.
Result<uint8_t> parseAlgorithm(std::string_view text);

// One field of RDATA text. Escapes are left as written (names interpret them themselves).
struct RdataToken {
  std::string text;  // without the surrounding quotes
  bool quoted = false;
};
// Splits RDATA text at unquoted whitespace. Parentheses outside quotes are dropped and ";" starts a
// comment, so RDATA copied from a zone file can be passed as it is.
Result<std::vector<RdataToken>> tokenizeRdata(std::string_view text);
// Resolves \DDD and \X escapes (RFC 1035 §5.1).
Result<std::string> unescapeText(std::string_view text);
// A character-string in quotes with '"' and '\' escaped and non-printable octets as \DDD.
std::string quoteCharacterString(std::string_view data);

}  // namespace zonewatch::dns
