#include <algorithm>
#include <map>
#include <optional>
#include <string>

#include "monitor/dns/presentation.h"
#include "monitor/dnssec/crypto.h"
#include "monitor/dnssec/denial.h"

namespace zonewatch::dnssec {

namespace {

struct Nsec3Entry {
  std::vector<uint8_t> ownerHash;
  const dns::rdata::NSEC3* data;
};

// RFC 5155 §3.3: the owner's first label is the base32hex hash.
std::optional<std::vector<uint8_t>> ownerHash(const dns::ResourceRecord& rr) {
  if (rr.owner.labelCount() == 0) return std::nullopt;
  auto decoded = dns::fromBase32Hex(rr.owner.label(0));
  if (!decoded) return std::nullopt;
  return std::move(decoded).value();
}

// RFC 5155 §8.3: the hash lies strictly between the owner hash and the next hashed owner, with the
// last NSEC3 of the chain wrapping around to the first.
bool covers(const Nsec3Entry& e, const std::vector<uint8_t>& hash) {
  const auto& owner = e.ownerHash;
  const auto& next = e.data->nextHashed;
  if (owner < next) return owner < hash && hash < next;
  return hash > owner || hash < next;  // the wrap-around record
}

class Hasher {
 public:
  Hasher(const ValidationLimits& limits, Budget& budget) : limits_(limits), budget_(budget) {}
  // nullopt once the budget is spent.
  std::optional<std::vector<uint8_t>> hash(const dns::Name& name, const dns::rdata::NSEC3& params) {
    std::string key = name.lowercased().toString() + "/" + std::to_string(params.iterations) + "/" +
                      std::string(params.salt.begin(), params.salt.end());
    if (auto it = memo_.find(key); it != memo_.end()) return it->second;
    if (budget_.nsec3Hashes >= limits_.maxNsec3Hashes) {
      budget_.exhausted = true;
      return std::nullopt;
    }
    ++budget_.nsec3Hashes;
    auto h = nsec3Hash(name.lowercased().wire(), params.salt, params.iterations);
    memo_.emplace(std::move(key), h);
    return h;
  }

 private:
  const ValidationLimits& limits_;
  Budget& budget_;
  std::map<std::string, std::vector<uint8_t>> memo_;
};

}  // namespace

Outcome proveNoDsWithNsec3(const dns::Name& delegation, const dns::Name& parentZone,
                           const std::vector<dns::ResourceRecord>& nsec3s,
                           const ValidationLimits& limits, Budget& budget) {
  auto result = [&](State s, Reason r, std::string detail) {
    return Outcome{s,
                   r,
                   s == State::kInsecure ? delegation : parentZone,
                   dns::RRType::DS,
                   {},
                   std::move(detail)};
  };
  std::vector<Nsec3Entry> entries;
  bool unknownHash = false;
  for (const auto& rr : nsec3s) {
    const auto* n = std::get_if<dns::rdata::NSEC3>(&rr.data);
    if (n == nullptr) continue;
    // RFC 5155 §8.1: NSEC3 RRs with an unknown hash algorithm are ignored; §8.2: so are those
    // with flag bits other than opt-out set.
    if (n->hashAlgorithm != 1) {
      unknownHash = true;
      continue;
    }
    if ((n->flags & 0xFE) != 0) continue;
    // RFC 5155 §7.2.x: an NSEC3's owner is exactly one label below the zone apex.
    if (!(rr.owner.parent() == parentZone) ||
        rr.owner.labelCount() != parentZone.labelCount() + 1) {
      continue;
    }
    auto h = ownerHash(rr);
    if (!h || h->size() != n->nextHashed.size()) continue;
    // RFC 9276 §3.2: too many iterations make the answer insecure; decide before hashing anything.
    if (n->iterations > limits.maxNsec3Iterations) {
      return result(State::kInsecure, Reason::kNsec3IterationsTooHigh,
                    parentZone.toString() + " uses " + std::to_string(n->iterations) +
                        " NSEC3 iterations (cap " + std::to_string(limits.maxNsec3Iterations) +
                        ")");
    }
    entries.push_back({std::move(*h), n});
  }
  if (entries.empty()) {
    if (unknownHash) {
      return result(State::kInsecure, Reason::kUnsupportedAlgorithm,
                    parentZone.toString() + " denies with an NSEC3 hash algorithm not implemented");
    }
    return result(
        State::kBogus, Reason::kDenialMissing,
        "no NSEC3 from " + parentZone.toString() + " denies the DS of " + delegation.toString());
  }

  Hasher hasher(limits, budget);
  const auto& params = *entries.front().data;
  auto exhausted = [&] {
    return result(
        State::kBogus, Reason::kBudgetExhausted,
        "more than " + std::to_string(limits.maxNsec3Hashes) + " NSEC3 hash computations");
  };
  auto matching = [&](const std::vector<uint8_t>& h) -> const Nsec3Entry* {
    for (const auto& e : entries) {
      if (e.ownerHash == h) return &e;
    }
    return nullptr;
  };

  // RFC 5155 §8.6: a matching NSEC3 must show NS and neither DS nor SOA.
  auto h = hasher.hash(delegation, params);
  if (!h) return exhausted();
  if (const auto* m = matching(*h)) {
    if (m->data->types.has(dns::RRType::DS)) {
      return result(State::kBogus, Reason::kDenialInvalid,
                    "the NSEC3 matching " + delegation.toString() + " lists a DS");
    }
    if (m->data->types.has(dns::RRType::SOA)) {
      return result(
          State::kBogus, Reason::kDenialInvalid,
          "the NSEC3 matching " + delegation.toString() + " is the child's (it lists SOA)");
    }
    if (!m->data->types.has(dns::RRType::NS)) {
      return result(State::kBogus, Reason::kDenialInvalid,
                    "the NSEC3 matching " + delegation.toString() + " shows no delegation");
    }
    return result(
        State::kInsecure, Reason::kDsAbsent,
        parentZone.toString() + " proves with NSEC3 that " + delegation.toString() + " has no DS");
  }

  // RFC 5155 §8.6, no match: a closest-encloser proof (§8.3) whose next-closer name is covered by
  // an NSEC3 with the opt-out flag makes the delegation insecure.
  for (size_t ceLabels = delegation.labelCount() - 1; ceLabels >= parentZone.labelCount();
       --ceLabels) {
    dns::Name encloser = delegation.suffix(ceLabels);
    auto ceHash = hasher.hash(encloser, params);
    if (!ceHash) return exhausted();
    if (matching(*ceHash) == nullptr) {
      if (ceLabels == parentZone.labelCount()) break;
      continue;
    }
    dns::Name nextCloser = delegation.suffix(ceLabels + 1);
    auto ncHash = hasher.hash(nextCloser, params);
    if (!ncHash) return exhausted();
    for (const auto& e : entries) {
      if (!covers(e, *ncHash)) continue;
      if (e.data->optOut()) {
        return result(
            State::kInsecure, Reason::kOptOut,
            delegation.toString() + " lies in an NSEC3 opt-out span of " + parentZone.toString());
      }
      return result(State::kBogus, Reason::kDenialInvalid,
                    "the NSEC3 covering " + nextCloser.toString() +
                        " has no opt-out flag, so it denies the name, not just its DS");
    }
    return result(State::kBogus, Reason::kDenialMissing,
                  "no NSEC3 covers the next closer name " + nextCloser.toString());
  }
  return result(State::kBogus, Reason::kDenialMissing,
                "no NSEC3 closest-encloser proof for " + delegation.toString());
}

}  // namespace zonewatch::dnssec
