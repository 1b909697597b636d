// The RDAP side of `zonewatch check --rdap` (issue 16): where the registration facts come from
// and the one query per domain. Owns the choice of the bootstrap file and the overrides (the
// configuration's `rdap.bootstrap_file`, `rdap.servers`, `rdap.timeout` and `rdap.min_spacing`
// when `--config` names one, else the copy compiled into the binary and the defaults) and the
// queries themselves, through the daemon's RdapFetcher (the same server choice, rate policy, GET
// and parsing as the daemon's RDAP poll). Printing is registration_report.h's.
//
// The queries run on a thread of their own while the DNS observations run on the engine's loop,
// so that a slow registry (RFC 7480 gives no time limit; rdap.timeout does) holds up neither.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "monitor/commands/registration_report.h"
#include "monitor/rdap/bootstrap.h"
#include "monitor/util/result.h"

namespace zonewatch::commands {

// A registry asked to wait (a 429's Retry-After, or the spacing between two requests to one
// server) is waited for up to this long in `check`; beyond it the domain's registration is reported
// as deferred, not waited for.
inline constexpr int64_t kMaxRdapWaitSeconds = 30;

struct RdapCheckSetup {
  rdap::Bootstrap bootstrap;
  rdap::ServerOverrides overrides;
  std::chrono::milliseconds timeout{10000};
  int64_t minSpacingSeconds = 2;
  std::string bootstrapSource;  // "built in" or the file's path, for messages
};

// From the configuration at `configPath` (its rdap keys only; empty: none, the defaults and the
// compiled-in bootstrap file). An error names the file and what is wrong with it.
Result<RdapCheckSetup> prepareRdapCheck(const std::string& configPath);

// Asks each domain's RDAP server once, in order, waiting up to kMaxRdapWaitSeconds when a server
// may not be asked yet. `domains` are FQDNs ("example.com."). Blocking; no exception escapes.
std::vector<RdapOutcome> queryRegistrations(const RdapCheckSetup& setup,
                                            const std::vector<std::string>& domains);

}  // namespace zonewatch::commands
