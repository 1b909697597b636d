// The socket plumbing of the tests' DNS servers on loopback addresses: FakeDnsServer
// (fake_dns_server.h, the engine's tests) and HostileServer (tests/integration/hostile_server.h).
// Each serves UDP and TCP on one port from a thread that polls its sockets (LoopbackSockets::serve)
// until a pipe wakes it to stop; what they answer, and how they misbehave, is their own.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

namespace zonewatch::resolver::testing {

using Bytes = std::vector<uint8_t>;

// Appends v's low 16 bits, network order.
inline void put16(Bytes& out, uint32_t v) {
  out.push_back(static_cast<uint8_t>(v >> 8));
  out.push_back(static_cast<uint8_t>(v));
}

// Reads exactly `size` octets; false at the end of the stream, on an error or a timeout.
inline bool readFully(int fd, uint8_t* data, size_t size) {
  size_t done = 0;
  while (done < size) {
    const ssize_t n = read(fd, data + done, size - done);
    if (n <= 0) return false;
    done += static_cast<size_t>(n);
  }
  return true;
}

// Writes all of `data` (send() with `flags`, e.g. MSG_NOSIGNAL); gives up at the first error.
inline void writeFully(int fd, const Bytes& data, int flags = 0) {
  size_t done = 0;
  while (done < data.size()) {
    const ssize_t n = send(fd, data.data() + done, data.size() - done, flags);
    if (n <= 0) return;
    done += static_cast<size_t>(n);
  }
}

// One DNS message from a TCP connection: its two-octet length, then that many octets (RFC 1035
// §4.2.2); nullopt when the connection ends or fails first.
inline std::optional<Bytes> readTcpMessage(int fd) {
  std::array<uint8_t, 2> prefix{};
  if (!readFully(fd, prefix.data(), prefix.size())) return std::nullopt;
  Bytes message(static_cast<size_t>(prefix[0] << 8 | prefix[1]));
  if (!readFully(fd, message.data(), message.size())) return std::nullopt;
  return message;
}

// `message` as it goes over TCP: after its two-octet length.
inline Bytes tcpFramed(const Bytes& message) {
  Bytes framed;
  put16(framed, static_cast<uint32_t>(message.size()));
  framed.insert(framed.end(), message.begin(), message.end());
  return framed;
}

// Closes a TCP connection with FIN first, then RST (SO_LINGER 0): the client's socket is in
// CLOSE_WAIT when the RST arrives, so Linux reports EPIPE (not ECONNRESET) to its next write,
// which raises SIGPIPE unless the write asked for MSG_NOSIGNAL.
inline void resetConnection(int fd) {
  shutdown(fd, SHUT_WR);
  const linger abort{1, 0};
  setsockopt(fd, SOL_SOCKET, SO_LINGER, &abort, sizeof abort);
  close(fd);
}

// A datagram received on a server's UDP socket, with where it came from.
struct Datagram {
  Bytes data;
  sockaddr_storage from{};
  socklen_t fromLength = sizeof(sockaddr_storage);

  uint16_t sourcePort() const {
    if (from.ss_family == AF_INET6) {
      return ntohs(reinterpret_cast<const sockaddr_in6*>(&from)->sin6_port);
    }
    return ntohs(reinterpret_cast<const sockaddr_in*>(&from)->sin_port);
  }
};

// A server's sockets, closed with it: UDP and a TCP listener on one address and port, and the
// pipe that wakes its thread's poll to stop. serve() is the thread's loop; what the server does
// with a datagram, a new connection or a query on one is the server's own.
class LoopbackSockets {
 public:
  LoopbackSockets() { [[maybe_unused]] int rc = pipe(stopPipe_.data()); }
  ~LoopbackSockets() {
    for (int fd : {udp_, tcp_, stopPipe_[0], stopPipe_[1]}) {
      if (fd >= 0) close(fd);
    }
  }
  LoopbackSockets(const LoopbackSockets&) = delete;
  LoopbackSockets& operator=(const LoopbackSockets&) = delete;

  // Binds UDP, then TCP (SO_REUSEADDR, listening with `backlog`) on `address` (AF_INET or
  // AF_INET6, `length` octets of it); port 0 there: the port the kernel gives the UDP socket, for
  // both. False, with errno as the call that failed left it, when either cannot be bound.
  bool bind(sockaddr_storage address, socklen_t length, int backlog) {
    const bool v6 = address.ss_family == AF_INET6;
    udp_ = socket(address.ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (udp_ < 0 || ::bind(udp_, reinterpret_cast<sockaddr*>(&address), length) != 0) return false;
    sockaddr_storage bound{};
    socklen_t boundLength = sizeof bound;
    getsockname(udp_, reinterpret_cast<sockaddr*>(&bound), &boundLength);
    port_ = ntohs(v6 ? reinterpret_cast<sockaddr_in6*>(&bound)->sin6_port
                     : reinterpret_cast<sockaddr_in*>(&bound)->sin_port);
    if (v6) {
      reinterpret_cast<sockaddr_in6*>(&address)->sin6_port = htons(port_);
    } else {
      reinterpret_cast<sockaddr_in*>(&address)->sin_port = htons(port_);
    }
    tcp_ = socket(address.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (tcp_ < 0) return false;
    const int one = 1;
    setsockopt(tcp_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    return ::bind(tcp_, reinterpret_cast<sockaddr*>(&address), length) == 0 &&
           listen(tcp_, backlog) == 0;
  }

  uint16_t port() const { return port_; }

  // Makes serve() return, from any thread: at once when it is polling, else before it polls again.
  void stop() {
    stopped_ = true;
    const char byte = 0;
    [[maybe_unused]] auto n = write(stopPipe_[1], &byte, 1);
  }

  // The server's loop, until stop(): onDatagram(const Datagram&) for each datagram received;
  // onAccept(fd) for each new TCP connection, true to have it polled from then on; onReadable(fd)
  // when a polled connection has something to read (or is closed), false when it is not to be
  // polled any more (closed, reset or held by the server). Returns the connections still polled.
  template <class OnDatagram, class OnAccept, class OnReadable>
  std::vector<int> serve(OnDatagram onDatagram, OnAccept onAccept, OnReadable onReadable) {
    std::vector<int> connections;
    while (!stopped_) {
      std::vector<pollfd> fds = {{stopPipe_[0], POLLIN, 0}, {udp_, POLLIN, 0}, {tcp_, POLLIN, 0}};
      for (int c : connections) fds.push_back({c, POLLIN, 0});
      if (poll(fds.data(), fds.size(), -1) < 0) continue;
      if (fds[0].revents) break;
      if (fds[1].revents & POLLIN) {
        if (auto datagram = receive()) onDatagram(*datagram);
      }
      if (fds[2].revents & POLLIN) {
        const int c = accept4(tcp_, nullptr, nullptr, SOCK_CLOEXEC);
        if (c >= 0 && onAccept(c)) connections.push_back(c);
      }
      for (size_t i = 3; i < fds.size(); ++i) {
        if (fds[i].revents && !onReadable(fds[i].fd)) std::erase(connections, fds[i].fd);
      }
    }
    return connections;
  }

  // Sends `reply` from the UDP socket to where `to` came from.
  void sendTo(const Datagram& to, const Bytes& reply) const {
    sendto(udp_, reply.data(), reply.size(), 0, reinterpret_cast<const sockaddr*>(&to.from),
           to.fromLength);
  }

 private:
  // The next datagram on the UDP socket; nullopt on an error or an empty one.
  std::optional<Datagram> receive() const {
    std::array<uint8_t, 65536> buffer{};
    Datagram d;
    const ssize_t n = recvfrom(udp_, buffer.data(), buffer.size(), 0,
                               reinterpret_cast<sockaddr*>(&d.from), &d.fromLength);
    if (n <= 0) return std::nullopt;
    d.data.assign(buffer.begin(), buffer.begin() + n);
    return d;
  }

  int udp_ = -1;
  int tcp_ = -1;
  uint16_t port_ = 0;
  std::array<int, 2> stopPipe_{-1, -1};
  std::atomic<bool> stopped_{false};
};

}  // namespace zonewatch::resolver::testing
