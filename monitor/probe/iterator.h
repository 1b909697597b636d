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
// reached (RFC 8914 §4.23, EDE 22); the others are facts about the name, or a cap that stopped the
// walk.
struct WalkError {
  enum class Kind : uint8_t {
    kUnreachable,       // no server of a zone on the way answered usefully, or none had an address
    kNoSuchDomain,      // NXDOMAIN on the way down
    kNotDelegated,      // the name is inside its parent zone, not a zone of its own
    kRoot,              // the root has no parent to delegate it
    kTooManyReferrals,  // IteratorOptions::maxReferrals reached
    kNsCycle,           // the NS hosts of a zone on the way can only be found through that zone
    kBudget,            // the observation's work budget (WorkLimits) ran out on the way
  };
  Kind kind = Kind::kUnreachable;
  std::string message;
};

// The stable code of a walk failure, as observations and events show it ("unreachable",
// "ns_resolution_cycle", ...).
std::string_view toCode(WalkError::Kind kind);

struct DelegationPath {
  std::vector<ZoneCut> path;  // the root ... the parent zone of the domain, every cut between
  Referral referral;          // the parent's referral for the domain (first server that gave one)
  // The parent's server also serves the domain and answered for it authoritatively, so no
  // referral was seen; `referral` then holds the domain's own NS RRset.
  bool sharedServers = false;
  // The answer `referral` came from (an NS query for the domain, DO set): the observation takes it
  // as that server's view of the delegation instead of asking the same question again.
  std::optional<resolver::Answer> answer;
};

// How much work one observation may cause, whatever the delegation looks like: a 400-name NS set,
// glueless names that fan out, a cycle. Resolvers cap the same things: BIND's
// max-recursion-depth (7) and max-recursion-queries (CVE-2014-8500), Unbound's cap on the targets
// one query may fetch (iterator.h, MAX_TARGET_COUNT 64). zonewatch asks every server of a domain
// on purpose, so its query cap is higher than a resolver's; its other caps are lower, as a
// monitored domain needs no more to be judged.
struct WorkLimits {
  int maxQueries = 400;     // queries sent, of every kind
  int maxNsNames = 32;      // NS host names of the domain followed (the parent's and the servers')
  int maxAddresses = 64;    // server addresses asked the apex questions
  int maxHostLookups = 16;  // glueless NS host names resolved from the root down
};

// One observation's spending against its WorkLimits, shared by the walk, the host lookups it
// starts and the prober. What ran out is said once in `cut` ("queries: 400 sent, more needed").
class WorkBudget {
 public:
  explicit WorkBudget(WorkLimits limits = {}) : limits_(limits) {}
  enum class Kind : uint8_t { kQueries, kNsNames, kAddresses, kHostLookups };
  // Takes one unit; false (and the cap noted in cut()) when none is left.
  bool spend(Kind kind);
  bool exhausted(Kind kind) const;
  const std::vector<std::string>& cut() const { return cut_; }
  int spent(Kind kind) const { return spent_[static_cast<size_t>(kind)]; }
  // The engine flow (resolver::Query::flow) of the observation: its queries share one queue.
  uint64_t flow() const { return flow_; }
  void setFlow(uint64_t flow) { flow_ = flow; }

 private:
  int limit(Kind kind) const;
  WorkLimits limits_;
  int spent_[4] = {0, 0, 0, 0};
  std::vector<std::string> cut_;
  uint64_t flow_ = 0;
};
using BudgetPtr = std::shared_ptr<WorkBudget>;

struct IteratorOptions {
  bool ipv4 = true;
  bool ipv6 = true;
  int maxReferrals = 24;  // per walk, cut probes included: deeper than any real hierarchy
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
  ~Iterator();

  using DelegationCallback = std::function<void(Result<DelegationPath, WalkError>)>;
  using AddressCallback =
      std::function<void(Result<std::vector<resolver::ServerAddress>, WalkError>)>;
  using AnswerCallback = std::function<void(Result<ZoneAnswer>)>;
  // Whether an answer may be taken; a string says why not, and the next server is asked.
  using AcceptFn = std::function<std::optional<std::string>(const ZoneAnswer&)>;
  // The NS hosts being resolved, outermost first: a lookup nested inside them.
  using HostChain = std::vector<dns::Name>;

  // Every call spends from `budget` (null: unlimited, for tools and tests).
  void findDelegation(const dns::Name& domain, DelegationCallback done, BudgetPtr budget = {});
  void resolveHost(const dns::Name& host, AddressCallback done, BudgetPtr budget = {},
                   HostChain chain = {});
  // Asks the servers of `cut` in turn until one gives an authoritative answer, a referral or
  // NXDOMAIN that `accept` (when given) takes; timeouts, REFUSED, SERVFAIL and lame answers move on
  // to the next address.
  void askZone(const ZoneCut& cut, const dns::Name& name, dns::RRType type, AnswerCallback done,
               BudgetPtr budget = {}, AcceptFn accept = {});
  // Builds the cut a referral names: glue where given, other NS hosts resolved iteratively.
  void buildCut(const Referral& referral, const HostChain& chain, const BudgetPtr& budget,
                std::function<void(Result<ZoneCut, WalkError>)> done);

  bool usable(const resolver::ServerAddress& address) const;
  // The CNAME target a name-server host turned out to be an alias for, when one was followed.
  std::optional<dns::Name> aliasOf(const dns::Name& host) const;
  resolver::QueryEngine& engine() { return engine_; }
  DelegationCache& cache() { return cache_; }
  const IteratorOptions& options() const { return options_; }

 private:
  struct Walk;
  struct HostLookup;
  struct ZoneAttempt;
  void tryNextServer(std::shared_ptr<ZoneAttempt> attempt);
  void step(std::shared_ptr<Walk> walk);
  void conclude(std::shared_ptr<Walk> walk, ZoneAnswer answer);
  void probeCut(std::shared_ptr<Walk> walk);
  void descend(std::shared_ptr<Walk> walk, const Referral& referral);
  void startLookup(const dns::Name& host, const BudgetPtr& budget, HostChain chain,
                   AddressCallback done);
  void hostStep(std::shared_ptr<HostLookup> lookup);
  void hostAnswered(std::shared_ptr<HostLookup> lookup, const ZoneCut& cut, ZoneAnswer answer);
  void followAlias(std::shared_ptr<HostLookup> lookup, const dns::Name& target);

  resolver::QueryEngine& engine_;
  DelegationCache& cache_;
  IteratorOptions options_;
  // Coalesces concurrent top-level lookups of one host: the first asks, the rest wait for its
  // answer. Nested lookups (inside another host's resolution) never wait on one another, so two
  // zones whose hosts need each other cannot wait forever: the chain shows the cycle instead.
  std::unordered_map<dns::Name, std::vector<AddressCallback>, dns::Name::Hasher> hostWaiters_;
  // NS hosts seen to be aliases (RFC 2181 §10.3), for the observation's finding; emptied when
  // full, as a misconfiguration is seen again on the next observation anyway.
  static constexpr size_t kMaxAliases = 4096;
  std::unordered_map<dns::Name, dns::Name, dns::Name::Hasher> aliases_;
  // Answers that arrive after the iterator is gone are dropped (queries outlive an observation
  // that hit its deadline).
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace zonewatch::probe
