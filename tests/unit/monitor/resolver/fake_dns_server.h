// A deliberately simple DNS server for the engine's tests: UDP and TCP on one random port of a
// loopback address, served by a thread, answering with whatever bytes the test's handler returns —
// including hostile ones (truncated records, wrong questions, TC without data) that a real name
// server would never send. Answers are raw bytes built with the helpers below, not with our codec,
// so that the codec under test does not also write the test's expectations.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "monitor/resolver/query_engine.h"
#include "tests/unit/monitor/resolver/loopback_socket.h"

namespace zonewatch::resolver::testing {

// The question of a query as raw octets, plus the header fields tests look at.
struct RawQuery {
  Bytes wire;
  uint16_t id = 0;
  bool rd = false;
  bool cd = false;
  Bytes qname;  // wire form, as sent
  uint16_t qtype = 0;
  uint16_t qclass = 0;
  size_t questionEnd = 0;  // offset just past the question
  bool hasOpt = false;
  bool dnssecOk = false;
  uint16_t udpSize = 0;
  uint16_t sourcePort = 0;  // the client's port, UDP only (set by the server, not by parse())

  static std::optional<RawQuery> parse(const Bytes& wire) {
    if (wire.size() < 12) return std::nullopt;
    RawQuery q;
    q.wire = wire;
    q.id = static_cast<uint16_t>(wire[0] << 8 | wire[1]);
    q.rd = (wire[2] & 0x01) != 0;
    q.cd = (wire[3] & 0x10) != 0;
    size_t pos = 12;
    while (pos < wire.size() && wire[pos] != 0) pos += 1U + wire[pos];
    if (pos + 5 > wire.size()) return std::nullopt;
    q.qname.assign(wire.begin() + 12, wire.begin() + static_cast<std::ptrdiff_t>(pos) + 1);
    pos += 1;
    q.qtype = static_cast<uint16_t>(wire[pos] << 8 | wire[pos + 1]);
    q.qclass = static_cast<uint16_t>(wire[pos + 2] << 8 | wire[pos + 3]);
    q.questionEnd = pos + 4;
    // An OPT RR in the additional section: root owner, type 41 (RFC 6891 §6.1.2).
    const size_t opt = q.questionEnd;
    if (opt + 11 <= wire.size() && wire[opt] == 0 && wire[opt + 1] == 0 && wire[opt + 2] == 41) {
      q.hasOpt = true;
      q.udpSize = static_cast<uint16_t>(wire[opt + 3] << 8 | wire[opt + 4]);
      q.dnssecOk = (wire[opt + 7] & 0x80) != 0;
    }
    return q;
  }
};

inline void put32(Bytes& out, uint32_t v) {
  put16(out, v >> 16);
  put16(out, v & 0xffff);
}

struct ReplySpec {
  uint8_t rcode = 0;  // low 4 bits go to the header
  bool aa = true;
  bool tc = false;
  bool qr = true;
  uint16_t ancount = 0;
  uint16_t arcount = 0;
  Bytes records;                  // raw records after the question (answer then additional)
  std::optional<Bytes> question;  // replaces the echoed question (qname+qtype+qclass)
};

// A reply to q: same ID, the question echoed (unless spec.question), spec's records appended.
inline Bytes makeReply(const RawQuery& q, const ReplySpec& spec) {
  Bytes out;
  put16(out, q.id);
  uint8_t flags1 = spec.qr ? 0x80 : 0x00;
  if (spec.aa) flags1 |= 0x04;
  if (spec.tc) flags1 |= 0x02;
  if (q.rd) flags1 |= 0x01;
  out.push_back(flags1);
  out.push_back(static_cast<uint8_t>(spec.rcode & 0x0f));
  put16(out, 1);
  put16(out, spec.ancount);
  put16(out, 0);
  put16(out, spec.arcount);
  if (spec.question) {
    out.insert(out.end(), spec.question->begin(), spec.question->end());
  } else {
    out.insert(out.end(), q.wire.begin() + 12,
               q.wire.begin() + static_cast<std::ptrdiff_t>(q.questionEnd));
  }
  out.insert(out.end(), spec.records.begin(), spec.records.end());
  return out;
}

// A TXT record owned by the question name (compression pointer to offset 12), with `size` octets
// of character-strings in its RDATA.
inline Bytes txtRecord(size_t size) {
  Bytes rdata;
  while (rdata.size() < size) {
    const size_t chunk = std::min<size_t>(255, size - rdata.size() - 1);
    rdata.push_back(static_cast<uint8_t>(chunk));
    rdata.insert(rdata.end(), chunk, 'z');
  }
  Bytes out = {0xc0, 0x0c};
  put16(out, 16);
  put16(out, 1);
  put32(out, 300);
  put16(out, static_cast<uint32_t>(rdata.size()));
  out.insert(out.end(), rdata.begin(), rdata.end());
  return out;
}

inline Bytes aRecord(uint8_t a, uint8_t b, uint8_t c, uint8_t d) {
  Bytes out = {0xc0, 0x0c};
  put16(out, 1);
  put16(out, 1);
  put32(out, 300);
  put16(out, 4);
  out.insert(out.end(), {a, b, c, d});
  return out;
}

// An OPT RR (RFC 6891 §6.1.2) with the given extended-rcode octet.
inline Bytes optRecord(uint16_t udpSize = 1232, uint8_t extendedRcode = 0, bool dnssecOk = true) {
  Bytes out = {0x00};
  put16(out, 41);
  put16(out, udpSize);
  out.push_back(extendedRcode);
  out.push_back(0);
  out.push_back(dnssecOk ? 0x80 : 0x00);
  out.push_back(0);
  put16(out, 0);
  return out;
}

// IPv6 in tests: an AF_INET6 socket on the IPv4-mapped loopback address, so that no test packet
// leaves 127.0.0.0/8 (::1 is outside it).
inline constexpr const char* kMappedLoopback = "::ffff:127.0.0.1";

class FakeDnsServer {
 public:
  // Returns the datagrams/messages to send back, in order (none: stay silent).
  using Handler = std::function<std::vector<Bytes>(const RawQuery& query, Transport transport)>;

  // Binds UDP and TCP on the same free port of ip ("127.0.0.1" or kMappedLoopback); nullptr if it
  // cannot (e.g. no IPv6 on this machine).
  static std::unique_ptr<FakeDnsServer> start(const std::string& ip, Handler handler) {
    for (int attempt = 0; attempt < 20; ++attempt) {
      auto server = std::unique_ptr<FakeDnsServer>(new FakeDnsServer(std::move(handler)));
      if (server->bindBoth(ip)) {
        server->thread_ = std::thread([s = server.get()] { s->serve(); });
        return server;
      }
      handler = std::move(server->handler_);
    }
    return nullptr;
  }

  ~FakeDnsServer() {
    sockets_.stop();
    if (thread_.joinable()) thread_.join();
  }

  ServerAddress address() const { return *ServerAddress::make(ip_, sockets_.port()); }
  int udpQueries() const { return udpQueries_; }
  int tcpQueries() const { return tcpQueries_; }

  // A server that drops TCP queries half-way: from now on every TCP connection is read up to
  // `octets` and then half-closed (FIN) and reset (SO_LINGER 0, so close() sends an RST) at once,
  // or, with hold, kept unanswered until resetHeldConnections(). 0 serves TCP normally again.
  void abortTcpAfter(size_t octets, bool hold = false) {
    const std::lock_guard lock(mutex_);
    abortAfter_ = octets;
    holdAborted_ = hold;
  }
  size_t heldConnections() const {
    const std::lock_guard lock(mutex_);
    return held_.size();
  }
  void resetHeldConnections() {
    const std::lock_guard lock(mutex_);
    for (const int c : std::exchange(held_, {})) resetConnection(c);
  }

  std::vector<RawQuery> queries() const {
    const std::lock_guard lock(mutex_);
    return queries_;
  }

 private:
  explicit FakeDnsServer(Handler handler) : handler_(std::move(handler)) {}

  bool bindBoth(const std::string& ip) {
    ip_ = ip;
    const bool v6 = ip.find(':') != std::string::npos;
    sockaddr_storage addr{};
    socklen_t len = 0;
    if (v6) {
      auto* sa = reinterpret_cast<sockaddr_in6*>(&addr);
      sa->sin6_family = AF_INET6;
      if (inet_pton(AF_INET6, ip.c_str(), &sa->sin6_addr) != 1) return false;
      len = sizeof(sockaddr_in6);
    } else {
      auto* sa = reinterpret_cast<sockaddr_in*>(&addr);
      sa->sin_family = AF_INET;
      if (inet_pton(AF_INET, ip.c_str(), &sa->sin_addr) != 1) return false;
      len = sizeof(sockaddr_in);
    }
    // Port 0: the kernel picks a free one (start() tries again when TCP cannot have it too).
    return sockets_.bind(addr, len, 16);
  }

  std::vector<Bytes> handle(const Bytes& wire, Transport transport, uint16_t sourcePort = 0) {
    auto query = RawQuery::parse(wire);
    if (!query) return {};
    query->sourcePort = sourcePort;
    {
      const std::lock_guard lock(mutex_);
      queries_.push_back(*query);
    }
    (transport == Transport::kUdp ? udpQueries_ : tcpQueries_)++;
    return handler_(*query, transport);
  }

  // Reads the first octets of a connection in abort mode, then resets or holds it (true), or
  // leaves it to normal service (false).
  bool abortConnection(int c) {
    const std::lock_guard lock(mutex_);
    if (abortAfter_ == 0) return false;
    Bytes part(abortAfter_);
    [[maybe_unused]] const bool complete = readFully(c, part.data(), part.size());
    if (holdAborted_) {
      held_.push_back(c);
    } else {
      resetConnection(c);
    }
    return true;
  }

  // One query from a connection; false when the connection is no longer polled (closed, reset or
  // held by abort mode).
  bool serveTcp(int c) {
    if (abortConnection(c)) return false;
    auto message = readTcpMessage(c);
    if (!message) {
      close(c);
      return false;
    }
    for (const Bytes& reply : handle(*message, Transport::kTcp)) writeFully(c, tcpFramed(reply));
    return true;
  }

  void serve() {
    const std::vector<int> connections = sockets_.serve(
        [this](const Datagram& d) {
          for (const Bytes& reply : handle(d.data, Transport::kUdp, d.sourcePort())) {
            sockets_.sendTo(d, reply);
          }
        },
        [](int) { return true; }, [this](int c) { return serveTcp(c); });
    for (int c : connections) close(c);
    const std::lock_guard lock(mutex_);
    for (int c : held_) close(c);
  }

  Handler handler_;
  std::string ip_;
  LoopbackSockets sockets_;
  std::atomic<int> udpQueries_{0};
  std::atomic<int> tcpQueries_{0};
  size_t abortAfter_ = 0;     // guarded by mutex_
  bool holdAborted_ = false;  // guarded by mutex_
  std::vector<int> held_;     // guarded by mutex_: aborted connections not reset yet
  mutable std::mutex mutex_;
  std::vector<RawQuery> queries_;
  std::thread thread_;
};

}  // namespace zonewatch::resolver::testing
