// store_bench: what a daemon round costs the SQLite store. 10,000 domains committed in batches of
// 1,000 (one transaction per batch, as a round does): observations whose state is unchanged (only
// last_seen moves) and observations that changed (a new snapshot, an event and its outbox row),
// then the database size per domain, next to what the same rows took as schema 4 wrote them (text
// bodies, the index by expiry). Then one domain whose keys change at every poll, 1,000 polls
// through the differ and the store as the daemon makes them, with and without the coalescing of
// flapping states (differ.h): the database size it leaves. Run by hand: store_bench [directory for
// the database]. Rates are given in wall time (the store waits on the file system) and in thread
// CPU time (steadier on a shared machine).
#include <stdlib.h>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <span>
#include <string>
#include <string_view>
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

// A real delegation's state and evidence, as a 10,000-domain lab run stored them for child01.lab.
// (sqlite3 db "select state_json, evidence from snapshot_bodies limit 1"), renamed per domain: the
// store compresses them, so their content, not only their length, sets the figures.
constexpr std::string_view kLabDomain = "child01.lab.";
constexpr std::string_view kLabState =
    R"({"cdnskey":[],"cds":[],"cds_delete":false,"denial":"","dnskey":[{"algorithm":13,"flags":256,"tag":26609},{"algorithm":13,"flags":257,"tag":57027}],"ds":[{"algorithm":13,"digest":"C662DBC70EAF2315E845A00C142F53B91C69A3A5CE50B4E9100A649E5FC218E7","digest_type":2,"key_tag":57027}],"glue":[{"addresses":["127.53.1.1"],"host":"ns1.child01.lab."},{"addresses":["127.53.1.2"],"host":"ns2.child01.lab."}],"inconsistent":false,"operators":["child01.lab."],"parent_ns":["ns1.child01.lab.","ns2.child01.lab."],"reason":"none","status":"secure"})";
constexpr std::string_view kLabEvidence = R"(; parent ns1.nic.lab. 127.53.0.11
child01.lab. 300 IN DS 57027 13 2 C662DBC70EAF2315E845A00C142F53B91C69A3A5CE50B4E9100A649E5FC218E7
child01.lab. 300 IN RRSIG DS 13 2 300 20270105041125 20261206031125 47189 lab. QZDIMkemv9YnQdAKq6R0G6ds+DoOuUnIYFPVp8MCjTsGrknCIqNyToFvWDcSmrKtGlCoKqxITqoYd3x37epcaw==
; parent ns2.nic.lab. 127.53.0.12
child01.lab. 300 IN DS 57027 13 2 C662DBC70EAF2315E845A00C142F53B91C69A3A5CE50B4E9100A649E5FC218E7
child01.lab. 300 IN RRSIG DS 13 2 300 20270105041125 20261206031125 47189 lab. QZDIMkemv9YnQdAKq6R0G6ds+DoOuUnIYFPVp8MCjTsGrknCIqNyToFvWDcSmrKtGlCoKqxITqoYd3x37epcaw==
; server ns1.child01.lab. 127.53.1.1
child01.lab. 300 IN SOA ns1.child01.lab. hostmaster.child01.lab. 1 3600 900 1209600 60
child01.lab. 300 IN RRSIG SOA 13 2 300 20270105041022 20261206031022 26609 child01.lab. YOI3aKpwK4VPClXi8eIpZhU+LIJbFdyWbRZHoFfMt6Wo4O54ETeW/2cuTSQTYyitqZwM/sr7rJoeako8iCd94w==
child01.lab. 300 IN NS ns1.child01.lab.
child01.lab. 300 IN NS ns2.child01.lab.
child01.lab. 300 IN RRSIG NS 13 2 300 20270105041022 20261206031022 26609 child01.lab. 8/cDN+m+3vqFBhvM3X1AN8rImFUDiLJmxSdFmlkPuZi9xShO91eN2BM8FKDzTP+AhJnYW5tbeR3tR88xflg8RA==
child01.lab. 300 IN DNSKEY 256 3 13 d3mltigWMEVP47jRpedEwubFNKsS4PJsiaqQbT+oCTCCHrwUPbEypYT4c9mRG4+3MBBuDJtmNlMukspm9f1QTw==
child01.lab. 300 IN DNSKEY 257 3 13 FnNlzx5Wg6DD4QPlB2525ySIQE7mQEQ8ORuvdKWIcgg0A4lsF8wtE2flWzc6aysDW2fpBpqQhufmIbKqV6Blvg==
child01.lab. 300 IN RRSIG DNSKEY 13 2 300 20270105041022 20261206031022 57027 child01.lab. nUoWqz8O2Zmr+jNLe7gjGWZ1u+S2aaC8lju5G0PT6JCQGEksB/+oFWFf8JRDrPTk5fIbyJLqO9bhFQ7pEz2qnw==
; server ns2.child01.lab. 127.53.1.2
child01.lab. 300 IN SOA ns1.child01.lab. hostmaster.child01.lab. 1 3600 900 1209600 60
child01.lab. 300 IN RRSIG SOA 13 2 300 20270105041022 20261206031022 26609 child01.lab. YOI3aKpwK4VPClXi8eIpZhU+LIJbFdyWbRZHoFfMt6Wo4O54ETeW/2cuTSQTYyitqZwM/sr7rJoeako8iCd94w==
child01.lab. 300 IN NS ns1.child01.lab.
child01.lab. 300 IN NS ns2.child01.lab.
child01.lab. 300 IN RRSIG NS 13 2 300 20270105041022 20261206031022 26609 child01.lab. 8/cDN+m+3vqFBhvM3X1AN8rImFUDiLJmxSdFmlkPuZi9xShO91eN2BM8FKDzTP+AhJnYW5tbeR3tR88xflg8RA==
child01.lab. 300 IN DNSKEY 256 3 13 d3mltigWMEVP47jRpedEwubFNKsS4PJsiaqQbT+oCTCCHrwUPbEypYT4c9mRG4+3MBBuDJtmNlMukspm9f1QTw==
child01.lab. 300 IN DNSKEY 257 3 13 FnNlzx5Wg6DD4QPlB2525ySIQE7mQEQ8ORuvdKWIcgg0A4lsF8wtE2flWzc6aysDW2fpBpqQhufmIbKqV6Blvg==
child01.lab. 300 IN RRSIG DNSKEY 13 2 300 20270105041022 20261206031022 57027 child01.lab. nUoWqz8O2Zmr+jNLe7gjGWZ1u+S2aaC8lju5G0PT6JCQGEksB/+oFWFf8JRDrPTk5fIbyJLqO9bhFQ7pEz2qnw==

)";

std::string domainName(int domain) {
  return "d" + std::to_string(domain) + ".bench.example.";
}

std::string renamed(std::string_view text, const std::string& domain) {
  std::string out;
  for (size_t at = 0;;) {
    const size_t found = text.find(kLabDomain, at);
    out += text.substr(at, found - at);
    if (found == std::string_view::npos) return out;
    out += domain;
    at = found + kLabDomain.size();
  }
}

// The lab state, with the zone's key tag moved on at each version (a key rollover).
std::string stateFor(int domain, int version) {
  std::string s = renamed(kLabState, domainName(domain));
  const std::string tag = R"("tag":26609)";
  s.replace(s.find(tag), tag.size(), R"("tag":)" + std::to_string(26609 + version));
  return s;
}

// Three signature verifications per domain, as the lab database holds (3.5).
std::vector<VerifiedSignature> verifiedFor(int domain, int64_t at) {
  std::vector<VerifiedSignature> out(3);
  uint64_t x = static_cast<uint64_t>(domain) * 3 + 1;
  for (VerifiedSignature& v : out) {
    for (uint8_t& b : v.digest) {
      x = x * 6364136223846793005u + 1442695040888963407u;  // Knuth's MMIX LCG
      b = static_cast<uint8_t>(x >> 56);
    }
    v.expiresAt = at + 30 * 86400;
  }
  return out;
}

// A domain's first observation brings the verifications of its signatures; a changed one, an
// event; an unchanged one, neither.
enum class Kind { kFirst, kUnchanged, kChanged };

ObservationCommit observationFor(int domain, int version, int64_t at, Kind kind) {
  ObservationCommit c;
  c.row.domain = domainName(domain);
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
  c.evidence = renamed(kLabEvidence, c.row.domain);  // the zone-file lines it was read from
  c.observedAt = at;
  if (kind == Kind::kFirst) c.verified = verifiedFor(domain, at);
  if (kind == Kind::kChanged) {
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
Rate commitAll(Store& store, int version, int64_t at, Kind kind) {
  std::vector<ObservationCommit> batch;
  batch.reserve(kBatch);
  double cpu = 0;
  double wall = 0;
  for (int first = 0; first < kDomains; first += kBatch) {
    batch.clear();
    for (int d = first; d < first + kBatch; ++d) {
      batch.push_back(observationFor(d, version, at, kind));
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

// --- schema 4 ----------------------------------------------------------------------------------
std::string sqlText(std::string_view text) {
  std::string out = "'";
  for (char ch : text) out += ch == '\'' ? std::string("''") : std::string(1, ch);
  return out + "'";
}

std::string sqlBlob(std::span<const uint8_t> bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out = "x'";
  for (uint8_t b : bytes) {
    out += kDigits[b >> 4];
    out += kDigits[b & 0xf];
  }
  return out + "'";
}

// The rows one first observation writes, as zonewatch wrote them under schema 4 (bodies as text).
std::string schema4Rows(const ObservationCommit& c, int64_t snapshotId) {
  const DomainRow& r = c.row;
  std::string sql =
      "INSERT INTO domains (domain, first_seen, last_seen, last_change, status, reason, "
      "operators_json, rrsig_expiry, state_json, pending_json, pending_count, servers_json, "
      "baseline_json, failures) VALUES (" +
      sqlText(r.domain) + ", " + std::to_string(r.firstSeen) + ", " + std::to_string(r.lastSeen) +
      ", " + std::to_string(r.lastChange) + ", 'secure', 'none', " + sqlText(r.operatorsJson) +
      ", " + std::to_string(*r.rrsigExpiry) + ", " + sqlText(r.stateJson) + ", '', 0, " +
      sqlText(r.serversJson) + ", '', 0);\n";
  const std::string id = std::to_string(snapshotId);
  sql += "INSERT INTO snapshots (id, domain, first_seen, last_seen) VALUES (" + id + ", " +
         sqlText(r.domain) + ", " + std::to_string(c.observedAt) + ", " +
         std::to_string(c.observedAt) + ");\n";
  sql += "INSERT INTO snapshot_bodies (snapshot_id, state_json, evidence) VALUES (" + id + ", " +
         sqlText(c.snapshotStateJson) + ", " + sqlText(c.evidence) + ");\n";
  for (const VerifiedSignature& v : c.verified) {
    sql += "INSERT INTO verified_signatures (digest, expires_at) VALUES (" + sqlBlob(v.digest) +
           ", " + std::to_string(v.expiresAt) + ");\n";
  }
  return sql;
}

// Bytes per domain of the first observation of every domain in a schema-4 database.
int64_t schema4BytesPerDomain(const std::string& path) {
  for (const char* suffix : {"", "-wal", "-shm"}) fs::remove(path + suffix);
  SqliteOptions v4;
  v4.migrateTo = 4;
  auto store = SqliteStore::open(path, v4);
  if (!store) {
    std::fprintf(stderr, "store_bench: %s\n", store.error().message.c_str());
    exit(1);
  }
  std::string sql = "BEGIN;\n";
  for (int d = 0; d < kDomains; ++d) {
    sql += schema4Rows(observationFor(d, 0, 1000, Kind::kFirst), d + 1);
  }
  sql += "COMMIT;";
  if (auto done = (*store)->execute(sql); !done) {
    std::fprintf(stderr, "store_bench: %s\n", done.error().message.c_str());
    exit(1);
  }
  return bytesPerDomain(**store);
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
    report("first observation (new domains)", commitAll(**store, 0, 1000, Kind::kFirst));
    const int64_t initial = bytesPerDomain(**store);
    Rate unchanged{0, 0};
    for (int round = 1; round <= 3; ++round) {  // best of three rounds
      const Rate r = commitAll(**store, 0, 1000 + round * 300, Kind::kUnchanged);
      if (r.wallPerSecond > unchanged.wallPerSecond) unchanged = r;
    }
    report("unchanged (last_seen only)", unchanged);
    const int64_t afterUnchanged = bytesPerDomain(**store);
    Rate changed{0, 0};
    for (int round = 1; round <= 3; ++round) {
      const Rate r = commitAll(**store, round, 5000 + round * 300, Kind::kChanged);
      if (r.wallPerSecond > changed.wallPerSecond) changed = r;
    }
    report("changed (snapshot + event + outbox row)", changed);
    const int64_t before = schema4BytesPerDomain((fs::path(dir) / "schema4.sqlite").string());
    std::printf(
        "bytes per domain, 1 snapshot and 3 verified signatures each: %lld as schema 4 "
        "wrote them (text bodies, index by expiry), %lld now\n",
        static_cast<long long>(before), static_cast<long long>(initial));
    std::printf(
        "bytes per domain: %+lld after 3 unchanged rounds, %lld with 4 snapshots and 3 "
        "events\n",
        static_cast<long long>(afterUnchanged - initial),
        static_cast<long long>(bytesPerDomain(**store)));
  }
  reportFlapping((fs::path(dir) / "flapping.sqlite").string());
  if (ownDir) fs::remove_all(dir);
  return 0;
}
