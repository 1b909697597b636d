// What the daemon's tests (daemon_test.cpp, daemon_rounds_test.cpp, daemon_storage_test.cpp)
// share: a temporary directory of its own for each test, with the paths of the database and the
// configuration file in it; for the tests of scripted rounds, their clock, a piece of their
// observations and the database read back; and the daemon's log (stderr) captured into a file
// while a test looks at it.
#pragma once

#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "monitor/model/observation.h"
#include "storage/sqlite_store.h"
#include "storage/store.h"

namespace zonewatch::testutil {

// A new directory PREFIX-XXXXXX in the system's temporary directory (mkdtemp); an empty path when
// it cannot be created.
inline std::filesystem::path makeTempDir(const std::string& prefix) {
  std::string pattern = (std::filesystem::temp_directory_path() / (prefix + "-XXXXXX")).string();
  if (::mkdtemp(pattern.data()) == nullptr) return {};
  return pattern;
}

// The parent's one server in a scripted observation (a.nic.example., 192.0.2.1), serving the NS
// and DS RRsets of `parent`.
inline model::ParentServer parentServer(const model::ParentView& parent) {
  model::ParentServer p;
  p.name = "a.nic.example.";
  p.address = "192.0.2.1";
  p.ns = parent.ns;
  p.ds = parent.ds;
  return p;
}

// A test in a new temporary directory (dir_, PREFIX-XXXXXX), removed with everything in it after
// the test; database_ and configPath_ are where the test's database and configuration go. A
// subclass that overrides SetUp() or TearDown() calls these.
class DaemonFixture : public ::testing::Test {
 protected:
  explicit DaemonFixture(std::string prefix) : prefix_(std::move(prefix)) {}

  void SetUp() override {
    dir_ = makeTempDir(prefix_);
    ASSERT_FALSE(dir_.empty()) << "cannot create a temporary directory " << prefix_ << "-XXXXXX";
    database_ = (dir_ / "zonewatch.sqlite").string();
    configPath_ = (dir_ / "zonewatch.yaml").string();
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::filesystem::path dir_;
  std::string database_, configPath_;

 private:
  std::string prefix_;
};

// A test of `run --once` rounds whose observations are scripted (RunOptions::observer) at t_, and
// of what they leave in the database (store(), opened by the test when it first reads it). t_
// starts in the past, so that every event's outbox row is due at once (a row is due from its
// observation time) and well inside give_up_after, and so that a whole test's rounds (5 minutes
// apart) stay before the wall clock, which the daemon's retention counts from.
class ScriptedRoundsFixture : public DaemonFixture {
 protected:
  using DaemonFixture::DaemonFixture;

  void SetUp() override {
    ASSERT_NO_FATAL_FAILURE(DaemonFixture::SetUp());
    t_ = static_cast<int64_t>(std::time(nullptr)) - 20000;
  }
  void TearDown() override {
    store_.reset();
    DaemonFixture::TearDown();
  }

  storage::SqliteStore& store() {
    if (!store_) {
      auto s = storage::SqliteStore::open(database_);
      EXPECT_TRUE(s.ok()) << s.error().message;
      store_ = std::move(s).value();
    }
    return *store_;
  }

  std::unique_ptr<storage::SqliteStore> store_;
  int64_t t_ = 0;
};

// The names of the events `store` holds of `domain` (of every domain when empty), in its order.
inline std::vector<std::string> eventNames(storage::Store& store, const std::string& domain) {
  storage::EventQuery q;
  if (!domain.empty()) q.domain = domain;
  auto events = store.events(q);
  EXPECT_TRUE(events.ok());
  std::vector<std::string> out;
  if (events.ok()) {
    for (const auto& e : *events) out.push_back(e.name());
  }
  return out;
}

// The row `store` holds of `domain`; a failure of the test and an empty row when there is none.
inline storage::DomainRow domainRow(storage::Store& store, const std::string& domain) {
  auto r = store.domain(domain);
  EXPECT_TRUE(r.ok() && r->has_value()) << domain;
  return r.ok() && r->has_value() ? **r : storage::DomainRow{};
}

// Captures what the daemon logs (stderr) into a file while it lives.
class StderrCapture {
 public:
  explicit StderrCapture(std::string path) : path_(std::move(path)) {
    std::fflush(stderr);
    saved_ = ::dup(2);
    const int fd = ::open(path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    ::dup2(fd, 2);
    ::close(fd);
  }
  ~StderrCapture() {
    std::fflush(stderr);
    ::dup2(saved_, 2);
    ::close(saved_);
  }
  StderrCapture(const StderrCapture&) = delete;
  StderrCapture& operator=(const StderrCapture&) = delete;

  std::string text() const {
    std::fflush(stderr);
    std::ifstream in(path_);
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
  }

 private:
  std::string path_;
  int saved_ = -1;
};

}  // namespace zonewatch::testutil
