// The bootstrap file shipped with zonewatch (monitor/rdap/dns.json, README.md here says what it
// holds and why it is not IANA's), compiled in by CMakeLists.txt as monitor/web does its assets, so
// that `zonewatch check --rdap` and the daemon find a domain's RDAP server without any installed
// file. parseBootstrap() reads it like any other; a configured `rdap.bootstrap_file` replaces it.
#pragma once

#include <string_view>

namespace zonewatch::rdap {

extern const std::string_view kShippedBootstrap;

}  // namespace zonewatch::rdap
