// The timeline page on the metrics listener (issue 17): which path serves what (api.h, pages.h),
// the headers every reply of the page carries, and the one store connection the listener's
// threads share.
//
// The connection is the web's own, opened on the first request by the function given (the daemon
// opens the configured database, storage/open_store.h; SQLite in WAL mode lets it read while the
// daemon writes), used under a mutex because a Store is one connection and the listener serves on
// two threads, and dropped after a failure so that the next request opens a fresh one (a restarted
// PostgreSQL).
//
// Headers: Content-Security-Policy allowing nothing but the page's own stylesheet and script
// (served from /assets/, never inline, so script-src 'self' holds), no framing, no referrer.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "alerts/http_listener.h"
#include "alerts/metrics.h"
#include "monitor/util/result.h"
#include "storage/store.h"

namespace zonewatch::web {

using StoreFactory = std::function<Result<std::unique_ptr<storage::Store>>()>;
using Clock = std::function<int64_t()>;  // unix seconds

inline constexpr std::string_view kContentSecurityPolicy =
    "default-src 'none'; style-src 'self'; script-src 'self'; img-src 'self' data:; "
    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

// The page's routes: "/", "/domain/", "/api/status", "/api/events", "/api/domain/",
// "/assets/style.css", "/assets/app.js". `now` defaults to the system clock.
std::vector<std::pair<std::string, alerts::HttpHandler>> webRoutes(StoreFactory open,
                                                                   Clock now = {});

// Adds webRoutes() to the metrics listener (nothing when metrics are disabled).
void registerWebRoutes(alerts::Metrics& metrics, StoreFactory open, Clock now = {});

}  // namespace zonewatch::web
