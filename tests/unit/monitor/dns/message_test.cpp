#include "monitor/dns/message.h"

#include <gtest/gtest.h>

#include <set>

#include "monitor/dns/wire.h"
#include "tests/unit/monitor/dns/packet_builder.h"

namespace zonewatch::dns {
namespace {

using testing::hexBytes;
using testing::PacketBuilder;

constexpr uint16_t kTypeA = 1, kTypeNS = 2, kTypeCNAME = 5, kTypeSOA = 6, kTypeMX = 15,
                   kTypeOPT = 41, kTypeRRSIG = 46, kTypeNSEC = 47, kTypeDNSKEY = 48, kTypeSRV = 33,
                   kTypePrivate = 65280;

Name N(std::string_view text) {
  return *Name::parse(text);
}

#define EXPECT_PARSE_ERROR(wire, errc)                                                           \
  do {                                                                                           \
    auto r_ = parseMessage(wire);                                                                \
    ASSERT_FALSE(r_.ok()) << "expected " << toString(errc);                                      \
    EXPECT_EQ(r_.error().code, errc) << toString(r_.error().code) << ": " << r_.error().message; \
  } while (0)

// A compressed answer like a real server sends: CNAME chain, referral-style authority, glue and an
// OPT with an Extended DNS Error. Records where the message may be cut and what error that gives.
struct Sample {
  std::vector<uint8_t> wire;
  std::set<size_t> recordBoundaries;                   // cut here: kCountMismatch
  std::vector<std::pair<size_t, size_t>> rdataRanges;  // cut in [first, second): kRdataOverrun
};

Sample richAnswer() {
  Sample s;
  PacketBuilder p;
  p.header(1, 2, 1, 2, 0x8500, 0xBEEF);
  s.recordBoundaries.insert(p.here());
  uint16_t www = p.here();
  p.labels("www");
  uint16_t example = p.here();
  p.name("example.com").u16(kTypeA).u16(1);
  s.recordBoundaries.insert(p.here());
  auto record = [&](auto&& owner, uint16_t type, auto&& rdata) {
    owner();
    p.rrOpen(type, 300);
    size_t start = p.here();
    rdata();
    p.endRdata();
    s.rdataRanges.emplace_back(start, p.here());
    s.recordBoundaries.insert(p.here());
  };
  uint16_t host = 0;
  record([&] { p.ptr(www); }, kTypeCNAME,
         [&] {
           host = p.here();
           p.labels("Host").ptr(example);
         });
  record([&] { p.ptr(host); }, kTypeA, [&] { p.u8(192).u8(0).u8(2).u8(1); });
  uint16_t ns1 = 0;
  record([&] { p.ptr(example); }, kTypeNS,
         [&] {
           ns1 = p.here();
           p.labels("ns1").ptr(example);
         });
  record([&] { p.ptr(ns1); }, kTypeA, [&] { p.u8(192).u8(0).u8(2).u8(53); });
  // OPT: root owner, UDP size 1232, DO, EDE 6 "DNSSEC Bogus" with text.
  record([&] { p.root(); }, kTypeOPT, [&] { p.u16(15).u16(6).u16(6).bytes({'b', 'o', 'g', 'u'}); });
  // The OPT's class and TTL are not what rrOpen wrote; patch them in a second builder pass.
  s.wire = p.data();
  size_t optOwner = s.rdataRanges.back().first - 11;
  s.wire[optOwner + 3] = 0x04;  // class 1232 = 0x04D0
  s.wire[optOwner + 4] = 0xD0;
  s.wire[optOwner + 5] = 0x00;  // TTL: extended rcode 0, version 0, DO
  s.wire[optOwner + 6] = 0x00;
  s.wire[optOwner + 7] = 0x80;
  s.wire[optOwner + 8] = 0x00;
  return s;
}

TEST(MessageTest, ParsesCompressedAnswer) {
  Sample s = richAnswer();
  auto r = parseMessage(s.wire);
  ASSERT_TRUE(r.ok()) << r.error().message;
  const Message& m = *r;
  EXPECT_EQ(m.header.id, 0xBEEF);
  EXPECT_TRUE(m.header.qr);
  EXPECT_TRUE(m.header.aa);
  EXPECT_TRUE(m.header.rd);
  EXPECT_FALSE(m.header.tc);
  EXPECT_FALSE(m.header.ra);
  ASSERT_EQ(m.questions.size(), 1u);
  EXPECT_EQ(m.questions[0].name.toString(), "www.example.com.");
  ASSERT_EQ(m.answer.size(), 2u);
  EXPECT_EQ(m.answer[0].owner.toString(), "www.example.com.");
  EXPECT_EQ(m.answer[0].type, RRType::CNAME);
  // The CNAME target was compressed; rdata holds it expanded, case kept.
  EXPECT_EQ(m.answer[0].rdata, N("Host.example.com").wire());
  EXPECT_EQ(std::get<rdata::CNAME>(m.answer[0].data).target.toString(), "Host.example.com.");
  EXPECT_EQ(m.answer[1].owner.toString(), "Host.example.com.");
  EXPECT_EQ(m.answer[1].toString(), "Host.example.com. 300 IN A 192.0.2.1");
  ASSERT_EQ(m.authority.size(), 1u);
  EXPECT_EQ(m.authority[0].toString(), "example.com. 300 IN NS ns1.example.com.");
  ASSERT_EQ(m.additional.size(), 1u);  // the OPT went to edns
  EXPECT_EQ(m.additional[0].toString(), "ns1.example.com. 300 IN A 192.0.2.53");
  ASSERT_TRUE(m.edns.has_value());
  EXPECT_EQ(m.edns->udpSize, 1232);
  EXPECT_TRUE(m.edns->dnssecOk);
  EXPECT_EQ(m.edns->version, 0);
  EXPECT_TRUE(m.edns->options.empty());
  ASSERT_EQ(m.edns->extendedErrors.size(), 1u);
  EXPECT_EQ(m.edns->extendedErrors[0].infoCode, 6);
  EXPECT_EQ(m.edns->extendedErrors[0].extraText, "bogu");
  EXPECT_EQ(m.rcode(), 0);
}

TEST(MessageTest, EveryTruncationFailsWithTheRightError) {
  Sample s = richAnswer();
  ASSERT_TRUE(parseMessage(s.wire).ok());
  for (size_t len = 0; len < s.wire.size(); ++len) {
    std::vector<uint8_t> prefix(s.wire.begin(), s.wire.begin() + static_cast<ptrdiff_t>(len));
    auto r = parseMessage(prefix);
    ASSERT_FALSE(r.ok()) << "prefix of " << len << " octets parsed";
    ParseErrc expected = ParseErrc::kTruncated;
    if (len >= 12 && s.recordBoundaries.count(len)) expected = ParseErrc::kCountMismatch;
    for (auto [start, end] : s.rdataRanges) {
      if (len >= start && len < end) expected = ParseErrc::kRdataOverrun;
    }
    EXPECT_EQ(r.error().code, expected)
        << "prefix " << len << ": " << toString(r.error().code) << ": " << r.error().message;
    EXPECT_LE(r.error().offset, len);
  }
}

TEST(MessageTest, PointerToItself) {
  PacketBuilder p;
  p.header(1, 0, 0, 0).ptr(12).u16(kTypeA).u16(1);
  auto r = parseMessage(p.data());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ParseErrc::kBadPointer);
  EXPECT_EQ(r.error().offset, 12u);
}

TEST(MessageTest, TwoPointersToEachOther) {
  // An opaque record holds a pointer to the next owner, whose pointer leads back to it.
  PacketBuilder p;
  p.header(1, 2, 0, 0).name("a").u16(kTypeA).u16(1);
  p.root().rr(kTypePrivate, 0, 2);
  uint16_t y = p.here();
  uint16_t x = static_cast<uint16_t>(y + 2);
  p.ptr(x);  // at y: points forward to x
  ASSERT_EQ(p.here(), x);
  p.ptr(y).rr(kTypeA, 0, 4).u32(0);  // at x: points back to y
  EXPECT_PARSE_ERROR(p.data(), ParseErrc::kBadPointer);
}

TEST(MessageTest, ForwardPointer) {
  PacketBuilder p;
  p.header(1, 1, 0, 0).ptr(17).u16(kTypeA).u16(1);
  p.name("a").rr(kTypeA, 0, 4).u32(0);
  EXPECT_PARSE_ERROR(p.data(), ParseErrc::kBadPointer);
}

TEST(MessageTest, PointerPastTheEnd) {
  PacketBuilder p;
  p.header(1, 0, 0, 0).ptr(0x3FF).u16(kTypeA).u16(1);
  auto r = parseMessage(p.data());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ParseErrc::kBadPointer);
  EXPECT_NE(r.error().message.find("beyond"), std::string::npos) << r.error().message;
}

TEST(MessageTest, PointerIntoOwnLabelsLoops) {
  // "a" then a pointer back to the "a": following it would read "a" forever.
  PacketBuilder p;
  p.header(1, 0, 0, 0).label("a").ptr(12).u16(kTypeA).u16(1);
  EXPECT_PARSE_ERROR(p.data(), ParseErrc::kBadPointer);
}

std::vector<uint8_t> pointerChain(size_t elements) {
  // Question "." at 12; an opaque record whose RDATA is a chain of pointers each to the one
  // before (the first to the question's root); then an owner pointing at the last one.
  PacketBuilder p;
  p.header(1, 2, 0, 0).root().u16(kTypeA).u16(1);
  p.root().rr(kTypePrivate, 0, static_cast<uint16_t>(2 * elements));
  uint16_t previous = 12;
  for (size_t i = 0; i < elements; ++i) {
    uint16_t at = p.here();
    p.ptr(previous);
    previous = at;
  }
  p.ptr(previous).rr(kTypeA, 0, 4).u32(0);
  return p.data();
}

TEST(MessageTest, PointerHopLimit) {
  // The owner pointer plus one per chain element.
  auto ok = parseMessage(pointerChain(kMaxPointerHops - 1));
  ASSERT_TRUE(ok.ok()) << ok.error().message;
  EXPECT_TRUE(ok->answer[1].owner.isRoot());
  EXPECT_PARSE_ERROR(pointerChain(kMaxPointerHops), ParseErrc::kPointerLoop);
}

TEST(MessageTest, LabelTypesAndLengths) {
  PacketBuilder p64;
  p64.header(1, 0, 0, 0).label(std::string(64, 'x')).root().u16(kTypeA).u16(1);
  EXPECT_PARSE_ERROR(p64.data(), ParseErrc::kBadLabel);  // 64 is the 0x40 label type
  PacketBuilder p80;
  p80.header(1, 0, 0, 0).u8(0x80).u8(0).u16(kTypeA).u16(1);
  EXPECT_PARSE_ERROR(p80.data(), ParseErrc::kBadLabel);
  PacketBuilder p63;
  p63.header(1, 0, 0, 0).label(std::string(63, 'x')).root().u16(kTypeA).u16(1);
  EXPECT_TRUE(parseMessage(p63.data()).ok());
}

std::vector<uint8_t> longNameViaPointer(size_t firstLabel) {
  // 193 octets of name in an opaque record, then an owner of one more label and a pointer to it.
  PacketBuilder p;
  p.header(1, 2, 0, 0).root().u16(kTypeA).u16(1);
  p.root().rr(kTypePrivate, 0, 193);
  uint16_t target = p.here();
  for (int i = 0; i < 3; ++i) p.label(std::string(63, 'a'));
  p.root();
  p.label(std::string(firstLabel, 'b')).ptr(target).rr(kTypeA, 0, 4).u32(0);
  return p.data();
}

TEST(MessageTest, NameOver255OctetsThroughPointers) {
  auto ok = parseMessage(longNameViaPointer(61));  // 62 + 193 = 255
  ASSERT_TRUE(ok.ok()) << ok.error().message;
  EXPECT_EQ(ok->answer[1].owner.wire().size(), 255u);
  EXPECT_PARSE_ERROR(longNameViaPointer(62), ParseErrc::kNameTooLong);
}

TEST(MessageTest, RdlengthOverrun) {
  PacketBuilder p;
  p.header(1, 1, 0, 0).name("a").u16(kTypeA).u16(1);
  p.name("a").rr(kTypeA, 0, 100).u32(0);
  EXPECT_PARSE_ERROR(p.data(), ParseErrc::kRdataOverrun);
}

TEST(MessageTest, CountsLargerThanData) {
  PacketBuilder noQuestion;
  noQuestion.header(1, 0, 0, 0);
  EXPECT_PARSE_ERROR(noQuestion.data(), ParseErrc::kCountMismatch);
  PacketBuilder p;
  p.header(1, 2, 0, 0).name("a").u16(kTypeA).u16(1);
  p.name("a").rr(kTypeA, 0, 4).u32(0);
  EXPECT_PARSE_ERROR(p.data(), ParseErrc::kCountMismatch);
  PacketBuilder additional;
  additional.header(0, 0, 0, 65535);
  EXPECT_PARSE_ERROR(additional.data(), ParseErrc::kCountMismatch);
}

TEST(MessageTest, TrailingData) {
  PacketBuilder p;
  p.header(1, 0, 0, 0).name("a").u16(kTypeA).u16(1).u8(0);
  auto r = parseMessage(p.data());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ParseErrc::kTrailingData);
  EXPECT_EQ(r.error().offset, p.data().size() - 1);
}

TEST(MessageTest, ShortHeader) {
  EXPECT_PARSE_ERROR(std::vector<uint8_t>{}, ParseErrc::kTruncated);
  EXPECT_PARSE_ERROR(hexBytes("1234 8400 0000 0000 0000 00"), ParseErrc::kTruncated);
  auto empty = parseMessage(hexBytes("1234 8400 0000 0000 0000 0000"));
  ASSERT_TRUE(empty.ok());
  EXPECT_TRUE(empty->questions.empty());
}

std::vector<uint8_t> oneRecord(uint16_t type, const std::vector<uint8_t>& rdata) {
  PacketBuilder p;
  p.header(0, 1, 0, 0).name("a").rr(type, 0, static_cast<uint16_t>(rdata.size())).bytes(rdata);
  return p.data();
}

TEST(MessageTest, RdataThatDoesNotFitItsType) {
  EXPECT_PARSE_ERROR(oneRecord(kTypeA, hexBytes("C000020101")), ParseErrc::kBadRdata);
  EXPECT_PARSE_ERROR(oneRecord(kTypeA, hexBytes("C00002")), ParseErrc::kBadRdata);
  EXPECT_PARSE_ERROR(oneRecord(kTypeDNSKEY, hexBytes("010003")), ParseErrc::kBadRdata);
  // NSEC whose bitmap windows go backwards.
  EXPECT_PARSE_ERROR(oneRecord(kTypeNSEC, hexBytes("0162 00 0101 40 0001 40")),
                     ParseErrc::kBadRdata);
  EXPECT_PARSE_ERROR(oneRecord(kTypeNSEC, hexBytes("0162 00 0000")), ParseErrc::kBadRdata);
  // A name that runs off its RDATA, and a name followed by stray octets.
  EXPECT_PARSE_ERROR(oneRecord(kTypeMX, hexBytes("000A 0361")), ParseErrc::kBadRdata);
  EXPECT_PARSE_ERROR(oneRecord(kTypeNS, hexBytes("0162 00 FF")), ParseErrc::kBadRdata);
  EXPECT_PARSE_ERROR(oneRecord(kTypeSOA, hexBytes("00 00 00000001")), ParseErrc::kBadRdata);
  // A pointer inside RDATA is held to the same rules as anywhere else.
  EXPECT_PARSE_ERROR(oneRecord(kTypeNS, hexBytes("C0FF")), ParseErrc::kBadPointer);
  EXPECT_PARSE_ERROR(oneRecord(kTypeNS, hexBytes("40")), ParseErrc::kBadLabel);
}

TEST(MessageTest, ExpandsNamesInRdataOfKnownLayouts) {
  PacketBuilder p;
  p.header(0, 6, 0, 0);
  uint16_t zone = p.here();
  p.name("Zone.Example")
      .rrOpen(kTypeSOA, 60)
      .labels("ns")
      .ptr(zone)
      .labels("hostmaster")
      .ptr(zone)
      .u32(1)
      .u32(2)
      .u32(3)
      .u32(4)
      .u32(5)
      .endRdata();
  p.ptr(zone).rrOpen(kTypeMX, 60).u16(10).labels("mail").ptr(zone).endRdata();
  p.ptr(zone).rrOpen(kTypeSRV, 60).u16(1).u16(2).u16(53).labels("sip").ptr(zone).endRdata();
  p.ptr(zone)
      .rrOpen(kTypeRRSIG, 60)
      .u16(kTypeA)
      .u8(13)
      .u8(2)
      .u32(60)
      .u32(2)
      .u32(1)
      .u16(7)
      .ptr(zone)
      .bytes({1, 2, 3})
      .endRdata();
  p.ptr(zone).rrOpen(kTypeNSEC, 60).labels("b").ptr(zone).bytes({0, 1, 0x40}).endRdata();
  // Opaque type: bytes that look like a pointer stay as they are (RFC 3597 §4).
  p.ptr(zone).rrOpen(kTypePrivate, 60).ptr(zone).endRdata();
  auto r = parseMessage(p.data());
  ASSERT_TRUE(r.ok()) << r.error().message;
  const auto& a = r->answer;
  ASSERT_EQ(a.size(), 6u);
  EXPECT_EQ(a[0].toString(),
            "Zone.Example. 60 IN SOA ns.Zone.Example. hostmaster.Zone.Example. 1 2 3 4 5");
  EXPECT_EQ(a[1].toString(), "Zone.Example. 60 IN MX 10 mail.Zone.Example.");
  EXPECT_EQ(a[2].toString(), "Zone.Example. 60 IN SRV 1 2 53 sip.Zone.Example.");
  const auto& sig = std::get<rdata::RRSIG>(a[3].data);
  EXPECT_EQ(sig.signer.toString(), "Zone.Example.");
  EXPECT_EQ(sig.signature, (std::vector<uint8_t>{1, 2, 3}));
  EXPECT_EQ(a[3].rdata.size(), 18u + N("Zone.Example").wire().size() + 3u);
  EXPECT_EQ(std::get<rdata::NSEC>(a[4].data).next.toString(), "b.Zone.Example.");
  EXPECT_EQ(a[5].rdata, (std::vector<uint8_t>{0xC0, static_cast<uint8_t>(zone)}));
  EXPECT_EQ(a[5].toString(), "Zone.Example. 60 IN TYPE65280 \\# 2 C00C");
}

std::vector<uint8_t> withOpts(const std::vector<std::vector<uint8_t>>& optRecords,
                              bool inAnswer = false) {
  PacketBuilder p;
  auto count = static_cast<uint16_t>(optRecords.size());
  p.header(0, inAnswer ? count : 0, 0, inAnswer ? 0 : count);
  for (const auto& raw : optRecords) p.bytes(raw);
  return p.data();
}

TEST(MessageTest, OptRules) {
  auto opt = hexBytes("00 0029 04D0 00008000 0000");
  EXPECT_TRUE(parseMessage(withOpts({opt})).ok());
  EXPECT_PARSE_ERROR(withOpts({opt, opt}), ParseErrc::kBadOpt);   // RFC 6891 §6.1.1
  EXPECT_PARSE_ERROR(withOpts({opt}, true), ParseErrc::kBadOpt);  // not in the answer
  EXPECT_PARSE_ERROR(withOpts({hexBytes("0161 00 0029 04D0 00000000 0000")}), ParseErrc::kBadOpt);
  EXPECT_PARSE_ERROR(withOpts({hexBytes("00 0029 04D0 00000000 0003 000A00")}),
                     ParseErrc::kBadOpt);  // option header cut short
  EXPECT_PARSE_ERROR(withOpts({hexBytes("00 0029 04D0 00000000 0006 000A 0005 0102")}),
                     ParseErrc::kBadOpt);  // option longer than the RDATA
  EXPECT_PARSE_ERROR(withOpts({hexBytes("00 0029 04D0 00000000 0005 000F 0001 00")}),
                     ParseErrc::kBadOpt);  // EDE without a full info-code
}

TEST(MessageTest, OptFieldsAndExtendedRcode) {
  // Extended rcode 1 with header rcode 0 is BADVERS (16); version 1; cookie option kept.
  auto r =
      parseMessage(withOpts({hexBytes("00 0029 1000 01010000 000C 000A 0008 0102030405060708")}));
  ASSERT_TRUE(r.ok()) << r.error().message;
  ASSERT_TRUE(r->edns.has_value());
  EXPECT_EQ(r->edns->udpSize, 4096);
  EXPECT_EQ(r->edns->extendedRcode, 1);
  EXPECT_EQ(r->edns->version, 1);
  EXPECT_FALSE(r->edns->dnssecOk);
  ASSERT_EQ(r->edns->options.size(), 1u);
  EXPECT_EQ(r->edns->options[0].code, 10);
  EXPECT_EQ(r->edns->options[0].data, hexBytes("0102030405060708"));
  EXPECT_EQ(r->rcode(), 16);
  EXPECT_EQ(rcodeToString(r->rcode()), "BADVERS");
}

TEST(MessageTest, BuildQueryWireForm) {
  QueryOptions options;
  options.id = 0xABCD;
  auto q = buildQuery(N("example.com"), RRType::DNSKEY, options);
  EXPECT_EQ(q, hexBytes("ABCD 0000 0001 0000 0000 0001"
                        "076578616D706C6503636F6D00 0030 0001"
                        "00 0029 04D0 00008000 0000"));
}

TEST(MessageTest, BuildQueryFlagsFollowOptions) {
  QueryOptions options;
  options.id = 7;
  options.recursionDesired = true;
  options.checkingDisabled = true;
  options.dnssecOk = false;
  options.udpSize = 4096;
  auto q = buildQuery(N("Example.org"), RRType::SOA, options);
  auto m = parseMessage(q);
  ASSERT_TRUE(m.ok()) << m.error().message;
  EXPECT_EQ(m->header.id, 7);
  EXPECT_FALSE(m->header.qr);
  EXPECT_TRUE(m->header.rd);
  EXPECT_TRUE(m->header.cd);
  EXPECT_FALSE(m->header.ad);
  EXPECT_FALSE(m->header.aa);
  EXPECT_EQ(m->header.opcode, 0);
  EXPECT_EQ(q[2], 0x01);  // RD is the low bit of the first flag octet
  EXPECT_EQ(q[3], 0x10);  // CD
  ASSERT_EQ(m->questions.size(), 1u);
  EXPECT_EQ(m->questions[0].name.wire(), N("Example.org").wire());
  EXPECT_EQ(m->questions[0].type, RRType::SOA);
  EXPECT_EQ(m->questions[0].qclass, kClassIN);
  ASSERT_TRUE(m->edns.has_value());
  EXPECT_FALSE(m->edns->dnssecOk);
  EXPECT_EQ(m->edns->udpSize, 4096);

  options.edns = false;
  auto plain = buildQuery(N("example.org"), RRType::SOA, options);
  auto pm = parseMessage(plain);
  ASSERT_TRUE(pm.ok());
  EXPECT_FALSE(pm->edns.has_value());
  EXPECT_EQ(plain[11], 0);  // ARCOUNT
}

TEST(MessageTest, EncodeParseRoundTrip) {
  Message m;
  m.header.id = 99;
  m.header.qr = m.header.aa = m.header.tc = m.header.ra = m.header.ad = true;
  m.header.opcode = 5;
  m.header.rcode = 3;
  m.questions.push_back({N("www.Example"), RRType::AAAA, kClassIN});
  m.answer.push_back(ResourceRecord::make(N("www.Example"), RRType::TXT, 60,
                                          rdata::TXT{{"a", std::string("\0b", 2)}}));
  m.authority.push_back(ResourceRecord::make(
      N("Example"), RRType::SOA, 60, rdata::SOA{N("ns.Example"), N("h.Example"), 1, 2, 3, 4, 5}));
  ResourceRecord opaque;
  opaque.owner = N("x.Example");
  opaque.type = static_cast<RRType>(kTypePrivate);
  opaque.rclass = 3;
  opaque.rdata = {1, 2, 3};
  m.additional.push_back(opaque);
  Edns e;
  e.udpSize = 1400;
  e.extendedRcode = 2;
  e.dnssecOk = true;
  e.options.push_back({10, {1, 2, 3, 4, 5, 6, 7, 8}});
  e.extendedErrors.push_back({18, "prohibited"});
  e.extendedErrors.push_back({0, ""});
  m.edns = e;

  auto wire = encodeMessage(m);
  auto r = parseMessage(wire);
  ASSERT_TRUE(r.ok()) << r.error().message;
  const Message& b = *r;
  EXPECT_EQ(b.header.id, 99);
  EXPECT_TRUE(b.header.qr && b.header.aa && b.header.tc && b.header.ra && b.header.ad);
  EXPECT_FALSE(b.header.rd || b.header.cd);
  EXPECT_EQ(b.header.opcode, 5);
  EXPECT_EQ(b.header.rcode, 3);
  EXPECT_EQ(b.rcode(), (2 << 4) | 3);
  ASSERT_EQ(b.answer.size(), 1u);
  EXPECT_EQ(b.answer[0].rdata, m.answer[0].rdata);
  EXPECT_EQ(b.answer[0].data, m.answer[0].data);
  EXPECT_EQ(b.authority[0].toString(), m.authority[0].toString());
  ASSERT_EQ(b.additional.size(), 1u);
  EXPECT_EQ(b.additional[0].rclass, 3);
  EXPECT_EQ(b.additional[0].rdata, opaque.rdata);
  ASSERT_TRUE(b.edns.has_value());
  EXPECT_EQ(b.edns->udpSize, 1400);
  EXPECT_TRUE(b.edns->dnssecOk);
  ASSERT_EQ(b.edns->options.size(), 1u);
  EXPECT_EQ(b.edns->options[0].data, e.options[0].data);
  ASSERT_EQ(b.edns->extendedErrors.size(), 2u);
  EXPECT_EQ(b.edns->extendedErrors[0].infoCode, 18);
  EXPECT_EQ(b.edns->extendedErrors[0].extraText, "prohibited");
  EXPECT_EQ(b.edns->extendedErrors[1].extraText, "");
  EXPECT_EQ(encodeMessage(b), wire);  // stable once options are in encoder order
}

TEST(MessageTest, RecordToString) {
  auto rr = ResourceRecord::make(N("www.example"), RRType::A, 300, rdata::A{{192, 0, 2, 1}});
  EXPECT_EQ(rr.rdata, (std::vector<uint8_t>{192, 0, 2, 1}));
  EXPECT_EQ(rr.toString(), "www.example. 300 IN A 192.0.2.1");
  // A record built from typed data only (rdata left empty) prints and encodes the same.
  ResourceRecord typedOnly;
  typedOnly.owner = N("www.example");
  typedOnly.ttl = 300;
  typedOnly.data = rdata::A{{192, 0, 2, 1}};
  EXPECT_EQ(typedOnly.toString(), rr.toString());
}

TEST(MessageTest, GroupRRsets) {
  auto a1 = ResourceRecord::make(N("www.example"), RRType::A, 300, rdata::A{{192, 0, 2, 1}});
  auto a2 = ResourceRecord::make(N("WWW.example"), RRType::A, 200, rdata::A{{192, 0, 2, 2}});
  auto aaaa = ResourceRecord::make(N("www.example"), RRType::AAAA, 300, rdata::AAAA{});
  rdata::RRSIG sigA;
  sigA.typeCovered = RRType::A;
  sigA.signer = N("example");
  auto rrsigA = ResourceRecord::make(N("www.example"), RRType::RRSIG, 300, sigA);
  rdata::RRSIG sigMx = sigA;
  sigMx.typeCovered = RRType::MX;
  auto rrsigMx = ResourceRecord::make(N("www.example"), RRType::RRSIG, 100, sigMx);
  auto other = ResourceRecord::make(N("mail.example"), RRType::A, 300, rdata::A{});

  std::vector<ResourceRecord> records{rrsigA, a1, aaaa, a2, rrsigMx, other};
  auto sets = groupRRsets(records);
  ASSERT_EQ(sets.size(), 4u);
  // First-seen order: the A set appears where its RRSIG did.
  EXPECT_EQ(sets[0].type, RRType::A);
  EXPECT_EQ(sets[0].records.size(), 2u);
  EXPECT_EQ(sets[0].signatures.size(), 1u);
  EXPECT_EQ(sets[0].ttl, 200u);
  EXPECT_EQ(sets[1].type, RRType::AAAA);
  EXPECT_TRUE(sets[1].signatures.empty());
  // A signature without data forms a set of its own with no records.
  EXPECT_EQ(sets[2].type, RRType::MX);
  EXPECT_TRUE(sets[2].records.empty());
  EXPECT_EQ(sets[2].signatures.size(), 1u);
  EXPECT_EQ(sets[2].ttl, 100u);
  EXPECT_EQ(sets[3].owner.toString(), "mail.example.");
}

TEST(MessageTest, ParseErrcNames) {
  EXPECT_EQ(toString(ParseErrc::kBadPointer), "bad compression pointer");
  EXPECT_EQ(toString(ParseErrc::kCountMismatch), "count mismatch");
}

TEST(MessageTest, EachHeaderFlagHasItsOwnBit) {
  // RFC 1035 §4.1.1, RFC 4035 §3.2: QR AA TC RD RA . AD CD in the second 16-bit word.
  const std::pair<bool Header::*, uint16_t> kFlags[] = {
      {&Header::qr, 0x8000}, {&Header::aa, 0x0400}, {&Header::tc, 0x0200}, {&Header::rd, 0x0100},
      {&Header::ra, 0x0080}, {&Header::ad, 0x0020}, {&Header::cd, 0x0010},
  };
  for (const auto& [flag, bit] : kFlags) {
    Message m;
    m.header.*flag = true;
    m.header.opcode = 5;
    m.header.rcode = 3;
    auto wire = encodeMessage(m);
    ASSERT_GE(wire.size(), 4u);
    EXPECT_EQ((wire[2] << 8) | wire[3], bit | (5 << 11) | 3) << bit;
    auto back = parseMessage(wire);
    ASSERT_TRUE(back.ok());
    for (const auto& [other, otherBit] : kFlags) {
      EXPECT_EQ(back->header.*other, other == flag) << bit << " " << otherBit;
    }
    EXPECT_EQ(back->header.opcode, 5);
    EXPECT_EQ(back->header.rcode, 3);
  }
}

TEST(MessageTest, WireRdataOfRecordsBuiltEitherWay) {
  auto made = ResourceRecord::make(N("mx.example"), RRType::MX, 60, rdata::Unknown{});
  made.rdata = {0, 10, 0};
  EXPECT_EQ(made.wireRdata(), made.rdata);  // opaque: the bytes as they are
  ResourceRecord typedOnly;
  typedOnly.owner = N("a.example");
  typedOnly.type = RRType::A;
  typedOnly.data = rdata::A{{192, 0, 2, 7}};
  EXPECT_EQ(typedOnly.wireRdata(), (std::vector<uint8_t>{192, 0, 2, 7}));
  EXPECT_EQ(typedOnly.toString(), "a.example. 0 IN A 192.0.2.7");
  auto same = ResourceRecord::make(typedOnly.owner, RRType::A, 0, typedOnly.data);
  EXPECT_EQ(same.wireRdata(), typedOnly.wireRdata());
  EXPECT_EQ(same.toString(), typedOnly.toString());
}

}  // namespace
}  // namespace zonewatch::dns
