#include "monitor/web/pages.h"

#include <algorithm>
#include <cctype>

#include "monitor/model/event_kind.h"
#include "monitor/model/severity.h"
#include "monitor/web/assets.h"
#include "monitor/web/diff.h"
#include "monitor/web/escape.h"
#include "monitor/web/page_parts.h"
#include "monitor/web/summary.h"

namespace zonewatch::web {

// --- pieces both pages use (page_parts.h)
// ---------------------------------------------------------

std::string domainLink(std::string_view domain) {
  if (domain == kPortfolio) return "<span class=\"portfolio\">portfolio</span>";
  return "<a href=\"/domain/" + pathSegment(domain) + "\">" +
         html(shorten(domain, kMaxShownBytes)) + "</a>";
}

std::string stateBadge(const DomainSummary& d) {
  std::string out = "<span class=\"st " + stateName(d) + "\">" + stateName(d) + "</span>";
  if (d.reason && *d.reason != model::SecurityReason::kNone) {
    out += " <small>" + std::string(model::toString(*d.reason)) + "</small>";
  }
  if (d.failures > 0) {
    out += " <small class=\"warn\">" + std::to_string(d.failures) + " failed observation" +
           (d.failures == 1 ? "" : "s") + "</small>";
  }
  return out;
}

std::string timeCell(int64_t unixSeconds) {
  if (unixSeconds <= 0) return "-";
  const std::string t = timeOrEmpty(unixSeconds);
  return "<time datetime=\"" + t + "\">" + t + "</time>";
}

namespace {

std::string diffBlock(const storage::EventRow& e) {
  const auto lines = diffJson(e.beforeJson, e.afterJson);
  if (lines.empty()) return "";
  std::string out = "<pre class=\"diff\">";
  for (const DiffLine& line : lines) {
    const char* cls = line.sign == '-' ? "del" : line.sign == '+' ? "add" : "same";
    out += "<span class=\"" + std::string(cls) + "\">" + line.sign + ' ' +
           html(shorten(line.text, kMaxShownBytes)) + "</span>\n";
  }
  return out + "</pre>";
}

}  // namespace

std::string eventItem(const storage::EventRow& e, bool withDomain, bool withDiff) {
  const std::string severity(model::toString(e.severity));
  std::string out = "<li class=\"ev " + severity + "\">" + timeCell(e.observedAt) +
                    " <span class=\"sev " + severity + "\">" + severity + "</span> <b>" + e.name() +
                    "</b>";
  if (withDomain) out += " " + domainLink(e.domain);
  out += " <span class=\"summary\">" + html(shorten(e.summary, kMaxShownBytes)) + "</span>";
  if (e.server) out += " <small>server " + html(shorten(*e.server, kMaxShownBytes)) + "</small>";
  if (withDiff) out += diffBlock(e);
  return out + "</li>\n";
}

alerts::HttpReply htmlReply(std::string body, int status) {
  alerts::HttpReply reply;
  reply.status = status;
  reply.contentType = "text/html; charset=utf-8";
  reply.body = std::move(body);
  return reply;
}

// --- the frame
// ------------------------------------------------------------------------------------

std::string layout(std::string_view title, std::string_view body, int64_t now) {
  std::string out;
  out.reserve(body.size() + 1024);
  out +=
      "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
      "<meta name=\"referrer\" content=\"no-referrer\"><title>";
  out += html(shorten(title, 200));
  out +=
      " · zonewatch</title><link rel=\"icon\" href=\"data:,\">"
      "<link rel=\"stylesheet\" href=\"/assets/style.css\">"
      "<script src=\"/assets/app.js\" defer></script></head>\n<body><header>"
      "<a class=\"brand\" href=\"/\">zonewatch</a> <span class=\"sub\">delegation timeline"
      "</span></header>\n<main>";
  out += body;
  out += "</main>\n<footer>";
  if (now > 0) out += "Rendered " + timeOrEmpty(now) + " · ";
  out +=
      "<a href=\"/api/status\">JSON</a> · <a href=\"/metrics\">metrics</a></footer>"
      "</body></html>\n";
  return out;
}

alerts::HttpReply notFoundPage(std::string_view what) {
  return htmlReply(layout("Not found",
                          "<h1>Not found</h1><p>" + html(shorten(what, kMaxShownBytes)) +
                              "</p><p><a href=\"/\">Back to the portfolio</a></p>",
                          0),
                   404);
}

alerts::HttpReply styleSheet() {
  alerts::HttpReply reply;
  reply.contentType = "text/css; charset=utf-8";
  reply.body = std::string(kStyleCss);
  return reply;
}

alerts::HttpReply script() {
  alerts::HttpReply reply;
  reply.contentType = "text/javascript; charset=utf-8";
  reply.body = std::string(kAppJs);
  return reply;
}

// --- the portfolio
// --------------------------------------------------------------------------------

namespace {

bool matches(const DomainSummary& d, std::string_view filter) {
  if (filter.empty()) return true;
  const auto has = [&](std::string_view text) {
    return std::search(text.begin(), text.end(), filter.begin(), filter.end(), [](char a, char b) {
             return std::tolower(static_cast<unsigned char>(a)) ==
                    std::tolower(static_cast<unsigned char>(b));
           }) != text.end();
  };
  if (has(d.domain) || has(stateName(d))) return true;
  return std::any_of(d.operators.begin(), d.operators.end(), has);
}

std::string joined(const std::vector<std::string>& items) {
  std::string out;
  for (const std::string& item : items) {
    if (!out.empty()) out += ", ";
    out += html(shorten(item, kMaxShownBytes));
  }
  return out;
}

std::string portfolioRow(const DomainSummary& d, int64_t now) {
  // Lean markup: 500 rows of it must stay far below 200 KB. Times are bare RFC 3339 text, which
  // sorts as text; the state sorts by rank (data-v), worst first.
  const auto bareTime = [](int64_t t) { return t > 0 ? timeOrEmpty(t) : std::string("-"); };
  std::string row = "<tr class=\"r-" + stateName(d) + "\"><td>" + domainLink(d.domain) +
                    "</td><td data-v=\"" + std::to_string(rank(d, now)) + "\">" + stateBadge(d) +
                    "</td><td>" + joined(d.operators) + "</td><td>" + bareTime(d.lastChange) +
                    "</td><td>" + bareTime(d.rrsigExpiry.value_or(0)) + "</td><td data-v=\"" +
                    std::to_string(d.failingServers.size()) + "\"";
  if (!d.failingServers.empty()) {
    std::string servers;
    for (const std::string& s : d.failingServers) servers += (servers.empty() ? "" : ", ") + s;
    row += " title=\"" + html(shorten(servers, 2000)) + "\"";
  }
  row += ">" + std::to_string(d.failingServers.size()) + "</td></tr>\n";
  return row;
}

std::string counts(const std::vector<DomainSummary>& all) {
  size_t n[5] = {};
  const char* names[5] = {"bogus", "indeterminate", "insecure", "secure", "unknown"};
  for (const DomainSummary& d : all) {
    for (size_t i = 0; i < 5; ++i) {
      if (stateName(d) == names[i]) ++n[i];
    }
  }
  std::string out = "<p class=\"counts\">" + std::to_string(all.size()) + " domains:";
  for (size_t i = 0; i < 5; ++i) {
    if (n[i] == 0) continue;
    out += " <span class=\"st " + std::string(names[i]) + "\">" + std::to_string(n[i]) + " " +
           names[i] + "</span>";
  }
  return out + "</p>\n";
}

std::string pager(size_t page, size_t pages, const std::string& filter) {
  if (pages <= 1) return "";
  const std::string q = filter.empty() ? "" : "&amp;q=" + pathSegment(filter);
  std::string out =
      "<nav class=\"pager\">Page " + std::to_string(page) + " of " + std::to_string(pages);
  if (page > 1) out += " · <a href=\"/?page=" + std::to_string(page - 1) + q + "\">previous</a>";
  if (page < pages) out += " · <a href=\"/?page=" + std::to_string(page + 1) + q + "\">next</a>";
  return out + "</nav>\n";
}

Result<std::string> eventStrip(storage::Store& store) {
  storage::EventQuery q;
  q.limit = kStripEvents;
  q.newestFirst = true;
  auto events = store.events(q);
  if (!events) return Unexpected{events.error()};
  std::string out = "<section><h2>Latest events</h2>";
  if (events->empty()) return out + "<p class=\"none\">No events yet.</p></section>\n";
  out += "<ol class=\"strip\">";
  for (const auto& e : *events) out += eventItem(e, /*withDomain=*/true, /*withDiff=*/false);
  return out + "</ol></section>\n";
}

size_t pageNumber(std::string_view query) {
  const auto text = queryValue(query, "page");
  if (!text || text->empty() || text->size() > 9) return 1;
  size_t page = 0;
  for (char c : *text) {
    if (c < '0' || c > '9') return 1;
    page = page * 10 + static_cast<size_t>(c - '0');
  }
  return std::max<size_t>(page, 1);
}

}  // namespace

alerts::HttpReply portfolioPage(storage::Store& store, std::string_view query, int64_t now) {
  auto all = portfolio(store, now);
  if (!all) return htmlReply("cannot read the domains: " + html(all.error().message), 500);
  auto strip = eventStrip(store);
  if (!strip) return htmlReply("cannot read the events: " + html(strip.error().message), 500);
  const std::string filter = shorten(queryValue(query, "q").value_or(""), 200);
  std::vector<const DomainSummary*> shown;
  for (const DomainSummary& d : *all) {
    if (matches(d, filter)) shown.push_back(&d);
  }
  const size_t pages = std::max<size_t>(1, (shown.size() + kRowsPerPage - 1) / kRowsPerPage);
  const size_t page = std::min(pageNumber(query), pages);
  std::string body = "<h1>Portfolio</h1>\n" + counts(*all) + *strip;
  body +=
      "<section><h2>Domains</h2><form class=\"filter\" method=\"get\" action=\"/\">"
      "<input type=\"search\" id=\"filter\" name=\"q\" placeholder=\"name, operator or state\""
      " value=\"" +
      html(filter) + "\"> <button type=\"submit\">Filter</button></form>\n";
  body += pager(page, pages, filter);
  body +=
      "<table id=\"portfolio\" class=\"sortable\"><thead><tr><th>Domain</th><th>State</th>"
      "<th>Operators</th><th>Last change</th><th>Earliest signature expiry</th>"
      "<th>Failing servers</th></tr></thead><tbody>\n";
  const size_t first = (page - 1) * kRowsPerPage;
  for (size_t i = first; i < shown.size() && i < first + kRowsPerPage; ++i) {
    body += portfolioRow(*shown[i], now);
  }
  body += "</tbody></table>\n";
  if (shown.empty()) body += "<p class=\"none\">No domain matches.</p>";
  body += pager(page, pages, filter) + "</section>\n";
  return htmlReply(layout("Portfolio", body, now));
}

}  // namespace zonewatch::web
