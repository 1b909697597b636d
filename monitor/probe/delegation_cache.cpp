#include "monitor/probe/delegation_cache.h"

#include <algorithm>

namespace zonewatch::probe {

std::vector<std::pair<dns::Name, resolver::ServerAddress>> ZoneCut::addresses() const {
  std::vector<std::pair<dns::Name, resolver::ServerAddress>> out;
  for (const auto& s : servers) {
    for (const auto& a : s.addresses) out.emplace_back(s.host, a);
  }
  return out;
}

DelegationCache::DelegationCache(const Clock& clock, CacheLimits limits)
    : clock_(clock), limits_(limits) {}

int64_t DelegationCache::expiry(uint32_t ttl) const {
  uint32_t bounded = std::clamp(ttl, limits_.minTtl, limits_.maxTtl);
  return clock_.nowUnix() + bounded;
}

template <class Map>
void DelegationCache::makeRoom(Map& map) {
  if (map.size() < limits_.maxEntries) return;
  // Expired entries go first; if the cache is full of live entries, it starts over (a cold walk
  // costs a few queries per zone, far less than unbounded memory).
  const int64_t now = clock_.nowUnix();
  std::erase_if(map, [now](const auto& kv) { return kv.second.expires <= now; });
  if (map.size() >= limits_.maxEntries) map.clear();
}

void DelegationCache::setRoot(ZoneCut root) {
  root_ = std::move(root);
  root_.zone = dns::Name();
}

std::vector<ZoneCut> DelegationCache::pathTo(const dns::Name& name, bool includeName) const {
  std::vector<ZoneCut> path{root_};
  if (name.isRoot()) return path;
  const int64_t now = clock_.nowUnix();
  // Walk down the ancestors of `name` from the TLD; a missing level ends the cached path, since a
  // deeper cut without its parent's would skip the parent's data the chain needs.
  const size_t deepest = includeName ? name.labelCount() : name.labelCount() - 1;
  for (size_t labels = 1; labels <= deepest; ++labels) {
    auto it = cuts_.find(name.suffix(labels));
    if (it == cuts_.end()) continue;  // not a zone cut (e.g. "co.uk." under "uk.") or unknown
    if (it->second.expires <= now) break;
    path.push_back(it->second);
  }
  return path;
}

void DelegationCache::storeCut(ZoneCut cut, uint32_t ttl) {
  makeRoom(cuts_);
  cut.expires = expiry(ttl);
  auto key = cut.zone;
  cuts_.insert_or_assign(std::move(key), std::move(cut));
}

std::optional<std::vector<resolver::ServerAddress>> DelegationCache::hostAddresses(
    const dns::Name& host) const {
  auto it = hosts_.find(host);
  if (it == hosts_.end() || it->second.expires <= clock_.nowUnix()) return std::nullopt;
  return it->second.addresses;
}

void DelegationCache::storeHostAddresses(const dns::Name& host,
                                         std::vector<resolver::ServerAddress> addresses,
                                         uint32_t ttl) {
  makeRoom(hosts_);
  hosts_.insert_or_assign(host, HostEntry{std::move(addresses), expiry(ttl)});
}

const ZoneKeysData* DelegationCache::zoneKeys(const dns::Name& zone) const {
  auto it = keys_.find(zone);
  if (it == keys_.end() || it->second.expires <= clock_.nowUnix()) return nullptr;
  return &it->second;
}

void DelegationCache::storeZoneKeys(const dns::Name& zone, ZoneKeysData data, uint32_t ttl) {
  makeRoom(keys_);
  data.expires = expiry(ttl);
  keys_.insert_or_assign(zone, std::move(data));
}

void DelegationCache::clear() {
  cuts_.clear();
  hosts_.clear();
  keys_.clear();
}

}  // namespace zonewatch::probe
