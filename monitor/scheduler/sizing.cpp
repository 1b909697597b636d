#include "monitor/scheduler/sizing.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <map>
#include <string_view>
#include <tuple>

namespace zonewatch::scheduler {

namespace {

// The queries one address (or every address of one parent's servers) gets per round, kept per
// interval so that the rate is a few divisions at the end, not a sum of thousands of fractions
// whose rounding could tip an exact fit into a warning.
struct Load {
  double queries = 0;                      // per round, on average
  std::map<int64_t, uint64_t> byInterval;  // interval in seconds -> queries per round
  std::string host;
  // Of those, the questions of every round, and those asked once per `every` seconds whatever the
  // interval (QueryPlan::fullEvery), for the least interval.
  uint64_t everyRound = 0;
  uint64_t periodic = 0;
  int64_t every = 0;

  void add(uint64_t n, std::chrono::seconds interval) {
    queries += static_cast<double>(n);
    everyRound += n;
    byInterval[std::max<int64_t>(interval.count(), 1)] += n;
  }
  // `n` questions once per `period`, from a domain observed every `interval` (< period): on
  // average n * interval / period of them per round.
  void addPeriodic(uint64_t n, std::chrono::seconds interval, std::chrono::seconds period) {
    queries += static_cast<double>(n) * static_cast<double>(interval.count()) /
               static_cast<double>(period.count());
    periodic += n;
    every = period.count();
    byInterval[period.count()] += n;
  }
  double perSecond() const {
    double rate = 0;
    for (const auto& [seconds, n] : byInterval)
      rate += static_cast<double>(n) / static_cast<double>(seconds);
    return rate;
  }
};

// The zone a delegation of `name` is asked of is at or above this name: `name` minus its first
// label ("." for a TLD). Labels may hold an escaped dot ("a\.b.example."), which is no boundary.
std::string parentOf(std::string_view name) {
  for (size_t i = 0; i < name.size(); ++i) {
    if (name[i] == '\\') {
      ++i;  // the escaped character (or the first digit of \DDD, which holds no dot)
    } else if (name[i] == '.') {
      return i + 1 < name.size() ? std::string(name.substr(i + 1)) : ".";
    }
  }
  return ".";
}

struct ServerAddress {
  std::string name;
  std::string address;  // as stored: "ip", "ip:port" or "[ip]:port"
  std::string ip;       // the rate limiter's key
  bool ipv6 = false;
};

// Reads a detect::DomainMemory::servers key, "name address" (monitor/detect/differ.cpp).
std::optional<ServerAddress> parseServer(std::string_view key) {
  const size_t space = key.rfind(' ');
  if (space == std::string_view::npos || space == 0 || space + 1 == key.size()) return std::nullopt;
  ServerAddress s;
  s.name = std::string(key.substr(0, space));
  std::string_view address = key.substr(space + 1);
  s.address = std::string(address);
  if (address.front() == '[') {  // "[v6]:port" (resolver::ServerAddress::toString)
    const size_t close = address.find(']');
    if (close == std::string_view::npos) return std::nullopt;
    s.ip = std::string(address.substr(1, close - 1));
    s.ipv6 = true;
  } else if (std::count(address.begin(), address.end(), ':') > 1) {
    s.ip = std::string(address);  // a bare IPv6 address: port 53
    s.ipv6 = true;
  } else {
    s.ip = std::string(address.substr(0, address.find(':')));  // "v4" or "v4:port"
  }
  return s;
}

// Adds the questions `domain` asks of its own servers' addresses. The prober asks each distinct
// address once, whatever names point at it (Prober::askAddress).
void addOwnServers(const SizingDomain& domain, const QueryPlan& plan,
                   std::map<std::string, Load>& addresses) {
  std::map<std::string, ServerAddress> asked;  // by address with its port
  for (const auto& key : domain.servers) {
    auto server = parseServer(key);
    if (!server || !(server->ipv6 ? plan.ipv6 : plan.ipv4)) continue;
    auto [it, added] = asked.try_emplace(server->address, *server);
    if (!added && server->name < it->second.name) it->second.name = server->name;
  }
  if (asked.size() > plan.maxServerAddresses) return;
  const bool memo = plan.fullEvery.count() > 0 && domain.interval < plan.fullEvery;
  for (const auto& [address, server] : asked) {
    Load& load = addresses[server.ip];
    if (memo) {
      load.add(static_cast<uint64_t>(plan.perServerAddressWithMemo), domain.interval);
      load.addPeriodic(static_cast<uint64_t>(plan.perServerAddress - plan.perServerAddressWithMemo),
                       domain.interval, plan.fullEvery);
    } else {
      load.add(static_cast<uint64_t>(plan.perServerAddress), domain.interval);
    }
    if (load.host.empty() || server.name < load.host) load.host = server.name;
  }
}

std::string grouped(uint64_t n) {
  std::string digits = std::to_string(n);
  std::string out;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return out;
}

// per_server_qps as configured: "10", "2.5", "0.01".
std::string decimal(double value) {
  if (value == std::floor(value) && value < 1e15) return grouped(static_cast<uint64_t>(value));
  std::array<char, 64> text{};
  std::snprintf(text.data(), text.size(), "%.3f", value);
  std::string out(text.data());
  while (out.back() == '0') out.pop_back();
  if (out.back() == '.') out.pop_back();
  return out;
}

std::string queries(uint64_t n) {
  return grouped(n) + (n == 1 ? " query" : " queries");
}

std::string who(const BusiestAddress& busiest) {
  if (busiest.address.empty()) return "every address of the servers of " + busiest.host;
  return "address " + busiest.address + " (" + busiest.host + ")";
}

// The least common interval at which `load` stays within `qps`: its every-round questions over
// the interval plus its periodic ones over their period, while the interval is shorter than that
// period; from the period on, every observation asks everything.
double leastInterval(const Load& load, double qps) {
  const double all = static_cast<double>(load.everyRound + load.periodic) / qps;
  if (load.periodic == 0) return all;
  const double periodicRate = static_cast<double>(load.periodic) / static_cast<double>(load.every);
  const double period = static_cast<double>(load.every);
  if (periodicRate < qps) {
    const double least = static_cast<double>(load.everyRound) / (qps - periodicRate);
    if (least < period) return least;
  }
  return std::max(period, all);
}

}  // namespace

struct RoundEstimator::State {
  QueryPlan plan;
  RoundEstimate estimate;
  std::map<std::string, Load> parents, addresses;
};

RoundEstimator::RoundEstimator(const QueryPlan& plan, double perServerQps)
    : state_(std::make_unique<State>()) {
  state_->plan = plan;
  state_->estimate.perServerQps = perServerQps;
}
RoundEstimator::~RoundEstimator() = default;
RoundEstimator::RoundEstimator(RoundEstimator&&) noexcept = default;
RoundEstimator& RoundEstimator::operator=(RoundEstimator&&) noexcept = default;

void RoundEstimator::add(const SizingDomain& d) {
  RoundEstimate& estimate = state_->estimate;
  if (estimate.domains++ == 0) {
    estimate.interval = d.interval;
  } else if (d.interval != estimate.interval) {
    estimate.oneInterval = false;
  }
  // The walk asks the parent's servers in order (Iterator::askZone), so its first address is
  // asked about every domain under it, even one the parent says is not delegated; the prober
  // then asks every other address too.
  Load& parent = state_->parents[parentOf(d.name)];
  parent.add(static_cast<uint64_t>(state_->plan.perParentAddress), d.interval);
  addOwnServers(d, state_->plan, state_->addresses);
}

RoundEstimate RoundEstimator::finish() const {
  RoundEstimate estimate = state_->estimate;
  const double perServerQps = estimate.perServerQps;
  double most = 0;
  const Load* busiest = nullptr;
  auto consider = [&](const std::string& key, const Load& load, bool isParent) {
    most = std::max(most, load.queries);
    const double rate = load.perSecond();
    auto& b = estimate.busiest;
    // A lower bound: the average round's questions, rounded down.
    const auto perRound = static_cast<uint64_t>(std::floor(load.queries * (1 + 1e-12)));
    // Ties go to the larger round, then to a named address, then to the smaller key: the same
    // portfolio always names the same address.
    const auto rank = std::make_tuple(rate, perRound, !isParent);
    const auto best = std::make_tuple(b.queriesPerSecond, b.queriesPerRound, !b.address.empty());
    if (b.host.empty() || rank > best) {
      b = BusiestAddress{isParent ? "" : key, isParent ? key : load.host, perRound, rate};
      busiest = &load;
    }
  };
  for (const auto& [ip, load] : state_->addresses) consider(ip, load, false);
  for (const auto& [zone, load] : state_->parents) consider(zone, load, true);
  if (perServerQps > 0) {
    estimate.roundSeconds = most / perServerQps;
    if (busiest != nullptr) estimate.leastIntervalSeconds = leastInterval(*busiest, perServerQps);
    // A relative margin: an address asked exactly per_server_qps keeps up, and no rounding of the
    // division may turn that into a warning.
    estimate.behind = estimate.busiest.queriesPerSecond > perServerQps * (1 + 1e-9);
  }
  return estimate;
}

RoundEstimate estimateRound(const std::vector<SizingDomain>& domains, const QueryPlan& plan,
                            double perServerQps) {
  RoundEstimator estimator(plan, perServerQps);
  for (const auto& d : domains) estimator.add(d);
  return estimator.finish();
}

std::optional<std::string> sizingWarning(const RoundEstimate& e) {
  if (!e.behind) return std::nullopt;
  const std::string domains = grouped(e.domains) + (e.domains == 1 ? " domain" : " domains");
  const std::string when =
      e.oneInterval ? "every " + durationText(static_cast<double>(e.interval.count()), false)
                    : "at their intervals";
  // The least per_server_qps that keeps up is the busiest rate itself, rounded up; the least
  // common interval is the round's least duration.
  const auto qps = static_cast<uint64_t>(std::ceil(e.busiest.queriesPerSecond * (1 - 1e-12)));
  return "per_server_qps " + decimal(e.perServerQps) + " cannot observe " + domains + " " + when +
         ": " + who(e.busiest) + " gets " + queries(e.busiest.queriesPerRound) +
         " per round, a round takes at least " + durationText(e.roundSeconds, false) +
         "; raise per_server_qps to at least " + grouped(qps) + " or " +
         (e.oneInterval ? "the interval" : "the intervals") + " to at least " +
         durationText(e.oneInterval ? e.leastIntervalSeconds : e.roundSeconds, true);
}

std::string sizingSummary(const RoundEstimate& e) {
  std::string text = "sizing: " + grouped(e.domains) + (e.domains == 1 ? " domain" : " domains");
  if (e.perServerQps <= 0) return text + ", per_server_qps unlimited";
  text += ", a round takes at least " + durationText(e.roundSeconds, false) +
          " at per_server_qps " + decimal(e.perServerQps);
  if (e.busiest.host.empty()) return text;
  return text + " (busiest: " + who(e.busiest) + ", " + queries(e.busiest.queriesPerRound) +
         " per round)";
}

std::string durationText(double seconds, bool roundUp) {
  struct Unit {
    int64_t seconds;
    const char* name;
  };
  constexpr std::array<Unit, 4> kUnits = {{{86400, "d"}, {3600, "h"}, {60, "m"}, {1, "s"}}};
  if (!(seconds > 0)) return "0s";
  size_t first = kUnits.size() - 1;
  for (size_t i = 0; i < kUnits.size(); ++i) {
    if (seconds >= static_cast<double>(kUnits[i].seconds)) {
      first = i;
      break;
    }
  }
  const int64_t step = kUnits[std::min(first + 1, kUnits.size() - 1)].seconds;
  // A quotient such as 3 / 0.01 may land a hair off a whole step: that is no step more or less.
  const double steps = seconds / static_cast<double>(step);
  int64_t left = static_cast<int64_t>(roundUp ? std::ceil(steps * (1 - 1e-12))
                                              : std::floor(steps * (1 + 1e-12))) *
                 step;
  if (left == 0) return "0s";
  std::string out;
  for (const Unit& unit : kUnits) {
    if (left >= unit.seconds) {
      out += std::to_string(left / unit.seconds) + unit.name;
      left %= unit.seconds;
    }
  }
  return out;
}

}  // namespace zonewatch::scheduler
