// The iterator's guards against hostile or broken hierarchies (monitor/probe/iterator.cpp), each
// pinned where it fires: the referral cap of a delegation walk, of the cut probes after a
// shared-parent answer, and of an NS host's lookup (IteratorOptions::maxReferrals), and the
// bailiwick rule on a referral's glue. Found missing by tests/mutation/spot_check.sh: with each
// cap multiplied by 1000, or the glue filter gone, every prober test still passed.
//
// Unsigned zones on the fake engine (fake_engine.h): no network, no keys; a chain of one server
// per zone (192.0.2.x), so that each step of a walk is one query that the engine's log counts.
#include "monitor/probe/iterator.h"

#include <gtest/gtest.h>

#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "monitor/util/clock.h"
#include "tests/unit/monitor/probe/fake_engine.h"
#include "tests/unit/monitor/probe/probe_test_util.h"

namespace zonewatch::probe {
namespace {

using testing::FakeEngine;
using testing::FakeZone;
using testing::name;
using testing::set;
using testing::zone;

constexpr int64_t kNow = 1'800'000'000;
// Polls of the fake engine before a test gives up waiting for a callback; every walk here needs
// a few dozen at most.
constexpr int kMaxPolls = 1000;

// `child` delegated from `parent` to `ns` at `address`, with glue.
void delegate(FakeZone& parent, std::string_view child, std::string_view ns,
              std::string_view address) {
  parent.put(set(std::string(child) + " 3600 IN NS " + std::string(ns)));
  parent.put(set(std::string(ns) + " 3600 IN A " + std::string(address)));
}

class IteratorTest : public ::testing::Test {
 protected:
  IteratorTest() : clock_(kNow), cache_(clock_) {}

  // . (192.0.2.1) -> a. (.2) -> b.a. (.3) -> c.b.a. (.4) -> d.c.b.a. (.5), one referral each;
  // d.c.b.a. holds host.d.c.b.a. A 192.0.2.99.
  void chain() {
    FakeZone root = zone(".", "ns.root.", "192.0.2.1");
    delegate(root, "a.", "ns.a.", "192.0.2.2");
    FakeZone a = zone("a.", "ns.a.", "192.0.2.2");
    delegate(a, "b.a.", "ns.b.a.", "192.0.2.3");
    FakeZone b = zone("b.a.", "ns.b.a.", "192.0.2.3");
    delegate(b, "c.b.a.", "ns.c.b.a.", "192.0.2.4");
    FakeZone c = zone("c.b.a.", "ns.c.b.a.", "192.0.2.4");
    delegate(c, "d.c.b.a.", "ns.d.c.b.a.", "192.0.2.5");
    FakeZone d = zone("d.c.b.a.", "ns.d.c.b.a.", "192.0.2.5");
    d.put(set("host.d.c.b.a. 3600 IN A 192.0.2.99"));
    engine_.servers["192.0.2.1"].zones.push_back(std::move(root));
    engine_.servers["192.0.2.2"].zones.push_back(std::move(a));
    engine_.servers["192.0.2.3"].zones.push_back(std::move(b));
    engine_.servers["192.0.2.4"].zones.push_back(std::move(c));
    engine_.servers["192.0.2.5"].zones.push_back(std::move(d));
  }

  // The root's server also serves c.b.a. (as one server serves uk. and co.uk.), and c.b.a.
  // delegates d.c.b.a. to 192.0.2.5: asked about d.c.b.a., the root's server refers straight to
  // it, and the walk probes a., b.a. and c.b.a. for the cuts it skipped.
  void sharedParent() {
    FakeZone root = zone(".", "ns.root.", "192.0.2.1");
    FakeZone c = zone("c.b.a.", "ns.c.b.a.", "192.0.2.1");
    delegate(c, "d.c.b.a.", "ns.d.c.b.a.", "192.0.2.5");
    engine_.servers["192.0.2.1"].zones.push_back(std::move(root));
    engine_.servers["192.0.2.1"].zones.push_back(std::move(c));
    engine_.servers["192.0.2.5"].zones.push_back(zone("d.c.b.a.", "ns.d.c.b.a.", "192.0.2.5"));
  }

  Iterator iterator(int maxReferrals) {
    cache_.clear();
    cache_.setRoot(ZoneCut{
        dns::Name(),
        {NameServer{name("ns.root."), {resolver::ServerAddress::make("192.0.2.1").value()}}},
        0});
    engine_.log.clear();
    IteratorOptions options;
    options.ipv6 = false;
    options.maxReferrals = maxReferrals;
    return Iterator(engine_, cache_, options);
  }

  Result<DelegationPath, WalkError> walk(int maxReferrals, std::string_view domain) {
    Iterator it = iterator(maxReferrals);
    std::optional<Result<DelegationPath, WalkError>> out;
    it.findDelegation(name(domain), [&out](Result<DelegationPath, WalkError> r) { out = r; });
    for (int i = 0; i < kMaxPolls && !out && engine_.pending() > 0; ++i) {
      engine_.pollOnce(std::chrono::milliseconds(100));
    }
    if (!out) throw std::logic_error("the walk did not complete");
    return *out;
  }

  Result<std::vector<resolver::ServerAddress>, WalkError> lookup(int maxReferrals,
                                                                 std::string_view host) {
    Iterator it = iterator(maxReferrals);
    std::optional<Result<std::vector<resolver::ServerAddress>, WalkError>> out;
    it.resolveHost(name(host), [&out](auto r) { out = r; });
    for (int i = 0; i < kMaxPolls && !out && engine_.pending() > 0; ++i) {
      engine_.pollOnce(std::chrono::milliseconds(100));
    }
    if (!out) throw std::logic_error("the lookup did not complete");
    return *out;
  }

  FixedClock clock_;
  DelegationCache cache_;
  FakeEngine engine_;
};

TEST_F(IteratorTest, ReferralCapEndsAWalkDeeperThanIt) {
  chain();
  // Four referrals reach d.c.b.a.'s parent: the cap at 4 lets the walk through ...
  auto through = walk(4, "d.c.b.a.");
  ASSERT_TRUE(through.ok()) << through.error().message;
  EXPECT_EQ(through->referral.zone, name("d.c.b.a."));
  EXPECT_EQ(engine_.log.size(), 4U);
  // ... the cap at 3 ends it after three queries, before the fourth is sent.
  auto capped = walk(3, "d.c.b.a.");
  ASSERT_FALSE(capped.ok());
  EXPECT_EQ(capped.error().kind, WalkError::Kind::kTooManyReferrals);
  EXPECT_EQ(capped.error().message, "more than 3 referrals toward d.c.b.a.");
  EXPECT_EQ(engine_.log.size(), 3U);
}

TEST_F(IteratorTest, CutProbesCountAgainstTheReferralCap) {
  sharedParent();
  // One referral, three probes (a., b.a., c.b.a.: the last finds the cut), one more referral.
  auto through = walk(5, "d.c.b.a.");
  ASSERT_TRUE(through.ok()) << through.error().message;
  EXPECT_EQ(through->path.size(), 2U) << "the cut at c.b.a. was found";
  EXPECT_EQ(engine_.log.size(), 5U);
  // With 3, the probe of c.b.a. is the step too many: two probes sent, then the walk ends.
  auto capped = walk(3, "d.c.b.a.");
  ASSERT_FALSE(capped.ok());
  EXPECT_EQ(capped.error().kind, WalkError::Kind::kTooManyReferrals);
  EXPECT_EQ(capped.error().message, "more than 3 referrals and cut probes toward d.c.b.a.");
  EXPECT_EQ(engine_.log.size(), 3U);
}

TEST_F(IteratorTest, ReferralCapEndsAnNsHostLookupDeeperThanIt) {
  chain();
  // Four referrals and the answer from d.c.b.a.: five steps.
  auto found = lookup(5, "host.d.c.b.a.");
  ASSERT_TRUE(found.ok()) << found.error().message;
  ASSERT_EQ(found->size(), 1U);
  EXPECT_EQ(found->front().ip, "192.0.2.99");
  auto capped = lookup(4, "host.d.c.b.a.");
  ASSERT_FALSE(capped.ok());
  EXPECT_EQ(capped.error().kind, WalkError::Kind::kTooManyReferrals);
  EXPECT_EQ(capped.error().message, "too many referrals resolving host.d.c.b.a.");
  EXPECT_EQ(engine_.log.size(), 4U);
}

// A referral without glue whose NS hosts' addresses are already cached (a server of uk. that
// also serves co.uk. names hosts under uk. without adding their addresses): each cached lookup
// answers at once, and the cut must still be built, and the walk go on, exactly once. Building it
// once per host (and once more at the end) made one observation walk the rest of the way two or
// three times, pushed the cut twice onto the same path and fetched the chain twice into the same
// list: a bogus verdict (owner_mismatch) on a domain nothing was wrong with.
TEST_F(IteratorTest, AGluelessCutWhoseHostsAreCachedIsBuiltOnce) {
  FakeZone root = zone(".", "ns.root.", "192.0.2.1");
  root.put(set("a. 3600 IN NS ns1.other.\na. 3600 IN NS ns2.other."));
  FakeZone a = zone("a.", "ns1.other.", "192.0.2.2");
  delegate(a, "b.a.", "ns.b.a.", "192.0.2.3");
  engine_.servers["192.0.2.1"].zones.push_back(std::move(root));
  engine_.servers["192.0.2.2"].zones.push_back(std::move(a));
  Iterator it = iterator(8);
  for (std::string_view host : {"ns1.other.", "ns2.other."}) {
    cache_.storeHostAddresses(name(host), {resolver::ServerAddress::make("192.0.2.2").value()},
                              3600);
  }
  int calls = 0;
  std::optional<Result<DelegationPath, WalkError>> out;
  it.findDelegation(name("b.a."), [&](Result<DelegationPath, WalkError> r) {
    ++calls;
    out = std::move(r);
  });
  for (int i = 0; i < kMaxPolls && engine_.pending() > 0; ++i) {
    engine_.pollOnce(std::chrono::milliseconds(100));
  }
  ASSERT_TRUE(out.has_value());
  ASSERT_TRUE(out->ok()) << out->error().message;
  EXPECT_EQ(calls, 1);
  std::vector<std::string> zones;
  for (const auto& cut : (*out)->path) zones.push_back(cut.zone.toString());
  EXPECT_EQ(zones, (std::vector<std::string>{".", "a."}));
  EXPECT_EQ(engine_.log.size(), 2U) << "one question to the root, one to a.";
}

// RFC 1034 §4.2.1 and RFC 9471: a zone's referral may carry addresses only for names inside that
// zone; an address for another zone's host (ns.evil.net. from tld.'s server) is not glue, nor is
// an address for a host the referral does not name.
TEST(FindReferral, KeepsOnlyGlueInsideTheDelegatingZoneForItsOwnNsHosts) {
  dns::Message m;
  m.header.qr = true;
  m.authority = set("child.tld. 3600 IN NS ns1.child.tld.\n"
                    "child.tld. 3600 IN NS ns.evil.net.")
                    .records;
  for (std::string_view a :
       {"ns1.child.tld. 3600 IN A 192.0.2.21", "ns.evil.net. 3600 IN A 192.0.2.66",
        "www.child.tld. 3600 IN A 192.0.2.77"}) {
    m.additional.push_back(set(a).records.front());
  }
  auto referral = findReferral(m, name("tld."), name("child.tld."));
  ASSERT_TRUE(referral.has_value());
  EXPECT_EQ(referral->zone, name("child.tld."));
  EXPECT_EQ(referral->ns, (std::vector<dns::Name>{name("ns1.child.tld."), name("ns.evil.net.")}));
  ASSERT_EQ(referral->glue.size(), 1U);
  EXPECT_EQ(referral->glue[0].first, name("ns1.child.tld."));
  EXPECT_EQ(referral->glue[0].second.ip, "192.0.2.21");
}

}  // namespace
}  // namespace zonewatch::probe
