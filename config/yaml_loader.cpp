// YAML -> RawConfig: the only file that includes yaml-cpp. It checks the shape of the document
// (known keys, scalar vs list vs map, no duplicate keys) and records where every value sits;
// interpreting the values is validate.cpp's job.
#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <array>
#include <filesystem>
#include <memory>
#include <optional>
#include <sstream>
#include <vector>

#include "config/raw_config.h"
#include "config/values.h"
#include "monitor/util/file_io.h"

namespace zonewatch::config {
namespace {

// A key of a map and where its value goes: a scalar or a list of scalars in the owner, or neither
// for the keys whose values are maps or lists of maps, which the reader handles by name.
template <class Owner>
struct Field {
  std::string_view name;
  std::optional<RawScalar> Owner::*scalar = nullptr;
  std::optional<RawList> Owner::*list = nullptr;
};

constexpr std::array<Field<RawConfig>, 28> kTopFields = {{
    {"database", &RawConfig::database},
    {"database_password_file", &RawConfig::databasePasswordFile},
    {"delivery_claim", &RawConfig::deliveryClaim},
    {"interval", &RawConfig::interval},
    {"concurrency", &RawConfig::concurrency},
    {"probe_threads", &RawConfig::probeThreads},
    {"per_server_qps", &RawConfig::perServerQps},
    {"query_timeout", &RawConfig::queryTimeout},
    {"query_tries", &RawConfig::queryTries},
    {"observation_timeout", &RawConfig::observationTimeout},
    {"root_hints", &RawConfig::rootHints},
    {"trust_anchors", &RawConfig::trustAnchors},
    {"domains"},
    {"domains_file", &RawConfig::domainsFile},
    {"confirm_polls", &RawConfig::confirmPolls},
    {"failing_polls", &RawConfig::failingPolls},
    {"signature_warning", &RawConfig::signatureWarning},
    {"signature_critical", &RawConfig::signatureCritical},
    {"retention", &RawConfig::retention},
    {"max_snapshots_per_hour", &RawConfig::maxSnapshotsPerHour},
    {"metrics"},
    {"web"},
    {"webhooks"},
    {"ip_versions", nullptr, &RawConfig::ipVersions},
    {"log_level", &RawConfig::logLevel},
    {"log_format", &RawConfig::logFormat},
    {"validation"},
    {"rdap"},
}};
constexpr std::array<Field<RawDomainOptions>, 3> kDomainFields = {{
    {"name"},
    {"interval", &RawDomainOptions::interval},
    {"expect"},
}};
constexpr std::array<Field<RawDomainOptions>, 2> kExpectFields = {{
    {"operators", nullptr, &RawDomainOptions::operators},
    {"ds_key_tags", nullptr, &RawDomainOptions::dsKeyTags},
}};
constexpr std::array<Field<RawMetrics>, 3> kMetricsFields = {{
    {"enabled", &RawMetrics::enabled},
    {"listen", &RawMetrics::listen},
    {"per_domain", &RawMetrics::perDomain},
}};
constexpr std::array<Field<RawWeb>, 1> kWebFields = {{
    {"enabled", &RawWeb::enabled},
}};
constexpr std::array<Field<RawRdap>, 11> kRdapFields = {{
    {"enabled", &RawRdap::enabled},
    {"interval", &RawRdap::interval},
    {"min_spacing", &RawRdap::minSpacing},
    {"timeout", &RawRdap::timeout},
    {"bootstrap_file", &RawRdap::bootstrapFile},
    {"bootstrap_url", &RawRdap::bootstrapUrl},
    {"bootstrap_refresh", &RawRdap::bootstrapRefresh},
    {"servers"},
    {"expiry_warning", &RawRdap::expiryWarning},
    {"mismatch_grace", &RawRdap::mismatchGrace},
    {"hijack_window", &RawRdap::hijackWindow},
}};
constexpr std::array<Field<RawValidation>, 5> kValidationFields = {{
    {"max_keys_per_signature", &RawValidation::maxKeysPerSignature},
    {"max_signatures_per_rrset", &RawValidation::maxSignaturesPerRRset},
    {"max_verifications", &RawValidation::maxVerifications},
    {"max_nsec3_hashes", &RawValidation::maxNsec3Hashes},
    {"max_nsec3_iterations", &RawValidation::maxNsec3Iterations},
}};
constexpr std::array<Field<RawWebhook>, 14> kWebhookFields = {{
    {"name", &RawWebhook::name},
    {"url", &RawWebhook::url},
    {"secret", &RawWebhook::secret},
    {"secret_file", &RawWebhook::secretFile},
    {"secret_env", &RawWebhook::secretEnv},
    {"min_severity", &RawWebhook::minSeverity},
    {"events", nullptr, &RawWebhook::events},
    {"format", &RawWebhook::format},
    {"timeout", &RawWebhook::timeout},
    {"give_up_after", &RawWebhook::giveUpAfter},
    {"retry_initial", &RawWebhook::retryInitial},
    {"retry_max", &RawWebhook::retryMax},
    {"headers"},
    {"bearer_token_file", &RawWebhook::bearerTokenFile},
}};

// What yaml-cpp calls the node, in the words of an error message.
std::string shapeOf(const YAML::Node& node) {
  switch (node.Type()) {
    case YAML::NodeType::Scalar:
      return "a single value";
    case YAML::NodeType::Sequence:
      return "a list";
    case YAML::NodeType::Map:
      return "a map";
    default:
      return "nothing";
  }
}

class YamlReader {
 public:
  explicit YamlReader(RawConfig& raw) : raw_(raw) {}

  void readDocument(const YAML::Node& root) {
    if (root.IsNull()) {
      raw_.fail({0, 1, 1}, "",
                "the configuration is empty: it needs at least `domains` or `domains_file`");
    }
    if (!root.IsMap()) {
      raw_.fail(pos(root), "", "the configuration must be a map of keys, not " + shapeOf(root));
    }
    readMap(root, "", kTopFields, raw_,
            [&](std::string_view key, const YAML::Node& k, const YAML::Node& v,
                const std::string& path) {
              if (key == "domains") readDomains(k, v, path);
              if (key == "metrics") readMetrics(k, v, path);
              if (key == "web") readWeb(k, v, path);
              if (key == "webhooks") readWebhooks(k, v, path);
              if (key == "validation") readValidation(k, v, path);
              if (key == "rdap") readRdap(k, v, path);
            });
  }

 private:
  SourcePos pos(const YAML::Node& node) const {
    YAML::Mark mark = node.Mark();
    if (mark.is_null()) return {0, 1, 1};
    return {0, static_cast<uint32_t>(mark.line) + 1, static_cast<uint32_t>(mark.column) + 1};
  }

  // Walks a map, storing each value in `owner` by the field table, or passing it to `special` for
  // a field without a member. Rejects non-scalar keys, unknown keys (with a suggestion) and
  // duplicate keys, which YAML forbids but yaml-cpp keeps: silently taking the last one would hide
  // an edit gone wrong.
  template <class Owner, size_t N, class Special>
  void readMap(const YAML::Node& map, const std::string& path,
               const std::array<Field<Owner>, N>& fields, Owner& owner, Special&& special) {
    std::vector<std::pair<std::string, SourcePos>> seen;
    for (const auto& entry : map) {
      // Copies: yaml-cpp's iterator yields its pairs by value, so references into them dangle.
      const YAML::Node k = entry.first;
      const YAML::Node v = entry.second;
      if (!k.IsScalar()) raw_.fail(pos(k), path, "a key must be a plain word, not " + shapeOf(k));
      const std::string& key = k.Scalar();
      std::string keyPath = path.empty() ? key : path + "." + key;
      auto field = std::find_if(fields.begin(), fields.end(),
                                [&](const Field<Owner>& f) { return f.name == key; });
      if (field == fields.end()) {
        std::vector<std::string_view> names;
        for (const Field<Owner>& f : fields) names.push_back(f.name);
        std::string reason = "unknown key";
        if (std::string near = closestMatch(key, names); !near.empty()) {
          reason += " (did you mean '" + near + "'?)";
        }
        raw_.fail(pos(k), keyPath, reason);
      }
      for (const auto& [name, where] : seen) {
        if (name == key) {
          raw_.fail(pos(k), keyPath, "duplicate key (first at " + raw_.where(where) + ")");
        }
      }
      seen.emplace_back(key, pos(k));
      if (field->scalar != nullptr) {
        owner.*(field->scalar) = scalar(k, v, keyPath);
      } else if (field->list != nullptr) {
        owner.*(field->list) = scalarList(k, v, keyPath);
      } else {
        special(key, k, v, keyPath);
      }
    }
  }

  template <class Owner, size_t N>
  void readMap(const YAML::Node& map, const std::string& path,
               const std::array<Field<Owner>, N>& fields, Owner& owner) {
    readMap(map, path, fields, owner,
            [](std::string_view, const YAML::Node&, const YAML::Node&, const std::string&) {});
  }

  RawScalar scalar(const YAML::Node& k, const YAML::Node& v, const std::string& path) {
    if (v.IsNull()) raw_.fail(pos(k), path, "has no value");
    if (!v.IsScalar()) raw_.fail(pos(v), path, "must be a single value, not " + shapeOf(v));
    return RawScalar{v.Scalar(), pos(v), pos(k)};
  }

  RawList scalarList(const YAML::Node& k, const YAML::Node& v, const std::string& path) {
    if (v.IsNull()) raw_.fail(pos(k), path, "has no value (write [] for an empty list)");
    if (!v.IsSequence()) raw_.fail(pos(v), path, "must be a list, not " + shapeOf(v));
    RawList list{{}, pos(v), pos(k)};
    size_t i = 0;
    for (const YAML::Node& item : v) {
      std::string itemPath = path + "[" + std::to_string(i++) + "]";
      if (item.IsNull()) raw_.fail(pos(item), itemPath, "empty list item");
      if (!item.IsScalar()) {
        raw_.fail(pos(item), itemPath, "must be a single value, not " + shapeOf(item));
      }
      list.items.push_back(RawScalar{item.Scalar(), pos(item), pos(item)});
    }
    return list;
  }

  // A map whose values are single values, keys in file order; duplicate keys are refused here
  // as everywhere (the caller judges case-insensitive duplicates, which depend on what the keys
  // mean).
  RawMap scalarMap(const YAML::Node& k, const YAML::Node& v, const std::string& path) {
    if (v.IsNull()) raw_.fail(pos(k), path, "has no value (write {} for an empty map)");
    if (!v.IsMap()) raw_.fail(pos(v), path, "must be a map, not " + shapeOf(v));
    RawMap map{{}, pos(v), pos(k)};
    for (const auto& entry : v) {
      const YAML::Node ek = entry.first;
      const YAML::Node ev = entry.second;
      if (!ek.IsScalar())
        raw_.fail(pos(ek), path, "a key must be a plain word, not " + shapeOf(ek));
      const std::string entryPath = path + "." + ek.Scalar();
      for (const auto& [seenKey, seenValue] : map.entries) {
        if (seenKey.text == ek.Scalar()) {
          raw_.fail(pos(ek), entryPath, "duplicate key (first at " + raw_.where(seenKey.pos) + ")");
        }
      }
      map.entries.emplace_back(RawScalar{ek.Scalar(), pos(ek), pos(ek)}, scalar(ek, ev, entryPath));
    }
    return map;
  }

  void readDomains(const YAML::Node& k, const YAML::Node& v, const std::string& path) {
    raw_.domainsKeyPos = pos(k);
    if (v.IsNull()) raw_.fail(pos(k), path, "has no value (write [] for an empty list)");
    if (!v.IsSequence()) raw_.fail(pos(v), path, "must be a list of domains, not " + shapeOf(v));
    uint32_t index = 0;
    for (const YAML::Node& item : v) {
      std::string itemPath = path + "[" + std::to_string(index) + "]";
      RawDomain domain;
      domain.pos = pos(item);
      domain.index = index++;
      if (item.IsScalar()) {
        domain.name = RawScalar{item.Scalar(), pos(item), pos(item)};
      } else if (item.IsMap()) {
        auto options = std::make_shared<RawDomainOptions>();
        bool named = false;
        readMap(item, itemPath, kDomainFields, *options,
                [&](std::string_view key, const YAML::Node& dk, const YAML::Node& dv,
                    const std::string& p) {
                  if (key == "name") {
                    domain.name = scalar(dk, dv, p);
                    named = true;
                  } else if (key == "expect") {
                    if (dv.IsNull()) raw_.fail(pos(dk), p, "has no value");
                    if (!dv.IsMap()) raw_.fail(pos(dv), p, "must be a map, not " + shapeOf(dv));
                    readMap(dv, p, kExpectFields, *options);
                  }
                });
        if (!named) raw_.fail(pos(item), itemPath + ".name", "is required");
        domain.options = std::move(options);
      } else if (item.IsNull()) {
        raw_.fail(pos(item), itemPath, "empty list item");
      } else {
        raw_.fail(pos(item), itemPath,
                  "must be a domain name or a map with `name`, not " + shapeOf(item));
      }
      raw_.domains.push_back(std::move(domain));
    }
  }

  void readMetrics(const YAML::Node& k, const YAML::Node& v, const std::string& path) {
    if (v.IsNull()) raw_.fail(pos(k), path, "has no value");
    if (!v.IsMap()) raw_.fail(pos(v), path, "must be a map, not " + shapeOf(v));
    RawMetrics metrics;
    metrics.pos = pos(v);
    metrics.keyPos = pos(k);
    readMap(v, path, kMetricsFields, metrics);
    raw_.metrics = std::move(metrics);
  }

  void readWeb(const YAML::Node& k, const YAML::Node& v, const std::string& path) {
    if (v.IsNull()) raw_.fail(pos(k), path, "has no value");
    if (!v.IsMap()) raw_.fail(pos(v), path, "must be a map, not " + shapeOf(v));
    RawWeb web;
    readMap(v, path, kWebFields, web);
    raw_.web = std::move(web);
  }

  void readValidation(const YAML::Node& k, const YAML::Node& v, const std::string& path) {
    if (v.IsNull()) raw_.fail(pos(k), path, "has no value");
    if (!v.IsMap()) raw_.fail(pos(v), path, "must be a map, not " + shapeOf(v));
    RawValidation validation;
    readMap(v, path, kValidationFields, validation);
    raw_.validation = std::move(validation);
  }

  void readRdap(const YAML::Node& k, const YAML::Node& v, const std::string& path) {
    if (v.IsNull()) raw_.fail(pos(k), path, "has no value");
    if (!v.IsMap()) raw_.fail(pos(v), path, "must be a map, not " + shapeOf(v));
    RawRdap rdap;
    readMap(v, path, kRdapFields, rdap,
            [&](std::string_view key, const YAML::Node& rk, const YAML::Node& rv,
                const std::string& p) {
              if (key == "servers") rdap.servers = scalarMap(rk, rv, p);
            });
    raw_.rdap = std::move(rdap);
  }

  void readWebhooks(const YAML::Node& k, const YAML::Node& v, const std::string& path) {
    if (v.IsNull()) raw_.fail(pos(k), path, "has no value (write [] for no webhooks)");
    if (!v.IsSequence()) raw_.fail(pos(v), path, "must be a list of webhooks, not " + shapeOf(v));
    size_t index = 0;
    for (const YAML::Node& item : v) {
      std::string itemPath = path + "[" + std::to_string(index++) + "]";
      if (!item.IsMap()) {
        raw_.fail(pos(item), itemPath, "must be a map with `name` and `url`, not " + shapeOf(item));
      }
      RawWebhook hook;
      hook.pos = pos(item);
      readMap(item, itemPath, kWebhookFields, hook,
              [&](std::string_view key, const YAML::Node& hk, const YAML::Node& hv,
                  const std::string& p) {
                if (key == "headers") hook.headers = scalarMap(hk, hv, p);
              });
      raw_.webhooks.push_back(std::move(hook));
    }
  }

  RawConfig& raw_;
};

// Sees only where each document starts: the shape is YamlReader's job.
class DocumentStarts : public YAML::EventHandler {
 public:
  void OnDocumentStart(const YAML::Mark& mark) override { last = mark; }
  void OnDocumentEnd() override {}
  void OnNull(const YAML::Mark&, YAML::anchor_t) override {}
  void OnAlias(const YAML::Mark&, YAML::anchor_t) override {}
  void OnScalar(const YAML::Mark&, const std::string&, YAML::anchor_t,
                const std::string&) override {}
  void OnSequenceStart(const YAML::Mark&, const std::string&, YAML::anchor_t,
                       YAML::EmitterStyle::value) override {}
  void OnSequenceEnd() override {}
  void OnMapStart(const YAML::Mark&, const std::string&, YAML::anchor_t,
                  YAML::EmitterStyle::value) override {}
  void OnMapEnd() override {}

  YAML::Mark last = YAML::Mark::null_mark();
};

// More documents than this are counted as "more than" it: the error only needs to say "not one".
constexpr size_t kMaxDocumentsCounted = 100;

// The number of YAML documents in the text. Not YAML::LoadAll: on a token that starts no node
// (a ',' outside a flow collection) yaml-cpp 0.7's parser reports an empty document without
// consuming the token, and LoadAll collects such documents forever (yaml-cpp issue #1040). Here a
// document that starts where the previous one did is that token, reported at its place.
size_t countDocuments(const std::string& text, const RawConfig& raw) {
  std::istringstream stream(text);
  YAML::Parser parser(stream);
  DocumentStarts starts;
  size_t count = 0;
  YAML::Mark previous = YAML::Mark::null_mark();
  while (count < kMaxDocumentsCounted && parser.HandleNextDocument(starts)) {
    if (count > 0 && starts.last.pos == previous.pos) {
      raw.fail({0, static_cast<uint32_t>(starts.last.line) + 1,
                static_cast<uint32_t>(starts.last.column) + 1},
               "", "invalid YAML: unexpected character where a value should start");
    }
    previous = starts.last;
    ++count;
  }
  return count;
}

}  // namespace

RawConfig readRawConfig(std::string_view yamlText, const std::string& sourceName) {
  RawConfig raw;
  raw.files.push_back(sourceName);
  raw.baseDir = std::filesystem::path(sourceName).parent_path().string();
  try {
    const std::string text(yamlText);
    size_t documents = countDocuments(text, raw);
    if (documents > 1) {
      std::string many = std::to_string(documents);
      if (documents >= kMaxDocumentsCounted) many += " or more";
      raw.fail({0, 1, 1}, "",
               "the file holds " + many + " YAML documents; the configuration must be one");
    }
    YamlReader(raw).readDocument(documents == 0 ? YAML::Node() : YAML::Load(text));
  } catch (const YAML::Exception& e) {
    uint32_t line = e.mark.is_null() ? 0 : static_cast<uint32_t>(e.mark.line) + 1;
    uint32_t column = e.mark.is_null() ? 0 : static_cast<uint32_t>(e.mark.column) + 1;
    throw ConfigError(sourceName, line, column, "", "invalid YAML: " + e.msg);
  }

  if (raw.domainsFile) {
    const RawScalar& key = *raw.domainsFile;
    if (key.text.empty()) raw.fail(key.pos, "domains_file", "must not be empty");
    std::filesystem::path path = std::filesystem::path(raw.baseDir) / key.text;
    auto text = readWholeFile(path);
    if (!text) {
      raw.fail(key.pos, "domains_file",
               "cannot read " + path.string() + ": " + text.error().message);
    }
    readDomainsFile(raw, *text, path.string());
  }
  return raw;
}

void readDomainsFile(RawConfig& raw, std::string_view text, const std::string& fileName) {
  auto fileIndex = static_cast<uint32_t>(raw.files.size());
  raw.files.push_back(fileName);
  // One pass over the text with views; only the names themselves are copied.
  raw.domains.reserve(raw.domains.size() +
                      static_cast<size_t>(std::count(text.begin(), text.end(), '\n')) + 1);
  size_t start = 0;
  if (text.substr(0, 3) == "\xEF\xBB\xBF") start = 3;  // a UTF-8 BOM some editors write
  uint32_t lineNo = 0;
  auto isSpace = [](char c) {
    return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f';
  };
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(start, end - start);
    start = end + 1;
    ++lineNo;
    if (size_t hash = line.find('#'); hash != std::string_view::npos) line = line.substr(0, hash);
    size_t first = 0;
    while (first < line.size() && isSpace(line[first])) ++first;
    size_t last = line.size();
    while (last > first && isSpace(line[last - 1])) --last;
    if (first == last) continue;
    std::string_view token = line.substr(first, last - first);
    // Columns count bytes, as editors do not agree on anything better for UTF-8.
    auto column = static_cast<uint32_t>(first + 1);
    SourcePos where{fileIndex, lineNo, column};
    auto gap = std::find_if(token.begin(), token.end(), isSpace);
    if (gap != token.end()) {
      raw.fail(where, "domains_file",
               "one domain per line, but the line holds \"" + std::string(token) + "\"");
    }
    RawDomain domain;
    domain.name = RawScalar{std::string(token), where, where};
    domain.pos = where;
    domain.fromFile = true;
    raw.domains.push_back(std::move(domain));
  }
}

std::string RawConfig::where(const SourcePos& pos) const {
  return files.at(pos.file) + ":" + std::to_string(pos.line);
}

std::string RawConfig::whereColumn(const SourcePos& pos) const {
  return where(pos) + ":" + std::to_string(pos.column);
}

void RawConfig::fail(const SourcePos& pos, std::string key, std::string reason) const {
  throw ConfigError(files.at(pos.file), pos.line, pos.column, std::move(key), std::move(reason));
}

}  // namespace zonewatch::config
