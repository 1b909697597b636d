// The daemon's wiring of the timeline page (monitor/web): a real Daemon created, not run (its
// listener serves on its own threads from the start), with an empty portfolio, so no DNS query is
// sent; the page and its JSON read a real SQLite store in a temporary directory through the
// daemon's own read-only web connection.
#include <gtest/gtest.h>

#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "alerts/metrics.h"
#include "monitor/daemon/daemon.h"
#include "tests/unit/alerts/raw_http.h"
#include "tests/unit/monitor/daemon/daemon_fixture.h"

namespace zonewatch::daemon {
namespace {

using alerts::testing::httpGet;

class DaemonWebTest : public testutil::DaemonFixture {
 protected:
  DaemonWebTest() : DaemonFixture("zw-daemon-web") {}

  std::unique_ptr<Daemon> create(bool web, bool once = false) {
    config::Config c;
    c.sourcePath = configPath_;
    c.database = database_;
    c.metrics.listen = "127.0.0.1:0";  // the kernel picks a free port
    c.web.enabled = web;
    RunOptions options;
    options.once = once;
    auto d = Daemon::create(std::move(c), std::move(options));
    EXPECT_TRUE(d) << d.error().message;
    return d ? std::move(d).value() : nullptr;
  }

  static std::string statusLine(const std::string& response) {
    return response.substr(0, response.find("\r\n"));
  }
};

TEST_F(DaemonWebTest, ServesThePageNextToMetrics) {
  auto d = create(/*web=*/true);
  ASSERT_TRUE(d);
  const uint16_t port = d->metrics().port();
  ASSERT_NE(port, 0);
  const std::string page = httpGet(port, "/");
  EXPECT_EQ(statusLine(page), "HTTP/1.1 200 OK");
  EXPECT_NE(page.find("Content-Security-Policy: default-src 'none'"), std::string::npos);
  EXPECT_NE(page.find("<h1>Portfolio</h1>"), std::string::npos);
  const std::string status = httpGet(port, "/api/status");
  const auto body = nlohmann::json::parse(status.substr(status.find("\r\n\r\n") + 4));
  EXPECT_EQ(body["domains"], nlohmann::json::array());
  EXPECT_EQ(statusLine(httpGet(port, "/metrics")), "HTTP/1.1 200 OK");
}

TEST_F(DaemonWebTest, WebDisabledLeavesOnlyMetrics) {
  auto d = create(/*web=*/false);
  ASSERT_TRUE(d);
  const uint16_t port = d->metrics().port();
  EXPECT_EQ(statusLine(httpGet(port, "/")), "HTTP/1.1 404 Not Found");
  EXPECT_EQ(statusLine(httpGet(port, "/metrics")), "HTTP/1.1 200 OK");
}

TEST_F(DaemonWebTest, RunOnceServesNothing) {
  auto d = create(/*web=*/true, /*once=*/true);
  ASSERT_TRUE(d);
  EXPECT_EQ(d->metrics().port(), 0);
}

}  // namespace
}  // namespace zonewatch::daemon
