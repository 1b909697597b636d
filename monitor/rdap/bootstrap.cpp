#include "monitor/rdap/bootstrap.h"

#include <algorithm>

#include "monitor/rdap/json_input.h"

namespace zonewatch::rdap {
namespace {

using detail::error;
using detail::Json;

bool startsWith(std::string_view text, std::string_view prefix) {
  return text.substr(0, prefix.size()) == prefix;
}

bool isHttps(std::string_view url) {
  return startsWith(detail::asciiLower(url.substr(0, 8)), "https://");
}

bool isHttp(std::string_view url) {
  return startsWith(detail::asciiLower(url.substr(0, 7)), "http://");
}

std::string withSlash(std::string url) {
  if (url.empty() || url.back() != '/') url += '/';
  return url;
}

// Whether `suffix` (lowercase, no trailing dot) is `name` or a whole-label suffix of it.
bool labelSuffix(std::string_view name, std::string_view suffix) {
  if (suffix.empty() || suffix.size() > name.size()) return false;
  if (name.substr(name.size() - suffix.size()) != suffix) return false;
  return suffix.size() == name.size() || name[name.size() - suffix.size() - 1] == '.';
}

size_t longestLabel(std::string_view name) {
  size_t longest = 0, current = 0;
  for (const char c : name) {
    current = c == '.' ? 0 : current + 1;
    longest = std::max(longest, current);
  }
  return longest;
}

size_t labelCount(std::string_view name) {
  return static_cast<size_t>(std::count(name.begin(), name.end(), '.')) + 1;
}

// An entry as RFC 9224 §4 compares it: lowercase, no trailing dot.
std::string entryName(std::string_view text) {
  std::string name = detail::asciiLower(text);
  if (!name.empty() && name.back() == '.') name.pop_back();
  return name;
}

Result<std::vector<std::string>, RdapError> readStrings(const Json& array, size_t cap,
                                                        size_t maxLength, std::string_view what) {
  if (!array.is_array())
    return error(RdapErrorKind::kWrongShape, std::string(what) + " not an array");
  if (array.size() > cap) {
    return error(RdapErrorKind::kTooLarge, std::string(what) + " has " +
                                               std::to_string(array.size()) + " items, more than " +
                                               std::to_string(cap));
  }
  std::vector<std::string> out;
  for (const Json& item : array) {  // bounded by the size check above
    if (!item.is_string())
      return error(RdapErrorKind::kWrongShape, std::string(what) + " not strings");
    const auto& text = item.get_ref<const std::string&>();
    if (text.size() > maxLength) {
      return error(RdapErrorKind::kTooLarge,
                   std::string(what) + " item longer than " + std::to_string(maxLength));
    }
    out.push_back(text);
  }
  return out;
}

Result<BootstrapService, RdapError> readService(const Json& service, size_t& entriesSoFar) {
  if (!service.is_array() || service.size() != 2) {
    return error(RdapErrorKind::kWrongShape, "a service is not an array of [entries, URLs]");
  }
  auto entries = readStrings(service[0], kMaxEntriesPerService, kMaxNameLength, "service entries");
  if (!entries) return Unexpected{entries.error()};
  auto urls = readStrings(service[1], kMaxUrlsPerService, kMaxUrlLength, "service URLs");
  if (!urls) return Unexpected{urls.error()};
  entriesSoFar += entries->size();
  if (entriesSoFar > kMaxEntriesTotal) {
    return error(RdapErrorKind::kTooLarge,
                 "more than " + std::to_string(kMaxEntriesTotal) + " entries in all");
  }
  BootstrapService out;
  for (const std::string& entry : *entries) out.entries.push_back(entryName(entry));
  for (std::string& url : *urls) {
    if (isHttps(url) || isHttp(url)) out.urls.push_back(withSlash(std::move(url)));
  }
  // RFC 9224 §3 prefers HTTPS: put those first, keeping the file's order otherwise.
  std::stable_partition(out.urls.begin(), out.urls.end(),
                        [](const std::string& u) { return isHttps(u); });
  return out;
}

}  // namespace

Result<Bootstrap, RdapError> parseBootstrap(std::string_view text) {
  auto doc = detail::parseBounded(text, kMaxBootstrapBytes, kMaxBootstrapDepth, "bootstrap file");
  if (!doc) return Unexpected{doc.error()};
  Bootstrap out;
  out.version = detail::stringMember(*doc, "version").value_or("");
  out.publication = detail::stringMember(*doc, "publication").value_or("");
  out.description = detail::stringMember(*doc, "description").value_or("");
  if (out.version.empty())
    return error(RdapErrorKind::kWrongShape, "bootstrap file has no version");
  const Json* services = detail::member(*doc, "services");
  if (services == nullptr || !services->is_array()) {
    return error(RdapErrorKind::kWrongShape, "bootstrap file has no \"services\" array");
  }
  if (services->size() > kMaxServices) {
    return error(RdapErrorKind::kTooLarge,
                 "bootstrap file lists more than " + std::to_string(kMaxServices) + " services");
  }
  size_t entries = 0;
  for (const Json& service : *services) {  // bounded by kMaxServices
    auto parsed = readService(service, entries);
    if (!parsed) return Unexpected{parsed.error()};
    if (!parsed->urls.empty()) out.services.push_back(std::move(*parsed));
  }
  return out;
}

Result<std::string, RdapError> rdapDomainName(std::string_view domain) {
  std::string name = entryName(domain);
  const bool ldh = std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.';
  });
  if (name.empty() || name.size() > kMaxNameLength || !ldh || name.front() == '.' ||
      name.find("..") != std::string::npos || longestLabel(name) > kMaxLabelLength) {
    return error(RdapErrorKind::kBadValue,
                 "\"" + std::string(domain.substr(0, kMaxNameLength)) + "\" is not an LDH name");
  }
  return name;
}

Result<ServerChoice, RdapError> findServers(const Bootstrap& bootstrap,
                                            const ServerOverrides& overrides,
                                            std::string_view domain) {
  auto name = rdapDomainName(domain);
  if (!name) return Unexpected{name.error()};
  // Overrides first: the operator configured them because the registry's file is wrong, missing
  // or unreachable for that suffix.
  const std::pair<const std::string, std::string>* bestOverride = nullptr;
  for (const auto& entry : overrides) {
    const std::string suffix = entryName(entry.first);
    if (labelSuffix(*name, suffix) &&
        (bestOverride == nullptr ||
         labelCount(suffix) > labelCount(entryName(bestOverride->first)))) {
      bestOverride = &entry;
    }
  }
  if (bestOverride != nullptr) {
    return ServerChoice{entryName(bestOverride->first), {withSlash(bestOverride->second)}, true};
  }
  const BootstrapService* best = nullptr;
  std::string matched;
  for (const BootstrapService& service : bootstrap.services) {
    for (const std::string& entry : service.entries) {
      if (labelSuffix(*name, entry) &&
          (best == nullptr || labelCount(entry) > labelCount(matched))) {
        best = &service;
        matched = entry;
      }
    }
  }
  if (best == nullptr) {
    return error(RdapErrorKind::kNoServer,
                 "no RDAP server in the bootstrap file or the overrides "
                 "covers " +
                     *name);
  }
  return ServerChoice{matched, best->urls, false};
}

std::string domainQueryUrl(std::string_view baseUrl, std::string_view domain) {
  std::string name = entryName(domain);
  return withSlash(std::string(baseUrl)) + "domain/" + name;
}

}  // namespace zonewatch::rdap
