// Pieces of HTML both pages use (pages.cpp, domain_page.cpp): state badges, times, links to a
// domain, the events' list items. Everything from the store is escaped here (escape.h).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "alerts/http_listener.h"
#include "monitor/web/summary.h"
#include "storage/store.h"

namespace zonewatch::web {

// The longest name, operator or summary shown in full; longer ones are shortened (escape.h).
inline constexpr size_t kMaxShownBytes = 1100;

// <a href="/domain/NAME">NAME</a>; "*" (the portfolio's events) is shown as "portfolio".
std::string domainLink(std::string_view domain);
// <span class="st STATE">STATE</span>, with the reason after it when there is one.
std::string stateBadge(const DomainSummary& d);
// "2026-12-06T10:59:46Z" in a <time>, or "-" for never.
std::string timeCell(int64_t unixSeconds);
// One event as a list item of a timeline: time, kind, severity, domain (when `withDomain`),
// summary, server, and, when `withDiff`, its before/after as a diff.
std::string eventItem(const storage::EventRow& e, bool withDomain, bool withDiff);
// A reply with an HTML body.
alerts::HttpReply htmlReply(std::string body, int status = 200);

}  // namespace zonewatch::web
