// libFuzzer target for the zone-file text reader (monitor/dns/zone_reader.h), the parser behind
// --root-hints, --trust-anchor and the config's root_hints/trust_anchors files: operator input, not
// network input, but a hostile or broken file must give an error, never a crash or a hang. For
// every text it accepts, each record must print (toString) as one line that reads back to the
// same owner, type, TTL and RDATA.
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "monitor/dns/zone_reader.h"

namespace {

using namespace zonewatch::dns;

void check(bool ok, const std::string& what) {
  if (ok) return;
  std::fprintf(stderr, "zone_text_fuzzer: property violated: %s\n", what.c_str());
  std::abort();
}

void readBack(const ResourceRecord& rr) {
  const std::string line = rr.toString();
  auto again = readZoneText(line, "reprint");
  check(again.ok(), "a record's own text does not read back: " + line + " (" +
                        (again ? std::string() : again.error().message) + ")");
  check(again->size() == 1,
        "a record's own text reads as " + std::to_string(again->size()) + " records: " + line);
  const ResourceRecord& back = again->front();
  check(back.owner.wire() == rr.owner.wire(), "owner changed through text: " + line);
  check(back.type == rr.type && back.ttl == rr.ttl, "type or TTL changed through text: " + line);
  check(back.rdata == rr.rdata, "RDATA changed through text: " + line);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const unsigned char* data, size_t size) {
  // Files past 64 KiB are no hints or anchors; keep each run fast.
  if (size > 65536) return 0;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto records = readZoneText(text, "fuzz");
  if (!records) return 0;
  for (const auto& rr : *records) readBack(rr);
  return 0;
}
