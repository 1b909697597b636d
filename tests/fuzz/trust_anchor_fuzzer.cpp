// libFuzzer target for the trust-anchor reader (dnssec::TrustAnchors::fromText,
// monitor/dnssec/trust_anchor.h), the parser behind --trust-anchor and the config's
// `trust_anchors` file: a chain of trust starts from what it returns, so a broken file must give
// an error naming the file, never a crash, a hang or anchors that are not what the file says. For
// every text it accepts: at least one anchor, every DNSKEY anchor a DNSKEY owned by the anchor
// zone, and the anchors, printed as DS/DNSKEY records, read back to the same set.
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "monitor/dns/rdata.h"
#include "monitor/dnssec/trust_anchor.h"

namespace {

using namespace zonewatch;

constexpr std::string_view kSource = "fuzz.anchors";

void check(bool ok, const std::string& what) {
  if (ok) return;
  std::fprintf(stderr, "trust_anchor_fuzzer: property violated: %s\n", what.c_str());
  std::abort();
}

// The anchors as zone-file text: what an operator would write to get the same anchors.
std::string reprint(const dnssec::TrustAnchors& anchors) {
  std::string text;
  for (const dns::rdata::DS& ds : anchors.ds) {
    text += anchors.zone.toString() + " 3600 IN DS " +
            dns::rdataToString(dns::RRType::DS, dns::encodeRdata(ds)) + "\n";
  }
  for (const dns::ResourceRecord& key : anchors.dnskeys) text += key.toString() + "\n";
  return text;
}

void checkAnchors(const dnssec::TrustAnchors& anchors) {
  check(!anchors.empty(), "no anchors accepted");
  for (const dns::ResourceRecord& key : anchors.dnskeys) {
    check(key.type == dns::RRType::DNSKEY, "a DNSKEY anchor of another type");
    check(key.owner == anchors.zone, "a DNSKEY anchor for another zone: " + key.toString());
  }
  const std::string text = reprint(anchors);
  auto again = dnssec::TrustAnchors::fromText(text, "reprint");
  check(again.ok(), "anchors do not read back: " + text + " (" +
                        (again ? std::string() : again.error().message) + ")");
  check(again->zone.wire() == anchors.zone.wire(), "anchor zone changed through text: " + text);
  check(again->ds == anchors.ds, "DS anchors changed through text: " + text);
  check(again->dnskeys.size() == anchors.dnskeys.size(), "DNSKEY count changed: " + text);
  for (size_t i = 0; i < anchors.dnskeys.size(); ++i) {
    check(again->dnskeys[i].rdata == anchors.dnskeys[i].rdata, "DNSKEY changed: " + text);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const unsigned char* data, size_t size) {
  // Files past 64 KiB are no trust anchors (root.ds is 200 bytes); keep each run fast.
  if (size > 65536) return 0;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto anchors = dnssec::TrustAnchors::fromText(text, kSource);
  if (!anchors) {
    check(anchors.error().message.rfind(std::string(kSource) + ":", 0) == 0,
          "error does not name the file: " + anchors.error().message);
    return 0;
  }
  checkAnchors(*anchors);
  return 0;
}
