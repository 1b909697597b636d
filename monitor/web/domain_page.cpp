// /domain/NAME and its snapshots' evidence (pages.h).
#include <algorithm>
#include <map>
#include <nlohmann/json.hpp>
#include <set>

#include "monitor/detect/chain_summary.h"
#include "monitor/util/time_text.h"
#include "monitor/web/escape.h"
#include "monitor/web/page_parts.h"
#include "monitor/web/pages.h"
#include "monitor/web/summary.h"

namespace zonewatch::web {

namespace {

using nlohmann::json;

json parsed(const std::string& text) {
  json j = json::parse(text, nullptr, /*allow_exceptions=*/false);
  return j.is_discarded() ? json(nullptr) : j;
}

// state[key] when it is an array, else an empty one: stored text is read, never trusted.
json arrayAt(const json& state, const char* key) {
  const json v = state.is_object() ? state.value(key, json::array()) : json::array();
  return v.is_array() ? v : json::array();
}

std::string stringAt(const json& state, const char* key) {
  const json v = state.is_object() ? state.value(key, json("")) : json("");
  return v.is_string() ? v.get<std::string>() : std::string();
}

int intOf(const json& j, const char* key) {
  const json v = j.is_object() ? j.value(key, json(-1)) : json(-1);
  return v.is_number_integer() ? v.get<int>() : -1;
}

// The chain of trust as the stored state alone tells it (monitor/detect/domain_state.h), for a
// domain whose row has no chain summary yet (stored before it existed): the parent's DS set,
// under "parent zone" and no name, as the state does not name the zone the delegation is in (it
// may be several labels up: www.a.example. can be delegated by example. itself),
// each DS key tag green when the zone serves a DNSKEY with its tag and algorithm, red when not;
// the zone's DNSKEY set, the keys a DS points to marked; both boxes coloured by the verdict.
std::string stateChainDiagram(const json& state, const DomainSummary& d) {
  const json ds = arrayAt(state, "ds");
  const json keys = arrayAt(state, "dnskey");
  std::set<std::pair<int, int>> served, pointed;  // (tag, algorithm)
  for (size_t i = 0; i < keys.size() && i < kMaxListItems; ++i) {
    served.insert({intOf(keys[i], "tag"), intOf(keys[i], "algorithm")});
  }
  std::string dsTags;
  for (size_t i = 0; i < ds.size() && i < kMaxListItems; ++i) {
    const std::pair<int, int> key{intOf(ds[i], "key_tag"), intOf(ds[i], "algorithm")};
    pointed.insert(key);
    const bool ok = served.contains(key);
    dsTags += " <span class=\"tag " + std::string(ok ? "ok" : "miss") + "\" title=\"algorithm " +
              std::to_string(key.second) + ", digest type " +
              std::to_string(intOf(ds[i], "digest_type")) + (ok ? "" : ": no such DNSKEY") + "\">" +
              std::to_string(key.first) + "</span>";
  }
  if (ds.empty()) {
    const std::string denial = stringAt(state, "denial");
    dsTags = " <span class=\"tag none\">no DS" +
             (denial.empty() ? std::string() : " (" + html(shorten(denial, 40)) + ")") + "</span>";
  }
  std::string keyTags;
  for (size_t i = 0; i < keys.size() && i < kMaxListItems; ++i) {
    const int tag = intOf(keys[i], "tag"), flags = intOf(keys[i], "flags");
    const bool sep = flags >= 0 && (flags & 1) != 0;
    const bool fromDs = pointed.contains({tag, intOf(keys[i], "algorithm")});
    keyTags += " <span class=\"tag" + std::string(fromDs ? " ok" : "") + "\" title=\"flags " +
               std::to_string(flags) + ", algorithm " +
               std::to_string(intOf(keys[i], "algorithm")) + "\">" + std::to_string(tag) +
               (sep ? " <small>KSK</small>" : "") + "</span>";
  }
  if (keys.empty()) keyTags = " <span class=\"tag none\">no DNSKEY</span>";
  const std::string cls = "zone st-" + stateName(d);
  return "<section><h2>Chain of trust</h2><div class=\"chain\"><div class=\"" + cls +
         "\"><div class=\"zn\">parent zone</div><div class=\"rr\">DS" + dsTags +
         "</div></div><div class=\"arrow\">&#8594;</div>"
         "<div class=\"" +
         cls + "\"><div class=\"zn\">" + html(shorten(d.domain, kMaxShownBytes)) +
         "</div><div class=\"rr\">DNSKEY" + keyTags + "</div></div><div class=\"verdict\">" +
         stateBadge(d) + "</div></div></section>\n";
}

// The mnemonics of the DNSKEY algorithms RFC 8624 §3.1 lists (IANA's registry, RFC 4034 Appendix
// A.1); others as "algorithm N".
std::string algorithmName(int algorithm) {
  switch (algorithm) {
    case 5:
      return "RSASHA1";
    case 7:
      return "RSASHA1-NSEC3-SHA1";
    case 8:
      return "RSASHA256";
    case 10:
      return "RSASHA512";
    case 13:
      return "ECDSAP256SHA256";
    case 14:
      return "ECDSAP384SHA384";
    case 15:
      return "ED25519";
    case 16:
      return "ED448";
    default:
      return "algorithm " + std::to_string(algorithm);
  }
}

// The DS digest types RFC 8624 §3.3 lists; others as "digest N".
std::string digestName(int digestType) {
  switch (digestType) {
    case 1:
      return "SHA-1";
    case 2:
      return "SHA-256";
    case 4:
      return "SHA-384";
    default:
      return "digest " + std::to_string(digestType);
  }
}

std::string chainDsTag(const detect::ChainDs& ds) {
  const std::string tag = std::to_string(ds.keyTag);
  return " <span class=\"tag " + std::string(ds.matched ? "ok" : "miss") + "\" title=\"" +
         algorithmName(ds.algorithm) + ", " + digestName(ds.digestType) +
         (ds.matched ? ": the digest of DNSKEY " + tag : ": the digest of no DNSKEY of the zone") +
         "\">" + tag + " <small>" + digestName(ds.digestType) + "</small></span>";
}

// `pointed`: a DS that matched names this key. KSK: the SEP bit (RFC 4034 §2.1.1).
std::string chainKeyTag(const detect::ChainKey& key, bool pointed) {
  const bool sep = (key.flags & 1) != 0;
  return " <span class=\"tag" + std::string(pointed ? " ok" : "") + "\" title=\"flags " +
         std::to_string(key.flags) + ", " + algorithmName(key.algorithm) + "\">" +
         std::to_string(key.tag) + " <small>" + (sep ? "KSK" : "ZSK") + " " +
         algorithmName(key.algorithm) + "</small></span>";
}

// One zone cut: its name, the link's verdict, the DS set its parent publishes (the configured
// anchors for the first zone), each green when it is the digest of one of the zone's keys (RFC 4034
// §5.1.4) and red when not, and the zone's DNSKEYs, those a matching DS points at in green.
std::string chainZoneBox(const detect::ChainZone& z, bool anchor) {
  std::set<std::pair<int, int>> pointed;  // (tag, algorithm)
  std::string ds;
  for (size_t i = 0; i < z.ds.size() && i < kMaxListItems; ++i) {
    if (z.ds[i].matched) pointed.insert({z.ds[i].keyTag, z.ds[i].algorithm});
    ds += chainDsTag(z.ds[i]);
  }
  if (z.ds.empty()) {
    ds = anchor ? " <span class=\"tag none\">configured keys</span>"
                : " <span class=\"tag none\">no DS</span>";
  }
  std::string keys;
  for (size_t i = 0; i < z.dnskey.size() && i < kMaxListItems; ++i) {
    keys += chainKeyTag(z.dnskey[i], pointed.contains({z.dnskey[i].tag, z.dnskey[i].algorithm}));
  }
  if (z.dnskey.empty()) keys = " <span class=\"tag none\">no DNSKEY</span>";
  const std::string state(model::toString(z.state));
  const std::string reason = z.reason == model::SecurityReason::kNone
                                 ? ""
                                 : " <small>" + html(model::toString(z.reason)) + "</small>";
  return "<div class=\"zone st-" + state + "\"><div class=\"zn\">" +
         html(shorten(z.zone, kMaxShownBytes)) + "</div><div class=\"link\"><span class=\"st " +
         state + "\">" + state + "</span>" + reason + "</div><div class=\"rr\">" +
         (anchor ? "trust anchor" : "DS") + ds + "</div><div class=\"rr\">DNSKEY" + keys +
         "</div></div>";
}

// The chain of trust of the latest observation with data (storage::DomainRow::chainJson), from
// the trust anchor's zone down to the domain, as `zonewatch check` prints it; the state's own
// diagram when the row has none yet, or it does not read.
std::string chainDiagram(const std::string& chainJson, const json& state, const DomainSummary& d) {
  auto chain = detect::chainSummaryFromJson(chainJson);
  if (!chain || chain->zones.empty()) {
    return stateChainDiagram(state, d) +
           (chain ? ""
                  : "<p class=\"none\">The stored chain does not read: " +
                        html(chain.error().message) + "</p>\n");
  }
  std::string boxes;
  for (size_t i = 0; i < chain->zones.size(); ++i) {
    if (i > 0) boxes += "<div class=\"arrow\">&#8594;</div>";
    boxes += chainZoneBox(chain->zones[i], i == 0);
  }
  return "<section><h2>Chain of trust</h2><div class=\"chain\">" + boxes +
         "<div class=\"verdict\">Verdict for the domain: " + stateBadge(d) +
         "</div></div></section>\n";
}

// The servers: every "name address" the daemon's memory holds (storage::DomainRow::serversJson),
// whether it answers, and whether the parent's glue has that address; NS hosts of the parent's
// delegation the memory does not hold yet are listed without an address.
std::string serversTable(const json& state, const std::string& serversJson) {
  std::map<std::string, std::set<std::string>> glue;
  const json glueList = arrayAt(state, "glue");
  for (size_t i = 0; i < glueList.size() && i < kMaxServers; ++i) {
    const json addresses = arrayAt(glueList[i], "addresses");
    for (size_t k = 0; k < addresses.size() && k < kMaxListItems; ++k) {
      if (addresses[k].is_string()) {
        glue[stringAt(glueList[i], "host")].insert(addresses[k].get<std::string>());
      }
    }
  }
  std::string rows;
  std::set<std::string> listed;
  const json memory = parsed(serversJson);
  json servers = memory.is_object() ? memory.value("servers", json::object()) : json::object();
  if (!servers.is_object()) servers = json::object();
  size_t count = 0;
  for (const auto& [key, server] : servers.items()) {
    if (++count > kMaxServers) break;
    const size_t space = key.find(' ');
    const std::string host = key.substr(0, space);
    const std::string address = space == std::string::npos ? "" : key.substr(space + 1);
    listed.insert(host);
    const int failures = intOf(server, "failures");
    const bool down = server.is_object() && server.value("down", json(false)) == json(true);
    const std::string status = down           ? "<span class=\"st bogus\">down</span>"
                               : failures > 0 ? "<span class=\"st indeterminate\">" +
                                                    std::to_string(failures) + " missed</span>"
                                              : "<span class=\"st secure\">answering</span>";
    const auto g = glue.find(host);
    const bool inGlue = g != glue.end() && g->second.contains(address);
    rows += "<tr><td>" + html(shorten(host, kMaxShownBytes)) + "</td><td>" +
            html(shorten(address, 200)) + "</td><td>" + (inGlue ? "yes" : "-") + "</td><td>" +
            status + "</td></tr>\n";
  }
  const json parentNs = arrayAt(state, "parent_ns");
  for (size_t i = 0; i < parentNs.size() && i < kMaxServers; ++i) {
    if (!parentNs[i].is_string() || listed.contains(parentNs[i].get<std::string>())) continue;
    rows += "<tr><td>" + html(shorten(parentNs[i].get<std::string>(), kMaxShownBytes)) +
            "</td><td>-</td><td>-</td><td>not observed yet</td></tr>\n";
  }
  if (rows.empty())
    return "<section><h2>Servers</h2><p class=\"none\">None known yet.</p></section>\n";
  return "<section><h2>Servers</h2><table class=\"servers\"><thead><tr><th>Server</th>"
         "<th>Address</th><th>In the parent's glue</th><th>Status</th></tr></thead><tbody>\n" +
         rows + "</tbody></table></section>\n";
}

std::string facts(const DomainSummary& d, const json& state) {
  std::string ops;
  for (const std::string& o : d.operators) {
    ops += (ops.empty() ? "" : ", ") + html(shorten(o, kMaxShownBytes));
  }
  std::string ns;
  const json parentNs = arrayAt(state, "parent_ns");
  for (size_t i = 0; i < parentNs.size() && i < kMaxListItems; ++i) {
    if (parentNs[i].is_string()) {
      ns +=
          (ns.empty() ? "" : ", ") + html(shorten(parentNs[i].get<std::string>(), kMaxShownBytes));
    }
  }
  return "<dl class=\"facts\"><dt>State</dt><dd>" + stateBadge(d) + "</dd><dt>Operators</dt><dd>" +
         (ops.empty() ? "-" : ops) + "</dd><dt>NS at the parent</dt><dd>" +
         (ns.empty() ? "-" : ns) + "</dd><dt>First seen</dt><dd>" + timeCell(d.firstSeen) +
         "</dd><dt>Last seen</dt><dd>" + timeCell(d.lastSeen) + "</dd><dt>Last change</dt><dd>" +
         timeCell(d.lastChange) + "</dd><dt>Earliest signature expiry</dt><dd>" +
         timeCell(d.rrsigExpiry.value_or(0)) + "</dd>" +
         (d.pendingChange ? "<dt>Pending</dt><dd>a change seen, not yet confirmed</dd>" : "") +
         "</dl>\n";
}

Result<std::string> timeline(storage::Store& store, const std::string& domain) {
  storage::EventQuery q;
  q.domain = domain;
  q.limit = kMaxDomainEvents;
  q.newestFirst = true;
  auto events = store.events(q);
  if (!events) return Unexpected{events.error()};
  std::string out = "<section><h2>Timeline</h2>";
  if (events->empty()) return out + "<p class=\"none\">No events yet.</p></section>\n";
  out += "<ol class=\"timeline\">";
  for (const auto& e : *events) out += eventItem(e, /*withDomain=*/false, /*withDiff=*/true);
  return out + "</ol></section>\n";
}

Result<std::string> snapshotList(storage::Store& store, const std::string& domain) {
  auto snapshots = store.snapshots(domain, kMaxSnapshots);
  if (!snapshots) return Unexpected{snapshots.error()};
  std::string out = "<section><h2>Snapshots</h2>";
  if (snapshots->empty()) return out + "<p class=\"none\">None yet.</p></section>\n";
  out +=
      "<table class=\"snapshots\"><thead><tr><th>From</th><th>To</th><th>Evidence</th></tr>"
      "</thead><tbody>\n";
  for (const auto& s : *snapshots) {
    out += "<tr><td>" + timeCell(s.firstSeen) + "</td><td>" + timeCell(s.lastSeen) +
           "</td><td><a href=\"/domain/" + pathSegment(domain) + "/snapshot/" +
           std::to_string(s.id) + "\">snapshot " + std::to_string(s.id) + "</a></td></tr>\n";
  }
  return out + "</tbody></table></section>\n";
}

}  // namespace

alerts::HttpReply domainPage(storage::Store& store, std::string_view name, int64_t now) {
  auto row = lookUp(store, name);
  if (!row) return htmlReply("cannot read the domain: " + html(row.error().message), 500);
  if (!*row) return notFoundPage("zonewatch does not watch " + normaliseName(name) + ".");
  const std::string domain = (*row)->domain;
  const DomainSummary d = summarise(**row);
  json state = parsed((*row)->stateJson);
  if (!state.is_object()) state = json::object();
  auto events = timeline(store, domain);
  if (!events) return htmlReply("cannot read the events: " + html(events.error().message), 500);
  auto snapshots = snapshotList(store, domain);
  if (!snapshots) {
    return htmlReply("cannot read the snapshots: " + html(snapshots.error().message), 500);
  }
  const std::string body = "<p class=\"crumbs\"><a href=\"/\">Portfolio</a> &#8250;</p><h1>" +
                           html(shorten(domain, kMaxShownBytes)) + "</h1>\n" + facts(d, state) +
                           chainDiagram((*row)->chainJson, state, d) +
                           serversTable(state, (*row)->serversJson) + *events + *snapshots;
  return htmlReply(layout(shorten(domain, 200), body, now));
}

alerts::HttpReply snapshotText(storage::Store& store, std::string_view name, int64_t id) {
  auto row = lookUp(store, name);
  if (!row) return htmlReply("cannot read the domain: " + html(row.error().message), 500);
  if (!*row) return notFoundPage("zonewatch does not watch " + normaliseName(name) + ".");
  const std::string domain = (*row)->domain;
  auto snapshots = store.snapshots(domain, kMaxSnapshots);
  if (!snapshots)
    return htmlReply("cannot read the snapshots: " + html(snapshots.error().message), 500);
  const auto found = std::find_if(snapshots->begin(), snapshots->end(),
                                  [&](const storage::SnapshotRow& s) { return s.id == id; });
  if (found == snapshots->end()) {
    return notFoundPage("no snapshot " + std::to_string(id) + " of " + domain + ".");
  }
  alerts::HttpReply reply;
  reply.contentType = "text/plain; charset=utf-8";
  // As `zonewatch evidence` prints it; text/plain with nosniff is never run as markup, and
  // visible() keeps its encoding valid.
  reply.body = visible("; " + domain + " as observed from " + formatRfc3339(found->firstSeen) +
                       " to " + formatRfc3339(found->lastSeen) + "\n; state " + found->stateJson +
                       "\n" + found->evidence);
  return reply;
}

}  // namespace zonewatch::web
