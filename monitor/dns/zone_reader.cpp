#include "monitor/dns/zone_reader.h"

#include <optional>

#include "monitor/dns/presentation.h"

namespace zonewatch::dns {

namespace {

struct Token {
  std::string text;  // as written: escapes kept, quotes removed
  bool quoted = false;
};

// One logical entry: a line, or several joined by parentheses (RFC 1035 §5.1).
struct Entry {
  std::vector<Token> tokens;
  bool leadingBlank = false;  // the entry's first line starts with a blank: owner is inherited
  size_t line = 0;
};

class Lexer {
 public:
  Lexer(std::string_view text, std::string_view source) : text_(text), source_(source) {}

  Result<std::vector<Entry>> run() {
    std::vector<Entry> out;
    Entry entry;
    entry.line = 1;
    bool lineStart = true;
    size_t parenLine = 0;
    size_t depth = 0;
    size_t line = 1;
    std::optional<Token> token;
    auto endToken = [&] {
      if (token) entry.tokens.push_back(std::move(*token));
      token.reset();
    };
    auto endEntry = [&] {
      endToken();
      if (!entry.tokens.empty()) out.push_back(std::move(entry));
      entry = Entry{};
    };
    for (size_t i = 0; i < text_.size(); ++i) {
      char c = text_[i];
      if (lineStart && depth == 0) {
        entry.line = line;
        entry.leadingBlank = (c == ' ' || c == '\t');
      }
      lineStart = false;
      switch (c) {
        case '\n':
          endToken();
          ++line;
          lineStart = true;
          if (depth == 0) endEntry();
          break;
        case ' ':
        case '\t':
        case '\r':
          endToken();
          break;
        case ';':
          endToken();
          while (i + 1 < text_.size() && text_[i + 1] != '\n') ++i;
          break;
        case '(':
          endToken();
          if (depth++ == 0) parenLine = line;
          break;
        case ')':
          endToken();
          if (depth == 0) return failAt(line, "')' without a matching '('");
          --depth;
          break;
        case '"': {
          endToken();
          Token quoted{std::string(), true};
          size_t start = line;
          bool closed = false;
          for (++i; i < text_.size(); ++i) {
            char d = text_[i];
            if (d == '\n') break;
            if (d == '\\' && i + 1 < text_.size() && text_[i + 1] != '\n') {
              quoted.text.push_back(d);
              quoted.text.push_back(text_[++i]);
              continue;
            }
            if (d == '"') {
              closed = true;
              break;
            }
            quoted.text.push_back(d);
          }
          if (!closed) return failAt(start, "unterminated quoted string");
          entry.tokens.push_back(std::move(quoted));
          break;
        }
        case '\\':
          if (!token) token = Token{};
          token->text.push_back(c);
          if (i + 1 < text_.size() && text_[i + 1] != '\n') token->text.push_back(text_[++i]);
          break;
        default:
          if (!token) token = Token{};
          token->text.push_back(c);
          break;
      }
    }
    if (depth > 0) return failAt(parenLine, "'(' is never closed");
    endEntry();
    return out;
  }

 private:
  Unexpected<Error> failAt(size_t line, std::string_view reason) const {
    return fail(std::string(source_) + ":" + std::to_string(line) + ": " + std::string(reason));
  }

  std::string_view text_;
  std::string_view source_;
};

bool startsWithDigit(std::string_view s) {
  return !s.empty() && s[0] >= '0' && s[0] <= '9';
}

}  // namespace

Result<std::vector<ResourceRecord>> readZoneText(std::string_view text, std::string_view source,
                                                 const ZoneReaderOptions& options) {
  auto entries = Lexer(text, source).run();
  if (!entries) return Unexpected{entries.error()};

  std::vector<ResourceRecord> records;
  Name origin = options.origin;
  uint32_t defaultTtl = options.defaultTtl;
  bool haveDollarTtl = false;
  std::optional<Name> lastOwner;
  uint16_t lastClass = kClassIN;

  for (const Entry& e : *entries) {
    auto failHere = [&](const std::string& reason) {
      return fail(std::string(source) + ":" + std::to_string(e.line) + ": " + reason);
    };
    const auto& toks = e.tokens;
    if (!e.leadingBlank && !toks[0].quoted && toks[0].text.starts_with('$')) {
      const std::string& directive = toks[0].text;
      if (directive == "$ORIGIN") {
        if (toks.size() != 2) return failHere("$ORIGIN takes exactly one name");
        auto o = Name::parse(toks[1].text, origin);
        if (!o) return failHere("$ORIGIN: " + o.error().message);
        origin = std::move(o).value();
        continue;
      }
      if (directive == "$TTL") {
        // RFC 2308 §4: the default TTL of the records that follow.
        if (toks.size() != 2) return failHere("$TTL takes exactly one TTL");
        auto ttl = parseTtl(toks[1].text);
        if (!ttl) return failHere("$TTL: " + ttl.error().message);
        defaultTtl = *ttl;
        haveDollarTtl = true;
        continue;
      }
      return failHere(directive + " is not supported (only $ORIGIN and $TTL)");
    }

    size_t i = 0;
    Name owner;
    if (e.leadingBlank) {
      // RFC 1035 §5.1: a blank owner field means the previous owner.
      if (!lastOwner) return failHere("no owner name and no previous record to take it from");
      owner = *lastOwner;
    } else {
      auto o = Name::parse(toks[0].text, origin);
      if (!o) return failHere("owner: " + o.error().message);
      owner = std::move(o).value();
      i = 1;
    }

    // RFC 1035 §5.1: TTL and class are both optional and may come in either order.
    std::optional<uint32_t> ttl;
    std::optional<uint16_t> rclass;
    for (int k = 0; k < 2 && i < toks.size(); ++k) {
      const std::string& t = toks[i].text;
      if (!ttl && startsWithDigit(t)) {
        auto v = parseTtl(t);
        if (!v) return failHere("TTL: " + v.error().message);
        ttl = *v;
        ++i;
        continue;
      }
      if (!rclass && !typeFromString(t)) {
        if (auto c = classFromString(t)) {
          rclass = *c;
          ++i;
          continue;
        }
      }
      break;
    }
    if (i >= toks.size()) return failHere("missing record type");
    auto type = typeFromString(toks[i].text);
    if (!type) return failHere("unknown record type \"" + toks[i].text + "\"");
    ++i;

    std::string rdataText;
    for (; i < toks.size(); ++i) {
      if (!rdataText.empty()) rdataText += ' ';
      if (toks[i].quoted) {
        rdataText += '"' + toks[i].text + '"';
      } else {
        rdataText += toks[i].text;
      }
    }
    auto rdata = rdataFromString(*type, rdataText, origin);
    if (!rdata) return failHere(rdata.error().message);
    auto data = decodeRdata(*type, *rdata);
    if (!data) return failHere(data.error().message);

    if (ttl) {
      // Before any $TTL, an explicit TTL carries over to the records after it (RFC 1035 §5.1).
      if (!haveDollarTtl) defaultTtl = *ttl;
    } else {
      ttl = defaultTtl;
    }
    lastClass = rclass.value_or(lastClass);
    lastOwner = owner;

    ResourceRecord rr;
    rr.owner = std::move(owner);
    rr.type = *type;
    rr.rclass = lastClass;
    rr.ttl = *ttl;
    rr.rdata = std::move(rdata).value();
    rr.data = std::move(data).value();
    records.push_back(std::move(rr));
  }
  return records;
}

}  // namespace zonewatch::dns
