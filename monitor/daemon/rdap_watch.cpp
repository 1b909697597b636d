#include "monitor/daemon/rdap_watch.h"

#include <algorithm>
#include <nlohmann/json.hpp>
#include <utility>

#include "alerts/metrics.h"
#include "config/values.h"
#include "monitor/detect/domain_state.h"
#include "monitor/model/event_kind.h"
#include "monitor/rdap/registration_events.h"
#include "monitor/rdap/registration_json.h"
#include "monitor/rdap/shipped_bootstrap.h"
#include "monitor/util/file_io.h"
#include "monitor/util/log.h"

namespace zonewatch::daemon {

namespace {

using nlohmann::json;

// The parts of a stored JSON document read back; anything else in it is ignored.
json optionalNumber(const std::optional<int64_t>& value) {
  return value ? json(*value) : json(nullptr);
}

std::optional<int64_t> numberAt(const json& object, const char* key) {
  const auto it = object.find(key);
  if (it == object.end() || !it->is_number_integer()) return std::nullopt;
  return it->get<int64_t>();
}

std::string stringAt(const json& object, const char* key) {
  const auto it = object.find(key);
  return it != object.end() && it->is_string() ? it->get<std::string>() : std::string();
}

json registrarJson(const rdap::Registrar& r) {
  return {{"name", r.name},
          {"iana_id", r.ianaId ? json(*r.ianaId) : json(nullptr)},
          {"handle", r.handle}};
}

rdap::Registrar registrarFrom(const json& j) {
  rdap::Registrar r;
  r.name = stringAt(j, "name");
  r.handle = stringAt(j, "handle");
  if (auto id = numberAt(j, "iana_id"); id && *id >= 0 && *id <= UINT32_MAX) {
    r.ianaId = static_cast<uint32_t>(*id);
  }
  return r;
}

// A lock's action or party from its word (rdap::toString), as the stored memory names them.
template <class T, size_t N>
std::optional<T> fromWord(const std::array<T, N>& all, std::string_view word) {
  for (const T value : all) {
    if (rdap::toString(value) == word) return value;
  }
  return std::nullopt;
}

json signalJson(const rdap::RegistrationSignal& s) {
  if (const auto* removed = std::get_if<rdap::LockRemoved>(&s.change)) {
    return {{"at", s.at},
            {"lock_removed",
             {{"action", rdap::toString(removed->lock.action)},
              {"party", rdap::toString(removed->lock.party)}}}};
  }
  const auto& changed = std::get<rdap::RegistrarChanged>(s.change);
  return {{"at", s.at},
          {"registrar_changed",
           {{"before", registrarJson(changed.before)}, {"after", registrarJson(changed.after)}}}};
}

std::optional<rdap::RegistrationSignal> signalFrom(const json& j) {
  const auto at = numberAt(j, "at");
  if (!at) return std::nullopt;
  if (auto it = j.find("lock_removed"); it != j.end() && it->is_object()) {
    const auto action = fromWord(rdap::kLockActions, stringAt(*it, "action"));
    const auto party = fromWord(rdap::kLockParties, stringAt(*it, "party"));
    if (!action || !party) return std::nullopt;
    return rdap::RegistrationSignal{*at, rdap::LockRemoved{{*action, *party}}};
  }
  if (auto it = j.find("registrar_changed"); it != j.end() && it->is_object()) {
    const json before = it->value("before", json::object());
    const json after = it->value("after", json::object());
    if (!before.is_object() || !after.is_object()) return std::nullopt;
    return rdap::RegistrationSignal{
        *at, rdap::RegistrarChanged{registrarFrom(before), registrarFrom(after)}};
  }
  return std::nullopt;
}

std::vector<std::string> stringsAt(const json& object, const char* key, size_t cap) {
  std::vector<std::string> out;
  const auto it = object.find(key);
  if (it == object.end() || !it->is_array()) return out;
  for (const auto& item : *it) {
    if (out.size() >= cap) break;
    if (item.is_string()) out.push_back(item.get<std::string>());
  }
  return out;
}

}  // namespace

// --- the stored JSON
// ------------------------------------------------------------------------------

std::string memoryToJson(const RegistrationMemory& m) {
  json signals = json::array();
  for (const auto& s : m.correlation.signals) signals.push_back(signalJson(s));
  return json{
      {"expiry",
       {{"reported_for", optionalNumber(m.expiry.reportedFor)},
        {"reported_level", model::toString(m.expiry.reportedLevel)}}},
      {"mismatch", {{"since", optionalNumber(m.mismatch.since)}, {"raised", m.mismatch.raised}}},
      {"signals", signals}}
      .dump();
}

RegistrationMemory memoryFromJson(std::string_view text) {
  RegistrationMemory m;
  const json j = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (!j.is_object()) return m;
  if (auto e = j.find("expiry"); e != j.end() && e->is_object()) {
    m.expiry.reportedFor = numberAt(*e, "reported_for");
    m.expiry.reportedLevel =
        model::severityFromString(stringAt(*e, "reported_level")).value_or(model::Severity::kInfo);
  }
  if (auto e = j.find("mismatch"); e != j.end() && e->is_object()) {
    m.mismatch.since = numberAt(*e, "since");
    const auto raised = e->find("raised");
    m.mismatch.raised = raised != e->end() && raised->is_boolean() && raised->get<bool>();
  }
  if (auto s = j.find("signals"); s != j.end() && s->is_array()) {
    for (const auto& item : *s) {
      if (m.correlation.signals.size() >= rdap::kMaxSignals) break;
      if (auto signal = signalFrom(item)) m.correlation.signals.push_back(std::move(*signal));
    }
  }
  return m;
}

// --- the schedule
// ---------------------------------------------------------------------------------

int64_t nextPollAt(int64_t from, std::chrono::seconds interval, double unit) {
  unit = std::clamp(unit, 0.0, 1.0);
  const auto span = static_cast<double>(interval.count());
  return from + static_cast<int64_t>(span * (0.9 + 0.1 * unit));
}

void RdapSchedule::setDomains(
    const std::vector<std::pair<std::string, std::optional<int64_t>>>& domains, int64_t now,
    std::chrono::seconds interval, double unit) {
  std::map<std::string, Due> next;
  for (const auto& [name, lastFetched] : domains) {
    if (auto kept = due_.find(name); kept != due_.end()) {
      next.emplace(name, kept->second);
    } else if (lastFetched) {
      next.emplace(name, Due{std::max(now, nextPollAt(*lastFetched, interval, unit)), ++order_});
    } else {
      next.emplace(name, Due{now, ++order_});
    }
  }
  due_ = std::move(next);
}

std::vector<std::string> RdapSchedule::names() const {
  std::vector<std::string> out;
  out.reserve(due_.size());
  for (const auto& entry : due_) out.push_back(entry.first);
  return out;
}

std::optional<std::pair<int64_t, std::string>> RdapSchedule::next() const {
  const std::pair<const std::string, Due>* best = nullptr;
  for (const auto& entry : due_) {
    const Due& d = entry.second;
    if (best == nullptr || d.at < best->second.at ||
        (d.at == best->second.at && d.order < best->second.order)) {
      best = &entry;
    }
  }
  if (best == nullptr) return std::nullopt;
  return std::pair{best->second.at, best->first};
}

void RdapSchedule::reschedule(const std::string& domain, int64_t at) {
  // A domain dropped from the portfolio while it was being fetched stays dropped.
  if (auto it = due_.find(domain); it != due_.end()) it->second = Due{at, ++order_};
}

// --- the bootstrap refresh
// ----------------------------------------------------------------------

int64_t nextBootstrapFetchAt(int64_t from, std::chrono::seconds refresh, bool fetched,
                             double unit) {
  return nextPollAt(from, fetched ? refresh : std::min(refresh, kMaxBootstrapRetry), unit);
}

Result<rdap::Bootstrap, BootstrapFetchFailure> judgeBootstrapAnswer(
    const Result<alerts::HttpGetResponse, alerts::HttpError>& answer) {
  using Failure = BootstrapFetchFailure;
  if (!answer) return Unexpected(Failure{"transport", answer.error().message});
  if (answer->status != 200) {
    const std::string status = "HTTP status " + std::to_string(answer->status);
    return Unexpected(Failure{status, "the server answered " + status + ", not 200"});
  }
  if (answer->truncated) {
    return Unexpected(
        Failure{"too_large",
                "the answer is over " + std::to_string(alerts::kMaxGetResponseBytes) + " bytes"});
  }
  auto parsed = rdap::parseBootstrap(answer->body);
  if (!parsed) {
    return Unexpected(Failure{"malformed", std::string(rdap::toString(parsed.error().kind)) + ": " +
                                               parsed.error().message});
  }
  // parseBootstrap takes an empty "services" array (or one whose URLs were all skipped); taken, it
  // would leave every domain without a server, which a stale copy never does.
  if (parsed->services.empty()) return Unexpected(Failure{"no_services", "it lists no service"});
  return std::move(parsed).value();
}

// --- the apply step
// -------------------------------------------------------------------------------

ApplyOptions applyOptionsFor(const config::RdapSpec& spec) {
  ApplyOptions o;
  o.expiry.warningSeconds = spec.expiryWarning.count();
  // Critical in the last week, or sooner when the warning itself is configured shorter.
  o.expiry.criticalSeconds = std::min<int64_t>(o.expiry.criticalSeconds, o.expiry.warningSeconds);
  o.mismatchGraceSeconds = spec.mismatchGrace.count();
  o.hijackWindowSeconds = spec.hijackWindow.count();
  return o;
}

Applied applyRegistration(const std::string& domain,
                          const std::optional<storage::RegistrationRow>& previous,
                          const rdap::Registration& registration, int64_t at,
                          const std::vector<std::string>& dnsNs, const ApplyOptions& options) {
  Applied out;
  out.row.domain = domain;
  out.row.fetchedAt = at;
  std::optional<rdap::Registration> before;
  if (previous) {
    if (auto read = rdap::registrationFromJson(previous->factsJson)) before = std::move(*read);
  }
  out.facts = before ? rdap::withUnknownPartsKept(*before, registration) : registration;
  out.row.factsJson = rdap::toJson(out.facts);
  RegistrationMemory memory =
      previous ? memoryFromJson(previous->memoryJson) : RegistrationMemory{};
  if (!before) {
    // The baseline: nothing to compare with. The mismatch timer may start (an infinite grace
    // cannot raise); the expiry is judged from the next poll on, so that nothing is raised now.
    out.baseline = true;
    memory.mismatch =
        rdap::stepMismatch(memory.mismatch, at, out.facts.nameservers, dnsNs, INT64_MAX).memory;
    out.row.memoryJson = memoryToJson(memory);
    return out;
  }
  const auto changes = rdap::diffRegistrations(*before, out.facts);
  for (const auto& change : changes) out.events.push_back(rdap::toEvent(domain, at, change));
  auto expiry = rdap::stepExpiry(memory.expiry, out.facts, at, options.expiry);
  memory.expiry = expiry.memory;
  if (expiry.expiring) out.events.push_back(rdap::toEvent(domain, at, *expiry.expiring));
  auto mismatch = rdap::stepMismatch(memory.mismatch, at, out.facts.nameservers, dnsNs,
                                     options.mismatchGraceSeconds);
  memory.mismatch = mismatch.memory;
  if (mismatch.raised) out.events.push_back(rdap::toEvent(domain, at, *mismatch.raised));
  memory.correlation =
      rdap::rememberSignals(memory.correlation, changes, at, options.hijackWindowSeconds);
  out.row.memoryJson = memoryToJson(memory);
  return out;
}

std::optional<Correlated> correlateOperatorChanged(const storage::RegistrationRow& row,
                                                   const model::Event& operatorChanged,
                                                   int64_t windowSeconds) {
  RegistrationMemory memory = memoryFromJson(row.memoryJson);
  if (memory.correlation.signals.empty()) return std::nullopt;
  // The differ's before/after (detect/differ.cpp): {"operators": [...], "ns": [...], ...}.
  const json before = json::parse(operatorChanged.beforeJson, nullptr, false);
  const json after = json::parse(operatorChanged.afterJson, nullptr, false);
  const auto from = before.is_object() ? stringsAt(before, "operators", rdap::kMaxNameservers)
                                       : std::vector<std::string>{};
  const auto to = after.is_object() ? stringsAt(after, "operators", rdap::kMaxNameservers)
                                    : std::vector<std::string>{};
  auto suspicion = rdap::correlateOperatorChange(memory.correlation, operatorChanged.observedAt,
                                                 from, to, windowSeconds);
  if (!suspicion) return std::nullopt;
  // One suspicion per signal: an operator change back (the owner repairing it) is not a second
  // hijack of the same lock removal.
  std::erase_if(memory.correlation.signals, [&](const rdap::RegistrationSignal& s) {
    return std::find(suspicion->steps.begin(), suspicion->steps.end(), s) != suspicion->steps.end();
  });
  Correlated out{rdap::toEvent(operatorChanged.domain, *suspicion), row};
  out.row.memoryJson = memoryToJson(memory);
  return out;
}

std::vector<std::string> confirmedParentNs(const storage::DomainRow& row) {
  if (row.stateJson.empty()) return {};
  auto state = detect::domainStateFromJson(row.stateJson);
  if (!state) return {};
  return state->parentNs;
}

// --- the watch
// ------------------------------------------------------------------------------------

Result<std::unique_ptr<RdapWatch>> RdapWatch::create(const config::RdapSpec& spec,
                                                     alerts::Metrics& metrics, const Clock& clock) {
  std::string text(rdap::kShippedBootstrap);
  std::string origin = "the copy shipped with zonewatch";
  if (!spec.bootstrapFile.empty()) {
    auto read = readFileNamed(spec.bootstrapFile);
    if (!read) return fail("cannot read rdap.bootstrap_file: " + read.error().message);
    text = std::move(*read);
    origin = spec.bootstrapFile;
  }
  auto bootstrap = rdap::parseBootstrap(text);
  if (!bootstrap) {
    return fail("cannot use the RDAP bootstrap file " + origin + ": " +
                std::string(rdap::toString(bootstrap.error().kind)) + ": " +
                bootstrap.error().message);
  }
  std::string refreshed;
  if (!spec.bootstrapUrl.empty()) {
    refreshed = "; replaced by " + config::withoutUserinfo(spec.bootstrapUrl) + " once fetched";
  }
  log::info({"rdap_bootstrap"}, "RDAP bootstrap: " + origin + " (" +
                                    std::to_string(bootstrap->services.size()) + " services, " +
                                    std::to_string(spec.servers.size()) + " overrides" + refreshed +
                                    ")");
  metrics.setRdapBootstrapLoaded(clock.nowUnix());
  return std::unique_ptr<RdapWatch>(
      new RdapWatch(spec, std::move(bootstrap).value(), metrics, clock));
}

RdapWatch::RdapWatch(const config::RdapSpec& spec, rdap::Bootstrap bootstrap,
                     alerts::Metrics& metrics, const Clock& clock)
    : spec_(spec),
      bootstrap_(std::move(bootstrap)),
      metrics_(metrics),
      clock_(clock),
      options_(applyOptionsFor(spec)),
      random_(std::random_device{}()) {}

RdapWatch::~RdapWatch() {
  thread_.request_stop();  // wakes the wait (stop token) and aborts a GET in progress (CurlGetter)
  if (thread_.joinable()) thread_.join();
}

void RdapWatch::setDomains(storage::Store& store, const std::vector<std::string>& domains) {
  std::vector<std::pair<std::string, std::optional<int64_t>>> known;
  known.reserve(domains.size());
  for (const auto& name : domains) {
    std::optional<int64_t> lastFetched;
    if (auto row = store.registration(name); row && *row) {
      lastFetched = (*row)->fetchedAt;
      // A restart shows the last known locks and expiry at once, not an interval later.
      if (auto facts = rdap::registrationFromJson((*row)->factsJson)) publish(name, *facts);
    }
    known.emplace_back(name, lastFetched);
  }
  {
    std::lock_guard lock(mutex_);
    std::uniform_real_distribution<double> unit(0.0, 1.0);
    schedule_.setDomains(known, clock_.nowUnix(), spec_.interval, unit(random_));
    changed_ = true;
  }
  wake_.notify_all();
  if (!thread_.joinable()) {
    thread_ = std::jthread([this](std::stop_token stop) { run(stop); });
  }
}

void RdapWatch::setActive(storage::Store& store, bool active) {
  std::vector<std::string> names;
  {
    std::lock_guard lock(mutex_);
    if (active_ == active) return;
    active_ = active;
    changed_ = true;
    if (active) {
      // Forgotten so that setDomains() schedules each domain from its stored last fetch.
      names = schedule_.names();
      schedule_ = RdapSchedule{};
    } else {
      results_.clear();
    }
  }
  wake_.notify_all();
  if (active) setDomains(store, names);
}

bool RdapWatch::active() const {
  return active_;
}

void RdapWatch::run(std::stop_token stop) {
  alerts::CurlGetter getter(stop);
  rdap::RateOptions rate;
  rate.minSpacingSeconds = spec_.minSpacing.count();
  rdap::RatePolicy policy(clock_, rate);
  RdapFetcher fetcher(bootstrap_, rdap::ServerOverrides(spec_.servers.begin(), spec_.servers.end()),
                      getter, policy, spec_.timeout);
  const bool refreshing = !spec_.bootstrapUrl.empty();
  while (!stop.stop_requested()) {
    // At start, before the first domain, then every rdap.bootstrap_refresh; blocking, no lock.
    if (refreshing && clock_.nowUnix() >= bootstrapDueAt_) {
      refreshBootstrap(getter, stop);
      continue;
    }
    std::string domain;
    {
      std::unique_lock lock(mutex_);
      const auto next = schedule_.next();
      const int64_t now = clock_.nowUnix();
      if (!active_ || !next || next->first > now || results_.size() >= kMaxQueuedResults) {
        // Whole seconds: the schedule is in unix seconds. Woken early by setDomains(), setActive()
        // or stop. The bootstrap is refreshed by every worker, polling or not (one request a day).
        int64_t wait = next && active_ ? std::clamp<int64_t>(next->first - now, 1, 60) : 60;
        if (refreshing) wait = std::clamp<int64_t>(bootstrapDueAt_ - now, 1, wait);
        changed_ = false;
        wake_.wait_for(lock, stop, std::chrono::seconds(wait), [this] { return changed_; });
        continue;
      }
      domain = next->second;
      std::uniform_real_distribution<double> unit(0.0, 1.0);
      schedule_.reschedule(domain, nextPollAt(now, spec_.interval, unit(random_)));
    }
    auto outcome = fetcher.fetch(domain);  // blocking, without the lock
    if (stop.stop_requested()) break;
    std::lock_guard lock(mutex_);
    if (!active_) continue;  // another worker polls now: it stores its own answers
    if (!outcome.ok() && outcome.error().kind == RdapFetchFailureKind::kDeferred) {
      // Not asked (spacing, or a server's Retry-After): due again once the server may be asked,
      // not an interval later. A domain that got the 429 itself waits its interval like any
      // failed poll: due at retryAt too, it would win every tie at the server and starve the
      // domains deferred behind it.
      schedule_.reschedule(domain, outcome.error().retryAt);
    }
    results_.push_back(RdapResult{domain, clock_.nowUnix(), std::move(outcome)});
  }
}

// RFC 9224 §3 publishes the registry as a JSON file over HTTP(S); a fetch that brings no usable
// one keeps the bootstrap in use (a stale registry still finds nearly every server, none finds
// nothing) and is never an event about a domain.
void RdapWatch::refreshBootstrap(alerts::HttpGetter& getter, const std::stop_token& stop) {
  const std::string url = config::withoutUserinfo(spec_.bootstrapUrl);
  auto judged = judgeBootstrapAnswer(
      getter.get(spec_.bootstrapUrl, {{"Accept", "application/json"}}, spec_.timeout));
  if (stop.stop_requested()) return;  // the GET was cut short by the daemon stopping: no failure
  metrics_.countRdapBootstrapRefresh(judged.ok());
  double unit = 0;
  {
    std::lock_guard lock(mutex_);  // random_ is shared with setDomains()
    unit = std::uniform_real_distribution<double>(0.0, 1.0)(random_);
  }
  const int64_t now = clock_.nowUnix();
  bootstrapDueAt_ = nextBootstrapFetchAt(now, spec_.bootstrapRefresh, judged.ok(), unit);
  if (!judged) {
    // Once per reason: an unreachable URL is one line a day, not one per retry.
    if (judged.error().reason == bootstrapFailure_) return;
    bootstrapFailure_ = judged.error().reason;
    log::warning({"rdap_bootstrap_failed"},
                 "cannot refresh the RDAP bootstrap from " + url + " (" + judged.error().reason +
                     "): " + judged.error().message +
                     "; the bootstrap in use is kept, retried in " +
                     config::formatDuration(std::min(spec_.bootstrapRefresh, kMaxBootstrapRetry)));
    return;
  }
  bootstrapFailure_.clear();
  bootstrap_ = std::move(judged).value();  // the fetcher's reference now reads the new one
  metrics_.setRdapBootstrapLoaded(now);
  log::info(
      {"rdap_bootstrap"},
      "RDAP bootstrap: " + url + " (" + std::to_string(bootstrap_.services.size()) +
          " services, publication " +
          (bootstrap_.publication.empty() ? std::string("not given") : bootstrap_.publication) +
          ")");
}

std::vector<model::Event> RdapWatch::drain(
    storage::Store& store,
    const std::function<std::vector<std::string>(const model::Event&)>& sinksFor) {
  std::vector<RdapResult> taken;
  {
    std::lock_guard lock(mutex_);
    while (!results_.empty() && taken.size() < kMaxResultsPerDrain) {
      taken.push_back(std::move(results_.front()));
      results_.pop_front();
    }
  }
  std::vector<model::Event> stored;
  for (auto& result : taken) apply(store, std::move(result), sinksFor, stored);
  return stored;
}

void RdapWatch::apply(storage::Store& store, RdapResult result,
                      const std::function<std::vector<std::string>(const model::Event&)>& sinksFor,
                      std::vector<model::Event>& stored) {
  if (!result.outcome.ok()) {
    noteFailure(result.domain, result.outcome.error());
    return;
  }
  metrics_.countRdapQuery("ok");
  if (auto was = lastFailure_.extract(result.domain); !was.empty()) {
    log::info({"rdap_recovered", result.domain},
              "RDAP answers again for " + result.domain + " (after " + was.mapped() + ")");
  }
  auto domainRow = store.domain(result.domain);
  auto previous = store.registration(result.domain);
  if (!domainRow || !previous) {
    log::warning({"rdap_store_failed", result.domain},
                 "cannot read " + result.domain + " from the database: " +
                     (!domainRow ? domainRow.error().message : previous.error().message) +
                     " (its registration is judged at the next poll)");
    return;
  }
  if (!*domainRow) return;  // not observed in the DNS yet: no row to hang the registration on
  Applied applied = applyRegistration(result.domain, *previous, *result.outcome, result.at,
                                      confirmedParentNs(**domainRow), options_);
  if (!applied.events.empty()) {
    // Through the DNS events' commit and outbox: the row goes back as read, only its events are
    // new (`replayed` writes nothing of the row but last_seen, and that unchanged).
    storage::ObservationCommit commit;
    commit.row = std::move(**domainRow);
    commit.replayed = true;
    commit.observedAt = result.at;
    for (const auto& e : applied.events) commit.events.push_back({e, sinksFor(e)});
    if (auto ok = store.commit(commit); !ok) {
      log::error({"rdap_store_failed", result.domain},
                 "could not store the registration events of " + result.domain + ": " +
                     ok.error().message + " (judged again at the next poll)");
      return;
    }
  }
  // After the events: should this write fail, the next poll compares with the older row again.
  if (auto put = store.putRegistration(applied.row); !put) {
    log::error({"rdap_store_failed", result.domain},
               "could not store the registration of " + result.domain + ": " + put.error().message);
  }
  publish(result.domain, applied.facts);
  stored.insert(stored.end(), applied.events.begin(), applied.events.end());
}

void RdapWatch::noteFailure(const std::string& domain, const RdapFetchFailure& failure) {
  const std::string kind(toString(failure.kind));
  metrics_.countRdapQuery(kind);
  // Deferral is the rate policy at work, not a failure of the server: never logged above debug.
  if (failure.kind == RdapFetchFailureKind::kDeferred) {
    log::debug({"rdap_deferred", domain},
               "RDAP query for " + domain + " deferred: " + failure.message);
    return;
  }
  // Once per domain and reason: a server down for a day is one line, not one per poll.
  auto [it, fresh] = lastFailure_.try_emplace(domain, kind);
  if (!fresh && it->second == kind) return;
  it->second = kind;
  log::warning({"rdap_failed", domain}, "RDAP query for " + domain + " failed (" + kind +
                                            "): " + failure.message +
                                            " (nothing changed; retried at the next poll)");
}

void RdapWatch::publish(const std::string& domain, const rdap::Registration& registration) {
  const auto locks = registration.locks();
  std::vector<std::pair<std::string, bool>> series;
  for (const rdap::LockParty party : rdap::kLockParties) {
    for (const rdap::LockAction action : rdap::kLockActions) {
      const rdap::Lock lock{action, party};
      // "client_transfer", "server_delete", and RFC 9083's plain "transfer" for kEither.
      std::string label =
          party == rdap::LockParty::kEither
              ? std::string(rdap::toString(action))
              : std::string(rdap::toString(party)) + "_" + std::string(rdap::toString(action));
      series.emplace_back(std::move(label),
                          std::find(locks.begin(), locks.end(), lock) != locks.end());
    }
  }
  metrics_.setRegistrationLocks(domain, series);
  if (registration.expiresAt) {
    metrics_.setRegistrationExpiry(domain, *registration.expiresAt);
  } else {
    metrics_.clearRegistrationExpiry(domain);
  }
}

std::vector<model::Event> RdapWatch::onOperatorChanged(storage::Store& store,
                                                       const std::vector<model::Event>& events) {
  std::vector<model::Event> raised;
  for (const auto& e : events) {
    if (e.kind != model::EventKind::kOperatorChanged) continue;
    auto row = store.registration(e.domain);
    if (!row || !*row) continue;  // unreadable or never fetched: no signal to correlate with
    if (auto c = correlateOperatorChanged(**row, e, spec_.hijackWindow.count())) {
      raised.push_back(std::move(c->event));
      pendingRows_.push_back(std::move(c->row));
    }
  }
  return raised;
}

void RdapWatch::committed(storage::Store& store, bool ok) {
  std::vector<storage::RegistrationRow> rows = std::move(pendingRows_);
  pendingRows_.clear();
  if (!ok) return;
  for (const auto& row : rows) {
    if (auto put = store.putRegistration(row); !put) {
      log::warning({"rdap_store_failed", row.domain}, "could not store the registration of " +
                                                          row.domain + ": " + put.error().message);
    }
  }
}

}  // namespace zonewatch::daemon
