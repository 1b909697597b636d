// The prober and the iterator end to end, without a network: a signed root → tld. → child.tld.
// hierarchy (keys made per run by the dnssec signing fixture, clock pinned) served by the fake
// engine. Each test bends one server and looks at the observation, its findings and the queries
// that were sent.
#include "monitor/probe/prober.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "monitor/detect/findings.h"
#include "monitor/dns/canonical.h"
#include "monitor/dns/zone_reader.h"
#include "tests/unit/monitor/dnssec/signing_fixture.h"
#include "tests/unit/monitor/model/query_failure_text.h"
#include "tests/unit/monitor/probe/fake_engine.h"

namespace zonewatch::probe {

// The observation's records (monitor/model/observation.h).
using model::CdsCheck;
using model::Finding;
using model::Glue;
using model::HostAddresses;
using model::Observation;
using model::ServerView;
namespace {

using dnssec::testing::dsFor;
using dnssec::testing::Hierarchy;
using dnssec::testing::kNow;
using dnssec::testing::name;
using dnssec::testing::signedSet;
using dnssec::testing::TestKey;
using dnssec::testing::unsignedSet;
using testing::FakeEngine;
using testing::FakeServer;
using testing::FakeZone;
using testing::Misbehaviour;

constexpr std::string_view kRoot = "192.0.2.1";
constexpr std::string_view kTld = "192.0.2.10";
constexpr std::string_view kNs1 = "192.0.2.21";
constexpr std::string_view kNs2 = "192.0.2.22";

std::vector<dns::ResourceRecord> records(std::string_view text) {
  auto parsed = dns::readZoneText(text, "test");
  if (!parsed) throw std::runtime_error(parsed.error().message);
  return std::move(parsed).value();
}

dns::RRset set(std::string_view text) {
  return unsignedSet(records(text));
}

dns::RRset sign(std::string_view text, const TestKey& key) {
  return signedSet(records(text), {&key});
}

std::string str(std::string_view s) {
  return std::string(s);
}

// The hierarchy, its servers, and a prober over them. Each test changes what it needs, then
// observes.
class ProberTest : public ::testing::Test {
 protected:
  ProberTest() : clock_(kNow), cache_(clock_) {
    auto operators = OperatorResolver::load();
    if (!operators) throw std::runtime_error(operators.error().message);
    operators_.emplace(std::move(operators).value());

    FakeZone root{dns::Name(), {}};
    root.put(h_.rootDnskey);
    root.put(sign(". 86400 IN NS a.root.", h_.rootZsk));
    root.put(set("a.root. 86400 IN A 192.0.2.1"));
    root.put(set("tld. 86400 IN NS ns.tld."));
    root.put(h_.tldDs);
    root.put(set("ns.tld. 86400 IN A 192.0.2.10"));
    engine_.servers[str(kRoot)].zones.push_back(std::move(root));

    FakeZone tld{name("tld."), {}};
    tld.put(h_.tldDnskey);
    tld.put(sign("tld. 86400 IN SOA ns.tld. hostmaster.tld. 1 7200 3600 1209600 3600", h_.tldKey));
    tld.put(sign("tld. 86400 IN NS ns.tld.", h_.tldKey));
    tld.put(sign("ns.tld. 86400 IN A 192.0.2.10", h_.tldKey));
    tld.put(set("child.tld. 3600 IN NS ns1.child.tld.\nchild.tld. 3600 IN NS ns2.child.tld."));
    tld.put(h_.childDs);
    tld.put(set("ns1.child.tld. 3600 IN A 192.0.2.21"));
    tld.put(set("ns2.child.tld. 3600 IN A 192.0.2.22"));
    tld.put(set("other.tld. 3600 IN NS ns1.child.tld."));  // shares child.tld.'s first server
    engine_.servers[str(kTld)].zones.push_back(std::move(tld));

    for (auto address : {kNs1, kNs2}) {
      FakeServer& server = engine_.servers[str(address)];
      server.zones.push_back(childZone());
      server.zones.push_back(otherZone());
    }
  }

  FakeZone childZone() {
    FakeZone z{name("child.tld."), {}};
    z.put(h_.childDnskey);
    z.put(
        childSign("child.tld. 3600 IN SOA ns1.child.tld. hostmaster.child.tld. 7 7200 3600 "
                  "1209600 3600"));
    z.put(childSign("child.tld. 3600 IN NS ns1.child.tld.\nchild.tld. 3600 IN NS ns2.child.tld."));
    z.put(childSign("ns1.child.tld. 3600 IN A 192.0.2.21"));
    z.put(childSign("ns2.child.tld. 3600 IN A 192.0.2.22"));
    return z;
  }

  // An unsigned zone: the parent has no DS for it (and the fake gives no denial, so the chain
  // cannot tell; enough for what the tests of other.tld. look at).
  static FakeZone otherZone() {
    FakeZone z{name("other.tld."), {}};
    z.put(
        set("other.tld. 3600 IN SOA ns1.child.tld. hostmaster.other.tld. 1 7200 3600 1209600 "
            "3600"));
    z.put(set("other.tld. 3600 IN NS ns1.child.tld."));
    return z;
  }

  dns::RRset childSign(std::string_view text) { return sign(text, h_.childZsk); }

  FakeZone& child(std::string_view address) {
    return engine_.servers.at(str(address)).zone(name("child.tld."));
  }

  Observation observe(std::string_view domain = "child.tld.") {
    cache_.setRoot(ZoneCut{dns::Name(), {NameServer{name("a.root."), {address(kRoot)}}}, 0});
    Prober prober(engine_, cache_, clock_, h_.anchors(), *operators_, options_);
    auto observations = observeAll(prober, engine_, {name(domain)});
    detect::computeFindings(observations.front());
    return observations.front();
  }

  static resolver::ServerAddress address(std::string_view ip) {
    return resolver::ServerAddress::make(ip).value();
  }

  static const ServerView& server(const Observation& o, std::string_view address) {
    for (const auto& s : o.servers) {
      if (s.address == address) return s;
    }
    throw std::logic_error("no server " + str(address));
  }

  static std::vector<const Finding*> withCode(const Observation& o, std::string_view code) {
    std::vector<const Finding*> out;
    for (const Finding& f : o.findings) {
      if (model::toString(f.kind) == code) out.push_back(&f);
    }
    return out;
  }

  static std::string codes(const Observation& o) {
    std::string out;
    for (const Finding& f : o.findings)
      out += std::string(model::toString(f.kind)) + ": " + f.message + "\n";
    return out;
  }

  static std::vector<std::string> chainZones(const Observation& o) {
    std::vector<std::string> zones;
    for (const auto& step : o.chain) zones.push_back(step.zone);
    return zones;
  }

  // The root's server serves tld. too, as one server serves uk. and co.uk.: it answers a question
  // about child.tld. from tld., skipping the cut.
  void shareRootWithTld() {
    engine_.servers.at(str(kRoot))
        .zones.push_back(engine_.servers.at(str(kTld)).zone(name("tld.")));
  }

  // cyc.tld. is served by ns.loop.net. only, loop.net. by ns.cyc.tld. only, and no glue.
  void makeGluelessCycle() {
    constexpr std::string_view kNet = "192.0.2.30";
    auto& rootZone = engine_.servers.at(str(kRoot)).zone(dns::Name());
    rootZone.put(set("net. 86400 IN NS ns.net."));
    rootZone.put(set("ns.net. 86400 IN A 192.0.2.30"));
    FakeZone net{name("net."), {}};
    net.put(set("net. 86400 IN SOA ns.net. h.net. 1 7200 3600 1209600 3600"));
    net.put(set("net. 86400 IN NS ns.net."));
    net.put(set("loop.net. 3600 IN NS ns.cyc.tld."));
    engine_.servers[str(kNet)].zones.push_back(std::move(net));
    engine_.servers.at(str(kTld)).zone(name("tld.")).put(set("cyc.tld. 3600 IN NS ns.loop.net."));
  }

  ProbeOptions options_;
  Hierarchy h_;
  FixedClock clock_;
  DelegationCache cache_;
  FakeEngine engine_;
  std::optional<OperatorResolver> operators_;
};

bool contains(const std::string& text, std::string_view part) {
  return text.find(part) != std::string::npos;
}

TEST_F(ProberTest, HealthySignedDomainIsSecureWithoutFindings) {
  Observation o = observe();
  EXPECT_EQ(o.status, dnssec::State::kSecure) << o.detail;
  EXPECT_FALSE(o.error.has_value());
  EXPECT_TRUE(o.findings.empty()) << codes(o);
  ASSERT_EQ(o.servers.size(), 2u);
  for (const auto& s : o.servers) {
    EXPECT_FALSE(s.error.has_value())
        << s.address << ": " << zonewatch::testing::errorText(s.error);
    EXPECT_TRUE(s.failedQueries.empty());
    EXPECT_EQ(s.state, dnssec::State::kSecure) << s.detail;
  }
  // The chain's first step lists what points at the anchor zone: the configured anchor.
  ASSERT_FALSE(o.chain.empty());
  EXPECT_EQ(o.chain.front().zone, ".");
  EXPECT_EQ(o.chain.front().dsTags, std::vector<uint16_t>{h_.rootKsk.tag});
}

// The chain in full for the web page's diagram: each zone's DS set (the root's: the configured
// anchor), its DNSKEYs with flags and algorithm, and which DS is the digest of one of them.
TEST_F(ProberTest, TheChainNamesEachZonesDsKeysAndWhichDsPointsAtAKey) {
  Observation o = observe();
  ASSERT_EQ(chainZones(o), (std::vector<std::string>{".", "tld.", "child.tld."}));
  const std::vector<std::pair<uint16_t, std::vector<model::KeyInfo>>> expected = {
      {h_.rootKsk.tag, {{h_.rootKsk.tag, 257, 13}, {h_.rootZsk.tag, 256, 13}}},
      {h_.tldKey.tag, {{h_.tldKey.tag, 257, 15}}},
      {h_.childKsk.tag, {{h_.childKsk.tag, 257, 13}, {h_.childZsk.tag, 256, 13}}}};
  for (size_t i = 0; i < expected.size(); ++i) {
    const auto& step = o.chain[i];
    ASSERT_EQ(step.ds.size(), 1u) << step.zone;
    EXPECT_EQ(step.ds[0].keyTag, expected[i].first) << step.zone;
    EXPECT_EQ(step.ds[0].digestType, 2) << step.zone;
    EXPECT_EQ(step.dsMatched, step.ds) << step.zone;
    auto keys = expected[i].second;
    std::sort(keys.begin(), keys.end());
    EXPECT_EQ(step.dnskey, keys) << step.zone;
  }
}

// A DS naming the KSK by tag and algorithm but whose digest is of no key the zone serves points
// at nothing (RFC 4034 §5.1.4): only the other DS is listed as matched.
TEST_F(ProberTest, ADsWhoseDigestIsOfNoServedKeyIsNotMatched) {
  const auto forged = dns::ResourceRecord::make(
      name("child.tld."), dns::RRType::DS, 3600,
      dns::rdata::DS{h_.childKsk.tag, h_.childKsk.key.algorithm(), dns::digest::kSha256,
                     std::vector<uint8_t>(32, 0xAB)});
  engine_.servers.at(str(kTld))
      .zone(name("tld."))
      .put(signedSet({dsFor(h_.childKsk), forged}, {&h_.tldKey}));
  Observation o = observe();
  EXPECT_EQ(o.status, dnssec::State::kSecure) << o.detail;  // the other DS still matches
  ASSERT_EQ(o.chain.size(), 3u);
  const auto& step = o.chain.back();
  ASSERT_EQ(step.ds.size(), 2u);
  ASSERT_EQ(step.dsMatched.size(), 1u);
  EXPECT_EQ(step.dsMatched[0].keyTag, h_.childKsk.tag);
  std::string forgedHex;
  for (int i = 0; i < 32; ++i) forgedHex += "AB";
  EXPECT_NE(step.dsMatched[0].digest, forgedHex);
  EXPECT_TRUE(step.ds[0].digest == forgedHex || step.ds[1].digest == forgedHex);
}

TEST_F(ProberTest, HostAddressesComeFromTheAdditionalSectionAtNoExtraQuery) {
  Observation o = observe();
  for (auto address : {kNs1, kNs2}) {
    const auto& s = server(o, address);
    ASSERT_EQ(s.hostAddresses.size(), 2u) << address;
    EXPECT_EQ(s.hostAddresses[0], (HostAddresses{"ns1.child.tld.", {"192.0.2.21"}}));
    EXPECT_EQ(s.hostAddresses[1], (HostAddresses{"ns2.child.tld.", {"192.0.2.22"}}));
    // The five apex questions, nothing else: the NS answer carried the hosts' addresses.
    EXPECT_EQ(engine_.count(std::nullopt, str(address)), 5u) << address;
    EXPECT_EQ(engine_.count(dns::RRType::A, str(address)), 0u);
    EXPECT_EQ(engine_.count(dns::RRType::AAAA, str(address)), 0u);
  }
}

TEST_F(ProberTest, HostsTheAdditionalSectionLeavesOutAreAskedAAndAaaa) {
  engine_.servers.at(str(kNs2)).fillAdditional = false;
  child(kNs2).put(childSign("ns2.child.tld. 3600 IN AAAA 2001:db8::22"));
  Observation o = observe();
  const auto& s = server(o, kNs2);
  ASSERT_EQ(s.hostAddresses.size(), 2u);
  EXPECT_EQ(s.hostAddresses[0], (HostAddresses{"ns1.child.tld.", {"192.0.2.21"}}));
  EXPECT_EQ(s.hostAddresses[1], (HostAddresses{"ns2.child.tld.", {"192.0.2.22", "2001:db8::22"}}));
  EXPECT_EQ(engine_.count(dns::RRType::A, str(kNs2)), 2u);
  EXPECT_EQ(engine_.count(dns::RRType::AAAA, str(kNs2)), 2u);
  EXPECT_EQ(engine_.count(dns::RRType::A, str(kNs1)), 0u);
  // The parent's glue has no AAAA for ns2, ns2's own zone has one (at ns2 only): a mismatch.
  auto found = withCode(o, "glue_mismatch");
  ASSERT_EQ(found.size(), 1u) << codes(o);
  EXPECT_TRUE(contains(found[0]->message,
                       "{192.0.2.22, 2001:db8::22} at ns2.child.tld. "
                       "192.0.2.22"))
      << found[0]->message;
}

TEST_F(ProberTest, GlueThatDiffersFromTheChildsOwnAddressIsAMismatch) {
  // The lab's change-glue: the parent points ns2 elsewhere (a server that serves the same zone),
  // the zone itself still says 192.0.2.22.
  engine_.servers.at(str(kTld)).zone(name("tld.")).put(set("ns2.child.tld. 3600 IN A 192.0.2.23"));
  engine_.servers["192.0.2.23"] = engine_.servers.at(str(kNs2));
  Observation o = observe();
  EXPECT_EQ(o.status, dnssec::State::kSecure) << o.detail;
  ASSERT_EQ(o.parent.glue.size(), 2u);
  EXPECT_EQ(o.parent.glue[1], (Glue{"ns2.child.tld.", {"192.0.2.23"}}));
  auto found = withCode(o, "glue_mismatch");
  ASSERT_EQ(found.size(), 1u) << codes(o);
  EXPECT_EQ(found[0]->server, "ns2.child.tld.");
  EXPECT_TRUE(contains(found[0]->message,
                       "glue for ns2.child.tld. in tld. is {192.0.2.23} but "
                       "the domain's servers serve {192.0.2.22}"))
      << found[0]->message;
}

TEST_F(ProberTest, DnskeyServfailAtOneServerNamesItAndTheOtherDecides) {
  engine_.servers.at(str(kNs2)).misbehaviour[{name("child.tld."), dns::RRType::DNSKEY}] =
      Misbehaviour{false, 2, false};
  Observation o = observe();
  // A validating resolver asks the other server and validates: so does the verdict.
  EXPECT_EQ(o.status, dnssec::State::kSecure) << o.detail;
  const auto& s = server(o, kNs2);
  EXPECT_EQ(zonewatch::testing::errorText(s.error), "servfail");
  EXPECT_EQ(zonewatch::testing::failedTexts(s.failedQueries),
            std::vector<std::string>{"DNSKEY servfail"});
  EXPECT_EQ(s.rcode, 0);  // the SOA's
  auto found = withCode(o, "server_query_failed");
  ASSERT_EQ(found.size(), 1u) << codes(o);
  EXPECT_EQ(found[0]->server, "ns2.child.tld. 192.0.2.22");
  EXPECT_TRUE(contains(found[0]->message, "DNSKEY SERVFAIL")) << found[0]->message;
  EXPECT_TRUE(withCode(o, "servers_disagree").empty()) << codes(o);
  EXPECT_EQ(detect::nagiosStatus(o), detect::NagiosStatus::kWarning);
}

TEST_F(ProberTest, DnskeyFailingEverywhereMakesTheVerdictNameTheServers) {
  for (auto address : {kNs1, kNs2}) {
    engine_.servers.at(str(address)).misbehaviour[{name("child.tld."), dns::RRType::DNSKEY}] =
        Misbehaviour{false, 5, false};
  }
  Observation o = observe();
  EXPECT_EQ(o.status, dnssec::State::kIndeterminate);
  EXPECT_TRUE(contains(o.detail, "ns1.child.tld. 192.0.2.21: DNSKEY refused")) << o.detail;
  EXPECT_TRUE(contains(o.detail, "ns2.child.tld. 192.0.2.22: DNSKEY refused")) << o.detail;
  auto found = withCode(o, "validation_indeterminate");
  ASSERT_EQ(found.size(), 1u) << codes(o);
  EXPECT_TRUE(contains(found[0]->message, "ns2.child.tld. 192.0.2.22: DNSKEY refused"));
  EXPECT_EQ(withCode(o, "all_servers_unreachable").size(), 1u) << codes(o);
  EXPECT_EQ(detect::nagiosStatus(o), detect::NagiosStatus::kCritical);
}

// Issue 11: with 30% UDP loss, a question whose every UDP try was lost made the server's view
// incomplete, and with each server missing one question the domain read as unreachable. A
// question that times out over UDP at a server that answered others is asked once more over TCP.
size_t tcpQueriesTo(const FakeEngine& engine, std::string_view address) {
  return static_cast<size_t>(
      std::count_if(engine.log.begin(), engine.log.end(),
                    [&](const auto& q) { return q.tcpOnly && q.server.ip == address; }));
}

TEST_F(ProberTest, AQuestionLostOverUdpIsAskedAgainOverTcp) {
  Misbehaviour lost;
  lost.timeout = true;
  lost.overUdpOnly = true;
  engine_.servers.at(str(kNs2)).misbehaviour[{name("child.tld."), dns::RRType::DNSKEY}] = lost;
  Observation o = observe();
  EXPECT_EQ(o.status, dnssec::State::kSecure) << o.detail;
  const auto& s = server(o, kNs2);
  EXPECT_FALSE(s.error.has_value()) << zonewatch::testing::errorText(s.error);
  EXPECT_TRUE(s.failedQueries.empty());
  EXPECT_EQ(s.dnskey.size(), 2u);
  EXPECT_EQ(tcpQueriesTo(engine_, kNs2), 1u);
  EXPECT_EQ(tcpQueriesTo(engine_, kNs1), 0u);
  EXPECT_TRUE(o.findings.empty()) << codes(o);
}

TEST_F(ProberTest, AQuestionLostOverTcpTooIsATimeoutAfterOneTcpTry) {
  engine_.servers.at(str(kNs2)).misbehaviour[{name("child.tld."), dns::RRType::DNSKEY}] =
      Misbehaviour{true, std::nullopt, false};
  Observation o = observe();
  EXPECT_EQ(o.status, dnssec::State::kSecure) << o.detail;  // ns1 decides
  const auto& s = server(o, kNs2);
  EXPECT_EQ(zonewatch::testing::errorText(s.error), "timeout");
  EXPECT_EQ(zonewatch::testing::failedTexts(s.failedQueries),
            std::vector<std::string>{"DNSKEY timeout"});
  EXPECT_EQ(tcpQueriesTo(engine_, kNs2), 1u) << "one TCP try, not a loop";
}

TEST_F(ProberTest, AServerThatAnswersNothingIsNotAskedOverTcp) {
  engine_.servers.erase(str(kNs2));
  Observation o = observe();
  EXPECT_EQ(zonewatch::testing::errorText(server(o, kNs2).error), "timeout");
  EXPECT_EQ(tcpQueriesTo(engine_, kNs2), 0u) << "a server that is down costs no more than before";
}

TEST_F(ProberTest, AnswerWithoutAaToOneTypeIsLame) {
  engine_.servers.at(str(kNs1)).misbehaviour[{name("child.tld."), dns::RRType::NS}] =
      Misbehaviour{false, std::nullopt, true};
  Observation o = observe();
  EXPECT_EQ(o.status, dnssec::State::kSecure) << o.detail;
  const auto& s = server(o, kNs1);
  EXPECT_EQ(zonewatch::testing::errorText(s.error), "lame");
  EXPECT_EQ(zonewatch::testing::failedTexts(s.failedQueries), std::vector<std::string>{"NS lame"});
  auto found = withCode(o, "lame_server");
  ASSERT_EQ(found.size(), 1u) << codes(o);
  EXPECT_TRUE(contains(found[0]->message, "answered NS without the AA bit")) << found[0]->message;
}

TEST_F(ProberTest, CdsNodataIsNoFailureButCdsRefusedIs) {
  Observation o = observe();  // no CDS anywhere: NOERROR, no records
  for (const auto& s : o.servers) EXPECT_TRUE(s.failedQueries.empty()) << s.address;

  engine_.servers.at(str(kNs1)).misbehaviour[{name("child.tld."), dns::RRType::CDS}] =
      Misbehaviour{false, 5, false};
  o = observe();
  const auto& s = server(o, kNs1);
  EXPECT_FALSE(s.error.has_value());  // its validation data is whole
  EXPECT_EQ(zonewatch::testing::failedTexts(s.failedQueries),
            std::vector<std::string>{"CDS refused"});
  EXPECT_EQ(s.state, dnssec::State::kSecure);
  EXPECT_EQ(withCode(o, "server_query_failed").size(), 1u) << codes(o);
}

TEST_F(ProberTest, CdsAndCdnskeyOfThePublishedKskAreConsistent) {
  const auto ds = dsFor(h_.childKsk);
  auto cds = ds;
  cds.type = dns::RRType::CDS;
  auto cdnskey = h_.childKsk.dnskey;
  cdnskey.type = dns::RRType::CDNSKEY;
  for (auto address : {kNs1, kNs2}) {
    child(address).put(signedSet({cds}, {&h_.childZsk}));
    child(address).put(signedSet({cdnskey}, {&h_.childZsk}));
  }
  Observation o = observe();
  EXPECT_EQ(o.status, dnssec::State::kSecure) << o.detail;
  const auto& s = server(o, kNs1);
  ASSERT_EQ(s.cds.size(), 1u);
  EXPECT_EQ(s.cdsCheck, CdsCheck{});
  EXPECT_TRUE(o.findings.empty()) << codes(o);  // the CDS is the DS: no pending request either
}

TEST_F(ProberTest, CdsWithTheRightTagButAnotherDigestIsInconsistent) {
  // Key tag and algorithm of the KSK, digest of nothing: a tag/algorithm comparison passes it.
  auto cds = dsFor(h_.childKsk);
  auto data = std::get<dns::rdata::DS>(cds.data);
  data.digest.back() ^= 0xff;
  cds = dns::ResourceRecord::make(cds.owner, dns::RRType::CDS, 3600, data);
  for (auto address : {kNs1, kNs2}) child(address).put(signedSet({cds}, {&h_.childZsk}));
  Observation o = observe();
  const auto& s = server(o, kNs1);
  ASSERT_EQ(s.cdsCheck.cdsWithoutKey.size(), 1u);
  EXPECT_EQ(s.cdsCheck.cdsWithoutKey[0].keyTag, h_.childKsk.tag);
  auto found = withCode(o, "cds_inconsistent");
  ASSERT_EQ(found.size(), 1u) << codes(o);
  EXPECT_TRUE(contains(found[0]->message, "is the digest of no DNSKEY")) << found[0]->message;
  EXPECT_EQ(withCode(o, "cds_pending").size(), 1u) << codes(o);  // and it is not the DS
}

TEST_F(ProberTest, CdnskeyMustEqualAServedKeyAndMatchTheCds) {
  auto cds = dsFor(h_.childKsk);
  cds.type = dns::RRType::CDS;
  // The ZSK as CDNSKEY: a key the zone serves, but not the one the CDS describes.
  auto zsk = h_.childZsk.dnskey;
  zsk.type = dns::RRType::CDNSKEY;
  // And a key the zone does not serve at all.
  auto stranger = dnssec::testing::makeKey(name("child.tld."), h_.childKsk.key.algorithm()).dnskey;
  stranger.type = dns::RRType::CDNSKEY;
  for (auto address : {kNs1, kNs2}) {
    child(address).put(signedSet({cds}, {&h_.childZsk}));
    child(address).put(signedSet({zsk, stranger}, {&h_.childZsk}));
  }
  Observation o = observe();
  const CdsCheck& c = server(o, kNs1).cdsCheck;
  EXPECT_TRUE(c.cdsWithoutKey.empty());
  ASSERT_EQ(c.cdnskeyWithoutKey.size(), 1u);
  EXPECT_EQ(c.cdnskeyWithoutKey[0].tag, dns::keyTag(stranger.rdata));
  ASSERT_EQ(c.cdsWithoutCdnskey.size(), 1u);
  EXPECT_EQ(c.cdsWithoutCdnskey[0].keyTag, h_.childKsk.tag);
  EXPECT_EQ(c.cdnskeyWithoutCds.size(), 2u);
  auto found = withCode(o, "cds_inconsistent");
  ASSERT_EQ(found.size(), 2u) << codes(o);
}

TEST_F(ProberTest, DeleteRecordsAreRecognisedExactly) {
  for (auto address : {kNs1, kNs2}) {
    child(address).put(sign("child.tld. 3600 IN CDS 0 0 0 00", h_.childZsk));
    child(address).put(sign("child.tld. 3600 IN CDNSKEY 0 3 0 AA==", h_.childZsk));
  }
  Observation o = observe();
  const CdsCheck& c = server(o, kNs1).cdsCheck;
  EXPECT_TRUE(c.cdsDelete);
  EXPECT_TRUE(c.cdnskeyDelete);
  EXPECT_TRUE(c.cdsWithoutKey.empty() && c.cdnskeyWithoutKey.empty());
  EXPECT_EQ(withCode(o, "cds_delete").size(), 1u) << codes(o);
  EXPECT_TRUE(withCode(o, "cds_inconsistent").empty()) << codes(o);

  // Algorithm 0 with another key is not the delete form: it names no key.
  for (auto address : {kNs1, kNs2}) {
    child(address).remove(name("child.tld."), dns::RRType::CDS);
    child(address).put(sign("child.tld. 3600 IN CDNSKEY 0 3 0 AQ==", h_.childZsk));
  }
  o = observe();
  EXPECT_FALSE(server(o, kNs1).cdsCheck.cdnskeyDelete);
  EXPECT_EQ(server(o, kNs1).cdsCheck.cdnskeyWithoutKey.size(), 1u);
  EXPECT_TRUE(withCode(o, "cds_delete").empty()) << codes(o);
}

TEST_F(ProberTest, DelegationCacheIsSharedBetweenDomains) {
  Observation first = observe();
  const size_t rootQueries = engine_.count(std::nullopt, str(kRoot));
  ASSERT_GT(rootQueries, 0u);
  Observation second = observe("other.tld.");
  EXPECT_FALSE(second.error.has_value()) << *second.error;
  // The root's cut for tld. and its keys are cached: the second walk starts at tld.
  EXPECT_EQ(engine_.count(std::nullopt, str(kRoot)), rootQueries);
  EXPECT_EQ(engine_.count(dns::RRType::DNSKEY, str(kTld)), 1u);

  // A day later every entry has expired (tld. was cached for its 86400 s TTL, capped at a day).
  clock_.advance(86400);
  Observation third = observe();
  EXPECT_GT(engine_.count(std::nullopt, str(kRoot)), rootQueries);
}

// Issue 11: the engine shares its queue fairly between flows; each observation must be one flow,
// or one domain's 400 queries delay every other domain's.
TEST_F(ProberTest, EachObservationsQueriesShareOneFlowOfTheirOwn) {
  cache_.setRoot(ZoneCut{dns::Name(), {NameServer{name("a.root."), {address(kRoot)}}}, 0});
  Prober prober(engine_, cache_, clock_, h_.anchors(), *operators_, options_);
  observeAll(prober, engine_, {name("child.tld."), name("other.tld.")});
  // The questions about each domain itself (the walk's and the apex questions) are its own.
  std::map<std::string, std::set<uint64_t>> flows;
  for (const auto& q : engine_.log) {
    for (const char* domain : {"child.tld.", "other.tld."}) {
      if (q.name == name(domain)) flows[domain].insert(q.flow);
    }
  }
  ASSERT_EQ(flows["child.tld."].size(), 1u);
  ASSERT_EQ(flows["other.tld."].size(), 1u);
  EXPECT_NE(*flows["child.tld."].begin(), 0u);  // 0 is the untagged flow
  EXPECT_NE(*flows["child.tld."].begin(), *flows["other.tld."].begin());
}

TEST_F(ProberTest, NoQueryHasRecursionDesired) {
  observe();
  ASSERT_FALSE(engine_.log.empty());
  for (const auto& q : engine_.log) {
    EXPECT_FALSE(q.recursionDesired) << q.name.toString();
    EXPECT_TRUE(q.dnssecOk) << q.name.toString();
  }
}

TEST_F(ProberTest, FailuresOfTheWalkCarryNoReachabilityEdeUnlessThatIsWhatHappened) {
  // "." has no parent: an argument problem, not "No Reachable Authority".
  Observation o = observe(".");
  ASSERT_TRUE(o.error.has_value());
  EXPECT_FALSE(o.ede.has_value()) << *o.ede;

  o = observe("nosuch.tld.");
  ASSERT_TRUE(o.error.has_value());
  EXPECT_TRUE(contains(*o.error, "does not exist")) << *o.error;
  EXPECT_FALSE(o.ede.has_value()) << *o.ede;

  engine_.servers.erase(str(kRoot));  // the only root server is silent
  cache_.clear();
  o = observe();
  ASSERT_TRUE(o.error.has_value());
  EXPECT_EQ(o.ede, std::optional<uint16_t>(22));  // RFC 8914 §4.23 No Reachable Authority
  EXPECT_EQ(detect::nagiosStatus(o), detect::NagiosStatus::kUnknown);
}

TEST_F(ProberTest, EverySilentServerIsCritical) {
  engine_.servers.erase(str(kNs1));
  engine_.servers.erase(str(kNs2));
  Observation o = observe();
  EXPECT_FALSE(o.error.has_value());
  EXPECT_EQ(o.status, dnssec::State::kIndeterminate);
  EXPECT_EQ(withCode(o, "all_servers_unreachable").size(), 1u) << codes(o);
  EXPECT_EQ(detect::nagiosStatus(o), detect::NagiosStatus::kCritical);
  // The chain still ends at the domain's cut, with the DS its parent authenticated.
  ASSERT_EQ(chainZones(o), (std::vector<std::string>{".", "tld.", "child.tld."}));
  EXPECT_EQ(o.chain.back().state, dnssec::State::kIndeterminate);
  EXPECT_EQ(o.chain.back().dsTags, std::vector<uint16_t>{h_.childKsk.tag});
  EXPECT_TRUE(o.chain.back().dnskeyTags.empty());
}

// The shapes the Internet has and a lab with a server per zone hides (issue 10).

TEST_F(ProberTest, AServerOfTheRootThatAlsoServesTheTldSkipsNoCut) {
  shareRootWithTld();
  Observation o = observe();
  // Before cuts were found from the data, the root was taken as child.tld.'s parent and the DS,
  // signed by tld., read as bogus signer_mismatch.
  EXPECT_EQ(o.status, dnssec::State::kSecure) << o.detail;
  EXPECT_EQ(o.parent.zone, "tld.");
  EXPECT_EQ(chainZones(o), (std::vector<std::string>{".", "tld.", "child.tld."}));
  EXPECT_EQ(o.parent.ds.size(), 1u);
  EXPECT_TRUE(o.findings.empty()) << codes(o);
  // tld.'s DS came from the root's side of the shared server (RFC 4035 §3.1.4.1).
  ASSERT_EQ(o.chain.size(), 3u);
  EXPECT_EQ(o.chain[1].state, dnssec::State::kSecure);
  EXPECT_FALSE(o.chain[1].dsTags.empty());
}

TEST_F(ProberTest, AMultiLabelDelegationOverAnEmptyNonTerminalKeepsItsParent) {
  shareRootWithTld();
  // tld. delegates deep.sub.tld. itself; sub.tld. is no zone, only an empty non-terminal.
  for (auto address : {kRoot, kTld}) {
    engine_.servers.at(str(address))
        .zone(name("tld."))
        .put(set("deep.sub.tld. 3600 IN NS ns1.child.tld."));
  }
  Observation o = observe("deep.sub.tld.");
  EXPECT_FALSE(o.error.has_value()) << *o.error;
  EXPECT_EQ(o.parent.zone, "tld.");
  EXPECT_EQ(o.parent.ns, std::vector<std::string>{"ns1.child.tld."});
  ASSERT_GE(o.chain.size(), 2u);
  EXPECT_EQ(o.chain[0].zone, ".");
  EXPECT_EQ(o.chain[1].zone, "tld.");
}

TEST_F(ProberTest, KeysThatFailAtOneServerAreTakenFromAnother) {
  // A second server of tld. serves its DNSKEY RRset with expired signatures, and is asked first.
  constexpr std::string_view kStale = "192.0.2.11";
  auto& rootZone = engine_.servers.at(str(kRoot)).zone(dns::Name());
  rootZone.put(set("tld. 86400 IN NS a.ns.tld.\ntld. 86400 IN NS ns.tld."));
  rootZone.put(set("a.ns.tld. 86400 IN A 192.0.2.11"));
  FakeServer stale = engine_.servers.at(str(kTld));
  dnssec::testing::SignOptions expired;
  expired.inception = static_cast<uint32_t>(dnssec::testing::kNow - 60 * dnssec::testing::kDay);
  expired.expiration = static_cast<uint32_t>(dnssec::testing::kNow - 30 * dnssec::testing::kDay);
  stale.zone(name("tld.")).put(signedSet(h_.tldDnskey.records, {&h_.tldKey}, expired));
  engine_.servers[str(kStale)] = stale;

  Observation o = observe();
  EXPECT_EQ(o.status, dnssec::State::kSecure) << o.detail;
  EXPECT_EQ(engine_.count(dns::RRType::DNSKEY, str(kStale)), 1u);
  EXPECT_EQ(engine_.count(dns::RRType::DNSKEY, str(kTld)), 1u);
  // What was cached is the key set that validated, for its TTL.
  const ZoneKeysData* cached = cache_.zoneKeys(name("tld."));
  ASSERT_NE(cached, nullptr);
  ASSERT_TRUE(cached->dnskey.has_value());
  EXPECT_EQ(std::get<dns::rdata::RRSIG>(cached->dnskey->signatures.front().data).expiration,
            h_.tldDnskey.signatures.empty()
                ? 0u
                : std::get<dns::rdata::RRSIG>(h_.tldDnskey.signatures.front().data).expiration);
}

TEST_F(ProberTest, KeysBogusAtEveryServerAreKeptBrieflyOnly) {
  dnssec::testing::SignOptions expired;
  expired.inception = static_cast<uint32_t>(dnssec::testing::kNow - 60 * dnssec::testing::kDay);
  expired.expiration = static_cast<uint32_t>(dnssec::testing::kNow - 30 * dnssec::testing::kDay);
  engine_.servers.at(str(kTld))
      .zone(name("tld."))
      .put(signedSet(h_.tldDnskey.records, {&h_.tldKey}, expired));
  Observation o = observe();
  EXPECT_EQ(o.status, dnssec::State::kBogus);
  ASSERT_NE(cache_.zoneKeys(name("tld.")), nullptr);
  // The zone fixes its signatures: a minute later the domain is secure again, not after the
  // DNSKEY TTL (a day here).
  engine_.servers.at(str(kTld)).zone(name("tld.")).put(h_.tldDnskey);
  clock_.advance(61);
  EXPECT_EQ(cache_.zoneKeys(name("tld.")), nullptr);
  o = observe();
  EXPECT_EQ(o.status, dnssec::State::kSecure) << o.detail;
}

TEST_F(ProberTest, AGluelessNsCycleEndsWithItsReason) {
  makeGluelessCycle();
  Observation o = observe("cyc.tld.");
  EXPECT_FALSE(o.error.has_value()) << *o.error;
  ASSERT_EQ(o.servers.size(), 1u);
  EXPECT_EQ(zonewatch::testing::errorText(o.servers[0].error), "unresolved");
  EXPECT_EQ(o.servers[0].detail,
            "ns_resolution_cycle: ns.loop.net. -> ns.cyc.tld. -> ns.loop.net., and no glue "
            "breaks the cycle");
  EXPECT_TRUE(contains(o.detail, "ns_resolution_cycle: ns.loop.net. -> ")) << o.detail;
  EXPECT_EQ(withCode(o, "ns_resolution_cycle").size(), 1u) << codes(o);
  EXPECT_EQ(withCode(o, "all_servers_unreachable").size(), 1u) << codes(o);
  EXPECT_LT(engine_.log.size(), 40u);
}

TEST_F(ProberTest, TwoObservationsInsideOneCycleBothEnd) {
  makeGluelessCycle();
  // loop.net. is watched too: each observation's lookup needs the other's host.
  cache_.setRoot(ZoneCut{dns::Name(), {NameServer{name("a.root."), {address(kRoot)}}}, 0});
  Prober prober(engine_, cache_, clock_, h_.anchors(), *operators_, options_);
  auto observations = observeAll(prober, engine_, {name("cyc.tld."), name("loop.net.")});
  ASSERT_EQ(observations.size(), 2u);
  for (auto& o : observations) {
    detect::computeFindings(o);
    EXPECT_EQ(withCode(o, "ns_resolution_cycle").size(), 1u) << o.domain << "\n" << codes(o);
  }
}

TEST_F(ProberTest, ServersThatNeverAnswerEndAtTheDeadline) {
  options_.observationTimeout = std::chrono::seconds(5);
  engine_.servers.at(str(kNs1)).allSilent = true;
  engine_.servers.at(str(kNs2)).allSilent = true;
  const auto start = engine_.now();
  Observation o = observe();
  EXPECT_GE(engine_.now() - start, std::chrono::seconds(5));
  EXPECT_LE(engine_.now() - start, std::chrono::seconds(7));
  ASSERT_EQ(o.limits.size(), 1u);
  EXPECT_TRUE(o.limits[0].starts_with("observation_timeout")) << o.limits[0];
  EXPECT_EQ(withCode(o, "observation_limited").size(), 1u) << codes(o);
  EXPECT_EQ(withCode(o, "all_servers_unreachable").size(), 1u) << codes(o);
  for (const auto& s : o.servers)
    EXPECT_EQ(zonewatch::testing::errorText(s.error), "unanswered") << s.address;
  // The prober is gone; the queries it left are ended without reaching it.
  engine_.cancelAll();
  EXPECT_EQ(engine_.pending(), 0u);
}

TEST_F(ProberTest, AHugeNsSetIsCutAtTheCapAndSaysSo) {
  std::string ns, glue;
  for (int i = 0; i < 400; ++i) {
    ns += "child.tld. 3600 IN NS n" + std::to_string(i) + ".child.tld.\n";
    glue += "n" + std::to_string(i) + ".child.tld. 3600 IN A 192.0.2.21\n";
  }
  auto& tld = engine_.servers.at(str(kTld)).zone(name("tld."));
  tld.put(set(ns));
  tld.put(set(glue));
  options_.work.maxNsNames = 8;
  Observation o = observe();
  EXPECT_LE(o.servers.size(), 8u);
  EXPECT_EQ(withCode(o, "observation_limited").size(), 1u) << codes(o);
  EXPECT_TRUE(contains(o.findings.back().message, "NS names followed")) << codes(o);
  EXPECT_LT(engine_.log.size(), 100u);
}

TEST_F(ProberTest, AnObservationOutOfBudgetLeavesNoEmptyKeysForItsNeighbours) {
  options_.work.maxQueries = 3;  // the walk takes two: nothing left for the observation itself
  Observation o = observe();
  EXPECT_EQ(withCode(o, "observation_limited").size(), 1u) << codes(o);
  // tld.'s keys were still fetched whole: a domain beside it validates at once.
  const ZoneKeysData* tld = cache_.zoneKeys(name("tld."));
  ASSERT_NE(tld, nullptr);
  EXPECT_TRUE(tld->dnskey.has_value());
  options_.work = {};
  o = observe();
  EXPECT_EQ(o.status, dnssec::State::kSecure) << o.detail;
}

TEST_F(ProberTest, AnNsHostThatIsAnAliasIsFollowedAndReported) {
  auto& tld = engine_.servers.at(str(kTld)).zone(name("tld."));
  tld.put(set("child.tld. 3600 IN NS ns1.child.tld.\nchild.tld. 3600 IN NS alias.other.tld."));
  for (auto address : {kNs1, kNs2}) {
    engine_.servers.at(str(address))
        .zone(name("other.tld."))
        .put(set("alias.other.tld. 3600 IN CNAME ns2.child.tld."));
  }
  Observation o = observe();
  EXPECT_EQ(o.status, dnssec::State::kSecure) << o.detail;
  EXPECT_EQ(o.nsAliases, std::vector<std::string>{"alias.other.tld. -> ns2.child.tld."});
  EXPECT_EQ(withCode(o, "ns_host_alias").size(), 1u) << codes(o);
  // The server behind the alias was asked.
  EXPECT_EQ(server(o, kNs2).name, "alias.other.tld.");
  EXPECT_FALSE(server(o, kNs2).error.has_value());
}

TEST_F(ProberTest, AStaleParentServerIsOutvotedWhateverItsPlace) {
  // Three servers of tld.; the one asked first still has child.tld.'s old NS set.
  auto& rootZone = engine_.servers.at(str(kRoot)).zone(dns::Name());
  rootZone.put(
      set("tld. 86400 IN NS a.ns.tld.\ntld. 86400 IN NS b.ns.tld.\n"
          "tld. 86400 IN NS ns.tld."));
  rootZone.put(set("a.ns.tld. 86400 IN A 192.0.2.11"));
  rootZone.put(set("b.ns.tld. 86400 IN A 192.0.2.12"));
  FakeServer stale = engine_.servers.at(str(kTld));
  stale.zone(name("tld.")).put(set("child.tld. 3600 IN NS ns1.child.tld."));
  engine_.servers["192.0.2.11"] = stale;
  engine_.servers["192.0.2.12"] = engine_.servers.at(str(kTld));
  Observation o = observe();
  EXPECT_EQ(o.parent.ns, (std::vector<std::string>{"ns1.child.tld.", "ns2.child.tld."}));
  EXPECT_EQ(o.parent.servers.size(), 3u);
  // One finding per field that differs: the NS set and, with it, the glue.
  auto found = withCode(o, "parent_servers_disagree");
  ASSERT_EQ(found.size(), 2u) << codes(o);
  EXPECT_TRUE(contains(found[0]->message, "{ns1.child.tld.} at a.ns.tld. 192.0.2.11"))
      << found[0]->message;
  EXPECT_EQ(o.status, dnssec::State::kSecure) << o.detail;
}

TEST_F(ProberTest, AGluelessNsHostWithOnlyAnIpv6AddressIsAskedOverIpv6) {
  // child.tld.'s second host lives in other.tld. and has an AAAA record only.
  auto& tld = engine_.servers.at(str(kTld)).zone(name("tld."));
  tld.put(set("child.tld. 3600 IN NS ns1.child.tld.\nchild.tld. 3600 IN NS v6.other.tld."));
  for (auto address : {kNs1, kNs2}) {
    engine_.servers.at(str(address))
        .zone(name("other.tld."))
        .put(set("v6.other.tld. 3600 IN AAAA 2001:db8::53"));
  }
  engine_.servers["2001:db8::53"] = engine_.servers.at(str(kNs2));
  Observation o = observe();
  EXPECT_EQ(o.status, dnssec::State::kSecure) << o.detail;
  const auto& v6 = server(o, "2001:db8::53");
  EXPECT_EQ(v6.name, "v6.other.tld.");
  EXPECT_FALSE(v6.error.has_value()) << zonewatch::testing::errorText(v6.error);
  EXPECT_EQ(engine_.count(dns::RRType::SOA, "2001:db8::53"), 1u);

  // With IPv6 off the host has no usable address: named, and the verdict comes from the rest.
  cache_.clear();
  options_.iterator.ipv6 = false;
  o = observe();
  EXPECT_EQ(o.status, dnssec::State::kSecure) << o.detail;
  bool unresolved = false;
  for (const auto& s : o.servers)
    unresolved |=
        s.name == "v6.other.tld." && zonewatch::testing::errorText(s.error) == "unresolved";
  EXPECT_TRUE(unresolved) << codes(o);
}

TEST_F(ProberTest, TheQueryCapStopsAnObservation) {
  options_.work.maxQueries = 6;
  Observation o = observe();
  // What the observation itself asked; the keys of the zones above are shared and not charged.
  const auto own = std::count_if(engine_.log.begin(), engine_.log.end(), [](const auto& q) {
    return q.name.isSubdomainOf(name("child.tld."));
  });
  EXPECT_LE(own, 6);
  EXPECT_EQ(withCode(o, "observation_limited").size(), 1u) << codes(o);
}

// Issue 13: the daemon's estimate of a round (monitor/scheduler/sizing.h) counts, per address,
// kQueriesPerParentAddress questions to every address of the parent's servers and
// kQueriesPerServerAddress to every address of the domain's own servers. A prober that asks more or
// fewer of either fails here, and the constants must follow it. tld. is given a second address, so
// that "every address of the parent" is seen to hold, not only the walk's own question.
TEST_F(ProberTest, TheQueriesPerAddressAreWhatTheSizingCounts) {
  constexpr std::string_view kTld2 = "192.0.2.11";
  engine_.servers.at(str(kRoot))
      .zone(dns::Name())
      .put(set("ns.tld. 86400 IN A 192.0.2.10\nns.tld. 86400 IN A 192.0.2.11"));
  engine_.servers[str(kTld2)].zones.push_back(engine_.servers.at(str(kTld)).zone(name("tld.")));
  // An unchanged domain observed again, as in the daemon's rounds: the walk to tld. is cached.
  for (int round = 0; round < 2; ++round) {
    const size_t before = engine_.log.size();
    Observation o = observe();
    ASSERT_FALSE(o.error.has_value()) << *o.error;
    std::map<std::string, int> asked;  // questions about child.tld. itself, per address
    for (size_t i = before; i < engine_.log.size(); ++i) {
      if (engine_.log[i].name == name("child.tld.")) ++asked[engine_.log[i].server.ip];
    }
    EXPECT_EQ(asked[str(kTld)], kQueriesPerParentAddress) << "round " << round;
    EXPECT_EQ(asked[str(kTld2)], kQueriesPerParentAddress) << "round " << round;
    EXPECT_EQ(asked[str(kNs1)], kQueriesPerServerAddress) << "round " << round;
    EXPECT_EQ(asked[str(kNs2)], kQueriesPerServerAddress) << "round " << round;
    asked.erase(str(kRoot));  // the first walk's, cached afterwards
    EXPECT_EQ(asked.size(), 4u) << "round " << round;
  }
}

// --- The replay digest (model::ReplayInputs, monitor/detect/replay.h) ------------------------

// The digests the replay check saw, in order; it answers `answer`.
struct ReplayProbe {
  std::vector<model::ReplayInputs> seen;
  bool answer = false;
};

TEST_F(ProberTest, TheReplayDigestRepeatsForTheSameAnswersWhateverTheirIdsAndCase) {
  ReplayProbe probe;
  options_.replayCheck = [&probe](const Observation& o) {
    probe.seen.push_back(*o.replay);
    return probe.answer;
  };
  const Observation first = observe();
  const Observation second = observe();
  ASSERT_EQ(probe.seen.size(), 2u);
  // Each answer came with another ID and another case of its question (fake_engine.h, wireOf).
  EXPECT_EQ(probe.seen[0].digest, probe.seen[1].digest);
  EXPECT_FALSE(first.replayed);
  EXPECT_EQ(first.status, dnssec::State::kSecure);
  // The RRSIG times of everything digested: the signing fixture's window around kNow.
  ASSERT_TRUE(probe.seen[0].earliestExpiration.has_value());
  EXPECT_GT(*probe.seen[0].earliestExpiration, kNow);
  EXPECT_FALSE(probe.seen[0].nextInception.has_value());
  EXPECT_EQ(second.replay->digest, probe.seen[1].digest);
}

TEST_F(ProberTest, AnyChangedAnswerChangesTheReplayDigest) {
  ReplayProbe probe;
  options_.replayCheck = [&probe](const Observation& o) {
    probe.seen.push_back(*o.replay);
    return false;
  };
  observe();
  // One server of two serves another NS set, signed by the same key.
  child(kNs2).put(
      childSign("child.tld. 3600 IN NS ns1.child.tld.\nchild.tld. 3600 IN NS ns9.child.tld."));
  observe();
  // The same data with another TTL.
  child(kNs2).put(
      childSign("child.tld. 300 IN NS ns1.child.tld.\nchild.tld. 300 IN NS ns9.child.tld."));
  observe();
  // A server that stops answering one question.
  engine_.servers.at(str(kNs1)).misbehaviour[{name("child.tld."), dns::RRType::CDS}] =
      Misbehaviour{false, 5, false};
  observe();
  ASSERT_EQ(probe.seen.size(), 4u);
  std::set<std::array<uint8_t, 32>> digests;
  for (const auto& s : probe.seen) digests.insert(s.digest);
  EXPECT_EQ(digests.size(), 4u);
}

TEST_F(ProberTest, AReplayedObservationIsNotJudged) {
  options_.replayCheck = [](const Observation&) { return true; };
  const Observation o = observe();
  EXPECT_TRUE(o.replayed);
  EXPECT_EQ(o.domain, "child.tld.");
  EXPECT_EQ(o.observedAt, kNow);
  ASSERT_TRUE(o.replay.has_value());
  EXPECT_TRUE(o.servers.empty());
  EXPECT_TRUE(o.chain.empty());
  EXPECT_TRUE(o.parent.servers.empty());
}

TEST_F(ProberTest, AnObservationCutShortOrWithoutACheckHasNoReplayDigest) {
  int asked = 0;
  options_.replayCheck = [&asked](const Observation&) {
    ++asked;
    return true;
  };
  options_.observationTimeout = std::chrono::seconds(5);
  engine_.servers.at(str(kNs1)).allSilent = true;
  Observation cut = observe();
  EXPECT_FALSE(cut.replay.has_value());
  EXPECT_FALSE(cut.replayed);
  EXPECT_EQ(asked, 0);
  engine_.cancelAll();
  engine_.servers.at(str(kNs1)).allSilent = false;

  options_.replayCheck = nullptr;  // `zonewatch check`: no digest is computed
  Observation whole = observe();
  EXPECT_FALSE(whole.replay.has_value());
  EXPECT_EQ(whole.status, dnssec::State::kSecure);
}

// --- Server memos (server_memo.h) ------------------------------------------------------------

// The daemon's part in a memo's life: a replay check that knows the digest of one observation
// proven to change nothing, and the memo each observation leaves for the next.
class ServerMemoTest : public ProberTest {
 protected:
  ServerMemoTest() {
    options_.replayCheck = [this](const Observation& o) {
      ++checks_;
      return proven_ && o.replay->digest == *proven_;
    };
  }

  // One observation given `memo`; the questions about the domain it sent, by address.
  Observation observeWith(std::span<const uint8_t> memo, std::string_view domain = "child.tld.") {
    cache_.setRoot(ZoneCut{dns::Name(), {NameServer{name("a.root."), {address(kRoot)}}}, 0});
    Prober prober(engine_, cache_, clock_, h_.anchors(), *operators_, options_);
    asked_.clear();
    const size_t before = engine_.log.size();
    std::optional<Observation> got;
    prober.observe(
        name(domain), [&got](Observation o) { got = std::move(o); }, memo);
    while (!got && engine_.pending() > 0) engine_.pollOnce(std::chrono::milliseconds(1000));
    if (!got) throw std::logic_error("the observation did not complete");
    for (size_t i = before; i < engine_.log.size(); ++i) {
      const auto& q = engine_.log[i];
      if (q.name == name(domain)) asked_[q.server.ip].insert(dns::typeToString(q.type));
    }
    return *got;
  }

  // A first observation, proven to change nothing, and its memo.
  std::vector<uint8_t> baseline() {
    const Observation first = observeWith({});
    EXPECT_FALSE(first.replayed);
    EXPECT_EQ(first.status, dnssec::State::kSecure);
    proven_ = first.replay->digest;
    return first.serverMemo.value_or(std::vector<uint8_t>{});
  }

  static std::set<std::string> all() { return {"SOA", "NS", "DNSKEY", "CDS", "CDNSKEY"}; }
  static std::set<std::string> soaOnly() { return {"SOA"}; }

  std::optional<std::array<uint8_t, 32>> proven_;
  int checks_ = 0;
  std::map<std::string, std::set<std::string>> asked_;  // own-server questions, by address
};

TEST_F(ServerMemoTest, WhileTheSignedSoaRepeatsTheMemoStandsForTheOtherAnswers) {
  const std::vector<uint8_t> memo = baseline();
  const auto memos = decodeServerMemos(memo);
  ASSERT_EQ(memos.size(), 2u);
  EXPECT_EQ(memos[0].since, kNow);
  EXPECT_TRUE(memos[0].extraHosts.empty());

  clock_.advance(300);
  const Observation again = observeWith(memo);
  EXPECT_TRUE(again.replayed);
  EXPECT_EQ(again.replay->digest, *proven_);
  EXPECT_EQ(asked_[str(kNs1)], soaOnly());
  EXPECT_EQ(asked_[str(kNs2)], soaOnly());
  EXPECT_EQ(asked_[str(kTld)], std::set<std::string>{"NS"});  // the delegation: always asked
  // What the daemon's sizing counts for a server with a memo.
  EXPECT_EQ(asked_[str(kNs1)].size(), static_cast<size_t>(kQueriesPerServerAddressWithMemo));
  EXPECT_FALSE(again.serverMemo.has_value());  // nothing asked anew: the memo stands
}

TEST_F(ServerMemoTest, WhenTheReplayMissesTheQuestionsTheMemoStoodForAreAskedAndJudged) {
  const std::vector<uint8_t> memo = baseline();
  proven_.reset();                      // as after an `ack` or a changed option
  const Observation plain = observe();  // judged without any memo, for comparison
  const Observation again = observeWith(memo);
  EXPECT_FALSE(again.replayed);
  EXPECT_EQ(asked_[str(kNs1)], all());
  EXPECT_EQ(asked_[str(kNs2)], all());
  EXPECT_EQ(again.status, plain.status);
  EXPECT_EQ(again.reason, plain.reason);
  ASSERT_EQ(again.servers.size(), plain.servers.size());
  EXPECT_EQ(again.servers[1].dnskey.size(), plain.servers[1].dnskey.size());
  EXPECT_EQ(again.servers[1].ns, plain.servers[1].ns);
  ASSERT_TRUE(again.serverMemo.has_value());
  EXPECT_EQ(decodeServerMemos(*again.serverMemo).size(), 2u);
}

TEST_F(ServerMemoTest, AChangedSoaHasThatServerAskedEverything) {
  const std::vector<uint8_t> memo = baseline();
  // A new version at ns2: another serial, signed again, and another NS set.
  child(kNs2).put(
      childSign("child.tld. 3600 IN SOA ns1.child.tld. hostmaster.child.tld. 8 7200 3600 "
                "1209600 3600"));
  child(kNs2).put(
      childSign("child.tld. 3600 IN NS ns1.child.tld.\nchild.tld. 3600 IN NS ns9.child.tld."));
  const Observation again = observeWith(memo);
  EXPECT_FALSE(again.replayed);
  EXPECT_EQ(asked_[str(kNs2)], all());
  EXPECT_EQ(asked_[str(kNs1)], all());  // the replay missed: ns1's questions are asked too
  EXPECT_EQ(server(again, kNs2).ns, (std::vector<std::string>{"ns1.child.tld.", "ns9.child.tld."}));
  EXPECT_NE(again.replay->digest, *proven_);
}

TEST_F(ServerMemoTest, TheSameSoaWithoutItsSignatureIsNoReasonToSkip) {
  const std::vector<uint8_t> memo = baseline();
  // The same SOA, its RRSIG gone: not the answer the memo was made from.
  child(kNs1).put(
      set("child.tld. 3600 IN SOA ns1.child.tld. hostmaster.child.tld. 7 7200 3600 1209600 3600"));
  const Observation again = observeWith(memo);
  EXPECT_FALSE(again.replayed);
  EXPECT_EQ(asked_[str(kNs1)], all());
}

TEST_F(ServerMemoTest, AMemoStandsForAnHourAtMost) {
  const std::vector<uint8_t> memo = baseline();
  clock_.advance(kServerMemoMaxAge.count() - 1);
  observeWith(memo);
  EXPECT_EQ(asked_[str(kNs1)], soaOnly());
  clock_.advance(1);
  const Observation late = observeWith(memo);
  EXPECT_EQ(asked_[str(kNs1)], all());
  EXPECT_EQ(asked_[str(kNs2)], all());
  // The same answers: replayed, and the memo renewed from the answers just asked.
  EXPECT_TRUE(late.replayed);
  ASSERT_TRUE(late.serverMemo.has_value());
  const auto renewed = decodeServerMemos(*late.serverMemo);
  ASSERT_EQ(renewed.size(), 2u);
  EXPECT_EQ(renewed[0].since, kNow + kServerMemoMaxAge.count());
}

// Against RFC 1034 §4.3.5, ns2 serves another NS set under the same signed SOA: the memo hides it
// for at most kServerMemoMaxAge, and the first observation after that sees it.
TEST_F(ServerMemoTest, AServerThatChangesItsAnswersButNotItsSoaIsSeenWithinTheHour) {
  const std::vector<uint8_t> memo = baseline();
  child(kNs2).put(
      childSign("child.tld. 3600 IN NS ns1.child.tld.\nchild.tld. 3600 IN NS ns9.child.tld."));
  clock_.advance(kServerMemoMaxAge.count() - 60);
  EXPECT_TRUE(observeWith(memo).replayed);
  clock_.advance(60);
  const Observation late = observeWith(memo);
  EXPECT_FALSE(late.replayed);
  EXPECT_EQ(server(late, kNs2).ns, (std::vector<std::string>{"ns1.child.tld.", "ns9.child.tld."}));
}

// The deadline comes while ns1's memo stands for its answers (ns2 never answers): ns1's view is
// partial and its data left out, not an empty NS set and no keys, and it is not unreachable.
TEST_F(ServerMemoTest, ADeadlineWhileAMemoStandsLeavesThatServersDataOut) {
  const std::vector<uint8_t> memo = baseline();
  options_.observationTimeout = std::chrono::milliseconds(300);
  engine_.servers.at(str(kNs2)).allSilent = true;
  const Observation cut = observeWith(memo);
  engine_.cancelAll();
  EXPECT_FALSE(cut.replayed);
  EXPECT_EQ(asked_[str(kNs1)], soaOnly());
  const ServerView& ns1 = server(cut, kNs1);
  ASSERT_TRUE(ns1.error.has_value());
  EXPECT_EQ(ns1.error->failure, model::QueryFailure::kCancelled);
  EXPECT_FALSE(cut.serverMemo.has_value());  // cut short: the stored memos stand
}

TEST_F(ServerMemoTest, AnUnsignedZoneLeavesNoMemo) {
  const Observation first = observeWith({}, "other.tld.");
  ASSERT_FALSE(first.error.has_value()) << *first.error;
  ASSERT_TRUE(first.serverMemo.has_value());
  EXPECT_TRUE(first.serverMemo->empty());
}

TEST_F(ServerMemoTest, WithoutAReplayCheckAMemoIsIgnored) {
  const std::vector<uint8_t> memo = baseline();
  options_.replayCheck = nullptr;  // `zonewatch check`
  const Observation again = observeWith(memo);
  EXPECT_EQ(asked_[str(kNs1)], all());
  EXPECT_FALSE(again.serverMemo.has_value());
  EXPECT_EQ(again.status, dnssec::State::kSecure);
}

}  // namespace
}  // namespace zonewatch::probe
