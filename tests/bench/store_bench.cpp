// store_bench: what a daemon round costs the SQLite store. 10,000 domains committed in batches of
// 1,000 (one transaction per batch, as a round does): observations whose state is unchanged (only
// last_seen moves) and observations that changed (a new snapshot, an event and its outbox row),
// then the database size per domain. Then one domain whose keys change at every poll, 1,000 polls
// through the differ and the store as the daemon makes them, with and without the coalescing of
// flapping states (differ.h): the database size it leaves. Run by hand: store_bench [directory for
// the database]. Rates are given in wall time (the store waits on the file system) and in thread
// CPU time (steadier on a shared machine).
#include <stdlib.h>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <string>
#include <utility>
#include <vector>

#include "monitor/detect/differ.h"
#include "monitor/model/observation.h"
#include "storage/sqlite_store.h"
#include "tests/bench/bench_measure.h"

namespace {

using namespace zonewatch::storage;
using namespace zonewatch::detect;
namespace fs = std::filesystem;

constexpr int kDomains = 10'000;
constexpr int kBatch = 1'000;

// Sizes close to a real delegation: a few NS, DS and DNSKEY in the state, zone-file text as the
// evidence.
std::string stateFor(int domain, int version) {
  std::string s = R"({"ns":["ns1.provider-)" + std::to_string(domain % 50) +
                  R"(.net.","ns2.provider.net.","ns3.provider.net."],"ds":[{"key_tag":)" +
                  std::to_string(10000 + version) + R"(,"algorithm":13,"digest_type":2,"digest":")";
  s += std::string(64, 'a');
  s += R"("}],"dnskey":[)";
  for (int k = 0; k < 2; ++k) {
    s += R"({"flags":)" + std::to_string(k == 0 ? 257 : 256) + R"(,"algorithm":13,"key":")" +
         std::string(88, 'k') + R"("},)";
  }
  s += R"("soa_serial":)" + std::to_string(2024010100 + version) + "}";
  return s;
}

ObservationCommit observationFor(int domain, int version, int64_t at, bool withEvent) {
  ObservationCommit c;
  c.row.domain = "d" + std::to_string(domain) + ".bench.example.";
  c.row.firstSeen = 1;
  c.row.lastSeen = at;
  c.row.lastChange = version;
  c.row.status = zonewatch::model::SecurityState::kSecure;
  c.row.reason = zonewatch::model::SecurityReason::kNone;
  c.row.operatorsJson = R"(["provider.net."])";
  c.row.rrsigExpiry = at + 86400 * 14;
  c.row.stateJson = stateFor(domain, version);
  c.row.serversJson =
      R"({"192.0.2.1":{"ok":true},"192.0.2.2":{"ok":true},"2001:db8::1":{"ok":true}})";
  c.snapshotStateJson = c.row.stateJson;
  c.evidence = std::string(2500, 'z');  // the zone-file lines the state was read from
  c.observedAt = at;
  if (withEvent) {
    NewEvent e;
    e.uid = c.row.domain + "/" + std::to_string(version);
    e.observedAt = at;
    e.kind = zonewatch::model::EventKind::kDsChanged;
    e.severity = zonewatch::model::Severity::kCritical;
    e.summary = "DS of " + c.row.domain + " changed";
    e.beforeJson = R"({"ds":[1]})";
    e.afterJson = R"({"ds":[2]})";
    e.sinks = {"webhook"};
    c.events.push_back(std::move(e));
  }
  return c;
}

struct Rate {
  double wallPerSecond;
  double cpuPerSecond;
};

// Commits every domain once, in batches of kBatch; observations per second.
Rate commitAll(Store& store, int version, int64_t at, bool withEvent) {
  std::vector<ObservationCommit> batch;
  batch.reserve(kBatch);
  double cpu = 0;
  double wall = 0;
  for (int first = 0; first < kDomains; first += kBatch) {
    batch.clear();
    for (int d = first; d < first + kBatch; ++d) {
      batch.push_back(observationFor(d, version, at, withEvent));
    }
    const auto wallStart = std::chrono::steady_clock::now();
    const double cpuStart = zonewatch::bench::cpuSeconds();
    auto done = store.commitBatch(batch);
    cpu += zonewatch::bench::cpuSeconds() - cpuStart;
    wall += std::chrono::duration<double>(std::chrono::steady_clock::now() - wallStart).count();
    if (!done) {
      std::fprintf(stderr, "store_bench: %s\n", done.error().message.c_str());
      exit(1);
    }
  }
  return {kDomains / wall, kDomains / cpu};
}

void report(const char* what, const Rate& r) {
  std::printf("%-44s %10.0f commits/s wall  %10.0f commits/s cpu\n", what, r.wallPerSecond,
              r.cpuPerSecond);
}

int64_t bytesPerDomain(Store& store) {
  auto stats = store.stats();
  if (!stats) {
    std::fprintf(stderr, "store_bench: %s\n", stats.error().message.c_str());
    exit(1);
  }
  return stats->fileBytes / kDomains;
}

// --- a flapping domain -----------------------------------------------------------------------
constexpr int kFlapPolls = 1'000;

// A signed delegation observed at t whose one KSK has key tag `tag`, and the zone-file evidence a
// real observation renders for it (about 4 KiB: NS, DS, DNSKEY and their RRSIGs per server).
zonewatch::model::Observation keyedObservation(int64_t t, uint16_t tag) {
  using namespace zonewatch;
  model::Observation o;
  o.domain = "flapping.bench.example.";
  o.domainUnicode = o.domain;
  o.observedAt = t;
  o.status = model::SecurityState::kSecure;
  o.reason = model::SecurityReason::kNone;
  o.operators = {"provider.net."};
  o.parent.zone = "bench.example.";
  o.parent.ns = {"ns1.provider.net.", "ns2.provider.net."};
  o.parent.ds = {{100, 13, 2, std::string(64, 'a')}};
  model::ParentServer p;
  p.name = "a.nic.example.";
  p.address = "192.0.2.1";
  p.ns = o.parent.ns;
  p.ds = o.parent.ds;
  o.parent.servers = {p};
  for (const auto& [name, address] : {std::pair{"ns1.provider.net.", "192.0.2.53"},
                                      std::pair{"ns2.provider.net.", "198.51.100.53"}}) {
    model::ServerView s;
    s.name = name;
    s.address = address;
    s.aa = true;
    s.ns = o.parent.ns;
    s.dnskey = {{100, 257, 13}, {tag, 256, 13}};
    s.state = model::SecurityState::kSecure;
    o.servers.push_back(s);
  }
  o.earliestRrsigExpiration = t + 14 * 86400;
  o.renderEvidence = [t] { return std::string(4096 - 12, 'e') + std::to_string(t) + "\n"; };
  return o;
}

struct FlapFigures {
  int64_t fileBytes = 0;
  int64_t snapshots = 0;
  int64_t events = 0;
};

// 1,000 polls, 5 minutes apart, each with a new ZSK, committed as the daemon commits them.
FlapFigures flappingDomain(const std::string& path, unsigned confirmPolls, bool coalesce) {
  for (const char* suffix : {"", "-wal", "-shm"}) fs::remove(path + suffix);
  auto store = openSqliteStore(path);
  if (!store) {
    std::fprintf(stderr, "store_bench: %s\n", store.error().message.c_str());
    exit(1);
  }
  DetectOptions options;
  options.confirmPolls = confirmPolls;
  // Without coalescing, the differ as it was before: no domain is ever flapping.
  if (!coalesce) options.maxSnapshotsPerHour = ~0u;
  DomainMemory memory;
  const int64_t t0 = 1'800'000'000;
  for (int poll = 0; poll < kFlapPolls; ++poll) {
    const int64_t t = t0 + poll * 300;
    auto o = keyedObservation(t, static_cast<uint16_t>(1000 + poll));
    auto r = diff(memory, o, options);
    ObservationCommit c;
    c.row.domain = o.domain;
    c.row.firstSeen = t0;
    c.row.lastSeen = t;
    c.row.status = r.observed->status;
    c.row.reason = r.observed->reason;
    c.row.stateJson = r.memory.confirmed ? toJson(*r.memory.confirmed) : "";
    c.row.pendingJson = r.memory.pending ? toJson(*r.memory.pending) : "";
    c.row.serversJson = auxiliaryToJson(r.memory);
    c.observedAt = t;
    if (r.storeSnapshot) {
      c.snapshotStateJson = toJson(*r.observed);
      c.renderEvidence = o.renderEvidence;
    } else {
      c.touchLatestSnapshot = true;
    }
    for (const auto& e : r.events) {
      c.events.push_back(NewEvent{e, {"webhook"}});
    }
    if (auto done = (*store)->commit(c); !done) {
      std::fprintf(stderr, "store_bench: %s\n", done.error().message.c_str());
      exit(1);
    }
    memory = std::move(r.memory);
  }
  // What the file holds once the WAL is folded into it.
  if (auto folded = dynamic_cast<SqliteStore&>(**store).execute("PRAGMA wal_checkpoint(TRUNCATE)");
      !folded) {
    std::fprintf(stderr, "store_bench: %s\n", folded.error().message.c_str());
    exit(1);
  }
  auto stats = (*store)->stats();
  if (!stats) {
    std::fprintf(stderr, "store_bench: %s\n", stats.error().message.c_str());
    exit(1);
  }
  return {stats->fileBytes, stats->snapshots, stats->events};
}

void reportFlapping(const std::string& path) {
  std::printf("\none domain, a new ZSK at each of %d polls 5 minutes apart (4 KiB evidence):\n",
              kFlapPolls);
  for (unsigned confirmPolls : {2u, 1u}) {
    for (bool coalesce : {false, true}) {
      const FlapFigures f = flappingDomain(path, confirmPolls, coalesce);
      std::printf("  confirm_polls %u, %-22s %9lld bytes  %5lld snapshots  %5lld events\n",
                  confirmPolls, coalesce ? "flapping coalesced:" : "every state stored:",
                  static_cast<long long>(f.fileBytes), static_cast<long long>(f.snapshots),
                  static_cast<long long>(f.events));
    }
  }
}

}  // namespace

int main(int argc, char** argv) {
  std::string dir;
  bool ownDir = false;
  if (argc > 1) {
    dir = argv[1];
  } else {
    std::string pattern = (fs::temp_directory_path() / "zonewatch-store-bench-XXXXXX").string();
    if (mkdtemp(pattern.data()) == nullptr) {
      std::perror("store_bench: mkdtemp");
      return 1;
    }
    dir = pattern;
    ownDir = true;
  }
  const std::string path = (fs::path(dir) / "bench.sqlite").string();
  fs::remove(path);
  fs::remove(path + "-wal");
  fs::remove(path + "-shm");
  {
    auto store = openSqliteStore(path);
    if (!store) {
      std::fprintf(stderr, "store_bench: %s\n", store.error().message.c_str());
      return 1;
    }
    std::printf("%d domains, batches of %d observations (one transaction each)\n", kDomains,
                kBatch);
    report("first observation (new domains)", commitAll(**store, 0, 1000, false));
    const int64_t initial = bytesPerDomain(**store);
    Rate unchanged{0, 0};
    for (int round = 1; round <= 3; ++round) {  // best of three rounds
      const Rate r = commitAll(**store, 0, 1000 + round * 300, false);
      if (r.wallPerSecond > unchanged.wallPerSecond) unchanged = r;
    }
    report("unchanged (last_seen only)", unchanged);
    Rate changed{0, 0};
    for (int round = 1; round <= 3; ++round) {
      const Rate r = commitAll(**store, round, 5000 + round * 300, true);
      if (r.wallPerSecond > changed.wallPerSecond) changed = r;
    }
    report("changed (snapshot + event + outbox row)", changed);
    std::printf("bytes per domain: %lld with 1 snapshot each, %lld with 4 snapshots and 3 events\n",
                static_cast<long long>(initial), static_cast<long long>(bytesPerDomain(**store)));
  }
  reportFlapping((fs::path(dir) / "flapping.sqlite").string());
  if (ownDir) fs::remove_all(dir);
  return 0;
}
