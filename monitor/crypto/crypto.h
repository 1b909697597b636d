// The cryptography the validator (and the webhook signer) needs, behind a small OpenSSL-free API.
//
// This module owns every call into OpenSSL: crypto_openssl.cpp is the only file in the project that
// includes <openssl/...>, so no OpenSSL type appears here. It turns DNSKEY public-key fields into
// verifier handles (RFC 3110, RFC 5702, RFC 6605, RFC 8080), checks RRSIG signatures over bytes the
// caller has already put in canonical form, and computes DS digests (RFC 4034 §5.1.4, RFC 4509,
// RFC 6605 §2), NSEC3 hashes (RFC 5155 §5) and HMAC-SHA256. It does no DNS parsing and no I/O.
//
// Thread safety: the free functions and `PublicKey::verify` may be called from any number of
// threads at once (per-thread scratch contexts, keys are immutable once built). A `PrivateKey` is
// meant for tests and benchmarks that sign records at test time.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <vector>

#include "monitor/util/result.h"

namespace zonewatch::crypto {

// Whether this build of OpenSSL can verify signatures of a DNSSEC algorithm (5, 7, 8, 10, 13, 14,
// 15, 16). Probed once at run time, because a provider configuration may lack e.g. Ed448 or SHA-1.
bool isAlgorithmSupported(uint8_t algorithm);

// `kError` means the check itself could not run (an OpenSSL failure, not a property of the data);
// the validator must not treat it as a proof of forgery, nor as a success.
enum class VerifyOutcome : uint8_t { kValid, kInvalid, kError };

// An immutable public key parsed from a DNSKEY, ready to verify RRSIGs.
class PublicKey {
 public:
  // Fails with a reason when the algorithm is unsupported or the field is malformed: RSA per RFC
  // 3110 §2 (exponent length overrun, empty exponent or modulus, modulus outside 512..4096 bits),
  // ECDSA per RFC 6605 §4 (64 or 96 octets, point on the curve), EdDSA per RFC 8080 §3 (32 or 57
  // octets).
  static Result<PublicKey> fromDnskey(uint8_t algorithm, std::span<const uint8_t> publicKeyField);

  PublicKey(PublicKey&&) noexcept;
  PublicKey& operator=(PublicKey&&) noexcept;
  PublicKey(const PublicKey&) = delete;
  PublicKey& operator=(const PublicKey&) = delete;
  ~PublicKey();

  uint8_t algorithm() const;
  // RSA: modulus size; ECDSA: 256 or 384; EdDSA: 256 (Ed25519) or 456 (Ed448), as OpenSSL counts.
  // Meant for reports ("RSA 1024 key"), not for decisions.
  int keyBits() const;

  // `data` is the RFC 4034 §3.1.8.1 signed data, `signature` the RRSIG Signature field in DNSSEC
  // format (for ECDSA raw r||s, RFC 6605 §4). A signature of the wrong length is kInvalid.
  VerifyOutcome verify(std::span<const uint8_t> data, std::span<const uint8_t> signature) const;

 private:
  struct Impl;
  explicit PublicKey(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// RFC 4034 §5.1.4 digest of `data` (owner | DNSKEY RDATA) for DS digest type 1 (SHA-1), 2 (SHA-256,
// RFC 4509) or 4 (SHA-384, RFC 6605 §2); nullopt for any other type (or if OpenSSL fails).
std::optional<std::vector<uint8_t>> dsDigest(uint8_t digestType, std::span<const uint8_t> data);

// RFC 5155 §5 hash of an owner name given in lowercase uncompressed wire form, SHA-1 (hash
// algorithm 1, the only one defined): 20 octets. Empty only if OpenSSL fails.
std::vector<uint8_t> nsec3Hash(std::span<const uint8_t> ownerWireLowercase,
                               std::span<const uint8_t> salt, uint16_t iterations);

// RFC 2104 HMAC with SHA-256, for signing webhook bodies.
std::array<uint8_t, 32> hmacSha256(std::span<const uint8_t> key, std::span<const uint8_t> data);

// SHA-256 over data handed in pieces: the digest of everything an observation is judged from
// (probe/replay_digest.h), which must resist a server choosing its answers to collide with an
// earlier digest. One object per digest, from one thread.
class Sha256 {
 public:
  Sha256();
  Sha256(Sha256&&) noexcept;
  Sha256& operator=(Sha256&&) noexcept;
  Sha256(const Sha256&) = delete;
  Sha256& operator=(const Sha256&) = delete;
  ~Sha256();

  void update(std::span<const uint8_t> data);
  // The digest of everything updated so far; the object then starts over, empty.
  std::array<uint8_t, 32> finish();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Compares in time independent of where the contents differ (not of the lengths, which are public).
bool constantTimeEqual(std::span<const uint8_t> a, std::span<const uint8_t> b);

// A freshly generated signing key, for tests and benchmarks that sign records with a pinned clock.
class PrivateKey {
 public:
  // Algorithms 5, 7, 8, 10 (RSA of `rsaBits`, e = 65537), 13, 14, 15, 16.
  static Result<PrivateKey> generate(uint8_t algorithm, int rsaBits = 2048);

  PrivateKey(PrivateKey&&) noexcept;
  PrivateKey& operator=(PrivateKey&&) noexcept;
  PrivateKey(const PrivateKey&) = delete;
  PrivateKey& operator=(const PrivateKey&) = delete;
  ~PrivateKey();

  uint8_t algorithm() const;
  // The DNSKEY Public Key field for this algorithm (RFC 3110 §2, RFC 6605 §4, RFC 8080 §3).
  std::vector<uint8_t> dnskeyPublicKey() const;
  // The RRSIG Signature field over `data` (raw r||s for ECDSA).
  Result<std::vector<uint8_t>> sign(std::span<const uint8_t> data) const;

 private:
  struct Impl;
  explicit PrivateKey(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace zonewatch::crypto
