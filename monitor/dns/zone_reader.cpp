#include "monitor/dns/zone_reader.h"

#include <optional>

#include "monitor/dns/presentation.h"
#include "monitor/dns/wire.h"

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

// "FILE:LINE: reason", the form of every error the reader returns.
Unexpected<Error> failAtLine(std::string_view source, size_t line, std::string_view reason) {
  return fail(std::string(source) + ":" + std::to_string(line) + ": " + std::string(reason));
}

class Lexer {
 public:
  Lexer(std::string_view text, std::string_view source) : text_(text), source_(source) {}

  Result<std::vector<Entry>> run() {
    entry_.line = 1;
    for (size_t i = 0; i < text_.size(); ++i) {
      if (auto s = step(i); !s) return Unexpected{s.error()};
    }
    if (depth_ > 0) return failAtLine(source_, parenLine_, "'(' is never closed");
    endEntry();
    return std::move(out_);
  }

 private:
  // Handles the character at i; a comment, a quoted string or an escape moves i past its end.
  Status<> step(size_t& i) {
    char c = text_[i];
    if (lineStart_ && depth_ == 0) {
      entry_.line = line_;
      entry_.leadingBlank = (c == ' ' || c == '\t');
    }
    lineStart_ = false;
    switch (c) {
      case '\n':
        endToken();
        ++line_;
        lineStart_ = true;
        if (depth_ == 0) endEntry();
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
        if (depth_++ == 0) parenLine_ = line_;
        break;
      case ')':
        endToken();
        if (depth_ == 0) return failAtLine(source_, line_, "')' without a matching '('");
        --depth_;
        break;
      case '"':
        endToken();
        return quoted(i);
      case '\\':
        addToToken(c);
        if (i + 1 < text_.size() && text_[i + 1] != '\n') addToToken(text_[++i]);
        break;
      default:
        addToToken(c);
        break;
    }
    return Ok{};
  }

  // The quoted string that opens at i, which must close on the same line; escapes stay as written.
  Status<> quoted(size_t& i) {
    Token token{std::string(), true};
    for (++i; i < text_.size() && text_[i] != '\n'; ++i) {
      if (text_[i] == '"') {
        entry_.tokens.push_back(std::move(token));
        return Ok{};
      }
      if (text_[i] == '\\' && i + 1 < text_.size() && text_[i + 1] != '\n') {
        token.text.push_back(text_[i++]);
      }
      token.text.push_back(text_[i]);
    }
    return failAtLine(source_, line_, "unterminated quoted string");
  }

  void addToToken(char c) {
    if (!token_) token_ = Token{};
    token_->text.push_back(c);
  }
  void endToken() {
    if (token_) entry_.tokens.push_back(std::move(*token_));
    token_.reset();
  }
  void endEntry() {
    endToken();
    if (!entry_.tokens.empty()) out_.push_back(std::move(entry_));
    entry_ = Entry{};
  }

  std::string_view text_;
  std::string_view source_;
  std::vector<Entry> out_;
  Entry entry_;
  std::optional<Token> token_;
  size_t line_ = 1;
  size_t depth_ = 0;      // open parentheses
  size_t parenLine_ = 0;  // where the outermost open one is
  bool lineStart_ = true;
};

bool startsWithDigit(std::string_view s) {
  return !s.empty() && s[0] >= '0' && s[0] <= '9';
}

// What the entries before the current one have set: $ORIGIN, $TTL, and the owner and class that
// blank fields inherit.
struct ZoneState {
  Name origin;
  uint32_t defaultTtl = 0;
  bool haveDollarTtl = false;
  std::optional<Name> lastOwner;
  uint16_t lastClass = kClassIN;
};

bool isDirective(const Entry& e) {
  return !e.leadingBlank && !e.tokens[0].quoted && e.tokens[0].text.starts_with('$');
}

Status<> applyDirective(const std::vector<Token>& toks, ZoneState& state) {
  const std::string& directive = toks[0].text;
  if (directive == "$ORIGIN") {
    if (toks.size() != 2) return fail("$ORIGIN takes exactly one name");
    auto o = Name::parse(toks[1].text, state.origin);
    if (!o) return fail("$ORIGIN: " + o.error().message);
    state.origin = std::move(o).value();
    return Ok{};
  }
  if (directive == "$TTL") {
    // RFC 2308 §4: the default TTL of the records that follow.
    if (toks.size() != 2) return fail("$TTL takes exactly one TTL");
    auto ttl = parseTtl(toks[1].text);
    if (!ttl) return fail("$TTL: " + ttl.error().message);
    state.defaultTtl = *ttl;
    state.haveDollarTtl = true;
    return Ok{};
  }
  return fail(directive + " is not supported (only $ORIGIN and $TTL)");
}

// The fields of a record entry before its RDATA.
struct RecordHead {
  Name owner;
  std::optional<uint32_t> ttl;
  std::optional<uint16_t> rclass;
  RRType type = RRType::A;
  size_t rdataAt = 0;  // index of the first RDATA token
};

// RFC 1035 §5.1: TTL and class are both optional and may come in either order.
Status<> readTtlAndClass(const std::vector<Token>& toks, size_t& i, RecordHead& head) {
  for (int k = 0; k < 2 && i < toks.size(); ++k) {
    const std::string& t = toks[i].text;
    if (!head.ttl && startsWithDigit(t)) {
      auto v = parseTtl(t);
      if (!v) return fail("TTL: " + v.error().message);
      head.ttl = *v;
      ++i;
      continue;
    }
    if (!head.rclass && !typeFromString(t)) {
      if (auto c = classFromString(t)) {
        head.rclass = *c;
        ++i;
        continue;
      }
    }
    break;
  }
  return Ok{};
}

Result<RecordHead> readHead(const Entry& e, const ZoneState& state) {
  const auto& toks = e.tokens;
  RecordHead head;
  size_t i = 0;
  if (e.leadingBlank) {
    // RFC 1035 §5.1: a blank owner field means the previous owner.
    if (!state.lastOwner) return fail("no owner name and no previous record to take it from");
    head.owner = *state.lastOwner;
  } else {
    auto o = Name::parse(toks[0].text, state.origin);
    if (!o) return fail("owner: " + o.error().message);
    head.owner = std::move(o).value();
    i = 1;
  }
  if (auto s = readTtlAndClass(toks, i, head); !s) return Unexpected{s.error()};
  if (i >= toks.size()) return fail("missing record type");
  auto type = typeFromString(toks[i].text);
  if (!type) return fail("unknown record type \"" + toks[i].text + "\"");
  head.type = *type;
  head.rdataAt = i + 1;
  return head;
}

// The RDATA tokens as one text for rdataFromString(), quoted ones in quotes again.
std::string rdataText(const std::vector<Token>& toks, size_t from) {
  std::string out;
  for (size_t i = from; i < toks.size(); ++i) {
    if (!out.empty()) out += ' ';
    if (toks[i].quoted) {
      out += '"' + toks[i].text + '"';
    } else {
      out += toks[i].text;
    }
  }
  return out;
}

Result<ResourceRecord> readRecord(const Entry& e, ZoneState& state) {
  ZONEWATCH_DNS_TRY(RecordHead head, readHead(e, state));
  ZONEWATCH_DNS_TRY(std::vector<uint8_t> rdata,
                    rdataFromString(head.type, rdataText(e.tokens, head.rdataAt), state.origin));
  ZONEWATCH_DNS_TRY(Rdata data, decodeRdata(head.type, rdata));
  uint32_t ttl = state.defaultTtl;
  if (head.ttl) {
    // Before any $TTL, an explicit TTL carries over to the records after it (RFC 1035 §5.1).
    if (!state.haveDollarTtl) state.defaultTtl = *head.ttl;
    ttl = *head.ttl;
  }
  state.lastClass = head.rclass.value_or(state.lastClass);
  state.lastOwner = head.owner;

  ResourceRecord rr;
  rr.owner = std::move(head.owner);
  rr.type = head.type;
  rr.rclass = state.lastClass;
  rr.ttl = ttl;
  rr.rdata = std::move(rdata);
  rr.data = std::move(data);
  return rr;
}

}  // namespace

Result<std::vector<ResourceRecord>> readZoneText(std::string_view text, std::string_view source,
                                                 const ZoneReaderOptions& options) {
  auto entries = Lexer(text, source).run();
  if (!entries) return Unexpected{entries.error()};

  std::vector<ResourceRecord> records;
  ZoneState state;
  state.origin = options.origin;
  state.defaultTtl = options.defaultTtl;
  for (const Entry& e : *entries) {
    auto failHere = [&](const Error& error) { return failAtLine(source, e.line, error.message); };
    if (isDirective(e)) {
      if (auto s = applyDirective(e.tokens, state); !s) return failHere(s.error());
      continue;
    }
    auto rr = readRecord(e, state);
    if (!rr) return failHere(rr.error());
    records.push_back(std::move(rr).value());
  }
  return records;
}

}  // namespace zonewatch::dns
