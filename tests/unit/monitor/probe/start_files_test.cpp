#include "monitor/probe/start_files.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

namespace zonewatch::probe {
namespace {

class StartFilesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (std::filesystem::temp_directory_path() / "zw-start-XXXXXX").string();
    ASSERT_NE(::mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::string write(const std::string& name, const std::string& text) {
    const std::string path = (dir_ / name).string();
    std::ofstream(path) << text;
    return path;
  }

  std::filesystem::path dir_;
};

TEST_F(StartFilesTest, NoFileMeansTheBuiltInSets) {
  auto hints = loadRootHints("");
  ASSERT_TRUE(hints.ok()) << hints.error().message;
  EXPECT_EQ(hints->servers.size(), 13U);
  auto anchors = loadTrustAnchors("");
  ASSERT_TRUE(anchors.ok()) << anchors.error().message;
  EXPECT_FALSE(anchors->empty());
}

TEST_F(StartFilesTest, AFileIsReadAndItsErrorsNameIt) {
  const std::string hintsPath = write("root.hints",
                                      ".  3600000 NS a.root.test.\n"
                                      "a.root.test.  3600000 A 127.0.0.1\n");
  auto hints = loadRootHints(hintsPath);
  ASSERT_TRUE(hints.ok()) << hints.error().message;
  ASSERT_EQ(hints->servers.size(), 1U);

  const std::string missing = (dir_ / "absent.hints").string();
  auto none = loadRootHints(missing);
  ASSERT_FALSE(none.ok());
  EXPECT_NE(none.error().message.find(missing), std::string::npos) << none.error().message;

  const std::string badAnchor = write("anchor.txt", ". IN DS not-a-key-tag 8 2 AB\n");
  auto anchors = loadTrustAnchors(badAnchor);
  ASSERT_FALSE(anchors.ok());
  EXPECT_NE(anchors.error().message.find(badAnchor), std::string::npos) << anchors.error().message;
  EXPECT_FALSE(loadTrustAnchors(missing).ok());
}

}  // namespace
}  // namespace zonewatch::probe
