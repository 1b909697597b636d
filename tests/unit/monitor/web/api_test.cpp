// Tests of monitor/web/api.cpp against a real SQLite store in a temporary directory: the JSON
// endpoints' shapes (the fields of `status --json` and `history --json`), their parameters, 404s
// and hostile stored text.
#include "monitor/web/api.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "monitor/web/escape.h"
#include "tests/unit/monitor/web/web_fixture.h"

namespace zonewatch::web {
namespace {

using nlohmann::json;
using testing::commitFor;
using testing::eventFor;
using testing::kNow;

class Api : public testing::StoreDir {};

json body(const alerts::HttpReply& reply) {
  EXPECT_EQ(reply.contentType, "application/json");
  return json::parse(reply.body);
}

TEST_F(Api, StatusListsDomainsWorstFirstWithCounts) {
  commit(commitFor("a.lab.", model::SecurityState::kSecure, kNow));
  commit(commitFor("z.lab.", model::SecurityState::kBogus, kNow));
  const alerts::HttpReply reply = apiStatus(*store_, kNow);
  ASSERT_EQ(reply.status, 200);
  const json j = body(reply);
  ASSERT_EQ(j["domains"].size(), 2U);
  EXPECT_EQ(j["domains"][0]["domain"], "z.lab.");
  EXPECT_EQ(j["domains"][0]["status"], "bogus");
  EXPECT_EQ(j["domains"][0]["reason"], "ds_mismatch");
  EXPECT_EQ(j["domains"][1]["operators"], json::array({"example.net."}));
  EXPECT_EQ(j["domains"][1]["url"], "/domain/a.lab.");
  EXPECT_EQ(j["domains"][1]["last_change"], nullptr);
  EXPECT_EQ(j["domains"][1]["failing_servers"], json::array());
  EXPECT_EQ(j["counts"]["bogus"], 1);
  EXPECT_EQ(j["counts"]["secure"], 1);
  // Every field of `zonewatch status --json` is there under its name.
  for (const char* key :
       {"domain", "status", "reason", "operators", "first_seen", "last_seen", "last_change",
        "rrsig_expiry", "pending_change", "consecutive_failures"}) {
    EXPECT_TRUE(j["domains"][0].contains(key)) << key;
  }
}

// A hijack whose new keys validate leaves the domain secure: its change, not its state, must put
// it at the top, above the insecure and the quietly secure ones, for a day.
TEST_F(Api, ARecentChangeComesRightAfterBogus) {
  commit(commitFor("quiet.lab.", model::SecurityState::kSecure, kNow));
  commit(commitFor("plain.lab.", model::SecurityState::kInsecure, kNow));
  auto moved = commitFor("moved.lab.", model::SecurityState::kSecure, kNow);
  moved.row.lastChange = kNow - 3600;
  commit(moved);
  auto older = commitFor("older.lab.", model::SecurityState::kSecure, kNow);
  older.row.lastChange = kNow - 2 * 86400;  // past the day: back among the secure ones
  commit(older);
  commit(commitFor("broken.lab.", model::SecurityState::kBogus, kNow));
  const json j = body(apiStatus(*store_, kNow));
  std::vector<std::string> order;
  for (const auto& d : j["domains"]) order.push_back(d["domain"].get<std::string>());
  EXPECT_EQ(order, (std::vector<std::string>{"broken.lab.", "moved.lab.", "plain.lab.",
                                             "older.lab.", "quiet.lab."}));
}

TEST_F(Api, EventsFilterBySinceDomainAndLimit) {
  auto c = commitFor("a.lab.", model::SecurityState::kSecure, kNow);
  c.events = {eventFor("e1", "a.lab.", kNow - 100), eventFor("e2", "a.lab.", kNow)};
  commit(c);
  auto p = commitFor("b.lab.", model::SecurityState::kSecure, kNow);
  p.events = {eventFor("p1", "*", kNow, model::EventKind::kPortfolioOperatorChange)};
  commit(p);

  json all = body(apiEvents(*store_, ""));
  ASSERT_EQ(all["events"].size(), 3U);
  EXPECT_EQ(all["events"][0]["id"], "e1");  // oldest first
  EXPECT_EQ(all["more"], false);
  for (const char* key : {"id", "event", "severity", "domain", "observed_at", "observed_at_unix",
                          "summary", "before", "after", "server"}) {
    EXPECT_TRUE(all["events"][0].contains(key)) << key;
  }
  EXPECT_EQ(all["events"][0]["before"], json::array({"ns1.lab.", "ns2.lab."}));

  json since = body(apiEvents(*store_, "since=" + std::to_string(kNow)));
  EXPECT_EQ(since["events"].size(), 2U);
  json domain = body(apiEvents(*store_, "domain=A.LAB"));  // normalised like the CLI's
  ASSERT_EQ(domain["events"].size(), 2U);
  json portfolio = body(apiEvents(*store_, "domain=*"));
  ASSERT_EQ(portfolio["events"].size(), 1U);
  EXPECT_EQ(portfolio["events"][0]["event"], "portfolio_operator_change");
  json limited = body(apiEvents(*store_, "limit=1"));
  EXPECT_EQ(limited["events"].size(), 1U);
  EXPECT_EQ(limited["more"], true);

  EXPECT_EQ(apiEvents(*store_, "since=yesterday").status, 400);
  EXPECT_EQ(apiEvents(*store_, "limit=0").status, 400);
  EXPECT_EQ(apiEvents(*store_, "limit=-1").status, 400);
}

TEST_F(Api, DomainHasStateEventsAndSnapshotLinks) {
  auto c = commitFor("a.lab.", model::SecurityState::kSecure, kNow);
  c.events = {eventFor("e1", "a.lab.", kNow)};
  commit(c);
  const json j = body(apiDomain(*store_, "a.lab."));
  EXPECT_EQ(j["domain"]["domain"], "a.lab.");
  EXPECT_EQ(j["state"]["ds"][0]["key_tag"], 4242);
  EXPECT_TRUE(j["chain"].is_null());  // stored without a chain summary
  ASSERT_EQ(j["events"].size(), 1U);
  ASSERT_EQ(j["snapshots"].size(), 1U);
  EXPECT_EQ(j["snapshots"][0]["evidence_url"],
            "/domain/a.lab./snapshot/" + std::to_string(j["snapshots"][0]["id"].get<int64_t>()));
}

TEST_F(Api, DomainHasTheChainFromTheRoot) {
  auto c = commitFor("a.lab.", model::SecurityState::kBogus, kNow);
  c.row.chainJson = testing::chainJson("lab.", "a.lab.", "bogus", "ds_mismatch");
  commit(c);
  const json j = body(apiDomain(*store_, "a.lab."));
  ASSERT_EQ(j["chain"].size(), 3U);
  EXPECT_EQ(j["chain"][0]["zone"], ".");
  EXPECT_EQ(j["chain"][1]["zone"], "lab.");
  EXPECT_EQ(j["chain"][2]["state"], "bogus");
  EXPECT_EQ(j["chain"][2]["reason"], "ds_mismatch");
  EXPECT_EQ(j["chain"][2]["ds"][0]["matched"], false);
  EXPECT_EQ(j["chain"][2]["dnskey"][0]["flags"], 257);
}

TEST_F(Api, UnknownDomainIs404) {
  const alerts::HttpReply reply = apiDomain(*store_, "nowhere.lab.");
  EXPECT_EQ(reply.status, 404);
  EXPECT_EQ(body(reply)["error"], "unknown domain: nowhere.lab.");
}

TEST_F(Api, HostileStoredTextIsValidJson) {
  const std::string name = "\xff<script>\"\\000.lab.";
  auto c = commitFor(name, model::SecurityState::kSecure, kNow);
  c.row.operatorsJson = "not json";
  auto e = eventFor("h1", name, kNow);
  e.summary = "bad \xc0 bytes";
  e.beforeJson = "\xfe";
  c.events = {e};
  commit(c);
  const alerts::HttpReply status = apiStatus(*store_, kNow);
  ASSERT_EQ(status.status, 200);
  const json j = json::parse(status.body);  // throws on invalid UTF-8
  EXPECT_EQ(j["domains"][0]["operators"], json::array());
  EXPECT_EQ(j["domains"][0]["url"], "/domain/%FF%3Cscript%3E%22%5C000.lab.");
  const json events = json::parse(apiEvents(*store_, "").body);
  EXPECT_EQ(events["events"][0]["summary"], "bad \xEF\xBF\xBD bytes");
  // The name as stored, percent-encoded in the query, selects its events.
  const json own = json::parse(apiEvents(*store_, "domain=" + pathSegment(name)).body);
  EXPECT_EQ(own["events"].size(), 1U);
}

}  // namespace
}  // namespace zonewatch::web
