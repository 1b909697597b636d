// The query engine: sends one DNS question to one name server and hands back that server's answer,
// parsed, with where and how it came from — the only way zonewatch talks to name servers.
//
// Queries are built by our codec (dns::buildQuery), answers parsed by it (dns::parseMessage); the
// transport underneath is c-ares (cares_engine.cpp, the only file that includes <ares.h>) driven
// by our EpollLoop. Every answer is attributed to the server that sent it (one c-ares channel per
// server and transport), any rcode reaches the caller (REFUSED and SERVFAIL are observations, not
// reasons to try elsewhere), a truncated UDP answer is asked again over TCP, and expected failures
// (timeout, network error, malformed answer, cancellation) are QueryError values.
//
// Politeness and bounded memory: a global cap on queries in flight, a per-server-address token
// bucket, a bounded queue for what waits, and a cap on live c-ares channels (least recently used
// idle ones are closed).
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "monitor/dns/message.h"
#include "monitor/dns/name.h"
#include "monitor/dns/types.h"
#include "monitor/resolver/epoll_loop.h"
#include "monitor/resolver/server_address.h"
#include "monitor/util/result.h"

namespace zonewatch::resolver {

enum class Transport : uint8_t { kUdp, kTcp };
std::string_view toString(Transport transport);

struct Query {
  ServerAddress server;
  dns::Name name;
  dns::RRType type = dns::RRType::SOA;
  bool dnssecOk = true;           // DO bit: ask for RRSIGs (RFC 4035 §3.2.1)
  bool checkingDisabled = false;  // CD bit
  bool recursionDesired = false;  // zonewatch asks authoritative servers
  bool tcpOnly = false;           // skip UDP (e.g. a name known to have a large answer)
};

struct Answer {
  dns::Message message;
  std::vector<uint8_t> wire;  // the answer exactly as received
  uint16_t rcode = 0;         // 12-bit, with the EDNS extension (RFC 6891 §6.1.3)
  bool aa = false;
  bool tc = false;  // only ever true over TCP: a truncated UDP answer is retried over TCP
  bool ad = false;
  ServerAddress server;  // the server that answered (the one asked: one channel per server)
  Transport transport = Transport::kUdp;
  // From handing the query to c-ares to the answer, on the transport that answered; includes
  // c-ares' own retransmissions after a lost datagram.
  std::chrono::microseconds rtt{0};
};

enum class QueryErrc : uint8_t {
  kTimeout,    // every try went unanswered
  kNetwork,    // connection refused, unreachable, reset...
  kMalformed,  // an answer arrived but is not a well-formed answer to this question
  kCancelled,  // cancelAll() or engine destruction
  kRejected,   // returned by submit() only: queue full, or unusable query
};
std::string_view toString(QueryErrc code);

struct QueryError {
  QueryErrc code = QueryErrc::kNetwork;
  std::string message;
  ServerAddress server;
  Transport transport = Transport::kUdp;
  std::optional<dns::ParseError> parseError;  // the codec's reason, for kMalformed from the parser
};

using QueryResult = Result<Answer, QueryError>;
using QueryCallback = std::function<void(QueryResult)>;

struct EngineOptions {
  // Per try. c-ares doubles it for each retry of a query, so one transport's worst case is
  // timeout * (2^tries - 1); see worstCaseQueryTime().
  std::chrono::milliseconds timeout{1500};
  int tries = 2;
  size_t maxInFlight = 64;  // across all servers
  // Token bucket per server address; <= 0 disables the limit (tests, local lab only).
  double perServerQps = 10.0;
  double perServerBurst = 5.0;
  uint16_t udpSize = dns::kDefaultUdpSize;  // advertised in the OPT RR, at most kMaxUdpSize
  size_t maxChannels = 256;                 // live c-ares channels (one per server and transport)
  size_t maxQueued = 100000;                // queries waiting for a slot; submit() rejects past it
  size_t maxTrackedServers = 4096;  // rate-limiter buckets kept before refilled ones are dropped

  // Called with every result just before its callback (metrics: answers by rcode, errors).
  std::function<void(const QueryResult&)> onResult;

  static constexpr uint16_t kMaxUdpSize = 4096;  // what c-ares 1.18 reads from one datagram
  static constexpr std::chrono::milliseconds kMaxTimeout{60000};

  // The longest a query can take once sent: all tries over UDP, then all over TCP after a TC.
  std::chrono::milliseconds worstCaseQueryTime() const;
  Status<> validate() const;
};

struct EngineCounters {
  uint64_t submitted = 0;
  uint64_t rejected = 0;
  uint64_t answered = 0;  // answers delivered, any rcode
  uint64_t timeouts = 0;
  uint64_t networkErrors = 0;
  uint64_t malformed = 0;
  uint64_t cancelled = 0;
  uint64_t tcpRetries = 0;   // truncated UDP answers asked again over TCP
  uint64_t rateLimited = 0;  // times a query waited for its server's token bucket
  uint64_t channelsOpened = 0;
  uint64_t channelsClosed = 0;
  size_t queued = 0;  // now: waiting for a slot, a token or a channel
  size_t inFlight = 0;
  size_t channels = 0;
};

class QueryEngine {
 public:
  virtual ~QueryEngine() = default;

  // Queues a query. On success the callback runs exactly once, on the loop's thread from inside
  // the loop (pollOnce/runUntilIdle, or the daemon's own runOnce) or cancelAll() — never inside
  // submit(). On failure (kRejected) the callback never runs.
  virtual Status<QueryError> submit(Query query, QueryCallback callback) = 0;

  // Runs the loop once, waiting at most maxWait for an event.
  virtual void pollOnce(std::chrono::milliseconds maxWait) = 0;
  // Runs the loop until every submitted query has had its callback.
  virtual void runUntilIdle() = 0;
  // Ends every queued and in-flight query with kCancelled, now.
  virtual void cancelAll() = 0;

  // Queries submitted whose callback has not run yet.
  virtual size_t pending() const = 0;
  virtual EngineCounters counters() const = 0;
  virtual EpollLoop& loop() = 0;
};

// The c-ares engine. With loop == nullptr it owns a loop of its own; otherwise it runs on the
// caller's loop, which must outlive it. Its sockets send with MSG_NOSIGNAL, so a server resetting
// a connection is a kNetwork result, never SIGPIPE: a program using the engine need not ignore
// SIGPIPE for its sake (the zonewatch binary ignores it anyway, for its other writers).
Result<std::unique_ptr<QueryEngine>> makeCaresEngine(const EngineOptions& options,
                                                     EpollLoop* loop = nullptr);

// Synchronous convenience for tools and tests: submits and runs the engine's loop until this
// query's callback ran (other queries progress meanwhile).
QueryResult queryOnce(QueryEngine& engine, Query query);
QueryResult queryOnce(QueryEngine& engine, const ServerAddress& server, const dns::Name& name,
                      dns::RRType type);

// The codec side of the engine, exposed for tests. The wire query for q (message ID 0: c-ares
// assigns a random one when it sends).
std::vector<uint8_t> encodeQuery(const Query& query, uint16_t udpSize);
// Parses an answer and checks that it answers q: QR set, opcode QUERY, and the question section
// echoing exactly q's name, type and class (RFC 1035 §7.3; RFC 5452 §9.1). Anything else is
// kMalformed.
QueryResult interpretAnswer(const Query& query, std::vector<uint8_t> wire, Transport transport,
                            std::chrono::microseconds rtt);
Status<QueryError> checkAnswersQuestion(const Query& query, const dns::Message& message);

}  // namespace zonewatch::resolver
