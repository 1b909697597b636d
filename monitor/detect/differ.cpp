#include "monitor/detect/differ.h"

#include <algorithm>
#include <array>
#include <cstddef>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <vector>

#include "monitor/detect/findings.h"
#include "monitor/detect/observation_failure.h"
#include "monitor/util/hex.h"

namespace zonewatch::detect {

namespace {

using nlohmann::json;

using model::EventKind;
using model::Severity;

std::string join(const std::vector<std::string>& items) {
  if (items.empty()) return "(none)";
  std::string out;
  for (const auto& i : items) out += (out.empty() ? "" : ", ") + i;
  return out;
}

std::vector<std::string> dsText(const std::vector<model::DsInfo>& ds) {
  std::vector<std::string> out;
  for (const auto& d : ds) {
    out.push_back(std::to_string(d.keyTag) + " " + std::to_string(d.algorithm) + " " +
                  std::to_string(d.digestType) + " " + d.digest);
  }
  return out;
}

std::vector<std::string> keyText(const std::vector<model::KeyInfo>& keys) {
  std::vector<std::string> out;
  for (const auto& k : keys) {
    out.push_back(std::to_string(k.tag) + "/" + std::to_string(k.flags) + "/" +
                  std::to_string(k.algorithm));
  }
  return out;
}

std::vector<std::string> glueText(const std::vector<model::Glue>& glue) {
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

std::string serverKey(const model::ServerView& s) {
  return s.name + " " + s.address;
}

// No message came back, and the server was asked: "cancelled", "not asked" and "not sent" say
// the observation ended or was capped first, nothing about the server (kUnanswered: the
// observation's deadline came first, with the question sent).
bool unreachable(const model::ServerView& s) {
  if (!s.error || !s.error->isTransport()) return false;
  switch (s.error->failure) {
    case model::QueryFailure::kCancelled:
    case model::QueryFailure::kNotAsked:
    case model::QueryFailure::kNotSent:
      return false;
    default:
      return true;
  }
}

// "not sent": the observation's own query cap kept the server from being asked. That says nothing
// about the server either way: its memory stays as it was (neither a failure nor a recovery).
bool notAsked(const model::ServerView& s) {
  return model::failedWith(s.error, model::QueryFailure::kNotSent);
}

bool provenUnsigned(const DomainState& s) {
  return s.status == model::SecurityState::kInsecure &&
         (s.reason == model::SecurityReason::kDsAbsent ||
          s.reason == model::SecurityReason::kOptOut);
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
  // The top 48 bits as 12 hex digits: short enough for an id, ample to tell two changes apart.
  std::array<uint8_t, 6> top{};
  for (size_t i = 0; i < top.size(); ++i) top[i] = static_cast<uint8_t>(h >> (56 - 8 * i));
  return toLowerHex(top);
}

class Builder {
 public:
  Builder(const model::Observation& obs, std::vector<Event>& out, uint64_t& seq)
      : obs_(obs), out_(out), seq_(seq) {}

  void add(EventKind kind, Severity severity, std::string summary, json before, json after,
           std::optional<std::string> server = std::nullopt) {
    Event e;
    e.domain = obs_.domain;
    e.observedAt = obs_.observedAt;
    e.kind = kind;
    e.severity = severity;
    e.summary = std::move(summary);
    e.beforeJson = before.dump();
    e.afterJson = after.dump();
    e.server = std::move(server);
    e.uid = e.domain + "|" + e.name() + "|" + std::to_string(++seq_) + "|" + e.server.value_or("") +
            "|" + contentDigest(e.beforeJson, e.afterJson);
    out_.push_back(std::move(e));
  }
  bool has(EventKind kind) const {
    return std::any_of(out_.begin(), out_.end(), [kind](const Event& e) { return e.kind == kind; });
  }

 private:
  const model::Observation& obs_;
  std::vector<Event>& out_;
  uint64_t& seq_;
};

// The verdict's names, for event texts and their JSON.
std::string statusText(const DomainState& s) {
  return std::string(model::toString(s.status));
}
std::string reasonText(const DomainState& s) {
  return std::string(model::toString(s.reason));
}

json statusJson(const DomainState& s) {
  return {{"status", statusText(s)}, {"reason", reasonText(s)}};
}

// Who serves the domain: its operators, the parent's NS set, the glue.
void delegationEvents(const DomainState& a, const DomainState& b, Builder& events,
                      const std::string& domain) {
  const bool operatorChanged = a.operators != b.operators;
  if (operatorChanged) {
    // The move replaces the name servers and with them their glue: one event says it all, with
    // the glue in its before/after rather than as a glue_changed of its own.
    events.add(
        EventKind::kOperatorChanged, Severity::kCritical,
        "operator of " + domain + " changed from " + join(a.operators) + " to " + join(b.operators),
        {{"operators", a.operators}, {"ns", a.parentNs}, {"glue", glueText(a.glue)}},
        {{"operators", b.operators}, {"ns", b.parentNs}, {"glue", glueText(b.glue)}});
  } else if (a.parentNs != b.parentNs) {
    events.add(EventKind::kNameserversChanged, Severity::kWarning,
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
    events.add(EventKind::kGlueChanged, Severity::kWarning, summary, glueLines(a), glueLines(b));
  }
}

// What the parent vouches for (DS) and the keys the zone serves.
void keyEvents(const DomainState& a, const DomainState& b, Builder& events,
               const std::string& domain) {
  const bool bothSecure =
      a.status == model::SecurityState::kSecure && b.status == model::SecurityState::kSecure;
  if (a.ds.empty() && !b.ds.empty()) {
    events.add(EventKind::kDsAdded, Severity::kInfo, "the parent now publishes a DS for " + domain,
               dsText(a.ds), dsText(b.ds));
  } else if (!a.ds.empty() && b.ds.empty()) {
    events.add(EventKind::kDsRemoved, Severity::kCritical,
               "the parent no longer publishes a DS for " + domain +
                   (b.denial.empty() ? "" : " (absence proven by " + b.denial + ")"),
               dsText(a.ds), dsText(b.ds));
  } else if (a.ds != b.ds) {
    // A KSK rollover swaps the DS while the chain stays secure: informational.
    events.add(EventKind::kDsChanged, bothSecure ? Severity::kInfo : Severity::kWarning,
               "the DS set of " + domain + " changed", dsText(a.ds), dsText(b.ds));
  }
  if (a.dnskey != b.dnskey) {
    events.add(EventKind::kDnskeyChanged, bothSecure ? Severity::kInfo : Severity::kWarning,
               "the DNSKEY set of " + domain + " changed from " + join(keyText(a.dnskey)) + " to " +
                   join(keyText(b.dnskey)),
               keyText(a.dnskey), keyText(b.dnskey));
  }
}

// The verdict of the chain of trust.
void validationEvents(const DomainState& a, const DomainState& b, Builder& events,
                      const std::string& domain) {
  if (a.status == model::SecurityState::kSecure && provenUnsigned(b)) {
    events.add(EventKind::kUnsignedDowngrade, Severity::kCritical,
               domain + " went from secure to unsigned: the parent proves there is no DS (" +
                   reasonText(b) + ")",
               statusJson(a), statusJson(b));
  }
  if (b.status == model::SecurityState::kBogus &&
      (a.status != model::SecurityState::kBogus || a.reason != b.reason)) {
    events.add(EventKind::kValidationFailed, Severity::kCritical,
               "the chain of trust of " + domain + " is bogus: " + reasonText(b), statusJson(a),
               statusJson(b));
  }
  if (a.status == model::SecurityState::kBogus && b.status != model::SecurityState::kBogus) {
    events.add(EventKind::kValidationRecovered, Severity::kInfo,
               "the chain of trust of " + domain + " validates again (" + statusText(b) + ")",
               statusJson(a), statusJson(b));
  }
}

// What the parent publishes and what the zone asks it to publish.
json cdsJson(const DomainState& s) {
  return {{"ds", dsText(s.ds)}, {"cds", dsText(s.cds)}, {"cdnskey", keyText(s.cdnskey)}};
}

std::string cdsInconsistentText(const std::string& domain) {
  return "the CDS/CDNSKEY records of " + domain +
         " describe keys the zone does not serve, or differ between its servers (a parent "
         "scanning them could install the wrong DS, RFC 7344 section 4.1)";
}

// What the zone asks of its parent (CDS, RFC 7344/8078) and whether its servers agree.
void signalEvents(const DomainState& a, const DomainState& b, Builder& events,
                  const std::string& domain) {
  if (!b.cdsDelete && !b.cds.empty() && a.cds != b.cds) {
    events.add(EventKind::kCdsPublished, Severity::kInfo,
               domain + " publishes CDS/CDNSKEY for the parent", dsText(a.cds), dsText(b.cds));
  }
  if (cdsPending(b) && !cdsPending(a)) {
    events.add(EventKind::kCdsPending, Severity::kInfo,
               domain +
                   " asks its parent to change the DS to match its CDS/CDNSKEY (RFC 7344 "
                   "section 4)",
               cdsJson(a), cdsJson(b));
  }
  if (b.cdsDelete && !a.cdsDelete) {
    events.add(EventKind::kCdsDelete, Severity::kWarning,
               domain + " asks its parent to remove the DS (RFC 8078 delete request)",
               dsText(a.cds), dsText(b.cds));
  }
  if (b.inconsistent && !a.inconsistent) {
    events.add(EventKind::kServerInconsistent, Severity::kWarning,
               "the authoritative servers of " + domain + " serve different data", false, true);
  }
  if (b.nsMismatch && !a.nsMismatch) {
    events.add(EventKind::kNameserversInconsistent, Severity::kWarning,
               "a server of " + domain + " serves an NS set that differs from its parent's", false,
               true);
  }
  if (b.cdsInconsistent && !a.cdsInconsistent) {
    events.add(EventKind::kCdsInconsistent, Severity::kWarning, cdsInconsistentText(domain), false,
               true);
  }
  if (b.parentsDisagree && !a.parentsDisagree) {
    events.add(EventKind::kParentServersDisagree, Severity::kWarning,
               "the servers of the parent zone publish different delegations for " + domain +
                   " (one is stale or lies; the state follows the most of them)",
               false, true);
  }
}

void hijackEvents(const DomainState& a, const DomainState& b, Builder& events,
                  const std::string& domain) {
  // A registrar account taken over: whoever moved the NS also replaced or dropped the DS, or the
  // new servers cannot produce a valid chain.
  const bool dsTouched = a.ds != b.ds;
  if (events.has(EventKind::kOperatorChanged) &&
      (dsTouched || b.status == model::SecurityState::kBogus)) {
    events.add(EventKind::kHijackSuspected, Severity::kCritical,
               "possible hijack of " + domain + ": operator changed to " + join(b.operators) +
                   (b.status == model::SecurityState::kBogus
                        ? " and the chain is bogus (" + reasonText(b) + ")"
                        : " together with the DS"),
               {{"operators", a.operators}, {"ds", dsText(a.ds)}, {"status", statusText(a)}},
               {{"operators", b.operators}, {"ds", dsText(b.ds)}, {"status", statusText(b)}});
  }
}

// Events for a confirmed change from `a` to `b`, in a fixed order (each event's id counts them).
void changeEvents(const DomainState& a, const DomainState& b, Builder& events,
                  const std::string& domain) {
  delegationEvents(a, b, events, domain);
  keyEvents(a, b, events, domain);
  validationEvents(a, b, events, domain);
  signalEvents(a, b, events, domain);
  hijackEvents(a, b, events, domain);
}

// Problem events raised on a domain's first observation (no change to report yet).
void baselineEvents(const DomainState& s, Builder& events, const std::string& domain) {
  if (s.status == model::SecurityState::kBogus) {
    events.add(EventKind::kValidationFailed, Severity::kCritical,
               "the chain of trust of " + domain + " is bogus: " + reasonText(s), nullptr,
               statusJson(s));
  }
  if (s.inconsistent) {
    events.add(EventKind::kServerInconsistent, Severity::kWarning,
               "the authoritative servers of " + domain + " serve different data", nullptr, true);
  }
  if (s.nsMismatch) {
    events.add(EventKind::kNameserversInconsistent, Severity::kWarning,
               "a server of " + domain + " serves an NS set that differs from its parent's",
               nullptr, true);
  }
  if (s.parentsDisagree) {
    events.add(EventKind::kParentServersDisagree, Severity::kWarning,
               "the servers of the parent zone publish different delegations for " + domain,
               nullptr, true);
  }
  if (s.cdsInconsistent) {
    events.add(EventKind::kCdsInconsistent, Severity::kWarning, cdsInconsistentText(domain),
               nullptr, true);
  }
  if (s.cdsDelete) {
    events.add(EventKind::kCdsDelete, Severity::kWarning,
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

namespace {

// Written only when there is something to remember: a stable domain's row stays as it was.
json flapToJson(const FlapMemory& f) {
  json j = json::object();
  if (!f.snapshotTimes.empty()) j["snapshots"] = f.snapshotTimes;
  if (f.flapping) {
    j["flapping"] = true;
    j["since"] = f.since;
    j["changes"] = f.changes;
    j["stable_since"] = f.stableSince;
    j["stable_polls"] = f.stablePolls;
    j["delegation_polls"] = f.delegationPolls;
    j["reported"] = f.reported;
  }
  return j;
}

FlapMemory flapFromJson(const json& j) {
  FlapMemory f;
  f.snapshotTimes = j.value("snapshots", std::vector<int64_t>{});
  f.flapping = j.value("flapping", false);
  f.since = j.value("since", int64_t{0});
  f.changes = j.value("changes", 0);
  f.stableSince = j.value("stable_since", int64_t{0});
  f.stablePolls = j.value("stable_polls", 0);
  f.delegationPolls = j.value("delegation_polls", 0);
  f.reported = j.value("reported", std::vector<std::string>{});
  return f;
}

json findingsToJson(const FindingMemories& findings) {
  json j = json::object();
  for (const auto& [kind, f] : findings) {
    j[std::string(model::toString(kind))] = {
        {"seen", f.seen}, {"absent", f.absent}, {"raised", f.raised}};
  }
  return j;
}

// A kind this version does not know (written by a newer one) is forgotten.
FindingMemories findingsFromJson(const json& j) {
  FindingMemories out;
  for (const auto& [name, f] : j.items()) {
    if (const auto kind = model::findingKindFromString(name)) {
      out[*kind] =
          FindingMemory{f.value("seen", 0), f.value("absent", 0), f.value("raised", false)};
    }
  }
  return out;
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
  if (!(m.flap == FlapMemory{})) j["flap"] = flapToJson(m.flap);
  if (!m.findings.empty()) j["findings"] = findingsToJson(m.findings);
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
    if (j.contains("flap")) m.flap = flapFromJson(j.at("flap"));
    if (j.contains("findings")) m.findings = findingsFromJson(j.at("findings"));
  } catch (const json::exception&) {
    // A damaged auxiliary memory costs at most a repeated reachability, expiry or finding event,
    // or a flapping domain noticed again.
    m.servers.clear();
    m.flap = FlapMemory{};
    m.findings.clear();
  }
}

namespace {

// --- Changes of state, confirmed over consecutive observations ---------------------------------
void confirmState(const DomainMemory& previous, const DomainState& now,
                  const model::Observation& obs, const DetectOptions& options, DomainMemory& m,
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
void trackServers(const DomainMemory& previous, const model::Observation& obs,
                  const DetectOptions& options, DomainMemory& m, Builder& events) {
  std::map<std::string, ServerMemory> seen;
  for (const auto& server : obs.servers) {
    const auto key = serverKey(server);
    ServerMemory s = previous.servers.count(key) ? previous.servers.at(key) : ServerMemory{};
    if (notAsked(server)) {
      seen[key] = s;
      continue;
    }
    if (unreachable(server)) {
      const int needed = static_cast<int>(std::max(1u, options.confirmPolls));
      // Up to what marking it down needs, like trackFindings(): the memory of a server that
      // stays down then stays the same.
      if (s.failures < needed) ++s.failures;
      if (!s.down && s.failures >= needed) {
        s.down = true;
        events.add(EventKind::kServerUnreachable, Severity::kWarning,
                   server.name + " (" + server.address + ") does not answer for " + obs.domain +
                       " (" + server.error->text() + ")",
                   "reachable", server.error->text(), server.name + " " + server.address);
      }
    } else {
      if (s.down) {
        events.add(EventKind::kServerRecovered, Severity::kInfo,
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
void trackExpiry(const model::Observation& obs, const DetectOptions& options, DomainMemory& m,
                 Builder& events) {
  if (!obs.earliestRrsigExpiration) return;
  const int64_t exp = *obs.earliestRrsigExpiration;
  const int64_t left = exp - obs.observedAt;
  if (left <= options.signatureWarningSeconds && m.expiringAlertedFor != exp) {
    events.add(
        EventKind::kSignatureExpiring,
        left <= options.signatureCriticalSeconds ? Severity::kCritical : Severity::kWarning,
        "signatures of " + obs.domain + " expire in " + std::to_string(left / 3600) + " hours",
        nullptr, {{"expiration", exp}, {"seconds_left", left}});
    m.expiringAlertedFor = exp;
  }
}

// --- Pinned expectations, judged on the confirmed state -----------------------------------------
void judgeExpectation(const DomainMemory& previous, const model::Observation& obs,
                      const DetectOptions& options, DomainMemory& m, Builder& events) {
  if (options.expect.empty() || !m.confirmed) return;
  const bool violated = violates(*m.confirmed, options.expect);
  if (violated && !previous.expectationViolated) {
    events.add(EventKind::kExpectationViolated, Severity::kCritical,
               obs.domain + " no longer matches its pinned operators/DS key tags",
               {{"operators", options.expect.operators}, {"ds_key_tags", options.expect.dsKeyTags}},
               {{"operators", m.confirmed->operators}, {"ds_key_tags", dsTags(*m.confirmed)}});
  }
  m.expectationViolated = violated;
}

// --- Flapping (differ.h) -------------------------------------------------------------------------
// The state the previous observation with data left: the pending one, else the confirmed one. It
// is also the state of the latest snapshot, except while the domain is flapping.
const DomainState* latestState(const DomainMemory& m) {
  if (m.pending) return &*m.pending;
  return m.confirmed ? &*m.confirmed : nullptr;
}

// What a hijack or a downgrade changes: who operates the domain, the parent's NS and DS sets, the
// verdict. A change of these is never held back by flapping.
bool sameDelegation(const DomainState& a, const DomainState& b) {
  return a.operators == b.operators && a.parentNs == b.parentNs && a.ds == b.ds &&
         a.status == b.status;
}

std::string delegationKey(const DomainState& s) {
  const json j = {{"operators", s.operators},
                  {"ns", s.parentNs},
                  {"ds", dsText(s.ds)},
                  {"status", statusText(s)}};
  return contentDigest(j.dump(), "");
}

size_t snapshotCap(const DetectOptions& options) {
  return std::max(1u, options.maxSnapshotsPerHour);
}

std::string minutes(int64_t seconds) {
  return std::to_string(std::max<int64_t>(0, seconds) / 60);
}

// Keeps the snapshot times of the rolling hour before `now`.
void forgetSnapshotsBefore(FlapMemory& f, int64_t now) {
  std::erase_if(f.snapshotTimes, [now](int64_t at) { return now - at >= kFlapWindowSeconds; });
}

void noteSnapshot(FlapMemory& f, int64_t now, const DetectOptions& options) {
  f.snapshotTimes.push_back(now);
  const size_t cap = snapshotCap(options);
  if (f.snapshotTimes.size() > cap) {
    f.snapshotTimes.erase(f.snapshotTimes.begin(),
                          f.snapshotTimes.end() - static_cast<std::ptrdiff_t>(cap));
  }
}

void startFlapping(const DomainMemory& previous, const model::Observation& obs,
                   const DetectOptions& options, DomainMemory& m, Builder& events) {
  FlapMemory& f = m.flap;
  const size_t states = f.snapshotTimes.size() + 1;
  const int64_t span = obs.observedAt - f.snapshotTimes.front();
  f.flapping = true;
  f.since = obs.observedAt;
  f.changes = 0;
  f.stablePolls = 0;
  // Observations in a row of the previous observation's delegation: at least those of its state.
  f.delegationPolls = previous.pending ? std::max(1, previous.pendingCount) : 1;
  f.reported = {delegationKey(*m.confirmed)};
  events.add(
      EventKind::kStateFlapping, Severity::kWarning,
      obs.domain + " is flapping: " + std::to_string(states) + " different states in " +
          minutes(span) + " minutes (at most " + std::to_string(snapshotCap(options)) +
          " snapshots an hour are kept); change events wait until one state lasts " +
          minutes(options.flapSettleSeconds) +
          " minutes, except for a change of operator, NS, DS or validation state",
      "stable",
      {{"states", states}, {"seconds", span}, {"max_snapshots_per_hour", snapshotCap(options)}});
}

// A change of the delegation or its verdict that gets through the flapping: confirmed over
// `confirmPolls` observations, and not one already reported during this episode.
bool breaksThrough(const DomainState& now, const DetectOptions& options, const DomainMemory& m) {
  const FlapMemory& f = m.flap;
  if (sameDelegation(now, *m.confirmed)) return false;
  if (f.delegationPolls < static_cast<int>(std::max(1u, options.confirmPolls))) return false;
  return std::find(f.reported.begin(), f.reported.end(), delegationKey(now)) == f.reported.end();
}

void endFlapping(const DomainState& now, const model::Observation& obs, DomainMemory& m,
                 Builder& events) {
  FlapMemory& f = m.flap;
  events.add(EventKind::kStateFlappingEnded, Severity::kInfo,
             obs.domain + " stopped flapping: " + std::to_string(f.changes) +
                 " changes of state in " + minutes(f.stableSince - f.since) +
                 " minutes, then the same state for " + minutes(obs.observedAt - f.stableSince) +
                 " minutes",
             {{"changes", f.changes}, {"since", f.since}}, {{"stable_since", f.stableSince}});
  if (now != *m.confirmed) {
    changeEvents(*m.confirmed, now, events, obs.domain);
    m.lastChange = obs.observedAt;
  }
  m.confirmed = now;
  FlapMemory settled;
  settled.snapshotTimes = std::move(f.snapshotTimes);
  f = std::move(settled);
}

// One observation of a flapping domain. Returns whether its state is to be stored.
bool whileFlapping(const DomainMemory& previous, const DomainState& now, bool changed,
                   const model::Observation& obs, const DetectOptions& options, DomainMemory& m,
                   Builder& events) {
  FlapMemory& f = m.flap;
  const int64_t t = obs.observedAt;
  if (changed) {
    ++f.changes;
    f.stableSince = t;
    f.stablePolls = 1;
  } else {
    ++f.stablePolls;
  }
  const DomainState* last = latestState(previous);
  f.delegationPolls = last != nullptr && sameDelegation(*last, now) ? f.delegationPolls + 1 : 1;
  bool store = false;
  if (breaksThrough(now, options, m)) {
    changeEvents(*m.confirmed, now, events, obs.domain);
    m.confirmed = now;
    m.lastChange = t;
    f.reported.push_back(delegationKey(now));
    if (f.reported.size() > kMaxFlapDelegations) f.reported.erase(f.reported.begin());
    store = f.snapshotTimes.size() < snapshotCap(options);
  }
  const int confirmPolls = static_cast<int>(std::max(1u, options.confirmPolls));
  if (f.stablePolls >= confirmPolls && t - f.stableSince >= options.flapSettleSeconds) {
    endFlapping(now, obs, m, events);
    store = true;
  }
  if (now == *m.confirmed) {
    m.pending.reset();
    m.pendingCount = 0;
  } else {
    m.pending = now;
    m.pendingCount = f.stablePolls;
  }
  if (store) noteSnapshot(f, t, options);
  return store;
}

// The state of one observation with data: confirmed as usual, or coalesced while the domain flaps.
// Returns whether the state is to be stored (DiffResult::storeSnapshot).
bool followState(const DomainMemory& previous, const DomainState& now,
                 const model::Observation& obs, const DetectOptions& options, DomainMemory& m,
                 Builder& events) {
  FlapMemory& f = m.flap;
  forgetSnapshotsBefore(f, obs.observedAt);
  if (f.flapping && !m.confirmed) f = FlapMemory{};  // a damaged memory: start afresh
  if (options.maxSnapshotsPerHour == 0) {
    // The limit is off (max_snapshots_per_hour: 0): every confirmed change is stored and
    // reported, and an episode begun under a limit is forgotten.
    f = FlapMemory{};
    confirmState(previous, now, obs, options, m, events);
    return true;
  }
  const DomainState* last = latestState(previous);
  const bool changed = last == nullptr || now != *last;
  if (!f.flapping && m.confirmed && changed && f.snapshotTimes.size() >= snapshotCap(options)) {
    startFlapping(previous, obs, options, m, events);
  }
  if (f.flapping) return whileFlapping(previous, now, changed, obs, options, m, events);
  confirmState(previous, now, obs, options, m, events);
  if (changed) noteSnapshot(f, obs.observedAt, options);
  return true;
}

// --- Observations without data -------------------------------------------------------------------
// Nothing about the domain is learnt, so nothing of its memory moves but the count: no baseline, no
// pending change advanced or dropped, no server marked down or up, no expectation judged. Only a
// run of `failingPolls` failures is news, once.
void noteFailure(const model::Observation& obs, ObservationFailure failure,
                 const DetectOptions& options, DomainMemory& m, Builder& events) {
  ++m.failures;
  if (m.failingReported || m.failures < static_cast<int>(std::max(1u, options.failingPolls))) {
    return;
  }
  m.failingReported = true;
  const std::string why = failureText(obs);
  events.add(EventKind::kObservationFailing, Severity::kWarning,
             obs.domain + " could not be observed " + std::to_string(m.failures) +
                 " times in a row: " + why,
             "observed", {{"failures", m.failures}, {"reason", toString(failure)}, {"error", why}});
}

// --- Findings without an event of their own (finding_events.h) --------------------------------
json findingListJson(const FindingChange& change) {
  json list = json::array();
  for (const model::Finding& f : change.findings) {
    json item = {{"severity", model::toString(f.severity)}, {"message", f.message}};
    if (f.server) item["server"] = *f.server;
    list.push_back(std::move(item));
  }
  return list;
}

void trackFindingEvents(const model::Observation& obs, const DetectOptions& options,
                        DomainMemory& m, Builder& events) {
  const auto changes = trackFindings(findingsOf(obs, options), options.confirmPolls, m.findings);
  for (const FindingChange& change : changes) {
    const std::string code(model::toString(change.kind));
    if (!change.raised) {
      events.add(EventKind::kFindingCleared, Severity::kInfo,
                 obs.domain + ": " + code + " no longer seen", {{"finding", code}}, nullptr);
      continue;
    }
    std::string summary = obs.domain + ": " + code + ": " + change.findings.front().message;
    if (change.count > 1) summary += " (and " + std::to_string(change.count - 1) + " more)";
    const bool oneServer = change.count == 1 && change.findings.front().server;
    events.add(EventKind::kFindingRaised, change.severity, std::move(summary), nullptr,
               {{"finding", code}, {"count", change.count}, {"findings", findingListJson(change)}},
               oneServer ? change.findings.front().server : std::nullopt);
  }
}

void noteSuccess(const model::Observation& obs, DomainMemory& m, Builder& events) {
  if (m.failingReported) {
    events.add(EventKind::kObservationRecovered, Severity::kInfo,
               obs.domain + " is observed again after " + std::to_string(m.failures) +
                   " failed observations",
               {{"failures", m.failures}}, "observed");
  }
  m.failures = 0;
  m.failingReported = false;
}

}  // namespace

DiffResult diff(const DomainMemory& previous, const model::Observation& obs,
                const DetectOptions& options) {
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
  result.storeSnapshot = followState(previous, *result.observed, obs, options, m, events);
  trackServers(previous, obs, options, m, events);
  trackExpiry(obs, options, m, events);
  judgeExpectation(previous, obs, options, m, events);
  trackFindingEvents(obs, options, m, events);
  return result;
}

std::optional<Event> groupPortfolio(const std::vector<Event>& roundEvents, int64_t observedAt,
                                    size_t threshold) {
  std::set<std::string> domains;
  json changes = json::array();
  std::string memberIds;  // the id is made of its members' ids: stable when a round is redone
  for (const auto& e : roundEvents) {
    if (e.kind != EventKind::kOperatorChanged) continue;
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
  e.kind = EventKind::kPortfolioOperatorChange;
  e.severity = Severity::kCritical;
  e.summary = std::to_string(domains.size()) + " watched domains changed operator in one round";
  e.beforeJson = "null";
  e.afterJson = changes.dump();
  e.uid = "*|" + e.name() + "|" + contentDigest(memberIds, e.afterJson);
  return e;
}

}  // namespace zonewatch::detect
