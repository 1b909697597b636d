#include "monitor/dnssec/verification_cache.h"

#include <algorithm>
#include <cstring>
#include <utility>
#include <vector>

#include "monitor/crypto/crypto.h"
#include "monitor/dns/types.h"

namespace zonewatch::dnssec {

namespace {

std::optional<std::vector<uint8_t>> sha256(std::span<const uint8_t> input) {
  return crypto::dsDigest(dns::digest::kSha256, input);
}

}  // namespace

VerificationCache::VerificationCache(size_t capacity)
    : digest_(&sha256), generationCapacity_(capacity < 2 ? 1 : capacity / 2) {}

size_t VerificationCache::KeyHash::operator()(const Key& k) const {
  // The key is already a uniformly distributed digest: its first bytes are a good bucket hash.
  size_t h = 0;
  std::memcpy(&h, k.data(), sizeof h);
  return h;
}

std::optional<VerificationCache::Key> VerificationCache::makeKey(
    std::span<const uint8_t> signedData, std::span<const uint8_t> signature,
    std::span<const uint8_t> dnskeyRdata) const {
  // Length-prefix each part so that no two different triples concatenate to the same input.
  std::vector<uint8_t> input;
  input.reserve(signedData.size() + signature.size() + dnskeyRdata.size() + 12);
  auto append = [&input](std::span<const uint8_t> part) {
    auto n = static_cast<uint32_t>(part.size());
    for (int shift = 24; shift >= 0; shift -= 8) input.push_back(static_cast<uint8_t>(n >> shift));
    input.insert(input.end(), part.begin(), part.end());
  };
  append(signedData);
  append(signature);
  append(dnskeyRdata);
  Key key{};
  auto digest = digest_(input);
  if (!digest || digest->size() != key.size()) return std::nullopt;
  std::memcpy(key.data(), digest->data(), key.size());
  return key;
}

std::optional<bool> VerificationCache::lookup(const Key& key) {
  const std::lock_guard lock(mutex_);
  if (auto it = current_.find(key); it != current_.end()) return it->second;
  if (auto it = previous_.find(key); it != previous_.end()) {
    bool valid = it->second;
    insert(key, valid);  // promote, so entries in use survive the next rotation
    return valid;
  }
  return std::nullopt;
}

void VerificationCache::insert(const Key& key, bool valid) {
  if (current_.size() >= generationCapacity_) {
    previous_ = std::move(current_);
    current_.clear();
  }
  current_[key] = valid;
}

void VerificationCache::store(const Key& key, bool valid, uint32_t expiration) {
  const std::lock_guard lock(mutex_);
  insert(key, valid);
  if (valid && journaling_ && journal_.size() < 2 * generationCapacity_) {
    journal_.push_back({key, expiration});
  }
}

size_t VerificationCache::size() const {
  const std::lock_guard lock(mutex_);
  return current_.size() + previous_.size();
}

void VerificationCache::reserve(size_t capacity) {
  const std::lock_guard lock(mutex_);
  generationCapacity_ = std::max(generationCapacity_, capacity < 2 ? size_t{1} : capacity / 2);
}

void VerificationCache::preload(const Key& key) {
  const std::lock_guard lock(mutex_);
  insert(key, true);
}

std::vector<VerificationCache::Success> VerificationCache::takeJournal() {
  const std::lock_guard lock(mutex_);
  return std::exchange(journal_, {});
}

}  // namespace zonewatch::dnssec
