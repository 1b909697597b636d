#include "monitor/commands/plugin_output.h"

#include <algorithm>
#include <array>

#include "monitor/commands/exit_codes.h"
#include "monitor/detect/findings.h"
#include "monitor/model/finding_kind.h"
#include "monitor/model/security_state.h"
#include "monitor/model/severity.h"

namespace zonewatch::commands {
namespace {

// How many findings the status line names; the long output has them all.
constexpr size_t kMaxFindingsInLine = 4;

// '|' starts the perfdata and a line break the long output: neither may come from the text.
std::string clean(std::string text) {
  for (char& c : text) {
    if (c == '|') c = '/';
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) c = ' ';
  }
  return text;
}

// A label in single quotes when it holds a space, '=' or a quote, quotes doubled (guidelines).
std::string label(std::string_view prefix, std::string_view name) {
  std::string text = std::string(prefix) + std::string(name);
  if (text.find_first_of(" ='") == std::string::npos) return text;
  std::string quoted = "'";
  for (char c : text) quoted += c == '\'' ? std::string("''") : std::string(1, c);
  return quoted + "'";
}

bool answered(const model::ServerView& server) {
  return !server.error || !server.error->isTransport();
}

}  // namespace

std::string_view statusWord(int exitCode) {
  static constexpr std::array<std::string_view, 4> kWords = {"OK", "WARNING", "CRITICAL",
                                                             "UNKNOWN"};
  return exitCode >= 0 && exitCode < 4 ? kWords[static_cast<size_t>(exitCode)] : "UNKNOWN";
}

std::string statusText(const model::Observation& obs) {
  std::string text = obs.domain + " " + std::string(model::toString(obs.status));
  if (obs.error) return clean(text + " (" + obs.errorCode.value_or("observation_failed") + ")");
  // "secure (none)" would read as if something were missing: only a reason there is is named.
  if (obs.reason != model::SecurityReason::kNone) {
    text += " (" + std::string(model::toString(obs.reason)) + ")";
  }
  std::vector<const model::Finding*> loud;
  for (const model::Finding& f : obs.findings) {
    if (f.severity != model::Severity::kInfo) loud.push_back(&f);
  }
  // findingsOf() lists the worst first; keep that order, one name per kind.
  std::vector<std::string> names;
  for (const model::Finding* f : loud) {
    std::string name = std::string(model::toString(f->kind)) + " (" +
                       std::string(model::toString(f->severity)) + ")";
    if (std::find(names.begin(), names.end(), name) == names.end()) names.push_back(name);
  }
  for (size_t i = 0; i < names.size() && i < kMaxFindingsInLine; ++i) {
    text += (i == 0 ? ": " : ", ") + names[i];
  }
  if (names.size() > kMaxFindingsInLine) {
    text += ", " + std::to_string(names.size() - kMaxFindingsInLine) + " more";
  }
  return clean(text);
}

std::string perfdata(const model::Observation& obs, const SignatureThresholds& thresholds,
                     std::string_view prefix) {
  std::string out;
  if (!obs.error && obs.earliestRrsigExpiration) {
    out += label(prefix, "rrsig_expiry") + "=" +
           std::to_string(*obs.earliestRrsigExpiration - obs.observedAt) + "s;" +
           thresholds.warning.text() + ";" + thresholds.critical.text() + " ";
  }
  size_t answering = 0;
  double slowest = -1;
  for (const model::ServerView& s : obs.servers) {
    if (!answered(s)) continue;
    ++answering;
    slowest = std::max(slowest, s.rttMs / 1000.0);
  }
  out += label(prefix, "servers_answering") + "=" + std::to_string(answering) + ";;;0;" +
         std::to_string(obs.servers.size());
  if (slowest >= 0) out += " " + label(prefix, "rtt_max") + "=" + perfNumber(slowest) + "s;;;0";
  return out;
}

std::string statusLine(const std::vector<model::Observation>& observations, int exitCode,
                       const SignatureThresholds& thresholds) {
  std::string line = "ZONEWATCH " + std::string(statusWord(exitCode)) + " - ";
  if (observations.size() == 1) {
    return line + statusText(observations.front()) + " | " +
           perfdata(observations.front(), thresholds, "");
  }
  std::array<size_t, 4> counts{};
  std::string details, perf;
  for (const model::Observation& obs : observations) {
    const int code = static_cast<int>(detect::nagiosStatus(obs));
    ++counts[static_cast<size_t>(code)];
    if (code != kExitOk) details += "; " + statusText(obs);
    perf += (perf.empty() ? "" : " ") + perfdata(obs, thresholds, obs.domain + " ");
  }
  line += std::to_string(observations.size()) + " domains:";
  bool first = true;
  for (int code : {kExitCritical, kExitWarning, kExitUnknown, kExitOk}) {
    const size_t n = counts[static_cast<size_t>(code)];
    if (n == 0) continue;
    std::string word(statusWord(code));
    std::transform(word.begin(), word.end(), word.begin(), [](char c) { return c | 0x20; });
    line += (first ? " " : ", ") + std::to_string(n) + " " + word;
    first = false;
  }
  return line + details + " | " + perf;
}

}  // namespace zonewatch::commands
