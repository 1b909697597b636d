#include "storage/differ.h"

#include <algorithm>
#include <nlohmann/json.hpp>
#include <set>

#include "storage/observation_failure.h"

namespace zonewatch::storage {

namespace {

using nlohmann::json;

constexpr const char* kInfo = "info";
constexpr const char* kWarning = "warning";
constexpr const char* kCritical = "critical";

std::string join(const std::vector<std::string>& items) {
  if (items.empty()) return "(none)";
  std::string out;
  for (const auto& i : items) out += (out.empty() ? "" : ", ") + i;
  return out;
}

std::vector<std::string> dsText(const std::vector<probe::DsInfo>& ds) {
  std::vector<std::string> out;
  for (const auto& d : ds) {
    out.push_back(std::to_string(d.keyTag) + " " + std::to_string(d.algorithm) + " " +
                  std::to_string(d.digestType) + " " + d.digest);
  }
  return out;
}

std::vector<std::string> keyText(const std::vector<probe::KeyInfo>& keys) {
  std::vector<std::string> out;
  for (const auto& k : keys) {
    out.push_back(std::to_string(k.tag) + "/" + std::to_string(k.flags) + "/" +
                  std::to_string(k.algorithm));
  }
  return out;
}

std::vector<std::string> glueText(const std::vector<probe::Glue>& glue) {
  std::vector<std::string> out;
  for (const auto& g : glue) out.push_back(g.host + " " + join(g.addresses));
  return out;
}

// The glue as text lines, then one line per host whose glue the servers contradict.
std::vector<std::string> glueLines(const DomainState& s) {
  std::vector<std::string> out = glueText(s.glue);
  for (const auto& host : s.glueMismatch) {
    out.push_back(host + " glue differs from the addresses the servers serve");
  }
  return out;
}

std::string serverKey(const probe::ServerView& s) {
  return s.name + " " + s.address;
}

bool unreachable(const probe::ServerView& s) {
  // "unanswered": the observation's deadline came first; "not sent": its query cap was reached.
  return s.error && (*s.error == "timeout" || *s.error == "network" || *s.error == "unresolved" ||
                     *s.error == "unanswered" || *s.error == "not sent");
}

bool provenUnsigned(const DomainState& s) {
  return s.status == "insecure" && (s.reason == "ds_absent" || s.reason == "opt_out");
}

std::vector<uint16_t> dsTags(const DomainState& s) {
  std::vector<uint16_t> tags;
  for (const auto& d : s.ds) tags.push_back(d.keyTag);
  std::sort(tags.begin(), tags.end());
  tags.erase(std::unique(tags.begin(), tags.end()), tags.end());
  return tags;
}

// The idempotency key must be the same when an interrupted round is observed and stored again,
// and different for two distinct changes of one kind within the same second (two `--once` rounds
// back to back): so it carries a digest of what changed. FNV-1a is enough, as nothing here needs to
// resist a forger; a receiver authenticates deliveries by their HMAC, not by this id.
std::string contentDigest(const std::string& before, const std::string& after) {
  uint64_t h = 14695981039346656037ull;
  auto mix = [&h](const std::string& text) {
    for (const char ch : text) {
      h ^= static_cast<unsigned char>(ch);
      h *= 1099511628211ull;
    }
    h ^= 0xff;  // separator, so ("ab", "c") and ("a", "bc") differ
    h *= 1099511628211ull;
  };
  mix(before);
  mix(after);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out(12, '0');
  for (size_t i = 0; i < out.size(); ++i) out[i] = kHex[(h >> (60 - 4 * i)) & 0xf];
  return out;
}

class Builder {
 public:
  Builder(const probe::Observation& obs, std::vector<Event>& out, uint64_t& seq)
      : obs_(obs), out_(out), seq_(seq) {}

  void add(const char* name, const char* severity, std::string summary, json before, json after,
           std::optional<std::string> server = std::nullopt) {
    Event e;
    e.domain = obs_.domain;
    e.observedAt = obs_.observedAt;
    e.event = name;
    e.severity = severity;
    e.summary = std::move(summary);
    e.beforeJson = before.dump();
    e.afterJson = after.dump();
    e.server = std::move(server);
    e.uid = e.domain + "|" + e.event + "|" + std::to_string(++seq_) + "|" + e.server.value_or("") +
            "|" + contentDigest(e.beforeJson, e.afterJson);
    out_.push_back(std::move(e));
  }
  bool has(const char* name) const {
    return std::any_of(out_.begin(), out_.end(),
                       [name](const Event& e) { return e.event == name; });
  }

 private:
  const probe::Observation& obs_;
  std::vector<Event>& out_;
  uint64_t& seq_;
};

json statusJson(const DomainState& s) {
  return {{"status", s.status}, {"reason", s.reason}};
}

// Events for a confirmed change from `a` to `b`.
void changeEvents(const DomainState& a, const DomainState& b, Builder& events,
                  const std::string& domain) {
  const bool operatorChanged = a.operators != b.operators;
  if (operatorChanged) {
    // The move replaces the name servers and with them their glue: one event says it all, with
    // the glue in its before/after rather than as a glue_changed of its own.
    events.add(
        event::kOperatorChanged, kCritical,
        "operator of " + domain + " changed from " + join(a.operators) + " to " + join(b.operators),
        {{"operators", a.operators}, {"ns", a.parentNs}, {"glue", glueText(a.glue)}},
        {{"operators", b.operators}, {"ns", b.parentNs}, {"glue", glueText(b.glue)}});
  } else if (a.parentNs != b.parentNs) {
    events.add(event::kNameserversChanged, kWarning,
               "name servers of " + domain + " changed from " + join(a.parentNs) + " to " +
                   join(b.parentNs),
               a.parentNs, b.parentNs);
  }
  // The glue, or how it compares with the addresses the domain's servers serve for their own
  // hosts (the child renumbered a server and the parent kept the old glue): either way a resolver
  // following the glue now lands elsewhere than before.
  if ((a.glue != b.glue || a.glueMismatch != b.glueMismatch) && !operatorChanged) {
    std::string summary = "glue for " + domain + " changed";
    if (a.glue == b.glue) {
      summary = b.glueMismatch.empty()
                    ? "glue for " + domain + " matches its servers' own addresses again"
                    : "glue for " + domain + " no longer matches the addresses its servers " +
                          "serve for " + join(b.glueMismatch);
    }
    events.add(event::kGlueChanged, kWarning, summary, glueLines(a), glueLines(b));
  }

  const bool bothSecure = a.status == "secure" && b.status == "secure";
  if (a.ds.empty() && !b.ds.empty()) {
    events.add(event::kDsAdded, kInfo, "the parent now publishes a DS for " + domain, dsText(a.ds),
               dsText(b.ds));
  } else if (!a.ds.empty() && b.ds.empty()) {
    events.add(event::kDsRemoved, kCritical,
               "the parent no longer publishes a DS for " + domain +
                   (b.denial.empty() ? "" : " (absence proven by " + b.denial + ")"),
               dsText(a.ds), dsText(b.ds));
  } else if (a.ds != b.ds) {
    // A KSK rollover swaps the DS while the chain stays secure: informational.
    events.add(event::kDsChanged, bothSecure ? kInfo : kWarning,
               "the DS set of " + domain + " changed", dsText(a.ds), dsText(b.ds));
  }
  if (a.dnskey != b.dnskey) {
    events.add(event::kDnskeyChanged, bothSecure ? kInfo : kWarning,
               "the DNSKEY set of " + domain + " changed from " + join(keyText(a.dnskey)) + " to " +
                   join(keyText(b.dnskey)),
               keyText(a.dnskey), keyText(b.dnskey));
  }

  if (a.status == "secure" && provenUnsigned(b)) {
    events.add(event::kUnsignedDowngrade, kCritical,
               domain + " went from secure to unsigned: the parent proves there is no DS (" +
                   b.reason + ")",
               statusJson(a), statusJson(b));
  }
  if (b.status == "bogus" && (a.status != "bogus" || a.reason != b.reason)) {
    events.add(event::kValidationFailed, kCritical,
               "the chain of trust of " + domain + " is bogus: " + b.reason, statusJson(a),
               statusJson(b));
  }
  if (a.status == "bogus" && b.status != "bogus") {
    events.add(event::kValidationRecovered, kInfo,
               "the chain of trust of " + domain + " validates again (" + b.status + ")",
               statusJson(a), statusJson(b));
  }

  if (!b.cdsDelete && !b.cds.empty() && a.cds != b.cds) {
    events.add(event::kCdsPublished, kInfo, domain + " publishes CDS/CDNSKEY for the parent",
               dsText(a.cds), dsText(b.cds));
  }
  if (b.cdsDelete && !a.cdsDelete) {
    events.add(event::kCdsDelete, kWarning,
               domain + " asks its parent to remove the DS (RFC 8078 delete request)",
               dsText(a.cds), dsText(b.cds));
  }
  if (b.inconsistent && !a.inconsistent) {
    events.add(event::kServerInconsistent, kWarning,
               "the authoritative servers of " + domain + " serve different data", false, true);
  }
  if (b.nsMismatch && !a.nsMismatch) {
    events.add(event::kNameserversInconsistent, kWarning,
               "a server of " + domain + " serves an NS set that differs from its parent's", false,
               true);
  }
  if (b.parentsDisagree && !a.parentsDisagree) {
    events.add(event::kParentServersDisagree, kWarning,
               "the servers of the parent zone publish different delegations for " + domain +
                   " (one is stale or lies; the state follows the most of them)",
               false, true);
  }

  // A registrar account taken over: whoever moved the NS also replaced or dropped the DS, or the
  // new servers cannot produce a valid chain.
  const bool dsTouched = a.ds != b.ds;
  if (events.has(event::kOperatorChanged) && (dsTouched || b.status == "bogus")) {
    events.add(event::kHijackSuspected, kCritical,
               "possible hijack of " + domain + ": operator changed to " + join(b.operators) +
                   (b.status == "bogus" ? " and the chain is bogus (" + b.reason + ")"
                                        : " together with the DS"),
               {{"operators", a.operators}, {"ds", dsText(a.ds)}, {"status", a.status}},
               {{"operators", b.operators}, {"ds", dsText(b.ds)}, {"status", b.status}});
  }
}

// Problem events raised on a domain's first observation (no change to report yet).
void baselineEvents(const DomainState& s, Builder& events, const std::string& domain) {
  if (s.status == "bogus") {
    events.add(event::kValidationFailed, kCritical,
               "the chain of trust of " + domain + " is bogus: " + s.reason, nullptr,
               statusJson(s));
  }
  if (s.inconsistent) {
    events.add(event::kServerInconsistent, kWarning,
               "the authoritative servers of " + domain + " serve different data", nullptr, true);
  }
  if (s.nsMismatch) {
    events.add(event::kNameserversInconsistent, kWarning,
               "a server of " + domain + " serves an NS set that differs from its parent's",
               nullptr, true);
  }
  if (s.parentsDisagree) {
    events.add(event::kParentServersDisagree, kWarning,
               "the servers of the parent zone publish different delegations for " + domain,
               nullptr, true);
  }
  if (s.cdsDelete) {
    events.add(event::kCdsDelete, kWarning,
               domain + " asks its parent to remove the DS (RFC 8078 delete request)", nullptr,
               dsText(s.cds));
  }
}

bool violates(const DomainState& s, const Expectation& expect) {
  if (!expect.operators.empty()) {
    auto want = expect.operators;
    std::sort(want.begin(), want.end());
    if (want != s.operators) return true;
  }
  if (!expect.dsKeyTags.empty()) {
    auto want = expect.dsKeyTags;
    std::sort(want.begin(), want.end());
    want.erase(std::unique(want.begin(), want.end()), want.end());
    if (want != dsTags(s)) return true;
  }
  return false;
}

}  // namespace

std::string auxiliaryToJson(const DomainMemory& m) {
  json servers = json::object();
  for (const auto& [key, s] : m.servers)
    servers[key] = {{"failures", s.failures}, {"down", s.down}};
  json j = {{"servers", servers},
            {"expectation_violated", m.expectationViolated},
            {"observation_failing", m.failingReported},
            {"event_seq", m.eventSeq}};
  if (m.expiringAlertedFor) j["expiring_alerted_for"] = *m.expiringAlertedFor;
  return j.dump();
}

void auxiliaryFromJson(const std::string& text, DomainMemory& m) {
  json j = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) return;  // no memory yet: start afresh
  try {
    const json servers = j.value("servers", json::object());
    for (const auto& [key, s] : servers.items()) {
      m.servers[key] = ServerMemory{s.value("failures", 0), s.value("down", false)};
    }
    m.expectationViolated = j.value("expectation_violated", false);
    m.failingReported = j.value("observation_failing", false);
    m.eventSeq = j.value("event_seq", uint64_t{0});
    if (j.contains("expiring_alerted_for")) {
      m.expiringAlertedFor = j.at("expiring_alerted_for").get<int64_t>();
    }
  } catch (const json::exception&) {
    // A damaged auxiliary memory costs at most a repeated reachability or expiry event.
    m.servers.clear();
  }
}

namespace {

// --- Changes of state, confirmed over consecutive observations ---------------------------------
void confirmState(const DomainMemory& previous, const DomainState& now,
                  const probe::Observation& obs, const DiffOptions& options, DomainMemory& m,
                  Builder& events) {
  if (!previous.confirmed) {
    m.confirmed = now;
    m.pending.reset();
    m.pendingCount = 0;
    baselineEvents(now, events, obs.domain);
  } else if (now == *previous.confirmed) {
    m.pending.reset();
    m.pendingCount = 0;
  } else {
    if (previous.pending && now == *previous.pending) {
      m.pendingCount = previous.pendingCount + 1;
    } else {
      m.pending = now;
      m.pendingCount = 1;
    }
    if (m.pendingCount >= static_cast<int>(std::max(1u, options.confirmPolls))) {
      changeEvents(*previous.confirmed, now, events, obs.domain);
      m.confirmed = now;
      m.pending.reset();
      m.pendingCount = 0;
      m.lastChange = obs.observedAt;
    }
  }
}

// --- Reachability, server by server ------------------------------------------------------------
void trackServers(const DomainMemory& previous, const probe::Observation& obs,
                  const DiffOptions& options, DomainMemory& m, Builder& events) {
  std::map<std::string, ServerMemory> seen;
  for (const auto& server : obs.servers) {
    const auto key = serverKey(server);
    ServerMemory s = previous.servers.count(key) ? previous.servers.at(key) : ServerMemory{};
    if (unreachable(server)) {
      ++s.failures;
      if (!s.down && s.failures >= static_cast<int>(std::max(1u, options.confirmPolls))) {
        s.down = true;
        events.add(event::kServerUnreachable, kWarning,
                   server.name + " (" + server.address + ") does not answer for " + obs.domain +
                       " (" + *server.error + ")",
                   "reachable", *server.error, server.name + " " + server.address);
      }
    } else {
      if (s.down) {
        events.add(event::kServerRecovered, kInfo,
                   server.name + " (" + server.address + ") answers for " + obs.domain + " again",
                   "unreachable", "reachable", server.name + " " + server.address);
      }
      s = ServerMemory{};
    }
    seen[key] = s;
  }
  m.servers = std::move(seen);
}

// --- Signatures about to expire ----------------------------------------------------------------
void trackExpiry(const probe::Observation& obs, const DiffOptions& options, DomainMemory& m,
                 Builder& events) {
  if (!obs.earliestRrsigExpiration) return;
  const int64_t exp = *obs.earliestRrsigExpiration;
  const int64_t left = exp - obs.observedAt;
  if (left <= options.signatureWarningSeconds && m.expiringAlertedFor != exp) {
    events.add(
        event::kSignatureExpiring, left <= options.signatureCriticalSeconds ? kCritical : kWarning,
        "signatures of " + obs.domain + " expire in " + std::to_string(left / 3600) + " hours",
        nullptr, {{"expiration", exp}, {"seconds_left", left}});
    m.expiringAlertedFor = exp;
  }
}

// --- Pinned expectations, judged on the confirmed state -----------------------------------------
void judgeExpectation(const DomainMemory& previous, const probe::Observation& obs,
                      const DiffOptions& options, DomainMemory& m, Builder& events) {
  if (options.expect.empty() || !m.confirmed) return;
  const bool violated = violates(*m.confirmed, options.expect);
  if (violated && !previous.expectationViolated) {
    events.add(event::kExpectationViolated, kCritical,
               obs.domain + " no longer matches its pinned operators/DS key tags",
               {{"operators", options.expect.operators}, {"ds_key_tags", options.expect.dsKeyTags}},
               {{"operators", m.confirmed->operators}, {"ds_key_tags", dsTags(*m.confirmed)}});
  }
  m.expectationViolated = violated;
}

// --- Observations without data -------------------------------------------------------------------
// Nothing about the domain is learnt, so nothing of its memory moves but the count: no baseline, no
// pending change advanced or dropped, no server marked down or up, no expectation judged. Only a
// run of `failingPolls` failures is news, once.
void noteFailure(const probe::Observation& obs, ObservationFailure failure,
                 const DiffOptions& options, DomainMemory& m, Builder& events) {
  ++m.failures;
  if (m.failingReported || m.failures < static_cast<int>(std::max(1u, options.failingPolls))) {
    return;
  }
  m.failingReported = true;
  const std::string why = failureText(obs);
  events.add(event::kObservationFailing, kWarning,
             obs.domain + " could not be observed " + std::to_string(m.failures) +
                 " times in a row: " + why,
             "observed", {{"failures", m.failures}, {"reason", toString(failure)}, {"error", why}});
}

void noteSuccess(const probe::Observation& obs, DomainMemory& m, Builder& events) {
  if (m.failingReported) {
    events.add(event::kObservationRecovered, kInfo,
               obs.domain + " is observed again after " + std::to_string(m.failures) +
                   " failed observations",
               {{"failures", m.failures}}, "observed");
  }
  m.failures = 0;
  m.failingReported = false;
}

}  // namespace

DiffResult diff(const DomainMemory& previous, const probe::Observation& obs,
                const DiffOptions& options) {
  DiffResult result;
  result.memory = previous;
  DomainMemory& m = result.memory;
  Builder events(obs, result.events, m.eventSeq);
  if (const auto failure =
          observationFailure(obs, previous.confirmed ? &*previous.confirmed : nullptr)) {
    noteFailure(obs, *failure, options, m, events);
    return result;
  }
  noteSuccess(obs, m, events);
  const DomainState* prior = previous.confirmed ? &*previous.confirmed : nullptr;
  result.observed = stateFromObservation(obs, prior);
  confirmState(previous, *result.observed, obs, options, m, events);
  trackServers(previous, obs, options, m, events);
  trackExpiry(obs, options, m, events);
  judgeExpectation(previous, obs, options, m, events);
  return result;
}

std::optional<Event> groupPortfolio(const std::vector<Event>& roundEvents, int64_t observedAt,
                                    size_t threshold) {
  std::set<std::string> domains;
  json changes = json::array();
  std::string memberIds;  // the id is made of its members' ids: stable when a round is redone
  for (const auto& e : roundEvents) {
    if (e.event != event::kOperatorChanged) continue;
    memberIds += e.uid + "\n";
    if (domains.insert(e.domain).second) {
      changes.push_back({{"domain", e.domain},
                         {"before", json::parse(e.beforeJson, nullptr, false)},
                         {"after", json::parse(e.afterJson, nullptr, false)}});
    }
  }
  if (domains.size() < std::max<size_t>(threshold, 2)) return std::nullopt;
  Event e;
  e.domain = "*";
  e.observedAt = observedAt;
  e.event = event::kPortfolioOperatorChange;
  e.severity = kCritical;
  e.summary = std::to_string(domains.size()) + " watched domains changed operator in one round";
  e.beforeJson = "null";
  e.afterJson = changes.dump();
  e.uid = "*|" + e.event + "|" + contentDigest(memberIds, e.afterJson);
  return e;
}

}  // namespace zonewatch::storage
