#include "monitor/probe/operators.h"

#include <libpsl.h>

#include <algorithm>
#include <utility>

namespace zonewatch::probe {
namespace {

psl_ctx_t* ctx(void* psl) {
  return static_cast<psl_ctx_t*>(psl);
}

}  // namespace

Result<OperatorResolver> OperatorResolver::load(const std::string& pslFile) {
  if (!pslFile.empty()) {
    psl_ctx_t* psl = psl_load_file(pslFile.c_str());
    if (psl == nullptr) return fail(pslFile + ": cannot load the Public Suffix List");
    return OperatorResolver(psl, true);
  }
  // psl_latest(NULL) compares the list Debian installs (package publicsuffix) with the one compiled
  // into libpsl and returns the newer; it is NULL only when neither can be loaded.
  if (psl_ctx_t* psl = psl_latest(nullptr)) return OperatorResolver(psl, true);
  if (const psl_ctx_t* builtin = psl_builtin()) {
    // The built-in context is static: never freed, hence not owned.
    return OperatorResolver(const_cast<psl_ctx_t*>(builtin), false);
  }
  return fail("no Public Suffix List available (install the publicsuffix package)");
}

OperatorResolver::OperatorResolver(void* psl, bool owned) : psl_(psl), owned_(owned) {}

OperatorResolver::OperatorResolver(OperatorResolver&& other) noexcept
    : psl_(std::exchange(other.psl_, nullptr)), owned_(std::exchange(other.owned_, false)) {}

OperatorResolver& OperatorResolver::operator=(OperatorResolver&& other) noexcept {
  if (this != &other) {
    if (owned_) psl_free(ctx(psl_));
    psl_ = std::exchange(other.psl_, nullptr);
    owned_ = std::exchange(other.owned_, false);
  }
  return *this;
}

OperatorResolver::~OperatorResolver() {
  if (owned_) psl_free(ctx(psl_));
}

std::string OperatorResolver::operatorOf(const dns::Name& host) const {
  std::string absolute = host.lowercased().toString();
  if (host.isRoot() || psl_ == nullptr) return absolute;
  // libpsl wants the host without the trailing dot; the list's rules are lowercase.
  const std::string bare = absolute.substr(0, absolute.size() - 1);
  const char* registrable = psl_registrable_domain(ctx(psl_), bare.c_str());
  // NULL: the host is itself a public suffix (or shorter), so it is its own operator.
  if (registrable == nullptr) return absolute;
  // The result points into `bare`: a suffix of it, owned by us.
  return std::string(registrable) + ".";
}

std::vector<std::string> OperatorResolver::operatorsOf(const std::vector<dns::Name>& hosts) const {
  std::vector<std::string> result;
  result.reserve(hosts.size());
  for (const dns::Name& host : hosts) result.push_back(operatorOf(host));
  std::sort(result.begin(), result.end());
  result.erase(std::unique(result.begin(), result.end()), result.end());
  return result;
}

}  // namespace zonewatch::probe
