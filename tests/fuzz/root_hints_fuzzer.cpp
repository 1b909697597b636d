// libFuzzer target for the root hints reader (probe::rootHintsFromText,
// monitor/probe/root_hints.h), the parser behind --root-hints and the config's `root_hints` file:
// operator input, but a broken file must give an error naming the file, never a crash or a hang.
// For every text it accepts, the zone cut must be usable as the start of every walk: at least one
// server, no host twice, hosts lowercased, each with at least one address, no address twice, every
// address on port 53.
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "monitor/probe/root_hints.h"

namespace {

using namespace zonewatch;

constexpr std::string_view kSource = "fuzz.hints";

void check(bool ok, const std::string& what) {
  if (ok) return;
  std::fprintf(stderr, "root_hints_fuzzer: property violated: %s\n", what.c_str());
  std::abort();
}

void checkCut(const probe::ZoneCut& cut) {
  check(cut.zone.isRoot(), "hints for a zone other than the root");
  check(!cut.servers.empty(), "hints without servers");
  for (size_t i = 0; i < cut.servers.size(); ++i) {
    const probe::NameServer& s = cut.servers[i];
    const std::string host = s.host.toString();
    check(s.host.wire() == s.host.lowercased().wire(), "host not lowercased: " + host);
    check(!s.addresses.empty(), "server without an address: " + host);
    for (size_t j = 0; j < i; ++j) check(!(cut.servers[j].host == s.host), "host twice: " + host);
    for (size_t a = 0; a < s.addresses.size(); ++a) {
      const resolver::ServerAddress& address = s.addresses[a];
      check(address.port == resolver::kDnsPort, "address not on port 53: " + address.toString());
      auto again = resolver::ServerAddress::parse(address.toString());
      check(again.ok() && *again == address, "address does not read back: " + address.toString());
      for (size_t b = 0; b < a; ++b) {
        check(!(s.addresses[b] == address), "address twice: " + address.toString());
      }
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const unsigned char* data, size_t size) {
  // Files past 64 KiB are no root hints (named.root is 3 KiB); keep each run fast.
  if (size > 65536) return 0;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto cut = probe::rootHintsFromText(text, kSource);
  if (!cut) {
    check(cut.error().message.rfind(std::string(kSource) + ":", 0) == 0,
          "error does not name the file: " + cut.error().message);
    return 0;
  }
  checkCut(*cut);
  return 0;
}
