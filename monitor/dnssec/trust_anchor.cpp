#include "monitor/dnssec/trust_anchor.h"

#include "monitor/dns/zone_reader.h"

namespace zonewatch::dnssec {

namespace {
// IANA root-anchors.xml; the same records Debian ships in /usr/share/dns/root.ds.
constexpr std::string_view kRootAnchors =
    ". IN DS 20326 8 2 E06D44B80B8F1D39A95C0B0D7C65D08458E880409BBC683457104237C7F8EC8D\n"
    ". IN DS 38696 8 2 683D2D0ACB8C9B712A1948B27F741219298D0A450D612C483AF444A4C0FB2B16\n";
}  // namespace

TrustAnchors TrustAnchors::builtInRoot() {
  auto parsed = fromText(kRootAnchors, "built-in root trust anchors");
  // The text above is a compile-time constant covered by tests; failing here is a programming
  // error.
  if (!parsed) return TrustAnchors{};
  return std::move(parsed).value();
}

Result<TrustAnchors> TrustAnchors::fromRecords(const std::vector<dns::ResourceRecord>& records) {
  if (records.empty()) return fail("no DS or DNSKEY records");
  TrustAnchors anchors;
  anchors.zone = records.front().owner;
  for (const auto& rr : records) {
    if (!(rr.owner == anchors.zone)) {
      return fail("trust anchors for more than one zone (" + anchors.zone.toString() + " and " +
                  rr.owner.toString() + ")");
    }
    if (rr.type == dns::RRType::DS) {
      anchors.ds.push_back(std::get<dns::rdata::DS>(rr.data));
    } else if (rr.type == dns::RRType::DNSKEY) {
      anchors.dnskeys.push_back(rr);
    } else {
      return fail("a trust anchor must be a DS or DNSKEY record, not " +
                  dns::typeToString(rr.type));
    }
  }
  return anchors;
}

Result<TrustAnchors> TrustAnchors::fromText(std::string_view text, std::string_view source) {
  auto records = dns::readZoneText(text, source);
  if (!records) return Unexpected{records.error()};
  auto anchors = fromRecords(*records);
  if (!anchors) return fail(std::string(source) + ": " + anchors.error().message);
  return anchors;
}

}  // namespace zonewatch::dnssec
