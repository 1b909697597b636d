// What the storage tests share: rows, events and observations as the daemon writes them, evidence
// and states the size of real ones, and small queries over a store (store_contract_test.cpp runs
// against both backends, sqlite_store_test.cpp and pg_store_test.cpp against one each).
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <optional>
#include <random>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "storage/store.h"

namespace zonewatch::storage::storetest {

inline DomainRow rowFor(const std::string& domain, int64_t at, const std::string& state) {
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

inline NewEvent eventFor(const std::string& uid, const std::string& domain, int64_t at) {
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

inline ObservationCommit observation(const std::string& domain, int64_t at,
                                     const std::string& state, std::vector<NewEvent> events = {},
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
inline std::string incompressible(size_t size, unsigned seed = 1) {
  static constexpr std::string_view kAlphabet =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::mt19937 random(seed);
  std::string text(size, ' ');
  for (char& ch : text) ch = kAlphabet[random() % kAlphabet.size()];
  return text;
}

// Evidence as the daemon renders it (taken from a 10,000-domain lab run): 2.6 KB of records and
// signatures, the parent's repeated by each of its servers.
inline std::string realisticEvidence(const std::string& domain) {
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
inline std::string realisticState(const std::string& domain, int keyTag) {
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
// false condition is made an error: abs() of the smallest integer overflows ("integer overflow"
// in SQLite, "bigint out of range" in PostgreSQL). The subquery keeps PostgreSQL's planner from
// evaluating the constant branch, and so failing, before the condition is known.
template <class AnyStore>
bool holds(AnyStore& store, const std::string& condition) {
  return store
      .execute("SELECT CASE WHEN (" + condition +
               ") THEN 1 ELSE abs(-9223372036854775807 - (SELECT 1)) END")
      .ok();
}

inline std::string hex(std::span<const uint8_t> bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  for (uint8_t b : bytes) {
    out += kDigits[b >> 4];
    out += kDigits[b & 0xf];
  }
  return out;
}

inline EventQuery eventQuery(std::optional<std::string> domain, int64_t since, size_t limit,
                             bool newestFirst) {
  EventQuery q;
  q.domain = std::move(domain);
  q.since = since;
  q.limit = limit;
  q.newestFirst = newestFirst;
  return q;
}

inline std::vector<EventRow> allEvents(Store& store) {
  auto events = store.events(eventQuery(std::nullopt, 0, 1'000'000, false));
  EXPECT_TRUE(events.ok()) << events.error().message;
  return events.ok() ? *events : std::vector<EventRow>{};
}

}  // namespace zonewatch::storage::storetest
