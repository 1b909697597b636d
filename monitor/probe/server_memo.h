// Server memos: what the next observation of a domain may reuse of each server's answers.
//
// An observation given memos asks each server that has one its SOA first. When that answer is
// byte for byte (message ID and question aside, replay_digest.h) the one the memo was made from,
// signed, and the memo younger than kServerMemoMaxAge, the server's other answers (NS, DNSKEY,
// CDS, CDNSKEY, and the addresses it serves for the NS hosts inside the domain) are taken as
// unchanged and not asked: the memo's digest of them stands in the replay digest. Why that holds:
// the SOA serial is the zone's version number (RFC 1035 §3.3.13), which a new version of the zone
// must increase, secondaries copying a zone only when it grows (RFC 1034 §4.3.5); and a signed
// zone's SOA RRset is signed with the rest (RFC 4035 §2.2), so a re-signed zone gives a new SOA
// RRSIG even at the same serial. Both together say that the zone the server serves is the one it
// served. Only
// signed SOA answers count: an unsigned zone's serial is the operator's word alone, so its servers
// are asked everything every time.
//
// A memo only ever helps replay (monitor/detect/replay.h): when the digest it gives is not one the
// daemon proved to change nothing, the questions it stood for are asked and the observation is
// judged in full (Prober::finish). And a memo is used for at most kServerMemoMaxAge after the
// questions it stands for were asked, so a server that changes its answers without changing its
// SOA (against RFC 1034) is seen within that time.
//
// Encoded as bytes for the store (storage::DomainRow::serverMemo), versioned and compact (about 75
// octets a server: it is in every domain's row); times as unsigned 32-bit unix seconds, 0 for
// none. Anything that does not decode, or decodes to too much, is no memo (the observation asks
// everything).
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "monitor/model/observation.h"

namespace zonewatch::probe {

// How long the questions a memo stands for may go unasked.
inline constexpr std::chrono::seconds kServerMemoMaxAge{3600};
// Caps on what a stored memo may hold (a memo is read back from the store, not the network, but
// a damaged or foreign blob still must not make the loop allocate without bound).
inline constexpr size_t kMaxServerMemos = 64;
inline constexpr size_t kMaxMemoHosts = 32;

// The digest of a SOA answer, cut to 16 octets: it only has to tell one honest answer from the
// next (a server that wanted to hide a change would keep its SOA answer, not collide with it).
using SoaKey = std::array<uint8_t, 16>;

struct ServerMemo {
  std::string address;                  // resolver::ServerAddress::toString()
  SoaKey soa{};                         // the digest of its SOA answer
  model::ReplayInputs rest;             // its other answers, digested, with their RRSIG times
  int64_t since = 0;                    // when those were asked (unix seconds)
  std::vector<std::string> extraHosts;  // NS hosts its NS answer named that the referral did not

  bool operator==(const ServerMemo&) const = default;
};

std::vector<uint8_t> encodeServerMemos(const std::vector<ServerMemo>& memos);
// Empty when `bytes` is empty, of another version, malformed or over the caps.
std::vector<ServerMemo> decodeServerMemos(std::span<const uint8_t> bytes);

// Whether `memo` may stand for its server's answers at `now`: younger than kServerMemoMaxAge, and
// no signature in it expired or newly valid since (either would change the verdict).
bool memoUsable(const ServerMemo& memo, int64_t now);

}  // namespace zonewatch::probe
