// Operator identity: the registrable domain of a name server host, by the Public Suffix List.
//
// "ns1.example-dns.net." and "ns2.example-dns.net." are one operator, "example-dns.net."; a
// change of a domain's operator set is the signal of a transfer or a takeover. libpsl answers from
// the list Debian ships (package publicsuffix), loaded once. Names under suffixes the list does not
// know (a lab TLD, say) follow the list's default rule: the last two labels.
#pragma once

#include <string>
#include <vector>

#include "monitor/dns/name.h"
#include "monitor/util/result.h"

namespace zonewatch::probe {

class OperatorResolver {
 public:
  // Loads the newest list libpsl finds (psl_latest); falls back to the list built into libpsl.
  static Result<OperatorResolver> load(const std::string& pslFile = {});
  OperatorResolver(OperatorResolver&&) noexcept;
  OperatorResolver& operator=(OperatorResolver&&) noexcept;
  ~OperatorResolver();

  // The registrable domain of `host`, absolute and lowercase ("example-dns.net."); the host
  // itself when it is a public suffix or shorter.
  std::string operatorOf(const dns::Name& host) const;
  // The sorted distinct operators of a set of NS hosts.
  std::vector<std::string> operatorsOf(const std::vector<dns::Name>& hosts) const;

 private:
  explicit OperatorResolver(void* psl, bool owned);
  void* psl_ = nullptr;  // psl_ctx_t*, kept opaque so that <libpsl.h> stays in operators.cpp
  bool owned_ = false;
};

}  // namespace zonewatch::probe
