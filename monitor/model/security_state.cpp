#include "monitor/model/security_state.h"

namespace zonewatch::model {

std::string_view toString(SecurityState state) {
  switch (state) {
    case SecurityState::kSecure:
      return "secure";
    case SecurityState::kInsecure:
      return "insecure";
    case SecurityState::kBogus:
      return "bogus";
    case SecurityState::kIndeterminate:
      return "indeterminate";
  }
  return "indeterminate";
}

std::optional<SecurityState> stateFromString(std::string_view name) {
  for (SecurityState state : {SecurityState::kSecure, SecurityState::kInsecure,
                              SecurityState::kBogus, SecurityState::kIndeterminate}) {
    if (toString(state) == name) return state;
  }
  return std::nullopt;
}

std::optional<SecurityReason> reasonFromString(std::string_view name) {
  for (auto i = static_cast<uint8_t>(SecurityReason::kNone);
       i <= static_cast<uint8_t>(SecurityReason::kMissingData); ++i) {
    if (toString(static_cast<SecurityReason>(i)) == name) return static_cast<SecurityReason>(i);
  }
  return std::nullopt;
}

namespace {

int rank(SecurityState state) {
  switch (state) {
    case SecurityState::kBogus:
      return 3;
    case SecurityState::kIndeterminate:
      return 2;
    case SecurityState::kInsecure:
      return 1;
    case SecurityState::kSecure:
      return 0;
  }
  return 2;
}

}  // namespace

bool isWorse(SecurityState a, SecurityState b) {
  return rank(a) > rank(b);
}

std::string_view toString(SecurityReason reason) {
  switch (reason) {
    case SecurityReason::kNone:
      return "none";
    case SecurityReason::kDsAbsent:
      return "ds_absent";
    case SecurityReason::kOptOut:
      return "opt_out";
    case SecurityReason::kUnsupportedAlgorithm:
      return "unsupported_algorithm";
    case SecurityReason::kUnsupportedDigest:
      return "unsupported_digest";
    case SecurityReason::kNsec3IterationsTooHigh:
      return "nsec3_iterations_too_high";
    case SecurityReason::kDeprecatedAlgorithm:
      return "deprecated_algorithm";
    case SecurityReason::kDsMismatch:
      return "ds_mismatch";
    case SecurityReason::kNoDnskeyMatchesDs:
      return "no_dnskey_matches_ds";
    case SecurityReason::kDnskeyMissing:
      return "dnskey_missing";
    case SecurityReason::kRrsigMissing:
      return "rrsig_missing";
    case SecurityReason::kRrsigExpired:
      return "rrsig_expired";
    case SecurityReason::kRrsigNotYetValid:
      return "rrsig_not_yet_valid";
    case SecurityReason::kSignatureInvalid:
      return "signature_invalid";
    case SecurityReason::kSignerMismatch:
      return "signer_mismatch";
    case SecurityReason::kDenialMissing:
      return "denial_missing";
    case SecurityReason::kDenialInvalid:
      return "denial_invalid";
    case SecurityReason::kWildcardProofMissing:
      return "wildcard_proof_missing";
    case SecurityReason::kOwnerMismatch:
      return "owner_mismatch";
    case SecurityReason::kBudgetExhausted:
      return "budget_exhausted";
    case SecurityReason::kTrustAnchorMismatch:
      return "trust_anchor_mismatch";
    case SecurityReason::kNoTrustAnchor:
      return "no_trust_anchor";
    case SecurityReason::kMissingData:
      return "missing_data";
  }
  return "missing_data";
}

std::optional<uint16_t> edeCode(SecurityReason reason) {
  // RFC 8914 §4 info-codes. An outcome that is not an error carries none: a resolver that reached
  // it answers without an EDE option, and code 0 would claim "Other Error" (RFC 8914 §4.1).
  switch (reason) {
    case SecurityReason::kNone:
    // Insecure by the parent's own signed statement (RFC 4035 §5.2, RFC 5155 §6): the delegation
    // is meant to be unsigned, so nothing went wrong and no info-code applies.
    case SecurityReason::kDsAbsent:
    case SecurityReason::kOptOut:
    // Not 1: RFC 8914 §4.2 reserves it for a DNSKEY RRset that "contained only unsupported DNSSEC
    // algorithms", and RSASHA1 was supported and validated. The chain is secure; the deprecation
    // (RFC 9905) is a caveat shown by the reason, not an error.
    case SecurityReason::kDeprecatedAlgorithm:
      return std::nullopt;
    case SecurityReason::kUnsupportedAlgorithm:
      return 1;  // Unsupported DNSKEY Algorithm
    case SecurityReason::kUnsupportedDigest:
      return 2;  // Unsupported DS Digest Type
    case SecurityReason::kNsec3IterationsTooHigh:
      return 27;  // RFC 9276 §6: Unsupported NSEC3 Iterations Value
    case SecurityReason::kNoDnskeyMatchesDs:
    case SecurityReason::kDnskeyMissing:
      return 9;  // DNSKEY Missing: none at all, or none for the DS
    case SecurityReason::kRrsigMissing:
      return 10;  // RRSIGs Missing
    case SecurityReason::kRrsigExpired:
      return 7;  // Signature Expired
    case SecurityReason::kRrsigNotYetValid:
      return 8;  // Signature Not Yet Valid
    case SecurityReason::kDenialMissing:
      return 12;  // NSEC Missing
    case SecurityReason::kDsMismatch:
    case SecurityReason::kSignatureInvalid:
    case SecurityReason::kSignerMismatch:
    case SecurityReason::kDenialInvalid:
    // Not 12: RFC 8914 §4.13 "NSEC Missing" is for requested data that "was missing", a negative
    // answer; a wildcard expansion is a positive answer whose proof of no closer match is absent,
    // so validation simply "ended in the Bogus state" (§4.7).
    case SecurityReason::kWildcardProofMissing:
    case SecurityReason::kOwnerMismatch:
    case SecurityReason::kBudgetExhausted:  // resolvers answer SERVFAIL here too
    case SecurityReason::kTrustAnchorMismatch:
      return 6;  // DNSSEC Bogus
    case SecurityReason::kNoTrustAnchor:
      return 5;  // DNSSEC Indeterminate
    case SecurityReason::kMissingData:
      return 22;  // No Reachable Authority
  }
  return 0;  // unreachable: an unknown reason is an error of unknown kind ("Other Error")
}

}  // namespace zonewatch::model
