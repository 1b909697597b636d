// runCheck end to end where no name server is needed (argument errors), and against a root that
// does not answer: an address in 127.0.0.0/8 where nothing listens, so every query fails fast on
// loopback and nothing leaves the machine.
#include "monitor/commands/check_command.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "tests/unit/monitor/commands/icinga_reader.h"

namespace zonewatch {
namespace {

struct Outcome {
  int code = -1;
  std::string out;
  std::string err;
};

Outcome run(const CheckArgs& args, const std::string& input = "") {
  std::istringstream in(input);
  std::ostringstream out, err;
  Outcome r;
  r.code = runCheck(args, in, out, err);
  r.out = out.str();
  r.err = err.str();
  return r;
}

std::string writeFile(const std::string& name, const std::string& text) {
  const std::string path = ::testing::TempDir() + name;
  std::ofstream(path) << text;
  return path;
}

// A root that cannot answer. Every argument error below is caught before any query is sent; the
// root hints are given anyway so that no test could ever reach the real root servers.
CheckArgs deadRootArgs() {
  CheckArgs args;
  args.rootHintsFile = writeFile("dead_root.hints",
                                 ". 3600000 IN NS a.root-servers.test.\n"
                                 "a.root-servers.test. 3600000 IN A 127.255.53.1\n");
  args.timeoutMs = 100;
  args.domains = {"example.test."};
  return args;
}

// --rdap's own argument errors: each is UNKNOWN before any query, with the option named.
TEST(CheckCommandTest, RdapArgumentErrorsAreUnknown) {
  CheckArgs args = deadRootArgs();
  args.configPath = writeFile("unused.yaml", "domains: [example.test]\n");
  Outcome r = run(args);
  EXPECT_EQ(r.code, kExitUnknown);
  EXPECT_NE(r.err.find("--config: read for --rdap only"), std::string::npos) << r.err;

  args = deadRootArgs();
  args.rdap = true;
  args.domains.clear();
  args.domainsFile = "-";
  r = run(args, "example.test\n");
  EXPECT_EQ(r.code, kExitUnknown);
  EXPECT_NE(r.err.find("--rdap: give the domains as arguments, not with -f"), std::string::npos)
      << r.err;

  args = deadRootArgs();
  args.rdap = true;
  args.configPath = writeFile("bad_rdap.yaml", "domains: [example.test]\nrdap: {timeout: 1ms}\n");
  r = run(args);
  EXPECT_EQ(r.code, kExitUnknown);
  EXPECT_NE(r.err.find("--config: "), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("rdap.timeout"), std::string::npos) << r.err;
}

// A domain no bootstrap entry covers: the reason is printed, no request is sent, and the verdict
// and exit code are those of the DNS part (here UNKNOWN: the root does not answer).
TEST(CheckCommandTest, RdapWithoutAServerLeavesTheDnsExitCode) {
  CheckArgs args = deadRootArgs();
  const Outcome dnsOnly = run(args);
  args.rdap = true;
  const Outcome r = run(args);
  EXPECT_EQ(r.code, dnsOnly.code);
  EXPECT_EQ(r.out.substr(0, r.out.find('|')), dnsOnly.out.substr(0, dnsOnly.out.find('|')));
  EXPECT_NE(r.out.find("\nRegistration (RDAP)\n  Not available no_server: "), std::string::npos)
      << r.out;
  args.json = true;
  const Outcome j = run(args);
  EXPECT_EQ(j.code, dnsOnly.code);
  const nlohmann::json line = nlohmann::json::parse(j.out.substr(0, j.out.find('\n')));
  EXPECT_EQ(line["registration"]["ok"], false) << j.out;
  EXPECT_EQ(line["registration"]["error"]["kind"], "no_server") << j.out;
}

TEST(CheckCommandTest, BadArgumentsAreUnknownWithAMessage) {
  CheckArgs args = deadRootArgs();
  args.at = "yesterday";
  Outcome r = run(args);
  EXPECT_EQ(r.code, kExitUnknown);
  EXPECT_NE(r.err.find("--at"), std::string::npos) << r.err;
  // A plugin says UNKNOWN on its standard output too, where Icinga reads it.
  EXPECT_EQ(r.out.rfind("ZONEWATCH UNKNOWN - --at: ", 0), 0u) << r.out;

  args = deadRootArgs();
  args.signatureWarning = "7 days";
  r = run(args);
  EXPECT_EQ(r.code, kExitUnknown);
  EXPECT_NE(r.err.find("--signature-warning"), std::string::npos) << r.err;

  args = deadRootArgs();
  args.domains = {"bad..name"};
  r = run(args);
  EXPECT_EQ(r.code, kExitUnknown);
  EXPECT_NE(r.err.find("bad..name"), std::string::npos) << r.err;

  args = deadRootArgs();
  args.ipv4Only = args.ipv6Only = true;
  EXPECT_EQ(run(args).code, kExitUnknown);

  for (int64_t timeout : {int64_t{0}, int64_t{60001}, int64_t{1} << 40}) {
    args = deadRootArgs();
    args.timeoutMs = timeout;
    r = run(args);
    EXPECT_EQ(r.code, kExitUnknown) << timeout;
    EXPECT_NE(r.err.find("--timeout"), std::string::npos) << r.err;
  }

  // An unset shell variable, and the root, which has no delegation above it.
  for (const char* domain : {"", "."}) {
    args = deadRootArgs();
    args.domains = {domain};
    r = run(args);
    EXPECT_EQ(r.code, kExitUnknown) << domain;
    EXPECT_EQ(r.out.rfind("ZONEWATCH UNKNOWN - ", 0), 0u) << domain << ": " << r.out;
    EXPECT_EQ(r.out.find('\n'), r.out.size() - 1) << domain << ": " << r.out;
  }

  // Critical must come no earlier than warning, or nothing would ever warn.
  args = deadRootArgs();
  args.signatureWarning = "1d";
  args.signatureCritical = "7d";
  r = run(args);
  EXPECT_EQ(r.code, kExitUnknown);
  EXPECT_NE(r.err.find("--signature-critical"), std::string::npos) << r.err;

  // The thresholds read the configuration's duration syntax (config/values.h), the same as
  // signature_warning in the file: combined units and milliseconds parse and compare.
  args = deadRootArgs();
  args.signatureWarning = "1h30m";
  args.signatureCritical = "1h30m1s";
  r = run(args);
  EXPECT_EQ(r.code, kExitUnknown);
  EXPECT_NE(r.err.find("is longer than --signature-warning"), std::string::npos) << r.err;
  args.signatureWarning = "7D";  // the file's units are lowercase
  r = run(args);
  EXPECT_NE(r.err.find("--signature-warning: \"7D\" has the unknown unit"), std::string::npos)
      << r.err;
}

TEST(CheckCommandTest, EveryArgumentErrorShowsTheUsage) {
  CheckArgs args = deadRootArgs();
  args.at = "2026-11-27";
  Outcome r = run(args);
  EXPECT_EQ(r.code, kExitUnknown);
  EXPECT_NE(r.err.find("Usage: zonewatch check"), std::string::npos) << r.err;
  args = deadRootArgs();
  args.domains = {"a..b"};
  r = run(args);
  EXPECT_NE(r.err.find("Usage: zonewatch check"), std::string::npos) << r.err;
}

TEST(CheckCommandTest, UnreadableOrInvalidFilesAreUnknown) {
  CheckArgs args = deadRootArgs();
  args.rootHintsFile = "/nonexistent/root.hints";
  Outcome r = run(args);
  EXPECT_EQ(r.code, kExitUnknown);
  EXPECT_NE(r.err.find("/nonexistent/root.hints"), std::string::npos) << r.err;

  args = deadRootArgs();
  args.trustAnchorFile = writeFile("bad.anchor", ". 3600 IN NS a.root-servers.test.\n");
  r = run(args);
  EXPECT_EQ(r.code, kExitUnknown);
  EXPECT_NE(r.err.find("bad.anchor"), std::string::npos) << r.err;

  args = deadRootArgs();
  args.rootHintsFile = writeFile("broken.hints", ". 3600000 IN NS\n");
  r = run(args);
  EXPECT_EQ(r.code, kExitUnknown);
  EXPECT_NE(r.err.find("broken.hints:1:"), std::string::npos) << r.err;
}

TEST(CheckCommandTest, UnreachableRootIsUnknownAndReported) {
  CheckArgs args = deadRootArgs();
  args.at = "2026-11-27T12:00:00Z";
  args.domains = {"example.test.", "bücher.test"};
  Outcome r = run(args);
  EXPECT_EQ(r.code, kExitUnknown) << r.out << r.err;
  EXPECT_TRUE(r.err.empty()) << r.err;
  // The plugin status line, then the reports (the long output).
  const testing::PluginOutput plugin = testing::parsePluginOutput(r.out);
  ASSERT_TRUE(plugin.valid) << plugin.problem << "\n" << r.out;
  EXPECT_EQ(plugin.state, "UNKNOWN");
  EXPECT_EQ(plugin.text.rfind("2 domains: 2 unknown; example.test. indeterminate (", 0), 0u)
      << plugin.text;
  EXPECT_TRUE(plugin.has("example.test. servers_answering"));
  ASSERT_FALSE(plugin.longOutput.empty());
  EXPECT_EQ(plugin.longOutput.front(), "example.test.") << r.out;
  EXPECT_NE(r.out.find("bücher.test. (xn--bcher-kva.test.)"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("  Error"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("2026-11-27T12:00:00Z"), std::string::npos) << r.out;
}

TEST(CheckCommandTest, JsonIsOneParsableLinePerDomain) {
  CheckArgs args = deadRootArgs();
  args.json = true;
  args.at = "2026-11-27T12:00:00Z";
  args.domains = {"a.test", "b.test"};
  Outcome r = run(args);
  EXPECT_EQ(r.code, kExitUnknown);
  std::istringstream lines(r.out);
  std::string line;
  std::vector<nlohmann::json> parsed;
  while (std::getline(lines, line)) parsed.push_back(nlohmann::json::parse(line, nullptr, false));
  ASSERT_EQ(parsed.size(), 2u) << r.out;
  EXPECT_EQ(parsed[0]["domain"], "a.test.");
  EXPECT_EQ(parsed[1]["domain"], "b.test.");
  EXPECT_EQ(parsed[0]["observed_at_unix"], 1795780800);
  EXPECT_TRUE(parsed[0]["error"].is_string());
}

// -w/-c are monitoring-plugins ranges over the seconds left; the older duration options stay.
TEST(CheckCommandTest, ThresholdRangesAreCheckedBeforeAnyQuery) {
  CheckArgs args = deadRootArgs();
  args.warning = "604800";  // 0..604800: would alert while more than 7 days are left
  Outcome r = run(args);
  EXPECT_EQ(r.code, kExitUnknown);
  EXPECT_NE(r.err.find("-w: \"604800\" would alert while much time is left"), std::string::npos)
      << r.err;
  args = deadRootArgs();
  args.warning = "1d:";
  args.critical = "7d:";
  r = run(args);
  EXPECT_EQ(r.code, kExitUnknown);
  EXPECT_NE(r.err.find("-c (604800:) is longer than -w (86400:)"), std::string::npos) << r.err;
  args = deadRootArgs();
  args.critical = "soon:";
  r = run(args);
  EXPECT_NE(r.err.find("-c: \"soon:\" is no threshold range"), std::string::npos) << r.err;
  args = deadRootArgs();
  args.concurrency = 0;
  EXPECT_NE(run(args).err.find("--concurrency"), std::string::npos);
}

// "@~:N" (alert at N seconds or fewer) is the other form an expiry threshold can take.
TEST(CheckCommandTest, InclusiveRangesAreAccepted) {
  CheckArgs args = deadRootArgs();
  args.at = "2026-11-27T12:00:00Z";
  args.warning = "@~:10d";
  args.critical = "2d:";
  Outcome r = run(args);
  EXPECT_EQ(r.code, kExitUnknown);
  const testing::PluginOutput plugin = testing::parsePluginOutput(r.out);
  ASSERT_TRUE(plugin.valid) << plugin.problem;
  EXPECT_EQ(plugin.state, "UNKNOWN");
  EXPECT_EQ(plugin.text.rfind("example.test. indeterminate (", 0), 0u) << r.out;
}

// -f: one domain a line, comments and blank lines skipped; each result streamed as a block with
// its own status line; the exit code is the worst.
TEST(CheckCommandTest, DomainsFromAFileStreamOneBlockEach) {
  CheckArgs args = deadRootArgs();
  args.domains.clear();
  args.domainsFile = writeFile("domains.txt",
                               "# the portfolio\n"
                               "a.test\n"
                               "\n"
                               "   b.test.   # trailing comment\n"
                               "c.test\n");
  args.concurrency = 2;
  Outcome r = run(args);
  EXPECT_EQ(r.code, kExitUnknown) << r.out << r.err;
  EXPECT_TRUE(r.err.empty()) << r.err;  // no progress line unless asked for (a terminal)
  std::istringstream lines(r.out);
  std::vector<std::string> seen;
  for (std::string line; std::getline(lines, line);) {
    if (line.rfind("ZONEWATCH ", 0) != 0) continue;
    const testing::PluginOutput plugin = testing::parsePluginOutput(line);
    ASSERT_TRUE(plugin.valid) << plugin.problem;
    EXPECT_EQ(plugin.state, "UNKNOWN");
    seen.push_back(plugin.text.substr(0, plugin.text.find(' ')));
  }
  std::sort(seen.begin(), seen.end());
  EXPECT_EQ(seen, (std::vector<std::string>{"a.test.", "b.test.", "c.test."})) << r.out;
}

TEST(CheckCommandTest, DomainsFromStandardInputAsJsonWithProgress) {
  CheckArgs args = deadRootArgs();
  args.domains.clear();
  args.domainsFile = "-";
  args.json = true;
  args.progress = true;
  Outcome r = run(args, "x.test\ny.test\n");
  EXPECT_EQ(r.code, kExitUnknown);
  std::istringstream lines(r.out);
  size_t parsed = 0;
  for (std::string line; std::getline(lines, line);) {
    EXPECT_FALSE(nlohmann::json::parse(line, nullptr, false).is_discarded()) << line;
    ++parsed;
  }
  EXPECT_EQ(parsed, 2u) << r.out;
  EXPECT_NE(r.err.find("\rzonewatch check: 2/2 done, 0 critical, 0 warning, 2 unknown"),
            std::string::npos)
      << r.err;
  EXPECT_EQ(r.err.substr(r.err.size() - 4), "\r\x1b[K");  // the progress line is erased at the end
}

TEST(CheckCommandTest, ABadLineInTheFileIsUnknownBeforeAnyQuery) {
  CheckArgs args = deadRootArgs();
  args.domains.clear();
  args.domainsFile = writeFile("bad-domains.txt", "a.test\n# fine\nbad..name\n");
  Outcome r = run(args);
  EXPECT_EQ(r.code, kExitUnknown);
  EXPECT_NE(r.err.find("bad-domains.txt:3: \"bad..name\" is not a domain name"), std::string::npos)
      << r.err;
  EXPECT_EQ(r.out.find("a.test"), std::string::npos) << r.out;  // nothing was observed
  args.domainsFile = writeFile("empty-domains.txt", "# nothing\n\n");
  EXPECT_NE(run(args).err.find("lists no domain"), std::string::npos);
  args.domainsFile = "/nonexistent/domains.txt";
  EXPECT_NE(run(args).err.find("cannot open /nonexistent/domains.txt"), std::string::npos);
  args.domains = {"a.test"};
  args.domainsFile = "-";
  EXPECT_NE(run(args, "b.test\n").err.find("either with -f or as arguments"), std::string::npos);
}

// The UNKNOWN line stays one status line whatever was typed, and --json output stays JSON only.
TEST(CheckCommandTest, TheUnknownLineIsCleanAndAbsentWithJson) {
  CheckArgs args = deadRootArgs();
  args.domains = {"a|b..c"};
  Outcome r = run(args);
  EXPECT_EQ(r.code, kExitUnknown);
  const testing::PluginOutput plugin = testing::parsePluginOutput(r.out);
  ASSERT_TRUE(plugin.valid) << plugin.problem;
  EXPECT_EQ(plugin.state, "UNKNOWN");
  EXPECT_TRUE(plugin.perf.empty()) << r.out;
  EXPECT_EQ(r.out.find('|'), std::string::npos) << r.out;
  args.json = true;
  r = run(args);
  EXPECT_EQ(r.code, kExitUnknown);
  EXPECT_EQ(r.out, "");
}

TEST(CheckCommandTest, WorstExitCodeFollowsMaxStateAlt) {
  EXPECT_EQ(worseExitCode(kExitOk, kExitWarning), kExitWarning);
  EXPECT_EQ(worseExitCode(kExitUnknown, kExitOk), kExitUnknown);
  EXPECT_EQ(worseExitCode(kExitUnknown, kExitWarning), kExitWarning);
  EXPECT_EQ(worseExitCode(kExitCritical, kExitUnknown), kExitCritical);
  EXPECT_EQ(worseExitCode(kExitWarning, kExitCritical), kExitCritical);
}

}  // namespace
}  // namespace zonewatch
