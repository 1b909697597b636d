// What the page and the JSON endpoints show of a domain, read from its stored row: the verdict,
// the operators, the times, and the servers failing now. The stored JSON texts (operators, the
// confirmed state, the per-server memory) are the store's own formats (storage/store.h, written
// by monitor/detect); this module owns reading them for display, tolerantly: a text that does not
// parse shows as nothing, never as an error page.
//
// Also owns the order of the portfolio, worst first, and the JSON the endpoints and the page share
// for a domain and an event (the same fields as `zonewatch status --json` and `history --json`,
// monitor/commands/monitor_commands.cpp).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "monitor/model/security_state.h"
#include "storage/store.h"

namespace zonewatch::web {

// The portfolio-wide events (portfolio_operator_change) are stored under this domain.
inline constexpr std::string_view kPortfolio = "*";

// Caps on what one reply reads from the store, so that a page costs a bounded amount whatever the
// database holds.
inline constexpr size_t kMaxDomainEvents = 200;  // a domain's timeline
inline constexpr size_t kMaxSnapshots = 100;     // a domain's snapshots listed
inline constexpr size_t kMaxServers = 200;       // rows of a servers table
inline constexpr size_t kMaxListItems = 64;      // operators, key tags, ... shown per field
inline constexpr size_t kMaxApiEvents = 1000;    // /api/events?limit=

struct DomainSummary {
  std::string domain;
  std::optional<model::SecurityState> status;  // none before the first observation with data
  std::optional<model::SecurityReason> reason;
  std::vector<std::string> operators;
  int64_t firstSeen = 0;
  int64_t lastSeen = 0;
  int64_t lastChange = 0;  // 0 = never changed
  std::optional<int64_t> rrsigExpiry;
  int failures = 0;  // observations without data in a row
  bool pendingChange = false;
  std::vector<std::string> failingServers;  // "name address", not answering now
};

DomainSummary summarise(const storage::DomainRow& row);

// Every domain of the store, worst first (rank() at `now`, then the latest change first, then
// name). Streams the rows (forEachDomain), so that only the summaries are held.
Result<std::vector<DomainSummary>> portfolio(storage::Store& store, int64_t now);

// How long a change keeps a domain at the top of the portfolio.
inline constexpr int64_t kRecentChangeSeconds = 24 * 3600;

// Lower is worse: bogus; then a domain changed within kRecentChangeSeconds of `now` (a hijack
// whose new keys validate stays secure, and must not sink among thousands of secure domains);
// then indeterminate, insecure, secure, not yet observed. Within each, a domain whose
// observations fail, then one with failing servers.
int rank(const DomainSummary& d, int64_t now);

// The state's name, "unknown" before the first observation with data.
std::string stateName(const DomainSummary& d);

// A name as typed in a URL or a query (any case, trailing dot or not, U-labels) as the store keys
// it: lowercase, absolute, A-labels. "*" and text that is no name stay as they are, so that they
// find nothing rather than something else.
std::string normaliseName(std::string_view name);

// The stored row of the domain a URL names: the name exactly as given (the store may hold any
// bytes), else as normaliseName() spells it. None when neither is known.
Result<std::optional<storage::DomainRow>> lookUp(storage::Store& store, std::string_view name);

// "2026-12-06T10:59:46Z", or "" for 0 (never).
std::string timeOrEmpty(int64_t unixSeconds);

}  // namespace zonewatch::web
