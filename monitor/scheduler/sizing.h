// Sizing: how long one round of the portfolio takes at the configured politeness, and whether the
// intervals can be kept at all.
//
// It owns the estimate and its warning text, nothing else: the daemon gathers what it knows (each
// domain's interval and the server addresses its last observation found) and logs or exports the
// result. The engine limits queries per server address (resolver::ServerRateLimiter, keyed by IP),
// so a round cannot take less than the busiest address's queries per round / per_server_qps, and
// the intervals cannot be kept when an address is asked more per second than per_server_qps. What
// each observation asks of each address comes from the prober (probe::kQueriesPerParentAddress,
// kQueriesPerServerAddress, and with a server memo kQueriesPerServerAddressWithMemo) through
// QueryPlan. The estimate is a LOWER bound by construction: a
// monitor that warns about a schedule it can keep is switched off. So it counts only queries known
// to be sent: the parent's addresses are not stored, but every one of them is asked about every
// domain under it, so each carries at least as many questions as there are watched domains under
// that parent; domains are grouped by their name minus the first label (two such names that are
// equal share the closest enclosing zone, so grouping never merges two parents; it may split one,
// which only lowers the count). Every domain counts as signed and unchanged (server memos: the
// SOA alone between full observations). Retries, TCP fallbacks, DS and host-address questions,
// and the walk from the root (cached) are left out. Pure: no I/O, no clock.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace zonewatch::scheduler {

// What one observation asks of each server address (monitor/probe/prober.h).
struct QueryPlan {
  int perParentAddress = 0;  // probe::kQueriesPerParentAddress
  int perServerAddress = 0;  // probe::kQueriesPerServerAddress
  // An observation may ask at most this many addresses of the domain's own (the prober's work
  // caps); past it, which were asked is not known, and the domain counts its parent question only.
  size_t maxServerAddresses = 0;
  bool ipv4 = true, ipv6 = true;  // the address families the prober asks
  // Server memos (probe/server_memo.h): between two observations that ask everything, at most
  // `fullEvery` apart, an unchanged signed zone's servers are asked perServerAddressWithMemo
  // questions only (probe::kQueriesPerServerAddressWithMemo, the SOA). A lower bound counts that
  // for every domain whose interval is shorter: perServerAddressWithMemo per round, and the rest
  // of perServerAddress once per fullEvery. Zero fullEvery: every observation asks everything.
  int perServerAddressWithMemo = 0;
  std::chrono::seconds fullEvery{0};
};

struct SizingDomain {
  std::string name;  // absolute, lowercase ("example.com.")
  std::chrono::seconds interval{300};
  // The domain's own servers as its last observation with data found them, "name address" (the
  // keys of detect::DomainMemory::servers; the address may carry a port). Empty: never observed.
  std::vector<std::string> servers;
};

// The address the intervals ask most of.
struct BusiestAddress {
  // Its IP, the rate limiter's key; empty when it stands for every address of a parent's servers
  // (which are not stored), `host` then being that parent.
  std::string address;
  std::string host;  // an NS host at that address (the smallest name), or the parent zone
  uint64_t queriesPerRound = 0;
  double queriesPerSecond = 0;  // at the intervals of the domains that ask it
};

struct RoundEstimate {
  size_t domains = 0;
  double perServerQps = 0;  // <= 0: no limit
  // The least time one round (every domain observed once) takes: the most queries any address
  // gets per round / per_server_qps. 0 without a limit.
  double roundSeconds = 0;
  // The least interval at which the busiest address keeps up (all domains at one interval), with
  // the server memos' questions that come once per QueryPlan::fullEvery whatever the interval.
  double leastIntervalSeconds = 0;
  BusiestAddress busiest;  // by queries per second: the one that decides `behind`
  bool behind = false;     // busiest.queriesPerSecond > perServerQps: the intervals cannot be kept
  // All domains share one interval (then `interval` is it); otherwise the warning speaks of "the
  // intervals".
  bool oneInterval = true;
  std::chrono::seconds interval{0};
};

// The estimate built one domain at a time: a caller that streams its stored rows keeps no copy of
// the portfolio's servers, only the load of each address and parent (issue 13: at the end of a
// first round a copy was the peak of the process's memory).
class RoundEstimator {
 public:
  RoundEstimator(const QueryPlan& plan, double perServerQps);
  ~RoundEstimator();
  RoundEstimator(RoundEstimator&&) noexcept;
  RoundEstimator& operator=(RoundEstimator&&) noexcept;

  void add(const SizingDomain& domain);
  RoundEstimate finish() const;

 private:
  struct State;
  std::unique_ptr<State> state_;
};

// The same for a whole portfolio at once.
RoundEstimate estimateRound(const std::vector<SizingDomain>& domains, const QueryPlan& plan,
                            double perServerQps);

// One log line when the intervals cannot be kept, naming the busiest address, its queries per
// round, the least round time and what to change (per_server_qps, or the interval); nullopt when
// they can.
std::optional<std::string> sizingWarning(const RoundEstimate& estimate);
// One line describing the estimate, for the log when nothing is wrong.
std::string sizingSummary(const RoundEstimate& estimate);

// "1h23m": the two largest units of `seconds` (d, h, m, s), cut to the second unit, down or up
// (a lower bound stays one when rounded down, a setting that suffices when rounded up).
std::string durationText(double seconds, bool roundUp);

}  // namespace zonewatch::scheduler
