#include "monitor/probe/report.h"

#include <algorithm>
#include <array>
#include <cstdio>
#include <string>
#include <vector>

#include "monitor/dns/types.h"
#include "monitor/util/time_text.h"

namespace zonewatch::probe {

// The observation's records (monitor/model/observation.h).
using model::ChainStep;
using model::DsInfo;
using model::FailedQuery;
using model::Finding;
using model::Glue;
using model::KeyInfo;
using model::Observation;
using model::ParentServer;
using model::ParentView;
using model::ServerView;
using model::Severity;
namespace {

// SGR parameters (ECMA-48 §8.3.117).
constexpr std::string_view kBold = "1";
constexpr std::string_view kRed = "1;31";
constexpr std::string_view kGreen = "32";
constexpr std::string_view kYellow = "33";
constexpr std::string_view kMagenta = "35";
constexpr std::string_view kDim = "2";

class Painter {
 public:
  explicit Painter(bool colour) : colour_(colour) {}
  std::string operator()(std::string_view text, std::string_view sgr) const {
    if (!colour_ || sgr.empty() || text.empty()) return std::string(text);
    return "\x1b[" + std::string(sgr) + "m" + std::string(text) + "\x1b[0m";
  }

 private:
  bool colour_;
};

std::string_view stateColour(model::SecurityState state) {
  switch (state) {
    case model::SecurityState::kSecure:
      return kGreen;
    case model::SecurityState::kInsecure:
      return kYellow;
    case model::SecurityState::kBogus:
      return kRed;
    case model::SecurityState::kIndeterminate:
      return kMagenta;
  }
  return {};
}

std::string_view severityColour(Severity severity) {
  switch (severity) {
    case Severity::kCritical:
      return kRed;
    case Severity::kWarning:
      return kYellow;
    case Severity::kInfo:
      return {};
  }
  return {};
}

std::string upper(std::string_view text) {
  std::string out(text);
  for (char& c : out) {
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  }
  return out;
}

template <class T, class F>
std::string joinMap(const std::vector<T>& items, F&& text, std::string_view separator = " ") {
  std::string out;
  for (const T& item : items) {
    if (!out.empty()) out += separator;
    out += text(item);
  }
  return out;
}

std::string tags(const std::vector<uint16_t>& list) {
  if (list.empty()) return "-";
  return joinMap(list, [](uint16_t t) { return std::to_string(t); });
}

std::string relative(int64_t seconds) {
  const int64_t a = seconds < 0 ? -seconds : seconds;
  std::string amount;
  if (a >= 2 * 86400) {
    amount = std::to_string(a / 86400) + "d";
  } else if (a >= 3600) {
    amount = std::to_string(a / 3600) + "h";
  } else {
    amount = std::to_string(a / 60) + "m";
  }
  return seconds < 0 ? amount + " ago" : "in " + amount;
}

std::string digestName(uint8_t type) {
  switch (type) {
    case dns::digest::kSha1:
      return "SHA-1";
    case dns::digest::kSha256:
      return "SHA-256";
    case dns::digest::kSha384:
      return "SHA-384";
    default:
      return "digest " + std::to_string(type);
  }
}

// A table whose columns are as wide as their widest cell; colour is applied after padding so that
// escape sequences never count towards the width.
struct Cell {
  std::string text;
  std::string_view sgr;
};

std::string table(const std::vector<std::vector<Cell>>& rows, const Painter& paint,
                  std::string_view indent) {
  std::vector<size_t> widths;
  for (const auto& row : rows) {
    if (widths.size() < row.size()) widths.resize(row.size(), 0);
    for (size_t i = 0; i < row.size(); ++i) widths[i] = std::max(widths[i], row[i].text.size());
  }
  std::string out;
  for (const auto& row : rows) {
    std::string line(indent);
    for (size_t i = 0; i < row.size(); ++i) {
      line += paint(row[i].text, row[i].sgr);
      if (i + 1 < row.size()) line += std::string(widths[i] - row[i].text.size() + 2, ' ');
    }
    while (!line.empty() && line.back() == ' ') line.pop_back();
    out += line + "\n";
  }
  return out;
}

std::string heading(const Painter& paint, std::string_view text) {
  return "\n" + paint(text, kBold) + "\n";
}

std::string verdict(const Observation& obs, const Painter& paint) {
  std::string line = paint(upper(model::toString(obs.status)), stateColour(obs.status));
  if (obs.reason != model::SecurityReason::kNone)
    line += ", " + std::string(model::toString(obs.reason));
  if (obs.ede) {
    line += " (EDE " + std::to_string(*obs.ede);
    if (auto name = edeName(*obs.ede); !name.empty()) line += ": " + std::string(name);
    line += ")";
  }
  // A failed observation carries its error as the detail too; the Error line shows it once.
  if (!obs.detail.empty() && obs.detail != obs.error) line += " — " + obs.detail;
  return line;
}

std::string chainSection(const Observation& obs, const Painter& paint) {
  if (obs.chain.empty()) return "";
  std::vector<std::vector<Cell>> rows;
  for (const ChainStep& step : obs.chain) {
    std::string reason = step.reason == model::SecurityReason::kNone
                             ? ""
                             : std::string(model::toString(step.reason));
    rows.push_back({{step.zone, {}},
                    {std::string(model::toString(step.state)), stateColour(step.state)},
                    {"DS " + tags(step.dsTags) + " → DNSKEY " + tags(step.dnskeyTags), {}},
                    {reason, kDim}});
  }
  return heading(paint, "Chain of trust") + table(rows, paint, "  ");
}

std::string delegationSection(const Observation& obs, const Painter& paint) {
  const ParentView& parent = obs.parent;
  if (parent.zone.empty() && parent.servers.empty()) return "";
  const auto answered = std::count_if(parent.servers.begin(), parent.servers.end(),
                                      [](const ParentServer& p) { return !p.error; });
  std::string out = heading(paint, "Delegation from " + (parent.zone.empty() ? "?" : parent.zone));
  out.pop_back();
  out += " (" + std::to_string(answered) + " of " + std::to_string(parent.servers.size()) +
         " parent server addresses answered)\n";
  std::vector<std::vector<Cell>> rows;
  rows.push_back({{"NS", kBold},
                  {parent.ns.empty() ? "-" : joinMap(parent.ns, [](auto& s) { return s; }), {}}});
  if (parent.glue.empty()) {
    rows.push_back({{"Glue", kBold}, {"-", {}}});
  } else {
    for (size_t i = 0; i < parent.glue.size(); ++i) {
      const Glue& g = parent.glue[i];
      rows.push_back({{i == 0 ? "Glue" : "", kBold},
                      {g.host + " " + joinMap(g.addresses, [](auto& s) { return s; }), {}}});
    }
  }
  if (parent.ds.empty()) {
    std::string text = "none";
    if (!parent.denial.empty() && parent.denial != "none") {
      text += " (absence proven by " + parent.denial + ")";
    } else if (parent.denial == "none") {
      text += " (no proof of absence)";
    }
    rows.push_back({{"DS", kBold}, {text, {}}});
  } else {
    for (size_t i = 0; i < parent.ds.size(); ++i) {
      const DsInfo& ds = parent.ds[i];
      rows.push_back({{i == 0 ? "DS" : "", kBold},
                      {std::to_string(ds.keyTag) + " alg " + std::to_string(ds.algorithm) + " " +
                           digestName(ds.digestType) + " " + ds.digest,
                       {}}});
    }
  }
  out += table(rows, paint, "  ");
  // Only the parent servers that failed are listed: the others agree with the lines above, or a
  // parent_servers_disagree finding says how they do not.
  std::vector<std::vector<Cell>> failed;
  for (const ParentServer& p : parent.servers) {
    if (!p.error) continue;
    failed.push_back({{p.name, {}}, {p.address, {}}, {p.error->text(), kYellow}});
  }
  if (!failed.empty()) out += "  Parent servers that failed:\n" + table(failed, paint, "    ");
  return out;
}

std::string serversSection(const Observation& obs, const Painter& paint) {
  if (obs.servers.empty()) return heading(paint, "Servers") + "  (none reached)\n";
  std::vector<std::vector<Cell>> rows;
  rows.push_back({{"NAME", kBold},
                  {"ADDRESS", kBold},
                  {"ANSWER", kBold},
                  {"SERIAL", kBold},
                  {"DNSKEY", kBold},
                  {"RRSIG EXPIRES", kBold},
                  {"STATE", kBold}});
  for (const ServerView& s : obs.servers) {
    Cell answer;
    const bool soaFailed = std::any_of(
        s.failedQueries.begin(), s.failedQueries.end(),
        [](const FailedQuery& f) { return f.type == dns::RRType::SOA && f.host.empty(); });
    if (s.error && !s.failedQueries.empty() && !soaFailed) {
      // The SOA came back; say which of the other questions did not, and how.
      std::string apex;  // "DNSKEY servfail, CDS refused": the host-address questions left out
      for (const FailedQuery& f : s.failedQueries) {
        if (!f.host.empty()) continue;
        apex += (apex.empty() ? "" : ", ") + f.text();
      }
      answer = {apex, kYellow};
    } else if (s.error) {
      answer = {s.error->text(), kYellow};
    } else {
      answer = {dns::rcodeToString(s.rcode) + (s.aa ? " aa" : " no-aa"),
                s.aa && s.rcode == 0 ? std::string_view{} : kYellow};
    }
    if (!s.error && s.rttMs > 0) {
      std::array<char, 32> rtt{};
      std::snprintf(rtt.data(), rtt.size(), " %.1fms", s.rttMs);
      answer.text += rtt.data();
    }
    std::vector<uint16_t> keyTags;
    for (const KeyInfo& k : s.dnskey) keyTags.push_back(k.tag);
    rows.push_back(
        {{s.name, {}},
         {s.address.empty() ? "-" : s.address, {}},
         answer,
         {s.soaSerial ? std::to_string(*s.soaSerial) : "-", {}},
         {tags(keyTags), {}},
         {s.earliestRrsigExpiration ? formatRfc3339(*s.earliestRrsigExpiration) : "-", {}},
         {std::string(model::toString(s.state)), stateColour(s.state)}});
  }
  return heading(paint, "Servers") + table(rows, paint, "  ");
}

std::string findingsSection(const Observation& obs, const Painter& paint) {
  if (obs.findings.empty()) return heading(paint, "Findings") + "  none\n";
  std::vector<std::vector<Cell>> rows;
  for (const Finding& f : obs.findings) {
    rows.push_back({{upper(toString(f.severity)), severityColour(f.severity)},
                    {std::string(model::toString(f.kind)), {}},
                    {f.message, {}}});
  }
  return heading(paint, "Findings") + table(rows, paint, "  ");
}

}  // namespace

std::string_view edeName(uint16_t code) {
  // RFC 8914 §5.2 and the IANA registry (27: RFC 9276 §6).
  static constexpr std::array<std::string_view, 28> kNames{
      "Other Error",
      "Unsupported DNSKEY Algorithm",
      "Unsupported DS Digest Type",
      "Stale Answer",
      "Forged Answer",
      "DNSSEC Indeterminate",
      "DNSSEC Bogus",
      "Signature Expired",
      "Signature Not Yet Valid",
      "DNSKEY Missing",
      "RRSIGs Missing",
      "No Zone Key Bit Set",
      "NSEC Missing",
      "Cached Error",
      "Not Ready",
      "Blocked",
      "Censored",
      "Filtered",
      "Prohibited",
      "Stale NXDomain Answer",
      "Not Authoritative",
      "Not Supported",
      "No Reachable Authority",
      "Network Error",
      "Invalid Data",
      "Signature Expired before Valid",
      "Too Early",
      "Unsupported NSEC3 Iterations Value",
  };
  return code < kNames.size() ? kNames[code] : std::string_view{};
}

std::string formatReport(const Observation& obs, bool colour) {
  const Painter paint(colour);
  std::string out;
  const std::string unicode = obs.domainUnicode.empty() ? obs.domain : obs.domainUnicode;
  out += paint(unicode, kBold);
  if (unicode != obs.domain) out += " (" + obs.domain + ")";
  out += "\n";

  std::vector<std::vector<Cell>> rows;
  rows.push_back({{"Verdict", kBold}, {verdict(obs, paint), {}}});
  if (obs.error) rows.push_back({{"Error", kBold}, {*obs.error, kRed}});
  rows.push_back({{"Observed", kBold}, {formatRfc3339(obs.observedAt), {}}});
  rows.push_back({{"Operators", kBold},
                  {obs.operators.empty() ? "-"
                                         : joinMap(
                                               obs.operators, [](auto& s) { return s; }, ", "),
                   {}}});
  if (obs.earliestRrsigExpiration) {
    rows.push_back({{"RRSIG expiry", kBold},
                    {formatRfc3339(*obs.earliestRrsigExpiration) + " (" +
                         relative(*obs.earliestRrsigExpiration - obs.observedAt) + ")",
                     {}}});
  }
  // The verdict cell is painted already; as the last column its escapes never count towards a
  // width.
  out += table(rows, paint, "  ");
  out += chainSection(obs, paint);
  out += delegationSection(obs, paint);
  out += serversSection(obs, paint);
  out += findingsSection(obs, paint);
  return out;
}

}  // namespace zonewatch::probe
