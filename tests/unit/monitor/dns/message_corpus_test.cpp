// The fuzzing seed corpus doubles as a set of real answers: lab-*.bin were captured from the test
// lab's NSD, Knot, BIND and Unbound (tests/lab/capture.py), nsd-*.bin from a standalone nsd
// serving record types the lab lacks (tests/fuzz/make_seed_corpus.py), ok-*.bin and bad-*.bin
// are crafted edge cases. Every real answer must parse, and re-encode to a message that parses
// the same.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>

#include "monitor/dns/canonical.h"
#include "monitor/dns/message.h"

namespace zonewatch::dns {
namespace {

namespace fs = std::filesystem;

std::map<std::string, std::vector<uint8_t>> corpus() {
  std::map<std::string, std::vector<uint8_t>> out;
  for (const auto& entry : fs::directory_iterator(ZONEWATCH_FUZZ_CORPUS_DIR)) {
    std::ifstream in(entry.path(), std::ios::binary);
    out[entry.path().filename().string()] =
        std::vector<uint8_t>(std::istreambuf_iterator<char>(in), {});
  }
  return out;
}

Message parsed(const std::map<std::string, std::vector<uint8_t>>& files, const std::string& name) {
  auto it = files.find(name);
  EXPECT_NE(it, files.end()) << name;
  if (it == files.end()) return {};
  auto m = parseMessage(it->second);
  EXPECT_TRUE(m.ok()) << name << ": " << (m ? "" : m.error().message);
  return m ? *m : Message{};
}

TEST(MessageCorpusTest, RealAnswersParseAndReencode) {
  auto files = corpus();
  size_t nsd = 0;
  size_t lab = 0;
  for (const auto& [name, wire] : files) {
    bool bad = name.starts_with("bad-");
    auto m = parseMessage(wire);
    if (bad) {
      EXPECT_FALSE(m.ok()) << name;
      continue;
    }
    ASSERT_TRUE(m.ok()) << name << ": " << toString(m.error().code) << " at " << m.error().offset
                        << ": " << m.error().message;
    if (name.starts_with("nsd-")) ++nsd;
    if (name.starts_with("lab-")) ++lab;
    auto again = parseMessage(encodeMessage(*m));
    ASSERT_TRUE(again.ok()) << name;
    EXPECT_EQ(again->answer.size(), m->answer.size()) << name;
    EXPECT_EQ(encodeMessage(*again), encodeMessage(*m)) << name;
    for (const auto* section : {&m->answer, &m->authority, &m->additional}) {
      for (const auto& rr : *section) {
        auto back = rdataFromString(rr.type, rdataToString(rr.type, rr.rdata), Name());
        ASSERT_TRUE(back.ok()) << name << ": " << rr.toString();
        EXPECT_EQ(*back, rr.rdata) << name << ": " << rr.toString();
      }
    }
  }
  EXPECT_GE(nsd, 20u);
  EXPECT_GE(lab, 30u);
}

TEST(MessageCorpusTest, AnswersHaveTheExpectedShape) {
  auto files = corpus();
  // A DNSSEC-signed answer with DO: data plus RRSIGs, grouped into one RRset.
  Message soa = parsed(files, "nsd-soa-do.bin");
  ASSERT_FALSE(soa.answer.empty());
  auto sets = groupRRsets(soa.answer);
  ASSERT_EQ(sets.size(), 1u);
  EXPECT_EQ(sets[0].type, RRType::SOA);
  EXPECT_FALSE(sets[0].signatures.empty());
  ASSERT_TRUE(soa.edns.has_value());
  EXPECT_TRUE(soa.edns->dnssecOk);

  Message noEdns = parsed(files, "nsd-soa-noedns.bin");
  EXPECT_FALSE(noEdns.edns.has_value());

  // Referral: no answer, NS and DS in authority, glue in additional.
  Message referral = parsed(files, "nsd-referral-ds.bin");
  EXPECT_FALSE(referral.header.aa);
  EXPECT_TRUE(referral.answer.empty());
  auto auth = groupRRsets(referral.authority);
  EXPECT_TRUE(std::any_of(auth.begin(), auth.end(), [](const RRset& s) {
    return s.type == RRType::DS && !s.signatures.empty();
  }));
  EXPECT_FALSE(referral.additional.empty());

  // NSEC3 NXDOMAIN proof.
  Message nx3 = parsed(files, "nsd-nsec3-nxdomain.bin");
  EXPECT_EQ(nx3.rcode(), 3);
  size_t nsec3 = 0;
  for (const auto& rr : nx3.authority) {
    if (const auto* n = std::get_if<rdata::NSEC3>(&rr.data)) {
      ++nsec3;
      EXPECT_TRUE(n->optOut());
      EXPECT_EQ(n->nextHashed.size(), 20u);
    }
  }
  EXPECT_GE(nsec3, 2u);

  // Wildcard expansion: the RRSIG labels field is smaller than the owner's label count.
  Message wild = parsed(files, "nsd-wildcard-do.bin");
  auto wsets = groupRRsets(wild.answer);
  ASSERT_EQ(wsets.size(), 1u);
  ASSERT_EQ(wsets[0].signatures.size(), 1u);
  const auto& sig = std::get<rdata::RRSIG>(wsets[0].signatures[0].data);
  EXPECT_LT(sig.labels, wsets[0].owner.labelCount());

  Message tc = parsed(files, "nsd-dnskey-tc.bin");
  EXPECT_TRUE(tc.header.tc);

  Message ede = parsed(files, "ok-ede-cookie.bin");
  ASSERT_TRUE(ede.edns.has_value());
  ASSERT_EQ(ede.edns->extendedErrors.size(), 1u);
  EXPECT_EQ(ede.edns->extendedErrors[0].infoCode, 6);
  EXPECT_EQ(ede.edns->extendedErrors[0].extraText, "DNSSEC Bogus");
  EXPECT_EQ(ede.rcode(), 2);
}

TEST(MessageCorpusTest, LabAnswersHaveTheExpectedShape) {
  auto files = corpus();
  // The TLD's referral to a signed child carries the signed DS (RFC 4035 §3.1.4), glue for the
  // in-bailiwick servers, and is not authoritative.
  Message referral = parsed(files, "lab-child01.lab-A-do-tld-referral-ds.bin");
  EXPECT_FALSE(referral.header.aa);
  auto auth = groupRRsets(referral.authority);
  EXPECT_TRUE(std::any_of(auth.begin(), auth.end(), [](const RRset& s) {
    return s.type == RRType::DS && !s.signatures.empty();
  }));
  EXPECT_TRUE(
      std::any_of(auth.begin(), auth.end(), [](const RRset& s) { return s.type == RRType::NS; }));
  EXPECT_FALSE(referral.additional.empty());

  // An unsigned child under the opt-out TLD: no DS, an opt-out NSEC3 covering it instead.
  Message optout = parsed(files, "lab-child07.lab-A-do-tld-referral-optout-nsec3.bin");
  bool optOutSeen = false;
  for (const auto& rr : optout.authority) {
    EXPECT_NE(rr.type, RRType::DS);
    if (const auto* n = std::get_if<rdata::NSEC3>(&rr.data)) optOutSeen |= n->optOut();
  }
  EXPECT_TRUE(optOutSeen);

  // The same large RRset: cut short over UDP (TC), whole over TCP.
  Message udp = parsed(files, "lab-big.child01.lab-TXT-do-udp-truncated.bin");
  Message tcp = parsed(files, "lab-big.child01.lab-TXT-do-tcp.bin");
  EXPECT_TRUE(udp.header.tc);
  EXPECT_FALSE(tcp.header.tc);
  EXPECT_GT(tcp.answer.size(), udp.answer.size());

  // Each signer's DNSKEY answer is a signed RRset of the algorithm the lab gave that child.
  for (const auto& [file, algorithm] :
       std::map<std::string, uint8_t>{{"lab-child01.lab-DNSKEY-do.bin", 13},
                                      {"lab-child02.lab-DNSKEY-do-rsasha256.bin", 8},
                                      {"lab-child03.lab-DNSKEY-do-ed25519.bin", 15},
                                      {"lab-other-operator.lab-DNSKEY-do-bind.bin", 13}}) {
    Message keys = parsed(files, file);
    EXPECT_TRUE(keys.header.aa) << file;
    auto sets = groupRRsets(keys.answer);
    ASSERT_EQ(sets.size(), 1u) << file;
    EXPECT_EQ(sets[0].type, RRType::DNSKEY) << file;
    ASSERT_FALSE(sets[0].signatures.empty()) << file;
    EXPECT_EQ(std::get<rdata::RRSIG>(sets[0].signatures[0].data).algorithm, algorithm) << file;
  }
}

}  // namespace
}  // namespace zonewatch::dns
