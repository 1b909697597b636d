#include "monitor/web/diff.h"

#include <algorithm>
#include <nlohmann/json.hpp>
#include <set>

namespace zonewatch::web {

namespace {

using nlohmann::json;

json parsed(std::string_view text) {
  if (text.empty()) return json(nullptr);
  json j = json::parse(text, nullptr, /*allow_exceptions=*/false);
  return j.is_discarded() ? json(std::string(text)) : j;
}

std::string shown(const json& j) {
  // A string is shown without its quotes; invalid UTF-8 is replaced, never thrown on.
  if (j.is_string()) return j.get<std::string>();
  return j.dump(-1, ' ', false, json::error_handler_t::replace);
}

class Builder {
 public:
  void add(char sign, std::string text) {
    if (lines_.size() < kMaxDiffLines) {
      lines_.push_back({sign, std::move(text)});
    } else {
      ++dropped_;
    }
  }
  std::vector<DiffLine> take() && {
    if (dropped_ > 0) lines_.push_back({' ', "(" + std::to_string(dropped_) + " more lines)"});
    return std::move(lines_);
  }

 private:
  std::vector<DiffLine> lines_;
  size_t dropped_ = 0;
};

void diffArrays(const json& before, const json& after, const std::string& prefix, Builder& out) {
  std::set<std::string> was, is;
  for (const json& e : before) was.insert(shown(e));
  for (const json& e : after) is.insert(shown(e));
  for (const std::string& e : was) {
    if (!is.contains(e)) out.add('-', prefix + e);
  }
  for (const std::string& e : was) {
    if (is.contains(e)) out.add(' ', prefix + e);
  }
  for (const std::string& e : is) {
    if (!was.contains(e)) out.add('+', prefix + e);
  }
}

void diffValues(const json& before, const json& after, const std::string& prefix, Builder& out) {
  if (before.is_array() && after.is_array()) {
    diffArrays(before, after, prefix, out);
    return;
  }
  if (!before.is_null()) out.add('-', prefix + shown(before));
  if (!after.is_null()) out.add('+', prefix + shown(after));
}

void diffObjects(const json& before, const json& after, Builder& out) {
  std::set<std::string> keys;
  for (const auto& [key, value] : before.items()) keys.insert(key);
  for (const auto& [key, value] : after.items()) keys.insert(key);
  for (const std::string& key : keys) {
    const json b = before.contains(key) ? before.at(key) : json(nullptr);
    const json a = after.contains(key) ? after.at(key) : json(nullptr);
    if (b != a) diffValues(b, a, key + ": ", out);
  }
}

}  // namespace

std::vector<DiffLine> diffJson(std::string_view beforeJson, std::string_view afterJson) {
  const json before = parsed(beforeJson);
  const json after = parsed(afterJson);
  Builder out;
  if (before.is_object() && after.is_object()) {
    diffObjects(before, after, out);
  } else {
    diffValues(before, after, "", out);
  }
  return std::move(out).take();
}

}  // namespace zonewatch::web
