#include "monitor/dns/message.h"

#include <algorithm>
#include <unordered_map>
#include <utility>

#include "monitor/dns/wire.h"

namespace zonewatch::dns {

namespace {

constexpr size_t kHeaderLength = 12;
// The smallest possible RR: root owner (1), type, class, TTL, RDLENGTH (10).
constexpr size_t kMinRecordLength = 11;

// RFC 1035 §4.1.1 header flag bits (second 16-bit word), RFC 4035 §3.2 for AD and CD; the opcode
// is bits 11-14 and the rcode bits 0-3.
constexpr std::pair<bool Header::*, uint16_t> kHeaderFlags[] = {
    {&Header::qr, 0x8000}, {&Header::aa, 0x0400}, {&Header::tc, 0x0200}, {&Header::rd, 0x0100},
    {&Header::ra, 0x0080}, {&Header::ad, 0x0020}, {&Header::cd, 0x0010},
};
// RFC 6891 §6.1.4 / RFC 3225 §3: the DO bit in the OPT TTL's low 16 bits.
constexpr uint32_t kEdnsDo = 0x8000;

ParseError errorAt(ParseErrc code, size_t offset, std::string what) {
  return ParseError{code, offset, std::move(what)};
}

void decodeFlags(uint16_t flags, Header& h) {
  for (const auto& [member, bit] : kHeaderFlags) h.*member = (flags & bit) != 0;
  h.opcode = static_cast<uint8_t>((flags >> 11) & 0x0F);
  h.rcode = static_cast<uint8_t>(flags & 0x0F);
}

uint16_t encodeFlags(const Header& h) {
  auto flags = static_cast<uint16_t>(((h.opcode & 0x0F) << 11) | (h.rcode & 0x0F));
  for (const auto& [member, bit] : kHeaderFlags) {
    if (h.*member) flags |= bit;
  }
  return flags;
}

struct RawRecord {
  ResourceRecord rr;
  size_t offset = 0;                  // of the owner name, for errors
  std::span<const uint8_t> rawRdata;  // as on the wire, for OPT
};

Result<RawRecord, ParseError> readRecord(WireReader& r, std::string_view section, size_t index,
                                         size_t count) {
  RawRecord out;
  out.offset = r.position();
  if (r.atEnd()) {
    return Unexpected{errorAt(ParseErrc::kCountMismatch, r.position(),
                              std::string(section) + " section counts " + std::to_string(count) +
                                  " records but the message ends after " + std::to_string(index))};
  }
  ZONEWATCH_DNS_TRY(out.rr.owner, r.name());
  ZONEWATCH_DNS_TRY(uint16_t type, r.u16());
  out.rr.type = static_cast<RRType>(type);
  ZONEWATCH_DNS_TRY(out.rr.rclass, r.u16());
  ZONEWATCH_DNS_TRY(out.rr.ttl, r.u32());
  ZONEWATCH_DNS_TRY(uint16_t rdlength, r.u16());
  if (rdlength > r.remaining()) {
    return Unexpected{errorAt(ParseErrc::kRdataOverrun, r.position(),
                              "RDLENGTH " + std::to_string(rdlength) + " runs past the end (" +
                                  std::to_string(r.remaining()) + " octets left)")};
  }
  size_t rdataOffset = r.position();
  ZONEWATCH_DNS_TRY(WireReader window, r.window(rdlength));
  out.rawRdata = r.message().subspan(rdataOffset, rdlength);
  if (out.rr.type == RRType::OPT) return out;  // decoded by the caller, which knows the section

  // RFC 3597 §4: expand the names of the types that may be compressed, so that rdata is the
  // uncompressed form every later consumer (canonical form, presentation) expects.
  ZONEWATCH_DNS_TRY(out.rr.rdata, copyRdata(out.rr.type, window, true, false));
  auto decoded = decodeRdata(out.rr.type, out.rr.rdata);
  if (!decoded) {
    return Unexpected{errorAt(ParseErrc::kBadRdata, rdataOffset, decoded.error().message)};
  }
  out.rr.data = std::move(decoded).value();
  return out;
}

Result<Edns, ParseError> decodeOpt(const RawRecord& raw) {
  // RFC 6891 §6.1.2 and §6.1.3.
  Edns edns;
  if (!raw.rr.owner.isRoot()) {
    return Unexpected{
        errorAt(ParseErrc::kBadOpt, raw.offset, "OPT RR owner is not the root (RFC 6891 §6.1.2)")};
  }
  edns.udpSize = raw.rr.rclass;
  edns.extendedRcode = static_cast<uint8_t>(raw.rr.ttl >> 24);
  edns.version = static_cast<uint8_t>(raw.rr.ttl >> 16);
  edns.dnssecOk = (raw.rr.ttl & kEdnsDo) != 0;
  WireReader r(raw.rawRdata);
  auto bad = [&](std::string what) {
    return Unexpected{errorAt(ParseErrc::kBadOpt, raw.offset, "OPT RR: " + what)};
  };
  while (!r.atEnd()) {
    auto code = r.u16();
    auto length = r.u16();
    if (!code || !length) return bad("option header truncated");
    auto data = r.bytes(*length);
    if (!data) return bad("option " + std::to_string(*code) + " runs past the RDATA");
    if (*code == kEdnsOptionExtendedError) {
      // RFC 8914 §2: INFO-CODE (16 bits) then EXTRA-TEXT (UTF-8, may be empty).
      if (data->size() < 2) return bad("Extended DNS Error option shorter than 2 octets");
      ExtendedError ede;
      ede.infoCode = static_cast<uint16_t>(((*data)[0] << 8) | (*data)[1]);
      ede.extraText.assign(data->begin() + 2, data->end());
      edns.extendedErrors.push_back(std::move(ede));
      continue;
    }
    edns.options.push_back(EdnsOption{*code, std::vector<uint8_t>(data->begin(), data->end())});
  }
  return edns;
}

Status<ParseError> readSection(WireReader& r, std::string_view section, size_t count,
                               std::vector<ResourceRecord>& out, std::optional<Edns>* edns) {
  out.reserve(std::min(count, r.remaining() / kMinRecordLength));
  for (size_t i = 0; i < count; ++i) {
    ZONEWATCH_DNS_TRY(RawRecord raw, readRecord(r, section, i, count));
    if (raw.rr.type != RRType::OPT) {
      out.push_back(std::move(raw.rr));
      continue;
    }
    // RFC 6891 §6.1.1: at most one OPT, and only in the additional section.
    if (edns == nullptr) {
      return Unexpected{errorAt(ParseErrc::kBadOpt, raw.offset,
                                "OPT RR in the " + std::string(section) + " section")};
    }
    if (edns->has_value()) {
      return Unexpected{errorAt(ParseErrc::kBadOpt, raw.offset, "second OPT RR")};
    }
    ZONEWATCH_DNS_TRY(Edns decoded, decodeOpt(raw));
    *edns = std::move(decoded);
  }
  return Ok{};
}

void writeRecord(WireWriter& w, const ResourceRecord& rr) {
  w.name(rr.owner);
  w.u16(toU16(rr.type));
  w.u16(rr.rclass);
  w.u32(rr.ttl);
  std::vector<uint8_t> rdata = rr.wireRdata();
  w.u16(static_cast<uint16_t>(rdata.size()));
  w.bytes(rdata);
}

struct RRsetKey {
  Name owner;
  uint16_t rclass;
  uint16_t type;
  friend bool operator==(const RRsetKey&, const RRsetKey&) = default;
};

struct RRsetKeyHash {
  size_t operator()(const RRsetKey& k) const {
    return k.owner.hash() ^ (size_t{k.rclass} << 16) ^ (size_t{k.type} * 0x9E3779B97F4A7C15ull);
  }
};

}  // namespace

ResourceRecord ResourceRecord::make(Name owner, RRType type, uint32_t ttl, Rdata data) {
  ResourceRecord rr;
  rr.owner = std::move(owner);
  rr.type = type;
  rr.ttl = ttl;
  rr.rdata = encodeRdata(data);
  rr.data = std::move(data);
  return rr;
}

std::vector<uint8_t> ResourceRecord::wireRdata() const {
  if (rdata.empty() && !std::holds_alternative<rdata::Unknown>(data)) return encodeRdata(data);
  return rdata;
}

std::string ResourceRecord::toString() const {
  return owner.toString() + " " + std::to_string(ttl) + " " + classToString(rclass) + " " +
         typeToString(type) + " " + rdataToString(type, wireRdata());
}

std::vector<RRset> groupRRsets(std::span<const ResourceRecord> records) {
  std::vector<RRset> sets;
  std::unordered_map<RRsetKey, size_t, RRsetKeyHash> index;
  auto setFor = [&](const Name& owner, uint16_t rclass, RRType type) -> RRset& {
    RRsetKey key{owner, rclass, toU16(type)};
    auto [it, inserted] = index.try_emplace(std::move(key), sets.size());
    if (inserted) {
      RRset set;
      set.owner = owner;
      set.type = type;
      set.rclass = rclass;
      sets.push_back(std::move(set));
    }
    return sets[it->second];
  };
  for (const ResourceRecord& rr : records) {
    if (rr.type == RRType::RRSIG) {
      // RFC 4034 §3.1.1: the Type Covered field says which RRset the signature belongs to.
      std::optional<RRType> covered;
      if (const auto* sig = std::get_if<rdata::RRSIG>(&rr.data)) {
        covered = sig->typeCovered;
      } else if (rr.rdata.size() >= 2) {
        covered = static_cast<RRType>((rr.rdata[0] << 8) | rr.rdata[1]);
      }
      if (covered) {
        setFor(rr.owner, rr.rclass, *covered).signatures.push_back(rr);
        continue;
      }
    }
    setFor(rr.owner, rr.rclass, rr.type).records.push_back(rr);
  }
  for (RRset& set : sets) {
    // RFC 2181 §5.2: an RRset's TTL is its lowest; a set with only signatures takes theirs.
    const auto& members = set.records.empty() ? set.signatures : set.records;
    uint32_t ttl = members.empty() ? 0 : members.front().ttl;
    for (const auto& rr : members) ttl = std::min(ttl, rr.ttl);
    set.ttl = ttl;
  }
  return sets;
}

uint16_t Message::rcode() const {
  uint16_t low = header.rcode & 0x0F;
  if (!edns) return low;
  return static_cast<uint16_t>((uint16_t{edns->extendedRcode} << 4) | low);
}

std::string toString(ParseErrc code) {
  switch (code) {
    case ParseErrc::kTruncated:
      return "truncated";
    case ParseErrc::kBadLabel:
      return "bad label";
    case ParseErrc::kNameTooLong:
      return "name too long";
    case ParseErrc::kBadPointer:
      return "bad compression pointer";
    case ParseErrc::kPointerLoop:
      return "compression pointer loop";
    case ParseErrc::kRdataOverrun:
      return "RDATA overrun";
    case ParseErrc::kBadRdata:
      return "bad RDATA";
    case ParseErrc::kCountMismatch:
      return "count mismatch";
    case ParseErrc::kTrailingData:
      return "trailing data";
    case ParseErrc::kBadOpt:
      return "bad OPT RR";
  }
  return "unknown parse error";
}

Result<Message, ParseError> parseMessage(std::span<const uint8_t> wire) {
  WireReader r(wire);
  if (wire.size() < kHeaderLength) {
    return Unexpected{errorAt(ParseErrc::kTruncated, wire.size(),
                              "message of " + std::to_string(wire.size()) +
                                  " octets is shorter than the 12-octet header")};
  }
  Message m;
  ZONEWATCH_DNS_TRY(m.header.id, r.u16());
  ZONEWATCH_DNS_TRY(uint16_t flags, r.u16());
  decodeFlags(flags, m.header);
  ZONEWATCH_DNS_TRY(uint16_t qdcount, r.u16());
  ZONEWATCH_DNS_TRY(uint16_t ancount, r.u16());
  ZONEWATCH_DNS_TRY(uint16_t nscount, r.u16());
  ZONEWATCH_DNS_TRY(uint16_t arcount, r.u16());

  // A question is at least 5 octets (root name, type, class).
  m.questions.reserve(std::min<size_t>(qdcount, r.remaining() / 5));
  for (size_t i = 0; i < qdcount; ++i) {
    if (r.atEnd()) {
      return Unexpected{errorAt(ParseErrc::kCountMismatch, r.position(),
                                "question section counts " + std::to_string(qdcount) +
                                    " entries but the message ends after " + std::to_string(i))};
    }
    Question q;
    ZONEWATCH_DNS_TRY(q.name, r.name());
    ZONEWATCH_DNS_TRY(uint16_t qtype, r.u16());
    q.type = static_cast<RRType>(qtype);
    ZONEWATCH_DNS_TRY(q.qclass, r.u16());
    m.questions.push_back(std::move(q));
  }
  if (auto s = readSection(r, "answer", ancount, m.answer, nullptr); !s) {
    return Unexpected{s.error()};
  }
  if (auto s = readSection(r, "authority", nscount, m.authority, nullptr); !s) {
    return Unexpected{s.error()};
  }
  if (auto s = readSection(r, "additional", arcount, m.additional, &m.edns); !s) {
    return Unexpected{s.error()};
  }
  if (!r.atEnd()) {
    return Unexpected{errorAt(ParseErrc::kTrailingData, r.position(),
                              std::to_string(r.remaining()) + " octets after the last record")};
  }
  return m;
}

std::vector<uint8_t> encodeMessage(const Message& message) {
  WireWriter w;
  w.u16(message.header.id);
  w.u16(encodeFlags(message.header));
  w.u16(static_cast<uint16_t>(message.questions.size()));
  w.u16(static_cast<uint16_t>(message.answer.size()));
  w.u16(static_cast<uint16_t>(message.authority.size()));
  w.u16(static_cast<uint16_t>(message.additional.size() + (message.edns ? 1 : 0)));
  for (const Question& q : message.questions) {
    w.name(q.name);
    w.u16(toU16(q.type));
    w.u16(q.qclass);
  }
  for (const auto& rr : message.answer) writeRecord(w, rr);
  for (const auto& rr : message.authority) writeRecord(w, rr);
  for (const auto& rr : message.additional) writeRecord(w, rr);
  if (message.edns) {
    // RFC 6891 §6.1.2: root owner, CLASS = UDP payload size, TTL = extended rcode, version, flags.
    const Edns& e = *message.edns;
    w.u8(0);
    w.u16(toU16(RRType::OPT));
    w.u16(e.udpSize);
    w.u32((uint32_t{e.extendedRcode} << 24) | (uint32_t{e.version} << 16) |
          (e.dnssecOk ? kEdnsDo : 0));
    size_t lengthAt = w.size();
    w.u16(0);
    for (const EdnsOption& o : e.options) {
      w.u16(o.code);
      w.u16(static_cast<uint16_t>(o.data.size()));
      w.bytes(o.data);
    }
    for (const ExtendedError& ede : e.extendedErrors) {
      w.u16(kEdnsOptionExtendedError);
      w.u16(static_cast<uint16_t>(2 + ede.extraText.size()));
      w.u16(ede.infoCode);
      w.bytes(std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(ede.extraText.data()),
                                       ede.extraText.size()));
    }
    w.patchU16(lengthAt, static_cast<uint16_t>(w.size() - lengthAt - 2));
  }
  return w.take();
}

std::vector<uint8_t> buildQuery(const Name& name, RRType type, const QueryOptions& options) {
  Message m;
  m.header.id = options.id;
  m.header.rd = options.recursionDesired;
  m.header.cd = options.checkingDisabled;
  m.questions.push_back(Question{name, type, kClassIN});
  if (options.edns) {
    Edns e;
    e.udpSize = options.udpSize;
    e.dnssecOk = options.dnssecOk;
    m.edns = std::move(e);
  }
  return encodeMessage(m);
}

}  // namespace zonewatch::dns
