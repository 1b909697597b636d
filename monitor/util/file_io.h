// Whole-file reads: the configuration and the files it names (domains_file, secret_file,
// root_hints, trust_anchors), and the files given on the command line. Failures are values.
#pragma once

#include <filesystem>
#include <string>

#include "monitor/util/result.h"

namespace zonewatch {

// No file zonewatch reads is near this: a domains_file of a million names is about 30 MB. Past it
// the read stops with an error, so that a path naming /dev/zero or a runaway log cannot exhaust
// memory at start-up or on a reload.
inline constexpr size_t kMaxFileBytes = size_t{64} << 20;

// The file's bytes, or the reason they cannot be had ("No such file or directory", "it is a
// directory": a directory is refused rather than read as empty; "larger than 64 MiB"). The caller
// adds the path.
Result<std::string> readWholeFile(const std::filesystem::path& path);
// The same, with the path in front of the reason ("/etc/x: No such file or directory").
Result<std::string> readFileNamed(const std::string& path);

}  // namespace zonewatch
