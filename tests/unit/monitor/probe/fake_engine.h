// A QueryEngine without a network, for the iterator's and the prober's unit tests: each "server"
// is a small authoritative name server over in-memory zones (referrals with glue and DS, answers
// with their RRSIGs, NODATA, NXDOMAIN, the additional section of an NS answer), and a test can make
// any (server, name, type) time out or answer with another rcode or without AA. Answers are
// delivered from pollOnce(), never from submit(), as the real engine does; every query is logged
// so that a test can count what the prober asked. Timers (the observation deadline) run on a real
// EpollLoop whose clock is the engine's own: it moves only when a poll finds nothing to answer,
// by the poll's maxWait, so a deadline test takes no wall time.
#pragma once

#include <algorithm>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "monitor/dns/message.h"
#include "monitor/resolver/query_engine.h"

namespace zonewatch::probe::testing {

struct FakeZone {
  dns::Name apex;
  std::vector<dns::RRset> rrsets;  // with their RRSIGs; NS RRsets below the apex are cuts

  const dns::RRset* find(const dns::Name& owner, dns::RRType type) const {
    for (const auto& set : rrsets) {
      if (set.owner == owner && set.type == type) return &set;
    }
    return nullptr;
  }
  void put(dns::RRset set) {
    std::erase_if(rrsets,
                  [&](const dns::RRset& s) { return s.owner == set.owner && s.type == set.type; });
    rrsets.push_back(std::move(set));
  }
  void remove(const dns::Name& owner, dns::RRType type) {
    std::erase_if(rrsets, [&](const dns::RRset& s) { return s.owner == owner && s.type == type; });
  }
};

// What a test makes one server do for one question instead of answering it.
struct Misbehaviour {
  bool timeout = false;
  std::optional<uint8_t> rcode;  // answer with this rcode and no records
  bool clearAa = false;          // answer as usual, AA clear
  bool silent = false;           // never answers: the query stays pending until cancelAll()
  bool overUdpOnly = false;      // `timeout` over UDP only; over TCP the question is answered
};

// The transport a query went out on: TCP only when the caller asked for it.
inline resolver::Transport transportOf(const resolver::Query& q) {
  return q.tcpOnly ? resolver::Transport::kTcp : resolver::Transport::kUdp;
}

class FakeServer {
 public:
  std::vector<FakeZone> zones;
  bool fillAdditional = true;  // addresses of in-zone NS hosts with an authoritative NS answer
  std::map<std::pair<dns::Name, dns::RRType>, Misbehaviour> misbehaviour;
  bool allSilent = false;  // a server that accepts every query and never answers

  bool silent(const resolver::Query& q) const {
    if (allSilent) return true;
    auto it = misbehaviour.find({q.name.lowercased(), q.type});
    return it != misbehaviour.end() && it->second.silent;
  }

  FakeZone& zone(const dns::Name& apex) {
    for (auto& z : zones) {
      if (z.apex == apex) return z;
    }
    throw std::logic_error("no zone " + apex.toString());
  }

  resolver::QueryResult answer(const resolver::Query& q) const {
    if (auto it = misbehaviour.find({q.name.lowercased(), q.type}); it != misbehaviour.end()) {
      if (it->second.timeout && !(it->second.overUdpOnly && q.tcpOnly)) {
        return Unexpected{resolver::QueryError{resolver::QueryErrc::kTimeout, "timed out", q.server,
                                               transportOf(q), std::nullopt}};
      }
      if (it->second.rcode) return reply(q, *it->second.rcode, false, {}, {}, {});
    }
    const bool clearAa = misbehaviour.count({q.name.lowercased(), q.type}) > 0 &&
                         misbehaviour.at({q.name.lowercased(), q.type}).clearAa;
    // The deepest zone the server has for the name; for a DS question at a zone's apex, the
    // parent zone when the server has it too (RFC 4035 §3.1.4.1: the parent side answers).
    const FakeZone* zone = nullptr;
    for (const auto& z : zones) {
      if (!q.name.isSubdomainOf(z.apex)) continue;
      if (q.type == dns::RRType::DS && z.apex == q.name && !q.name.isRoot() &&
          hasZoneAbove(q.name)) {
        continue;
      }
      if (zone == nullptr || z.apex.labelCount() > zone->apex.labelCount()) zone = &z;
    }
    if (zone == nullptr) return reply(q, 5, false, {}, {}, {});  // REFUSED

    // A zone cut between the apex and the name: a referral (RFC 1034 §4.3.2 step 3b), except for
    // the DS question at the cut itself, which the parent answers (RFC 4035 §3.1.4.1).
    for (const auto& set : zone->rrsets) {
      if (set.type != dns::RRType::NS || set.owner == zone->apex ||
          !q.name.isSubdomainOf(set.owner)) {
        continue;
      }
      if (q.type == dns::RRType::DS && q.name == set.owner) break;
      std::vector<dns::ResourceRecord> authority = set.records, additional;
      if (const auto* ds = zone->find(set.owner, dns::RRType::DS)) append(authority, *ds);
      addresses(*zone, set, additional);
      return reply(q, 0, false, {}, authority, additional);
    }
    if (const auto* set = zone->find(q.name, q.type)) {
      std::vector<dns::ResourceRecord> answer, additional;
      append(answer, *set);
      if (q.type == dns::RRType::NS && fillAdditional) addresses(*zone, *set, additional);
      return reply(q, 0, !clearAa, answer, {}, additional);
    }
    // RFC 1034 §4.3.2 step 3a: an alias answers every type with its CNAME.
    if (const auto* cname = zone->find(q.name, dns::RRType::CNAME)) {
      std::vector<dns::ResourceRecord> answer;
      append(answer, *cname);
      return reply(q, 0, !clearAa, answer, {}, {});
    }
    std::vector<dns::ResourceRecord> authority;
    if (const auto* soa = zone->find(zone->apex, dns::RRType::SOA)) append(authority, *soa);
    const bool exists =
        std::any_of(zone->rrsets.begin(), zone->rrsets.end(),
                    [&](const dns::RRset& s) { return s.owner.isSubdomainOf(q.name); });
    return reply(q, exists ? 0 : 3, !clearAa, {}, authority, {});
  }

 private:
  bool hasZoneAbove(const dns::Name& name) const {
    return std::any_of(zones.begin(), zones.end(), [&](const FakeZone& z) {
      return !(z.apex == name) && name.isSubdomainOf(z.apex);
    });
  }
  static void append(std::vector<dns::ResourceRecord>& out, const dns::RRset& set) {
    out.insert(out.end(), set.records.begin(), set.records.end());
    out.insert(out.end(), set.signatures.begin(), set.signatures.end());
  }
  // The A/AAAA RRsets (with RRSIGs) this zone holds for the hosts of an NS RRset.
  static void addresses(const FakeZone& zone, const dns::RRset& ns,
                        std::vector<dns::ResourceRecord>& out) {
    for (const auto& rr : ns.records) {
      const auto& host = std::get<dns::rdata::NS>(rr.data).host;
      for (auto type : {dns::RRType::A, dns::RRType::AAAA}) {
        if (const auto* set = zone.find(host, type)) append(out, *set);
      }
    }
  }
  static resolver::QueryResult reply(const resolver::Query& q, uint8_t rcode, bool aa,
                                     std::vector<dns::ResourceRecord> answer,
                                     std::vector<dns::ResourceRecord> authority,
                                     std::vector<dns::ResourceRecord> additional) {
    resolver::Answer a;
    a.message.header.qr = true;
    a.message.header.aa = aa;
    a.message.header.rcode = rcode;
    a.message.questions = {{q.name, q.type, dns::kClassIN}};
    a.message.answer = std::move(answer);
    a.message.authority = std::move(authority);
    a.message.additional = std::move(additional);
    a.rcode = rcode;
    a.aa = aa;
    a.server = q.server;
    a.transport = resolver::Transport::kUdp;
    a.rtt = std::chrono::microseconds(1000);
    a.wire = wireOf(a.message);
    return a;
  }
  // The answer as a real engine hands it over: encoded, with an ID and a question case (0x20)
  // of its own each time, as no two real queries share them.
  static std::vector<uint8_t> wireOf(dns::Message m) {
    static uint16_t serial = 0;
    ++serial;
    m.header.id = serial;
    std::string text = m.questions.front().name.toString();
    for (size_t i = 0; i < text.size(); ++i) {
      const char c = text[i];
      if (((serial >> (i % 16)) & 1) != 0 && c >= 'a' && c <= 'z')
        text[i] = static_cast<char>(c - 32);
    }
    m.questions.front().name = dns::Name::parse(text).value();
    return dns::encodeMessage(m);
  }
};

class FakeEngine final : public resolver::QueryEngine {
 public:
  std::map<std::string, FakeServer> servers;  // by address, "192.0.2.1"
  std::vector<resolver::Query> log;           // every query submitted, in order

  FakeEngine()
      : loop_(resolver::EpollLoop::create([this] { return now_; }).value()),
        now_(resolver::EpollLoop::Clock::time_point{} + std::chrono::hours(1)) {}

  Status<resolver::QueryError> submit(resolver::Query query,
                                      resolver::QueryCallback callback) override {
    log.push_back(query);
    queue_.emplace_back(std::move(query), std::move(callback));
    return Ok{};
  }
  void pollOnce(std::chrono::milliseconds maxWait) override {
    // Only what was queued before: answers may submit more, delivered on the next poll.
    std::deque<std::pair<resolver::Query, resolver::QueryCallback>> batch;
    batch.swap(queue_);
    if (batch.empty()) now_ += maxWait;  // nothing to answer: time passes
    for (auto& [query, callback] : batch) {
      auto it = servers.find(query.server.ip);
      if (it != servers.end() && it->second.silent(query)) {
        held_.emplace_back(std::move(query), std::move(callback));
        continue;
      }
      if (it == servers.end()) {
        callback(Unexpected{resolver::QueryError{resolver::QueryErrc::kTimeout, "no such server",
                                                 query.server, transportOf(query), std::nullopt}});
      } else {
        callback(it->second.answer(query));
      }
    }
    (void)loop_->runOnce(std::chrono::milliseconds(0));
  }
  void runUntilIdle() override {
    while (!queue_.empty()) pollOnce(std::chrono::milliseconds(0));
  }
  void cancelAll() override {
    std::deque<std::pair<resolver::Query, resolver::QueryCallback>> batch;
    batch.swap(queue_);
    for (auto& held : held_) batch.push_back(std::move(held));
    held_.clear();
    for (auto& [query, callback] : batch) {
      callback(
          Unexpected{resolver::QueryError{resolver::QueryErrc::kCancelled, "cancelled",
                                          query.server, resolver::Transport::kUdp, std::nullopt}});
    }
  }
  size_t pending() const override { return queue_.size() + held_.size(); }
  resolver::EngineCounters counters() const override {
    resolver::EngineCounters c;
    c.submitted = log.size();
    return c;
  }
  resolver::EpollLoop& loop() override { return *loop_; }
  resolver::EpollLoop::Clock::time_point now() const { return now_; }

  // Queries of `type` (any type when nullopt) sent to `address` (any when empty).
  size_t count(std::optional<dns::RRType> type = std::nullopt,
               const std::string& address = {}) const {
    return static_cast<size_t>(std::count_if(log.begin(), log.end(), [&](const auto& q) {
      return (!type || q.type == *type) && (address.empty() || q.server.ip == address);
    }));
  }

 private:
  std::deque<std::pair<resolver::Query, resolver::QueryCallback>> queue_;
  std::deque<std::pair<resolver::Query, resolver::QueryCallback>> held_;  // silent servers
  std::unique_ptr<resolver::EpollLoop> loop_;
  resolver::EpollLoop::Clock::time_point now_;
};

}  // namespace zonewatch::probe::testing
