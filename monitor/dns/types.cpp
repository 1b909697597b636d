#include "monitor/dns/types.h"

#include <charconv>
#include <utility>

namespace zonewatch::dns {

namespace {

// IANA "Resource Record (RR) TYPEs": every RRType enumerator plus the other assigned types a zone
// file or a server may show, so that presentation output reads like dig's.
constexpr std::pair<uint16_t, std::string_view> kTypeNames[] = {
    {1, "A"},         {2, "NS"},          {3, "MD"},          {4, "MF"},      {5, "CNAME"},
    {6, "SOA"},       {7, "MB"},          {8, "MG"},          {9, "MR"},      {10, "NULL"},
    {11, "WKS"},      {12, "PTR"},        {13, "HINFO"},      {14, "MINFO"},  {15, "MX"},
    {16, "TXT"},      {17, "RP"},         {18, "AFSDB"},      {19, "X25"},    {20, "ISDN"},
    {21, "RT"},       {22, "NSAP"},       {23, "NSAP-PTR"},   {24, "SIG"},    {25, "KEY"},
    {26, "PX"},       {27, "GPOS"},       {28, "AAAA"},       {29, "LOC"},    {30, "NXT"},
    {33, "SRV"},      {35, "NAPTR"},      {36, "KX"},         {37, "CERT"},   {38, "A6"},
    {39, "DNAME"},    {41, "OPT"},        {42, "APL"},        {43, "DS"},     {44, "SSHFP"},
    {45, "IPSECKEY"}, {46, "RRSIG"},      {47, "NSEC"},       {48, "DNSKEY"}, {49, "DHCID"},
    {50, "NSEC3"},    {51, "NSEC3PARAM"}, {52, "TLSA"},       {53, "SMIMEA"}, {55, "HIP"},
    {59, "CDS"},      {60, "CDNSKEY"},    {61, "OPENPGPKEY"}, {62, "CSYNC"},  {63, "ZONEMD"},
    {64, "SVCB"},     {65, "HTTPS"},      {99, "SPF"},        {255, "ANY"},   {256, "URI"},
    {257, "CAA"},     {32769, "DLV"},
};

// RFC 1035 §4.1.1, RFC 2136 §2.2, RFC 8490 §10.2, RFC 6891 §9, RFC 7873 §8.
constexpr std::pair<uint16_t, std::string_view> kRcodeNames[] = {
    {0, "NOERROR"},  {1, "FORMERR"},    {2, "SERVFAIL"}, {3, "NXDOMAIN"},   {4, "NOTIMP"},
    {5, "REFUSED"},  {6, "YXDOMAIN"},   {7, "YXRRSET"},  {8, "NXRRSET"},    {9, "NOTAUTH"},
    {10, "NOTZONE"}, {11, "DSOTYPENI"}, {16, "BADVERS"}, {23, "BADCOOKIE"},
};

// RFC 1035 §3.2.4, RFC 2136 §2.4 (NONE), RFC 1035 §3.2.5 (ANY as a QCLASS).
constexpr std::pair<uint16_t, std::string_view> kClassNames[] = {
    {1, "IN"}, {3, "CH"}, {4, "HS"}, {254, "NONE"}, {255, "ANY"},
};

bool equalsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    auto lower = [](char c) {
      return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
    };
    if (lower(a[i]) != lower(b[i])) return false;
  }
  return true;
}

// RFC 3597 §5: a mnemonic prefix immediately followed by a decimal 16-bit number.
std::optional<uint16_t> numberAfterPrefix(std::string_view text, std::string_view prefix) {
  if (text.size() <= prefix.size() || !equalsIgnoreCase(text.substr(0, prefix.size()), prefix)) {
    return std::nullopt;
  }
  std::string_view digits = text.substr(prefix.size());
  if (digits.size() > 5) return std::nullopt;
  for (char c : digits) {
    if (c < '0' || c > '9') return std::nullopt;
  }
  uint32_t value = 0;
  auto [ptr, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), value);
  if (ec != std::errc() || ptr != digits.data() + digits.size() || value > 0xFFFF) {
    return std::nullopt;
  }
  return static_cast<uint16_t>(value);
}

}  // namespace

std::string typeToString(RRType type) {
  uint16_t v = toU16(type);
  for (const auto& [code, name] : kTypeNames) {
    if (code == v) return std::string(name);
  }
  return "TYPE" + std::to_string(v);  // RFC 3597 §5
}

std::optional<RRType> typeFromString(std::string_view text) {
  for (const auto& [code, name] : kTypeNames) {
    if (equalsIgnoreCase(text, name)) return static_cast<RRType>(code);
  }
  if (auto v = numberAfterPrefix(text, "TYPE")) return static_cast<RRType>(*v);
  return std::nullopt;
}

std::string classToString(uint16_t rclass) {
  for (const auto& [code, name] : kClassNames) {
    if (code == rclass) return std::string(name);
  }
  return "CLASS" + std::to_string(rclass);  // RFC 3597 §5
}

std::optional<uint16_t> classFromString(std::string_view text) {
  for (const auto& [code, name] : kClassNames) {
    if (equalsIgnoreCase(text, name)) return code;
  }
  if (auto v = numberAfterPrefix(text, "CLASS")) return *v;
  return std::nullopt;
}

std::string rcodeToString(uint16_t rcode) {
  for (const auto& [code, name] : kRcodeNames) {
    if (code == rcode) return std::string(name);
  }
  return "RCODE" + std::to_string(rcode);
}

}  // namespace zonewatch::dns
