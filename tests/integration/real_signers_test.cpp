// The validator against zones signed by real signers: ldns-signzone, BIND's dnssec-signzone and
// Knot.
//
// Each case generates fresh keys and signs, in a temporary directory, a parent zone with a signed
// child (the child's DS, as the signer's own tool prints it, is added to the parent before the
// parent is signed) and an unsigned child (no DS). The output is read back with the codec and
// validated: the parent from its own KSK as a DNSKEY trust anchor, every authoritative RRset of
// both zones, the chain to the signed child through the DS, and the parent's proof that the
// unsigned child has no DS, collected the way a server would send it.
//
// ldns and BIND sign with a fixed validity period (-i/-e, -s/-e), so "now" is pinned inside it.
// knotd signs from its own clock with no override (kzonesign, which has one, comes in Debian's
// knot-dnssecutils, which is not a dependency): its signatures start 90 minutes before signing, so
// "now" is pinned to their inception + 1 h as read from the output. No test here reads the wall
// clock, and nothing leaves the machine: knotd runs without a listen address, controlled over a
// unix socket.
#include <gtest/gtest.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <optional>
#include <ostream>
#include <set>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "monitor/crypto/crypto.h"
#include "monitor/dns/canonical.h"
#include "monitor/dns/message.h"
#include "monitor/dns/presentation.h"
#include "monitor/dns/rdata.h"
#include "monitor/dns/zone_reader.h"
#include "monitor/dnssec/trust_anchor.h"
#include "monitor/dnssec/validator.h"

namespace zonewatch::dnssec {
namespace {

namespace fs = std::filesystem;

constexpr std::string_view kParent = "parent.test";
constexpr std::string_view kSignedChild = "signed.parent.test";
constexpr std::string_view kUnsignedChild = "unsigned.parent.test";

// The fixed validity period given to ldns-signzone and dnssec-signzone.
constexpr std::string_view kInception = "20240101000000";
constexpr std::string_view kExpiration = "20240201000000";
constexpr uint32_t kHour = 3600;
constexpr uint32_t kDay = 86400;

// Owner names in mixed case and names below empty non-terminals on purpose: RFC 4034 §6.2 signs
// owners in lowercase, and RFC 5155 §7.1 gives empty non-terminals NSEC3 records of their own.
constexpr std::string_view kParentZone = R"($ORIGIN parent.test.
$TTL 3600
@           IN SOA   ns1 hostmaster 2024010101 7200 3600 1209600 300
@           IN NS    ns1
@           IN NS    ns2
@           IN MX    10 mail
@           IN TXT   "v=spf1 -all"
ns1         IN A     192.0.2.1
ns1         IN AAAA  2001:db8::1
ns2         IN A     192.0.2.2
mail        IN A     192.0.2.25
www         IN A     192.0.2.80
www         IN A     192.0.2.81
www         IN AAAA  2001:db8::80
Mixed-Case  IN TXT   "the owner is signed in lowercase"
alias       IN CNAME www
*.wild      IN TXT   "wildcard"
deep.a.b.c  IN A     192.0.2.7
signed      IN NS    ns1.signed
ns1.signed  IN A     192.0.2.53
unsigned    IN NS    ns1.unsigned
ns1.unsigned IN A    192.0.2.54
elsewhere   IN NS    ns.example.net.
)";

constexpr std::string_view kSignedChildZone = R"($ORIGIN signed.parent.test.
$TTL 3600
@           IN SOA   ns1 hostmaster 2024010101 7200 3600 1209600 300
@           IN NS    ns1
@           IN TXT   "signed child"
ns1         IN A     192.0.2.53
www         IN A     192.0.2.180
)";

struct SignerCase {
  const char* name;
  const char* signer;     // sign_zones.sh SIGNER
  const char* algorithm;  // sign_zones.sh ALGORITHM
  uint8_t algorithmNumber;
  const char* denial;  // sign_zones.sh DENIAL
  // How the parent proves the unsigned child has no DS (RFC 5155 §8.6 / RFC 4035 §5.2).
  Reason unsignedChild;
  bool fixedTimes;  // false: the signer uses its own clock (Knot)
  std::array<const char*, 3> binaries;
};

// ECDSA P-256, RSA/SHA-256 and Ed25519 spread over the three signers and three denial modes.
// ldns-signzone -p sets the opt-out flag but still gives insecure delegations NSEC3 records of
// their own, so a server answers the DS query with the matching NSEC3 (NS, no DS): ds_absent.
// dnssec-signzone -A and Knot's nsec3-opt-out leave them out of the chain: only the opt-out span
// covering them proves anything, hence opt_out.
// clang-format off
const SignerCase kCases[] = {
    {"LdnsNsecEcdsaP256", "ldns", "ECDSAP256SHA256", dns::algorithm::kEcdsaP256Sha256, "nsec",
     Reason::kDsAbsent, true, {"ldns-keygen", "ldns-signzone", "ldns-key2ds"}},
    {"LdnsNsec3RsaSha256", "ldns", "RSASHA256", dns::algorithm::kRsaSha256, "nsec3",
     Reason::kDsAbsent, true, {"ldns-keygen", "ldns-signzone", "ldns-key2ds"}},
    {"LdnsNsec3OptOutEd25519", "ldns", "ED25519", dns::algorithm::kEd25519, "nsec3-optout",
     Reason::kDsAbsent, true, {"ldns-keygen", "ldns-signzone", "ldns-key2ds"}},
    {"BindNsecRsaSha256", "bind", "RSASHA256", dns::algorithm::kRsaSha256, "nsec",
     Reason::kDsAbsent, true, {"dnssec-keygen", "dnssec-signzone", "dnssec-dsfromkey"}},
    {"BindNsec3Ed25519", "bind", "ED25519", dns::algorithm::kEd25519, "nsec3",
     Reason::kDsAbsent, true, {"dnssec-keygen", "dnssec-signzone", "dnssec-dsfromkey"}},
    {"BindNsec3OptOutEcdsaP256", "bind", "ECDSAP256SHA256", dns::algorithm::kEcdsaP256Sha256,
     "nsec3-optout", Reason::kOptOut, true,
     {"dnssec-keygen", "dnssec-signzone", "dnssec-dsfromkey"}},
    {"KnotNsecEd25519", "knot", "ED25519", dns::algorithm::kEd25519, "nsec",
     Reason::kDsAbsent, false, {"knotd", "knotc", "keymgr"}},
    {"KnotNsec3RsaSha256", "knot", "RSASHA256", dns::algorithm::kRsaSha256, "nsec3",
     Reason::kDsAbsent, false, {"knotd", "knotc", "keymgr"}},
    {"KnotNsec3OptOutEcdsaP256", "knot", "ECDSAP256SHA256", dns::algorithm::kEcdsaP256Sha256,
     "nsec3-optout", Reason::kOptOut, false, {"knotd", "knotc", "keymgr"}},
};
// clang-format on

void PrintTo(const SignerCase& c, std::ostream* os) {
  *os << c.signer << " " << c.algorithm << " " << c.denial;
}

// Helpers.

// Seconds since the epoch of a DNSSEC timestamp YYYYMMDDHHMMSS (RFC 4034 §3.2), computed here
// rather than with the codec so that the codec's parsing is checked against it.
uint32_t dnssecTime(std::string_view t) {
  auto num = [&](size_t pos, size_t len) { return std::stoi(std::string(t.substr(pos, len))); };
  int y = num(0, 4);
  const int m = num(4, 2), d = num(6, 2);
  y -= m <= 2 ? 1 : 0;
  const int era = y / 400;  // y > 0 here
  const int yoe = y - era * 400;
  const int doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  const int doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  const int64_t days = int64_t{era} * 146097 + doe - 719468;
  return static_cast<uint32_t>(days * kDay + static_cast<int64_t>(num(8, 2)) * kHour +
                               num(10, 2) * 60 + num(12, 2));
}

bool hasBinary(const std::string& name) {
  std::string path = std::getenv("PATH") != nullptr ? std::getenv("PATH") : "";
  path += ":/usr/sbin:/sbin";  // knotd and keymgr live in /usr/sbin, often not in a user's PATH
  std::stringstream dirs(path);
  std::string dir;
  while (std::getline(dirs, dir, ':')) {
    if (!dir.empty() && ::access((fs::path(dir) / name).c_str(), X_OK) == 0) return true;
  }
  return false;
}

std::string shellQuote(std::string_view s) {
  std::string out = "'";
  for (char c : s) {
    if (c == '\'') {
      out += "'\\''";
    } else {
      out += c;
    }
  }
  return out + "'";
}

// Runs a command through /bin/sh; returns its exit status and (merged) output.
std::pair<int, std::string> run(const std::string& command) {
  std::string output;
  FILE* pipe = ::popen((command + " 2>&1").c_str(), "r");
  if (pipe == nullptr) return {-1, "popen failed"};
  std::array<char, 4096> buffer{};
  size_t n = 0;
  while ((n = std::fread(buffer.data(), 1, buffer.size(), pipe)) > 0)
    output.append(buffer.data(), n);
  int status = ::pclose(pipe);
  return {status, output};
}

std::string readFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

dns::Name nameOf(std::string_view text) {
  auto n = dns::Name::parse(text);
  EXPECT_TRUE(n.ok()) << text;
  return n ? *n : dns::Name();
}

// A signed zone as read back from the signer's output.
struct Zone {
  dns::Name apex;
  std::vector<dns::ResourceRecord> records;
  std::vector<dns::RRset> sets;

  const dns::RRset* find(const dns::Name& owner, dns::RRType type) const {
    for (const auto& s : sets) {
      if (s.type == type && s.owner == owner && !s.records.empty()) return &s;
    }
    return nullptr;
  }
  std::vector<const dns::RRset*> ofType(dns::RRType type) const {
    std::vector<const dns::RRset*> out;
    for (const auto& s : sets) {
      if (s.type == type && !s.records.empty()) out.push_back(&s);
    }
    return out;
  }
};

std::optional<Zone> readZone(const fs::path& file, std::string_view apex, std::string& error) {
  Zone z;
  z.apex = nameOf(apex);
  auto records = dns::readZoneText(readFile(file), file.string(), {z.apex, 3600});
  if (!records) {
    error = records.error().message;
    return std::nullopt;
  }
  z.records = std::move(records).value();
  z.sets = dns::groupRRsets(z.records);
  return z;
}

// The KSK of the zone's DNSKEY RRset (RFC 4034 §2.1.1: Zone Key and Secure Entry Point flags).
std::optional<dns::ResourceRecord> kskOf(const Zone& z) {
  const auto* keys = z.find(z.apex, dns::RRType::DNSKEY);
  if (keys == nullptr) return std::nullopt;
  for (const auto& rr : keys->records) {
    const auto& k = std::get<dns::rdata::DNSKEY>(rr.data);
    if (k.flags == (dns::dnskey_flags::kZone | dns::dnskey_flags::kSep)) return rr;
  }
  return std::nullopt;
}

std::string describe(const Outcome& o) {
  return std::string(toString(o.state)) + "/" + std::string(toString(o.reason)) + ": " + o.detail;
}

// RFC 5155 §3.3 / §8.3: the hashed owner of an NSEC3 and whether its span covers a hash.
std::vector<uint8_t> ownerHash(const dns::ResourceRecord& nsec3) {
  auto h = dns::fromBase32Hex(nsec3.owner.label(0));
  return h ? *h : std::vector<uint8_t>{};
}

bool covers(const dns::ResourceRecord& nsec3, const std::vector<uint8_t>& hash) {
  const auto owner = ownerHash(nsec3);
  const auto& next = std::get<dns::rdata::NSEC3>(nsec3.data).nextHashed;
  if (owner < next) return owner < hash && hash < next;
  return hash > owner || hash < next;  // the last record of the chain wraps around
}

// Signing.

// One case's signed zones. Signing takes a second or more (key generation, knotd start-up), so a
// test process signs each case once and its tests share the result.
struct SignedZones {
  fs::path dir;
  std::string error;  // why signing or reading back failed; empty on success
  bool keep = false;  // a test failed: leave the signer's files for inspection
  Zone parent, child;
  uint32_t inception = 0, expiration = 0, now = 0;

  SignedZones() = default;
  SignedZones(const SignedZones&) = delete;
  SignedZones& operator=(const SignedZones&) = delete;
  ~SignedZones() {
    if (dir.empty()) return;
    if (keep || !error.empty()) {
      std::cerr << "signer output kept in " << dir << "\n";
    } else {
      std::error_code ec;
      fs::remove_all(dir, ec);
    }
  }
};

void signCase(const SignerCase& c, SignedZones& out) {
  std::string tmpl = (fs::temp_directory_path() / "zonewatch-signers-XXXXXX").string();
  if (::mkdtemp(tmpl.data()) == nullptr) {
    out.error = "mkdtemp failed";
    return;
  }
  out.dir = tmpl;
  std::ofstream(out.dir / (std::string(kParent) + ".zone")) << kParentZone;
  std::ofstream(out.dir / (std::string(kSignedChild) + ".zone")) << kSignedChildZone;

  std::string command = std::string("bash ") + shellQuote(ZONEWATCH_SIGN_ZONES_SCRIPT);
  for (std::string_view arg :
       {std::string_view(c.signer), std::string_view(c.algorithm), std::string_view(c.denial),
        kInception, kExpiration, std::string_view(out.dir.native()), kParent, kSignedChild}) {
    command += " " + shellQuote(arg);
  }
  auto [status, output] = run(command);
  if (status != 0) {
    out.error = command + " failed:\n" + output;
    return;
  }
  std::string readError;
  auto parent = readZone(out.dir / (std::string(kParent) + ".signed"), kParent, readError);
  auto child = readZone(out.dir / (std::string(kSignedChild) + ".signed"), kSignedChild, readError);
  if (!parent || !child) {
    out.error = "the codec cannot read the " + std::string(c.signer) + " output: " + readError;
    return;
  }
  out.parent = std::move(*parent);
  out.child = std::move(*child);

  const auto* keys = out.parent.find(out.parent.apex, dns::RRType::DNSKEY);
  if (keys == nullptr || keys->signatures.empty()) {
    out.error = "the signed parent has no signed DNSKEY RRset";
    return;
  }
  if (c.fixedTimes) {
    // The signer was told the period; validateAll checks that every signature carries it.
    out.inception = dnssecTime(kInception);
    out.expiration = dnssecTime(kExpiration);
    out.now = out.inception + kDay;
  } else {
    const auto& sig = std::get<dns::rdata::RRSIG>(keys->signatures.front().data);
    out.inception = sig.inception;
    out.expiration = sig.expiration;
    out.now = out.inception + kHour;
  }
}

SignedZones& signedZones(const SignerCase& c) {
  static std::map<std::string, std::unique_ptr<SignedZones>> cache;
  auto& entry = cache[c.name];
  if (!entry) {
    entry = std::make_unique<SignedZones>();
    signCase(c, *entry);
  }
  return *entry;
}

// The tests.

class RealSigner : public ::testing::TestWithParam<SignerCase> {
 protected:
  void SetUp() override {
    const auto& c = GetParam();
    for (const char* binary : c.binaries) {
      if (!hasBinary(binary)) GTEST_SKIP() << c.signer << " is not installed (no " << binary << ")";
    }
    signed_ = &signedZones(c);
    ASSERT_TRUE(signed_->error.empty()) << signed_->error;
    parent_ = signed_->parent;
    child_ = signed_->child;
    inception_ = signed_->inception;
    expiration_ = signed_->expiration;
    now_ = signed_->now;
  }

  void TearDown() override {
    if (signed_ != nullptr && HasFailure()) signed_->keep = true;
  }

  Validator validator(int64_t now) const {
    auto ksk = kskOf(parent_);
    EXPECT_TRUE(ksk.has_value()) << "no KSK (flags 257) in the parent's DNSKEY RRset";
    auto anchors =
        TrustAnchors::fromRecords(ksk ? std::vector{*ksk} : std::vector<dns::ResourceRecord>{});
    EXPECT_TRUE(anchors.ok());
    return Validator(anchors ? *anchors : TrustAnchors{}, now);
  }

  // Validates every authoritative RRset of `zone` with `trust`; returns "owner/TYPE" of each.
  // RFC 4035 §2.2: the NS RRset at a delegation point and glue below it are not authoritative
  // and carry no RRSIG; everything else, including the DS and NSEC at a delegation, is signed.
  std::set<std::string> validateAll(Validator& v, const ZoneTrust& trust, const Zone& zone) {
    std::set<std::string> seen;
    std::vector<dns::Name> cuts;
    for (const auto* ns : zone.ofType(dns::RRType::NS)) {
      if (!(ns->owner == zone.apex)) cuts.push_back(ns->owner);
    }
    for (const auto& set : zone.sets) {
      const std::string what =
          set.owner.lowercased().toString() + "/" + dns::typeToString(set.type);
      EXPECT_FALSE(set.records.empty()) << "RRSIG without the data it covers: " << what;
      if (set.records.empty()) continue;
      bool atCut = false, belowCut = false;
      for (const auto& cut : cuts) {
        atCut = atCut || set.owner == cut;
        belowCut = belowCut || (set.owner.isSubdomainOf(cut) && !(set.owner == cut));
      }
      if (belowCut || (atCut && set.type == dns::RRType::NS)) {
        EXPECT_TRUE(set.signatures.empty()) << "non-authoritative data is signed: " << what;
        continue;
      }
      v.resetBudget();  // each RRset is an independent answer
      auto verdict = v.rrset(trust, set);
      EXPECT_EQ(verdict.outcome.state, State::kSecure) << what << ": " << describe(verdict.outcome);
      if (GetParam().fixedTimes) {
        EXPECT_EQ(verdict.expiration, std::optional<uint32_t>(expiration_)) << what;
        for (const auto& s : set.signatures) {
          EXPECT_EQ(std::get<dns::rdata::RRSIG>(s.data).inception, inception_) << what;
        }
      }
      seen.insert(what);
    }
    return seen;
  }

  // What an authoritative server of the parent returns for "<child> DS" when there is none: the
  // NSEC owned by the child (RFC 4035 §3.1.4.1), or the NSEC3 matching it, or else the closest
  // encloser proof — the NSEC3 matching the closest encloser (here the apex) and the one covering
  // the next closer name (here the child itself) (RFC 5155 §7.2.4, §7.2.1).
  DelegationEvidence denialFor(const dns::Name& child, bool* matched = nullptr) const {
    DelegationEvidence evidence;
    if (matched != nullptr) *matched = false;
    if (const auto* nsec = parent_.find(child, dns::RRType::NSEC)) {
      evidence.denial.push_back(*nsec);
      if (matched != nullptr) *matched = true;
      return evidence;
    }
    const auto* param = parent_.find(parent_.apex, dns::RRType::NSEC3PARAM);
    EXPECT_NE(param, nullptr) << "the parent has neither an NSEC at " << child.toString()
                              << " nor an NSEC3PARAM";
    if (param == nullptr) return evidence;
    const auto& p = std::get<dns::rdata::NSEC3PARAM>(param->records.front().data);
    auto hashName = [&](const dns::Name& n) {
      auto h = crypto::nsec3Hash(n.lowercased().wire(), p.salt, p.iterations);
      return std::make_pair(h, nameOf(dns::toBase32Hex(h) + "." + parent_.apex.toString()));
    };
    auto [childHash, childOwner] = hashName(child);
    if (const auto* m = parent_.find(childOwner, dns::RRType::NSEC3)) {
      evidence.denial.push_back(*m);
      if (matched != nullptr) *matched = true;
      return evidence;
    }
    auto [apexHash, apexOwner] = hashName(parent_.apex);
    const auto* encloser = parent_.find(apexOwner, dns::RRType::NSEC3);
    EXPECT_NE(encloser, nullptr) << "no NSEC3 matches the apex";
    if (encloser != nullptr) evidence.denial.push_back(*encloser);
    for (const auto* set : parent_.ofType(dns::RRType::NSEC3)) {
      if (covers(set->records.front(), childHash)) {
        evidence.denial.push_back(*set);
        return evidence;
      }
    }
    ADD_FAILURE() << "no NSEC3 covers the hash of " << child.toString();
    return evidence;
  }

  SignedZones* signed_ = nullptr;
  Zone parent_, child_;
  uint32_t inception_ = 0, expiration_ = 0, now_ = 0;
};

TEST_P(RealSigner, ParentValidatesFromItsOwnKsk) {
  // Every authoritative RRset secure from the zone's own KSK; bogus once expired or altered.
  const auto& c = GetParam();
  auto v = validator(now_);
  const auto* keys = parent_.find(parent_.apex, dns::RRType::DNSKEY);
  ASSERT_NE(keys, nullptr);
  auto trust = v.anchorZone(keys);
  ASSERT_EQ(trust.outcome.state, State::kSecure) << describe(trust.outcome);
  EXPECT_EQ(trust.keys.size(), 2u) << "a KSK and a ZSK";
  ASSERT_TRUE(trust.dnskeyVerdict.has_value());
  EXPECT_EQ(trust.dnskeyVerdict->keyTag,
            std::optional<uint16_t>(dns::keyTag(kskOf(parent_)->rdata)));
  EXPECT_EQ(trust.dnskeyVerdict->algorithm, std::optional<uint8_t>(c.algorithmNumber));

  auto seen = validateAll(v, trust, parent_);
  // The records the test wrote must all have come back signed (the codec dropped nothing).
  for (const char* expected :
       {"parent.test./SOA", "parent.test./NS", "parent.test./MX", "parent.test./TXT",
        "parent.test./DNSKEY", "ns1.parent.test./A", "ns1.parent.test./AAAA", "www.parent.test./A",
        "www.parent.test./AAAA", "mixed-case.parent.test./TXT", "alias.parent.test./CNAME",
        "*.wild.parent.test./TXT", "deep.a.b.c.parent.test./A", "signed.parent.test./DS"}) {
    EXPECT_EQ(seen.count(expected), 1u) << expected << " was not validated";
  }
  const bool nsec3 = std::string_view(c.denial) != "nsec";
  EXPECT_EQ(seen.count("parent.test./NSEC3PARAM"), nsec3 ? 1u : 0u);
  const auto denials = parent_.ofType(nsec3 ? dns::RRType::NSEC3 : dns::RRType::NSEC).size();
  // Apex, ns1, ns2, mail, www, Mixed-Case, alias, *.wild, wild, deep.a.b.c and its two empty
  // non-terminals (NSEC3 only), signed; the insecure delegations may be left out with opt-out.
  EXPECT_GE(denials, 10u);

  // The same zone is bogus once its signatures have expired...
  {
    auto late = validator(int64_t{expiration_} + 1);
    auto expired = late.anchorZone(keys);
    EXPECT_EQ(expired.outcome.state, State::kBogus);
    EXPECT_EQ(toString(expired.outcome.reason), toString(Reason::kRrsigExpired))
        << describe(expired.outcome);
  }
  // ...and an RRset is bogus once one of its records has been altered.
  const auto* www = parent_.find(nameOf("www.parent.test"), dns::RRType::A);
  ASSERT_NE(www, nullptr);
  auto tampered = *www;
  auto& rr = tampered.records.front();
  rr.rdata.back() ^= 0x40;  // 192.0.2.80 → 192.0.2.16: still an address, no longer the signed one
  rr.data = *dns::decodeRdata(rr.type, rr.rdata);
  v.resetBudget();
  auto verdict = v.rrset(trust, tampered);
  EXPECT_EQ(verdict.outcome.state, State::kBogus);
  EXPECT_EQ(toString(verdict.outcome.reason), toString(Reason::kSignatureInvalid))
      << describe(verdict.outcome);
}

TEST_P(RealSigner, SignedChildValidatesThroughItsDs) {
  auto v = validator(now_);
  auto parent = v.anchorZone(parent_.find(parent_.apex, dns::RRType::DNSKEY));
  ASSERT_EQ(parent.outcome.state, State::kSecure) << describe(parent.outcome);

  const auto childName = nameOf(kSignedChild);
  DelegationEvidence evidence;
  const auto* ds = parent_.find(childName, dns::RRType::DS);
  ASSERT_NE(ds, nullptr) << "the parent does not publish the child's DS";
  evidence.ds = *ds;
  const auto* childKeys = child_.find(child_.apex, dns::RRType::DNSKEY);
  ASSERT_NE(childKeys, nullptr);

  v.resetBudget();
  auto child = v.childZone(parent, childName, evidence, childKeys);
  ASSERT_EQ(child.outcome.state, State::kSecure) << describe(child.outcome);
  ASSERT_EQ(child.ds.size(), 1u);
  auto childKsk = kskOf(child_);
  ASSERT_TRUE(childKsk.has_value());
  EXPECT_EQ(child.ds.front().keyTag, dns::keyTag(childKsk->rdata));
  EXPECT_EQ(int{child.ds.front().digestType}, int{dns::digest::kSha256});

  auto seen = validateAll(v, child, child_);
  for (const char* expected :
       {"signed.parent.test./SOA", "signed.parent.test./NS", "signed.parent.test./TXT",
        "signed.parent.test./DNSKEY", "ns1.signed.parent.test./A", "www.signed.parent.test./A"}) {
    EXPECT_EQ(seen.count(expected), 1u) << expected << " was not validated";
  }

  // An attacker strips the DS from the referral and shows the parent's denial records for the
  // name instead: they list DS (RFC 4035 §5.2), so the child is bogus, not downgraded to insecure.
  bool matched = false;
  auto stripped = denialFor(childName, &matched);
  ASSERT_TRUE(matched) << "a delegation with a DS always has an NSEC/NSEC3 of its own";
  v.resetBudget();
  auto downgraded = v.childZone(parent, childName, stripped, childKeys);
  EXPECT_EQ(downgraded.outcome.state, State::kBogus) << describe(downgraded.outcome);
  EXPECT_EQ(toString(downgraded.outcome.reason), toString(Reason::kDenialInvalid))
      << describe(downgraded.outcome);
}

TEST_P(RealSigner, UnsignedChildIsProvablyInsecure) {
  const auto& c = GetParam();
  auto v = validator(now_);
  auto parent = v.anchorZone(parent_.find(parent_.apex, dns::RRType::DNSKEY));
  ASSERT_EQ(parent.outcome.state, State::kSecure) << describe(parent.outcome);

  const auto childName = nameOf(kUnsignedChild);
  ASSERT_EQ(parent_.find(childName, dns::RRType::DS), nullptr);
  bool matched = false;
  auto evidence = denialFor(childName, &matched);
  ASSERT_FALSE(evidence.denial.empty());
  if (c.unsignedChild == Reason::kOptOut) {
    // The signer left the insecure delegation out of the NSEC3 chain (RFC 5155 §7.1), so only the
    // opt-out span covering it speaks for it.
    EXPECT_FALSE(matched) << "the opt-out signer gave the insecure delegation an NSEC3";
    ASSERT_EQ(evidence.denial.size(), 2u);
    EXPECT_TRUE(std::get<dns::rdata::NSEC3>(evidence.denial.back().records.front().data).optOut());
  } else {
    EXPECT_TRUE(matched);
  }

  v.resetBudget();
  auto child = v.childZone(parent, childName, evidence, nullptr);
  EXPECT_EQ(child.outcome.state, State::kInsecure) << describe(child.outcome);
  EXPECT_EQ(toString(child.outcome.reason), toString(c.unsignedChild)) << describe(child.outcome);
  EXPECT_FALSE(v.budget().exhausted);
}

INSTANTIATE_TEST_SUITE_P(Signers, RealSigner, ::testing::ValuesIn(kCases),
                         [](const ::testing::TestParamInfo<SignerCase>& p) {
                           return std::string(p.param.name);
                         });

}  // namespace
}  // namespace zonewatch::dnssec
