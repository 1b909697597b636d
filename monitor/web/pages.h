// The HTML of the timeline page (issue 17), rendered in full on the server so that it reads the
// same with JavaScript off; /assets/app.js only adds sorting and live filtering of the portfolio
// table. Every stored text goes through escape.h.
//   /                       the portfolio: one row per domain, worst first, filterable (?q=),
//                           paginated (?page=, kRowsPerPage rows), and a strip of the latest
//                           events across the portfolio, portfolio_operator_change included
//   /domain/NAME            a domain: its verdict, the chain of trust as a diagram (each zone from
//                           the root down, its DS to DNSKEY key tags, coloured by the link's
//                           state: monitor/detect/chain_summary.h), its servers, its events as a
//                           timeline with each before/after as a diff (diff.h), its snapshots
//   /domain/NAME/snapshot/ID  a snapshot's evidence as text (as `zonewatch evidence` prints it)
// Each is a function of a store connection and the request, so that tests call them without a
// listener; web_routes.h wires them to paths and adds the security headers.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "alerts/http_listener.h"
#include "storage/store.h"

namespace zonewatch::web {

// Rows of the portfolio table per page: with realistic names a page stays far below 200 KB
// (a 10,000-domain portfolio is 20 pages; the unit test holds the bound).
inline constexpr size_t kRowsPerPage = 500;
// Events in the portfolio's strip.
inline constexpr size_t kStripEvents = 30;

alerts::HttpReply portfolioPage(storage::Store& store, std::string_view query, int64_t now);
// 404 for a domain the store does not know.
alerts::HttpReply domainPage(storage::Store& store, std::string_view name, int64_t now);
// 404 for an unknown domain or snapshot.
alerts::HttpReply snapshotText(storage::Store& store, std::string_view name, int64_t id);

// A page saying what was not found, with status 404.
alerts::HttpReply notFoundPage(std::string_view what);

// The page's frame around `body` (already HTML): head, stylesheet and script links, header.
std::string layout(std::string_view title, std::string_view body, int64_t now);

// The embedded assets (assets.cpp.in, generated from monitor/web/assets/).
alerts::HttpReply styleSheet();
alerts::HttpReply script();

}  // namespace zonewatch::web
