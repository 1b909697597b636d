// Memoised signature verifications, shared across validations and polls.
//
// The same RRset is served by several servers and rarely changes between polls, so the result of
// verifying (signed data, signature, key) is kept. The key is a SHA-256 over those three inputs —
// a non-cryptographic hash would let a hostile server forge a cache hit for an invalid signature.
// Signature validity periods are still checked against "now" on every validation: only the
// cryptographic result is cached. Bounded: two generations of `capacity / 2` entries each; when the
// current one fills, the older one is dropped (an approximate LRU with no per-entry bookkeeping).
//
// A caller with durable storage can keep successes across restarts: with journaling on, every new
// success is also queued with its signature's expiration for takeJournal(), and preload() puts
// stored ones back. Failures are never persisted: they are rare and cheap to find again.
//
// Thread-safe (one mutex, held for a hash-table step, never across a verification): the daemon's
// probe threads share one cache (monitor/daemon/probe_thread.h), so a signature one of them
// verified, or one an earlier run stored, is not verified again by another.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <optional>
#include <span>
#include <unordered_map>
#include <vector>

namespace zonewatch::dnssec {

class VerificationCache {
 public:
  using Key = std::array<uint8_t, 32>;

  explicit VerificationCache(size_t capacity = 100000);

  // nullopt when the digest cannot be computed (an OpenSSL failure): the caller must then neither
  // look up nor store but verify for real. A fixed fallback key would make every such triple share
  // one entry, so one valid signature would vouch for any forgery.
  std::optional<Key> makeKey(std::span<const uint8_t> signedData,
                             std::span<const uint8_t> signature,
                             std::span<const uint8_t> dnskeyRdata) const;

  // The digest under makeKey (SHA-256 by default); tests replace it to simulate a failure.
  using Digest = std::optional<std::vector<uint8_t>> (*)(std::span<const uint8_t> input);
  void setDigestForTesting(Digest digest) { digest_ = digest; }

  // A successful verification, with the RRSIG expiration (RFC 4034 §3.1.5, seconds mod 2^32).
  struct Success {
    Key key;
    uint32_t expiration = 0;
  };

  std::optional<bool> lookup(const Key& key);
  void store(const Key& key, bool valid, uint32_t expiration = 0);
  size_t size() const;

  // Room for at least `capacity` entries (never shrinks).
  void reserve(size_t capacity);
  // A success known from an earlier run; not journaled again.
  void preload(const Key& key);
  void setJournaling(bool on) { journaling_ = on; }
  // The successes stored since the last call. Bounded by the capacity: a journal nobody drains
  // stops growing.
  std::vector<Success> takeJournal();

 private:
  void insert(const Key& key, bool valid);  // without journaling; mutex_ held

  struct KeyHash {
    size_t operator()(const Key& k) const;
  };
  Digest digest_;
  mutable std::mutex mutex_;
  size_t generationCapacity_;
  std::unordered_map<Key, bool, KeyHash> current_;
  std::unordered_map<Key, bool, KeyHash> previous_;
  bool journaling_ = false;
  std::vector<Success> journal_;
};

}  // namespace zonewatch::dnssec
