#include "monitor/probe/server_memo.h"

#include <algorithm>
#include <cstdint>
#include <string_view>

namespace zonewatch::probe {

namespace {
constexpr uint8_t kVersion = 1;

class Writer {
 public:
  void byte(uint8_t b) { out_.push_back(b); }
  // Unix seconds as 32 bits unsigned (until 2106); 0 stands for none, and for any time outside.
  void time(std::optional<int64_t> t) {
    const uint32_t v = t && *t > 0 && *t <= UINT32_MAX ? static_cast<uint32_t>(*t) : 0;
    for (int shift = 24; shift >= 0; shift -= 8) out_.push_back(static_cast<uint8_t>(v >> shift));
  }
  template <size_t N>
  void digest(const std::array<uint8_t, N>& d) {
    out_.insert(out_.end(), d.begin(), d.end());
  }
  void text(const std::string& s) {
    const std::string_view kept = std::string_view(s).substr(0, 255);
    byte(static_cast<uint8_t>(kept.size()));
    out_.insert(out_.end(), kept.begin(), kept.end());
  }
  std::vector<uint8_t> take() { return std::move(out_); }

 private:
  std::vector<uint8_t> out_;
};

// Bounds-checked: every read past the end fails the whole decode.
class Reader {
 public:
  explicit Reader(std::span<const uint8_t> in) : in_(in) {}
  bool byte(uint8_t& b) {
    if (at_ + 1 > in_.size()) return false;
    b = in_[at_++];
    return true;
  }
  bool time(std::optional<int64_t>& t) {
    if (at_ + 4 > in_.size()) return false;
    uint32_t v = 0;
    for (int i = 0; i < 4; ++i) v = v << 8 | in_[at_++];
    t = v == 0 ? std::nullopt : std::optional<int64_t>(v);
    return true;
  }
  template <size_t N>
  bool digest(std::array<uint8_t, N>& d) {
    if (at_ + d.size() > in_.size()) return false;
    const auto part = in_.subspan(at_, d.size());
    std::copy(part.begin(), part.end(), d.begin());
    at_ += d.size();
    return true;
  }
  bool text(std::string& s) {
    uint8_t n = 0;
    if (!byte(n) || at_ + n > in_.size()) return false;
    const auto part = in_.subspan(at_, n);
    s.assign(part.begin(), part.end());
    at_ += n;
    return true;
  }
  bool atEnd() const { return at_ == in_.size(); }

 private:
  std::span<const uint8_t> in_;
  size_t at_ = 0;
};

bool readMemo(Reader& r, ServerMemo& m) {
  std::optional<int64_t> since;
  uint8_t hosts = 0;
  if (!r.text(m.address) || !r.digest(m.soa) || !r.digest(m.rest.digest) ||
      !r.time(m.rest.earliestExpiration) || !r.time(m.rest.nextInception) || !r.time(since) ||
      !since || !r.byte(hosts) || hosts > kMaxMemoHosts) {
    return false;
  }
  m.since = *since;
  m.extraHosts.resize(hosts);
  for (auto& host : m.extraHosts) {
    if (!r.text(host)) return false;
  }
  return true;
}
}  // namespace

std::vector<uint8_t> encodeServerMemos(const std::vector<ServerMemo>& memos) {
  if (memos.empty()) return {};
  Writer w;
  w.byte(kVersion);
  const size_t count = std::min(memos.size(), kMaxServerMemos);
  w.byte(static_cast<uint8_t>(count));
  for (size_t i = 0; i < count; ++i) {
    const ServerMemo& m = memos[i];
    w.text(m.address);
    w.digest(m.soa);
    w.digest(m.rest.digest);
    w.time(m.rest.earliestExpiration);
    w.time(m.rest.nextInception);
    w.time(m.since);
    const size_t hosts = std::min(m.extraHosts.size(), kMaxMemoHosts);
    w.byte(static_cast<uint8_t>(hosts));
    for (size_t h = 0; h < hosts; ++h) w.text(m.extraHosts[h]);
  }
  return w.take();
}

std::vector<ServerMemo> decodeServerMemos(std::span<const uint8_t> bytes) {
  Reader r(bytes);
  uint8_t version = 0;
  uint8_t count = 0;
  if (!r.byte(version) || version != kVersion || !r.byte(count) || count > kMaxServerMemos) {
    return {};
  }
  std::vector<ServerMemo> memos(count);
  for (auto& m : memos) {
    if (!readMemo(r, m)) return {};
  }
  if (!r.atEnd()) return {};
  return memos;
}

bool memoUsable(const ServerMemo& memo, int64_t now) {
  if (memo.since > now || now - memo.since >= kServerMemoMaxAge.count()) return false;
  if (memo.rest.earliestExpiration && *memo.rest.earliestExpiration <= now) return false;
  return !(memo.rest.nextInception && *memo.rest.nextInception <= now);
}

}  // namespace zonewatch::probe
