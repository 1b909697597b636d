#include "monitor/probe/findings.h"

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

#include "monitor/dns/types.h"

namespace zonewatch::probe {

std::string_view toString(Severity severity) {
  switch (severity) {
    case Severity::kInfo:
      return "info";
    case Severity::kWarning:
      return "warning";
    case Severity::kCritical:
      return "critical";
  }
  return "warning";
}

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
bool isTransportFailure(const std::optional<std::string>& error) {
  return error && (*error == "timeout" || *error == "network" || *error == "unresolved" ||
                   *error == "cancelled" || *error == "not asked");
}

// The address gave an authoritative NOERROR answer: its data speaks for the zone.
bool authoritative(const ServerView& s) {
  return !s.error && s.aa && s.rcode == static_cast<uint16_t>(dns::Rcode::NoError);
}

std::string lower(std::string text) {
  for (char& c : text) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return text;
}

std::string join(const std::vector<std::string>& items, std::string_view separator = ", ") {
  std::string out;
  for (const std::string& item : items) {
    if (!out.empty()) out += separator;
    out += item;
  }
  return out;
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

// "ns1.example. 192.0.2.1" without a ":port" suffix, to compare with glue addresses.
std::string bareAddress(const std::string& address) {
  if (!address.empty() && address.front() == '[') {
    const size_t close = address.find(']');
    return close == std::string::npos ? address : address.substr(1, close - 1);
  }
  if (std::count(address.begin(), address.end(), ':') == 1)
    return address.substr(0, address.find(':'));
  return address;
}

bool isIpv6(const std::string& address) {
  return address.find(':') != std::string::npos;
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
  void emit(std::vector<Finding>& out, const std::string& code, Severity severity) const {
    for (const std::string& message : order_) {
      const std::vector<std::string>& servers = groups_.at(message);
      Finding f{code, severity, message, std::nullopt};
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
void disagreement(std::vector<Finding>& out, const std::string& code, const std::string& what,
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
  out.push_back({code, Severity::kWarning, what + " differ: " + join(parts, "; "), std::nullopt});
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
  grouped.emit(out, "ns_parent_child_mismatch", Severity::kWarning);
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
  disagreement(out, "servers_disagree", "SOA serials", serials);
  disagreement(out, "servers_disagree", "NS sets", nsSets);
  disagreement(out, "servers_disagree", "DNSKEY sets (tag/algorithm/flags)", keySets);
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
  disagreement(out, "parent_servers_disagree", prefix + "NS sets that", nsSets);
  disagreement(out, "parent_servers_disagree", prefix + "glue that", glueSets);
  disagreement(out, "parent_servers_disagree", prefix + "DS sets that", dsSets);
}

// The observation holds the parent's glue and the addresses the prober asked for each NS host, not
// the A/AAAA RRsets the child zone itself serves for its hosts. So this compares glue with the
// addresses that were queried under that host name: a host the prober reached at addresses the
// glue does not list (it found them elsewhere) or glue addresses it never saw answering are
// mismatches. Only the address families the prober used are compared (--ipv4-only and
// --ipv6-only leave the other family unasked), and hosts with no queried address are skipped.
void checkGlue(const Observation& obs, std::vector<Finding>& out) {
  bool usedV4 = false, usedV6 = false;
  for (const ServerView& s : obs.servers) {
    if (!s.address.empty()) (isIpv6(bareAddress(s.address)) ? usedV6 : usedV4) = true;
  }
  for (const Glue& glue : obs.parent.glue) {
    std::vector<std::string> queried;
    for (const ServerView& s : obs.servers) {
      if (!s.address.empty() && lower(s.name) == lower(glue.host)) {
        queried.push_back(bareAddress(s.address));
      }
    }
    if (queried.empty()) continue;
    std::vector<std::string> glueAddresses;
    for (const std::string& a : glue.addresses) {
      if (isIpv6(a) ? usedV6 : usedV4) glueAddresses.push_back(a);
    }
    std::sort(queried.begin(), queried.end());
    queried.erase(std::unique(queried.begin(), queried.end()), queried.end());
    std::sort(glueAddresses.begin(), glueAddresses.end());
    if (queried == glueAddresses) continue;
    out.push_back({"glue_mismatch", Severity::kWarning,
                   "glue for " + glue.host + " in " + obs.parent.zone + " is " +
                       setText(glueAddresses) + " but the host was reached at " + setText(queried),
                   glue.host});
  }
}

void checkServers(const Observation& obs, std::vector<Finding>& out) {
  for (const ServerView& s : obs.servers) {
    const std::string label = serverLabel(s);
    if (isTransportFailure(s.error)) {
      std::string why;
      if (*s.error == "unresolved") {
        why = "no address found for the host";
      } else if (*s.error == "timeout" || *s.error == "network") {
        why = "no answer (" + *s.error + ")";
      } else {
        why = "not asked (" + *s.error + ")";
      }
      if (!s.detail.empty()) why += ": " + s.detail;
      out.push_back({"server_unreachable", Severity::kWarning, label + ": " + why, label});
      continue;
    }
    std::string why;
    if (s.error) {
      if (*s.error == "lame") {
        why = "answered without the AA bit (lame delegation)";
      } else if (*s.error == "malformed") {
        why = "sent a malformed answer";
      } else if (*s.error == "refused" || *s.error == "servfail") {
        why = "answered " + dns::rcodeToString(s.rcode);
      } else {
        why = "answered " + *s.error;
      }
    } else if (s.rcode == static_cast<uint16_t>(dns::Rcode::Refused)) {
      why = "answered REFUSED";
    } else if (s.rcode != static_cast<uint16_t>(dns::Rcode::NoError)) {
      why = "answered " + dns::rcodeToString(s.rcode);
    } else if (!s.aa) {
      why = "answered without the AA bit (lame delegation)";
    }
    if (!why.empty()) out.push_back({"lame_server", Severity::kWarning, label + ": " + why, label});
  }
  // No server gave an authoritative answer: the domain does not resolve. Skipped when the
  // observation failed before reaching the domain's servers (observation.error says why).
  const bool anyAuthoritative = std::any_of(obs.servers.begin(), obs.servers.end(), authoritative);
  if (anyAuthoritative) return;
  if (obs.servers.empty()) {
    if (obs.error || obs.parent.ns.empty()) return;
    out.push_back({"all_servers_unreachable", Severity::kCritical,
                   "no address was found for any name server of " + obs.domain, std::nullopt});
    return;
  }
  const auto silent =
      std::count_if(obs.servers.begin(), obs.servers.end(),
                    [](const ServerView& s) { return isTransportFailure(s.error); });
  std::string message = "none of the " + std::to_string(obs.servers.size()) +
                        " server addresses answered authoritatively";
  if (silent > 0) message += " (" + std::to_string(silent) + " did not answer at all)";
  out.push_back({"all_servers_unreachable", Severity::kCritical, message, std::nullopt});
}

std::string durationText(int64_t seconds) {
  const int64_t a = seconds < 0 ? -seconds : seconds;
  if (a >= 2 * 86400) return std::to_string(a / 86400) + "d";
  if (a >= 3600) return std::to_string(a / 3600) + "h" + std::to_string(a / 60 % 60) + "m";
  if (a >= 60) return std::to_string(a / 60) + "m";
  return std::to_string(a) + "s";
}

void checkSignatures(const Observation& obs, const FindingOptions& options,
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
  out.push_back({"signature_expiring", severity, message,
                 where.size() == 1 ? std::optional<std::string>(where.front()) : std::nullopt});
}

// RFC 8078 §4: CDS "0 0 0 00" and CDNSKEY "0 3 0 AA==" ask the parent to remove the DS RRset.
// Algorithm 0 is reserved (RFC 4034 Appendix A.1) and used by nothing else.
bool isDelete(const DsInfo& cds) {
  return cds.algorithm == 0 && cds.digestType == 0;
}
bool isDelete(const KeyInfo& cdnskey) {
  return cdnskey.algorithm == 0 && cdnskey.flags == 0;
}

void checkCds(const Observation& obs, std::vector<Finding>& out) {
  std::vector<std::string> deleting;
  Grouped inconsistent;
  std::vector<std::pair<std::string, std::string>> published;
  bool anyPublished = false;
  for (const ServerView& s : obs.servers) {
    if (!authoritative(s)) continue;
    const std::string label = serverLabel(s);
    const bool del =
        std::any_of(s.cds.begin(), s.cds.end(), [](auto& c) { return isDelete(c); }) ||
        std::any_of(s.cdnskey.begin(), s.cdnskey.end(), [](auto& c) { return isDelete(c); });
    if (del) deleting.push_back(label);
    anyPublished = anyPublished || !s.cds.empty() || !s.cdnskey.empty();
    published.emplace_back(label, "CDS " + dsSetText(s.cds) + " CDNSKEY " + keySetText(s.cdnskey));

    // RFC 7344 §4.1: CDS/CDNSKEY describe keys the zone publishes in its DNSKEY RRset.
    auto hasKey = [&](uint16_t tag, uint8_t alg) {
      return std::any_of(s.dnskey.begin(), s.dnskey.end(),
                         [&](const KeyInfo& k) { return k.tag == tag && k.algorithm == alg; });
    };
    std::set<std::pair<uint16_t, uint8_t>> cdsKeys, cdnskeyKeys;
    for (const DsInfo& c : s.cds) {
      if (isDelete(c)) continue;
      cdsKeys.emplace(c.keyTag, c.algorithm);
      if (!hasKey(c.keyTag, c.algorithm)) {
        inconsistent.add("CDS " + dsText(c) + " matches no DNSKEY (tag " +
                             std::to_string(c.keyTag) + ", algorithm " +
                             std::to_string(c.algorithm) + ")",
                         label);
      }
    }
    for (const KeyInfo& c : s.cdnskey) {
      if (isDelete(c)) continue;
      cdnskeyKeys.emplace(c.tag, c.algorithm);
      if (!hasKey(c.tag, c.algorithm)) {
        inconsistent.add("CDNSKEY " + keyText(c) + " (tag/algorithm/flags) matches no DNSKEY",
                         label);
      }
    }
    // RFC 7344 §4.1, RFC 8078 §3: when both are published they must describe the same keys.
    if (!cdsKeys.empty() && !cdnskeyKeys.empty() && cdsKeys != cdnskeyKeys) {
      inconsistent.add("CDS and CDNSKEY describe different keys", label);
    }
  }
  if (!deleting.empty()) {
    out.push_back(
        {"cds_delete", Severity::kWarning,
         "CDS/CDNSKEY delete records published (RFC 8078 §4: the parent is asked to "
         "remove the DS and turn DNSSEC off) at " +
             join(deleting),
         deleting.size() == 1 ? std::optional<std::string>(deleting.front()) : std::nullopt});
  }
  inconsistent.emit(out, "cds_inconsistent", Severity::kWarning);
  // A parent polling one server must see what it would see at any other (RFC 7344 §4.1); this
  // also catches CDS present with CDNSKEY absent on some servers.
  if (anyPublished) {
    disagreement(out, "cds_inconsistent", "CDS/CDNSKEY RRsets between servers", published);
  }
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
    if (step.reason == dnssec::Reason::kDeprecatedAlgorithm) {
      where.insert("chain step " + step.zone + " validated through a deprecated algorithm");
    }
  }
  if (where.empty() && obs.reason == dnssec::Reason::kDeprecatedAlgorithm) {
    where.insert("validated through a deprecated algorithm");
  }
  if (where.empty()) return;
  out.push_back({"deprecated_algorithm", Severity::kWarning,
                 "RSASHA1 / RSASHA1-NSEC3-SHA1 in use (RFC 8624 §3.1): " +
                     join(std::vector<std::string>(where.begin(), where.end())),
                 std::nullopt});
}

void checkValidation(const Observation& obs, std::vector<Finding>& out) {
  const std::string reason(dnssec::toString(obs.reason));
  const std::string detail = obs.detail.empty() ? "" : ": " + obs.detail;
  if (obs.status == dnssec::State::kBogus) {
    out.push_back(
        {"dnssec_bogus", Severity::kCritical, "DNSSEC bogus, " + reason + detail, std::nullopt});
  } else if (obs.status == dnssec::State::kIndeterminate && !obs.error) {
    // (When the observation failed as a whole, its error already says why; no finding repeats it.)
    out.push_back({"validation_indeterminate", Severity::kWarning,
                   "DNSSEC status indeterminate, " + reason + detail, std::nullopt});
  }
}

}  // namespace

void computeFindings(Observation& observation, const FindingOptions& options) {
  std::vector<Finding> out;
  checkValidation(observation, out);
  checkServers(observation, out);
  checkSignatures(observation, options, out);
  checkParentChildNs(observation, out);
  checkServersDisagree(observation, out);
  checkParentServersDisagree(observation, out);
  checkGlue(observation, out);
  checkCds(observation, out);
  checkAlgorithms(observation, out);
  // The worst first, so the top of the list is what to fix first; order within a severity is the
  // order of the checks above, which is stable.
  std::stable_sort(out.begin(), out.end(),
                   [](const Finding& a, const Finding& b) { return a.severity > b.severity; });
  observation.findings = std::move(out);
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

}  // namespace zonewatch::probe
