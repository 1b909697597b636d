// Logging for the daemon and tools: one line per message on stderr, "TIME LEVEL message", where
// journald, a container runtime or a terminal picks it up. Levels are filtered by a global
// threshold set once at start-up (from config `log_level`).
#pragma once

#include <string_view>

namespace zonewatch::log {

enum class Level : int { kDebug = 0, kInfo = 1, kWarning = 2, kError = 3 };

void setLevel(Level level);
bool enabled(Level level);
// Parses "debug", "info", "warning", "error"; info for anything else.
Level parseLevel(std::string_view text);

void write(Level level, std::string_view message);
inline void debug(std::string_view m) {
  write(Level::kDebug, m);
}
inline void info(std::string_view m) {
  write(Level::kInfo, m);
}
inline void warning(std::string_view m) {
  write(Level::kWarning, m);
}
inline void error(std::string_view m) {
  write(Level::kError, m);
}

}  // namespace zonewatch::log
