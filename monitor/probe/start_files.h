// The prober's two inputs that may come from files, read at start-up: the root hints and the
// trust anchors, each the built-in IANA set when no file is named. `zonewatch check` (its
// --root-hints and --trust-anchor) and the daemon (root_hints, trust_anchors) both read them
// here, so a file means the same to both. The parsers themselves (root_hints.h,
// dnssec/trust_anchor.h) do no I/O; this is where the file is read.
//
// When no file is named, the daemon also looks at Debian's dns-root-data package
// (chooseRootHints, chooseTrustAnchors): a package upgrade refreshes those files between
// zonewatch releases, so they are used when they are newer than the built-in copy, and the
// built-in copy otherwise. A Debian file that is missing, unreadable or malformed never stops
// start-up; it is only reported.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "monitor/dnssec/trust_anchor.h"
#include "monitor/probe/delegation_cache.h"
#include "monitor/util/result.h"

namespace zonewatch::probe {

// The root hints file at `path`, or the built-in IANA root servers when `path` is empty. Errors
// name the file (and its line for syntax).
Result<ZoneCut> loadRootHints(const std::string& path);

// The trust anchors file at `path`, or the built-in root KSKs when `path` is empty.
Result<dnssec::TrustAnchors> loadTrustAnchors(const std::string& path);

// Where dns-root-data installs its files (`dpkg -L dns-root-data`); tests point elsewhere.
struct DebianRootData {
  std::string rootHints = "/usr/share/dns/root.hints";
  std::string rootDs = "/usr/share/dns/root.ds";    // the anchors as DS records, read first
  std::string rootKey = "/usr/share/dns/root.key";  // the same as DNSKEYs, for older packages
};

// The root zone serial the built-in root hints match (named.root's "related version of root
// zone"); update it with the table in root_hints.cpp.
inline constexpr uint32_t kBuiltInRootHintsVersion = 2024041801;

// A root hints file's version: its "related version of root zone: N" comment, else its
// "last update: Month D, YYYY" as the serial YYYYMMDD00; nullopt when it has neither.
std::optional<uint32_t> rootHintsVersion(std::string_view text);

// What was chosen, and words for the start-up log line ("/usr/share/dns/root.hints
// (dns-root-data, 2024071801)" or "built-in copy, 2024041801 (...)"). `warning` is set when a
// Debian file was there but could not be used.
template <class T>
struct ChosenStartFile {
  T value;
  std::string origin;
  std::string warning;
};

// `configured` when not empty (then its errors are errors: the operator named it); else Debian's
// root hints when they parse and their version is newer than kBuiltInRootHintsVersion; else the
// built-in copy.
Result<ChosenStartFile<ZoneCut>> chooseRootHints(const std::string& configured,
                                                 const DebianRootData& debian = {});

// `configured` when not empty; else Debian's root anchors (root.ds, or root.key when there is no
// root.ds) when they parse and are newer than the built-in copy: they hold a root key the
// built-in copy does not know (a KSK rollover has begun since this binary was built), none it
// knows to be retired (KSK-2010), and no DS that contradicts the built-in digest of the same key.
// Else the built-in copy.
Result<ChosenStartFile<dnssec::TrustAnchors>> chooseTrustAnchors(const std::string& configured,
                                                                 const DebianRootData& debian = {});

}  // namespace zonewatch::probe
