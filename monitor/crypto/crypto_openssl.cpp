// OpenSSL 3.0 implementation of crypto.h, EVP/provider API only (built with OPENSSL_NO_DEPRECATED).
//
// Speed notes, measured with tests/bench/crypto_raw_bench.cpp: each PublicKey keeps an EVP_MD_CTX
// on which EVP_DigestVerifyInit already ran, and verify() copies it into a per-thread context
// instead of initialising again (about +15% verifications/s for RSA-2048, a few % for ECDSA and
// EdDSA, whose cost is the curve arithmetic). Digests are fetched once per process; NSEC3 and DS
// hashing reuse a per-thread EVP_MD_CTX, which OpenSSL re-initialises without reallocating.
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/rsa.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "monitor/crypto/crypto.h"
#include "monitor/dns/types.h"

namespace zonewatch::crypto {
namespace {

namespace alg = dns::algorithm;

template <auto FreeFn>
struct Freer {
  template <class T>
  void operator()(T* p) const {
    FreeFn(p);
  }
};
using PkeyPtr = std::unique_ptr<EVP_PKEY, Freer<EVP_PKEY_free>>;
using PkeyCtxPtr = std::unique_ptr<EVP_PKEY_CTX, Freer<EVP_PKEY_CTX_free>>;
using MdCtxPtr = std::unique_ptr<EVP_MD_CTX, Freer<EVP_MD_CTX_free>>;
using BnPtr = std::unique_ptr<BIGNUM, Freer<BN_free>>;
using ParamBldPtr = std::unique_ptr<OSSL_PARAM_BLD, Freer<OSSL_PARAM_BLD_free>>;
using ParamPtr = std::unique_ptr<OSSL_PARAM, Freer<OSSL_PARAM_free>>;
using EcdsaSigPtr = std::unique_ptr<ECDSA_SIG, Freer<ECDSA_SIG_free>>;

// OpenSSL functions take non-null pointers even for empty input; a span over nothing may hold null.
const unsigned char kEmpty[1] = {0};
const unsigned char* bytes(std::span<const uint8_t> s) {
  return s.empty() ? kEmpty : s.data();
}

enum class Family : uint8_t { kRsa, kEcdsa, kEddsa };
enum class Hash : uint8_t { kNone, kSha1, kSha256, kSha384, kSha512 };

struct AlgorithmInfo {
  Family family;
  Hash hash;          // kNone: EdDSA signs the message itself (RFC 8032 PureEdDSA)
  const char* name;   // OpenSSL key type / signature algorithm name
  const char* group;  // ECDSA curve
  size_t keyLength;   // exact DNSKEY field length for ECDSA and EdDSA
  size_t sigLength;   // exact RRSIG signature length for ECDSA and EdDSA
};

std::optional<AlgorithmInfo> describe(uint8_t algorithm) {
  switch (algorithm) {
    // RFC 3110 §3 and RFC 5155 §2 (algorithm 7 is the same RSA/SHA-1, only signalling NSEC3).
    case alg::kRsaSha1:
    case alg::kRsaSha1Nsec3Sha1:
      return AlgorithmInfo{Family::kRsa, Hash::kSha1, "RSA", nullptr, 0, 0};
    // RFC 5702 §3.
    case alg::kRsaSha256:
      return AlgorithmInfo{Family::kRsa, Hash::kSha256, "RSA", nullptr, 0, 0};
    case alg::kRsaSha512:
      return AlgorithmInfo{Family::kRsa, Hash::kSha512, "RSA", nullptr, 0, 0};
    // RFC 6605 §4: public key x|y, signature r|s, each a fixed-size big-endian integer.
    case alg::kEcdsaP256Sha256:
      return AlgorithmInfo{Family::kEcdsa, Hash::kSha256, "EC", "P-256", 64, 64};
    case alg::kEcdsaP384Sha384:
      return AlgorithmInfo{Family::kEcdsa, Hash::kSha384, "EC", "P-384", 96, 96};
    // RFC 8080 §3 (key) and §4 (signature).
    case alg::kEd25519:
      return AlgorithmInfo{Family::kEddsa, Hash::kNone, "ED25519", nullptr, 32, 64};
    case alg::kEd448:
      return AlgorithmInfo{Family::kEddsa, Hash::kNone, "ED448", nullptr, 57, 114};
    default:
      return std::nullopt;
  }
}

const char* hashName(Hash h) {
  switch (h) {
    case Hash::kSha1:
      return "SHA1";
    case Hash::kSha256:
      return "SHA256";
    case Hash::kSha384:
      return "SHA384";
    case Hash::kSha512:
      return "SHA512";
    case Hash::kNone:
      break;
  }
  return nullptr;
}

// Fetches digests once: implicit fetching by name on every call costs a lock and a hash lookup, and
// probes what the loaded providers offer so that isAlgorithmSupported() tells the truth.
class Provider {
 public:
  static const Provider& instance() {
    static const Provider provider;
    return provider;
  }

  Provider(const Provider&) = delete;
  Provider& operator=(const Provider&) = delete;

  // Null when the provider lacks the digest.
  const EVP_MD* md(Hash h) const { return mds_[static_cast<size_t>(h)]; }

  bool supports(uint8_t algorithm) const {
    auto info = describe(algorithm);
    if (!info) return false;
    if (info->hash != Hash::kNone && md(info->hash) == nullptr) return false;
    return hasKeyType(info->family, info->name);
  }

 private:
  Provider() {
    for (Hash h : {Hash::kSha1, Hash::kSha256, Hash::kSha384, Hash::kSha512}) {
      mds_[static_cast<size_t>(h)] = EVP_MD_fetch(nullptr, hashName(h), nullptr);
    }
    rsa_ = canUse("RSA", "RSA");
    ecdsa_ = canUse("EC", "ECDSA");
    ed25519_ = canUse("ED25519", "ED25519");
    ed448_ = canUse("ED448", "ED448");
    ERR_clear_error();
  }
  ~Provider() {
    for (EVP_MD* m : mds_) EVP_MD_free(m);
  }

  static bool canUse(const char* keyType, const char* signature) {
    EVP_KEYMGMT* km = EVP_KEYMGMT_fetch(nullptr, keyType, nullptr);
    EVP_SIGNATURE* sig = EVP_SIGNATURE_fetch(nullptr, signature, nullptr);
    const bool ok = km != nullptr && sig != nullptr;
    EVP_KEYMGMT_free(km);
    EVP_SIGNATURE_free(sig);
    return ok;
  }

  bool hasKeyType(Family family, const char* name) const {
    switch (family) {
      case Family::kRsa:
        return rsa_;
      case Family::kEcdsa:
        return ecdsa_;
      case Family::kEddsa:
        return std::string_view(name) == "ED25519" ? ed25519_ : ed448_;
    }
    return false;
  }

  std::array<EVP_MD*, 5> mds_{};
  bool rsa_ = false;
  bool ecdsa_ = false;
  bool ed25519_ = false;
  bool ed448_ = false;
};

// Per-thread contexts, so that the hot paths allocate no context of their own.
struct Scratch {
  MdCtxPtr verify{EVP_MD_CTX_new()};
  MdCtxPtr digest{EVP_MD_CTX_new()};
};

Scratch& scratch() {
  thread_local Scratch s;
  return s;
}

// Only reached when OpenSSL cannot do a fixed-size computation with valid inputs (out of memory):
// returning a wrong MAC would be worse than stopping.
[[noreturn]] void fatal(const char* what) {
  std::fprintf(stderr, "zonewatch: OpenSSL failure in %s\n", what);
  std::abort();
}

std::string opensslReason(const char* what) {
  std::string reason(what);
  unsigned long code = ERR_peek_last_error();
  if (code != 0) {
    char buf[256];
    ERR_error_string_n(code, buf, sizeof buf);
    reason += " (";
    reason += buf;
    reason += ")";
  }
  ERR_clear_error();
  return reason;
}

std::span<const uint8_t> stripLeadingZeros(std::span<const uint8_t> v) {
  size_t i = 0;
  while (i < v.size() && v[i] == 0) ++i;
  return v.subspan(i);
}

int bitLength(std::span<const uint8_t> v) {
  v = stripLeadingZeros(v);
  if (v.empty()) return 0;
  int top = 0;
  for (unsigned b = v[0]; b != 0; b >>= 1) ++top;
  return static_cast<int>(v.size() - 1) * 8 + top;
}

// DER INTEGER for an unsigned big-endian value (X.690 §8.3: minimal, with a 0x00 when the top bit
// would otherwise make it negative). Returns the bytes written.
size_t putDerInteger(std::span<const uint8_t> value, uint8_t* out) {
  value = stripLeadingZeros(value);
  const bool zero = value.empty();
  const bool pad = !zero && (value[0] & 0x80) != 0;
  const size_t len = zero ? 1 : value.size() + (pad ? 1 : 0);
  out[0] = 0x02;
  out[1] = static_cast<uint8_t>(len);
  size_t at = 2;
  if (zero || pad) out[at++] = 0;
  std::copy(value.begin(), value.end(), out + at);
  return 2 + len;
}

// P-384 is the largest: 2 × (tag, length, pad, 48 octets) plus the SEQUENCE header, all short-form.
constexpr size_t kMaxEcdsaHalf = 48;
constexpr size_t kMaxDerSignature = 2 + 2 * (3 + kMaxEcdsaHalf);

// RFC 6605 §4 raw r|s to the DER ECDSA-Sig-Value OpenSSL verifies (RFC 3279 §2.2.3).
size_t rawToDerSignature(std::span<const uint8_t> raw, std::array<uint8_t, kMaxDerSignature>& der) {
  const size_t half = raw.size() / 2;
  size_t len = putDerInteger(raw.first(half), der.data() + 2);
  len += putDerInteger(raw.subspan(half), der.data() + 2 + len);
  der[0] = 0x30;
  der[1] = static_cast<uint8_t>(len);
  return len + 2;
}

// RFC 3110 §2: exponent length (1 octet, or 0 then 2 octets), exponent, modulus.
struct RsaFields {
  std::span<const uint8_t> exponent;
  std::span<const uint8_t> modulus;
};

Result<RsaFields> splitRsaKey(std::span<const uint8_t> field) {
  if (field.empty()) return fail("RSA key: empty public key field");
  size_t expLen = field[0];
  size_t offset = 1;
  if (expLen == 0) {
    if (field.size() < 3) return fail("RSA key: truncated 3-octet exponent length");
    expLen = static_cast<size_t>(field[1]) << 8 | field[2];
    offset = 3;
    if (expLen == 0) return fail("RSA key: zero exponent length");
  }
  if (offset + expLen > field.size())
    return fail("RSA key: exponent length overruns the key field");
  if (offset + expLen == field.size()) return fail("RSA key: no modulus after the exponent");
  return RsaFields{field.subspan(offset, expLen), field.subspan(offset + expLen)};
}

// RFC 3110 §2 and RFC 5702 §2 bound RSA keys to 512..4096 bits; larger moduli would also let a zone
// make every verification arbitrarily expensive.
constexpr int kMinRsaBits = 512;
constexpr int kMaxRsaBits = 4096;
// RFC 3110 §2 encodes the exponent's length in one octet, or in two after a zero octet, so a
// DNSKEY may carry an exponent of up to 4096 bits; but a verification costs in proportion to the
// exponent's length: one with a 3,064-bit exponent costs about 160 with e = 65537 (issue 11), which
// any zone could make its validators pay. Real keys use 3 or 65537, and OpenSSL itself refuses
// exponents over 64 bits above 3072-bit moduli (OPENSSL_RSA_MAX_PUBEXP_BITS): longer exponents
// make an unsupported key, whatever the modulus.
constexpr int kMaxRsaExponentBits = 64;

Result<PkeyPtr> fromParams(const char* keyType, OSSL_PARAM_BLD* bld) {
  ParamPtr params(OSSL_PARAM_BLD_to_param(bld));
  PkeyCtxPtr ctx(EVP_PKEY_CTX_new_from_name(nullptr, keyType, nullptr));
  EVP_PKEY* raw = nullptr;
  if (!params || !ctx || EVP_PKEY_fromdata_init(ctx.get()) <= 0 ||
      EVP_PKEY_fromdata(ctx.get(), &raw, EVP_PKEY_PUBLIC_KEY, params.get()) <= 0) {
    return fail(opensslReason("key rejected by OpenSSL"));
  }
  return PkeyPtr(raw);
}

Result<PkeyPtr> buildRsaKey(std::span<const uint8_t> field, int& bits, size_t& sigLength) {
  auto split = splitRsaKey(field);
  if (!split) return Unexpected{split.error()};
  const auto exponent = stripLeadingZeros(split->exponent);
  const auto modulus = stripLeadingZeros(split->modulus);
  bits = bitLength(modulus);
  if (bits < kMinRsaBits || bits > kMaxRsaBits) {
    return fail("RSA key: modulus of " + std::to_string(bits) + " bits is outside 512..4096");
  }
  // An even exponent has no inverse modulo lambda(n), and e = 1 makes every value its own
  // signature: neither can be a real key.
  if (exponent.empty() || (exponent.back() & 1) == 0 ||
      (exponent.size() == 1 && exponent[0] == 1)) {
    return fail("RSA key: exponent is zero, one or even");
  }
  const int expBits = bitLength(exponent);
  if (expBits > kMaxRsaExponentBits) {
    return fail("RSA key: RSA public exponent longer than 64 bits (" + std::to_string(expBits) +
                " bits) is not supported");
  }
  if (expBits >= bits) return fail("RSA key: exponent not smaller than the modulus");
  sigLength = modulus.size();

  BnPtr n(BN_bin2bn(modulus.data(), static_cast<int>(modulus.size()), nullptr));
  BnPtr e(BN_bin2bn(exponent.data(), static_cast<int>(exponent.size()), nullptr));
  ParamBldPtr bld(OSSL_PARAM_BLD_new());
  if (!n || !e || !bld || !OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_N, n.get()) ||
      !OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_E, e.get())) {
    return fail(opensslReason("RSA key: cannot build parameters"));
  }
  return fromParams("RSA", bld.get());
}

Result<PkeyPtr> buildEcdsaKey(const AlgorithmInfo& info, std::span<const uint8_t> field) {
  if (field.size() != info.keyLength) {
    return fail("ECDSA key: " + std::to_string(field.size()) + " octets, expected " +
                std::to_string(info.keyLength));
  }
  // RFC 6605 §4 stores x|y; OpenSSL takes the SEC 1 §2.3.3 uncompressed point 0x04|x|y.
  std::array<uint8_t, 1 + 2 * kMaxEcdsaHalf> point{};
  point[0] = 0x04;
  std::copy(field.begin(), field.end(), point.begin() + 1);
  ParamBldPtr bld(OSSL_PARAM_BLD_new());
  if (!bld ||
      !OSSL_PARAM_BLD_push_utf8_string(bld.get(), OSSL_PKEY_PARAM_GROUP_NAME, info.group, 0) ||
      !OSSL_PARAM_BLD_push_octet_string(bld.get(), OSSL_PKEY_PARAM_PUB_KEY, point.data(),
                                        field.size() + 1)) {
    return fail(opensslReason("ECDSA key: cannot build parameters"));
  }
  auto key = fromParams("EC", bld.get());
  if (!key) return fail("ECDSA key: point is not on the curve: " + key.error().message);
  // Import already decodes the point; the check also rejects the point at infinity and
  // coordinates >= p (SP 800-56A 5.6.2.3.3 steps 1-3), so verify() never runs on a degenerate key.
  // The quick check leaves out step 4 (n * Q = O), a full scalar multiplication that cost more
  // than the verification itself: P-256 and P-384 have cofactor 1, so every point on the curve is
  // already in the prime-order group.
  PkeyCtxPtr check(EVP_PKEY_CTX_new_from_pkey(nullptr, key->get(), nullptr));
  if (!check || EVP_PKEY_public_check_quick(check.get()) != 1) {
    return fail(opensslReason("ECDSA key: point is not a valid public key on the curve"));
  }
  return key;
}

Result<PkeyPtr> buildEddsaKey(const AlgorithmInfo& info, std::span<const uint8_t> field) {
  if (field.size() != info.keyLength) {
    return fail(std::string(info.name) + " key: " + std::to_string(field.size()) +
                " octets, expected " + std::to_string(info.keyLength));
  }
  EVP_PKEY* raw =
      EVP_PKEY_new_raw_public_key_ex(nullptr, info.name, nullptr, field.data(), field.size());
  if (raw == nullptr) return fail(opensslReason("EdDSA key rejected by OpenSSL"));
  return PkeyPtr(raw);
}

}  // namespace

bool isAlgorithmSupported(uint8_t algorithm) {
  return Provider::instance().supports(algorithm);
}

// ----------------------------------------------------------------------------------------
// PublicKey

struct PublicKey::Impl {
  uint8_t algorithm = 0;
  Family family = Family::kRsa;
  int bits = 0;
  size_t sigLength = 0;
  PkeyPtr pkey;
  // EVP_DigestVerifyInit done once; verify() copies it (see the file comment).
  MdCtxPtr verifyTemplate;
};

PublicKey::PublicKey(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
PublicKey::PublicKey(PublicKey&&) noexcept = default;
PublicKey& PublicKey::operator=(PublicKey&&) noexcept = default;
PublicKey::~PublicKey() = default;

uint8_t PublicKey::algorithm() const {
  return impl_->algorithm;
}
int PublicKey::keyBits() const {
  return impl_->bits;
}

Result<PublicKey> PublicKey::fromDnskey(uint8_t algorithm, std::span<const uint8_t> field) {
  const Provider& provider = Provider::instance();
  auto info = describe(algorithm);
  if (!info || !provider.supports(algorithm)) {
    return fail("DNSSEC algorithm " + std::to_string(algorithm) + " is not supported");
  }
  auto impl = std::make_unique<Impl>();
  impl->algorithm = algorithm;
  impl->family = info->family;
  Result<PkeyPtr> key = fail("unreachable");
  switch (info->family) {
    case Family::kRsa:
      key = buildRsaKey(field, impl->bits, impl->sigLength);
      break;
    case Family::kEcdsa:
      key = buildEcdsaKey(*info, field);
      break;
    case Family::kEddsa:
      key = buildEddsaKey(*info, field);
      break;
  }
  if (!key) return Unexpected{key.error()};
  impl->pkey = std::move(*key);
  if (info->family != Family::kRsa) {
    impl->bits = EVP_PKEY_get_bits(impl->pkey.get());
    impl->sigLength = info->sigLength;
  }
  impl->verifyTemplate.reset(EVP_MD_CTX_new());
  if (!impl->verifyTemplate ||
      EVP_DigestVerifyInit(impl->verifyTemplate.get(), nullptr, provider.md(info->hash), nullptr,
                           impl->pkey.get()) != 1) {
    return fail(opensslReason("cannot initialise verification"));
  }
  return PublicKey(std::move(impl));
}

VerifyOutcome PublicKey::verify(std::span<const uint8_t> data,
                                std::span<const uint8_t> signature) const {
  const Impl& key = *impl_;
  // RFC 6605 §4 and RFC 8080 §4 fix the signature size; for RSA, PKCS #1 I2OSP produces exactly the
  // modulus length (RFC 3110 §3). Anything else cannot be a signature by this key.
  if (signature.size() != key.sigLength) return VerifyOutcome::kInvalid;

  std::array<uint8_t, kMaxDerSignature> der;
  const unsigned char* sig = signature.data();
  size_t sigLen = signature.size();
  if (key.family == Family::kEcdsa) {
    sigLen = rawToDerSignature(signature, der);
    sig = der.data();
  }

  EVP_MD_CTX* ctx = scratch().verify.get();
  if (ctx == nullptr || EVP_MD_CTX_copy_ex(ctx, key.verifyTemplate.get()) != 1) {
    ERR_clear_error();
    return VerifyOutcome::kError;
  }
  const int rc = EVP_DigestVerify(ctx, sig, sigLen, bytes(data), data.size());
  // Drop the copy's reference to this key now, not at the thread's next verify.
  EVP_MD_CTX_reset(ctx);
  if (rc == 1) return VerifyOutcome::kValid;
  // A failed check leaves reasons on the thread's error queue; nobody reads them.
  ERR_clear_error();
  // EVP_DigestVerify(3): 0 is "did not verify or had an invalid form", anything else a failure.
  return rc == 0 ? VerifyOutcome::kInvalid : VerifyOutcome::kError;
}

// ------------------------------------------------------------------------------------------
// Digests

namespace {

bool digestInto(EVP_MD_CTX* ctx, const EVP_MD* md, std::span<const uint8_t> a,
                std::span<const uint8_t> b, uint8_t* out) {
  unsigned int len = 0;
  return EVP_DigestInit_ex2(ctx, md, nullptr) == 1 &&
         EVP_DigestUpdate(ctx, bytes(a), a.size()) == 1 &&
         EVP_DigestUpdate(ctx, bytes(b), b.size()) == 1 && EVP_DigestFinal_ex(ctx, out, &len) == 1;
}

}  // namespace

std::optional<std::vector<uint8_t>> dsDigest(uint8_t digestType, std::span<const uint8_t> data) {
  Hash h = Hash::kNone;
  switch (digestType) {
    case dns::digest::kSha1:  // RFC 4034 §5.1.4
      h = Hash::kSha1;
      break;
    case dns::digest::kSha256:  // RFC 4509 §2.1
      h = Hash::kSha256;
      break;
    case dns::digest::kSha384:  // RFC 6605 §2
      h = Hash::kSha384;
      break;
    default:
      return std::nullopt;
  }
  const EVP_MD* md = Provider::instance().md(h);
  EVP_MD_CTX* ctx = scratch().digest.get();
  if (md == nullptr || ctx == nullptr) return std::nullopt;
  std::vector<uint8_t> out(static_cast<size_t>(EVP_MD_get_size(md)));
  if (!digestInto(ctx, md, data, {}, out.data())) {
    ERR_clear_error();
    return std::nullopt;
  }
  return out;
}

std::vector<uint8_t> nsec3Hash(std::span<const uint8_t> ownerWireLowercase,
                               std::span<const uint8_t> salt, uint16_t iterations) {
  // RFC 5155 §5: IH(salt, x, 0) = H(x || salt); IH(salt, x, k) = H(IH(salt, x, k-1) || salt).
  constexpr size_t kSha1Size = 20;
  const EVP_MD* md = Provider::instance().md(Hash::kSha1);
  EVP_MD_CTX* ctx = scratch().digest.get();
  std::vector<uint8_t> out(kSha1Size);
  if (md == nullptr || ctx == nullptr) return {};
  bool ok = digestInto(ctx, md, ownerWireLowercase, salt, out.data());
  for (uint32_t k = 0; ok && k < iterations; ++k) {
    ok = digestInto(ctx, md, out, salt, out.data());
  }
  if (!ok) {
    ERR_clear_error();
    return {};
  }
  return out;
}

std::array<uint8_t, 32> hmacSha256(std::span<const uint8_t> key, std::span<const uint8_t> data) {
  std::array<uint8_t, 32> out{};
  size_t len = 0;
  // Webhooks are rare, so the one-shot call (which fetches HMAC and SHA-256 each time) is enough.
  if (EVP_Q_mac(nullptr, "HMAC", nullptr, "SHA256", nullptr, bytes(key), key.size(), bytes(data),
                data.size(), out.data(), out.size(), &len) == nullptr ||
      len != out.size()) {
    fatal("HMAC-SHA256");
  }
  return out;
}

struct Sha256::Impl {
  MdCtxPtr ctx{EVP_MD_CTX_new()};
  const EVP_MD* md = Provider::instance().md(Hash::kSha256);
};

Sha256::Sha256() : impl_(std::make_unique<Impl>()) {
  if (impl_->md == nullptr || !impl_->ctx ||
      EVP_DigestInit_ex2(impl_->ctx.get(), impl_->md, nullptr) != 1) {
    fatal("SHA-256");
  }
}
Sha256::Sha256(Sha256&&) noexcept = default;
Sha256& Sha256::operator=(Sha256&&) noexcept = default;
Sha256::~Sha256() = default;

void Sha256::update(std::span<const uint8_t> data) {
  if (EVP_DigestUpdate(impl_->ctx.get(), bytes(data), data.size()) != 1) fatal("SHA-256");
}

std::array<uint8_t, 32> Sha256::finish() {
  std::array<uint8_t, 32> out{};
  unsigned int len = 0;
  if (EVP_DigestFinal_ex(impl_->ctx.get(), out.data(), &len) != 1 || len != out.size() ||
      EVP_DigestInit_ex2(impl_->ctx.get(), impl_->md, nullptr) != 1) {
    fatal("SHA-256");
  }
  return out;
}

bool constantTimeEqual(std::span<const uint8_t> a, std::span<const uint8_t> b) {
  if (a.size() != b.size()) return false;
  return CRYPTO_memcmp(bytes(a), bytes(b), a.size()) == 0;
}

// ---------------------------------------------------------------------------------------
// PrivateKey

struct PrivateKey::Impl {
  uint8_t algorithm = 0;
  AlgorithmInfo info{};
  PkeyPtr pkey;
};

PrivateKey::PrivateKey(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
PrivateKey::PrivateKey(PrivateKey&&) noexcept = default;
PrivateKey& PrivateKey::operator=(PrivateKey&&) noexcept = default;
PrivateKey::~PrivateKey() = default;

uint8_t PrivateKey::algorithm() const {
  return impl_->algorithm;
}

Result<PrivateKey> PrivateKey::generate(uint8_t algorithm, int rsaBits) {
  auto info = describe(algorithm);
  if (!info || !Provider::instance().supports(algorithm)) {
    return fail("DNSSEC algorithm " + std::to_string(algorithm) + " is not supported");
  }
  EVP_PKEY* raw = nullptr;
  switch (info->family) {
    case Family::kRsa: {
      if (rsaBits < kMinRsaBits || rsaBits > kMaxRsaBits) {
        return fail("RSA key size " + std::to_string(rsaBits) + " is outside 512..4096");
      }
      PkeyCtxPtr ctx(EVP_PKEY_CTX_new_from_name(nullptr, "RSA", nullptr));
      if (!ctx || EVP_PKEY_keygen_init(ctx.get()) <= 0 ||
          EVP_PKEY_CTX_set_rsa_keygen_bits(ctx.get(), rsaBits) <= 0 ||
          EVP_PKEY_generate(ctx.get(), &raw) <= 0) {
        return fail(opensslReason("RSA key generation failed"));
      }
      break;
    }
    case Family::kEcdsa: {
      PkeyCtxPtr ctx(EVP_PKEY_CTX_new_from_name(nullptr, "EC", nullptr));
      if (!ctx || EVP_PKEY_keygen_init(ctx.get()) <= 0 ||
          EVP_PKEY_CTX_set_group_name(ctx.get(), info->group) <= 0 ||
          EVP_PKEY_generate(ctx.get(), &raw) <= 0) {
        return fail(opensslReason("ECDSA key generation failed"));
      }
      break;
    }
    case Family::kEddsa: {
      PkeyCtxPtr ctx(EVP_PKEY_CTX_new_from_name(nullptr, info->name, nullptr));
      if (!ctx || EVP_PKEY_keygen_init(ctx.get()) <= 0 || EVP_PKEY_generate(ctx.get(), &raw) <= 0) {
        return fail(opensslReason("EdDSA key generation failed"));
      }
      break;
    }
  }
  auto impl = std::make_unique<Impl>();
  impl->algorithm = algorithm;
  impl->info = *info;
  impl->pkey.reset(raw);
  return PrivateKey(std::move(impl));
}

namespace {

std::vector<uint8_t> bnBytes(const EVP_PKEY* pkey, const char* param, size_t padTo) {
  BIGNUM* raw = nullptr;
  if (EVP_PKEY_get_bn_param(pkey, param, &raw) != 1) return {};
  BnPtr bn(raw);
  std::vector<uint8_t> out(std::max(padTo, static_cast<size_t>(BN_num_bytes(bn.get()))));
  if (BN_bn2binpad(bn.get(), out.data(), static_cast<int>(out.size())) < 0) return {};
  return out;
}

}  // namespace

std::vector<uint8_t> PrivateKey::dnskeyPublicKey() const {
  const EVP_PKEY* pkey = impl_->pkey.get();
  std::vector<uint8_t> out;
  switch (impl_->info.family) {
    case Family::kRsa: {
      // RFC 3110 §2.
      const auto e = bnBytes(pkey, OSSL_PKEY_PARAM_RSA_E, 0);
      const auto n = bnBytes(pkey, OSSL_PKEY_PARAM_RSA_N, 0);
      if (e.empty() || n.empty()) break;
      if (e.size() <= 0xff) {
        out.push_back(static_cast<uint8_t>(e.size()));
      } else {
        out.push_back(0);
        out.push_back(static_cast<uint8_t>(e.size() >> 8));
        out.push_back(static_cast<uint8_t>(e.size()));
      }
      out.insert(out.end(), e.begin(), e.end());
      out.insert(out.end(), n.begin(), n.end());
      break;
    }
    case Family::kEcdsa: {
      // RFC 6605 §4: x | y, each padded to the field size.
      const size_t half = impl_->info.keyLength / 2;
      const auto x = bnBytes(pkey, OSSL_PKEY_PARAM_EC_PUB_X, half);
      const auto y = bnBytes(pkey, OSSL_PKEY_PARAM_EC_PUB_Y, half);
      if (x.size() != half || y.size() != half) break;
      out = x;
      out.insert(out.end(), y.begin(), y.end());
      break;
    }
    case Family::kEddsa: {
      // RFC 8080 §3: the RFC 8032 public key as is.
      size_t len = impl_->info.keyLength;
      out.resize(len);
      if (EVP_PKEY_get_raw_public_key(pkey, out.data(), &len) != 1 || len != out.size())
        out.clear();
      break;
    }
  }
  ERR_clear_error();
  return out;
}

Result<std::vector<uint8_t>> PrivateKey::sign(std::span<const uint8_t> data) const {
  const Impl& key = *impl_;
  MdCtxPtr ctx(EVP_MD_CTX_new());
  size_t len = 0;
  if (!ctx ||
      EVP_DigestSignInit(ctx.get(), nullptr, Provider::instance().md(key.info.hash), nullptr,
                         key.pkey.get()) != 1 ||
      EVP_DigestSign(ctx.get(), nullptr, &len, bytes(data), data.size()) != 1) {
    return fail(opensslReason("cannot start signing"));
  }
  std::vector<uint8_t> sig(len);
  if (EVP_DigestSign(ctx.get(), sig.data(), &len, bytes(data), data.size()) != 1) {
    return fail(opensslReason("signing failed"));
  }
  sig.resize(len);
  if (key.info.family != Family::kEcdsa) return sig;

  // RFC 6605 §4: DER ECDSA-Sig-Value to r | s, each padded to the field size.
  const unsigned char* p = sig.data();
  EcdsaSigPtr parsed(d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(sig.size())));
  if (!parsed) return fail(opensslReason("cannot decode the ECDSA signature"));
  const BIGNUM* r = nullptr;
  const BIGNUM* s = nullptr;
  ECDSA_SIG_get0(parsed.get(), &r, &s);
  const size_t half = key.info.sigLength / 2;
  std::vector<uint8_t> raw(key.info.sigLength);
  if (BN_bn2binpad(r, raw.data(), static_cast<int>(half)) < 0 ||
      BN_bn2binpad(s, raw.data() + half, static_cast<int>(half)) < 0) {
    return fail(opensslReason("ECDSA signature does not fit the curve size"));
  }
  return raw;
}

}  // namespace zonewatch::crypto
