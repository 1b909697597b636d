// Bounded JSON input for the RDAP parsers (private to monitor/rdap: only its .cpp files include
// this header, so nlohmann/json stays a private dependency).
//
// Bootstrap files and RDAP responses come from servers zonewatch does not control, so a document
// is checked for its size and nesting depth before nlohmann/json builds a tree of it (a deeply
// nested document would otherwise cost a recursion level per "[" when the tree is destroyed), and
// parsed without exceptions: whatever is wrong with it comes back as an RdapError.
#pragma once

#include <cstddef>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "monitor/rdap/rdap_error.h"
#include "monitor/util/result.h"

namespace zonewatch::rdap::detail {

using Json = nlohmann::json;

inline Unexpected<RdapError> error(RdapErrorKind kind, std::string message) {
  return {RdapError{kind, std::move(message), 0}};
}

// The deepest nesting of arrays and objects in `text`, strings skipped; stops counting (and
// returns maxDepth + 1) as soon as it exceeds maxDepth.
size_t nestingDepth(std::string_view text, size_t maxDepth);

// Parses `text` after checking it against the caps; `what` names the document in messages.
Result<Json, RdapError> parseBounded(std::string_view text, size_t maxBytes, size_t maxDepth,
                                     std::string_view what);

// The member `key` of `object`, or nullptr when `object` is not an object or has no such member.
const Json* member(const Json& object, std::string_view key);

// The string member `key`, or nullopt when it is absent or not a string.
std::optional<std::string> stringMember(const Json& object, std::string_view key);

// ASCII lowercase: RDAP names and status values are compared without regard to case.
std::string asciiLower(std::string_view text);

}  // namespace zonewatch::rdap::detail
