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

// ---- Debian's dns-root-data (chooseRootHints, chooseTrustAnchors) on files of this test, never
// the machine's own /usr/share/dns.

// The root KSKs as DNSKEYs, as /usr/share/dns/root.key holds them (KSK-2017, KSK-2024).
const std::string kRootKeys = std::string(
    ". IN DNSKEY 257 3 8 AwEAAaz/tAm8yTn4Mfeh5eyI96WSVexTBAvkMgJzkKTOiW1vkIbzxeF3+/4R"
    "gWOq7HrxRixHlFlExOLAJr5emLvN7SWXgnLh4+B5xQlNVz8Og8kvArMtNROxVQuCaSnIDdD5LKyWbRd2"
    "n9WGe2R8PzgCmr3EgVLrjyBxWezF0jLHwVN8efS3rCj/EWgvIWgb9tarpVUDK/b58Da+sqqls3eNbuv7"
    "pr+eoZG+SrDK6nWeL3c6H5Apxz7LjVc1uTIdsIXxuOLYA4/ilBmSVIzuDWfdRUfhHdY6+cn8HFRm+2hM"
    "8AnXGXws9555KrUB5qihylGa8subX2Nn6UwNR1AkUTV74bU="
    "\n"
    ". IN DNSKEY 257 3 8 AwEAAa96jeuknZlaeSrvyAJj6ZHv28hhOKkx3rLGXVaC6rXTsDc449/cidlt"
    "pkyGwCJNnOAlFNKF2jBosZBU5eeHspaQWOmOElZsjICMQMC3aeHbGiShvZsx4wMYSjH8e7Vrhbu6irwC"
    "zVBApESjbUdpWWmEnhathWu1jo+siFUiRAAxm9qyJNg/wOZqqzL/dL/q8PkcRU5oUKEpUge71M3ej2/7"
    "CPqpdVwuMoTvoB+ZOT4YeGyxMvHmbrxlFzGOHOijtzN+u1TQNatX2XBuzZNQ1K+s2CXkPIZo7s6JgZyv"
    "aBevYtxPvYLw4z9mR7K2vaF18UYH9Z9GNUUeayffKC73PYc="
    "\n");
const std::string kBuiltInDs =
    ". IN DS 20326 8 2 E06D44B80B8F1D39A95C0B0D7C65D08458E880409BBC683457104237C7F8EC8D\n"
    ". IN DS 38696 8 2 683D2D0ACB8C9B712A1948B27F741219298D0A450D612C483AF444A4C0FB2B16\n";
const std::string kNewDs =
    ". IN DS 12345 8 2 00112233445566778899AABBCCDDEEFF00112233445566778899AABBCCDDEEFF\n";

// A one-server root hints file with named.root's header lines.
std::string hintsText(const std::string& versionLines) {
  return ";       This file holds the information on root name servers\n" + versionLines +
         ".  3600000 NS a.root.test.\n"
         "a.root.test.  3600000 A 127.0.0.1\n";
}

class DebianRootDataTest : public StartFilesTest {
 protected:
  DebianRootData debian() const {
    return {(dir_ / "root.hints").string(), (dir_ / "root.ds").string(),
            (dir_ / "root.key").string()};
  }
};

TEST(RootHintsVersionTest, SerialOrLastUpdateDate) {
  EXPECT_EQ(rootHintsVersion(";  last update:     April 18, 2024\n"
                             ";  related version of root zone:     2024041801\n"),
            2024041801U);
  EXPECT_EQ(rootHintsVersion(";       last update:     November 27, 2025\n"), 2025112700U);
  EXPECT_EQ(rootHintsVersion(";  last update: Smarch 1, 2025\n"), std::nullopt);
  EXPECT_EQ(rootHintsVersion(". 3600000 NS a.root-servers.net.\n"), std::nullopt);
}

TEST_F(DebianRootDataTest, RootHintsNewerThanTheBuiltInCopyAreUsed) {
  write("root.hints", hintsText(";       related version of root zone:     2099010101\n"));
  auto chosen = chooseRootHints("", debian());
  ASSERT_TRUE(chosen.ok()) << chosen.error().message;
  EXPECT_EQ(chosen->value.servers.size(), 1U);
  EXPECT_EQ(chosen->origin, debian().rootHints + " (dns-root-data, 2099010101)");
  EXPECT_TRUE(chosen->warning.empty());
}

TEST_F(DebianRootDataTest, RootHintsNotNewerMissingOrMalformedLeaveTheBuiltInCopy) {
  const std::string builtIn = "built-in copy, " + std::to_string(kBuiltInRootHintsVersion);
  write("root.hints", hintsText(";  related version of root zone:  " +
                                std::to_string(kBuiltInRootHintsVersion) + "\n"));
  auto same = chooseRootHints("", debian());
  ASSERT_TRUE(same.ok());
  EXPECT_EQ(same->value.servers.size(), 13U);
  EXPECT_EQ(same->origin, builtIn + " (" + debian().rootHints + " is " +
                              std::to_string(kBuiltInRootHintsVersion) + ", not newer)");
  EXPECT_TRUE(same->warning.empty());

  write("root.hints", hintsText(";       last update:     March 1, 2020\n"));
  EXPECT_EQ(chooseRootHints("", debian())->value.servers.size(), 13U);

  std::filesystem::remove(dir_ / "root.hints");
  auto missing = chooseRootHints("", debian());
  ASSERT_TRUE(missing.ok());
  EXPECT_EQ(missing->origin, builtIn + " (dns-root-data is not installed)");
  EXPECT_TRUE(missing->warning.empty());

  // Malformed: a warning naming the file and the fault, never a failed start.
  for (const std::string& bad :
       {hintsText(";  related version of root zone: 2099010101\n") + "b.root.test. 1 NS x y z\n",
        std::string(";  related version of root zone: 2099010101\n"),
        hintsText("; no version at all\n")}) {
    write("root.hints", bad);
    auto chosen = chooseRootHints("", debian());
    ASSERT_TRUE(chosen.ok()) << bad;
    EXPECT_EQ(chosen->value.servers.size(), 13U) << bad;
    EXPECT_EQ(chosen->origin, builtIn + " (" + debian().rootHints + " is unusable)");
    EXPECT_NE(chosen->warning.find(debian().rootHints), std::string::npos) << chosen->warning;
  }
  std::filesystem::remove(dir_ / "root.hints");
  std::filesystem::create_directory(dir_ / "root.hints");  // present but unreadable
  auto unreadable = chooseRootHints("", debian());
  ASSERT_TRUE(unreadable.ok());
  EXPECT_FALSE(unreadable->warning.empty());
}

TEST_F(DebianRootDataTest, AConfiguredFileWinsAndItsErrorsStayErrors) {
  write("root.hints", hintsText(";  related version of root zone: 2099010101\n"));
  const std::string mine = write("mine.hints", hintsText(""));
  auto chosen = chooseRootHints(mine, debian());
  ASSERT_TRUE(chosen.ok());
  EXPECT_EQ(chosen->origin, mine + " (root_hints)");
  EXPECT_FALSE(chooseRootHints((dir_ / "absent").string(), debian()).ok());
  EXPECT_FALSE(chooseTrustAnchors((dir_ / "absent").string(), debian()).ok());
}

TEST_F(DebianRootDataTest, TrustAnchorsWithANewRootKeyAreUsed) {
  write("root.ds", kBuiltInDs + kNewDs);
  auto chosen = chooseTrustAnchors("", debian());
  ASSERT_TRUE(chosen.ok()) << chosen.error().message;
  EXPECT_EQ(chosen->value.ds.size(), 3U);
  EXPECT_EQ(chosen->origin, debian().rootDs + " (dns-root-data, root keys 12345 20326 38696)");
  EXPECT_TRUE(chosen->warning.empty());
}

TEST_F(DebianRootDataTest, TrustAnchorsNotNewerLeaveTheBuiltInCopy) {
  const std::string builtIn = "built-in copy, root keys 20326 38696";
  auto origin = [&] {
    auto chosen = chooseTrustAnchors("", debian());
    EXPECT_TRUE(chosen.ok());
    EXPECT_EQ(chosen->value.ds.size(), 2U);
    EXPECT_TRUE(chosen->value.dnskeys.empty());
    return chosen->origin;
  };
  EXPECT_EQ(origin(), builtIn + " (dns-root-data is not installed)");
  // The same keys as DNSKEYs in root.key (no root.ds): their key tags are computed.
  write("root.key", kRootKeys);
  EXPECT_EQ(origin(), builtIn + " (" + debian().rootKey + " holds no key the built-in copy lacks)");
  write("root.ds", kBuiltInDs);
  EXPECT_EQ(origin(), builtIn + " (" + debian().rootDs + " holds no key the built-in copy lacks)");
  // An old package: KSK-2010 and KSK-2017 only.
  write("root.ds",
        kBuiltInDs.substr(0, kBuiltInDs.find('\n') + 1) +
            ". IN DS 19036 8 2 49AAC11D7B6F6446702E54A1607371607A1A41855200FD2CE1CDDE32F24E8FB5\n");
  EXPECT_EQ(origin(),
            builtIn + " (" + debian().rootDs + " holds the retired key 19036, so it is older)");
  // Another digest for a key the built-in copy knows: not taken on trust.
  write("root.ds",
        kNewDs +
            ". IN DS 20326 8 2 0000000000000000000000000000000000000000000000000000000000000000\n");
  EXPECT_EQ(origin(), builtIn + " (" + debian().rootDs + " has another digest for key 20326)");
  write("root.ds",
        "example. IN DS 12345 8 2 "
        "00112233445566778899AABBCCDDEEFF00112233445566778899AABBCCDDEEFF\n");
  EXPECT_EQ(origin(), builtIn + " (" + debian().rootDs + " is not for the root zone)");
}

TEST_F(DebianRootDataTest, MalformedTrustAnchorsWarnAndLeaveTheBuiltInCopy) {
  write("root.ds", ". IN DS not-a-key-tag 8 2 AB\n");
  auto chosen = chooseTrustAnchors("", debian());
  ASSERT_TRUE(chosen.ok());
  EXPECT_EQ(chosen->value.ds.size(), 2U);
  EXPECT_EQ(chosen->origin,
            "built-in copy, root keys 20326 38696 (" + debian().rootDs + " is unusable)");
  EXPECT_NE(chosen->warning.find(debian().rootDs), std::string::npos) << chosen->warning;
  write("root.ds", "");
  EXPECT_FALSE(chooseTrustAnchors("", debian())->warning.empty());
}

}  // namespace
}  // namespace zonewatch::probe
