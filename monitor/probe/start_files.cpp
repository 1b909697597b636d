#include "monitor/probe/start_files.h"

#include "monitor/probe/root_hints.h"
#include "monitor/util/file_io.h"

namespace zonewatch::probe {

Result<ZoneCut> loadRootHints(const std::string& path) {
  if (path.empty()) return builtInRootHints();
  auto text = readFileNamed(path);
  if (!text) return Unexpected{text.error()};
  return rootHintsFromText(*text, path);
}

Result<dnssec::TrustAnchors> loadTrustAnchors(const std::string& path) {
  if (path.empty()) return dnssec::TrustAnchors::builtInRoot();
  auto text = readFileNamed(path);
  if (!text) return Unexpected{text.error()};
  return dnssec::TrustAnchors::fromText(*text, path);
}

}  // namespace zonewatch::probe
