// The c-ares 1.18 implementation of QueryEngine — the only file in zonewatch that includes
// <ares.h>.
//
// c-ares is used as a transport only: the query bytes come from our codec (ares_send), the answer
// bytes go to our codec, and c-ares contributes ID randomisation, retransmission, timeouts and TCP
// framing. Its behaviours that would hide what a server said are switched off or worked around:
//   * ARES_FLAG_NOCHECKRESP: SERVFAIL/REFUSED/NOTIMP answers are delivered, not "failed over".
//   * One channel per (server, transport), each with exactly one server: there is nothing to fail
//     over to, and every answer is attributed to the server that sent it.
//   * UDP channels use ARES_FLAG_IGNTC, so a TC answer comes back to us and we ask again on the
//     server's TCP channel (ARES_FLAG_USEVC): we know which transport produced each answer.
//   * UDP channels need ARES_FLAG_EDNS, or c-ares cuts every UDP answer to 512 octets; ednspsz is
//     set to what c-ares can read from one datagram (4096), so it never cuts what arrived whole.
//     Side effect, checked on c-ares 1.18.1: a FORMERR answer without an OPT RR makes c-ares strip
//     our OPT, resend, and clear ARES_FLAG_EDNS on the whole channel for good (back to 512-octet
//     answers). We notice the cleared flag after each read (ares_save_options), retire the channel
//     (new queries get a fresh one) and ask over TCP any answer it cut while it drained.
//   * c-ares drops, as possible spoofs, answers whose question section differs from the query's
//     (same_questions): such a query keeps waiting and ends in a timeout unless the real answer
//     arrives. interpretAnswer() repeats the check with our codec anyway.
//   * c-ares 1.18 has no 0x20 (ARES_FLAG_DNS0x20 came later) and compares the question
//     case-insensitively, so the case check is ours: each send picks the QNAME's case (CaseMode),
//     and complete() requires an exact echo, asks once more in lower case when it is missing, and
//     remembers servers that answer that one correctly as not preserving case.
//   * c-ares 1.18 closes a channel's UDP socket only when the channel's last query ends, and has
//     no ARES_OPT_UDP_MAX_QUERIES: a channel to a busy server (a TLD's, asked by every
//     observation) may never be idle and so keep one source port for good. After
//     udpQueriesPerChannel queries a UDP channel is retired (no new queries, closed once its
//     queries are answered, never cancelled) and a fresh channel, with a fresh socket and so a
//     fresh kernel-chosen source port, takes over (RFC 5452 §9.2: an unpredictable source port,
//     several of them for outstanding queries).
//   * c-ares writes TCP queries with writev(), which cannot take MSG_NOSIGNAL: writing to a
//     connection the server has half-closed and reset raises SIGPIPE, whose default action ends
//     the process (issue 11). Every channel gets our socket functions (kSocketFunctions), whose
//     send is sendmsg(MSG_NOSIGNAL): such a write fails with EPIPE and the query ends as kNetwork,
//     whatever the process's SIGPIPE disposition, so a program using the engine need not ignore
//     SIGPIPE for its sake.
// The event loop is ours: ARES_OPT_SOCK_STATE_CB registers c-ares' sockets with the EpollLoop,
// ares_process_fd() handles one socket (never select()/ares_fds(), which stop at descriptor 1024),
// and ares_timeout() arms one loop timer per channel.
#include <ares.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <deque>
#include <list>
#include <map>
#include <mutex>
#include <random>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

#include "monitor/resolver/query_engine.h"
#include "monitor/resolver/rate_limiter.h"

namespace zonewatch::resolver {
namespace {

using Clock = EpollLoop::Clock;
using TimePoint = EpollLoop::TimePoint;

// RFC 1035 §4.2.1: the largest answer a UDP channel without EDNS accepts; c-ares cuts longer ones.
constexpr size_t kClassicUdpSize = 512;
constexpr size_t kHeaderSize = 12;
constexpr uint8_t kTcBit = 0x02;  // in header octet 2 (RFC 1035 §4.1.1)

Status<> initCaresLibrary() {
  static std::once_flag once;
  static int status = ARES_SUCCESS;
  std::call_once(once, [] { status = ares_library_init(ARES_LIB_INIT_ALL); });
  if (status != ARES_SUCCESS)
    return fail(std::string("ares_library_init: ") + ares_strerror(status));
  return Ok{};
}

// --- c-ares socket functions (ares_set_socket_functions) ---
// c-ares 1.18 leaves sockets it did not create itself unconfigured (configure_socket() returns at
// once when socket functions are set), so these do what it would: non-blocking, close-on-exec,
// and no Nagle delay on TCP (a query is one write that should leave at once).

ares_socket_t openSocket(int family, int type, int protocol, void* /*data*/) {
  const int fd = socket(family, type | SOCK_NONBLOCK | SOCK_CLOEXEC, protocol);
  if (fd < 0) return ARES_SOCKET_BAD;
  const int one = 1;
  if (type == SOCK_STREAM && setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one) != 0) {
    close(fd);
    return ARES_SOCKET_BAD;
  }
  return fd;
}

int closeSocket(ares_socket_t fd, void* /*data*/) {
  return close(fd);
}

int connectSocket(ares_socket_t fd, const sockaddr* address, ares_socklen_t length,
                  void* /*data*/) {
  return connect(fd, address, length);
}

ares_ssize_t receiveFrom(ares_socket_t fd, void* buffer, size_t size, int flags, sockaddr* from,
                         ares_socklen_t* fromLength, void* /*data*/) {
  return recvfrom(fd, buffer, size, flags, from, fromLength);
}

// writev() with MSG_NOSIGNAL: EPIPE instead of SIGPIPE (see the top of this file).
ares_ssize_t sendVector(ares_socket_t fd, const iovec* vector, int count, void* /*data*/) {
  msghdr message{};
  message.msg_iov = const_cast<iovec*>(vector);  // sendmsg() does not write through it
  message.msg_iovlen = static_cast<size_t>(count);
  return sendmsg(fd, &message, MSG_NOSIGNAL);
}

// c-ares keeps the pointer, not a copy: static storage.
constexpr ares_socket_functions kSocketFunctions{&openSocket, &closeSocket, &connectSocket,
                                                 &receiveFrom, &sendVector};

// How the QNAME of one send is cased (0x20, draft-vixie-dnsext-dns0x20).
enum class CaseMode : uint8_t {
  kAsGiven,     // randomizeCase off: as the caller wrote it, matched case-insensitively
  kRandom,      // random case: the answer must echo it exactly
  kLowerRetry,  // the random case came back changed: once more in lower case, echoed exactly
  kLower,       // a server known not to preserve case: lower case, matched case-insensitively
};

// The modes whose answer must echo the case sent octet for octet.
constexpr bool checksCase(CaseMode mode) {
  return mode == CaseMode::kRandom || mode == CaseMode::kLowerRetry;
}

struct Pending {
  Query query;
  QueryCallback callback;
  Transport transport = Transport::kUdp;
  CaseMode caseMode = CaseMode::kAsGiven;
  dns::Name sentName;  // the QNAME as last sent, in the case sent
};

// Random bits for 0x20 from the kernel's CSPRNG (getrandom(2)), 512 octets per system call. Not a
// std::mt19937_64, however seeded: its state follows from 312 consecutive outputs, and a name
// server an attacker runs (any NS of any watched domain) sees the bits of every query sent to it;
// it could then predict the case of the queries sent to the servers it wants to impersonate.
class CaseBits {
 public:
  uint64_t next() {
    if (next_ == buffer_.size()) refill();
    return buffer_[next_++];
  }

 private:
  void refill() {
    next_ = 0;
    const ssize_t n = getrandom(buffer_.data(), sizeof buffer_, 0);
    if (n == static_cast<ssize_t>(sizeof buffer_)) return;
    // getrandom(2) does not fail for 512 octets once the pool is initialised; should it all the
    // same, std::random_device (also the kernel's generator on Linux) still beats no bits.
    std::random_device device;
    for (auto& value : buffer_) value = (uint64_t{device()} << 32) ^ device();
  }

  std::array<uint64_t, 64> buffer_{};
  size_t next_ = buffer_.size();
};

class CaresEngine;

struct Channel {
  CaresEngine* engine = nullptr;
  ares_channel handle = nullptr;
  ServerAddress server;
  Transport transport = Transport::kUdp;
  std::string key;
  size_t inFlight = 0;
  size_t sent = 0;        // queries handed to c-ares on this channel
  bool retired = false;   // takes no new queries, closed once idle
  bool ednsLost = false;  // retired because c-ares switched EDNS off (see the top of this file)
  std::vector<int> fds;   // descriptors c-ares asked us to watch
  EpollLoop::TimerId timer = 0;
  TimePoint timerAt{};
  bool idleLinked = false;
  std::list<Channel*>::iterator idlePos;
};

struct InFlight {
  uint64_t id = 0;
  std::unique_ptr<Pending> pending;
  Channel* channel = nullptr;
  TimePoint sentAt{};
  // Filled by the c-ares callback, consumed outside it.
  int status = ARES_SUCCESS;
  std::vector<uint8_t> answer;
};

// One flow's queries for one server (address and port). A queue with queries is in exactly one
// of: its flow's ready list, the token-wait map, the blocked list (no channel available); kIdle
// only while pump() handles it.
struct ServerQueue {
  enum class State : uint8_t { kIdle, kReady, kWaitingToken, kBlocked };
  ServerAddress address;
  std::deque<std::unique_ptr<Pending>> queue;
  State state = State::kIdle;
};

// One flow's waiting queries, per server. The flow is on the engine's ready ring (scheduled)
// exactly while one of its server queues is ready; it is dropped once nothing of it waits.
struct Flow {
  std::unordered_map<std::string, ServerQueue> servers;
  std::deque<std::string> ready;  // server keys, round-robin within the flow
  size_t queued = 0;
  bool scheduled = false;
};

struct QueueRef {
  uint64_t flow = 0;
  std::string server;
};

class CaresEngine final : public QueryEngine {
 public:
  CaresEngine(const EngineOptions& options, EpollLoop* loop, std::unique_ptr<EpollLoop> ownedLoop)
      : options_(options),
        ownedLoop_(std::move(ownedLoop)),
        loop_(loop != nullptr ? loop : ownedLoop_.get()),
        limiter_(options.rateLimiter != nullptr ? options.rateLimiter
                                                : std::make_shared<ServerRateLimiter>(
                                                      options.perServerQps, options.perServerBurst,
                                                      options.maxTrackedServers)) {}

  ~CaresEngine() override {
    shuttingDown_ = true;
    cancelAll();
    if (tokenTimer_ != 0) loop_->cancelTimer(tokenTimer_);
    std::vector<Channel*> all;
    for (auto& [key, channel] : channels_) all.push_back(channel.get());
    for (auto& channel : retired_) all.push_back(channel.get());
    for (Channel* channel : all) closeChannel(channel);
    // Posted settle tasks may still sit in a caller-owned loop: they check alive_.
    alive_.reset();
  }

  Status<QueryError> submit(Query query, QueryCallback callback) override {
    auto reject = [&](std::string why) {
      ++counters_.rejected;
      return Unexpected{
          QueryError{QueryErrc::kRejected, std::move(why), query.server, Transport::kUdp, {}}};
    };
    if (shuttingDown_) return reject("engine is shutting down");
    if (!callback) return reject("no callback");
    if (!ServerAddress::make(query.server.ip, query.server.port)) {
      return reject("not a server address: " + query.server.toString());
    }
    if (queued_ >= options_.maxQueued) {
      return reject("queue full (" + std::to_string(options_.maxQueued) + " queries waiting)");
    }
    // The flow's own cap: a flow that filled its queue is refused, the others are not.
    if (const auto flow = flows_.find(query.flow);
        flow != flows_.end() && flow->second.queued >= options_.maxQueuedPerFlow) {
      return reject("queue of flow " + std::to_string(query.flow) + " full (" +
                    std::to_string(options_.maxQueuedPerFlow) + " queries waiting)");
    }
    auto pending = std::make_unique<Pending>();
    pending->transport = query.tcpOnly ? Transport::kTcp : Transport::kUdp;
    pending->query = std::move(query);
    pending->callback = std::move(callback);
    ++counters_.submitted;
    enqueue(std::move(pending), /*front=*/false);
    scheduleSettle();
    return Ok{};
  }

  void pollOnce(std::chrono::milliseconds maxWait) override {
    // epoll_wait failing (EBADF, ENOMEM) leaves no way to wait for answers: end what is pending
    // rather than let runUntilIdle() spin.
    if (!loop_->runOnce(maxWait)) cancelAll();
  }

  void runUntilIdle() override {
    while (pending() > 0) pollOnce(std::chrono::milliseconds(1000));
  }

  void cancelAll() override {
    std::vector<std::unique_ptr<Pending>> queued;
    for (auto& [id, flow] : flows_) {
      for (auto& [key, server] : flow.servers) {
        for (auto& pending : server.queue) queued.push_back(std::move(pending));
      }
    }
    flows_.clear();
    readyFlows_.clear();
    tokenWaits_.clear();
    blocked_.clear();
    queued_ = 0;
    for (auto& pending : queued) {
      QueryError error{
          QueryErrc::kCancelled, "cancelled", pending->query.server, pending->transport, {}};
      deliveries_.emplace_back(std::move(pending->callback), Unexpected{std::move(error)});
    }
    // ares_cancel runs each in-flight query's callback with ARES_ECANCELLED, right now.
    std::vector<Channel*> busy;
    for (auto& [key, channel] : channels_) {
      if (channel->inFlight > 0) busy.push_back(channel.get());
    }
    for (auto& channel : retired_) {
      if (channel->inFlight > 0) busy.push_back(channel.get());
    }
    for (Channel* channel : busy) ares_cancel(channel->handle);
    processCompletions();
    deliverAll();
  }

  size_t pending() const override {
    return queued_ + inFlight_.size() + completed_.size() + deliveries_.size();
  }

  EngineCounters counters() const override {
    EngineCounters snapshot = counters_;
    snapshot.queued = queued_;
    snapshot.inFlight = inFlight_.size();
    snapshot.channels = channels_.size() + retired_.size();
    snapshot.flows = flows_.size();
    snapshot.caseFoldingServers = caseFolding_.size();
    return snapshot;
  }

  EpollLoop& loop() override { return *loop_; }

  // --- c-ares callbacks (run inside ares_*; they only record) ---

  static void onSocketState(void* data, ares_socket_t fd, int readable, int writable) {
    auto* channel = static_cast<Channel*>(data);
    channel->engine->socketState(channel, fd, readable != 0, writable != 0);
  }

  static void onAnswer(void* arg, int status, int /*timeouts*/, unsigned char* abuf, int alen) {
    auto* flight = static_cast<InFlight*>(arg);
    flight->status = status;
    if (status == ARES_SUCCESS && abuf != nullptr && alen > 0) {
      flight->answer.assign(abuf, abuf + alen);
    }
    flight->channel->engine->completed_.push_back(flight->id);
  }

 private:
  // --- queueing and dispatch ---

  // Queues `pending` in its flow (front: a query already accepted and asked again, which no cap
  // refuses).
  void enqueue(std::unique_ptr<Pending> pending, bool front) {
    const uint64_t id = pending->query.flow;
    const std::string key = pending->query.server.toString();
    Flow& flow = flows_[id];
    auto [it, inserted] = flow.servers.try_emplace(key);
    ServerQueue& server = it->second;
    if (inserted) server.address = pending->query.server;
    if (front) {
      server.queue.push_front(std::move(pending));
    } else {
      server.queue.push_back(std::move(pending));
    }
    ++flow.queued;
    ++queued_;
    if (server.state == ServerQueue::State::kIdle) {
      server.state = ServerQueue::State::kReady;
      flow.ready.push_back(key);
      schedule(id, flow);
    }
  }

  void schedule(uint64_t id, Flow& flow) {
    if (flow.scheduled) return;
    flow.scheduled = true;
    readyFlows_.push_back(id);
  }

  void scheduleSettle() {
    if (settleScheduled_) return;
    settleScheduled_ = true;
    loop_->post([this, alive = std::weak_ptr<int>(alive_)] {
      if (alive.expired()) return;
      settleScheduled_ = false;
      settle();
    });
  }

  // Everything that must not happen inside a c-ares call: turning completions into results,
  // closing retired channels, dispatching queued queries (which may close idle channels), running
  // user callbacks, and re-arming channel timers. Called after every ares_process_fd() and from
  // posted tasks. It is re-entrant (a user callback may run the loop, e.g. through queryOnce):
  // every step works on what it swapped out, and no c-ares call is on the stack when user
  // callbacks run.
  void settle() {
    do {
      processCompletions();
      closeIdleRetired();  // before pump(): a closed channel may unblock queued queries
      pump();
      deliverAll();
    } while (!completed_.empty() || !deliveries_.empty());
    // A UDP channel that pump() retired while idle (rotation) is closed now that the channel that
    // replaced it has opened its socket; what that unblocks is dispatched by a later settle.
    closeIdleRetired();
    if (!readyFlows_.empty() && inFlight_.size() < options_.maxInFlight) scheduleSettle();
    refreshTimers();
  }

  // Hands free in-flight slots to the ready flows in turn, one query per turn (round robin, as a
  // deficit round robin with equal quanta of one query): a flow with 400 queries waiting delays
  // another flow's next query by at most one of its own per slot. A turn whose query must wait
  // for its server's token or for a channel uses no slot, so the next flow goes at once.
  void pump() {
    const TimePoint now = loop_->now();
    while (inFlight_.size() < options_.maxInFlight && !readyFlows_.empty()) {
      const uint64_t id = readyFlows_.front();
      readyFlows_.pop_front();
      const auto it = flows_.find(id);
      if (it == flows_.end()) continue;
      Flow& flow = it->second;
      flow.scheduled = false;
      if (!flow.ready.empty()) {
        const std::string key = std::move(flow.ready.front());
        flow.ready.pop_front();
        dispatchHead(id, flow, key, now);
      }
      if (!flow.ready.empty()) {
        schedule(id, flow);
      } else if (flow.queued == 0) {
        flows_.erase(id);
      }
    }
  }

  // One turn of `flow` on its server queue `key`: the head query is sent, waits for a token or a
  // channel, or fails alone (no channel could be made at all).
  void dispatchHead(uint64_t id, Flow& flow, const std::string& key, TimePoint now) {
    const auto it = flow.servers.find(key);
    if (it == flow.servers.end()) return;
    ServerQueue& server = it->second;
    server.state = ServerQueue::State::kIdle;
    if (server.queue.empty()) {
      flow.servers.erase(it);
      return;
    }
    // Check the token before opening a channel, open the channel before taking the token:
    // neither a socket nor a token is spent on a query that cannot go yet.
    if (const auto wait = limiter_->waitTime(server.address.ip, now); wait > Clock::duration{}) {
      waitForToken(id, server, key, now + wait);
      return;
    }
    auto channel = channelFor(server.address, server.queue.front()->transport);
    if (channel && *channel == nullptr) {
      server.state = ServerQueue::State::kBlocked;
      blocked_.push_back(QueueRef{id, key});
      return;
    }
    // An engine sharing the limiter may have taken the token since waitTime(): then wait again.
    if (channel && !limiter_->tryAcquire(server.address.ip, now)) {
      waitForToken(id, server, key, now + limiter_->waitTime(server.address.ip, now));
      return;
    }
    std::unique_ptr<Pending> pending = std::move(server.queue.front());
    server.queue.pop_front();
    --queued_;
    --flow.queued;
    if (!channel) {
      // Could not create a channel at all (c-ares init failed): this query fails, not the rest.
      QueryError error{QueryErrc::kNetwork,
                       channel.error().message,
                       pending->query.server,
                       pending->transport,
                       {}};
      deliveries_.emplace_back(std::move(pending->callback), Unexpected{std::move(error)});
    } else {
      send(*channel, std::move(pending), now);
    }
    if (server.queue.empty()) {
      flow.servers.erase(key);
    } else {
      server.state = ServerQueue::State::kReady;  // round robin within the flow: back of the line
      flow.ready.push_back(key);
    }
  }

  void waitForToken(uint64_t id, ServerQueue& server, const std::string& key, TimePoint at) {
    server.state = ServerQueue::State::kWaitingToken;
    tokenWaits_.emplace(at, QueueRef{id, key});
    ++counters_.rateLimited;
    armTokenTimer();
  }

  void send(Channel* channel, std::unique_ptr<Pending> pending, TimePoint now) {
    auto flight = std::make_unique<InFlight>();
    flight->id = nextFlightId_++;
    flight->channel = channel;
    flight->sentAt = now;
    flight->pending = std::move(pending);
    InFlight* raw = flight.get();
    inFlight_.emplace(raw->id, std::move(flight));
    markBusy(channel);
    ++channel->sent;
    Pending& query = *raw->pending;
    chooseCase(query);
    const std::vector<uint8_t> wire = encodeQuery(query.query, options_.udpSize, query.sentName);
    // c-ares copies the query and replaces its ID with a random one (RFC 5452 §4.3).
    ares_send(channel->handle, wire.data(), static_cast<int>(wire.size()), &CaresEngine::onAnswer,
              raw);
    dirty_.insert(channel);
  }

  // The QNAME's case for this send (every send, a retry over TCP included, draws afresh).
  void chooseCase(Pending& pending) {
    const dns::Name& name = pending.query.name;
    if (pending.caseMode == CaseMode::kLowerRetry) {
      pending.sentName = name.lowercased();
    } else if (!options_.randomizeCase) {
      pending.caseMode = CaseMode::kAsGiven;
      pending.sentName = name;
    } else if (caseFolding_.contains(pending.query.server.toString())) {
      pending.caseMode = CaseMode::kLower;
      pending.sentName = name.lowercased();
    } else {
      pending.caseMode = CaseMode::kRandom;
      pending.sentName = withLetterCase(name, caseBits_.next());
    }
  }

  void armTokenTimer() {
    if (tokenWaits_.empty()) return;
    const TimePoint earliest = tokenWaits_.begin()->first;
    if (tokenTimer_ != 0) {
      if (tokenTimerAt_ <= earliest) return;
      loop_->cancelTimer(tokenTimer_);
    }
    tokenTimerAt_ = earliest;
    tokenTimer_ = loop_->addTimer(earliest, [this] {
      tokenTimer_ = 0;
      const TimePoint now = loop_->now();
      while (!tokenWaits_.empty() && tokenWaits_.begin()->first <= now) {
        makeReady(tokenWaits_.begin()->second, ServerQueue::State::kWaitingToken);
        tokenWaits_.erase(tokenWaits_.begin());
      }
      armTokenTimer();
      settle();
    });
  }

  // Wakes a server queue that waited in state `from` (a token, a channel).
  void makeReady(const QueueRef& ref, ServerQueue::State from) {
    const auto flow = flows_.find(ref.flow);
    if (flow == flows_.end()) return;
    const auto server = flow->second.servers.find(ref.server);
    if (server == flow->second.servers.end() || server->second.state != from) return;
    server->second.state = ServerQueue::State::kReady;
    flow->second.ready.push_back(ref.server);
    schedule(ref.flow, flow->second);
  }

  void unblockServers() {
    for (const QueueRef& ref : std::exchange(blocked_, {})) {
      makeReady(ref, ServerQueue::State::kBlocked);
    }
  }

  // --- completions ---

  void processCompletions() {
    for (const uint64_t id : std::exchange(completed_, {})) {
      auto node = inFlight_.extract(id);
      if (node.empty()) continue;
      std::unique_ptr<InFlight> flight = std::move(node.mapped());
      Channel* channel = flight->channel;
      if (--channel->inFlight == 0) markIdle(channel);
      complete(*flight, channel);
    }
  }

  void complete(InFlight& flight, const Channel* channel) {
    std::unique_ptr<Pending> pending = std::move(flight.pending);
    const Transport transport = pending->transport;
    if (flight.status != ARES_SUCCESS) {
      deliveries_.emplace_back(
          std::move(pending->callback),
          Unexpected{errorFor(flight.status, pending->query.server, transport)});
      return;
    }
    const std::vector<uint8_t>& wire = flight.answer;
    // RFC 1035 §4.2.1 / RFC 7766 §5: a truncated UDP answer is asked again over TCP.
    const bool truncated = wire.size() >= kHeaderSize && (wire[2] & kTcBit) != 0;
    if (transport == Transport::kUdp && truncated) {
      retryOverTcp(std::move(pending));
      return;
    }
    const size_t size = wire.size();
    const auto rtt =
        std::chrono::duration_cast<std::chrono::microseconds>(loop_->now() - flight.sentAt);
    const bool echoed = checksCase(pending->caseMode) &&
                        restoreEchoedCase(pending->sentName, pending->query.name, flight.answer);
    QueryResult result = interpretAnswer(pending->query, std::move(flight.answer), transport, rtt);
    if (!result && result.error().parseError && transport == Transport::kUdp &&
        cutByCares(size, channel)) {
      retryOverTcp(std::move(pending));
      return;
    }
    if (result && !acceptCase(pending, result, echoed)) return;
    deliveries_.emplace_back(std::move(pending->callback), std::move(result));
  }

  // 0x20: whether the answer's question echoes the case sent. An answer that does not is either
  // forged by someone who guessed ID and port but not the case, or from a server that does not
  // preserve case: the question is asked once more in lower case (false: pending was queued
  // again). If that answer echoes the lower case exactly, the server is remembered as one that
  // does not preserve case and the answer is taken; if not, the result becomes kMalformed.
  // `echoed`: restoreEchoedCase found the case sent (and restored the caller's) before parsing.
  bool acceptCase(std::unique_ptr<Pending>& pending, QueryResult& result, bool echoed) {
    const CaseMode mode = pending->caseMode;
    if (!checksCase(mode)) return true;
    if (echoed) {
      if (mode == CaseMode::kLowerRetry) rememberCaseFolding(pending->query.server);
      return true;
    }
    if (mode == CaseMode::kRandom) {
      ++counters_.caseRetries;
      pending->caseMode = CaseMode::kLowerRetry;
      enqueue(std::move(pending), /*front=*/true);
      return false;
    }
    const std::string answered = result->message.questions.front().name.toString();
    result = Unexpected{QueryError{QueryErrc::kMalformed,
                                   "answer's question " + answered +
                                       " does not echo the query's case (" +
                                       pending->sentName.toString() + ", asked in random and " +
                                       "then in lower case): possible spoofing",
                                   pending->query.server,
                                   result->transport,
                                   {}}};
    return true;
  }

  // Bounded like the rate limiter's buckets: past the cap one entry is forgotten, which costs
  // that server one lower-case retry when it is next asked.
  void rememberCaseFolding(const ServerAddress& server) {
    if (caseFolding_.size() >= std::max<size_t>(options_.maxTrackedServers, 1)) {
      caseFolding_.erase(caseFolding_.begin());
    }
    caseFolding_.insert(server.toString());
  }

  // An unparsable UDP answer of exactly the length c-ares cuts datagrams to was probably longer
  // on the wire (c-ares reads at most kMaxUdpSize octets, and only 512 once a channel lost EDNS);
  // TCP gets it whole.
  static bool cutByCares(size_t size, const Channel* channel) {
    return size == EngineOptions::kMaxUdpSize || (channel->ednsLost && size == kClassicUdpSize);
  }

  void retryOverTcp(std::unique_ptr<Pending> pending) {
    ++counters_.tcpRetries;
    pending->transport = Transport::kTcp;
    enqueue(std::move(pending), /*front=*/true);
  }

  static QueryError errorFor(int status, const ServerAddress& server, Transport transport) {
    QueryError error;
    error.server = server;
    error.transport = transport;
    error.message = ares_strerror(status);
    switch (status) {
      case ARES_ETIMEOUT:
        error.code = QueryErrc::kTimeout;
        error.message =
            "no answer from " + server.toString() + " over " + std::string(toString(transport));
        break;
      case ARES_ECANCELLED:
      case ARES_EDESTRUCTION:
        error.code = QueryErrc::kCancelled;
        break;
      case ARES_EBADRESP:
        error.code = QueryErrc::kMalformed;
        break;
      case ARES_ECONNREFUSED:
        // c-ares reports every failed send or read (refused, unreachable, reset) this way.
        error.code = QueryErrc::kNetwork;
        error.message = "connection refused or unreachable: " + server.toString() + " over " +
                        std::string(toString(transport));
        break;
      default:
        error.code = QueryErrc::kNetwork;
        break;
    }
    return error;
  }

  void deliverAll() {
    while (!deliveries_.empty()) {
      auto batch = std::exchange(deliveries_, {});
      for (auto& [callback, result] : batch) {
        count(result);
        if (options_.onResult) options_.onResult(result);
        callback(std::move(result));
      }
    }
  }

  void count(const QueryResult& result) {
    if (result) {
      ++counters_.answered;
      return;
    }
    switch (result.error().code) {
      case QueryErrc::kTimeout:
        ++counters_.timeouts;
        break;
      case QueryErrc::kNetwork:
        ++counters_.networkErrors;
        break;
      case QueryErrc::kMalformed:
        ++counters_.malformed;
        break;
      case QueryErrc::kCancelled:
        ++counters_.cancelled;
        break;
      case QueryErrc::kRejected:
        ++counters_.rejected;
        break;
    }
  }

  // --- channels ---

  static std::string channelKey(const ServerAddress& server, Transport transport) {
    return server.toString() + "/" + std::string(toString(transport));
  }

  // The channel for (server, transport), opened if needed. nullptr (not an error) when the
  // channel cap is reached and every live channel has queries in flight.
  Result<Channel*> channelFor(const ServerAddress& server, Transport transport) {
    const std::string key = channelKey(server, transport);
    if (const auto it = channels_.find(key); it != channels_.end()) {
      Channel* channel = it->second.get();
      if (channel->transport == Transport::kTcp || channel->sent < options_.udpQueriesPerChannel) {
        return channel;
      }
      // This socket's source port has served its share (RFC 5452 §9.2). The channel is kept
      // until its queries are answered, and, as it still holds its port while the new channel's
      // first query opens a socket, the kernel cannot hand the same port out again.
      ++counters_.channelsRotated;
      retire(channel);
    }
    if (channels_.size() + retired_.size() >= options_.maxChannels) {
      Channel* victim = idleRetired();
      if (victim == nullptr && !idle_.empty()) victim = idle_.front();  // least recently used
      if (victim == nullptr) return static_cast<Channel*>(nullptr);
      closeChannel(victim);
    }
    auto opened = openChannel(server, transport, key);
    if (!opened) return Unexpected{opened.error()};
    Channel* channel = opened->get();
    channels_.emplace(key, std::move(opened).value());
    return channel;
  }

  Result<std::unique_ptr<Channel>> openChannel(const ServerAddress& server, Transport transport,
                                               const std::string& key) {
    auto channel = std::make_unique<Channel>();
    channel->engine = this;
    channel->server = server;
    channel->transport = transport;
    channel->key = key;

    ares_options options{};
    // Servers, domains, ndots, lookups and sortlist given explicitly: c-ares then skips
    // /etc/resolv.conf (ARES_CONFIG_CHECK in ares_init.c), so neither the host's resolver setup
    // ("options rotate", a sortlist) nor a file read per new channel gets in the way.
    int mask = ARES_OPT_FLAGS | ARES_OPT_TIMEOUTMS | ARES_OPT_TRIES | ARES_OPT_SOCK_STATE_CB |
               ARES_OPT_NOROTATE | ARES_OPT_SERVERS | ARES_OPT_DOMAINS | ARES_OPT_NDOTS |
               ARES_OPT_LOOKUPS | ARES_OPT_SORTLIST;
    options.nservers = 0;  // the real server is set below, with its port
    options.ndomains = 0;
    options.ndots = 1;
    std::string lookups = "b";  // DNS only, never /etc/hosts (not used by ares_send anyway)
    options.lookups = lookups.data();
    options.nsort = 0;
    options.flags = ARES_FLAG_NOCHECKRESP | ARES_FLAG_NOSEARCH | ARES_FLAG_NOALIASES;
    if (transport == Transport::kUdp) {
      options.flags |= ARES_FLAG_IGNTC | ARES_FLAG_EDNS;
      options.ednspsz = EngineOptions::kMaxUdpSize;
      mask |= ARES_OPT_EDNSPSZ;
    } else {
      // No ARES_FLAG_EDNS here: over TCP it would only add the FORMERR fallback described above.
      options.flags |= ARES_FLAG_USEVC;
    }
    options.timeout = static_cast<int>(options_.timeout.count());
    options.tries = options_.tries;
    options.sock_state_cb = &CaresEngine::onSocketState;
    options.sock_state_cb_data = channel.get();
    int status = ares_init_options(&channel->handle, &options, mask);
    if (status != ARES_SUCCESS)
      return fail(std::string("ares_init_options: ") + ares_strerror(status));
    ares_set_socket_functions(channel->handle, &kSocketFunctions, nullptr);

    ares_addr_port_node node{};
    node.next = nullptr;
    node.udp_port = server.port;
    node.tcp_port = server.port;
    bool parsed = false;
    if (server.isIpv6()) {
      node.family = AF_INET6;
      parsed = inet_pton(AF_INET6, server.ip.c_str(), &node.addr.addr6) == 1;
    } else {
      node.family = AF_INET;
      parsed = inet_pton(AF_INET, server.ip.c_str(), &node.addr.addr4) == 1;
    }
    status = parsed ? ares_set_servers_ports(channel->handle, &node) : ARES_EBADSTR;
    if (status != ARES_SUCCESS) {
      ares_destroy(channel->handle);
      return fail("cannot use server " + server.toString() + ": " + ares_strerror(status));
    }
    ++counters_.channelsOpened;
    return channel;
  }

  void closeChannel(Channel* channel) {
    if (channel->idleLinked) {
      idle_.erase(channel->idlePos);
      channel->idleLinked = false;
    }
    if (channel->timer != 0) loop_->cancelTimer(channel->timer);
    dirty_.erase(channel);
    // Idle channels have no queries, so this runs no callbacks; c-ares closes its sockets and
    // reports them through onSocketState. Whatever it did not report is unwatched below.
    ares_destroy(channel->handle);
    for (const int fd : channel->fds) loop_->unwatch(fd);
    ++counters_.channelsClosed;
    if (channel->retired) {
      std::erase_if(retired_, [channel](const auto& c) { return c.get() == channel; });
    } else {
      channels_.erase(channel->key);
    }
    unblockServers();
  }

  void markBusy(Channel* channel) {
    if (channel->idleLinked) {
      idle_.erase(channel->idlePos);
      channel->idleLinked = false;
    }
    ++channel->inFlight;
  }

  void markIdle(Channel* channel) {
    if (!channel->retired && !channel->idleLinked) {
      channel->idlePos = idle_.insert(idle_.end(), channel);
      channel->idleLinked = true;
    }
    unblockServers();
  }

  void retire(Channel* channel) {
    const auto it = channels_.find(channel->key);
    if (it == channels_.end() || it->second.get() != channel) return;
    channel->retired = true;
    if (channel->idleLinked) {
      idle_.erase(channel->idlePos);
      channel->idleLinked = false;
    }
    retired_.push_back(std::move(it->second));
    channels_.erase(it);
  }

  Channel* idleRetired() const {
    for (const auto& channel : retired_) {
      if (channel->inFlight == 0) return channel.get();
    }
    return nullptr;
  }

  void closeIdleRetired() {
    std::vector<Channel*> done;
    for (auto& channel : retired_) {
      if (channel->inFlight == 0) done.push_back(channel.get());
    }
    for (Channel* channel : done) closeChannel(channel);
  }

  // c-ares clears ARES_FLAG_EDNS on the channel after a FORMERR without OPT (see the top of this
  // file); from then on it would cut UDP answers to 512 octets.
  void checkEdns(Channel* channel) {
    if (channel->transport != Transport::kUdp || channel->retired) return;
    ares_options saved{};
    int mask = 0;
    if (ares_save_options(channel->handle, &saved, &mask) != ARES_SUCCESS) return;
    const bool edns = (saved.flags & ARES_FLAG_EDNS) != 0;
    ares_destroy_options(&saved);
    if (edns) return;
    channel->ednsLost = true;
    retire(channel);
  }

  void socketState(Channel* channel, int fd, bool readable, bool writable) {
    if (!readable && !writable) {
      loop_->unwatch(fd);
      std::erase(channel->fds, fd);
      return;
    }
    if (loop_->isWatching(fd)) {
      // A failure here leaves the query to its timeout timer; nothing better to do inside c-ares.
      [[maybe_unused]] auto modified = loop_->modify(fd, readable, writable);
      return;
    }
    [[maybe_unused]] auto watched = loop_->watch(
        fd, readable, writable,
        [this, channel](int readyFd, uint32_t events) { onReady(channel, readyFd, events); });
    channel->fds.push_back(fd);
  }

  void onReady(Channel* channel, int fd, uint32_t events) {
    const bool error = (events & EpollLoop::kError) != 0;
    const ares_socket_t readFd =
        (events & EpollLoop::kReadable) != 0 || error ? fd : ARES_SOCKET_BAD;
    const ares_socket_t writeFd =
        (events & EpollLoop::kWritable) != 0 || error ? fd : ARES_SOCKET_BAD;
    ares_process_fd(channel->handle, readFd, writeFd);
    checkEdns(channel);
    dirty_.insert(channel);
    settle();
  }

  void onTimer(Channel* channel) {
    channel->timer = 0;
    ares_process_fd(channel->handle, ARES_SOCKET_BAD, ARES_SOCKET_BAD);
    dirty_.insert(channel);
    settle();
  }

  // One loop timer per channel, at the deadline c-ares reports for its earliest query.
  void refreshTimers() {
    const TimePoint now = loop_->now();
    for (Channel* channel : std::exchange(dirty_, {})) {
      timeval tv{};
      if (ares_timeout(channel->handle, nullptr, &tv) == nullptr) {
        if (channel->timer != 0) loop_->cancelTimer(channel->timer);
        channel->timer = 0;
        continue;
      }
      const TimePoint deadline =
          now + std::chrono::seconds(tv.tv_sec) + std::chrono::microseconds(tv.tv_usec);
      if (channel->timer != 0) {
        // Keep a timer that is close enough: re-arming on every event would churn the timer map.
        if (channel->timerAt <= deadline && deadline - channel->timerAt < kTimerSlack) continue;
        loop_->cancelTimer(channel->timer);
      }
      channel->timerAt = deadline;
      channel->timer = loop_->addTimer(deadline, [this, channel] { onTimer(channel); });
    }
  }

  static constexpr std::chrono::milliseconds kTimerSlack{5};

  EngineOptions options_;
  std::unique_ptr<EpollLoop> ownedLoop_;  // declared first: destroyed after the channels
  EpollLoop* loop_;
  std::shared_ptr<ServerRateLimiter> limiter_;
  std::shared_ptr<int> alive_ = std::make_shared<int>(0);

  std::unordered_map<uint64_t, Flow> flows_;  // flows with queries waiting
  std::deque<uint64_t> readyFlows_;           // flows with a ready server queue, in turn
  std::multimap<TimePoint, QueueRef> tokenWaits_;
  std::vector<QueueRef> blocked_;
  EpollLoop::TimerId tokenTimer_ = 0;
  TimePoint tokenTimerAt_{};
  size_t queued_ = 0;

  std::unordered_map<std::string, std::unique_ptr<Channel>> channels_;
  std::vector<std::unique_ptr<Channel>> retired_;
  std::list<Channel*> idle_;  // idle channels, least recently used first
  std::unordered_set<Channel*> dirty_;

  std::unordered_map<uint64_t, std::unique_ptr<InFlight>> inFlight_;
  uint64_t nextFlightId_ = 1;
  std::vector<uint64_t> completed_;  // filled by onAnswer
  std::vector<std::pair<QueryCallback, QueryResult>> deliveries_;

  // Servers ("address:port") seen not to preserve the QNAME's case; asked in lower case.
  std::unordered_set<std::string> caseFolding_;
  CaseBits caseBits_;

  EngineCounters counters_;
  bool settleScheduled_ = false;
  bool shuttingDown_ = false;
};

}  // namespace

Result<std::unique_ptr<QueryEngine>> makeCaresEngine(const EngineOptions& options,
                                                     EpollLoop* loop) {
  if (auto valid = options.validate(); !valid) return Unexpected{valid.error()};
  if (auto init = initCaresLibrary(); !init) return Unexpected{init.error()};
  std::unique_ptr<EpollLoop> owned;
  if (loop == nullptr) {
    auto created = EpollLoop::create();
    if (!created) return Unexpected{created.error()};
    owned = std::move(created).value();
  }
  return std::unique_ptr<QueryEngine>(new CaresEngine(options, loop, std::move(owned)));
}

}  // namespace zonewatch::resolver
