// Tests of config/: the YAML loader, its validation and error positions, domains_file, secrets,
// describe() and the built-in example. Every file is written under a per-test temporary directory.
#include "config/config.h"

#include <gtest/gtest.h>
#include <sched.h>
#include <stdlib.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <thread>

#include "config/raw_config.h"

namespace zonewatch::config {
namespace {

namespace fs = std::filesystem;
using std::chrono::milliseconds;
using std::chrono::seconds;

class ConfigTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (fs::temp_directory_path() / "zonewatch-config-XXXXXX").string();
    ASSERT_NE(mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
    ::unsetenv("STATE_DIRECTORY");
  }
  void TearDown() override {
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }

  std::string write(const std::string& name, const std::string& text) {
    fs::path path = dir_ / name;
    std::ofstream(path, std::ios::binary) << text;
    return path.string();
  }

  Config load(const std::string& yaml) { return loadConfig(write("zonewatch.yaml", yaml)); }

  // Loads `yaml` as zonewatch.yaml and returns the error it must raise.
  std::optional<ConfigError> errorOf(const std::string& yaml) {
    try {
      load(yaml);
    } catch (const ConfigError& e) {
      return e;
    }
    ADD_FAILURE() << "no ConfigError for:\n" << yaml;
    return std::nullopt;
  }

  // The error names the file, the line and the key path, in its fields and in what().
  void expectError(const std::string& yaml, uint32_t line, const std::string& key,
                   const std::string& reasonPart, const std::string& file = "zonewatch.yaml") {
    SCOPED_TRACE(yaml);
    auto error = errorOf(yaml);
    ASSERT_TRUE(error.has_value());
    std::string path = (dir_ / file).string();
    EXPECT_EQ(error->file(), path);
    EXPECT_EQ(error->line(), line) << error->what();
    EXPECT_EQ(error->key(), key) << error->what();
    EXPECT_NE(error->reason().find(reasonPart), std::string::npos) << error->what();
    std::string what = error->what();
    EXPECT_EQ(what.rfind(path + ":" + std::to_string(line) + ":", 0), 0u) << what;
    if (!key.empty()) {
      EXPECT_NE(what.find("key '" + key + "': "), std::string::npos) << what;
    }
  }

  fs::path dir_;
};

// --- defaults and every key ----------------------------------------------------------------------

TEST_F(ConfigTest, MinimalConfigGetsEveryDefault) {
  Config c = load("domains: [example.com]\n");
  EXPECT_EQ(c.sourcePath, (dir_ / "zonewatch.yaml").string());
  EXPECT_EQ(c.database, (fs::current_path() / "zonewatch.sqlite").string());
  EXPECT_EQ(c.interval, seconds(300));
  EXPECT_EQ(c.concurrency, 64u);
  EXPECT_EQ(c.probeThreads, 0u);
  EXPECT_EQ(c.perServerQps, 10.0);
  EXPECT_EQ(c.queryTimeout, milliseconds(1500));
  EXPECT_EQ(c.queryTries, 2);
  EXPECT_EQ(c.observationTimeout, milliseconds(30000));
  EXPECT_FALSE(c.rootHints.has_value());
  EXPECT_FALSE(c.trustAnchors.has_value());
  EXPECT_EQ(c.confirmPolls, 2u);
  EXPECT_EQ(c.failingPolls, 3u);
  EXPECT_EQ(c.signatureWarning, seconds(7 * 86400));
  EXPECT_EQ(c.signatureCritical, seconds(86400));
  EXPECT_EQ(c.retention, seconds(365 * 86400));
  EXPECT_TRUE(c.metrics.enabled);
  EXPECT_EQ(c.metrics.listen, "127.0.0.1:9153");
  EXPECT_TRUE(c.metrics.perDomain);
  EXPECT_TRUE(c.webhooks.empty());
  EXPECT_TRUE(c.ipv4);
  EXPECT_TRUE(c.ipv6);
  EXPECT_EQ(c.logLevel, "info");
  EXPECT_EQ(c.logFormat, "text");
  ASSERT_EQ(c.domains.size(), 1u);
  EXPECT_EQ(c.domains[0].name.toString(), "example.com.");
  EXPECT_EQ(c.domains[0].interval, seconds(300));
  EXPECT_TRUE(c.domains[0].expect.operators.empty());
  EXPECT_TRUE(c.domains[0].expect.dsKeyTags.empty());
  EXPECT_EQ(c.domains[0].source, (dir_ / "zonewatch.yaml").string() + ":1");
}

TEST_F(ConfigTest, DatabaseDefaultsToTheSystemdStateDirectory) {
  ::setenv("STATE_DIRECTORY", "/var/lib/zonewatch:/var/lib/other", 1);
  EXPECT_EQ(load("domains: [example.com]\n").database, "/var/lib/zonewatch/zonewatch.sqlite");
  EXPECT_EQ(load("database: history.db\ndomains: [example.com]\n").database,
            "/var/lib/zonewatch/history.db");
  EXPECT_EQ(load("database: /srv/z.db\ndomains: [example.com]\n").database, "/srv/z.db");
  ::unsetenv("STATE_DIRECTORY");
}

// A libpq URI is kept exactly as written (never made relative to the state directory), and its
// password is read from a file beside the configuration.
TEST_F(ConfigTest, DatabaseMayBeAPostgresUriWithAPasswordFile) {
  ::setenv("STATE_DIRECTORY", "/var/lib/zonewatch", 1);
  const std::string uri = "postgresql://zonewatch@db.example:5432/zonewatch?sslmode=require";
  Config c = load("database: " + uri + "\ndomains: [example.com]\n");
  EXPECT_EQ(c.database, uri);
  EXPECT_FALSE(c.databasePassword.has_value());
  EXPECT_EQ(load("database: postgres://zw@10.0.0.5/z\ndomains: [example.com]\n").database,
            "postgres://zw@10.0.0.5/z");
  ::unsetenv("STATE_DIRECTORY");

  write("db-password", "Pg-Secret-42\r\n");
  c = load("database: " + uri + "\ndatabase_password_file: db-password\ndomains: [example.com]\n");
  ASSERT_TRUE(c.databasePassword.has_value());
  EXPECT_EQ(*c.databasePassword, "Pg-Secret-42");
  const std::string text = describe(c);
  EXPECT_EQ(text.find("Pg-Secret-42"), std::string::npos) << text;
  EXPECT_NE(text.find("database:       " + uri + " (password from database_password_file)"),
            std::string::npos)
      << text;

  // A password written in the URI is not printed either.
  c = load("database: postgresql://zw:In-Uri-Pw@db/z\ndomains: [example.com]\n");
  EXPECT_EQ(describe(c).find("In-Uri-Pw"), std::string::npos);
  EXPECT_NE(describe(c).find("postgresql://zw:***@db/z"), std::string::npos);
}

TEST_F(ConfigTest, DatabaseUriAndPasswordFileErrors) {
  const std::string pg = "database: postgresql://zw@db/z\n";
  expectError("domains: [example.com]\ndatabase: mysql://db/z\n", 2, "database",
              "\"mysql://\" is not a database zonewatch knows");
  expectError(pg + "database_password_file: no-such-file\ndomains: [example.com]\n", 2,
              "database_password_file", "cannot read " + (dir_ / "no-such-file").string());
  write("empty-password", "\n");
  expectError(pg + "database_password_file: empty-password\ndomains: [example.com]\n", 2,
              "database_password_file", "is empty");
  expectError(pg + "database_password_file: \"\"\ndomains: [example.com]\n", 2,
              "database_password_file", "must not be empty");
  write("db-password", "x\n");
  expectError("database: z.sqlite\ndatabase_password_file: db-password\ndomains: [example.com]\n",
              2, "database_password_file", "is for a PostgreSQL database");
}

TEST_F(ConfigTest, EveryKeyIsParsed) {
  write("hints", ".  3600000  NS  A.ROOT-SERVERS.NET.\n");
  write("anchors",
        ". IN DS 20326 8 2 E06D44B80B8F1D39A95C0B0D7C65D08458E880409BBC683457104237C7F8EC8D\n");
  write("secret.txt", "s3cr3t-from-file\n");
  ::setenv("ZONEWATCH_TEST_SECRET", "s3cr3t-from-env", 1);
  Config c = load(R"(database: /srv/zonewatch/state.sqlite
interval: 1h30m
concurrency: 128
probe_threads: 3
per_server_qps: 2.5
query_timeout: 750ms
query_tries: 3
observation_timeout: 1m30s
root_hints: hints
trust_anchors: anchors
domains:
  - example.com
  - name: Example.NET.
    interval: 10m
    expect:
      operators: [NS1.Example-DNS.net, example-dns.org.]
      ds_key_tags: [12345, 0, 65535]
confirm_polls: 3
failing_polls: 5
signature_warning: 2w
signature_critical: 36h
retention: 90d
metrics:
  enabled: false
  listen: "[::1]:9200"
  per_domain: no
webhooks:
  - name: inline
    url: https://hooks.example.net/a/b?token=1
    secret: s3cr3t-inline
    min_severity: critical
    events: [ds_removed, hijack_suspected]
    format: slack
    timeout: 30s
    give_up_after: 2d
    retry_initial: 5s
    retry_max: 10m
  - name: from-file
    url: http://127.0.0.1:8080/hook
    secret_file: secret.txt
    format: alertmanager
  - name: from-env
    url: https://example.org
    secret_env: ZONEWATCH_TEST_SECRET
ip_versions: [6]
log_level: debug
log_format: json
)");
  EXPECT_EQ(c.database, "/srv/zonewatch/state.sqlite");
  EXPECT_EQ(c.interval, seconds(5400));
  EXPECT_EQ(c.concurrency, 128u);
  EXPECT_EQ(c.probeThreads, 3u);
  EXPECT_EQ(probeThreadsFor(c.probeThreads), 3u);
  EXPECT_NE(describe(c).find("concurrency 128 on 3 probe threads, 2.5 per server"),
            std::string::npos)
      << describe(c);
  EXPECT_DOUBLE_EQ(c.perServerQps, 2.5);
  EXPECT_EQ(c.queryTimeout, milliseconds(750));
  EXPECT_EQ(c.queryTries, 3);
  EXPECT_EQ(c.rootHints, (dir_ / "hints").string());
  EXPECT_EQ(c.trustAnchors, (dir_ / "anchors").string());
  ASSERT_EQ(c.domains.size(), 2u);
  EXPECT_EQ(c.domains[0].interval, seconds(5400));  // the global interval
  EXPECT_EQ(c.domains[1].name.toString(), "example.net.");
  EXPECT_EQ(c.domains[1].interval, seconds(600));
  EXPECT_EQ(c.domains[1].expect.operators,
            (std::vector<std::string>{"ns1.example-dns.net.", "example-dns.org."}));
  EXPECT_EQ(c.domains[1].expect.dsKeyTags, (std::vector<uint16_t>{12345, 0, 65535}));
  EXPECT_EQ(c.domains[1].source, (dir_ / "zonewatch.yaml").string() + ":13");
  EXPECT_EQ(c.observationTimeout, milliseconds(90000));
  EXPECT_EQ(c.confirmPolls, 3u);
  EXPECT_EQ(c.failingPolls, 5u);
  EXPECT_EQ(c.signatureWarning, seconds(14 * 86400));
  EXPECT_EQ(c.signatureCritical, seconds(36 * 3600));
  EXPECT_EQ(c.retention, seconds(90 * 86400));
  EXPECT_FALSE(c.metrics.enabled);
  EXPECT_EQ(c.metrics.listen, "[::1]:9200");
  EXPECT_FALSE(c.metrics.perDomain);
  ASSERT_EQ(c.webhooks.size(), 3u);
  const WebhookSpec& a = c.webhooks[0];
  EXPECT_EQ(a.name, "inline");
  EXPECT_EQ(a.url, "https://hooks.example.net/a/b?token=1");
  EXPECT_EQ(a.secret, "s3cr3t-inline");
  EXPECT_EQ(a.minSeverity, model::Severity::kCritical);
  EXPECT_EQ(a.events, (std::vector<model::EventKind>{model::EventKind::kDsRemoved,
                                                     model::EventKind::kHijackSuspected}));
  EXPECT_EQ(a.format, WebhookFormat::kSlack);
  EXPECT_EQ(a.timeout, seconds(30));
  EXPECT_EQ(a.giveUpAfter, seconds(2 * 86400));
  EXPECT_EQ(a.retryInitial, seconds(5));
  EXPECT_EQ(a.retryMax, seconds(600));
  const WebhookSpec& b = c.webhooks[1];
  EXPECT_EQ(b.secret, "s3cr3t-from-file");  // the file's trailing newline is not the secret's
  EXPECT_EQ(b.format, WebhookFormat::kAlertmanager);
  EXPECT_EQ(b.minSeverity, model::Severity::kInfo);
  EXPECT_TRUE(b.events.empty());
  EXPECT_EQ(b.timeout, seconds(10));
  EXPECT_EQ(b.giveUpAfter, seconds(86400));
  EXPECT_EQ(b.retryInitial, seconds(30));  // the defaults: 30 s, doubling, at most an hour
  EXPECT_EQ(b.retryMax, seconds(3600));
  EXPECT_EQ(c.webhooks[2].secret, "s3cr3t-from-env");
  EXPECT_FALSE(c.ipv4);
  EXPECT_TRUE(c.ipv6);
  EXPECT_EQ(c.logLevel, "debug");
  EXPECT_EQ(c.logFormat, "json");
  EXPECT_NE(describe(c).find("log level:      debug (json lines)"), std::string::npos);
  ::unsetenv("ZONEWATCH_TEST_SECRET");
}

TEST(WebhookFormatTest, NamesRoundTrip) {
  EXPECT_EQ(webhookFormatFromString("generic"), WebhookFormat::kGeneric);
  EXPECT_EQ(webhookFormatFromString("slack"), WebhookFormat::kSlack);
  EXPECT_EQ(webhookFormatFromString("alertmanager"), WebhookFormat::kAlertmanager);
  EXPECT_FALSE(webhookFormatFromString("teams").has_value());
  EXPECT_FALSE(webhookFormatFromString("Slack").has_value());
  for (std::string_view name : kWebhookFormatNames) {
    EXPECT_EQ(toString(*webhookFormatFromString(name)), name);
  }
}

TEST_F(ConfigTest, PlainIntegersAreSecondsAndBooleansTakeYamlSpellings) {
  Config c =
      load("interval: 45\nmetrics: {enabled: off, per_domain: Yes}\ndomains: [example.com]\n");
  EXPECT_EQ(c.interval, seconds(45));
  EXPECT_FALSE(c.metrics.enabled);
  EXPECT_TRUE(c.metrics.perDomain);
  EXPECT_EQ(load("query_timeout: 2\ndomains: [example.com]\n").queryTimeout, milliseconds(2000));
}

// delivery_claim: how long a worker holds the outbox items it claimed (PostgreSQL only). It must
// outlast every webhook's timeout, or a delivery still under way when its claim ends is sent again
// by another worker; the error names the key that was written.
TEST_F(ConfigTest, DeliveryClaimIsForPostgresAndOutlastsEveryWebhookTimeout) {
  const std::string pg = "database: postgresql://zw@db/z\ndomains: [example.com]\n";
  const std::string hooks =
      "webhooks:\n"
      "  - {name: fast, url: \"http://127.0.0.1:1/a\", timeout: 5s}\n"
      "  - name: slow\n"
      "    url: http://127.0.0.1:1/b\n"
      "    timeout: 1m\n";
  EXPECT_EQ(load(pg).deliveryClaim, seconds(300));
  EXPECT_EQ(load("domains: [example.com]\n").deliveryClaim, seconds(300));
  Config c = load(pg + "delivery_claim: 90s\n" + hooks);
  EXPECT_EQ(c.deliveryClaim, seconds(90));
  EXPECT_NE(describe(c).find("webhooks:       2 (a worker claims a delivery for 1m30s)"),
            std::string::npos)
      << describe(c);
  EXPECT_EQ(load(pg + "delivery_claim: 61s\n" + hooks).deliveryClaim, seconds(61));

  // Line 3: delivery_claim; the slow webhook's timeout (1m) is the one it must exceed.
  expectError(pg + "delivery_claim: 1m\n" + hooks, 3, "delivery_claim",
              "must be longer than the timeout of webhook \"slow\" (1m, webhooks[1].timeout)");
  expectError(pg + "delivery_claim: 30s\n" + hooks, 3, "delivery_claim", "\"slow\" (1m");
  expectError(pg + "delivery_claim: 0s\n", 3, "delivery_claim", "must be more than 0");
  expectError(pg + "delivery_claim: 1500ms\n", 3, "delivery_claim", "must be whole seconds");
  expectError(pg + "delivery_claim: soon\n", 3, "delivery_claim", "");
  // Left at its default (5m): a webhook timeout of 5m is the key at fault (line 6).
  expectError(pg + "webhooks:\n  - name: slow\n    url: http://127.0.0.1:1/b\n    timeout: 5m\n", 6,
              "webhooks[0].timeout", "must be shorter than delivery_claim (5m by default)");
  EXPECT_EQ(load(pg + "webhooks:\n  - {name: s, url: \"http://127.0.0.1:1/b\", timeout: 299s}\n")
                .webhooks[0]
                .timeout,
            seconds(299));
  // SQLite has one deliverer and no claims: the key is refused, a long timeout is fine.
  expectError("database: z.sqlite\ndelivery_claim: 5m\ndomains: [example.com]\n", 2,
              "delivery_claim", "is for a PostgreSQL database");
  EXPECT_EQ(load("domains: [example.com]\nwebhooks:\n  - {name: s, url: \"http://127.0.0.1:1/b\", "
                 "timeout: 5m}\n")
                .webhooks[0]
                .timeout,
            seconds(300));
}

TEST_F(ConfigTest, ObservationTimeoutBounds) {
  const std::string base = "domains: [example.com]\n";
  EXPECT_EQ(load(base + "observation_timeout: 1s\n").observationTimeout, milliseconds(1000));
  EXPECT_EQ(load(base + "observation_timeout: 10m\n").observationTimeout, milliseconds(600000));
  EXPECT_EQ(load(base + "observation_timeout: 2500ms\n").observationTimeout, milliseconds(2500));
  EXPECT_EQ(load(base + "observation_timeout: 45\n").observationTimeout, milliseconds(45000));
  EXPECT_EQ(load(base + "failing_polls: 1\n").failingPolls, 1u);
  EXPECT_NE(describe(load(base + "observation_timeout: 45s\nfailing_polls: 4\n"))
                .find("observations:   at most 45s each; observation_failing after 4 failed in a "
                      "row"),
            std::string::npos);
}

TEST_F(ConfigTest, WebhooksMaySubscribeToTheObservationEvents) {
  Config c = load(
      "domains: [example.com]\nwebhooks:\n  - name: a\n    url: https://a.example\n"
      "    events: [observation_failing, observation_recovered]\n");
  EXPECT_EQ(c.webhooks[0].events,
            (std::vector<model::EventKind>{model::EventKind::kObservationFailing,
                                           model::EventKind::kObservationRecovered}));
}

// A short signature_warning alone takes signature_critical down with it: the default (1d) would
// otherwise be critical before it warns.
TEST_F(ConfigTest, SignatureCriticalIsNeverLongerThanSignatureWarning) {
  Config c = load("domains: [example.com]\nsignature_warning: 12h\n");
  EXPECT_EQ(c.signatureWarning, seconds(12 * 3600));
  EXPECT_EQ(c.signatureCritical, seconds(12 * 3600));
  c = load("domains: [example.com]\nsignature_warning: 12h\nsignature_critical: 2h\n");
  EXPECT_EQ(c.signatureCritical, seconds(2 * 3600));
}

TEST_F(ConfigTest, AWebhookAcceptsItsKindsAtItsSeverity) {
  WebhookSpec w;
  model::Event e;
  e.kind = model::EventKind::kDsRemoved;
  e.severity = model::Severity::kWarning;
  EXPECT_TRUE(w.accepts(e));  // the defaults: every kind, from info up
  w.minSeverity = model::Severity::kCritical;
  EXPECT_FALSE(w.accepts(e));
  e.severity = model::Severity::kCritical;
  EXPECT_TRUE(w.accepts(e));
  w.events = {model::EventKind::kHijackSuspected};
  EXPECT_FALSE(w.accepts(e));
  w.events.push_back(model::EventKind::kDsRemoved);
  EXPECT_TRUE(w.accepts(e));
}

TEST_F(ConfigTest, ParseConfigTakesRelativePathsFromTheSourceNamesDirectory) {
  write("list.txt", "example.com\n");
  Config c = parseConfig("domains_file: list.txt\n", (dir_ / "virtual.yaml").string());
  ASSERT_EQ(c.domains.size(), 1u);
  EXPECT_EQ(c.domains[0].source, (dir_ / "list.txt").string() + ":1");
  EXPECT_EQ(c.sourcePath, (dir_ / "virtual.yaml").string());
}

// --- domains, domains_file, IDN, duplicates ----------------------------------------------------

TEST_F(ConfigTest, InternationalizedDomainsBecomeLowercaseALabels) {
  Config c = load("domains:\n  - bücher.example\n  - name: BÜCHER.de\n  - WWW.Example.COM.\n");
  ASSERT_EQ(c.domains.size(), 3u);
  EXPECT_EQ(c.domains[0].name.toString(), "xn--bcher-kva.example.");
  EXPECT_EQ(c.domains[0].name.toUnicode(), "bücher.example.");
  EXPECT_EQ(c.domains[1].name.toString(), "xn--bcher-kva.de.");
  EXPECT_EQ(c.domains[2].name.toString(), "www.example.com.");
}

TEST_F(ConfigTest, DomainsFileSkipsCommentsAndBlankLinesAndKeepsLineNumbers) {
  write("portfolio.txt",
        "# the portfolio\n"
        "\n"
        "example.com   # main site\n"
        "   example.net\r\n"
        "\t\n"
        "bücher.example\n"
        "example.org");  // no final newline
  Config c = load("domains: [example.info]\ndomains_file: portfolio.txt\n");
  ASSERT_EQ(c.domains.size(), 5u);
  std::string file = (dir_ / "portfolio.txt").string();
  EXPECT_EQ(c.domains[0].name.toString(), "example.info.");
  EXPECT_EQ(c.domains[1].name.toString(), "example.com.");
  EXPECT_EQ(c.domains[1].source, file + ":3");
  EXPECT_EQ(c.domains[2].name.toString(), "example.net.");
  EXPECT_EQ(c.domains[2].source, file + ":4");
  EXPECT_EQ(c.domains[3].name.toString(), "xn--bcher-kva.example.");
  EXPECT_EQ(c.domains[3].source, file + ":6");
  EXPECT_EQ(c.domains[4].source, file + ":7");
}

TEST_F(ConfigTest, DomainsFileOfOneHundredThousandLinesLoads) {
  std::string text;
  text.reserve(100'001 * 24);
  text += "# generated portfolio\n";
  for (int i = 0; i < 100'000; ++i) {
    text += "domain-" + std::to_string(i) + ".example\n";
    if (i % 1000 == 0) text += "# block " + std::to_string(i) + "\n\n";
  }
  write("big.txt", text);
  Config c = load("domains_file: big.txt\n");
  ASSERT_EQ(c.domains.size(), 100'000u);
  EXPECT_EQ(c.domains.front().name.toString(), "domain-0.example.");
  EXPECT_EQ(c.domains.back().name.toString(), "domain-99999.example.");
  // 1 header line, 100,000 names and 2 lines for each of the 100 blocks before the last name.
  EXPECT_EQ(c.domains.back().source,
            (dir_ / "big.txt").string() + ":" + std::to_string(1 + 100'000 + 200));
}

TEST_F(ConfigTest, DuplicateDomainInTheListNamesBothPositions) {
  expectError("domains:\n  - example.com\n  - example.net\n  - EXAMPLE.com.\n", 4, "domains[2]",
              "first at " + (dir_ / "zonewatch.yaml").string() + ":2");
  expectError("domains:\n  - example.com\n  - name: example.com\n    interval: 1m\n", 3,
              "domains[1].name", "duplicate domain example.com.");
}

TEST_F(ConfigTest, DuplicateDomainAcrossListAndFileNamesBothFiles) {
  write("list.txt", "# comment\nexample.org\n\nExample.COM\n");
  std::string list = (dir_ / "list.txt").string();
  auto error = errorOf("domains:\n  - example.com\ndomains_file: list.txt\n");
  ASSERT_TRUE(error.has_value());
  EXPECT_EQ(error->file(), list);
  EXPECT_EQ(error->line(), 4u);
  EXPECT_EQ(error->key(), "domains_file");
  EXPECT_NE(
      std::string(error->what()).find("first at " + (dir_ / "zonewatch.yaml").string() + ":2"),
      std::string::npos)
      << error->what();
  EXPECT_EQ(std::string(error->what()).rfind(list + ":4:1: key 'domains_file': ", 0), 0u);
}

TEST_F(ConfigTest, DuplicateDomainWithinTheFile) {
  write("list.txt", "example.org\nexample.net\nexample.org\n");
  expectError("domains_file: list.txt\n", 3, "domains_file",
              "first at " + (dir_ / "list.txt").string() + ":1", "list.txt");
}

TEST_F(ConfigTest, BadDomainsFileLinesNameThatFileAndLine) {
  write("list.txt", "example.org\n\n  bad..name\n");
  expectError("domains_file: list.txt\n", 3, "domains_file", "empty label", "list.txt");
  write("list.txt", "example.org\nexample.net extra\n");
  expectError("domains_file: list.txt\n", 2, "domains_file", "one domain per line", "list.txt");
  write("list.txt", "# nothing but comments\n\n");
  expectError("domains_file: list.txt\n", 1, "domains_file", "lists no domain");
}

TEST_F(ConfigTest, MissingDomainsFileIsReportedAtItsKey) {
  expectError("interval: 5m\ndomains_file: nowhere.txt\n", 2, "domains_file", "cannot read");
}

TEST_F(ConfigTest, InvalidDomainNames) {
  expectError("domains:\n  - example.com\n  - \"exa mple.com\"\n", 3, "domains[1]",
              "not a domain name");
  expectError("domains:\n  - name: '*.example.com'\n", 2, "domains[0].name", "not a domain name");
  expectError("domains: ['.']\n", 1, "domains[0]", "root");
  expectError("domains:\n  - interval: 5m\n", 2, "domains[0].name", "is required");
  expectError("domains:\n  - [example.com]\n", 2, "domains[0]", "not a list");
}

TEST_F(ConfigTest, NoDomainIsAnError) {
  expectError("interval: 5m\n", 1, "domains", "no domain to watch");
  expectError("interval: 5m\ndomains: []\n", 2, "domains", "no domain to watch");
}

TEST_F(ConfigTest, DomainExpectations) {
  expectError("domains:\n  - name: example.com\n    expect:\n      ds_key_tags: [1, 70000]\n", 4,
              "domains[0].expect.ds_key_tags[1]", "0..65535");
  expectError("domains:\n  - name: example.com\n    expect:\n      ds_key_tags: [1, 1]\n", 4,
              "domains[0].expect.ds_key_tags[1]", "listed twice");
  expectError("domains:\n  - name: example.com\n    expect:\n      operators: [\"a b\"]\n", 4,
              "domains[0].expect.operators[0]", "not a domain name");
  expectError("domains:\n  - name: example.com\n    expect:\n      operator: [x.net]\n", 4,
              "domains[0].expect.operator", "did you mean 'operators'?");
  expectError("domains:\n  - name: example.com\n    expect: [x.net]\n", 3, "domains[0].expect",
              "must be a map");
}

// --- unknown keys, types, YAML ------------------------------------------------------------------

TEST_F(ConfigTest, UnknownKeysSuggestTheClosestKnownOne) {
  expectError("domains: [example.com]\nintreval: 5m\n", 2, "intreval", "did you mean 'interval'?");
  expectError("domains: [example.com]\nmetrics:\n  listn: 127.0.0.1:1\n", 3, "metrics.listn",
              "did you mean 'listen'?");
  expectError("domains:\n  - example.com\n  - name: example.net\n    intervall: 5m\n", 4,
              "domains[1].intervall", "did you mean 'interval'?");
  expectError(
      "domains: [example.com]\nwebhooks:\n  - name: a\n    url: https://x.example\n    secrte: x\n",
      5, "webhooks[0].secrte", "did you mean 'secret'?");
  auto error = errorOf("domains: [example.com]\ncompletely_unrelated: 1\n");
  ASSERT_TRUE(error.has_value());
  EXPECT_EQ(error->reason(), "unknown key");
}

TEST_F(ConfigTest, WrongTypesAreErrors) {
  expectError("domains: [example.com]\ninterval: [1]\n", 2, "interval", "not a list");
  expectError("domains: [example.com]\nconcurrency: {a: 1}\n", 2, "concurrency", "not a map");
  expectError("domains: example.com\n", 1, "domains", "must be a list");
  expectError("domains: [example.com]\nip_versions: 4\n", 2, "ip_versions", "must be a list");
  expectError("domains: [example.com]\nmetrics: true\n", 2, "metrics", "must be a map");
  expectError("domains: [example.com]\nwebhooks:\n  - https://x.example\n", 3, "webhooks[0]",
              "must be a map");
  expectError("domains: [example.com]\ndatabase:\n", 2, "database", "has no value");
  expectError(
      "domains: [example.com]\nwebhooks:\n  - name: a\n    url: https://x.example\n    events: "
      "[[a]]\n",
      5, "webhooks[0].events[0]", "not a list");
}

TEST_F(ConfigTest, DuplicateKeysAreErrors) {
  expectError("interval: 5m\ndomains: [example.com]\ninterval: 10m\n", 3, "interval", "first at");
}

TEST_F(ConfigTest, YamlSyntaxErrorsCarryTheirPosition) {
  // yaml-cpp notices the unclosed flow list at the next key.
  expectError("domains: [example.com\ninterval: 5m\n", 2, "", "invalid YAML");
  expectError("domains:\n  - example.com\n bad: indent\n", 3, "", "invalid YAML");
}

// Found by config_fuzzer: yaml-cpp 0.7's LoadAll never returns on a ',' outside a flow collection
// (its issue #1040); it piled up empty documents until memory ran out. A clear error instead.
TEST_F(ConfigTest, StrayFlowEntryIsAnErrorNotAHang) {
  expectError("\n,\n", 2, "", "invalid YAML");
  expectError(",", 1, "", "invalid YAML");
  expectError("# portfolio\n, domains: [example.com]\n", 2, "", "invalid YAML");
}

TEST_F(ConfigTest, DocumentShape) {
  expectError("", 1, "", "empty");
  expectError("# only a comment\n", 1, "", "empty");
  expectError("- example.com\n", 1, "", "must be a map");
  expectError("domains: [example.com]\n---\ndomains: [example.net]\n", 1, "", "2 YAML documents");
}

TEST_F(ConfigTest, UnreadableConfigFile) {
  std::string path = (dir_ / "absent.yaml").string();
  try {
    loadConfig(path);
    FAIL() << "no error";
  } catch (const ConfigError& e) {
    EXPECT_EQ(e.file(), path);
    EXPECT_EQ(e.line(), 0u);
    EXPECT_EQ(std::string(e.what()), path + ": cannot read: No such file or directory");
  }
}

// --- scalar values
// ---------------------------------------------------------------------------------

TEST_F(ConfigTest, DurationErrors) {
  const std::string base = "domains: [example.com]\n";
  expectError(base + "interval: 5x\n", 2, "interval", "unknown unit");
  expectError(base + "interval: -5m\n", 2, "interval", "negative");
  expectError(base + "interval: 0\n", 2, "interval", "at least 30s");
  expectError(base + "interval: 10s\n", 2, "interval", "at least 30s");
  expectError(base + "interval: 1.5h\n", 2, "interval", "fraction");
  expectError(base + "interval: soon\n", 2, "interval", "not a duration");
  expectError(base + "interval: 30m1h\n", 2, "interval", "smaller one before a larger");
  expectError(base + "interval: 90500ms\n", 2, "interval", "whole seconds");
  expectError(base + "signature_warning: 0s\n", 2, "signature_warning", "more than 0");
  expectError(base + "signature_critical: 0s\n", 2, "signature_critical", "more than 0");
  expectError(base + "signature_warning: 2d\nsignature_critical: 3d\n", 3, "signature_critical",
              "is longer than signature_warning (2d)");
  expectError(base + "retention: 1h\n", 2, "retention", "at least 1d");
  expectError(base + "query_timeout: 0ms\n", 2, "query_timeout", "more than 0");
  expectError(base + "query_timeout: 2m\n", 2, "query_timeout", "at most 1m");
  expectError(base + "observation_timeout: 999ms\n", 2, "observation_timeout", "at least 1s");
  expectError(base + "observation_timeout: 0\n", 2, "observation_timeout", "at least 1s");
  expectError(base + "observation_timeout: 10m1s\n", 2, "observation_timeout", "at most 10m");
  expectError(base + "observation_timeout: soon\n", 2, "observation_timeout", "not a duration");
  expectError(base + "observation_timeout: [30s]\n", 2, "observation_timeout", "");
  expectError(base + "interval: 99999999999w\n", 2, "interval", "over 100 years");
}

TEST_F(ConfigTest, PerDomainIntervalErrorNamesTheListIndex) {
  expectError(R"(domains:
  - example.com
  - example.net
  - name: example.org
  - name: example.info
    interval: 5s
)",
              6, "domains[3].interval", "at least 30s");
}

TEST_F(ConfigTest, NumberErrors) {
  const std::string base = "domains: [example.com]\n";
  expectError(base + "concurrency: 0\n", 2, "concurrency", "1..4096");
  expectError(base + "concurrency: 4097\n", 2, "concurrency", "1..4096");
  expectError(base + "concurrency: -1\n", 2, "concurrency", "negative");
  expectError(base + "concurrency: 1.5\n", 2, "concurrency", "whole number");
  expectError(base + "probe_threads: 65\n", 2, "probe_threads", "0..64");
  expectError(base + "probe_threads: -1\n", 2, "probe_threads", "negative");
  expectError(base + "per_server_qps: 0\n", 2, "per_server_qps", "more than 0");
  expectError(base + "per_server_qps: -3\n", 2, "per_server_qps", "more than 0");
  expectError(base + "per_server_qps: lots\n", 2, "per_server_qps", "not a number");
  expectError(base + "per_server_qps: .inf\n", 2, "per_server_qps", "not a number");
  expectError(base + "query_tries: 0\n", 2, "query_tries", "1..10");
  expectError(base + "confirm_polls: 0\n", 2, "confirm_polls", "1..100");
  expectError(base + "failing_polls: 0\n", 2, "failing_polls", "1..100");
  expectError(base + "failing_polls: 101\n", 2, "failing_polls", "1..100");
  expectError(base + "failing_polls: three\n", 2, "failing_polls", "");
  EXPECT_EQ(load(base).maxSnapshotsPerHour, 4u);
  EXPECT_EQ(load(base + "max_snapshots_per_hour: 0\n").maxSnapshotsPerHour, 0u);
  EXPECT_EQ(load(base + "max_snapshots_per_hour: 60\n").maxSnapshotsPerHour, 60u);
  EXPECT_NE(describe(load(base + "max_snapshots_per_hour: 0\n")).find("no limit on snapshots"),
            std::string::npos);
  EXPECT_NE(describe(load(base)).find("flapping past 4 snapshots a domain an hour"),
            std::string::npos);
  expectError(base + "max_snapshots_per_hour: 61\n", 2, "max_snapshots_per_hour", "0..60");
  expectError(base + "max_snapshots_per_hour: -1\n", 2, "max_snapshots_per_hour", "");
  EXPECT_EQ(load(base + "concurrency: 4096\n").concurrency, 4096u);
  EXPECT_EQ(load(base + "concurrency: 1\n").concurrency, 1u);
}

TEST_F(ConfigTest, EnumAndListErrors) {
  const std::string base = "domains: [example.com]\n";
  expectError(base + "log_level: verbose\n", 2, "log_level",
              "not one of debug, info, warning, error");
  expectError(base + "log_level: warnng\n", 2, "log_level", "did you mean 'warning'?");
  expectError(base + "log_format: xml\n", 2, "log_format", "\"xml\" is not one of text, json");
  expectError(base + "log_format: jsno\n", 2, "log_format", "did you mean 'json'?");
  expectError(base + "ip_versions: [4, 5]\n", 2, "ip_versions[1]", "not an IP version");
  expectError(base + "ip_versions: [4, 4]\n", 2, "ip_versions[1]", "twice");
  expectError(base + "ip_versions: []\n", 2, "ip_versions", "4, 6 or both");
  expectError(base + "metrics:\n  enabled: maybe\n", 3, "metrics.enabled", "not a boolean");
}

// The timeline page (issue 17): on by default, served where metrics are.
TEST_F(ConfigTest, WebPageKey) {
  const std::string base = "domains: [example.com]\n";
  EXPECT_TRUE(load(base).web.enabled);
  EXPECT_FALSE(load(base + "web: {enabled: false}\n").web.enabled);
  EXPECT_TRUE(load(base + "web:\n  enabled: yes\n").web.enabled);
  expectError(base + "web:\n  enabled: maybe\n", 3, "web.enabled", "not a boolean");
  expectError(base + "web:\n  listen: 127.0.0.1:1\n", 3, "web.listen", "unknown key");
  expectError(base + "web: true\n", 2, "web", "must be a map");
}

TEST_F(ConfigTest, MetricsListenIsValidated) {
  const std::string base = "domains: [example.com]\nmetrics:\n  listen: ";
  expectError(base + "127.0.0.1\n", 3, "metrics.listen", "no port");
  expectError(base + "127.0.0.1:0\n", 3, "metrics.listen", "1..65535");
  expectError(base + "127.0.0.1:70000\n", 3, "metrics.listen", "1..65535");
  expectError(base + "\"::1:9153\"\n", 3, "metrics.listen", "brackets");
  expectError(base + "\"[::g]:9153\"\n", 3, "metrics.listen", "not an IPv6 address");
  expectError(base + "999.1.1.1:9153\n", 3, "metrics.listen", "neither an IPv4 address");
  expectError(base + "\":9153\"\n", 3, "metrics.listen", "no host");
  EXPECT_EQ(load(base + "localhost:9100\n").metrics.listen, "localhost:9100");
  EXPECT_EQ(load(base + "0.0.0.0:9100\n").metrics.listen, "0.0.0.0:9100");
}

TEST_F(ConfigTest, FilePathsMustBeReadable) {
  const std::string base = "domains: [example.com]\n";
  expectError(base + "root_hints: missing.hints\n", 2, "root_hints", "cannot read");
  fs::create_directory(dir_ / "adir");
  expectError(base + "trust_anchors: adir\n", 2, "trust_anchors", "is a directory");
}

// --- webhooks
// --------------------------------------------------------------------------------------

TEST_F(ConfigTest, WebhookErrors) {
  const std::string base = "domains: [example.com]\nwebhooks:\n  - name: ops\n";
  expectError(base + "    url: ftp://x.example/\n", 4, "webhooks[0].url", "http:// or https://");
  expectError(base + "    url: https://\n", 4, "webhooks[0].url", "no host");
  expectError(base + "    url: \"https://x.example/a b\"\n", 4, "webhooks[0].url", "spaces");
  expectError(base + "    url: https://x.example:99999/\n", 4, "webhooks[0].url", "1..65535");
  expectError(base + "    min_severity: high\n    url: https://x.example\n", 4,
              "webhooks[0].min_severity", "not one of info, warning, critical");
  expectError(base + "    url: https://x.example\n    format: teams\n", 5, "webhooks[0].format",
              "not one of generic, slack, alertmanager");
  expectError(base + "    url: https://x.example\n    events: [ds_added, ds_remvoed]\n", 5,
              "webhooks[0].events[1]", "did you mean 'ds_removed'?");
  expectError(base + "    url: https://x.example\n    events: [made_up_event]\n", 5,
              "webhooks[0].events[0]", "not an event name");
  expectError(base + "    url: https://x.example\n    events: []\n", 5, "webhooks[0].events",
              "leave `events` out");
  expectError(base + "    url: https://x.example\n    timeout: 0\n", 5, "webhooks[0].timeout",
              "more than 0");
  expectError(base + "    url: https://x.example\n    timeout: 1m\n    give_up_after: 30s\n", 6,
              "webhooks[0].give_up_after", "at least the timeout");
  expectError(base + "    url: https://x.example\n    retry_initial: 0\n", 5,
              "webhooks[0].retry_initial", "more than 0");
  expectError(base + "    url: https://x.example\n    retry_initial: 1500ms\n", 5,
              "webhooks[0].retry_initial", "whole seconds");
  expectError(base + "    url: https://x.example\n    retry_max: soon\n", 5,
              "webhooks[0].retry_max", "not a duration");
  expectError(base + "    url: https://x.example\n    retry_initial: 1m\n    retry_max: 30s\n", 6,
              "webhooks[0].retry_max", "at least retry_initial (1m)");
  // Only retry_initial given: it is the one that conflicts with the default retry_max.
  expectError(base + "    url: https://x.example\n    retry_initial: 2h\n", 5,
              "webhooks[0].retry_initial", "at most retry_max (1h)");
  expectError(base + "    url: https://x.example\n    retry_max: 10s\n", 5, "webhooks[0].retry_max",
              "at least retry_initial (30s)");
  expectError(base + "    url: https://x.example\n    retry_intial: 1s\n", 5,
              "webhooks[0].retry_intial", "did you mean 'retry_initial'?");
  expectError(base, 3, "webhooks[0].url", "is required");
  expectError(
      base + "    url: https://x.example\n  - name: ops\n    url: https://y.example\n", 5,
      "webhooks[1].name",
      "duplicate webhook name \"ops\" (first at " + (dir_ / "zonewatch.yaml").string() + ":3)");
}

// A webhook without `name` is named after its URL's host; a second one to the same host needs a
// name of its own (numbering them by position would move pending alerts when the list is edited).
TEST_F(ConfigTest, AWebhookNameDefaultsToTheUrlsHost) {
  Config c = load(
      "domains: [example.com]\nwebhooks:\n  - url: https://Hooks.Example.net:8443/x?t=1\n"
      "  - url: http://[::1]:9000/hook\n  - name: second\n    url: https://hooks.example.net/y\n");
  ASSERT_EQ(c.webhooks.size(), 3u);
  EXPECT_EQ(c.webhooks[0].name, "hooks.example.net");
  EXPECT_EQ(c.webhooks[1].name, "::1");
  EXPECT_EQ(c.webhooks[2].name, "second");

  const std::string base = "domains: [example.com]\nwebhooks:\n  - url: https://a.example/1\n";
  expectError(base + "  - url: https://A.example/2\n", 4, "webhooks[1].name",
              "is required here: without it the name would be the URL's host \"a.example\", "
              "already the name of the webhook at " +
                  (dir_ / "zonewatch.yaml").string() + ":3");
  expectError(base + "  - name: a.example\n    url: https://b.example\n", 4, "webhooks[1].name",
              "duplicate webhook name \"a.example\" (first at " +
                  (dir_ / "zonewatch.yaml").string() + ":3)");
}

TEST_F(ConfigTest, WebhookHeadersAndBearerToken) {
  write("token", "tok.EN-42_~+/=\n");
  Config c = load(
      "domains: [example.com]\nwebhooks:\n  - url: https://x.example\n"
      "    bearer_token_file: token\n"
      "    headers:\n      X-Tenant: acme corp\n      X-Api-Key: \"k3y-value\"\n");
  const WebhookSpec& hook = c.webhooks[0];
  EXPECT_EQ(hook.bearerToken, "tok.EN-42_~+/=");  // the file's trailing newline cut
  EXPECT_EQ(hook.headers,
            (std::vector<HttpHeaderSpec>{{"X-Tenant", "acme corp"}, {"X-Api-Key", "k3y-value"}}));
  // Neither the token nor a header's value is ever printed; the header names are.
  const std::string text = describe(c);
  EXPECT_EQ(text.find("tok.EN"), std::string::npos) << text;
  EXPECT_EQ(text.find("k3y-value"), std::string::npos) << text;
  EXPECT_EQ(text.find("acme"), std::string::npos) << text;
  EXPECT_NE(text.find("headers X-Tenant,X-Api-Key, bearer token <redacted>"), std::string::npos)
      << text;
  // An Authorization header of another scheme may be given instead of a bearer token.
  c = load(
      "domains: [example.com]\nwebhooks:\n  - url: https://x.example\n"
      "    headers: {Authorization: Basic dXNlcjpwdw==}\n");
  EXPECT_EQ(c.webhooks[0].headers.at(0).value, "Basic dXNlcjpwdw==");
  EXPECT_TRUE(c.webhooks[0].bearerToken.empty());
}

TEST_F(ConfigTest, WebhookHeaderErrors) {
  const std::string base =
      "domains: [example.com]\nwebhooks:\n  - url: https://x.example\n    headers:\n";
  expectError(base + "      Content-Type: text/plain\n", 5, "webhooks[0].headers.Content-Type",
              "zonewatch sets Content-Type itself");
  expectError(base + "      x-zonewatch-signature: sha256=00\n", 5,
              "webhooks[0].headers.x-zonewatch-signature", "cannot be replaced");
  expectError(base + "      X-Zonewatch-Anything: 1\n", 5,
              "webhooks[0].headers.X-Zonewatch-Anything", "cannot be replaced");
  expectError(base + "      Host: evil.example\n", 5, "webhooks[0].headers.Host", "itself");
  expectError(base + "      \"X Bad\": 1\n", 5, "webhooks[0].headers.X Bad", "RFC 9110");
  expectError(base + "      \"X-Bad:\": 1\n", 5, "webhooks[0].headers.X-Bad:", "RFC 9110");
  // A line break in a value would start a header (or a body) of its own.
  expectError(base + "      X-Inject: \"a\\r\\nX-Other: b\"\n", 5, "webhooks[0].headers.X-Inject",
              "line break");
  expectError(base + "      X-Inject: \"a\\nb\"\n", 5, "webhooks[0].headers.X-Inject",
              "line break");
  expectError(base + "      X-Nul: \"a\\x01b\"\n", 5, "webhooks[0].headers.X-Nul",
              "control characters");
  expectError(base + "      X-Empty: \"\"\n", 5, "webhooks[0].headers.X-Empty",
              "must not be empty");
  expectError(base + "      X-One: a\n      x-one: b\n", 6, "webhooks[0].headers.x-one",
              "given twice");
  expectError(base + "      X-One: a\n      X-One: b\n", 6, "webhooks[0].headers.X-One",
              "duplicate key");
  expectError(base + "      X-List: [a, b]\n", 5, "webhooks[0].headers.X-List",
              "must be a single value");
  expectError("domains: [example.com]\nwebhooks:\n  - url: https://x.example\n    headers: [a]\n",
              4, "webhooks[0].headers", "must be a map");
  write("token", "t\n");
  expectError(base + "      Authorization: Bearer x\n    bearer_token_file: token\n", 5,
              "webhooks[0].headers.Authorization", "not both");
}

TEST_F(ConfigTest, BearerTokenFileErrors) {
  const std::string base =
      "domains: [example.com]\nwebhooks:\n  - url: https://x.example\n    bearer_token_file: ";
  expectError(base + "missing-token\n", 4, "webhooks[0].bearer_token_file",
              "cannot read " + (dir_ / "missing-token").string());
  write("empty-token", "\r\n");
  expectError(base + "empty-token\n", 4, "webhooks[0].bearer_token_file", "is empty");
  write("two-lines", "secret-part-one\nsecret-part-two\n");
  expectError(base + "two-lines\n", 4, "webhooks[0].bearer_token_file", "one word on one line");
  auto error = errorOf(base + "two-lines\n");
  ASSERT_TRUE(error.has_value());
  EXPECT_EQ(std::string(error->what()).find("secret-part"), std::string::npos) << error->what();
  expectError(base + "\"\"\n", 4, "webhooks[0].bearer_token_file", "must not be empty");
}

TEST_F(ConfigTest, WebhookSecretSources) {
  const std::string base =
      "domains: [example.com]\nwebhooks:\n  - name: ops\n    url: https://x.example\n";
  expectError(base + "    secret_file: no-such-secret\n", 5, "webhooks[0].secret_file",
              "cannot read");
  write("empty-secret", "\n\n");
  expectError(base + "    secret_file: empty-secret\n", 5, "webhooks[0].secret_file", "is empty");
  // A path naming an endless file is an error after kMaxFileBytes, not a start-up that eats memory.
  expectError(base + "    secret_file: /dev/zero\n", 5, "webhooks[0].secret_file",
              "larger than 64 MiB");
  expectError("domains_file: /dev/zero\n", 1, "domains_file", "larger than 64 MiB");
  ::unsetenv("ZONEWATCH_TEST_UNSET_SECRET");
  expectError(base + "    secret_env: ZONEWATCH_TEST_UNSET_SECRET\n", 5, "webhooks[0].secret_env",
              "ZONEWATCH_TEST_UNSET_SECRET is not set");
  ::setenv("ZONEWATCH_TEST_EMPTY_SECRET", "", 1);
  expectError(base + "    secret_env: ZONEWATCH_TEST_EMPTY_SECRET\n", 5, "webhooks[0].secret_env",
              "is empty");
  ::unsetenv("ZONEWATCH_TEST_EMPTY_SECRET");
  expectError(base + "    secret: a\n    secret_env: HOME\n", 6, "webhooks[0].secret_env",
              "only one of secret, secret_file and secret_env");
  expectError(base + "    secret: \"\"\n", 5, "webhooks[0].secret", "must not be empty");
  EXPECT_TRUE(load(base).webhooks[0].secret.empty());
}

// --- validation caps
// ------------------------------------------------------------------------------

void expectLimits(const model::ValidationLimits& got, const model::ValidationLimits& want) {
  EXPECT_EQ(got.maxKeysPerSignature, want.maxKeysPerSignature);
  EXPECT_EQ(got.maxSignaturesPerRRset, want.maxSignaturesPerRRset);
  EXPECT_EQ(got.maxVerifications, want.maxVerifications);
  EXPECT_EQ(got.maxNsec3Hashes, want.maxNsec3Hashes);
  EXPECT_EQ(got.maxNsec3Iterations, want.maxNsec3Iterations);
}

TEST_F(ConfigTest, ValidationCapsDefaultToTheLibrarysLimits) {
  expectLimits(load("domains: [example.com]\n").validation, model::ValidationLimits{});
  // An empty map is allowed too and changes nothing.
  expectLimits(load("domains: [example.com]\nvalidation: {}\n").validation,
               model::ValidationLimits{});
}

TEST_F(ConfigTest, ValidationCapsAreParsed) {
  Config c = load(R"(domains: [example.com]
validation:
  max_keys_per_signature: 2
  max_signatures_per_rrset: 16
  max_verifications: 100
  max_nsec3_hashes: 64
  max_nsec3_iterations: 0
)");
  model::ValidationLimits want;
  want.maxKeysPerSignature = 2;
  want.maxSignaturesPerRRset = 16;
  want.maxVerifications = 100;
  want.maxNsec3Hashes = 64;
  want.maxNsec3Iterations = 0;
  expectLimits(c.validation, want);
  // One key alone leaves the others at their defaults.
  Config one = load("domains: [example.com]\nvalidation:\n  max_nsec3_iterations: 2500\n");
  want = {};
  want.maxNsec3Iterations = 2500;
  expectLimits(one.validation, want);
  EXPECT_NE(describe(c).find("at most 2 keys per RRSIG, 16 RRSIGs per RRset, 100 verifications "
                             "and 64 NSEC3 hashes per validation; over 0 NSEC3 iterations"),
            std::string::npos)
      << describe(c);
}

TEST_F(ConfigTest, ValidationCapErrorsNameFileLineAndKey) {
  const std::string base = "domains: [example.com]\nvalidation:\n";
  expectError(base + "  max_keys_per_signature: 0\n", 3, "validation.max_keys_per_signature",
              "1..64");
  expectError(base + "  max_keys_per_signature: 65\n", 3, "validation.max_keys_per_signature",
              "1..64");
  expectError(base + "  max_signatures_per_rrset: 0\n", 3, "validation.max_signatures_per_rrset",
              "1..64");
  expectError(base + "  max_verifications: 0\n", 3, "validation.max_verifications", "1..1024");
  expectError(base + "  max_verifications: 1025\n", 3, "validation.max_verifications", "1..1024");
  expectError(base + "  max_nsec3_hashes: 0\n", 3, "validation.max_nsec3_hashes", "1..1024");
  expectError(base + "  max_nsec3_iterations: 2501\n", 3, "validation.max_nsec3_iterations",
              "0..2500");
  expectError(base + "  max_nsec3_iterations: -1\n", 3, "validation.max_nsec3_iterations",
              "negative");
  expectError(base + "  max_verifications: lots\n", 3, "validation.max_verifications",
              "whole number");
  expectError(base + "  max_verification: 10\n", 3, "validation.max_verification",
              "did you mean 'max_verifications'?");
  expectError(base + "  max_verifications: 10\n  max_verifications: 11\n", 4,
              "validation.max_verifications", "duplicate key");
  expectError("domains: [example.com]\nvalidation: 32\n", 2, "validation", "must be a map");
  expectError("domains: [example.com]\nvalidation:\n", 2, "validation", "has no value");
}

// --- rdap (issue 16)

TEST_F(ConfigTest, RdapIsOffByDefaultWithTheIssuesWindows) {
  const RdapSpec rdap = load("domains: [example.com]\n").rdap;
  EXPECT_FALSE(rdap.enabled);
  EXPECT_EQ(rdap.interval, std::chrono::hours(6));
  EXPECT_EQ(rdap.minSpacing, std::chrono::seconds(2));
  EXPECT_EQ(rdap.timeout, std::chrono::seconds(10));
  EXPECT_TRUE(rdap.bootstrapFile.empty());
  EXPECT_TRUE(rdap.bootstrapUrl.empty());
  EXPECT_EQ(rdap.bootstrapRefresh, std::chrono::hours(24));
  EXPECT_TRUE(rdap.servers.empty());
  EXPECT_EQ(rdap.expiryWarning, std::chrono::hours(30 * 24));
  EXPECT_EQ(rdap.mismatchGrace, std::chrono::hours(24));
  EXPECT_EQ(rdap.hijackWindow, std::chrono::hours(7 * 24));
}

TEST_F(ConfigTest, RdapKeysAreParsed) {
  write("dns.json", R"({"version": "1.0", "services": []})");
  const RdapSpec rdap = load(R"(domains: [example.com]
rdap:
  enabled: true
  interval: 12h
  min_spacing: 0s
  timeout: 30s
  bootstrap_file: dns.json
  servers:
    COM.: https://rdap.example.net/com/v1
    co.uk: http://127.0.0.1:8080/rdap/
  expiry_warning: 60d
  mismatch_grace: 2h
  hijack_window: 14d
)")
                            .rdap;
  EXPECT_TRUE(rdap.enabled);
  EXPECT_EQ(rdap.interval, std::chrono::hours(12));
  EXPECT_EQ(rdap.minSpacing, std::chrono::seconds(0));
  EXPECT_EQ(rdap.timeout, std::chrono::seconds(30));
  EXPECT_EQ(rdap.bootstrapFile, (dir_ / "dns.json").string());
  using Servers = std::vector<std::pair<std::string, std::string>>;
  EXPECT_EQ(rdap.servers, (Servers{{"com", "https://rdap.example.net/com/v1/"},
                                   {"co.uk", "http://127.0.0.1:8080/rdap/"}}));
  EXPECT_EQ(rdap.expiryWarning, std::chrono::hours(60 * 24));
  EXPECT_EQ(rdap.mismatchGrace, std::chrono::hours(2));
  EXPECT_EQ(rdap.hijackWindow, std::chrono::hours(14 * 24));
}

// config check prints the rdap section: off with the bootstrap and servers check --rdap reads,
// on with the schedule, the servers (credentials redacted) and the judgement's windows.
TEST_F(ConfigTest, DescribeShowsTheRdapSection) {
  write("dns.json", R"({"version": "1.0", "services": []})");
  const std::string off = describe(load("domains: [example.com]\n"));
  EXPECT_NE(off.find("rdap:           off (timeout 10s for check --rdap)\n"
                     "  bootstrap:    built in (monitor/rdap/dns.json)\n"),
            std::string::npos)
      << off;
  EXPECT_EQ(off.find("  judgement:"), std::string::npos) << off;
  const std::string on = describe(load(R"(domains: [example.com]
rdap:
  enabled: true
  interval: 12h
  bootstrap_file: dns.json
  servers:
    com: https://user:pw@rdap.example.net/com/v1/
  hijack_window: 14d
)"));
  EXPECT_NE(on.find("rdap:           each domain every 12h, one request per server every 2s at "
                    "most, timeout 10s\n"
                    "  bootstrap:    " +
                    (dir_ / "dns.json").string() + "\n"),
            std::string::npos)
      << on;
  EXPECT_NE(on.find("  server:       com -> https://rdap.example.net/com/v1/\n"), std::string::npos)
      << on;
  EXPECT_EQ(on.find("user:pw"), std::string::npos) << on;
  EXPECT_NE(on.find("  judgement:    registration_expiring within 30d, registry_dns_mismatch "
                    "after 1d, hijack_suspected within 2w\n"),
            std::string::npos)
      << on;
}

// The URL and the file together: the URL's copy wins once fetched, the file is the fallback.
TEST_F(ConfigTest, RdapBootstrapUrlAndRefreshAreParsed) {
  write("dns.json", R"({"version": "1.0", "services": []})");
  const RdapSpec rdap = load(R"(domains: [example.com]
rdap:
  bootstrap_file: dns.json
  bootstrap_url: https://data.iana.org/rdap/dns.json
  bootstrap_refresh: 1m
)")
                            .rdap;
  EXPECT_EQ(rdap.bootstrapFile, (dir_ / "dns.json").string());
  EXPECT_EQ(rdap.bootstrapUrl, "https://data.iana.org/rdap/dns.json");
  EXPECT_EQ(rdap.bootstrapRefresh, std::chrono::minutes(1));
  const RdapSpec longest = load(R"(domains: [example.com]
rdap:
  bootstrap_url: http://127.0.0.1:1/dns.json
  bootstrap_refresh: 30d
)")
                               .rdap;
  EXPECT_EQ(longest.bootstrapUrl, "http://127.0.0.1:1/dns.json");
  EXPECT_EQ(longest.bootstrapRefresh, std::chrono::hours(30 * 24));
  const std::string text = describe(load(R"(domains: [example.com]
rdap:
  bootstrap_url: https://u:pw@data.iana.org/rdap/dns.json
)"));
  EXPECT_NE(text.find("  bootstrap url: https://data.iana.org/rdap/dns.json every 1d (the "
                      "bootstrap above is the fallback)\n"),
            std::string::npos)
      << text;
  EXPECT_EQ(text.find("u:pw"), std::string::npos) << text;
}

TEST_F(ConfigTest, RdapErrorsNameFileLineAndKey) {
  const std::string base = "domains: [example.com]\nrdap:\n";
  expectError(base + "  enabled: maybe\n", 3, "rdap.enabled", "");
  expectError(base + "  interval: 0s\n", 3, "rdap.interval", "more than 0");
  expectError(base + "  min_spacing: 2h\n", 3, "rdap.min_spacing", "at most 1h");
  expectError(base + "  timeout: 500ms\n", 3, "rdap.timeout", "at least 1s");
  expectError(base + "  timeout: 5m\n", 3, "rdap.timeout", "at most 2m");
  expectError(base + "  bootstrap_file: no-such.json\n", 3, "rdap.bootstrap_file", "cannot read");
  expectError(base + "  bootstrap_url: ftp://data.iana.org/rdap/dns.json\n", 3,
              "rdap.bootstrap_url", "http:// or https://");
  expectError(base + "  bootstrap_url: data.iana.org/rdap/dns.json\n", 3, "rdap.bootstrap_url",
              "http:// or https://");
  expectError(base + "  bootstrap_url: https://\n", 3, "rdap.bootstrap_url", "names no server");
  expectError(base + "  bootstrap_refresh: 30s\n", 3, "rdap.bootstrap_refresh", "at least 1m");
  expectError(base + "  bootstrap_refresh: 31d\n", 3, "rdap.bootstrap_refresh", "at most 30d");
  expectError(base + "  bootstrap_refresh: often\n", 3, "rdap.bootstrap_refresh", "");
  expectError(base + "  bootstrap_ur: https://a/\n", 3, "rdap.bootstrap_ur",
              "did you mean 'bootstrap_url'?");
  expectError(base + "  expiry_warning: 0s\n", 3, "rdap.expiry_warning", "at least 1h");
  expectError(base + "  mismatch_grace: 30m\n", 3, "rdap.mismatch_grace", "at least 1h");
  expectError(base + "  hijack_window: 1m\n", 3, "rdap.hijack_window", "at least 1h");
  expectError(base + "  servers:\n    com: ftp://rdap.example/\n", 4, "rdap.servers.com",
              "http:// or https://");
  expectError(base + "  servers:\n    com: https://\n", 4, "rdap.servers.com", "names no server");
  expectError(base + "  servers:\n    \"bad name\": https://rdap.example/\n", 4,
              "rdap.servers.bad name", "letters, digits");
  expectError(base + "  servers:\n    a..com: https://rdap.example/\n", 4, "rdap.servers.a..com",
              "empty label");
  expectError(base + "  servers:\n    com: https://a/\n    com: https://b/\n", 5,
              "rdap.servers.com", "duplicate key");
  expectError(base + "  hijack_windw: 7d\n", 3, "rdap.hijack_windw",
              "did you mean 'hijack_window'?");
  expectError("domains: [example.com]\nrdap: true\n", 2, "rdap", "must be a map");
  expectError("domains: [example.com]\nrdap:\n", 2, "rdap", "has no value");
}

// --- describe, toString, example
// ------------------------------------------------------------------

TEST_F(ConfigTest, DescribeRedactsSecretsAndSecretBearingUrls) {
  write("secret.txt", "file-secret-value\n");
  Config c = load(R"(domains:
  - example.com
  - name: example.net
    interval: 1m
webhooks:
  - name: chat
    url: https://user:password@hooks.slack.example/services/T0/B0/TOKENVALUE
    secret: inline-secret-value
    format: slack
  - name: soc
    url: https://soc.example:8443/hook?key=querysecret
    secret_file: secret.txt
    events: [ds_removed]
)");
  std::string text = describe(c);
  for (const char* secret : {"inline-secret-value", "file-secret-value", "password", "TOKENVALUE",
                             "querysecret", "user:"}) {
    EXPECT_EQ(text.find(secret), std::string::npos) << secret << " leaked:\n" << text;
  }
  EXPECT_NE(text.find("domains:        2, polled every 5m (1 with their own interval)"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("database:       " + (fs::current_path() / "zonewatch.sqlite").string()),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("webhooks:       2"), std::string::npos) << text;
  EXPECT_NE(text.find("chat: https://hooks.slack.example/... (format slack"), std::string::npos)
      << text;
  EXPECT_NE(text.find("soc: https://soc.example:8443/... (format generic"), std::string::npos)
      << text;
  EXPECT_NE(text.find("events ds_removed"), std::string::npos) << text;
  EXPECT_NE(text.find("retry 30s to 1h"), std::string::npos) << text;
  EXPECT_NE(text.find("secret <redacted>"), std::string::npos) << text;
  EXPECT_EQ(c.webhooks[0].toString().find("inline-secret-value"), std::string::npos);
}

TEST_F(ConfigTest, ExampleConfigIsTheInstalledFileAndLoads) {
  std::ifstream in(std::string(ZONEWATCH_SOURCE_DIR) + "/config/example.yaml", std::ios::binary);
  ASSERT_TRUE(in);
  std::ostringstream file;
  file << in.rdbuf();
  EXPECT_EQ(kExampleConfig, file.str());
  Config c = parseConfig(kExampleConfig, (dir_ / "example.yaml").string());
  EXPECT_GE(c.domains.size(), 3u);
  EXPECT_EQ(c.interval, seconds(300));
  // The example documents the caps with the library's defaults: they must not drift apart.
  expectLimits(c.validation, model::ValidationLimits{});
  EXPECT_FALSE(describe(c).empty());
}

TEST(ConfigErrorTest, WhatReadsFileLineColumnKeyReason) {
  ConfigError e("/etc/zonewatch.yaml", 12, 5, "domains[3].interval", "must be at least 30s");
  EXPECT_STREQ(e.what(),
               "/etc/zonewatch.yaml:12:5: key 'domains[3].interval': must be at least 30s");
  ConfigError noKey("c.yaml", 2, 1, "", "invalid YAML: x");
  EXPECT_STREQ(noKey.what(), "c.yaml:2:1: invalid YAML: x");
}

TEST_F(ConfigTest, ColumnsPointAtTheValue) {
  auto error = errorOf("domains: [example.com]\nwebhooks:\n  - {name: a, url: 'gopher://x'}\n");
  ASSERT_TRUE(error.has_value());
  EXPECT_EQ(error->line(), 3u);
  EXPECT_EQ(error->column(), 20u);  // the opening quote of the URL
}

TEST_F(ConfigTest, RawConfigKeepsPositionsOfKeysAndValues) {
  RawConfig raw = readRawConfig("interval:\n  5m\ndomains:\n  - example.com\n", "mem.yaml");
  ASSERT_TRUE(raw.interval.has_value());
  EXPECT_EQ(raw.interval->text, "5m");
  EXPECT_EQ(raw.interval->keyPos.line, 1u);
  EXPECT_EQ(raw.interval->pos.line, 2u);
  EXPECT_EQ(raw.interval->pos.column, 3u);
  ASSERT_EQ(raw.domains.size(), 1u);
  EXPECT_EQ(raw.where(raw.domains[0].pos), "mem.yaml:4");
  EXPECT_EQ(raw.whereColumn(raw.domains[0].pos), "mem.yaml:4:5");
}

// probe_threads: 0 is one per CPU this process may run on (taskset, cpusets), at most
// kMaxAutoProbeThreads; the affinity is the calling thread's, so a thread pinned to one CPU sees 1.
TEST(ProbeThreadsTest, ZeroIsOnePerCpuTheProcessMayUse) {
  cpu_set_t cpus;
  CPU_ZERO(&cpus);
  ASSERT_EQ(sched_getaffinity(0, sizeof cpus, &cpus), 0);
  const auto allowed = static_cast<unsigned>(CPU_COUNT(&cpus));
  EXPECT_EQ(probeThreadsFor(0), std::min(allowed, static_cast<unsigned>(kMaxAutoProbeThreads)));
  EXPECT_EQ(probeThreadsFor(5), 5u) << "a configured count is taken as it is";

  unsigned pinned = 0;
  std::thread([&] {
    cpu_set_t one;
    CPU_ZERO(&one);
    for (size_t cpu = 0; cpu < CPU_SETSIZE; ++cpu) {
      if (CPU_ISSET(cpu, &cpus)) {
        CPU_SET(cpu, &one);
        break;
      }
    }
    if (sched_setaffinity(0, sizeof one, &one) == 0) pinned = probeThreadsFor(0);
  }).join();
  EXPECT_EQ(pinned, 1u);
}

}  // namespace
}  // namespace zonewatch::config
