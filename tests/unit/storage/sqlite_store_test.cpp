// SqliteStore against real SQLite database files in a fresh temporary directory per test: snapshots
// on change only, one transaction per commit and per batch, event uid idempotency, the outbox
// state machine, retention, migrations from version 1, refusal of newer and foreign files, a full
// disk (PRAGMA max_page_count) and SIGKILL at random moments.
#include "storage/sqlite_store.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "storage/deflate.h"
#include "storage/evidence.h"

namespace zonewatch::storage {
namespace {

namespace fs = std::filesystem;

DomainRow rowFor(const std::string& domain, int64_t at, const std::string& state) {
  DomainRow r;
  r.domain = domain;
  r.firstSeen = 100;
  r.lastSeen = at;
  r.status = model::SecurityState::kSecure;
  r.reason = model::SecurityReason::kNone;
  r.operatorsJson = R"(["ns.example.net."])";
  r.stateJson = state;
  return r;
}

NewEvent eventFor(const std::string& uid, const std::string& domain, int64_t at) {
  NewEvent e;
  e.uid = uid;
  e.domain = domain;
  e.observedAt = at;
  e.kind = model::EventKind::kNameserversChanged;
  e.severity = model::Severity::kWarning;
  e.summary = "NS set of " + domain + " changed";
  e.beforeJson = R"(["a."])";
  e.afterJson = R"(["b."])";
  return e;
}

ObservationCommit observation(const std::string& domain, int64_t at, const std::string& state,
                              std::vector<NewEvent> events = {},
                              std::vector<std::string> sinks = {}) {
  ObservationCommit c;
  c.row = rowFor(domain, at, state);
  c.snapshotStateJson = state;
  c.evidence = domain + " 3600 IN NS ns1." + domain + " ; observed at " + std::to_string(at);
  c.observedAt = at;
  for (auto& e : events) e.sinks = sinks;
  c.events = std::move(events);
  return c;
}

// `size` bytes of printable text that deflate cannot shrink much (the store compresses evidence):
// base64-like characters drawn from a fixed seed, so each run writes the same bytes.
std::string incompressible(size_t size, unsigned seed = 1) {
  static constexpr std::string_view kAlphabet =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::mt19937 random(seed);
  std::string text(size, ' ');
  for (char& ch : text) ch = kAlphabet[random() % kAlphabet.size()];
  return text;
}

// Evidence as the daemon renders it (taken from a 10,000-domain lab run): 2.6 KB of records and
// signatures, the parent's repeated by each of its servers.
std::string realisticEvidence(const std::string& domain) {
  const std::string ds = domain +
                         " 300 IN DS 57027 13 2 "
                         "C662DBC70EAF2315E845A00C142F53B91C69A3A5CE50B4E9100A649E5FC218E7\n" +
                         domain +
                         " 300 IN RRSIG DS 13 2 300 20270105041125 20261206031125 47189 lab. "
                         "QZDIMkemv9YnQdAKq6R0G6ds+DoOuUnIYFPVp8MCjTsGrknCIqNyToFvWDcSmrKtGlCoKqxI"
                         "TqoYd3x37epcaw==\n";
  std::string text =
      "; parent ns1.nic.lab. 127.53.0.11\n" + ds + "; parent ns2.nic.lab. 127.53.0.12\n" + ds;
  for (int server = 1; server <= 2; ++server) {
    const std::string ns = "ns" + std::to_string(server) + "." + domain;
    text += "; server " + ns + " 127.53.1." + std::to_string(server) + "\n";
    text +=
        domain + " 300 IN SOA ns1." + domain + " hostmaster." + domain + " 1 3600 900 1209600 60\n";
    text += domain + " 300 IN NS ns1." + domain + "\n" + domain + " 300 IN NS ns2." + domain + "\n";
    text += domain + " 300 IN RRSIG NS 13 2 300 20270105041022 20261206031022 26609 " + domain +
            " 8/cDN+m+3vqFBhvM3X1AN8rImFUDiLJmxSdFmlkPuZi9xShO91eN2BM8FKDzTP+AhJnYW5tbeR3tR88xfl"
            "g8RA==\n";
    text +=
        domain +
        " 300 IN DNSKEY 256 3 13 d3mltigWMEVP47jRpedEwubFNKsS4PJsiaqQbT+oCTCCHrwUPbEypYT4c9mRG4+"
        "3MBBuDJtmNlMukspm9f1QTw==\n";
    text +=
        domain +
        " 300 IN DNSKEY 257 3 13 FnNlzx5Wg6DD4QPlB2525ySIQE7mQEQ8ORuvdKWIcgg0A4lsF8wtE2flWzc6ays"
        "DW2fpBpqQhufmIbKqV6Blvg==\n";
  }
  return text;
}

// A state JSON the size of a real one (500 bytes).
std::string realisticState(const std::string& domain, int keyTag) {
  return R"({"cdnskey":[],"cds":[],"cds_delete":false,"denial":"","dnskey":[{"algorithm":13,)"
         R"("flags":256,"tag":26609},{"algorithm":13,"flags":257,"tag":)" +
         std::to_string(keyTag) +
         R"(}],"ds":[{"algorithm":13,"digest":"C662DBC70EAF2315E845A00C142F53B91C69A3A5CE50B4E9)"
         R"(100A649E5FC218E7","digest_type":2,"key_tag":57027}],"glue":[{"addresses":)"
         R"(["127.53.1.1"],"host":"ns1.)" +
         domain + R"("},{"addresses":["127.53.1.2"],"host":"ns2.)" + domain +
         R"("}],"inconsistent":false,"operators":[")" + domain + R"("],"parent_ns":["ns1.)" +
         domain + R"(","ns2.)" + domain + R"("],"reason":"none","status":"secure"})";
}

// Whether an SQL condition over the store's database holds. execute() returns no rows, so a
// false condition is made an error: abs() of the smallest integer raises "integer overflow".
bool holds(SqliteStore& store, const std::string& condition) {
  return store
      .execute("SELECT CASE WHEN (" + condition + ") THEN 1 ELSE abs(-9223372036854775807 - 1) END")
      .ok();
}

std::string hex(std::span<const uint8_t> bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  for (uint8_t b : bytes) {
    out += kDigits[b >> 4];
    out += kDigits[b & 0xf];
  }
  return out;
}

// Designated initializers would do, but GCC 12 warns (-Wmissing-field-initializers) on each.
SqliteOptions withReadOnly() {
  SqliteOptions o;
  o.readOnly = true;
  return o;
}
SqliteOptions withMigrateTo(int version) {
  SqliteOptions o;
  o.migrateTo = version;
  return o;
}
SqliteOptions withBusyTimeout(int ms) {
  SqliteOptions o;
  o.busyTimeoutMs = ms;
  return o;
}
EventQuery eventQuery(std::optional<std::string> domain, int64_t since, size_t limit,
                      bool newestFirst) {
  EventQuery q;
  q.domain = std::move(domain);
  q.since = since;
  q.limit = limit;
  q.newestFirst = newestFirst;
  return q;
}

std::vector<EventRow> allEvents(Store& store) {
  auto events = store.events(eventQuery(std::nullopt, 0, 1'000'000, false));
  EXPECT_TRUE(events.ok()) << events.error().message;
  return events.ok() ? *events : std::vector<EventRow>{};
}

class SqliteStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (fs::temp_directory_path() / "zonewatch-store-XXXXXX").string();
    ASSERT_NE(mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
    path_ = (fs::path(dir_) / "zonewatch.sqlite").string();
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::unique_ptr<SqliteStore> open(const SqliteOptions& options = {}) {
    auto store = SqliteStore::open(path_, options);
    EXPECT_TRUE(store.ok()) << store.error().message;
    return store.ok() ? std::move(*store) : nullptr;
  }

  std::string dir_;
  std::string path_;
};

TEST_F(SqliteStoreTest, NewDatabaseIsAtTheLatestVersionInWalMode) {
  auto store = open();
  ASSERT_TRUE(store);
  auto version = store->schemaVersion();
  ASSERT_TRUE(version.ok()) << version.error().message;
  EXPECT_EQ(*version, kSqliteSchemaVersion);
  ASSERT_TRUE(store->commit(observation("example.com.", 200, R"({"ns":["a."]})")).ok());
  // WAL mode: the commit went to the -wal file next to the database.
  EXPECT_TRUE(fs::exists(path_ + "-wal"));
  auto check = store->integrityCheck();
  ASSERT_TRUE(check.ok()) << check.error().message;
  EXPECT_EQ(*check, "ok");
}

TEST_F(SqliteStoreTest, CommitsAreDurableBeforeTheirDeliveries) {
  auto store = open();
  ASSERT_TRUE(store);
  auto level = store->synchronousLevel();
  ASSERT_TRUE(level.ok()) << level.error().message;
  EXPECT_EQ(*level, 2);  // FULL (https://www.sqlite.org/pragma.html#pragma_synchronous)
}

TEST_F(SqliteStoreTest, ANewDatabaseAndItsWalAreReadableByTheOwnerOnly) {
  auto store = open();
  ASSERT_TRUE(store);
  ASSERT_TRUE(store->commit(observation("example.com.", 200, R"({"ns":["a."]})")).ok());
  for (const std::string& file : {path_, path_ + "-wal"}) {
    const auto perms = fs::status(file).permissions();
    EXPECT_EQ(perms & fs::perms::all, fs::perms::owner_read | fs::perms::owner_write) << file;
  }
}

TEST_F(SqliteStoreTest, DomainRowRoundTripsEveryField) {
  auto store = open();
  ASSERT_TRUE(store);
  ObservationCommit c = observation("b.example.", 300, R"({"ds":[]})");
  c.row.lastChange = 250;
  c.row.rrsigExpiry = 1'700'000'000;
  c.row.pendingJson = R"({"ds":[1]})";
  c.row.pendingCount = 2;
  c.row.serversJson = R"({"192.0.2.1":"ok"})";
  c.row.baselineJson = R"({"ds":[]})";
  c.row.failures = 3;
  ASSERT_TRUE(store->commit(c).ok());
  ASSERT_TRUE(store->commit(observation("a.example.", 300, "{}")).ok());

  auto got = store->domain("b.example.");
  ASSERT_TRUE(got.ok()) << got.error().message;
  ASSERT_TRUE(got->has_value());
  EXPECT_EQ(**got, c.row);

  auto missing = store->domain("c.example.");
  ASSERT_TRUE(missing.ok());
  EXPECT_FALSE(missing->has_value());

  auto all = store->domains();
  ASSERT_TRUE(all.ok());
  ASSERT_EQ(all->size(), 2u);
  EXPECT_EQ((*all)[0].domain, "a.example.");  // ordered by name
  EXPECT_FALSE((*all)[0].rrsigExpiry.has_value());
  EXPECT_EQ((*all)[1], c.row);
}

TEST_F(SqliteStoreTest, CommitKeepsTheBaselineOnlySetBaselineChanges) {
  auto store = open();
  ASSERT_TRUE(store);
  ASSERT_TRUE(store->commit(observation("example.org.", 200, "{}")).ok());
  ASSERT_TRUE(store->setBaseline("example.org.", R"({"ds":[7]})").ok());
  // A round that read the row before the ack commits it with the old, empty baseline.
  ObservationCommit stale = observation("example.org.", 260, "{}");
  stale.row.failures = 1;
  ASSERT_TRUE(store->commit(stale).ok());
  auto got = store->domain("example.org.");
  ASSERT_TRUE(got.ok() && got->has_value());
  EXPECT_EQ((*got)->baselineJson, R"({"ds":[7]})");
  EXPECT_EQ((*got)->failures, 1);
  EXPECT_EQ((*got)->lastSeen, 260);

  ASSERT_TRUE(store->setBaseline("example.org.", "").ok());
  got = store->domain("example.org.");
  ASSERT_TRUE(got.ok() && got->has_value());
  EXPECT_EQ((*got)->baselineJson, "");

  auto unknown = store->setBaseline("nowhere.example.", "{}");
  ASSERT_FALSE(unknown.ok());
  EXPECT_NE(unknown.error().message.find("unknown domain"), std::string::npos);
}

TEST_F(SqliteStoreTest, SnapshotOnlyOnChange) {
  auto store = open();
  ASSERT_TRUE(store);
  const std::string a = R"({"ns":["a."]})", b = R"({"ns":["b."]})";
  ASSERT_TRUE(store->commit(observation("example.com.", 200, a)).ok());
  ASSERT_TRUE(store->commit(observation("example.com.", 260, a)).ok());
  auto snaps = store->snapshots("example.com.", 10);
  ASSERT_TRUE(snaps.ok()) << snaps.error().message;
  ASSERT_EQ(snaps->size(), 1u);
  EXPECT_EQ((*snaps)[0].firstSeen, 200);
  EXPECT_EQ((*snaps)[0].lastSeen, 260);
  EXPECT_EQ((*snaps)[0].stateJson, a);
  // The evidence is the first observation's: an unchanged state stores none.
  EXPECT_NE((*snaps)[0].evidence.find("observed at 200"), std::string::npos);

  // An observation older than what is stored never moves last_seen back.
  ASSERT_TRUE(store->commit(observation("example.com.", 230, a)).ok());
  snaps = store->snapshots("example.com.", 10);
  ASSERT_TRUE(snaps.ok());
  EXPECT_EQ((*snaps)[0].lastSeen, 260);

  ASSERT_TRUE(store->commit(observation("example.com.", 320, b)).ok());
  // Back to a: compared with the latest snapshot (b), so a third one.
  ASSERT_TRUE(store->commit(observation("example.com.", 380, a)).ok());
  snaps = store->snapshots("example.com.", 10);
  ASSERT_TRUE(snaps.ok());
  ASSERT_EQ(snaps->size(), 3u);
  EXPECT_EQ((*snaps)[0].stateJson, a);  // newest first
  EXPECT_EQ((*snaps)[0].firstSeen, 380);
  EXPECT_EQ((*snaps)[1].stateJson, b);
  EXPECT_EQ((*snaps)[1].lastSeen, 320);
  EXPECT_EQ((*snaps)[2].lastSeen, 260);
  EXPECT_GT((*snaps)[0].id, (*snaps)[1].id);

  auto limited = store->snapshots("example.com.", 1);
  ASSERT_TRUE(limited.ok());
  ASSERT_EQ(limited->size(), 1u);
  EXPECT_EQ((*limited)[0].firstSeen, 380);
  auto other = store->snapshots("example.net.", 10);
  ASSERT_TRUE(other.ok());
  EXPECT_TRUE(other->empty());
}

// The daemon hands its evidence over unrendered: it is rendered for a new snapshot only.
TEST_F(SqliteStoreTest, DeferredEvidenceIsRenderedOnlyForANewSnapshot) {
  auto store = open();
  ASSERT_TRUE(store);
  int rendered = 0;
  auto deferred = [&rendered](const std::string& state, int64_t at) {
    auto c = observation("example.com.", at, state);
    c.evidence.clear();
    c.renderEvidence = [&rendered, at] {
      ++rendered;
      return "; server ns1 192.0.2.1\nrendered at " + std::to_string(at) + "\n";
    };
    return c;
  };
  ASSERT_TRUE(store->commit(deferred("{}", 200)).ok());
  ASSERT_TRUE(store->commit(deferred("{}", 260)).ok());  // unchanged: not rendered
  EXPECT_EQ(rendered, 1);
  ASSERT_TRUE(store->commit(deferred(R"({"ns":["b."]})", 320)).ok());
  EXPECT_EQ(rendered, 2);
  auto snaps = store->snapshots("example.com.", 10);
  ASSERT_TRUE(snaps.ok());
  ASSERT_EQ(snaps->size(), 2u);
  EXPECT_EQ((*snaps)[0].evidence, "; server ns1 192.0.2.1\nrendered at 320\n");
  EXPECT_EQ((*snaps)[1].evidence, "; server ns1 192.0.2.1\nrendered at 200\n");
}

// Issue 11: one huge answer (thousands of records) made one snapshot, and the database, as large as
// it was. The evidence kept is capped, cut between two records, and says what was cut.
TEST_F(SqliteStoreTest, EvidenceIsCappedAtARecordBoundary) {
  auto store = open();
  ASSERT_TRUE(store);
  std::string huge = "; server ns1.example.com. 192.0.2.1\n";
  for (int i = 0; huge.size() < 4 * kMaxEvidenceBytes; ++i) {
    huge += "example.com. 3600 IN TXT \"record " + std::to_string(i) + " " +
            std::string(static_cast<size_t>(i % 97), 'x') + "\"\n";
  }
  ObservationCommit c = observation("example.com.", 200, "{}");
  c.evidence = huge;
  ASSERT_TRUE(store->commit(c).ok());
  // The deferred form is capped as well.
  ObservationCommit deferred = observation("example.com.", 260, R"({"ns":["b."]})");
  deferred.evidence.clear();
  deferred.renderEvidence = [&huge] { return huge; };
  ASSERT_TRUE(store->commit(deferred).ok());

  auto snaps = store->snapshots("example.com.", 10);
  ASSERT_TRUE(snaps.ok());
  ASSERT_EQ(snaps->size(), 2u);
  for (const SnapshotRow& snap : *snaps) {
    const std::string& kept = snap.evidence;
    EXPECT_LE(kept.size(), kMaxEvidenceBytes);
    EXPECT_GT(kept.size(), kMaxEvidenceBytes - 1024) << "cut far below the cap";
    ASSERT_TRUE(kept.ends_with('\n'));
    // Everything before the marker is the original's beginning, whole lines only.
    const size_t marker = kept.rfind('\n', kept.size() - 2) + 1;
    const std::string head = kept.substr(0, marker);
    EXPECT_EQ(huge.compare(0, head.size(), head), 0);
    EXPECT_EQ(huge[head.size() - 1], '\n');
    const std::string_view cut = std::string_view(huge).substr(head.size());
    EXPECT_EQ(kept.substr(marker),
              "; zonewatch: evidence capped at " + std::to_string(kMaxEvidenceBytes) + " bytes, " +
                  std::to_string(cut.size()) + " bytes (" +
                  std::to_string(std::count(cut.begin(), cut.end(), '\n')) + " lines) cut\n");
  }

  // Evidence within the cap is kept byte for byte.
  EXPECT_EQ(capEvidence("a\nb\n", 4), "a\nb\n");
  const std::string exact(kMaxEvidenceBytes, 'z');
  EXPECT_EQ(capEvidence(exact), exact);
  // A single record longer than the cap leaves the marker alone.
  EXPECT_EQ(capEvidence(std::string(1000, 'y'), 200),
            "; zonewatch: evidence capped at 200 bytes, 1000 bytes (1 lines) cut\n");
}

// Schema 5: a new snapshot's evidence is stored deflated and read back byte for byte; an unchanged
// state is still recognised (no new snapshot, the file does not grow).
TEST_F(SqliteStoreTest, SnapshotBodiesAreStoredDeflatedAndReadBackAsWritten) {
  auto store = open();
  ASSERT_TRUE(store);
  const std::string domain = "child01.lab.";
  const std::string state = realisticState(domain, 57027);
  auto first = observation(domain, 200, state);
  first.evidence = realisticEvidence(domain);
  ASSERT_TRUE(store->commit(first).ok());
  auto snaps = store->snapshots(domain, 10);
  ASSERT_TRUE(snaps.ok()) << snaps.error().message;
  ASSERT_EQ(snaps->size(), 1u);
  EXPECT_EQ((*snaps)[0].stateJson, state);
  EXPECT_EQ((*snaps)[0].evidence, first.evidence);
  // Stored deflated: the text column empty, the evidence in under a third of its size.
  EXPECT_TRUE(holds(*store, "SELECT evidence = '' AND length(evidence_deflate) * 3 < " +
                                std::to_string(first.evidence.size()) + " FROM snapshot_bodies"));

  // The same state again only advances last_seen, and leaves the file as large as it was.
  auto before = store->stats();
  ASSERT_TRUE(before.ok());
  for (int64_t at = 260; at < 2000; at += 60) {
    ASSERT_TRUE(store->commit(observation(domain, at, state)).ok());
  }
  auto after = store->stats();
  ASSERT_TRUE(after.ok());
  EXPECT_EQ(after->snapshots, 1);
  EXPECT_EQ(after->fileBytes, before->fileBytes);
  snaps = store->snapshots(domain, 10);
  ASSERT_TRUE(snaps.ok());
  EXPECT_EQ((*snaps)[0].lastSeen, 1940);

  // A state one byte shorter, then the longer one again: each differs from the latest.
  const std::string shorter = state.substr(0, state.size() - 1);
  ASSERT_TRUE(store->commit(observation(domain, 2000, shorter)).ok());
  ASSERT_TRUE(store->commit(observation(domain, 2060, state)).ok());
  snaps = store->snapshots(domain, 10);
  ASSERT_TRUE(snaps.ok());
  ASSERT_EQ(snaps->size(), 3u);
  EXPECT_EQ((*snaps)[0].stateJson, state);
  EXPECT_EQ((*snaps)[1].stateJson, shorter);

  // Evidence that deflate does not shrink (empty) is kept as text.
  auto tiny = observation("tiny.example.", 200, "{}");
  tiny.evidence.clear();
  ASSERT_TRUE(store->commit(tiny).ok());
  EXPECT_TRUE(holds(*store,
                    "SELECT state_json = '{}' AND evidence = '' AND "
                    "evidence_deflate IS NULL FROM snapshot_bodies b JOIN snapshots s ON "
                    "s.id = b.snapshot_id WHERE s.domain = 'tiny.example.'"));
  snaps = store->snapshots("tiny.example.", 1);
  ASSERT_TRUE(snaps.ok());
  ASSERT_EQ(snaps->size(), 1u);
  EXPECT_EQ((*snaps)[0].stateJson, "{}");
  EXPECT_EQ((*snaps)[0].evidence, "");
}

// A body written before schema 5 keeps its text and is read, and compared with, as it is.
TEST_F(SqliteStoreTest, ASnapshotWrittenBeforeSchema5IsReadAsText) {
  const std::string domain = "old.lab.";
  const std::string state = realisticState(domain, 1);
  auto old = observation(domain, 200, state);
  old.evidence = realisticEvidence(domain);
  {
    // As zonewatch wrote it under schema 4 (this build writes schema 5 only).
    auto v4 = open(withMigrateTo(4));
    ASSERT_TRUE(v4);
    ASSERT_TRUE(v4->execute("INSERT INTO domains (domain, first_seen, last_seen, state_json) "
                            "VALUES ('old.lab.', 200, 200, '" +
                            state +
                            "'); INSERT INTO snapshots (id, domain, first_seen, last_seen) "
                            "VALUES (1, 'old.lab.', 200, 200); "
                            "INSERT INTO snapshot_bodies (snapshot_id, state_json, evidence) "
                            "VALUES (1, '" +
                            state + "', '" + old.evidence + "')")
                    .ok());
  }
  auto store = open();
  ASSERT_TRUE(store);
  EXPECT_TRUE(holds(*store, "SELECT evidence_deflate IS NULL AND state_json = '" + state +
                                "' FROM snapshot_bodies"));
  ASSERT_TRUE(store->commit(observation(domain, 260, state)).ok());  // the same state
  auto snaps = store->snapshots(domain, 10);
  ASSERT_TRUE(snaps.ok()) << snaps.error().message;
  ASSERT_EQ(snaps->size(), 1u);
  EXPECT_EQ((*snaps)[0].lastSeen, 260);
  EXPECT_EQ((*snaps)[0].stateJson, state);
  EXPECT_EQ((*snaps)[0].evidence, old.evidence);

  // A change writes the new format beside the old row; both read back.
  auto changed = observation(domain, 320, realisticState(domain, 2));
  changed.evidence = realisticEvidence(domain) + "; changed\n";
  ASSERT_TRUE(store->commit(changed).ok());
  snaps = store->snapshots(domain, 10);
  ASSERT_TRUE(snaps.ok()) << snaps.error().message;
  ASSERT_EQ(snaps->size(), 2u);
  EXPECT_EQ((*snaps)[0].evidence, changed.evidence);
  EXPECT_EQ((*snaps)[1].evidence, old.evidence);
  EXPECT_TRUE(
      holds(*store, "SELECT count(*) = 1 FROM snapshot_bodies WHERE evidence_deflate IS NOT NULL"));
}

// A damaged file: the snapshot whose blob does not inflate is an error naming it; the domain's
// other data, the other domains and later commits are unaffected.
TEST_F(SqliteStoreTest, ADamagedDeflatedBodyIsAClearErrorAndLosesNothingElse) {
  auto store = open();
  ASSERT_TRUE(store);
  for (const std::string domain : {"a.lab.", "b.lab."}) {
    auto c = observation(domain, 200, realisticState(domain, 1));
    c.evidence = realisticEvidence(domain);
    ASSERT_TRUE(store->commit(c).ok());
  }
  // a's evidence with one bit flipped in the middle.
  auto blob = deflateText(realisticEvidence("a.lab."));
  ASSERT_TRUE(blob.ok());
  EXPECT_TRUE(holds(*store, "SELECT evidence_deflate = x'" + hex(*blob) +
                                "' FROM snapshot_bodies WHERE snapshot_id = 1"));
  (*blob)[blob->size() / 2] ^= 0x10;
  ASSERT_TRUE(store
                  ->execute("UPDATE snapshot_bodies SET evidence_deflate = x'" + hex(*blob) +
                            "' WHERE snapshot_id = 1")
                  .ok());
  auto damaged = store->snapshots("a.lab.", 10);
  ASSERT_FALSE(damaged.ok());
  EXPECT_NE(damaged.error().message.find("the evidence of snapshot 1 of a.lab. cannot be read"),
            std::string::npos)
      << damaged.error().message;
  EXPECT_NE(damaged.error().message.find("compressed data"), std::string::npos)
      << damaged.error().message;

  auto b = store->snapshots("b.lab.", 10);
  ASSERT_TRUE(b.ok()) << b.error().message;
  ASSERT_EQ(b->size(), 1u);
  EXPECT_EQ((*b)[0].evidence, realisticEvidence("b.lab."));
  auto row = store->domain("a.lab.");
  ASSERT_TRUE(row.ok() && row->has_value());
  EXPECT_EQ((*row)->stateJson, realisticState("a.lab.", 1));
  auto check = store->integrityCheck();
  ASSERT_TRUE(check.ok());
  EXPECT_EQ(*check, "ok");

  // The domain carries on: a change writes a new, sound snapshot beside the damaged one.
  ASSERT_TRUE(store->commit(observation("a.lab.", 260, realisticState("a.lab.", 2))).ok());
  auto latest = store->snapshots("a.lab.", 1);
  ASSERT_TRUE(latest.ok()) << latest.error().message;
  ASSERT_EQ(latest->size(), 1u);
  EXPECT_EQ((*latest)[0].stateJson, realisticState("a.lab.", 2));
  EXPECT_EQ((*latest)[0].firstSeen, 260);
  auto stats = store->stats();
  ASSERT_TRUE(stats.ok());
  EXPECT_EQ(stats->snapshots, 3);
}

// The cap on inflating (storage/deflate.h) holds for what the store reads: evidence at the
// evidence cap reads back, a blob claiming more than the inflate cap is an error.
TEST_F(SqliteStoreTest, DeflatedEvidenceIsReadWithinTheInflateCap) {
  auto store = open();
  ASSERT_TRUE(store);
  auto c = observation("huge.example.", 200, "{}");
  c.evidence = std::string(kMaxEvidenceBytes, 'e');
  ASSERT_TRUE(store->commit(c).ok());
  auto snaps = store->snapshots("huge.example.", 1);
  ASSERT_TRUE(snaps.ok()) << snaps.error().message;
  ASSERT_EQ(snaps->size(), 1u);
  EXPECT_EQ((*snaps)[0].evidence, c.evidence);

  // A hostile blob: a few KiB that would inflate to 4 MiB.
  auto bomb = deflateText(std::string(4 * kMaxInflatedBytes, 'e'));
  ASSERT_TRUE(bomb.ok());
  ASSERT_LT(bomb->size(), 8 * 1024u);
  ASSERT_TRUE(
      store->execute("UPDATE snapshot_bodies SET evidence_deflate = x'" + hex(*bomb) + "'").ok());
  auto capped = store->snapshots("huge.example.", 1);
  ASSERT_FALSE(capped.ok());
  EXPECT_NE(
      capped.error().message.find("inflates to more than " + std::to_string(kMaxInflatedBytes)),
      std::string::npos)
      << capped.error().message;
}

// A flapping domain's observation writes no snapshot: the latest one's last_seen advances.
TEST_F(SqliteStoreTest, TouchLatestSnapshotAdvancesOnlyItsLastSeen) {
  auto store = open();
  ASSERT_TRUE(store);
  ObservationCommit first = observation("example.com.", 200, "");
  first.touchLatestSnapshot = true;  // no snapshot yet: none is created
  ASSERT_TRUE(store->commit(first).ok());
  auto snaps = store->snapshots("example.com.", 10);
  ASSERT_TRUE(snaps.ok());
  EXPECT_TRUE(snaps->empty());

  ASSERT_TRUE(store->commit(observation("example.com.", 260, R"({"a":1})")).ok());
  ObservationCommit touch = observation("example.com.", 320, "");
  touch.touchLatestSnapshot = true;
  touch.renderEvidence = [] {
    ADD_FAILURE() << "no snapshot, no evidence";
    return std::string();
  };
  ASSERT_TRUE(store->commit(touch).ok());
  snaps = store->snapshots("example.com.", 10);
  ASSERT_TRUE(snaps.ok());
  ASSERT_EQ(snaps->size(), 1u);
  EXPECT_EQ((*snaps)[0].firstSeen, 260);
  EXPECT_EQ((*snaps)[0].lastSeen, 320);
  EXPECT_EQ((*snaps)[0].stateJson, R"({"a":1})");
  touch.observedAt = 300;  // an older observation never moves it back
  ASSERT_TRUE(store->commit(touch).ok());
  snaps = store->snapshots("example.com.", 10);
  ASSERT_TRUE(snaps.ok());
  EXPECT_EQ((*snaps)[0].lastSeen, 320);
  auto other = store->snapshots("example.net.", 10);
  ASSERT_TRUE(other.ok());
  EXPECT_TRUE(other->empty());
}

TEST_F(SqliteStoreTest, ObservationWithoutStateTouchesNoSnapshot) {
  auto store = open();
  ASSERT_TRUE(store);
  ASSERT_TRUE(store->commit(observation("example.com.", 200, "{}")).ok());
  ObservationCommit failed = observation("example.com.", 260, "");
  failed.row.failures = 1;
  ASSERT_TRUE(store->commit(failed).ok());
  auto snaps = store->snapshots("example.com.", 10);
  ASSERT_TRUE(snaps.ok());
  ASSERT_EQ(snaps->size(), 1u);
  EXPECT_EQ((*snaps)[0].lastSeen, 200);
  auto got = store->domain("example.com.");
  ASSERT_TRUE(got.ok() && got->has_value());
  EXPECT_EQ((*got)->failures, 1);
}

// Kind and severity are stored by name; one this build does not know (a newer zonewatch wrote
// the file, or a hand edit) is a clear error naming the row, for history and the outbox alike.
// The verdict is stored by name; an unknown one (a newer zonewatch, an edit) is an error naming the
// domain, and a domain never observed with data has none.
TEST_F(SqliteStoreTest, TheStoredVerdictReadsBackTypedAndAnUnknownNameIsAnError) {
  auto store = open();
  ASSERT_TRUE(store);
  ASSERT_TRUE(store->commit(observation("example.com.", 200, "{}", {}, {})).ok());
  auto row = store->domain("example.com.");
  ASSERT_TRUE(row.ok() && *row) << (row.ok() ? "no row" : row.error().message);
  EXPECT_EQ((*row)->status, model::SecurityState::kSecure);
  EXPECT_EQ((*row)->reason, model::SecurityReason::kNone);

  ASSERT_TRUE(store->execute("UPDATE domains SET status = '', reason = ''").ok());
  row = store->domain("example.com.");
  ASSERT_TRUE(row.ok() && *row) << (row.ok() ? "no row" : row.error().message);
  EXPECT_FALSE((*row)->status.has_value());
  EXPECT_FALSE((*row)->reason.has_value());

  ASSERT_TRUE(store->execute("UPDATE domains SET status = 'secure', reason = 'moon_phase'").ok());
  auto all = store->domains();
  ASSERT_FALSE(all.ok());
  EXPECT_NE(all.error().message.find("domain example.com. has the unknown reason 'moon_phase'"),
            std::string::npos)
      << all.error().message;
  ASSERT_TRUE(store->execute("UPDATE domains SET status = 'purple', reason = 'none'").ok());
  row = store->domain("example.com.");
  ASSERT_FALSE(row.ok());
  EXPECT_NE(row.error().message.find("unknown status 'purple'"), std::string::npos)
      << row.error().message;
}

TEST_F(SqliteStoreTest, AnUnknownStoredEventKindIsAnErrorNamingTheRow) {
  auto store = open();
  ASSERT_TRUE(store);
  ASSERT_TRUE(store
                  ->commit(observation("example.com.", 200, "{}",
                                       {eventFor("u1", "example.com.", 200)}, {"webhook"}))
                  .ok());
  EXPECT_EQ(allEvents(*store).size(), 1u);
  ASSERT_TRUE(store->execute("UPDATE events SET event = 'registrar_changed'").ok());
  auto events = store->events(EventQuery{});
  ASSERT_FALSE(events.ok());
  EXPECT_NE(events.error().message.find("unknown event kind 'registrar_changed'"),
            std::string::npos)
      << events.error().message;
  // The outbox still reads: the item comes back marked, so it cannot hold up the others.
  auto due = store->dueOutbox(1000, 100);
  ASSERT_TRUE(due.ok()) << due.error().message;
  ASSERT_EQ(due->size(), 1u);
  EXPECT_NE(due->front().unreadable.find("event 1 has the unknown event kind"), std::string::npos)
      << due->front().unreadable;
  EXPECT_EQ(due->front().event.uid, "u1");
  EXPECT_EQ(due->front().event.domain, "example.com.");
  ASSERT_TRUE(
      store->execute("UPDATE events SET event = 'ds_removed', severity = 'catastrophic'").ok());
  events = store->events(EventQuery{});
  ASSERT_FALSE(events.ok());
  EXPECT_NE(events.error().message.find("unknown severity 'catastrophic'"), std::string::npos)
      << events.error().message;
}

TEST_F(SqliteStoreTest, EventsAndOutboxRowsAreWrittenWithTheObservation) {
  auto store = open();
  ASSERT_TRUE(store);
  NewEvent withServer = eventFor("u2", "", 201);  // "" = the commit's domain
  withServer.server = "192.0.2.53";
  ASSERT_TRUE(store
                  ->commit(observation("example.com.", 200, "{}",
                                       {eventFor("u1", "example.com.", 200), withServer},
                                       {"webhook", "email"}))
                  .ok());
  auto events = allEvents(*store);
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0].uid, "u1");
  EXPECT_EQ(events[0].kind, model::EventKind::kNameserversChanged);
  EXPECT_EQ(events[0].severity, model::Severity::kWarning);
  EXPECT_EQ(events[0].summary, "NS set of example.com. changed");
  EXPECT_EQ(events[0].beforeJson, R"(["a."])");
  EXPECT_FALSE(events[0].server.has_value());
  EXPECT_EQ(events[1].domain, "example.com.");
  EXPECT_EQ(events[1].server, std::optional<std::string>("192.0.2.53"));

  auto due = store->dueOutbox(1000, 100);
  ASSERT_TRUE(due.ok()) << due.error().message;
  ASSERT_EQ(due->size(), 4u);  // 2 events x 2 sinks
  std::set<std::pair<std::string, std::string>> pairs;
  for (const OutboxItem& item : *due) {
    pairs.insert({item.event.uid, item.sink});
    EXPECT_EQ(item.attempts, 0);
    EXPECT_EQ(item.nextAttempt, item.event.observedAt);  // due at once
  }
  EXPECT_EQ(pairs.size(), 4u);
  auto stats = store->stats();
  ASSERT_TRUE(stats.ok());
  EXPECT_EQ(stats->domains, 1);
  EXPECT_EQ(stats->snapshots, 1);
  EXPECT_EQ(stats->events, 2);
  EXPECT_EQ(stats->outboxPending, 4);
  EXPECT_GT(stats->fileBytes, 0);
}

TEST_F(SqliteStoreTest, PortfolioEventTravelsWithAnyDomainsCommit) {
  auto store = open();
  ASSERT_TRUE(store);
  // The differ's portfolio-wide event ("*") rides on the last commit of the round.
  ASSERT_TRUE(
      store
          ->commit(observation("example.com.", 200, "{}",
                               {eventFor("u1", "", 200), eventFor("*|portfolio|200", "*", 200)},
                               {"webhook"}))
          .ok());
  auto portfolio = store->events(eventQuery("*", 0, 10, false));
  ASSERT_TRUE(portfolio.ok());
  ASSERT_EQ(portfolio->size(), 1u);
  EXPECT_EQ((*portfolio)[0].uid, "*|portfolio|200");
  auto mine = store->events(eventQuery("example.com.", 0, 10, false));
  ASSERT_TRUE(mine.ok());
  ASSERT_EQ(mine->size(), 1u);
  EXPECT_EQ((*mine)[0].uid, "u1");
  auto due = store->dueOutbox(1000, 10);
  ASSERT_TRUE(due.ok());
  EXPECT_EQ(due->size(), 2u);
  auto stats = store->stats();
  ASSERT_TRUE(stats.ok());
  EXPECT_EQ(stats->domains, 1);  // "*" is not a domain
}

// Webhooks filter by event and severity: in one commit, each event is queued for its own sinks
// only (a critical event for the pager, an informational one for the chat room alone).
TEST_F(SqliteStoreTest, EachEventIsQueuedForItsOwnSinksOnly) {
  auto store = open();
  ASSERT_TRUE(store);
  auto c = observation("example.com.", 200, "{}",
                       {eventFor("a", "example.com.", 200), eventFor("b", "example.com.", 200)});
  c.events[0].sinks = {"pager", "chat"};
  c.events[1].sinks = {"chat"};
  ASSERT_TRUE(store->commit(c).ok());
  auto due = store->dueOutbox(1000, 100);
  ASSERT_TRUE(due.ok()) << due.error().message;
  std::vector<std::string> rows;
  for (const auto& item : *due) rows.push_back(item.event.uid + "->" + item.sink);
  std::sort(rows.begin(), rows.end());
  EXPECT_EQ(rows, (std::vector<std::string>{"a->chat", "a->pager", "b->chat"}));
}

TEST_F(SqliteStoreTest, ReRunningARoundNeverRepeatsAnEvent) {
  auto store = open();
  ASSERT_TRUE(store);
  const ObservationCommit round = observation(
      "example.com.", 200, "{}", {eventFor("round-1/ns", "example.com.", 200)}, {"webhook"});
  ASSERT_TRUE(store->commit(round).ok());
  ASSERT_TRUE(store->commit(round).ok());  // the interrupted round, run again
  // Even with a sink added since: the stored event keeps the deliveries it had.
  ObservationCommit withEmail = round;
  withEmail.events[0].sinks.push_back("email");
  ASSERT_TRUE(store->commit(withEmail).ok());
  EXPECT_EQ(allEvents(*store).size(), 1u);
  auto due = store->dueOutbox(1000, 100);
  ASSERT_TRUE(due.ok());
  EXPECT_EQ(due->size(), 1u);

  // Even once delivered, the old event gets no new outbox row; a new event in the same commit does.
  ASSERT_TRUE(store->outboxDelivered((*due)[0].id, 210).ok());
  ObservationCommit next = round;
  NewEvent fresh = eventFor("round-2/ds", "example.com.", 260);
  fresh.sinks = {"webhook"};
  next.events.push_back(fresh);
  next.events.push_back(fresh);  // twice in one commit
  ASSERT_TRUE(store->commit(next).ok());
  auto events = allEvents(*store);
  ASSERT_EQ(events.size(), 2u);
  due = store->dueOutbox(1000, 100);
  ASSERT_TRUE(due.ok());
  ASSERT_EQ(due->size(), 1u);
  EXPECT_EQ((*due)[0].event.uid, "round-2/ds");
}

TEST_F(SqliteStoreTest, FailingCommitLeavesNothingHalfWritten) {
  auto store = open();
  ASSERT_TRUE(store);
  ASSERT_TRUE(store->commit(observation("example.com.", 200, R"({"v":1})")).ok());
  // The outbox insert is the commit's last write: by then the domain row, the snapshot and the
  // event are written inside the transaction.
  ASSERT_TRUE(store
                  ->execute("CREATE TEMP TRIGGER fail_outbox BEFORE INSERT ON outbox "
                            "BEGIN SELECT RAISE(ABORT, 'injected outbox failure'); END")
                  .ok());
  ObservationCommit changed = observation("example.com.", 300, R"({"v":2})",
                                          {eventFor("e1", "example.com.", 300)}, {"webhook"});
  changed.row.lastChange = 300;
  auto failed = store->commit(changed);
  ASSERT_FALSE(failed.ok());
  EXPECT_NE(failed.error().message.find("injected outbox failure"), std::string::npos)
      << failed.error().message;
  EXPECT_NE(failed.error().message.find("while committing example.com."), std::string::npos)
      << failed.error().message;

  auto got = store->domain("example.com.");
  ASSERT_TRUE(got.ok() && got->has_value());
  EXPECT_EQ((*got)->stateJson, R"({"v":1})");
  EXPECT_EQ((*got)->lastChange, 0);
  auto snaps = store->snapshots("example.com.", 10);
  ASSERT_TRUE(snaps.ok());
  EXPECT_EQ(snaps->size(), 1u);
  EXPECT_TRUE(allEvents(*store).empty());

  // The connection is usable again, and the same commit now goes through whole.
  ASSERT_TRUE(store->execute("DROP TRIGGER fail_outbox").ok());
  ASSERT_TRUE(store->commit(changed).ok());
  EXPECT_EQ(allEvents(*store).size(), 1u);
  auto due = store->dueOutbox(1000, 10);
  ASSERT_TRUE(due.ok());
  EXPECT_EQ(due->size(), 1u);
}

TEST_F(SqliteStoreTest, BatchIsOneTransaction) {
  auto store = open();
  ASSERT_TRUE(store);
  ASSERT_TRUE(store
                  ->execute("CREATE TEMP TRIGGER poison BEFORE INSERT ON events "
                            "WHEN NEW.uid = 'poison' "
                            "BEGIN SELECT RAISE(ABORT, 'poisoned event'); END")
                  .ok());
  std::vector<ObservationCommit> batch;
  for (int i = 0; i < 5; ++i) {
    const std::string domain = "d" + std::to_string(i) + ".example.";
    batch.push_back(
        observation(domain, 200, "{}", {eventFor("ok-" + domain, domain, 200)}, {"webhook"}));
  }
  batch[3].events.push_back(eventFor("poison", "d3.example.", 200));
  auto failed = store->commitBatch(batch);
  ASSERT_FALSE(failed.ok());
  EXPECT_NE(failed.error().message.find("d3.example."), std::string::npos)
      << failed.error().message;
  auto stats = store->stats();
  ASSERT_TRUE(stats.ok());
  EXPECT_EQ(stats->domains, 0);
  EXPECT_EQ(stats->snapshots, 0);
  EXPECT_EQ(stats->events, 0);
  EXPECT_EQ(stats->outboxPending, 0);

  batch[3].events.pop_back();
  ASSERT_TRUE(store->commitBatch(batch).ok());
  stats = store->stats();
  ASSERT_TRUE(stats.ok());
  EXPECT_EQ(stats->domains, 5);
  EXPECT_EQ(stats->events, 5);
  EXPECT_EQ(stats->outboxPending, 5);
}

TEST_F(SqliteStoreTest, InvalidCommitsAreRejectedBeforeWriting) {
  auto store = open();
  ASSERT_TRUE(store);
  ObservationCommit noUid = observation("example.com.", 200, "{}", {eventFor("", "", 200)});
  auto r = store->commit(noUid);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("without a uid"), std::string::npos) << r.error().message;
  ObservationCommit emptySink = observation("example.com.", 200, "{}", {eventFor("x", "", 200)});
  emptySink.events[0].sinks = {"webhook", ""};
  r = store->commit(emptySink);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("empty sink"), std::string::npos) << r.error().message;
  r = store->commit(observation("", 200, "{}"));
  ASSERT_FALSE(r.ok());
  auto stats = store->stats();
  ASSERT_TRUE(stats.ok());
  EXPECT_EQ(stats->domains, 0);
  EXPECT_EQ(stats->events, 0);
}

TEST_F(SqliteStoreTest, ReadOnlyStoreReadsButRefusesWrites) {
  {
    auto writer = open();
    ASSERT_TRUE(writer);
    ASSERT_TRUE(writer->commit(observation("example.com.", 200, R"({"v":1})")).ok());
  }
  auto reader = open(withReadOnly());
  ASSERT_TRUE(reader);
  auto got = reader->domain("example.com.");
  ASSERT_TRUE(got.ok() && got->has_value());
  auto r = reader->commit(observation("example.com.", 300, R"({"v":2})",
                                      {eventFor("e1", "example.com.", 300)}, {"webhook"}));
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("readonly"), std::string::npos) << r.error().message;
  EXPECT_FALSE(reader->setBaseline("example.com.", "{}").ok());
  EXPECT_FALSE(reader->prune(1000).ok());

  auto writer = open();
  ASSERT_TRUE(writer);
  got = writer->domain("example.com.");
  ASSERT_TRUE(got.ok() && got->has_value());
  EXPECT_EQ((*got)->stateJson, R"({"v":1})");
  EXPECT_TRUE(allEvents(*writer).empty());
}

TEST_F(SqliteStoreTest, ClosedStoreFailsEveryCall) {
  auto store = open();
  ASSERT_TRUE(store);
  store->close();
  auto r = store->commit(observation("example.com.", 200, "{}"));
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("store is closed"), std::string::npos) << r.error().message;
  EXPECT_FALSE(store->domain("example.com.").ok());
  EXPECT_FALSE(store->stats().ok());
  EXPECT_FALSE(store->integrityCheck().ok());

  auto again = open();
  ASSERT_TRUE(again);
  auto stats = again->stats();
  ASSERT_TRUE(stats.ok());
  EXPECT_EQ(stats->domains, 0);
}

TEST_F(SqliteStoreTest, WriterWaitsForAnotherWriterThenReportsBusy) {
  auto first = open();
  ASSERT_TRUE(first);
  auto second = open(withBusyTimeout(50));
  ASSERT_TRUE(second);
  ASSERT_TRUE(first->execute("BEGIN IMMEDIATE").ok());  // another process's round in progress
  auto r = second->commit(observation("example.com.", 200, "{}"));
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("SQLITE_BUSY"), std::string::npos) << r.error().message;
  // Readers are not blocked by the writer (WAL).
  EXPECT_TRUE(second->domains().ok());
  ASSERT_TRUE(first->execute("ROLLBACK").ok());
  EXPECT_TRUE(second->commit(observation("example.com.", 200, "{}")).ok());
}

TEST_F(SqliteStoreTest, EventQueriesFilterOrderAndLimit) {
  auto store = open();
  ASSERT_TRUE(store);
  ASSERT_TRUE(store
                  ->commit(observation(
                      "a.example.", 300, "{}",
                      {eventFor("a1", "", 100), eventFor("a2", "", 300), eventFor("a3", "", 200)}))
                  .ok());
  ASSERT_TRUE(store->commit(observation("b.example.", 300, "{}", {eventFor("b1", "", 150)})).ok());
  auto uids = [&](const EventQuery& q) {
    std::vector<std::string> out;
    auto events = store->events(q);
    EXPECT_TRUE(events.ok());
    if (events.ok()) {
      for (const EventRow& e : *events) out.push_back(e.uid);
    }
    return out;
  };
  using V = std::vector<std::string>;
  EXPECT_EQ(uids(eventQuery(std::nullopt, 0, 1000, false)), (V{"a1", "b1", "a3", "a2"}));
  EXPECT_EQ(uids(eventQuery(std::nullopt, 0, 1000, true)), (V{"a2", "a3", "b1", "a1"}));
  EXPECT_EQ(uids(eventQuery("a.example.", 0, 1000, false)), (V{"a1", "a3", "a2"}));
  EXPECT_EQ(uids(eventQuery("a.example.", 200, 1000, false)), (V{"a3", "a2"}));
  EXPECT_EQ(uids(eventQuery("a.example.", 0, 1, true)), (V{"a2"}));
  EXPECT_EQ(uids(eventQuery(std::nullopt, 150, 2, false)), (V{"b1", "a3"}));
  EXPECT_EQ(uids(eventQuery("c.example.", 0, 1000, false)), V{});
}

TEST_F(SqliteStoreTest, OutboxDueOrderingAndTransitions) {
  auto store = open();
  ASSERT_TRUE(store);
  // Events observed at 300, 100, 200: due in that time order whatever the insertion order.
  ASSERT_TRUE(store
                  ->commit(observation("example.com.", 300, "{}",
                                       {eventFor("late", "", 300), eventFor("early", "", 100),
                                        eventFor("middle", "", 200)},
                                       {"webhook"}))
                  .ok());
  auto due = store->dueOutbox(250, 10);
  ASSERT_TRUE(due.ok()) << due.error().message;
  ASSERT_EQ(due->size(), 2u);  // "late" is not due before 300
  EXPECT_EQ((*due)[0].event.uid, "early");
  EXPECT_EQ((*due)[1].event.uid, "middle");
  const int64_t early = (*due)[0].id, middle = (*due)[1].id;
  due = store->dueOutbox(1000, 1);
  ASSERT_TRUE(due.ok());
  ASSERT_EQ(due->size(), 1u);
  EXPECT_EQ((*due)[0].id, early);

  // early fails once: retried at 400, after "late".
  ASSERT_TRUE(store->outboxRetry(early, 400, "HTTP 503").ok());
  due = store->dueOutbox(1000, 10);
  ASSERT_TRUE(due.ok());
  ASSERT_EQ(due->size(), 3u);
  EXPECT_EQ((*due)[0].event.uid, "middle");
  EXPECT_EQ((*due)[1].event.uid, "late");
  EXPECT_EQ((*due)[2].id, early);
  EXPECT_EQ((*due)[2].attempts, 1);
  EXPECT_EQ((*due)[2].nextAttempt, 400);
  EXPECT_EQ((*due)[2].lastError, "HTTP 503");
  const int64_t late = (*due)[1].id;
  due = store->dueOutbox(399, 10);
  ASSERT_TRUE(due.ok());
  EXPECT_EQ(due->size(), 2u);

  ASSERT_TRUE(store->outboxDelivered(middle, 310).ok());
  ASSERT_TRUE(store->outboxGiveUp(late, "HTTP 400: rejected").ok());
  due = store->dueOutbox(1000, 10);
  ASSERT_TRUE(due.ok());
  ASSERT_EQ(due->size(), 1u);
  EXPECT_EQ((*due)[0].id, early);
  auto stats = store->stats();
  ASSERT_TRUE(stats.ok());
  EXPECT_EQ(stats->outboxPending, 1);

  // Transitions apply to pending items only.
  auto again = store->outboxDelivered(middle, 320);
  ASSERT_FALSE(again.ok());
  EXPECT_NE(again.error().message.find("is delivered, not pending"), std::string::npos)
      << again.error().message;
  auto afterGiveUp = store->outboxRetry(late, 500, "x");
  ASSERT_FALSE(afterGiveUp.ok());
  EXPECT_NE(afterGiveUp.error().message.find("is failed"), std::string::npos);
  auto unknown = store->outboxGiveUp(9999, "x");
  ASSERT_FALSE(unknown.ok());
  EXPECT_NE(unknown.error().message.find("no outbox item 9999"), std::string::npos);
}

TEST_F(SqliteStoreTest, PruneKeepsTheLatestSnapshotAndPendingDeliveries) {
  auto store = open();
  ASSERT_TRUE(store);
  // a.example.: three states, the last one last seen long ago (the domain went quiet).
  ASSERT_TRUE(store->commit(observation("a.example.", 100, "1")).ok());
  ASSERT_TRUE(store->commit(observation("a.example.", 200, "2")).ok());
  ASSERT_TRUE(store->commit(observation("a.example.", 300, "3")).ok());
  // b.example.: an old state and one still seen after the cut.
  ASSERT_TRUE(store->commit(observation("b.example.", 100, "1")).ok());
  ASSERT_TRUE(store->commit(observation("b.example.", 200, "2")).ok());
  ASSERT_TRUE(store->commit(observation("b.example.", 2000, "2")).ok());
  ASSERT_TRUE(store
                  ->commit(observation(
                      "b.example.", 2000, "2",
                      {eventFor("old-delivered", "", 100), eventFor("old-pending", "", 110),
                       eventFor("old-failed", "", 120), eventFor("new", "", 1500)},
                      {"webhook"}))
                  .ok());
  ASSERT_TRUE(
      store->commit(observation("b.example.", 2000, "2", {eventFor("old-nosink", "", 90)})).ok());
  auto due = store->dueOutbox(2000, 10);
  ASSERT_TRUE(due.ok());
  ASSERT_EQ(due->size(), 4u);
  std::map<std::string, int64_t> ids;
  for (const OutboxItem& item : *due) ids[item.event.uid] = item.id;
  ASSERT_TRUE(store->outboxDelivered(ids["old-delivered"], 130).ok());
  ASSERT_TRUE(store->outboxGiveUp(ids["old-failed"], "gone").ok());  // settled at its due time, 120
  ASSERT_TRUE(store->outboxDelivered(ids["new"], 1600).ok());

  ASSERT_TRUE(store->prune(1000).ok());
  auto snapsA = store->snapshots("a.example.", 10);
  ASSERT_TRUE(snapsA.ok());
  ASSERT_EQ(snapsA->size(), 1u);
  EXPECT_EQ((*snapsA)[0].stateJson, "3");  // the latest survives although older than the cut
  auto snapsB = store->snapshots("b.example.", 10);
  ASSERT_TRUE(snapsB.ok());
  ASSERT_EQ(snapsB->size(), 1u);
  EXPECT_EQ((*snapsB)[0].stateJson, "2");

  std::set<std::string> left;
  for (const EventRow& e : allEvents(*store)) left.insert(e.uid);
  EXPECT_EQ(left, (std::set<std::string>{"old-pending", "new"}));
  due = store->dueOutbox(2000, 10);
  ASSERT_TRUE(due.ok());
  ASSERT_EQ(due->size(), 1u);
  EXPECT_EQ((*due)[0].event.uid, "old-pending");
  auto stats = store->stats();
  ASSERT_TRUE(stats.ok());
  EXPECT_EQ(stats->domains, 2);  // domains are never pruned
  EXPECT_EQ(stats->snapshots, 2);

  // Once delivered, the old event goes at the next prune after its delivery time.
  ASSERT_TRUE(store->outboxDelivered(ids["old-pending"], 2100).ok());
  ASSERT_TRUE(store->prune(1550).ok());  // before either delivery
  left.clear();
  for (const EventRow& e : allEvents(*store)) left.insert(e.uid);
  EXPECT_EQ(left, (std::set<std::string>{"old-pending", "new"}));
  ASSERT_TRUE(store->prune(2200).ok());
  EXPECT_TRUE(allEvents(*store).empty());
  auto check = store->integrityCheck();
  ASSERT_TRUE(check.ok());
  EXPECT_EQ(*check, "ok");
}

// The database a version-1 zonewatch left behind: written through the v1 schema only.
constexpr const char* kV1Rows = R"sql(
INSERT INTO domains (domain, first_seen, last_seen, status, state_json)
  VALUES ('old.example.', 100, 200, 'secure', '{"v":1}');
INSERT INTO snapshots (domain, first_seen, last_seen, state_json, evidence)
  VALUES ('old.example.', 100, 200, '{"v":1}', 'old.example. 3600 IN NS ns1.old.example.');
INSERT INTO events (id, uid, domain, observed_at, event, severity, summary)
  VALUES (1, 'v1-a', 'old.example.', 150, 'nameservers_changed', 'warning', 'NS changed'),
         (2, 'v1-b', 'old.example.', 160, 'ds_changed', 'critical', 'DS changed');
INSERT INTO outbox (event_id, sink, status, attempts, next_attempt)
  VALUES (1, 'webhook', 'pending', 2, 170), (2, 'webhook', 'delivered', 1, 165);
)sql";

TEST_F(SqliteStoreTest, VerifiedSignaturesTravelWithACommitAndLeaveWhenExpired) {
  auto store = open();
  ASSERT_TRUE(store);
  auto c = observation("example.com.", 200, R"({"ns":["a."]})");
  VerifiedSignature a, b;
  a.digest.fill(0xaa);
  a.expiresAt = 1000;
  b.digest.fill(0xbb);
  b.expiresAt = 5000;
  c.verified = {a, b};
  ASSERT_TRUE(store->commit(c).ok());
  // Stored again (a re-run round) with a later expiration: one row, the later time.
  auto again = observation("example.com.", 300, R"({"ns":["a."]})");
  VerifiedSignature a2 = a;
  a2.expiresAt = 2000;
  again.verified = {a2};
  ASSERT_TRUE(store->commit(again).ok());

  auto all = store->verifiedSignatures(0);
  ASSERT_TRUE(all.ok()) << all.error().message;
  ASSERT_EQ(all->size(), 2u);
  std::sort(all->begin(), all->end(),
            [](const auto& x, const auto& y) { return x.digest < y.digest; });
  EXPECT_EQ((*all)[0], a2);
  EXPECT_EQ((*all)[1], b);
  // Only those not expired at `now` come back; forgetting drops the expired for good.
  auto live = store->verifiedSignatures(3000);
  ASSERT_TRUE(live.ok());
  ASSERT_EQ(live->size(), 1u);
  EXPECT_EQ(live->front(), b);
  ASSERT_TRUE(store->forgetVerifiedBefore(3000).ok());
  auto left = store->verifiedSignatures(0);
  ASSERT_TRUE(left.ok());
  EXPECT_EQ(left->size(), 1u);
}

TEST_F(SqliteStoreTest, MigratesAVersion1Database) {
  {
    auto v1 = open(withMigrateTo(1));
    ASSERT_TRUE(v1);
    auto version = v1->schemaVersion();
    ASSERT_TRUE(version.ok());
    ASSERT_EQ(*version, 1);
    ASSERT_TRUE(v1->execute(kV1Rows).ok());
    EXPECT_FALSE(v1->execute("SELECT last_error FROM outbox").ok());  // a v2 column
  }
  auto store = open();
  ASSERT_TRUE(store);
  auto version = store->schemaVersion();
  ASSERT_TRUE(version.ok());
  EXPECT_EQ(*version, kSqliteSchemaVersion);
  EXPECT_TRUE(store->execute("SELECT last_error, settled_at FROM outbox").ok());

  auto got = store->domain("old.example.");
  ASSERT_TRUE(got.ok() && got->has_value());
  EXPECT_EQ((*got)->stateJson, R"({"v":1})");
  EXPECT_EQ((*got)->operatorsJson, "[]");  // the v1 default
  EXPECT_EQ(allEvents(*store).size(), 2u);

  // The v1 pending delivery carries on under v2.
  auto due = store->dueOutbox(1000, 10);
  ASSERT_TRUE(due.ok()) << due.error().message;
  ASSERT_EQ(due->size(), 1u);
  EXPECT_EQ((*due)[0].event.uid, "v1-a");
  EXPECT_EQ((*due)[0].attempts, 2);
  EXPECT_EQ((*due)[0].lastError, "");
  ASSERT_TRUE(store->outboxRetry((*due)[0].id, 500, "timeout").ok());
  due = store->dueOutbox(1000, 10);
  ASSERT_TRUE(due.ok());
  ASSERT_EQ(due->size(), 1u);
  EXPECT_EQ((*due)[0].attempts, 3);
  EXPECT_EQ((*due)[0].lastError, "timeout");

  // The row delivered under v1 was given settled_at = 165 by migration 2: pruned at 166.
  ASSERT_TRUE(store->prune(166).ok());
  auto events = allEvents(*store);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].uid, "v1-a");

  // Version 3 moved the snapshot's state and evidence to snapshot_bodies: all still there, and
  // the v1 snapshot is the one a new observation of the same state is compared with.
  auto snaps = store->snapshots("old.example.", 10);
  ASSERT_TRUE(snaps.ok()) << snaps.error().message;
  ASSERT_EQ(snaps->size(), 1u);
  EXPECT_EQ((*snaps)[0].stateJson, R"({"v":1})");
  EXPECT_EQ((*snaps)[0].evidence, "old.example. 3600 IN NS ns1.old.example.");
  EXPECT_EQ((*snaps)[0].firstSeen, 100);
  EXPECT_FALSE(store->execute("SELECT state_json FROM snapshots").ok());
  ASSERT_TRUE(store->commit(observation("old.example.", 900, R"({"v":1})")).ok());
  snaps = store->snapshots("old.example.", 10);
  ASSERT_TRUE(snaps.ok());
  ASSERT_EQ(snaps->size(), 1u);
  EXPECT_EQ((*snaps)[0].lastSeen, 900);
  ASSERT_TRUE(store->commit(observation("old.example.", 960, R"({"v":2})")).ok());
  snaps = store->snapshots("old.example.", 10);
  ASSERT_TRUE(snaps.ok());
  ASSERT_EQ(snaps->size(), 2u);
  EXPECT_EQ((*snaps)[0].stateJson, R"({"v":2})");
  auto check = store->integrityCheck();
  ASSERT_TRUE(check.ok());
  EXPECT_EQ(*check, "ok");
}

// Schema 6 drops the index by expiry; what a schema-4 file holds is still read and forgotten.
TEST_F(SqliteStoreTest, MigratingToSchema6DropsTheExpiryIndexOnly) {
  const std::string kIndexCount =
      "(SELECT count(*) FROM sqlite_schema WHERE name = 'verified_signatures_expiry')";
  {
    auto v4 = open(withMigrateTo(4));
    ASSERT_TRUE(v4);
    ASSERT_TRUE(holds(*v4, kIndexCount + " = 1"));
    ASSERT_TRUE(v4->execute("INSERT INTO verified_signatures VALUES (zeroblob(32), 1000), "
                            "(x'" +
                            std::string(64, 'f') + "', 5000)")
                    .ok());
  }
  auto store = open();
  ASSERT_TRUE(store);
  EXPECT_TRUE(holds(*store, kIndexCount + " = 0"));
  auto live = store->verifiedSignatures(2000);
  ASSERT_TRUE(live.ok()) << live.error().message;
  ASSERT_EQ(live->size(), 1u);
  EXPECT_EQ(live->front().expiresAt, 5000);
  ASSERT_TRUE(store->forgetVerifiedBefore(2000).ok());
  EXPECT_TRUE(holds(*store, "(SELECT count(*) FROM verified_signatures) = 1"));
}

TEST_F(SqliteStoreTest, FailedMigrationLeavesThePreviousVersionWhole) {
  {
    auto v1 = open(withMigrateTo(1));
    ASSERT_TRUE(v1);
    ASSERT_TRUE(v1->execute(kV1Rows).ok());
    // An object in the way of migration 2's second index (its ALTERs come before).
    ASSERT_TRUE(v1->execute("CREATE INDEX events_observed ON events (severity)").ok());
  }
  auto failed = SqliteStore::open(path_);
  ASSERT_FALSE(failed.ok());
  EXPECT_NE(failed.error().message.find("schema version 2"), std::string::npos)
      << failed.error().message;
  EXPECT_NE(failed.error().message.find("events_observed"), std::string::npos)
      << failed.error().message;

  auto v1 = open(withMigrateTo(1));
  ASSERT_TRUE(v1);
  auto version = v1->schemaVersion();
  ASSERT_TRUE(version.ok());
  EXPECT_EQ(*version, 1);
  // Not even the ALTER TABLEs that ran before the failure remain.
  EXPECT_FALSE(v1->execute("SELECT last_error FROM outbox").ok());
  ASSERT_TRUE(v1->execute("DROP INDEX events_observed").ok());
  v1.reset();
  auto store = open();
  ASSERT_TRUE(store);
  EXPECT_EQ(allEvents(*store).size(), 2u);
}

TEST_F(SqliteStoreTest, RefusesADatabaseFromANewerZonewatch) {
  {
    auto store = open();
    ASSERT_TRUE(store);
    ASSERT_TRUE(store->commit(observation("example.com.", 200, "{}")).ok());
    ASSERT_TRUE(store->execute("PRAGMA user_version = 99").ok());
  }
  auto refused = SqliteStore::open(path_);
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.error().message.find("schema version 99"), std::string::npos)
      << refused.error().message;
  EXPECT_NE(refused.error().message.find("newer"), std::string::npos);
  auto readOnly = SqliteStore::open(path_, withReadOnly());
  EXPECT_FALSE(readOnly.ok());
}

TEST_F(SqliteStoreTest, RefusesFilesThatAreNotZonewatchDatabases) {
  {
    auto store = open(withMigrateTo(1));
    ASSERT_TRUE(store);
    ASSERT_TRUE(store->execute("PRAGMA application_id = 42").ok());
  }
  auto foreign = SqliteStore::open(path_);
  ASSERT_FALSE(foreign.ok());
  EXPECT_NE(foreign.error().message.find("not a zonewatch database"), std::string::npos)
      << foreign.error().message;

  const std::string text = dir_ + "/notes.txt";
  std::ofstream(text) << std::string(4096, 'x');
  auto garbage = SqliteStore::open(text);
  ASSERT_FALSE(garbage.ok());
  EXPECT_NE(garbage.error().message.find("SQLITE_NOTADB"), std::string::npos)
      << garbage.error().message;

  auto missing = SqliteStore::open(dir_ + "/absent.sqlite", withReadOnly());
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.error().message.find("SQLITE_CANTOPEN"), std::string::npos)
      << missing.error().message;
  EXPECT_FALSE(fs::exists(dir_ + "/absent.sqlite"));
}

TEST_F(SqliteStoreTest, FullDiskFailsCleanlyKeepsEverythingAndRecovers) {
  auto store = open();
  ASSERT_TRUE(store);
  for (int i = 0; i < 20; ++i) {
    const std::string domain = "d" + std::to_string(i) + ".example.";
    ASSERT_TRUE(
        store
            ->commit(observation(domain, 200, "{\"i\":" + std::to_string(i) + "}",
                                 {eventFor("e" + std::to_string(i), domain, 200)}, {"webhook"}))
            .ok());
  }
  // The cap cannot go below the current size: asking for 1 page pins the database where it is.
  auto cap = store->setMaxPageCount(1);
  ASSERT_TRUE(cap.ok()) << cap.error().message;
  EXPECT_GT(*cap, 1);

  ObservationCommit big = observation("big.example.", 300, R"({"big":true})",
                                      {eventFor("big-1", "big.example.", 300)}, {"webhook"});
  big.evidence = incompressible(256 * 1024);
  auto full = store->commit(big);
  ASSERT_FALSE(full.ok());
  // Said plainly, for the log: what happened and to which database.
  EXPECT_TRUE(full.error().message.starts_with("disk full: ")) << full.error().message;
  EXPECT_NE(full.error().message.find(path_), std::string::npos) << full.error().message;
  EXPECT_NE(full.error().message.find("(SQLITE_FULL) while committing big.example."),
            std::string::npos)
      << full.error().message;

  // A batch that runs out of room part-way stores none of it.
  std::vector<ObservationCommit> batch;
  for (int i = 0; i < 40; ++i) {
    ObservationCommit c = observation("batch" + std::to_string(i) + ".example.", 300, "{}");
    c.evidence = incompressible(8 * 1024, static_cast<unsigned>(i));
    batch.push_back(std::move(c));
  }
  auto fullBatch = store->commitBatch(batch);
  ASSERT_FALSE(fullBatch.ok());
  EXPECT_NE(fullBatch.error().message.find("SQLITE_FULL"), std::string::npos);

  // Nothing committed before is lost, nothing of the failed commits is there.
  auto check = store->integrityCheck();
  ASSERT_TRUE(check.ok());
  EXPECT_EQ(*check, "ok");
  auto stats = store->stats();
  ASSERT_TRUE(stats.ok());
  EXPECT_EQ(stats->domains, 20);
  EXPECT_EQ(stats->snapshots, 20);
  EXPECT_EQ(stats->events, 20);
  EXPECT_EQ(stats->outboxPending, 20);
  auto d7 = store->domain("d7.example.");
  ASSERT_TRUE(d7.ok() && d7->has_value());
  EXPECT_EQ((*d7)->stateJson, R"({"i":7})");

  // Room again: the same commits go through on the same connection.
  auto raised = store->setMaxPageCount(1 << 20);
  ASSERT_TRUE(raised.ok());
  EXPECT_EQ(*raised, 1 << 20);
  ASSERT_TRUE(store->commit(big).ok());
  ASSERT_TRUE(store->commitBatch(batch).ok());
  auto snaps = store->snapshots("big.example.", 1);
  ASSERT_TRUE(snaps.ok());
  ASSERT_EQ(snaps->size(), 1u);
  EXPECT_EQ((*snaps)[0].evidence.size(), 256u * 1024u);
  stats = store->stats();
  ASSERT_TRUE(stats.ok());
  EXPECT_EQ(stats->domains, 61);
  store.reset();

  auto reopened = open();
  ASSERT_TRUE(reopened);
  check = reopened->integrityCheck();
  ASSERT_TRUE(check.ok());
  EXPECT_EQ(*check, "ok");
  EXPECT_EQ(allEvents(*reopened).size(), 21u);
}

// ---- crash safety
// --------------------------------------------------------------------------------
constexpr int kCrashDomains = 25;

std::string crashDomain(int64_t seq) {
  return "d" + std::to_string(seq % kCrashDomains) + ".crash.";
}

// The child: commits forever, acknowledging each sequence number on the pipe once commit()
// returned. Never returns.
[[noreturn]] void commitUntilKilled(const std::string& path, int64_t firstSeq, int ackFd) {
  auto store = openSqliteStore(path);
  if (!store) _exit(2);
  // Enough volume for WAL checkpoints to happen, after compression too.
  const std::string evidence = incompressible(3000);
  for (int64_t seq = firstSeq; seq < firstSeq + 10'000'000; ++seq) {
    const std::string domain = crashDomain(seq);
    ObservationCommit c =
        observation(domain, seq, "{\"seq\":" + std::to_string(seq) + "}",
                    {eventFor("seq-" + std::to_string(seq), domain, seq)}, {"webhook"});
    c.row.failures = static_cast<int>(seq % 7);
    c.evidence = evidence;
    if (!(*store)->commit(c)) _exit(3);
    if (write(ackFd, &seq, sizeof seq) != static_cast<ssize_t>(sizeof seq)) _exit(4);
  }
  _exit(5);
}

TEST_F(SqliteStoreTest, EveryAcknowledgedCommitSurvivesSigkill) {
  const unsigned seed = std::random_device{}();
  SCOPED_TRACE("seed " + std::to_string(seed));
  std::mt19937 rng(seed);
  std::set<int64_t> acked;
  std::map<std::string, int64_t> latestAcked;  // per domain

  for (int round = 0; round < 5; ++round) {
    int fds[2];
    ASSERT_EQ(pipe(fds), 0);
    const int64_t firstSeq = (round + 1) * 1'000'000;
    const pid_t child = fork();
    ASSERT_GE(child, 0);
    if (child == 0) {
      close(fds[0]);
      commitUntilKilled(path_, firstSeq, fds[1]);
    }
    close(fds[1]);
    // Kill after a random number of acknowledged commits plus a random delay, so that the kill
    // lands anywhere in a commit (including during checkpoints).
    const int wantAcks = std::uniform_int_distribution<int>(1, 400)(rng);
    const int delayUs = std::uniform_int_distribution<int>(0, 3000)(rng);
    int got = 0;
    bool childAlive = true;
    while (got < wantAcks) {
      int64_t seq = 0;
      const ssize_t n = read(fds[0], &seq, sizeof seq);
      if (n != static_cast<ssize_t>(sizeof seq)) {
        childAlive = false;
        break;
      }
      acked.insert(seq);
      latestAcked[crashDomain(seq)] = seq;
      ++got;
    }
    if (childAlive) {
      usleep(static_cast<useconds_t>(delayUs));
      ASSERT_EQ(kill(child, SIGKILL), 0);
    }
    int status = 0;
    ASSERT_EQ(waitpid(child, &status, 0), child);
    ASSERT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL)
        << "the child stopped by itself, status " << status;
    // Acknowledgements written before the kill are still in the pipe.
    for (;;) {
      int64_t seq = 0;
      if (read(fds[0], &seq, sizeof seq) != static_cast<ssize_t>(sizeof seq)) break;
      acked.insert(seq);
      latestAcked[crashDomain(seq)] = seq;
    }
    close(fds[0]);

    auto store = openSqliteStore(path_);
    ASSERT_TRUE(store.ok()) << store.error().message;
    auto check = (*store)->integrityCheck();
    ASSERT_TRUE(check.ok()) << check.error().message;
    ASSERT_EQ(*check, "ok") << "round " << round;
    std::set<int64_t> stored;
    for (const EventRow& e : allEvents(**store)) stored.insert(std::stoll(e.uid.substr(4)));
    for (int64_t seq : acked) {
      ASSERT_TRUE(stored.count(seq)) << "acknowledged commit " << seq << " lost in round " << round;
    }
    // Each domain holds its latest acknowledged state or a later one (committed, not yet
    // acknowledged when the kill came), never an older one.
    for (const auto& [domain, seq] : latestAcked) {
      auto row = (*store)->domain(domain);
      ASSERT_TRUE(row.ok() && row->has_value()) << domain;
      EXPECT_GE((*row)->lastSeen, seq) << domain;
      auto snaps = (*store)->snapshots(domain, 1);
      ASSERT_TRUE(snaps.ok() && !snaps->empty());
      EXPECT_EQ((*snaps)[0].stateJson, (*row)->stateJson);
    }
  }
  EXPECT_GE(acked.size(), 5u);
}

}  // namespace
}  // namespace zonewatch::storage
