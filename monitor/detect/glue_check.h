// The parent's glue held against the address records the domain's own servers serve for the same
// hosts. Header-only: the findings (glue_mismatch) and the DomainState both judge glue this way.
#pragma once

#include <algorithm>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "monitor/model/observation.h"

namespace zonewatch::detect {

struct GlueComparison {
  std::string host;
  std::vector<std::string> glue;  // sorted
  // Each distinct address set the answering servers serve for the host, with the servers
  // ("name address") that serve it; empty when no answering server gave addresses for the host.
  std::vector<std::pair<std::vector<std::string>, std::vector<std::string>>> served;

  bool seen() const { return !served.empty(); }
  bool matches() const { return served.size() == 1 && served.front().first == glue; }
};

// Whether `host` lies at or below `domain` (both lowercase and absolute): the child zone, not the
// parent, is authoritative for its addresses.
inline bool isInDomain(const std::string& host, const std::string& domain) {
  if (host == domain) return true;
  return host.size() > domain.size() &&
         host.compare(host.size() - domain.size(), domain.size(), domain) == 0 &&
         host[host.size() - domain.size() - 1] == '.';
}

// One comparison per glue host inside the domain, in the order of parent.glue. Servers with an
// error are left out: their view is partial (ServerView::failedQueries). Glue for hosts outside
// the domain (a sibling zone's name servers) is the sibling zone's business and is not compared.
inline std::vector<GlueComparison> compareGlue(const model::Observation& obs) {
  std::vector<GlueComparison> out;
  for (const model::Glue& g : obs.parent.glue) {
    if (!isInDomain(g.host, obs.domain)) continue;
    GlueComparison c;
    c.host = g.host;
    c.glue = g.addresses;
    std::sort(c.glue.begin(), c.glue.end());
    std::map<std::vector<std::string>, size_t> index;
    for (const model::ServerView& s : obs.servers) {
      if (s.error) continue;
      for (const model::HostAddresses& h : s.hostAddresses) {
        if (h.host != g.host) continue;
        auto [it, inserted] = index.try_emplace(h.addresses, c.served.size());
        if (inserted) c.served.push_back({h.addresses, {}});
        c.served[it->second].second.push_back(s.name + " " + s.address);
      }
    }
    out.push_back(std::move(c));
  }
  return out;
}

}  // namespace zonewatch::detect
