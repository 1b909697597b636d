// libFuzzer target for the codec's front door: parseMessage on arbitrary bytes, and for every
// message it accepts, the properties the rest of zonewatch relies on:
//   - encodeMessage's output parses again to the same message, and re-encoding is a fixed point;
//   - every record prints (toString) and its RDATA text reads back to the same data;
//   - owners print and parse back to the same wire name;
//   - grouping, canonical RDATA, signed data, key tags and DS digest input never fail or overrun.
// A violated property aborts, which libFuzzer reports as a finding.
#include <cstdio>
#include <cstdlib>
#include <span>
#include <string>

#include "monitor/dns/canonical.h"
#include "monitor/dns/message.h"

namespace {

using namespace zonewatch::dns;

[[noreturn]] void failed(const std::string& what) {
  std::fprintf(stderr, "message_fuzzer: property violated: %s\n", what.c_str());
  std::abort();
}

void check(bool ok, const std::string& what) {
  if (!ok) failed(what);
}

void compareRecords(const std::vector<ResourceRecord>& a, const std::vector<ResourceRecord>& b,
                    const char* section) {
  check(a.size() == b.size(), std::string(section) + " count changed");
  for (size_t i = 0; i < a.size(); ++i) {
    const std::string where = std::string(section) + " record " + std::to_string(i);
    check(a[i].owner.wire() == b[i].owner.wire(), where + ": owner changed");
    check(a[i].type == b[i].type, where + ": type changed");
    check(a[i].rclass == b[i].rclass, where + ": class changed");
    check(a[i].ttl == b[i].ttl, where + ": TTL changed");
    check(a[i].rdata == b[i].rdata, where + ": RDATA changed");
    check(a[i].data == b[i].data, where + ": typed RDATA changed");
  }
}

void compareMessages(const Message& a, const Message& b) {
  const Header& x = a.header;
  const Header& y = b.header;
  check(x.id == y.id && x.qr == y.qr && x.aa == y.aa && x.tc == y.tc && x.rd == y.rd &&
            x.ra == y.ra && x.ad == y.ad && x.cd == y.cd && x.opcode == y.opcode &&
            x.rcode == y.rcode,
        "header changed");
  check(a.questions.size() == b.questions.size(), "question count changed");
  for (size_t i = 0; i < a.questions.size(); ++i) {
    check(a.questions[i].name.wire() == b.questions[i].name.wire() &&
              a.questions[i].type == b.questions[i].type &&
              a.questions[i].qclass == b.questions[i].qclass,
          "question changed");
  }
  compareRecords(a.answer, b.answer, "answer");
  compareRecords(a.authority, b.authority, "authority");
  compareRecords(a.additional, b.additional, "additional");
  check(a.edns.has_value() == b.edns.has_value(), "EDNS presence changed");
  if (a.edns) {
    const Edns& e = *a.edns;
    const Edns& f = *b.edns;
    check(e.udpSize == f.udpSize && e.extendedRcode == f.extendedRcode && e.version == f.version &&
              e.dnssecOk == f.dnssecOk,
          "EDNS fields changed");
    check(e.options.size() == f.options.size(), "EDNS option count changed");
    for (size_t i = 0; i < e.options.size(); ++i) {
      check(e.options[i].code == f.options[i].code && e.options[i].data == f.options[i].data,
            "EDNS option changed");
    }
    check(e.extendedErrors.size() == f.extendedErrors.size(), "EDE count changed");
    for (size_t i = 0; i < e.extendedErrors.size(); ++i) {
      check(e.extendedErrors[i].infoCode == f.extendedErrors[i].infoCode &&
                e.extendedErrors[i].extraText == f.extendedErrors[i].extraText,
            "EDE changed");
    }
  }
  check(a.rcode() == b.rcode(), "rcode changed");
}

void exerciseRecord(const ResourceRecord& rr) {
  const std::string text = rr.toString();
  check(!text.empty(), "empty toString");

  auto owner = Name::parse(rr.owner.toString());
  check(owner.ok() && owner->wire() == rr.owner.wire(), "owner does not read back: " + text);
  auto type = typeFromString(typeToString(rr.type));
  check(type.has_value() && *type == rr.type, "type does not read back: " + text);

  // RDATA presentation round trip: typed data must come back equal (bitmaps may be re-encoded
  // without trailing zero octets), opaque data byte for byte.
  const std::string rdataText = rdataToString(rr.type, rr.rdata);
  auto back = rdataFromString(rr.type, rdataText, Name());
  check(back.ok(), "RDATA text does not read back: " + text + " (" +
                       (back ? std::string() : back.error().message) + ")");
  if (std::holds_alternative<rdata::Unknown>(rr.data)) {
    check(*back == rr.rdata, "opaque RDATA changed through text: " + text);
  } else {
    auto typed = decodeRdata(rr.type, *back);
    check(typed.ok() && *typed == rr.data, "typed RDATA changed through text: " + text);
  }
  check(rdataFitsType(rr.type, rr.rdata), "parsed RDATA does not fit its type: " + text);

  auto canonical = canonicalRdata(rr.type, rr.rdata);
  check(canonical.size() == rr.rdata.size(), "canonical RDATA changed length: " + text);
  if (rr.type == RRType::DNSKEY || rr.type == RRType::CDNSKEY) {
    (void)keyTag(rr.rdata);
    auto input = dsDigestInput(rr.owner, rr.rdata);
    check(input.size() == rr.owner.wire().size() + rr.rdata.size(), "DS digest input length");
  }
}

void exerciseSection(const std::vector<ResourceRecord>& records) {
  for (const auto& rr : records) exerciseRecord(rr);
  size_t grouped = 0;
  for (const RRset& set : groupRRsets(records)) {
    grouped += set.records.size() + set.signatures.size();
    for (const auto& sigRecord : set.signatures) {
      if (const auto* sig = std::get_if<rdata::RRSIG>(&sigRecord.data)) {
        auto data = signedData(*sig, set);
        check(data.size() >= 18 + sig->signer.wire().size(), "signed data too short");
      }
    }
  }
  check(grouped == records.size(), "groupRRsets lost or duplicated records");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto parsed = parseMessage(std::span<const uint8_t>(data, size));
  if (!parsed) {
    check(parsed.error().offset <= size, "error offset past the input");
    check(!toString(parsed.error().code).empty(), "unnamed error code");
    return 0;
  }
  const Message& message = *parsed;

  const auto wire = encodeMessage(message);
  auto again = parseMessage(wire);
  if (!again) failed("encoded message does not parse: " + again.error().message);
  compareMessages(message, *again);
  check(encodeMessage(*again) == wire, "encoding is not a fixed point");

  for (const auto& q : message.questions) {
    auto name = Name::parse(q.name.toString());
    check(name.ok() && name->wire() == q.name.wire(), "question name does not read back");
  }
  exerciseSection(message.answer);
  exerciseSection(message.authority);
  exerciseSection(message.additional);
  return 0;
}
