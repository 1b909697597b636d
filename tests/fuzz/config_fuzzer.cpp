// libFuzzer target for the configuration loader (config/config.h): the bytes are YAML text for
// parseConfig, and then, read as a domains_file, the same bytes go through readDomainsFile and
// validateConfig. The loader is the one module allowed to throw, and only ConfigError: a broken
// configuration must stop start-up with a message naming the file, line and key. So any other
// exception escaping (yaml-cpp's own, bad_alloc, out_of_range, ...) is a finding, as is a crash,
// a hang or a ConfigError without a position. For every configuration it accepts, describe()
// must work and every domain must be a lowercase, non-root name.
//
// Relative paths in a configuration (domains_file, secret_file, root_hints, trust_anchors) are
// taken from its directory, so the text is named "<fixtures>/fuzz" with a private directory of
// small fixture files: the loader's file reads are exercised, and a run never depends on what the
// current directory holds.
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <exception>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>
#include <system_error>

#include "config/config.h"
#include "config/raw_config.h"

namespace {

using namespace zonewatch::config;

// Inputs past this are no configuration anyone writes; a bound keeps every run fast.
constexpr size_t kMaxInput = 65536;

std::filesystem::path fixtures;

[[noreturn]] void failed(const std::string& what) {
  std::fprintf(stderr, "config_fuzzer: %s\n", what.c_str());
  std::abort();
}

void check(bool ok, const std::string& what) {
  if (!ok) failed("property violated: " + what);
}

void removeFixtures() {
  std::error_code ec;
  std::filesystem::remove_all(fixtures, ec);
}

void writeFile(const std::string& name, const std::string& content) {
  std::ofstream(fixtures / name, std::ios::binary) << content;
}

// A ConfigError must say where: the file, a 1-based line and column, and the whole in what().
void checkError(const ConfigError& e, const std::string& source) {
  const std::string what = e.what();
  check(!e.file().empty(), "ConfigError without a file: " + what);
  check(e.line() > 0 && e.column() > 0, "ConfigError without a position: " + what);
  check(what.rfind(e.file() + ":" + std::to_string(e.line()) + ":", 0) == 0,
        "ConfigError text does not start with FILE:LINE: " + what);
  check(!e.reason().empty(), "ConfigError without a reason: " + what);
  if (e.file() == source) check(e.line() <= 1 + kMaxInput, "line past the input: " + what);
}

void checkConfig(const Config& config) {
  check(!describe(config).empty(), "empty describe()");
  for (const DomainSpec& d : config.domains) {
    check(!d.name.isRoot(), "the root as a watched domain");
    check(d.name.wire() == d.name.lowercased().wire(),
          "domain not lowercased: " + d.name.toString());
    check(d.interval.count() > 0, "zero interval for " + d.name.toString());
  }
}

// Runs one load; only ConfigError may leave it.
template <class Load>
void load(Load&& loadFn, const std::string& source) {
  try {
    checkConfig(loadFn());
  } catch (const ConfigError& e) {
    checkError(e, source);
  } catch (const std::exception& e) {
    failed(std::string("exception other than ConfigError escaped the loader: ") + e.what());
  } catch (...) {
    failed("non-std exception escaped the loader");
  }
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  std::string dir = std::filesystem::temp_directory_path() / "zonewatch-config-fuzz.XXXXXX";
  if (::mkdtemp(dir.data()) == nullptr) failed("cannot create the fixture directory");
  fixtures = dir;
  std::atexit(removeFixtures);
  writeFile("domains.txt", "# portfolio\nexample.com\n  example.net  # spaced\nbücher.example\n");
  writeFile("empty.txt", "");
  writeFile("secret", "s3cr3t\n");
  writeFile("hints", ". NS a.root.test.\na.root.test. A 127.0.0.1\n");
  writeFile("root.ds",
            ". DS 20326 8 2 E06D44B80B8F1D39A95C0B0D7C65D08458E880409BBC683457104237C7F8EC8D\n");
  std::filesystem::create_directory(fixtures / "dir");
  ::setenv("ZONEWATCH_FUZZ_SECRET", "from-env", 1);
  ::setenv("ZONEWATCH_FUZZ_EMPTY", "", 1);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const unsigned char* data, size_t size) {
  if (size > kMaxInput) return 0;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const std::string source = (fixtures / "fuzz").string();

  load([&] { return parseConfig(text, source); }, source);

  // The same bytes as the lines of a domains_file next to a one-key configuration.
  const std::string domainsSource = (fixtures / "fuzz-domains").string();
  load(
      [&] {
        RawConfig raw;
        raw.files.push_back(source);
        raw.baseDir = fixtures.string();
        raw.domainsFile = RawScalar{"fuzz-domains", {0, 1, 15}, {0, 1, 1}};
        readDomainsFile(raw, text, domainsSource);
        return validateConfig(raw);
      },
      domainsSource);
  return 0;
}
