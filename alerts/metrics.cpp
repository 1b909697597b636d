#include "alerts/metrics.h"

#include <prometheus/collectable.h>
#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/metric_family.h>
#include <prometheus/registry.h>
#include <prometheus/text_serializer.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <exception>
#include <limits>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <utility>
#include <vector>

#ifndef ZONEWATCH_VERSION
#define ZONEWATCH_VERSION "unknown"
#endif

namespace zonewatch::alerts {
namespace {

enum class Kind { kGauge, kCounter, kHistogram };

// Every series the daemon exports, in one place: the dashboards (deploy/grafana) and the alerting
// rules (deploy/prometheus/rules.yml) depend on these names, so they change only here and there.
enum MetricId : size_t {
  kBuildInfo,
  kDomainsWatched,
  kDomainsByState,
  kDomainState,
  kRrsigExpiry,
  kLastObserved,
  kLastSuccess,
  kConsecutiveFailures,
  kLastChange,
  kOperatorInfo,
  kEvents,
  kObservationFailures,
  kObservationDuration,
  kQueries,
  kWebhookDeliveries,
  kOutboxPending,
  kStoreCommitFailures,
  kObservationsReplayed,
  kRoundEstimate,
  kScheduleLag,
  kBehindSchedule,
  kRegistrationLock,
  kRegistrationExpiry,
  kRdapQueries,
  kRdapActive,
  kRdapBootstrapRefreshes,
  kRdapBootstrapLoaded,
  kMetricCount
};

struct MetricDef {
  std::string_view name;
  Kind kind;
  bool perDomain;  // has the {domain} label: left out with `per_domain: false`
  std::string_view help;
};

constexpr std::array<MetricDef, kMetricCount> kMetrics = {{
    {"zonewatch_build_info", Kind::kGauge, false, "Always 1; the version is in the label."},
    {"zonewatch_domains_watched", Kind::kGauge, false, "Domains in the configured portfolio."},
    {"zonewatch_domains_by_state", Kind::kGauge, false,
     "Domains whose last observation reached each DNSSEC state."},
    {"zonewatch_domain_state", Kind::kGauge, true,
     "1 for the DNSSEC state of the domain's last observation, 0 for the other states."},
    {"zonewatch_domain_rrsig_expiry_timestamp_seconds", Kind::kGauge, true,
     "Earliest expiration of an RRSIG over the domain's watched RRsets (Unix time)."},
    {"zonewatch_domain_last_observed_timestamp_seconds", Kind::kGauge, true,
     "When an observation of the domain last completed, with or without data (Unix time)."},
    {"zonewatch_domain_last_successful_observation_timestamp_seconds", Kind::kGauge, true,
     "When an observation last brought data about the domain (Unix time); until the first one, "
     "when zonewatch started watching it."},
    {"zonewatch_domain_observation_failures_consecutive", Kind::kGauge, true,
     "Observations of the domain without data in a row (0 after one with data)."},
    {"zonewatch_domain_last_change_timestamp_seconds", Kind::kGauge, true,
     "When an event was last raised for the domain (Unix time)."},
    {"zonewatch_domain_operator_info", Kind::kGauge, true,
     "1 for each DNS operator of the domain's name servers as last observed (the registrable "
     "domain of their names)."},
    {"zonewatch_events_total", Kind::kCounter, false, "Events raised, by event type."},
    {"zonewatch_observation_failures_total", Kind::kCounter, false,
     "Observations that brought no data, by reason (walk_failed: the delegation could not be "
     "followed; no_authoritative_answer: no server of the domain answered)."},
    {"zonewatch_observation_duration_seconds", Kind::kHistogram, false,
     "Time to observe one domain (delegation walk, queries and validation)."},
    {"zonewatch_queries_total", Kind::kCounter, false,
     "DNS queries sent, by response code (timeout and error when there was no answer)."},
    {"zonewatch_webhook_deliveries_total", Kind::kCounter, false,
     "Webhook delivery attempts, by sink and outcome."},
    {"zonewatch_outbox_pending", Kind::kGauge, false, "Webhook deliveries waiting in the outbox."},
    {"zonewatch_store_commit_failures_total", Kind::kCounter, false,
     "Rounds the database could not store (disk full, database locked or damaged); their "
     "observations are made again."},
    {"zonewatch_observations_replayed_total", Kind::kCounter, false,
     "Observations whose answers repeated those of an earlier one proven to change nothing, so "
     "they were not judged again (monitor/detect/replay.h)."},
    {"zonewatch_round_estimated_duration_seconds", Kind::kGauge, false,
     "The least time one round of the portfolio takes at per_server_qps: the busiest server "
     "address's queries per round divided by per_server_qps."},
    {"zonewatch_schedule_lag_seconds", Kind::kGauge, false,
     "How far past its due time the most overdue domain waiting to be observed is (0 when none "
     "is late)."},
    {"zonewatch_behind_schedule", Kind::kGauge, false,
     "1 when the intervals cannot be kept: a server address is asked more per second than "
     "per_server_qps, or a domain waits longer past its due time than its interval; else 0."},
    {"zonewatch_registration_lock", Kind::kGauge, true,
     "1 for each registrar (client) or registry (server) lock the domain's RDAP registration "
     "shows (status ...Prohibited, RFC 9083 section 10.2.2), 0 for the others."},
    {"zonewatch_registration_expiry_timestamp_seconds", Kind::kGauge, true,
     "When the domain's registration expires, as its registry's RDAP answer says (Unix time)."},
    {"zonewatch_rdap_queries_total", Kind::kCounter, false,
     "RDAP queries about domains, by result: ok, or why no registration came back (no_server, "
     "deferred, transport, not_found, rate_limited, http_status, bad_response)."},
    {"zonewatch_rdap_active", Kind::kGauge, false,
     "1 when this worker is the one polling the registries over RDAP (it holds the database role "
     "\"rdap\"), else 0: of workers sharing one database, one at a time polls."},
    {"zonewatch_rdap_bootstrap_refresh_total", Kind::kCounter, false,
     "Fetches of rdap.bootstrap_url (the RFC 9224 bootstrap registry), by result: ok, or failed "
     "(the bootstrap in use was kept)."},
    {"zonewatch_rdap_bootstrap_loaded_timestamp_seconds", Kind::kGauge, false,
     "When the RDAP bootstrap registry in use was loaded (Unix time): at start from "
     "rdap.bootstrap_file or the shipped copy, then at each successful fetch of "
     "rdap.bootstrap_url; 0 while the RDAP watch is off."},
}};

// The state label's values, in model::SecurityState order, so that a state indexes its series.
constexpr std::array<std::string_view, 4> kStates = {"secure", "insecure", "bogus",
                                                     "indeterminate"};
static_assert(kStates[static_cast<size_t>(model::SecurityState::kSecure)] == "secure" &&
                  kStates[static_cast<size_t>(model::SecurityState::kInsecure)] == "insecure" &&
                  kStates[static_cast<size_t>(model::SecurityState::kBogus)] == "bogus" &&
                  kStates[static_cast<size_t>(model::SecurityState::kIndeterminate)] ==
                      "indeterminate",
              "kStates must follow model::SecurityState");

// detect::toString(ObservationFailure), the values of zonewatch_observation_failures_total's
// label.
constexpr std::array<std::string_view, 2> kFailureReasons = {"walk_failed",
                                                             "no_authoritative_answer"};

// One observation takes from about a millisecond (answers cached, a lab on loopback) to the query
// timeout times the tries along a long delegation chain (tens of seconds).
const std::vector<double> kDurationBuckets = {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1,
                                              0.25,  0.5,    1,     2.5,  5,     10,   30};

// Values of `rcode`, `sink` and `outcome` come from code and configuration, but a bug or a strange
// server must not be able to create series without bound.
constexpr size_t kMaxLabelValues = 64;
constexpr std::string_view kOther = "other";

template <class Builder>
auto& buildFamily(Builder builder, MetricId id, prometheus::Registry& registry) {
  return builder.Name(std::string(kMetrics[id].name))
      .Help(std::string(kMetrics[id].help))
      .Register(registry);
}

prometheus::Family<prometheus::Gauge>& gauge(MetricId id, prometheus::Registry& registry) {
  return buildFamily(prometheus::BuildGauge(), id, registry);
}

prometheus::Family<prometheus::Counter>& counter(MetricId id, prometheus::Registry& registry) {
  return buildFamily(prometheus::BuildCounter(), id, registry);
}

int stateIndex(model::SecurityState state) {
  return static_cast<int>(state);
}

// The per-domain series, kept as plain values and turned into families only when scraped: a
// prometheus-cpp Family keeps a label map, a hash node and a metric object per series, about 2 KiB
// for a domain's nine series, where these values take a few dozen octets (issue 13: memory per
// domain). Absent values (kUnset) have no series, as before: a domain never observed shows no
// timestamp 0, which would read as "observed in 1970" and trip the staleness alert.
struct DomainValues {
  static constexpr int64_t kUnset = std::numeric_limits<int64_t>::min();
  int64_t rrsigExpiry = kUnset;
  int64_t lastObserved = kUnset;
  int64_t lastSuccess = kUnset;
  int64_t lastChange = kUnset;
  int64_t registrationExpiry = kUnset;
  int32_t consecutiveFailures = -1;  // -1: unset
  int8_t state = -1;                 // index into kStates, -1 before the first observation
  // Interned in Metrics::Impl::operatorNames: a portfolio has few operators and many domains.
  std::vector<const std::string*> operators;
  // The registration's locks (RDAP), by label; empty before the first RDAP answer.
  std::vector<std::pair<std::string, bool>> registrationLocks;
};
using DomainMap = std::map<std::string, DomainValues, std::less<>>;

prometheus::ClientMetric domainMetric(const std::string& domain, double value) {
  prometheus::ClientMetric m;
  m.label = {{"domain", domain}};
  m.gauge.value = value;
  return m;
}

prometheus::MetricFamily gaugeFamily(MetricId id) {
  return {std::string(kMetrics[id].name),
          std::string(kMetrics[id].help),
          prometheus::MetricType::Gauge,
          {}};
}

// A timestamp family: one sample per domain that has the value.
prometheus::MetricFamily valueFamily(MetricId id, const DomainMap& domains,
                                     int64_t DomainValues::*member) {
  auto family = gaugeFamily(id);
  for (const auto& [name, v] : domains) {
    if (v.*member != DomainValues::kUnset) {
      family.metric.push_back(domainMetric(name, static_cast<double>(v.*member)));
    }
  }
  return family;
}

// Builds the {domain} families from the values when collected; the caller holds the lock.
std::vector<prometheus::MetricFamily> domainFamilies(const DomainMap& domains) {
  std::vector<prometheus::MetricFamily> out;
  auto state = gaugeFamily(kDomainState);
  for (const auto& [name, v] : domains) {
    if (v.state < 0) continue;
    for (size_t i = 0; i < kStates.size(); ++i) {
      auto m = domainMetric(name, static_cast<int>(i) == v.state ? 1 : 0);
      m.label.push_back({"state", std::string(kStates[i])});
      state.metric.push_back(std::move(m));
    }
  }
  out.push_back(std::move(state));
  out.push_back(valueFamily(kRrsigExpiry, domains, &DomainValues::rrsigExpiry));
  out.push_back(valueFamily(kLastObserved, domains, &DomainValues::lastObserved));
  out.push_back(valueFamily(kLastSuccess, domains, &DomainValues::lastSuccess));
  auto failures = gaugeFamily(kConsecutiveFailures);
  for (const auto& [name, v] : domains) {
    if (v.consecutiveFailures >= 0) {
      failures.metric.push_back(domainMetric(name, v.consecutiveFailures));
    }
  }
  out.push_back(std::move(failures));
  out.push_back(valueFamily(kLastChange, domains, &DomainValues::lastChange));
  auto operators = gaugeFamily(kOperatorInfo);
  for (const auto& [name, v] : domains) {
    for (const std::string* op : v.operators) {
      auto m = domainMetric(name, 1);
      m.label.push_back({"operator", *op});
      operators.metric.push_back(std::move(m));
    }
  }
  out.push_back(std::move(operators));
  auto locks = gaugeFamily(kRegistrationLock);
  for (const auto& [name, v] : domains) {
    for (const auto& [lock, set] : v.registrationLocks) {
      auto m = domainMetric(name, set ? 1 : 0);
      m.label.push_back({"lock", lock});
      locks.metric.push_back(std::move(m));
    }
  }
  out.push_back(std::move(locks));
  out.push_back(valueFamily(kRegistrationExpiry, domains, &DomainValues::registrationExpiry));
  return out;
}

}  // namespace

struct Metrics::Impl {
  // What /metrics shows: the registry's families, then the {domain} ones.
  class Collector final : public prometheus::Collectable {
   public:
    explicit Collector(Impl& impl) : impl_(impl) {}
    std::vector<prometheus::MetricFamily> Collect() const override {
      auto families = impl_.registry->Collect();
      if (!impl_.spec.perDomain) return families;
      std::lock_guard lock(impl_.mutex);
      auto perDomain = domainFamilies(impl_.domains);
      families.insert(families.end(), std::make_move_iterator(perDomain.begin()),
                      std::make_move_iterator(perDomain.end()));
      return families;
    }

   private:
    Impl& impl_;
  };

  config::MetricsSpec spec;
  std::shared_ptr<prometheus::Registry> registry = std::make_shared<prometheus::Registry>();
  std::unique_ptr<HttpListener> listener;
  uint16_t port = 0;

  prometheus::Gauge* domainsWatched = nullptr;
  prometheus::Gauge* outboxPending = nullptr;
  prometheus::Counter* storeCommitFailures = nullptr;
  prometheus::Counter* observationsReplayed = nullptr;
  prometheus::Gauge* roundEstimate = nullptr;
  prometheus::Gauge* scheduleLag = nullptr;
  prometheus::Gauge* behindSchedule = nullptr;
  prometheus::Gauge* rdapActive = nullptr;
  prometheus::Gauge* rdapBootstrapLoaded = nullptr;
  prometheus::Counter* rdapBootstrapOk = nullptr;
  prometheus::Counter* rdapBootstrapFailed = nullptr;
  prometheus::Histogram* observationDuration = nullptr;
  std::array<prometheus::Gauge*, kStates.size()> domainsByState{};
  prometheus::Family<prometheus::Counter>* events = nullptr;
  prometheus::Family<prometheus::Counter>* observationFailures = nullptr;
  prometheus::Family<prometheus::Counter>* queries = nullptr;
  prometheus::Family<prometheus::Counter>* webhookDeliveries = nullptr;
  prometheus::Family<prometheus::Counter>* rdapQueries = nullptr;

  mutable std::mutex mutex;  // guards the maps below (the families lock themselves)
  DomainMap domains;
  std::shared_ptr<Collector> collector = std::make_shared<Collector>(*this);
  std::set<std::string, std::less<>> rcodes, sinks, outcomes, rdapResults;
  // Every operator name a domain was ever given (never erased: bounded by the operators the
  // portfolio's name servers belong to, and the domains point into it).
  std::set<std::string, std::less<>> operatorNames;
  // The query counter of each rcode label seen (at most kMaxLabelValues + "other"): every query
  // of every observation is counted, and Family::Add hashes the label set under the family's
  // lock, so the counter is looked up here once per label instead of once per query.
  std::map<std::string, prometheus::Counter*, std::less<>> queryCounters;

  // The listener goes first: its threads read everything below until it has stopped.
  ~Impl() { listener.reset(); }

  explicit Impl(config::MetricsSpec s) : spec(std::move(s)) {
    auto& r = *registry;
    gauge(kBuildInfo, r).Add({{"version", ZONEWATCH_VERSION}}).Set(1);
    domainsWatched = &gauge(kDomainsWatched, r).Add({});
    auto& byState = gauge(kDomainsByState, r);
    for (size_t i = 0; i < kStates.size(); ++i)
      domainsByState[i] = &byState.Add({{"state", std::string(kStates[i])}});
    // With `per_domain: false` the {domain} families are not collected at all (not even their
    // HELP/TYPE lines): a large portfolio then costs a fixed number of series.
    // Every known event starts at 0, so that increase() over a range sees the first event too
    // (a counter that appears at 1 has no earlier sample to increase from).
    events = &counter(kEvents, r);
    for (auto name : model::kEventNames) events->Add({{"event", std::string(name)}});
    observationFailures = &counter(kObservationFailures, r);
    for (auto reason : kFailureReasons) observationFailures->Add({{"reason", std::string(reason)}});
    observationDuration = &buildFamily(prometheus::BuildHistogram(), kObservationDuration, r)
                               .Add({}, prometheus::Histogram::BucketBoundaries(kDurationBuckets));
    queries = &counter(kQueries, r);
    webhookDeliveries = &counter(kWebhookDeliveries, r);
    rdapQueries = &counter(kRdapQueries, r);
    outboxPending = &gauge(kOutboxPending, r).Add({});
    storeCommitFailures = &counter(kStoreCommitFailures, r).Add({});
    observationsReplayed = &counter(kObservationsReplayed, r).Add({});
    roundEstimate = &gauge(kRoundEstimate, r).Add({});
    scheduleLag = &gauge(kScheduleLag, r).Add({});
    behindSchedule = &gauge(kBehindSchedule, r).Add({});
    rdapActive = &gauge(kRdapActive, r).Add({});
    // Both results from 0, as for events: increase() then sees the first failure too.
    auto& refreshes = counter(kRdapBootstrapRefreshes, r);
    rdapBootstrapOk = &refreshes.Add({{"result", "ok"}});
    rdapBootstrapFailed = &refreshes.Add({{"result", "failed"}});
    rdapBootstrapLoaded = &gauge(kRdapBootstrapLoaded, r).Add({});
  }

  void setDomainValue(int64_t DomainValues::*member, std::string_view name, int64_t value) {
    if (!spec.perDomain) return;
    std::lock_guard lock(mutex);
    domainValues(name).*member = value;
  }

  // Called with the mutex held.
  DomainValues& domainValues(std::string_view name) {
    auto it = domains.find(name);
    if (it == domains.end()) it = domains.emplace(std::string(name), DomainValues{}).first;
    return it->second;
  }

  // Called with the mutex held.
  static std::string bounded(std::set<std::string, std::less<>>& seen, std::string_view value) {
    if (value.empty()) return std::string(kOther);
    if (seen.count(value) != 0) return std::string(value);
    if (seen.size() >= kMaxLabelValues) return std::string(kOther);
    return *seen.emplace(value).first;
  }
};

Metrics::Metrics(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Metrics::~Metrics() = default;

Result<std::unique_ptr<Metrics>> Metrics::create(const config::MetricsSpec& spec) {
  std::unique_ptr<Impl> impl;
  try {
    impl = std::make_unique<Impl>(spec);
    if (spec.enabled) {
      auto listener = HttpListener::start(spec.listen, 2);
      if (!listener) return fail("metrics: " + listener.error().message);
      impl->listener = std::move(listener).value();
      impl->port = impl->listener->port();
      impl->listener->route("/metrics", [collector = impl->collector](const HttpRequest&) {
        HttpReply reply;
        reply.contentType = "text/plain; version=0.0.4; charset=utf-8";
        reply.body = prometheus::TextSerializer().Serialize(collector->Collect());
        return reply;
      });
    }
  } catch (const std::exception& e) {
    return fail("metrics: cannot start on " + spec.listen + ": " + e.what());
  }
  return std::unique_ptr<Metrics>(new Metrics(std::move(impl)));
}

void Metrics::setDomainsWatched(size_t count) {
  impl_->domainsWatched->Set(static_cast<double>(count));
}

void Metrics::setDomainState(std::string_view domain, model::SecurityState state) {
  const int index = stateIndex(state);
  std::lock_guard lock(impl_->mutex);
  // Tracked with `per_domain: false` too: zonewatch_domains_by_state counts from it.
  auto& values = impl_->domainValues(domain);
  if (values.state >= 0) impl_->domainsByState[static_cast<size_t>(values.state)]->Decrement();
  impl_->domainsByState[static_cast<size_t>(index)]->Increment();
  values.state = static_cast<int8_t>(index);
}

void Metrics::setRrsigExpiry(std::string_view domain, int64_t unixSeconds) {
  impl_->setDomainValue(&DomainValues::rrsigExpiry, domain, unixSeconds);
}

void Metrics::setLastObserved(std::string_view domain, int64_t unixSeconds) {
  impl_->setDomainValue(&DomainValues::lastObserved, domain, unixSeconds);
}

void Metrics::setLastSuccess(std::string_view domain, int64_t unixSeconds) {
  impl_->setDomainValue(&DomainValues::lastSuccess, domain, unixSeconds);
}

void Metrics::setConsecutiveFailures(std::string_view domain, int count) {
  if (!impl_->spec.perDomain) return;
  std::lock_guard lock(impl_->mutex);
  impl_->domainValues(domain).consecutiveFailures = static_cast<int32_t>(std::max(count, 0));
}

void Metrics::clearRrsigExpiry(std::string_view domain) {
  std::lock_guard lock(impl_->mutex);
  auto it = impl_->domains.find(domain);
  if (it != impl_->domains.end()) it->second.rrsigExpiry = DomainValues::kUnset;
}

void Metrics::setLastChange(std::string_view domain, int64_t unixSeconds) {
  impl_->setDomainValue(&DomainValues::lastChange, domain, unixSeconds);
}

void Metrics::setDomainOperators(std::string_view domain, std::span<const std::string> operators) {
  std::lock_guard lock(impl_->mutex);
  auto& values = impl_->domainValues(domain);
  std::vector<const std::string*> interned;
  interned.reserve(operators.size());
  for (const auto& op : operators) interned.push_back(&*impl_->operatorNames.emplace(op).first);
  values.operators = std::move(interned);
}

void Metrics::removeDomain(std::string_view domain) {
  std::lock_guard lock(impl_->mutex);
  auto it = impl_->domains.find(domain);
  if (it == impl_->domains.end()) return;
  const int state = it->second.state;
  if (state >= 0) impl_->domainsByState[static_cast<size_t>(state)]->Decrement();
  impl_->domains.erase(it);
}

void Metrics::countEvent(model::EventKind kind) {
  impl_->events->Add({{"event", std::string(model::toString(kind))}}).Increment();
}

void Metrics::countObservationFailure(std::string_view reason) {
  const bool known =
      std::find(kFailureReasons.begin(), kFailureReasons.end(), reason) != kFailureReasons.end();
  impl_->observationFailures->Add({{"reason", std::string(known ? reason : kOther)}}).Increment();
}

void Metrics::observeObservationDuration(double seconds) {
  impl_->observationDuration->Observe(seconds);
}

void Metrics::countQuery(std::string_view rcode) {
  prometheus::Counter* counter = nullptr;
  {
    std::lock_guard lock(impl_->mutex);
    auto& counters = impl_->queryCounters;
    auto found = counters.find(rcode);
    if (found == counters.end()) {
      const std::string label = Impl::bounded(impl_->rcodes, rcode);
      found = counters.find(label);
      if (found == counters.end()) {
        found = counters.emplace(label, &impl_->queries->Add({{"rcode", label}})).first;
      }
    }
    counter = found->second;
  }
  counter->Increment();
}

void Metrics::countWebhookDelivery(std::string_view sink, std::string_view outcome) {
  std::string sinkLabel, outcomeLabel;
  {
    std::lock_guard lock(impl_->mutex);
    sinkLabel = Impl::bounded(impl_->sinks, sink);
    outcomeLabel = Impl::bounded(impl_->outcomes, outcome);
  }
  impl_->webhookDeliveries->Add({{"sink", sinkLabel}, {"outcome", outcomeLabel}}).Increment();
}

void Metrics::setRegistrationLocks(std::string_view domain,
                                   std::span<const std::pair<std::string, bool>> locks) {
  if (!impl_->spec.perDomain) return;
  std::lock_guard lock(impl_->mutex);
  impl_->domainValues(domain).registrationLocks.assign(locks.begin(), locks.end());
}

void Metrics::setRegistrationExpiry(std::string_view domain, int64_t unixSeconds) {
  impl_->setDomainValue(&DomainValues::registrationExpiry, domain, unixSeconds);
}

void Metrics::clearRegistrationExpiry(std::string_view domain) {
  std::lock_guard lock(impl_->mutex);
  auto it = impl_->domains.find(domain);
  if (it != impl_->domains.end()) it->second.registrationExpiry = DomainValues::kUnset;
}

void Metrics::countRdapQuery(std::string_view result) {
  std::string label;
  {
    std::lock_guard lock(impl_->mutex);
    label = Impl::bounded(impl_->rdapResults, result);
  }
  impl_->rdapQueries->Add({{"result", label}}).Increment();
}

void Metrics::countRdapBootstrapRefresh(bool ok) {
  (ok ? impl_->rdapBootstrapOk : impl_->rdapBootstrapFailed)->Increment();
}

void Metrics::setRdapBootstrapLoaded(int64_t unixSeconds) {
  impl_->rdapBootstrapLoaded->Set(static_cast<double>(unixSeconds));
}

void Metrics::setOutboxPending(size_t count) {
  impl_->outboxPending->Set(static_cast<double>(count));
}

void Metrics::countStoreCommitFailure() {
  impl_->storeCommitFailures->Increment();
}

void Metrics::countReplayedObservation() {
  impl_->observationsReplayed->Increment();
}

void Metrics::setRoundEstimate(double seconds) {
  impl_->roundEstimate->Set(seconds);
}

void Metrics::setScheduleLag(double seconds) {
  impl_->scheduleLag->Set(seconds);
}

void Metrics::setBehindSchedule(bool behind) {
  impl_->behindSchedule->Set(behind ? 1 : 0);
}

void Metrics::setRdapActive(bool active) {
  impl_->rdapActive->Set(active ? 1 : 0);
}

uint16_t Metrics::port() const {
  return impl_->port;
}

void Metrics::route(std::string path, HttpHandler handler) {
  if (impl_->listener) impl_->listener->route(std::move(path), std::move(handler));
}

std::string Metrics::render() const {
  return prometheus::TextSerializer().Serialize(impl_->collector->Collect());
}

}  // namespace zonewatch::alerts
