// civetweb behind HttpListener (http_listener.h): the only file that includes <civetweb.h>.
#include "alerts/http_listener.h"

#include <civetweb.h>

#include <algorithm>
#include <array>
#include <exception>
#include <mutex>
#include <string_view>

namespace zonewatch::alerts {
namespace {

// "/" itself is exact: as a prefix it would take every path, and an unknown one must be a 404.
bool isPrefixRoute(const std::string& path) {
  return path.size() > 1 && path.back() == '/';
}

std::string_view reasonPhrase(int status) {
  switch (status) {
    case 200:
      return "OK";
    case 400:
      return "Bad Request";
    case 404:
      return "Not Found";
    case 405:
      return "Method Not Allowed";
    case 500:
      return "Internal Server Error";
    case 503:
      return "Service Unavailable";
    default:
      return "Status";
  }
}

HttpReply plain(int status, std::string body) {
  HttpReply r;
  r.status = status;
  r.body = std::move(body);
  return r;
}

}  // namespace

void HttpRoutes::add(std::string path, HttpHandler handler) {
  std::lock_guard lock(mutex_);
  auto same = std::find_if(routes_.begin(), routes_.end(),
                           [&](const auto& route) { return route.first == path; });
  if (same != routes_.end()) {
    same->second = std::move(handler);
    return;
  }
  routes_.emplace_back(std::move(path), std::move(handler));
}

HttpHandler HttpRoutes::find(const std::string& path) const {
  std::lock_guard lock(mutex_);
  const std::pair<std::string, HttpHandler>* best = nullptr;
  for (const auto& route : routes_) {
    if (route.first == path) return route.second;
    if (!isPrefixRoute(route.first) || !path.starts_with(route.first)) continue;
    if (best == nullptr || route.first.size() > best->first.size()) best = &route;
  }
  return best != nullptr ? best->second : HttpHandler{};
}

HttpReply answer(const HttpRoutes& routes, const HttpRequest& request) {
  if (request.method != "GET" && request.method != "HEAD") {
    HttpReply r = plain(405, "only GET and HEAD are served here\n");
    r.headers.emplace_back("Allow", "GET, HEAD");
    return r;
  }
  HttpHandler handler = routes.find(request.path);
  if (!handler) return plain(404, "no such page: try /metrics\n");
  try {
    return handler(request);
  } catch (const std::exception& e) {
    // A handler's own failure (the store unreadable, say) is the reply, not a dropped connection.
    return plain(500, std::string("internal error: ") + e.what() + "\n");
  }
}

struct HttpListener::Impl {
  HttpRoutes routes;
  mg_context* context = nullptr;

  ~Impl() {
    if (context != nullptr) mg_stop(context);
  }

  static int serve(mg_connection* conn, void* data) {
    const mg_request_info* info = mg_get_request_info(conn);
    HttpRequest request;
    request.method = info->request_method != nullptr ? info->request_method : "";
    // Decoded but not "cleaned": civetweb's cleaning drops a name's trailing dot, and no path
    // here names a file, so there is nothing for it to protect.
    request.path = info->local_uri_raw != nullptr ? info->local_uri_raw : "";
    request.query = info->query_string != nullptr ? info->query_string : "";
    const HttpReply reply = answer(static_cast<Impl*>(data)->routes, request);
    send(conn, request, reply);
    return reply.status;  // non-zero: handled here, civetweb serves no file
  }

  static void send(mg_connection* conn, const HttpRequest& request, const HttpReply& reply) {
    std::string head = "HTTP/1.1 " + std::to_string(reply.status) + " " +
                       std::string(reasonPhrase(reply.status)) + "\r\n";
    head += "Content-Type: " + reply.contentType + "\r\n";
    head += "Content-Length: " + std::to_string(reply.body.size()) + "\r\n";
    head += "Cache-Control: no-store\r\nX-Content-Type-Options: nosniff\r\nConnection: close\r\n";
    for (const auto& [name, value] : reply.headers) head += name + ": " + value + "\r\n";
    head += "\r\n";
    mg_write(conn, head.data(), head.size());
    if (request.method != "HEAD") mg_write(conn, reply.body.data(), reply.body.size());
  }
};

HttpListener::HttpListener(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
HttpListener::~HttpListener() = default;

Result<std::unique_ptr<HttpListener>> HttpListener::start(const std::string& listen, int threads) {
  static std::once_flag initialised;
  std::call_once(initialised, [] { mg_init_library(0); });
  auto impl = std::make_unique<Impl>();
  const std::string threadCount = std::to_string(std::max(1, threads));
  // No document_root: civetweb serves no file, whatever a path says.
  const std::array<const char*, 9> options = {"listening_ports",
                                              listen.c_str(),
                                              "num_threads",
                                              threadCount.c_str(),
                                              "request_timeout_ms",
                                              "10000",
                                              "enable_keep_alive",
                                              "no",
                                              nullptr};
  mg_callbacks callbacks{};
  // civetweb prints its errors to stderr unless a log_message callback takes them; mg_start2's
  // error text carries the one that matters here (the bind failure) into the returned error.
  callbacks.log_message = [](const mg_connection*, const char*) { return 1; };
  mg_init_data init{};
  init.callbacks = &callbacks;
  init.user_data = impl.get();
  init.configuration_options = const_cast<const char**>(options.data());
  std::array<char, 256> text{};
  unsigned code = 0;
  mg_error_data error{&code, text.data(), text.size()};
  impl->context = mg_start2(&init, &error);
  if (impl->context == nullptr) {
    return fail("cannot listen on " + listen + ": " +
                (text[0] != '\0' ? std::string(text.data()) : "civetweb failed to start"));
  }
  mg_set_request_handler(impl->context, "/", &Impl::serve, impl.get());
  std::array<mg_server_port, 4> ports{};
  const int count =
      mg_get_server_ports(impl->context, static_cast<int>(ports.size()), ports.data());
  auto listener = std::unique_ptr<HttpListener>(new HttpListener(std::move(impl)));
  if (count > 0) listener->port_ = static_cast<uint16_t>(ports[0].port);
  return listener;
}

void HttpListener::route(std::string path, HttpHandler handler) {
  impl_->routes.add(std::move(path), std::move(handler));
}

}  // namespace zonewatch::alerts
