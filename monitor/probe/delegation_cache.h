// The delegation cache: zone cuts (a zone's name servers and their addresses) and NS host
// addresses learned while walking down from the root, shared by every domain the monitor watches.
//
// Entries live for the TTL the parent gave them (capped), judged against an injected Clock, so
// 100,000 domains under one TLD ask the root and the TLD once per TTL, not once per domain. The
// chain-of-trust data per zone (its DNSKEY RRset and the DS evidence for it) is cached the same
// way.
#pragma once

#include <cstdint>
#include <optional>
#include <unordered_map>
#include <vector>

#include "monitor/dns/message.h"
#include "monitor/dnssec/validator.h"
#include "monitor/resolver/server_address.h"
#include "monitor/util/clock.h"

namespace zonewatch::probe {

struct NameServer {
  dns::Name host;
  std::vector<resolver::ServerAddress> addresses;
};

struct ZoneCut {
  dns::Name zone;
  std::vector<NameServer> servers;
  int64_t expires = 0;

  std::vector<std::pair<dns::Name, resolver::ServerAddress>> addresses() const;
};

// A zone's keys and the evidence its parent gave for them, as fetched from one server each.
struct ZoneKeysData {
  std::optional<dns::RRset> dnskey;
  dnssec::DelegationEvidence fromParent;
  int64_t expires = 0;
};

struct CacheLimits {
  uint32_t minTtl = 60;
  uint32_t maxTtl = 86400;  // RFC 8767 §4 suggests capping TTLs at 7 days; one day is enough here
  size_t maxEntries = 200000;
};

class DelegationCache {
 public:
  DelegationCache(const Clock& clock, CacheLimits limits = {});

  // The root zone cut comes from the root hints and never expires.
  void setRoot(ZoneCut root);
  const ZoneCut& root() const { return root_; }

  // The cached cuts from the root down to the deepest unexpired one that encloses `name` (the
  // root at worst). With includeName false, a cut at `name` itself is left out: the path then ends
  // at the zone that delegates `name`.
  std::vector<ZoneCut> pathTo(const dns::Name& name, bool includeName = true) const;
  void storeCut(ZoneCut cut, uint32_t ttl);

  std::optional<std::vector<resolver::ServerAddress>> hostAddresses(const dns::Name& host) const;
  void storeHostAddresses(const dns::Name& host, std::vector<resolver::ServerAddress> addresses,
                          uint32_t ttl);

  const ZoneKeysData* zoneKeys(const dns::Name& zone) const;
  void storeZoneKeys(const dns::Name& zone, ZoneKeysData data, uint32_t ttl);

  size_t size() const { return cuts_.size() + hosts_.size() + keys_.size(); }
  void clear();

 private:
  int64_t expiry(uint32_t ttl) const;
  template <class Map>
  void makeRoom(Map& map);

  const Clock& clock_;
  CacheLimits limits_;
  ZoneCut root_;
  std::unordered_map<dns::Name, ZoneCut, dns::Name::Hasher> cuts_;
  struct HostEntry {
    std::vector<resolver::ServerAddress> addresses;
    int64_t expires = 0;
  };
  std::unordered_map<dns::Name, HostEntry, dns::Name::Hasher> hosts_;
  std::unordered_map<dns::Name, ZoneKeysData, dns::Name::Hasher> keys_;
};

}  // namespace zonewatch::probe
