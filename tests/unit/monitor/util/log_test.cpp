// Tests of monitor/util/log.cpp: both line formats, JSON lines parsed back by a real JSON parser
// (names with quotes, control bytes and broken UTF-8 included), and the sd-daemon priority prefix
// decided by comparing JOURNAL_STREAM with what stderr is.
#include "monitor/util/log.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

namespace zonewatch::log {
namespace {

using nlohmann::json;

constexpr int64_t kMillis = 1714564800250;  // 2024-05-01T12:00:00.250Z

// Stderr goes to a file while the object lives (the process's fd 2, as journald would see it).
class StderrToFile {
 public:
  StderrToFile() {
    path_ = (std::filesystem::temp_directory_path() /
             ("zonewatch-log-" + std::to_string(::getpid()) + ".txt"))
                .string();
    std::fflush(stderr);
    saved_ = ::dup(STDERR_FILENO);
    const int fd = ::open(path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    ::dup2(fd, STDERR_FILENO);
    ::close(fd);
  }
  ~StderrToFile() {
    std::fflush(stderr);
    ::dup2(saved_, STDERR_FILENO);
    ::close(saved_);
    std::filesystem::remove(path_);
  }
  StderrToFile(const StderrToFile&) = delete;
  StderrToFile& operator=(const StderrToFile&) = delete;

  std::vector<std::string> lines() const {
    std::fflush(stderr);
    std::ifstream in(path_, std::ios::binary);
    std::vector<std::string> out;
    for (std::string line; std::getline(in, line);) out.push_back(line);
    return out;
  }
  // "DEVICE:INODE" of the file, as systemd writes JOURNAL_STREAM.
  std::string journalStream() const {
    struct stat st {};
    EXPECT_EQ(::fstat(STDERR_FILENO, &st), 0);
    return std::to_string(st.st_dev) + ":" + std::to_string(st.st_ino);
  }

 private:
  std::string path_;
  int saved_ = -1;
};

class LogTest : public ::testing::Test {
 protected:
  void TearDown() override {
    setFormat(Format::kText);
    setPriorityPrefix(false);
    setLevel(Level::kInfo);
    ::unsetenv("JOURNAL_STREAM");
  }
};

json parsed(const std::string& line) {
  json j = json::parse(line, nullptr, /*allow_exceptions=*/false);
  EXPECT_TRUE(j.is_object()) << line;
  return j;
}

TEST_F(LogTest, TextLineIsTimeLevelMessage) {
  EXPECT_EQ(formatLine(Format::kText, kMillis, Level::kWarning, {"x", "a.example."}, "hello"),
            "2024-05-01T12:00:00Z warning hello\n");
  // A control character cannot start a line of its own.
  EXPECT_EQ(formatLine(Format::kText, kMillis, Level::kInfo, {"x"}, "a\nb\r\x1b[31m"),
            "2024-05-01T12:00:00Z info a\\x0ab\\x0d\\x1b[31m\n");
}

TEST_F(LogTest, JsonLineHasTimeLevelEventDomainAndMessage) {
  const std::string line =
      formatLine(Format::kJson, kMillis, Level::kError, {"webhook_gave_up", "a.example."}, "gone");
  ASSERT_EQ(line.back(), '\n');
  ASSERT_EQ(std::count(line.begin(), line.end(), '\n'), 1);
  const json j = parsed(line);
  EXPECT_EQ(j.at("time"), "2024-05-01T12:00:00.250Z");
  EXPECT_EQ(j.at("level"), "error");
  EXPECT_EQ(j.at("event"), "webhook_gave_up");
  EXPECT_EQ(j.at("domain"), "a.example.");
  EXPECT_EQ(j.at("message"), "gone");
  EXPECT_EQ(j.size(), 5U);
  // No domain: no key, rather than an empty one.
  const json k = parsed(formatLine(Format::kJson, kMillis, Level::kInfo, {"started"}, "go"));
  EXPECT_FALSE(k.contains("domain"));
  EXPECT_EQ(parsed(formatLine(Format::kJson, kMillis, Level::kInfo, {}, "x")).at("event"),
            "message");
}

// What a hostile zone can put into a name or an error text reaches the log escaped: the line
// still parses and the text comes back unchanged (or with U+FFFD where it was not UTF-8).
TEST_F(LogTest, JsonEscapesQuotesControlBytesAndBrokenUtf8) {
  const std::string nasty = std::string("x\"y\\z\n\r\t\x01\x1f\x7f end") + '\0' + "nul";
  const json j = parsed(formatLine(Format::kJson, kMillis, Level::kInfo, {"e\"v", nasty}, nasty));
  EXPECT_EQ(j.at("domain"), nasty);
  EXPECT_EQ(j.at("message"), nasty);
  EXPECT_EQ(j.at("event"), "e\"v");
  const std::string utf8 =
      "b\xC3\xBC"
      "cher \xE2\x82\xAC \xF0\x9F\x98\x80";
  EXPECT_EQ(parsed(formatLine(Format::kJson, kMillis, Level::kInfo, {"e"}, utf8)).at("message"),
            utf8);
  const std::string broken = "a\xC3(b\xFF\xED\xA0\x80z\xF0\x9F";
  EXPECT_EQ(parsed(formatLine(Format::kJson, kMillis, Level::kInfo, {"e"}, broken)).at("message"),
            "a\xEF\xBF\xBD(b\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBDz\xEF\xBF\xBD"
            "\xEF\xBF\xBD");
}

TEST_F(LogTest, EveryWrittenJsonLineParses) {
  StderrToFile capture;
  setFormat(Format::kJson);
  setLevel(Level::kDebug);
  info({"started"}, "watching 2 domains");
  warning({"observation_failed", "qu\"ote.example."}, "cannot observe: \"timeout\"\nretrying");
  error("an unnamed line");
  debug({"webhook_delivered", "a.example."}, "delivered");
  const auto lines = capture.lines();
  ASSERT_EQ(lines.size(), 4U);
  const std::regex time(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z)");
  for (const std::string& line : lines) {
    const json j = parsed(line);
    ASSERT_TRUE(j.is_object());
    EXPECT_TRUE(std::regex_match(j.at("time").get<std::string>(), time)) << line;
    EXPECT_TRUE(j.at("level").is_string() && j.at("event").is_string() &&
                j.at("message").is_string())
        << line;
  }
  EXPECT_EQ(parsed(lines[1]).at("domain"), "qu\"ote.example.");
  EXPECT_EQ(parsed(lines[1]).at("level"), "warning");
  EXPECT_EQ(parsed(lines[2]).at("event"), "message");
  EXPECT_EQ(parsed(lines[3]).at("level"), "debug");
}

TEST_F(LogTest, PrioritiesAreSdDaemons) {
  EXPECT_EQ(priority(Level::kError), 3);
  EXPECT_EQ(priority(Level::kWarning), 4);
  EXPECT_EQ(priority(Level::kInfo), 6);
  EXPECT_EQ(priority(Level::kDebug), 7);
}

// JOURNAL_STREAM counts only when it names stderr itself: a child that inherited the variable
// but writes to a pipe or file gets no prefix.
TEST_F(LogTest, JournalIsDetectedByStderrsDeviceAndInode) {
  StderrToFile capture;
  ::unsetenv("JOURNAL_STREAM");
  EXPECT_FALSE(stderrIsJournal());
  ::setenv("JOURNAL_STREAM", capture.journalStream().c_str(), 1);
  EXPECT_TRUE(stderrIsJournal());
  ::setenv("JOURNAL_STREAM", (capture.journalStream() + "1").c_str(), 1);
  EXPECT_FALSE(stderrIsJournal());
  ::setenv("JOURNAL_STREAM", "garbage", 1);
  EXPECT_FALSE(stderrIsJournal());
}

TEST_F(LogTest, UnderTheJournalLinesCarryTheirPriority) {
  StderrToFile capture;
  setLevel(Level::kDebug);
  setPriorityPrefix(true);
  warning({"x"}, "w");
  error({"x"}, "e");
  info({"x"}, "i");
  debug({"x"}, "d");
  setFormat(Format::kJson);
  warning({"x", "a.example."}, "json too");
  const auto lines = capture.lines();
  ASSERT_EQ(lines.size(), 5U);
  EXPECT_EQ(lines[0].substr(0, 3), "<4>");
  EXPECT_NE(lines[0].find(" warning w"), std::string::npos);
  EXPECT_EQ(lines[1].substr(0, 3), "<3>");
  EXPECT_EQ(lines[2].substr(0, 3), "<6>");
  EXPECT_EQ(lines[3].substr(0, 3), "<7>");
  // journald strips the prefix: what it stores is the JSON object.
  ASSERT_EQ(lines[4].substr(0, 3), "<4>");
  EXPECT_EQ(parsed(lines[4].substr(3)).at("domain"), "a.example.");
}

TEST_F(LogTest, FormatNames) {
  EXPECT_EQ(parseFormat("json"), Format::kJson);
  EXPECT_EQ(parseFormat("text"), Format::kText);
}

}  // namespace
}  // namespace zonewatch::log
