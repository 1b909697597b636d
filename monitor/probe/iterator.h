// Iterative resolution from the root, the way a resolver walks down (RFC 1034 §5.3.3), but only
// as far as zonewatch needs: where a domain is delegated (the zone cuts above it and its parent's
// referral) and the addresses of name server hosts. RD is never set; nothing goes through the
// system resolver. Zone cuts and host addresses are cached in the DelegationCache.
//
// Asynchronous: every call returns at once and its callback runs later from the engine's loop.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "monitor/dns/message.h"
#include "monitor/probe/delegation_cache.h"
#include "monitor/resolver/query_engine.h"

namespace zonewatch::probe {

struct Referral {
  dns::Name zone;  // the delegated zone the referral names
  std::vector<dns::Name> ns;
  std::vector<std::pair<dns::Name, resolver::ServerAddress>> glue;
  uint32_t ttl = 0;
};

// The referral in `message` (from a server of `zone`) toward `qname`: an NS RRset in the authority
// section, owned by a name strictly below `zone` that encloses `qname`, with AA clear (RFC 1034
// §4.3.2 step 3b). Glue is kept only for hosts inside `zone` (RFC 9471 / bailiwick rule).
std::optional<Referral> findReferral(const dns::Message& message, const dns::Name& zone,
                                     const dns::Name& qname);

// The address an A or AAAA record holds, canonical (as ServerAddress::make writes it); nullopt for
// any other record.
std::optional<resolver::ServerAddress> addressFromRecord(const dns::ResourceRecord& rr);

// Why no delegation was found. Only kUnreachable says the domain's authorities could not be
// reached (RFC 8914 §4.23, EDE 22); the others are facts about the name.
struct WalkError {
  enum class Kind : uint8_t {
    kUnreachable,       // no server of a zone on the way answered usefully, or none had an address
    kNoSuchDomain,      // NXDOMAIN on the way down
    kNotDelegated,      // the name is inside its parent zone, not a zone of its own
    kRoot,              // the root has no parent to delegate it
    kTooManyReferrals,  // IteratorOptions::maxReferrals reached
  };
  Kind kind = Kind::kUnreachable;
  std::string message;
};

struct DelegationPath {
  std::vector<ZoneCut> path;  // the root ... the parent zone of the domain
  Referral referral;          // the parent's referral for the domain (first server that gave one)
  // The parent's server also serves the domain and answered for it authoritatively, so no
  // referral was seen; `referral` then holds the domain's own NS RRset.
  bool sharedServers = false;
  // The answer `referral` came from (an NS query for the domain, DO set): the observation takes it
  // as that server's view of the delegation instead of asking the same question again.
  std::optional<resolver::Answer> answer;
};

struct IteratorOptions {
  bool ipv4 = true;
  bool ipv6 = true;
  int maxReferrals = 24;  // per walk: deeper than any real hierarchy
  int maxHostDepth = 3;   // nested NS-host resolutions (a.example's NS in b.example's ...)
};

// An answer to a question asked of a zone: the first server (in order) that answered usefully.
struct ZoneAnswer {
  resolver::Answer answer;
  dns::Name host;
};

class Iterator {
 public:
  Iterator(resolver::QueryEngine& engine, DelegationCache& cache, IteratorOptions options = {});

  using DelegationCallback = std::function<void(Result<DelegationPath, WalkError>)>;
  using AddressCallback = std::function<void(Result<std::vector<resolver::ServerAddress>>)>;
  using AnswerCallback = std::function<void(Result<ZoneAnswer>)>;

  void findDelegation(const dns::Name& domain, DelegationCallback done);
  void resolveHost(const dns::Name& host, AddressCallback done, int depth = 0);
  // Asks the servers of `cut` in turn until one gives an authoritative answer, a referral or
  // NXDOMAIN; timeouts, REFUSED, SERVFAIL and lame answers move on to the next address.
  void askZone(const ZoneCut& cut, const dns::Name& name, dns::RRType type, AnswerCallback done);
  // Builds the cut a referral names: glue where given, other NS hosts resolved iteratively.
  void buildCut(const Referral& referral, int depth, std::function<void(Result<ZoneCut>)> done);

  bool usable(const resolver::ServerAddress& address) const;
  resolver::QueryEngine& engine() { return engine_; }
  DelegationCache& cache() { return cache_; }
  const IteratorOptions& options() const { return options_; }

 private:
  struct Walk;
  struct HostLookup;
  struct ZoneAttempt;
  void tryNextServer(std::shared_ptr<ZoneAttempt> attempt);
  void step(std::shared_ptr<Walk> walk);
  void hostStep(std::shared_ptr<HostLookup> lookup);

  resolver::QueryEngine& engine_;
  DelegationCache& cache_;
  IteratorOptions options_;
  // Coalesces concurrent lookups of one host: the first asks, the rest wait for its answer.
  std::unordered_map<dns::Name, std::vector<AddressCallback>, dns::Name::Hasher> hostWaiters_;
};

}  // namespace zonewatch::probe
