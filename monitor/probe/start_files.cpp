#include "monitor/probe/start_files.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <cstdio>
#include <filesystem>
#include <set>

#include "monitor/dns/canonical.h"
#include "monitor/probe/root_hints.h"
#include "monitor/util/file_io.h"

namespace zonewatch::probe {
namespace {

// Root KSKs that have been revoked and removed from the root zone: a file that still holds one
// predates the built-in copy. KSK-2010 was revoked on 2019-01-11.
constexpr std::array<uint16_t, 1> kRetiredRootKeyTags = {19036};

constexpr std::string_view kDebianPackage = "dns-root-data";

// The digits following `label` on the line where it appears, if any.
std::optional<std::string_view> valueAfter(std::string_view text, std::string_view label) {
  const size_t at = text.find(label);
  if (at == std::string_view::npos) return std::nullopt;
  std::string_view rest = text.substr(at + label.size());
  rest = rest.substr(0, rest.find('\n'));
  const size_t first = rest.find_first_not_of(" \t");
  if (first == std::string_view::npos) return std::nullopt;
  return rest.substr(first);
}

std::optional<uint32_t> leadingNumber(std::string_view text) {
  uint32_t n = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
  if (ec != std::errc{} || end == text.data()) return std::nullopt;
  return n;
}

// "April 18, 2024" -> 2024041800.
std::optional<uint32_t> serialOfDate(std::string_view date) {
  static constexpr std::array<std::string_view, 12> kMonths = {
      "january", "february", "march",     "april",   "may",      "june",
      "july",    "august",   "september", "october", "november", "december"};
  const std::string line(date);
  char word[16] = {};
  unsigned day = 0;
  unsigned year = 0;
  if (std::sscanf(line.c_str(), "%15[A-Za-z] %u, %u", word, &day, &year) != 3) return std::nullopt;
  std::string month(word);
  std::transform(month.begin(), month.end(), month.begin(), [](char c) {
    return static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  });
  const auto it = std::find(kMonths.begin(), kMonths.end(), month);
  if (it == kMonths.end() || day < 1 || day > 31 || year < 1990 || year > 9999) return std::nullopt;
  const auto monthNumber = static_cast<uint32_t>(it - kMonths.begin()) + 1;
  return year * 1'000'000 + monthNumber * 10'000 + day * 100;
}

// Reads a Debian file. nullopt when it is not there (the package is not installed: nothing to
// say); an error when it is there but cannot be read.
std::optional<Result<std::string>> readIfPresent(const std::string& path) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec) && !ec) return std::nullopt;
  return readFileNamed(path);
}

// A root key as an anchor names it: key tag and algorithm.
using KeyId = std::pair<uint16_t, uint8_t>;

std::set<KeyId> keysOf(const dnssec::TrustAnchors& anchors) {
  std::set<KeyId> keys;
  for (const auto& ds : anchors.ds) keys.insert({ds.keyTag, ds.algorithm});
  for (const auto& rr : anchors.dnskeys) {
    const auto& key = std::get<dns::rdata::DNSKEY>(rr.data);
    keys.insert({dns::keyTag(rr.wireRdata()), key.algorithm});
  }
  return keys;
}

std::string tagList(const std::set<KeyId>& keys) {
  std::string out;
  for (const auto& [tag, algorithm] : keys) out += (out.empty() ? "" : " ") + std::to_string(tag);
  return out;
}

// Why Debian's anchors are not newer than ours, or "" when they are.
std::string whyNotNewer(const dnssec::TrustAnchors& theirs, const dnssec::TrustAnchors& ours,
                        const std::string& path) {
  if (!theirs.zone.isRoot()) return path + " is not for the root zone";
  for (const auto& ds : theirs.ds) {
    for (const auto& known : ours.ds) {
      if (ds.keyTag == known.keyTag && ds.algorithm == known.algorithm &&
          ds.digestType == known.digestType && ds.digest != known.digest) {
        return path + " has another digest for key " + std::to_string(ds.keyTag);
      }
    }
  }
  const std::set<KeyId> known = keysOf(ours);
  bool adds = false;
  for (const KeyId& key : keysOf(theirs)) {
    if (std::find(kRetiredRootKeyTags.begin(), kRetiredRootKeyTags.end(), key.first) !=
        kRetiredRootKeyTags.end()) {
      return path + " holds the retired key " + std::to_string(key.first) + ", so it is older";
    }
    if (known.count(key) == 0) adds = true;
  }
  return adds ? "" : path + " holds no key the built-in copy lacks";
}

std::string builtInHintsOrigin(const std::string& why) {
  return "built-in copy, " + std::to_string(kBuiltInRootHintsVersion) + " (" + why + ")";
}

}  // namespace

Result<ZoneCut> loadRootHints(const std::string& path) {
  if (path.empty()) return builtInRootHints();
  auto text = readFileNamed(path);
  if (!text) return Unexpected{text.error()};
  return rootHintsFromText(*text, path);
}

Result<dnssec::TrustAnchors> loadTrustAnchors(const std::string& path) {
  if (path.empty()) return dnssec::TrustAnchors::builtInRoot();
  auto text = readFileNamed(path);
  if (!text) return Unexpected{text.error()};
  return dnssec::TrustAnchors::fromText(*text, path);
}

std::optional<uint32_t> rootHintsVersion(std::string_view text) {
  if (auto serial = valueAfter(text, "related version of root zone:")) {
    if (auto n = leadingNumber(*serial)) return n;
  }
  if (auto date = valueAfter(text, "last update:")) return serialOfDate(*date);
  return std::nullopt;
}

Result<ChosenStartFile<ZoneCut>> chooseRootHints(const std::string& configured,
                                                 const DebianRootData& debian) {
  if (!configured.empty()) {
    auto hints = loadRootHints(configured);
    if (!hints) return Unexpected{hints.error()};
    return ChosenStartFile<ZoneCut>{std::move(hints).value(), configured + " (root_hints)", {}};
  }
  ChosenStartFile<ZoneCut> builtIn{builtInRootHints(), {}, {}};
  auto text = readIfPresent(debian.rootHints);
  if (!text) {
    builtIn.origin = builtInHintsOrigin(std::string(kDebianPackage) + " is not installed");
    return builtIn;
  }
  auto unusable = [&](const std::string& why) {
    builtIn.origin = builtInHintsOrigin(debian.rootHints + " is unusable");
    builtIn.warning = "root hints: ignoring " + why + "; using the built-in copy";
    return builtIn;
  };
  if (!*text) return unusable(text->error().message);
  auto hints = rootHintsFromText(**text, debian.rootHints);
  if (!hints) return unusable(hints.error().message);
  const auto version = rootHintsVersion(**text);
  if (!version) {
    return unusable(debian.rootHints +
                    ": no \"related version of root zone\" or \"last update\" line");
  }
  if (*version <= kBuiltInRootHintsVersion) {
    builtIn.origin =
        builtInHintsOrigin(debian.rootHints + " is " + std::to_string(*version) + ", not newer");
    return builtIn;
  }
  return ChosenStartFile<ZoneCut>{
      std::move(hints).value(),
      debian.rootHints + " (" + std::string(kDebianPackage) + ", " + std::to_string(*version) + ")",
      {}};
}

Result<ChosenStartFile<dnssec::TrustAnchors>> chooseTrustAnchors(const std::string& configured,
                                                                 const DebianRootData& debian) {
  using Chosen = ChosenStartFile<dnssec::TrustAnchors>;
  if (!configured.empty()) {
    auto anchors = loadTrustAnchors(configured);
    if (!anchors) return Unexpected{anchors.error()};
    return Chosen{std::move(anchors).value(), configured + " (trust_anchors)", {}};
  }
  Chosen builtIn{dnssec::TrustAnchors::builtInRoot(), {}, {}};
  const std::string ours = "built-in copy, root keys " + tagList(keysOf(builtIn.value));
  std::string path = debian.rootDs;
  auto text = readIfPresent(path);
  if (!text) {
    path = debian.rootKey;
    text = readIfPresent(path);
  }
  if (!text) {
    builtIn.origin = ours + " (" + std::string(kDebianPackage) + " is not installed)";
    return builtIn;
  }
  auto unusable = [&](const std::string& why) {
    builtIn.origin = ours + " (" + path + " is unusable)";
    builtIn.warning = "trust anchors: ignoring " + why + "; using the built-in copy";
    return builtIn;
  };
  if (!*text) return unusable(text->error().message);
  auto anchors = dnssec::TrustAnchors::fromText(**text, path);
  if (!anchors) return unusable(anchors.error().message);
  if (std::string why = whyNotNewer(*anchors, builtIn.value, path); !why.empty()) {
    builtIn.origin = ours + " (" + why + ")";
    return builtIn;
  }
  std::string origin =
      path + " (" + std::string(kDebianPackage) + ", root keys " + tagList(keysOf(*anchors)) + ")";
  return Chosen{std::move(anchors).value(), std::move(origin), {}};
}

}  // namespace zonewatch::probe
