// Prometheus metrics of the monitor: owns the names, labels and help texts of every series the
// daemon exports (declared once, in the table in metrics.cpp) and the HTTP listener Prometheus
// scrapes (`metrics.listen`, GET /metrics; http_listener.h), where other pages can be routed too.
//
// prometheus-cpp is a private dependency: its template-heavy headers stay in metrics.cpp, and this
// class is a plain pimpl, so the daemon and the webhooks can include it cheaply. Every method is
// thread-safe (the daemon's loop and the webhook deliveries call it from different threads, the
// listener's threads read it). Labels are bounded on purpose, because every distinct label value is
// a series Prometheus keeps: `domain` is bounded by the portfolio (and can be turned off with
// `metrics.per_domain: false`), `state`, `event` and `reason` by fixed lists, and `rcode`, `sink`
// and `outcome` by a cap beyond which values are counted as "other".
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <utility>

#include "alerts/http_listener.h"
#include "config/config.h"
#include "monitor/model/event_kind.h"
#include "monitor/model/security_state.h"
#include "monitor/util/result.h"

namespace zonewatch::alerts {

class Metrics {
 public:
  // Builds the registry and, when `spec.enabled`, starts the listener on `spec.listen`
  // ("127.0.0.1:9153", "[::1]:9153"; port 0 picks a free port, see port()). Fails when the address
  // cannot be bound. With `enabled: false` every method still works (and render() shows the
  // values), but nothing listens.
  static Result<std::unique_ptr<Metrics>> create(const config::MetricsSpec& spec);
  ~Metrics();
  Metrics(const Metrics&) = delete;
  Metrics& operator=(const Metrics&) = delete;

  void setDomainsWatched(size_t count);
  // The domain's series for `state` is 1, the three others 0.
  void setDomainState(std::string_view domain, model::SecurityState state);
  void setRrsigExpiry(std::string_view domain, int64_t unixSeconds);
  // Drops the domain's expiry series: it is no longer signed, so nothing is about to expire.
  void clearRrsigExpiry(std::string_view domain);
  // The end of the latest observation, whether it brought data or not.
  void setLastObserved(std::string_view domain, int64_t unixSeconds);
  // The latest observation that brought data (monitor/detect/observation_failure.h): what staleness
  // is measured from, as a failed observation observes nothing.
  void setLastSuccess(std::string_view domain, int64_t unixSeconds);
  // Observations without data in a row (0 after one with data).
  void setConsecutiveFailures(std::string_view domain, int count);
  void setLastChange(std::string_view domain, int64_t unixSeconds);
  // The operators of the domain's name servers as last observed (zonewatch_domain_operator_info),
  // replacing those set before: a move moves the series, so a dashboard shows who serves what.
  void setDomainOperators(std::string_view domain, std::span<const std::string> operators);
  // Drops every series of a domain that left the portfolio (on reload).
  void removeDomain(std::string_view domain);
  // One more event of this kind (zonewatch_events_total{event=model::toString(kind)}).
  void countEvent(model::EventKind kind);
  // `reason` is walk_failed | no_authoritative_answer (detect::toString(ObservationFailure));
  // anything else is counted as "other".
  void countObservationFailure(std::string_view reason);
  void observeObservationDuration(double seconds);
  // "NOERROR", "SERVFAIL", ..., or "timeout" / "error" for queries that got no answer.
  void countQuery(std::string_view rcode);
  void countWebhookDelivery(std::string_view sink, std::string_view outcome);
  void setOutboxPending(size_t count);
  // The registration watch (RDAP, issue 16): the domain's locks as last answered, each label
  // ("client_transfer", "server_update", "delete", ...) 1 when set and 0 when not; its expiration
  // date (cleared when the registry gives none); and one query of the given result ("ok" or the
  // failure kind, daemon/rdap_fetch.h).
  void setRegistrationLocks(std::string_view domain,
                            std::span<const std::pair<std::string, bool>> locks);
  void setRegistrationExpiry(std::string_view domain, int64_t unixSeconds);
  void clearRegistrationExpiry(std::string_view domain);
  void countRdapQuery(std::string_view result);
  // Whether this worker is the one polling RDAP (storage::Store::holdRole("rdap")).
  void setRdapActive(bool active);
  // The bootstrap registry (rdap.bootstrap_url): one fetch, used (ok) or not (the one in use kept);
  // and when the bootstrap in use was loaded. Called from the RDAP thread.
  void countRdapBootstrapRefresh(bool ok);
  void setRdapBootstrapLoaded(int64_t unixSeconds);
  // A round (a batch of observations) the store could not commit: a full disk, a locked or
  // damaged database. Nothing of it was stored; its domains are observed again.
  void countStoreCommitFailure();
  // An observation not judged again: its answers repeated an earlier one proven to change
  // nothing (monitor/detect/replay.h).
  void countReplayedObservation();
  // Sizing (monitor/scheduler/sizing.h): the least duration of a round at per_server_qps, how late
  // the most overdue domain is, and whether the daemon is behind its schedule.
  void setRoundEstimate(double seconds);
  void setScheduleLag(double seconds);
  void setBehindSchedule(bool behind);

  // The port the listener listens on (the real one when `listen` asked for port 0); 0 when
  // disabled.
  uint16_t port() const;
  // Serves `path` (http_listener.h: exact, or a prefix ending in '/') on the metrics listener, next
  // to /metrics: the timeline page and its JSON endpoints. Does nothing when nothing listens.
  void route(std::string path, HttpHandler handler);
  // The exposition text, as GET /metrics returns it (text format 0.0.4).
  std::string render() const;

 private:
  struct Impl;
  explicit Metrics(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace zonewatch::alerts
