#include "config/values.h"

#include <arpa/inet.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <cmath>
#include <vector>

#include "monitor/util/database_uri.h"

namespace zonewatch::config {
namespace {

bool isDigit(char c) {
  return c >= '0' && c <= '9';
}
bool isAlpha(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}
char lower(char c) {
  return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

std::string quote(std::string_view text) {
  return "\"" + std::string(text) + "\"";
}

bool equalsIgnoreCase(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(),
                                            [](char x, char y) { return lower(x) == lower(y); });
}

struct DurationUnit {
  std::string_view name;
  int64_t millis;
};
// Largest first: a combination must list its units in this order, each once, so "1h30m" is valid
// and "30m1h" or "1m1m" (almost certainly typos) are not.
constexpr std::array<DurationUnit, 6> kUnits = {{{"w", 7 * 86400 * 1000LL},
                                                 {"d", 86400 * 1000LL},
                                                 {"h", 3600 * 1000LL},
                                                 {"m", 60 * 1000LL},
                                                 {"s", 1000LL},
                                                 {"ms", 1LL}}};
// A century: far beyond any sensible setting, and far from int64 overflow in later arithmetic.
constexpr int64_t kMaxDurationMillis = 100LL * 365 * 86400 * 1000;

std::string durationHint(std::string_view text) {
  return quote(text) + " is not a duration (write e.g. 30s, 5m, 2h, 7d, 1w or 1h30m)";
}

// Port 1..65535; 0 would mean "any port" to bind() and is never what a config means.
Status<> checkPort(std::string_view port, std::string_view whole) {
  auto n = parseUnsigned(port, 65535);
  if (!n || *n == 0) {
    return fail("port " + quote(port) + " in " + quote(whole) + " is not 1..65535");
  }
  return Ok{};
}

bool isHostName(std::string_view host) {
  // RFC 1123 §2.1: letters, digits and hyphens, labels of 1..63 characters, no leading or trailing
  // hyphen. A name made only of digits and dots is a mistyped IPv4 address, not a host name.
  if (host.empty() || host.size() > 253) return false;
  if (host.back() == '.') host.remove_suffix(1);
  bool allNumeric = true;
  size_t start = 0;
  while (start <= host.size()) {
    size_t end = host.find('.', start);
    if (end == std::string_view::npos) end = host.size();
    std::string_view label = host.substr(start, end - start);
    if (label.empty() || label.size() > 63 || label.front() == '-' || label.back() == '-') {
      return false;
    }
    for (char c : label) {
      if (!isDigit(c) && !isAlpha(c) && c != '-' && c != '_') return false;
      if (!isDigit(c)) allNumeric = false;
    }
    start = end + 1;
  }
  return !allNumeric;
}

bool isIPv4(std::string_view text) {
  std::string s(text);
  in_addr addr{};
  return inet_pton(AF_INET, s.c_str(), &addr) == 1;
}

bool isIPv6(std::string_view text) {
  std::string s(text);
  in6_addr addr{};
  return inet_pton(AF_INET6, s.c_str(), &addr) == 1;
}

// Splits "host:port" or "[v6]:port"; the port is empty when absent.
struct HostPort {
  std::string_view host;
  std::string_view port;
  bool bracketed = false;
  bool hasPort = false;
};

Result<HostPort> splitHostPort(std::string_view text) {
  HostPort out;
  if (!text.empty() && text.front() == '[') {
    size_t close = text.find(']');
    if (close == std::string_view::npos) return fail(quote(text) + " has '[' without ']'");
    out.host = text.substr(1, close - 1);
    out.bracketed = true;
    std::string_view rest = text.substr(close + 1);
    if (!rest.empty()) {
      if (rest.front() != ':') return fail(quote(text) + " has text after ']' that is not :port");
      out.port = rest.substr(1);
      out.hasPort = true;
    }
    return out;
  }
  size_t colon = text.rfind(':');
  if (colon == std::string_view::npos) {
    out.host = text;
    return out;
  }
  out.host = text.substr(0, colon);
  out.port = text.substr(colon + 1);
  out.hasPort = true;
  return out;
}

}  // namespace

Result<std::chrono::milliseconds> parseDuration(std::string_view text) {
  if (text.empty()) return fail("empty duration");
  if (text.front() == '-') return fail(quote(text) + " is negative");
  if (std::all_of(text.begin(), text.end(), isDigit)) {
    auto seconds = parseUnsigned(text, static_cast<uint64_t>(kMaxDurationMillis / 1000));
    if (!seconds) return fail(quote(text) + " is over 100 years");
    return std::chrono::milliseconds(static_cast<int64_t>(*seconds) * 1000);
  }
  int64_t total = 0;
  size_t nextUnit = 0;  // index in kUnits the next part may use at the earliest
  size_t i = 0;
  while (i < text.size()) {
    size_t digitsStart = i;
    while (i < text.size() && isDigit(text[i])) ++i;
    if (i == digitsStart) return fail(durationHint(text));
    std::string_view digits = text.substr(digitsStart, i - digitsStart);
    size_t unitStart = i;
    while (i < text.size() && isAlpha(text[i])) ++i;
    std::string_view unit = text.substr(unitStart, i - unitStart);
    if (i < text.size() && !isDigit(text[i])) {
      if (text[i] == '.' || text[i] == ',') {
        return fail(quote(text) + " has a fraction: combine whole units instead, e.g. 1h30m");
      }
      return fail(durationHint(text));
    }
    if (unit.empty()) return fail(durationHint(text));
    auto found = std::find_if(kUnits.begin(), kUnits.end(),
                              [&](const DurationUnit& u) { return u.name == unit; });
    if (found == kUnits.end()) {
      return fail(quote(text) + " has the unknown unit " + quote(unit) +
                  " (units: w, d, h, m, s, ms)");
    }
    size_t index = static_cast<size_t>(found - kUnits.begin());
    if (index < nextUnit) {
      return fail(quote(text) + " repeats a unit or lists a smaller one before a larger one");
    }
    nextUnit = index + 1;
    auto count = parseUnsigned(digits, static_cast<uint64_t>(kMaxDurationMillis / found->millis));
    if (!count) return fail(quote(text) + " is over 100 years");
    total += static_cast<int64_t>(*count) * found->millis;
    if (total > kMaxDurationMillis) return fail(quote(text) + " is over 100 years");
  }
  return std::chrono::milliseconds(total);
}

std::string formatDuration(std::chrono::milliseconds d) {
  int64_t left = std::max<int64_t>(d.count(), 0);
  if (left == 0) return "0s";
  std::string out;
  // Weeks only for whole weeks: "365d" reads better than "52w1d".
  bool weeks = left % kUnits[0].millis == 0;
  for (const DurationUnit& unit : kUnits) {
    if (unit.name == "w" && !weeks) continue;
    int64_t n = left / unit.millis;
    if (n > 0) {
      out += std::to_string(n);
      out += unit.name;
      left -= n * unit.millis;
    }
  }
  return out;
}

Result<uint64_t> parseUnsigned(std::string_view text, uint64_t max) {
  if (text.empty()) return fail("empty number");
  if (text.front() == '-') return fail(quote(text) + " is negative");
  if (!std::all_of(text.begin(), text.end(), isDigit)) {
    return fail(quote(text) + " is not a whole number");
  }
  uint64_t value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || value > max) {
    return fail(quote(text) + " is larger than " + std::to_string(max));
  }
  return value;
}

Result<bool> parseBool(std::string_view text) {
  for (std::string_view t : {"true", "yes", "on"}) {
    if (equalsIgnoreCase(text, t)) return true;
  }
  for (std::string_view f : {"false", "no", "off"}) {
    if (equalsIgnoreCase(text, f)) return false;
  }
  return fail(quote(text) + " is not a boolean (true or false)");
}

Result<double> parseNumber(std::string_view text) {
  double value = 0;
  const char* first = text.data();
  const char* last = text.data() + text.size();
  auto [end, ec] = std::from_chars(first, last, value, std::chars_format::general);
  if (text.empty() || ec != std::errc() || end != last || !std::isfinite(value)) {
    return fail(quote(text) + " is not a number");
  }
  return value;
}

Status<> checkListen(std::string_view text) {
  auto split = splitHostPort(text);
  if (!split) return Unexpected{split.error()};
  if (!split->hasPort) {
    return fail(quote(text) + " has no port (write host:port, e.g. 127.0.0.1:9153)");
  }
  if (split->host.empty()) {
    return fail(quote(text) + " has no host (write 0.0.0.0:PORT or [::]:PORT for all addresses)");
  }
  if (split->bracketed) {
    if (!isIPv6(split->host)) return fail(quote(split->host) + " is not an IPv6 address");
  } else if (split->host.find(':') != std::string_view::npos) {
    return fail(quote(text) + ": write an IPv6 address in brackets, e.g. [::1]:9153");
  } else if (!isIPv4(split->host) && !isHostName(split->host)) {
    return fail(quote(split->host) + " is neither an IPv4 address nor a host name");
  }
  return checkPort(split->port, text);
}

bool looksLikeUri(std::string_view text) {
  const size_t scheme = text.find("://");
  if (scheme == std::string_view::npos || scheme == 0) return false;
  return std::all_of(text.begin(), text.begin() + static_cast<std::ptrdiff_t>(scheme), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '+' || c == '-' || c == '.';
  });
}

Status<> checkDatabaseUri(std::string_view text) {
  if (!isPostgresUri(text)) {
    return fail(
        "\"" + std::string(text.substr(0, text.find("://"))) +
        "://\" is not a database zonewatch knows: give a postgresql:// (or postgres://) URI, "
        "or the path of an SQLite file");
  }
  for (char c : text) {
    if (std::isspace(static_cast<unsigned char>(c)) ||
        std::iscntrl(static_cast<unsigned char>(c))) {
      return fail("a database URI has no spaces or control characters (percent-encode them)");
    }
  }
  return Ok{};
}

Status<> checkWebhookUrl(std::string_view text) {
  for (char c : text) {
    auto u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u == 0x7f) return fail("a URL cannot contain spaces or control characters");
  }
  size_t schemeEnd = text.find("://");
  std::string_view scheme = schemeEnd == std::string_view::npos ? "" : text.substr(0, schemeEnd);
  if (!equalsIgnoreCase(scheme, "http") && !equalsIgnoreCase(scheme, "https")) {
    return fail("the URL must start with http:// or https://");
  }
  std::string_view rest = text.substr(schemeEnd + 3);
  std::string_view authority = rest.substr(0, rest.find_first_of("/?#"));
  if (size_t at = authority.rfind('@'); at != std::string_view::npos) {
    authority = authority.substr(at + 1);
  }
  auto split = splitHostPort(authority);
  if (!split) return Unexpected{split.error()};
  if (split->host.empty()) return fail("the URL has no host");
  if (split->bracketed ? !isIPv6(split->host)
                       : (!isIPv4(split->host) && !isHostName(split->host))) {
    return fail("the URL's host " + quote(split->host) + " is not a host name or IP address");
  }
  if (split->hasPort) return checkPort(split->port, authority);
  return Ok{};
}

std::string redactUrl(std::string_view url) {
  size_t schemeEnd = url.find("://");
  if (schemeEnd == std::string_view::npos) return "<redacted>";
  std::string_view rest = url.substr(schemeEnd + 3);
  size_t authorityEnd = rest.find_first_of("/?#");
  std::string_view authority = rest.substr(0, authorityEnd);
  if (size_t at = authority.rfind('@'); at != std::string_view::npos) {
    authority = authority.substr(at + 1);
  }
  std::string out = std::string(url.substr(0, schemeEnd + 3)) + std::string(authority);
  if (authorityEnd != std::string_view::npos && rest.size() > authorityEnd + 1) out += "/...";
  return out;
}

std::string withoutUserinfo(std::string_view url) {
  const size_t schemeEnd = url.find("://");
  if (schemeEnd == std::string_view::npos) return std::string(url);
  const std::string_view rest = url.substr(schemeEnd + 3);
  const std::string_view authority = rest.substr(0, rest.find_first_of("/?#"));
  const size_t at = authority.rfind('@');
  if (at == std::string_view::npos) return std::string(url);
  return std::string(url.substr(0, schemeEnd + 3)) + std::string(rest.substr(at + 1));
}

std::string webhookUrlHost(std::string_view url) {
  const size_t schemeEnd = url.find("://");
  std::string_view rest = schemeEnd == std::string_view::npos ? url : url.substr(schemeEnd + 3);
  std::string_view authority = rest.substr(0, rest.find_first_of("/?#"));
  if (size_t at = authority.rfind('@'); at != std::string_view::npos) {
    authority = authority.substr(at + 1);
  }
  auto split = splitHostPort(authority);
  std::string host(split ? split->host : authority);
  std::transform(host.begin(), host.end(), host.begin(), lower);
  return host;
}

Status<> checkHeaderName(std::string_view name) {
  if (name.empty()) return fail("a header name must not be empty");
  constexpr std::string_view kTokenPunctuation = "!#$%&'*+-.^_`|~";
  for (char c : name) {
    if (!isDigit(c) && !isAlpha(c) && kTokenPunctuation.find(c) == std::string_view::npos) {
      return fail("header name " + quote(name) +
                  " may only hold letters, digits and !#$%&'*+-.^_`|~ (RFC 9110 §5.1)");
    }
  }
  return Ok{};
}

Status<> checkHeaderValue(std::string_view value) {
  if (value.empty()) return fail("a header value must not be empty");
  for (char c : value) {
    const auto u = static_cast<unsigned char>(c);
    if (u == '\r' || u == '\n') return fail("a header value must not contain a line break");
    if ((u < 0x20 && u != '\t') || u == 0x7f) {
      return fail("a header value must not contain control characters");
    }
  }
  auto blank = [](char c) { return c == ' ' || c == '\t'; };
  if (blank(value.front()) || blank(value.back())) {
    return fail("a header value must not start or end with white space");
  }
  return Ok{};
}

Result<dns::Name> parseDomain(std::string_view text) {
  if (text.empty()) return fail("empty domain name");
  auto name = dns::Name::fromUser(text);
  if (!name) return Unexpected{name.error()};
  if (name->isRoot()) return fail("the root cannot be watched: name a delegated domain");
  // RFC 1123 §2.1 host name syntax (plus '_', which RFC 8552 allows in names under attribute
  // leaves): Name::parse accepts any octet through escapes, but a watched domain with a space or a
  // '*' in it is a typo, not a zone.
  for (size_t i = 0; i < name->labelCount(); ++i) {
    std::string_view label = name->label(i);
    bool ok = !label.empty() && label.front() != '-' && label.back() != '-' &&
              std::all_of(label.begin(), label.end(),
                          [](char c) { return isDigit(c) || isAlpha(c) || c == '-' || c == '_'; });
    if (!ok) {
      return fail(quote(text) + " is not a domain name: label " + quote(label) +
                  " may only hold letters, digits, '-' and '_', and not start or end with '-'");
    }
  }
  return name->lowercased();
}

std::string closestMatch(std::string_view word, std::span<const std::string_view> candidates) {
  // Optimal string alignment distance: Levenshtein plus adjacent transpositions, so "intreval"
  // is one edit from "interval", as a reader would count it.
  auto distance = [](std::string_view a, std::string_view b) {
    size_t n = a.size();
    size_t m = b.size();
    std::vector<size_t> d((n + 1) * (m + 1));
    auto at = [&](size_t i, size_t j) -> size_t& { return d[i * (m + 1) + j]; };
    for (size_t i = 0; i <= n; ++i) at(i, 0) = i;
    for (size_t j = 0; j <= m; ++j) at(0, j) = j;
    for (size_t i = 1; i <= n; ++i) {
      for (size_t j = 1; j <= m; ++j) {
        size_t cost = lower(a[i - 1]) == lower(b[j - 1]) ? 0 : 1;
        at(i, j) = std::min({at(i - 1, j) + 1, at(i, j - 1) + 1, at(i - 1, j - 1) + cost});
        if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) {
          at(i, j) = std::min(at(i, j), at(i - 2, j - 2) + 1);
        }
      }
    }
    return at(n, m);
  };
  std::string best;
  size_t bestDistance = 3;
  for (std::string_view candidate : candidates) {
    size_t dist = distance(word, candidate);
    if (dist < bestDistance) {
      bestDistance = dist;
      best = std::string(candidate);
    }
  }
  return best;
}

}  // namespace zonewatch::config
