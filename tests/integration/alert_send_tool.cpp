// alert_send_tool: one zonewatch event through the real delivery path, for alertmanager_test.py.
// Creates (or reuses) a SQLite store at DB, commits one operator_changed event with an outbox row
// for a sink of the given format at URL, runs the Deliverer with libcurl and the system clock, and
// prints the outcome counters. Exit status 0 when the event was delivered.
//
//   alert_send_tool DB URL [FORMAT] [UID]
#include <cstdio>
#include <string>

#include "alerts/deliverer.h"
#include "alerts/http_client.h"
#include "monitor/util/clock.h"
#include "storage/sqlite_store.h"

int main(int argc, char** argv) {
  using namespace zonewatch;  // NOLINT(google-build-using-namespace): a small tool
  if (argc < 3) {
    std::fprintf(stderr, "usage: %s DB URL [FORMAT] [UID]\n", argv[0]);
    return 2;
  }
  const std::string format = argc > 3 ? argv[3] : "alertmanager";
  SystemClock clock;
  const int64_t now = clock.nowUnix();
  const std::string uid = argc > 4 ? argv[4] : "itest-" + std::to_string(now);

  auto store = storage::openSqliteStore(argv[1]);
  if (!store) {
    std::fprintf(stderr, "store: %s\n", store.error().message.c_str());
    return 1;
  }
  storage::ObservationCommit c;
  c.row.domain = "example.com.";
  c.row.firstSeen = c.row.lastSeen = now;
  c.row.status = "secure";
  c.observedAt = now;
  storage::NewEvent e;
  e.uid = uid;
  e.observedAt = now;
  e.event = "operator_changed";
  e.severity = "critical";
  e.summary = "operator changed from ns.one.example. to ns.two.example.";
  e.beforeJson = R"({"operators":["ns.one.example."]})";
  e.afterJson = R"({"operators":["ns.two.example."]})";
  e.server = "127.0.0.1";
  c.events.push_back(e);
  c.sinks = {"am"};
  if (auto ok = (*store)->commit(c); !ok) {
    std::fprintf(stderr, "commit: %s\n", ok.error().message.c_str());
    return 1;
  }

  config::WebhookSpec sink;
  sink.name = "am";
  sink.url = argv[2];
  sink.format = format;
  sink.secret = "integration-secret";
  sink.timeout = std::chrono::seconds(10);
  alerts::CurlPoster poster;
  alerts::DeliveryOptions options;
  options.generatorUrl = "http://127.0.0.1/zonewatch";
  alerts::Deliverer deliverer(**store, {sink}, clock, poster, options);
  const size_t handled = deliverer.runOnce();

  uint64_t delivered = 0;
  for (const auto& [key, n] : deliverer.counters()) {
    std::printf("%s %s %llu\n", key.first.c_str(), key.second.c_str(),
                static_cast<unsigned long long>(n));  // NOLINT(google-runtime-int)
    if (key.second == alerts::kDelivered) delivered += n;
  }
  std::printf("handled %zu uid %s\n", handled, uid.c_str());
  return delivered == 1 ? 0 : 1;
}
