// Tests of monitor/web/web_routes.cpp: the paths and headers through the listener's route table,
// the store connection opened on demand, and the page over real HTTP on the metrics listener.
#include "monitor/web/web_routes.h"

#include <gtest/gtest.h>

#include "tests/unit/alerts/raw_http.h"
#include "tests/unit/monitor/web/web_fixture.h"

namespace zonewatch::web {
namespace {

using testing::commitFor;
using testing::kNow;

class WebRoutes : public testing::StoreDir {
 protected:
  // The page's routes over this test's database, opened read-only as the daemon's web
  // connection is; `opened` counts the connections made.
  std::unique_ptr<alerts::HttpRoutes> routes(int* opened = nullptr) {
    auto r = std::make_unique<alerts::HttpRoutes>();
    StoreFactory open = [this, opened]() -> Result<std::unique_ptr<storage::Store>> {
      if (opened) ++*opened;
      storage::SqliteOptions options;
      options.readOnly = true;
      return storage::openSqliteStore(path(), options);
    };
    for (auto& [p, h] : webRoutes(open, [] { return kNow; })) r->add(p, h);
    return r;
  }
  static alerts::HttpReply get(const alerts::HttpRoutes& r, const std::string& path,
                               const std::string& query = "") {
    return alerts::answer(r, alerts::HttpRequest{"GET", path, query});
  }
  static std::string header(const alerts::HttpReply& reply, const std::string& name) {
    for (const auto& [k, v] : reply.headers) {
      if (k == name) return v;
    }
    return "";
  }
};

TEST_F(WebRoutes, EveryPathAnswersWithTheSecurityHeaders) {
  commit(commitFor("a.lab.", model::SecurityState::kSecure, kNow));
  int opened = 0;
  const auto routesPtr = routes(&opened);
  const alerts::HttpRoutes& r = *routesPtr;
  auto snapshots = store_->snapshots("a.lab.", 1);
  ASSERT_TRUE(snapshots);
  const std::string snapshot = "/domain/a.lab./snapshot/" + std::to_string((*snapshots)[0].id);
  for (const std::string path :
       {"/", "/domain/a.lab.", snapshot.c_str(), "/api/status", "/api/events", "/api/domain/a.lab.",
        "/assets/style.css", "/assets/app.js"}) {
    const alerts::HttpReply reply = get(r, path);
    EXPECT_EQ(reply.status, 200) << path;
    EXPECT_EQ(header(reply, "Content-Security-Policy"), kContentSecurityPolicy) << path;
    EXPECT_EQ(header(reply, "X-Frame-Options"), "DENY") << path;
  }
  EXPECT_EQ(opened, 1);  // one connection, kept
  EXPECT_EQ(get(r, "/assets/app.js").contentType, "text/javascript; charset=utf-8");
  EXPECT_NE(get(r, "/assets/app.js").body.find("makeSortable"), std::string::npos);
}

TEST_F(WebRoutes, UnknownThingsAre404) {
  const auto routesPtr = routes();
  const alerts::HttpRoutes& r = *routesPtr;
  EXPECT_EQ(get(r, "/domain/nowhere.lab.").status, 404);
  EXPECT_EQ(get(r, "/domain/").status, 404);
  EXPECT_EQ(get(r, "/api/domain/nowhere.lab.").status, 404);
  EXPECT_EQ(get(r, "/domain/nowhere.lab./snapshot/1").status, 404);
  EXPECT_EQ(get(r, "/assets/other.js").status, 404);
}

TEST_F(WebRoutes, ADatabaseThatCannotBeOpenedIs503AndRetried) {
  int opened = 0;
  alerts::HttpRoutes r;
  StoreFactory broken = [&]() -> Result<std::unique_ptr<storage::Store>> {
    ++opened;
    return fail("no such file");
  };
  for (auto& [p, h] : webRoutes(broken)) r.add(p, h);
  EXPECT_EQ(get(r, "/").status, 503);
  EXPECT_EQ(get(r, "/api/status").status, 503);
  EXPECT_EQ(opened, 2);
}

TEST_F(WebRoutes, ServedOnTheMetricsListener) {
  commit(commitFor("a b.lab.", model::SecurityState::kSecure, kNow));
  config::MetricsSpec spec;
  spec.listen = "127.0.0.1:0";
  auto metrics = alerts::Metrics::create(spec);
  ASSERT_TRUE(metrics) << metrics.error().message;
  registerWebRoutes(**metrics, [this]() { return storage::openSqliteStore(path()); });
  const uint16_t port = (*metrics)->port();
  const std::string page = alerts::testing::httpGet(port, "/");
  EXPECT_EQ(page.substr(0, page.find("\r\n")), "HTTP/1.1 200 OK");
  EXPECT_NE(page.find("href=\"/domain/a%20b.lab.\""), std::string::npos);
  // The link works: the listener decodes it back to the stored name.
  const std::string domain = alerts::testing::httpGet(port, "/domain/a%20b.lab.");
  EXPECT_EQ(domain.substr(0, domain.find("\r\n")), "HTTP/1.1 200 OK");
  EXPECT_NE(domain.find("<h1>a b.lab.</h1>"), std::string::npos);
  EXPECT_NE(alerts::testing::httpGet(port, "/metrics").find("zonewatch_domains_watched"),
            std::string::npos);
}

}  // namespace
}  // namespace zonewatch::web
