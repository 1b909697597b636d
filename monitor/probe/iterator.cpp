#include "monitor/probe/iterator.h"

#include <algorithm>

namespace zonewatch::probe {

namespace {

uint32_t minTtl(uint32_t a, uint32_t b) {
  return a == 0 ? b : std::min(a, b);
}

Unexpected<WalkError> walkFailure(WalkError::Kind kind, std::string message) {
  return {WalkError{kind, std::move(message)}};
}

Unexpected<WalkError> unreachable(std::string message) {
  return walkFailure(WalkError::Kind::kUnreachable, std::move(message));
}

// A budget shared by a whole observation; null means unlimited.
bool spend(const BudgetPtr& budget, WorkBudget::Kind kind) {
  return !budget || budget->spend(kind);
}

std::string chainText(const Iterator::HostChain& chain, const dns::Name& host) {
  std::string text;
  for (const auto& h : chain) text += h.toString() + " -> ";
  return text + host.toString();
}

}  // namespace

std::string_view toCode(WalkError::Kind kind) {
  switch (kind) {
    case WalkError::Kind::kUnreachable:
      return "unreachable";
    case WalkError::Kind::kNoSuchDomain:
      return "nxdomain";
    case WalkError::Kind::kNotDelegated:
      return "not_delegated";
    case WalkError::Kind::kRoot:
      return "root";
    case WalkError::Kind::kTooManyReferrals:
      return "too_many_referrals";
    case WalkError::Kind::kNsCycle:
      return "ns_resolution_cycle";
    case WalkError::Kind::kBudget:
      return "work_budget_exhausted";
  }
  return "unreachable";
}

int WorkBudget::limit(Kind kind) const {
  switch (kind) {
    case Kind::kQueries:
      return limits_.maxQueries;
    case Kind::kNsNames:
      return limits_.maxNsNames;
    case Kind::kAddresses:
      return limits_.maxAddresses;
    case Kind::kHostLookups:
      return limits_.maxHostLookups;
  }
  return 0;
}

bool WorkBudget::exhausted(Kind kind) const {
  return spent_[static_cast<size_t>(kind)] >= limit(kind);
}

bool WorkBudget::spend(Kind kind) {
  if (exhausted(kind)) {
    static constexpr const char* kWhat[] = {"queries sent", "NS names followed",
                                            "server addresses asked", "NS hosts resolved"};
    std::string note = std::string(kWhat[static_cast<size_t>(kind)]) + ": the cap of " +
                       std::to_string(limit(kind)) + " was reached";
    if (std::find(cut_.begin(), cut_.end(), note) == cut_.end()) cut_.push_back(std::move(note));
    return false;
  }
  ++spent_[static_cast<size_t>(kind)];
  return true;
}

std::optional<resolver::ServerAddress> addressFromRecord(const dns::ResourceRecord& rr) {
  Result<resolver::ServerAddress> made = fail("not an address record");
  if (const auto* a = std::get_if<dns::rdata::A>(&rr.data)) {
    made = resolver::ServerAddress::fromBytes(a->address);
  } else if (const auto* aaaa = std::get_if<dns::rdata::AAAA>(&rr.data)) {
    made = resolver::ServerAddress::fromBytes(aaaa->address);
  }
  if (!made) return std::nullopt;
  return *made;
}

std::optional<Referral> findReferral(const dns::Message& message, const dns::Name& zone,
                                     const dns::Name& qname) {
  if (message.header.aa || message.rcode() != 0) return std::nullopt;
  Referral referral;
  bool found = false;
  for (const auto& rr : message.authority) {
    if (rr.type != dns::RRType::NS) continue;
    // RFC 1034 §4.3.2: the cut lies strictly below the zone asked, on the way to qname.
    if (rr.owner == zone || !rr.owner.isSubdomainOf(zone) || !qname.isSubdomainOf(rr.owner))
      continue;
    if (found && !(rr.owner == referral.zone)) continue;
    referral.zone = rr.owner;
    referral.ttl = minTtl(referral.ttl, rr.ttl);
    const auto& host = std::get<dns::rdata::NS>(rr.data).host;
    if (std::find(referral.ns.begin(), referral.ns.end(), host) == referral.ns.end()) {
      referral.ns.push_back(host);
    }
    found = true;
  }
  if (!found) return std::nullopt;
  for (const auto& rr : message.additional) {
    if (rr.type != dns::RRType::A && rr.type != dns::RRType::AAAA) continue;
    // Only glue the delegating zone may speak for, and only for the referral's own NS hosts.
    if (!rr.owner.isSubdomainOf(zone)) continue;
    if (std::find(referral.ns.begin(), referral.ns.end(), rr.owner) == referral.ns.end()) continue;
    if (auto a = addressFromRecord(rr)) referral.glue.emplace_back(rr.owner, *a);
  }
  return referral;
}

struct Iterator::Walk {
  dns::Name target;
  std::vector<ZoneCut> path;
  int steps = 0;
  DelegationCallback done;
  BudgetPtr budget;
  // While looking for skipped cuts: the answer that named a zone more than one label below the
  // zone asked, how deep that zone is, and the depth of the next name to probe.
  std::optional<ZoneAnswer> pending;
  size_t below = 0;
  size_t probeLabels = 0;
};

struct Iterator::HostLookup {
  dns::Name host;
  HostChain chain;  // the hosts whose resolution needs this one, outermost first
  std::vector<ZoneCut> path;
  int steps = 0;
  BudgetPtr budget;
  AddressCallback done;
};

Iterator::Iterator(resolver::QueryEngine& engine, DelegationCache& cache, IteratorOptions options)
    : engine_(engine), cache_(cache), options_(options) {}

Iterator::~Iterator() {
  *alive_ = false;
}

bool Iterator::usable(const resolver::ServerAddress& address) const {
  return address.isIpv6() ? options_.ipv6 : options_.ipv4;
}

struct Iterator::ZoneAttempt {
  std::vector<std::pair<dns::Name, resolver::ServerAddress>> servers;
  size_t next = 0;
  dns::Name name;
  dns::RRType type = dns::RRType::NS;
  std::string zone;
  std::string errors;
  AnswerCallback done;
  AcceptFn accept;
  BudgetPtr budget;
  std::optional<ZoneAnswer> rejected;  // the first answer `accept` refused

  void note(const dns::Name& host, std::string_view what) {
    if (!errors.empty()) errors += "; ";
    errors += host.toString();
    errors += ' ';
    errors += what;
  }
};

void Iterator::askZone(const ZoneCut& cut, const dns::Name& name, dns::RRType type,
                       AnswerCallback done, BudgetPtr budget, AcceptFn accept) {
  auto attempt = std::make_shared<ZoneAttempt>();
  for (auto& s : cut.addresses()) {
    if (usable(s.second)) attempt->servers.push_back(std::move(s));
  }
  attempt->name = name;
  attempt->type = type;
  attempt->zone = cut.zone.toString();
  attempt->done = std::move(done);
  attempt->accept = std::move(accept);
  attempt->budget = std::move(budget);
  tryNextServer(std::move(attempt));
}

// Why `r` is no answer a zone's server should give to a question about its zone, or nullopt.
std::optional<std::string> unusableZoneAnswer(const resolver::Answer& r) {
  // RFC 1034 §4.3.2: a referral is a non-authoritative NOERROR answer naming servers below.
  const bool referral = !r.aa && r.rcode == 0 &&
                        std::any_of(r.message.authority.begin(), r.message.authority.end(),
                                    [](const auto& rr) { return rr.type == dns::RRType::NS; });
  if (r.rcode != 0 && r.rcode != 3) return dns::rcodeToString(r.rcode);
  if (!r.aa && !referral) return "lame (not authoritative)";
  return std::nullopt;
}

void Iterator::tryNextServer(std::shared_ptr<ZoneAttempt> attempt) {
  while (attempt->next < attempt->servers.size()) {
    const auto [host, address] = attempt->servers[attempt->next++];
    if (!spend(attempt->budget, WorkBudget::Kind::kQueries)) {
      attempt->note(host, "not asked (query cap reached)");
      continue;
    }
    resolver::Query q;
    q.server = address;
    q.name = attempt->name;
    q.type = attempt->type;
    q.flow = attempt->budget ? attempt->budget->flow() : 0;
    std::weak_ptr<bool> alive = alive_;
    auto submitted = engine_.submit(q, [this, alive, attempt, host](resolver::QueryResult r) {
      if (alive.expired()) return;
      if (!r) {
        attempt->note(host, resolver::toString(r.error().code));
      } else if (auto why = unusableZoneAnswer(*r)) {
        attempt->note(host, *why);
      } else {
        ZoneAnswer answer{std::move(r).value(), host};
        auto refused = attempt->accept ? attempt->accept(answer) : std::nullopt;
        if (!refused) return attempt->done(std::move(answer));
        attempt->note(host, *refused);
        if (!attempt->rejected) attempt->rejected = std::move(answer);
      }
      tryNextServer(attempt);
    });
    if (submitted) return;
    attempt->note(host, submitted.error().message);
  }
  // Every server's answer was refused by `accept`: the first one is still the zone's answer (for
  // a key set bogus everywhere, that verdict is the truth), the caller judges it again.
  if (attempt->rejected) return attempt->done(std::move(*attempt->rejected));
  // Said plainly for the root: offline, this is the first thing that fails.
  const std::string who =
      attempt->zone == "." ? "any root server" : "any server of " + attempt->zone;
  attempt->done(fail(attempt->servers.empty()
                         ? "no usable address for any name server of " + attempt->zone
                         : "cannot reach " + who + " (" + attempt->errors + ")"));
}

void Iterator::buildCut(const Referral& referral, const HostChain& chain, const BudgetPtr& budget,
                        std::function<void(Result<ZoneCut, WalkError>)> done) {
  struct Build {
    ZoneCut cut;
    size_t pending = 0;
    std::function<void(Result<ZoneCut, WalkError>)> done;
    uint32_t ttl = 0;
    std::optional<WalkError> why;  // the first host failure: a cycle or a cap says more
  };
  auto build = std::make_shared<Build>();
  build->cut.zone = referral.zone;
  build->done = std::move(done);
  build->ttl = referral.ttl;
  auto finish = [this, build]() {
    std::erase_if(build->cut.servers, [](const NameServer& s) { return s.addresses.empty(); });
    if (build->cut.servers.empty()) {
      WalkError why = build->why.value_or(WalkError{});
      // A cycle's message is its chain of hosts, which says it all; wrapping it once per zone on
      // the way back out would only bury it.
      if (why.kind != WalkError::Kind::kNsCycle) {
        why.message = "no address found for any name server of " + build->cut.zone.toString() +
                      (why.message.empty() ? "" : " (" + why.message + ")");
      }
      build->done(Unexpected{std::move(why)});
      return;
    }
    cache_.storeCut(build->cut, build->ttl);
    build->done(build->cut);
  };
  for (const auto& host : referral.ns) {
    NameServer server{host, {}};
    for (const auto& [owner, address] : referral.glue) {
      if (owner == host && usable(address)) server.addresses.push_back(address);
    }
    build->cut.servers.push_back(std::move(server));
  }
  // One unit of `pending` is held while the lookups are started: a lookup the cache answers calls
  // back at once, and without the hold the first such answer (and every later one) would finish
  // the cut before the next lookup was even started, so `done` ran once per cached host.
  build->pending = 1;
  for (size_t i = 0; i < build->cut.servers.size(); ++i) {
    auto& server = build->cut.servers[i];
    if (!server.addresses.empty()) continue;
    // A host inside the delegated zone needs glue to be reachable at all (RFC 9471 §2.1).
    if (server.host.isSubdomainOf(referral.zone)) continue;
    ++build->pending;
    resolveHost(
        server.host,
        [build, i, finish](Result<std::vector<resolver::ServerAddress>, WalkError> r) {
          if (r) {
            build->cut.servers[i].addresses = std::move(r).value();
          } else if (!build->why) {
            build->why = r.error();
          }
          if (--build->pending == 0) finish();
        },
        budget, chain);
  }
  if (--build->pending == 0) finish();
}

void Iterator::findDelegation(const dns::Name& domain, DelegationCallback done, BudgetPtr budget) {
  if (domain.isRoot()) {
    done(walkFailure(WalkError::Kind::kRoot, "the root zone has no parent to delegate it"));
    return;
  }
  auto walk = std::make_shared<Walk>();
  walk->target = domain;
  walk->path = cache_.pathTo(domain, /*includeName=*/false);
  walk->done = std::move(done);
  walk->budget = std::move(budget);
  step(walk);
}

void Iterator::step(std::shared_ptr<Walk> walk) {
  if (++walk->steps > options_.maxReferrals) {
    walk->done(walkFailure(WalkError::Kind::kTooManyReferrals,
                           "more than " + std::to_string(options_.maxReferrals) +
                               " referrals toward " + walk->target.toString()));
    return;
  }
  askZone(
      walk->path.back(), walk->target, dns::RRType::NS,
      [this, walk](Result<ZoneAnswer> r) {
        if (!r) return walk->done(unreachable(r.error().message));
        const dns::Name& zone = walk->path.back().zone;
        // The zone the answer speaks from: the cut a referral names, or the domain itself when a
        // server that also serves it answers authoritatively.
        size_t from = zone.labelCount() + 1;
        if (auto referral = findReferral(r->answer.message, zone, walk->target)) {
          from = referral->zone.labelCount();
        } else if (r->answer.aa && r->answer.rcode == 0 &&
                   std::any_of(r->answer.message.answer.begin(), r->answer.message.answer.end(),
                               [&](const auto& rr) {
                                 return rr.type == dns::RRType::NS && rr.owner == walk->target;
                               })) {
          from = walk->target.labelCount();
        }
        // RFC 4035 §5 and RFC 9156 §2.3: a server may answer from any zone it serves that is
        // closer to the name (a server of uk. that also serves co.uk. refers straight to
        // example.co.uk.). Every name between the zone asked and that one may be a skipped cut,
        // with its own DS and keys: find them before taking the answer.
        if (from > zone.labelCount() + 1) {
          walk->pending = std::move(r).value();
          walk->below = from;
          walk->probeLabels = zone.labelCount() + 1;
          return probeCut(walk);
        }
        conclude(walk, std::move(r).value());
      },
      walk->budget);
}

// Asks the next name between the zone and the answer's zone whether it is a cut; see step().
void Iterator::probeCut(std::shared_ptr<Walk> walk) {
  if (walk->probeLabels >= walk->below) {
    // No cut between them: the zone delegates the deeper name itself (a multi-label delegation
    // over empty non-terminals), and its answer stands.
    return conclude(walk, std::move(*walk->pending));
  }
  if (++walk->steps > options_.maxReferrals) {
    walk->done(walkFailure(WalkError::Kind::kTooManyReferrals,
                           "more than " + std::to_string(options_.maxReferrals) +
                               " referrals and cut probes toward " + walk->target.toString()));
    return;
  }
  const dns::Name name = walk->target.suffix(walk->probeLabels);
  const ZoneCut cut = walk->path.back();
  askZone(
      cut, name, dns::RRType::NS,
      [this, walk, name, cut](Result<ZoneAnswer> r) {
        if (!r) {
          return walk->done(unreachable("looking for a zone cut at " + name.toString() + ": " +
                                        r.error().message));
        }
        const auto& msg = r->answer.message;
        if (auto referral = findReferral(msg, cut.zone, name); referral && referral->zone == name) {
          return descend(walk, *referral);  // the zone delegates it: a cut on other servers
        }
        if (r->answer.aa && r->answer.rcode == 0) {
          // The same server serves the name as a zone of its own: its apex NS RRset (RFC 1034
          // §4.2.1) names the cut's servers, their in-bailiwick addresses come with it.
          Referral apex;
          apex.zone = name;
          for (const auto& rr : msg.answer) {
            if (rr.type != dns::RRType::NS || !(rr.owner == name)) continue;
            apex.ns.push_back(std::get<dns::rdata::NS>(rr.data).host);
            apex.ttl = apex.ttl == 0 ? rr.ttl : std::min(apex.ttl, rr.ttl);
          }
          if (!apex.ns.empty()) {
            for (const auto& rr : msg.additional) {
              if (!rr.owner.isSubdomainOf(cut.zone)) continue;
              if (std::find(apex.ns.begin(), apex.ns.end(), rr.owner) == apex.ns.end()) continue;
              if (auto a = addressFromRecord(rr)) apex.glue.emplace_back(rr.owner, *a);
            }
            return descend(walk, apex);
          }
        }
        // NODATA or NXDOMAIN from the zone asked: no cut here (an empty non-terminal).
        ++walk->probeLabels;
        probeCut(walk);
      },
      walk->budget);
}

// Adds the cut `referral` names to the walk and asks again from there.
void Iterator::descend(std::shared_ptr<Walk> walk, const Referral& referral) {
  walk->pending.reset();
  buildCut(referral, {}, walk->budget, [this, walk](Result<ZoneCut, WalkError> next) {
    if (!next) return walk->done(Unexpected{next.error()});
    walk->path.push_back(std::move(next).value());
    step(walk);
  });
}

// The answer of the zone that delegates (or serves) the walk's target.
void Iterator::conclude(std::shared_ptr<Walk> walk, ZoneAnswer answer) {
  const ZoneCut& current = walk->path.back();
  const auto& msg = answer.answer.message;
  if (answer.answer.rcode == 3) {
    walk->done(walkFailure(WalkError::Kind::kNoSuchDomain,
                           walk->target.toString() + " does not exist (NXDOMAIN from a server of " +
                               current.zone.toString() + ")"));
    return;
  }
  if (auto referral = findReferral(msg, current.zone, walk->target)) {
    if (referral->zone == walk->target) {
      walk->done(DelegationPath{walk->path, std::move(*referral), false, answer.answer});
      return;
    }
    return descend(walk, *referral);
  }
  // An authoritative answer: either the server also serves the domain (its NS RRset comes back
  // in the answer section), or the name is inside the zone without being delegated.
  Referral own;
  own.zone = walk->target;
  for (const auto& rr : msg.answer) {
    if (rr.type == dns::RRType::NS && rr.owner == walk->target) {
      own.ns.push_back(std::get<dns::rdata::NS>(rr.data).host);
      own.ttl = minTtl(own.ttl, rr.ttl);
    }
  }
  if (!own.ns.empty()) {
    walk->done(DelegationPath{walk->path, std::move(own), true, answer.answer});
    return;
  }
  walk->done(walkFailure(WalkError::Kind::kNotDelegated,
                         walk->target.toString() + " is not delegated: " + current.zone.toString() +
                             " answers for it as part of its own zone"));
}

void Iterator::resolveHost(const dns::Name& host, AddressCallback done, BudgetPtr budget,
                           HostChain chain) {
  if (auto cached = cache_.hostAddresses(host)) {
    done(std::move(*cached));
    return;
  }
  // A host whose resolution needs itself: a.example served by ns.b.example, b.example by
  // ns.a.example, no glue. No answer can ever come; say so instead of waiting.
  if (std::find(chain.begin(), chain.end(), host) != chain.end()) {
    done(walkFailure(WalkError::Kind::kNsCycle,
                     chainText(chain, host) + ", and no glue breaks the cycle"));
    return;
  }
  if (static_cast<int>(chain.size()) > options_.maxHostDepth) {
    done(walkFailure(WalkError::Kind::kBudget, "name server host resolution nested deeper than " +
                                                   std::to_string(options_.maxHostDepth) + " at " +
                                                   chainText(chain, host)));
    return;
  }
  if (chain.empty()) {
    auto& waiters = hostWaiters_[host];
    waiters.push_back(std::move(done));
    if (waiters.size() > 1) return;  // a lookup is already under way
    done = [this, host](Result<std::vector<resolver::ServerAddress>, WalkError> r) {
      auto node = hostWaiters_.extract(host);
      if (node.empty()) return;
      for (auto& cb : node.mapped()) cb(r);
    };
  }
  startLookup(host, budget, std::move(chain), std::move(done));
}

void Iterator::startLookup(const dns::Name& host, const BudgetPtr& budget, HostChain chain,
                           AddressCallback done) {
  if (!spend(budget, WorkBudget::Kind::kHostLookups)) {
    done(walkFailure(WalkError::Kind::kBudget,
                     "not resolved: the observation's cap on NS hosts resolved was reached"));
    return;
  }
  auto lookup = std::make_shared<HostLookup>();
  lookup->host = host;
  lookup->chain = std::move(chain);
  lookup->chain.push_back(host);
  lookup->path = cache_.pathTo(host, /*includeName=*/true);
  lookup->budget = budget;
  lookup->done = std::move(done);
  hostStep(lookup);
}

void Iterator::hostStep(std::shared_ptr<HostLookup> lookup) {
  if (++lookup->steps > options_.maxReferrals) {
    lookup->done(walkFailure(WalkError::Kind::kTooManyReferrals,
                             "too many referrals resolving " + lookup->host.toString()));
    return;
  }
  const ZoneCut cut = lookup->path.back();
  const dns::RRType first = options_.ipv4 ? dns::RRType::A : dns::RRType::AAAA;
  askZone(
      cut, lookup->host, first,
      [this, lookup, cut](Result<ZoneAnswer> r) {
        if (!r) return lookup->done(unreachable(r.error().message));
        hostAnswered(lookup, cut, std::move(r).value());
      },
      lookup->budget);
}

// The CNAME target `host` has in an authoritative answer, if any.
static std::optional<dns::Name> aliasTarget(const dns::Message& message, const dns::Name& host) {
  for (const auto& rr : message.answer) {
    if (rr.type != dns::RRType::CNAME || !(rr.owner == host)) continue;
    if (const auto* cname = std::get_if<dns::rdata::CNAME>(&rr.data)) return cname->target;
  }
  return std::nullopt;
}

// RFC 2181 §10.3: an NS record must name a host, not an alias. Resolvers follow such an alias
// anyway, so the servers behind it are asked too; the observation reports the alias
// (`ns_host_alias`). The target is resolved as a host of its own, inside this lookup's chain.
void Iterator::followAlias(std::shared_ptr<HostLookup> lookup, const dns::Name& target) {
  if (aliases_.size() >= kMaxAliases) aliases_.clear();
  aliases_[lookup->host] = target;
  resolveHost(
      target,
      [this, lookup](Result<std::vector<resolver::ServerAddress>, WalkError> r) {
        if (!r) return lookup->done(Unexpected{r.error()});
        cache_.storeHostAddresses(lookup->host, *r, 0);
        lookup->done(std::move(r).value());
      },
      lookup->budget, lookup->chain);
}

std::optional<dns::Name> Iterator::aliasOf(const dns::Name& host) const {
  auto it = aliases_.find(host);
  if (it == aliases_.end()) return std::nullopt;
  return it->second;
}

void Iterator::hostAnswered(std::shared_ptr<HostLookup> lookup, const ZoneCut& cut,
                            ZoneAnswer answer) {
  if (auto referral = findReferral(answer.answer.message, cut.zone, lookup->host)) {
    buildCut(*referral, lookup->chain, lookup->budget,
             [this, lookup](Result<ZoneCut, WalkError> next) {
               if (!next) return lookup->done(Unexpected{next.error()});
               lookup->path.push_back(std::move(next).value());
               hostStep(lookup);
             });
    return;
  }
  // Authoritative: collect this type, then the other address family from the same zone.
  struct Collected {
    std::vector<resolver::ServerAddress> addresses;
    uint32_t ttl = 0;
  };
  auto collected = std::make_shared<Collected>();
  auto take = [lookup, collected](const dns::Message& msg) {
    for (const auto& rr : msg.answer) {
      if (!(rr.owner == lookup->host)) continue;
      if (auto a = addressFromRecord(rr)) {
        collected->addresses.push_back(*a);
        collected->ttl = minTtl(collected->ttl, rr.ttl);
      }
    }
  };
  take(answer.answer.message);
  if (collected->addresses.empty()) {
    if (auto target = aliasTarget(answer.answer.message, lookup->host)) {
      return followAlias(lookup, *target);
    }
  }
  auto complete = [this, lookup, collected]() {
    if (collected->addresses.empty()) {
      lookup->done(unreachable("no address for name server host " + lookup->host.toString()));
      return;
    }
    std::sort(collected->addresses.begin(), collected->addresses.end());
    cache_.storeHostAddresses(lookup->host, collected->addresses, collected->ttl);
    lookup->done(collected->addresses);
  };
  if (!(options_.ipv4 && options_.ipv6) || answer.answer.rcode == 3) {
    complete();
    return;
  }
  askZone(
      cut, lookup->host, dns::RRType::AAAA,
      [take, complete](Result<ZoneAnswer> r6) {
        if (r6 && r6->answer.message.header.aa) take(r6->answer.message);
        complete();
      },
      lookup->budget);
}

}  // namespace zonewatch::probe
