// Tests of monitor/web/pages.cpp and domain_page.cpp against a real SQLite store in a temporary
// directory: what the portfolio and a domain's page show, hostile names escaped, 404s, and the
// portfolio page under 200 KB for 10,000 domains.
#include "monitor/web/pages.h"

#include <gtest/gtest.h>

#include <string>

#include "tests/unit/monitor/web/web_fixture.h"

namespace zonewatch::web {
namespace {

using testing::commitFor;
using testing::eventFor;
using testing::kNow;

class Pages : public testing::StoreDir {};

bool has(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

size_t count(const std::string& text, const std::string& part) {
  size_t n = 0;
  for (size_t at = text.find(part); at != std::string::npos; at = text.find(part, at + 1)) ++n;
  return n;
}

TEST_F(Pages, PortfolioShowsWorstFirstAndTheLatestEvents) {
  commit(commitFor("a.lab.", model::SecurityState::kSecure, kNow));
  auto bogus = commitFor("b.lab.", model::SecurityState::kBogus, kNow);
  bogus.events = {eventFor("e1", "b.lab.", kNow)};
  commit(bogus);
  auto p = commitFor("c.lab.", model::SecurityState::kSecure, kNow);
  p.events = {eventFor("p1", "*", kNow, model::EventKind::kPortfolioOperatorChange)};
  commit(p);
  const alerts::HttpReply reply = portfolioPage(*store_, "", kNow);
  ASSERT_EQ(reply.status, 200);
  EXPECT_EQ(reply.contentType, "text/html; charset=utf-8");
  const std::string& page = reply.body;
  EXPECT_LT(page.find("href=\"/domain/b.lab.\""),
            page.find("<tr class=\"r-secure\"><td><a href=\"/domain/a.lab.\""));
  EXPECT_TRUE(has(page, "<span class=\"st bogus\">bogus</span> <small>ds_mismatch</small>"));
  EXPECT_TRUE(
      has(page, "<b>portfolio_operator_change</b> <span class=\"portfolio\">portfolio</span>"));
  EXPECT_TRUE(has(page, "<b>operator_changed</b> <a href=\"/domain/b.lab.\">"));
  EXPECT_TRUE(has(page, "3 domains:"));
  // The assets are linked, never inline.
  EXPECT_TRUE(has(page, "<script src=\"/assets/app.js\" defer></script>"));
  EXPECT_FALSE(has(page, "<script>"));
  EXPECT_FALSE(has(page, "style=\""));
}

TEST_F(Pages, PortfolioFiltersOnTheServer) {
  commit(commitFor("a.lab.", model::SecurityState::kSecure, kNow));
  commit(commitFor("b.lab.", model::SecurityState::kBogus, kNow));
  const std::string page = portfolioPage(*store_, "q=BOGUS", kNow).body;
  EXPECT_TRUE(has(page, "href=\"/domain/b.lab.\""));
  EXPECT_FALSE(has(page, "href=\"/domain/a.lab.\""));
  EXPECT_TRUE(has(page, "value=\"BOGUS\""));
}

TEST_F(Pages, HostileNamesAreEscapedEverywhere) {
  const std::string name = "<script>alert(\"x\")</script>\\032'\xff.lab.";
  auto c = commitFor(name, model::SecurityState::kBogus, kNow);
  c.row.operatorsJson = R"(["<img src=x onerror=alert(1)>"])";
  auto e = eventFor("h1", name, kNow);
  e.summary = "<b>bold</b>";
  e.server = "\"><script>";
  c.events = {e};
  commit(c);
  for (const std::string& page :
       {portfolioPage(*store_, "", kNow).body, domainPage(*store_, name, kNow).body}) {
    EXPECT_FALSE(has(page, "<script>alert")) << page;
    EXPECT_FALSE(has(page, "<img")) << page;
    EXPECT_FALSE(has(page, "<b>bold")) << page;
    EXPECT_FALSE(has(page, "\"><script>")) << page;
    EXPECT_TRUE(
        has(page, "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;\\032&#39;\xEF\xBF\xBD.lab."));
    EXPECT_EQ(count(page, "<script"), 1U);  // the page's own, /assets/app.js
  }
  EXPECT_TRUE(
      has(portfolioPage(*store_, "", kNow).body,
          "href=\"/domain/%3Cscript%3Ealert%28%22x%22%29%3C%2Fscript%3E%5C032%27%FF.lab.\""));
}

TEST_F(Pages, DomainPageShowsChainServersTimelineAndSnapshots) {
  auto c = commitFor("a.lab.", model::SecurityState::kSecure, kNow - 3600);
  commit(c);
  auto moved = commitFor("a.lab.", model::SecurityState::kBogus, kNow);
  moved.row.stateJson = testing::stateJson("ns1.other.lab.", 4242, 999);
  moved.snapshotStateJson = moved.row.stateJson;
  moved.row.serversJson = R"({"servers":{"ns1.other.lab. 127.53.2.1":{"failures":2,"down":true}}})";
  moved.events = {eventFor("e1", "a.lab.", kNow)};
  commit(moved);
  const alerts::HttpReply reply = domainPage(*store_, "A.Lab", kNow);  // normalised
  ASSERT_EQ(reply.status, 200);
  const std::string& page = reply.body;
  EXPECT_TRUE(has(page, "<h1>a.lab.</h1>"));
  // The chain: the parent's DS 4242 matches no DNSKEY any more (the zone serves 999).
  EXPECT_TRUE(has(page, "<div class=\"zn\">parent zone</div>"));
  EXPECT_TRUE(has(page, "<span class=\"tag miss\""));
  EXPECT_TRUE(has(page, ">4242</span>"));
  EXPECT_TRUE(has(page, ">999 <small>KSK</small></span>"));
  EXPECT_TRUE(has(page, "zone st-bogus"));
  // The servers table.
  EXPECT_TRUE(has(page, "<td>ns1.other.lab.</td><td>127.53.2.1</td>"));
  EXPECT_TRUE(has(page, "<span class=\"st bogus\">down</span>"));
  // The timeline's diff of the operator change.
  EXPECT_TRUE(has(page, "<span class=\"del\">- ns2.lab.</span>"));
  EXPECT_TRUE(has(page, "<span class=\"add\">+ ns1.other-operator.lab.</span>"));
  // Two snapshots, each with its evidence link.
  EXPECT_EQ(count(page, "href=\"/domain/a.lab./snapshot/"), 2U);
}

// The chain summary of the latest observation (storage::DomainRow::chainJson): every zone from the
// root down with its DS and DNSKEY tags, a bogus link red with its reason, and a zone name that
// is markup shown as text.
TEST_F(Pages, DomainPageShowsTheWholeChainFromTheRoot) {
  auto c = commitFor("a.lab.", model::SecurityState::kBogus, kNow);
  c.row.chainJson = testing::chainJson(R"(<script>alert(\"x\")</script>\u0001'.lab.)", "a.lab.",
                                       "bogus", "ds_mismatch");
  commit(c);
  const alerts::HttpReply reply = domainPage(*store_, "a.lab.", kNow);
  ASSERT_EQ(reply.status, 200);
  const std::string& page = reply.body;
  EXPECT_FALSE(has(page, "parent zone"));  // the state's diagram is not used
  EXPECT_EQ(count(page, "<div class=\"zone st-"), 3U);
  EXPECT_EQ(count(page, "<div class=\"arrow\">"), 2U);
  EXPECT_TRUE(has(page, "<div class=\"zn\">.</div>"));
  EXPECT_TRUE(has(page, "<div class=\"zn\">a.lab.</div>"));
  // The hostile name: escaped, its control byte visible as \001, and no script of its own.
  EXPECT_TRUE(has(page,
                  "<div class=\"zn\">&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;"
                  "\\001&#39;.lab.</div>"));
  EXPECT_EQ(count(page, "<script"), 1U);  // the page's own, /assets/app.js
  // The root's anchor and keys.
  EXPECT_TRUE(has(page, "trust anchor <span class=\"tag ok\""));
  EXPECT_TRUE(has(page, ">20326 <small>SHA-256</small></span>"));
  EXPECT_TRUE(has(page, ">20326 <small>KSK RSASHA256</small></span>"));
  EXPECT_TRUE(has(page, ">38696 <small>ZSK RSASHA256</small></span>"));
  // The bogus link: red, with its reason; its DS 7 matches no key, DS 4242 points at KSK 4242.
  EXPECT_TRUE(has(page,
                  "<div class=\"zone st-bogus\"><div class=\"zn\">a.lab.</div>"
                  "<div class=\"link\"><span class=\"st bogus\">bogus</span> "
                  "<small>ds_mismatch</small></div>"));
  EXPECT_TRUE(has(page,
                  "<span class=\"tag miss\" title=\"ECDSAP256SHA256, SHA-1: the digest of "
                  "no DNSKEY of the zone\">7 <small>SHA-1</small></span>"));
  EXPECT_TRUE(has(page,
                  "<span class=\"tag ok\" title=\"flags 257, ECDSAP256SHA256\">4242 "
                  "<small>KSK ECDSAP256SHA256</small></span>"));
  EXPECT_TRUE(has(page, "<span class=\"tag\" title=\"flags 256, ECDSAP256SHA256\">999 "));
  // The domain's own verdict closes the chain, said in words.
  EXPECT_TRUE(
      has(page, "<div class=\"verdict\">Verdict for the domain: <span class=\"st bogus\">"));
}

// A stored chain that does not read (edited, or cut) leaves the state's diagram and says so.
TEST_F(Pages, AnUnreadableChainFallsBackToTheStatesDiagram) {
  auto c = commitFor("a.lab.", model::SecurityState::kSecure, kNow);
  c.row.chainJson = R"({"zones":[{"zone":".","state":"splendid"}]})";
  commit(c);
  const std::string page = domainPage(*store_, "a.lab.", kNow).body;
  EXPECT_TRUE(has(page, "<div class=\"zn\">parent zone</div>"));
  EXPECT_TRUE(has(page, "The stored chain does not read"));
}

TEST_F(Pages, SnapshotEvidenceIsText) {
  commit(commitFor("a.lab.", model::SecurityState::kSecure, kNow));
  auto snapshots = store_->snapshots("a.lab.", 10);
  ASSERT_TRUE(snapshots);
  ASSERT_EQ(snapshots->size(), 1U);
  const alerts::HttpReply reply = snapshotText(*store_, "a.lab.", (*snapshots)[0].id);
  ASSERT_EQ(reply.status, 200);
  EXPECT_EQ(reply.contentType, "text/plain; charset=utf-8");
  EXPECT_TRUE(has(reply.body, "; a.lab. as observed from "));
  EXPECT_TRUE(has(reply.body, "a.lab. 3600 IN NS ns1.a.lab.\n"));
  EXPECT_EQ(snapshotText(*store_, "a.lab.", (*snapshots)[0].id + 1).status, 404);
}

TEST_F(Pages, UnknownDomainIs404) {
  const alerts::HttpReply reply = domainPage(*store_, "nowhere.lab.", kNow);
  EXPECT_EQ(reply.status, 404);
  EXPECT_TRUE(has(reply.body, "zonewatch does not watch nowhere.lab."));
  EXPECT_EQ(snapshotText(*store_, "nowhere.lab.", 1).status, 404);
}

TEST_F(Pages, TenThousandDomainsStayUnder200KBPerPage) {
  std::vector<storage::ObservationCommit> batch;
  for (int i = 0; i < 10000; ++i) {
    char name[64];
    std::snprintf(name, sizeof name, "domain-%05d.example.com.", i);
    auto c = commitFor(
        name, i % 97 == 0 ? model::SecurityState::kBogus : model::SecurityState::kSecure, kNow);
    c.row.operatorsJson = R"(["example.net.","dns-provider.example."])";
    c.row.lastChange = kNow - i;
    if (i < 30) c.events = {eventFor("e" + std::to_string(i), name, kNow - i)};
    batch.push_back(std::move(c));
  }
  ASSERT_TRUE(store_->commitBatch(batch));
  const std::string first = portfolioPage(*store_, "", kNow).body;
  EXPECT_LT(first.size(), 200U * 1024) << first.size();
  EXPECT_EQ(count(first, "<tr class=\"r-"), kRowsPerPage);
  EXPECT_TRUE(has(first, "Page 1 of 20"));
  EXPECT_TRUE(has(first, "10000 domains:"));
  // Worst first: the 104 bogus domains open the first page.
  EXPECT_EQ(first.find("<tr class=\"r-bogus\">"), first.find("<tr class=\"r-"));
  const std::string last = portfolioPage(*store_, "page=20", kNow).body;
  EXPECT_LT(last.size(), 200U * 1024);
  EXPECT_EQ(count(last, "<tr class=\"r-"), kRowsPerPage);
  EXPECT_TRUE(has(last, "Page 20 of 20"));
  // A page beyond the last shows the last.
  EXPECT_TRUE(has(portfolioPage(*store_, "page=99", kNow).body, "Page 20 of 20"));
}

}  // namespace
}  // namespace zonewatch::web
