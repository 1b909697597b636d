#include "monitor/commands/check_command.h"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <iostream>
#include <memory>
#include <optional>
#include <sstream>

#include "config/values.h"
#include "monitor/detect/findings.h"
#include "monitor/dns/name.h"
#include "monitor/dnssec/trust_anchor.h"
#include "monitor/probe/delegation_cache.h"
#include "monitor/probe/observation_json.h"
#include "monitor/probe/operators.h"
#include "monitor/probe/prober.h"
#include "monitor/probe/report.h"
#include "monitor/probe/rfc3339.h"
#include "monitor/probe/start_files.h"
#include "monitor/resolver/query_engine.h"
#include "monitor/util/clock.h"

namespace zonewatch {
namespace {

int rank(int code) {
  switch (code) {
    case kExitCritical:
      return 3;
    case kExitWarning:
      return 2;
    case kExitUnknown:
      return 1;
    default:
      return 0;
  }
}

// Everything the command needs, from the arguments; a failure here is the user's to fix (exit 3).
struct Setup {
  std::vector<dns::Name> domains;
  probe::ZoneCut rootHints;
  dnssec::TrustAnchors anchors;
  std::optional<int64_t> at;
  detect::DetectOptions findings;
  resolver::EngineOptions engine;
};

Result<Setup> prepare(const CheckArgs& args) {
  Setup setup;
  if (args.domains.empty()) return fail("no domain given");
  for (const std::string& text : args.domains) {
    // An empty argument would parse as the root: almost surely an unset shell variable.
    if (text.empty()) return fail("an empty domain name was given");
    auto name = dns::Name::fromUser(text);
    if (!name) return fail("\"" + text + "\" is not a domain name: " + name.error().message);
    // The root has no parent: there is no delegation to observe, only the trust anchor.
    if (name->isRoot()) return fail("the root zone has no parent delegation to check");
    setup.domains.push_back(std::move(*name));
  }
  auto hints = probe::loadRootHints(args.rootHintsFile);
  if (!hints) return Unexpected{hints.error()};
  setup.rootHints = std::move(*hints);
  auto anchors = probe::loadTrustAnchors(args.trustAnchorFile);
  if (!anchors) return Unexpected{anchors.error()};
  setup.anchors = std::move(*anchors);
  if (!args.at.empty()) {
    auto at = probe::parseRfc3339(args.at);
    if (!at) return fail("--at: " + at.error().message);
    setup.at = *at;
  }
  // The configuration's duration syntax (config/values.h), as for signature_warning in the file.
  auto warning = config::parseDuration(args.signatureWarning);
  if (!warning) return fail("--signature-warning: " + warning.error().message);
  auto critical = config::parseDuration(args.signatureCritical);
  if (!critical) return fail("--signature-critical: " + critical.error().message);
  if (*critical > *warning) {
    return fail("--signature-critical (" + args.signatureCritical +
                ") is longer than --signature-warning (" + args.signatureWarning +
                "): a signature would turn critical before it warns");
  }
  setup.findings.signatureWarningSeconds =
      std::chrono::duration_cast<std::chrono::seconds>(*warning).count();
  setup.findings.signatureCriticalSeconds =
      std::chrono::duration_cast<std::chrono::seconds>(*critical).count();
  if (args.ipv4Only && args.ipv6Only) return fail("--ipv4-only and --ipv6-only exclude each other");
  setup.engine.timeout = std::chrono::milliseconds(args.timeoutMs);
  if (auto valid = setup.engine.validate(); !valid) {
    return fail("--timeout: " + valid.error().message);
  }
  return setup;
}

}  // namespace

int worseExitCode(int a, int b) {
  return rank(a) >= rank(b) ? a : b;
}

int runCheck(const CheckArgs& args, std::ostream& out, std::ostream& err) {
  auto setup = prepare(args);
  if (!setup) {
    err << "zonewatch check: " << setup.error().message << "\n"
        << "Usage: zonewatch check [OPTIONS] DOMAIN...   ('zonewatch check --help' lists them)\n";
    return kExitUnknown;
  }
  auto operators = probe::OperatorResolver::load(args.pslFile);
  if (!operators) {
    err << "zonewatch check: " << operators.error().message << "\n";
    return kExitUnknown;
  }
  auto engine = resolver::makeCaresEngine(setup->engine);
  if (!engine) {
    err << "zonewatch check: cannot start the query engine: " << engine.error().message << "\n";
    return kExitUnknown;
  }

  SystemClock systemClock;
  FixedClock fixedClock(setup->at.value_or(0));
  const Clock& clock = setup->at ? static_cast<const Clock&>(fixedClock) : systemClock;

  probe::DelegationCache cache(clock);
  cache.setRoot(std::move(setup->rootHints));
  probe::ProbeOptions options;
  options.iterator.ipv4 = !args.ipv6Only;
  options.iterator.ipv6 = !args.ipv4Only;
  options.evidence = probe::ProbeOptions::Evidence::kNone;  // neither report nor JSON shows it
  probe::Prober prober(**engine, cache, clock, std::move(setup->anchors), *operators, options);

  std::vector<model::Observation> observations =
      probe::observeAll(prober, **engine, setup->domains);

  int exitCode = kExitOk;
  bool first = true;
  for (model::Observation& obs : observations) {
    detect::computeFindings(obs, setup->findings);
    exitCode = worseExitCode(exitCode, static_cast<int>(detect::nagiosStatus(obs)));
    if (args.json) {
      out << probe::toJson(obs) << "\n";
    } else {
      if (!first) out << "\n";
      out << probe::formatReport(obs, args.colour);
    }
    first = false;
  }
  out.flush();
  return exitCode;
}

int runCheck(const CheckArgs& args) {
  return runCheck(args, std::cout, std::cerr);
}

}  // namespace zonewatch
