// A deliberately simple DNS server for the engine's tests: UDP and TCP on one random port of a
// loopback address, served by a thread, answering with whatever bytes the test's handler returns —
// including hostile ones (truncated records, wrong questions, TC without data) that a real name
// server would never send. Answers are raw bytes built with the helpers below, not with our codec,
// so that the codec under test does not also write the test's expectations.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
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

namespace zonewatch::resolver::testing {

using Bytes = std::vector<uint8_t>;

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

inline void put16(Bytes& out, uint32_t v) {
  out.push_back(static_cast<uint8_t>(v >> 8));
  out.push_back(static_cast<uint8_t>(v));
}
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
    stop_ = true;
    const char byte = 0;
    [[maybe_unused]] auto n = write(stopPipe_[1], &byte, 1);
    if (thread_.joinable()) thread_.join();
    for (int fd : {udp_, tcp_, stopPipe_[0], stopPipe_[1]}) {
      if (fd >= 0) close(fd);
    }
  }

  ServerAddress address() const { return *ServerAddress::make(ip_, port_); }
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
    for (const int c : std::exchange(held_, {})) reset(c);
  }

  std::vector<RawQuery> queries() const {
    const std::lock_guard lock(mutex_);
    return queries_;
  }

 private:
  explicit FakeDnsServer(Handler handler) : handler_(std::move(handler)) {
    [[maybe_unused]] int rc = pipe(stopPipe_.data());
  }

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
    const int family = v6 ? AF_INET6 : AF_INET;
    udp_ = socket(family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (udp_ < 0 || bind(udp_, reinterpret_cast<sockaddr*>(&addr), len) != 0) return false;
    sockaddr_storage bound{};
    socklen_t boundLen = sizeof bound;
    getsockname(udp_, reinterpret_cast<sockaddr*>(&bound), &boundLen);
    port_ = ntohs(v6 ? reinterpret_cast<sockaddr_in6*>(&bound)->sin6_port
                     : reinterpret_cast<sockaddr_in*>(&bound)->sin_port);
    if (v6) {
      reinterpret_cast<sockaddr_in6*>(&addr)->sin6_port = htons(port_);
    } else {
      reinterpret_cast<sockaddr_in*>(&addr)->sin_port = htons(port_);
    }
    tcp_ = socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    const int one = 1;
    setsockopt(tcp_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (tcp_ < 0 || bind(tcp_, reinterpret_cast<sockaddr*>(&addr), len) != 0 ||
        listen(tcp_, 16) != 0) {
      close(udp_);
      udp_ = -1;
      if (tcp_ >= 0) close(tcp_);
      tcp_ = -1;
      return false;
    }
    return true;
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

  static uint16_t portOf(const sockaddr_storage& address) {
    if (address.ss_family == AF_INET6) {
      return ntohs(reinterpret_cast<const sockaddr_in6*>(&address)->sin6_port);
    }
    return ntohs(reinterpret_cast<const sockaddr_in*>(&address)->sin_port);
  }

  static bool readFully(int fd, uint8_t* data, size_t size) {
    size_t done = 0;
    while (done < size) {
      const ssize_t n = read(fd, data + done, size - done);
      if (n <= 0) return false;
      done += static_cast<size_t>(n);
    }
    return true;
  }

  static void writeFully(int fd, const Bytes& data) {
    size_t done = 0;
    while (done < data.size()) {
      const ssize_t n = write(fd, data.data() + done, data.size() - done);
      if (n <= 0) return;
      done += static_cast<size_t>(n);
    }
  }

  // FIN first, so that the client's socket is in CLOSE_WAIT when the RST arrives: Linux then
  // reports EPIPE (not ECONNRESET) to the client's next write, which raises SIGPIPE unless the
  // write asked for MSG_NOSIGNAL.
  void reset(int c) {
    shutdown(c, SHUT_WR);
    const linger abort{1, 0};
    setsockopt(c, SOL_SOCKET, SO_LINGER, &abort, sizeof abort);
    close(c);
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
      reset(c);
    }
    return true;
  }

  void serve() {
    std::vector<int> connections;
    while (!stop_) {
      std::vector<pollfd> fds = {{stopPipe_[0], POLLIN, 0}, {udp_, POLLIN, 0}, {tcp_, POLLIN, 0}};
      for (int c : connections) fds.push_back({c, POLLIN, 0});
      if (poll(fds.data(), fds.size(), -1) < 0) continue;
      if (fds[0].revents) break;
      if (fds[1].revents & POLLIN) {
        std::array<uint8_t, 65536> buffer{};
        sockaddr_storage from{};
        socklen_t fromLen = sizeof from;
        const ssize_t n = recvfrom(udp_, buffer.data(), buffer.size(), 0,
                                   reinterpret_cast<sockaddr*>(&from), &fromLen);
        if (n > 0) {
          for (const Bytes& reply :
               handle(Bytes(buffer.begin(), buffer.begin() + n), Transport::kUdp, portOf(from))) {
            sendto(udp_, reply.data(), reply.size(), 0, reinterpret_cast<sockaddr*>(&from),
                   fromLen);
          }
        }
      }
      if (fds[2].revents & POLLIN) {
        const int c = accept4(tcp_, nullptr, nullptr, SOCK_CLOEXEC);
        if (c >= 0) connections.push_back(c);
      }
      for (size_t i = 3; i < fds.size(); ++i) {
        if (!fds[i].revents) continue;
        const int c = fds[i].fd;
        if (abortConnection(c)) {
          std::erase(connections, c);
          continue;
        }
        std::array<uint8_t, 2> prefix{};
        Bytes message;
        bool ok = readFully(c, prefix.data(), 2);
        if (ok) {
          message.resize(static_cast<size_t>(prefix[0] << 8 | prefix[1]));
          ok = readFully(c, message.data(), message.size());
        }
        if (!ok) {
          close(c);
          std::erase(connections, c);
          continue;
        }
        for (const Bytes& reply : handle(message, Transport::kTcp)) {
          Bytes framed;
          put16(framed, static_cast<uint32_t>(reply.size()));
          framed.insert(framed.end(), reply.begin(), reply.end());
          writeFully(c, framed);
        }
      }
    }
    for (int c : connections) close(c);
    const std::lock_guard lock(mutex_);
    for (int c : held_) close(c);
  }

  Handler handler_;
  std::string ip_;
  uint16_t port_ = 0;
  int udp_ = -1;
  int tcp_ = -1;
  std::array<int, 2> stopPipe_{-1, -1};
  std::atomic<bool> stop_{false};
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
