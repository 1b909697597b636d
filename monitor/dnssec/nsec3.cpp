#include <algorithm>
#include <map>
#include <optional>
#include <string>

#include "monitor/crypto/crypto.h"
#include "monitor/dns/presentation.h"
#include "monitor/dnssec/denial.h"

namespace zonewatch::dnssec {

namespace {

// RFC 5155 §3.1.1: SHA-1 is the only hash algorithm defined.
constexpr uint8_t kNsec3Sha1 = 1;

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

// The NSEC3 RRs of `zone` a validator may use, and why the others were set aside.
struct UsableNsec3 {
  std::vector<Nsec3Entry> entries;
  std::optional<uint8_t> unknownHash;       // a hash algorithm seen and ignored
  std::optional<uint16_t> iterationsAbove;  // iterations of a record past the cap
};

UsableNsec3 usableNsec3(const std::vector<dns::ResourceRecord>& nsec3s, const dns::Name& zone,
                        const ValidationLimits& limits) {
  UsableNsec3 usable;
  for (const auto& rr : nsec3s) {
    const auto* n = std::get_if<dns::rdata::NSEC3>(&rr.data);
    if (n == nullptr) continue;
    // RFC 5155 §8.1: "A validator MUST ignore NSEC3 RRs with unknown hash types. The practical
    // result of this is that responses containing only such NSEC3 RRs will generally be
    // considered bogus." Ignored here; the callers end bogus when nothing usable is left.
    if (n->hashAlgorithm != kNsec3Sha1) {
      usable.unknownHash = n->hashAlgorithm;
      continue;
    }
    // RFC 5155 §8.2: "A validator MUST ignore NSEC3 RRs with a Flag fields value other than zero
    // or one."
    if ((n->flags & 0xFE) != 0) continue;
    // RFC 5155 §3: the owner is the hash "prepended as a single label to the name of the zone".
    if (!(rr.owner.parent() == zone) || rr.owner.labelCount() != zone.labelCount() + 1) continue;
    auto h = ownerHash(rr);
    if (!h || h->size() != n->nextHashed.size()) continue;
    // RFC 9276 §3.2: too many iterations make the answer insecure; decided before any hashing.
    if (n->iterations > limits.maxNsec3Iterations) {
      usable.iterationsAbove = n->iterations;
      return usable;
    }
    usable.entries.push_back({std::move(*h), n});
  }
  return usable;
}

std::string ignoredHashDetail(const UsableNsec3& usable, const dns::Name& zone) {
  return "the only NSEC3 records of " + zone.toString() + " use hash algorithm " +
         std::to_string(*usable.unknownHash) +
         ", which RFC 5155 §8.1 says to ignore, so nothing is proven";
}

class Hasher {
 public:
  Hasher(const ValidationLimits& limits, Budget& budget) : limits_(limits), budget_(budget) {}
  // nullopt once the budget is spent.
  std::optional<std::vector<uint8_t>> hash(const dns::Name& name, const dns::rdata::NSEC3& params) {
    std::string key = name.lowercased().toString() + "/" + std::to_string(params.iterations) + "/" +
                      std::string(params.salt.begin(), params.salt.end());
    if (auto it = memo_.find(key); it != memo_.end()) return it->second;
    if (budget_.exhausted || budget_.nsec3Hashes >= limits_.maxNsec3Hashes) {
      budget_.exhausted = true;
      return std::nullopt;
    }
    ++budget_.nsec3Hashes;
    auto h = crypto::nsec3Hash(name.lowercased().wire(), params.salt, params.iterations);
    memo_.emplace(std::move(key), h);
    return h;
  }

 private:
  const ValidationLimits& limits_;
  Budget& budget_;
  std::map<std::string, std::vector<uint8_t>> memo_;
};

const Nsec3Entry* matching(const std::vector<Nsec3Entry>& entries, const std::vector<uint8_t>& h) {
  for (const auto& e : entries) {
    if (e.ownerHash == h) return &e;
  }
  return nullptr;
}

std::string exhaustedDetail(const ValidationLimits& limits) {
  return "more than " + std::to_string(limits.maxNsec3Hashes) + " NSEC3 hash computations";
}

// An outcome of proving "no DS": an insecure one concerns the delegation, which is then unsigned; a
// bogus one concerns the parent, whose denial failed.
Outcome noDsOutcome(const dns::Name& delegation, const dns::Name& parentZone, State s, Reason r,
                    std::string detail) {
  return Outcome{s,
                 r,
                 s == State::kInsecure ? delegation : parentZone,
                 dns::RRType::DS,
                 {},
                 std::move(detail)};
}

// The NSEC3 proof that a delegation has no DS (RFC 5155 §8.6), from the parent's usable records
// (at least one). Every hash is charged to the budget.
class NoDsProof {
 public:
  NoDsProof(const dns::Name& delegation, const dns::Name& parentZone,
            const std::vector<Nsec3Entry>& entries, const ValidationLimits& limits, Budget& budget)
      : delegation_(delegation),
        parentZone_(parentZone),
        entries_(entries),
        params_(*entries.front().data),
        limits_(limits),
        hasher_(limits, budget) {}

  Outcome run() {
    auto h = hasher_.hash(delegation_, params_);
    if (!h) return exhausted();
    if (const auto* m = matching(entries_, *h)) return fromMatch(*m);
    return fromClosestEncloser();
  }

 private:
  Outcome result(State s, Reason r, std::string detail) const {
    return noDsOutcome(delegation_, parentZone_, s, r, std::move(detail));
  }

  Outcome exhausted() const {
    return result(State::kBogus, Reason::kBudgetExhausted, exhaustedDetail(limits_));
  }

  // RFC 5155 §8.6: a matching NSEC3 must show NS and neither DS nor SOA.
  Outcome fromMatch(const Nsec3Entry& m) const {
    const std::string matchingText = "the NSEC3 matching " + delegation_.toString();
    if (m.data->types.has(dns::RRType::DS)) {
      return result(State::kBogus, Reason::kDenialInvalid, matchingText + " lists a DS");
    }
    if (m.data->types.has(dns::RRType::SOA)) {
      return result(State::kBogus, Reason::kDenialInvalid,
                    matchingText + " is the child's (it lists SOA)");
    }
    if (!m.data->types.has(dns::RRType::NS)) {
      return result(State::kBogus, Reason::kDenialInvalid, matchingText + " shows no delegation");
    }
    return result(State::kInsecure, Reason::kDsAbsent,
                  parentZone_.toString() + " proves with NSEC3 that " + delegation_.toString() +
                      " has no DS");
  }

  // RFC 5155 §8.6, no match: a closest-encloser proof (§8.3) whose next-closer name is covered by
  // an NSEC3 with the opt-out flag makes the delegation insecure. The candidate enclosers are
  // hashed from the longest down to the parent's apex, and the first one that matches decides.
  Outcome fromClosestEncloser() {
    for (size_t ceLabels = delegation_.labelCount() - 1; ceLabels >= parentZone_.labelCount();
         --ceLabels) {
      const dns::Name encloser = delegation_.suffix(ceLabels);
      auto ceHash = hasher_.hash(encloser, params_);
      if (!ceHash) return exhausted();
      if (const Nsec3Entry* ce = matching(entries_, *ceHash)) {
        return fromEncloser(encloser, ceLabels, *ce);
      }
      if (ceLabels == parentZone_.labelCount()) break;
    }
    return result(State::kBogus, Reason::kDenialMissing,
                  "no NSEC3 closest-encloser proof for " + delegation_.toString());
  }

  // The closest encloser `encloser` has `ceLabels` labels and its NSEC3 is `ce`.
  Outcome fromEncloser(const dns::Name& encloser, size_t ceLabels, const Nsec3Entry& ce) {
    // RFC 5155 §8.3: "The DNAME type bit must not be set and the NS type bit may only be set if
    // the SOA type bit is set. If this is not the case, it would be an indication that an
    // attacker is using them to falsely deny the existence of RRs for which the server is not
    // authoritative."
    if (ce.data->types.has(dns::RRType::DNAME)) {
      return result(State::kBogus, Reason::kDenialInvalid,
                    "the closest-encloser NSEC3 of " + encloser.toString() +
                        " has the DNAME bit: nothing below it is in this zone");
    }
    if (ce.data->types.has(dns::RRType::NS) && !ce.data->types.has(dns::RRType::SOA)) {
      return result(State::kBogus, Reason::kDenialInvalid,
                    "the closest-encloser NSEC3 of " + encloser.toString() +
                        " is a delegation (NS without SOA): names below it are another zone's");
    }
    return fromNextCloser(delegation_.suffix(ceLabels + 1));
  }

  // Only an opt-out span may cover the next closer name of a delegation without a DS: a span
  // without the flag denies the name itself, not just its DS (RFC 5155 §6).
  Outcome fromNextCloser(const dns::Name& nextCloser) {
    auto ncHash = hasher_.hash(nextCloser, params_);
    if (!ncHash) return exhausted();
    for (const auto& e : entries_) {
      if (!covers(e, *ncHash)) continue;
      if (e.data->optOut()) {
        return result(
            State::kInsecure, Reason::kOptOut,
            delegation_.toString() + " lies in an NSEC3 opt-out span of " + parentZone_.toString());
      }
      return result(State::kBogus, Reason::kDenialInvalid,
                    "the NSEC3 covering " + nextCloser.toString() +
                        " has no opt-out flag, so it denies the name, not just its DS");
    }
    return result(State::kBogus, Reason::kDenialMissing,
                  "no NSEC3 covers the next closer name " + nextCloser.toString());
  }

  const dns::Name& delegation_;
  const dns::Name& parentZone_;
  const std::vector<Nsec3Entry>& entries_;
  const dns::rdata::NSEC3& params_;
  const ValidationLimits& limits_;
  Hasher hasher_;
};

}  // namespace

Outcome proveNoDsWithNsec3(const dns::Name& delegation, const dns::Name& parentZone,
                           const std::vector<dns::ResourceRecord>& nsec3s,
                           const ValidationLimits& limits, Budget& budget) {
  auto result = [&](State s, Reason r, std::string detail) {
    return noDsOutcome(delegation, parentZone, s, r, std::move(detail));
  };
  const UsableNsec3 usable = usableNsec3(nsec3s, parentZone, limits);
  if (usable.iterationsAbove) {
    return result(State::kInsecure, Reason::kNsec3IterationsTooHigh,
                  parentZone.toString() + " uses " + std::to_string(*usable.iterationsAbove) +
                      " NSEC3 iterations (cap " + std::to_string(limits.maxNsec3Iterations) + ")");
  }
  if (usable.entries.empty()) {
    // RFC 5155 §8.1: ignoring NSEC3 RRs of an unknown hash leaves no denial, so the answer is
    // bogus, not insecure: an unknown hash in a denial is not an unsupported DNSKEY algorithm (RFC
    // 4035 §5.2), and an attacker could otherwise downgrade any delegation with one forged RR.
    if (usable.unknownHash) {
      return result(State::kBogus, Reason::kDenialMissing, ignoredHashDetail(usable, parentZone));
    }
    return result(
        State::kBogus, Reason::kDenialMissing,
        "no NSEC3 from " + parentZone.toString() + " denies the DS of " + delegation.toString());
  }
  return NoDsProof(delegation, parentZone, usable.entries, limits, budget).run();
}

Outcome proveWildcardWithNsec3(const dns::Name& qname, size_t labels, const dns::Name& zone,
                               const std::vector<dns::ResourceRecord>& nsec3s,
                               const ValidationLimits& limits, Budget& budget) {
  auto result = [&](State s, Reason r, std::string detail) {
    return Outcome{s, r, zone, {}, {}, std::move(detail)};
  };
  const UsableNsec3 usable = usableNsec3(nsec3s, zone, limits);
  if (usable.iterationsAbove) {
    return result(State::kInsecure, Reason::kNsec3IterationsTooHigh,
                  zone.toString() + " uses " + std::to_string(*usable.iterationsAbove) +
                      " NSEC3 iterations (cap " + std::to_string(limits.maxNsec3Iterations) + ")");
  }
  if (usable.entries.empty()) {
    return result(State::kBogus, Reason::kWildcardProofMissing,
                  usable.unknownHash ? ignoredHashDetail(usable, zone)
                                     : "no NSEC3 of " + zone.toString() + " proves that " +
                                           qname.toString() + " does not exist");
  }
  // RFC 5155 §8.8: the wildcard's parent is the closest encloser; "Validators MUST verify that
  // there is an NSEC3 RR that covers the 'next closer' name to QNAME present in the response."
  const dns::Name nextCloser = qname.suffix(labels + 1);
  Hasher hasher(limits, budget);
  auto h = hasher.hash(nextCloser, *usable.entries.front().data);
  if (!h) return result(State::kBogus, Reason::kBudgetExhausted, exhaustedDetail(limits));
  for (const auto& e : usable.entries) {
    if (covers(e, *h)) {
      return result(State::kSecure, Reason::kNone,
                    "an NSEC3 covers the next closer name " + nextCloser.toString());
    }
  }
  return result(State::kBogus, Reason::kWildcardProofMissing,
                "no NSEC3 covers the next closer name " + nextCloser.toString() + " of " +
                    qname.toString() + ", so a closer match may exist");
}

}  // namespace zonewatch::dnssec
