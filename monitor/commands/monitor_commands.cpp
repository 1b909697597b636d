#include "monitor/commands/monitor_commands.h"

#include <algorithm>
#include <filesystem>
#include <iomanip>
#include <iostream>
#include <limits>
#include <nlohmann/json.hpp>
#include <string_view>

#include "config/config.h"
#include "config/values.h"
#include "monitor/commands/exit_codes.h"
#include "monitor/commands/registration_report.h"
#include "monitor/daemon/daemon.h"
#include "monitor/detect/domain_state.h"
#include "monitor/model/event_kind.h"
#include "monitor/model/security_state.h"
#include "monitor/rdap/registration_json.h"
#include "monitor/util/clock.h"
#include "monitor/util/database_uri.h"
#include "monitor/util/log.h"
#include "monitor/util/rfc3339.h"
#include "monitor/util/time_text.h"
#include "monitor/web/api.h"
#include "storage/open_store.h"

#ifndef ZONEWATCH_DEFAULT_CONFIG
#define ZONEWATCH_DEFAULT_CONFIG "/etc/zonewatch/zonewatch.yaml"
#endif

namespace zonewatch {

const std::string_view kDefaultConfigPath = ZONEWATCH_DEFAULT_CONFIG;
const std::string_view kStatusLegend =
    "STATE \"?\": the latest observation got no data; the state shown is the last one seen "
    "before it. \"-\": not observed yet.";

namespace {

using nlohmann::json;

constexpr int kOk = kExitOk;
constexpr int kFailure = kExitUnknown;  // every command's "could not do it", as in `check`

// A stored verdict's name; empty before the domain's first observation with data.
template <class Verdict>
std::string verdictText(const std::optional<Verdict>& verdict) {
  return verdict ? std::string(model::toString(*verdict)) : std::string();
}

// The store writes 0 for "never" (and no real observation predates 1970), so it reads as "-".
std::string timeText(int64_t t) {
  return t <= 0 ? "-" : formatRfc3339(t);
}

// Without -c the default path is tried; when nothing is there, the message says that this path
// was a default, so that the fix (-c FILE, or a file there) is plain.
std::optional<std::string> missingDefault(const MonitorArgs& args) {
  std::error_code ec;
  if (args.configGiven || std::filesystem::exists(args.configPath, ec)) return std::nullopt;
  return "no configuration file at " + args.configPath +
         " (the default when -c is not given): give one with -c FILE";
}

std::optional<config::Config> load(const MonitorArgs& args, std::ostream& err) {
  if (auto missing = missingDefault(args)) {
    err << "zonewatch: " << *missing << "\n";
    return std::nullopt;
  }
  try {
    return config::loadConfig(args.configPath);
  } catch (const std::exception& e) {
    err << "zonewatch: " << e.what() << "\n";
    return std::nullopt;
  }
}

std::unique_ptr<storage::Store> openStore(const config::Config& cfg, std::ostream& err,
                                          bool readOnly) {
  storage::StoreOptions options;
  options.readOnly = readOnly;
  options.password = cfg.databasePassword;
  options.outboxClaim = cfg.deliveryClaim;
  auto store = storage::openStore(cfg.database, options);
  if (!store) {
    err << "zonewatch: cannot open the database " << storage::databaseForDisplay(cfg.database)
        << ": " << store.error().message << "\n";
    return nullptr;
  }
  return std::move(store).value();
}

// The differ stores the portfolio-wide events (portfolio_operator_change) under "*"
// (monitor/detect/differ.h): `history '*'` shows them; any other argument is a domain name.
constexpr std::string_view kPortfolio = "*";

std::string normalise(const std::string& domain) {
  if (domain == kPortfolio) return domain;
  auto name = dns::Name::fromUser(domain);
  return name ? name->lowercased().toString() : domain;
}

// The width of history's event column: the longest event name and two spaces, so that no name
// runs into the severity ("portfolio_operator_changecritical").
constexpr int eventColumnWidth() {
  size_t longest = 0;
  for (std::string_view name : model::kEventNames) longest = std::max(longest, name.size());
  return static_cast<int>(longest) + 2;
}

// The JSON outputs are one object per line whatever the store holds: text is stored as given
// (storage/store.h) and may quote what a hostile server sent, so each invalid UTF-8 octet becomes
// U+FFFD, as in the webhooks (alerts/webhook_format.cpp), instead of dump() throwing.
std::string line(const json& j) {
  return j.dump(-1, ' ', false, json::error_handler_t::replace) + "\n";
}

// A JSON text from the store as a value, or as the string itself when it does not parse.
json storedJson(const std::string& text) {
  json j = json::parse(text, nullptr, /*allow_exceptions=*/false);
  return j.is_discarded() ? json(text) : j;
}

// The stored A-label form's U-labels (the observation's domainUnicode); the name itself when it
// is ASCII throughout or does not parse.
std::string unicodeName(const std::string& domain) {
  auto name = dns::Name::parse(domain);
  return name ? name->toUnicode() : domain;
}

// The name as status shows it: the A-label, and for an IDN its Unicode form after it.
std::string displayName(const std::string& domain) {
  const std::string unicode = unicodeName(domain);
  return unicode == domain ? domain : domain + " (" + unicode + ")";
}

// Terminal columns of UTF-8 text, one per code point (the names are letters, not wide CJK forms
// or combining marks often enough to matter for a padded column).
size_t columns(std::string_view text) {
  return static_cast<size_t>(std::count_if(text.begin(), text.end(), [](char c) {
    return (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  }));
}

std::string padded(const std::string& text, size_t width) {
  const size_t used = columns(text);
  return text + std::string(used < width ? width - used : 1, ' ');
}

// The registration the RDAP watch stored for `domain` (issue 16), if any. A row this build cannot
// read, or a store that cannot be asked, is said in place of the facts: `status` and `history`
// still show the DNS side.
struct StoredRegistration {
  std::optional<rdap::Registration> facts;
  int64_t fetchedAt = 0;
  std::string problem;  // set when a row exists (or may) but cannot be shown
};

std::optional<StoredRegistration> storedRegistration(storage::Store& store,
                                                     const std::string& domain) {
  auto row = store.registration(domain);
  if (!row) return StoredRegistration{std::nullopt, 0, row.error().message};
  if (!*row) return std::nullopt;
  StoredRegistration out;
  out.fetchedAt = (*row)->fetchedAt;
  auto facts = rdap::registrationFromJson((*row)->factsJson);
  if (facts) {
    out.facts = std::move(*facts);
  } else {
    out.problem = "the stored registration cannot be read: " + facts.error().message;
  }
  return out;
}

// status --json's "registration": null when none is stored.
json registrationStatusJson(const std::optional<StoredRegistration>& stored) {
  if (!stored) return nullptr;
  if (!stored->facts) return {{"error", stored->problem}};
  const rdap::Registration& r = *stored->facts;
  json locks = json::array();
  const std::string codes = commands::lockCodes(r.locks());
  for (size_t at = 0; at < codes.size();) {
    const size_t space = std::min(codes.find(' ', at), codes.size());
    locks.push_back(codes.substr(at, space - at));
    at = space + 1;
  }
  return {{"registrar", r.registrar ? json(r.registrar->name) : json(nullptr)},
          {"registrar_iana_id",
           r.registrar && r.registrar->ianaId ? json(*r.registrar->ianaId) : json(nullptr)},
          {"locks", std::move(locks)},
          {"expires", r.expiresAt ? json(formatRfc3339(*r.expiresAt)) : json(nullptr)},
          {"fetched_at", timeText(stored->fetchedAt)}};
}

// The line under a domain in the status table.
std::string registrationStatusLine(const std::optional<StoredRegistration>& stored) {
  if (!stored) return "";
  const std::string text =
      stored->facts ? commands::registrationSummary(*stored->facts) : stored->problem;
  return "    registration: " + text + "\n";
}

void printStatusTable(const std::vector<storage::DomainRow>& rows, storage::Store& store,
                      std::ostream& out) {
  size_t width = 6;
  for (const auto& r : rows) width = std::max(width, columns(displayName(r.domain)));
  out << padded("DOMAIN", width + 2) << std::left << std::setw(15) << "STATE" << std::setw(26)
      << "REASON" << std::setw(22) << "LAST CHANGE"
      << "OPERATORS\n";
  bool marked = false;
  for (const auto& r : rows) {
    std::string operators;
    json ops = json::parse(r.operatorsJson, nullptr, false);
    if (ops.is_array()) {
      for (const auto& o : ops) operators += (operators.empty() ? "" : ", ") + o.get<std::string>();
    }
    // "?": the latest observation got no data, so this is the last state seen before it; "-": none
    // seen yet.
    std::string state = (r.status ? verdictText(r.status) : "-") + (r.failures > 0 ? "?" : "");
    marked = marked || !r.status || r.failures > 0;
    out << padded(displayName(r.domain), width + 2) << std::setw(15) << state << std::setw(26)
        << verdictText(r.reason) << std::setw(22) << timeText(r.lastChange) << operators << "\n"
        << registrationStatusLine(storedRegistration(store, r.domain));
  }
  if (rows.empty()) out << "(no domain observed yet: start `zonewatch run`)\n";
  if (marked) out << kStatusLegend << "\n";
}

}  // namespace

int runDaemonCommand(const MonitorArgs& args) {
  auto cfg = load(args, std::cerr);
  if (!cfg) return kFailure;
  daemon::RunOptions options;
  options.once = args.once;
  auto d = daemon::Daemon::create(std::move(*cfg), std::move(options));
  if (!d) {
    log::error({"start_failed"}, "cannot start: " + d.error().message);
    return kFailure;
  }
  auto summary = (*d)->run();
  if (!summary) {
    log::error({"run_failed"}, summary.error().message);
    return kFailure;
  }
  if (args.once) {
    log::info({"run_summary"}, "observed " + std::to_string(summary->observations) + " domains (" +
                                   std::to_string(summary->failedObservations) + " failed), " +
                                   std::to_string(summary->events) + " events, " +
                                   std::to_string(summary->replayedObservations) +
                                   " replayed (answers already judged: not validated again)");
    if (summary->webhooksDelivered + summary->webhooksRetried + summary->webhooksGivenUp > 0) {
      log::info({"webhooks_summary"},
                "webhooks: " + std::to_string(summary->webhooksDelivered) + " delivered, " +
                    std::to_string(summary->webhooksRetried) + " left in the outbox to retry, " +
                    std::to_string(summary->webhooksGivenUp) + " given up");
    }
  }
  return summary->commitFailures > 0 ? kFailure : kOk;
}

int runStatusCommand(const MonitorArgs& args, std::ostream& out, std::ostream& err) {
  auto cfg = load(args, err);
  if (!cfg) return kFailure;
  auto store = openStore(*cfg, err, /*readOnly=*/true);
  if (!store) return kFailure;
  auto rows = store->domains();
  if (!rows) {
    err << "zonewatch: " << rows.error().message << "\n";
    return kFailure;
  }
  if (args.json) {
    for (const auto& r : *rows) {
      json j = {{"domain", r.domain},
                {"domain_unicode", unicodeName(r.domain)},
                {"status", verdictText(r.status)},
                {"reason", verdictText(r.reason)},
                {"operators", storedJson(r.operatorsJson)},
                {"first_seen", timeText(r.firstSeen)},
                {"last_seen", timeText(r.lastSeen)},
                {"last_change", r.lastChange > 0 ? json(timeText(r.lastChange)) : json(nullptr)},
                {"rrsig_expiry", r.rrsigExpiry ? json(timeText(*r.rrsigExpiry)) : json(nullptr)},
                {"pending_change", r.pendingCount > 0},
                {"consecutive_failures", r.failures},
                {"registration", registrationStatusJson(storedRegistration(*store, r.domain))}};
      out << line(j);
    }
    return kOk;
  }
  printStatusTable(*rows, *store, out);
  return kOk;
}

Result<int64_t> parseSinceTime(std::string_view text, int64_t now) {
  if (text.empty()) return fail("--since: no time given");
  // An RFC 3339 time has a 'T' (or 't') after its date; an age ends in a unit letter.
  if (text.size() >= 10 && text[4] == '-') {
    auto at = parseRfc3339(text);
    if (!at) return fail("--since: " + at.error().message);
    return *at;
  }
  // The configuration reads a bare number as seconds; here "7" more likely means days: a unit is
  // asked for instead of guessing.
  const bool bare = text.find_first_not_of("0123456789") == std::string_view::npos;
  auto age = bare ? Result<std::chrono::milliseconds>(fail("an age needs its unit"))
                  : config::parseDuration(text);
  if (!age) {
    return fail("--since: \"" + std::string(text) +
                "\" is neither an RFC 3339 time (2026-11-27T12:00:00Z) nor an age (24h, 7d): " +
                age.error().message);
  }
  return now - std::chrono::duration_cast<std::chrono::seconds>(*age).count();
}

namespace {

// --since as the store's EventQuery::since (0: from the start).
std::optional<int64_t> sinceOf(const MonitorArgs& args, std::ostream& err) {
  if (args.since.empty()) return 0;
  auto since = parseSinceTime(args.since, SystemClock().nowUnix());
  if (!since) {
    err << "zonewatch: " << since.error().message << "\n";
    return std::nullopt;
  }
  return *since;
}

// One event as history and events print it; events adds a domain column this wide (0: none).
void printEvent(const storage::EventRow& e, size_t domainWidth, std::ostream& out) {
  out << timeText(e.observedAt) << "  ";
  if (domainWidth > 0) out << padded(e.domain, domainWidth + 2);
  out << std::left << std::setw(eventColumnWidth()) << e.name() << std::setw(10)
      << model::toString(e.severity) << e.summary << "\n";
  if (e.beforeJson != "null") out << "    before: " << e.beforeJson << "\n";
  if (e.afterJson != "null") out << "    after:  " << e.afterJson << "\n";
  if (e.server) out << "    server: " << *e.server << "\n";
}

// The events `q` selects, from --since on, in the configured store; none (said on `err`) when
// --since, the configuration, the store or the query fails.
// With `registration`, also the stored registration of q.domain (history's header).
std::optional<std::vector<storage::EventRow>> readEvents(
    const MonitorArgs& args, storage::EventQuery q, std::ostream& err,
    std::optional<StoredRegistration>* registration = nullptr) {
  const std::optional<int64_t> since = sinceOf(args, err);
  if (!since) return std::nullopt;
  auto cfg = load(args, err);
  if (!cfg) return std::nullopt;
  auto store = openStore(*cfg, err, /*readOnly=*/true);
  if (!store) return std::nullopt;
  q.since = *since;
  if (registration != nullptr && q.domain && *q.domain != kPortfolio) {
    *registration = storedRegistration(*store, *q.domain);
  }
  auto events = store->events(q);
  if (!events) {
    err << "zonewatch: " << events.error().message << "\n";
    return std::nullopt;
  }
  return std::move(*events);
}

void printEvents(const std::vector<storage::EventRow>& events, size_t domainWidth, bool asJson,
                 std::ostream& out) {
  for (const auto& e : events) {
    if (asJson) {
      out << web::eventJsonLine(e);
    } else {
      printEvent(e, domainWidth, out);
    }
  }
}

}  // namespace

int runHistoryCommand(const MonitorArgs& args, std::ostream& out, std::ostream& err) {
  storage::EventQuery q;
  q.domain = normalise(args.domain);
  q.limit = args.limit;
  q.newestFirst = true;
  std::optional<StoredRegistration> registration;
  auto events = readEvents(args, q, err, &registration);
  if (!events) return kFailure;
  std::reverse(events->begin(), events->end());  // the newest `limit`, printed oldest first
  // The registration facts first (not with --json, whose every line is an event).
  if (registration && !args.json) {
    out << (registration->facts
                ? commands::formatStoredRegistration(*registration->facts, registration->fetchedAt)
                : "Registration: " + registration->problem + "\n")
        << "\n";
  }
  printEvents(*events, /*domainWidth=*/0, args.json, out);
  if (events->empty() && !args.json) {
    out << "(no events for " << *q.domain << (args.since.empty() ? "" : " since " + args.since)
        << ")\n";
  }
  return kOk;
}

// The portfolio's timeline: every event of every domain and the portfolio-wide ones (stored under
// "*"), oldest first. Retention bounds how many there are.
int runEventsCommand(const MonitorArgs& args, std::ostream& out, std::ostream& err) {
  storage::EventQuery q;
  if (!args.domain.empty()) q.domain = normalise(args.domain);
  q.limit = std::numeric_limits<size_t>::max();
  auto events = readEvents(args, q, err);
  if (!events) return kFailure;
  size_t width = 0;
  for (const auto& e : *events) width = std::max(width, columns(e.domain));
  printEvents(*events, width, args.json, out);
  if (events->empty() && !args.json) out << "(no events)\n";
  return kOk;
}

// What the parent and each server published, as received, in the snapshot that was current at
// `--at` (or the latest): the proof an operator shows after an incident.
int runEvidenceCommand(const MonitorArgs& args, std::ostream& out, std::ostream& err) {
  std::optional<int64_t> at;
  if (!args.at.empty()) {
    auto parsed = parseRfc3339(args.at);
    if (!parsed) {
      err << "zonewatch: --at: " << parsed.error().message << "\n";
      return kFailure;
    }
    at = *parsed;
  }
  auto cfg = load(args, err);
  if (!cfg) return kFailure;
  auto store = openStore(*cfg, err, /*readOnly=*/true);
  if (!store) return kFailure;
  const std::string name = normalise(args.domain);
  // Retention bounds how many there are.
  auto snapshots = store->snapshots(name, std::numeric_limits<int32_t>::max());
  if (!snapshots) {
    err << "zonewatch: " << snapshots.error().message << "\n";
    return kFailure;
  }
  // Newest first: the first one that had been seen by `at`.
  const storage::SnapshotRow* found = nullptr;
  for (const auto& s : *snapshots) {
    if (!at || s.firstSeen <= *at) {
      found = &s;
      break;
    }
  }
  if (found == nullptr) {
    err << "zonewatch: no snapshot of " << name
        << (at ? " from " + args.at + " or earlier" : std::string()) << "\n";
    return kFailure;
  }
  if (args.json) {
    out << line({{"domain", name},
                 {"first_seen", timeText(found->firstSeen)},
                 {"last_seen", timeText(found->lastSeen)},
                 {"state", storedJson(found->stateJson)},
                 {"evidence", found->evidence}});
    return kOk;
  }
  out << "; " << name << " as observed from " << timeText(found->firstSeen) << " to "
      << timeText(found->lastSeen) << "\n"
      << "; state " << found->stateJson << "\n"
      << found->evidence;
  return kOk;
}

namespace {

// The confirmed state `zonewatch ack` may accept, or why there is none: an observation without
// data (monitor/detect/observation_failure.h) is never accepted, nor is a domain whose latest
// observation got none, as "today's operators" are then unknown.
Result<detect::DomainState> acceptableState(storage::Store& store, const std::string& name) {
  auto row = store.domain(name);
  if (!row) return Unexpected{row.error()};
  const int failures = *row ? (*row)->failures : 0;
  const std::string failed = std::to_string(failures) +
                             (failures == 1 ? " observation" : " observations in a row") +
                             " got no data";
  if (!*row || (*row)->stateJson.empty()) {
    return fail(name + " has not been observed yet" + (failures > 0 ? " (" + failed + ")" : "") +
                ": nothing to accept");
  }
  if (failures > 0) {
    return fail("the latest observation of " + name + " failed (" + failed +
                "): its current operators are unknown, nothing accepted; run `zonewatch ack` " +
                "again once `zonewatch status` shows it observed");
  }
  auto state = detect::domainStateFromJson((*row)->stateJson);
  if (!state) return Unexpected{state.error()};
  if (detect::fromObservationWithoutData(*state)) {
    return fail("the stored state of " + name +
                " comes from an observation without data: nothing to accept until it is "
                "observed again");
  }
  return state;
}

}  // namespace

int runAckCommand(const MonitorArgs& args, std::ostream& out, std::ostream& err) {
  auto cfg = load(args, err);
  if (!cfg) return kFailure;
  // Opening read-write creates a missing database: a configuration naming the wrong file (a typo,
  // or the default zonewatch.sqlite in the current directory outside systemd) would leave an empty
  // database behind that a later `zonewatch run` takes for the real one. Only `run` creates it.
  // A PostgreSQL database is a server's, not a file: opening it creates nothing.
  std::error_code ec;
  if (!isPostgresUri(cfg->database) && !std::filesystem::exists(cfg->database, ec)) {
    err << "zonewatch: cannot open the database " << cfg->database
        << ": it does not exist (`zonewatch run` creates it)\n";
    return kFailure;
  }
  auto store = openStore(*cfg, err, /*readOnly=*/false);
  if (!store) return kFailure;
  const std::string name = normalise(args.domain);
  auto state = acceptableState(*store, name);
  if (!state) {
    err << "zonewatch: " << state.error().message << "\n";
    return kFailure;
  }
  std::vector<uint16_t> tags;
  for (const auto& d : state->ds) tags.push_back(d.keyTag);
  std::sort(tags.begin(), tags.end());
  tags.erase(std::unique(tags.begin(), tags.end()), tags.end());
  json baseline = {{"operators", state->operators}, {"ds_key_tags", tags}};
  auto set = store->setBaseline(name, baseline.dump());
  if (!set) {
    err << "zonewatch: " << set.error().message << "\n";
    return kFailure;
  }
  if (args.json) {
    out << line({{"domain", name}, {"baseline", baseline}});
  } else {
    out << "accepted the current state of " << name << " as its baseline: operators "
        << baseline["operators"].dump() << ", DS key tags " << baseline["ds_key_tags"].dump()
        << "\n";
  }
  return kOk;
}

namespace {

struct ConfigWarning {
  std::string key;
  std::string message;
};

// What loads but is probably not meant: the loader accepts it, `config check` says so.
std::vector<ConfigWarning> warningsOf(const config::Config& cfg) {
  std::vector<ConfigWarning> out;
  if (cfg.domains.empty()) out.push_back({"domains", "no domain is watched"});
  if (cfg.webhooks.empty()) {
    out.push_back({"webhooks", "no webhook: events are stored and counted in the metrics only"});
  }
  const std::string& listen = cfg.metrics.listen;
  const bool loopback = listen.rfind("127.", 0) == 0 || listen.rfind("[::1]", 0) == 0 ||
                        listen.rfind("localhost:", 0) == 0;
  if (cfg.metrics.enabled && !loopback) {
    out.push_back({"metrics.listen", "/metrics is served beyond this machine (" + listen + ")"});
  }
  return out;
}

// config check --json's "rdap": the keys as loaded, durations in the configuration's syntax.
json rdapJson(const config::RdapSpec& rdap) {
  json servers = json::object();
  for (const auto& [suffix, url] : rdap.servers) servers[suffix] = config::withoutUserinfo(url);
  return {{"enabled", rdap.enabled},
          {"interval", config::formatDuration(rdap.interval)},
          {"min_spacing", config::formatDuration(rdap.minSpacing)},
          {"timeout", config::formatDuration(rdap.timeout)},
          {"bootstrap_file", rdap.bootstrapFile.empty() ? json(nullptr) : json(rdap.bootstrapFile)},
          {"bootstrap_url", rdap.bootstrapUrl.empty()
                                ? json(nullptr)
                                : json(config::withoutUserinfo(rdap.bootstrapUrl))},
          {"bootstrap_refresh", config::formatDuration(rdap.bootstrapRefresh)},
          {"servers", std::move(servers)},
          {"expiry_warning", config::formatDuration(rdap.expiryWarning)},
          {"mismatch_grace", config::formatDuration(rdap.mismatchGrace)},
          {"hijack_window", config::formatDuration(rdap.hijackWindow)}};
}

json warningsJson(const std::vector<ConfigWarning>& warnings) {
  json out = json::array();
  for (const auto& w : warnings) out.push_back({{"key", w.key}, {"message", w.message}});
  return out;
}

// config check --json: {"ok", "file", "errors": [{file, line, column, key, message}], "warnings"}
// on one line, whether the configuration loads or not.
int configCheckJson(const MonitorArgs& args, std::ostream& out) {
  json result = {{"ok", false},
                 {"file", args.configPath},
                 {"errors", json::array()},
                 {"warnings", json::array()}};
  auto error = [&](const std::string& file, uint32_t lineNo, uint32_t column,
                   const std::string& key, const std::string& message) {
    result["errors"].push_back({{"file", file},
                                {"line", lineNo > 0 ? json(lineNo) : json(nullptr)},
                                {"column", column > 0 ? json(column) : json(nullptr)},
                                {"key", key.empty() ? json(nullptr) : json(key)},
                                {"message", message}});
  };
  if (auto missing = missingDefault(args)) {
    error(args.configPath, 0, 0, "", *missing);
  } else {
    try {
      const config::Config cfg = config::loadConfig(args.configPath);
      result["ok"] = true;
      result["warnings"] = warningsJson(warningsOf(cfg));
      result["domains"] = cfg.domains.size();
      result["database"] = storage::databaseForDisplay(cfg.database);
      result["rdap"] = rdapJson(cfg.rdap);
    } catch (const config::ConfigError& e) {
      error(e.file(), e.line(), e.column(), e.key(), e.reason());
    } catch (const std::exception& e) {
      error(args.configPath, 0, 0, "", e.what());
    }
  }
  out << line(result);
  return result["ok"].get<bool>() ? kOk : kFailure;
}

}  // namespace

int runConfigCheckCommand(const MonitorArgs& args, std::ostream& out, std::ostream& err) {
  if (args.json) return configCheckJson(args, out);
  auto cfg = load(args, err);
  if (!cfg) return kFailure;
  out << config::describe(*cfg);
  for (const auto& w : warningsOf(*cfg))
    err << "zonewatch: warning: " << w.key << ": " << w.message << "\n";
  return kOk;
}

}  // namespace zonewatch
