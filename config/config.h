// The monitor daemon's configuration: the validated `Config` the rest of the daemon reads, the
// loader that builds it from YAML, and `describe()` for `zonewatch config check`.
//
// This is the one module that throws: a configuration that cannot be used must stop start-up with
// a message that names the file, line, column and key (ConfigError), and nothing downstream can
// recover from it anyway. Everything in `Config` is validated and has its defaults applied, so its
// readers never re-check. The YAML library stays in the loader's .cpp files; RawConfig
// (raw_config.h) is the position-carrying form between parsing and validation.
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "monitor/dns/name.h"
#include "monitor/model/event.h"
#include "monitor/model/validation_limits.h"

namespace zonewatch::config {

// what() reads "FILE:LINE:COLUMN: key 'domains[3].interval': reason". Line and column are 1-based;
// when the error has no position (an unreadable file) they are 0 and left out of what(), and an
// empty key is left out as well.
class ConfigError : public std::runtime_error {
 public:
  ConfigError(std::string file, uint32_t line, uint32_t column, std::string key,
              std::string reason);

  const std::string& file() const { return file_; }
  uint32_t line() const { return line_; }
  uint32_t column() const { return column_; }
  const std::string& key() const { return key_; }
  const std::string& reason() const { return reason_; }

 private:
  std::string file_;
  uint32_t line_;
  uint32_t column_;
  std::string key_;
  std::string reason_;
};

struct DomainSpec {
  dns::Name name;  // lowercased, A-labels
  std::chrono::seconds interval;
  struct Expect {
    std::vector<std::string> operators;  // absolute, lowercase: "example-dns.net."
    std::vector<uint16_t> dsKeyTags;
  } expect;
  std::string source;  // "FILE:LINE" where it was declared
};

// How a webhook's body is shaped (alerts/webhook_format.h builds each); `webhooks[].format`.
enum class WebhookFormat : uint8_t { kGeneric, kSlack, kAlertmanager };
// The names, in WebhookFormat order.
inline constexpr std::array<std::string_view, 3> kWebhookFormatNames = {"generic", "slack",
                                                                        "alertmanager"};
constexpr std::string_view toString(WebhookFormat format) {
  return kWebhookFormatNames[static_cast<size_t>(format)];
}
std::optional<WebhookFormat> webhookFormatFromString(std::string_view name);

struct HttpHeaderSpec {
  std::string name;
  std::string value;

  bool operator==(const HttpHeaderSpec&) const = default;
};

struct WebhookSpec {
  // As written, or the URL's host when `name` is left out (config/validate.cpp).
  std::string name;
  std::string url;
  // Resolved from secret | secret_file | secret_env; empty when none is given. Never logged: use
  // toString(), which redacts it (and the URL's path, which for Slack is itself a credential).
  std::string secret;
  model::Severity minSeverity = model::Severity::kInfo;  // min_severity
  std::vector<model::EventKind> events;                  // empty = all
  WebhookFormat format = WebhookFormat::kGeneric;
  std::chrono::seconds timeout{10};
  std::chrono::seconds giveUpAfter{86400};
  // Retry backoff after a failed delivery: retryInitial, doubling with each further failure, at
  // most retryMax (each delay jittered by ±20% in alerts/deliverer.cpp).
  std::chrono::seconds retryInitial{30};
  std::chrono::seconds retryMax{3600};
  // `headers`: sent with every request after zonewatch's own, which they cannot replace. Values
  // may be credentials (an API key): toString() names the headers, never their values.
  std::vector<HttpHeaderSpec> headers;
  // Read from bearer_token_file, sent as "Authorization: Bearer <token>"; empty when none. Never
  // logged, like `secret`.
  std::string bearerToken;

  // Whether this webhook receives the event: severity at least minSeverity, and its kind listed
  // in events (or events empty). The daemon asks every webhook for every event it stores.
  bool accepts(const model::Event& event) const;

  std::string toString() const;
};

struct MetricsSpec {
  bool enabled = true;
  std::string listen = "127.0.0.1:9153";
  bool perDomain = true;
};

// The timeline page (issue 17, monitor/web): served on the metrics listener, so only where
// metrics are served (`metrics.enabled`), and bound where they are (loopback by default).
struct WebSpec {
  bool enabled = true;
};

// The registration watch over RDAP (issue 16, monitor/rdap): off unless `rdap.enabled`. The
// daemon's RDAP thread (monitor/daemon/rdap_watch.h) uses them, as built at start (a reload that
// changes them says the change takes effect at restart); `run --once` does not poll RDAP.
struct RdapSpec {
  bool enabled = false;
  std::chrono::seconds interval{6 * 3600};  // between two queries about one domain
  std::chrono::seconds minSpacing{2};       // between two requests to one RDAP server
  std::chrono::milliseconds timeout{10000};
  std::string bootstrapFile;  // RFC 9224 dns.json; empty = the copy shipped with zonewatch
  // Where a current dns.json is fetched (e.g. IANA's); empty = none. Its copy, once fetched, wins
  // over bootstrapFile (else the shipped copy), which stays the fallback when the fetch fails.
  std::string bootstrapUrl;
  std::chrono::seconds bootstrapRefresh{86400};  // between two fetches of bootstrapUrl
  // Suffix ("com", "co.uk") -> base URL ending in "/", ahead of the bootstrap file; file order.
  std::vector<std::pair<std::string, std::string>> servers;
  std::chrono::seconds expiryWarning{30 * 86400};  // registration_expiring from here on
  std::chrono::seconds mismatchGrace{86400};       // registry and DNS may disagree this long
  std::chrono::seconds hijackWindow{7 * 86400};    // lock/registrar change, then operator change
  bool operator==(const RdapSpec&) const = default;
};

struct Config {
  std::string sourcePath;
  // An SQLite file or a PostgreSQL connection URI (postgresql://USER@HOST:PORT/DB, kept as
  // written). Default: "zonewatch.sqlite" in the state directory: $STATE_DIRECTORY (systemd) if
  // set, else the current directory. A relative file path is taken relative to that directory too.
  std::string database;
  // PostgreSQL only: the password read from database_password_file at load (its trailing newline
  // cut). None: libpq's own sources apply (the URI, PGPASSWORD, ~/.pgpass). Never printed.
  std::optional<std::string> databasePassword;
  // PostgreSQL only: how long a worker's deliverer holds the outbox items it claimed before
  // another worker may take them (storage::PgOptions::outboxClaimSeconds). It bounds how late an
  // item whose worker died mid-delivery is sent again, and is longer than every webhook's
  // timeout, so that a live worker's delivery never outlasts its claim.
  std::chrono::seconds deliveryClaim{300};
  std::chrono::seconds interval{300};
  unsigned concurrency = 64;
  // The daemon's probe threads (monitor/daemon/probe_thread.h); 0: one per CPU the process may
  // run on, at most kMaxAutoProbeThreads (probeThreadsFor).
  unsigned probeThreads = 0;
  double perServerQps = 10;
  std::chrono::milliseconds queryTimeout{1500};
  int queryTries = 2;
  // The wall-clock bound of one observation (probe::ProbeOptions::observationTimeout). Read at
  // start only: a reload keeps the running value.
  std::chrono::milliseconds observationTimeout{30000};
  std::optional<std::string> rootHints;     // file path, nullopt = built in
  std::optional<std::string> trustAnchors;  // file path, nullopt = built in
  std::vector<DomainSpec> domains;
  unsigned confirmPolls = 2;
  // Observations without data in a row before `observation_failing` is raised.
  unsigned failingPolls = 3;
  std::chrono::seconds signatureWarning{7 * 86400};
  // signature_expiring is critical within this (at most signatureWarning).
  std::chrono::seconds signatureCritical{86400};
  std::chrono::seconds retention{365 * 86400};
  // New snapshots a domain may write in a rolling hour before it counts as flapping
  // (detect::DetectOptions::maxSnapshotsPerHour); 0 = no limit.
  unsigned maxSnapshotsPerHour = 4;
  MetricsSpec metrics;
  WebSpec web;
  std::vector<WebhookSpec> webhooks;
  bool ipv4 = true, ipv6 = true;
  std::string logLevel = "info";  // debug | info | warning | error
  // text | json (monitor/util/log.h). Under systemd the "<N>" priority prefix is added by itself.
  std::string logFormat = "text";
  // The validator's caps against hostile answers (`validation:`); defaults are the library's.
  model::ValidationLimits validation;
  RdapSpec rdap;
};

// Reads and validates the file; relative paths inside it (domains_file, secret_file, root_hints,
// trust_anchors) are taken relative to the file's directory. Throws ConfigError.
Config loadConfig(const std::string& path);
// The same from text; sourceName names it in errors and is the base for relative paths.
Config parseConfig(std::string_view yamlText, const std::string& sourceName);

// The summary `zonewatch config check` prints; secrets are redacted.
std::string describe(const Config& config);

// The probe threads `probe_threads` asks for: itself, or for 0 one per CPU the process may run on
// (sched_getaffinity), at most kMaxAutoProbeThreads: past a few, the daemon's own thread (the
// differ and the store) is the bound.
inline constexpr int kMaxAutoProbeThreads = 8;
unsigned probeThreadsFor(unsigned configured);

// The commented example configuration (config/example.yaml, built in at compile time).
extern const std::string_view kExampleConfig;

}  // namespace zonewatch::config
