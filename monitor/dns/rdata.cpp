#include "monitor/dns/rdata.h"

#include <arpa/inet.h>

#include <algorithm>
#include <type_traits>

#include "monitor/dns/presentation.h"
#include "monitor/dns/wire.h"

namespace zonewatch::dns {

namespace {

constexpr RRType type(uint16_t v) {
  return static_cast<RRType>(v);
}

// Types the codec knows by number only (no RRType enumerator): obsolete or rare, but they carry
// names that RFC 3597 §4 and RFC 4034 §6.2 care about.
constexpr uint16_t kMD = 3, kMF = 4, kMB = 7, kMG = 8, kMR = 9, kHINFO = 13, kMINFO = 14, kRP = 17,
                   kAFSDB = 18, kRT = 21, kSIG = 24, kPX = 26, kNXT = 30, kNAPTR = 35, kKX = 36,
                   kA6 = 38;

using F = RdataField;
constexpr RdataField kLayoutName[] = {{F::kName, 0}};
constexpr RdataField kLayoutTwoNames[] = {{F::kName, 0}, {F::kName, 0}};
constexpr RdataField kLayoutSoa[] = {{F::kName, 0}, {F::kName, 0}, {F::kFixed, 20}};
constexpr RdataField kLayoutPreferenceName[] = {{F::kFixed, 2}, {F::kName, 0}};
constexpr RdataField kLayoutSrv[] = {{F::kFixed, 6}, {F::kName, 0}};
constexpr RdataField kLayoutPx[] = {{F::kFixed, 2}, {F::kName, 0}, {F::kName, 0}};
// RFC 4034 §3.1 (and RFC 2535 §4.1 for SIG): 18 octets of fixed fields, the signer, the signature.
constexpr RdataField kLayoutSig[] = {{F::kFixed, 18}, {F::kName, 0}, {F::kRest, 0}};
// RFC 4034 §4.1 (and RFC 2535 §5.2 for NXT): the next name, then the type bit map.
constexpr RdataField kLayoutNameRest[] = {{F::kName, 0}, {F::kRest, 0}};
// RFC 3403 §4.1: order, preference, flags, services, regexp, replacement.
constexpr RdataField kLayoutNaptr[] = {
    {F::kFixed, 4}, {F::kCharString, 0}, {F::kCharString, 0}, {F::kCharString, 0}, {F::kName, 0}};

// Presentation of the types that have a layout (or plain character-strings) but no typed form:
// a short list of decimal and name fields is enough to print and read them naturally.
enum class Field : uint8_t { kU16, kName, kCharString };
constexpr Field kSchemaName[] = {Field::kName};
constexpr Field kSchemaTwoNames[] = {Field::kName, Field::kName};
constexpr Field kSchemaPreferenceName[] = {Field::kU16, Field::kName};
constexpr Field kSchemaSrv[] = {Field::kU16, Field::kU16, Field::kU16, Field::kName};
constexpr Field kSchemaPx[] = {Field::kU16, Field::kName, Field::kName};
constexpr Field kSchemaNaptr[] = {Field::kU16,        Field::kU16,        Field::kCharString,
                                  Field::kCharString, Field::kCharString, Field::kName};
constexpr Field kSchemaHinfo[] = {Field::kCharString, Field::kCharString};

std::span<const Field> schemaFor(RRType t) {
  switch (toU16(t)) {
    case toU16(RRType::PTR):
    case toU16(RRType::DNAME):
    case kMD:
    case kMF:
    case kMB:
    case kMG:
    case kMR:
      return kSchemaName;
    case toU16(RRType::MX):
    case kAFSDB:
    case kRT:
    case kKX:
      return kSchemaPreferenceName;
    case toU16(RRType::SRV):
      return kSchemaSrv;
    case kMINFO:
    case kRP:
      return kSchemaTwoNames;
    case kPX:
      return kSchemaPx;
    case kNAPTR:
      return kSchemaNaptr;
    case kHINFO:
      return kSchemaHinfo;
    default:
      return {};
  }
}

ParseError rdataError(std::string what) {
  return ParseError{ParseErrc::kBadRdata, 0, std::move(what)};
}

Result<std::vector<uint8_t>, ParseError> readAll(WireReader& r) {
  ZONEWATCH_DNS_TRY(auto b, r.bytes(r.remaining()));
  return std::vector<uint8_t>(b.begin(), b.end());
}

Result<std::vector<uint8_t>, ParseError> readBytes(WireReader& r, size_t n) {
  ZONEWATCH_DNS_TRY(auto b, r.bytes(n));
  return std::vector<uint8_t>(b.begin(), b.end());
}

Result<TypeBitmap, ParseError> readBitmap(WireReader& r) {
  // RFC 4034 §4.1.2: (window, length, bitmap) blocks in increasing window order, 1..32 octets each.
  TypeBitmap out;
  int lastWindow = -1;
  while (!r.atEnd()) {
    ZONEWATCH_DNS_TRY(uint8_t window, r.u8());
    ZONEWATCH_DNS_TRY(uint8_t length, r.u8());
    if (static_cast<int>(window) <= lastWindow) {
      return Unexpected{r.error(ParseErrc::kBadRdata,
                                "type bitmap window " + std::to_string(window) + " out of order")};
    }
    if (length == 0 || length > 32) {
      return Unexpected{r.error(ParseErrc::kBadRdata, "type bitmap window " +
                                                          std::to_string(window) + " has length " +
                                                          std::to_string(length))};
    }
    lastWindow = window;
    ZONEWATCH_DNS_TRY(auto bits, r.bytes(length));
    for (size_t i = 0; i < bits.size(); ++i) {
      for (unsigned bit = 0; bit < 8; ++bit) {
        if ((bits[i] & (0x80u >> bit)) != 0) {
          out.types.push_back(static_cast<uint16_t>(window * 256u + i * 8u + bit));
        }
      }
    }
  }
  return out;
}

void writeBitmap(WireWriter& w, const TypeBitmap& bitmap) {
  std::vector<uint16_t> types = bitmap.types;
  std::sort(types.begin(), types.end());
  types.erase(std::unique(types.begin(), types.end()), types.end());
  size_t i = 0;
  while (i < types.size()) {
    auto window = static_cast<uint8_t>(types[i] >> 8);
    std::array<uint8_t, 32> bits{};
    size_t length = 0;
    for (; i < types.size() && (types[i] >> 8) == window; ++i) {
      auto low = static_cast<uint8_t>(types[i] & 0xFF);
      bits[low / 8] = static_cast<uint8_t>(bits[low / 8] | (0x80u >> (low % 8)));
      length = std::max<size_t>(length, size_t{low} / 8 + 1);
    }
    w.u8(window);
    w.u8(static_cast<uint8_t>(length));
    w.bytes(std::span<const uint8_t>(bits.data(), length));
  }
}

// Callers keep these fields within their 8-bit length; longer input is cut rather than encoded
// with a length octet that disagrees with the data.
void writeShortBlob(WireWriter& w, std::span<const uint8_t> data) {
  size_t n = std::min<size_t>(data.size(), 255);
  w.u8(static_cast<uint8_t>(n));
  w.bytes(data.first(n));
}

Result<Rdata, ParseError> decodeTyped(RRType t, WireReader& r) {
  switch (t) {
    case RRType::A: {
      rdata::A a;
      ZONEWATCH_DNS_TRY(auto b, r.bytes(4));
      std::copy(b.begin(), b.end(), a.address.begin());
      return Rdata{a};
    }
    case RRType::AAAA: {
      rdata::AAAA a;
      ZONEWATCH_DNS_TRY(auto b, r.bytes(16));
      std::copy(b.begin(), b.end(), a.address.begin());
      return Rdata{a};
    }
    case RRType::NS: {
      ZONEWATCH_DNS_TRY(auto n, r.name(false));
      return Rdata{rdata::NS{std::move(n)}};
    }
    case RRType::CNAME: {
      ZONEWATCH_DNS_TRY(auto n, r.name(false));
      return Rdata{rdata::CNAME{std::move(n)}};
    }
    case RRType::SOA: {
      rdata::SOA s;
      ZONEWATCH_DNS_TRY(s.mname, r.name(false));
      ZONEWATCH_DNS_TRY(s.rname, r.name(false));
      ZONEWATCH_DNS_TRY(s.serial, r.u32());
      ZONEWATCH_DNS_TRY(s.refresh, r.u32());
      ZONEWATCH_DNS_TRY(s.retry, r.u32());
      ZONEWATCH_DNS_TRY(s.expire, r.u32());
      ZONEWATCH_DNS_TRY(s.minimum, r.u32());
      return Rdata{std::move(s)};
    }
    case RRType::TXT: {
      // RFC 1035 §3.3.14: one or more character-strings.
      rdata::TXT txt;
      if (r.atEnd()) return Unexpected{rdataError("TXT RDATA without a character-string")};
      while (!r.atEnd()) {
        ZONEWATCH_DNS_TRY(uint8_t len, r.u8());
        ZONEWATCH_DNS_TRY(auto b, r.bytes(len));
        txt.strings.emplace_back(b.begin(), b.end());
      }
      return Rdata{std::move(txt)};
    }
    case RRType::DS:
    case RRType::CDS: {
      rdata::DS ds;
      ZONEWATCH_DNS_TRY(ds.keyTag, r.u16());
      ZONEWATCH_DNS_TRY(ds.algorithm, r.u8());
      ZONEWATCH_DNS_TRY(ds.digestType, r.u8());
      ZONEWATCH_DNS_TRY(ds.digest, readAll(r));
      return Rdata{std::move(ds)};
    }
    case RRType::DNSKEY:
    case RRType::CDNSKEY: {
      rdata::DNSKEY key;
      ZONEWATCH_DNS_TRY(key.flags, r.u16());
      ZONEWATCH_DNS_TRY(key.protocol, r.u8());
      ZONEWATCH_DNS_TRY(key.algorithm, r.u8());
      ZONEWATCH_DNS_TRY(key.publicKey, readAll(r));
      return Rdata{std::move(key)};
    }
    case RRType::RRSIG: {
      rdata::RRSIG sig;
      ZONEWATCH_DNS_TRY(uint16_t covered, r.u16());
      sig.typeCovered = type(covered);
      ZONEWATCH_DNS_TRY(sig.algorithm, r.u8());
      ZONEWATCH_DNS_TRY(sig.labels, r.u8());
      ZONEWATCH_DNS_TRY(sig.originalTtl, r.u32());
      ZONEWATCH_DNS_TRY(sig.expiration, r.u32());
      ZONEWATCH_DNS_TRY(sig.inception, r.u32());
      ZONEWATCH_DNS_TRY(sig.keyTag, r.u16());
      ZONEWATCH_DNS_TRY(sig.signer, r.name(false));
      ZONEWATCH_DNS_TRY(sig.signature, readAll(r));
      return Rdata{std::move(sig)};
    }
    case RRType::NSEC: {
      rdata::NSEC nsec;
      ZONEWATCH_DNS_TRY(nsec.next, r.name(false));
      ZONEWATCH_DNS_TRY(nsec.types, readBitmap(r));
      return Rdata{std::move(nsec)};
    }
    case RRType::NSEC3: {
      rdata::NSEC3 n;
      ZONEWATCH_DNS_TRY(n.hashAlgorithm, r.u8());
      ZONEWATCH_DNS_TRY(n.flags, r.u8());
      ZONEWATCH_DNS_TRY(n.iterations, r.u16());
      ZONEWATCH_DNS_TRY(uint8_t saltLength, r.u8());
      ZONEWATCH_DNS_TRY(n.salt, readBytes(r, saltLength));
      ZONEWATCH_DNS_TRY(uint8_t hashLength, r.u8());
      // RFC 5155 §3.2: the next hashed owner name is a hash value, never empty.
      if (hashLength == 0) return Unexpected{rdataError("NSEC3 with an empty next hashed owner")};
      ZONEWATCH_DNS_TRY(n.nextHashed, readBytes(r, hashLength));
      ZONEWATCH_DNS_TRY(n.types, readBitmap(r));
      return Rdata{std::move(n)};
    }
    case RRType::NSEC3PARAM: {
      rdata::NSEC3PARAM p;
      ZONEWATCH_DNS_TRY(p.hashAlgorithm, r.u8());
      ZONEWATCH_DNS_TRY(p.flags, r.u8());
      ZONEWATCH_DNS_TRY(p.iterations, r.u16());
      ZONEWATCH_DNS_TRY(uint8_t saltLength, r.u8());
      ZONEWATCH_DNS_TRY(p.salt, readBytes(r, saltLength));
      return Rdata{std::move(p)};
    }
    default:
      return Rdata{rdata::Unknown{}};
  }
}

std::string unknownToString(std::span<const uint8_t> wire) {
  // RFC 3597 §5.
  std::string out = "\\# " + std::to_string(wire.size());
  if (!wire.empty()) out += " " + toHex(wire);
  return out;
}

std::string bitmapToString(const TypeBitmap& bitmap) {
  std::string out;
  for (uint16_t t : bitmap.types) {
    out += " ";
    out += typeToString(type(t));
  }
  return out;
}

std::string saltToString(const std::vector<uint8_t>& salt) {
  return salt.empty() ? "-" : toHex(salt);  // RFC 5155 §3.3
}

std::string typedToString(const Rdata& data) {
  return std::visit(
      [](const auto& d) -> std::string {
        using T = std::decay_t<decltype(d)>;
        if constexpr (std::is_same_v<T, rdata::A>) {
          char buf[INET_ADDRSTRLEN] = {};
          inet_ntop(AF_INET, d.address.data(), buf, sizeof buf);
          return buf;
        } else if constexpr (std::is_same_v<T, rdata::AAAA>) {
          char buf[INET6_ADDRSTRLEN] = {};
          inet_ntop(AF_INET6, d.address.data(), buf, sizeof buf);
          return buf;
        } else if constexpr (std::is_same_v<T, rdata::NS>) {
          return d.host.toString();
        } else if constexpr (std::is_same_v<T, rdata::CNAME>) {
          return d.target.toString();
        } else if constexpr (std::is_same_v<T, rdata::SOA>) {
          return d.mname.toString() + " " + d.rname.toString() + " " + std::to_string(d.serial) +
                 " " + std::to_string(d.refresh) + " " + std::to_string(d.retry) + " " +
                 std::to_string(d.expire) + " " + std::to_string(d.minimum);
        } else if constexpr (std::is_same_v<T, rdata::TXT>) {
          std::string out;
          for (const auto& s : d.strings) {
            if (!out.empty()) out += " ";
            out += quoteCharacterString(s);
          }
          return out;
        } else if constexpr (std::is_same_v<T, rdata::DS>) {
          std::string out = std::to_string(d.keyTag) + " " + std::to_string(d.algorithm) + " " +
                            std::to_string(d.digestType);
          if (!d.digest.empty()) out += " " + toHex(d.digest);
          return out;
        } else if constexpr (std::is_same_v<T, rdata::DNSKEY>) {
          std::string out = std::to_string(d.flags) + " " + std::to_string(d.protocol) + " " +
                            std::to_string(d.algorithm);
          if (!d.publicKey.empty()) out += " " + toBase64(d.publicKey);
          return out;
        } else if constexpr (std::is_same_v<T, rdata::RRSIG>) {
          // RFC 4034 §3.2.
          std::string out = typeToString(d.typeCovered) + " " + std::to_string(d.algorithm) + " " +
                            std::to_string(d.labels) + " " + std::to_string(d.originalTtl) + " " +
                            formatDnssecTime(d.expiration) + " " + formatDnssecTime(d.inception) +
                            " " + std::to_string(d.keyTag) + " " + d.signer.toString();
          if (!d.signature.empty()) out += " " + toBase64(d.signature);
          return out;
        } else if constexpr (std::is_same_v<T, rdata::NSEC>) {
          return d.next.toString() + bitmapToString(d.types);
        } else if constexpr (std::is_same_v<T, rdata::NSEC3>) {
          // RFC 5155 §3.3.
          return std::to_string(d.hashAlgorithm) + " " + std::to_string(d.flags) + " " +
                 std::to_string(d.iterations) + " " + saltToString(d.salt) + " " +
                 toBase32Hex(d.nextHashed) + bitmapToString(d.types);
        } else if constexpr (std::is_same_v<T, rdata::NSEC3PARAM>) {
          return std::to_string(d.hashAlgorithm) + " " + std::to_string(d.flags) + " " +
                 std::to_string(d.iterations) + " " + saltToString(d.salt);
        } else {
          return std::string();
        }
      },
      data);
}

Result<std::string, ParseError> schemaToString(std::span<const Field> schema,
                                               std::span<const uint8_t> wire) {
  WireReader r(wire);
  std::string out;
  for (Field f : schema) {
    if (!out.empty()) out += " ";
    switch (f) {
      case Field::kU16: {
        ZONEWATCH_DNS_TRY(uint16_t v, r.u16());
        out += std::to_string(v);
        break;
      }
      case Field::kName: {
        ZONEWATCH_DNS_TRY(Name n, r.name(false));
        out += n.toString();
        break;
      }
      case Field::kCharString: {
        ZONEWATCH_DNS_TRY(uint8_t len, r.u8());
        ZONEWATCH_DNS_TRY(auto b, r.bytes(len));
        out += quoteCharacterString(
            std::string_view(reinterpret_cast<const char*>(b.data()), b.size()));
        break;
      }
    }
  }
  if (!r.atEnd()) return Unexpected{rdataError("trailing octets")};
  return out;
}

// Reads presentation fields one by one, with errors that name the field.
class Fields {
 public:
  explicit Fields(std::vector<RdataToken> tokens) : tokens_(std::move(tokens)) {}

  Result<const RdataToken*> next(std::string_view what) {
    if (at_ >= tokens_.size()) return fail("missing " + std::string(what));
    return &tokens_[at_++];
  }
  Result<uint32_t> number(std::string_view what, uint32_t max) {
    auto t = next(what);
    if (!t) return Unexpected{t.error()};
    auto v = parseDecimal((*t)->text, max);
    if (!v) return fail(std::string(what) + ": " + v.error().message);
    return v;
  }
  Result<Name> name(std::string_view what, const Name& origin) {
    auto t = next(what);
    if (!t) return Unexpected{t.error()};
    auto n = Name::parse((*t)->text, origin);
    if (!n) return fail(std::string(what) + ": " + n.error().message);
    return n;
  }
  Result<std::string> characterString(std::string_view what) {
    auto t = next(what);
    if (!t) return Unexpected{t.error()};
    auto s = unescapeText((*t)->text);
    if (!s) return fail(std::string(what) + ": " + s.error().message);
    if (s->size() > 255) {
      return fail(std::string(what) + " is " + std::to_string(s->size()) +
                  " octets, over the 255 a character-string holds");
    }
    return s;
  }
  // The remaining fields joined without separators (base64 and hex may be split by whitespace).
  std::string rest() {
    std::string out;
    for (; at_ < tokens_.size(); ++at_) out += tokens_[at_].text;
    return out;
  }
  bool done() const { return at_ >= tokens_.size(); }
  Status<> finish() {
    if (!done()) return fail("unexpected field \"" + tokens_[at_].text + "\"");
    return Ok{};
  }

 private:
  std::vector<RdataToken> tokens_;
  size_t at_ = 0;
};

Result<TypeBitmap> parseTypeList(Fields& f) {
  TypeBitmap bitmap;
  while (!f.done()) {
    ZONEWATCH_DNS_TRY(const RdataToken* t, f.next("type"));
    auto ty = typeFromString(t->text);
    if (!ty) return fail("unknown type \"" + t->text + "\" in type list");
    bitmap.types.push_back(toU16(*ty));
  }
  std::sort(bitmap.types.begin(), bitmap.types.end());
  bitmap.types.erase(std::unique(bitmap.types.begin(), bitmap.types.end()), bitmap.types.end());
  return bitmap;
}

Result<std::vector<uint8_t>> parseSalt(Fields& f) {
  ZONEWATCH_DNS_TRY(const RdataToken* t, f.next("salt"));
  if (t->text == "-") return std::vector<uint8_t>{};
  auto salt = fromHex(t->text);
  if (!salt) return fail("salt: " + salt.error().message);
  if (salt->size() > 255) return fail("salt over 255 octets");
  return salt;
}

Result<Rdata> typedFromText(RRType t, Fields& f, const Name& origin) {
  switch (t) {
    case RRType::A:
    case RRType::AAAA: {
      ZONEWATCH_DNS_TRY(const RdataToken* tok, f.next("address"));
      if (t == RRType::A) {
        rdata::A a;
        if (inet_pton(AF_INET, tok->text.c_str(), a.address.data()) != 1) {
          return fail("\"" + tok->text + "\" is not an IPv4 address");
        }
        return Rdata{a};
      }
      rdata::AAAA a;
      if (inet_pton(AF_INET6, tok->text.c_str(), a.address.data()) != 1) {
        return fail("\"" + tok->text + "\" is not an IPv6 address");
      }
      return Rdata{a};
    }
    case RRType::NS: {
      ZONEWATCH_DNS_TRY(Name n, f.name("name server", origin));
      return Rdata{rdata::NS{std::move(n)}};
    }
    case RRType::CNAME: {
      ZONEWATCH_DNS_TRY(Name n, f.name("target", origin));
      return Rdata{rdata::CNAME{std::move(n)}};
    }
    case RRType::SOA: {
      rdata::SOA s;
      ZONEWATCH_DNS_TRY(s.mname, f.name("MNAME", origin));
      ZONEWATCH_DNS_TRY(s.rname, f.name("RNAME", origin));
      ZONEWATCH_DNS_TRY(s.serial, f.number("serial", 0xFFFFFFFFu));
      uint32_t* timers[] = {&s.refresh, &s.retry, &s.expire, &s.minimum};
      for (uint32_t* timer : timers) {
        ZONEWATCH_DNS_TRY(const RdataToken* tok, f.next("SOA timer"));
        auto v = parseTtl(tok->text);
        if (!v) return fail("SOA timer: " + v.error().message);
        *timer = *v;
      }
      return Rdata{std::move(s)};
    }
    case RRType::TXT: {
      rdata::TXT txt;
      if (f.done()) return fail("TXT needs at least one character-string");
      while (!f.done()) {
        ZONEWATCH_DNS_TRY(std::string s, f.characterString("TXT string"));
        txt.strings.push_back(std::move(s));
      }
      return Rdata{std::move(txt)};
    }
    case RRType::DS:
    case RRType::CDS: {
      rdata::DS ds;
      ZONEWATCH_DNS_TRY(uint32_t tag, f.number("key tag", 0xFFFF));
      ds.keyTag = static_cast<uint16_t>(tag);
      ZONEWATCH_DNS_TRY(const RdataToken* alg, f.next("algorithm"));
      ZONEWATCH_DNS_TRY(ds.algorithm, parseAlgorithm(alg->text));
      ZONEWATCH_DNS_TRY(uint32_t digestType, f.number("digest type", 0xFF));
      ds.digestType = static_cast<uint8_t>(digestType);
      auto digest = fromHex(f.rest());
      if (!digest) return fail("digest: " + digest.error().message);
      ds.digest = std::move(digest).value();
      return Rdata{std::move(ds)};
    }
    case RRType::DNSKEY:
    case RRType::CDNSKEY: {
      rdata::DNSKEY key;
      ZONEWATCH_DNS_TRY(uint32_t flags, f.number("flags", 0xFFFF));
      key.flags = static_cast<uint16_t>(flags);
      ZONEWATCH_DNS_TRY(uint32_t protocol, f.number("protocol", 0xFF));
      key.protocol = static_cast<uint8_t>(protocol);
      ZONEWATCH_DNS_TRY(const RdataToken* alg, f.next("algorithm"));
      ZONEWATCH_DNS_TRY(key.algorithm, parseAlgorithm(alg->text));
      auto pk = fromBase64(f.rest());
      if (!pk) return fail("public key: " + pk.error().message);
      key.publicKey = std::move(pk).value();
      return Rdata{std::move(key)};
    }
    case RRType::RRSIG: {
      rdata::RRSIG sig;
      ZONEWATCH_DNS_TRY(const RdataToken* covered, f.next("type covered"));
      auto ty = typeFromString(covered->text);
      if (!ty) return fail("unknown type covered \"" + covered->text + "\"");
      sig.typeCovered = *ty;
      ZONEWATCH_DNS_TRY(const RdataToken* alg, f.next("algorithm"));
      ZONEWATCH_DNS_TRY(sig.algorithm, parseAlgorithm(alg->text));
      ZONEWATCH_DNS_TRY(uint32_t labels, f.number("labels", 0xFF));
      sig.labels = static_cast<uint8_t>(labels);
      ZONEWATCH_DNS_TRY(sig.originalTtl, f.number("original TTL", 0xFFFFFFFFu));
      ZONEWATCH_DNS_TRY(const RdataToken* exp, f.next("expiration"));
      auto expiration = parseDnssecTime(exp->text);
      if (!expiration) return fail("expiration: " + expiration.error().message);
      sig.expiration = *expiration;
      ZONEWATCH_DNS_TRY(const RdataToken* inc, f.next("inception"));
      auto inception = parseDnssecTime(inc->text);
      if (!inception) return fail("inception: " + inception.error().message);
      sig.inception = *inception;
      ZONEWATCH_DNS_TRY(uint32_t tag, f.number("key tag", 0xFFFF));
      sig.keyTag = static_cast<uint16_t>(tag);
      ZONEWATCH_DNS_TRY(sig.signer, f.name("signer", origin));
      auto signature = fromBase64(f.rest());
      if (!signature) return fail("signature: " + signature.error().message);
      sig.signature = std::move(signature).value();
      return Rdata{std::move(sig)};
    }
    case RRType::NSEC: {
      rdata::NSEC nsec;
      ZONEWATCH_DNS_TRY(nsec.next, f.name("next domain name", origin));
      ZONEWATCH_DNS_TRY(nsec.types, parseTypeList(f));
      return Rdata{std::move(nsec)};
    }
    case RRType::NSEC3: {
      rdata::NSEC3 n;
      ZONEWATCH_DNS_TRY(uint32_t alg, f.number("hash algorithm", 0xFF));
      n.hashAlgorithm = static_cast<uint8_t>(alg);
      ZONEWATCH_DNS_TRY(uint32_t flags, f.number("flags", 0xFF));
      n.flags = static_cast<uint8_t>(flags);
      ZONEWATCH_DNS_TRY(uint32_t iterations, f.number("iterations", 0xFFFF));
      n.iterations = static_cast<uint16_t>(iterations);
      ZONEWATCH_DNS_TRY(n.salt, parseSalt(f));
      ZONEWATCH_DNS_TRY(const RdataToken* next, f.next("next hashed owner name"));
      auto hashed = fromBase32Hex(next->text);
      if (!hashed) return fail("next hashed owner name: " + hashed.error().message);
      if (hashed->empty() || hashed->size() > 255) {
        return fail("next hashed owner name must be 1 to 255 octets");
      }
      n.nextHashed = std::move(hashed).value();
      ZONEWATCH_DNS_TRY(n.types, parseTypeList(f));
      return Rdata{std::move(n)};
    }
    case RRType::NSEC3PARAM: {
      rdata::NSEC3PARAM p;
      ZONEWATCH_DNS_TRY(uint32_t alg, f.number("hash algorithm", 0xFF));
      p.hashAlgorithm = static_cast<uint8_t>(alg);
      ZONEWATCH_DNS_TRY(uint32_t flags, f.number("flags", 0xFF));
      p.flags = static_cast<uint8_t>(flags);
      ZONEWATCH_DNS_TRY(uint32_t iterations, f.number("iterations", 0xFFFF));
      p.iterations = static_cast<uint16_t>(iterations);
      ZONEWATCH_DNS_TRY(p.salt, parseSalt(f));
      return Rdata{std::move(p)};
    }
    default:
      return Rdata{rdata::Unknown{}};
  }
}

Result<std::vector<uint8_t>> schemaFromText(std::span<const Field> schema, Fields& f,
                                            const Name& origin) {
  WireWriter w;
  for (Field field : schema) {
    switch (field) {
      case Field::kU16: {
        ZONEWATCH_DNS_TRY(uint32_t v, f.number("number", 0xFFFF));
        w.u16(static_cast<uint16_t>(v));
        break;
      }
      case Field::kName: {
        ZONEWATCH_DNS_TRY(Name n, f.name("name", origin));
        w.name(n);
        break;
      }
      case Field::kCharString: {
        ZONEWATCH_DNS_TRY(std::string s, f.characterString("character-string"));
        w.characterString(s);
        break;
      }
    }
  }
  return w.take();
}

Result<std::vector<uint8_t>> genericFromText(RRType t, Fields& f) {
  // RFC 3597 §5: "\# <length> <hex>", the hex possibly split into several fields.
  ZONEWATCH_DNS_TRY(uint32_t length, f.number("RDATA length", 0xFFFF));
  auto data = fromHex(f.rest());
  if (!data) return fail("RDATA hex: " + data.error().message);
  if (data->size() != length) {
    return fail("\\# says " + std::to_string(length) + " octets but the hex has " +
                std::to_string(data->size()));
  }
  // RFC 3597 §5: the generic form of a known type must still be valid RDATA of that type.
  if (!rdataFitsType(t, *data)) {
    return fail("\\# data is not valid " + typeToString(t) + " RDATA");
  }
  return data;
}

}  // namespace

bool TypeBitmap::has(RRType t) const {
  return std::find(types.begin(), types.end(), toU16(t)) != types.end();
}

Result<Rdata> decodeRdata(RRType t, std::span<const uint8_t> wire) {
  WireReader r(wire);
  auto decoded = decodeTyped(t, r);
  if (!decoded) {
    return fail(typeToString(t) + " RDATA does not fit its type: " + decoded.error().message);
  }
  if (!std::holds_alternative<rdata::Unknown>(*decoded) && !r.atEnd()) {
    return fail(typeToString(t) + " RDATA has " + std::to_string(r.remaining()) +
                " octets after its last field");
  }
  return std::move(decoded).value();
}

std::vector<uint8_t> encodeRdata(const Rdata& data) {
  WireWriter w;
  std::visit(
      [&w](const auto& d) {
        using T = std::decay_t<decltype(d)>;
        if constexpr (std::is_same_v<T, rdata::A> || std::is_same_v<T, rdata::AAAA>) {
          w.bytes(d.address);
        } else if constexpr (std::is_same_v<T, rdata::NS>) {
          w.name(d.host);
        } else if constexpr (std::is_same_v<T, rdata::CNAME>) {
          w.name(d.target);
        } else if constexpr (std::is_same_v<T, rdata::SOA>) {
          w.name(d.mname);
          w.name(d.rname);
          w.u32(d.serial);
          w.u32(d.refresh);
          w.u32(d.retry);
          w.u32(d.expire);
          w.u32(d.minimum);
        } else if constexpr (std::is_same_v<T, rdata::TXT>) {
          for (const auto& s : d.strings) {
            w.characterString(std::string_view(s).substr(0, 255));
          }
        } else if constexpr (std::is_same_v<T, rdata::DS>) {
          w.u16(d.keyTag);
          w.u8(d.algorithm);
          w.u8(d.digestType);
          w.bytes(d.digest);
        } else if constexpr (std::is_same_v<T, rdata::DNSKEY>) {
          w.u16(d.flags);
          w.u8(d.protocol);
          w.u8(d.algorithm);
          w.bytes(d.publicKey);
        } else if constexpr (std::is_same_v<T, rdata::RRSIG>) {
          w.u16(toU16(d.typeCovered));
          w.u8(d.algorithm);
          w.u8(d.labels);
          w.u32(d.originalTtl);
          w.u32(d.expiration);
          w.u32(d.inception);
          w.u16(d.keyTag);
          w.name(d.signer);
          w.bytes(d.signature);
        } else if constexpr (std::is_same_v<T, rdata::NSEC>) {
          w.name(d.next);
          writeBitmap(w, d.types);
        } else if constexpr (std::is_same_v<T, rdata::NSEC3>) {
          w.u8(d.hashAlgorithm);
          w.u8(d.flags);
          w.u16(d.iterations);
          writeShortBlob(w, d.salt);
          writeShortBlob(w, d.nextHashed);
          writeBitmap(w, d.types);
        } else if constexpr (std::is_same_v<T, rdata::NSEC3PARAM>) {
          w.u8(d.hashAlgorithm);
          w.u8(d.flags);
          w.u16(d.iterations);
          writeShortBlob(w, d.salt);
        }
      },
      data);
  return w.take();
}

std::string rdataToString(RRType t, std::span<const uint8_t> wire) {
  if (auto typed = decodeRdata(t, wire); typed && !std::holds_alternative<rdata::Unknown>(*typed)) {
    return typedToString(*typed);
  }
  if (auto schema = schemaFor(t); !schema.empty()) {
    if (auto text = schemaToString(schema, wire)) return *text;
  }
  return unknownToString(wire);
}

Result<std::vector<uint8_t>> rdataFromString(RRType t, std::string_view text, const Name& origin) {
  auto tokens = tokenizeRdata(text);
  if (!tokens) return Unexpected{tokens.error()};
  bool generic = !tokens->empty() && !tokens->front().quoted && tokens->front().text == "\\#";
  Fields f(std::move(tokens).value());
  auto withType = [&](const Error& e) { return fail(typeToString(t) + " RDATA: " + e.message); };
  if (generic) {
    (void)f.next("\\#");
    auto data = genericFromText(t, f);
    if (!data) return withType(data.error());
    return data;
  }
  if (auto schema = schemaFor(t); !schema.empty()) {
    auto data = schemaFromText(schema, f, origin);
    if (!data) return withType(data.error());
    if (auto s = f.finish(); !s) return withType(s.error());
    return data;
  }
  auto typed = typedFromText(t, f, origin);
  if (!typed) return withType(typed.error());
  if (std::holds_alternative<rdata::Unknown>(*typed)) {
    return fail("no presentation format for " + typeToString(t) +
                " RDATA here; write it as \\# <length> <hex> (RFC 3597 §5)");
  }
  if (auto s = f.finish(); !s) return withType(s.error());
  return encodeRdata(*typed);
}

std::span<const RdataField> rdataLayout(RRType t) {
  switch (toU16(t)) {
    case toU16(RRType::NS):
    case toU16(RRType::CNAME):
    case toU16(RRType::PTR):
    case toU16(RRType::DNAME):
    case kMD:
    case kMF:
    case kMB:
    case kMG:
    case kMR:
      return kLayoutName;
    case toU16(RRType::SOA):
      return kLayoutSoa;
    case toU16(RRType::MX):
    case kAFSDB:
    case kRT:
    case kKX:
      return kLayoutPreferenceName;
    case kMINFO:
    case kRP:
      return kLayoutTwoNames;
    case toU16(RRType::SRV):
      return kLayoutSrv;
    case kPX:
      return kLayoutPx;
    case kSIG:
    case toU16(RRType::RRSIG):
      return kLayoutSig;
    case kNXT:
    case toU16(RRType::NSEC):
      return kLayoutNameRest;
    case kNAPTR:
      return kLayoutNaptr;
    default:
      return {};
  }
}

bool lowercasesNamesInCanonicalForm(RRType t) {
  // RFC 4034 §6.2 item 3, without NSEC (RFC 6840 §5.1). HINFO is in the RFC's list although it
  // holds no names; A6 is historic (RFC 6563) and has no layout here, so its names are left as they
  // are.
  switch (toU16(t)) {
    case toU16(RRType::NS):
    case kMD:
    case kMF:
    case toU16(RRType::CNAME):
    case toU16(RRType::SOA):
    case kMB:
    case kMG:
    case kMR:
    case toU16(RRType::PTR):
    case kHINFO:
    case kMINFO:
    case toU16(RRType::MX):
    case kRP:
    case kAFSDB:
    case kRT:
    case kSIG:
    case kPX:
    case kNXT:
    case kNAPTR:
    case kKX:
    case toU16(RRType::SRV):
    case toU16(RRType::DNAME):
    case kA6:
    case toU16(RRType::RRSIG):
      return true;
    default:
      return false;
  }
}

bool rdataFitsType(RRType t, std::span<const uint8_t> wire) {
  if (!rdataLayout(t).empty()) {
    if (!copyRdata(t, WireReader(wire), false, false)) return false;
  }
  return decodeRdata(t, wire).ok();
}

}  // namespace zonewatch::dns
