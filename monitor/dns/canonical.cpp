#include "monitor/dns/canonical.h"

#include <algorithm>

#include "monitor/dns/wire.h"

namespace zonewatch::dns {

namespace {

constexpr uint8_t kAlgorithmRsaMd5 = 1;

}  // namespace

std::vector<uint8_t> canonicalRdata(RRType type, std::span<const uint8_t> rdata) {
  if (!lowercasesNamesInCanonicalForm(type) || rdataLayout(type).empty()) {
    return {rdata.begin(), rdata.end()};
  }
  auto lowered = copyRdata(type, WireReader(rdata), false, true);
  // RDATA that does not fit its type cannot verify anyway; leaving it as it is keeps this total.
  if (!lowered) return {rdata.begin(), rdata.end()};
  return std::move(lowered).value();
}

std::vector<uint8_t> rrsigRdataWithoutSignature(const rdata::RRSIG& sig) {
  // RFC 4034 §3.1.8.1: every RRSIG field but the signature, the signer name in canonical form
  // (lowercase, uncompressed; RFC 6840 §5.1 keeps RRSIG in the lowercased list).
  rdata::RRSIG fields = sig;
  fields.signer = sig.signer.lowercased();
  fields.signature.clear();
  return encodeRdata(fields);
}

std::vector<uint8_t> signedData(const rdata::RRSIG& sig, const RRset& rrset) {
  std::vector<uint8_t> out = rrsigRdataWithoutSignature(sig);

  // RFC 4034 §3.1.8.1 and §6.2 items 1-2: owner in canonical form. When the RRSIG labels field is
  // smaller than the owner's label count (a leading "*" not counted, RFC 4034 §3.1.3), the RRset
  // was synthesized from a wildcard: the signed owner is "*." + the rightmost `labels` labels
  // (RFC 4035 §5.3.2). A labels field larger than the owner's makes the RRSIG invalid (RFC 4035
  // §5.3.1); that is the validator's check, the owner is then used as it is.
  Name owner = rrset.owner.lowercased();
  size_t ownerLabels = owner.labelCount() - (owner.isWildcard() ? 1 : 0);
  if (sig.labels < ownerLabels) {
    auto wildcard = owner.suffix(sig.labels).child("*");
    if (wildcard) owner = std::move(wildcard).value();
  }

  // RFC 4034 §6.3: RRs in canonical order, i.e. sorted by their canonical RDATA as left-justified
  // unsigned octet strings (a prefix sorts first), and §6.3's duplicates removed.
  std::vector<std::vector<uint8_t>> rdatas;
  rdatas.reserve(rrset.records.size());
  for (const ResourceRecord& rr : rrset.records) {
    rdatas.push_back(canonicalRdata(rrset.type, rr.wireRdata()));
  }
  std::sort(rdatas.begin(), rdatas.end());
  rdatas.erase(std::unique(rdatas.begin(), rdatas.end()), rdatas.end());

  WireWriter w;
  for (const auto& rdata : rdatas) {
    // RFC 4034 §6.2 item 5 / §3.1.8.1: the TTL is the RRSIG's Original TTL.
    w.name(owner);
    w.u16(toU16(rrset.type));
    w.u16(rrset.rclass);
    w.u32(sig.originalTtl);
    w.u16(static_cast<uint16_t>(rdata.size()));
    w.bytes(rdata);
  }
  const auto& tail = w.data();
  out.insert(out.end(), tail.begin(), tail.end());
  return out;
}

uint16_t keyTag(std::span<const uint8_t> dnskeyRdata) {
  if (dnskeyRdata.size() >= 4 && dnskeyRdata[3] == kAlgorithmRsaMd5) {
    // RFC 4034 Appendix B.1: for RSA/MD5 the tag is the most significant 16 of the least
    // significant 24 bits of the modulus, which ends the key.
    if (dnskeyRdata.size() < 7) return 0;
    size_t n = dnskeyRdata.size();
    return static_cast<uint16_t>((dnskeyRdata[n - 3] << 8) | dnskeyRdata[n - 2]);
  }
  // RFC 4034 Appendix B: one's-complement-style sum of the RDATA as 16-bit words.
  uint64_t ac = 0;
  for (size_t i = 0; i < dnskeyRdata.size(); ++i) {
    ac += (i & 1) ? uint64_t{dnskeyRdata[i]} : uint64_t{dnskeyRdata[i]} << 8;
  }
  ac += (ac >> 16) & 0xFFFF;
  return static_cast<uint16_t>(ac & 0xFFFF);
}

std::vector<uint8_t> dsDigestInput(const Name& owner, std::span<const uint8_t> dnskeyRdata) {
  // RFC 4034 §5.1.4: digest = hash(DNSKEY owner name | DNSKEY RDATA), the owner in canonical form.
  std::vector<uint8_t> out = owner.lowercased().wire();
  out.insert(out.end(), dnskeyRdata.begin(), dnskeyRdata.end());
  return out;
}

}  // namespace zonewatch::dns
