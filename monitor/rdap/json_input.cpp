#include "monitor/rdap/json_input.h"

namespace zonewatch::rdap::detail {

size_t nestingDepth(std::string_view text, size_t maxDepth) {
  size_t depth = 0, deepest = 0;
  bool inString = false, escaped = false;
  for (const char c : text) {
    if (inString) {
      if (escaped) {
        escaped = false;
      } else if (c == '\\') {
        escaped = true;
      } else if (c == '"') {
        inString = false;
      }
      continue;
    }
    if (c == '"') {
      inString = true;
    } else if (c == '[' || c == '{') {
      deepest = std::max(deepest, ++depth);
      if (deepest > maxDepth) return maxDepth + 1;
    } else if ((c == ']' || c == '}') && depth > 0) {
      --depth;
    }
  }
  return deepest;
}

Result<Json, RdapError> parseBounded(std::string_view text, size_t maxBytes, size_t maxDepth,
                                     std::string_view what) {
  const std::string name(what);
  if (text.size() > maxBytes) {
    return error(RdapErrorKind::kTooLarge, name + " is " + std::to_string(text.size()) +
                                               " bytes, more than the " + std::to_string(maxBytes) +
                                               " accepted");
  }
  if (nestingDepth(text, maxDepth) > maxDepth) {
    return error(RdapErrorKind::kTooLarge,
                 name + " nests arrays or objects deeper than " + std::to_string(maxDepth));
  }
  // allow_exceptions = false: a syntax error yields a "discarded" value instead of a throw.
  Json doc = Json::parse(text.begin(), text.end(), nullptr, false);
  if (doc.is_discarded()) return error(RdapErrorKind::kMalformedJson, name + " is not valid JSON");
  if (!doc.is_object()) return error(RdapErrorKind::kWrongShape, name + " is not a JSON object");
  return doc;
}

const Json* member(const Json& object, std::string_view key) {
  if (!object.is_object()) return nullptr;
  auto it = object.find(key);
  return it == object.end() ? nullptr : &*it;
}

std::optional<std::string> stringMember(const Json& object, std::string_view key) {
  const Json* value = member(object, key);
  if (value == nullptr || !value->is_string()) return std::nullopt;
  return value->get_ref<const std::string&>();
}

std::string asciiLower(std::string_view text) {
  std::string out(text);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

}  // namespace zonewatch::rdap::detail
