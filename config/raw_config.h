// RawConfig: the configuration as written, before validation, with the source position of every
// key and value.
//
// Loading is two steps so that each error is reported where it belongs: readRawConfig() checks the
// shape (YAML syntax, known keys, scalar vs list vs map, duplicate keys) and reads domains_file;
// validateConfig() interprets the text (durations, numbers, names, URLs, secrets), applies the
// defaults and checks cross-key rules such as duplicate domains. Values stay text here so that a
// later error can still quote them and point at file:line:column. Both steps throw ConfigError.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config/config.h"

namespace zonewatch::config {

// 1-based line and column; `file` indexes RawConfig::files (0 = the configuration itself). A
// file index rather than a name, because a 100,000-line domains_file would otherwise repeat it in
// every entry.
struct SourcePos {
  uint32_t file = 0;
  uint32_t line = 0;
  uint32_t column = 0;
};

struct RawScalar {
  std::string text;
  SourcePos pos;     // of the value
  SourcePos keyPos;  // of its key in the enclosing map; equals pos for list items
};

struct RawList {
  std::vector<RawScalar> items;
  SourcePos pos;
  SourcePos keyPos;
};

// What a domain written as a map adds to its name. Bare names and domains_file lines have none,
// which keeps the entries of a 100,000-line portfolio small.
struct RawDomainOptions {
  std::optional<RawScalar> interval;
  std::optional<RawList> operators;  // expect.operators
  std::optional<RawList> dsKeyTags;  // expect.ds_key_tags
};

struct RawDomain {
  RawScalar name;
  // Set when the entry is a map with `name` (so the name's key path ends in ".name").
  std::shared_ptr<const RawDomainOptions> options;
  SourcePos pos;  // of the list item or of the domains_file line
  // Index in `domains`, for the key path "domains[i]"; entries from domains_file have fromFile set
  // and their key path is "domains_file".
  uint32_t index = 0;
  bool fromFile = false;
};

struct RawMetrics {
  std::optional<RawScalar> enabled, listen, perDomain;
  SourcePos pos;
  SourcePos keyPos;
};

struct RawWeb {
  std::optional<RawScalar> enabled;
};

struct RawValidation {
  std::optional<RawScalar> maxKeysPerSignature, maxSignaturesPerRRset, maxVerifications,
      maxNsec3Hashes, maxNsec3Iterations;
};

// A map of scalars to scalars (`webhooks[].headers`), in file order; each key is a RawScalar of
// its own, so an error can point at the key as well as at the value.
struct RawMap {
  std::vector<std::pair<RawScalar, RawScalar>> entries;
  SourcePos pos;
  SourcePos keyPos;
};

// `rdap:` (issue 16); `servers` maps a suffix to a base URL, in file order.
struct RawRdap {
  std::optional<RawScalar> enabled, interval, minSpacing, timeout, bootstrapFile, bootstrapUrl,
      bootstrapRefresh, expiryWarning, mismatchGrace, hijackWindow;
  std::optional<RawMap> servers;
};

struct RawWebhook {
  std::optional<RawScalar> name, url, secret, secretFile, secretEnv, minSeverity, format, timeout,
      giveUpAfter, retryInitial, retryMax, bearerTokenFile;
  std::optional<RawList> events;
  std::optional<RawMap> headers;
  SourcePos pos;
};

struct RawConfig {
  std::vector<std::string> files;  // [0] = the configuration, then the domains_file if any
  std::string baseDir;             // directory relative paths are taken from

  std::optional<RawScalar> database, databasePasswordFile, interval, concurrency, probeThreads,
      perServerQps, queryTimeout, queryTries, observationTimeout, rootHints, trustAnchors,
      domainsFile, confirmPolls, failingPolls, signatureWarning, signatureCritical, retention,
      maxSnapshotsPerHour, logLevel, deliveryClaim, logFormat;
  std::optional<RawList> ipVersions;
  // Entries of `domains` first, then those read from domains_file, in file order.
  std::vector<RawDomain> domains;
  std::optional<SourcePos> domainsKeyPos;  // set when the `domains` key is present
  std::optional<RawMetrics> metrics;
  std::optional<RawWeb> web;
  std::optional<RawValidation> validation;
  std::optional<RawRdap> rdap;
  std::vector<RawWebhook> webhooks;

  // "FILE:LINE" and "FILE:LINE:COLUMN" for a position.
  std::string where(const SourcePos& pos) const;
  std::string whereColumn(const SourcePos& pos) const;
  [[noreturn]] void fail(const SourcePos& pos, std::string key, std::string reason) const;
};

// Parses YAML text into a RawConfig; sourceName names it in errors, and relative paths (for now
// domains_file) are taken from its directory. Throws ConfigError.
RawConfig readRawConfig(std::string_view yamlText, const std::string& sourceName);

// Appends the domains of a domains_file (one per line, '#' comments, blank lines ignored) to
// raw.domains, registering `fileName` in raw.files. Linear in the text; throws ConfigError naming
// that file and line.
void readDomainsFile(RawConfig& raw, std::string_view text, const std::string& fileName);

// Interprets a RawConfig into a Config. Throws ConfigError.
Config validateConfig(const RawConfig& raw);

}  // namespace zonewatch::config
