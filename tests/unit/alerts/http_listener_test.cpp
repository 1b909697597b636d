// Tests of alerts/http_listener.cpp: the route table on its own, then the real civetweb listener
// on a kernel-chosen loopback port, read with raw HTTP requests (raw_http.h).
#include "alerts/http_listener.h"

#include <gtest/gtest.h>

#include <stdexcept>
#include <string>

#include "tests/unit/alerts/raw_http.h"

namespace zonewatch::alerts {
namespace {

using testing::httpGet;
using testing::rawRequest;

HttpHandler replying(std::string body) {
  return [body](const HttpRequest&) {
    HttpReply r;
    r.body = body;
    return r;
  };
}

std::string bodyOf(const HttpRoutes& routes, const std::string& path) {
  return answer(routes, HttpRequest{"GET", path, ""}).body;
}

TEST(HttpRoutes, ExactPathThenLongestPrefix) {
  HttpRoutes routes;
  routes.add("/", replying("root"));
  routes.add("/metrics", replying("metrics"));
  routes.add("/domain/", replying("domain"));
  routes.add("/domain/special/", replying("special"));
  EXPECT_EQ(bodyOf(routes, "/"), "root");
  EXPECT_EQ(bodyOf(routes, "/metrics"), "metrics");
  EXPECT_EQ(bodyOf(routes, "/domain/example.com."), "domain");
  EXPECT_EQ(bodyOf(routes, "/domain/special/x"), "special");
  // "/" is exact (a prefix route ends in '/', and "/" would then take every path): an unknown
  // path is a 404, not the portfolio page.
  EXPECT_EQ(answer(routes, HttpRequest{"GET", "/metricsx", ""}).status, 404);
  EXPECT_EQ(answer(routes, HttpRequest{"GET", "/domain", ""}).status, 404);
}

TEST(HttpRoutes, LaterRouteReplacesSamePath) {
  HttpRoutes routes;
  routes.add("/metrics", replying("old"));
  routes.add("/metrics", replying("new"));
  EXPECT_EQ(bodyOf(routes, "/metrics"), "new");
}

TEST(HttpRoutes, OnlyGetAndHeadAndHandlerFailuresAreReplies) {
  HttpRoutes routes;
  routes.add("/boom", [](const HttpRequest&) -> HttpReply { throw std::runtime_error("disk"); });
  const HttpReply post = answer(routes, HttpRequest{"POST", "/boom", ""});
  EXPECT_EQ(post.status, 405);
  ASSERT_EQ(post.headers.size(), 1U);
  EXPECT_EQ(post.headers[0].second, "GET, HEAD");
  const HttpReply boom = answer(routes, HttpRequest{"GET", "/boom", ""});
  EXPECT_EQ(boom.status, 500);
  EXPECT_NE(boom.body.find("disk"), std::string::npos);
}

TEST(HttpListener, ServesRoutesOverHttp) {
  auto listener = HttpListener::start("127.0.0.1:0", 2);
  ASSERT_TRUE(listener) << listener.error().message;
  auto& l = **listener;
  ASSERT_NE(l.port(), 0);
  l.route("/domain/", [](const HttpRequest& r) {
    HttpReply reply;
    reply.contentType = "application/json";
    reply.body = r.path + "|" + r.query;
    reply.headers.emplace_back("Content-Security-Policy", "default-src 'none'");
    return reply;
  });
  const std::string got = httpGet(l.port(), "/domain/a%20b.example.?since=1%2B2");
  EXPECT_EQ(got.substr(0, got.find("\r\n")), "HTTP/1.1 200 OK");
  EXPECT_NE(got.find("Content-Type: application/json\r\n"), std::string::npos);
  EXPECT_NE(got.find("Cache-Control: no-store\r\n"), std::string::npos);
  EXPECT_NE(got.find("X-Content-Type-Options: nosniff\r\n"), std::string::npos);
  EXPECT_NE(got.find("Content-Security-Policy: default-src 'none'\r\n"), std::string::npos);
  // The path arrives decoded, the query as sent.
  EXPECT_EQ(got.substr(got.find("\r\n\r\n") + 4), "/domain/a b.example.|since=1%2B2");

  const std::string missing = httpGet(l.port(), "/nothing");
  EXPECT_EQ(missing.substr(0, missing.find("\r\n")), "HTTP/1.1 404 Not Found");
  const std::string head = rawRequest(l.port(), "HEAD /domain/x. HTTP/1.0\r\n\r\n");
  EXPECT_NE(head.find("Content-Length: 11\r\n"), std::string::npos);  // "/domain/x.|"
  EXPECT_EQ(head.substr(head.find("\r\n\r\n") + 4), "");
  const std::string post = rawRequest(l.port(), "POST /domain/x. HTTP/1.0\r\n\r\n");
  EXPECT_EQ(post.substr(0, post.find("\r\n")), "HTTP/1.1 405 Method Not Allowed");
}

TEST(HttpListener, AddressInUseIsAnErrorNamingTheAddress) {
  auto first = HttpListener::start("127.0.0.1:0", 1);
  ASSERT_TRUE(first) << first.error().message;
  const std::string address = "127.0.0.1:" + std::to_string((*first)->port());
  auto second = HttpListener::start(address, 1);
  ASSERT_FALSE(second);
  EXPECT_NE(second.error().message.find(address), std::string::npos) << second.error().message;
}

TEST(HttpListener, MalformedAddressIsAnError) {
  auto bad = HttpListener::start("not an address", 1);
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().message.find("not an address"), std::string::npos);
}

}  // namespace
}  // namespace zonewatch::alerts
