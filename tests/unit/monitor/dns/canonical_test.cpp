#include "monitor/dns/canonical.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <optional>
#include <sstream>

#include "monitor/crypto/crypto.h"
#include "monitor/dns/presentation.h"
#include "monitor/dns/zone_reader.h"
#include "tests/unit/monitor/dns/packet_builder.h"

namespace zonewatch::dns {
namespace {

using testing::hexBytes;

// Digests and signatures over the codec's bytes are checked against published vectors through the
// crypto adapter (monitor/crypto/crypto.h), the one place that talks to OpenSSL; the codec itself
// has no crypto.
std::vector<uint8_t> sha1(std::span<const uint8_t> data) {
  return crypto::dsDigest(digest::kSha1, data).value_or(std::vector<uint8_t>{});
}

std::vector<uint8_t> sha256(std::span<const uint8_t> data) {
  return crypto::dsDigest(digest::kSha256, data).value_or(std::vector<uint8_t>{});
}

// True when `signature` (RRSIG Signature field) verifies over `data` with the DNSKEY public key.
bool verifies(uint8_t algorithm, std::span<const uint8_t> publicKey,
              std::span<const uint8_t> signature, std::span<const uint8_t> data) {
  auto key = crypto::PublicKey::fromDnskey(algorithm, publicKey);
  EXPECT_TRUE(key.ok()) << (key ? "" : key.error().message);
  return key && key->verify(data, signature) == crypto::VerifyOutcome::kValid;
}

std::vector<ResourceRecord> zone(std::string_view text) {
  auto r = readZoneText(text, "vector");
  EXPECT_TRUE(r.ok()) << (r ? "" : r.error().message);
  return r ? *r : std::vector<ResourceRecord>{};
}

template <class T>
const T& as(const ResourceRecord& rr) {
  return std::get<T>(rr.data);
}

Name N(std::string_view text) {
  return *Name::parse(text);
}

std::optional<std::string> readFile(const char* path) {
  std::ifstream in(path);
  if (!in) return std::nullopt;
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

TEST(CanonicalTest, Rfc4034Section5_4DsExample) {
  // RFC 4034 §5.4 (and RFC 4509 §2.3 for the SHA-256 digest), as the RFC prints it.
  auto rrs = zone(R"(
dskey.example.com. 86400 IN DNSKEY 256 3 5 ( AQOeiiR0GOMYkDshWoSKz9Xz
                                             fwJr1AYtsmx3TGkJaNXVbfi/
                                             2pHm822aJ5iI9BMzNXxeYCmZ
                                             DRD99WYwYqUSdjMmmAphXdvx
                                             egXd/M5+X7OrzKBaMbCVdFLU
                                             Uh6DhweJBjEVv5f2wwjM9Xzc
                                             nOf+EPbtG9DMBmADjFDc2w/r
                                             ljwvFw==
                                             ) ;  key id = 60485

dskey.example.com. 86400 IN DS 60485 5 1 ( 2BB183AF5F22588179A53B0A
                                           98631FAD1A292118 )
dskey.example.com. 86400 IN DS 60485 5 2   ( D4B7D520E7BB5F0F67674A0C
                                             CEB1E3E0614B93C4F9E99B83
                                             83F6A1E4469DA50A )
)");
  ASSERT_EQ(rrs.size(), 3u);
  const ResourceRecord& key = rrs[0];
  EXPECT_EQ(keyTag(key.rdata), 60485);
  EXPECT_EQ(as<rdata::DS>(rrs[1]).keyTag, 60485);

  // §5.1.4: owner in canonical wire form followed by the DNSKEY RDATA.
  auto input = dsDigestInput(N("DSKEY.Example.COM"), key.rdata);
  std::vector<uint8_t> expected = N("dskey.example.com").wire();
  expected.insert(expected.end(), key.rdata.begin(), key.rdata.end());
  EXPECT_EQ(input, expected);
  EXPECT_EQ(std::vector<uint8_t>(input.begin() + 19, input.begin() + 23), hexBytes("01000305"));

  EXPECT_EQ(sha1(input), as<rdata::DS>(rrs[1]).digest);
  EXPECT_EQ(sha256(input), as<rdata::DS>(rrs[2]).digest);
}

TEST(CanonicalTest, RootTrustAnchorsFromTheSystem) {
  // dns-root-data's files: the DS digests IANA publishes must come out of the DNSKEYs.
  auto keys = readFile("/usr/share/dns/root.key");
  auto dss = readFile("/usr/share/dns/root.ds");
  if (!keys || !dss) GTEST_SKIP() << "dns-root-data is not installed";
  auto keyRecords = readZoneText(*keys, "/usr/share/dns/root.key");
  auto dsRecords = readZoneText(*dss, "/usr/share/dns/root.ds");
  ASSERT_TRUE(keyRecords.ok()) << keyRecords.error().message;
  ASSERT_TRUE(dsRecords.ok()) << dsRecords.error().message;
  ASSERT_FALSE(dsRecords->empty());
  size_t matched = 0;
  for (const auto& ds : *dsRecords) {
    const auto& d = as<rdata::DS>(ds);
    ASSERT_EQ(d.digestType, digest::kSha256);
    for (const auto& key : *keyRecords) {
      if (keyTag(key.rdata) != d.keyTag) continue;
      EXPECT_EQ(sha256(dsDigestInput(key.owner, key.rdata)), d.digest) << "key tag " << d.keyTag;
      ++matched;
    }
  }
  EXPECT_EQ(matched, dsRecords->size());
  EXPECT_NE(std::find_if(dsRecords->begin(), dsRecords->end(),
                         [](const auto& rr) { return as<rdata::DS>(rr).keyTag == 20326; }),
            dsRecords->end());
}

TEST(CanonicalTest, KeyTagsOfPublishedKeys) {
  auto rrs = zone(R"(
; RFC 5155 Appendix A: the ZSK signs at tag 40430, the KSK at 12708.
example. 3600 IN DNSKEY 256 3 7 AwEAAaetidLzsKWUt4swWR8yu0wPHPiUi8LUsAD0QPWU+wzt89epO6tHzkMBVDkC7qphQO2hTY4hHn9npWFRw5BYubE=
example. 3600 IN DNSKEY 257 3 7 AwEAAcUlFV1vhmqx6NSOUOq2R/dsR7Xm3upJj7IommWSpJABVfW8Q0rOvXdM6kzt+TAu92L9AbsUdblMFin8CVF3n4s=
; RFC 6605 §6.1 and RFC 8080 §6.1
example.net. 3600 IN DNSKEY 257 3 13 GojIhhXUN/u4v54ZQqGSnyhWJwaubCvTmeexv7bR6edbkrSqQpF64cYbcB7wNcP+e+MAnLr+Wi9xMWyQLc8NAA==
example.com. 3600 IN DNSKEY 257 3 15 l02Woi0iS8Aa25FQkUd9RMzZHJpBoRQwAQEX1SxZJA4=
)");
  ASSERT_EQ(rrs.size(), 4u);
  EXPECT_EQ(keyTag(rrs[0].rdata), 40430);
  EXPECT_EQ(keyTag(rrs[1].rdata), 12708);
  EXPECT_EQ(keyTag(rrs[2].rdata), 55648);
  EXPECT_EQ(keyTag(rrs[3].rdata), 3613);
}

TEST(CanonicalTest, KeyTagAlgorithm1UsesTheModulus) {
  // RFC 4034 Appendix B.1: the 16 bits above the last octet of the modulus.
  EXPECT_EQ(keyTag(hexBytes("0100 03 01 01 03 AAAA ABCDEF")), 0xABCD);
  EXPECT_EQ(keyTag(hexBytes("0100 03 01")), 0);
  // Same bytes with another algorithm take the checksum instead.
  EXPECT_NE(keyTag(hexBytes("0100 03 08 01 03 AAAA ABCDEF")), 0xABCD);
}

TEST(CanonicalTest, P256SignatureVerifiesOverSignedData) {
  // RFC 6605 §6.1: verifying the published signature proves signedData byte for byte.
  auto rrs = zone(R"(
example.net. 3600 IN DNSKEY 257 3 13 GojIhhXUN/u4v54ZQqGSnyhWJwaubCvTmeexv7bR6edbkrSqQpF64cYbcB7wNcP+e+MAnLr+Wi9xMWyQLc8NAA==
example.net. 3600 IN DS 55648 13 2 b4c8c1fe2e7477127b27115656ad6256f424625bf5c1e2770ce6d6e37df61d17
www.example.net. 3600 IN A 192.0.2.1
www.example.net. 3600 IN RRSIG A 13 3 3600 20100909100439 20100812100439 55648 example.net. qx6wLYqmh+l9oCKTN6qIc+bw6ya+KJ8oMz0YP107epXAyGmt+3SNruPFKG7tZoLBLlUzGGus7ZwmwWep666VCw==
)");
  ASSERT_EQ(rrs.size(), 4u);
  const auto& key = as<rdata::DNSKEY>(rrs[0]);
  EXPECT_EQ(sha256(dsDigestInput(rrs[0].owner, rrs[0].rdata)), as<rdata::DS>(rrs[1]).digest);
  const auto& sig = as<rdata::RRSIG>(rrs[3]);

  auto sets = groupRRsets(std::span<const ResourceRecord>(rrs).subspan(2));
  ASSERT_EQ(sets.size(), 1u);
  EXPECT_TRUE(verifies(algorithm::kEcdsaP256Sha256, key.publicKey, sig.signature,
                       signedData(sig, sets[0])));

  // Case, TTL and duplicates in the answer do not change what was signed.
  RRset variant = sets[0];
  variant.owner = N("WWW.Example.NET");
  variant.records[0].ttl = 17;
  variant.records.push_back(variant.records[0]);
  EXPECT_TRUE(verifies(algorithm::kEcdsaP256Sha256, key.publicKey, sig.signature,
                       signedData(sig, variant)));

  // A different address does.
  RRset forged = sets[0];
  forged.records[0] = ResourceRecord::make(forged.owner, RRType::A, 3600, rdata::A{{192, 0, 2, 2}});
  EXPECT_FALSE(
      verifies(algorithm::kEcdsaP256Sha256, key.publicKey, sig.signature, signedData(sig, forged)));
}

TEST(CanonicalTest, Ed25519SignatureOverMxNeedsLowercasedRdata) {
  // RFC 8080 §6.1 with Errata 4935; the MX target is written in mixed case here, so the signature
  // only verifies if the canonical form lowercases names in MX RDATA (RFC 4034 §6.2).
  auto rrs = zone(R"(
example.com. 3600 IN DNSKEY 257 3 15 l02Woi0iS8Aa25FQkUd9RMzZHJpBoRQwAQEX1SxZJA4=
example.com. 3600 IN DS 3613 15 2 3aa5ab37efce57f737fc1627013fee07bdf241bd10f3b1964ab55c78e79a304b
Example.COM. 3600 IN MX 10 MAIL.Example.com.
example.com. 3600 IN RRSIG MX 15 2 3600 1440021600 1438207200 3613 example.com. oL9krJun7xfBOIWcGHi7mag5/hdZrKWw15jPGrHpjQeRAvTdszaPD+QLs3fx8A4M3e23mRZ9VrbpMngwcrqNAg==
)");
  ASSERT_EQ(rrs.size(), 4u);
  EXPECT_EQ(sha256(dsDigestInput(rrs[0].owner, rrs[0].rdata)), as<rdata::DS>(rrs[1]).digest);
  auto sets = groupRRsets(std::span<const ResourceRecord>(rrs).subspan(2));
  ASSERT_EQ(sets.size(), 1u);
  ASSERT_EQ(sets[0].signatures.size(), 1u);
  const auto& sig = as<rdata::RRSIG>(sets[0].signatures[0]);
  const auto& key = as<rdata::DNSKEY>(rrs[0]);
  EXPECT_TRUE(
      verifies(algorithm::kEd25519, key.publicKey, sig.signature, signedData(sig, sets[0])));
  // Without lowercasing (what an NSEC-style type would get) the signature fails.
  std::vector<uint8_t> data = rrsigRdataWithoutSignature(sig);
  for (const auto& rr : sets[0].records) {
    testing::PacketBuilder p;
    p.bytes(rr.owner.lowercased().wire()).u16(toU16(rr.type)).u16(rr.rclass);
    p.u32(sig.originalTtl).u16(static_cast<uint16_t>(rr.rdata.size())).bytes(rr.rdata);
    data.insert(data.end(), p.data().begin(), p.data().end());
  }
  EXPECT_FALSE(verifies(algorithm::kEd25519, key.publicKey, sig.signature, data));
}

TEST(CanonicalTest, Nsec3HashVectorsUseBase32Hex) {
  // RFC 5155 Appendix A: SHA-1, 12 extra iterations, salt aabbccdd.
  const std::pair<const char*, const char*> kVectors[] = {
      {"example.", "0p9mhaveqvm6t7vbl5lop2u3t2rp3tom"},
      {"a.example.", "35mthgpgcu1qg68fab165klnsnk3dpvl"},
      {"*.w.example.", "r53bq7cc2uvmubfu5ocmm6pers9tk9en"},
      {"2t7b4g4vsa5smi47k61mv5bv1a22bojr.example.", "kohar7mbb8dc2ce8a9qvl8hon4k53uhi"},
  };
  auto salt = hexBytes("aabbccdd");
  for (const auto& [name, hash] : kVectors) {
    // RFC 5155 §5 spelled out over plain SHA-1: IH(0) = H(owner | salt), IH(k) = H(IH(k-1) | salt).
    std::vector<uint8_t> x = N(name).lowercased().wire();
    for (int i = 0; i <= 12; ++i) {
      x.insert(x.end(), salt.begin(), salt.end());
      x = sha1(x);
    }
    EXPECT_EQ(crypto::nsec3Hash(N(name).lowercased().wire(), salt, 12), x) << name;
    EXPECT_EQ(toBase32Hex(x), hash) << name;
    auto back = fromBase32Hex(hash);
    ASSERT_TRUE(back.ok());
    EXPECT_EQ(*back, x);
  }
}

TEST(CanonicalTest, CanonicalRdataLowercasesOnlyNamesOfListedTypes) {
  auto rd = [](RRType t, std::string_view text) { return *rdataFromString(t, text, Name()); };
  EXPECT_EQ(canonicalRdata(RRType::NS, rd(RRType::NS, "NS1.Example.")), N("ns1.example").wire());
  EXPECT_EQ(canonicalRdata(RRType::CNAME, rd(RRType::CNAME, "A.B.")), N("a.b").wire());
  EXPECT_EQ(canonicalRdata(RRType::MX, rd(RRType::MX, "16705 MAIL.X.")),
            rd(RRType::MX, "16705 mail.x."));  // 16705 = "AA": fixed fields untouched
  EXPECT_EQ(canonicalRdata(RRType::SOA, rd(RRType::SOA, "NS.X. H.X. 1094795585 1 2 3 4")),
            rd(RRType::SOA, "ns.x. h.x. 1094795585 1 2 3 4"));
  EXPECT_EQ(canonicalRdata(static_cast<RRType>(35),
                           rd(static_cast<RRType>(35), "1 2 \"U\" \"E2U+SIP\" \"!^.*$!\" REPL.X.")),
            rd(static_cast<RRType>(35), "1 2 \"U\" \"E2U+SIP\" \"!^.*$!\" repl.x."));
  // RRSIG: the signer is lowercased, the signature octets are not, even when they spell letters.
  auto sig = rd(RRType::RRSIG, "A 8 2 300 0 0 1 Example.COM. QUJD");  // signature "ABC"
  auto canon = canonicalRdata(RRType::RRSIG, sig);
  EXPECT_EQ(canon, rd(RRType::RRSIG, "A 8 2 300 0 0 1 example.com. QUJD"));
  EXPECT_EQ(std::vector<uint8_t>(canon.end() - 3, canon.end()),
            (std::vector<uint8_t>{'A', 'B', 'C'}));
  // RFC 6840 §5.1: NSEC keeps its case; types without names are copied.
  auto nsec = rd(RRType::NSEC, "Next.Example. A");
  EXPECT_EQ(canonicalRdata(RRType::NSEC, nsec), nsec);
  auto txt = rd(RRType::TXT, "\"UPPER\"");
  EXPECT_EQ(canonicalRdata(RRType::TXT, txt), txt);
  auto hinfo = rd(static_cast<RRType>(13), "\"PC\" \"LINUX\"");
  EXPECT_EQ(canonicalRdata(static_cast<RRType>(13), hinfo), hinfo);
  // Malformed RDATA is returned as it is.
  auto broken = hexBytes("0341");
  EXPECT_EQ(canonicalRdata(RRType::NS, broken), broken);
}

TEST(CanonicalTest, RrsigRdataWithoutSignatureLayout) {
  rdata::RRSIG sig;
  sig.typeCovered = RRType::MX;
  sig.algorithm = 13;
  sig.labels = 2;
  sig.originalTtl = 0x01020304;
  sig.expiration = 0x05060708;
  sig.inception = 0x090A0B0C;
  sig.keyTag = 0x0D0E;
  sig.signer = N("Example.COM");
  sig.signature = {0xFF, 0xFF};
  EXPECT_EQ(rrsigRdataWithoutSignature(sig),
            hexBytes("000F 0D 02 01020304 05060708 090A0B0C 0D0E 076578616D706C6503636F6D00"));
}

rdata::RRSIG sigWithLabels(uint8_t labels) {
  rdata::RRSIG sig;
  sig.typeCovered = RRType::A;
  sig.algorithm = 13;
  sig.labels = labels;
  sig.originalTtl = 3600;
  sig.signer = N("example.com");
  return sig;
}

RRset aSet(std::string_view owner, std::initializer_list<uint8_t> lastOctets) {
  RRset set;
  set.owner = N(owner);
  set.type = RRType::A;
  for (uint8_t o : lastOctets) {
    set.records.push_back(ResourceRecord::make(set.owner, RRType::A, 60, rdata::A{{192, 0, 2, o}}));
  }
  return set;
}

std::vector<uint8_t> expectedSignedData(const rdata::RRSIG& sig, std::string_view owner,
                                        std::initializer_list<uint8_t> sortedOctets) {
  std::vector<uint8_t> out = rrsigRdataWithoutSignature(sig);
  for (uint8_t o : sortedOctets) {
    auto w = N(owner).wire();
    out.insert(out.end(), w.begin(), w.end());
    auto fixed = hexBytes("0001 0001 00000E10 0004 C00002");  // A IN 3600 len 4 192.0.2.
    out.insert(out.end(), fixed.begin(), fixed.end());
    out.push_back(o);
  }
  return out;
}

TEST(CanonicalTest, SignedDataSortsAndRemovesDuplicates) {
  auto sig = sigWithLabels(3);
  EXPECT_EQ(signedData(sig, aSet("WWW.example.com", {2, 1, 2, 10, 1})),
            expectedSignedData(sig, "www.example.com", {1, 2, 10}));
}

TEST(CanonicalTest, SignedDataUsesWildcardOwnerWhenLabelsIsSmaller) {
  // RFC 4035 §5.3.2: an answer synthesized from *.example.com has the RRSIG labels field 2.
  auto sig = sigWithLabels(2);
  EXPECT_EQ(signedData(sig, aSet("a.b.Example.com", {1})),
            expectedSignedData(sig, "*.example.com", {1}));
  // The wildcard owner itself: "*" is not counted (RFC 4034 §3.1.3), so nothing changes.
  EXPECT_EQ(signedData(sig, aSet("*.example.com", {1})),
            expectedSignedData(sig, "*.example.com", {1}));
  // labels 0: synthesized from the root wildcard.
  auto rootSig = sigWithLabels(0);
  EXPECT_EQ(signedData(rootSig, aSet("x.example.com", {1})), expectedSignedData(rootSig, "*", {1}));
}

TEST(CanonicalTest, SignedDataOrdersPrefixesFirst) {
  // RFC 4034 §6.3: RDATA compared as left-justified octet strings, shorter first on a prefix.
  RRset set;
  set.owner = N("x.example");
  set.type = static_cast<RRType>(65280);
  for (auto bytes : {std::vector<uint8_t>{1, 3}, std::vector<uint8_t>{1, 2, 3},
                     std::vector<uint8_t>{1, 2}, std::vector<uint8_t>{0xFF}}) {
    ResourceRecord rr;
    rr.owner = set.owner;
    rr.type = set.type;
    rr.rdata = bytes;
    set.records.push_back(rr);
  }
  rdata::RRSIG sig = sigWithLabels(2);
  sig.typeCovered = set.type;
  auto data = signedData(sig, set);
  std::vector<uint8_t> expected = rrsigRdataWithoutSignature(sig);
  for (auto bytes : {std::vector<uint8_t>{1, 2}, std::vector<uint8_t>{1, 2, 3},
                     std::vector<uint8_t>{1, 3}, std::vector<uint8_t>{0xFF}}) {
    auto w = N("x.example").wire();
    expected.insert(expected.end(), w.begin(), w.end());
    auto fixed = hexBytes("FF00 0001 00000E10");
    expected.insert(expected.end(), fixed.begin(), fixed.end());
    expected.push_back(0);
    expected.push_back(static_cast<uint8_t>(bytes.size()));
    expected.insert(expected.end(), bytes.begin(), bytes.end());
  }
  EXPECT_EQ(data, expected);
}

}  // namespace
}  // namespace zonewatch::dns
