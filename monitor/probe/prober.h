// The prober: one observation of one domain, end to end.
//
// It finds the delegation from the root (Iterator), asks every address of every parent server for
// the domain's referral and DS (or its denial), asks every address of every authoritative server
// for SOA, NS, DNSKEY, CDS and CDNSKEY with DO set, fetches the chain data of the zones above
// (cached), and hands everything to the validator with the clock's "now". The result is an
// Observation. Judging it (findings, events) is monitor/detect's work, done by the caller.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <span>

#include "monitor/dnssec/key_cache.h"
#include "monitor/dnssec/trust_anchor.h"
#include "monitor/dnssec/validator.h"
#include "monitor/dnssec/verification_cache.h"
#include "monitor/model/observation.h"
#include "monitor/probe/iterator.h"
#include "monitor/probe/operators.h"
#include "monitor/probe/server_memo.h"
#include "monitor/util/clock.h"

namespace zonewatch::probe {

// What one observation asks of each server address, for the daemon's estimate of a round
// (monitor/scheduler/sizing.h): the per-address rate limit makes the busiest address's count the
// bound on how fast a portfolio can be observed. Each address of the parent's servers gets one NS
// question, whose referral carries the DS or its denial (RFC 4035 §3.1.4; an unsigned parent costs
// a DS question more, left out: the estimate is a lower bound). Each address of the domain's own
// servers gets one question per apex type (kServerTypes in prober.cpp, held to this count there);
// the A/AAAA questions for NS hosts the NS answer's additional section leaves out are left out
// too. prober_test counts the queries the prober really sends.
inline constexpr int kQueriesPerParentAddress = 1;
inline constexpr int kQueriesPerServerAddress = 5;
// With a memo (server_memo.h) that stands for the rest, the SOA question alone; ServerMemoTest
// counts it too.
inline constexpr int kQueriesPerServerAddressWithMemo = 1;

class ReplayDigest;

struct ProbeOptions {
  IteratorOptions iterator;
  WorkLimits work;  // per observation
  dnssec::ValidationLimits limits;
  // The signed RRsets as received: as text in each server's `evidence` field, not at all, or
  // behind Observation::renderEvidence. The daemon defers: it stores evidence only with a new
  // snapshot, and rendering it cost more than the rest of an unchanged observation's assembly.
  enum class Evidence : uint8_t { kText, kNone, kDeferred };
  Evidence evidence = Evidence::kText;
  // The wall-clock bound of one observation, from observe() to its callback: whatever has not
  // answered by then is given up and the observation completes with what it has (the
  // `observation_limited` finding says so). Config `observation_timeout`; zero: no deadline.
  std::chrono::milliseconds observationTimeout{30000};
  // Asked when an observation has run to its end (no error, no cap or deadline cut it short),
  // before it is judged, with its domain, time and what it is judged from (Observation::replay):
  // true when the caller has already judged the same inputs and found that they change nothing,
  // so that validating and assembling the observation again would be wasted. The observation
  // then comes back with `replayed` set and nothing judged. None (`check`, tests): every
  // observation is judged, and no digest is computed.
  std::function<bool(const model::Observation&)> replayCheck;
  // Signature verifications shared with other probers (thread-safe, verification_cache.h), which
  // must outlive this one; none: the prober keeps its own.
  dnssec::VerificationCache* verifications = nullptr;
};

class Prober {
 public:
  Prober(resolver::QueryEngine& engine, DelegationCache& cache, const Clock& clock,
         dnssec::TrustAnchors anchors, const OperatorResolver& operators,
         ProbeOptions options = {});
  ~Prober();

  using Callback = std::function<void(model::Observation)>;
  // Starts observing `domain`; `done` runs from the engine's loop when the observation is complete.
  // An observation always completes: failures are recorded in it, never thrown. `memo`: the
  // serverMemo of the domain's last observation that had one (server_memo.h); used only with a
  // replay check.
  void observe(const dns::Name& domain, Callback done, std::span<const uint8_t> memo = {});

  dnssec::VerificationCache& verificationCache() { return *verifications_; }

 private:
  struct Run;
  struct ChainFetch;
  void armDeadline(const std::shared_ptr<Run>& run);
  void submit(const std::shared_ptr<Run>& run, resolver::Query query,
              std::function<void(resolver::QueryResult)> done);
  void fetchChain(std::shared_ptr<ChainFetch> fetch);
  void fetchZone(std::shared_ptr<ChainFetch> fetch, const dns::Name& zone);
  void zoneFetched(const dns::Name& zone, const ZoneKeysData& data, bool validated);
  std::optional<dnssec::ZoneTrust> judge(const Run& run,
                                         const std::optional<dnssec::ZoneTrust>& above,
                                         const dns::Name& zone, const ZoneKeysData& keys);
  void ask(const std::shared_ptr<Run>& run, const resolver::ServerAddress& address,
           dns::RRType type, std::function<void(resolver::QueryResult)> done);
  void parentNsAnswered(const std::shared_ptr<Run>& run, size_t index, resolver::QueryResult r);
  void askHost(const std::shared_ptr<Run>& run, const dns::Name& host);
  void askAddress(const std::shared_ptr<Run>& run, const dns::Name& host,
                  const resolver::ServerAddress& address);
  void askHostAddresses(const std::shared_ptr<Run>& run, size_t index, const resolver::Answer& ns);
  void askApex(const std::shared_ptr<Run>& run, size_t index, dns::RRType type, bool tcp);
  // Server memos (server_memo.h).
  void askRest(const std::shared_ptr<Run>& run, size_t index);
  void memoAnswered(const std::shared_ptr<Run>& run, size_t index);
  bool replayOrAskMore(const std::shared_ptr<Run>& run);
  bool askWhatMemosStoodFor(const std::shared_ptr<Run>& run);
  static void leaveOutMemoServers(Run& run);
  static void settleRests(Run& run);
  static std::vector<ServerMemo> memosOf(const Run& run);
  // Finishing an observation (prober.cpp, "Finishing an observation").
  struct EvidenceKeeper;
  void finish(std::shared_ptr<Run> run);
  void noteLimits(Run& run) const;
  std::optional<model::ReplayInputs> replayInputs(const Run& run) const;
  static void digestParents(const Run& run, ReplayDigest& d);
  static void digestServers(const Run& run, ReplayDigest& d);
  void judgeDelegation(Run& run, EvidenceKeeper& keeper);
  std::optional<dnssec::DelegationEvidence> parentView(Run& run, EvidenceKeeper& keeper);
  dnssec::ZoneTrust chainAbove(Run& run, dnssec::Validator& validator);

  resolver::QueryEngine& engine_;
  DelegationCache& cache_;
  const Clock& clock_;
  dnssec::TrustAnchors anchors_;
  std::string anchorsKey_;  // the anchors' RDATA, for the replay digest
  const OperatorResolver& operators_;
  ProbeOptions options_;
  Iterator iterator_;
  dnssec::VerificationCache ownVerifications_;
  dnssec::VerificationCache* verifications_;  // ProbeOptions::verifications, or the own
  // Parsed DNSKEYs of the zones being watched, so a memo miss does not rebuild the key.
  dnssec::KeyCache keyCache_;
  // Coalesces concurrent fetches of one zone's chain data.
  std::unordered_map<dns::Name, std::vector<std::function<void(const ZoneKeysData&)>>,
                     dns::Name::Hasher>
      keyWaiters_;
  // Answers and timers that fire after the prober is gone are dropped.
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

// Synchronous convenience for `zonewatch check` and tests: observes each domain, concurrently,
// running the engine's loop until all are done.
std::vector<model::Observation> observeAll(Prober& prober, resolver::QueryEngine& engine,
                                           const std::vector<dns::Name>& domains);

}  // namespace zonewatch::probe
