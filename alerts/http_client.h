// Outgoing HTTP for webhook delivery: one POST, its status code and a bounded copy of the answer.
//
// HttpPoster is the seam through which the deliverer reaches the network. CurlPoster (libcurl's
// easy API) is the production implementation; http_client.cpp is the only file in the project that
// includes <curl/curl.h>. Tests inject the same CurlPoster and point it at a real HTTP receiver on
// 127.0.0.1, so the seam exists to choose the endpoint, not to fake the transport.
//
// Policy, fixed here rather than configurable: TLS peer and host verification stay at libcurl's
// secure defaults (never disabled), redirects are not followed (a POST must not be replayed to a
// place the operator did not configure), only http:// and https:// URLs are accepted, and at most
// kMaxResponseBytes of the answer are kept.
#pragma once

#include <chrono>
#include <cstddef>
#include <memory>
#include <stop_token>
#include <string>
#include <string_view>
#include <vector>

#include "monitor/util/result.h"

namespace zonewatch::alerts {

struct HttpHeader {
  std::string name;
  std::string value;

  bool operator==(const HttpHeader&) const = default;
};

struct HttpResponse {
  long status = 0;         // NOLINT(google-runtime-int): libcurl's type for the response code
  std::string body;        // at most kMaxResponseBytes
  bool truncated = false;  // the server sent more than was kept
};

// The request never produced an HTTP status: DNS, connect, TLS, timeout, a bad URL.
struct HttpError {
  std::string message;  // libcurl's explanation; never contains the URL's path or query
};

// Enough of an answer for an error message; receivers that reply with megabytes are cut short.
inline constexpr size_t kMaxResponseBytes = 64 * 1024;

class HttpPoster {
 public:
  virtual ~HttpPoster() = default;
  virtual Result<HttpResponse, HttpError> post(const std::string& url,
                                               const std::vector<HttpHeader>& headers,
                                               std::string_view body,
                                               std::chrono::milliseconds timeout) = 0;
};

// One libcurl easy handle, reused across calls so keep-alive connections survive between
// deliveries. Use an object from one thread at a time (one per delivery thread). A request in
// progress when `stop` is requested ends at once with an HttpError (the daemon stopping must not
// wait for a receiver that hangs; the item stays in the outbox).
class CurlPoster final : public HttpPoster {
 public:
  explicit CurlPoster(std::stop_token stop = {});
  ~CurlPoster() override;
  CurlPoster(const CurlPoster&) = delete;
  CurlPoster& operator=(const CurlPoster&) = delete;

  Result<HttpResponse, HttpError> post(const std::string& url,
                                       const std::vector<HttpHeader>& headers,
                                       std::string_view body,
                                       std::chrono::milliseconds timeout) override;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace zonewatch::alerts
