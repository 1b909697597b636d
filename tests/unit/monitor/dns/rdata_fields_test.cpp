// Every field of every typed RDATA (monitor/dns/rdata.h) survives encodeRdata → decodeRdata, and
// takes part in the types' equality: for each field, a record that differs from a sample in that
// field alone compares unequal to it and comes back from the wire as itself. An encoder that drops
// or misplaces a field, or an equality that ignores one, fails here.
#include <gtest/gtest.h>

#include <functional>
#include <string>
#include <variant>
#include <vector>

#include "monitor/dns/rdata.h"

namespace zonewatch::dns {
namespace {

Name name(std::string_view text) {
  auto parsed = Name::parse(text);
  EXPECT_TRUE(parsed.ok()) << text;
  return parsed.ok() ? *parsed : Name();
}

// A sample of one type, and the changes that each touch one of its fields.
struct Case {
  std::string label;
  RRType type;
  Rdata sample;
  std::vector<std::pair<std::string, std::function<void(Rdata&)>>> changes;
};

template <class T>
std::function<void(Rdata&)> change(std::function<void(T&)> edit) {
  return [edit](Rdata& data) { edit(std::get<T>(data)); };
}

Rdata roundTrip(RRType type, const Rdata& data) {
  auto decoded = decodeRdata(type, encodeRdata(data));
  EXPECT_TRUE(decoded.ok()) << typeToString(type) << ": "
                            << (decoded ? "" : decoded.error().message);
  return decoded.ok() ? *decoded : Rdata{};
}

std::vector<Case> cases() {
  using namespace rdata;
  std::vector<Case> all;
  all.push_back({"A",
                 RRType::A,
                 A{{192, 0, 2, 1}},
                 {
                     {"address", change<A>([](A& a) { a.address[3] = 2; })},
                 }});
  all.push_back({"AAAA",
                 RRType::AAAA,
                 AAAA{{0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1}},
                 {{"address", change<AAAA>([](AAAA& a) { a.address[0] = 0x30; })}}});
  all.push_back({"NS",
                 RRType::NS,
                 NS{name("ns1.example.")},
                 {
                     {"host", change<NS>([](NS& n) { n.host = name("ns2.example."); })},
                 }});
  all.push_back({"CNAME",
                 RRType::CNAME,
                 CNAME{name("target.example.")},
                 {{"target", change<CNAME>([](CNAME& c) { c.target = name("other.example."); })}}});
  all.push_back(
      {"SOA",
       RRType::SOA,
       SOA{name("ns.example."), name("hostmaster.example."), 2024010101, 7200, 3600, 1209600, 300},
       {{"mname", change<SOA>([](SOA& s) { s.mname = name("ns2.example."); })},
        {"rname", change<SOA>([](SOA& s) { s.rname = name("root.example."); })},
        {"serial", change<SOA>([](SOA& s) { ++s.serial; })},
        {"refresh", change<SOA>([](SOA& s) { ++s.refresh; })},
        {"retry", change<SOA>([](SOA& s) { ++s.retry; })},
        {"expire", change<SOA>([](SOA& s) { ++s.expire; })},
        {"minimum", change<SOA>([](SOA& s) { ++s.minimum; })}}});
  all.push_back({"TXT",
                 RRType::TXT,
                 TXT{{"v=spf1", "-all"}},
                 {{"strings", change<TXT>([](TXT& t) { t.strings.back() = "~all"; })},
                  {"count", change<TXT>([](TXT& t) { t.strings.push_back(""); })}}});
  const DS ds{60485, 13, 2, std::vector<uint8_t>(32, 0xab)};
  for (RRType type : {RRType::DS, RRType::CDS}) {
    all.push_back({typeToString(type),
                   type,
                   ds,
                   {{"keyTag", change<DS>([](DS& d) { ++d.keyTag; })},
                    {"algorithm", change<DS>([](DS& d) { d.algorithm = 8; })},
                    {"digestType", change<DS>([](DS& d) { d.digestType = 4; })},
                    {"digest", change<DS>([](DS& d) { d.digest[31] = 0; })}}});
  }
  const DNSKEY key{257, 3, 13, std::vector<uint8_t>(64, 0x5a)};
  for (RRType type : {RRType::DNSKEY, RRType::CDNSKEY}) {
    all.push_back({typeToString(type),
                   type,
                   key,
                   {{"flags", change<DNSKEY>([](DNSKEY& k) { k.flags = 256; })},
                    {"protocol", change<DNSKEY>([](DNSKEY& k) { k.protocol = 4; })},
                    {"algorithm", change<DNSKEY>([](DNSKEY& k) { k.algorithm = 15; })},
                    {"publicKey", change<DNSKEY>([](DNSKEY& k) { k.publicKey.pop_back(); })}}});
  }
  all.push_back({"RRSIG",
                 RRType::RRSIG,
                 RRSIG{RRType::SOA, 13, 2, 3600, 1800000000, 1700000000, 4711, name("example."),
                       std::vector<uint8_t>(64, 0x11)},
                 {{"typeCovered", change<RRSIG>([](RRSIG& r) { r.typeCovered = RRType::NS; })},
                  {"algorithm", change<RRSIG>([](RRSIG& r) { r.algorithm = 8; })},
                  {"labels", change<RRSIG>([](RRSIG& r) { r.labels = 1; })},
                  {"originalTtl", change<RRSIG>([](RRSIG& r) { r.originalTtl = 60; })},
                  {"expiration", change<RRSIG>([](RRSIG& r) { ++r.expiration; })},
                  {"inception", change<RRSIG>([](RRSIG& r) { ++r.inception; })},
                  {"keyTag", change<RRSIG>([](RRSIG& r) { ++r.keyTag; })},
                  {"signer", change<RRSIG>([](RRSIG& r) { r.signer = name("other.example."); })},
                  {"signature", change<RRSIG>([](RRSIG& r) { r.signature[0] = 0x22; })}}});
  all.push_back({"NSEC",
                 RRType::NSEC,
                 NSEC{name("b.example."), TypeBitmap{{1, 2, 46, 47}}},
                 {{"next", change<NSEC>([](NSEC& n) { n.next = name("c.example."); })},
                  {"types", change<NSEC>([](NSEC& n) { n.types.types.push_back(48); })}}});
  all.push_back(
      {"NSEC3",
       RRType::NSEC3,
       NSEC3{1, 1, 12, {0xaa, 0xbb}, std::vector<uint8_t>(20, 0x42), TypeBitmap{{2, 6, 46}}},
       {{"hashAlgorithm", change<NSEC3>([](NSEC3& n) { n.hashAlgorithm = 2; })},
        {"flags", change<NSEC3>([](NSEC3& n) { n.flags = 0; })},
        {"iterations", change<NSEC3>([](NSEC3& n) { n.iterations = 0; })},
        {"salt", change<NSEC3>([](NSEC3& n) { n.salt.clear(); })},
        {"nextHashed", change<NSEC3>([](NSEC3& n) { n.nextHashed[19] = 0; })},
        {"types", change<NSEC3>([](NSEC3& n) {
           n.types.types = {2, 6};
         })}}});
  all.push_back({"NSEC3PARAM",
                 RRType::NSEC3PARAM,
                 NSEC3PARAM{1, 0, 12, {0xaa, 0xbb}},
                 {{"hashAlgorithm", change<NSEC3PARAM>([](NSEC3PARAM& n) { n.hashAlgorithm = 2; })},
                  {"flags", change<NSEC3PARAM>([](NSEC3PARAM& n) { n.flags = 1; })},
                  {"iterations", change<NSEC3PARAM>([](NSEC3PARAM& n) { n.iterations = 1; })},
                  {"salt", change<NSEC3PARAM>([](NSEC3PARAM& n) { n.salt = {0xcc}; })}}});
  return all;
}

TEST(RdataFieldsTest, EveryTypedRdataSurvivesTheWire) {
  for (const Case& c : cases()) {
    EXPECT_EQ(roundTrip(c.type, c.sample), c.sample) << c.label;
    EXPECT_EQ(roundTrip(c.type, c.sample).index(), c.sample.index()) << c.label;
  }
}

TEST(RdataFieldsTest, EachFieldMakesADifferenceAndIsCarried) {
  for (const Case& c : cases()) {
    for (const auto& [field, edit] : c.changes) {
      Rdata changed = c.sample;
      edit(changed);
      EXPECT_NE(changed, c.sample) << c.label << " " << field << ": equality ignores the field";
      EXPECT_EQ(roundTrip(c.type, changed), changed) << c.label << " " << field;
      EXPECT_NE(roundTrip(c.type, changed), c.sample)
          << c.label << " " << field << ": the wire form drops the field";
    }
  }
}

// The same records built through the wire compare equal, whatever the case of their names
// (RFC 4343: DNS names compare case-insensitively), and unequal to a record of another type.
TEST(RdataFieldsTest, NamesCompareWithoutCaseAndTypesApart) {
  EXPECT_EQ(Rdata{rdata::NS{name("NS1.Example.")}}, Rdata{rdata::NS{name("ns1.example.")}});
  EXPECT_EQ((rdata::SOA{name("NS.example."), name("H.example."), 1, 2, 3, 4, 5}),
            (rdata::SOA{name("ns.example."), name("h.example."), 1, 2, 3, 4, 5}));
  EXPECT_NE(Rdata{rdata::NS{name("a.example.")}}, Rdata{rdata::CNAME{name("a.example.")}});
  EXPECT_EQ(Rdata{rdata::Unknown{}}, Rdata{rdata::Unknown{}});
  EXPECT_EQ((TypeBitmap{{1, 2}}), (TypeBitmap{{1, 2}}));
  EXPECT_NE((TypeBitmap{{1, 2}}), (TypeBitmap{{1}}));
}

}  // namespace
}  // namespace zonewatch::dns
