// The bailiwick rule on the addresses a domain's own servers give for its NS hosts
// (monitor/probe/prober.cpp, askHostAddresses): taken from the additional section of their NS
// answer for names inside the domain only, as the domain's zone speaks for nothing else (RFC 1034
// §4.2.1). They are what the parent's glue is held against (glue_mismatch), so an address for
// another zone's host would be compared as if the domain served it. Found missing by
// tests/mutation/spot_check.sh: with the filter gone, every prober test still passed.
//
// Unsigned zones on the fake engine (fake_engine.h), no network; validation is not looked at.
#include <gtest/gtest.h>

#include <string>
#include <string_view>
#include <vector>

#include "monitor/dnssec/trust_anchor.h"
#include "monitor/probe/operators.h"
#include "monitor/probe/prober.h"
#include "monitor/util/clock.h"
#include "tests/unit/monitor/probe/fake_engine.h"
#include "tests/unit/monitor/probe/probe_test_util.h"

namespace zonewatch::probe {

// The observation's records (monitor/model/observation.h).
using model::HostAddresses;
using model::Observation;
using model::ServerView;
namespace {

using testing::FakeEngine;
using testing::FakeZone;
using testing::name;
using testing::set;

constexpr int64_t kNow = 1'800'000'000;

TEST(ProberBailiwick, ServersAddressesForHostsOutsideTheDomainAreNotTaken) {
  FakeEngine engine;
  FakeZone root{dns::Name(), {}};
  root.put(set(". 86400 IN SOA ns.root. h. 1 7200 3600 1209600 3600"));
  root.put(set(". 86400 IN NS ns.root."));
  root.put(set("ns.root. 86400 IN A 192.0.2.1"));
  root.put(set("tld. 86400 IN NS ns.tld."));
  root.put(set("ns.tld. 86400 IN A 192.0.2.10"));
  engine.servers["192.0.2.1"].zones.push_back(std::move(root));

  FakeZone tld{name("tld."), {}};
  tld.put(set("tld. 86400 IN SOA ns.tld. h.tld. 1 7200 3600 1209600 3600"));
  tld.put(set("tld. 86400 IN NS ns.tld."));
  tld.put(set("ns.tld. 86400 IN A 192.0.2.10"));
  tld.put(set("child.tld. 3600 IN NS ns1.child.tld."));
  tld.put(set("ns1.child.tld. 3600 IN A 192.0.2.21"));
  engine.servers["192.0.2.10"].zones.push_back(std::move(tld));

  // The child's own NS set also names ns.evil.net., and the zone holds an address for it, which
  // the server therefore puts in the additional section of its NS answer.
  FakeZone child{name("child.tld."), {}};
  child.put(set("child.tld. 3600 IN SOA ns1.child.tld. h.child.tld. 1 7200 3600 1209600 3600"));
  child.put(set("child.tld. 3600 IN NS ns1.child.tld.\nchild.tld. 3600 IN NS ns.evil.net."));
  child.put(set("ns1.child.tld. 3600 IN A 192.0.2.21"));
  child.put(set("ns.evil.net. 3600 IN A 192.0.2.66"));
  engine.servers["192.0.2.21"].zones.push_back(std::move(child));

  FixedClock clock(kNow);
  DelegationCache cache(clock);
  cache.setRoot(
      ZoneCut{dns::Name(),
              {NameServer{name("ns.root."), {resolver::ServerAddress::make("192.0.2.1").value()}}},
              0});
  auto operators = OperatorResolver::load();
  ASSERT_TRUE(operators.ok()) << operators.error().message;
  ProbeOptions options;
  options.iterator.ipv6 = false;
  Prober prober(engine, cache, clock, dnssec::TrustAnchors::builtInRoot(), *operators, options);
  const Observation o = observeAll(prober, engine, {name("child.tld.")}).front();

  ASSERT_FALSE(o.error.has_value()) << *o.error;
  const ServerView* ns1 = nullptr;
  for (const auto& s : o.servers) {
    if (s.address == "192.0.2.21") ns1 = &s;
  }
  ASSERT_NE(ns1, nullptr);
  EXPECT_EQ(ns1->hostAddresses, (std::vector<HostAddresses>{{"ns1.child.tld.", {"192.0.2.21"}}}));
}

}  // namespace
}  // namespace zonewatch::probe
