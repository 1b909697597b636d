// Reads a plugin's output the way Icinga 2 does (lib/icinga/pluginutility.cpp and
// perfdatavalue.cpp): the first line up to '|' is the status text, the rest of it the performance
// data, split on spaces outside single quotes; each item is 'label'=value[UOM];warn;crit;min;max
// with '' for a quote inside a quoted label, and the value a number (or U) followed by its unit.
// The tests hold zonewatch's output to this reader, not to zonewatch's own writer.
#pragma once

#include <optional>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

namespace zonewatch::testing {

struct PerfItem {
  std::string label;
  std::optional<double> value;  // none: "U"
  std::string uom;
  std::string warn, crit, min, max;
};

struct PluginOutput {
  bool valid = false;
  std::string problem;  // why it is not valid
  std::string state;    // OK, WARNING, CRITICAL, UNKNOWN
  std::string text;     // after "ZONEWATCH STATE - "
  std::vector<PerfItem> perf;
  std::vector<std::string> longOutput;  // the lines after the first

  bool has(const std::string& label) const {
    for (const PerfItem& p : perf) {
      if (p.label == label) return true;
    }
    return false;
  }
  // The item with this label; an empty one (no value) when there is none.
  PerfItem item(const std::string& label) const {
    for (const PerfItem& p : perf) {
      if (p.label == label) return p;
    }
    return {};
  }
};

// Splits on spaces outside single quotes ('' inside quotes is an escaped quote).
inline std::optional<std::vector<std::string>> splitPerfdata(const std::string& text) {
  std::vector<std::string> out;
  std::string current;
  bool quoted = false;
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '\'') {
      if (quoted && i + 1 < text.size() && text[i + 1] == '\'') {
        current += "''";
        ++i;
        continue;
      }
      quoted = !quoted;
      current += c;
    } else if (c == ' ' && !quoted) {
      if (!current.empty()) out.push_back(current);
      current.clear();
    } else {
      current += c;
    }
  }
  if (quoted) return std::nullopt;
  if (!current.empty()) out.push_back(current);
  return out;
}

inline std::optional<PerfItem> parsePerfItem(const std::string& item, std::string& problem) {
  PerfItem p;
  size_t eq;
  if (!item.empty() && item[0] == '\'') {
    size_t i = 1;
    for (; i < item.size(); ++i) {
      if (item[i] != '\'') {
        p.label += item[i];
      } else if (i + 1 < item.size() && item[i + 1] == '\'') {
        p.label += '\'';
        ++i;
      } else {
        break;
      }
    }
    if (i + 1 >= item.size() || item[i + 1] != '=') {
      problem = "quoted label without '=': " + item;
      return std::nullopt;
    }
    eq = i + 1;
  } else {
    eq = item.find('=');
    if (eq == std::string::npos || eq == 0) {
      problem = "no label=value: " + item;
      return std::nullopt;
    }
    p.label = item.substr(0, eq);
    if (p.label.find_first_of(" '") != std::string::npos) {
      problem = "unquoted label with a space or quote: " + item;
      return std::nullopt;
    }
  }
  std::vector<std::string> fields;
  std::stringstream rest(item.substr(eq + 1));
  for (std::string f; std::getline(rest, f, ';');) fields.push_back(f);
  if (fields.empty() || fields.size() > 5) {
    problem = "not value;warn;crit;min;max: " + item;
    return std::nullopt;
  }
  static const std::regex kValue(R"(^(U|[-+]?[0-9]*\.?[0-9]+(?:[eE][-+]?[0-9]+)?)([a-zA-Z%]*)$)");
  static const std::regex kUom(R"(^(|s|ms|us|%|B|KB|MB|GB|TB|c)$)");
  std::smatch m;
  if (!std::regex_match(fields[0], m, kValue) || !std::regex_match(m[2].str(), kUom)) {
    problem = "bad value or unit: " + item;
    return std::nullopt;
  }
  if (m[1] != "U") p.value = std::stod(m[1]);
  p.uom = m[2];
  fields.resize(5);
  p.warn = fields[1];
  p.crit = fields[2];
  p.min = fields[3];
  p.max = fields[4];
  static const std::regex kNumber(R"(^([-+]?[0-9]*\.?[0-9]+)?$)");
  if (!std::regex_match(p.min, kNumber) || !std::regex_match(p.max, kNumber)) {
    problem = "min/max not numbers: " + item;
    return std::nullopt;
  }
  return p;
}

inline PluginOutput parsePluginOutput(const std::string& output) {
  PluginOutput r;
  std::istringstream lines(output);
  std::string first;
  std::getline(lines, first);
  for (std::string l; std::getline(lines, l);) r.longOutput.push_back(l);
  const size_t bar = first.find('|');
  const std::string text = first.substr(0, bar == std::string::npos ? first.size() : bar);
  static const std::regex kStatus(R"(^ZONEWATCH (OK|WARNING|CRITICAL|UNKNOWN) - (.*\S)\s*$)");
  std::smatch m;
  if (!std::regex_match(text, m, kStatus)) {
    r.problem = "not a status line: " + first;
    return r;
  }
  r.state = m[1];
  r.text = m[2];
  if (bar != std::string::npos) {
    auto items = splitPerfdata(first.substr(bar + 1));
    if (!items) {
      r.problem = "unbalanced quotes in the perfdata";
      return r;
    }
    for (const std::string& item : *items) {
      auto p = parsePerfItem(item, r.problem);
      if (!p) return r;
      r.perf.push_back(*p);
    }
  }
  r.valid = true;
  return r;
}

}  // namespace zonewatch::testing
