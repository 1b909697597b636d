#include "monitor/dns/name.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <unordered_set>

namespace zonewatch::dns {
namespace {

Name N(std::string_view text) {
  auto n = Name::parse(text);
  EXPECT_TRUE(n.ok()) << text << ": " << (n ? "" : n.error().message);
  return n ? *n : Name();
}

std::vector<uint8_t> W(std::initializer_list<int> bytes) {
  std::vector<uint8_t> out;
  for (int b : bytes) out.push_back(static_cast<uint8_t>(b));
  return out;
}

TEST(NameTest, RootForms) {
  EXPECT_TRUE(Name().isRoot());
  EXPECT_EQ(Name().toString(), ".");
  EXPECT_TRUE(N(".").isRoot());
  EXPECT_TRUE(N("").isRoot());
  EXPECT_EQ(Name().wire(), W({0}));
  EXPECT_EQ(Name().labelCount(), 0u);
}

TEST(NameTest, ParsesPresentationWithOrWithoutTrailingDot) {
  Name a = N("www.Example.com");
  Name b = N("www.Example.com.");
  EXPECT_EQ(a.wire(), b.wire());
  EXPECT_EQ(a.wire(),
            W({3, 'w', 'w', 'w', 7, 'E', 'x', 'a', 'm', 'p', 'l', 'e', 3, 'c', 'o', 'm', 0}));
  EXPECT_EQ(a.toString(), "www.Example.com.");  // case is preserved
  EXPECT_EQ(a.labelCount(), 3u);
  EXPECT_EQ(a.label(0), "www");
  EXPECT_EQ(a.label(2), "com");
}

TEST(NameTest, EscapedDotAndDecimalEscapes) {
  Name n = N("a\\.b.example.");
  ASSERT_EQ(n.labelCount(), 2u);
  EXPECT_EQ(n.label(0), "a.b");
  EXPECT_EQ(n.toString(), "a\\.b.example.");

  Name d = N("\\065bc.\\000\\255.example");
  EXPECT_EQ(d.label(0), "Abc");
  EXPECT_EQ(d.label(1), std::string("\0\xff", 2));
  EXPECT_EQ(d.toString(), "Abc.\\000\\255.example.");
  EXPECT_EQ(N(d.toString()), d);

  // Characters that mean something in zone files are escaped so the text reads back the same.
  Name odd = N("a\\;b\\(c\\)\\\"\\@\\$\\\\.x");
  EXPECT_EQ(odd.label(0), "a;b(c)\"@$\\");
  EXPECT_EQ(odd.toString(), "a\\;b\\(c\\)\\\"\\@\\$\\\\.x.");
  EXPECT_EQ(N(odd.toString()).wire(), odd.wire());
  EXPECT_EQ(N("sp\\ ace.x").toString(), "sp\\032ace.x.");
}

TEST(NameTest, RejectsBadEscapesAndEmptyLabels) {
  for (const char* bad : {"a\\", "\\25", "\\2x5.a", "\\256.a", "a..b", ".a", "..", "a.b.."}) {
    auto r = Name::parse(bad);
    EXPECT_FALSE(r.ok()) << bad;
  }
}

TEST(NameTest, LabelLengthLimit) {
  std::string l63(63, 'a');
  std::string l64(64, 'a');
  EXPECT_TRUE(Name::parse(l63 + ".example").ok());
  auto r = Name::parse(l64 + ".example");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("64 octets"), std::string::npos) << r.error().message;
  EXPECT_NE(r.error().message.find("63"), std::string::npos) << r.error().message;
}

TEST(NameTest, NameLengthLimit) {
  std::string l63(63, 'a');
  // 3 * (1 + 63) + (1 + 61) + 1 = 255 octets.
  std::string ok = l63 + "." + l63 + "." + l63 + "." + std::string(61, 'b');
  auto r = Name::parse(ok);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->wire().size(), 255u);
  auto tooLong = Name::parse(ok + "b");
  ASSERT_FALSE(tooLong.ok());
  EXPECT_NE(tooLong.error().message.find("256 octets"), std::string::npos)
      << tooLong.error().message;
  // Relative names count the origin too.
  auto rel = Name::parse(std::string(61, 'b') + "b", N(l63 + "." + l63 + "." + l63));
  EXPECT_FALSE(rel.ok());
}

TEST(NameTest, RelativeToOrigin) {
  Name origin = N("example.com.");
  auto www = Name::parse("www", origin);
  ASSERT_TRUE(www.ok());
  EXPECT_EQ(www->toString(), "www.example.com.");
  auto at = Name::parse("@", origin);
  ASSERT_TRUE(at.ok());
  EXPECT_EQ(*at, origin);
  auto abs = Name::parse("www.example.org.", origin);
  ASSERT_TRUE(abs.ok());
  EXPECT_EQ(abs->toString(), "www.example.org.");
  auto escapedDot = Name::parse("a\\.", origin);  // ends in an escaped dot: still relative
  ASSERT_TRUE(escapedDot.ok());
  EXPECT_EQ(escapedDot->toString(), "a\\..example.com.");
  auto root = Name::parse(".", origin);
  ASSERT_TRUE(root.ok());
  EXPECT_TRUE(root->isRoot());
}

TEST(NameTest, FromUserConvertsULabels) {
  // "bücher.example" ("\x63" is the "c", kept apart from the hex escape before it).
  auto idn = Name::fromUser("b\xC3\xBC\x63her.example");
  ASSERT_TRUE(idn.ok()) << idn.error().message;
  EXPECT_EQ(idn->toString(), "xn--bcher-kva.example.");
  EXPECT_EQ(idn->toUnicode(), "b\xC3\xBC\x63her.example.");
  auto absolute = Name::fromUser("B\xC3\x9C\x43HER.example.");  // uppercase Ü maps to ü
  ASSERT_TRUE(absolute.ok()) << absolute.error().message;
  EXPECT_EQ(absolute->toString(), "xn--bcher-kva.example.");
  EXPECT_EQ(Name::parse("XN--BCHER-KVA.example")->toUnicode(), "b\xC3\xBC\x63her.example.");

  // Non-transitional (IDNA2008/UTS #46): sharp s is kept, not mapped to "ss".
  auto sharp = Name::fromUser("fa\xC3\x9F.de");
  ASSERT_TRUE(sharp.ok()) << sharp.error().message;
  EXPECT_EQ(sharp->toString(), "xn--fa-hia.de.");

  auto ascii = Name::fromUser("WWW.Example.COM");
  ASSERT_TRUE(ascii.ok());
  EXPECT_EQ(ascii->toString(), "WWW.Example.COM.");  // ASCII goes through parse(), case kept

  EXPECT_FALSE(Name::fromUser("bad\xFF.example").ok());  // not UTF-8
}

TEST(NameTest, ToUnicodeFallsBackForBadALabels) {
  Name bad = N("xn--a.example");  // "xn--a" is not valid punycode output
  EXPECT_EQ(bad.toUnicode(), "xn--a.example.");
  EXPECT_EQ(N("plain.example").toUnicode(), "plain.example.");
  EXPECT_EQ(Name().toUnicode(), ".");
}

TEST(NameTest, FromWireValidates) {
  auto ok = Name::fromWire(W({1, 'a', 0}));
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(ok->toString(), "a.");
  EXPECT_FALSE(Name::fromWire(W({})).ok());
  EXPECT_FALSE(Name::fromWire(W({1, 'a'})).ok());        // no root
  EXPECT_FALSE(Name::fromWire(W({2, 'a'})).ok());        // label runs off
  EXPECT_FALSE(Name::fromWire(W({1, 'a', 0, 0})).ok());  // trailing byte
  EXPECT_FALSE(Name::fromWire(W({0xC0, 0x0C})).ok());    // pointer
  EXPECT_FALSE(Name::fromWire(W({64})).ok());            // label type 0x40
  std::vector<uint8_t> longName;
  for (int i = 0; i < 4; ++i) {
    longName.push_back(63);
    longName.insert(longName.end(), 63, 'x');
  }
  longName.push_back(0);
  EXPECT_FALSE(Name::fromWire(longName).ok());  // 257 octets
}

TEST(NameTest, Hierarchy) {
  Name n = N("a.b.Example.com");
  EXPECT_EQ(n.parent().toString(), "b.Example.com.");
  EXPECT_TRUE(Name().parent().isRoot());
  EXPECT_EQ(n.suffix(2).toString(), "Example.com.");
  EXPECT_TRUE(n.suffix(0).isRoot());
  EXPECT_EQ(n.suffix(4), n);
  EXPECT_EQ(n.suffix(9), n);
  EXPECT_TRUE(n.isSubdomainOf(N("example.COM")));
  EXPECT_TRUE(n.isSubdomainOf(n));
  EXPECT_TRUE(n.isSubdomainOf(Name()));
  EXPECT_FALSE(n.isSubdomainOf(N("ample.com")));
  EXPECT_FALSE(N("com").isSubdomainOf(n));
  auto c = N("example.com").child("www");
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->toString(), "www.example.com.");
  EXPECT_FALSE(N("example.com").child("").ok());
  EXPECT_FALSE(N("example.com").child(std::string(64, 'x')).ok());
  EXPECT_TRUE(N("*.example.com").isWildcard());
  EXPECT_FALSE(N("a.*.example.com").isWildcard());
  EXPECT_FALSE(N("\\*a.example.com").isWildcard());
  EXPECT_FALSE(Name().isWildcard());
}

TEST(NameTest, EqualityAndHashIgnoreAsciiCase) {
  Name a = N("WWW.Example.COM");
  Name b = N("www.example.com");
  EXPECT_EQ(a, b);
  EXPECT_EQ(a.hash(), b.hash());
  EXPECT_NE(a, N("www.example.org"));
  EXPECT_NE(N("a\\200"), N("a\\224"));  // only ASCII letters fold (RFC 4343 §3)
  EXPECT_EQ(a.lowercased().toString(), "www.example.com.");
  EXPECT_EQ(a.lowercased().wire(), b.wire());
  std::unordered_set<Name, Name::Hasher> set{a};
  EXPECT_EQ(set.count(b), 1u);
}

TEST(NameTest, CanonicalOrderRfc4034Section6_1) {
  // RFC 4034 §6.1, the example list in canonical order.
  const std::vector<std::string> ordered = {
      "example",   "a.example",       "yljkjljk.a.example", "Z.a.example",     "zABC.a.EXAMPLE",
      "z.example", "\\001.z.example", "*.z.example",        "\\200.z.example",
  };
  std::vector<Name> names;
  for (const auto& s : ordered) names.push_back(N(s));
  for (size_t i = 0; i < names.size(); ++i) {
    EXPECT_EQ(names[i].canonicalCompare(names[i]), 0);
    for (size_t j = i + 1; j < names.size(); ++j) {
      EXPECT_LT(names[i].canonicalCompare(names[j]), 0) << ordered[i] << " < " << ordered[j];
      EXPECT_GT(names[j].canonicalCompare(names[i]), 0) << ordered[j] << " > " << ordered[i];
    }
  }
  std::vector<Name> shuffled = names;
  std::mt19937 rng(4034);  // fixed seed: the test is deterministic
  for (int round = 0; round < 20; ++round) {
    std::shuffle(shuffled.begin(), shuffled.end(), rng);
    std::sort(shuffled.begin(), shuffled.end());
    for (size_t i = 0; i < names.size(); ++i) EXPECT_EQ(shuffled[i].wire(), names[i].wire());
  }
}

TEST(NameTest, CanonicalCompareDetails) {
  EXPECT_EQ(N("Example.COM").canonicalCompare(N("example.com")), 0);
  EXPECT_LT(Name().canonicalCompare(N("com")), 0);
  EXPECT_LT(N("a.example").canonicalCompare(N("aa.example")), 0);         // prefix label first
  EXPECT_LT(N("b.a.example").canonicalCompare(N("a.b.example")), 0);      // rightmost label decides
  EXPECT_LT(N("\\127.example").canonicalCompare(N("\\128.example")), 0);  // unsigned octets
}

}  // namespace
}  // namespace zonewatch::dns
