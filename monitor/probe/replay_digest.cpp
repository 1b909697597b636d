#include "monitor/probe/replay_digest.h"

#include <algorithm>
#include <array>

#include "monitor/dns/rdata.h"
#include "monitor/dnssec/signature.h"

namespace zonewatch::probe {

namespace {
constexpr size_t kHeaderSize = 12;  // RFC 1035 §4.1.1
constexpr size_t kIdSize = 2;
}  // namespace

std::optional<size_t> endOfQuestion(std::span<const uint8_t> wire) {
  if (wire.size() < kHeaderSize || wire[4] != 0 || wire[5] != 1) return std::nullopt;
  // RFC 1035 §4.1.2: QNAME as labels ending in the root label, then QTYPE and QCLASS. A question
  // is the first name of the message, so it cannot hold a compression pointer (§4.1.4).
  size_t at = kHeaderSize;
  while (at < wire.size() && wire[at] != 0) {
    if ((wire[at] & 0xC0) != 0) return std::nullopt;
    at += 1 + static_cast<size_t>(wire[at]);
  }
  at += 1 + 4;
  if (at > wire.size()) return std::nullopt;
  return at;
}

ReplayDigest::ReplayDigest(int64_t now) : now_(now) {}

void ReplayDigest::tag(char t, size_t length) {
  std::array<uint8_t, 5> head{static_cast<uint8_t>(t), static_cast<uint8_t>(length >> 24),
                              static_cast<uint8_t>(length >> 16), static_cast<uint8_t>(length >> 8),
                              static_cast<uint8_t>(length)};
  sha_.update(head);
}

void ReplayDigest::bytes(std::span<const uint8_t> b) {
  sha_.update(b);
}

void ReplayDigest::text(std::string_view s) {
  tag('T', s.size());
  bytes({reinterpret_cast<const uint8_t*>(s.data()), s.size()});
}

void ReplayDigest::number(int64_t n) {
  std::array<uint8_t, 8> b{};
  for (size_t i = 0; i < b.size(); ++i)
    b[i] = static_cast<uint8_t>(static_cast<uint64_t>(n) >> (56 - 8 * i));
  tag('N', b.size());
  bytes(b);
}

void ReplayDigest::absent() {
  tag('-', 0);
}

void ReplayDigest::answer(const resolver::QueryResult& r) {
  if (!r) {
    tag('E', 1);
    bytes(std::array<uint8_t, 1>{static_cast<uint8_t>(r.error().code)});
    text(r.error().message);
    return;
  }
  const std::span<const uint8_t> wire = r->wire;
  const size_t end = endOfQuestion(wire).value_or(std::min(wire.size(), kIdSize));
  tag('A', wire.size());
  bytes(std::array<uint8_t, 1>{static_cast<uint8_t>(r->transport)});
  // The header without the ID (flags and counts), then everything after the question.
  if (wire.size() >= kHeaderSize) bytes(wire.subspan(kIdSize, kHeaderSize - kIdSize));
  bytes(wire.subspan(std::max(end, std::min(wire.size(), kHeaderSize))));
  signatureTimes(r->message.answer);
  signatureTimes(r->message.authority);
}

void ReplayDigest::rrset(const std::optional<dns::RRset>& set) {
  if (set) {
    rrset(*set);
  } else {
    absent();
  }
}

void ReplayDigest::rrset(const dns::RRset& set) {
  tag('S', set.records.size() + set.signatures.size());
  text(set.owner.lowercased().toString());
  number(static_cast<int64_t>(static_cast<uint16_t>(set.type)) << 16 | set.rclass);
  auto record = [this](const dns::ResourceRecord& rr) {
    number(static_cast<int64_t>(rr.ttl));
    if (!rr.rdata.empty()) {
      tag('R', rr.rdata.size());
      bytes(rr.rdata);
      return;
    }
    const std::vector<uint8_t> built = rr.wireRdata();  // a record built by hand
    tag('R', built.size());
    bytes(built);
  };
  for (const auto& rr : set.records) record(rr);
  for (const auto& sig : set.signatures) {
    record(sig);
    noteSignature(sig);
  }
}

void ReplayDigest::inputs(const model::ReplayInputs& part) {
  tag('D', part.digest.size());
  bytes(part.digest);
  if (part.earliestExpiration &&
      (!earliestExpiration_ || *part.earliestExpiration < *earliestExpiration_)) {
    earliestExpiration_ = part.earliestExpiration;
  }
  if (part.nextInception && *part.nextInception > now_ &&
      (!nextInception_ || *part.nextInception < *nextInception_)) {
    nextInception_ = part.nextInception;
  }
}

void ReplayDigest::signatureTimes(std::span<const dns::ResourceRecord> records) {
  for (const auto& rr : records) {
    if (rr.type == dns::RRType::RRSIG) noteSignature(rr);
  }
}

void ReplayDigest::noteSignature(const dns::ResourceRecord& rr) {
  const auto* sig = std::get_if<dns::rdata::RRSIG>(&rr.data);
  if (sig == nullptr) return;
  const int64_t expiration = dnssec::unixFromSerial(sig->expiration, now_);
  const int64_t inception = dnssec::unixFromSerial(sig->inception, now_);
  if (!earliestExpiration_ || expiration < *earliestExpiration_) earliestExpiration_ = expiration;
  if (inception > now_ && (!nextInception_ || inception < *nextInception_)) {
    nextInception_ = inception;
  }
}

model::ReplayInputs ReplayDigest::finish() {
  model::ReplayInputs out;
  out.digest = sha_.finish();
  out.earliestExpiration = earliestExpiration_;
  out.nextInception = nextInception_;
  return out;
}

}  // namespace zonewatch::probe
