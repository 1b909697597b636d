// The allocator's settings, built into the zonewatch binary where it links jemalloc (not under the
// sanitizers, which bring their own allocator). jemalloc reads this symbol at its start; the
// MALLOC_CONF environment variable still overrides it.
//
// narenas:1 — one arena for every thread instead of four per CPU. The daemon's probe threads
// (monitor/daemon/probe_thread.h) allocate an observation's answers and free them on the loop's
// thread; with an arena per thread each kept its own retained pages, about 1.7 MB more peak RSS in
// a first round of 10,000 domains (0.17 KiB per domain of issue 13's 4), for no throughput the
// benchmark could tell apart (tests/bench/monitor_bench.sh; the thread caches take most of the
// traffic off the arena's lock).
extern "C" {
// NOLINTNEXTLINE: the name and type are jemalloc's (man jemalloc, "TUNING").
extern const char* const malloc_conf;
const char* const malloc_conf = "narenas:1";
}
