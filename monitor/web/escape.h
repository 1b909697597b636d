// Escaping for the timeline page (issue 17): everything the page shows from the store is text a
// DNS server chose, and a domain name can hold any byte (RFC 2181 §11). This module owns how such
// text becomes HTML text, an HTML attribute value, or one segment of a URL path, so that no stored
// byte can open a tag, end an attribute or break the page's encoding.
//
// Bytes that are not valid UTF-8 become U+FFFD; control characters (NUL, escape, ...) become the
// DNS presentation escape "\DDD" (RFC 1035 §5.1), so that they stay visible and distinct instead
// of vanishing; presentation escapes already in a stored name ("\032") are shown as they are.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace zonewatch::web {

// For element content and for attribute values in double or single quotes: & < > " ' escaped,
// invalid UTF-8 replaced, controls other than tab and newline shown as \DDD.
std::string html(std::string_view text);

// `text` made valid UTF-8 with controls shown as \DDD but otherwise unchanged: what html()
// escapes, before the markup characters. For JSON strings and plain-text replies.
std::string visible(std::string_view text);

// One path segment of a link (RFC 3986 §2): unreserved characters as they are, every other byte
// as %XX. The listener decodes it back to the same bytes (alerts/http_listener.h), so a link to
// /domain/NAME reaches the page of exactly that name. Safe inside an attribute as it is.
std::string pathSegment(std::string_view text);

// The value of `key` in a URL query ("since=10&domain=a.example."), percent-decoded ('+' is a
// space); none when the key is absent. The first occurrence wins.
std::optional<std::string> queryValue(std::string_view query, std::string_view key);

// The first `maxBytes` bytes of `text` and "…" when it is longer: the page shows very long
// names and summaries shortened (a cut inside a UTF-8 sequence becomes U+FFFD in html()).
std::string shorten(std::string_view text, size_t maxBytes);

}  // namespace zonewatch::web
