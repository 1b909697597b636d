#include "monitor/commands/check_command.h"

#include <array>
#include <cmath>
#include <fstream>
#include <functional>
#include <future>
#include <iostream>
#include <memory>
#include <optional>

#include "config/values.h"
#include "monitor/commands/check_rdap.h"
#include "monitor/commands/plugin_output.h"
#include "monitor/commands/registration_report.h"
#include "monitor/detect/findings.h"
#include "monitor/dns/name.h"
#include "monitor/dnssec/trust_anchor.h"
#include "monitor/probe/delegation_cache.h"
#include "monitor/probe/observation_json.h"
#include "monitor/probe/operators.h"
#include "monitor/probe/prober.h"
#include "monitor/probe/report.h"
#include "monitor/probe/start_files.h"
#include "monitor/resolver/query_engine.h"
#include "monitor/util/clock.h"
#include "monitor/util/rfc3339.h"

namespace zonewatch {
namespace {

using commands::SignatureThresholds;
using commands::ThresholdRange;

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
  SignatureThresholds thresholds;
  detect::DetectOptions findings;
  resolver::EngineOptions engine;
  std::optional<commands::RdapCheckSetup> rdap;  // with --rdap
};

Result<dns::Name> parseDomain(const std::string& text, const std::string& where) {
  // An empty argument would parse as the root: almost surely an unset shell variable.
  if (text.empty()) return fail(where + "an empty domain name was given");
  auto name = dns::Name::fromUser(text);
  if (!name) return fail(where + "\"" + text + "\" is not a domain name: " + name.error().message);
  // The root has no parent: there is no delegation to observe, only the trust anchor.
  if (name->isRoot()) return fail(where + "the root zone has no parent delegation to check");
  return std::move(*name);
}

// -f: one domain a line; what follows '#' is a comment, blank lines are skipped. Every line is
// checked before the first query, so a typo on line 900 is not found after 899 observations.
Result<std::vector<dns::Name>> readDomainList(std::istream& in, const std::string& shown) {
  std::vector<dns::Name> out;
  std::string text;
  for (size_t number = 1; std::getline(in, text); ++number) {
    if (size_t hash = text.find('#'); hash != std::string::npos) text.erase(hash);
    const size_t first = text.find_first_not_of(" \t\r");
    if (first == std::string::npos) continue;
    text = text.substr(first, text.find_last_not_of(" \t\r") - first + 1);
    auto name = parseDomain(text, shown + ":" + std::to_string(number) + ": ");
    if (!name) return Unexpected{name.error()};
    out.push_back(std::move(*name));
  }
  if (in.bad()) return fail("cannot read " + shown);
  if (out.empty()) return fail(shown + " lists no domain");
  return out;
}

Result<std::vector<dns::Name>> domainsOf(const CheckArgs& args, std::istream& in) {
  if (!args.domainsFile.empty()) {
    if (!args.domains.empty()) return fail("give the domains either with -f or as arguments");
    if (args.domainsFile == "-") return readDomainList(in, "standard input");
    std::ifstream file(args.domainsFile);
    if (!file) return fail("cannot open " + args.domainsFile);
    return readDomainList(file, args.domainsFile);
  }
  if (args.domains.empty()) return fail("no domain given");
  std::vector<dns::Name> out;
  for (const std::string& text : args.domains) {
    auto name = parseDomain(text, "");
    if (!name) return Unexpected{name.error()};
    out.push_back(std::move(*name));
  }
  return out;
}

// One threshold: a range from -w/-c, else "DURATION:" from the older option, else the default.
Result<ThresholdRange> threshold(const std::string& range, const std::string& rangeOption,
                                 const std::string& duration, const std::string& durationOption,
                                 const std::string& fallback) {
  if (!range.empty()) {
    auto parsed = commands::parseThresholdRange(range);
    if (!parsed) return fail(rangeOption + ": " + parsed.error().message);
    return *parsed;
  }
  // The configuration's duration syntax (config/values.h), as for signature_warning in the file.
  auto parsed = config::parseDuration(duration.empty() ? fallback : duration);
  if (!parsed) return fail(durationOption + ": " + parsed.error().message);
  ThresholdRange r;
  r.start = std::chrono::duration<double>(*parsed).count();
  return r;
}

// The findings (detect/options.h) raise signature_expiring when a signature expires "within S
// seconds": the ranges that mean that are "N:" (alert below N, so S = N - 1 in whole seconds) and
// "@~:N" (alert at N or below). Other ranges would alert when too much time is left.
Result<int64_t> withinSeconds(const ThresholdRange& r, const std::string& option) {
  if (!r.inside && r.start && !r.end) return static_cast<int64_t>(std::ceil(*r.start)) - 1;
  if (r.inside && !r.start && r.end) return static_cast<int64_t>(std::floor(*r.end));
  return fail(option + ": \"" + r.text() +
              "\" would alert while much time is left; the signature expiry alerts below a " +
              "number of seconds: give N: (e.g. 604800: or 7d:)");
}

Status<> prepareThresholds(const CheckArgs& args, Setup& setup) {
  const std::string warnName = args.warning.empty() ? "--signature-warning" : "-w";
  const std::string critName = args.critical.empty() ? "--signature-critical" : "-c";
  auto warning = threshold(args.warning, "-w", args.signatureWarning, "--signature-warning", "7d");
  if (!warning) return Unexpected{warning.error()};
  auto critical =
      threshold(args.critical, "-c", args.signatureCritical, "--signature-critical", "1d");
  if (!critical) return Unexpected{critical.error()};
  auto warnWithin = withinSeconds(*warning, warnName);
  if (!warnWithin) return Unexpected{warnWithin.error()};
  auto critWithin = withinSeconds(*critical, critName);
  if (!critWithin) return Unexpected{critWithin.error()};
  if (*critWithin > *warnWithin) {
    return fail(critName + " (" + critical->text() + ") is longer than " + warnName + " (" +
                warning->text() + "): a signature would turn critical before it warns");
  }
  setup.thresholds = {*warning, *critical};
  setup.findings.signatureWarningSeconds = *warnWithin;
  setup.findings.signatureCriticalSeconds = *critWithin;
  return Ok{};
}

// --rdap: the bootstrap file and overrides, read before the first query.
Status<> prepareRdap(const CheckArgs& args, Setup& setup) {
  if (!args.configPath.empty() && !args.rdap) {
    return fail(
        "--config: read for --rdap only (the DNS part takes its options from the command "
        "line)");
  }
  if (!args.rdap) return Ok{};
  // A blocking RDAP query per domain would hold up the streamed results of -f; the queries run
  // beside the observations only when every result is printed at the end.
  if (!args.domainsFile.empty()) return fail("--rdap: give the domains as arguments, not with -f");
  auto rdap = commands::prepareRdapCheck(args.configPath);
  if (!rdap) return Unexpected{rdap.error()};
  setup.rdap = std::move(*rdap);
  return Ok{};
}

Result<Setup> prepare(const CheckArgs& args, std::istream& in) {
  Setup setup;
  auto domains = domainsOf(args, in);
  if (!domains) return Unexpected{domains.error()};
  setup.domains = std::move(*domains);
  // As the daemon: Debian's dns-root-data when newer than the built-in copy (start_files.h), so
  // that `check` and the daemon judge from the same root. A Debian file that cannot be used is
  // said on standard error, never in the report a plugin parser reads.
  auto hints = probe::chooseRootHints(args.rootHintsFile);
  if (!hints) return Unexpected{hints.error()};
  if (!hints->warning.empty()) std::cerr << "zonewatch: warning: " << hints->warning << "\n";
  setup.rootHints = std::move(hints->value);
  auto anchors = probe::chooseTrustAnchors(args.trustAnchorFile);
  if (!anchors) return Unexpected{anchors.error()};
  if (!anchors->warning.empty()) std::cerr << "zonewatch: warning: " << anchors->warning << "\n";
  setup.anchors = std::move(anchors->value);
  if (!args.at.empty()) {
    auto at = parseRfc3339(args.at);
    if (!at) return fail("--at: " + at.error().message);
    setup.at = *at;
  }
  if (auto ok = prepareThresholds(args, setup); !ok) return Unexpected{ok.error()};
  if (args.ipv4Only && args.ipv6Only) return fail("--ipv4-only and --ipv6-only exclude each other");
  if (args.concurrency == 0) return fail("--concurrency: at least one observation must run");
  if (auto ok = prepareRdap(args, setup); !ok) return Unexpected{ok.error()};
  setup.engine.timeout = std::chrono::milliseconds(args.timeoutMs);
  if (auto valid = setup.engine.validate(); !valid) {
    return fail("--timeout: " + valid.error().message);
  }
  return setup;
}

using Done = std::function<void(size_t index, model::Observation)>;

// Observes the domains with at most `cap` observations in flight, calling `done` as each
// completes (from the engine's loop), in completion order; returns when all are done. New
// observations start from this loop, not from `done`, so that observations which complete at
// once cannot nest one start in another without bound.
void observeBounded(probe::Prober& prober, resolver::QueryEngine& engine,
                    const std::vector<dns::Name>& domains, size_t cap, const Done& done) {
  size_t next = 0;
  size_t completed = 0;
  std::vector<bool> finished(domains.size(), false);
  auto fill = [&] {
    while (next < domains.size() && next - completed < cap) {
      const size_t i = next++;
      prober.observe(domains[i], [&, i](model::Observation o) {
        finished[i] = true;
        ++completed;
        done(i, std::move(o));
      });
    }
  };
  fill();
  while (completed < domains.size() && engine.pending() > 0) {
    engine.pollOnce(std::chrono::milliseconds(1000));
    fill();
  }
  // An observation always completes; should one not, it is reported rather than lost.
  for (size_t i = 0; i < domains.size(); ++i) {
    if (finished[i]) continue;
    model::Observation o;
    o.domain = domains[i].lowercased().toString();
    o.domainUnicode = o.domain;
    o.error = "the observation did not complete";
    done(i, std::move(o));
  }
}

}  // namespace

int worseExitCode(int a, int b) {
  return rank(a) >= rank(b) ? a : b;
}

namespace {

// Prints the results, either all at the end (domains as arguments: one status line for the whole
// check, as a plugin must) or each as it completes (-f: its own status line and report).
class Printer {
 public:
  Printer(const CheckArgs& args, const Setup& setup, std::ostream& out, std::ostream& err)
      : args_(args), setup_(setup), out_(out), err_(err), streaming_(!args.domainsFile.empty()) {
    if (!streaming_) held_.resize(setup.domains.size());
  }

  void add(size_t index, model::Observation obs) {
    detect::computeFindings(obs, setup_.findings);
    const int code = static_cast<int>(detect::nagiosStatus(obs));
    exitCode_ = worseExitCode(exitCode_, code);
    ++counts_[static_cast<size_t>(code)];
    if (!streaming_) {
      held_[index] = std::move(obs);
      return;
    }
    clearProgress();
    if (args_.json) {
      out_ << probe::toJson(obs) << "\n";
    } else {
      if (done_ > 0) out_ << "\n";
      out_ << commands::statusLine({obs}, code, setup_.thresholds) << "\n"
           << probe::formatReport(obs, args_.colour);
    }
    out_.flush();
    ++done_;
    showProgress();
  }

  // `registrations`: with --rdap, one per domain, in the order of the domains.
  int finish(const std::vector<commands::RdapOutcome>& registrations, int64_t now) {
    clearProgress();
    if (streaming_) return exitCode_;
    if (!args_.json) out_ << commands::statusLine(held_, exitCode_, setup_.thresholds) << "\n";
    for (size_t i = 0; i < held_.size(); ++i) {
      const model::Observation& obs = held_[i];
      const commands::RdapOutcome* rdap = i < registrations.size() ? &registrations[i] : nullptr;
      if (args_.json) {
        std::string line = probe::toJson(obs);
        if (rdap) {
          line = commands::withMember(line, "registration",
                                      commands::registrationJson(*rdap, obs.parent.ns, now));
        }
        out_ << line << "\n";
      } else {
        out_ << probe::formatReport(obs, args_.colour);
        if (rdap) out_ << commands::formatRegistrationSection(*rdap, obs.parent.ns, now);
      }
    }
    out_.flush();
    return exitCode_;
  }

 private:
  void showProgress() {
    if (!args_.progress) return;
    err_ << "\rzonewatch check: " << done_ << "/" << setup_.domains.size() << " done, "
         << counts_[kExitCritical] << " critical, " << counts_[kExitWarning] << " warning, "
         << counts_[kExitUnknown] << " unknown" << std::flush;
    shown_ = true;
  }
  // Erases the progress line (CR, then EL: ECMA-48 §8.3.41) before a result is printed under it.
  void clearProgress() {
    if (!shown_) return;
    err_ << "\r\x1b[K" << std::flush;
    shown_ = false;
  }

  const CheckArgs& args_;
  const Setup& setup_;
  std::ostream& out_;
  std::ostream& err_;
  const bool streaming_;
  std::vector<model::Observation> held_;
  std::array<size_t, 4> counts_{};
  size_t done_ = 0;
  bool shown_ = false;
  int exitCode_ = kExitOk;
};

// The plugin's UNKNOWN status line on stdout, where Icinga reads it (guidelines: UNKNOWN for
// invalid arguments); none with --json, whose readers take every line for JSON.
// The text is cleaned as the status text is: a '|' typed in a domain would start perfdata.
void unknownLine(const CheckArgs& args, std::ostream& out, std::string why) {
  if (args.json) return;
  for (char& c : why) {
    if (c == '|' || c == '\n' || c == '\r') c = c == '|' ? '/' : ' ';
  }
  out << "ZONEWATCH UNKNOWN - " << why << "\n";
}

}  // namespace

int runCheck(const CheckArgs& args, std::istream& in, std::ostream& out, std::ostream& err) {
  auto setup = prepare(args, in);
  if (!setup) {
    unknownLine(args, out, setup.error().message);
    err << "zonewatch check: " << setup.error().message << "\n"
        << "Usage: zonewatch check [OPTIONS] DOMAIN...   ('zonewatch check --help' lists them)\n";
    return kExitUnknown;
  }
  auto operators = probe::OperatorResolver::load(args.pslFile);
  if (!operators) {
    unknownLine(args, out, operators.error().message);
    err << "zonewatch check: " << operators.error().message << "\n";
    return kExitUnknown;
  }
  auto engine = resolver::makeCaresEngine(setup->engine);
  if (!engine) {
    unknownLine(args, out, "cannot start the query engine");
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

  // The RDAP queries, beside the observations (check_rdap.h).
  std::future<std::vector<commands::RdapOutcome>> registrations;
  if (setup->rdap) {
    std::vector<std::string> names;
    for (const dns::Name& d : setup->domains) names.push_back(d.lowercased().toString());
    registrations = std::async(std::launch::async, commands::queryRegistrations,
                               std::cref(*setup->rdap), std::move(names));
  }
  Printer printer(args, *setup, out, err);
  observeBounded(prober, **engine, setup->domains, args.concurrency,
                 [&printer](size_t i, model::Observation o) { printer.add(i, std::move(o)); });
  return printer.finish(
      registrations.valid() ? registrations.get() : std::vector<commands::RdapOutcome>{},
      clock.nowUnix());
}

int runCheck(const CheckArgs& args, std::ostream& out, std::ostream& err) {
  return runCheck(args, std::cin, out, err);
}

int runCheck(const CheckArgs& args) {
  return runCheck(args, std::cin, std::cout, std::cerr);
}

}  // namespace zonewatch
