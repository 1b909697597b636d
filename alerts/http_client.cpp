#include "alerts/http_client.h"

#include <curl/curl.h>

#include <algorithm>
#include <cctype>
#include <mutex>

namespace zonewatch::alerts {

namespace {

// curl_global_init is not thread-safe and must run before any handle exists; once per process.
bool globalInit() {
  static std::once_flag once;
  static bool ok = false;
  std::call_once(once, [] { ok = curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK; });
  return ok;
}

// Where the answer's body goes, and how much of it may be kept.
struct BodySink {
  std::string body;
  bool truncated = false;
  size_t cap = 0;
};

size_t onBody(char* data, size_t size, size_t count, void* user) {
  auto* sink = static_cast<BodySink*>(user);
  const size_t n = size * count;
  const size_t room = sink->cap - std::min(sink->cap, sink->body.size());
  sink->body.append(data, std::min(n, room));
  if (n > room) sink->truncated = true;
  // Returning less than n would abort the transfer as a write error; the status is what matters.
  return n;
}

// libcurl calls this about once a second while a transfer runs, and often while it is busy;
// non-zero aborts it with CURLE_ABORTED_BY_CALLBACK.
int onProgress(void* user, curl_off_t, curl_off_t, curl_off_t, curl_off_t) {
  return static_cast<const std::stop_token*>(user)->stop_requested() ? 1 : 0;
}

struct SlistDeleter {
  void operator()(curl_slist* list) const { curl_slist_free_all(list); }
};
using HeaderList = std::unique_ptr<curl_slist, SlistDeleter>;

bool appendLine(HeaderList& list, const std::string& line) {
  curl_slist* next = curl_slist_append(list.get(), line.c_str());
  if (next == nullptr) return false;
  static_cast<void>(list.release());
  list.reset(next);
  return true;
}

Result<HeaderList, HttpError> buildHeaders(const std::vector<HttpHeader>& headers) {
  HeaderList list;
  for (const HttpHeader& header : headers) {
    if (!appendLine(list, header.name + ": " + header.value)) {
      return Unexpected{HttpError{"out of memory building headers"}};
    }
  }
  // Without this libcurl sends "Expect: 100-continue" for bodies over 1 KiB and waits for an
  // interim answer many small receivers never give.
  if (!appendLine(list, "Expect:")) return Unexpected{HttpError{"out of memory building headers"}};
  return list;
}

// The options every request shares. `errorBuffer` and `headers` must outlive the transfer and be
// detached by finish() afterwards.
void setCommon(CURL* h, const std::string& url, curl_slist* headers,
               std::chrono::milliseconds timeout, char* errorBuffer, BodySink& sink,
               std::stop_token& stop) {
  const long timeoutMs = static_cast<long>(std::max<int64_t>(1, timeout.count()));  // NOLINT
  curl_easy_setopt(h, CURLOPT_URL, url.c_str());
  curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, timeoutMs);
  curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, timeoutMs);
  // Signals (SIGALRM for DNS timeouts) are unsafe in a multi-threaded daemon.
  curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errorBuffer);
  curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, &onBody);
  curl_easy_setopt(h, CURLOPT_WRITEDATA, &sink);
  if (stop.stop_possible()) {
    curl_easy_setopt(h, CURLOPT_XFERINFOFUNCTION, &onProgress);
    curl_easy_setopt(h, CURLOPT_XFERINFODATA, &stop);
    curl_easy_setopt(h, CURLOPT_NOPROGRESS, 0L);
  }
  // CURLOPT_SSL_VERIFYPEER / VERIFYHOST are deliberately left at their secure defaults.
}

// Runs the transfer; the status code of the (last) answer, or why there was none.
Result<long, HttpError> perform(CURL* h, const char* errorBuffer) {  // NOLINT(google-runtime-int)
  const CURLcode rc = curl_easy_perform(h);
  // The buffer and the header list die with the caller's frame: the handle must not keep them.
  curl_easy_setopt(h, CURLOPT_ERRORBUFFER, nullptr);
  curl_easy_setopt(h, CURLOPT_HTTPHEADER, nullptr);
  if (rc != CURLE_OK) {
    std::string message = errorBuffer[0] != '\0' ? errorBuffer : curl_easy_strerror(rc);
    return Unexpected{HttpError{std::move(message)}};
  }
  long status = 0;  // NOLINT(google-runtime-int)
  curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
  return status;
}

// The Retry-After of the last answer (request -1: after the redirects), if short enough to be one.
std::optional<std::string> retryAfterOf(CURL* h) {
  curl_header* header = nullptr;
  if (curl_easy_header(h, "Retry-After", 0, CURLH_HEADER, -1, &header) != CURLHE_OK) {
    return std::nullopt;
  }
  const std::string_view value = header->value;
  if (value.size() > kMaxRetryAfterBytes) return std::nullopt;
  return std::string(value);
}

bool startsWithHttps(std::string_view url) {
  constexpr std::string_view kHttps = "https://";
  return url.size() >= kHttps.size() &&
         std::equal(kHttps.begin(), kHttps.end(), url.begin(), [](char a, char b) {
           return a == std::tolower(static_cast<unsigned char>(b));
         });
}

// One easy handle and the stop token its transfers watch; kept between requests for its
// connection cache. Shared by the poster and the getter.
struct CurlHandle {
  CURL* handle = nullptr;
  std::stop_token stop;

  explicit CurlHandle(std::stop_token s) : stop(std::move(s)) {
    if (globalInit()) handle = curl_easy_init();
  }
  ~CurlHandle() {
    if (handle != nullptr) curl_easy_cleanup(handle);
  }
  CurlHandle(const CurlHandle&) = delete;
  CurlHandle& operator=(const CurlHandle&) = delete;
};

}  // namespace

std::string_view redirectProtocolsFor(std::string_view url) {
  return startsWithHttps(url) ? "https" : "http,https";
}

// ---- CurlPoster

struct CurlPoster::Impl : CurlHandle {
  using CurlHandle::CurlHandle;
};

CurlPoster::CurlPoster(std::stop_token stop) : impl_(std::make_unique<Impl>(std::move(stop))) {}
CurlPoster::~CurlPoster() = default;

Result<HttpResponse, HttpError> CurlPoster::post(const std::string& url,
                                                 const std::vector<HttpHeader>& headers,
                                                 std::string_view body,
                                                 std::chrono::milliseconds timeout) {
  CURL* h = impl_->handle;
  if (h == nullptr) return Unexpected{HttpError{"libcurl could not be initialised"}};
  if (impl_->stop.stop_requested()) return Unexpected{HttpError{"not sent: stopping"}};
  // Reset clears the previous request's options but keeps the connection cache.
  curl_easy_reset(h);
  auto list = buildHeaders(headers);
  if (!list.ok()) return Unexpected{list.error()};

  BodySink sink{.body = {}, .truncated = false, .cap = kMaxResponseBytes};
  char errorBuffer[CURL_ERROR_SIZE] = {};
  setCommon(h, url, list->get(), timeout, errorBuffer, sink, impl_->stop);
  curl_easy_setopt(h, CURLOPT_POST, 1L);
  curl_easy_setopt(h, CURLOPT_POSTFIELDS, body.data());
  curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
  // A redirected POST would carry the signed alert to an endpoint nobody configured.
  curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);

  auto status = perform(h, errorBuffer);
  if (!status.ok()) return Unexpected{status.error()};
  return HttpResponse{.status = *status, .body = std::move(sink.body), .truncated = sink.truncated};
}

// ---- CurlGetter

struct CurlGetter::Impl : CurlHandle {
  using CurlHandle::CurlHandle;
};

CurlGetter::CurlGetter(std::stop_token stop) : impl_(std::make_unique<Impl>(std::move(stop))) {}
CurlGetter::~CurlGetter() = default;

Result<HttpGetResponse, HttpError> CurlGetter::get(const std::string& url,
                                                   const std::vector<HttpHeader>& headers,
                                                   std::chrono::milliseconds timeout) {
  CURL* h = impl_->handle;
  if (h == nullptr) return Unexpected{HttpError{"libcurl could not be initialised"}};
  if (impl_->stop.stop_requested()) return Unexpected{HttpError{"not sent: stopping"}};
  curl_easy_reset(h);
  auto list = buildHeaders(headers);
  if (!list.ok()) return Unexpected{list.error()};

  BodySink sink{.body = {}, .truncated = false, .cap = kMaxGetResponseBytes};
  char errorBuffer[CURL_ERROR_SIZE] = {};
  setCommon(h, url, list->get(), timeout, errorBuffer, sink, impl_->stop);
  curl_easy_setopt(h, CURLOPT_HTTPGET, 1L);
  // RFC 7480 §5.2: RDAP servers redirect to other RDAP servers; a few hops, never a downgrade.
  curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 1L);
  curl_easy_setopt(h, CURLOPT_MAXREDIRS, kMaxGetRedirects);
  const std::string redirectProtocols(redirectProtocolsFor(url));
  curl_easy_setopt(h, CURLOPT_REDIR_PROTOCOLS_STR, redirectProtocols.c_str());

  auto status = perform(h, errorBuffer);
  if (!status.ok()) return Unexpected{status.error()};
  return HttpGetResponse{.status = *status,
                         .body = std::move(sink.body),
                         .truncated = sink.truncated,
                         .retryAfter = retryAfterOf(h)};
}

}  // namespace zonewatch::alerts
