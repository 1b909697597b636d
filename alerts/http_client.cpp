#include "alerts/http_client.h"

#include <curl/curl.h>

#include <algorithm>
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

size_t onBody(char* data, size_t size, size_t count, void* user) {
  auto* response = static_cast<HttpResponse*>(user);
  const size_t n = size * count;
  const size_t room = kMaxResponseBytes - std::min(kMaxResponseBytes, response->body.size());
  response->body.append(data, std::min(n, room));
  if (n > room) response->truncated = true;
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

}  // namespace

struct CurlPoster::Impl {
  CURL* handle = nullptr;
  std::stop_token stop;
};

CurlPoster::CurlPoster(std::stop_token stop) : impl_(std::make_unique<Impl>()) {
  impl_->stop = std::move(stop);
  if (globalInit()) impl_->handle = curl_easy_init();
}

CurlPoster::~CurlPoster() {
  if (impl_->handle != nullptr) curl_easy_cleanup(impl_->handle);
}

Result<HttpResponse, HttpError> CurlPoster::post(const std::string& url,
                                                 const std::vector<HttpHeader>& headers,
                                                 std::string_view body,
                                                 std::chrono::milliseconds timeout) {
  CURL* h = impl_->handle;
  if (h == nullptr) return Unexpected{HttpError{"libcurl could not be initialised"}};
  if (impl_->stop.stop_requested()) return Unexpected{HttpError{"not sent: stopping"}};
  // Reset clears the previous request's options but keeps the connection cache.
  curl_easy_reset(h);

  std::unique_ptr<curl_slist, SlistDeleter> list;
  for (const HttpHeader& header : headers) {
    const std::string line = header.name + ": " + header.value;
    curl_slist* next = curl_slist_append(list.get(), line.c_str());
    if (next == nullptr) return Unexpected{HttpError{"out of memory building headers"}};
    static_cast<void>(list.release());
    list.reset(next);
  }
  // Without this libcurl sends "Expect: 100-continue" for bodies over 1 KiB and waits for an
  // interim answer many small receivers never give.
  if (curl_slist* next = curl_slist_append(list.get(), "Expect:"); next != nullptr) {
    static_cast<void>(list.release());
    list.reset(next);
  }

  HttpResponse response;
  char errorBuffer[CURL_ERROR_SIZE] = {};
  const long timeoutMs = static_cast<long>(std::max<int64_t>(1, timeout.count()));  // NOLINT
  const auto bodySize = static_cast<curl_off_t>(body.size());

  curl_easy_setopt(h, CURLOPT_URL, url.c_str());
  curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(h, CURLOPT_POST, 1L);
  curl_easy_setopt(h, CURLOPT_POSTFIELDS, body.data());
  curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, bodySize);
  curl_easy_setopt(h, CURLOPT_HTTPHEADER, list.get());
  // A redirected POST would carry the signed alert to an endpoint nobody configured.
  curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
  curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, timeoutMs);
  curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, timeoutMs);
  // Signals (SIGALRM for DNS timeouts) are unsafe in a multi-threaded daemon.
  curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errorBuffer);
  curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, &onBody);
  curl_easy_setopt(h, CURLOPT_WRITEDATA, &response);
  if (impl_->stop.stop_possible()) {
    curl_easy_setopt(h, CURLOPT_XFERINFOFUNCTION, &onProgress);
    curl_easy_setopt(h, CURLOPT_XFERINFODATA, &impl_->stop);
    curl_easy_setopt(h, CURLOPT_NOPROGRESS, 0L);
  }
  // CURLOPT_SSL_VERIFYPEER / VERIFYHOST are deliberately left at their secure defaults.

  const CURLcode rc = curl_easy_perform(h);
  // The buffer and the header list die with this frame: do not let the handle keep pointers.
  curl_easy_setopt(h, CURLOPT_ERRORBUFFER, nullptr);
  curl_easy_setopt(h, CURLOPT_HTTPHEADER, nullptr);
  if (rc != CURLE_OK) {
    std::string message = errorBuffer[0] != '\0' ? errorBuffer : curl_easy_strerror(rc);
    return Unexpected{HttpError{std::move(message)}};
  }
  long status = 0;  // NOLINT(google-runtime-int)
  curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
  response.status = status;
  return response;
}

}  // namespace zonewatch::alerts
