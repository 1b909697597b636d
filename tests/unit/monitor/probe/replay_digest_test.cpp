// The replay digest (monitor/probe/replay_digest.h): what it leaves out of an answer (the ID, the
// case of the question), that anything else changes it, the framing of its pieces, and the RRSIG
// times it keeps.
#include "monitor/probe/replay_digest.h"

#include <gtest/gtest.h>

#include <string>
#include <string_view>
#include <vector>

#include "monitor/dns/zone_reader.h"

namespace zonewatch::probe {
namespace {

constexpr int64_t kNow = 1'800'000'000;  // 2027-01-15T08:00:00Z

std::vector<dns::ResourceRecord> records(std::string_view text) {
  auto parsed = dns::readZoneText(text, "test");
  if (!parsed) throw std::runtime_error(parsed.error().message);
  return std::move(parsed).value();
}

// An authoritative answer for example.com. NS asked as `qname`, with ID `id`, and its RRSIG
// (inception and expiration as RRSIG presentation times).
resolver::QueryResult answer(uint16_t id, std::string_view qname, std::string_view ns = "ns1",
                             std::string_view times = "20270201000000 20270101000000") {
  resolver::Answer a;
  a.message.header.id = id;
  a.message.header.qr = true;
  a.message.header.aa = true;
  a.message.questions = {{dns::Name::parse(qname).value(), dns::RRType::NS, dns::kClassIN}};
  a.message.answer = records("example.com. 3600 IN NS " + std::string(ns) +
                             ".example.net.\nexample.com. 3600 IN RRSIG NS 13 2 3600 " +
                             std::string(times) + " 12345 example.com. AAAA");
  a.wire = dns::encodeMessage(a.message);
  a.message.questions.front().name = dns::Name::parse("example.com.").value();
  a.aa = true;
  return a;
}

model::ReplayInputs digestOf(const resolver::QueryResult& r) {
  ReplayDigest d(kNow);
  d.answer(r);
  return d.finish();
}

TEST(ReplayDigestTest, TheQuestionEndsWhereItsNameTypeAndClassEnd) {
  const auto a = answer(1, "example.com.");
  // 12 octets of header, "example.com." in 13 octets, QTYPE and QCLASS.
  EXPECT_EQ(endOfQuestion(a->wire), 12u + 13u + 4u);
  std::vector<uint8_t> none(a->wire.begin(), a->wire.begin() + 12);
  none[5] = 0;  // QDCOUNT 0
  EXPECT_FALSE(endOfQuestion(none).has_value());
  std::vector<uint8_t> cut(a->wire.begin(), a->wire.begin() + 20);
  EXPECT_FALSE(endOfQuestion(cut).has_value());
  std::vector<uint8_t> pointer = a->wire;
  pointer[12] = 0xC0;
  EXPECT_FALSE(endOfQuestion(pointer).has_value());
}

TEST(ReplayDigestTest, IdsAndTheCaseOfTheQuestionDoNotCount) {
  EXPECT_EQ(digestOf(answer(1, "example.com.")).digest,
            digestOf(answer(40000, "ExAmPlE.CoM.")).digest);
}

TEST(ReplayDigestTest, EverythingElseCounts) {
  const auto base = digestOf(answer(1, "example.com.")).digest;
  EXPECT_NE(digestOf(answer(1, "example.com.", "ns2")).digest, base);  // the data
  EXPECT_NE(digestOf(answer(1, "example.com.", "ns1", "20270201000001 20270101000000")).digest,
            base);  // a signature's time
  auto flags = answer(1, "example.com.");
  flags->wire[2] &= static_cast<uint8_t>(~0x04);  // AA cleared
  EXPECT_NE(digestOf(flags).digest, base);
  auto tcp = answer(1, "example.com.");
  tcp->transport = resolver::Transport::kTcp;
  EXPECT_NE(digestOf(tcp).digest, base);
  // A failure in place of the answer: its code and its message.
  const resolver::QueryResult timeout = Unexpected{resolver::QueryError{
      resolver::QueryErrc::kTimeout, "timed out", {}, resolver::Transport::kUdp, std::nullopt}};
  const resolver::QueryResult refused = Unexpected{resolver::QueryError{
      resolver::QueryErrc::kNetwork, "timed out", {}, resolver::Transport::kUdp, std::nullopt}};
  EXPECT_NE(digestOf(timeout).digest, digestOf(refused).digest);
  EXPECT_NE(digestOf(timeout).digest, base);
}

TEST(ReplayDigestTest, PiecesAreFramed) {
  ReplayDigest one(kNow), two(kNow), three(kNow);
  one.text("ab");
  one.text("c");
  two.text("a");
  two.text("bc");
  three.text("abc");
  const auto a = one.finish().digest, b = two.finish().digest, c = three.finish().digest;
  EXPECT_NE(a, b);
  EXPECT_NE(a, c);
  EXPECT_NE(b, c);
  ReplayDigest absent(kNow), empty(kNow);
  absent.absent();
  empty.text("");
  EXPECT_NE(absent.finish().digest, empty.finish().digest);
}

TEST(ReplayDigestTest, KeepsTheEarliestExpirationAndTheNextInception) {
  ReplayDigest d(kNow);
  d.answer(answer(1, "example.com.", "ns1", "20270201000000 20270101000000"));
  d.answer(answer(2, "example.com.", "ns1", "20270120000000 20270116000000"));  // not yet valid
  const auto inputs = d.finish();
  ASSERT_TRUE(inputs.earliestExpiration.has_value());
  EXPECT_EQ(*inputs.earliestExpiration, 1'800'000'000 + 4 * 86400 + 16 * 3600);  // 2027-01-20
  ASSERT_TRUE(inputs.nextInception.has_value());
  EXPECT_EQ(*inputs.nextInception, 1'800'000'000 + 16 * 3600);  // 2027-01-16T00:00:00Z
  ReplayDigest unsignedOnly(kNow);
  unsignedOnly.text("nothing signed");
  EXPECT_FALSE(unsignedOnly.finish().earliestExpiration.has_value());
}

TEST(ReplayDigestTest, AnRRsetCountsWithItsSignaturesAndNotTheCaseOfItsOwner) {
  auto set = [](std::string_view owner, uint32_t ttl) {
    dns::RRset s;
    s.owner = dns::Name::parse(owner).value();
    s.type = dns::RRType::DNSKEY;
    s.records =
        records(std::string(owner) + " " + std::to_string(ttl) + " IN DNSKEY 257 3 13 AAAA");
    return s;
  };
  auto digest = [](const dns::RRset& s) {
    ReplayDigest d(kNow);
    d.rrset(s);
    return d.finish().digest;
  };
  EXPECT_EQ(digest(set("example.com.", 3600)), digest(set("EXAMPLE.com.", 3600)));
  EXPECT_NE(digest(set("example.com.", 3600)), digest(set("example.com.", 300)));
  auto withSig = set("example.com.", 3600);
  withSig.signatures = records(
      "example.com. 3600 IN RRSIG DNSKEY 13 2 3600 20270201000000 20270101000000 1 example.com. "
      "AAAA");
  EXPECT_NE(digest(withSig), digest(set("example.com.", 3600)));
  ReplayDigest none(kNow);
  none.rrset(std::optional<dns::RRset>{});
  EXPECT_NE(none.finish().digest, digest(set("example.com.", 3600)));
}

}  // namespace
}  // namespace zonewatch::probe
