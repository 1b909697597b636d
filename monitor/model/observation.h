// One observation of one domain: what its parent publishes about the delegation, what each of its
// authoritative servers serves, and the validator's verdict — the unit that `zonewatch check`
// prints and the monitor stores and diffs.
//
// Plain data with no DNS transport types, in the model so that its readers need not link the
// prober: the probe fills it, detect (findings, domain state, differ) reads it, `check --json` and
// the evidence print it. Record sets are kept as sorted presentation strings so that two
// observations compare with ==, and the signed RRsets as received are kept as zone-file text
// ("evidence"), so an operator can show later exactly what a server published at a given time.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "monitor/model/finding_kind.h"
#include "monitor/model/query_failure.h"
#include "monitor/model/security_state.h"
#include "monitor/model/severity.h"

namespace zonewatch::model {

struct KeyInfo {  // a DNSKEY or CDNSKEY
  uint16_t tag = 0;
  uint16_t flags = 0;
  uint8_t algorithm = 0;
  friend bool operator==(const KeyInfo&, const KeyInfo&) = default;
  friend auto operator<=>(const KeyInfo&, const KeyInfo&) = default;
};

struct DsInfo {  // a DS or CDS
  uint16_t keyTag = 0;
  uint8_t algorithm = 0;
  uint8_t digestType = 0;
  std::string digest;  // uppercase hex
  friend bool operator==(const DsInfo&, const DsInfo&) = default;
  friend auto operator<=>(const DsInfo&, const DsInfo&) = default;
};

struct Glue {
  std::string host;                    // NS host name, lowercase, absolute
  std::vector<std::string> addresses;  // sorted
  friend bool operator==(const Glue&, const Glue&) = default;
};

// What one server of the parent zone answered about the delegation.
struct ParentServer {
  std::string name;                 // the parent's NS host name
  std::string address;              // "192.0.2.1" or "2001:db8::1" (":port" only when not 53)
  std::optional<QueryError> error;  // how the NS or DS question failed (query_failure.h)
  uint16_t rcode = 0;
  std::vector<std::string> ns;  // the referral's NS set
  std::vector<Glue> glue;
  std::vector<DsInfo> ds;
  std::string denial;    // "" (DS present or unknown), "nsec", "nsec3", "nsec3-opt-out", "none"
  std::string evidence;  // the DS RRset or its denial, with RRSIGs, as zone-file text
  double rttMs = 0;
};

struct ParentView {
  std::string zone;  // the parent zone, e.g. "com."
  std::vector<ParentServer> servers;
  // The delegation as the parent publishes it (from the first server that answered; servers that
  // disagree raise a finding).
  std::vector<std::string> ns;
  std::vector<Glue> glue;
  std::vector<DsInfo> ds;
  std::string denial;
};

// The A and AAAA RRsets one server serves for an NS host inside the domain: the authoritative data
// the parent's glue for that host stands in for (RFC 1034 §4.2.1: glue is not authoritative data of
// the parent zone; the child zone's own address records are).
struct HostAddresses {
  std::string host;                    // lowercase, absolute
  std::vector<std::string> addresses;  // sorted; empty when the server says the host has none
  friend bool operator==(const HostAddresses&, const HostAddresses&) = default;
};

// One server's CDS and CDNSKEY RRsets held against its own DNSKEY RRset. The prober fills it: the
// comparisons need digests over the keys' RDATA, which the observation does not keep.
struct CdsCheck {
  // RFC 7344 §4.1: a CDS is the DS the parent is to publish, so its digest must be that of a
  // DNSKEY the zone serves (key tag and algorithm agreeing is not enough).
  std::vector<DsInfo> cdsWithoutKey;
  std::vector<DsInfo> cdsUnchecked;  // digest type this build cannot compute: neither way
  // RFC 7344 §4.1: a CDNSKEY must be one of the zone's DNSKEYs, RDATA for RDATA (flags,
  // protocol, algorithm, public key).
  std::vector<KeyInfo> cdnskeyWithoutKey;
  // RFC 7344 §4.1, RFC 8078 §3: published together, the two RRsets must describe the same keys.
  std::vector<DsInfo> cdsWithoutCdnskey;
  std::vector<KeyInfo> cdnskeyWithoutCds;
  // RFC 8078 §4: exactly CDS "0 0 0 00" / CDNSKEY "0 3 0 AA==" asks for the DS to go.
  bool cdsDelete = false;
  bool cdnskeyDelete = false;

  // Any of the RFC 7344 §4.1 / RFC 8078 §3 faults above: a parent acting on these records would
  // install a DS for no key of the zone, or one the other RRset contradicts.
  bool describesOtherKeys() const {
    return !cdsWithoutKey.empty() || !cdnskeyWithoutKey.empty() || !cdsWithoutCdnskey.empty() ||
           !cdnskeyWithoutCds.empty();
  }
  friend bool operator==(const CdsCheck&, const CdsCheck&) = default;
};

// What one address of one authoritative server of the domain answered.
struct ServerView {
  std::string name;  // NS host name
  std::string address;
  // As ParentServer::error: how the SOA query failed (kLame when AA is not set), else how the
  // first of the NS, DNSKEY, CDS, CDNSKEY queries did (see failedQueries).
  std::optional<QueryError> error;
  // Every query of this address that gave no usable answer ("DNSKEY servfail", "CDS lame", "NS
  // timeout"; NODATA is an answer) and, for the in-domain NS hosts' addresses, "A HOST why". Any
  // apex type failing sets `error`: the server's view is partial.
  std::vector<FailedQuery> failedQueries;
  uint16_t rcode = 0;
  bool aa = false;
  std::string transport;  // "udp" or "tcp"
  double rttMs = 0;
  std::optional<uint32_t> soaSerial;
  std::string soaMname;
  std::string soaRname;
  std::vector<std::string> ns;
  std::vector<KeyInfo> dnskey;
  std::vector<DsInfo> cds;
  std::vector<KeyInfo> cdnskey;
  CdsCheck cdsCheck;
  // For each NS host inside the domain (the parent's NS set and this server's own), the addresses
  // this server serves for it, sorted by host. Hosts whose A/AAAA questions failed are left out.
  std::vector<HostAddresses> hostAddresses;
  std::optional<int64_t> earliestRrsigExpiration;       // unix seconds, over this server's RRsets
  SecurityState state = SecurityState::kIndeterminate;  // this server's data through the chain
  SecurityReason reason = SecurityReason::kMissingData;
  std::string detail;
  std::string evidence;  // NS, SOA, DNSKEY, CDS, CDNSKEY with RRSIGs as zone-file text

  // Whether its CDS and CDNSKEY questions were answered. One whose CDS or CDNSKEY question got an
  // error rcode has shown no RRset either way (and may still count for the verdict): its "none"
  // must not read as a difference.
  bool cdsAnswered() const {
    for (const FailedQuery& f : failedQueries) {
      if (f.host.empty() && (f.type == dns::RRType::CDS || f.type == dns::RRType::CDNSKEY))
        return false;
    }
    return true;
  }
};

// One zone cut on the way from the trust anchor to the domain.
struct ChainStep {
  std::string zone;
  SecurityState state = SecurityState::kIndeterminate;
  SecurityReason reason = SecurityReason::kMissingData;
  std::vector<uint16_t> dsTags;
  std::vector<uint16_t> dnskeyTags;
  // The same sets in full, for the chain diagrams (the web page): the DS set the zone's parent
  // publishes (for the trust anchor's zone, the DS-form anchors), the zone's DNSKEY set, and those
  // DS records that are the digest of one of those keys (RFC 4034 §5.1.4), i.e. which DS points at
  // which key. Sorted.
  std::vector<DsInfo> ds;
  std::vector<KeyInfo> dnskey;
  std::vector<DsInfo> dsMatched;
};

// A problem seen within one observation (as opposed to a change between two, which the differ
// reports as an event).
struct Finding {
  FindingKind kind = FindingKind::kDnssecBogus;  // its name is the stable "code"
  Severity severity = Severity::kWarning;
  std::string message;
  std::optional<std::string> server;
};

// What an observation is judged from, digested (probe/replay_digest.h): every answer it got
// (without the message IDs and the 0x20 case of the questions), the chain data above the domain,
// the trust anchors, the operators and NS aliases. Two observations with the same digest would be
// judged alike at any instant before `validUntil`. The daemon uses it to skip judging and diffing
// an observation that repeats one proven to change nothing (monitor/daemon, "replay").
struct ReplayInputs {
  std::array<uint8_t, 32> digest{};
  // The earliest RRSIG expiration among all the signatures digested (unix seconds), none when
  // nothing is signed; and the earliest inception still in the future at the observation's time:
  // the verdict of the same answers can change at either.
  std::optional<int64_t> earliestExpiration;
  std::optional<int64_t> nextInception;

  bool operator==(const ReplayInputs&) const = default;
};

struct Observation {
  std::string domain;         // A-label form, absolute ("example.com.")
  std::string domainUnicode;  // U-label form for display (same as domain when ASCII)
  int64_t observedAt = 0;     // unix seconds: the "now" the validation used
  SecurityState status = SecurityState::kIndeterminate;
  SecurityReason reason = SecurityReason::kMissingData;
  std::optional<uint16_t> ede;  // RFC 8914 info-code of `reason`; none when it is no error
  std::string detail;
  std::vector<std::string> operators;  // registrable domains of the NS hosts, sorted
  ParentView parent;
  std::vector<ServerView> servers;
  std::vector<ChainStep> chain;
  std::vector<Finding> findings;
  std::optional<int64_t> earliestRrsigExpiration;
  std::optional<std::string> error;  // the observation as a whole failed (e.g. no root reachable)
  // With `error`: its stable code ("unreachable", "nxdomain", "not_delegated",
  // "ns_resolution_cycle", "work_budget_exhausted", "observation_timeout", ...; see WalkError).
  std::optional<std::string> errorCode;
  // What a cap or the deadline cut short ("queries sent: the cap of 400 was reached", ...); the
  // `observation_limited` finding reports them.
  std::vector<std::string> limits;
  // NS hosts of the domain that are aliases (CNAME), "host -> target" (RFC 2181 §10.3).
  std::vector<std::string> nsAliases;
  // Set when the prober defers the evidence (ProbeOptions::Evidence::kDeferred): renders every
  // server's evidence as one text, parent servers first, each under a "; parent NAME ADDRESS" or
  // "; server NAME ADDRESS" line, in the order of parent.servers and servers.
  std::function<std::string()> renderEvidence;
  // Set by a prober with a replay check (ProbeOptions::replayCheck) for an observation that ran
  // to its end: no error, no cap or deadline cut it short.
  std::optional<ReplayInputs> replay;
  // The replay check said these inputs repeat ones already judged: nothing was validated or
  // assembled, and only domain, observedAt, replay and serverMemo are set.
  bool replayed = false;
  // Set by a prober with a replay check when this observation asked some server everything and
  // ran to its end: the memos (probe/server_memo.h, encoded) the next observation may reuse,
  // empty when no server's answers may be. None: the memos it was given still stand.
  std::optional<std::vector<uint8_t>> serverMemo;
};

}  // namespace zonewatch::model
