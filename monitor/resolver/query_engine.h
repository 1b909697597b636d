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
//
// Fairness: queries carry a flow (the prober gives each observation its own). Each flow has its
// own queue and its own cap, and free in-flight slots go to the flows in turn, so one domain's
// 400 queries never delay or crowd out another domain's (issue 11).
//
// Forgery resistance beyond c-ares' random IDs: the letters of each QNAME are sent in random case
// and the answer must echo them exactly (0x20, draft-vixie-dnsext-dns0x20), with a per-server
// fallback to lower case for servers that do not preserve case; and a UDP channel's socket (its
// source port) is replaced after a number of queries (RFC 5452 §9.2).
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

class ServerRateLimiter;  // rate_limiter.h

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
  // The fairness class of the query: queries of one flow share one queue and one queue cap, and
  // flows take turns for in-flight slots. The prober sets one value per observation; 0 is the
  // flow of everything untagged (tools, shared chain-of-trust fetches).
  uint64_t flow = 0;
};

struct Answer {
  dns::Message message;
  std::vector<uint8_t> wire;  // as received, the question in the case asked (0x20)
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
  kRejected,   // returned by submit() only: queue (or the flow's queue) full, or unusable query
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
  // A limiter shared with other engines (the daemon's probe threads, rate_limiter.h); none: the
  // engine's own, from perServerQps, perServerBurst and maxTrackedServers.
  std::shared_ptr<ServerRateLimiter> rateLimiter;
  uint16_t udpSize = dns::kDefaultUdpSize;  // advertised in the OPT RR, at most kMaxUdpSize
  size_t maxChannels = 256;                 // live c-ares channels (one per server and transport)
  size_t maxQueued = 100000;                // queries waiting for a slot; submit() rejects past it
  // Queries of one flow waiting for a slot; submit() rejects past it for that flow only. The
  // default is the probe's per-observation query budget (WorkLimits::maxQueries): an observation
  // can never fill its own queue (prober.cpp checks the two agree).
  size_t maxQueuedPerFlow = kDefaultMaxQueuedPerFlow;
  // Rate-limiter buckets kept before refilled ones are dropped; also the number of servers
  // remembered as not preserving the QNAME's case (randomizeCase).
  size_t maxTrackedServers = 4096;
  // 0x20: send the QNAME's letters in random case and require the answer's question to echo them
  // byte for byte. A server seen not to preserve case is asked in lower case from then on.
  bool randomizeCase = true;
  // UDP queries sent on one c-ares channel (one socket, one source port while it is busy) before
  // a fresh channel takes over; the old one is closed once its queries are answered. TCP is not
  // affected.
  size_t udpQueriesPerChannel = 200;

  // Called with every result just before its callback (metrics: answers by rcode, errors).
  std::function<void(const QueryResult&)> onResult;

  static constexpr size_t kDefaultMaxQueuedPerFlow = 400;
  static constexpr uint16_t kMaxUdpSize = 4096;  // what c-ares 1.18 reads from one datagram
  static constexpr std::chrono::milliseconds kMaxTimeout{60000};

  // The longest a query can take once sent: all tries over UDP, then all over TCP after a TC;
  // with randomizeCase, twice that (an answer that did not echo the case, late on its last try,
  // then the lower-case retry's own tries).
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
  // Answers whose question did not echo the random case sent, asked again in lower case (0x20).
  uint64_t caseRetries = 0;
  uint64_t channelsOpened = 0;
  uint64_t channelsClosed = 0;
  uint64_t channelsRotated = 0;  // UDP channels retired after udpQueriesPerChannel queries
  size_t queued = 0;             // now: waiting for a slot, a token or a channel
  size_t inFlight = 0;
  size_t channels = 0;
  size_t flows = 0;               // now: flows with queries waiting
  size_t caseFoldingServers = 0;  // now: servers remembered as not preserving case
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
// assigns a random one when it sends), asking for qname (q.name in the case to send) when given.
std::vector<uint8_t> encodeQuery(const Query& query, uint16_t udpSize);
std::vector<uint8_t> encodeQuery(const Query& query, uint16_t udpSize, const dns::Name& qname);
// Parses an answer and checks that it answers q: QR set, opcode QUERY, and the question section
// echoing q's name (compared case-insensitively, RFC 4343), type and class (RFC 1035 §7.3;
// RFC 5452 §9.1). Anything else is kMalformed.
QueryResult interpretAnswer(const Query& query, std::vector<uint8_t> wire, Transport transport,
                            std::chrono::microseconds rtt);
Status<QueryError> checkAnswersQuestion(const Query& query, const dns::Message& message);

// 0x20. `name` with the case of each ASCII letter taken from one bit of `bits` (bit i for the
// i-th letter, bits reused past 64 letters); other octets, length octets included, unchanged.
dns::Name withLetterCase(const dns::Name& name, uint64_t bits);
// Whether the answer's question name is octet for octet the QNAME sent (its case included): names
// compare case-insensitively (RFC 4343), so a server echoes the question as it was sent, and an
// answer that does not was not made for this query, or comes from a server that changes case.
// Read from the wire, before the answer is parsed: the question is the first name of the message,
// right after the header (RFC 1035 §4.1.1), and a server writes it as labels, never as a pointer.
// When it echoes, the question's octets are overwritten with `asked` (the same name in the case the
// caller wrote it: same octets but for case, so no compression offset moves), so that names
// compressed against the question (most owners, many RDATA names) do not carry the random case
// into evidence and logs — and the answer is parsed once, already restored.
bool restoreEchoedCase(const dns::Name& sent, const dns::Name& asked, std::vector<uint8_t>& wire);

}  // namespace zonewatch::resolver
