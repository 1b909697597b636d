// DNS messages: the parser for whole answers and the builder for queries.
//
// The parser is the project's front door for untrusted bytes: every length, count and pointer is
// bounds-checked, compression pointers must point backwards (no loops), and any failure is a
// ParseError with a reason and an offset, never an out-of-bounds read (fuzzed in tests/fuzz/).
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "monitor/dns/name.h"
#include "monitor/dns/rdata.h"
#include "monitor/dns/types.h"
#include "monitor/util/result.h"

namespace zonewatch::dns {

struct ResourceRecord {
  Name owner;
  RRType type = RRType::A;
  uint16_t rclass = kClassIN;
  uint32_t ttl = 0;
  std::vector<uint8_t> rdata;  // uncompressed wire RDATA, names in their original case
  Rdata data;                  // typed view of rdata; rdata::Unknown for opaque types

  // Builds a record from typed data, filling the wire RDATA.
  static ResourceRecord make(Name owner, RRType type, uint32_t ttl, Rdata data);
  // The wire RDATA: rdata, or encodeRdata(data) for a record built by hand with only the typed
  // view. Everything that prints, encodes or signs records goes through here, so that both ways of
  // building a record give the same bytes.
  std::vector<uint8_t> wireRdata() const;
  // "owner ttl IN TYPE rdata" as in a zone file.
  std::string toString() const;
};

// An RRset (RFC 2181 §5) with the RRSIGs that cover it.
struct RRset {
  Name owner;
  RRType type = RRType::A;
  uint16_t rclass = kClassIN;
  uint32_t ttl = 0;  // the lowest TTL of its records (RFC 2181 §5.2)
  std::vector<ResourceRecord> records;
  std::vector<ResourceRecord> signatures;  // RRSIG records with typeCovered == type
};

// Groups records by (owner, class, type), case-insensitively, keeping first-seen order; each RRSIG
// is attached to the RRset it covers (an RRSIG with no covered records forms an RRset of its own
// with empty records, so that "signature without data" is still visible to callers).
std::vector<RRset> groupRRsets(std::span<const ResourceRecord> records);

struct Header {
  uint16_t id = 0;
  bool qr = false, aa = false, tc = false, rd = false, ra = false, ad = false, cd = false;
  uint8_t opcode = 0;
  uint8_t rcode = 0;  // the header's 4 bits; Message::rcode() adds the OPT extension
};

struct Question {
  Name name;
  RRType type = RRType::A;
  uint16_t qclass = kClassIN;
};

// RFC 8914 Extended DNS Error option.
struct ExtendedError {
  uint16_t infoCode = 0;
  std::string extraText;
};

struct EdnsOption {
  uint16_t code = 0;
  std::vector<uint8_t> data;
};

// RFC 6891 §6.1.3: the OPT pseudo-RR, decoded.
struct Edns {
  uint16_t udpSize = 0;
  uint8_t extendedRcode = 0;  // upper 8 bits of the 12-bit rcode
  uint8_t version = 0;
  bool dnssecOk = false;
  std::vector<EdnsOption> options;            // every option except EDE, in wire order
  std::vector<ExtendedError> extendedErrors;  // EDE options (code 15); encoded after `options`
};

struct Message {
  Header header;
  std::vector<Question> questions;
  std::vector<ResourceRecord> answer;
  std::vector<ResourceRecord> authority;
  std::vector<ResourceRecord> additional;  // without the OPT RR, which is decoded into edns
  std::optional<Edns> edns;

  // The full 12-bit rcode (RFC 6891 §6.1.3).
  uint16_t rcode() const;
};

enum class ParseErrc : uint8_t {
  kTruncated,      // data ends before a field does
  kBadLabel,       // label type 0x40/0x80, or label over 63 octets
  kNameTooLong,    // name over 255 octets
  kBadPointer,     // compression pointer forward, to itself, or out of range
  kPointerLoop,    // too many pointer hops
  kRdataOverrun,   // RDLENGTH past the end of the message
  kBadRdata,       // RDATA that does not fit its type
  kCountMismatch,  // section counts larger than the data
  kTrailingData,   // bytes after the last record
  kBadOpt,         // OPT RR misplaced, duplicated, or malformed
};

struct ParseError {
  ParseErrc code;
  size_t offset = 0;    // where in the message the problem was found
  std::string message;  // the reason, without the offset (callers print both)
};

std::string toString(ParseErrc code);

// Compression pointers must point strictly before the start of the labels being read (so chains
// strictly decrease and cannot loop), at most kMaxPointerHops per name (wire.h). Names inside the
// RDATA of the types in rdataLayout() are expanded, so ResourceRecord::rdata is uncompressed.
Result<Message, ParseError> parseMessage(std::span<const uint8_t> wire);

// RFC 8914's EDNS option code.
constexpr uint16_t kEdnsOptionExtendedError = 15;
// RFC 9715 / DNS Flag Day 2020: a UDP payload size that avoids IP fragmentation.
constexpr uint16_t kDefaultUdpSize = 1232;

struct QueryOptions {
  uint16_t id = 0;
  bool recursionDesired = false;  // zonewatch asks authoritative servers: RD off by default
  bool checkingDisabled = false;
  bool edns = true;
  bool dnssecOk = true;
  uint16_t udpSize = kDefaultUdpSize;
};

// A query for (name, type, IN) as wire bytes, with an OPT RR when options.edns.
std::vector<uint8_t> buildQuery(const Name& name, RRType type, const QueryOptions& options);

// Encodes a message (no compression) — used by tests and the fake server to craft answers. Writes
// each record's rdata (or encodeRdata(data) when rdata is empty); RDATA over 65535 octets and
// sections over 65535 records are the caller's error.
std::vector<uint8_t> encodeMessage(const Message& message);

}  // namespace zonewatch::dns
