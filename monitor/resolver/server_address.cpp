#include "monitor/resolver/server_address.h"

#include <arpa/inet.h>

#include <array>
#include <charconv>

namespace zonewatch::resolver {
namespace {

// The canonical text of an IP literal, or an empty string when text is not one. inet_pton rejects
// zone indexes ("fe80::1%eth0"), which is what we want: a monitored server has a global address.
std::string canonicalIp(std::string_view text) {
  if (text.empty() || text.size() >= INET6_ADDRSTRLEN) return {};
  const std::string copy(text);  // inet_pton needs a NUL-terminated string
  std::array<char, INET6_ADDRSTRLEN> out{};
  in_addr v4{};
  if (inet_pton(AF_INET, copy.c_str(), &v4) == 1) {
    return inet_ntop(AF_INET, &v4, out.data(), out.size()) ? std::string(out.data()) : "";
  }
  in6_addr v6{};
  if (inet_pton(AF_INET6, copy.c_str(), &v6) == 1) {
    return inet_ntop(AF_INET6, &v6, out.data(), out.size()) ? std::string(out.data()) : "";
  }
  return {};
}

Result<uint16_t> parsePort(std::string_view text) {
  unsigned value = 0;
  const auto* end = text.data() + text.size();
  const auto [ptr, ec] = std::from_chars(text.data(), end, value);
  if (text.empty() || ec != std::errc() || ptr != end || value == 0 || value > 65535) {
    return fail("invalid port \"" + std::string(text) + "\"");
  }
  return static_cast<uint16_t>(value);
}

}  // namespace

Result<ServerAddress> ServerAddress::make(std::string_view ip, uint16_t port) {
  std::string canonical = canonicalIp(ip);
  if (canonical.empty()) return fail("not an IP address: \"" + std::string(ip) + "\"");
  if (port == 0) return fail("port 0 is not a server port");
  return ServerAddress{std::move(canonical), port};
}

Result<ServerAddress> ServerAddress::fromBytes(std::span<const uint8_t> address, uint16_t port) {
  // inet_ntop straight from the bytes gives the same canonical text as make()'s round trip.
  std::array<char, INET6_ADDRSTRLEN> out{};
  const int family = address.size() == 4 ? AF_INET : address.size() == 16 ? AF_INET6 : AF_UNSPEC;
  if (family == AF_UNSPEC || inet_ntop(family, address.data(), out.data(), out.size()) == nullptr) {
    return fail("not an IP address: " + std::to_string(address.size()) + " bytes");
  }
  return ServerAddress{out.data(), port};
}

Result<ServerAddress> ServerAddress::parse(std::string_view text) {
  if (!text.empty() && text.front() == '[') {
    const size_t close = text.find(']');
    if (close == std::string_view::npos)
      return fail("missing ']' in \"" + std::string(text) + "\"");
    const std::string_view ip = text.substr(1, close - 1);
    if (ip.find(':') == std::string_view::npos) {
      return fail("brackets are for IPv6 addresses: \"" + std::string(text) + "\"");
    }
    const std::string_view rest = text.substr(close + 1);
    if (rest.empty()) return make(ip);
    if (rest.front() != ':')
      return fail("unexpected text after ']' in \"" + std::string(text) + "\"");
    auto port = parsePort(rest.substr(1));
    if (!port) return Unexpected{port.error()};
    return make(ip, *port);
  }
  const size_t firstColon = text.find(':');
  if (firstColon != std::string_view::npos &&
      text.find(':', firstColon + 1) == std::string_view::npos) {
    // Exactly one colon: IPv4 with a port (no IPv6 literal has a single colon).
    auto port = parsePort(text.substr(firstColon + 1));
    if (!port) return Unexpected{port.error()};
    auto address = make(text.substr(0, firstColon), *port);
    if (address && address->isIpv6()) return fail("IPv6 with a port needs brackets");
    return address;
  }
  return make(text);
}

bool ServerAddress::isIpv6() const {
  return ip.find(':') != std::string::npos;
}

std::string ServerAddress::toString() const {
  const std::string portText = std::to_string(port);
  return isIpv6() ? "[" + ip + "]:" + portText : ip + ":" + portText;
}

}  // namespace zonewatch::resolver
