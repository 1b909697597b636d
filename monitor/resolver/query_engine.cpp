#include "monitor/resolver/query_engine.h"

#include <algorithm>
#include <utility>

namespace zonewatch::resolver {

std::string_view toString(Transport transport) {
  return transport == Transport::kTcp ? "tcp" : "udp";
}

std::string_view toString(QueryErrc code) {
  switch (code) {
    case QueryErrc::kTimeout:
      return "timeout";
    case QueryErrc::kNetwork:
      return "network error";
    case QueryErrc::kMalformed:
      return "malformed answer";
    case QueryErrc::kCancelled:
      return "cancelled";
    case QueryErrc::kRejected:
      return "rejected";
  }
  return "unknown";
}

std::chrono::milliseconds EngineOptions::worstCaseQueryTime() const {
  // c-ares 1.18 with one server: try n waits timeout << n (ares__send_query's doubling).
  std::chrono::milliseconds perTransport{0};
  for (int i = 0; i < tries; ++i) perTransport += timeout * (int64_t{1} << i);
  const int64_t askings = randomizeCase ? 2 : 1;  // the 0x20 lower-case retry asks once more
  return askings * 2 * perTransport;
}

Status<> EngineOptions::validate() const {
  if (timeout.count() <= 0) return fail("timeout must be positive");
  // c-ares keeps milliseconds in an int and doubles them per try; a minute per try is already
  // far past any useful wait for a name server.
  if (timeout > kMaxTimeout) {
    return fail("timeout must be at most " + std::to_string(kMaxTimeout.count()) + " ms");
  }
  // Beyond ~20 tries the doubled timeouts overflow c-ares' int milliseconds.
  if (tries < 1 || tries > 10) return fail("tries must be between 1 and 10");
  if (maxInFlight == 0) return fail("maxInFlight must be at least 1");
  if (maxChannels < 2) return fail("maxChannels must be at least 2 (a UDP and a TCP channel)");
  if (maxQueuedPerFlow == 0) return fail("maxQueuedPerFlow must be at least 1");
  if (udpQueriesPerChannel == 0) return fail("udpQueriesPerChannel must be at least 1");
  if (udpSize < 512 || udpSize > kMaxUdpSize) {
    // RFC 6891 §6.2.5: values below 512 are treated as 512.
    return fail("udpSize must be between 512 and " + std::to_string(kMaxUdpSize));
  }
  return Ok{};
}

std::vector<uint8_t> encodeQuery(const Query& query, uint16_t udpSize) {
  return encodeQuery(query, udpSize, query.name);
}

std::vector<uint8_t> encodeQuery(const Query& query, uint16_t udpSize, const dns::Name& qname) {
  dns::QueryOptions options;
  options.id = 0;
  options.recursionDesired = query.recursionDesired;
  options.checkingDisabled = query.checkingDisabled;
  options.edns = true;
  options.dnssecOk = query.dnssecOk;
  options.udpSize = udpSize;
  return dns::buildQuery(qname, query.type, options);
}

Status<QueryError> checkAnswersQuestion(const Query& query, const dns::Message& message) {
  auto malformed = [&](std::string why) {
    return Unexpected{QueryError{QueryErrc::kMalformed, std::move(why), query.server,
                                 Transport::kUdp, std::nullopt}};
  };
  if (!message.header.qr) return malformed("QR bit clear: a query, not an answer");
  if (message.header.opcode != 0) {
    return malformed("opcode " + std::to_string(message.header.opcode) + " instead of QUERY");
  }
  if (message.questions.size() != 1) {
    return malformed(std::to_string(message.questions.size()) + " questions instead of 1");
  }
  const dns::Question& question = message.questions.front();
  // RFC 4343: names match case-insensitively (a server may change the case it echoes).
  if (!(question.name == query.name) || question.type != query.type ||
      question.qclass != dns::kClassIN) {
    return malformed("answer is for " + question.name.toString() + " " +
                     dns::typeToString(question.type) + ", not " + query.name.toString() + " " +
                     dns::typeToString(query.type));
  }
  return Ok{};
}

dns::Name withLetterCase(const dns::Name& name, uint64_t bits) {
  std::vector<uint8_t> wire = name.wire();
  unsigned letter = 0;
  // Length octets are at most 63 (RFC 1035 §2.3.4), below 'A' (65): only label octets can be
  // letters, so every octet of the wire form may be looked at alike.
  for (uint8_t& c : wire) {
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'))) continue;
    const bool upper = ((bits >> (letter++ % 64)) & 1U) != 0;
    c = static_cast<uint8_t>(upper ? (c & ~0x20U) : (c | 0x20U));
  }
  // Changing the case of letters keeps every length and label valid.
  auto changed = dns::Name::fromWire(wire);
  return changed ? std::move(changed).value() : name;
}

bool restoreEchoedCase(const dns::Name& sent, const dns::Name& asked, std::vector<uint8_t>& wire) {
  constexpr size_t kQuestionOffset = 12;  // right after the header (RFC 1035 §4.1.1)
  const std::vector<uint8_t>& echoed = sent.wire();
  const std::vector<uint8_t>& restored = asked.wire();
  if (restored.size() != echoed.size() || wire.size() < kQuestionOffset + echoed.size()) {
    return false;
  }
  const auto question = wire.begin() + static_cast<std::ptrdiff_t>(kQuestionOffset);
  if (!std::equal(echoed.begin(), echoed.end(), question)) return false;
  std::copy(restored.begin(), restored.end(), question);
  return true;
}

QueryResult interpretAnswer(const Query& query, std::vector<uint8_t> wire, Transport transport,
                            std::chrono::microseconds rtt) {
  auto parsed = dns::parseMessage(wire);
  if (!parsed) {
    const dns::ParseError& error = parsed.error();
    return Unexpected{QueryError{QueryErrc::kMalformed,
                                 "unparsable answer: " + dns::toString(error.code) + " at offset " +
                                     std::to_string(error.offset) + " (" + error.message + ")",
                                 query.server, transport, error}};
  }
  if (auto match = checkAnswersQuestion(query, *parsed); !match) {
    QueryError error = match.error();
    error.transport = transport;
    return Unexpected{std::move(error)};
  }
  Answer answer;
  answer.rcode = parsed->rcode();
  answer.aa = parsed->header.aa;
  answer.tc = parsed->header.tc;
  answer.ad = parsed->header.ad;
  answer.message = std::move(parsed).value();
  answer.wire = std::move(wire);
  answer.server = query.server;
  answer.transport = transport;
  answer.rtt = rtt;
  return answer;
}

QueryResult queryOnce(QueryEngine& engine, Query query) {
  std::optional<QueryResult> result;
  auto submitted =
      engine.submit(std::move(query), [&result](QueryResult r) { result.emplace(std::move(r)); });
  if (!submitted) return Unexpected{submitted.error()};
  // The engine's own timers bound the wait: a query ends in at most worstCaseQueryTime() once sent.
  while (!result) engine.pollOnce(std::chrono::milliseconds(1000));
  return std::move(*result);
}

QueryResult queryOnce(QueryEngine& engine, const ServerAddress& server, const dns::Name& name,
                      dns::RRType type) {
  Query query;
  query.server = server;
  query.name = name;
  query.type = type;
  return queryOnce(engine, std::move(query));
}

}  // namespace zonewatch::resolver
