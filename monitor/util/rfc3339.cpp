#include "monitor/util/rfc3339.h"

#include <array>

#include "monitor/util/civil_time.h"

namespace zonewatch {
namespace {

constexpr int64_t kSecondsPerDay = 86400;

bool isLeap(int64_t y) {
  return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

unsigned daysInMonth(int64_t y, unsigned m) {
  static constexpr std::array<unsigned, 12> kDays{31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && isLeap(y) ? 29 : kDays[m - 1];
}

// Reads exactly `width` decimal digits at text[pos].
bool digits(std::string_view text, size_t pos, size_t width, unsigned& out) {
  if (pos + width > text.size()) return false;
  out = 0;
  for (size_t i = pos; i < pos + width; ++i) {
    const char c = text[i];
    if (c < '0' || c > '9') return false;
    out = out * 10 + static_cast<unsigned>(c - '0');
  }
  return true;
}

}  // namespace

Result<int64_t> parseRfc3339(std::string_view text) {
  auto bad = [&](std::string_view why) {
    return fail("\"" + std::string(text) + "\" is not an RFC 3339 time (" + std::string(why) +
                "), e.g. 2026-11-27T12:00:00Z");
  };
  unsigned year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0;
  // RFC 3339 §5.6: full-date "T" full-time; the separators are fixed.
  if (!digits(text, 0, 4, year) || text.size() < 10 || text[4] != '-' ||
      !digits(text, 5, 2, month) || text[7] != '-' || !digits(text, 8, 2, day)) {
    return bad("expected YYYY-MM-DD");
  }
  if (text.size() == 10) return bad("a date alone; add the time of day and offset, T00:00:00Z");
  if (text[10] != 'T' && text[10] != 't' && text[10] != ' ')
    return bad("expected T after the date");
  if (text.size() < 19) return bad("expected hh:mm:ss");
  if (!digits(text, 11, 2, hour) || text[13] != ':' || !digits(text, 14, 2, minute) ||
      text[16] != ':' || !digits(text, 17, 2, second)) {
    return bad("expected hh:mm:ss");
  }
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) {
    return bad("no such date");
  }
  if (hour > 23 || minute > 59 || second > 60) return bad("no such time of day");
  size_t pos = 19;
  if (pos < text.size() && text[pos] == '.') {  // time-secfrac: dropped, we count whole seconds
    ++pos;
    const size_t start = pos;
    while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9') ++pos;
    if (pos == start) return bad("empty fraction of a second");
  }
  int64_t offset = 0;
  if (pos < text.size() && (text[pos] == 'Z' || text[pos] == 'z')) {
    ++pos;
  } else if (pos < text.size() && (text[pos] == '+' || text[pos] == '-')) {
    unsigned oh = 0, om = 0;
    if (!digits(text, pos + 1, 2, oh) || pos + 3 >= text.size() || text[pos + 3] != ':' ||
        !digits(text, pos + 4, 2, om) || oh > 23 || om > 59) {
      return bad("expected a time offset like +01:00");
    }
    offset = (text[pos] == '-' ? -1 : 1) * static_cast<int64_t>(oh * 3600 + om * 60);
    pos += 6;
  } else {
    return bad("missing time offset (Z or +hh:mm)");
  }
  if (pos != text.size()) return bad("trailing characters");
  return daysFromCivil(year, month, day) * kSecondsPerDay +
         static_cast<int64_t>(hour * 3600 + minute * 60 + second) - offset;
}

}  // namespace zonewatch
