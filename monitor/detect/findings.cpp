#include "monitor/detect/findings.h"

#include <algorithm>
#include <cctype>
#include <iterator>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "monitor/detect/domain_state.h"
#include "monitor/detect/glue_check.h"
#include "monitor/dns/types.h"
#include "monitor/util/join.h"

namespace zonewatch::detect {

// The observation's vocabulary (monitor/probe/observation.h), read here.
using detect::compareGlue;
using detect::GlueComparison;
using model::CdsCheck;
using model::ChainStep;
using model::DsInfo;
using model::FailedQuery;
using model::failedWith;
using model::Finding;
using model::FindingKind;
using model::Glue;
using model::KeyInfo;
using model::Observation;
using model::ParentServer;
using model::QueryError;
using model::QueryFailure;
using model::ServerView;
using model::Severity;

namespace {

// "ns1.example. 192.0.2.1"; just the name when the host's address could not be found.
std::string serverLabel(const std::string& name, const std::string& address) {
  return address.empty() ? name : name + " " + address;
}
std::string serverLabel(const ServerView& s) {
  return serverLabel(s.name, s.address);
}
std::string serverLabel(const ParentServer& s) {
  return serverLabel(s.name, s.address);
}

// No DNS message came back: the address did not answer, could not be found, or was never asked
// (the observation was cut short).
bool isTransportFailure(const std::optional<QueryError>& error) {
  return error && error->isTransport();
}

// The address gave an authoritative NOERROR answer: its data speaks for the zone.
bool authoritative(const ServerView& s) {
  return !s.error && s.aa && s.rcode == static_cast<uint16_t>(dns::Rcode::NoError);
}

std::string lower(std::string text) {
  for (char& c : text) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return text;
}

std::string upperAscii(std::string text) {
  for (char& c : text) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return text;
}

// Name sets compared as sets, case-insensitively (RFC 4343).
std::vector<std::string> normalizedNames(const std::vector<std::string>& names) {
  std::vector<std::string> out;
  out.reserve(names.size());
  for (const std::string& n : names) out.push_back(lower(n));
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

std::string setText(const std::vector<std::string>& items) {
  return items.empty() ? "(none)" : "{" + join(items) + "}";
}

std::vector<std::string> minus(const std::vector<std::string>& a,
                               const std::vector<std::string>& b) {
  std::vector<std::string> out;
  std::set_difference(a.begin(), a.end(), b.begin(), b.end(), std::back_inserter(out));
  return out;
}

std::string dsText(const DsInfo& ds) {
  return std::to_string(ds.keyTag) + " " + std::to_string(ds.algorithm) + " " +
         std::to_string(ds.digestType) + " " + ds.digest;
}

std::string dsSetText(std::vector<DsInfo> set) {
  std::sort(set.begin(), set.end());
  std::vector<std::string> items;
  for (const DsInfo& ds : set) items.push_back(dsText(ds));
  return setText(items);
}

std::string keyText(const KeyInfo& key) {
  return std::to_string(key.tag) + "/" + std::to_string(key.algorithm) + "/" +
         std::to_string(key.flags);
}

std::string keySetText(std::vector<KeyInfo> set) {
  std::sort(set.begin(), set.end());
  std::vector<std::string> items;
  for (const KeyInfo& key : set) items.push_back(keyText(key));
  return setText(items);
}

std::string glueText(const std::vector<Glue>& glue) {
  std::vector<std::string> items;
  for (const Glue& g : glue) items.push_back(lower(g.host) + " " + join(g.addresses, " "));
  std::sort(items.begin(), items.end());
  return setText(items);
}

// Collects problems that several servers may share, so that one finding names every server with
// the same problem instead of repeating itself per address.
class Grouped {
 public:
  void add(const std::string& message, const std::string& server) {
    auto [it, inserted] = groups_.try_emplace(message);
    if (inserted) order_.push_back(message);
    it->second.push_back(server);
  }
  void emit(std::vector<Finding>& out, FindingKind kind, Severity severity) const {
    for (const std::string& message : order_) {
      const std::vector<std::string>& servers = groups_.at(message);
      Finding f{kind, severity, message, std::nullopt};
      if (servers.size() == 1) {
        f.server = servers.front();
        f.message = servers.front() + ": " + message;
      } else {
        f.message = join(servers) + ": " + message;
      }
      out.push_back(std::move(f));
    }
  }

 private:
  std::vector<std::string> order_;
  std::map<std::string, std::vector<std::string>> groups_;
};

// "what" differs between servers: one finding listing each distinct value and who serves it.
void disagreement(std::vector<Finding>& out, FindingKind kind, const std::string& what,
                  const std::vector<std::pair<std::string, std::string>>& valueByServer) {
  std::vector<std::string> values;
  std::map<std::string, std::vector<std::string>> servers;
  for (const auto& [server, value] : valueByServer) {
    if (!servers.count(value)) values.push_back(value);
    servers[value].push_back(server);
  }
  if (values.size() < 2) return;
  std::vector<std::string> parts;
  for (const std::string& v : values) parts.push_back(v + " at " + join(servers[v]));
  out.push_back({kind, Severity::kWarning, what + " differ: " + join(parts, "; "), std::nullopt});
}

void checkParentChildNs(const Observation& obs, std::vector<Finding>& out) {
  const std::vector<std::string> parentNs = normalizedNames(obs.parent.ns);
  if (parentNs.empty()) return;  // no referral seen: nothing to compare with
  Grouped grouped;
  for (const ServerView& s : obs.servers) {
    if (!authoritative(s) || s.ns.empty()) continue;
    const std::vector<std::string> childNs = normalizedNames(s.ns);
    if (childNs == parentNs) continue;
    std::string message = "serves NS " + setText(childNs) + " but the parent " + obs.parent.zone +
                          " delegates to " + setText(parentNs);
    if (auto only = minus(parentNs, childNs); !only.empty()) {
      message += " (only at the parent: " + join(only) + ")";
    }
    if (auto only = minus(childNs, parentNs); !only.empty()) {
      message += " (only at the child: " + join(only) + ")";
    }
    grouped.add(message, serverLabel(s));
  }
  grouped.emit(out, FindingKind::kNsParentChildMismatch, Severity::kWarning);
}

void checkServersDisagree(const Observation& obs, std::vector<Finding>& out) {
  std::vector<std::pair<std::string, std::string>> serials, nsSets, keySets;
  for (const ServerView& s : obs.servers) {
    if (!authoritative(s)) continue;
    const std::string label = serverLabel(s);
    if (s.soaSerial) serials.emplace_back(label, std::to_string(*s.soaSerial));
    if (!s.ns.empty()) nsSets.emplace_back(label, setText(normalizedNames(s.ns)));
    keySets.emplace_back(label, keySetText(s.dnskey));
  }
  disagreement(out, FindingKind::kServersDisagree, "SOA serials", serials);
  disagreement(out, FindingKind::kServersDisagree, "NS sets", nsSets);
  disagreement(out, FindingKind::kServersDisagree, "DNSKEY sets (tag/algorithm/flags)", keySets);
}

void checkParentServersDisagree(const Observation& obs, std::vector<Finding>& out) {
  std::vector<std::pair<std::string, std::string>> nsSets, glueSets, dsSets;
  for (const ParentServer& p : obs.parent.servers) {
    if (p.error) continue;
    const std::string label = serverLabel(p);
    nsSets.emplace_back(label, setText(normalizedNames(p.ns)));
    glueSets.emplace_back(label, glueText(p.glue));
    dsSets.emplace_back(label, dsSetText(p.ds));
  }
  const std::string prefix = "servers of " + obs.parent.zone + " give ";
  disagreement(out, FindingKind::kParentServersDisagree, prefix + "NS sets that", nsSets);
  disagreement(out, FindingKind::kParentServersDisagree, prefix + "glue that", glueSets);
  disagreement(out, FindingKind::kParentServersDisagree, prefix + "DS sets that", dsSets);
}

// The parent's glue for an NS host inside the domain against the A/AAAA RRsets the domain's own
// servers serve for that host (ServerView::hostAddresses). RFC 1034 §4.2.1: glue is not
// authoritative data, so the child zone's records are what it must agree with; a resolver that
// follows stale glue asks an address the zone itself does not give the host. One finding per
// host, listing each address set served and by whom. Servers that gave no addresses for the host
// (they failed, or the host is in neither NS set they know) are not counted; glue for hosts outside
// the domain belongs to another zone and is not compared here.
void checkGlue(const Observation& obs, std::vector<Finding>& out) {
  for (const GlueComparison& c : compareGlue(obs)) {
    if (!c.seen() || c.matches()) continue;
    std::vector<std::string> parts;
    for (const auto& [addresses, servers] : c.served) {
      parts.push_back((addresses.empty() ? std::string("no address") : setText(addresses)) +
                      " at " + join(servers));
    }
    out.push_back({FindingKind::kGlueMismatch, Severity::kWarning,
                   "glue for " + c.host + " in " + obs.parent.zone + " is " + setText(c.glue) +
                       " but the domain's servers serve " + join(parts, "; "),
                   c.host});
  }
}

// The observation's own query cap, not the server, left the question unasked: observation_limited
// says so, and the server is not called unreachable for it.
bool notSent(const QueryError& why) {
  return why.failure == QueryFailure::kNotSent;
}

// "SERVFAIL" for the rcode failures, "a malformed answer", the failure's text otherwise.
std::string answerText(const QueryError& why) {
  switch (why.failure) {
    case QueryFailure::kServfail:
    case QueryFailure::kRefused:
    case QueryFailure::kNxdomain:
      return upperAscii(why.text());
    case QueryFailure::kMalformed:
      return "a malformed answer";
    default:
      return why.text();
  }
}

// The SOA was answered but other questions were not: the server is named with what failed, by
// kind (silence, no AA, an error rcode). Apex failures other than a CDS/CDNSKEY error rcode keep
// its data out of the verdict (ServerView::error); the NS hosts' address questions never do.
void partialFailures(const ServerView& s, std::vector<Finding>& out) {
  const std::string label = serverLabel(s);
  std::vector<std::string> silent, lame, failed;
  std::string silence;  // the first silent question's failure: "timeout", ...
  for (const FailedQuery& f : s.failedQueries) {
    if (notSent(f.why)) continue;
    if (!f.host.empty()) {
      failed.push_back(
          dns::typeToString(f.type) + " " + f.host + " " +
          (f.why.isTransport() ? "unanswered (" + f.why.text() + ")" : answerText(f.why)));
    } else if (f.why.isTransport()) {
      if (silence.empty()) silence = f.why.text();
      silent.push_back(dns::typeToString(f.type));
    } else if (f.why.failure == QueryFailure::kLame) {
      lame.push_back(dns::typeToString(f.type));
    } else {
      failed.push_back(dns::typeToString(f.type) + " " + answerText(f.why));
    }
  }
  const std::string leftOut = s.error ? "; its data is left out of the verdict" : "";
  if (!silent.empty()) {
    out.push_back({FindingKind::kServerUnreachable, Severity::kWarning,
                   label + ": no answer (" + silence + ") to " + join(silent) +
                       ", though it answered the SOA" + leftOut,
                   label});
  }
  if (!lame.empty()) {
    out.push_back({FindingKind::kLameServer, Severity::kWarning,
                   label + ": answered " + join(lame) +
                       " without the AA bit (not authoritative for that data)" + leftOut,
                   label});
  }
  if (!failed.empty()) {
    out.push_back({FindingKind::kServerQueryFailed, Severity::kWarning,
                   label + ": answered the SOA but " + join(failed) + leftOut, label});
  }
}

// How a server's answer failed, for lame_server: "answered without the AA bit (lame delegation)".
std::string answeredWhy(const QueryError& error, uint16_t rcode) {
  switch (error.failure) {
    case QueryFailure::kLame:
      return "answered without the AA bit (lame delegation)";
    case QueryFailure::kMalformed:
      return "sent a malformed answer";
    case QueryFailure::kRefused:
    case QueryFailure::kServfail:
      return "answered " + dns::rcodeToString(rcode);
    case QueryFailure::kNxdomain:
      return "answered NXDOMAIN for the zone's own apex";
    default:
      return "answered " + error.text();
  }
}

// Answered the SOA, then failed another question that keeps its data out (ServerView::error).
bool answeredSoaOnly(const ServerView& s) {
  if (!s.error || s.failedQueries.empty()) return false;
  return std::none_of(s.failedQueries.begin(), s.failedQueries.end(), [](const FailedQuery& f) {
    return f.type == dns::RRType::SOA && f.host.empty();
  });
}

void checkServers(const Observation& obs, std::vector<Finding>& out) {
  for (const ServerView& s : obs.servers) {
    const std::string label = serverLabel(s);
    const auto& failures = s.failedQueries;
    const bool soaFailed = std::any_of(failures.begin(), failures.end(), [](const FailedQuery& f) {
      return f.type == dns::RRType::SOA && f.host.empty();
    });
    if (!failures.empty() && !soaFailed && !failedWith(s.error, QueryFailure::kNotAsked) &&
        !failedWith(s.error, QueryFailure::kUnresolved)) {
      partialFailures(s, out);
      continue;
    }
    if (s.error && notSent(*s.error)) continue;
    if (isTransportFailure(s.error)) {
      std::string why;
      if (s.error->failure == QueryFailure::kUnresolved) {
        why = "no address found for the host";
      } else if (s.error->failure == QueryFailure::kTimeout ||
                 s.error->failure == QueryFailure::kNetwork) {
        why = "no answer (" + s.error->text() + ")";
      } else {
        why = "not asked (" + s.error->text() + ")";
      }
      if (!s.detail.empty()) why += ": " + s.detail;
      out.push_back(
          {FindingKind::kServerUnreachable, Severity::kWarning, label + ": " + why, label});
      continue;
    }
    std::string why;
    if (s.error) {
      why = answeredWhy(*s.error, s.rcode);
    } else if (s.rcode == static_cast<uint16_t>(dns::Rcode::Refused)) {
      why = "answered REFUSED";
    } else if (s.rcode != static_cast<uint16_t>(dns::Rcode::NoError)) {
      why = "answered " + dns::rcodeToString(s.rcode);
    } else if (!s.aa) {
      why = "answered without the AA bit (lame delegation)";
    }
    if (!why.empty())
      out.push_back({FindingKind::kLameServer, Severity::kWarning, label + ": " + why, label});
    // The SOA failed too: the other questions' failures add nothing worth a finding of their own.
  }
  // No server gave an authoritative answer: the domain does not resolve. Skipped when the
  // observation failed before reaching the domain's servers (observation.error says why).
  const bool anyAuthoritative = std::any_of(obs.servers.begin(), obs.servers.end(), authoritative);
  if (anyAuthoritative) return;
  // Servers the query cap kept from being asked did not fail: with no other server failing, the
  // observation was cut short (observation_limited), and nothing is known against the domain.
  const bool onlyNotSent = std::all_of(obs.servers.begin(), obs.servers.end(),
                                       [](const auto& s) { return s.error && notSent(*s.error); });
  if (!obs.servers.empty() && onlyNotSent) return;
  if (obs.servers.empty()) {
    if (obs.error || obs.parent.ns.empty()) return;
    out.push_back({FindingKind::kAllServersUnreachable, Severity::kCritical,
                   "no address was found for any name server of " + obs.domain, std::nullopt});
    return;
  }
  const auto partial = std::count_if(obs.servers.begin(), obs.servers.end(), answeredSoaOnly);
  const auto silent = std::count_if(
      obs.servers.begin(), obs.servers.end(),
      [](const ServerView& s) { return isTransportFailure(s.error) && !answeredSoaOnly(s); });
  std::string message = "none of the " + std::to_string(obs.servers.size()) +
                        " server addresses answered authoritatively";
  if (partial > 0) message += " every question";
  if (silent > 0) message += " (" + std::to_string(silent) + " did not answer at all)";
  if (partial > 0) {
    message += " (" + std::to_string(partial) + " answered the SOA but not the rest)";
  }
  out.push_back({FindingKind::kAllServersUnreachable, Severity::kCritical, message, std::nullopt});
}

std::string durationText(int64_t seconds) {
  const int64_t a = seconds < 0 ? -seconds : seconds;
  if (a >= 2 * 86400) return std::to_string(a / 86400) + "d";
  if (a >= 3600) return std::to_string(a / 3600) + "h" + std::to_string(a / 60 % 60) + "m";
  if (a >= 60) return std::to_string(a / 60) + "m";
  return std::to_string(a) + "s";
}

void checkSignatures(const Observation& obs, const DetectOptions& options,
                     std::vector<Finding>& out) {
  if (!obs.earliestRrsigExpiration) return;
  const int64_t remaining = *obs.earliestRrsigExpiration - obs.observedAt;
  Severity severity;
  if (remaining <= options.signatureCriticalSeconds) {
    severity = Severity::kCritical;
  } else if (remaining <= options.signatureWarningSeconds) {
    severity = Severity::kWarning;
  } else {
    return;
  }
  std::vector<std::string> where;
  for (const ServerView& s : obs.servers) {
    if (s.earliestRrsigExpiration == obs.earliestRrsigExpiration) where.push_back(serverLabel(s));
  }
  std::string message = remaining < 0 ? "signatures expired " + durationText(remaining) + " ago"
                                      : "signatures expire in " + durationText(remaining);
  if (!where.empty()) message += " (at " + join(where) + ")";
  out.push_back({FindingKind::kSignatureExpiring, severity, message,
                 where.size() == 1 ? std::optional<std::string>(where.front()) : std::nullopt});
}

// CDS/CDNSKEY against the zone's own keys (ServerView::cdsCheck, computed by the prober from the
// RDATA) and between servers, and the RFC 8078 §4 delete request.
void checkCds(const Observation& obs, std::vector<Finding>& out) {
  std::vector<std::string> deleting;
  Grouped inconsistent, unchecked;
  std::vector<std::pair<std::string, std::string>> published;
  bool anyPublished = false;
  for (const ServerView& s : obs.servers) {
    if (!authoritative(s) || !s.cdsAnswered()) continue;
    const std::string label = serverLabel(s);
    const CdsCheck& c = s.cdsCheck;
    if (c.cdsDelete || c.cdnskeyDelete) deleting.push_back(label);
    anyPublished = anyPublished || !s.cds.empty() || !s.cdnskey.empty();
    published.emplace_back(label, "CDS " + dsSetText(s.cds) + " CDNSKEY " + keySetText(s.cdnskey));

    // RFC 7344 §4.1: the CDS/CDNSKEY RRsets describe keys of the zone's DNSKEY RRset, by digest
    // and by RDATA respectively; a tag and algorithm that merely agree do not make it so.
    for (const DsInfo& d : c.cdsWithoutKey) {
      inconsistent.add("CDS " + dsText(d) + " is the digest of no DNSKEY the zone serves", label);
    }
    for (const KeyInfo& k : c.cdnskeyWithoutKey) {
      inconsistent.add(
          "CDNSKEY " + keyText(k) + " (tag/algorithm/flags) equals no DNSKEY the zone serves",
          label);
    }
    // RFC 7344 §4.1, RFC 8078 §3: when both are published they must describe the same keys.
    if (!c.cdsWithoutCdnskey.empty() || !c.cdnskeyWithoutCds.empty()) {
      std::string message = "CDS and CDNSKEY describe different keys";
      if (!c.cdsWithoutCdnskey.empty()) {
        message += " (CDS without a CDNSKEY: " + dsSetText(c.cdsWithoutCdnskey) + ")";
      }
      if (!c.cdnskeyWithoutCds.empty()) {
        message += " (CDNSKEY without a CDS: " + keySetText(c.cdnskeyWithoutCds) + ")";
      }
      inconsistent.add(message, label);
    }
    for (const DsInfo& d : c.cdsUnchecked) {
      unchecked.add("CDS " + dsText(d) + " uses digest type " + std::to_string(d.digestType) +
                        ", which zonewatch cannot compute: not checked against the DNSKEYs",
                    label);
    }
  }
  if (!deleting.empty()) {
    out.push_back(
        {FindingKind::kCdsDelete, Severity::kWarning,
         "CDS/CDNSKEY delete records published (RFC 8078 §4: the parent is asked to "
         "remove the DS and turn DNSSEC off) at " +
             join(deleting),
         deleting.size() == 1 ? std::optional<std::string>(deleting.front()) : std::nullopt});
  }
  inconsistent.emit(out, FindingKind::kCdsInconsistent, Severity::kWarning);
  unchecked.emit(out, FindingKind::kCdsUnchecked, Severity::kInfo);
  // A parent polling one server must see what it would see at any other (RFC 7344 §4.1); this
  // also catches CDS present with CDNSKEY absent on some servers.
  if (anyPublished) {
    disagreement(out, FindingKind::kCdsInconsistent, "CDS/CDNSKEY RRsets between servers",
                 published);
  }
}

// RFC 7344 §4: a CDS/CDNSKEY RRset that differs from the parent's DS RRset asks the parent to
// change it (detect::cdsPending, which the daemon's cds_pending event reads too). Routine, so
// informational; the delete request has a finding of its own.
void checkCdsPending(const Observation& obs, std::vector<Finding>& out) {
  const bool parentAnswered = std::any_of(obs.parent.servers.begin(), obs.parent.servers.end(),
                                          [](const ParentServer& p) { return !p.error; });
  if (!parentAnswered || obs.error) return;
  const DomainState state = stateFromObservation(obs, nullptr);
  if (!cdsPending(state)) return;
  const std::string asked =
      !state.cds.empty() ? "CDS " + dsSetText(state.cds) : "CDNSKEY " + keySetText(state.cdnskey);
  out.push_back({FindingKind::kCdsPending, Severity::kInfo,
                 "the servers publish " + asked + " but " + obs.parent.zone + " publishes DS " +
                     dsSetText(obs.parent.ds) +
                     ": a request to the parent to change it (RFC 7344 §4)",
                 std::nullopt});
}

bool deprecated(uint8_t algorithm) {
  // RFC 8624 §3.1: RSASHA1 (5) and RSASHA1-NSEC3-SHA1 (7) are NOT RECOMMENDED for signing.
  return algorithm == dns::algorithm::kRsaSha1 || algorithm == dns::algorithm::kRsaSha1Nsec3Sha1;
}

void checkAlgorithms(const Observation& obs, std::vector<Finding>& out) {
  std::set<std::string> where;
  for (const ServerView& s : obs.servers) {
    for (const KeyInfo& k : s.dnskey) {
      if (deprecated(k.algorithm)) {
        where.insert("DNSKEY " + std::to_string(k.tag) + " algorithm " +
                     std::to_string(k.algorithm));
      }
    }
  }
  for (const DsInfo& ds : obs.parent.ds) {
    if (deprecated(ds.algorithm)) {
      where.insert("DS " + std::to_string(ds.keyTag) + " algorithm " +
                   std::to_string(ds.algorithm));
    }
  }
  for (const ChainStep& step : obs.chain) {
    if (step.reason == model::SecurityReason::kDeprecatedAlgorithm) {
      where.insert("chain step " + step.zone + " validated through a deprecated algorithm");
    }
  }
  if (where.empty() && obs.reason == model::SecurityReason::kDeprecatedAlgorithm) {
    where.insert("validated through a deprecated algorithm");
  }
  if (where.empty()) return;
  out.push_back({FindingKind::kDeprecatedAlgorithm, Severity::kWarning,
                 "RSASHA1 / RSASHA1-NSEC3-SHA1 in use (RFC 8624 §3.1): " +
                     join(std::vector<std::string>(where.begin(), where.end())),
                 std::nullopt});
}

void checkValidation(const Observation& obs, std::vector<Finding>& out) {
  const std::string reason(model::toString(obs.reason));
  const std::string detail = obs.detail.empty() ? "" : ": " + obs.detail;
  if (obs.status == model::SecurityState::kBogus) {
    out.push_back({FindingKind::kDnssecBogus, Severity::kCritical,
                   "DNSSEC bogus, " + reason + detail, std::nullopt});
  } else if (obs.status == model::SecurityState::kIndeterminate && !obs.error) {
    // (When the observation failed as a whole, its error already says why; no finding repeats it.)
    out.push_back({FindingKind::kValidationIndeterminate, Severity::kWarning,
                   "DNSSEC status indeterminate, " + reason + detail, std::nullopt});
  }
}

// RFC 2181 §10.3: an NS record names a host, never an alias. Resolvers follow it, so the servers
// behind it were asked, but a resolver may refuse to.
void checkAliases(const Observation& obs, std::vector<Finding>& out) {
  if (obs.nsAliases.empty()) return;
  out.push_back(
      {FindingKind::kNsHostAlias, Severity::kWarning,
       "NS hosts that are aliases (CNAME; RFC 2181 §10.3 forbids it): " + join(obs.nsAliases),
       std::nullopt});
}

// What a cap or the observation's deadline cut short: the verdict rests on less than every server.
void checkLimits(const Observation& obs, std::vector<Finding>& out) {
  if (obs.limits.empty()) return;
  out.push_back({FindingKind::kObservationLimited, Severity::kWarning,
                 "the observation was cut short: " + join(obs.limits, "; "), std::nullopt});
}

// NS hosts that can only be found through the zones they serve (no glue breaks the circle).
void checkCycles(const Observation& obs, std::vector<Finding>& out) {
  std::vector<std::string> hosts;
  for (const ServerView& s : obs.servers) {
    if (failedWith(s.error, QueryFailure::kUnresolved) &&
        s.detail.starts_with("ns_resolution_cycle")) {
      hosts.push_back(s.name + " (" + s.detail.substr(s.detail.find(": ") + 2) + ")");
    }
  }
  if (hosts.empty()) return;
  out.push_back({FindingKind::kNsResolutionCycle, Severity::kWarning,
                 "name server hosts that cannot be resolved without themselves: " + join(hosts),
                 std::nullopt});
}

// Cuts at a UTF-8 character boundary (never inside a multi-octet sequence).
void capMessage(std::string& message) {
  if (message.size() <= kMaxFindingMessageBytes) return;
  size_t cut = kMaxFindingMessageBytes;
  while (cut > 0 && (static_cast<unsigned char>(message[cut]) & 0xC0) == 0x80) --cut;
  const size_t left = message.size() - cut;
  message.resize(cut);
  message += "… (" + std::to_string(left) + " more bytes)";
}

}  // namespace

std::vector<Finding> findingsOf(const Observation& observation, const DetectOptions& options) {
  std::vector<Finding> out;
  checkValidation(observation, out);
  checkServers(observation, out);
  checkSignatures(observation, options, out);
  checkParentChildNs(observation, out);
  checkServersDisagree(observation, out);
  checkParentServersDisagree(observation, out);
  checkGlue(observation, out);
  checkCds(observation, out);
  checkCdsPending(observation, out);
  checkAlgorithms(observation, out);
  checkCycles(observation, out);
  checkAliases(observation, out);
  checkLimits(observation, out);
  // The worst first, so the top of the list is what to fix first; order within a severity is the
  // order of the checks above, which is stable.
  std::stable_sort(out.begin(), out.end(),
                   [](const Finding& a, const Finding& b) { return a.severity > b.severity; });
  for (Finding& f : out) capMessage(f.message);
  return out;
}

void computeFindings(Observation& observation, const DetectOptions& options) {
  observation.findings = findingsOf(observation, options);
}

NagiosStatus nagiosStatus(const Observation& observation) {
  // A failed observation never reached the domain's servers: nothing is known about the domain.
  // Servers that were reached and all stayed silent are a fact about the domain, CRITICAL through
  // all_servers_unreachable whatever the chain above says (signed or not).
  if (observation.error) return NagiosStatus::kUnknown;
  auto has = [&](Severity severity) {
    return std::any_of(observation.findings.begin(), observation.findings.end(),
                       [&](const Finding& f) { return f.severity == severity; });
  };
  if (has(Severity::kCritical)) return NagiosStatus::kCritical;
  if (has(Severity::kWarning)) return NagiosStatus::kWarning;
  return NagiosStatus::kOk;
}

}  // namespace zonewatch::detect
