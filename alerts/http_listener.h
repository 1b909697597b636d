// The HTTP listener behind `metrics.listen`: GET /metrics for Prometheus, and the read-only pages
// and JSON endpoints other modules register on the same port (the timeline page, issue 17).
//
// http_listener.cpp is the only file that includes <civetweb.h> (Debian's libcivetweb, the server
// prometheus-cpp's own exposer is built on). zonewatch owns the listener instead of that exposer
// because the exposer serves registered metrics only, and one port for everything is what an
// operator opens, proxies and scrapes.
//
// Policy, fixed here: GET and HEAD only (405 otherwise; nothing here changes state), no request
// body is read, every reply says `Cache-Control: no-store` and `X-Content-Type-Options: nosniff`,
// connections are not kept alive (a scrape every 15 s gains nothing from it, and a client holding
// connections open cannot starve the two worker threads). Handlers run on civetweb's threads:
// they must be thread-safe.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "monitor/util/result.h"

namespace zonewatch::alerts {

struct HttpRequest {
  std::string method;  // "GET" or "HEAD"
  std::string path;    // percent-decoded by civetweb, e.g. "/domain/example.com."
  std::string query;   // after '?', still percent-encoded; empty when there is none
};

struct HttpReply {
  int status = 200;
  std::string contentType = "text/plain; charset=utf-8";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;  // added to the fixed ones
};

using HttpHandler = std::function<HttpReply(const HttpRequest&)>;

// Route lookup, apart from the socket so that tests can check it without one: an exact path
// wins; otherwise the longest registered prefix route (a path other than "/" that ends in '/')
// that starts the path; otherwise none (404).
class HttpRoutes {
 public:
  // "/metrics" and "/" match exactly; "/domain/" matches "/domain/" and everything below it.
  void add(std::string path, HttpHandler handler);
  // The handler for `path`, or an empty function when nothing matches.
  HttpHandler find(const std::string& path) const;

 private:
  mutable std::mutex mutex_;
  std::vector<std::pair<std::string, HttpHandler>> routes_;
};

// What the listener sends for one request: the route's reply, 404 for an unknown path, 405 for
// a method other than GET and HEAD, 500 (with the text) for a handler that threw.
HttpReply answer(const HttpRoutes& routes, const HttpRequest& request);

class HttpListener {
 public:
  // Listens on `listen` ("127.0.0.1:9153", "[::1]:9153"; port 0 picks a free port) with
  // `threads` worker threads. Fails when the address cannot be bound or is malformed.
  static Result<std::unique_ptr<HttpListener>> start(const std::string& listen, int threads);
  ~HttpListener();  // stops accepting and waits for the requests being served
  HttpListener(const HttpListener&) = delete;
  HttpListener& operator=(const HttpListener&) = delete;

  // May be called while serving; a route added later replaces one with the same path.
  void route(std::string path, HttpHandler handler);
  uint16_t port() const { return port_; }

  struct Impl;

 private:
  explicit HttpListener(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
  uint16_t port_ = 0;
};

}  // namespace zonewatch::alerts
