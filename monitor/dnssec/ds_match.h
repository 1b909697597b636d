// Matching a zone's DNSKEY RRset to the DS records (or trust anchors) that authenticate it.
//
// RFC 4035 §5.2: a DS authenticates a DNSKEY when owner, algorithm and key tag agree and the
// digest over (owner | DNSKEY RDATA) (RFC 4034 §5.1.4) matches. DS records with an algorithm or a
// digest type not implemented here are unusable; when none is usable the delegation is insecure,
// never bogus. RFC 4509 §3: SHA-1 DS records are ignored when a SHA-256 DS is present.
#pragma once

#include <vector>

#include "monitor/dns/message.h"
#include "monitor/dnssec/limits.h"
#include "monitor/dnssec/outcome.h"
#include "monitor/dnssec/signature.h"

namespace zonewatch::dnssec {

bool isDigestSupported(uint8_t digestType);

struct DsMatch {
  Outcome outcome;               // secure when at least one key matched
  std::vector<ZoneKey> matched;  // the keys a usable DS authenticates
};

// `zone` is the DNSKEY RRset's owner. The DNSKEY RRset itself is not yet verified here. More than
// limits.maxKeysPerSignature keys sharing one DS's key tag and algorithm end the validation at once
// as budget_exhausted (and mark the budget spent), as they would for an RRSIG.
DsMatch matchDs(const dns::Name& zone, const std::vector<dns::rdata::DS>& ds,
                const dns::RRset& dnskeys, const ValidationLimits& limits, Budget& budget);

// DNSKEY-form trust anchors: a key matches when its RDATA equals an anchor's RDATA.
DsMatch matchAnchorKeys(const dns::Name& zone, const std::vector<dns::ResourceRecord>& anchors,
                        const dns::RRset& dnskeys);

}  // namespace zonewatch::dnssec
