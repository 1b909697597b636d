#include "monitor/util/log.h"

#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "monitor/util/time_text.h"

namespace zonewatch::log {

namespace {
std::atomic<int> gLevel{static_cast<int>(Level::kInfo)};
std::atomic<Format> gFormat{Format::kText};
std::atomic<bool> gPrefix{stderrIsJournal()};

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

constexpr char kHex[] = "0123456789abcdef";

// The length of the well-formed UTF-8 sequence (RFC 3629 §4) starting at text[i], or 0.
size_t utf8Length(std::string_view text, size_t i) {
  const auto b0 = static_cast<unsigned char>(text[i]);
  size_t length = 0;
  unsigned char low = 0x80;
  unsigned char high = 0xBF;
  if (b0 >= 0xC2 && b0 <= 0xDF) {
    length = 2;
  } else if (b0 >= 0xE0 && b0 <= 0xEF) {
    length = 3;
    if (b0 == 0xE0) low = 0xA0;   // no overlong forms
    if (b0 == 0xED) high = 0x9F;  // no surrogates
  } else if (b0 >= 0xF0 && b0 <= 0xF4) {
    length = 4;
    if (b0 == 0xF0) low = 0x90;
    if (b0 == 0xF4) high = 0x8F;  // nothing above U+10FFFF
  } else {
    return 0;
  }
  if (i + length > text.size()) return 0;
  for (size_t k = 1; k < length; ++k) {
    const auto b = static_cast<unsigned char>(text[i + k]);
    if (b < (k == 1 ? low : 0x80) || b > (k == 1 ? high : 0xBF)) return 0;
  }
  return length;
}

// A JSON string (RFC 8259 §7) holding `text`: quotes, backslashes and control characters escaped,
// and every byte that is not part of well-formed UTF-8 replaced by U+FFFD, so that a name taken
// from a DNS answer cannot make the line unparseable.
void appendJsonString(std::string& out, std::string_view text) {
  out += '"';
  for (size_t i = 0; i < text.size();) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '\t') {
      out += "\\t";
    } else if (c < 0x20 || c == 0x7F) {
      out += "\\u00";
      out += kHex[c >> 4];
      out += kHex[c & 0xF];
    } else if (c >= 0x80) {
      const size_t length = utf8Length(text, i);
      out += length == 0 ? std::string_view("\xEF\xBF\xBD") : text.substr(i, length);
      i += length == 0 ? 1 : length;
      continue;
    } else {
      out += static_cast<char>(c);
    }
    ++i;
  }
  out += '"';
}

// The text form keeps every byte but the control characters, shown as \xNN: one message, one line.
void appendText(std::string& out, std::string_view text) {
  for (char ch : text) {
    const auto c = static_cast<unsigned char>(ch);
    if (c < 0x20 || c == 0x7F) {
      out += "\\x";
      out += kHex[c >> 4];
      out += kHex[c & 0xF];
    } else {
      out += ch;
    }
  }
}

// RFC 3339 UTC with milliseconds: "2024-05-01T12:00:00.250Z".
std::string timeText(int64_t timeMillis) {
  std::string seconds = formatRfc3339(timeMillis / 1000);
  const auto millis = static_cast<int>(timeMillis % 1000);
  const char fraction[] = {'.', static_cast<char>('0' + millis / 100),
                           static_cast<char>('0' + millis / 10 % 10),
                           static_cast<char>('0' + millis % 10)};
  seconds.insert(seconds.size() - 1, fraction, sizeof fraction);
  return seconds;
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

void setFormat(Format format) {
  gFormat = format;
}
Format parseFormat(std::string_view text) {
  return text == "json" ? Format::kJson : Format::kText;
}
void setPriorityPrefix(bool on) {
  gPrefix = on;
}

bool stderrIsJournal() {
  const char* stream = std::getenv("JOURNAL_STREAM");
  if (stream == nullptr) return false;
  unsigned long long device = 0;  // NOLINT(google-runtime-int): sscanf's type
  unsigned long long inode = 0;   // NOLINT(google-runtime-int)
  if (std::sscanf(stream, "%llu:%llu", &device, &inode) != 2) return false;
  struct stat st {};
  if (::fstat(STDERR_FILENO, &st) != 0) return false;
  return static_cast<unsigned long long>(st.st_dev) == device &&  // NOLINT(google-runtime-int)
         static_cast<unsigned long long>(st.st_ino) == inode;     // NOLINT(google-runtime-int)
}

int priority(Level level) {
  switch (level) {
    case Level::kDebug:
      return 7;
    case Level::kInfo:
      return 6;
    case Level::kWarning:
      return 4;
    case Level::kError:
      return 3;
  }
  return 6;
}

std::string formatLine(Format format, int64_t timeMillis, Level level, Subject subject,
                       std::string_view message) {
  std::string line;
  if (format == Format::kText) {
    line = formatRfc3339(timeMillis / 1000) + " " + name(level) + " ";
    appendText(line, message);
  } else {
    line =
        "{\"time\":\"" + timeText(timeMillis) + "\",\"level\":\"" + name(level) + "\",\"event\":";
    appendJsonString(line, subject.event.empty() ? kUnnamedEvent : subject.event);
    if (!subject.domain.empty()) {
      line += ",\"domain\":";
      appendJsonString(line, subject.domain);
    }
    line += ",\"message\":";
    appendJsonString(line, message);
    line += '}';
  }
  line += '\n';
  return line;
}

void write(Level level, Subject subject, std::string_view message) {
  if (!enabled(level)) return;
  const auto now = std::chrono::duration_cast<std::chrono::milliseconds>(
      std::chrono::system_clock::now().time_since_epoch());
  std::string line = formatLine(gFormat.load(), now.count(), level, subject, message);
  if (gPrefix.load()) line.insert(0, "<" + std::to_string(priority(level)) + ">");
  // One fwrite per line: stdio locks the stream, so lines from threads never interleave.
  std::fwrite(line.data(), 1, line.size(), stderr);
}

}  // namespace zonewatch::log
