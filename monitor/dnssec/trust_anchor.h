// Trust anchors: the DS or DNSKEY records a chain of trust starts from.
//
// Built in: the IANA root zone KSKs (KSK-2017, key tag 20326, and KSK-2024, key tag 38696) as DS
// records, as published at data.iana.org/root-anchors. Alternatively a zone-file text of DS or
// DNSKEY records for one zone (the test lab writes one for its own root).
#pragma once

#include <string_view>
#include <vector>

#include "monitor/dns/message.h"
#include "monitor/util/result.h"

namespace zonewatch::dnssec {

struct TrustAnchors {
  dns::Name zone;                            // every anchor is for this one zone
  std::vector<dns::rdata::DS> ds;            // DS-form anchors
  std::vector<dns::ResourceRecord> dnskeys;  // DNSKEY-form anchors (matched by RDATA)

  bool empty() const { return ds.empty() && dnskeys.empty(); }

  static TrustAnchors builtInRoot();
  // Accepts DS and DNSKEY records (other types are an error), all with the same owner.
  static Result<TrustAnchors> fromRecords(const std::vector<dns::ResourceRecord>& records);
  // Zone-file text of DS/DNSKEY records; `source` names it in errors.
  static Result<TrustAnchors> fromText(std::string_view text, std::string_view source);
};

}  // namespace zonewatch::dnssec
