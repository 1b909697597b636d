// Reads a Markdown table of a document the model's tables are held to (README.md's events,
// monitor/probe/README.md's findings).
#pragma once

#include <fstream>
#include <map>
#include <regex>
#include <sstream>
#include <string>
#include <string_view>

namespace zonewatch::model::testing {

// The rows of the table in `path` whose heading line is `heading`, up to the first blank line:
// for each row `row` matches, its first group mapped to its second. Empty when there is no such
// table.
inline std::map<std::string, std::string> readmeTable(const std::string& path,
                                                      std::string_view heading,
                                                      const std::regex& row) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  const std::string document = text.str();
  std::map<std::string, std::string> rows;
  const size_t start = document.find(heading);
  if (start == std::string::npos) return rows;
  std::istringstream lines(document.substr(start));
  std::string line;
  std::getline(lines, line);  // heading
  std::getline(lines, line);  // rule
  while (std::getline(lines, line) && !line.empty()) {
    std::smatch m;
    if (std::regex_match(line, m, row)) rows[m[1]] = m[2];
  }
  return rows;
}

}  // namespace zonewatch::model::testing
