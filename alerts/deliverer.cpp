#include "alerts/deliverer.h"

#include <algorithm>
#include <cmath>
#include <condition_variable>
#include <string_view>
#include <unordered_set>

#include "alerts/webhook_format.h"
#include "monitor/util/log.h"

namespace zonewatch::alerts {

namespace {

// Enough of a rejecting receiver's answer to explain it in the outbox and the log, printable only.
std::string snippet(std::string_view body) {
  constexpr size_t kLimit = 200;
  std::string out;
  for (char c : body.substr(0, kLimit)) {
    const auto u = static_cast<unsigned char>(c);
    out += (u < 0x20U || u == 0x7FU) ? ' ' : c;
  }
  if (body.size() > kLimit) out += "...";
  return out;
}

std::string statusError(const HttpResponse& response) {
  std::string error = "HTTP " + std::to_string(response.status);
  if (!response.body.empty()) error += ": " + snippet(response.body);
  return error;
}

bool isTransientStatus(long status) {  // NOLINT(google-runtime-int)
  // RFC 9110 §15.5.9 (408) and RFC 6585 §4 (429) ask the client to try again; 5xx is the
  // server's own failure.
  return status == 408 || status == 429 || status >= 500;
}

}  // namespace

int64_t backoffSeconds(const config::WebhookSpec& sink, const DeliveryOptions& options,
                       int attempts) {
  const double raw = static_cast<double>(sink.retryInitial.count()) *
                     std::pow(options.backoffFactor, std::max(0, attempts));
  const auto cap = static_cast<double>(sink.retryMax.count());
  return static_cast<int64_t>(std::min(raw, cap));
}

Deliverer::Deliverer(storage::Store& store, std::vector<config::WebhookSpec> sinks,
                     const Clock& clock, HttpPoster& poster, DeliveryOptions options)
    : store_(store),
      clock_(clock),
      poster_(poster),
      options_(std::move(options)),
      random_(options_.jitterSeed != 0 ? options_.jitterSeed : std::random_device{}()) {
  setSinks(std::move(sinks));
}

void Deliverer::setSinks(std::vector<config::WebhookSpec> sinks) {
  sinks_.clear();
  for (auto& sink : sinks) {
    std::string name = sink.name;
    sinks_.insert_or_assign(std::move(name), std::move(sink));
  }
}

size_t Deliverer::runOnce() {
  auto due = store_.claimOutbox(clock_.nowUnix(), options_.batchLimit);
  if (!due) {
    log::error({"webhook_outbox_unreadable"},
               "webhooks: cannot read the outbox: " + due.error().message);
    return 0;
  }
  // Each item reads the clock again: behind a slow receiver a batch takes several timeouts, and
  // X-Zonewatch-Timestamp must still be the instant of its own request, or receivers that check it
  // (alerts/README.md) would reject the later items as stale. A sink that gave no HTTP answer is
  // not contacted again within the batch (as in runPass()): a hanging receiver costs one timeout
  // per batch, not one per item, and the other sinks' items are not held up behind it.
  std::map<std::string, std::string, std::less<>> unreachable;  // sink -> its transport error
  for (const storage::OutboxItem& item : *due) {
    const auto down = unreachable.find(item.sink);
    auto error =
        deliver(item, clock_.nowUnix(), down != unreachable.end() ? &down->second : nullptr);
    if (error) unreachable.emplace(item.sink, std::move(*error));
  }
  return due->size();
}

size_t Deliverer::runPass() {
  // "Due" is judged at the start of the pass: an item that fails now is rescheduled at least a
  // second later, so the pass ends even while the receiver keeps failing.
  const int64_t start = clock_.nowUnix();
  std::unordered_set<int64_t> handled;
  std::map<std::string, std::string, std::less<>> unreachable;  // sink -> its transport error
  while (true) {
    auto due = store_.claimOutbox(start, options_.batchLimit);
    if (!due) {
      log::error({"webhook_outbox_unreadable"},
                 "webhooks: cannot read the outbox: " + due.error().message);
      break;
    }
    size_t fresh = 0;
    for (const storage::OutboxItem& item : *due) {
      // An item whose outcome could not be recorded is still due; it is not tried twice.
      if (!handled.insert(item.id).second) continue;
      ++fresh;
      const auto down = unreachable.find(item.sink);
      auto error =
          deliver(item, clock_.nowUnix(), down != unreachable.end() ? &down->second : nullptr);
      if (error) unreachable.emplace(item.sink, std::move(*error));
    }
    if (fresh == 0 || due->size() < options_.batchLimit) break;
  }
  return handled.size();
}

void Deliverer::run(std::stop_token stop, std::chrono::milliseconds idle) {
  std::mutex mutex;
  std::condition_variable_any wake;
  while (!stop.stop_requested()) {
    const size_t handled = runOnce();
    if (handled >= options_.batchLimit) continue;  // more may be due right away
    std::unique_lock lock(mutex);
    wake.wait_for(lock, stop, idle, [] { return false; });
  }
}

std::optional<std::string> Deliverer::deliver(const storage::OutboxItem& item, int64_t now,
                                              const std::string* unreachable) {
  const auto it = sinks_.find(item.sink);
  if (it == sinks_.end()) {
    giveUp(item, "webhook '" + item.sink + "' is no longer configured");
    return std::nullopt;
  }
  if (!item.unreadable.empty()) {
    giveUp(item, item.unreadable);
    return std::nullopt;
  }
  const config::WebhookSpec& sink = it->second;
  const int64_t age = now - item.event.observedAt;
  if (age > sink.giveUpAfter.count()) {
    giveUp(item, "not delivered within give_up_after (" + std::to_string(sink.giveUpAfter.count()) +
                     " s)" + (item.lastError.empty() ? "" : "; last error: " + item.lastError));
    return std::nullopt;
  }
  if (unreachable != nullptr) {
    retry(item, sink, now, "not sent: " + *unreachable + " (earlier in this pass)");
    return std::nullopt;
  }
  if (item.claimUntil > 0 && now + sink.timeout.count() >= item.claimUntil) {
    // Late in a batch behind a slow receiver: the claim could end while the request is under
    // way, and another worker would send the item too. Left pending and unsent, it is claimed
    // again when the claim ends.
    log::debug({"webhook_deferred", item.event.domain},
               "webhooks: event " + item.event.uid + " to '" + item.sink +
                   "' left for the next claim (its claim ends before the timeout would)");
    return std::nullopt;
  }

  auto request = buildRequest(sink, item.event, FormatContext{now, options_.generatorUrl});
  if (!request) {
    // A body that cannot be built will not be buildable later either.
    giveUp(item, request.error().message);
    return std::nullopt;
  }
  auto response = poster_.post(request->url, request->headers, request->body,
                               std::chrono::duration_cast<std::chrono::milliseconds>(sink.timeout));
  if (!response) {
    retry(item, sink, now, response.error().message);
    return response.error().message;
  }
  recordAnswer(item, sink, now, *response);
  return std::nullopt;
}

// What the receiver's status means for the item: delivered, given up (a permanent refusal) or
// retried.
void Deliverer::recordAnswer(const storage::OutboxItem& item, const config::WebhookSpec& sink,
                             int64_t now, const HttpResponse& response) {
  const long status = response.status;  // NOLINT(google-runtime-int)
  if (status >= 200 && status < 300) {
    if (auto done = store_.outboxDelivered(item.id, now); !done) {
      // The receiver has it; the row stays pending and is sent again (it dedups on the id).
      log::error({"webhook_record_failed", item.event.domain},
                 "webhooks: delivered outbox item " + std::to_string(item.id) +
                     " but cannot record it: " + done.error().message);
      return;
    }
    log::debug({"webhook_delivered", item.event.domain},
               "webhooks: delivered event " + item.event.uid + " to '" + item.sink + "'");
    count(item.sink, kDelivered);
    return;
  }
  if (status >= 400 && status < 500 && !isTransientStatus(status)) {
    giveUp(item, "rejected: " + statusError(response));
    return;
  }
  retry(item, sink, now, statusError(response));
}

void Deliverer::retry(const storage::OutboxItem& item, const config::WebhookSpec& sink, int64_t now,
                      const std::string& error) {
  const auto delay = static_cast<double>(backoffSeconds(sink, options_, item.attempts));
  std::uniform_real_distribution<double> spread(1.0 - options_.jitter, 1.0 + options_.jitter);
  const int64_t next = now + std::max<int64_t>(1, std::llround(delay * spread(random_)));
  if (auto done = store_.outboxRetry(item.id, next, error); !done) {
    log::error({"webhook_record_failed", item.event.domain},
               "webhooks: cannot reschedule outbox item " + std::to_string(item.id) + ": " +
                   done.error().message);
    return;
  }
  log::warning({"webhook_retry", item.event.domain},
               "webhooks: event " + item.event.uid + " to '" + item.sink + "' failed (attempt " +
                   std::to_string(item.attempts + 1) + "): " + error + "; next try in " +
                   std::to_string(next - now) + " s");
  count(item.sink, kRetry);
}

void Deliverer::giveUp(const storage::OutboxItem& item, const std::string& error) {
  if (auto done = store_.outboxGiveUp(item.id, error); !done) {
    log::error({"webhook_record_failed", item.event.domain},
               "webhooks: cannot give up outbox item " + std::to_string(item.id) + ": " +
                   done.error().message);
    return;
  }
  log::error({"webhook_gave_up", item.event.domain},
             "webhooks: gave up event " + item.event.uid + " (" + item.event.name() + " " +
                 item.event.domain + ") to '" + item.sink + "': " + error);
  count(item.sink, kGaveUp);
}

void Deliverer::count(const std::string& sink, std::string_view outcome) {
  std::lock_guard lock(countersMutex_);
  ++counters_[{sink, std::string(outcome)}];
}

std::map<std::pair<std::string, std::string>, uint64_t> Deliverer::counters() const {
  std::lock_guard lock(countersMutex_);
  return counters_;
}

}  // namespace zonewatch::alerts
