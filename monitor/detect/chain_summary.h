// The chain of trust of a domain's latest judged observation, summarised for display: each zone
// cut from the trust anchor's zone down to the domain, with its verdict, the DS set its parent
// publishes (which of them are the digest of one of its keys) and its DNSKEY set. The web page
// draws it (/domain/NAME) and /api/domain/NAME returns it as "chain", as the chain section of
// `zonewatch check` prints it.
//
// Display-only data: it is kept in the domain's row (storage::DomainRow::chainJson), never in the
// confirmed state or the snapshots, which drive change detection and must not churn with, say, a
// root or TLD key rollover. Pure: built from a model::Observation, read back from its JSON.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "monitor/model/observation.h"
#include "monitor/model/security_state.h"
#include "monitor/util/result.h"

namespace zonewatch::detect {

// At most this many DS records and DNSKEYs per zone are kept: a diagram of more says nothing more,
// and the row stays small whatever a zone publishes.
inline constexpr size_t kMaxChainRecords = 32;

struct ChainDs {
  uint16_t keyTag = 0;
  uint8_t algorithm = 0;
  uint8_t digestType = 0;
  bool matched = false;  // the digest of one of the zone's DNSKEYs (RFC 4034 §5.1.4)
  friend bool operator==(const ChainDs&, const ChainDs&) = default;
};

struct ChainKey {
  uint16_t tag = 0;
  uint16_t flags = 0;  // 257: a key-signing key (SEP bit, RFC 4034 §2.1.1)
  uint8_t algorithm = 0;
  friend bool operator==(const ChainKey&, const ChainKey&) = default;
};

// One zone cut and the link from its parent to it.
struct ChainZone {
  std::string zone;  // absolute, as the observation names it ("." first)
  model::SecurityState state = model::SecurityState::kIndeterminate;
  model::SecurityReason reason = model::SecurityReason::kMissingData;
  std::vector<ChainDs> ds;  // for the anchor's zone: the DS-form trust anchors
  std::vector<ChainKey> dnskey;
  friend bool operator==(const ChainZone&, const ChainZone&) = default;
};

struct ChainSummary {
  std::vector<ChainZone> zones;  // from the anchor's zone down to the domain
  friend bool operator==(const ChainSummary&, const ChainSummary&) = default;
};

// From the observation's chain (model::ChainStep). Empty when the observation has none.
ChainSummary chainSummary(const model::Observation& obs);

// {"zones":[{"zone","state","reason","ds":[{"key_tag","algorithm","digest_type","matched"}],
// "dnskey":[{"tag","flags","algorithm"}]}]}; bytes of a name that are not UTF-8 become U+FFFD.
std::string toJson(const ChainSummary& chain);
// Stored text is read, never trusted: anything malformed is an error, an empty text no chain.
Result<ChainSummary> chainSummaryFromJson(const std::string& text);

}  // namespace zonewatch::detect
