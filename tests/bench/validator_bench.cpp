// validator_bench: verifications per second through the validator for one signed RRset, next to
// OpenSSL's raw verify rate for the same key, data and signature, measured in the same run with
// interleaved rounds, and the memoised path's cost.
//
// "Raw" is the least the adapter allows a DNSSEC verification to cost: PublicKey::verify on a key
// built once, over signed data already in canonical form. That is one EVP_DigestVerify on a copy
// of a context initialised at key build time, plus (ECDSA only) the RFC 6605 r|s to DER
// conversion, which any OpenSSL verification of an RRSIG needs. Nothing else is in the loop.
//
// "Validator" is the whole path one validation takes for the RRset on a memo miss, as the prober
// drives it: the zone's keys taken from the DNSKEY RRset (usableKeys), the DNSKEY's public key
// looked up in the prober's KeyCache (parsed once per distinct key, as the prober's cache holds the
// keys of the zones it watches), a fresh budget, Validator::rrset with the RFC 4035 §5.3.1 checks,
// canonical ordering and the signed data (RFC 4034 §3.1.8.1), key selection, budget accounting and
// the wildcard check. Goal: >= 85% of the raw rate.
//
// "Cold key" is the same path without a KeyCache: the key is parsed in every validation, the cost
// of the first validation with a key never seen before. Printed for reference, not part of the
// goal.
//
// "Memoised" is the same path with a VerificationCache that already holds the result: it must
// spend no signature verification at all (and parses no key).
//
// Rates are thread CPU time, best of interleaved rounds; the machine is shared, so figures vary
// from run to run by several percent.
//
// Usage: validator_bench [seconds-per-measurement]
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "monitor/crypto/crypto.h"
#include "monitor/dns/canonical.h"
#include "monitor/dnssec/key_cache.h"
#include "monitor/dnssec/validator.h"
#include "monitor/dnssec/verification_cache.h"
#include "tests/bench/bench_measure.h"

namespace {

using namespace zonewatch;

constexpr int64_t kNow = 1'800'000'000;

dns::Name name(const char* text) {
  return dns::Name::parse(text).value();
}

struct Case {
  const char* label;
  uint8_t algorithm;
  int rsaBits;
};

}  // namespace

int main(int argc, char** argv) {
  const double seconds = argc > 1 ? std::atof(argv[1]) : 2.0;
  const int rounds = 6;
  const dns::Name zone = name("bench.example.");
  int status = 0;

  std::printf("%-18s %12s %12s %7s %13s %7s %14s %s\n", "algorithm", "raw /s", "validator /s",
              "ratio", "cold key /s", "ratio", "memoised /s", "verifications spent (memoised)");
  for (const Case& c : {Case{"ECDSA P-256 (13)", 13, 0}, Case{"RSA-2048 (8)", 8, 2048},
                        Case{"Ed25519 (15)", 15, 0}}) {
    auto priv = crypto::PrivateKey::generate(c.algorithm, c.rsaBits > 0 ? c.rsaBits : 2048);
    if (!priv) {
      std::printf("%-18s cannot generate a key: %s\n", c.label, priv.error().message.c_str());
      status = 1;
      continue;
    }
    auto dnskey =
        dns::ResourceRecord::make(zone, dns::RRType::DNSKEY, 3600,
                                  dns::rdata::DNSKEY{256, 3, c.algorithm, priv->dnskeyPublicKey()});

    // The RRset: an NS set of three hosts, as a zone apex carries.
    dns::RRset rrset;
    rrset.owner = zone;
    rrset.type = dns::RRType::NS;
    rrset.ttl = 3600;
    for (const char* host : {"ns1.bench.example.", "ns2.provider-a.net.", "ns3.provider-b.org."}) {
      rrset.records.push_back(
          dns::ResourceRecord::make(zone, dns::RRType::NS, 3600, dns::rdata::NS{name(host)}));
    }
    dns::rdata::RRSIG sig;
    sig.typeCovered = dns::RRType::NS;
    sig.algorithm = c.algorithm;
    sig.labels = 2;
    sig.originalTtl = 3600;
    sig.inception = static_cast<uint32_t>(kNow - 3600);
    sig.expiration = static_cast<uint32_t>(kNow + 30 * 86400);
    sig.keyTag = dns::keyTag(dnskey.rdata);
    sig.signer = zone;
    const auto data = dns::signedData(sig, rrset);
    sig.signature = priv->sign(data).value();
    rrset.signatures.push_back(dns::ResourceRecord::make(zone, dns::RRType::RRSIG, 3600, sig));

    const auto pub = crypto::PublicKey::fromDnskey(c.algorithm, priv->dnskeyPublicKey()).value();
    dns::RRset keySet;
    keySet.owner = zone;
    keySet.type = dns::RRType::DNSKEY;
    keySet.records.push_back(dnskey);

    // The zone as the validator holds it once its DNSKEY RRset is authenticated; the keys are
    // taken afresh in each call below, so each validation parses the key as a real one does.
    dnssec::ZoneTrust trust;
    trust.zone = zone;
    trust.outcome = dnssec::Outcome::secure(zone);

    auto raw = [&] { return pub.verify(data, sig.signature) == crypto::VerifyOutcome::kValid; };
    dnssec::KeyCache keyCache;
    dnssec::Validator validator(dnssec::TrustAnchors{}, kNow, {}, nullptr, &keyCache);
    auto viaValidator = [&] {
      validator.resetBudget();
      trust.keys = dnssec::usableKeys(keySet);
      return validator.rrset(trust, rrset).outcome.state == dnssec::State::kSecure;
    };
    dnssec::Validator coldValidator(dnssec::TrustAnchors{}, kNow);
    auto coldKey = [&] {
      coldValidator.resetBudget();
      trust.keys = dnssec::usableKeys(keySet);
      return coldValidator.rrset(trust, rrset).outcome.state == dnssec::State::kSecure;
    };
    dnssec::VerificationCache cache;
    dnssec::Validator memoValidator(dnssec::TrustAnchors{}, kNow, {}, &cache);
    uint64_t memoisedVerifications = 0;
    auto memoised = [&] {
      memoValidator.resetBudget();
      trust.keys = dnssec::usableKeys(keySet);
      bool ok = memoValidator.rrset(trust, rrset).outcome.state == dnssec::State::kSecure;
      memoisedVerifications += memoValidator.budget().verifications;
      return ok;
    };
    memoised();  // the one verification that fills the memo
    memoisedVerifications = 0;

    // Interleaved rounds: both paths see the same machine load.
    double bestRaw = 0, bestValidator = 0, bestCold = 0, bestMemo = 0;
    for (int round = 0; round < rounds; ++round) {
      bestRaw = std::max(bestRaw, bench::measureOnce(seconds / rounds, raw));
      bestValidator = std::max(bestValidator, bench::measureOnce(seconds / rounds, viaValidator));
      bestCold = std::max(bestCold, bench::measureOnce(seconds / rounds / 2, coldKey));
      bestMemo = std::max(bestMemo, bench::measureOnce(seconds / rounds / 4, memoised));
    }
    if (bestRaw <= 0 || bestValidator <= 0 || bestCold <= 0 || bestMemo <= 0) {
      std::printf("%-18s a path did not validate\n", c.label);
      status = 1;
      continue;
    }
    const double ratio = bestValidator / bestRaw;
    std::printf("%-18s %12.0f %12.0f %6.1f%% %13.0f %6.1f%% %14.0f %llu\n", c.label, bestRaw,
                bestValidator, ratio * 100, bestCold, bestCold / bestRaw * 100, bestMemo,
                static_cast<unsigned long long>(memoisedVerifications));
    if (ratio < 0.85 || memoisedVerifications != 0) status = 2;
  }
  std::printf("goal: validator >= 85%% of raw, memoised path spends 0 verifications: %s\n",
              status == 0 ? "met" : "NOT met");
  return status;
}
