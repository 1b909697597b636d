#include "monitor/rdap/rate_policy.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <limits>
#include <vector>

#include "monitor/util/civil_time.h"

namespace zonewatch::rdap {
namespace {

constexpr int64_t kSecondsPerDay = 86400;

std::string_view trimmed(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  return text;
}

bool allDigits(std::string_view text) {
  return !text.empty() &&
         std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// Exactly `width` digits (width 0: any number of them, at least one).
std::optional<unsigned> number(std::string_view text, size_t width = 0) {
  if (!allDigits(text) || (width != 0 && text.size() != width) || text.size() > 9) {
    return std::nullopt;
  }
  unsigned value = 0;
  std::from_chars(text.data(), text.data() + text.size(), value);
  return value;
}

// RFC 9110 §5.6.7 month = "Jan" / "Feb" / ... (case-sensitive there; any case here).
std::optional<unsigned> month(std::string_view text) {
  static constexpr std::array<std::string_view, 12> kMonths = {
      "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"};
  if (text.size() != 3) return std::nullopt;
  std::string lower(text);
  for (char& c : lower) c = static_cast<char>(c | 0x20);
  for (size_t i = 0; i < kMonths.size(); ++i) {
    if (kMonths[i] == lower) return static_cast<unsigned>(i + 1);
  }
  return std::nullopt;
}

// time-of-day = hour ":" minute ":" second, two digits each; seconds of the day.
std::optional<int64_t> timeOfDay(std::string_view text) {
  if (text.size() != 8 || text[2] != ':' || text[5] != ':') return std::nullopt;
  auto h = number(text.substr(0, 2), 2), m = number(text.substr(3, 2), 2),
       s = number(text.substr(6, 2), 2);
  // RFC 9110 allows second 60 (a leap second); POSIX time folds it into the next.
  if (!h || !m || !s || *h > 23 || *m > 59 || *s > 60) return std::nullopt;
  return static_cast<int64_t>(*h) * 3600 + *m * 60 + *s;
}

std::optional<int64_t> instant(int64_t year, unsigned mon, unsigned day, int64_t seconds) {
  if (day < 1 || day > 31 || year < 1 || year > 9999) return std::nullopt;
  const int64_t days = daysFromCivil(year, mon, day);
  // "31 Feb" would count on into March: a date that does not map back to itself does not exist.
  const Civil back = civilFromDays(days);
  if (back.year != year || back.month != mon || back.day != day) return std::nullopt;
  return days * kSecondsPerDay + seconds;
}

// Splits on runs of spaces (asctime pads a one-digit day with a second space).
std::vector<std::string_view> words(std::string_view text) {
  std::vector<std::string_view> out;
  size_t pos = 0;
  while (pos < text.size() && out.size() < 8) {  // no HTTP-date has more than 6 words
    while (pos < text.size() && text[pos] == ' ') ++pos;
    const size_t end = std::min(text.find(' ', pos), text.size());
    if (end > pos) out.push_back(text.substr(pos, end - pos));
    pos = end;
  }
  return out;
}

// rfc850-date's two-digit year, RFC 9110 §5.6.7: "more than 50 years in the future" means the
// most recent past year with the same last two digits.
int64_t fullYear(unsigned twoDigits, int64_t now) {
  const int64_t thisYear = civilFromDays(now / kSecondsPerDay).year;
  int64_t year = thisYear - thisYear % 100 + twoDigits;
  if (year > thisYear + 50) year -= 100;
  return year;
}

std::optional<int64_t> httpDate(std::string_view text, int64_t now) {
  const auto w = words(text);
  const bool comma = w.size() >= 2 && w[0].size() > 1 && w[0].back() == ',';
  if (comma && w.size() == 6 && w[5] == "GMT") {  // IMF-fixdate: Sun, 06 Nov 1994 08:49:37 GMT
    auto day = number(w[1], 2), mon = month(w[2]), year = number(w[3], 4);
    auto tod = timeOfDay(w[4]);
    if (day && mon && year && tod) return instant(*year, *mon, *day, *tod);
  } else if (comma && w.size() == 4 && w[3] == "GMT" && w[1].size() == 9) {
    // rfc850-date: Sunday, 06-Nov-94 08:49:37 GMT
    auto day = number(w[1].substr(0, 2), 2), mon = month(w[1].substr(3, 3)),
         yy = number(w[1].substr(7, 2), 2);
    auto tod = timeOfDay(w[2]);
    if (w[1][2] == '-' && w[1][6] == '-' && day && mon && yy && tod) {
      return instant(fullYear(*yy, now), *mon, *day, *tod);
    }
  } else if (!comma && w.size() == 5) {  // asctime-date: Sun Nov  6 08:49:37 1994
    auto mon = month(w[1]), day = number(w[2]), year = number(w[4], 4);
    auto tod = timeOfDay(w[3]);
    if (mon && day && w[2].size() <= 2 && year && tod) return instant(*year, *mon, *day, *tod);
  }
  return std::nullopt;
}

}  // namespace

Result<int64_t> parseRetryAfter(std::string_view value, int64_t now) {
  const std::string_view text = trimmed(value);
  if (text.empty() || text.size() > kMaxRetryAfterLength) {
    return fail("Retry-After is empty or longer than " + std::to_string(kMaxRetryAfterLength));
  }
  if (allDigits(text)) {  // delay-seconds = 1*DIGIT
    int64_t seconds = 0;
    auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), seconds);
    if (ec == std::errc::result_out_of_range) return std::numeric_limits<int64_t>::max();
    return seconds;
  }
  auto when = httpDate(text, now);
  if (!when) return fail("Retry-After \"" + std::string(text) + "\" is neither seconds nor a date");
  return std::max<int64_t>(0, *when - now);
}

std::string serverOf(std::string_view url) {
  const size_t scheme = url.find("://");
  const size_t hostStart = scheme == std::string_view::npos ? 0 : scheme + 3;
  const size_t hostEnd = std::min(url.find_first_of("/?#", hostStart), url.size());
  std::string out(url.substr(0, hostEnd));
  // userinfo is not part of the server (and should not be in a base URL at all).
  if (const size_t at = out.find('@', hostStart); at != std::string::npos) {
    out.erase(hostStart, at + 1 - hostStart);
  }
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

int64_t RatePolicy::nextAllowed(std::string_view server) const {
  auto it = servers_.find(server);
  if (it == servers_.end()) return clock_.nowUnix();
  const ServerState& s = it->second;
  return std::max(s.lastRequest + options_.minSpacingSeconds, s.blockedUntil);
}

RatePolicy::ServerState& RatePolicy::state(std::string_view server) {
  if (auto it = servers_.find(server); it != servers_.end()) return it->second;
  if (servers_.size() >= kMaxTrackedServers) {
    // Forget the servers that impose nothing any more; the table is then far below its cap, or
    // every server is in a back-off and the newcomer replaces the one whose back-off ends first.
    const int64_t now = clock_.nowUnix();
    std::erase_if(servers_, [&](const auto& entry) {
      return std::max(entry.second.lastRequest + options_.minSpacingSeconds,
                      entry.second.blockedUntil) <= now;
    });
    if (servers_.size() >= kMaxTrackedServers) {
      servers_.erase(
          std::min_element(servers_.begin(), servers_.end(), [](const auto& a, const auto& b) {
            return a.second.blockedUntil < b.second.blockedUntil;
          }));
    }
  }
  return servers_[std::string(server)];
}

void RatePolicy::recordRequest(std::string_view server) {
  state(server).lastRequest = clock_.nowUnix();
}

void RatePolicy::recordResponse(std::string_view server, int httpStatus,
                                std::optional<std::string_view> retryAfter) {
  if (httpStatus != 429 && httpStatus != 503) return;
  const int64_t now = clock_.nowUnix();
  int64_t delay = options_.defaultBackoffSeconds;
  if (retryAfter) {
    if (auto parsed = parseRetryAfter(*retryAfter, now)) delay = *parsed;
  }
  delay = std::min(delay, options_.maxRetryAfterSeconds);
  ServerState& s = state(server);
  s.blockedUntil = std::max(s.blockedUntil, now + delay);
}

}  // namespace zonewatch::rdap
