// The iterator's (monitor/probe/iterator.cpp) less travelled paths, each with the result a caller
// sees: a parent server that serves the domain too, a name that is not delegated, a root server
// that also serves the domain (the tld. cut found by a probe, on other servers), a probe nobody
// answers, the host-address cache and its TTL, nested glueless NS hosts at the depth cap, and the
// work budget's caps on host lookups and queries. Found unrun by the coverage table
// (tests/coverage/report.sh); the referral caps and the glue filter are iterator_test.cpp's.
//
// Unsigned zones on the fake engine (fake_engine.h): no network, no keys. The hierarchy is
// . (192.0.2.1) -> tld. (192.0.2.10) -> child.tld. (192.0.2.21), one server per zone.
#include <gtest/gtest.h>

#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "monitor/probe/iterator.h"
#include "monitor/util/clock.h"
#include "tests/unit/monitor/probe/fake_engine.h"
#include "tests/unit/monitor/probe/probe_test_util.h"

namespace zonewatch::probe {
namespace {

using testing::FakeEngine;
using testing::FakeZone;
using testing::Misbehaviour;
using testing::name;
using testing::set;
using testing::zone;

constexpr int64_t kNow = 1'800'000'000;
// Polls of the fake engine before a test gives up waiting for a callback; every walk here needs
// a few dozen at most.
constexpr int kMaxPolls = 1000;
constexpr std::string_view kRoot = "192.0.2.1";
constexpr std::string_view kTld = "192.0.2.10";
constexpr std::string_view kChild = "192.0.2.21";
constexpr std::string_view kBehind = "192.0.2.40";  // nestedGluelessHosts()

std::string str(std::string_view s) {
  return std::string(s);
}

bool contains(const std::string& text, std::string_view part) {
  return text.find(part) != std::string::npos;
}

class IteratorPathsTest : public ::testing::Test {
 protected:
  IteratorPathsTest() : clock_(kNow), cache_(clock_) {
    FakeZone root = zone(".", "ns.root.", kRoot);
    root.put(set("tld. 86400 IN NS ns.tld."));
    root.put(set("ns.tld. 86400 IN A 192.0.2.10"));
    FakeZone tld = zone("tld.", "ns.tld.", kTld);
    tld.put(set("child.tld. 3600 IN NS ns1.child.tld."));
    tld.put(set("ns1.child.tld. 3600 IN A 192.0.2.21"));
    tld.put(set("www.tld. 3600 IN A 192.0.2.80"));  // inside tld., no cut
    engine_.servers[str(kRoot)].zones.push_back(std::move(root));
    engine_.servers[str(kTld)].zones.push_back(std::move(tld));
    engine_.servers[str(kChild)].zones.push_back(childZone());
  }

  static FakeZone childZone() { return zone("child.tld.", "ns1.child.tld.", kChild); }
  FakeZone& zoneAt(std::string_view address, std::string_view apex) {
    return engine_.servers.at(str(address)).zone(name(apex));
  }

  Iterator& iterator(IteratorOptions options = ipv4Only()) {
    cache_.setRoot(
        ZoneCut{dns::Name(),
                {NameServer{name("ns.root."), {resolver::ServerAddress::make(kRoot).value()}}},
                0});
    iterator_.emplace(engine_, cache_, options);
    return *iterator_;
  }

  static IteratorOptions ipv4Only() {
    IteratorOptions options;
    options.ipv6 = false;
    return options;
  }

  template <class T>
  T run(std::optional<T>& out) {
    for (int i = 0; i < kMaxPolls && !out && engine_.pending() > 0; ++i) {
      engine_.pollOnce(std::chrono::milliseconds(100));
    }
    if (!out) throw std::logic_error("the iterator did not call back");
    return *out;
  }

  Result<DelegationPath, WalkError> walk(std::string_view domain, BudgetPtr budget = {}) {
    std::optional<Result<DelegationPath, WalkError>> out;
    iterator_->findDelegation(
        name(domain), [&out](Result<DelegationPath, WalkError> r) { out = r; }, budget);
    return run(out);
  }

  Result<std::vector<resolver::ServerAddress>, WalkError> lookup(std::string_view host) {
    std::optional<Result<std::vector<resolver::ServerAddress>, WalkError>> out;
    iterator_->resolveHost(name(host), [&out](auto r) { out = r; });
    return run(out);
  }

  static std::vector<std::string> zones(const DelegationPath& path) {
    std::vector<std::string> out;
    for (const auto& cut : path.path) out.push_back(cut.zone.toString());
    return out;
  }

  // a.tld. is served by ns.b.tld., b.tld. by ns2.c.tld., neither with glue; c.tld. (glue for
  // ns1.c.tld.) and every zone behind it are on 192.0.2.40. Resolving ns.b.tld. therefore needs
  // ns2.c.tld. resolved first: two NS host lookups, one nested in the other. www.a.tld. is
  // delegated from a.tld. to ns.www.a.tld. (with glue).
  void nestedGluelessHosts() {
    FakeZone& tld = zoneAt(kTld, "tld.");
    tld.put(set("a.tld. 3600 IN NS ns.b.tld."));
    tld.put(set("b.tld. 3600 IN NS ns2.c.tld."));
    tld.put(set("c.tld. 3600 IN NS ns1.c.tld."));
    tld.put(set("ns1.c.tld. 3600 IN A 192.0.2.40"));
    FakeZone c = zone("c.tld.", "ns1.c.tld.", kBehind);
    c.put(set("ns2.c.tld. 3600 IN A 192.0.2.40"));
    FakeZone b = zone("b.tld.", "ns2.c.tld.", kBehind);
    b.put(set("ns.b.tld. 3600 IN A 192.0.2.40"));
    FakeZone a = zone("a.tld.", "ns.b.tld.", kBehind);
    a.put(set("www.a.tld. 3600 IN NS ns.www.a.tld."));
    a.put(set("ns.www.a.tld. 3600 IN A 192.0.2.41"));
    auto& server = engine_.servers[str(kBehind)];
    for (auto* z : {&c, &b, &a}) server.zones.push_back(std::move(*z));
  }

  FixedClock clock_;
  DelegationCache cache_;
  FakeEngine engine_;
  std::optional<Iterator> iterator_;
};

TEST_F(IteratorPathsTest, AParentServerThatServesTheDomainTooAnswersWithItsOwnNsSet) {
  engine_.servers.at(str(kTld)).zones.push_back(childZone());
  iterator();
  auto found = walk("child.tld.");
  ASSERT_TRUE(found.ok()) << found.error().message;
  EXPECT_TRUE(found->sharedServers);
  EXPECT_EQ(zones(*found), (std::vector<std::string>{".", "tld."}));
  EXPECT_EQ(found->referral.zone, name("child.tld."));
  EXPECT_EQ(found->referral.ns, std::vector<dns::Name>{name("ns1.child.tld.")});
  ASSERT_TRUE(found->answer.has_value());
  EXPECT_TRUE(found->answer->aa) << "the server's own, authoritative NS answer";
  EXPECT_EQ(engine_.count(std::nullopt, str(kChild)), 0U);
}

TEST_F(IteratorPathsTest, ANameInsideItsParentZoneIsNotDelegated) {
  iterator();
  auto found = walk("www.tld.");
  ASSERT_FALSE(found.ok());
  EXPECT_EQ(found.error().kind, WalkError::Kind::kNotDelegated);
  EXPECT_EQ(toCode(found.error().kind), "not_delegated");
  EXPECT_EQ(found.error().message,
            "www.tld. is not delegated: tld. answers for it as part of its own zone");
}

// The root's server also serves child.tld. and answers for it from there; tld. is delegated to
// other servers. The walk must find tld. between them and take the delegation from tld.'s
// server, not the child's own NS set from the root's.
TEST_F(IteratorPathsTest, ARootServerThatServesTheDomainStillFindsTheTldCutOnItsOwnServers) {
  engine_.servers.at(str(kRoot)).zones.push_back(childZone());
  iterator();
  auto found = walk("child.tld.");
  ASSERT_TRUE(found.ok()) << found.error().message;
  EXPECT_FALSE(found->sharedServers);
  EXPECT_EQ(zones(*found), (std::vector<std::string>{".", "tld."}));
  ASSERT_EQ(found->path.back().servers.size(), 1U);
  EXPECT_EQ(found->path.back().servers[0].addresses[0].ip, kTld);
  EXPECT_EQ(found->referral.zone, name("child.tld."));
  ASSERT_EQ(found->referral.glue.size(), 1U);
  EXPECT_EQ(found->referral.glue[0].second.ip, kChild);
  // child.tld.'s NS at the root, the probe of tld., then child.tld.'s NS at tld.'s server.
  EXPECT_EQ(engine_.count(dns::RRType::NS, str(kRoot)), 2U);
  EXPECT_EQ(engine_.count(dns::RRType::NS, str(kTld)), 1U);
}

TEST_F(IteratorPathsTest, AProbeForASkippedCutThatNobodyAnswersEndsTheWalkAsUnreachable) {
  auto& root = engine_.servers.at(str(kRoot));
  root.zones.push_back(childZone());
  root.misbehaviour[{name("tld."), dns::RRType::NS}] = Misbehaviour{true, std::nullopt, false};
  iterator();
  auto found = walk("child.tld.");
  ASSERT_FALSE(found.ok());
  EXPECT_EQ(found.error().kind, WalkError::Kind::kUnreachable);
  EXPECT_EQ(toCode(found.error().kind), "unreachable");
  EXPECT_TRUE(contains(found.error().message,
                       "looking for a zone cut at tld.: cannot reach any "
                       "root server (ns.root. timeout)"))
      << found.error().message;
}

TEST_F(IteratorPathsTest, HostAddressesAreCachedForTheirTtl) {
  iterator();
  auto first = lookup("ns1.child.tld.");
  ASSERT_TRUE(first.ok()) << first.error().message;
  ASSERT_EQ(first->size(), 1U);
  EXPECT_EQ(first->front().ip, kChild);
  const size_t asked = engine_.log.size();
  EXPECT_EQ(asked, 3U) << "the root, tld. and the child's own server";

  clock_.advance(3599);
  auto cached = lookup("ns1.child.tld.");
  ASSERT_TRUE(cached.ok());
  EXPECT_EQ(*cached, *first);
  EXPECT_EQ(engine_.log.size(), asked) << "inside the TTL: no query";

  clock_.advance(2);
  auto again = lookup("ns1.child.tld.");
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(engine_.count(dns::RRType::A, str(kChild)), 2U) << "past the TTL: asked again";
}

TEST_F(IteratorPathsTest, NestedGluelessHostsAreResolvedUpToTheDepthCapAndNoDeeper) {
  nestedGluelessHosts();
  IteratorOptions options = ipv4Only();
  options.maxHostDepth = 1;
  iterator(options);
  auto found = walk("www.a.tld.");
  ASSERT_TRUE(found.ok()) << found.error().message;
  EXPECT_EQ(zones(*found), (std::vector<std::string>{".", "tld.", "a.tld."}));
  EXPECT_EQ(found->path.back().servers[0].addresses[0].ip, kBehind);
  EXPECT_EQ(found->referral.glue[0].second.ip, "192.0.2.41");

  cache_.clear();
  engine_.log.clear();
  options.maxHostDepth = 0;
  iterator(options);
  auto capped = walk("www.a.tld.");
  ASSERT_FALSE(capped.ok());
  EXPECT_EQ(capped.error().kind, WalkError::Kind::kBudget);
  EXPECT_EQ(toCode(capped.error().kind), "work_budget_exhausted");
  EXPECT_TRUE(contains(capped.error().message,
                       "name server host resolution nested deeper than 0 at ns.b.tld. -> "
                       "ns2.c.tld."))
      << capped.error().message;
  EXPECT_EQ(engine_.count(std::nullopt, str(kBehind)), 0U)
      << "the servers behind the nested hosts were never asked";
}

TEST_F(IteratorPathsTest, TheBudgetsCapOnHostLookupsStopsTheNestedOne) {
  nestedGluelessHosts();
  iterator();
  auto budget = std::make_shared<WorkBudget>(WorkLimits{400, 32, 64, 1});
  auto capped = walk("www.a.tld.", budget);
  ASSERT_FALSE(capped.ok());
  EXPECT_EQ(capped.error().kind, WalkError::Kind::kBudget);
  EXPECT_TRUE(contains(capped.error().message,
                       "not resolved: the observation's cap on NS hosts resolved was reached"))
      << capped.error().message;
  EXPECT_EQ(budget->cut(), std::vector<std::string>{"NS hosts resolved: the cap of 1 was reached"});
  EXPECT_EQ(budget->spent(WorkBudget::Kind::kHostLookups), 1);

  cache_.clear();
  iterator();
  auto enough = std::make_shared<WorkBudget>(WorkLimits{400, 32, 64, 2});
  auto found = walk("www.a.tld.", enough);
  ASSERT_TRUE(found.ok()) << found.error().message;
  EXPECT_TRUE(enough->cut().empty());
  EXPECT_EQ(enough->spent(WorkBudget::Kind::kHostLookups), 2);
}

TEST_F(IteratorPathsTest, TheBudgetsQueryCapLeavesTheRestUnasked) {
  iterator();
  auto budget = std::make_shared<WorkBudget>(WorkLimits{1, 32, 64, 16});
  auto capped = walk("child.tld.", budget);
  ASSERT_FALSE(capped.ok());
  EXPECT_EQ(capped.error().kind, WalkError::Kind::kUnreachable);
  EXPECT_EQ(capped.error().message,
            "cannot reach any server of tld. (ns.tld. not asked (query cap reached))");
  EXPECT_EQ(budget->cut(), std::vector<std::string>{"queries sent: the cap of 1 was reached"});
  EXPECT_EQ(engine_.log.size(), 1U) << "the root only";
}

// The codes observations and events carry (check-json.md): stable, one per kind.
TEST(WalkErrorCodes, EveryKindHasItsOwnStableCode) {
  using K = WalkError::Kind;
  EXPECT_EQ(toCode(K::kUnreachable), "unreachable");
  EXPECT_EQ(toCode(K::kNoSuchDomain), "nxdomain");
  EXPECT_EQ(toCode(K::kNotDelegated), "not_delegated");
  EXPECT_EQ(toCode(K::kRoot), "root");
  EXPECT_EQ(toCode(K::kTooManyReferrals), "too_many_referrals");
  EXPECT_EQ(toCode(K::kNsCycle), "ns_resolution_cycle");
  EXPECT_EQ(toCode(K::kBudget), "work_budget_exhausted");
}

}  // namespace
}  // namespace zonewatch::probe
