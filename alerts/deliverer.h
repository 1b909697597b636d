// The outbox deliverer: takes the store's due outbox items, formats each for its sink (a
// configured webhook, by name), POSTs it, and records the outcome in the store.
//
// Items are taken with Store::claimOutbox(): several workers sharing one PostgreSQL database each
// deliver the items they claimed, so each is delivered once unless a worker dies mid-delivery. A
// request is started only if the item's claim outlasts the sink's timeout (behind a slow receiver
// a batch can take longer than its claim); the rest of the batch is claimed again later.
// Delivery is at least once: an item is marked delivered only after a 2xx, so a crash between the
// POST and the store update sends it again, and receivers deduplicate on the event id
// (X-Zonewatch-Id). All state lives in the store, so a new Deliverer on the same database carries
// on where a previous one stopped. Outcomes per item:
//   2xx                                   -> delivered
//   network error, timeout, 408, 429, 5xx -> retry with exponential backoff and jitter
//   other 3xx/1xx                         -> retry (redirects are not followed; a misconfigured
//                                            URL keeps its alerts until the give-up horizon)
//   other 4xx                             -> given up (a permanent rejection, logged)
//   older than the sink's give_up_after, or a sink no longer configured -> given up, not sent
//
// Not thread-safe except counters(), which a metrics thread may read while runOnce() runs.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <random>
#include <stop_token>
#include <string>
#include <utility>
#include <vector>

#include "alerts/http_client.h"
#include "config/config.h"
#include "monitor/util/clock.h"
#include "storage/store.h"

namespace zonewatch::alerts {

// The retry delays themselves are per sink (webhooks[].retry_initial and retry_max, in
// config::WebhookSpec): a receiver on a flaky link and one in the same rack want different ones.
struct DeliveryOptions {
  size_t batchLimit = 100;  // items taken per runOnce()
  double backoffFactor = 2.0;
  double jitter = 0.2;  // each delay is scaled by a uniform factor in [1 - jitter, 1 + jitter]
  // Seeds the jitter; 0 = from std::random_device. Jitter keeps the retries of many items (and of
  // many zonewatch instances) from hitting a recovering receiver at the same second.
  uint64_t jitterSeed = 0;
  std::string generatorUrl;  // Alertmanager's generatorURL; empty = none
};

// Counter outcomes (the second key of counters()).
inline constexpr std::string_view kDelivered = "delivered";
inline constexpr std::string_view kRetry = "retry";
inline constexpr std::string_view kGaveUp = "gave_up";

// The delay before attempt number `attempts + 1` after `attempts` failed ones, before jitter:
// min(sink.retryMax, sink.retryInitial * factor^attempts).
int64_t backoffSeconds(const config::WebhookSpec& sink, const DeliveryOptions& options,
                       int attempts);

class Deliverer {
 public:
  Deliverer(storage::Store& store, std::vector<config::WebhookSpec> sinks, const Clock& clock,
            HttpPoster& poster, DeliveryOptions options = {});

  // Handles the items due now (at most options.batchLimit) and returns how many it handled. A
  // store failure is logged and ends the round early; the items stay pending.
  size_t runOnce();

  // One pass over everything due now, in batches of options.batchLimit, each item at most once
  // (an item that fails is rescheduled by its backoff, not tried again in the same pass). Returns
  // how many it handled. For `zonewatch run --once`: there is no later round to leave the rest
  // of a large backlog to, and no worker thread to wait for. Once a request to a sink got no HTTP
  // answer at all (refused, timed out), that sink's other items in the pass are rescheduled with
  // the same error without being sent: a dead receiver costs one timeout per pass, not one per
  // item, so a cron job's run stays short.
  size_t runPass();

  // Calls runOnce() until stop is requested, pausing `idle` whenever a round found nothing due
  // (or fewer than a full batch). For a worker thread with its own Store connection.
  void run(std::stop_token stop, std::chrono::milliseconds idle);

  // Replaces the configured sinks (a reload). Items already in the outbox keep their sink name:
  // one no longer configured is given up when it comes due, as at start.
  void setSinks(std::vector<config::WebhookSpec> sinks);

  // Totals since construction, keyed by (sink, outcome) with outcome kDelivered, kRetry or kGaveUp.
  std::map<std::pair<std::string, std::string>, uint64_t> counters() const;

 private:
  // Sends one item and records the outcome. Returns the transport error when the request got no
  // HTTP answer at all, else nothing. With `unreachable` (the sink's error from earlier in the
  // same pass) the item is rescheduled with that error instead of being sent.
  std::optional<std::string> deliver(const storage::OutboxItem& item, int64_t now,
                                     const std::string* unreachable = nullptr);
  void retry(const storage::OutboxItem& item, const config::WebhookSpec& sink, int64_t now,
             const std::string& error);
  void giveUp(const storage::OutboxItem& item, const std::string& error);
  void recordAnswer(const storage::OutboxItem& item, const config::WebhookSpec& sink, int64_t now,
                    const HttpResponse& response);
  void count(const std::string& sink, std::string_view outcome);

  storage::Store& store_;
  std::map<std::string, config::WebhookSpec, std::less<>> sinks_;
  const Clock& clock_;
  HttpPoster& poster_;
  DeliveryOptions options_;
  std::mt19937_64 random_;
  mutable std::mutex countersMutex_;
  std::map<std::pair<std::string, std::string>, uint64_t> counters_;
};

}  // namespace zonewatch::alerts
