#include "monitor/util/log.h"

#include <atomic>
#include <cstdio>
#include <ctime>
#include <string>

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
  std::time_t now = std::time(nullptr);
  std::tm utc{};
  gmtime_r(&now, &utc);
  char stamp[32];
  std::strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%SZ", &utc);
  std::string line = std::string(stamp) + " " + name(level) + " " + std::string(message) + "\n";
  std::fwrite(line.data(), 1, line.size(), stderr);
}

}  // namespace zonewatch::log
