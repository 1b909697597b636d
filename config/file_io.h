// Whole-file reads for the loader: the configuration, domains_file, secret_file and the files
// root_hints and trust_anchors name. Failures are values; the callers know the key to blame.
#pragma once

#include <filesystem>
#include <string>

#include "monitor/util/result.h"

namespace zonewatch::config {

// The file's bytes, or the reason they cannot be had ("No such file or directory", "it is a
// directory": a directory is refused rather than read as empty). The caller adds the path.
Result<std::string> readWholeFile(const std::filesystem::path& path);

}  // namespace zonewatch::config
