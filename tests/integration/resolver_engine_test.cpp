// The query engine against the real lab (tests/lab, fixture "lab"): NSD, Knot DNS and BIND answer
// zonewatch's queries exactly as they would in production, over UDP and TCP.
//
// The lab's layout comes from $ZONEWATCH_LAB_DIR/lab.json (tests/lab/README.md), never from
// constants here, except the addresses the lab contract fixes.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

// GCC 12's -Wnull-dereference fires inside nlohmann/json's inlined iterators (a false positive in
// a system header that the usual system-header suppression misses, the warning being emitted after
// inlining).
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wnull-dereference"
#include <nlohmann/json.hpp>
#pragma GCC diagnostic pop

#include "monitor/dns/name.h"
#include "monitor/resolver/query_engine.h"
#include "tests/unit/monitor/resolver/fake_dns_server.h"

namespace zonewatch::resolver {
namespace {

using namespace std::chrono_literals;
using Json = nlohmann::json;

struct LabServer {
  std::string id;
  ServerAddress address;
  std::vector<std::string> zones;
};

struct Lab {
  std::vector<LabServer> servers;
  std::map<std::string, bool> signedZone;  // zone -> whether it is signed and unmutated
  std::string silentAddress;
  std::string largeName;
  std::string largeType;
  std::vector<std::string> largeServers;
};

// Loads lab.json; skips the test (rather than failing) only when no lab was asked for at all.
std::optional<Lab> loadLab() {
  const char* dir = std::getenv("ZONEWATCH_LAB_DIR");
  if (dir == nullptr || *dir == '\0') return std::nullopt;
  std::ifstream in(std::string(dir) + "/lab.json");
  EXPECT_TRUE(in.good()) << "no lab.json in " << dir;
  if (!in.good()) return std::nullopt;
  const Json json = Json::parse(in);
  Lab lab;
  for (const auto& s : json.at("servers")) {
    auto address =
        ServerAddress::make(s.at("address").get<std::string>(), s.at("port").get<uint16_t>());
    EXPECT_TRUE(address.ok());
    lab.servers.push_back(
        {s.at("id").get<std::string>(), *address, s.at("zones").get<std::vector<std::string>>()});
  }
  // The root and the TLD are always signed; children and operator zones say so themselves. A
  // child under a mutation scenario may lack signatures on purpose: it counts as unsigned here.
  lab.signedZone["."] = true;
  lab.signedZone[json.at("tld").get<std::string>()] = true;
  for (const char* list : {"children", "operator_zones"}) {
    if (!json.contains(list)) continue;
    for (const auto& zone : json.at(list)) {
      const bool isSigned =
          zone.value("signed", false) && zone.value("scenario", "original") == "original";
      lab.signedZone[zone.at("name").get<std::string>()] = isSigned;
    }
  }
  lab.silentAddress = json.at("silent_address").get<std::string>();
  lab.largeName = json.at("large_answer").at("name").get<std::string>();
  lab.largeType = json.at("large_answer").at("type").get<std::string>();
  for (const auto& child : json.at("children")) {
    const auto childName = child.at("name").get<std::string>();
    auto largeName = dns::Name::parse(lab.largeName);
    auto zoneName = dns::Name::parse(childName);
    if (largeName && zoneName && largeName->isSubdomainOf(*zoneName)) {
      lab.largeServers = child.at("servers").get<std::vector<std::string>>();
    }
  }
  return lab;
}

#define REQUIRE_LAB(lab) \
  auto lab = loadLab();  \
  if (!lab) GTEST_SKIP() << "ZONEWATCH_LAB_DIR not set: run through ctest (fixture lab)"

bool hasRrsigCovering(const dns::Message& message, dns::RRType type) {
  for (const auto& record : message.answer) {
    if (record.type != dns::RRType::RRSIG) continue;
    if (const auto* sig = std::get_if<dns::rdata::RRSIG>(&record.data);
        sig && sig->typeCovered == type) {
      return true;
    }
  }
  return false;
}

bool hasRecordOfType(const dns::Message& message, const dns::Name& owner, dns::RRType type) {
  for (const auto& record : message.answer) {
    if (record.type == type && record.owner == owner) return true;
  }
  return false;
}

EngineOptions labOptions() {
  EngineOptions options;  // the production defaults, rate limit included (10 qps per server)
  options.timeout = 500ms;
  options.tries = 2;
  return options;
}

TEST(ResolverEngineLabTest, EveryServerAnswersApexQueriesWithSignatures) {
  REQUIRE_LAB(lab);
  auto engine = makeCaresEngine(labOptions());
  ASSERT_TRUE(engine.ok()) << engine.error().message;

  struct Expectation {
    std::string server;
    std::string zone;
    dns::RRType type;
    bool isSigned;
  };
  std::vector<std::pair<Expectation, std::optional<QueryResult>>> results;
  size_t asked = 0;
  for (const LabServer& server : lab->servers) {
    for (const std::string& zone : server.zones) {
      for (const dns::RRType type : {dns::RRType::SOA, dns::RRType::NS, dns::RRType::DNSKEY}) {
        const bool isSigned = lab->signedZone.contains(zone) && lab->signedZone[zone];
        if (type == dns::RRType::DNSKEY && !isSigned) continue;
        ++asked;
        results.push_back({{server.id, zone, type, isSigned}, std::nullopt});
      }
    }
  }
  ASSERT_GT(asked, 0U);
  // Submit everything first: the engine's queue, in-flight cap and per-server rate limit pace it.
  for (auto& [expect, result] : results) {
    Query query;
    query.server = std::find_if(lab->servers.begin(), lab->servers.end(), [&](const LabServer& s) {
                     return s.id == expect.server;
                   })->address;
    query.name = *dns::Name::parse(expect.zone);
    query.type = expect.type;
    auto* slot = &result;
    ASSERT_TRUE(
        (*engine)->submit(query, [slot](QueryResult r) { slot->emplace(std::move(r)); }).ok());
  }
  (*engine)->runUntilIdle();

  for (auto& [expect, result] : results) {
    const std::string what =
        expect.server + " " + expect.zone + " " + dns::typeToString(expect.type);
    ASSERT_TRUE(result.has_value()) << what;
    ASSERT_TRUE(result->ok()) << what << ": " << result->error().message;
    const Answer& answer = result->value();
    EXPECT_EQ(answer.rcode, 0) << what;
    EXPECT_TRUE(answer.aa) << what;
    EXPECT_FALSE(answer.tc) << what;
    EXPECT_TRUE(hasRecordOfType(answer.message, *dns::Name::parse(expect.zone), expect.type))
        << what;
    if (expect.isSigned) {
      EXPECT_TRUE(hasRrsigCovering(answer.message, expect.type)) << what << ": no RRSIG";
      ASSERT_TRUE(answer.message.edns.has_value()) << what;
      EXPECT_TRUE(answer.message.edns->dnssecOk) << what << ": DO not echoed (RFC 3225 §3)";
    }
  }
  const EngineCounters counters = (*engine)->counters();
  EXPECT_EQ(counters.answered, asked);
  EXPECT_EQ(counters.timeouts + counters.networkErrors + counters.malformed, 0U);
}

TEST(ResolverEngineLabTest, LargeAnswerComesBackOverTcp) {
  REQUIRE_LAB(lab);
  ASSERT_FALSE(lab->largeServers.empty()) << "no child serves " << lab->largeName;
  auto engine = makeCaresEngine(labOptions());
  ASSERT_TRUE(engine.ok());
  for (const std::string& ip : lab->largeServers) {
    Query query;
    query.server = *ServerAddress::make(ip);
    query.name = *dns::Name::parse(lab->largeName);
    query.type = *dns::typeFromString(lab->largeType);
    auto result = queryOnce(**engine, query);
    ASSERT_TRUE(result.ok()) << ip << ": " << result.error().message;
    EXPECT_EQ(result->transport, Transport::kTcp) << ip;
    EXPECT_FALSE(result->tc) << ip;
    EXPECT_TRUE(result->aa) << ip;
    EXPECT_GT(result->wire.size(), size_t{dns::kDefaultUdpSize}) << ip;
    EXPECT_TRUE(hasRecordOfType(result->message, query.name, query.type)) << ip;
  }
  EXPECT_EQ((*engine)->counters().tcpRetries, lab->largeServers.size());
}

TEST(ResolverEngineLabTest, SilentAddressEndsWithinTheConfiguredBound) {
  REQUIRE_LAB(lab);
  EngineOptions options = labOptions();
  options.timeout = 200ms;
  options.tries = 2;
  auto engine = makeCaresEngine(options);
  ASSERT_TRUE(engine.ok());
  Query query;
  query.server = *ServerAddress::make(lab->silentAddress);
  query.name = *dns::Name::parse("child01.lab.");
  query.type = dns::RRType::SOA;
  const auto start = std::chrono::steady_clock::now();
  auto result = queryOnce(**engine, query);
  const auto elapsed = std::chrono::steady_clock::now() - start;
  ASSERT_FALSE(result.ok());
  // Nothing listens there: loopback answers with ICMP port unreachable (network error); a host
  // that drops packets instead would give a timeout. Either way, not a hang.
  EXPECT_TRUE(result.error().code == QueryErrc::kTimeout ||
              result.error().code == QueryErrc::kNetwork)
      << result.error().message;
  EXPECT_EQ(result.error().server, query.server);
  EXPECT_LT(elapsed, options.worstCaseQueryTime() + 2s);
}

// Hostile answers the lab's real servers never send, on both address families. IPv6 is an
// IPv4-mapped address (RFC 4291 §2.5.5.2): AF_INET6 sockets whose packets stay in 127.0.0.0/8.
TEST(ResolverEngineLabTest, FakeServerOnIpv4AndIpv6) {
  for (const char* ip : {"127.0.0.1", testing::kMappedLoopback}) {
    auto server = testing::FakeDnsServer::start(ip, [](const testing::RawQuery& q, Transport) {
      testing::ReplySpec spec;
      spec.rcode = 5;  // REFUSED, as a lame server would
      spec.aa = false;
      return std::vector<testing::Bytes>{testing::makeReply(q, spec)};
    });
    if (!server) {
      if (std::string(ip) == testing::kMappedLoopback) GTEST_SKIP() << "no IPv6 sockets here";
      FAIL() << "cannot bind " << ip;
    }
    auto engine = makeCaresEngine(labOptions());
    ASSERT_TRUE(engine.ok());
    auto result =
        queryOnce(**engine, server->address(), *dns::Name::parse("child01.lab."), dns::RRType::NS);
    ASSERT_TRUE(result.ok()) << ip << ": " << result.error().message;
    EXPECT_EQ(result->rcode, 5) << ip;
    EXPECT_EQ(result->server, server->address()) << ip;
  }
}

}  // namespace
}  // namespace zonewatch::resolver
