// Logging for the daemon and tools: one line per message on stderr, where journald, a container
// runtime or a terminal picks it up. Levels are filtered by a global threshold, and the shape of
// the line is chosen once at start-up (config `log_level`, `log_format`):
//
//   text  "TIME LEVEL message"
//   json  {"time":"2024-05-01T12:00:00.250Z","level":"warning","event":"observation_failed",
//          "domain":"example.com.","message":"..."}   (domain only when the line is about one)
//
// When stderr is the stream journald gave the process (JOURNAL_STREAM, see usePriorityPrefix()),
// each line starts with the sd-daemon(3) priority "<N>": journald strips it and files the line
// under that priority, so `journalctl -p warning` finds warnings and errors; in json the stored
// message is then the bare JSON object. Control characters never split a line: text shows them
// as \xNN, json escapes them, and bytes that are not UTF-8 become U+FFFD in json.
#pragma once

#include <cstdint>
#include <ctime>
#include <string>
#include <string_view>

namespace zonewatch::log {

enum class Level : int { kDebug = 0, kInfo = 1, kWarning = 2, kError = 3 };
enum class Format : uint8_t { kText, kJson };

void setLevel(Level level);
bool enabled(Level level);
// Parses "debug", "info", "warning", "error"; info for anything else.
Level parseLevel(std::string_view text);

void setFormat(Format format);
// Parses "json"; text for anything else (the configuration has checked the name).
Format parseFormat(std::string_view text);
// Whether lines carry the "<N>" priority prefix; on at start when stderrIsJournal().
void setPriorityPrefix(bool on);
// True when JOURNAL_STREAM ("DEVICE:INODE", set by systemd for a unit whose stderr is the
// journal) names the file stderr is: the variable is inherited by children whose stderr may be a
// pipe or a file, where a prefix would be noise, so its presence alone is not enough.
bool stderrIsJournal();
// The sd-daemon priority of a level: 7 debug, 6 info, 4 warning, 3 error.
int priority(Level level);

// What a line is about: a stable snake_case name a log pipeline can match on (for a detected
// event, the event's own name), and the domain when the line concerns one.
struct Subject {
  std::string_view event;
  std::string_view domain = {};
};

// One line as `format` shapes it, ending in "\n"; `timeMillis` is Unix time in milliseconds.
// What write() prints, without the prefix; pure, for tests.
std::string formatLine(Format format, int64_t timeMillis, Level level, Subject subject,
                       std::string_view message);

void write(Level level, Subject subject, std::string_view message);
inline void debug(Subject s, std::string_view m) {
  write(Level::kDebug, s, m);
}
inline void info(Subject s, std::string_view m) {
  write(Level::kInfo, s, m);
}
inline void warning(Subject s, std::string_view m) {
  write(Level::kWarning, s, m);
}
inline void error(Subject s, std::string_view m) {
  write(Level::kError, s, m);
}

// Lines without a name of their own are event "message".
inline constexpr std::string_view kUnnamedEvent = "message";
inline void debug(std::string_view m) {
  write(Level::kDebug, {kUnnamedEvent}, m);
}
inline void info(std::string_view m) {
  write(Level::kInfo, {kUnnamedEvent}, m);
}
inline void warning(std::string_view m) {
  write(Level::kWarning, {kUnnamedEvent}, m);
}
inline void error(std::string_view m) {
  write(Level::kError, {kUnnamedEvent}, m);
}

}  // namespace zonewatch::log
