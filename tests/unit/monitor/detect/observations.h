// Hand-built observations the detect tests share: a healthy, signed example.com. and its servers.
#pragma once

#include <cstdint>
#include <string>

#include "monitor/model/observation.h"

namespace zonewatch::detect::testing {

inline model::ServerView server(const std::string& name, const std::string& address) {
  model::ServerView s;
  s.name = name;
  s.address = address;
  s.rcode = 0;
  s.aa = true;
  s.ns = {"ns1.alpha-dns.example.", "ns2.beta-dns.example."};
  s.dnskey = {{100, 257, 13}, {200, 256, 13}};
  s.state = model::SecurityState::kSecure;
  s.reason = model::SecurityReason::kNone;
  return s;
}

// A secure, healthy observation of example.com. at time t.
inline model::Observation healthy(int64_t t) {
  model::Observation o;
  o.domain = "example.com.";
  o.domainUnicode = o.domain;
  o.observedAt = t;
  o.status = model::SecurityState::kSecure;
  o.reason = model::SecurityReason::kNone;
  o.operators = {"alpha-dns.example.", "beta-dns.example."};
  o.parent.zone = "com.";
  o.parent.ns = {"ns1.alpha-dns.example.", "ns2.beta-dns.example."};
  o.parent.ds = {{100, 13, 2, "AABB"}};
  model::ParentServer p;
  p.name = "a.gtld.example.";
  p.address = "192.0.2.1";
  p.ns = o.parent.ns;
  p.ds = o.parent.ds;
  o.parent.servers = {p};
  o.servers = {server("ns1.alpha-dns.example.", "192.0.2.53"),
               server("ns2.beta-dns.example.", "198.51.100.53")};
  o.earliestRrsigExpiration = t + 30 * 86400;
  return o;
}

}  // namespace zonewatch::detect::testing
