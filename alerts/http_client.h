// Outgoing HTTP: the POST of webhook delivery and the GET of RDAP queries, each with its status
// code and a bounded copy of the answer.
//
// HttpPoster is the seam through which the deliverer reaches the network, HttpGetter the one
// through which RDAP queries do. CurlPoster and CurlGetter (libcurl's easy API) are the production
// implementations; http_client.cpp is the only file in the project that includes <curl/curl.h>.
// Tests inject the same classes and point them at a real HTTP receiver on 127.0.0.1, so the seams
// exist to choose the endpoint, not to fake the transport.
//
// Policy, fixed here rather than configurable: TLS peer and host verification stay at libcurl's
// secure defaults (never disabled) and only http:// and https:// URLs are accepted. A POST follows
// no redirect (it must not be replayed to a place the operator did not configure) and keeps at most
// kMaxResponseBytes of the answer. A GET follows at most kMaxGetRedirects redirects, because RDAP
// servers redirect on purpose (RFC 7480 §5.2: a server that knows "the answer to a given query can
// be found elsewhere" answers 301, 302, 303 or 307 with the URL in Location), never from https://
// to http:// (an answer that arrived over TLS must not be replaced by one anybody on the path could
// write), and keeps at most kMaxGetResponseBytes.
#pragma once

#include <chrono>
#include <cstddef>
#include <memory>
#include <optional>
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

// RDAP domain answers run to tens of KiB (notices, remarks, nested entities); a megabyte is not
// one.
inline constexpr size_t kMaxGetResponseBytes = 1024 * 1024;
// Redirects a GET follows: a bootstrap server pointing at a registrar's, perhaps once more.
inline constexpr long kMaxGetRedirects = 3;  // NOLINT(google-runtime-int): libcurl's type
// A Retry-After value is a date or a number of seconds; longer text is neither and is dropped.
inline constexpr size_t kMaxRetryAfterBytes = 64;

struct HttpGetResponse {
  long status = 0;         // NOLINT(google-runtime-int): of the last answer, after redirects
  std::string body;        // at most kMaxGetResponseBytes
  bool truncated = false;  // the server sent more than was kept
  // RFC 9110 §10.2.3, of the last answer; what a 429 or 503 asks the client to wait.
  std::optional<std::string> retryAfter;
};

// The protocols a GET of `url` may be redirected to: "https" after an https:// URL (no downgrade),
// "http,https" after an http:// one. Exposed for its test; CurlGetter applies it.
std::string_view redirectProtocolsFor(std::string_view url);

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

class HttpGetter {
 public:
  virtual ~HttpGetter() = default;
  virtual Result<HttpGetResponse, HttpError> get(const std::string& url,
                                                 const std::vector<HttpHeader>& headers,
                                                 std::chrono::milliseconds timeout) = 0;
};

// The GET counterpart of CurlPoster, with the same threading and stop rules: one easy handle,
// reused for keep-alive, used from one thread at a time (the RDAP worker's).
class CurlGetter final : public HttpGetter {
 public:
  explicit CurlGetter(std::stop_token stop = {});
  ~CurlGetter() override;
  CurlGetter(const CurlGetter&) = delete;
  CurlGetter& operator=(const CurlGetter&) = delete;

  Result<HttpGetResponse, HttpError> get(const std::string& url,
                                         const std::vector<HttpHeader>& headers,
                                         std::chrono::milliseconds timeout) override;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace zonewatch::alerts
