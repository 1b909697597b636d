#include <algorithm>

#include "monitor/dnssec/denial.h"

namespace zonewatch::dnssec {

namespace {

// RFC 4034 §6.1 order; the last NSEC of a zone points back to the apex, so its span wraps.
bool nsecCovers(const dns::Name& owner, const dns::Name& next, const dns::Name& name) {
  if (owner < next) return owner < name && name < next;
  return owner < name || name < next;
}

// How many rightmost labels `a` and `b` share.
size_t commonLabels(const dns::Name& a, const dns::Name& b) {
  size_t n = 0;
  const size_t most = std::min(a.labelCount(), b.labelCount());
  while (n < most && a.suffix(n + 1) == b.suffix(n + 1)) ++n;
  return n;
}

}  // namespace

Outcome proveNoDsWithNsec(const dns::Name& delegation, const dns::Name& parentZone,
                          const std::vector<dns::ResourceRecord>& nsecs) {
  auto bogus = [&](Reason r, std::string detail) {
    return Outcome{State::kBogus, r, parentZone, dns::RRType::DS, {}, std::move(detail)};
  };
  for (const auto& rr : nsecs) {
    const auto* nsec = std::get_if<dns::rdata::NSEC>(&rr.data);
    if (nsec == nullptr || !(rr.owner == delegation)) continue;
    // RFC 4035 §5.4 / RFC 6840 §4.4: an NSEC at the delegation point proves "no DS" only if its
    // bitmap has NS, lacks DS, and lacks SOA (an NSEC with SOA comes from the child's apex, the
    // wrong side of the zone cut).
    if (nsec->types.has(dns::RRType::DS)) {
      return bogus(Reason::kDenialInvalid, "the NSEC at " + delegation.toString() + " lists a DS");
    }
    if (nsec->types.has(dns::RRType::SOA)) {
      return bogus(Reason::kDenialInvalid,
                   "the NSEC at " + delegation.toString() + " is the child's (it lists SOA)");
    }
    if (!nsec->types.has(dns::RRType::NS)) {
      return bogus(Reason::kDenialInvalid,
                   "the NSEC at " + delegation.toString() + " shows no delegation (no NS)");
    }
    return Outcome{
        State::kInsecure,
        Reason::kDsAbsent,
        delegation,
        dns::RRType::DS,
        {},
        parentZone.toString() + " proves with NSEC that " + delegation.toString() + " has no DS"};
  }
  return bogus(Reason::kDenialMissing,
               "no NSEC owned by " + delegation.toString() + " denies its DS");
}

Outcome proveWildcardWithNsec(const dns::Name& qname, size_t labels, const dns::Name& zone,
                              const std::vector<dns::ResourceRecord>& nsecs) {
  for (const auto& rr : nsecs) {
    const auto* nsec = std::get_if<dns::rdata::NSEC>(&rr.data);
    if (nsec == nullptr || !rr.owner.isSubdomainOf(zone) || !nsec->next.isSubdomainOf(zone)) {
      continue;
    }
    if (!nsecCovers(rr.owner, nsec->next, qname)) continue;
    // RFC 4035 §5.3.4 asks for proof of "the non-existence of an exact match or closer wildcard
    // match": the NSEC covering QNAME shows it does not exist, and the closest encloser it
    // implies (the longest ancestor QNAME shares with the NSEC's owner or next name, RFC 4592
    // §3.3.1) must be the wildcard's parent, or a closer wildcard would have matched.
    const size_t encloser =
        std::max(commonLabels(qname, rr.owner), commonLabels(qname, nsec->next));
    if (encloser != labels) continue;
    return Outcome{
        State::kSecure,
        Reason::kNone,
        zone,
        {},
        {},
        "the NSEC at " + rr.owner.toString() + " proves " + qname.toString() + " does not exist"};
  }
  return Outcome{State::kBogus,
                 Reason::kWildcardProofMissing,
                 zone,
                 {},
                 {},
                 "no NSEC of " + zone.toString() + " proves that " + qname.toString() +
                     " does not exist, as its wildcard expansion needs"};
}

}  // namespace zonewatch::dnssec
