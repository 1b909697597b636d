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

}  // namespace

std::optional<resolver::ServerAddress> addressFromRecord(const dns::ResourceRecord& rr) {
  // Addresses from answers are literals we format ourselves; ServerAddress::make canonicalises.
  char text[64] = {};
  if (const auto* a = std::get_if<dns::rdata::A>(&rr.data)) {
    std::snprintf(text, sizeof text, "%u.%u.%u.%u", a->address[0], a->address[1], a->address[2],
                  a->address[3]);
  } else if (const auto* aaaa = std::get_if<dns::rdata::AAAA>(&rr.data)) {
    char* p = text;
    for (size_t i = 0; i < 16; i += 2) {
      p += std::snprintf(p, 6, "%x%s", (aaaa->address[i] << 8) | aaaa->address[i + 1],
                         i < 14 ? ":" : "");
    }
  } else {
    return std::nullopt;
  }
  auto made = resolver::ServerAddress::make(text);
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
};

struct Iterator::HostLookup {
  dns::Name host;
  int depth = 0;
  std::vector<ZoneCut> path;
  int steps = 0;
};

Iterator::Iterator(resolver::QueryEngine& engine, DelegationCache& cache, IteratorOptions options)
    : engine_(engine), cache_(cache), options_(options) {}

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

  void note(const dns::Name& host, std::string_view what) {
    if (!errors.empty()) errors += "; ";
    errors += host.toString();
    errors += ' ';
    errors += what;
  }
};

void Iterator::askZone(const ZoneCut& cut, const dns::Name& name, dns::RRType type,
                       AnswerCallback done) {
  auto attempt = std::make_shared<ZoneAttempt>();
  for (auto& s : cut.addresses()) {
    if (usable(s.second)) attempt->servers.push_back(std::move(s));
  }
  attempt->name = name;
  attempt->type = type;
  attempt->zone = cut.zone.toString();
  attempt->done = std::move(done);
  tryNextServer(std::move(attempt));
}

void Iterator::tryNextServer(std::shared_ptr<ZoneAttempt> attempt) {
  while (attempt->next < attempt->servers.size()) {
    const auto [host, address] = attempt->servers[attempt->next++];
    resolver::Query q;
    q.server = address;
    q.name = attempt->name;
    q.type = attempt->type;
    auto submitted = engine_.submit(q, [this, attempt, host](resolver::QueryResult r) {
      if (!r) {
        attempt->note(host, resolver::toString(r.error().code));
        tryNextServer(attempt);
        return;
      }
      const uint16_t rcode = r->rcode;
      // RFC 1034 §4.3.2: a referral is a non-authoritative NOERROR answer naming servers below.
      const bool referral = !r->aa && rcode == 0 &&
                            std::any_of(r->message.authority.begin(), r->message.authority.end(),
                                        [](const auto& rr) { return rr.type == dns::RRType::NS; });
      if (rcode != 0 && rcode != 3) {
        attempt->note(host, dns::rcodeToString(rcode));
        tryNextServer(attempt);
        return;
      }
      if (!r->aa && !referral) {
        attempt->note(host, "lame (not authoritative)");
        tryNextServer(attempt);
        return;
      }
      attempt->done(ZoneAnswer{std::move(r).value(), host});
    });
    if (submitted) return;
    attempt->note(host, submitted.error().message);
  }
  // Said plainly for the root: offline, this is the first thing that fails.
  const std::string who =
      attempt->zone == "." ? "any root server" : "any server of " + attempt->zone;
  attempt->done(fail(attempt->servers.empty()
                         ? "no usable address for any name server of " + attempt->zone
                         : "cannot reach " + who + " (" + attempt->errors + ")"));
}

void Iterator::buildCut(const Referral& referral, int depth,
                        std::function<void(Result<ZoneCut>)> done) {
  struct Build {
    ZoneCut cut;
    size_t pending = 0;
    std::function<void(Result<ZoneCut>)> done;
    uint32_t ttl = 0;
  };
  auto build = std::make_shared<Build>();
  build->cut.zone = referral.zone;
  build->done = std::move(done);
  build->ttl = referral.ttl;
  auto finish = [this, build]() {
    std::erase_if(build->cut.servers, [](const NameServer& s) { return s.addresses.empty(); });
    if (build->cut.servers.empty()) {
      build->done(fail("no address found for any name server of " + build->cut.zone.toString()));
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
  for (size_t i = 0; i < build->cut.servers.size(); ++i) {
    auto& server = build->cut.servers[i];
    if (!server.addresses.empty()) continue;
    // A host inside the delegated zone needs glue to be reachable at all (RFC 9471 §2.1).
    if (server.host.isSubdomainOf(referral.zone)) continue;
    ++build->pending;
    resolveHost(
        server.host,
        [build, i, finish](Result<std::vector<resolver::ServerAddress>> r) {
          if (r) build->cut.servers[i].addresses = std::move(r).value();
          if (--build->pending == 0) finish();
        },
        depth + 1);
  }
  if (build->pending == 0) finish();
}

void Iterator::findDelegation(const dns::Name& domain, DelegationCallback done) {
  if (domain.isRoot()) {
    done(walkFailure(WalkError::Kind::kRoot, "the root zone has no parent to delegate it"));
    return;
  }
  auto walk = std::make_shared<Walk>();
  walk->target = domain;
  walk->path = cache_.pathTo(domain, /*includeName=*/false);
  walk->done = std::move(done);
  step(walk);
}

void Iterator::step(std::shared_ptr<Walk> walk) {
  if (++walk->steps > options_.maxReferrals) {
    walk->done(walkFailure(WalkError::Kind::kTooManyReferrals,
                           "more than " + std::to_string(options_.maxReferrals) +
                               " referrals toward " + walk->target.toString()));
    return;
  }
  askZone(walk->path.back(), walk->target, dns::RRType::NS, [this, walk](Result<ZoneAnswer> r) {
    const ZoneCut& current = walk->path.back();
    if (!r) {
      walk->done(walkFailure(WalkError::Kind::kUnreachable, r.error().message));
      return;
    }
    const auto& msg = r->answer.message;
    if (r->answer.rcode == 3) {
      walk->done(walkFailure(WalkError::Kind::kNoSuchDomain,
                             walk->target.toString() +
                                 " does not exist (NXDOMAIN from a server of " +
                                 current.zone.toString() + ")"));
      return;
    }
    if (auto referral = findReferral(msg, current.zone, walk->target)) {
      if (referral->zone == walk->target) {
        walk->done(DelegationPath{walk->path, std::move(*referral), false, r->answer});
        return;
      }
      buildCut(*referral, 0, [this, walk](Result<ZoneCut> next) {
        if (!next) {
          walk->done(walkFailure(WalkError::Kind::kUnreachable, next.error().message));
          return;
        }
        walk->path.push_back(std::move(next).value());
        step(walk);
      });
      return;
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
      walk->done(DelegationPath{walk->path, std::move(own), true, r->answer});
      return;
    }
    walk->done(walkFailure(WalkError::Kind::kNotDelegated,
                           walk->target.toString() +
                               " is not delegated: " + current.zone.toString() +
                               " answers for it as part of its own zone"));
  });
}

void Iterator::resolveHost(const dns::Name& host, AddressCallback done, int depth) {
  if (auto cached = cache_.hostAddresses(host)) {
    done(std::move(*cached));
    return;
  }
  if (depth > options_.maxHostDepth) {
    done(fail("name server host resolution nested too deep at " + host.toString()));
    return;
  }
  auto& waiters = hostWaiters_[host];
  waiters.push_back(std::move(done));
  if (waiters.size() > 1) return;  // a lookup is already under way

  auto lookup = std::make_shared<HostLookup>();
  lookup->host = host;
  lookup->depth = depth;
  lookup->path = cache_.pathTo(host, /*includeName=*/true);
  hostStep(lookup);
}

void Iterator::hostStep(std::shared_ptr<HostLookup> lookup) {
  auto finish = [this, lookup](Result<std::vector<resolver::ServerAddress>> r) {
    auto node = hostWaiters_.extract(lookup->host);
    if (node.empty()) return;
    for (auto& cb : node.mapped()) cb(r);
  };
  if (++lookup->steps > options_.maxReferrals) {
    finish(fail("too many referrals resolving " + lookup->host.toString()));
    return;
  }
  const ZoneCut cut = lookup->path.back();
  const dns::RRType first = options_.ipv4 ? dns::RRType::A : dns::RRType::AAAA;
  askZone(cut, lookup->host, first, [this, lookup, cut, finish](Result<ZoneAnswer> r) {
    if (!r) {
      finish(fail(r.error().message));
      return;
    }
    if (auto referral = findReferral(r->answer.message, cut.zone, lookup->host)) {
      buildCut(*referral, lookup->depth, [this, lookup, finish](Result<ZoneCut> next) {
        if (!next) {
          finish(fail(next.error().message));
          return;
        }
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
    take(r->answer.message);
    auto complete = [this, lookup, collected, finish]() {
      if (collected->addresses.empty()) {
        finish(fail("no address for name server host " + lookup->host.toString()));
        return;
      }
      std::sort(collected->addresses.begin(), collected->addresses.end());
      cache_.storeHostAddresses(lookup->host, collected->addresses, collected->ttl);
      finish(collected->addresses);
    };
    if (!(options_.ipv4 && options_.ipv6) || r->answer.rcode == 3) {
      complete();
      return;
    }
    askZone(cut, lookup->host, dns::RRType::AAAA, [take, complete](Result<ZoneAnswer> r6) {
      if (r6 && r6->answer.message.header.aa) take(r6->answer.message);
      complete();
    });
  });
}

}  // namespace zonewatch::probe
