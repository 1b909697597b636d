#include "monitor/web/web_routes.h"

#include <charconv>
#include <chrono>
#include <mutex>

#include "monitor/web/api.h"
#include "monitor/web/pages.h"

namespace zonewatch::web {

namespace {

// One lazily opened connection for the listener's threads (see web_routes.h).
class SharedStore {
 public:
  explicit SharedStore(StoreFactory open) : open_(std::move(open)) {}

  alerts::HttpReply use(const std::function<alerts::HttpReply(storage::Store&)>& handler) {
    std::lock_guard lock(mutex_);
    if (!store_) {
      auto opened = open_();
      if (!opened) {
        alerts::HttpReply reply;
        reply.status = 503;
        reply.body = "cannot open the database: " + opened.error().message + "\n";
        return reply;
      }
      store_ = std::move(opened).value();
    }
    alerts::HttpReply reply = handler(*store_);
    if (reply.status >= 500) store_.reset();  // a broken connection is not kept
    return reply;
  }

 private:
  std::mutex mutex_;
  StoreFactory open_;
  std::unique_ptr<storage::Store> store_;
};

alerts::HttpReply withHeaders(alerts::HttpReply reply) {
  reply.headers.emplace_back("Content-Security-Policy", std::string(kContentSecurityPolicy));
  reply.headers.emplace_back("X-Frame-Options", "DENY");
  reply.headers.emplace_back("Referrer-Policy", "no-referrer");
  return reply;
}

// "/domain/NAME" or "/domain/NAME/snapshot/ID" (the listener has decoded the path). Names are
// absolute, so they end in '.' and never in "/snapshot/DIGITS": the suffix is unambiguous.
alerts::HttpReply domainRoute(storage::Store& store, std::string_view rest, int64_t now) {
  constexpr std::string_view kSnapshot = "/snapshot/";
  const size_t at = rest.rfind(kSnapshot);
  if (at != std::string_view::npos) {
    const std::string_view digits = rest.substr(at + kSnapshot.size());
    int64_t id = 0;
    const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), id);
    if (!digits.empty() && ec == std::errc() && end == digits.data() + digits.size()) {
      return snapshotText(store, rest.substr(0, at), id);
    }
  }
  if (rest.empty()) return notFoundPage("no domain named in the path.");
  return domainPage(store, rest, now);
}

int64_t systemNow() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

std::vector<std::pair<std::string, alerts::HttpHandler>> webRoutes(StoreFactory open, Clock now) {
  if (!now) now = systemNow;
  auto shared = std::make_shared<SharedStore>(std::move(open));
  // A route whose reply needs the store.
  auto stored = [shared, now](auto render) -> alerts::HttpHandler {
    return [shared, now, render](const alerts::HttpRequest& request) {
      return withHeaders(
          shared->use([&](storage::Store& store) { return render(store, request, now()); }));
    };
  };
  std::vector<std::pair<std::string, alerts::HttpHandler>> routes;
  routes.emplace_back("/", stored([](storage::Store& s, const alerts::HttpRequest& r, int64_t t) {
                        return portfolioPage(s, r.query, t);
                      }));
  routes.emplace_back("/domain/",
                      stored([](storage::Store& s, const alerts::HttpRequest& r, int64_t t) {
                        return domainRoute(s, std::string_view(r.path).substr(8), t);
                      }));
  routes.emplace_back("/api/status", stored([](storage::Store& s, const alerts::HttpRequest&,
                                               int64_t t) { return apiStatus(s, t); }));
  routes.emplace_back("/api/events", stored([](storage::Store& s, const alerts::HttpRequest& r,
                                               int64_t) { return apiEvents(s, r.query); }));
  routes.emplace_back("/api/domain/",
                      stored([](storage::Store& s, const alerts::HttpRequest& r, int64_t) {
                        return apiDomain(s, std::string_view(r.path).substr(12));
                      }));
  routes.emplace_back("/assets/style.css",
                      [](const alerts::HttpRequest&) { return withHeaders(styleSheet()); });
  routes.emplace_back("/assets/app.js",
                      [](const alerts::HttpRequest&) { return withHeaders(script()); });
  return routes;
}

void registerWebRoutes(alerts::Metrics& metrics, StoreFactory open, Clock now) {
  for (auto& [path, handler] : webRoutes(std::move(open), std::move(now))) {
    metrics.route(std::move(path), std::move(handler));
  }
}

}  // namespace zonewatch::web
