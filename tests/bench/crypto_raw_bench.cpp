// crypto_raw_bench: how fast the OpenSSL adapter verifies RRSIG-sized data and hashes NSEC3 names.
//
// The raw baseline for the validator: per algorithm, PublicKey::verify() rates over ~200 octets
// (about an A RRset plus its RRSIG header) and PublicKey::fromDnskey() rates (the key building a
// memo miss adds), then nsec3Hash() rates at 0, 10 and 150 iterations. Measures thread CPU time
// rather than wall time because the build machines are shared; each figure is the best of a few
// rounds. Usage: crypto_raw_bench [seconds-per-measurement].
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "monitor/crypto/crypto.h"
#include "tests/bench/bench_measure.h"

namespace {

namespace crypto = zonewatch::crypto;

using zonewatch::bench::measure;

struct Case {
  const char* label;
  uint8_t algorithm;
  int rsaBits;
};

}  // namespace

int main(int argc, char** argv) {
  const double seconds = argc > 1 ? std::atof(argv[1]) : 1.0;
  std::vector<uint8_t> data(200);
  for (size_t i = 0; i < data.size(); ++i) data[i] = static_cast<uint8_t>(i * 31 + 7);

  int status = 0;
  const Case cases[] = {
      {"ECDSA P-256 (13)", 13, 0}, {"RSA-2048 (8)", 8, 2048}, {"Ed25519 (15)", 15, 0}};
  for (const Case& c : cases) {
    auto priv = crypto::PrivateKey::generate(c.algorithm, c.rsaBits > 0 ? c.rsaBits : 2048);
    if (!priv.ok()) {
      std::printf("%-18s cannot generate a key: %s\n", c.label, priv.error().message.c_str());
      status = 1;
      continue;
    }
    auto pub = crypto::PublicKey::fromDnskey(c.algorithm, priv->dnskeyPublicKey());
    auto sig = priv->sign(data);
    if (!pub.ok() || !sig.ok()) {
      std::printf("%-18s cannot prepare the key or signature\n", c.label);
      status = 1;
      continue;
    }
    const double rate =
        measure(seconds, [&] { return pub->verify(data, *sig) == crypto::VerifyOutcome::kValid; });
    if (rate < 0) {
      std::printf("%-18s verify did not return valid\n", c.label);
      status = 1;
      continue;
    }
    std::printf("verify %-18s %10.0f /s  %8.2f us each\n", c.label, rate, 1e6 / rate);
    // What a memo miss adds on top: building the OpenSSL key from the DNSKEY field (ZoneKey does
    // it once per key per validation).
    const auto field = priv->dnskeyPublicKey();
    const double parse =
        measure(seconds, [&] { return crypto::PublicKey::fromDnskey(c.algorithm, field).ok(); });
    std::printf("parse  %-18s %10.0f /s  %8.2f us each\n", c.label, parse, 1e6 / parse);
  }

  // RFC 5155 Appendix A style input: a short owner name and a 4-octet salt.
  const std::vector<uint8_t> owner = {3, 'w', 'w', 'w', 7, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 0};
  const std::vector<uint8_t> salt = {0xaa, 0xbb, 0xcc, 0xdd};
  for (uint16_t iterations : {uint16_t{0}, uint16_t{10}, uint16_t{150}}) {
    const double rate =
        measure(seconds, [&] { return crypto::nsec3Hash(owner, salt, iterations).size() == 20; });
    std::printf("crypto::nsec3Hash %3u iterations  %10.0f /s  %8.2f us each\n",
                unsigned{iterations}, rate, 1e6 / rate);
  }
  return status;
}
