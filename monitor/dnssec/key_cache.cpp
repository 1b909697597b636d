#include "monitor/dnssec/key_cache.h"

#include <utility>

namespace zonewatch::dnssec {

KeyCache::KeyCache(size_t capacity) : generationCapacity_(capacity < 2 ? 1 : capacity / 2) {}

std::shared_ptr<const crypto::PublicKey> KeyCache::get(uint8_t algorithm,
                                                       std::span<const uint8_t> publicKeyField) {
  std::string key(1, static_cast<char>(algorithm));
  key.append(publicKeyField.begin(), publicKeyField.end());
  if (auto it = current_.find(key); it != current_.end()) return it->second;
  if (auto it = previous_.find(key); it != previous_.end()) {
    auto value = std::move(it->second);
    previous_.erase(it);
    insert(std::move(key), value);  // promote: a key in use survives the next rotation
    return value;
  }
  ++parses_;
  auto parsed = parse(algorithm, publicKeyField);
  insert(std::move(key), parsed);
  return parsed;
}

std::shared_ptr<const crypto::PublicKey> KeyCache::parse(uint8_t algorithm,
                                                         std::span<const uint8_t> publicKeyField) {
  if (!crypto::isAlgorithmSupported(algorithm)) return nullptr;
  auto result = crypto::PublicKey::fromDnskey(algorithm, publicKeyField);
  if (!result) return nullptr;
  return std::make_shared<const crypto::PublicKey>(std::move(result).value());
}

void KeyCache::insert(std::string key, std::shared_ptr<const crypto::PublicKey> value) {
  if (current_.size() >= generationCapacity_) {
    previous_ = std::move(current_);
    current_ = Map{};
  }
  current_.emplace(std::move(key), std::move(value));
}

}  // namespace zonewatch::dnssec
