// Tests for the OpenSSL adapter (monitor/crypto/crypto.h): round trips with keys generated at test
// time, malformed DNSKEY fields, and published vectors (RFC 4034 §5.4, RFC 4231, RFC 5155
// Appendix A, RFC 5702 §6, RFC 6605 §6, RFC 8080 §6) whose signed data is assembled by hand here so
// that this test does not depend on the codec. No OpenSSL in this file: only the adapter's API.
#include "monitor/crypto/crypto.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace zonewatch::dnssec {
namespace {

using Bytes = std::vector<uint8_t>;
using Algorithms = std::initializer_list<uint8_t>;

// ------------------------------------------------------------------------------ encoding helpers

// RFC 4648 §4; whitespace is skipped so that RFC presentation text can be pasted as is.
Bytes fromBase64(std::string_view text) {
  constexpr std::string_view kAlphabet =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  Bytes out;
  uint32_t acc = 0;
  int bits = 0;
  for (char c : text) {
    if (c == '=' || c == ' ' || c == '\n') continue;
    const size_t v = kAlphabet.find(c);
    if (v == std::string_view::npos) ADD_FAILURE() << "bad base64 character " << c;
    acc = (acc << 6) | static_cast<uint32_t>(v & 0x3f);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<uint8_t>(acc >> bits));
    }
  }
  return out;
}

// RFC 4648 §7 ("base32hex"), the NSEC3 owner-label encoding (RFC 5155 §3.3).
Bytes fromBase32Hex(std::string_view text) {
  constexpr std::string_view kAlphabet = "0123456789abcdefghijklmnopqrstuv";
  Bytes out;
  uint32_t acc = 0;
  int bits = 0;
  for (char c : text) {
    const size_t v = kAlphabet.find(c);
    if (v == std::string_view::npos) ADD_FAILURE() << "bad base32hex character " << c;
    acc = (acc << 5) | static_cast<uint32_t>(v & 0x1f);
    bits += 5;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<uint8_t>(acc >> bits));
    }
  }
  return out;
}

Bytes fromHex(std::string_view text) {
  Bytes out;
  int high = -1;
  for (char c : text) {
    if (c == ' ' || c == '\n') continue;
    const int v = c >= '0' && c <= '9'   ? c - '0'
                  : c >= 'a' && c <= 'f' ? c - 'a' + 10
                  : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                         : -1;
    if (v < 0) ADD_FAILURE() << "bad hex character " << c;
    if (high < 0) {
      high = v;
    } else {
      out.push_back(static_cast<uint8_t>(high << 4 | v));
      high = -1;
    }
  }
  return out;
}

Bytes fromText(std::string_view text) {
  return Bytes(text.begin(), text.end());
}

// Uncompressed lowercase wire form of a dotted name ("example.com" -> 7example3com0).
Bytes wireName(std::string_view dotted) {
  Bytes out;
  while (!dotted.empty()) {
    const size_t dot = dotted.find('.');
    const std::string_view label = dotted.substr(0, dot);
    out.push_back(static_cast<uint8_t>(label.size()));
    out.insert(out.end(), label.begin(), label.end());
    dotted = dot == std::string_view::npos ? std::string_view{} : dotted.substr(dot + 1);
  }
  out.push_back(0);
  return out;
}

// RFC 4034 §3.2: YYYYMMDDHHmmSS (UTC) to seconds since the epoch, without the clock or time zone.
uint32_t rrsigTime(std::string_view t) {
  auto num = [&](size_t at, size_t len) { return std::stoi(std::string(t.substr(at, len))); };
  int y = num(0, 4);
  const int m = num(4, 2);
  const int d = num(6, 2);
  // Days from civil (proleptic Gregorian), March-based year.
  y -= m <= 2 ? 1 : 0;
  const int era = y / 400;
  const int yoe = y - era * 400;
  const int doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const int doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  const long days = static_cast<long>(era) * 146097 + doe - 719468;
  return static_cast<uint32_t>(days * 86400 + num(8, 2) * 3600 + num(10, 2) * 60 + num(12, 2));
}

struct Writer {
  Bytes out;
  Writer& u8(unsigned v) {
    out.push_back(static_cast<uint8_t>(v));
    return *this;
  }
  Writer& u16(unsigned v) { return u8(v >> 8).u8(v & 0xff); }
  Writer& u32(uint32_t v) { return u16(v >> 16).u16(v & 0xffff); }
  Writer& add(const Bytes& b) {
    out.insert(out.end(), b.begin(), b.end());
    return *this;
  }
};

constexpr unsigned kTypeA = 1;
constexpr unsigned kTypeMx = 15;
constexpr unsigned kClassIn = 1;

// RFC 4034 §3.1.8.1: RRSIG RDATA without the signature, then the (single, canonical) RR.
Bytes signedData(unsigned typeCovered, unsigned algorithm, unsigned labels, uint32_t ttl,
                 uint32_t expiration, uint32_t inception, unsigned keyTag, std::string_view signer,
                 std::string_view owner, const Bytes& rdata) {
  Writer w;
  w.u16(typeCovered).u8(algorithm).u8(labels).u32(ttl).u32(expiration).u32(inception);
  w.u16(keyTag).add(wireName(signer));
  w.add(wireName(owner)).u16(typeCovered).u16(kClassIn).u32(ttl);
  w.u16(static_cast<unsigned>(rdata.size())).add(rdata);
  return w.out;
}

Bytes dnskeyRdata(unsigned flags, unsigned algorithm, const Bytes& key) {
  return Writer{}.u16(flags).u8(3).u8(algorithm).add(key).out;
}

Bytes concat(Bytes a, const Bytes& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

// ---------------------------------------------------------------------------- algorithm support

TEST(CryptoAlgorithms, SupportsTheDnssecAlgorithmsTheValidatorNeeds) {
  // RFC 8624 §3.1 MUST-validate algorithms; this project's OpenSSL (Debian 12) has all of them.
  for (uint8_t a : Algorithms{5, 7, 8, 10, 13, 14, 15})
    EXPECT_TRUE(crypto::isAlgorithmSupported(a)) << int{a};
}

TEST(CryptoAlgorithms, RejectsAlgorithmsWithoutAnImplementation) {
  // RSAMD5, DH, DSA, DSA-NSEC3, ECC-GOST, INDIRECT, PRIVATEDNS, PRIVATEOID, unassigned.
  for (uint8_t a : Algorithms{0, 1, 2, 3, 6, 12, 252, 253, 254, 255, 17, 200}) {
    EXPECT_FALSE(crypto::isAlgorithmSupported(a)) << int{a};
    auto key = crypto::PublicKey::fromDnskey(a, Bytes(64, 1));
    ASSERT_FALSE(key.ok());
    EXPECT_NE(key.error().message.find("not supported"), std::string::npos);
    EXPECT_FALSE(crypto::PrivateKey::generate(a).ok());
  }
}

// -------------------------------------------------------------------------------- round trips

struct AlgorithmCase {
  uint8_t algorithm;
  int rsaBits;       // 0 for non-RSA
  size_t keyLength;  // DNSKEY field length, 0 for RSA (computed from rsaBits)
  size_t sigLength;  // RRSIG signature length, 0 for RSA (modulus length)
  int keyBits;
};

std::string caseName(const testing::TestParamInfo<AlgorithmCase>& info) {
  return "Algorithm" + std::to_string(info.param.algorithm);
}

class CryptoRoundTrip : public testing::TestWithParam<AlgorithmCase> {
 protected:
  void SetUp() override {
    if (!crypto::isAlgorithmSupported(GetParam().algorithm)) {
      GTEST_SKIP() << "algorithm " << int{GetParam().algorithm} << " missing from this OpenSSL";
    }
  }
  crypto::PrivateKey makeKey() const {
    auto key = crypto::PrivateKey::generate(GetParam().algorithm, GetParam().rsaBits);
    if (!key.ok()) ADD_FAILURE() << key.error().message;
    return std::move(key).value();
  }
  static Bytes sampleData() {
    Bytes data(200);
    for (size_t i = 0; i < data.size(); ++i) data[i] = static_cast<uint8_t>(i * 7 + 3);
    return data;
  }
};

TEST_P(CryptoRoundTrip, SignedDataVerifiesAndKeyFieldHasTheRfcSize) {
  const AlgorithmCase& c = GetParam();
  crypto::PrivateKey priv = makeKey();
  EXPECT_EQ(priv.algorithm(), c.algorithm);
  const Bytes field = priv.dnskeyPublicKey();
  if (c.rsaBits != 0) {
    // RFC 3110 §2, e = 65537: length 3, exponent 01 00 01, then the modulus.
    ASSERT_EQ(field.size(), 1 + 3 + static_cast<size_t>(c.rsaBits) / 8);
    EXPECT_EQ(field[0], 3);
    EXPECT_EQ(Bytes(field.begin() + 1, field.begin() + 4), (Bytes{1, 0, 1}));
  } else {
    EXPECT_EQ(field.size(), c.keyLength);
  }

  auto pub = crypto::PublicKey::fromDnskey(c.algorithm, field);
  ASSERT_TRUE(pub.ok()) << pub.error().message;
  EXPECT_EQ(pub->algorithm(), c.algorithm);
  EXPECT_EQ(pub->keyBits(), c.keyBits);

  const Bytes data = sampleData();
  auto sig = priv.sign(data);
  ASSERT_TRUE(sig.ok()) << sig.error().message;
  EXPECT_EQ(sig->size(), c.rsaBits != 0 ? static_cast<size_t>(c.rsaBits) / 8 : c.sigLength);
  EXPECT_EQ(pub->verify(data, *sig), crypto::VerifyOutcome::kValid);
  // Verification leaves no state behind: the same call again gives the same answer.
  EXPECT_EQ(pub->verify(data, *sig), crypto::VerifyOutcome::kValid);

  // Empty signed data is still data.
  auto emptySig = priv.sign({});
  ASSERT_TRUE(emptySig.ok()) << emptySig.error().message;
  EXPECT_EQ(pub->verify({}, *emptySig), crypto::VerifyOutcome::kValid);
  EXPECT_EQ(pub->verify(data, *emptySig), crypto::VerifyOutcome::kInvalid);
}

TEST_P(CryptoRoundTrip, AnyFlippedBitMakesTheSignatureInvalid) {
  crypto::PrivateKey priv = makeKey();
  auto pub = crypto::PublicKey::fromDnskey(GetParam().algorithm, priv.dnskeyPublicKey());
  ASSERT_TRUE(pub.ok()) << pub.error().message;
  const Bytes data = sampleData();
  auto sig = priv.sign(data);
  ASSERT_TRUE(sig.ok()) << sig.error().message;

  for (size_t at : {size_t{0}, data.size() / 2, data.size() - 1}) {
    Bytes changed = data;
    changed[at] ^= 0x01;
    EXPECT_EQ(pub->verify(changed, *sig), crypto::VerifyOutcome::kInvalid) << "data byte " << at;
  }
  for (size_t at : {size_t{0}, sig->size() / 2 - 1, sig->size() / 2, sig->size() - 1}) {
    for (uint8_t mask : {uint8_t{0x01}, uint8_t{0x80}}) {
      Bytes changed = *sig;
      changed[at] ^= mask;
      EXPECT_EQ(pub->verify(data, changed), crypto::VerifyOutcome::kInvalid)
          << "signature byte " << at << " mask " << int{mask};
    }
  }
  // Truncated, extended and empty signatures are invalid (not internal errors).
  Bytes shorter(sig->begin(), sig->end() - 1);
  Bytes longer = *sig;
  longer.push_back(0);
  EXPECT_EQ(pub->verify(data, shorter), crypto::VerifyOutcome::kInvalid);
  EXPECT_EQ(pub->verify(data, longer), crypto::VerifyOutcome::kInvalid);
  EXPECT_EQ(pub->verify(data, {}), crypto::VerifyOutcome::kInvalid);
  EXPECT_EQ(pub->verify(data, Bytes(sig->size(), 0)), crypto::VerifyOutcome::kInvalid);
  EXPECT_EQ(pub->verify(data, Bytes(sig->size(), 0xff)), crypto::VerifyOutcome::kInvalid);
}

TEST_P(CryptoRoundTrip, SignatureOfAnotherKeyIsInvalid) {
  crypto::PrivateKey signer = makeKey();
  crypto::PrivateKey other = makeKey();
  auto otherPub = crypto::PublicKey::fromDnskey(GetParam().algorithm, other.dnskeyPublicKey());
  ASSERT_TRUE(otherPub.ok()) << otherPub.error().message;
  const Bytes data = sampleData();
  auto sig = signer.sign(data);
  ASSERT_TRUE(sig.ok());
  EXPECT_EQ(otherPub->verify(data, *sig), crypto::VerifyOutcome::kInvalid);
}

TEST_P(CryptoRoundTrip, MovedKeysKeepWorking) {
  crypto::PrivateKey priv = makeKey();
  auto parsed = crypto::PublicKey::fromDnskey(GetParam().algorithm, priv.dnskeyPublicKey());
  ASSERT_TRUE(parsed.ok());
  crypto::PublicKey pub = std::move(parsed).value();
  crypto::PrivateKey moved = std::move(priv);
  const Bytes data = sampleData();
  auto sig = moved.sign(data);
  ASSERT_TRUE(sig.ok());
  std::vector<crypto::PublicKey> keys;
  keys.push_back(std::move(pub));
  EXPECT_EQ(keys.front().verify(data, *sig), crypto::VerifyOutcome::kValid);
}

INSTANTIATE_TEST_SUITE_P(
    AllAlgorithms, CryptoRoundTrip,
    testing::Values(AlgorithmCase{5, 1024, 0, 0, 1024}, AlgorithmCase{7, 1024, 0, 0, 1024},
                    AlgorithmCase{8, 2048, 0, 0, 2048}, AlgorithmCase{10, 1024, 0, 0, 1024},
                    AlgorithmCase{13, 0, 64, 64, 256}, AlgorithmCase{14, 0, 96, 96, 384},
                    // OpenSSL's figures for the EdDSA curves: 256 and 456 bits.
                    AlgorithmCase{15, 0, 32, 64, 256}, AlgorithmCase{16, 0, 57, 114, 456}),
    caseName);

TEST(CryptoDigestMapping, SameRsaKeyUnderAnotherAlgorithmDoesNotVerify) {
  // Algorithms 8 and 10 share the key format; only the digest differs (RFC 5702 §3).
  auto priv = crypto::PrivateKey::generate(8, 1024);
  ASSERT_TRUE(priv.ok()) << priv.error().message;
  const Bytes data = fromText("the same bytes");
  auto sig = priv->sign(data);
  ASSERT_TRUE(sig.ok());
  for (uint8_t other : Algorithms{5, 10}) {
    auto pub = crypto::PublicKey::fromDnskey(other, priv->dnskeyPublicKey());
    ASSERT_TRUE(pub.ok()) << pub.error().message;
    EXPECT_EQ(pub->verify(data, *sig), crypto::VerifyOutcome::kInvalid) << int{other};
  }
}

TEST(CryptoRsa, ThreeOctetExponentLengthFormIsAccepted) {
  // RFC 3110 §2: a zero first octet announces a two-octet exponent length.
  auto priv = crypto::PrivateKey::generate(8, 1024);
  ASSERT_TRUE(priv.ok());
  const Bytes shortForm = priv->dnskeyPublicKey();
  ASSERT_EQ(shortForm[0], 3);
  Bytes longForm{0, 0, 3};
  longForm.insert(longForm.end(), shortForm.begin() + 1, shortForm.end());
  auto pub = crypto::PublicKey::fromDnskey(8, longForm);
  ASSERT_TRUE(pub.ok()) << pub.error().message;
  EXPECT_EQ(pub->keyBits(), 1024);
  const Bytes data = fromText("long exponent length form");
  auto sig = priv->sign(data);
  ASSERT_TRUE(sig.ok());
  EXPECT_EQ(pub->verify(data, *sig), crypto::VerifyOutcome::kValid);
}

TEST(CryptoEcdsa, WrongLengthSignatureIsInvalidNotAnError) {
  auto priv = crypto::PrivateKey::generate(13);
  ASSERT_TRUE(priv.ok());
  auto pub = crypto::PublicKey::fromDnskey(13, priv->dnskeyPublicKey());
  ASSERT_TRUE(pub.ok());
  const Bytes data = fromText("www.example.net. A 192.0.2.1");
  auto sig = priv->sign(data);
  ASSERT_TRUE(sig.ok());
  // A P-384-sized signature, a DER-encoded one, and off-by-one sizes.
  for (size_t len : std::initializer_list<size_t>{0, 1, 32, 63, 65, 70, 72, 96, 128}) {
    Bytes wrong(len, 0x42);
    std::copy_n(sig->begin(), std::min(len, sig->size()), wrong.begin());
    EXPECT_EQ(pub->verify(data, wrong), crypto::VerifyOutcome::kInvalid) << len;
  }
  // r or s equal to zero is outside [1, n-1] (SEC 1 §4.1.4 step 1).
  Bytes zeroR = *sig;
  std::fill_n(zeroR.begin(), 32, 0);
  Bytes zeroS = *sig;
  std::fill_n(zeroS.begin() + 32, 32, 0);
  EXPECT_EQ(pub->verify(data, zeroR), crypto::VerifyOutcome::kInvalid);
  EXPECT_EQ(pub->verify(data, zeroS), crypto::VerifyOutcome::kInvalid);
}

TEST(CryptoThreads, ConcurrentVerificationsOfOneKeyAgree) {
  auto priv = crypto::PrivateKey::generate(13);
  ASSERT_TRUE(priv.ok());
  auto pub = crypto::PublicKey::fromDnskey(13, priv->dnskeyPublicKey());
  ASSERT_TRUE(pub.ok());
  const Bytes data = fromText("shared key");
  auto good = priv->sign(data);
  ASSERT_TRUE(good.ok());
  Bytes bad = *good;
  bad[10] ^= 4;
  std::vector<int> wrong(4, 0);
  std::vector<std::thread> threads;
  for (size_t t = 0; t < wrong.size(); ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 100; ++i) {
        const bool valid = (i + static_cast<int>(t)) % 2 == 0;
        const auto want = valid ? crypto::VerifyOutcome::kValid : crypto::VerifyOutcome::kInvalid;
        if (pub->verify(data, valid ? *good : bad) != want) ++wrong[t];
      }
    });
  }
  for (auto& th : threads) th.join();
  for (int w : wrong) EXPECT_EQ(w, 0);
}

// ---------------------------------------------------------------------------------- bad keys

void expectRejected(uint8_t algorithm, const Bytes& field, std::string_view reason) {
  auto key = crypto::PublicKey::fromDnskey(algorithm, field);
  ASSERT_FALSE(key.ok()) << "accepted a bad key for algorithm " << int{algorithm};
  EXPECT_NE(key.error().message.find(reason), std::string::npos)
      << "reason was: " << key.error().message;
}

TEST(CryptoMalformedKeys, RsaFieldsViolatingRfc3110AreRejectedWithAReason) {
  auto priv = crypto::PrivateKey::generate(8, 1024);
  ASSERT_TRUE(priv.ok());
  const Bytes good = priv->dnskeyPublicKey();
  ASSERT_TRUE(crypto::PublicKey::fromDnskey(8, good).ok());

  expectRejected(8, {}, "empty");
  // Exponent length overruns the field: 0xff octets announced, fewer present.
  Bytes overrun = good;
  overrun[0] = 0xff;
  overrun.resize(100);
  expectRejected(8, overrun, "overruns");
  // Same with the three-octet form announcing 0x0400 octets.
  Bytes longOverrun{0, 0x04, 0x00};
  longOverrun.insert(longOverrun.end(), good.begin() + 1, good.end());
  expectRejected(8, longOverrun, "overruns");
  expectRejected(8, {0, 1}, "truncated");
  Bytes zeroLength{0, 0, 0};
  zeroLength.insert(zeroLength.end(), good.begin() + 1, good.end());
  expectRejected(8, zeroLength, "zero exponent length");
  // Exactly the exponent, nothing after it.
  expectRejected(8, Bytes(good.begin(), good.begin() + 4), "no modulus");
  // 256-bit modulus: below RFC 3110's 512.
  Bytes tiny(good.begin(), good.begin() + 4 + 32);
  expectRejected(8, tiny, "outside 512..4096");
  // 4104-bit modulus.
  Bytes huge{3, 1, 0, 1};
  huge.resize(4 + 513, 0xc5);
  expectRejected(8, huge, "outside 512..4096");
  // Even and unit exponents cannot belong to a real key.
  Bytes even = good;
  even[3] = 0x00;  // 65537 -> 65536
  expectRejected(8, even, "exponent");
  Bytes unit{1, 1};
  unit.insert(unit.end(), good.begin() + 4, good.end());
  expectRejected(8, unit, "exponent");
}

// An RFC 3110 §2 key field: the exponent length in one octet, or in three (a zero, then two octets)
// when it does not fit in one, the exponent, the modulus.
Bytes rsaKeyField(const Bytes& exponent, const Bytes& modulus) {
  Bytes field;
  if (exponent.size() <= 255) {
    field.push_back(static_cast<uint8_t>(exponent.size()));
  } else {
    field = {0, static_cast<uint8_t>(exponent.size() >> 8), static_cast<uint8_t>(exponent.size())};
  }
  return concat(concat(field, exponent), modulus);
}

// Issue 11: RFC 3110 §2 lets the exponent take up to 4096 bits, but a verification costs time in
// proportion to the exponent's length (a 3,064-bit one about 160 verifications with e = 65537).
// Past 64 bits the key is unsupported, whatever the modulus; real keys use 3 or 65537.
TEST(CryptoMalformedKeys, RsaPublicExponentLongerThan64BitsIsUnsupported) {
  constexpr std::string_view kReason = "RSA public exponent longer than 64 bits";
  // The key: a 3,064-bit exponent under a 3,072-bit modulus (both odd, e < n).
  Bytes exponent3064(383, 0xa7);
  Bytes modulus3072(384, 0xc5);
  expectRejected(8, rsaKeyField(exponent3064, modulus3072), kReason);
  expectRejected(10, rsaKeyField(exponent3064, modulus3072), kReason);

  auto priv = crypto::PrivateKey::generate(8, 1024);
  ASSERT_TRUE(priv.ok());
  const Bytes field = priv->dnskeyPublicKey();  // e = 65537: 3, 01 00 01, then the modulus
  const Bytes modulus1024(field.begin() + 4, field.end());
  // One bit over: 2^64 + 1 (65 bits), under a 1024-bit and under a 4096-bit modulus.
  const Bytes exponent65{0x01, 0, 0, 0, 0, 0, 0, 0, 0x01};
  expectRejected(8, rsaKeyField(exponent65, modulus1024), kReason);
  expectRejected(8, rsaKeyField(exponent65, Bytes(512, 0xc5)), kReason);
  // Exactly 64 bits is still a key; leading zero octets are not part of the exponent's length.
  EXPECT_TRUE(crypto::PublicKey::fromDnskey(8, rsaKeyField(Bytes(8, 0xff), modulus1024)).ok());
  Bytes padded(303, 0);  // 65537 after 300 zero octets
  padded[300] = 0x01;
  padded[302] = 0x01;
  auto padKey = crypto::PublicKey::fromDnskey(8, rsaKeyField(padded, modulus1024));
  ASSERT_TRUE(padKey.ok()) << padKey.error().message;
  const Bytes data = fromText("leading zeros");
  auto sig = priv->sign(data);
  ASSERT_TRUE(sig.ok());
  EXPECT_EQ(padKey->verify(data, *sig), crypto::VerifyOutcome::kValid);
}

TEST(CryptoMalformedKeys, EcdsaPointOffTheCurveOrOfTheWrongSizeIsRejected) {
  auto priv = crypto::PrivateKey::generate(13);
  ASSERT_TRUE(priv.ok());
  const Bytes good = priv->dnskeyPublicKey();
  ASSERT_TRUE(crypto::PublicKey::fromDnskey(13, good).ok());

  Bytes offCurve = good;
  offCurve.back() ^= 0x01;  // y changed, x kept: y^2 != x^3 - 3x + b
  expectRejected(13, offCurve, "not on the curve");
  expectRejected(13, Bytes(64, 0), "not on the curve");
  // Coordinates at or above the field prime p = 2^256 - 2^224 + 2^192 + 2^96 - 1.
  expectRejected(13, Bytes(64, 0xff), "curve");
  expectRejected(13, Bytes(good.begin(), good.end() - 1), "expected 64");
  expectRejected(13, concat(good, {0}), "expected 64");
  // A valid P-256 key announced as P-384 (RFC 6605 §4 fixes the size per algorithm).
  expectRejected(14, good, "expected 96");
}

TEST(CryptoMalformedKeys, EddsaKeysOfTheWrongLengthAreRejected) {
  auto priv = crypto::PrivateKey::generate(15);
  ASSERT_TRUE(priv.ok());
  const Bytes good = priv->dnskeyPublicKey();
  ASSERT_TRUE(crypto::PublicKey::fromDnskey(15, good).ok());
  expectRejected(15, Bytes(good.begin(), good.end() - 1), "expected 32");
  expectRejected(15, concat(good, {0}), "expected 32");
  expectRejected(15, {}, "expected 32");
  if (crypto::isAlgorithmSupported(16)) expectRejected(16, good, "expected 57");
}

// ---------------------------------------------------------------------------- known answers

TEST(CryptoVectors, Rfc4034Section5_4DsDigest) {
  // dskey.example.com. DNSKEY 256 3 5 (...) ; key id = 60485, and its DS 60485 5 1 (...).
  const Bytes key = fromBase64(
      "AQOeiiR0GOMYkDshWoSKz9XzfwJr1AYtsmx3TGkJaNXVbfi/2pHm822aJ5iI9BMzNXxeYCmZ"
      "DRD99WYwYqUSdjMmmAphXdvxegXd/M5+X7OrzKBaMbCVdFLUUh6DhweJBjEVv5f2wwjM9Xzc"
      "nOf+EPbtG9DMBmADjFDc2w/rljwvFw==");
  const Bytes input = concat(wireName("dskey.example.com"), dnskeyRdata(256, 5, key));
  auto digest = crypto::dsDigest(1, input);
  ASSERT_TRUE(digest.has_value());
  EXPECT_EQ(*digest, fromHex("2BB183AF5F22588179A53B0A98631FAD1A292118"));
  // The key itself is a well-formed RFC 3110 key: exponent 3, 1024-bit modulus.
  auto pub = crypto::PublicKey::fromDnskey(5, key);
  ASSERT_TRUE(pub.ok()) << pub.error().message;
  EXPECT_EQ(pub->keyBits(), 1024);
}

TEST(CryptoVectors, Rfc6605Section6_2DsSha384) {
  const Bytes key = fromBase64(
      "xKYaNhWdGOfJ+nPrL8/arkwf2EY3MDJ+SErKivBVSum1w/egsXvSADtNJhyem5RCOpgQ6K8X1DRSEkrbYQ+OB+v8"
      "/uX45NBwY8rp65F6Glur8I/mlVNgF6W/qTI37m40");
  auto digest = crypto::dsDigest(4, concat(wireName("example.net"), dnskeyRdata(257, 14, key)));
  ASSERT_TRUE(digest.has_value());
  EXPECT_EQ(*digest, fromHex("72d7b62976ce06438e9c0bf319013cf801f09ecc84b8d7e9495f27e305c6a9b0"
                             "563a9b5f4d288405c3008a946df983d6"));
  EXPECT_TRUE(crypto::PublicKey::fromDnskey(14, key).ok());
}

TEST(CryptoVectors, DsDigestTypesAndSizes) {
  const Bytes data = fromText("abc");
  // FIPS 180-2 "abc" examples, truncated to a prefix so as to check the right hash was chosen.
  auto sha1 = crypto::dsDigest(1, data);
  auto sha256 = crypto::dsDigest(2, data);
  auto sha384 = crypto::dsDigest(4, data);
  ASSERT_TRUE(sha1 && sha256 && sha384);
  EXPECT_EQ(*sha1, fromHex("a9993e364706816aba3e25717850c26c9cd0d89d"));
  EXPECT_EQ(*sha256, fromHex("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"));
  EXPECT_EQ(sha384->size(), 48u);
  EXPECT_EQ(Bytes(sha384->begin(), sha384->begin() + 8), fromHex("cb00753f45a35e8b"));
  // 0 reserved, 3 GOST R 34.11-94 (not implemented), 5+ unassigned.
  for (uint8_t t : Algorithms{0, 3, 5, 6, 255})
    EXPECT_FALSE(crypto::dsDigest(t, data).has_value()) << int{t};
}

TEST(CryptoVectors, Rfc5155AppendixANsec3Hashes) {
  const Bytes salt = fromHex("aabbccdd");
  EXPECT_EQ(crypto::nsec3Hash(wireName("example"), salt, 12),
            fromBase32Hex("0p9mhaveqvm6t7vbl5lop2u3t2rp3tom"));
  EXPECT_EQ(crypto::nsec3Hash(wireName("a.example"), salt, 12),
            fromBase32Hex("35mthgpgcu1qg68fab165klnsnk3dpvl"));
  EXPECT_EQ(crypto::nsec3Hash(wireName("ns1.example"), salt, 12),
            fromBase32Hex("2t7b4g4vsa5smi47k61mv5bv1a22bojr"));
}

TEST(CryptoVectors, Nsec3IterationsFollowTheRfc5155Recurrence) {
  const Bytes name = wireName("www.example.com");
  const Bytes salt = fromHex("0102");
  // IH(salt, x, 0) = H(x || salt); with no salt and no iterations it is plain SHA-1 of the name.
  EXPECT_EQ(crypto::nsec3Hash(name, {}, 0), crypto::dsDigest(1, name).value());
  EXPECT_EQ(crypto::nsec3Hash(name, salt, 0), crypto::dsDigest(1, concat(name, salt)).value());
  for (uint16_t k : std::initializer_list<uint16_t>{1, 2, 150}) {
    EXPECT_EQ(crypto::nsec3Hash(name, salt, k),
              crypto::dsDigest(
                  1, concat(crypto::nsec3Hash(name, salt, static_cast<uint16_t>(k - 1)), salt))
                  .value())
        << k;
  }
  EXPECT_EQ(crypto::nsec3Hash(name, salt, 65535).size(), 20u);
}

TEST(CryptoVectors, Rfc4231HmacSha256) {
  // Test case 1.
  const auto tc1 = crypto::hmacSha256(Bytes(20, 0x0b), fromText("Hi There"));
  EXPECT_EQ(Bytes(tc1.begin(), tc1.end()),
            fromHex("b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7"));
  // Test case 2.
  const auto tc2 = crypto::hmacSha256(fromText("Jefe"), fromText("what do ya want for nothing?"));
  EXPECT_EQ(Bytes(tc2.begin(), tc2.end()),
            fromHex("5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"));
  // Test case 6: a key longer than the block is hashed first (RFC 2104 §2).
  const auto tc6 = crypto::hmacSha256(
      Bytes(131, 0xaa), fromText("Test Using Larger Than Block-Size Key - Hash Key First"));
  EXPECT_EQ(Bytes(tc6.begin(), tc6.end()),
            fromHex("60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"));
  // Empty key and message: a webhook secret may be unset by mistake; it must not crash.
  const auto empty = crypto::hmacSha256({}, {});
  EXPECT_EQ(Bytes(empty.begin(), empty.end()),
            fromHex("b613679a0814d9ec772f95d778c35fc5ff1697c493715653c6c712144292c5ad"));
}

TEST(CryptoVectors, ConstantTimeEqual) {
  const Bytes a = fromText("signature-0123456789");
  Bytes b = a;
  EXPECT_TRUE(crypto::constantTimeEqual(a, b));
  b.back() ^= 1;
  EXPECT_FALSE(crypto::constantTimeEqual(a, b));
  b = a;
  b.front() ^= 0x80;
  EXPECT_FALSE(crypto::constantTimeEqual(a, b));
  EXPECT_FALSE(crypto::constantTimeEqual(a, Bytes(a.begin(), a.end() - 1)));
  EXPECT_TRUE(crypto::constantTimeEqual({}, {}));
  EXPECT_FALSE(crypto::constantTimeEqual(a, {}));
}

// Published RRSIGs made by other implementations: they check the ECDSA r|s <-> DER conversion and
// the RFC 3110 key parsing against signatures this adapter did not produce.

struct PublishedSignature {
  const char* name;
  uint8_t algorithm;
  const char* key;
  unsigned typeCovered;
  unsigned labels;
  uint32_t expiration;
  uint32_t inception;
  unsigned keyTag;
  const char* signer;
  const char* owner;
  Bytes rdata;
  const char* signature;
};

void expectPublishedSignature(const PublishedSignature& p) {
  SCOPED_TRACE(p.name);
  if (!crypto::isAlgorithmSupported(p.algorithm)) GTEST_SKIP() << "algorithm not available";
  auto pub = crypto::PublicKey::fromDnskey(p.algorithm, fromBase64(p.key));
  ASSERT_TRUE(pub.ok()) << pub.error().message;
  Bytes data = signedData(p.typeCovered, p.algorithm, p.labels, 3600, p.expiration, p.inception,
                          p.keyTag, p.signer, p.owner, p.rdata);
  const Bytes sig = fromBase64(p.signature);
  EXPECT_EQ(pub->verify(data, sig), crypto::VerifyOutcome::kValid);
  data[data.size() - 1] ^= 1;  // the last RDATA octet
  EXPECT_EQ(pub->verify(data, sig), crypto::VerifyOutcome::kInvalid);
}

const Bytes kMxRdata = concat(Bytes{0, 10}, wireName("mail.example.com"));
const Bytes kA1 = {192, 0, 2, 1};
const Bytes kA91 = {192, 0, 2, 91};

TEST(CryptoVectors, Rfc8080Section6Ed25519Examples) {
  expectPublishedSignature({"RFC 8080 §6.1", 15,
                            "l02Woi0iS8Aa25FQkUd9RMzZHJpBoRQwAQEX1SxZJA4=", kTypeMx, 2, 1440021600,
                            1438207200, 3613, "example.com", "example.com", kMxRdata,
                            "oL9krJun7xfBOIWcGHi7mag5/hdZrKWw15jPGrHpjQeRAvTdszaPD+QLs3fx8A4M3e23m"
                            "RZ9VrbpMngwcrqNAg=="});
}

TEST(CryptoVectors, Rfc6605Section6EcdsaExamples) {
  expectPublishedSignature(
      {"RFC 6605 §6.1 P-256", 13,
       "GojIhhXUN/u4v54ZQqGSnyhWJwaubCvTmeexv7bR6edbkrSqQpF64cYbcB7wNcP+e+MAnLr+Wi9xMWyQLc8NAA==",
       kTypeA, 3, rrsigTime("20100909100439"), rrsigTime("20100812100439"), 55648, "example.net",
       "www.example.net", kA1,
       "qx6wLYqmh+l9oCKTN6qIc+bw6ya+KJ8oMz0YP107epXAyGmt+3SNruPFKG7tZoLBLlUzGGus7ZwmwWep666VCw=="});
  expectPublishedSignature(
      {"RFC 6605 §6.2 P-384", 14,
       "xKYaNhWdGOfJ+nPrL8/arkwf2EY3MDJ+SErKivBVSum1w/egsXvSADtNJhyem5RCOpgQ6K8X1DRSEkrbYQ+OB+v8"
       "/uX45NBwY8rp65F6Glur8I/mlVNgF6W/qTI37m40",
       kTypeA, 3, rrsigTime("20100909102025"), rrsigTime("20100812102025"), 10771, "example.net",
       "www.example.net", kA1,
       "/L5hDKIvGDyI1fcARX3z65qrmPsVz73QD1Mr5CEqOiLP95hxQouuroGCeZOvzFaxsT8Glr74hbavRKayJNuydCuz"
       "WTSSPdz7wnqXL5bdcJzusdnI0RSMROxxwGipWcJm"});
}

TEST(CryptoVectors, Rfc5702Section6RsaExamples) {
  expectPublishedSignature(
      {"RFC 5702 §6.1 RSA/SHA-256", 8,
       "AwEAAcFcGsaxxdgiuuGmCkVImy4h99CqT7jwY3pexPGcnUFtR2Fh36BponcwtkZ4cAgtvd4Qs8PkxUdp6p/"
       "DlUmObdk=",
       kTypeA, 3, rrsigTime("20300101000000"), rrsigTime("20000101000000"), 9033, "example.net",
       "www.example.net", kA91,
       "kRCOH6u7l0QGy9qpC9l1sLncJcOKFLJ7GhiUOibu4teYp5VE9RncriShZNz85mwlMgNEacFYK/lPtPiVYP4bwg=="});
  expectPublishedSignature(
      {"RFC 5702 §6.2 RSA/SHA-512", 10,
       "AwEAAdHoNTOW+et86KuJOWRDp1pndvwb6Y83nSVXXyLA3DLroROUkN6X0O6pnWnjJQujX/AyhqFDxj13tOnD9u/"
       "1kTg7"
       "cV6rklMrZDtJCQ5PCl/D7QNPsgVsMu1J2Q8gpMpztNFLpPBz1bWXjDtaR7ZQBlZ3PFY12ZTSncorffcGmhOL",
       kTypeA, 3, rrsigTime("20300101000000"), rrsigTime("20000101000000"), 3740, "example.net",
       "www.example.net", kA91,
       "tsb4wnjRUDnB1BUi+t6TMTXThjVnG+"
       "eCkWqjvvjhzQL1d0YRoOe0CbxrVDYd0xDtsuJRaeUw1ep94PzEWzr0iGYgZBWm"
       "/zpq+9fOuagYJRfDqfReKBzMweOLDiNa8iP5g9vMhpuv6OPlvpXwm9Sa9ZXIbNl1MBGk0fthPgxdDLw="});
}

}  // namespace
}  // namespace zonewatch::dnssec
