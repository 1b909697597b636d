// ServerAddress: which name server a query goes to, as an IP literal and a port.
//
// zonewatch only ever asks servers by address (never by host name: resolving the NS host names is
// the probe's job, done iteratively through this engine), so an address is an IPv4 or IPv6 literal
// kept in its canonical text form (inet_ntop's), which makes two spellings of one address compare
// equal. The port is there for tests and labs; production servers listen on 53.
#pragma once

#include <compare>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "monitor/util/result.h"

namespace zonewatch::resolver {

constexpr uint16_t kDnsPort = 53;

struct ServerAddress {
  std::string ip;  // canonical IPv4 or IPv6 literal, without brackets
  uint16_t port = kDnsPort;

  // Accepts "192.0.2.1", "192.0.2.1:5353", "2001:db8::1", "[2001:db8::1]" and "[2001:db8::1]:5353".
  // A bare IPv6 literal has no port (its colons are the address's); a port needs the brackets.
  static Result<ServerAddress> parse(std::string_view text);
  // An address from its parts; fails unless ip is an IPv4 or IPv6 literal.
  static Result<ServerAddress> make(std::string_view ip, uint16_t port = kDnsPort);
  // An address from network-order bytes, as an A (4 bytes) or AAAA (16 bytes) record holds it;
  // fails for any other length.
  static Result<ServerAddress> fromBytes(std::span<const uint8_t> address,
                                         uint16_t port = kDnsPort);

  bool isIpv6() const;
  // "192.0.2.1:53" or "[2001:db8::1]:53": always with the port, so the text parses back unchanged.
  std::string toString() const;

  friend bool operator==(const ServerAddress&, const ServerAddress&) = default;
  friend auto operator<=>(const ServerAddress&, const ServerAddress&) = default;
};

}  // namespace zonewatch::resolver
