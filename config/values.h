// The scalar syntaxes of the configuration: durations, integers, booleans, rates, host:port,
// webhook URLs and domain names, plus the "did you mean" suggestion for unknown keys.
//
// Pure functions returning Result, so they are testable one by one; the validator turns their
// errors into ConfigError with the position of the value.
#pragma once

#include <chrono>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "monitor/dns/name.h"
#include "monitor/util/result.h"

namespace zonewatch::config {

// "30s", "5m", "2h", "7d", "1w", "250ms", combinations such as "1h30m" (each unit once, largest
// first), or a plain integer meaning seconds. Rejects signs, fractions, spaces inside and unknown
// units; zero is returned as zero, for the caller to judge.
Result<std::chrono::milliseconds> parseDuration(std::string_view text);
// The inverse, in the same syntax: 5400s -> "1h30m", 0 -> "0s", 1500ms -> "1s500ms".
std::string formatDuration(std::chrono::milliseconds d);

// A non-negative decimal integer no larger than `max`.
Result<uint64_t> parseUnsigned(std::string_view text, uint64_t max);
// true/false, yes/no, on/off (YAML 1.1 spellings), any case.
Result<bool> parseBool(std::string_view text);
// A finite decimal number, e.g. "10", "0.5", "2.5e1".
Result<double> parseNumber(std::string_view text);

// "host:port" for a listening socket: an IPv4 literal, a bracketed IPv6 literal or a host name,
// and a port 1..65535.
Status<> checkListen(std::string_view text);
// An absolute http:// or https:// URL with a host.
Status<> checkWebhookUrl(std::string_view text);
// A `database` that is not a file path: a postgresql:// or postgres:// URI (libpq checks the rest
// when it connects) with no space or control character in it. Any other "scheme://" is refused,
// naming the schemes known, rather than taken for a file of that name.
Status<> checkDatabaseUri(std::string_view text);
// Whether `text` looks like a URI ("letters://"), which a `database` path never does.
bool looksLikeUri(std::string_view text);
// scheme://host[:port]/… with userinfo, path and query cut: what may be printed of a URL that can
// carry credentials (Slack's path is a token).
std::string redactUrl(std::string_view url);
// The URL with a user name or password in its authority cut ("https://u:p@h/x" -> "https://h/x"),
// its path kept: what is printed of an RDAP base URL, whose path names the registry's service and
// is no secret.
std::string withoutUserinfo(std::string_view url);
// The host of a URL that checkWebhookUrl() accepted, lowercased, an IPv6 literal without its
// brackets: "https://Hooks.Example.net:8443/x" -> "hooks.example.net". A webhook's default name.
std::string webhookUrlHost(std::string_view url);

// An HTTP field name (RFC 9110 §5.1: a token of letters, digits and !#$%&'*+-.^_`|~).
Status<> checkHeaderName(std::string_view name);
// An HTTP field value (RFC 9110 §5.5): not empty, no CR, LF, NUL or other control character but
// tab, no leading or trailing white space. CR and LF would let a value start a header of its own.
Status<> checkHeaderValue(std::string_view value);

// A domain name as a user writes it (U-labels allowed), lowercased, in hostname syntax: letters,
// digits, hyphens and underscores, no empty or wildcard label, not the root.
Result<dns::Name> parseDomain(std::string_view text);

// The candidate closest to `word` by edit distance if that distance is at most 2, else "".
std::string closestMatch(std::string_view word, std::span<const std::string_view> candidates);

}  // namespace zonewatch::config
