// Whole-file reads: the configuration and the files it names (domains_file, secret_file,
// root_hints, trust_anchors), and the files given on the command line. Failures are values.
#pragma once

#include <filesystem>
#include <string>

#include "monitor/util/result.h"

namespace zonewatch {

// The file's bytes, or the reason they cannot be had ("No such file or directory", "it is a
// directory": a directory is refused rather than read as empty). The caller adds the path.
Result<std::string> readWholeFile(const std::filesystem::path& path);
// The same, with the path in front of the reason ("/etc/x: No such file or directory").
Result<std::string> readFileNamed(const std::string& path);

}  // namespace zonewatch
