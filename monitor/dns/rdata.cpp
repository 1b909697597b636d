#include "monitor/dns/rdata.h"

#include <arpa/inet.h>

#include <algorithm>
#include <iterator>
#include <limits>
#include <tuple>

#include "monitor/dns/presentation.h"
#include "monitor/dns/wire.h"

namespace zonewatch::dns {

namespace {

constexpr RRType type(uint16_t v) {
  return static_cast<RRType>(v);
}

// Types the codec knows by number only (no RRType enumerator): obsolete or rare, but they carry
// names that RFC 3597 §4 and RFC 4034 §6.2 care about.
constexpr RRType kMD = type(3), kMF = type(4), kMB = type(7), kMG = type(8), kMR = type(9),
                 kHINFO = type(13), kMINFO = type(14), kRP = type(17), kAFSDB = type(18),
                 kRT = type(21), kSIG = type(24), kPX = type(26), kNXT = type(30),
                 kNAPTR = type(35), kKX = type(36), kA6 = type(38);

using F = RdataField;
constexpr RdataField kLayoutName[] = {{F::kName, 0}};
constexpr RdataField kLayoutTwoNames[] = {{F::kName, 0}, {F::kName, 0}};
constexpr RdataField kLayoutSoa[] = {{F::kName, 0}, {F::kName, 0}, {F::kFixed, 20}};
constexpr RdataField kLayoutPrefName[] = {{F::kFixed, 2}, {F::kName, 0}};
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
enum class SchemaField : uint8_t { kU16, kName, kCharString };
using S = SchemaField;
constexpr SchemaField kSchemaName[] = {S::kName};
constexpr SchemaField kSchemaTwoNames[] = {S::kName, S::kName};
// A preference then a name: MX (RFC 1035 §3.3.9), AFSDB, RT, KX.
constexpr SchemaField kSchemaPrefName[] = {S::kU16, S::kName};
constexpr SchemaField kSchemaSrv[] = {S::kU16, S::kU16, S::kU16, S::kName};
constexpr SchemaField kSchemaPx[] = {S::kU16, S::kName, S::kName};
constexpr SchemaField kSchemaNaptr[] = {S::kU16,        S::kU16,        S::kCharString,
                                        S::kCharString, S::kCharString, S::kName};
constexpr SchemaField kSchemaHinfo[] = {S::kCharString, S::kCharString};

ParseError rdataError(std::string what) {
  return ParseError{ParseErrc::kBadRdata, 0, std::move(what)};
}

// Stores the value of a successful read in `out`, or passes its error on.
template <class V, class E>
Status<E> store(V& out, Result<V, E> read) {
  if (!read) return Unexpected{read.error()};
  out = std::move(read).value();
  return Ok{};
}

// Reads presentation fields one by one, with errors that name the field.
class Fields {
 public:
  explicit Fields(std::vector<RdataToken> tokens) : tokens_(std::move(tokens)) {}

  Result<const RdataToken*> next(std::string_view what) {
    if (at_ >= tokens_.size()) return fail("missing " + std::string(what));
    return &tokens_[at_++];
  }
  // The next field through convert(text); its error is prefixed with `what`.
  template <class Convert>
  auto converted(std::string_view what, Convert convert) -> decltype(convert(std::string_view())) {
    auto t = next(what);
    if (!t) return Unexpected{t.error()};
    auto v = convert((*t)->text);
    if (!v) return fail(std::string(what) + ": " + v.error().message);
    return v;
  }
  Result<uint32_t> number(std::string_view what, uint32_t max) {
    return converted(what, [max](std::string_view text) { return parseDecimal(text, max); });
  }
  Result<Name> name(std::string_view what, const Name& origin) {
    return converted(what, [&origin](std::string_view text) { return Name::parse(text, origin); });
  }
  Result<std::string> characterString(std::string_view what) {
    ZONEWATCH_DNS_TRY(std::string s, converted(what, unescapeText));
    if (s.size() > 255) {
      return fail(std::string(what) + " is " + std::to_string(s.size()) +
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

// Adds a field's text to presentation output, one space between fields. Fields with nothing to
// show (an empty digest or type list) add nothing, separator included.
void appendField(std::string& out, const std::string& text) {
  if (text.empty()) return;
  if (!out.empty()) out += ' ';
  out += text;
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

// An octet of length, then that many octets (RFC 5155 §3.2 salt and hash).
Status<ParseError> readShortBlob(WireReader& r, std::vector<uint8_t>& out) {
  ZONEWATCH_DNS_TRY(uint8_t length, r.u8());
  ZONEWATCH_DNS_TRY(auto b, r.bytes(length));
  out.assign(b.begin(), b.end());
  return Ok{};
}

// Callers keep these fields within their 8-bit length; longer input is cut rather than encoded
// with a length octet that disagrees with the data.
void writeShortBlob(WireWriter& w, std::span<const uint8_t> data) {
  size_t n = std::min<size_t>(data.size(), 255);
  w.u8(static_cast<uint8_t>(n));
  w.bytes(data.first(n));
}

// Field codecs. Each knows one kind of RDATA field in four directions: read(wire) and write(wire),
// text() for presentation output and parse() for presentation input. The typed RDATA structs below
// are lists of (member, codec) pairs, so that the four directions cannot disagree about a layout.

// An unsigned field of 8, 16 or 32 bits, decimal in text.
struct Decimal {
  std::string_view what;

  template <class V>
  Status<ParseError> read(WireReader& r, V& v) const {
    if constexpr (sizeof(V) == 1) {
      return store(v, r.u8());
    } else if constexpr (sizeof(V) == 2) {
      return store(v, r.u16());
    } else {
      static_assert(sizeof(V) == 4);
      return store(v, r.u32());
    }
  }
  template <class V>
  void write(WireWriter& w, V v) const {
    if constexpr (sizeof(V) == 1) {
      w.u8(v);
    } else if constexpr (sizeof(V) == 2) {
      w.u16(v);
    } else {
      w.u32(v);
    }
  }
  template <class V>
  std::string text(V v) const {
    return std::to_string(v);
  }
  template <class V>
  Status<> parse(Fields& in, const Name&, V& v) const {
    ZONEWATCH_DNS_TRY(uint32_t n, in.number(what, std::numeric_limits<V>::max()));
    v = static_cast<V>(n);
    return Ok{};
  }
};

// A 32-bit count of seconds with its own text form: SOA timers, which zone files write with TTL
// units, and RRSIG times (RFC 4034 §3.2, YYYYMMDDHHmmSS).
struct Seconds {
  std::string_view what;
  std::string (*format)(uint32_t);
  Result<uint32_t> (*convert)(std::string_view);

  Status<ParseError> read(WireReader& r, uint32_t& v) const { return store(v, r.u32()); }
  void write(WireWriter& w, uint32_t v) const { w.u32(v); }
  std::string text(uint32_t v) const { return format(v); }
  Status<> parse(Fields& in, const Name&, uint32_t& v) const {
    return store(v, in.converted(what, convert));
  }
};

std::string decimalSeconds(uint32_t v) {
  return std::to_string(v);
}

constexpr Seconds kSoaTimer{"SOA timer", decimalSeconds, parseTtl};

constexpr Seconds dnssecTime(std::string_view what) {
  return {what, formatDnssecTime, parseDnssecTime};
}

// A DNSSEC algorithm number (RFC 4034 Appendix A.1), decimal in output, a mnemonic or decimal in
// input.
struct Algorithm {
  Status<ParseError> read(WireReader& r, uint8_t& v) const { return store(v, r.u8()); }
  void write(WireWriter& w, uint8_t v) const { w.u8(v); }
  std::string text(uint8_t v) const { return std::to_string(v); }
  Status<> parse(Fields& in, const Name&, uint8_t& v) const {
    ZONEWATCH_DNS_TRY(const RdataToken* t, in.next("algorithm"));
    return store(v, parseAlgorithm(t->text));
  }
};

// The RRSIG Type Covered field (RFC 4034 §3.1.1), a type mnemonic in text (§3.2).
struct TypeCovered {
  Status<ParseError> read(WireReader& r, RRType& v) const {
    ZONEWATCH_DNS_TRY(uint16_t covered, r.u16());
    v = type(covered);
    return Ok{};
  }
  void write(WireWriter& w, RRType v) const { w.u16(toU16(v)); }
  std::string text(RRType v) const { return typeToString(v); }
  Status<> parse(Fields& in, const Name&, RRType& v) const {
    ZONEWATCH_DNS_TRY(const RdataToken* t, in.next("type covered"));
    auto covered = typeFromString(t->text);
    if (!covered) return fail("unknown type covered \"" + t->text + "\"");
    v = *covered;
    return Ok{};
  }
};

// An IPv4 (RFC 1035 §3.4.1) or IPv6 (RFC 3596 §2.2) address, in the text inet_ntop writes.
struct Address {
  template <size_t N>
  static constexpr int kFamily = N == 4 ? AF_INET : AF_INET6;

  template <size_t N>
  Status<ParseError> read(WireReader& r, std::array<uint8_t, N>& v) const {
    ZONEWATCH_DNS_TRY(auto b, r.bytes(N));
    std::copy(b.begin(), b.end(), v.begin());
    return Ok{};
  }
  template <size_t N>
  void write(WireWriter& w, const std::array<uint8_t, N>& v) const {
    w.bytes(v);
  }
  template <size_t N>
  std::string text(const std::array<uint8_t, N>& v) const {
    char buf[INET6_ADDRSTRLEN] = {};
    inet_ntop(kFamily<N>, v.data(), buf, sizeof buf);
    return buf;
  }
  template <size_t N>
  Status<> parse(Fields& in, const Name&, std::array<uint8_t, N>& v) const {
    ZONEWATCH_DNS_TRY(const RdataToken* t, in.next("address"));
    if (inet_pton(kFamily<N>, t->text.c_str(), v.data()) != 1) {
      return fail("\"" + t->text + "\" is not an " + (N == 4 ? "IPv4" : "IPv6") + " address");
    }
    return Ok{};
  }
};

// A domain name, never compressed inside RDATA that reaches the codec (RFC 3597 §4).
struct DomainName {
  std::string_view what;

  Status<ParseError> read(WireReader& r, Name& v) const { return store(v, r.name(false)); }
  void write(WireWriter& w, const Name& v) const { w.name(v); }
  std::string text(const Name& v) const { return v.toString(); }
  Status<> parse(Fields& in, const Name& origin, Name& v) const {
    return store(v, in.name(what, origin));
  }
};

// One RFC 1035 §3.3 character-string: a length octet and that many octets, quoted in text.
struct CharString {
  std::string_view what;

  Status<ParseError> read(WireReader& r, std::string& v) const {
    ZONEWATCH_DNS_TRY(uint8_t length, r.u8());
    ZONEWATCH_DNS_TRY(auto b, r.bytes(length));
    v.assign(b.begin(), b.end());
    return Ok{};
  }
  void write(WireWriter& w, const std::string& v) const {
    w.characterString(std::string_view(v).substr(0, 255));
  }
  std::string text(const std::string& v) const { return quoteCharacterString(v); }
  Status<> parse(Fields& in, const Name&, std::string& v) const {
    return store(v, in.characterString(what));
  }
};

// RFC 1035 §3.3.14: TXT RDATA is one or more character-strings, up to the end of the RDATA. The
// loop needs no cap of its own: every string consumes at least its length octet.
struct TxtStrings {
  CharString each{"TXT string"};

  Status<ParseError> read(WireReader& r, std::vector<std::string>& v) const {
    if (r.atEnd()) return Unexpected{rdataError("TXT RDATA without a character-string")};
    while (!r.atEnd()) {
      if (auto s = each.read(r, v.emplace_back()); !s) return s;
    }
    return Ok{};
  }
  void write(WireWriter& w, const std::vector<std::string>& v) const {
    for (const std::string& s : v) each.write(w, s);
  }
  std::string text(const std::vector<std::string>& v) const {
    std::string out;
    for (const std::string& s : v) appendField(out, each.text(s));
    return out;
  }
  Status<> parse(Fields& in, const Name& origin, std::vector<std::string>& v) const {
    if (in.done()) return fail("TXT needs at least one character-string");
    while (!in.done()) {
      if (auto s = each.parse(in, origin, v.emplace_back()); !s) return s;
    }
    return Ok{};
  }
};

// The rest of the RDATA as one blob (digest, public key, signature); its text may be split into
// several fields (RFC 4034 §§2.2, 3.2, 5.3) and is left out when the blob is empty.
struct Rest {
  std::string_view what;
  std::string (*encode)(std::span<const uint8_t>);
  Result<std::vector<uint8_t>> (*decode)(std::string_view);

  Status<ParseError> read(WireReader& r, std::vector<uint8_t>& v) const {
    ZONEWATCH_DNS_TRY(auto b, r.bytes(r.remaining()));
    v.assign(b.begin(), b.end());
    return Ok{};
  }
  void write(WireWriter& w, const std::vector<uint8_t>& v) const { w.bytes(v); }
  std::string text(const std::vector<uint8_t>& v) const { return encode(v); }
  Status<> parse(Fields& in, const Name&, std::vector<uint8_t>& v) const {
    auto decoded = decode(in.rest());
    if (!decoded) return fail(std::string(what) + ": " + decoded.error().message);
    v = std::move(decoded).value();
    return Ok{};
  }
};

// RFC 5155 §3.2 salt: an octet of length and up to 255 octets; "-" in text when empty (§3.3).
struct Salt {
  Status<ParseError> read(WireReader& r, std::vector<uint8_t>& v) const {
    return readShortBlob(r, v);
  }
  void write(WireWriter& w, const std::vector<uint8_t>& v) const { writeShortBlob(w, v); }
  std::string text(const std::vector<uint8_t>& v) const { return v.empty() ? "-" : toHex(v); }
  Status<> parse(Fields& in, const Name&, std::vector<uint8_t>& v) const {
    ZONEWATCH_DNS_TRY(v, in.converted("salt", [](std::string_view text) {
      return text == "-" ? Result<std::vector<uint8_t>>(std::vector<uint8_t>{}) : fromHex(text);
    }));
    if (v.size() > 255) return fail("salt over 255 octets");
    return Ok{};
  }
};

// RFC 5155 §3.2 next hashed owner name: like the salt on the wire but never empty, and base32hex
// in text (§3.3).
struct HashedOwner {
  static constexpr std::string_view kWhat = "next hashed owner name";

  Status<ParseError> read(WireReader& r, std::vector<uint8_t>& v) const {
    if (auto s = readShortBlob(r, v); !s) return s;
    if (v.empty()) return Unexpected{rdataError("NSEC3 with an empty next hashed owner")};
    return Ok{};
  }
  void write(WireWriter& w, const std::vector<uint8_t>& v) const { writeShortBlob(w, v); }
  std::string text(const std::vector<uint8_t>& v) const { return toBase32Hex(v); }
  Status<> parse(Fields& in, const Name&, std::vector<uint8_t>& v) const {
    ZONEWATCH_DNS_TRY(v, in.converted(kWhat, fromBase32Hex));
    if (v.empty() || v.size() > 255) return fail(std::string(kWhat) + " must be 1 to 255 octets");
    return Ok{};
  }
};

// The NSEC/NSEC3 type bit map (RFC 4034 §4.1.2), a list of type mnemonics in text (§4.2).
struct Types {
  Status<ParseError> read(WireReader& r, TypeBitmap& v) const { return store(v, readBitmap(r)); }
  void write(WireWriter& w, const TypeBitmap& v) const { writeBitmap(w, v); }
  std::string text(const TypeBitmap& v) const {
    std::string out;
    for (uint16_t t : v.types) appendField(out, typeToString(type(t)));
    return out;
  }
  Status<> parse(Fields& in, const Name&, TypeBitmap& v) const {
    return store(v, parseTypeList(in));
  }
};

// A member of a typed RDATA struct and the codec of its field.
template <class Struct, class V, class Codec>
struct Member {
  V Struct::*member;
  Codec codec;
};

template <class Struct, class V, class Codec>
constexpr Member<Struct, V, Codec> field(V Struct::*member, Codec codec) {
  return {member, codec};
}

// RFC 5155 §4.2: NSEC3PARAM is the first four fields of NSEC3 (§3.2).
template <class Struct, class... More>
constexpr auto nsec3Fields(More... more) {
  return std::tuple{
      field(&Struct::hashAlgorithm, Decimal{"hash algorithm"}),
      field(&Struct::flags, Decimal{"flags"}),
      field(&Struct::iterations, Decimal{"iterations"}),
      field(&Struct::salt, Salt{}),
      more...,
  };
}

// The fields of each typed RDATA, in wire order, which is also the presentation order: RFC 1035
// §3.3 and §3.4.1, RFC 3596 §2.2, RFC 4034 §§2-5, RFC 5155 §§3-4. rdata::Unknown has none.
template <class T>
constexpr auto kFieldsOf = std::tuple<>{};
template <>
constexpr auto kFieldsOf<rdata::A> = std::tuple{field(&rdata::A::address, Address{})};
template <>
constexpr auto kFieldsOf<rdata::AAAA> = std::tuple{field(&rdata::AAAA::address, Address{})};
template <>
constexpr auto kFieldsOf<rdata::NS> =
    std::tuple{field(&rdata::NS::host, DomainName{"name server"})};
template <>
constexpr auto kFieldsOf<rdata::CNAME> =
    std::tuple{field(&rdata::CNAME::target, DomainName{"target"})};
template <>
constexpr auto kFieldsOf<rdata::SOA> = std::tuple{
    field(&rdata::SOA::mname, DomainName{"MNAME"}),
    field(&rdata::SOA::rname, DomainName{"RNAME"}),
    field(&rdata::SOA::serial, Decimal{"serial"}),
    // Zone files write the timers with TTL units ("1h", "2w") as often as in seconds.
    field(&rdata::SOA::refresh, kSoaTimer),
    field(&rdata::SOA::retry, kSoaTimer),
    field(&rdata::SOA::expire, kSoaTimer),
    field(&rdata::SOA::minimum, kSoaTimer),
};
template <>
constexpr auto kFieldsOf<rdata::TXT> = std::tuple{field(&rdata::TXT::strings, TxtStrings{})};
template <>
constexpr auto kFieldsOf<rdata::DS> = std::tuple{
    field(&rdata::DS::keyTag, Decimal{"key tag"}),
    field(&rdata::DS::algorithm, Algorithm{}),
    field(&rdata::DS::digestType, Decimal{"digest type"}),
    field(&rdata::DS::digest, Rest{"digest", toHex, fromHex}),
};
template <>
constexpr auto kFieldsOf<rdata::DNSKEY> = std::tuple{
    field(&rdata::DNSKEY::flags, Decimal{"flags"}),
    field(&rdata::DNSKEY::protocol, Decimal{"protocol"}),
    field(&rdata::DNSKEY::algorithm, Algorithm{}),
    field(&rdata::DNSKEY::publicKey, Rest{"public key", toBase64, fromBase64}),
};
template <>
constexpr auto kFieldsOf<rdata::RRSIG> = std::tuple{
    field(&rdata::RRSIG::typeCovered, TypeCovered{}),
    field(&rdata::RRSIG::algorithm, Algorithm{}),
    field(&rdata::RRSIG::labels, Decimal{"labels"}),
    field(&rdata::RRSIG::originalTtl, Decimal{"original TTL"}),
    field(&rdata::RRSIG::expiration, dnssecTime("expiration")),
    field(&rdata::RRSIG::inception, dnssecTime("inception")),
    field(&rdata::RRSIG::keyTag, Decimal{"key tag"}),
    field(&rdata::RRSIG::signer, DomainName{"signer"}),
    field(&rdata::RRSIG::signature, Rest{"signature", toBase64, fromBase64}),
};
template <>
constexpr auto kFieldsOf<rdata::NSEC> = std::tuple{
    field(&rdata::NSEC::next, DomainName{"next domain name"}),
    field(&rdata::NSEC::types, Types{}),
};
template <>
constexpr auto kFieldsOf<rdata::NSEC3> = nsec3Fields<rdata::NSEC3>(
    field(&rdata::NSEC3::nextHashed, HashedOwner{}), field(&rdata::NSEC3::types, Types{}));
template <>
constexpr auto kFieldsOf<rdata::NSEC3PARAM> = nsec3Fields<rdata::NSEC3PARAM>();

// Runs step(field) over the fields of T in order and stops at the first failure.
template <class T, class E, class Step>
Status<E> forEachField(Step step) {
  Status<E> status = Ok{};
  std::apply([&](const auto&... f) { (void)(static_cast<bool>(status = step(f)) && ...); },
             kFieldsOf<T>);
  return status;
}

template <class T>
Result<Rdata, ParseError> decodeAs(WireReader& r) {
  T value;
  auto s =
      forEachField<T, ParseError>([&](const auto& f) { return f.codec.read(r, value.*f.member); });
  if (!s) return Unexpected{s.error()};
  return Rdata{std::move(value)};
}

template <class T>
Result<Rdata> parseAs(Fields& in, const Name& origin) {
  T value;
  auto s = forEachField<T, Error>(
      [&](const auto& f) { return f.codec.parse(in, origin, value.*f.member); });
  if (!s) return Unexpected{s.error()};
  return Rdata{std::move(value)};
}

template <class T>
void encodeAs(WireWriter& w, const T& value) {
  std::apply([&](const auto&... f) { (f.codec.write(w, value.*f.member), ...); }, kFieldsOf<T>);
}

template <class T>
std::string textOf(const T& value) {
  std::string out;
  std::apply([&](const auto&... f) { (appendField(out, f.codec.text(value.*f.member)), ...); },
             kFieldsOf<T>);
  return out;
}

// Runs fn(codec, value) with the codec of a schema field and a value for it to work on.
template <class Fn>
auto withSchemaCodec(SchemaField kind, Fn fn) {
  switch (kind) {
    case SchemaField::kName: {
      Name n;
      return fn(DomainName{"name"}, n);
    }
    case SchemaField::kCharString: {
      std::string s;
      return fn(CharString{"character-string"}, s);
    }
    case SchemaField::kU16:
      break;
  }
  uint16_t v = 0;
  return fn(Decimal{"number"}, v);
}

Result<std::string, ParseError> schemaToString(std::span<const SchemaField> schema,
                                               std::span<const uint8_t> wire) {
  WireReader r(wire);
  std::string out;
  for (SchemaField kind : schema) {
    auto s = withSchemaCodec(kind, [&](const auto& codec, auto& v) {
      auto read = codec.read(r, v);
      if (read) appendField(out, codec.text(v));
      return read;
    });
    if (!s) return Unexpected{s.error()};
  }
  if (!r.atEnd()) return Unexpected{rdataError("trailing octets")};
  return out;
}

Result<std::vector<uint8_t>> schemaFromText(std::span<const SchemaField> schema, Fields& f,
                                            const Name& origin) {
  WireWriter w;
  for (SchemaField kind : schema) {
    auto s = withSchemaCodec(kind, [&](const auto& codec, auto& v) {
      auto parsed = codec.parse(f, origin, v);
      if (parsed) codec.write(w, v);
      return parsed;
    });
    if (!s) return Unexpected{s.error()};
  }
  return w.take();
}

// A type with a typed form (an Rdata alternative): how its wire and text forms become one.
struct TypedCodec {
  Result<Rdata, ParseError> (*decode)(WireReader&) = nullptr;
  Result<Rdata> (*parse)(Fields&, const Name& origin) = nullptr;
};

template <class T>
constexpr TypedCodec kTyped{decodeAs<T>, parseAs<T>};

// Everything the codec knows about one RR type. Types without a row are opaque (RFC 3597).
struct TypeEntry {
  RRType type{};
  TypedCodec typed;                     // decodeRdata, rdataToString and rdataFromString
  std::span<const SchemaField> schema;  // text form of the untyped types that have one
  std::span<const RdataField> layout;   // rdataLayout(): the names the message parser expands
  bool lowercased = false;              // RFC 4034 §6.2 item 3 as amended by RFC 6840 §5.1
};

// The last column is RFC 4034 §6.2 item 3, without NSEC (RFC 6840 §5.1). HINFO is in the RFC's list
// although it holds no names; A6 is historic (RFC 6563) and has no layout here, so its names are
// left as they are. DS and CDS (RFC 7344 §3.1) share a typed form, as do DNSKEY and CDNSKEY
// (§3.2). The rows are sorted by type number, for entryFor()'s binary search.
constexpr bool kLower = true, kKeep = false;
// clang-format off
constexpr TypeEntry kTypes[] = {
    // type              typed form                 text form        names in RDATA   §6.2
    {RRType::A,          kTyped<rdata::A>,          {},              {},              kKeep},
    {RRType::NS,         kTyped<rdata::NS>,         {},              kLayoutName,     kLower},
    {kMD,                {},                        kSchemaName,     kLayoutName,     kLower},
    {kMF,                {},                        kSchemaName,     kLayoutName,     kLower},
    {RRType::CNAME,      kTyped<rdata::CNAME>,      {},              kLayoutName,     kLower},
    {RRType::SOA,        kTyped<rdata::SOA>,        {},              kLayoutSoa,      kLower},
    {kMB,                {},                        kSchemaName,     kLayoutName,     kLower},
    {kMG,                {},                        kSchemaName,     kLayoutName,     kLower},
    {kMR,                {},                        kSchemaName,     kLayoutName,     kLower},
    {RRType::PTR,        {},                        kSchemaName,     kLayoutName,     kLower},
    {kHINFO,             {},                        kSchemaHinfo,    {},              kLower},
    {kMINFO,             {},                        kSchemaTwoNames, kLayoutTwoNames, kLower},
    {RRType::MX,         {},                        kSchemaPrefName, kLayoutPrefName, kLower},
    {RRType::TXT,        kTyped<rdata::TXT>,        {},              {},              kKeep},
    {kRP,                {},                        kSchemaTwoNames, kLayoutTwoNames, kLower},
    {kAFSDB,             {},                        kSchemaPrefName, kLayoutPrefName, kLower},
    {kRT,                {},                        kSchemaPrefName, kLayoutPrefName, kLower},
    {kSIG,               {},                        {},              kLayoutSig,      kLower},
    {kPX,                {},                        kSchemaPx,       kLayoutPx,       kLower},
    {RRType::AAAA,       kTyped<rdata::AAAA>,       {},              {},              kKeep},
    {kNXT,               {},                        {},              kLayoutNameRest, kLower},
    {RRType::SRV,        {},                        kSchemaSrv,      kLayoutSrv,      kLower},
    {kNAPTR,             {},                        kSchemaNaptr,    kLayoutNaptr,    kLower},
    {kKX,                {},                        kSchemaPrefName, kLayoutPrefName, kLower},
    {kA6,                {},                        {},              {},              kLower},
    {RRType::DNAME,      {},                        kSchemaName,     kLayoutName,     kLower},
    {RRType::DS,         kTyped<rdata::DS>,         {},              {},              kKeep},
    {RRType::RRSIG,      kTyped<rdata::RRSIG>,      {},              kLayoutSig,      kLower},
    {RRType::NSEC,       kTyped<rdata::NSEC>,       {},              kLayoutNameRest, kKeep},
    {RRType::DNSKEY,     kTyped<rdata::DNSKEY>,     {},              {},              kKeep},
    {RRType::NSEC3,      kTyped<rdata::NSEC3>,      {},              {},              kKeep},
    {RRType::NSEC3PARAM, kTyped<rdata::NSEC3PARAM>, {},              {},              kKeep},
    {RRType::CDS,        kTyped<rdata::DS>,         {},              {},              kKeep},
    {RRType::CDNSKEY,    kTyped<rdata::DNSKEY>,     {},              {},              kKeep},
};
// clang-format on

constexpr bool rowsStrictlyIncrease() {
  return std::ranges::adjacent_find(kTypes, [](const TypeEntry& a, const TypeEntry& b) {
           return toU16(a.type) >= toU16(b.type);
         }) == std::end(kTypes);
}
static_assert(rowsStrictlyIncrease(), "kTypes must be sorted by type, one row per type");

constexpr TypeEntry kOpaque{};

const TypeEntry& entryFor(RRType t) {
  auto it = std::ranges::lower_bound(kTypes, t, {}, &TypeEntry::type);
  return it != std::end(kTypes) && it->type == t ? *it : kOpaque;
}

std::string unknownToString(std::span<const uint8_t> wire) {
  // RFC 3597 §5.
  std::string out = "\\# " + std::to_string(wire.size());
  if (!wire.empty()) out += " " + toHex(wire);
  return out;
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

// A type's own presentation form (not RFC 3597's), through its schema or its typed form.
Result<std::vector<uint8_t>> ownFormFromText(const TypeEntry& entry, Fields& f,
                                             const Name& origin) {
  if (!entry.schema.empty()) return schemaFromText(entry.schema, f, origin);
  ZONEWATCH_DNS_TRY(Rdata typed, entry.typed.parse(f, origin));
  return encodeRdata(typed);
}

}  // namespace

bool TypeBitmap::has(RRType t) const {
  return std::find(types.begin(), types.end(), toU16(t)) != types.end();
}

Result<Rdata> decodeRdata(RRType t, std::span<const uint8_t> wire) {
  const TypedCodec& typed = entryFor(t).typed;
  if (typed.decode == nullptr) return Rdata{rdata::Unknown{}};
  WireReader r(wire);
  auto decoded = typed.decode(r);
  if (!decoded) {
    return fail(typeToString(t) + " RDATA does not fit its type: " + decoded.error().message);
  }
  if (!r.atEnd()) {
    return fail(typeToString(t) + " RDATA has " + std::to_string(r.remaining()) +
                " octets after its last field");
  }
  return std::move(decoded).value();
}

std::vector<uint8_t> encodeRdata(const Rdata& data) {
  WireWriter w;
  std::visit([&w](const auto& d) { encodeAs(w, d); }, data);
  return w.take();
}

std::string rdataToString(RRType t, std::span<const uint8_t> wire) {
  const TypeEntry& entry = entryFor(t);
  if (entry.typed.decode != nullptr) {
    if (auto typed = decodeRdata(t, wire)) {
      return std::visit([](const auto& d) { return textOf(d); }, *typed);
    }
  } else if (!entry.schema.empty()) {
    if (auto text = schemaToString(entry.schema, wire)) return *text;
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
  const TypeEntry& entry = entryFor(t);
  if (entry.schema.empty() && entry.typed.parse == nullptr) {
    return fail("no presentation format for " + typeToString(t) +
                " RDATA here; write it as \\# <length> <hex> (RFC 3597 §5)");
  }
  auto data = ownFormFromText(entry, f, origin);
  if (!data) return withType(data.error());
  if (auto s = f.finish(); !s) return withType(s.error());
  return data;
}

std::span<const RdataField> rdataLayout(RRType t) {
  return entryFor(t).layout;
}

bool lowercasesNamesInCanonicalForm(RRType t) {
  return entryFor(t).lowercased;
}

bool rdataFitsType(RRType t, std::span<const uint8_t> wire) {
  if (!rdataLayout(t).empty()) {
    if (!copyRdata(t, WireReader(wire), false, false)) return false;
  }
  return decodeRdata(t, wire).ok();
}

}  // namespace zonewatch::dns
