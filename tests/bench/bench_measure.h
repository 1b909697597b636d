// Rate measurement shared by the benchmarks: thread CPU time rather than wall time (the machines
// are shared), calls in batches, best of several rounds.
#pragma once

#include <time.h>

#include <algorithm>

namespace zonewatch::bench {

inline double cpuSeconds() {
  timespec t{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
  return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_nsec) * 1e-9;
}

// Calls `op` in batches of 64 for `seconds` of CPU time; calls per second. Negative when `op`
// ever reports failure, so that a broken path cannot look fast.
template <class Op>
double measureOnce(double seconds, Op&& op) {
  long done = 0;
  const double start = cpuSeconds();
  double elapsed = 0;
  do {
    for (int i = 0; i < 64; ++i) {
      if (!op()) return -1;
    }
    done += 64;
    elapsed = cpuSeconds() - start;
  } while (elapsed < seconds);
  return static_cast<double>(done) / elapsed;
}

// Best of `rounds` rounds of seconds/rounds each.
template <class Op>
double measure(double seconds, Op&& op, int rounds = 3) {
  double best = 0;
  for (int round = 0; round < rounds; ++round) {
    double rate = measureOnce(seconds / rounds, op);
    if (rate < 0) return rate;
    best = std::max(best, rate);
  }
  return best;
}

}  // namespace zonewatch::bench
