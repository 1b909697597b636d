// The RDAP bootstrap registry for domain names (RFC 9224) and the choice of a domain's RDAP
// server. Owns: reading a `dns.json` file (IANA's, https://data.iana.org/rdap/dns.json, or the copy
// shipped as monitor/rdap/dns.json) into a typed Bootstrap, and the lookup of a domain's base URLs
// with the configured per-suffix overrides taking precedence. No I/O: the caller reads the file or
// fetches the URL and passes the text.
//
// RFC 9224 §3: the file is an object with "version", "publication" and "services", each service an
// array of two arrays: the entries (domain labels, e.g. "com" or "co.uk") and the base RDAP URLs,
// which "MUST end with a '/'". §4: "the longest match wins"; the entries are compared label by
// label, case-insensitively. §3 also says HTTPS URLs are preferred to HTTP ones when both exist
// (RFC 7481 §3.2 requires TLS for RDAP).
#pragma once

#include <cstddef>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "monitor/rdap/rdap_error.h"
#include "monitor/util/result.h"

namespace zonewatch::rdap {

// Caps on a bootstrap file. IANA's dns.json (late 2020s) is under 100 KB, with a few hundred
// services, about 1,500 entries in all (one per delegated TLD) and at most two URLs per service;
// the caps leave an order of magnitude of room and stop a hostile or corrupted file from holding
// the daemon's memory.
inline constexpr size_t kMaxBootstrapBytes = 4 * 1024 * 1024;
inline constexpr size_t kMaxBootstrapDepth = 8;  // object > services > service > list > string
inline constexpr size_t kMaxServices = 4096;
inline constexpr size_t kMaxEntriesPerService = 4096;
inline constexpr size_t kMaxEntriesTotal = 16384;
inline constexpr size_t kMaxUrlsPerService = 8;
// A base URL is a scheme, a host and a short path; RFC 9110 §4.1 asks only that 8000-octet URIs be
// supported, far beyond any base URL.
inline constexpr size_t kMaxUrlLength = 1024;
// RFC 1035 §2.3.4: a name is at most 255 octets on the wire, 253 characters in text.
inline constexpr size_t kMaxNameLength = 253;
inline constexpr size_t kMaxLabelLength = 63;  // RFC 1035 §2.3.4

struct BootstrapService {
  std::vector<std::string> entries;  // lowercase, no trailing dot: "com", "co.uk"
  std::vector<std::string> urls;     // as published, each ending in "/"
  bool operator==(const BootstrapService&) const = default;
};

struct Bootstrap {
  std::string version;      // "1.0"
  std::string publication;  // RFC 3339 time of publication, as written in the file
  std::string description;  // optional in RFC 9224
  std::vector<BootstrapService> services;
};

// The configured overrides: a suffix ("com", "co.uk", "example.net") → a base URL ending in "/".
using ServerOverrides = std::map<std::string, std::string>;

// Where to ask about a domain.
struct ServerChoice {
  std::string matched;            // the suffix that matched, e.g. "com"
  std::vector<std::string> urls;  // base URLs, https ones first, each ending in "/"
  bool fromOverride = false;
};

// Reads a bootstrap file (RFC 9224 §3). Entries are lowercased and lose a trailing dot; a URL
// without the trailing "/" is given one; a URL that is not http(s) is skipped; a service whose URLs
// are all skipped is kept out of the lookup.
Result<Bootstrap, RdapError> parseBootstrap(std::string_view text);

// The base URLs for `domain` ("www.example.com." or "example.com"): the override of the longest
// matching suffix if any, else the bootstrap service of the longest matching entry (RFC 9224 §4).
// kNoServer when neither covers it; kBadValue when `domain` is not an LDH name.
Result<ServerChoice, RdapError> findServers(const Bootstrap& bootstrap,
                                            const ServerOverrides& overrides,
                                            std::string_view domain);

// The RDAP query URL for a domain under a base URL (RFC 9082 §3.1.3: "domain/<ldh name>"), the name
// lowercased and without its trailing dot.
std::string domainQueryUrl(std::string_view baseUrl, std::string_view domain);

// The domain's name in RDAP's form (RFC 9082 §3.1.3): lowercase LDH labels without a trailing dot,
// or kBadValue. Only letters, digits, hyphens and dots pass, in labels of at most 63 characters:
// the name becomes part of a URL path.
Result<std::string, RdapError> rdapDomainName(std::string_view domain);

}  // namespace zonewatch::rdap
