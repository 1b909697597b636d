#include "monitor/commands/check_rdap.h"

#include <algorithm>
#include <exception>
#include <thread>

#include "alerts/http_client.h"
#include "config/config.h"
#include "monitor/daemon/rdap_fetch.h"
#include "monitor/rdap/rate_policy.h"
#include "monitor/rdap/shipped_bootstrap.h"
#include "monitor/util/clock.h"
#include "monitor/util/file_io.h"

namespace zonewatch::commands {
namespace {

// The base URL RdapFetcher::fetch asks (its first choice), for the report; empty when none.
std::string serverFor(const RdapCheckSetup& setup, const std::string& domain) {
  auto choice = rdap::findServers(setup.bootstrap, setup.overrides, domain);
  if (!choice.ok() || choice->urls.empty()) return "";
  return choice->urls.front();
}

RdapOutcome queryOne(daemon::RdapFetcher& fetcher, const RdapCheckSetup& setup, const Clock& clock,
                     const std::string& domain) {
  RdapOutcome outcome;
  outcome.server = serverFor(setup, domain);
  auto result = fetcher.fetch(domain);
  // Spacing between two requests to one server, or a Retry-After the registry sent: wait when it
  // is short, once, as a person running `check` by hand would.
  if (!result.ok() && result.error().kind == daemon::RdapFetchFailureKind::kDeferred &&
      result.error().retryAt - clock.nowUnix() <= kMaxRdapWaitSeconds) {
    const int64_t wait = std::max<int64_t>(0, result.error().retryAt - clock.nowUnix());
    std::this_thread::sleep_for(std::chrono::seconds(wait) + std::chrono::milliseconds(100));
    result = fetcher.fetch(domain);
  }
  if (result.ok()) {
    outcome.registration = std::move(*result);
  } else {
    outcome.failureKind = std::string(daemon::toString(result.error().kind));
    outcome.failureMessage = result.error().message;
  }
  return outcome;
}

}  // namespace

Result<RdapCheckSetup> prepareRdapCheck(const std::string& configPath) {
  RdapCheckSetup setup;
  config::RdapSpec spec;  // the defaults
  if (!configPath.empty()) {
    try {
      spec = config::loadConfig(configPath).rdap;
    } catch (const std::exception& e) {
      return fail(std::string("--config: ") + e.what());
    }
  }
  std::string text(rdap::kShippedBootstrap);
  setup.bootstrapSource = "the built-in bootstrap file";
  if (!spec.bootstrapFile.empty()) {
    auto read = readWholeFile(spec.bootstrapFile);
    if (!read.ok()) return fail("rdap.bootstrap_file: " + read.error().message);
    text = std::move(*read);
    setup.bootstrapSource = spec.bootstrapFile;
  }
  auto bootstrap = rdap::parseBootstrap(text);
  if (!bootstrap.ok()) {
    return fail(setup.bootstrapSource + ": " + std::string(rdap::toString(bootstrap.error().kind)) +
                ": " + bootstrap.error().message);
  }
  setup.bootstrap = std::move(*bootstrap);
  for (const auto& [suffix, url] : spec.servers) setup.overrides[suffix] = url;
  setup.timeout = spec.timeout;
  setup.minSpacingSeconds =
      std::chrono::duration_cast<std::chrono::seconds>(spec.minSpacing).count();
  return setup;
}

std::vector<RdapOutcome> queryRegistrations(const RdapCheckSetup& setup,
                                            const std::vector<std::string>& domains) {
  std::vector<RdapOutcome> out;
  SystemClock clock;
  rdap::RateOptions options;
  options.minSpacingSeconds = setup.minSpacingSeconds;
  rdap::RatePolicy policy(clock, options);
  try {
    alerts::CurlGetter getter;
    daemon::RdapFetcher fetcher(setup.bootstrap, setup.overrides, getter, policy, setup.timeout);
    for (const std::string& domain : domains) {
      out.push_back(queryOne(fetcher, setup, clock, domain));
    }
  } catch (const std::exception& e) {  // std::bad_alloc, or a thread the library could not start
    out.resize(domains.size());
    for (RdapOutcome& o : out) {
      if (o.registration || !o.failureKind.empty()) continue;
      o.failureKind = "transport";
      o.failureMessage = e.what();
    }
  }
  return out;
}

}  // namespace zonewatch::commands
