#include "monitor/dnssec/outcome.h"

namespace zonewatch::dnssec {

std::string_view toString(State state) {
  switch (state) {
    case State::kSecure:
      return "secure";
    case State::kInsecure:
      return "insecure";
    case State::kBogus:
      return "bogus";
    case State::kIndeterminate:
      return "indeterminate";
  }
  return "indeterminate";
}

std::optional<State> stateFromString(std::string_view name) {
  for (State state : {State::kSecure, State::kInsecure, State::kBogus, State::kIndeterminate}) {
    if (toString(state) == name) return state;
  }
  return std::nullopt;
}

std::optional<Reason> reasonFromString(std::string_view name) {
  for (auto i = static_cast<uint8_t>(Reason::kNone);
       i <= static_cast<uint8_t>(Reason::kMissingData); ++i) {
    if (toString(static_cast<Reason>(i)) == name) return static_cast<Reason>(i);
  }
  return std::nullopt;
}

namespace {

int rank(State state) {
  switch (state) {
    case State::kBogus:
      return 3;
    case State::kIndeterminate:
      return 2;
    case State::kInsecure:
      return 1;
    case State::kSecure:
      return 0;
  }
  return 2;
}

}  // namespace

bool isWorse(State a, State b) {
  return rank(a) > rank(b);
}

std::string_view toString(Reason reason) {
  switch (reason) {
    case Reason::kNone:
      return "none";
    case Reason::kDsAbsent:
      return "ds_absent";
    case Reason::kOptOut:
      return "opt_out";
    case Reason::kUnsupportedAlgorithm:
      return "unsupported_algorithm";
    case Reason::kUnsupportedDigest:
      return "unsupported_digest";
    case Reason::kNsec3IterationsTooHigh:
      return "nsec3_iterations_too_high";
    case Reason::kDeprecatedAlgorithm:
      return "deprecated_algorithm";
    case Reason::kDsMismatch:
      return "ds_mismatch";
    case Reason::kNoDnskeyMatchesDs:
      return "no_dnskey_matches_ds";
    case Reason::kDnskeyMissing:
      return "dnskey_missing";
    case Reason::kRrsigMissing:
      return "rrsig_missing";
    case Reason::kRrsigExpired:
      return "rrsig_expired";
    case Reason::kRrsigNotYetValid:
      return "rrsig_not_yet_valid";
    case Reason::kSignatureInvalid:
      return "signature_invalid";
    case Reason::kSignerMismatch:
      return "signer_mismatch";
    case Reason::kDenialMissing:
      return "denial_missing";
    case Reason::kDenialInvalid:
      return "denial_invalid";
    case Reason::kWildcardProofMissing:
      return "wildcard_proof_missing";
    case Reason::kOwnerMismatch:
      return "owner_mismatch";
    case Reason::kBudgetExhausted:
      return "budget_exhausted";
    case Reason::kTrustAnchorMismatch:
      return "trust_anchor_mismatch";
    case Reason::kNoTrustAnchor:
      return "no_trust_anchor";
    case Reason::kMissingData:
      return "missing_data";
  }
  return "missing_data";
}

std::optional<uint16_t> edeCode(Reason reason) {
  // RFC 8914 §4 info-codes. An outcome that is not an error carries none: a resolver that reached
  // it answers without an EDE option, and code 0 would claim "Other Error" (RFC 8914 §4.1).
  switch (reason) {
    case Reason::kNone:
    // Insecure by the parent's own signed statement (RFC 4035 §5.2, RFC 5155 §6): the delegation
    // is meant to be unsigned, so nothing went wrong and no info-code applies.
    case Reason::kDsAbsent:
    case Reason::kOptOut:
    // Not 1: RFC 8914 §4.2 reserves it for a DNSKEY RRset that "contained only unsupported DNSSEC
    // algorithms", and RSASHA1 was supported and validated. The chain is secure; the deprecation
    // (RFC 9905) is a caveat shown by the reason, not an error.
    case Reason::kDeprecatedAlgorithm:
      return std::nullopt;
    case Reason::kUnsupportedAlgorithm:
      return 1;  // Unsupported DNSKEY Algorithm
    case Reason::kUnsupportedDigest:
      return 2;  // Unsupported DS Digest Type
    case Reason::kNsec3IterationsTooHigh:
      return 27;  // RFC 9276 §6: Unsupported NSEC3 Iterations Value
    case Reason::kNoDnskeyMatchesDs:
    case Reason::kDnskeyMissing:
      return 9;  // DNSKEY Missing: none at all, or none for the DS
    case Reason::kRrsigMissing:
      return 10;  // RRSIGs Missing
    case Reason::kRrsigExpired:
      return 7;  // Signature Expired
    case Reason::kRrsigNotYetValid:
      return 8;  // Signature Not Yet Valid
    case Reason::kDenialMissing:
      return 12;  // NSEC Missing
    case Reason::kDsMismatch:
    case Reason::kSignatureInvalid:
    case Reason::kSignerMismatch:
    case Reason::kDenialInvalid:
    // Not 12: RFC 8914 §4.13 "NSEC Missing" is for requested data that "was missing", a negative
    // answer; a wildcard expansion is a positive answer whose proof of no closer match is absent,
    // so validation simply "ended in the Bogus state" (§4.7).
    case Reason::kWildcardProofMissing:
    case Reason::kOwnerMismatch:
    case Reason::kBudgetExhausted:  // resolvers answer SERVFAIL here too
    case Reason::kTrustAnchorMismatch:
      return 6;  // DNSSEC Bogus
    case Reason::kNoTrustAnchor:
      return 5;  // DNSSEC Indeterminate
    case Reason::kMissingData:
      return 22;  // No Reachable Authority
  }
  return 0;  // unreachable: an unknown reason is an error of unknown kind ("Other Error")
}

}  // namespace zonewatch::dnssec
