#include "monitor/probe/root_hints.h"

#include <array>
#include <string>

#include "monitor/dns/zone_reader.h"

namespace zonewatch::probe {
namespace {

struct RootServer {
  std::string_view host;
  std::string_view ipv4;
  std::string_view ipv6;
};

// IANA named.root (https://www.internic.net/domain/named.root), last changed 2023-11-27 for
// b.root-servers.net; identical to Debian's /usr/share/dns/root.hints of 2024.
constexpr std::array<RootServer, 13> kRootServers{{
    {"a.root-servers.net.", "198.41.0.4", "2001:503:ba3e::2:30"},
    {"b.root-servers.net.", "170.247.170.2", "2801:1b8:10::b"},
    {"c.root-servers.net.", "192.33.4.12", "2001:500:2::c"},
    {"d.root-servers.net.", "199.7.91.13", "2001:500:2d::d"},
    {"e.root-servers.net.", "192.203.230.10", "2001:500:a8::e"},
    {"f.root-servers.net.", "192.5.5.241", "2001:500:2f::f"},
    {"g.root-servers.net.", "192.112.36.4", "2001:500:12::d0d"},
    {"h.root-servers.net.", "198.97.190.53", "2001:500:1::53"},
    {"i.root-servers.net.", "192.36.148.17", "2001:7fe::53"},
    {"j.root-servers.net.", "192.58.128.30", "2001:503:c27::2:30"},
    {"k.root-servers.net.", "193.0.14.129", "2001:7fd::1"},
    {"l.root-servers.net.", "199.7.83.42", "2001:500:9f::42"},
    {"m.root-servers.net.", "202.12.27.33", "2001:dc3::35"},
}};

// The address of an A or AAAA record, in ServerAddress's canonical (inet_ntop) spelling.
Result<resolver::ServerAddress> addressOf(const dns::ResourceRecord& rr) {
  if (const auto* a = std::get_if<dns::rdata::A>(&rr.data)) {
    return resolver::ServerAddress::fromBytes(a->address);
  }
  if (const auto* aaaa = std::get_if<dns::rdata::AAAA>(&rr.data)) {
    return resolver::ServerAddress::fromBytes(aaaa->address);
  }
  // Unreachable: readZoneText gives every A and AAAA record its typed data, or an error.
  return fail("an " + dns::typeToString(rr.type) + " record without an address");
}

}  // namespace

ZoneCut builtInRootHints() {
  ZoneCut cut;  // zone: the root; expires 0: hints never expire
  for (const RootServer& server : kRootServers) {
    NameServer ns;
    // The table is a compile-time constant checked by root_hints_test: these cannot fail.
    ns.host = *dns::Name::parse(server.host);
    ns.addresses.push_back(*resolver::ServerAddress::make(server.ipv4));
    ns.addresses.push_back(*resolver::ServerAddress::make(server.ipv6));
    cut.servers.push_back(std::move(ns));
  }
  return cut;
}

Result<ZoneCut> rootHintsFromText(std::string_view text, std::string_view source) {
  auto records = dns::readZoneText(text, source);
  if (!records) return Unexpected{records.error()};
  const std::string where(source);

  ZoneCut cut;
  for (const dns::ResourceRecord& rr : *records) {
    if (rr.type != dns::RRType::NS) continue;
    if (!rr.owner.isRoot()) {
      return fail(where + ": NS record for " + rr.owner.toString() +
                  ": root hints hold NS records of the root only");
    }
    const auto* ns = std::get_if<dns::rdata::NS>(&rr.data);
    if (ns == nullptr) return fail(where + ": unreadable NS record");
    bool seen = false;
    for (const NameServer& s : cut.servers) seen = seen || s.host == ns->host;
    if (!seen) cut.servers.push_back({ns->host.lowercased(), {}});
  }
  if (cut.servers.empty()) return fail(where + ": no NS records for the root zone");

  for (const dns::ResourceRecord& rr : *records) {
    if (rr.type == dns::RRType::NS) continue;
    if (rr.type != dns::RRType::A && rr.type != dns::RRType::AAAA) {
      return fail(where + ": unexpected " + dns::typeToString(rr.type) + " record for " +
                  rr.owner.toString() + " (root hints hold NS, A and AAAA records)");
    }
    for (NameServer& s : cut.servers) {
      if (!(s.host == rr.owner)) continue;
      auto address = addressOf(rr);
      if (!address) return fail(where + ": " + address.error().message);
      bool dup = false;
      for (const auto& a : s.addresses) dup = dup || a == *address;
      if (!dup) s.addresses.push_back(std::move(*address));
    }
  }
  for (const NameServer& s : cut.servers) {
    if (s.addresses.empty()) {
      return fail(where + ": root server " + s.host.toString() + " has no A or AAAA record");
    }
  }
  return cut;
}

}  // namespace zonewatch::probe
