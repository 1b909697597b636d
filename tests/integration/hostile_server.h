// Fake authoritative name servers for the hostile-server integration test: each one a thread
// serving UDP and TCP on port 53 of its own loopback address (127.55.0.0/16), so that the real
// prober reaches it through referrals and glue exactly as it reaches a production server.
//
// An honest server answers from in-memory zones the way an authoritative server does (RFC 1034
// §4.3.2: answers with their RRSIGs, referrals with DS or its denial and glue, NODATA and NXDOMAIN
// with the SOA, TC=1 over UDP when an answer does not fit). A hostile server is an honest one whose
// handler bends its answers on the wire: a wrong ID, a wrong question, an inverted case, a
// compression loop, TC followed by a TCP connection held or reset, lost datagrams. The honest
// answers are encoded by the project's codec (dns::encodeMessage); the hostile bytes are patched or
// written by hand below, so that the parser under test never writes its own hostile input.
//
// Why not the resolver tests' FakeDnsServer (tests/unit/monitor/resolver/fake_dns_server.h): it
// binds a random port, and the glue of a referral can only name port 53. Nor the probe tests'
// FakeEngine zones (tests/unit/monitor/probe/fake_engine.h): they answer in memory, without wire,
// sockets or c-ares. The zone logic below is theirs, written out as messages, plus the NSEC/NSEC3
// denials a DS referral carries. The socket plumbing (binding UDP and TCP, the thread's poll loop,
// TCP framing, resets) is FakeDnsServer's too: tests/unit/monitor/resolver/loopback_socket.h.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "monitor/dns/message.h"
#include "monitor/resolver/query_engine.h"
#include "tests/unit/monitor/resolver/loopback_socket.h"

namespace zonewatch::probe::testing {

using resolver::testing::Bytes;
using resolver::testing::put16;

// --- Zones and the honest answer ---------------------------------------------------------------

struct Zone {
  dns::Name apex;
  // RRsets with their RRSIGs by (lowercase owner, type). NS RRsets below the apex are zone cuts.
  std::map<std::pair<dns::Name, uint16_t>, dns::RRset> sets;
  // Signed NSEC/NSEC3 RRsets that prove the absence of data at a name: the DS of a delegation
  // (RFC 4035 §3.1.4, RFC 5155 §7.2.7), given with the referral and with a NODATA answer.
  std::map<dns::Name, std::vector<dns::RRset>> denials;

  void put(dns::RRset set) {
    auto key = std::make_pair(set.owner.lowercased(), dns::toU16(set.type));
    sets.insert_or_assign(std::move(key), std::move(set));
  }
  const dns::RRset* find(const dns::Name& owner, dns::RRType type) const {
    auto it = sets.find({owner.lowercased(), dns::toU16(type)});
    return it == sets.end() ? nullptr : &it->second;
  }
  // The zone cut nearest the apex that encloses `name` (the NS RRset owned below the apex).
  const dns::RRset* cutAbove(const dns::Name& name) const {
    const dns::RRset* cut = nullptr;
    for (dns::Name n = name; !(n == apex) && n.isSubdomainOf(apex); n = n.parent()) {
      if (const auto* ns = find(n, dns::RRType::NS)) cut = ns;
    }
    return cut;
  }
  bool nameExists(const dns::Name& name) const {
    for (const auto& [key, set] : sets) {
      if (set.owner.isSubdomainOf(name)) return true;
    }
    return false;
  }
};

inline void append(std::vector<dns::ResourceRecord>& out, const dns::RRset& set) {
  out.insert(out.end(), set.records.begin(), set.records.end());
  out.insert(out.end(), set.signatures.begin(), set.signatures.end());
}

// The A/AAAA records `zone` holds for the hosts an NS RRset names (glue, or the additional section
// of an authoritative NS answer). Without their RRSIGs, which RFC 4035 §3.1.1 asks for only where
// space permits: a 400-name NS set with them would not fit one TCP message.
inline void appendAddresses(const Zone& zone, const dns::RRset& ns,
                            std::vector<dns::ResourceRecord>& out) {
  for (const auto& rr : ns.records) {
    const auto& host = std::get<dns::rdata::NS>(rr.data).host;
    for (auto type : {dns::RRType::A, dns::RRType::AAAA}) {
      if (const auto* set = zone.find(host, type)) {
        out.insert(out.end(), set->records.begin(), set->records.end());
      }
    }
  }
}

// The reply frame for `query`: its ID, QR set, its question echoed as received (case included),
// an OPT RR when it had one (RFC 6891 §7).
inline dns::Message replyFrame(const dns::Message& query) {
  dns::Message reply;
  reply.header.id = query.header.id;
  reply.header.qr = true;
  reply.header.rd = query.header.rd;
  reply.header.cd = query.header.cd;
  reply.questions = query.questions;
  if (query.edns) {
    dns::Edns edns;
    edns.udpSize = dns::kDefaultUdpSize;
    edns.dnssecOk = query.edns->dnssecOk;
    reply.edns = edns;
  }
  return reply;
}

// What an authoritative server holding `zones` answers (RFC 1034 §4.3.2). The DS of a zone's apex
// is answered from the zone above when the server holds it too (RFC 4035 §3.1.4.1).
inline dns::Message authoritativeAnswer(const std::vector<Zone>& zones, const dns::Message& query) {
  dns::Message reply = replyFrame(query);
  const dns::Question& q = query.questions.front();
  auto heldAbove = [&](const dns::Name& apex) {
    return std::any_of(zones.begin(), zones.end(), [&](const Zone& z) {
      return !(z.apex == apex) && apex.isSubdomainOf(z.apex);
    });
  };
  const Zone* zone = nullptr;
  for (const auto& z : zones) {
    if (!q.name.isSubdomainOf(z.apex)) continue;
    if (q.type == dns::RRType::DS && z.apex == q.name && heldAbove(z.apex)) continue;
    if (zone == nullptr || z.apex.labelCount() > zone->apex.labelCount()) zone = &z;
  }
  if (zone == nullptr) {
    reply.header.rcode = static_cast<uint8_t>(dns::Rcode::Refused);
    return reply;
  }
  const dns::RRset* cut = zone->cutAbove(q.name);
  if (cut != nullptr && !(q.type == dns::RRType::DS && q.name == cut->owner)) {
    // A referral: AA clear, the delegation's NS RRset, its DS or the proof there is none, glue.
    reply.authority = cut->records;
    if (const auto* ds = zone->find(cut->owner, dns::RRType::DS)) {
      append(reply.authority, *ds);
    } else if (auto it = zone->denials.find(cut->owner.lowercased()); it != zone->denials.end()) {
      for (const auto& set : it->second) append(reply.authority, set);
    }
    appendAddresses(*zone, *cut, reply.additional);
    return reply;
  }
  reply.header.aa = true;
  if (const auto* set = zone->find(q.name, q.type)) {
    append(reply.answer, *set);
    if (q.type == dns::RRType::NS) appendAddresses(*zone, *set, reply.additional);
    return reply;
  }
  if (const auto* soa = zone->find(zone->apex, dns::RRType::SOA)) append(reply.authority, *soa);
  if (auto it = zone->denials.find(q.name.lowercased()); it != zone->denials.end()) {
    for (const auto& set : it->second) append(reply.authority, set);
  }
  if (!zone->nameExists(q.name)) reply.header.rcode = static_cast<uint8_t>(dns::Rcode::NXDomain);
  return reply;
}

// The same reply with every record left out and TC set: what a server sends over UDP when the
// answer does not fit (RFC 2181 §9), and what a hostile one sends to force TCP.
inline dns::Message truncated(dns::Message reply) {
  reply.answer.clear();
  reply.authority.clear();
  reply.additional.clear();
  reply.header.tc = true;
  return reply;
}

// The largest UDP reply the query allows: its EDNS payload size, or 512 without EDNS (RFC 6891
// §6.2.5, RFC 1035 §4.2.1).
inline size_t udpLimit(const dns::Message& query) {
  return query.edns ? std::max<size_t>(512, query.edns->udpSize) : 512;
}

// Encodes a reply for its transport: over UDP an answer that does not fit goes out truncated.
inline Bytes encodeFor(const dns::Message& query, const dns::Message& reply,
                       resolver::Transport transport) {
  Bytes wire = dns::encodeMessage(reply);
  if (transport == resolver::Transport::kUdp && wire.size() > udpLimit(query)) {
    wire = dns::encodeMessage(truncated(reply));
  }
  return wire;
}

// --- Hostile bytes -----------------------------------------------------------------------------

// The reply with another message ID: a resolver must not take it (RFC 5452 §9.1).
inline Bytes withWrongId(Bytes wire) {
  wire[0] ^= 0x5a;
  wire[1] ^= 0xa5;
  return wire;
}

// The reply with the case of every letter of its question name inverted. The codec writes the
// question uncompressed right after the 12-octet header.
inline Bytes withInvertedQuestionCase(Bytes wire) {
  size_t pos = 12;
  while (pos < wire.size() && wire[pos] != 0) {
    const size_t end = pos + 1 + wire[pos];
    for (size_t i = pos + 1; i < end && i < wire.size(); ++i) {
      const uint8_t c = wire[i];
      if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) wire[i] = c ^ 0x20;
    }
    pos = end;
  }
  return wire;
}

// An A record (class IN, TTL 300, 127.0.0.1) whose owner is the two octets `owner`.
inline void appendARecord(Bytes& out, const Bytes& owner) {
  out.insert(out.end(), owner.begin(), owner.end());
  put16(out, dns::toU16(dns::RRType::A));
  put16(out, dns::kClassIN);
  put16(out, 0);
  put16(out, 300);
  put16(out, 4);
  out.insert(out.end(), {127, 0, 0, 1});
}

// An authoritative answer to `query` whose answer section holds records with compression loops in
// their owner names (RFC 1035 §4.1.4 pointers): `mutual` false, one owner that is a pointer to
// itself; true, two owners pointing at each other. The question stays intact, so that the transport
// (c-ares checks the question) hands the answer on and the message parser meets the loop.
inline Bytes compressionLoop(const dns::Message& query, bool mutual) {
  dns::Message frame = replyFrame(query);
  frame.header.aa = true;
  frame.edns.reset();  // the records go right after the question
  Bytes wire = dns::encodeMessage(frame);
  const size_t first = wire.size();
  constexpr size_t kARecordSize = 2 + 10 + 4;
  const size_t second = first + kARecordSize;
  if (mutual) {
    appendARecord(wire, {static_cast<uint8_t>(0xc0 | second >> 8), static_cast<uint8_t>(second)});
    appendARecord(wire, {static_cast<uint8_t>(0xc0 | first >> 8), static_cast<uint8_t>(first)});
  } else {
    appendARecord(wire, {static_cast<uint8_t>(0xc0 | first >> 8), static_cast<uint8_t>(first)});
  }
  wire[7] = mutual ? 2 : 1;  // ANCOUNT
  return wire;
}

// --- The server --------------------------------------------------------------------------------

struct Incoming {
  dns::Message query;  // parsed by the codec; the question as sent (case included)
  resolver::Transport transport = resolver::Transport::kUdp;
};

// What a server does with one query.
struct Action {
  enum class Kind : uint8_t {
    kSend,            // `wire`, whole
    kDrop,            // nothing (a lost datagram)
    kHold,            // TCP: keep the connection open, never read nor answer it again
    kResetMidAnswer,  // TCP: the length prefix and a few octets of `wire`, then FIN and RST
  };
  Kind kind = Kind::kSend;
  Bytes wire;
  // After the action, every TCP connection held so far is reset (FIN, then RST).
  bool resetHeld = false;

  static Action send(Bytes wire) { return {Kind::kSend, std::move(wire), false}; }
  static Action drop() { return {Kind::kDrop, {}, false}; }
  static Action hold() { return {Kind::kHold, {}, false}; }
  static Action resetMidAnswer(Bytes wire) {
    return {Kind::kResetMidAnswer, std::move(wire), false};
  }
  static Action sendThenResetHeld(Bytes wire) { return {Kind::kSend, std::move(wire), true}; }
};

struct ServerOptions {
  // TCP: every connection is read up to this many octets (the length prefix and the start of the
  // query) and then half-closed and reset, before any query is answered. 0: TCP served normally.
  size_t resetTcpAfterReading = 0;
};

class HostileServer {
 public:
  using Handler = std::function<Action(const Incoming&)>;
  static constexpr uint16_t kPort = 53;
  // A reply must never wait on a client that stopped sending: reads give up after this.
  static constexpr int kReadTimeoutMs = 2000;
  // Octets of a reply written before a kResetMidAnswer reset.
  static constexpr size_t kPartialOctets = 5;

  // Binds UDP and TCP on ip:53. On failure returns nullptr and says why in `error`.
  static std::unique_ptr<HostileServer> start(const std::string& ip, Handler handler,
                                              ServerOptions options, std::string& error) {
    auto server =
        std::unique_ptr<HostileServer>(new HostileServer(ip, std::move(handler), options));
    if (!server->bindBoth(error)) return nullptr;
    server->thread_ = std::thread([s = server.get()] { s->serve(); });
    return server;
  }

  ~HostileServer() {
    sockets_.stop();
    if (thread_.joinable()) thread_.join();
  }

  const std::string& ip() const { return ip_; }
  int udpQueries() const { return udpQueries_; }
  int tcpQueries() const { return tcpQueries_; }
  int tcpResets() const { return tcpResets_; }
  int tcpHeld() const { return tcpHeld_; }

 private:
  HostileServer(std::string ip, Handler handler, ServerOptions options)
      : ip_(std::move(ip)), handler_(std::move(handler)), options_(options) {}

  bool bindBoth(std::string& error) {
    sockaddr_storage addr{};
    auto* sa = reinterpret_cast<sockaddr_in*>(&addr);
    sa->sin_family = AF_INET;
    sa->sin_port = htons(kPort);
    if (inet_pton(AF_INET, ip_.c_str(), &sa->sin_addr) != 1) {
      error = "not an IPv4 address: " + ip_;
      return false;
    }
    if (!sockets_.bind(addr, sizeof(sockaddr_in), 64)) {
      error = "cannot bind " + ip_ + ":53 (UDP and TCP): " + std::strerror(errno) +
              " (the test needs root or CAP_NET_BIND_SERVICE)";
      return false;
    }
    return true;
  }

  // Our writes never raise SIGPIPE: a client may reset a connection under them.
  static void writeFully(int fd, const Bytes& data) {
    resolver::testing::writeFully(fd, data, MSG_NOSIGNAL);
  }

  // FIN first, then RST (resolver::testing::resetConnection), counted.
  void reset(int c) {
    resolver::testing::resetConnection(c);
    ++tcpResets_;
  }

  std::optional<Action> handle(const Bytes& wire, resolver::Transport transport) {
    auto parsed = dns::parseMessage(wire);
    if (!parsed || parsed->questions.size() != 1) return std::nullopt;
    (transport == resolver::Transport::kUdp ? udpQueries_ : tcpQueries_)++;
    return handler_(Incoming{std::move(parsed).value(), transport});
  }

  void serveUdp(const resolver::testing::Datagram& datagram) {
    auto action = handle(datagram.data, resolver::Transport::kUdp);
    if (!action || action->kind != Action::Kind::kSend) return;
    sockets_.sendTo(datagram, action->wire);
    if (action->resetHeld) {
      for (const int c : std::exchange(held_, {})) reset(c);
    }
  }

  // A new connection; false when it is not to be served (reset at once).
  bool accept(int c) {
    const timeval limit{kReadTimeoutMs / 1000, (kReadTimeoutMs % 1000) * 1000};
    setsockopt(c, SOL_SOCKET, SO_RCVTIMEO, &limit, sizeof limit);
    if (options_.resetTcpAfterReading > 0) {
      Bytes part(options_.resetTcpAfterReading);
      [[maybe_unused]] const bool complete =
          resolver::testing::readFully(c, part.data(), part.size());
      reset(c);
      return false;
    }
    return true;
  }

  // One query from a connection; false when the connection is no longer polled (closed, held or
  // reset).
  bool serveTcp(int c) {
    auto message = resolver::testing::readTcpMessage(c);
    if (!message) {
      close(c);
      return false;
    }
    auto action = handle(*message, resolver::Transport::kTcp);
    if (!action || action->kind == Action::Kind::kDrop) return true;
    if (action->kind == Action::Kind::kHold) {
      held_.push_back(c);
      ++tcpHeld_;
      return false;
    }
    Bytes framed = resolver::testing::tcpFramed(action->wire);
    if (action->kind == Action::Kind::kResetMidAnswer) {
      framed.resize(std::min(framed.size(), 2 + kPartialOctets));
      writeFully(c, framed);
      reset(c);
      return false;
    }
    writeFully(c, framed);
    return true;
  }

  void serve() {
    const std::vector<int> connections =
        sockets_.serve([this](const resolver::testing::Datagram& d) { serveUdp(d); },
                       [this](int c) { return accept(c); }, [this](int c) { return serveTcp(c); });
    for (int c : connections) close(c);
    for (int c : held_) close(c);
  }

  std::string ip_;
  Handler handler_;
  ServerOptions options_;
  resolver::testing::LoopbackSockets sockets_;
  // TCP connections never read nor answered again, until a resetHeld action or the server stops.
  // Only the server's thread touches them.
  std::vector<int> held_;
  std::atomic<int> udpQueries_{0};
  std::atomic<int> tcpQueries_{0};
  std::atomic<int> tcpResets_{0};
  std::atomic<int> tcpHeld_{0};
  std::thread thread_;
};

}  // namespace zonewatch::probe::testing
