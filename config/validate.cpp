// RawConfig -> Config: interprets every value, applies the defaults, resolves paths and secrets,
// and checks the rules that span keys (duplicate domains, duplicate webhook names).
#include <algorithm>
#include <array>
#include <cctype>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <span>
#include <type_traits>
#include <unordered_map>

#include "config/raw_config.h"
#include "config/values.h"
#include "monitor/model/event_kind.h"
#include "monitor/util/database_uri.h"
#include "monitor/util/file_io.h"

namespace zonewatch::config {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

// Politeness: a delegation changes rarely, and polling its servers more often than this adds load
// on other people's infrastructure without telling anything new.
constexpr seconds kMinInterval{30};
constexpr unsigned kMaxConcurrency = 4096;
constexpr unsigned kMaxProbeThreads = 64;
// A query that has not been answered within a minute will not be; longer only stalls a poll.
constexpr milliseconds kMaxQueryTimeout{60'000};
constexpr uint64_t kMaxQueryTries = 10;
constexpr uint64_t kMaxConfirmPolls = 100;
constexpr uint64_t kMaxFailingPolls = 100;
// More than one snapshot a minute is no limit worth the name; 0 switches it off.
constexpr uint64_t kMaxSnapshotsPerHourLimit = 60;
// One observation asks a handful of servers a handful of questions: under a second means cutting
// healthy ones short, and one still running after ten minutes is stuck, not slow.
constexpr milliseconds kMinObservationTimeout{1000};
constexpr milliseconds kMaxObservationTimeout{600'000};
// History shorter than a day would drop the evidence behind an alert before anyone looked at it.
constexpr seconds kMinRetention{86400};
// A webhook receiver that needs more than five minutes to answer is down; retries handle the rest.
constexpr seconds kMaxWebhookTimeout{300};

// The validator's caps (monitor/dnssec/limits.h, KeyTrap CVE-2023-50387 and CVE-2023-50868). Zero
// would fail every validation; the upper bounds keep a typo from disarming the protection, while
// leaving room far above what resolvers ship (4 keys per RRSIG, 8 RRSIGs per RRset, 32
// verifications, 150 iterations).
constexpr uint64_t kMaxKeysPerSignature = 64;
constexpr uint64_t kMaxSignaturesPerRRset = 64;
constexpr uint64_t kMaxVerifications = 1024;
constexpr uint64_t kMaxNsec3Hashes = 1024;
// RFC 5155 §10.3 allowed at most 2,500 iterations (for 4096-bit keys); RFC 9276 §3.2 lets a
// validator treat anything above 0 as insecure, so 0 is allowed.
constexpr uint64_t kMaxNsec3Iterations = 2500;

// RDAP (issue 16). Registries rate-limit hard (RFC 7480 §5.5) and registration facts change over
// days: polling a domain more often than hourly only earns 429s from a registry (the default is
// 6h). Shorter intervals are allowed for a private RDAP server (the tests' poll every few seconds);
// the per-server spacing (min_spacing) and Retry-After keep even those polite. Spacing between two
// requests to one server: 0 (none) up to an hour. An RDAP answer later than two minutes will not
// come.
constexpr seconds kMinRdapInterval{1};
constexpr seconds kMaxRdapSpacing{3600};
constexpr milliseconds kMinRdapTimeout{1000};
constexpr milliseconds kMaxRdapTimeout{120'000};
// The windows of the registration judgement: shorter than an hour is shorter than one poll apart.
constexpr seconds kMinRdapWindow{3600};
// The registry changes only when some TLD's RDAP service does: daily is current enough; a minute
// is for a private copy (the tests'), a month the stalest copy still worth refreshing.
constexpr seconds kMinRdapBootstrapRefresh{60};
constexpr seconds kMaxRdapBootstrapRefresh{30 * 86400};
// Overrides: a handful in practice; as many as the rate policy tracks servers (rate_policy.h).
constexpr size_t kMaxRdapServers = 1024;
// RFC 1035 §2.3.4: names of at most 253 characters in text, labels of at most 63.
constexpr size_t kMaxSuffixLength = 253;
constexpr size_t kMaxSuffixLabelLength = 63;

constexpr std::array<std::string_view, 4> kLogLevels = {"debug", "info", "warning", "error"};
constexpr std::array<std::string_view, 2> kLogFormats = {"text", "json"};

std::string quote(std::string_view text) {
  return "\"" + std::string(text) + "\"";
}

std::string lowercase(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(), [](char c) {
    return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
  });
  return out;
}

// Header fields a webhook's `headers` may not set (lowercase), besides every X-Zonewatch-*: those
// zonewatch sends itself (alerts/webhook_format.h) and those that frame the request, which
// libcurl owns.
constexpr std::array<std::string_view, 7> kReservedHeaders = {
    "content-type", "content-length", "transfer-encoding", "host",
    "user-agent",   "expect",         "connection"};

// An rdap.servers key: LDH labels separated by dots, as RFC 9224 §4 matches them.
Status<> checkSuffix(std::string_view name) {
  if (name.empty() || name.size() > kMaxSuffixLength) {
    return fail("must be a DNS suffix of 1.." + std::to_string(kMaxSuffixLength) + " characters");
  }
  size_t labelLength = 0;
  for (const char c : name) {
    if (c == '.') {
      if (labelLength == 0) return fail("has an empty label");
      labelLength = 0;
      continue;
    }
    const bool ldh = std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '-';
    if (!ldh) return fail("must be letters, digits, hyphens and dots (an A-label for IDNs)");
    if (++labelLength > kMaxSuffixLabelLength) return fail("has a label over 63 characters");
  }
  if (labelLength == 0) return fail("has an empty label");
  return Ok{};
}

std::string joined(std::span<const std::string_view> words) {
  std::string out;
  for (std::string_view w : words) {
    if (!out.empty()) out += ", ";
    out += w;
  }
  return out;
}

class Validator {
 public:
  explicit Validator(const RawConfig& raw) : raw_(raw) {}

  Config run() {
    Config config;
    config.sourcePath = raw_.files.front();
    config.database = databasePath();
    config.databasePassword = databasePassword(config);
    if (raw_.interval) config.interval = atLeast(*raw_.interval, "interval", kMinInterval);
    if (raw_.concurrency) {
      config.concurrency =
          static_cast<unsigned>(integer(*raw_.concurrency, "concurrency", 1, kMaxConcurrency));
    }
    if (raw_.probeThreads) {
      config.probeThreads =
          static_cast<unsigned>(integer(*raw_.probeThreads, "probe_threads", 0, kMaxProbeThreads));
    }
    queries(config);
    if (raw_.rootHints) config.rootHints = readablePath(*raw_.rootHints, "root_hints");
    if (raw_.trustAnchors) config.trustAnchors = readablePath(*raw_.trustAnchors, "trust_anchors");
    if (raw_.confirmPolls) {
      config.confirmPolls =
          static_cast<unsigned>(integer(*raw_.confirmPolls, "confirm_polls", 1, kMaxConfirmPolls));
    }
    if (raw_.failingPolls) {
      config.failingPolls =
          static_cast<unsigned>(integer(*raw_.failingPolls, "failing_polls", 1, kMaxFailingPolls));
    }
    signatures(config);
    if (raw_.retention) config.retention = atLeast(*raw_.retention, "retention", kMinRetention);
    if (raw_.maxSnapshotsPerHour) {
      config.maxSnapshotsPerHour = static_cast<unsigned>(integer(
          *raw_.maxSnapshotsPerHour, "max_snapshots_per_hour", 0, kMaxSnapshotsPerHourLimit));
    }
    if (raw_.logLevel) config.logLevel = oneOf(*raw_.logLevel, "log_level", kLogLevels);
    if (raw_.logFormat) config.logFormat = oneOf(*raw_.logFormat, "log_format", kLogFormats);
    if (raw_.ipVersions) ipVersions(*raw_.ipVersions, config);
    if (raw_.metrics) config.metrics = metrics(*raw_.metrics);
    if (raw_.web && raw_.web->enabled) {
      config.web.enabled = boolean(*raw_.web->enabled, "web.enabled");
    }
    if (raw_.validation) config.validation = validation(*raw_.validation);
    if (raw_.rdap) config.rdap = rdap(*raw_.rdap);
    domains(config);
    webhooks(config);
    deliveryClaim(config);
    return config;
  }

 private:
  // How zonewatch asks: per_server_qps, query_timeout, query_tries, observation_timeout.
  void queries(Config& config) const {
    if (raw_.perServerQps) {
      auto qps = parseNumber(raw_.perServerQps->text);
      if (!qps) fail(*raw_.perServerQps, "per_server_qps", qps.error().message);
      if (*qps <= 0) fail(*raw_.perServerQps, "per_server_qps", "must be more than 0");
      config.perServerQps = *qps;
    }
    if (raw_.queryTimeout) {
      milliseconds timeout = duration(*raw_.queryTimeout, "query_timeout");
      if (timeout.count() == 0) fail(*raw_.queryTimeout, "query_timeout", "must be more than 0");
      if (timeout > kMaxQueryTimeout) {
        fail(*raw_.queryTimeout, "query_timeout",
             "must be at most " + formatDuration(kMaxQueryTimeout));
      }
      config.queryTimeout = timeout;
    }
    if (raw_.queryTries) {
      config.queryTries =
          static_cast<int>(integer(*raw_.queryTries, "query_tries", 1, kMaxQueryTries));
    }
    if (raw_.observationTimeout) {
      config.observationTimeout = within(*raw_.observationTimeout, "observation_timeout",
                                         kMinObservationTimeout, kMaxObservationTimeout);
    }
  }

  // signature_warning and signature_critical, which must not turn critical before they warn.
  void signatures(Config& config) const {
    if (raw_.signatureWarning) {
      config.signatureWarning = atLeast(*raw_.signatureWarning, "signature_warning", seconds{1});
    }
    if (raw_.signatureCritical) {
      config.signatureCritical = atLeast(*raw_.signatureCritical, "signature_critical", seconds{1});
      // A signature would turn critical before it warns (the same rule as check's flags).
      if (config.signatureCritical > config.signatureWarning) {
        fail(*raw_.signatureCritical, "signature_critical",
             "is longer than signature_warning (" + formatDuration(config.signatureWarning) +
                 "): a signature would turn critical before it warns");
      }
    } else {
      config.signatureCritical = std::min(config.signatureCritical, config.signatureWarning);
    }
  }

  [[noreturn]] void fail(const RawScalar& value, const std::string& key, std::string reason) const {
    raw_.fail(value.pos, key, std::move(reason));
  }

  milliseconds duration(const RawScalar& value, const std::string& key) const {
    auto d = parseDuration(value.text);
    if (!d) fail(value, key, d.error().message);
    return *d;
  }

  milliseconds within(const RawScalar& value, const std::string& key, milliseconds min,
                      milliseconds max) const {
    milliseconds d = duration(value, key);
    if (d < min) fail(value, key, "must be at least " + formatDuration(min));
    if (d > max) fail(value, key, "must be at most " + formatDuration(max));
    return d;
  }

  seconds atLeast(const RawScalar& value, const std::string& key, seconds min) const {
    milliseconds d = duration(value, key);
    if (d.count() % 1000 != 0) fail(value, key, "must be whole seconds");
    if (d < min) {
      fail(value, key,
           min == seconds{1} ? "must be more than 0" : "must be at least " + formatDuration(min));
    }
    return std::chrono::duration_cast<seconds>(d);
  }

  uint64_t integer(const RawScalar& value, const std::string& key, uint64_t min,
                   uint64_t max) const {
    auto n = parseUnsigned(value.text, UINT64_MAX);
    if (!n) fail(value, key, n.error().message);
    if (*n < min || *n > max) {
      fail(value, key,
           "must be " + std::to_string(min) + ".." + std::to_string(max) + ", not " + value.text);
    }
    return *n;
  }

  std::string oneOf(const RawScalar& value, const std::string& key,
                    std::span<const std::string_view> allowed) const {
    if (std::find(allowed.begin(), allowed.end(), value.text) != allowed.end()) return value.text;
    std::string reason = quote(value.text) + " is not one of " + joined(allowed);
    if (std::string near = closestMatch(value.text, allowed); !near.empty()) {
      reason += " (did you mean '" + near + "'?)";
    }
    fail(value, key, reason);
  }

  bool boolean(const RawScalar& value, const std::string& key) const {
    auto b = parseBool(value.text);
    if (!b) fail(value, key, b.error().message);
    return *b;
  }

  // Relative paths in the configuration are relative to its own directory, so a config and its
  // domains file or secrets can move together.
  std::filesystem::path resolve(const std::string& text) const {
    return std::filesystem::path(raw_.baseDir) / text;
  }

  std::string readablePath(const RawScalar& value, const std::string& key) const {
    if (value.text.empty()) fail(value, key, "must not be empty");
    // Read now so that a missing or unreadable file fails start-up, not the first poll.
    std::filesystem::path path = resolve(value.text);
    auto content = readWholeFile(path);
    if (!content) fail(value, key, "cannot read " + path.string() + ": " + content.error().message);
    return path.string();
  }

  std::string databasePath() const {
    // systemd's StateDirectory= sets STATE_DIRECTORY, colon-separated when several are listed; the
    // first is the unit's own.
    std::filesystem::path stateDir;
    if (const char* env = std::getenv("STATE_DIRECTORY"); env != nullptr && *env != '\0') {
      std::string_view dirs(env);
      stateDir = std::string(dirs.substr(0, dirs.find(':')));
    } else {
      std::error_code ec;
      stateDir = std::filesystem::current_path(ec);
    }
    std::string name = "zonewatch.sqlite";
    if (raw_.database) {
      if (raw_.database->text.empty()) fail(*raw_.database, "database", "must not be empty");
      name = raw_.database->text;
      // A URI names a server, never a file: it is kept exactly as written.
      if (looksLikeUri(name)) {
        if (auto s = checkDatabaseUri(name); !s)
          fail(*raw_.database, "database", s.error().message);
        return name;
      }
    }
    return (stateDir / name).string();
  }

  // database_password_file: read now, so that a missing or unreadable file fails start-up, not the
  // first connection. Relative to the configuration's directory, like secret_file.
  std::optional<std::string> databasePassword(const Config& config) const {
    if (!raw_.databasePasswordFile) return std::nullopt;
    const RawScalar& value = *raw_.databasePasswordFile;
    const std::string key = "database_password_file";
    if (value.text.empty()) fail(value, key, "must not be empty");
    if (!isPostgresUri(config.database)) {
      fail(value, key,
           "is for a PostgreSQL database (database: postgresql://...), not " + config.database);
    }
    const std::filesystem::path path = resolve(value.text);
    auto content = readWholeFile(path);
    if (!content) fail(value, key, "cannot read " + path.string() + ": " + content.error().message);
    std::string password = std::move(content).value();
    // Editors and `echo` end the file with a newline that is not part of the password.
    while (!password.empty() && (password.back() == '\n' || password.back() == '\r')) {
      password.pop_back();
    }
    if (password.empty()) fail(value, key, path.string() + " is empty");
    return password;
  }

  // delivery_claim, once the webhooks are known: a delivery still under way when its claim expires
  // is sent again by another worker, so the claim must outlast every webhook's request (its
  // timeout). Only PostgreSQL claims outbox items; an SQLite file has one deliverer.
  void deliveryClaim(Config& config) const {
    const std::string key = "delivery_claim";
    if (raw_.deliveryClaim) {
      if (!isPostgresUri(config.database)) {
        fail(*raw_.deliveryClaim, key,
             "is for a PostgreSQL database (database: postgresql://...), not " + config.database);
      }
      config.deliveryClaim = atLeast(*raw_.deliveryClaim, key, seconds{1});
    }
    if (!isPostgresUri(config.database)) return;
    for (size_t i = 0; i < config.webhooks.size(); ++i) {
      const WebhookSpec& hook = config.webhooks[i];
      if (hook.timeout < config.deliveryClaim) continue;
      const std::string hookKey = "webhooks[" + std::to_string(i) + "].timeout";
      const std::string why = ": a delivery could outlast its claim and be sent twice";
      if (raw_.deliveryClaim) {
        fail(*raw_.deliveryClaim, key,
             "must be longer than the timeout of webhook " + quote(hook.name) + " (" +
                 formatDuration(hook.timeout) + ", " + hookKey + ")" + why);
      }
      // The claim is the default: the webhook's timeout (the key that was written) is at fault.
      fail(*raw_.webhooks[i].timeout, hookKey,
           "must be shorter than delivery_claim (" + formatDuration(config.deliveryClaim) +
               " by default)" + why);
    }
  }

  void ipVersions(const RawList& list, Config& config) const {
    if (list.items.empty()) raw_.fail(list.pos, "ip_versions", "must list 4, 6 or both");
    config.ipv4 = false;
    config.ipv6 = false;
    for (size_t i = 0; i < list.items.size(); ++i) {
      const RawScalar& item = list.items[i];
      std::string key = "ip_versions[" + std::to_string(i) + "]";
      bool* flag = item.text == "4" ? &config.ipv4 : item.text == "6" ? &config.ipv6 : nullptr;
      if (flag == nullptr) fail(item, key, quote(item.text) + " is not an IP version (4 or 6)");
      if (*flag) fail(item, key, "IPv" + item.text + " is listed twice");
      *flag = true;
    }
  }

  MetricsSpec metrics(const RawMetrics& raw) const {
    MetricsSpec spec;
    if (raw.enabled) spec.enabled = boolean(*raw.enabled, "metrics.enabled");
    if (raw.listen) {
      if (auto s = checkListen(raw.listen->text); !s) {
        fail(*raw.listen, "metrics.listen", s.error().message);
      }
      spec.listen = raw.listen->text;
    }
    if (raw.perDomain) spec.perDomain = boolean(*raw.perDomain, "metrics.per_domain");
    return spec;
  }

  model::ValidationLimits validation(const RawValidation& raw) const {
    model::ValidationLimits limits;
    auto cap = [&](const std::optional<RawScalar>& value, std::string_view key, uint64_t min,
                   uint64_t max, auto& into) {
      if (!value) return;
      into = static_cast<std::remove_reference_t<decltype(into)>>(
          integer(*value, "validation." + std::string(key), min, max));
    };
    cap(raw.maxKeysPerSignature, "max_keys_per_signature", 1, kMaxKeysPerSignature,
        limits.maxKeysPerSignature);
    cap(raw.maxSignaturesPerRRset, "max_signatures_per_rrset", 1, kMaxSignaturesPerRRset,
        limits.maxSignaturesPerRRset);
    cap(raw.maxVerifications, "max_verifications", 1, kMaxVerifications, limits.maxVerifications);
    cap(raw.maxNsec3Hashes, "max_nsec3_hashes", 1, kMaxNsec3Hashes, limits.maxNsec3Hashes);
    cap(raw.maxNsec3Iterations, "max_nsec3_iterations", 0, kMaxNsec3Iterations,
        limits.maxNsec3Iterations);
    return limits;
  }

  static std::string domainKey(const RawDomain& d) {
    return d.fromFile ? "domains_file" : "domains[" + std::to_string(d.index) + "]";
  }

  RdapSpec rdap(const RawRdap& raw) const {
    RdapSpec spec;
    if (raw.enabled) spec.enabled = boolean(*raw.enabled, "rdap.enabled");
    if (raw.interval) spec.interval = atLeast(*raw.interval, "rdap.interval", kMinRdapInterval);
    if (raw.minSpacing) {
      spec.minSpacing = std::chrono::duration_cast<seconds>(
          within(*raw.minSpacing, "rdap.min_spacing", milliseconds{0}, kMaxRdapSpacing));
    }
    if (raw.timeout) {
      spec.timeout = within(*raw.timeout, "rdap.timeout", kMinRdapTimeout, kMaxRdapTimeout);
    }
    if (raw.bootstrapFile) {
      spec.bootstrapFile = readablePath(*raw.bootstrapFile, "rdap.bootstrap_file");
    }
    if (raw.bootstrapUrl) spec.bootstrapUrl = httpUrl(*raw.bootstrapUrl, "rdap.bootstrap_url");
    if (raw.bootstrapRefresh) {
      spec.bootstrapRefresh = std::chrono::duration_cast<seconds>(
          within(*raw.bootstrapRefresh, "rdap.bootstrap_refresh", kMinRdapBootstrapRefresh,
                 kMaxRdapBootstrapRefresh));
    }
    if (raw.expiryWarning) {
      spec.expiryWarning = atLeast(*raw.expiryWarning, "rdap.expiry_warning", kMinRdapWindow);
    }
    if (raw.mismatchGrace) {
      spec.mismatchGrace = atLeast(*raw.mismatchGrace, "rdap.mismatch_grace", kMinRdapWindow);
    }
    if (raw.hijackWindow) {
      spec.hijackWindow = atLeast(*raw.hijackWindow, "rdap.hijack_window", kMinRdapWindow);
    }
    if (raw.servers) spec.servers = rdapServers(*raw.servers);
    return spec;
  }

  // rdap.servers: a DNS suffix (LDH labels, RFC 9224 §4 matches them case-insensitively) to an
  // http(s) base URL, which RFC 9224 §3 says "MUST end with a '/'": one is added when missing.
  std::vector<std::pair<std::string, std::string>> rdapServers(const RawMap& map) const {
    std::vector<std::pair<std::string, std::string>> out;
    if (map.entries.size() > kMaxRdapServers) {
      fail(map.entries[kMaxRdapServers].first, "rdap.servers",
           "more than " + std::to_string(kMaxRdapServers) + " servers");
    }
    for (const auto& [suffix, url] : map.entries) {
      const std::string key = "rdap.servers." + suffix.text;
      std::string name = lowercase(suffix.text);
      if (name.ends_with('.')) name.pop_back();
      if (auto s = checkSuffix(name); !s) fail(suffix, key, s.error().message);
      const std::string base = httpUrl(url, key);
      out.emplace_back(name, base.ends_with('/') ? base : base + "/");
    }
    return out;
  }

  // An http:// or https:// URL naming a server: the only schemes alerts::CurlGetter fetches.
  std::string httpUrl(const RawScalar& url, const std::string& key) const {
    const std::string scheme = lowercase(url.text.substr(0, url.text.find("://") + 3));
    if (scheme != "https://" && scheme != "http://") {
      fail(url, key, "must be an http:// or https:// URL, not " + quote(url.text));
    }
    if (url.text.size() <= scheme.size()) fail(url, key, "names no server");
    return url.text;
  }

  void domains(Config& config) const {
    if (raw_.domains.empty()) {
      if (raw_.domainsFile) {
        raw_.fail(raw_.domainsFile->pos, "domains_file", "the file lists no domain to watch");
      }
      raw_.fail(raw_.domainsKeyPos.value_or(SourcePos{0, 1, 1}), "domains",
                "no domain to watch: list some under `domains` or in `domains_file`");
    }
    // Reserved up front: `seen` points into config.domains, which must not reallocate.
    config.domains.reserve(raw_.domains.size());
    struct NameHash {
      size_t operator()(const dns::Name* n) const { return n->hash(); }
    };
    struct NameEqual {
      bool operator()(const dns::Name* a, const dns::Name* b) const { return *a == *b; }
    };
    // Name -> index in config.domains (and raw_.domains), to name the first declaration of a
    // duplicate.
    std::unordered_map<const dns::Name*, size_t, NameHash, NameEqual> seen;
    seen.reserve(raw_.domains.size());
    for (const RawDomain& d : raw_.domains) {
      std::string key = domainKey(d);
      // A map entry's name sits under `.name`; a bare list item or a file line is the name itself.
      std::string nameKey = d.options ? key + ".name" : key;
      auto name = parseDomain(d.name.text);
      if (!name) fail(d.name, nameKey, name.error().message);
      DomainSpec& spec = config.domains.emplace_back();
      spec.name = std::move(name).value();
      auto [it, inserted] = seen.try_emplace(&spec.name, config.domains.size() - 1);
      if (!inserted) {
        const RawDomain& first = raw_.domains[it->second];
        fail(d.name, nameKey,
             "duplicate domain " + spec.name.toString() + " (first at " + raw_.where(first.pos) +
                 ")");
      }
      spec.interval = config.interval;
      if (d.options) {
        const RawDomainOptions& o = *d.options;
        if (o.interval) spec.interval = atLeast(*o.interval, key + ".interval", kMinInterval);
        if (o.operators) spec.expect.operators = operators(*o.operators, key + ".expect.operators");
        if (o.dsKeyTags) spec.expect.dsKeyTags = keyTags(*o.dsKeyTags, key + ".expect.ds_key_tags");
      }
      spec.source = raw_.where(d.pos);
    }
  }

  std::vector<std::string> operators(const RawList& list, const std::string& key) const {
    std::vector<std::string> out;
    for (size_t i = 0; i < list.items.size(); ++i) {
      const RawScalar& item = list.items[i];
      std::string itemKey = key + "[" + std::to_string(i) + "]";
      // An operator is the registrable domain of its name servers, the form the probe reports
      // (monitor/probe/operators.h), so the comparison is between equal spellings.
      auto name = parseDomain(item.text);
      if (!name) fail(item, itemKey, name.error().message);
      std::string text = name->toString();
      if (std::find(out.begin(), out.end(), text) != out.end()) {
        fail(item, itemKey, "operator " + text + " is listed twice");
      }
      out.push_back(std::move(text));
    }
    return out;
  }

  std::vector<uint16_t> keyTags(const RawList& list, const std::string& key) const {
    std::vector<uint16_t> out;
    for (size_t i = 0; i < list.items.size(); ++i) {
      const RawScalar& item = list.items[i];
      std::string itemKey = key + "[" + std::to_string(i) + "]";
      // RFC 4034 §5.1.1: the key tag is a 16-bit field.
      auto tag = parseUnsigned(item.text, 65535);
      if (!tag) fail(item, itemKey, tag.error().message + " (a key tag is 0..65535)");
      auto value = static_cast<uint16_t>(*tag);
      if (std::find(out.begin(), out.end(), value) != out.end()) {
        fail(item, itemKey, "key tag " + item.text + " is listed twice");
      }
      out.push_back(value);
    }
    return out;
  }

  // A webhook's name -> where it was given: its `name`, or the webhook itself when the name is
  // its URL's host.
  using WebhookNames = std::unordered_map<std::string, SourcePos>;

  void webhooks(Config& config) const {
    WebhookNames names;
    for (size_t i = 0; i < raw_.webhooks.size(); ++i) {
      config.webhooks.push_back(
          webhook(raw_.webhooks[i], "webhooks[" + std::to_string(i) + "]", names));
    }
  }

  WebhookSpec webhook(const RawWebhook& hook, const std::string& key, WebhookNames& names) const {
    WebhookSpec spec;
    if (!hook.url) raw_.fail(hook.pos, key + ".url", "is required");
    if (auto s = checkWebhookUrl(hook.url->text); !s) {
      fail(*hook.url, key + ".url", s.error().message);
    }
    spec.url = hook.url->text;
    spec.name = webhookName(hook, key, names);
    spec.secret = secret(hook, key);
    spec.headers = headers(hook, key);
    if (hook.bearerTokenFile) spec.bearerToken = bearerToken(*hook.bearerTokenFile, key);
    if (hook.minSeverity) {
      // oneOf() has already refused any other name.
      spec.minSeverity = *model::severityFromString(
          oneOf(*hook.minSeverity, key + ".min_severity", model::kSeverityNames));
    }
    if (hook.events) spec.events = events(*hook.events, key + ".events");
    if (hook.format) {
      spec.format =
          *webhookFormatFromString(oneOf(*hook.format, key + ".format", kWebhookFormatNames));
    }
    webhookTiming(hook, key, spec);
    return spec;
  }

  // `name`, or the URL's host when it is left out. Outbox rows refer to the webhook by name, so
  // two webhooks to one host without names are an error rather than numbered by their order:
  // reordering the list would otherwise hand pending alerts to the other webhook.
  std::string webhookName(const RawWebhook& hook, const std::string& key,
                          WebhookNames& names) const {
    if (!hook.name) {
      std::string host = webhookUrlHost(hook.url->text);
      if (auto [it, inserted] = names.try_emplace(host, hook.pos); !inserted) {
        raw_.fail(hook.pos, key + ".name",
                  "is required here: without it the name would be the URL's host " + quote(host) +
                      ", already the name of the webhook at " + raw_.where(it->second) +
                      "; give each webhook to that host a `name` of its own");
      }
      return host;
    }
    const RawScalar& name = *hook.name;
    if (name.text.empty()) fail(name, key + ".name", "must not be empty");
    if (auto [it, inserted] = names.try_emplace(name.text, name.pos); !inserted) {
      fail(name, key + ".name",
           "duplicate webhook name " + quote(name.text) + " (first at " + raw_.where(it->second) +
               ")");
    }
    return name.text;
  }

  void webhookTiming(const RawWebhook& hook, const std::string& key, WebhookSpec& spec) const {
    if (hook.timeout) {
      spec.timeout = atLeast(*hook.timeout, key + ".timeout", seconds{1});
      if (spec.timeout > kMaxWebhookTimeout) {
        fail(*hook.timeout, key + ".timeout",
             "must be at most " + formatDuration(kMaxWebhookTimeout));
      }
    }
    if (hook.giveUpAfter) {
      spec.giveUpAfter = atLeast(*hook.giveUpAfter, key + ".give_up_after", seconds{1});
      if (spec.giveUpAfter < spec.timeout) {
        fail(*hook.giveUpAfter, key + ".give_up_after",
             "must be at least the timeout (" + formatDuration(spec.timeout) + ")");
      }
    }
    if (hook.retryInitial) {
      spec.retryInitial = atLeast(*hook.retryInitial, key + ".retry_initial", seconds{1});
    }
    if (hook.retryMax) spec.retryMax = atLeast(*hook.retryMax, key + ".retry_max", seconds{1});
    // Checked once both are known: either may be the one given, the other left at its default.
    if (spec.retryMax < spec.retryInitial) {
      const RawScalar& culprit = hook.retryMax ? *hook.retryMax : *hook.retryInitial;
      fail(culprit, key + (hook.retryMax ? ".retry_max" : ".retry_initial"),
           hook.retryMax
               ? "must be at least retry_initial (" + formatDuration(spec.retryInitial) + ")"
               : "must be at most retry_max (" + formatDuration(spec.retryMax) + ")");
    }
  }

  // `headers`: names and values checked so that none can add a line of its own to the request,
  // and none replaces what zonewatch sends itself: Content-Type, the X-Zonewatch-* contract with
  // receivers (the signature above all) and the fields that frame the request.
  std::vector<HttpHeaderSpec> headers(const RawWebhook& hook, const std::string& key) const {
    std::vector<HttpHeaderSpec> out;
    if (!hook.headers) return out;
    for (const auto& [name, value] : hook.headers->entries) {
      const std::string entryKey = key + ".headers." + name.text;
      if (auto s = checkHeaderName(name.text); !s) fail(name, entryKey, s.error().message);
      const std::string lowered = lowercase(name.text);
      if (std::find(kReservedHeaders.begin(), kReservedHeaders.end(), lowered) !=
              kReservedHeaders.end() ||
          lowered.starts_with("x-zonewatch-")) {
        fail(name, entryKey, "zonewatch sets " + name.text + " itself; it cannot be replaced");
      }
      if (lowered == "authorization" && hook.bearerTokenFile) {
        fail(name, entryKey, "give either an Authorization header or bearer_token_file, not both");
      }
      for (const HttpHeaderSpec& earlier : out) {
        if (lowercase(earlier.name) == lowered) {
          fail(name, entryKey, "header " + earlier.name + " is given twice (names ignore case)");
        }
      }
      if (auto s = checkHeaderValue(value.text); !s) fail(value, entryKey, s.error().message);
      out.push_back({name.text, value.text});
    }
    return out;
  }

  // bearer_token_file: one line, read now so that a missing file fails start-up. The token is a
  // credential: no message quotes it.
  std::string bearerToken(const RawScalar& value, const std::string& hookKey) const {
    const std::string key = hookKey + ".bearer_token_file";
    std::string token = secretFile(value, key);
    for (char c : token) {
      const auto u = static_cast<unsigned char>(c);
      if (u <= 0x20 || u == 0x7f) {
        fail(value, key,
             resolve(value.text).string() +
                 " holds white space or control characters: a bearer token is one word on one "
                 "line");
      }
    }
    return token;
  }

  // A file holding one secret (secret_file, bearer_token_file): relative to the configuration,
  // its trailing line break and blanks cut (editors and `echo` add them), not empty.
  std::string secretFile(const RawScalar& value, const std::string& key) const {
    if (value.text.empty()) fail(value, key, "must not be empty");
    auto content = readWholeFile(resolve(value.text));
    if (!content) {
      fail(value, key,
           "cannot read " + resolve(value.text).string() + ": " + content.error().message);
    }
    std::string secret = std::move(content).value();
    while (!secret.empty() && (secret.back() == '\n' || secret.back() == '\r' ||
                               secret.back() == ' ' || secret.back() == '\t')) {
      secret.pop_back();
    }
    if (secret.empty()) fail(value, key, resolve(value.text).string() + " is empty");
    return secret;
  }

  std::string secret(const RawWebhook& hook, const std::string& key) const {
    struct Source {
      const std::optional<RawScalar>* value;
      std::string_view name;
    };
    const std::array<Source, 3> sources = {{{&hook.secret, "secret"},
                                            {&hook.secretFile, "secret_file"},
                                            {&hook.secretEnv, "secret_env"}}};
    const Source* given = nullptr;
    for (const Source& source : sources) {
      if (!*source.value) continue;
      if (given != nullptr) {
        raw_.fail((*source.value)->keyPos, key + "." + std::string(source.name),
                  "give only one of secret, secret_file and secret_env (" +
                      std::string(given->name) + " is given too)");
      }
      given = &source;
    }
    if (given == nullptr) return {};
    const RawScalar& value = **given->value;
    std::string valueKey = key + "." + std::string(given->name);
    if (value.text.empty()) fail(value, valueKey, "must not be empty");
    if (given->name == "secret") return value.text;
    if (given->name == "secret_file") return secretFile(value, valueKey);
    const char* env = std::getenv(value.text.c_str());
    if (env == nullptr) fail(value, valueKey, "environment variable " + value.text + " is not set");
    if (*env == '\0') fail(value, valueKey, "environment variable " + value.text + " is empty");
    return env;
  }

  std::vector<model::EventKind> events(const RawList& list, const std::string& key) const {
    if (list.items.empty()) {
      raw_.fail(list.pos, key, "is empty; leave `events` out to receive every event");
    }
    std::vector<model::EventKind> out;
    for (size_t i = 0; i < list.items.size(); ++i) {
      const RawScalar& item = list.items[i];
      std::string itemKey = key + "[" + std::to_string(i) + "]";
      auto kind = model::eventKindFromString(item.text);
      if (!kind) {
        std::string reason = quote(item.text) + " is not an event name";
        if (std::string near = closestMatch(item.text, model::kEventNames); !near.empty()) {
          reason += " (did you mean '" + near + "'?)";
        }
        fail(item, itemKey, reason);
      }
      if (std::find(out.begin(), out.end(), *kind) != out.end()) {
        fail(item, itemKey, "event " + item.text + " is listed twice");
      }
      out.push_back(*kind);
    }
    return out;
  }

  const RawConfig& raw_;
};

}  // namespace

Config validateConfig(const RawConfig& raw) {
  return Validator(raw).run();
}

}  // namespace zonewatch::config
