#include "monitor/util/log.h"

#include <atomic>
#include <cstdio>
#include <ctime>
#include <string>

#include "monitor/util/time_text.h"

namespace zonewatch::log {

namespace {
std::atomic<int> gLevel{static_cast<int>(Level::kInfo)};

const char* name(Level level) {
  switch (level) {
    case Level::kDebug:
      return "debug";
    case Level::kInfo:
      return "info";
    case Level::kWarning:
      return "warning";
    case Level::kError:
      return "error";
  }
  return "info";
}
}  // namespace

void setLevel(Level level) {
  gLevel = static_cast<int>(level);
}
bool enabled(Level level) {
  return static_cast<int>(level) >= gLevel.load();
}

Level parseLevel(std::string_view text) {
  if (text == "debug") return Level::kDebug;
  if (text == "warning") return Level::kWarning;
  if (text == "error") return Level::kError;
  return Level::kInfo;
}

void write(Level level, std::string_view message) {
  if (!enabled(level)) return;
  std::string line =
      formatRfc3339(std::time(nullptr)) + " " + name(level) + " " + std::string(message) + "\n";
  std::fwrite(line.data(), 1, line.size(), stderr);
}

}  // namespace zonewatch::log
