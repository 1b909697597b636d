// The validator against the example records the DNSSEC algorithm RFCs print, each at a fixed time.
//
// Unlike validator_test.cpp (records signed here, with our own crypto adapter), these signatures
// and digests were made by other implementations and published: they pin the codec's presentation
// parsing and canonical form and the crypto adapter's key and signature formats to the RFCs, byte
// for byte. The records are copied as the RFCs print them, with only the RFCs' page indentation
// removed (in zone-file text a leading blank would mean "same owner as before").
#include <gtest/gtest.h>

#include <cstdint>
#include <optional>
#include <ostream>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "monitor/crypto/crypto.h"
#include "monitor/dns/canonical.h"
#include "monitor/dns/message.h"
#include "monitor/dns/rdata.h"
#include "monitor/dns/zone_reader.h"
#include "monitor/dnssec/ds_match.h"
#include "monitor/dnssec/signature.h"

namespace zonewatch::dnssec {
namespace {

// Seconds since the epoch of a UTC calendar time (days-from-civil, proleptic Gregorian), so that
// the times the RFCs state in words ("00:00 hours on January 1st, 2000") can be checked against
// what the codec parsed from the YYYYMMDDHHMMSS fields.
constexpr uint32_t utc(int year, unsigned month, unsigned day, unsigned hour = 0,
                       unsigned minute = 0, unsigned second = 0) {
  const int y = static_cast<int>(month <= 2 ? year - 1 : year);
  const int era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  const int64_t days = int64_t{era} * 146097 + int64_t{doe} - 719468;
  return static_cast<uint32_t>(days * 86400 + hour * 3600 + minute * 60 + second);
}

static_assert(utc(1970, 1, 1) == 0);
static_assert(utc(2000, 1, 1) == 946684800);

std::vector<uint8_t> fromHex(std::string_view hex) {
  std::vector<uint8_t> out;
  auto nibble = [](char c) -> uint8_t {
    if (c >= '0' && c <= '9') return static_cast<uint8_t>(c - '0');
    if (c >= 'a' && c <= 'f') return static_cast<uint8_t>(c - 'a' + 10);
    return static_cast<uint8_t>(c - 'A' + 10);
  };
  for (size_t i = 0; i + 1 < hex.size(); i += 2) {
    out.push_back(static_cast<uint8_t>(nibble(hex[i]) << 4 | nibble(hex[i + 1])));
  }
  return out;
}

std::string hexOf(std::span<const uint8_t> bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  for (uint8_t b : bytes) {
    out.push_back(kDigits[b >> 4]);
    out.push_back(kDigits[b & 0x0F]);
  }
  return out;
}

// One RFC example: a DNSKEY, optionally its DS, an RRset and the RRSIG over it.
struct SignatureVector {
  const char* name;    // gtest parameter name
  const char* source;  // where it is printed
  const char* zone;    // the signer (the DNSKEY's owner)
  const char* text;    // the records, as printed
  uint8_t algorithm;
  uint16_t keyTag;     // as the RFC states it
  uint32_t inception;  // as the RFC states it
  uint32_t expiration;
};

// RFC 5702 §6.1 — RSA/SHA-256. "If the inception date is set at 00:00 hours on January 1st, 2000,
// and the expiration date at 00:00 hours on January 1st, 2030".
constexpr const char* kRfc5702Sha256 = R"(
example.net.     3600  IN  DNSKEY  (256 3 8 AwEAAcFcGsaxxdgiuuGmCkVI
                 my4h99CqT7jwY3pexPGcnUFtR2Fh36BponcwtkZ4cAgtvd4Qs8P
                 kxUdp6p/DlUmObdk= );{id = 9033 (zsk), size = 512b}

www.example.net. 3600  IN  A  192.0.2.91

www.example.net. 3600  IN  RRSIG  (A 8 3 3600 20300101000000
                    20000101000000 9033 example.net. kRCOH6u7l0QGy9qpC9
                    l1sLncJcOKFLJ7GhiUOibu4teYp5VE9RncriShZNz85mwlMgNEa
                    cFYK/lPtPiVYP4bwg==);{id = 9033}
)";

// RFC 5702 §6.2 — RSA/SHA-512, same RRset and times.
constexpr const char* kRfc5702Sha512 = R"(
example.net.    3600  IN  DNSKEY  (256 3 10 AwEAAdHoNTOW+et86KuJOWRD
                p1pndvwb6Y83nSVXXyLA3DLroROUkN6X0O6pnWnjJQujX/AyhqFD
                xj13tOnD9u/1kTg7cV6rklMrZDtJCQ5PCl/D7QNPsgVsMu1J2Q8g
                pMpztNFLpPBz1bWXjDtaR7ZQBlZ3PFY12ZTSncorffcGmhOL
                );{id = 3740 (zsk), size = 1024b}

www.example.net. 3600  IN  A  192.0.2.91

www.example.net. 3600  IN  RRSIG  (A 10 3 3600 20300101000000
                 20000101000000 3740 example.net. tsb4wnjRUDnB1BUi+t
                 6TMTXThjVnG+eCkWqjvvjhzQL1d0YRoOe0CbxrVDYd0xDtsuJRa
                 eUw1ep94PzEWzr0iGYgZBWm/zpq+9fOuagYJRfDqfReKBzMweOL
                 DiNa8iP5g9vMhpuv6OPlvpXwm9Sa9ZXIbNl1MBGk0fthPgxdDLw
                 =);{id = 3740}
)";

// RFC 6605 §6.1 — ECDSA Curve P-256 with SHA-256.
constexpr const char* kRfc6605P256 = R"(
example.net. 3600 IN DNSKEY 257 3 13 (
        GojIhhXUN/u4v54ZQqGSnyhWJwaubCvTmeexv7bR6edb
        krSqQpF64cYbcB7wNcP+e+MAnLr+Wi9xMWyQLc8NAA== )

example.net. 3600 IN DS 55648 13 2 (
        b4c8c1fe2e7477127b27115656ad6256f424625bf5c1
        e2770ce6d6e37df61d17 )

www.example.net. 3600 IN A 192.0.2.1
www.example.net. 3600 IN RRSIG A 13 3 3600 (
        20100909100439 20100812100439 55648 example.net.
        qx6wLYqmh+l9oCKTN6qIc+bw6ya+KJ8oMz0YP107epXA
        yGmt+3SNruPFKG7tZoLBLlUzGGus7ZwmwWep666VCw== )
)";

// RFC 6605 §6.2 — ECDSA Curve P-384 with SHA-384, and its SHA-384 DS (digest type 4).
constexpr const char* kRfc6605P384 = R"(
example.net. 3600 IN DNSKEY 257 3 14 (
        xKYaNhWdGOfJ+nPrL8/arkwf2EY3MDJ+SErKivBVSum1
        w/egsXvSADtNJhyem5RCOpgQ6K8X1DRSEkrbYQ+OB+v8
        /uX45NBwY8rp65F6Glur8I/mlVNgF6W/qTI37m40 )

example.net. 3600 IN DS 10771 14 4 (
        72d7b62976ce06438e9c0bf319013cf801f09ecc84b8
        d7e9495f27e305c6a9b0563a9b5f4d288405c3008a94
        6df983d6 )

www.example.net. 3600 IN A 192.0.2.1
www.example.net. 3600 IN RRSIG A 14 3 3600 (
        20100909102025 20100812102025 10771 example.net.
        /L5hDKIvGDyI1fcARX3z65qrmPsVz73QD1Mr5CEqOiLP
        95hxQouuroGCeZOvzFaxsT8Glr74hbavRKayJNuydCuz
        WTSSPdz7wnqXL5bdcJzusdnI0RSMROxxwGipWcJm )
)";

// RFC 8080 §6 as corrected by Erratum 4935 (status: Verified). The published text prints every
// RRSIG as "RRSIG MX 3 3600 (" — the algorithm field is missing, and the signatures were computed
// with a Labels field of 3 for the two-label owner "example.com." (RFC 4034 §3.1.3 counts
// neither the root nor a wildcard). The erratum restores "MX 15 2 3600" / "MX 16 2 3600" and gives
// the signatures over Labels = 2. Since EdDSA is deterministic (RFC 8032 §5.1.6), the corrected
// values were double-checked by re-signing the RRset with the RFC's own private keys: they come
// out identical. The nested parentheses follow the RFC's layout, closed here.
constexpr const char* kRfc8080Ed25519First = R"(
example.com. 3600 IN DNSKEY 257 3 15 (
             l02Woi0iS8Aa25FQkUd9RMzZHJpBoRQwAQEX1SxZJA4= )

example.com. 3600 IN DS 3613 15 2 (
             3aa5ab37efce57f737fc1627013fee07bdf241bd10f3b1964ab55c78e79
             a304b )

example.com. 3600 IN MX 10 mail.example.com.

example.com. 3600 IN RRSIG MX 15 2 3600 (
             1440021600 1438207200 3613 example.com. (
             oL9krJun7xfBOIWcGHi7mag5/hdZrKWw15jPGrHpjQeRAvTdszaPD+QLs3f
             x8A4M3e23mRZ9VrbpMngwcrqNAg== ) )
)";

constexpr const char* kRfc8080Ed25519Second = R"(
example.com. 3600 IN DNSKEY 257 3 15 (
             zPnZ/QwEe7S8C5SPz2OfS5RR40ATk2/rYnE9xHIEijs= )

example.com. 3600 IN DS 35217 15 2 (
             401781b934e392de492ec77ae2e15d70f6575a1c0bc59c5275c04ebe80c
             6614c )

example.com. 3600 IN MX 10 mail.example.com.

example.com. 3600 IN RRSIG MX 15 2 3600 (
             1440021600 1438207200 35217 example.com. (
             zXQ0bkYgQTEFyfLyi9QoiY6D8ZdYo4wyUhVioYZXFdT410QPRITQSqJSnzQ
             oSm5poJ7gD7AQR0O7KuI5k2pcBg== ) )
)";

constexpr const char* kRfc8080Ed448First = R"(
example.com. 3600 IN DNSKEY 257 3 16 (
             3kgROaDjrh0H2iuixWBrc8g2EpBBLCdGzHmn+G2MpTPhpj/OiBVHHSfPodx
             1FYYUcJKm1MDpJtIA )

example.com. 3600 IN DS 9713 16 2 (
             6ccf18d5bc5d7fc2fceb1d59d17321402f2aa8d368048db93dd811f5cb2
             b19c7 )

example.com. 3600 IN MX 10 mail.example.com.

example.com. 3600 IN RRSIG MX 16 2 3600 (
             1440021600 1438207200 9713 example.com. (
             3cPAHkmlnxcDHMyg7vFC34l0blBhuG1qpwLmjInI8w1CMB29FkEAIJUA0am
             xWndkmnBZ6SKiwZSAxGILn/NBtOXft0+Gj7FSvOKxE/07+4RQvE581N3Aj/
             JtIyaiYVdnYtyMWbSNyGEY2213WKsJlwEA ) )
)";

constexpr const char* kRfc8080Ed448Second = R"(
example.com. 3600 IN DNSKEY 257 3 16 (
             kkreGWoccSDmUBGAe7+zsbG6ZAFQp+syPmYUurBRQc3tDjeMCJcVMRDmgcN
             Lp5HlHAMy12VoISsA )

example.com. 3600 IN DS 38353 16 2 (
             645ff078b3568f5852b70cb60e8e696cc77b75bfaaffc118cf79cbda1ba
             28af4 )

example.com. 3600 IN MX 10 mail.example.com.

example.com. 3600 IN RRSIG MX 16 2 3600 (
             1440021600 1438207200 38353 example.com. (
             E1/oLjSGIbmLny/4fcgM1z4oL6aqo+izT3urCyHyvEp4Sp8Syg1eI+lJ57C
             SnZqjJP41O/9l4m0AsQ4f7qI1gVnML8vWWiyW2KXhT9kuAICUSxv5OWbf81
             Rq7Yu60npabODB0QFPb/rkW3kUZmQ0YQUA ) )
)";

const SignatureVector kVectors[] = {
    {"Rfc5702RsaSha256", "RFC 5702 §6.1", "example.net.", kRfc5702Sha256,
     dns::algorithm::kRsaSha256, 9033, utc(2000, 1, 1), utc(2030, 1, 1)},
    {"Rfc5702RsaSha512", "RFC 5702 §6.2", "example.net.", kRfc5702Sha512,
     dns::algorithm::kRsaSha512, 3740, utc(2000, 1, 1), utc(2030, 1, 1)},
    {"Rfc6605EcdsaP256", "RFC 6605 §6.1", "example.net.", kRfc6605P256,
     dns::algorithm::kEcdsaP256Sha256, 55648, utc(2010, 8, 12, 10, 4, 39),
     utc(2010, 9, 9, 10, 4, 39)},
    {"Rfc6605EcdsaP384", "RFC 6605 §6.2", "example.net.", kRfc6605P384,
     dns::algorithm::kEcdsaP384Sha384, 10771, utc(2010, 8, 12, 10, 20, 25),
     utc(2010, 9, 9, 10, 20, 25)},
    // RFC 8080 prints the times as plain seconds: 1438207200 is 2015-07-29T22:00:00Z and
    // 1440021600 is 2015-08-19T22:00:00Z.
    {"Rfc8080Ed25519First", "RFC 8080 §6.1 (Erratum 4935)", "example.com.", kRfc8080Ed25519First,
     dns::algorithm::kEd25519, 3613, utc(2015, 7, 29, 22), utc(2015, 8, 19, 22)},
    {"Rfc8080Ed25519Second", "RFC 8080 §6.1 (Erratum 4935)", "example.com.", kRfc8080Ed25519Second,
     dns::algorithm::kEd25519, 35217, utc(2015, 7, 29, 22), utc(2015, 8, 19, 22)},
    {"Rfc8080Ed448First", "RFC 8080 §6.2 (Erratum 4935)", "example.com.", kRfc8080Ed448First,
     dns::algorithm::kEd448, 9713, utc(2015, 7, 29, 22), utc(2015, 8, 19, 22)},
    {"Rfc8080Ed448Second", "RFC 8080 §6.2 (Erratum 4935)", "example.com.", kRfc8080Ed448Second,
     dns::algorithm::kEd448, 38353, utc(2015, 7, 29, 22), utc(2015, 8, 19, 22)},
};

// gtest prints parameters in test names and failure messages; the raw bytes of the struct say
// nothing.
void PrintTo(const SignatureVector& v, std::ostream* os) {
  *os << v.source;
}

std::vector<SignatureVector> vectorsWithDs() {
  std::vector<SignatureVector> out;
  for (const auto& v : kVectors) {
    if (std::string_view(v.text).find(" IN DS ") != std::string_view::npos) out.push_back(v);
  }
  return out;
}

// The parsed pieces of one example.
struct Parsed {
  dns::Name zone;
  dns::RRset dnskeys;
  dns::RRset covered;  // the signed RRset, with its RRSIG attached
  std::vector<dns::rdata::DS> ds;
};

Parsed parse(const char* text, const char* source, const char* zone) {
  Parsed p;
  auto zoneName = dns::Name::parse(zone);
  EXPECT_TRUE(zoneName.ok());
  if (zoneName) p.zone = *zoneName;
  auto records = dns::readZoneText(text, source);
  EXPECT_TRUE(records.ok()) << source << ": " << (records ? "" : records.error().message);
  if (!records) return p;
  for (auto& set : dns::groupRRsets(*records)) {
    if (set.type == dns::RRType::DNSKEY) {
      p.dnskeys = set;
    } else if (set.type == dns::RRType::DS) {
      for (const auto& rr : set.records) p.ds.push_back(std::get<dns::rdata::DS>(rr.data));
    } else if (!set.records.empty()) {
      p.covered = set;
    }
  }
  EXPECT_EQ(p.dnskeys.records.size(), 1u) << source;
  EXPECT_FALSE(p.covered.records.empty()) << source;
  EXPECT_EQ(p.covered.signatures.size(), 1u) << source;
  return p;
}

const dns::rdata::RRSIG& rrsigOf(const Parsed& p) {
  return std::get<dns::rdata::RRSIG>(p.covered.signatures.front().data);
}

// verifyRRset with a fresh budget, the default caps and `now`.
struct Verification {
  RRsetVerdict verdict;
  Budget budget;
};

Verification verifyAt(const Parsed& p, uint32_t now) {
  static const ValidationLimits kLimits{};
  Verification v;
  VerifyContext ctx{now, &kLimits, &v.budget, nullptr};
  v.verdict = verifyRRset(p.covered, p.zone, usableKeys(p.dnskeys), ctx);
  return v;
}

// Replaces one record's RDATA, keeping its typed view in step (the validator reads both).
void setRdata(dns::ResourceRecord& rr, std::vector<uint8_t> rdata) {
  auto typed = dns::decodeRdata(rr.type, rdata);
  ASSERT_TRUE(typed.ok()) << typed.error().message;
  rr.rdata = std::move(rdata);
  rr.data = std::move(typed).value();
}

class RfcSignatureVector : public ::testing::TestWithParam<SignatureVector> {
 protected:
  void SetUp() override {
    const auto& v = GetParam();
    p_ = parse(v.text, v.source, v.zone);
    ASSERT_EQ(p_.dnskeys.records.size(), 1u);
    ASSERT_EQ(p_.covered.signatures.size(), 1u);
  }
  // Verification needs the algorithm; parsing, key tags and digests do not.
  void requireAlgorithm() {
    if (!crypto::isAlgorithmSupported(GetParam().algorithm)) {
      GTEST_SKIP() << "this OpenSSL build cannot verify DNSSEC algorithm "
                   << int{GetParam().algorithm} << " (" << GetParam().source << ")";
    }
  }
  Parsed p_;
};

TEST_P(RfcSignatureVector, ParsesTheStatedKeyTagAndTimes) {
  const auto& v = GetParam();
  // RFC 4034 Appendix B over the DNSKEY RDATA the codec produced from the presentation form.
  EXPECT_EQ(dns::keyTag(p_.dnskeys.records.front().rdata), v.keyTag);
  const auto& sig = rrsigOf(p_);
  EXPECT_EQ(sig.keyTag, v.keyTag);
  EXPECT_EQ(int{sig.algorithm}, int{v.algorithm});
  EXPECT_EQ(sig.inception, v.inception);
  EXPECT_EQ(sig.expiration, v.expiration);
  EXPECT_EQ(sig.signer, p_.zone);
  EXPECT_EQ(int{sig.labels}, static_cast<int>(p_.covered.owner.labelCount()));
}

TEST_P(RfcSignatureVector, SecureInsideTheValidityWindow) {
  requireAlgorithm();
  const auto& v = GetParam();
  ASSERT_FALSE(usableKeys(p_.dnskeys).empty()) << "the DNSKEY does not parse as a usable key";
  auto r = verifyAt(p_, v.inception + 1);
  EXPECT_EQ(r.verdict.outcome.state, State::kSecure)
      << v.source << ": " << toString(r.verdict.outcome.reason) << ": " << r.verdict.outcome.detail;
  EXPECT_EQ(r.verdict.keyTag, std::optional<uint16_t>(v.keyTag));
  EXPECT_EQ(r.verdict.algorithm, std::optional<uint8_t>(v.algorithm));
  EXPECT_EQ(r.verdict.expiration, std::optional<uint32_t>(v.expiration));
  EXPECT_EQ(r.budget.verifications, 1u);
  EXPECT_FALSE(r.budget.exhausted);
}

TEST_P(RfcSignatureVector, SecureAtBothEndsOfTheWindow) {
  requireAlgorithm();
  const auto& v = GetParam();
  // RFC 4035 §5.3.1: now >= inception and now <= expiration, both ends included.
  EXPECT_EQ(verifyAt(p_, v.inception).verdict.outcome.state, State::kSecure);
  EXPECT_EQ(verifyAt(p_, v.expiration).verdict.outcome.state, State::kSecure);
}

TEST_P(RfcSignatureVector, ExpiredAfterTheExpiration) {
  requireAlgorithm();
  auto r = verifyAt(p_, GetParam().expiration + 1);
  EXPECT_EQ(r.verdict.outcome.state, State::kBogus);
  EXPECT_EQ(toString(r.verdict.outcome.reason), toString(Reason::kRrsigExpired))
      << r.verdict.outcome.detail;
  // The time check comes before the crypto (RFC 4035 §5.3.1 lists it first): nothing was spent.
  EXPECT_EQ(r.budget.verifications, 0u);
}

TEST_P(RfcSignatureVector, NotYetValidBeforeTheInception) {
  requireAlgorithm();
  auto r = verifyAt(p_, GetParam().inception - 1);
  EXPECT_EQ(r.verdict.outcome.state, State::kBogus);
  EXPECT_EQ(toString(r.verdict.outcome.reason), toString(Reason::kRrsigNotYetValid))
      << r.verdict.outcome.detail;
}

TEST_P(RfcSignatureVector, FlippedBitInTheRecordDataIsInvalid) {
  requireAlgorithm();
  // The lowest bit of the second RDATA octet: the A record's second address octet, or the MX
  // preference (10 → 11). Either is still well-formed RDATA, so only the signature can object.
  auto& rr = p_.covered.records.front();
  auto rdata = rr.rdata;
  ASSERT_GE(rdata.size(), 2u);
  rdata[1] ^= 0x01;
  setRdata(rr, std::move(rdata));
  auto r = verifyAt(p_, GetParam().inception + 1);
  EXPECT_EQ(r.verdict.outcome.state, State::kBogus);
  EXPECT_EQ(toString(r.verdict.outcome.reason), toString(Reason::kSignatureInvalid))
      << r.verdict.outcome.detail;
  EXPECT_EQ(r.budget.verifications, 1u);
}

TEST_P(RfcSignatureVector, FlippedBitInTheSignatureIsInvalid) {
  requireAlgorithm();
  auto& sigRecord = p_.covered.signatures.front();
  auto rdata = sigRecord.rdata;
  rdata.back() ^= 0x01;
  setRdata(sigRecord, std::move(rdata));
  auto r = verifyAt(p_, GetParam().inception + 1);
  EXPECT_EQ(r.verdict.outcome.state, State::kBogus);
  EXPECT_EQ(toString(r.verdict.outcome.reason), toString(Reason::kSignatureInvalid))
      << r.verdict.outcome.detail;
}

// The examples that print a DS for their key (RFC 6605 and RFC 8080; RFC 5702 prints none).
class RfcPrintedDs : public RfcSignatureVector {};

TEST_P(RfcPrintedDs, MatchesTheKey) {
  ASSERT_FALSE(p_.ds.empty());
  const auto& key = p_.dnskeys.records.front();
  for (const auto& ds : p_.ds) {
    EXPECT_EQ(ds.keyTag, GetParam().keyTag);
    // RFC 4034 §5.1.4: digest = hash(owner | DNSKEY RDATA), independent of the key's algorithm.
    auto digest = crypto::dsDigest(ds.digestType, dns::dsDigestInput(p_.zone, key.rdata));
    ASSERT_TRUE(digest.has_value()) << "digest type " << int{ds.digestType};
    EXPECT_EQ(hexOf(*digest), hexOf(ds.digest));
  }
  if (!crypto::isAlgorithmSupported(GetParam().algorithm)) {
    GTEST_SKIP() << "DS digests checked; matchDs skipped: algorithm " << int{GetParam().algorithm}
                 << " is not supported by this OpenSSL build";
  }
  Budget budget;
  auto match = matchDs(p_.zone, p_.ds, p_.dnskeys, ValidationLimits{}, budget);
  EXPECT_EQ(match.outcome.state, State::kSecure) << match.outcome.detail;
  ASSERT_EQ(match.matched.size(), 1u);
  EXPECT_EQ(match.matched.front().tag, GetParam().keyTag);

  // One flipped digest bit: the DS still names the key (tag and algorithm), so it is a mismatch.
  auto broken = p_.ds;
  for (auto& ds : broken) ds.digest.back() ^= 0x01;
  auto mismatch = matchDs(p_.zone, broken, p_.dnskeys, ValidationLimits{}, budget);
  EXPECT_EQ(mismatch.outcome.state, State::kBogus);
  EXPECT_EQ(toString(mismatch.outcome.reason), toString(Reason::kDsMismatch))
      << mismatch.outcome.detail;
  EXPECT_TRUE(mismatch.matched.empty());
}

auto vectorName(const ::testing::TestParamInfo<SignatureVector>& p) {
  return std::string(p.param.name);
}

INSTANTIATE_TEST_SUITE_P(Rfc, RfcSignatureVector, ::testing::ValuesIn(kVectors), vectorName);
INSTANTIATE_TEST_SUITE_P(Rfc, RfcPrintedDs, ::testing::ValuesIn(vectorsWithDs()), vectorName);

// RFC 8080 §6 as published (before Erratum 4935). Its RRSIG text cannot be read at all: the
// algorithm field is missing, so "3600" lands in the 8-bit Labels field, and the second "(" is
// never closed.
TEST(Rfc8080AsPublished, RrsigTextIsUnreadable) {
  constexpr const char* kPrinted = R"(
example.com. 3600 IN RRSIG MX 3 3600 (
             1440021600 1438207200 3613 example.com. (
             Edk+IB9KNNWg0HAjm7FazXyrd5m3Rk8zNZbvNpAcM+eysqcUOMIjWoevFkj
             H5GaMWeG96GUVZu6ECKOQmemHDg== )
)";
  EXPECT_FALSE(dns::readZoneText(kPrinted, "RFC 8080 §6.1 as published").ok());
}

// The published Ed25519 signature with the missing algorithm field restored: it was computed over
// Labels = 3, which RFC 4035 §5.3.1 forbids for a two-label owner, so the validator must not
// accept it (and it does not verify over Labels = 2 either — that is why the erratum exists).
TEST(Rfc8080AsPublished, SignatureOverLabelsThreeIsNotAccepted) {
  if (!crypto::isAlgorithmSupported(dns::algorithm::kEd25519))
    GTEST_SKIP() << "no Ed25519 in this OpenSSL";
  constexpr const char* kText = R"(
example.com. 3600 IN DNSKEY 257 3 15 (
             l02Woi0iS8Aa25FQkUd9RMzZHJpBoRQwAQEX1SxZJA4= )
example.com. 3600 IN MX 10 mail.example.com.
example.com. 3600 IN RRSIG MX 15 3 3600 (
             1440021600 1438207200 3613 example.com.
             Edk+IB9KNNWg0HAjm7FazXyrd5m3Rk8zNZbvNpAcM+eysqcUOMIjWoevFkj
             H5GaMWeG96GUVZu6ECKOQmemHDg== )
example.com. 3600 IN RRSIG MX 15 2 3600 (
             1440021600 1438207200 3613 example.com.
             Edk+IB9KNNWg0HAjm7FazXyrd5m3Rk8zNZbvNpAcM+eysqcUOMIjWoevFkj
             H5GaMWeG96GUVZu6ECKOQmemHDg== )
)";
  auto records = dns::readZoneText(kText, "RFC 8080 §6.1, published signature");
  ASSERT_TRUE(records.ok()) << records.error().message;
  Parsed p;
  p.zone = *dns::Name::parse("example.com.");
  for (auto& set : dns::groupRRsets(*records)) {
    if (set.type == dns::RRType::DNSKEY) p.dnskeys = set;
    if (set.type == dns::RRType::MX) p.covered = set;
  }
  ASSERT_EQ(p.covered.signatures.size(), 2u);
  auto r = verifyAt(p, utc(2015, 7, 29, 22) + 1);
  EXPECT_EQ(r.verdict.outcome.state, State::kBogus);
  EXPECT_EQ(toString(r.verdict.outcome.reason), toString(Reason::kSignatureInvalid))
      << r.verdict.outcome.detail;
  // Only the Labels = 2 copy reached the crypto; the Labels = 3 one was refused beforehand.
  EXPECT_EQ(r.budget.verifications, 1u);
}

// RFC 4034 §5.4: a DNSKEY and its SHA-1 DS. The key is algorithm 5 (RSASHA1).
constexpr const char* kRfc4034Ds = R"(
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
)";

// RFC 4509 §2.3: the same key's SHA-256 DS.
constexpr const char* kRfc4509Ds = R"(
dskey.example.com. 86400 IN DS 60485 5 2   ( D4B7D520E7BB5F0F67674A0C
                                             CEB1E3E0614B93C4F9E99B83
                                             83F6A1E4469DA50A ) ;  key id = 60485
)";

class Rfc4034DsExample : public ::testing::Test {
 protected:
  void SetUp() override {
    auto records = dns::readZoneText(kRfc4034Ds, "RFC 4034 §5.4");
    ASSERT_TRUE(records.ok()) << records.error().message;
    auto sha256 = dns::readZoneText(kRfc4509Ds, "RFC 4509 §2.3");
    ASSERT_TRUE(sha256.ok()) << sha256.error().message;
    zone_ = *dns::Name::parse("dskey.example.com.");
    for (auto& set : dns::groupRRsets(*records)) {
      if (set.type == dns::RRType::DNSKEY) dnskeys_ = set;
      if (set.type == dns::RRType::DS) sha1_ = std::get<dns::rdata::DS>(set.records.front().data);
    }
    ASSERT_EQ(sha256->size(), 1u);
    sha256_ = std::get<dns::rdata::DS>(sha256->front().data);
    ASSERT_EQ(dnskeys_.records.size(), 1u);
  }
  dns::Name zone_;
  dns::RRset dnskeys_;
  dns::rdata::DS sha1_, sha256_;
};

TEST_F(Rfc4034DsExample, KeyTagAndDigestsAreThePrintedOnes) {
  const auto& key = dnskeys_.records.front();
  EXPECT_EQ(dns::keyTag(key.rdata), 60485);
  EXPECT_EQ(sha1_.keyTag, 60485);
  EXPECT_EQ(int{sha1_.algorithm}, int{dns::algorithm::kRsaSha1});
  EXPECT_EQ(hexOf(sha1_.digest), hexOf(fromHex("2BB183AF5F22588179A53B0A98631FAD1A292118")));
  auto input = dns::dsDigestInput(zone_, key.rdata);
  auto sha1 = crypto::dsDigest(dns::digest::kSha1, input);
  ASSERT_TRUE(sha1.has_value());
  EXPECT_EQ(hexOf(*sha1), hexOf(sha1_.digest));
  auto sha256 = crypto::dsDigest(dns::digest::kSha256, input);
  ASSERT_TRUE(sha256.has_value());
  EXPECT_EQ(hexOf(*sha256), hexOf(sha256_.digest));
}

TEST_F(Rfc4034DsExample, MatchDsWithTheSha1Ds) {
  Budget budget;
  auto match = matchDs(zone_, {sha1_}, dnskeys_, ValidationLimits{}, budget);
  if (!crypto::isAlgorithmSupported(dns::algorithm::kRsaSha1)) {
    // RFC 4035 §5.2: a DS whose algorithm is not implemented leaves the zone insecure.
    EXPECT_EQ(match.outcome.state, State::kInsecure);
    EXPECT_EQ(toString(match.outcome.reason), toString(Reason::kUnsupportedAlgorithm));
    GTEST_SKIP() << "RSASHA1 (algorithm 5) is not supported by this OpenSSL build: the RFC 4034 "
                    "DS can only be checked as a digest";
  }
  EXPECT_EQ(match.outcome.state, State::kSecure) << match.outcome.detail;
  ASSERT_EQ(match.matched.size(), 1u);
  EXPECT_EQ(match.matched.front().tag, 60485);
}

TEST_F(Rfc4034DsExample, Sha1DsIsIgnoredNextToASha256Ds) {
  if (!crypto::isAlgorithmSupported(dns::algorithm::kRsaSha1))
    GTEST_SKIP() << "no RSASHA1 in this OpenSSL";
  // RFC 4509 §3: with a SHA-256 DS present, SHA-1 DS records are ignored — so a corrupted SHA-1
  // digest changes nothing, and a corrupted SHA-256 digest is not rescued by a good SHA-1 one.
  auto badSha1 = sha1_;
  badSha1.digest.front() ^= 0x80;
  Budget budget;
  auto both = matchDs(zone_, {badSha1, sha256_}, dnskeys_, ValidationLimits{}, budget);
  EXPECT_EQ(both.outcome.state, State::kSecure) << both.outcome.detail;

  auto badSha256 = sha256_;
  badSha256.digest.front() ^= 0x80;
  auto rescued = matchDs(zone_, {sha1_, badSha256}, dnskeys_, ValidationLimits{}, budget);
  EXPECT_EQ(rescued.outcome.state, State::kBogus);
  EXPECT_EQ(toString(rescued.outcome.reason), toString(Reason::kDsMismatch));
}

}  // namespace
}  // namespace zonewatch::dnssec
