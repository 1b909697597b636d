#include "config/config.h"

#include <sched.h>

#include <algorithm>
#include <sstream>

#include "config/raw_config.h"
#include "config/values.h"
#include "monitor/util/database_uri.h"
#include "monitor/util/file_io.h"

namespace zonewatch::config {
namespace {

std::string errorText(const std::string& file, uint32_t line, uint32_t column,
                      const std::string& key, const std::string& reason) {
  std::string out = file;
  if (line > 0) out += ":" + std::to_string(line) + ":" + std::to_string(column);
  out += ": ";
  if (!key.empty()) out += "key '" + key + "': ";
  return out + reason;
}

std::string pathOrBuiltIn(const std::optional<std::string>& path) {
  // Which of the two the daemon takes is only known at start, where it is logged.
  return path ? *path : "built in, or dns-root-data's (/usr/share/dns) when newer";
}

}  // namespace

ConfigError::ConfigError(std::string file, uint32_t line, uint32_t column, std::string key,
                         std::string reason)
    : std::runtime_error(errorText(file, line, column, key, reason)),
      file_(std::move(file)),
      line_(line),
      column_(column),
      key_(std::move(key)),
      reason_(std::move(reason)) {}

Config loadConfig(const std::string& path) {
  auto text = readWholeFile(path);
  if (!text) throw ConfigError(path, 0, 0, "", "cannot read: " + text.error().message);
  return parseConfig(*text, path);
}

Config parseConfig(std::string_view yamlText, const std::string& sourceName) {
  return validateConfig(readRawConfig(yamlText, sourceName));
}

std::optional<WebhookFormat> webhookFormatFromString(std::string_view name) {
  for (size_t i = 0; i < kWebhookFormatNames.size(); ++i) {
    if (kWebhookFormatNames[i] == name) return static_cast<WebhookFormat>(i);
  }
  return std::nullopt;
}

bool WebhookSpec::accepts(const model::Event& event) const {
  if (event.severity < minSeverity) return false;
  return events.empty() || std::find(events.begin(), events.end(), event.kind) != events.end();
}

std::string WebhookSpec::toString() const {
  std::string out = name + ": " + redactUrl(url) + " (format " +
                    std::string(config::toString(format)) + ", min severity " +
                    std::string(model::toString(minSeverity)) + ", events ";
  if (events.empty()) {
    out += "all";
  } else {
    for (size_t i = 0; i < events.size(); ++i) {
      out += (i > 0 ? "," : "") + std::string(model::toString(events[i]));
    }
  }
  out += ", timeout " + formatDuration(timeout) + ", retry " + formatDuration(retryInitial) +
         " to " + formatDuration(retryMax) + ", give up after " + formatDuration(giveUpAfter);
  // Header values may be credentials too: only the names are shown.
  if (!headers.empty()) {
    out += ", headers";
    for (size_t i = 0; i < headers.size(); ++i) out += (i > 0 ? "," : " ") + headers[i].name;
  }
  if (!bearerToken.empty()) out += ", bearer token <redacted>";
  out += secret.empty() ? ", unsigned)" : ", secret <redacted>)";
  return out;
}

namespace {

// What is watched and how: the portfolio, the database, the queries and the thresholds.
void describeWatching(const Config& config, std::ostream& out) {
  size_t ownInterval = 0;
  size_t withExpectations = 0;
  for (const DomainSpec& d : config.domains) {
    if (d.interval != config.interval) ++ownInterval;
    if (!d.expect.operators.empty() || !d.expect.dsKeyTags.empty()) ++withExpectations;
  }
  out << "configuration:  " << config.sourcePath << "\n";
  out << "domains:        " << config.domains.size() << ", polled every "
      << formatDuration(config.interval);
  if (ownInterval > 0) out << " (" << ownInterval << " with their own interval)";
  if (withExpectations > 0) out << ", " << withExpectations << " with expectations";
  out << "\n";
  out << "database:       "
      << (isPostgresUri(config.database) ? redactDatabaseUri(config.database) : config.database);
  if (config.databasePassword) out << " (password from database_password_file)";
  out << " (history kept " << formatDuration(config.retention) << ", ";
  if (config.maxSnapshotsPerHour == 0) {
    out << "no limit on snapshots per hour)\n";
  } else {
    out << "flapping past " << config.maxSnapshotsPerHour << " snapshots a domain an hour)\n";
  }
  const unsigned threads = probeThreadsFor(config.probeThreads);
  out << "queries:        concurrency " << config.concurrency << " on " << threads
      << (threads == 1 ? " probe thread" : " probe threads")
      << (config.probeThreads == 0 ? " (one per CPU)" : "") << ", " << config.perServerQps
      << " per server per second, timeout " << formatDuration(config.queryTimeout) << ", "
      << config.queryTries << (config.queryTries == 1 ? " try" : " tries") << ", "
      << (config.ipv4 && config.ipv6 ? "IPv4 and IPv6"
          : config.ipv4              ? "IPv4 only"
                                     : "IPv6 only")
      << "\n";
  out << "observations:   at most " << formatDuration(config.observationTimeout)
      << " each; observation_failing after " << config.failingPolls
      << (config.failingPolls == 1 ? " failed observation" : " failed in a row") << "\n";
  out << "root hints:     " << pathOrBuiltIn(config.rootHints) << "\n";
  out << "trust anchors:  " << pathOrBuiltIn(config.trustAnchors) << "\n";
  out << "alerting:       a change alerts once " << config.confirmPolls
      << (config.confirmPolls == 1 ? " poll shows" : " polls in a row show")
      << " it; signatures expiring within " << formatDuration(config.signatureWarning)
      << " warn, within " << formatDuration(config.signatureCritical) << " critical\n";
}

// Where its findings go: metrics, the page, the logs and the webhooks.
void describeOutputs(const Config& config, std::ostream& out) {
  out << "metrics:        ";
  if (config.metrics.enabled) {
    out << config.metrics.listen << (config.metrics.perDomain ? " (per-domain series)" : "");
  } else {
    out << "off";
  }
  out << "\n";
  out << "web page:       "
      << (!config.web.enabled      ? "off"
          : config.metrics.enabled ? "http://" + config.metrics.listen + "/"
                                   : "off (served on the metrics listener, and metrics are off)")
      << "\n";
  const auto& v = config.validation;
  out << "validation:     at most " << v.maxKeysPerSignature << " keys per RRSIG, "
      << v.maxSignaturesPerRRset << " RRSIGs per RRset, " << v.maxVerifications
      << " verifications and " << v.maxNsec3Hashes << " NSEC3 hashes per validation; over "
      << v.maxNsec3Iterations << " NSEC3 iterations is insecure\n";
  out << "log level:      " << config.logLevel << " (" << config.logFormat << " lines)\n";
  out << "webhooks:       " << config.webhooks.size();
  if (isPostgresUri(config.database) && !config.webhooks.empty()) {
    out << " (a worker claims a delivery for " << formatDuration(config.deliveryClaim) << ")";
  }
  out << "\n";
  for (const WebhookSpec& hook : config.webhooks) out << "  " << hook.toString() << "\n";
}

// The registration watch (issue 16). Its bootstrap file and servers are shown also when it is
// off: `zonewatch check --rdap --config` reads them all the same.
void describeRdap(const RdapSpec& rdap, std::ostream& out) {
  out << "rdap:           ";
  if (rdap.enabled) {
    out << "each domain every " << formatDuration(rdap.interval)
        << ", one request per server every " << formatDuration(rdap.minSpacing)
        << " at most, timeout " << formatDuration(rdap.timeout) << "\n";
  } else {
    out << "off (timeout " << formatDuration(rdap.timeout) << " for check --rdap)\n";
  }
  out << "  bootstrap:    "
      << (rdap.bootstrapFile.empty() ? "built in (monitor/rdap/dns.json)" : rdap.bootstrapFile)
      << "\n";
  // The URL's credentials, if any, are cut like a server's.
  if (!rdap.bootstrapUrl.empty()) {
    out << "  bootstrap url: " << withoutUserinfo(rdap.bootstrapUrl) << " every "
        << formatDuration(rdap.bootstrapRefresh) << " (the bootstrap above is the fallback)\n";
  }
  // A user name or password in a server URL is cut; the path, which names the service, is shown.
  for (const auto& [suffix, url] : rdap.servers) {
    out << "  server:       " << suffix << " -> " << withoutUserinfo(url) << "\n";
  }
  if (rdap.enabled) {
    out << "  judgement:    registration_expiring within " << formatDuration(rdap.expiryWarning)
        << ", registry_dns_mismatch after " << formatDuration(rdap.mismatchGrace)
        << ", hijack_suspected within " << formatDuration(rdap.hijackWindow) << "\n";
  }
}

}  // namespace

unsigned probeThreadsFor(unsigned configured) {
  if (configured > 0) return configured;
  // The CPUs this process may run on (taskset, cpuset), not the machine's.
  cpu_set_t cpus;
  CPU_ZERO(&cpus);
  const int count = sched_getaffinity(0, sizeof cpus, &cpus) == 0 ? CPU_COUNT(&cpus) : 1;
  return static_cast<unsigned>(std::clamp(count, 1, kMaxAutoProbeThreads));
}

std::string describe(const Config& config) {
  std::ostringstream out;
  describeWatching(config, out);
  describeOutputs(config, out);
  describeRdap(config.rdap, out);
  return out.str();
}

}  // namespace zonewatch::config
