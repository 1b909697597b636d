// What the web tests share: a real SQLite store in a temporary directory, filled through the
// Store API with rows, snapshots and events shaped as the daemon writes them (the stored state is
// monitor/detect/domain_state.h's JSON, the server memory differ.h's).
#pragma once

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "storage/sqlite_store.h"
#include "storage/store.h"

namespace zonewatch::web::testing {

inline constexpr int64_t kNow = 1796000000;  // 2026-11-29T...

inline std::string stateJson(const std::string& ns, int dsTag, int keyTag) {
  return R"({"cds":[],"cds_delete":false,"cdnskey":[],"denial":"","dnskey":[{"algorithm":13,)"
         R"("flags":257,"tag":)" +
         std::to_string(keyTag) +
         R"(}],"ds":[{"algorithm":13,"digest":"AB12","digest_type":2,"key_tag":)" +
         std::to_string(dsTag) + R"(}],"glue":[{"addresses":["127.53.1.1"],"host":")" + ns +
         R"("}],"inconsistent":false,"operators":["lab."],"parent_ns":[")" + ns +
         R"("],"reason":"none","status":"secure"})";
}

// A chain summary (monitor/detect/chain_summary.h) as the daemon stores it: the root and `middle`
// secure, the domain `last` with `lastState`/`lastReason`; its DS 4242 (SHA-256) is the digest of
// its KSK 4242, its DS 7 (SHA-1) of no key.
inline std::string chainJson(const std::string& middle, const std::string& last,
                             const std::string& lastState, const std::string& lastReason) {
  return R"({"zones":[{"zone":".","state":"secure","reason":"none",)"
         R"("ds":[{"key_tag":20326,"algorithm":8,"digest_type":2,"matched":true}],)"
         R"("dnskey":[{"tag":20326,"flags":257,"algorithm":8},{"tag":38696,"flags":256,)"
         R"("algorithm":8}]},{"zone":")" +
         middle +
         R"(","state":"secure","reason":"none",)"
         R"("ds":[{"key_tag":31000,"algorithm":13,"digest_type":2,"matched":true}],)"
         R"("dnskey":[{"tag":31000,"flags":257,"algorithm":13}]},{"zone":")" +
         last + R"(","state":")" + lastState + R"(","reason":")" + lastReason +
         R"(","ds":[{"key_tag":7,"algorithm":13,"digest_type":1,"matched":false},)"
         R"({"key_tag":4242,"algorithm":13,"digest_type":2,"matched":true}],)"
         R"("dnskey":[{"tag":4242,"flags":257,"algorithm":13},{"tag":999,"flags":256,)"
         R"("algorithm":13}]}]})";
}

inline storage::ObservationCommit commitFor(const std::string& domain, model::SecurityState status,
                                            int64_t at) {
  storage::ObservationCommit c;
  c.row.domain = domain;
  c.row.firstSeen = at - 600;
  c.row.lastSeen = at;
  c.row.status = status;
  c.row.reason = status == model::SecurityState::kBogus ? model::SecurityReason::kDsMismatch
                                                        : model::SecurityReason::kNone;
  c.row.operatorsJson = R"(["example.net."])";
  c.row.rrsigExpiry = at + 86400 * 20;
  c.row.stateJson = stateJson("ns1." + domain, 4242, 4242);
  c.row.serversJson =
      R"({"servers":{"ns1.)" + domain + R"( 127.53.1.1":{"failures":0,"down":false}}})";
  c.snapshotStateJson = c.row.stateJson;
  c.evidence = domain + " 3600 IN NS ns1." + domain + "\n";
  c.observedAt = at;
  return c;
}

inline storage::NewEvent eventFor(const std::string& uid, const std::string& domain, int64_t at,
                                  model::EventKind kind = model::EventKind::kOperatorChanged) {
  storage::NewEvent e;
  e.uid = uid;
  e.domain = domain;
  e.observedAt = at;
  e.kind = kind;
  e.severity = model::Severity::kCritical;
  e.summary = "operators of " + domain + " changed";
  e.beforeJson = R"(["ns1.lab.","ns2.lab."])";
  e.afterJson = R"(["ns1.lab.","ns1.other-operator.lab."])";
  return e;
}

class StoreDir : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (std::filesystem::temp_directory_path() / "zw-web-XXXXXX").string();
    ASSERT_NE(::mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
    auto opened = storage::openSqliteStore(path());
    ASSERT_TRUE(opened) << opened.error().message;
    store_ = std::move(opened).value();
  }
  void TearDown() override {
    store_.reset();
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
  }
  std::string path() const { return (dir_ / "zonewatch.sqlite").string(); }
  void commit(const storage::ObservationCommit& c) {
    auto done = store_->commit(c);
    ASSERT_TRUE(done) << done.error().message;
  }

  std::filesystem::path dir_;
  std::unique_ptr<storage::Store> store_;
};

}  // namespace zonewatch::web::testing
