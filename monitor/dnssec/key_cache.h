// Parsed DNSKEY public keys, shared across validations.
//
// Turning a DNSKEY's public key field into an OpenSSL key costs about as much as one signature
// verification (RSA: parsing the modulus and setting up the context; ECDSA: decoding the point).
// A zone's keys are the same for every server that serves them and from one poll to the next, so
// a validation that misses the verification memo would otherwise pay for the key again and again.
// Keyed by the algorithm and the public key field, so a key is reused only for the very same key
// material; keys that do not parse are remembered as such, so a hostile DNSKEY costs one parse.
// Bounded like VerificationCache: two generations of `capacity / 2` entries; a key in use is
// promoted to the current one, so the keys of the zones being validated survive a rotation.
// Not thread-safe: one cache per validating thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <unordered_map>

#include "monitor/crypto/crypto.h"

namespace zonewatch::dnssec {

class KeyCache {
 public:
  explicit KeyCache(size_t capacity = 4096);

  // The parsed key; null when the algorithm is not implemented or the field does not parse.
  std::shared_ptr<const crypto::PublicKey> get(uint8_t algorithm,
                                               std::span<const uint8_t> publicKeyField);
  // The same without a cache: parses every time.
  static std::shared_ptr<const crypto::PublicKey> parse(uint8_t algorithm,
                                                        std::span<const uint8_t> publicKeyField);

  size_t size() const { return current_.size() + previous_.size(); }
  uint64_t parses() const { return parses_; }  // keys parsed, hits excluded (tests, benchmarks)

 private:
  using Map = std::unordered_map<std::string, std::shared_ptr<const crypto::PublicKey>>;
  void insert(std::string key, std::shared_ptr<const crypto::PublicKey> value);

  size_t generationCapacity_;
  Map current_;
  Map previous_;
  uint64_t parses_ = 0;
};

}  // namespace zonewatch::dnssec
