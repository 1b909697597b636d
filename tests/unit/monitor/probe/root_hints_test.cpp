#include "monitor/probe/root_hints.h"

#include <gtest/gtest.h>

#include <fstream>
#include <set>
#include <sstream>

namespace zonewatch::probe {
namespace {

TEST(RootHintsTest, BuiltInHasThirteenServersWithIpv4AndIpv6) {
  const ZoneCut hints = builtInRootHints();
  EXPECT_TRUE(hints.zone.isRoot());
  ASSERT_EQ(hints.servers.size(), 13u);
  std::set<std::string> names;
  for (const NameServer& ns : hints.servers) {
    names.insert(ns.host.toString());
    ASSERT_EQ(ns.addresses.size(), 2u) << ns.host.toString();
    EXPECT_FALSE(ns.addresses[0].isIpv6()) << ns.host.toString();
    EXPECT_TRUE(ns.addresses[1].isIpv6()) << ns.host.toString();
    EXPECT_EQ(ns.addresses[0].port, 53);
  }
  for (char letter = 'a'; letter <= 'm'; ++letter) {
    EXPECT_TRUE(names.count(std::string(1, letter) + ".root-servers.net.")) << letter;
  }
  EXPECT_EQ(hints.servers[0].addresses[0].ip, "198.41.0.4");
  // b.root-servers.net renumbered on 2023-11-27.
  EXPECT_EQ(hints.servers[1].addresses[0].ip, "170.247.170.2");
  EXPECT_EQ(hints.servers[1].addresses[1].ip, "2801:1b8:10::b");
}

// Debian's dns-root-data ships IANA's named.root: the built-in table must say the same.
TEST(RootHintsTest, BuiltInMatchesDebiansRootHints) {
  std::ifstream in("/usr/share/dns/root.hints");
  if (!in) GTEST_SKIP() << "/usr/share/dns/root.hints not installed (package dns-root-data)";
  std::stringstream text;
  text << in.rdbuf();
  auto parsed = rootHintsFromText(text.str(), "/usr/share/dns/root.hints");
  ASSERT_TRUE(parsed.ok()) << parsed.error().message;
  const ZoneCut builtIn = builtInRootHints();
  ASSERT_EQ(parsed->servers.size(), builtIn.servers.size());
  for (size_t i = 0; i < builtIn.servers.size(); ++i) {
    EXPECT_EQ(parsed->servers[i].host, builtIn.servers[i].host);
    EXPECT_EQ(parsed->servers[i].addresses, builtIn.servers[i].addresses)
        << builtIn.servers[i].host.toString();
  }
}

TEST(RootHintsTest, ParsesALabsHints) {
  constexpr std::string_view kText =
      "; the lab's root\n"
      ".\t3600000\tIN\tNS\ta.root-servers.lab.\n"
      ".  3600000 NS B.Root-Servers.LAB.\n"
      "a.root-servers.lab. 3600000 IN A 127.53.0.1\n"
      "b.root-servers.lab. 3600000 IN A 127.53.0.2\n"
      "b.root-servers.lab. 3600000 IN AAAA 2001:0db8:0000:0000:0000:0000:0000:0053\n"
      "other.lab. 3600 IN A 127.0.0.9\n";  // not a root server: ignored
  auto hints = rootHintsFromText(kText, "lab.hints");
  ASSERT_TRUE(hints.ok()) << hints.error().message;
  ASSERT_EQ(hints->servers.size(), 2u);
  EXPECT_EQ(hints->servers[0].host.toString(), "a.root-servers.lab.");
  EXPECT_EQ(hints->servers[1].host.toString(), "b.root-servers.lab.");
  ASSERT_EQ(hints->servers[0].addresses.size(), 1u);
  EXPECT_EQ(hints->servers[0].addresses[0].ip, "127.53.0.1");
  ASSERT_EQ(hints->servers[1].addresses.size(), 2u);
  EXPECT_EQ(hints->servers[1].addresses[1].ip, "2001:db8::53");  // canonical form
}

void expectError(std::string_view text, std::string_view fragment) {
  auto hints = rootHintsFromText(text, "hints.txt");
  ASSERT_FALSE(hints.ok()) << text;
  EXPECT_NE(hints.error().message.find(fragment), std::string::npos) << hints.error().message;
}

TEST(RootHintsTest, SyntaxErrorsNameFileAndLine) {
  expectError(
      ". 3600 IN NS a.root.\n"
      "a.root. 3600 IN A 127.0.0.1\n"
      "a.root. 3600 IN A 127.0.0.300\n",
      "hints.txt:3:");
}

TEST(RootHintsTest, ContentErrorsNameTheFile) {
  expectError("", "hints.txt: no NS records");
  expectError("a.root. 3600 IN A 127.0.0.1\n", "hints.txt: no NS records");
  expectError(". 3600 IN NS a.root.\n", "hints.txt: root server a.root. has no A or AAAA");
  expectError("lab. 3600 IN NS a.root.\na.root. 3600 IN A 127.0.0.1\n",
              "hints.txt: NS record for lab.");
  expectError(
      ". 3600 IN NS a.root.\na.root. 3600 IN A 127.0.0.1\n"
      ". 3600 IN SOA a.root. h. 1 2 3 4 5\n",
      "hints.txt: unexpected SOA record");
}

}  // namespace
}  // namespace zonewatch::probe
