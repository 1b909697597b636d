// The replay digest (model::ReplayInputs): everything one observation is judged from, fed into
// SHA-256, and the RRSIG times in it that bound how long the same answers keep the same verdict.
//
// Each piece goes in framed (a tag byte and a length), so that no two different sequences of
// pieces make the same byte stream. An answer goes in as received, without the two things that
// change with every query and say nothing about the domain: the message ID and the question,
// whose case the 0x20 randomisation (resolver/) varies. Everything else counts, flags, TTLs and
// record order included: a server that changes anything makes the next observation a full one.
// SHA-256 because the answers come from servers that may be hostile: a weaker hash would let one
// choose answers that collide with the digest of the answers it replaces.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

#include "monitor/crypto/crypto.h"
#include "monitor/dns/message.h"
#include "monitor/model/observation.h"
#include "monitor/resolver/query_engine.h"

namespace zonewatch::probe {

class ReplayDigest {
 public:
  // `now`: the observation's validation time, which decides which inceptions lie in the future.
  explicit ReplayDigest(int64_t now);

  void text(std::string_view s);
  void number(int64_t n);
  // A piece that is missing (a question never asked, no chain data for a zone).
  void absent();
  // An answer without its ID and question, or the error in its place; its RRSIGs' times count.
  void answer(const resolver::QueryResult& r);
  // An RRset and its signatures (owner lowercased, TTL, class, each RDATA); their times count.
  void rrset(const dns::RRset& set);
  void rrset(const std::optional<dns::RRset>& set);
  // Another digest's result, as one piece: its digest, and its RRSIG times with this one's (an
  // inception no longer in the future at this digest's time is none).
  void inputs(const model::ReplayInputs& part);

  model::ReplayInputs finish();

 private:
  void tag(char t, size_t length);
  void bytes(std::span<const uint8_t> b);
  void signatureTimes(std::span<const dns::ResourceRecord> records);
  void noteSignature(const dns::ResourceRecord& rr);

  crypto::Sha256 sha_;
  int64_t now_;
  std::optional<int64_t> earliestExpiration_;
  std::optional<int64_t> nextInception_;
};

// The offset of the first byte after the question section of a wire message holding exactly one
// question; none when the message holds another number of questions or ends inside it (then the
// whole message but its ID is digested).
std::optional<size_t> endOfQuestion(std::span<const uint8_t> wire);

}  // namespace zonewatch::probe
