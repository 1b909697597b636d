// A healthy, hand-built Observation shared by the probe's unit tests: a signed example.com. with
// two name servers (one in-domain with glue, one out of domain) at three addresses, all of which
// agree with each other and with the parent. Each test breaks one thing and looks for its effect.
#pragma once

#include <cstdint>

#include "monitor/model/observation.h"

namespace zonewatch::probe::testing {

constexpr int64_t kNow = 1795780800;  // 2026-11-27T12:00:00Z
constexpr int64_t kDay = 86400;

inline model::ServerView healthyServer(const std::string& name, const std::string& address) {
  model::ServerView s;
  s.name = name;
  s.address = address;
  s.rcode = 0;
  s.aa = true;
  s.transport = "udp";
  s.rttMs = 1.25;
  s.soaSerial = 2026112701;
  s.soaMname = "ns1.example.com.";
  s.soaRname = "hostmaster.example.com.";
  s.ns = {"ns1.example.com.", "ns2.example.net."};
  s.dnskey = {{12345, 257, 13}, {23456, 256, 13}};
  s.earliestRrsigExpiration = kNow + 20 * kDay;
  s.state = model::SecurityState::kSecure;
  s.reason = model::SecurityReason::kNone;
  return s;
}

inline model::ParentServer healthyParentServer(const std::string& name,
                                               const std::string& address) {
  model::ParentServer p;
  p.name = name;
  p.address = address;
  p.ns = {"ns1.example.com.", "ns2.example.net."};
  p.glue = {{"ns1.example.com.", {"192.0.2.1", "2001:db8::1"}}};
  p.ds = {{12345, 13, 2, "3A4F0C"}};
  p.rttMs = 2.5;
  return p;
}

inline model::Observation healthyObservation() {
  model::Observation o;
  o.domain = "example.com.";
  o.domainUnicode = "example.com.";
  o.observedAt = kNow;
  o.status = model::SecurityState::kSecure;
  o.reason = model::SecurityReason::kNone;
  o.operators = {"example.com.", "example.net."};
  o.parent.zone = "com.";
  o.parent.servers = {healthyParentServer("a.gtld-servers.net.", "192.5.6.30"),
                      healthyParentServer("b.gtld-servers.net.", "192.33.14.30")};
  o.parent.ns = {"ns1.example.com.", "ns2.example.net."};
  o.parent.glue = {{"ns1.example.com.", {"192.0.2.1", "2001:db8::1"}}};
  o.parent.ds = {{12345, 13, 2, "3A4F0C"}};
  o.servers = {healthyServer("ns1.example.com.", "192.0.2.1"),
               healthyServer("ns1.example.com.", "2001:db8::1"),
               healthyServer("ns2.example.net.", "198.51.100.2")};
  o.chain = {{".",
              model::SecurityState::kSecure,
              model::SecurityReason::kNone,
              {20326, 38696},
              {20326, 38696, 53148},
              {},
              {},
              {}},
             {"com.",
              model::SecurityState::kSecure,
              model::SecurityReason::kNone,
              {19718},
              {19718, 4534},
              {},
              {},
              {}},
             {"example.com.",
              model::SecurityState::kSecure,
              model::SecurityReason::kNone,
              {12345},
              {12345, 23456},
              {},
              {},
              {}}};
  o.earliestRrsigExpiration = kNow + 20 * kDay;
  return o;
}

}  // namespace zonewatch::probe::testing
