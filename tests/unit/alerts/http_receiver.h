// A real HTTP/1.1 receiver on a loopback port, in a thread of the test: what webhook deliveries
// are tested against (tests/unit/alerts/deliverer_test.cpp, tests/unit/monitor/daemon/), so that
// the production libcurl poster is exercised end to end instead of a fake transport.
#pragma once

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cctype>
#include <cstdlib>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace zonewatch::testutil {

// Issue 18: requests to a receiver on 127.0.0.1 must never go to a proxy that the environment of
// the test names (libcurl honours http_proxy and friends, as the daemon does on purpose for its
// operators): with http_proxy set, most deliveries would reach the proxy or nothing. ctest clears
// these too (tests/test_environment.cmake); this covers a test program run by hand.
inline void clearProxyEnvironment() {
  for (const char* variable :
       {"http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY", "all_proxy", "ALL_PROXY"}) {
    ::unsetenv(variable);
  }
  ::setenv("no_proxy", "127.0.0.1,localhost,::1", 1);
  ::setenv("NO_PROXY", "127.0.0.1,localhost,::1", 1);
}

struct ReceivedRequest {
  std::string method, path;
  std::map<std::string, std::string> headers;  // names lowercased
  std::string body;
};

// Single-threaded HTTP/1.1: one connection at a time, Content-Length bodies, "Connection: close".
// stop() closes the port, so a stopped receiver refuses connections like a receiver that is down.
// Constructing one clears the proxy variables of the process (clearProxyEnvironment), before any
// thread of the receiver exists: every test that posts to it goes to it directly.
class Receiver {
 public:
  Receiver() {
    clearProxyEnvironment();
    // Reserve a port the kernel considers free, then release it for start() (which may be called
    // again after stop(), on the same port).
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a = loopback(0);
    ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
    socklen_t len = sizeof a;
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
    port_ = ntohs(a.sin_port);
    ::close(fd);
  }
  ~Receiver() { stop(); }

  void start() {
    listen_ = ::socket(AF_INET, SOCK_STREAM, 0);
    const int on = 1;
    ::setsockopt(listen_, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
    sockaddr_in a = loopback(port_);
    ASSERT_EQ(::bind(listen_, reinterpret_cast<sockaddr*>(&a), sizeof a), 0) << "port " << port_;
    ASSERT_EQ(::listen(listen_, 16), 0);
    stop_ = false;
    thread_ = std::thread([this] { serve(); });
  }
  void stop() {
    if (!thread_.joinable()) return;
    stop_ = true;
    thread_.join();
    ::close(listen_);
  }

  void setStatus(int status, std::string body = "") {
    std::lock_guard lock(mutex_);
    status_ = status;
    replyBody_ = std::move(body);
  }
  // A reply for one path (exact match, query included), with extra header lines such as
  // "Location: ..." or "Retry-After: 30"; other paths get setStatus's reply.
  void setRoute(const std::string& path, int status, std::string body,
                std::vector<std::string> headerLines = {}) {
    std::lock_guard lock(mutex_);
    routes_[path] = Route{status, std::move(body), std::move(headerLines)};
  }
  // Silent: each request is read and recorded but never answered (the connection is held until
  // the client gives up), like a receiver that hangs; for timeout tests.
  void setSilent(bool silent) { silent_ = silent; }
  std::vector<ReceivedRequest> requests() const {
    std::lock_guard lock(mutex_);
    return requests_;
  }
  std::string url(std::string_view path = "/hook") const {
    return "http://127.0.0.1:" + std::to_string(port_) + std::string(path);
  }

 private:
  static sockaddr_in loopback(uint16_t port) {
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    return a;
  }

  void serve() {
    while (!stop_) {
      pollfd p{listen_, POLLIN, 0};
      if (::poll(&p, 1, 20) <= 0) continue;
      const int c = ::accept(listen_, nullptr, nullptr);
      if (c < 0) continue;
      timeval tv{2, 0};
      ::setsockopt(c, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
      handle(c);
      ::close(c);
    }
  }

  void handle(int c) {
    std::string data;
    char buf[4096];
    size_t headerEnd;
    while ((headerEnd = data.find("\r\n\r\n")) == std::string::npos) {
      const ssize_t n = ::recv(c, buf, sizeof buf, 0);
      if (n <= 0) return;
      data.append(buf, static_cast<size_t>(n));
    }
    ReceivedRequest r;
    const std::string head = data.substr(0, headerEnd);
    size_t lineEnd = head.find("\r\n");
    const std::string requestLine = head.substr(0, lineEnd);
    r.method = requestLine.substr(0, requestLine.find(' '));
    const size_t pathStart = requestLine.find(' ') + 1;
    r.path = requestLine.substr(pathStart, requestLine.find(' ', pathStart) - pathStart);
    while (lineEnd != std::string::npos && lineEnd < head.size()) {
      const size_t next = head.find("\r\n", lineEnd + 2);
      const std::string line = head.substr(lineEnd + 2, next - lineEnd - 2);
      const size_t colon = line.find(':');
      if (colon != std::string::npos) {
        std::string name = line.substr(0, colon);
        for (char& ch : name) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
        r.headers[name] = line.substr(line.find_first_not_of(' ', colon + 1));
      }
      lineEnd = next;
    }
    const size_t length = std::stoul(
        r.headers.count("content-length") != 0U ? r.headers["content-length"] : std::string("0"));
    r.body = data.substr(headerEnd + 4);
    while (r.body.size() < length) {
      const ssize_t n = ::recv(c, buf, sizeof buf, 0);
      if (n <= 0) return;
      r.body.append(buf, static_cast<size_t>(n));
    }
    std::string reply;
    {
      std::lock_guard lock(mutex_);
      requests_.push_back(r);
      const auto route = routes_.find(r.path);
      const Route chosen = route != routes_.end() ? route->second : Route{status_, replyBody_, {}};
      reply = "HTTP/1.1 " + std::to_string(chosen.status) +
              " X\r\nContent-Length: " + std::to_string(chosen.body.size()) + "\r\n";
      for (const std::string& line : chosen.headerLines) reply += line + "\r\n";
      reply += "Connection: close\r\n\r\n" + chosen.body;
    }
    if (silent_) {
      // Wait for the client to close (recv returns 0 or fails) or for stop(), answering nothing.
      while (!stop_) {
        pollfd p{c, POLLIN, 0};
        if (::poll(&p, 1, 20) > 0 && ::recv(c, buf, sizeof buf, 0) <= 0) break;
      }
      return;
    }
    ::send(c, reply.data(), reply.size(), MSG_NOSIGNAL);
  }

  struct Route {
    int status = 200;
    std::string body;
    std::vector<std::string> headerLines;
  };

  uint16_t port_ = 0;
  int listen_ = -1;
  std::atomic<bool> stop_{false};
  std::atomic<bool> silent_{false};
  std::thread thread_;
  mutable std::mutex mutex_;
  int status_ = 200;
  std::string replyBody_;
  std::vector<ReceivedRequest> requests_;
  std::map<std::string, Route> routes_;
};

}  // namespace zonewatch::testutil
