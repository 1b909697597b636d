// Zone data written as text for the probe's tests on the fake engine (fake_engine.h) with unsigned
// zones: iterator_test.cpp, iterator_paths_test.cpp, prober_bailiwick_test.cpp. A name, an RRset
// read from zone-file lines, and a zone served by one server.
#pragma once

#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>

#include "monitor/dns/zone_reader.h"
#include "tests/unit/monitor/probe/fake_engine.h"

namespace zonewatch::probe::testing {

// `text` as a name; it must be one.
inline dns::Name name(std::string_view text) {
  return dns::Name::parse(text).value();
}

// The RRset of the zone-file lines `text` (one owner and type, no RRSIG); throws when they do not
// parse.
inline dns::RRset set(std::string_view text) {
  auto parsed = dns::readZoneText(text, "test");
  if (!parsed) throw std::runtime_error(parsed.error().message);
  dns::RRset s;
  s.owner = parsed->front().owner;
  s.type = parsed->front().type;
  s.records = std::move(parsed).value();
  return s;
}

// The zone `apex` with its SOA, its NS RRset (the one host `ns`) and that host's A record
// (`address`).
inline FakeZone zone(std::string_view apex, std::string_view ns, std::string_view address) {
  FakeZone z{name(apex), {}};
  const std::string a(apex), host(ns);
  const std::string rname = "hostmaster." + (a == "." ? std::string() : a);
  z.put(set(a + " 3600 IN SOA " + host + " " + rname + " 1 7200 3600 1209600 3600"));
  z.put(set(a + " 3600 IN NS " + host));
  z.put(set(host + " 3600 IN A " + std::string(address)));
  return z;
}

}  // namespace zonewatch::probe::testing
