#include "monitor/dnssec/denial.h"

namespace zonewatch::dnssec {

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

}  // namespace zonewatch::dnssec
