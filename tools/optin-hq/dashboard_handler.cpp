#include "tools/optin-hq/dashboard_handler.h"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "platform/log.h"
#include "tools/optin-hq/dashboard_files.h"
#include "tools/optin-hq/hq_http.h"

namespace optin::hq {
namespace log = platform::log;

namespace {

std::string_view ContentTypeFor(std::string_view path) {
  if (path.ends_with(".html")) return "text/html; charset=utf-8";
  if (path.ends_with(".css")) return "text/css; charset=utf-8";
  if (path.ends_with(".js") || path.ends_with(".mjs")) return "text/javascript; charset=utf-8";
  if (path.ends_with(".svg")) return "image/svg+xml";
  if (path.ends_with(".png")) return "image/png";
  return "application/octet-stream";
}

void AddSecurityHeaders(net::Response& r) {
  r.headers.emplace_back("Content-Security-Policy", std::string(kDashboardCsp));
  r.headers.emplace_back("X-Content-Type-Options", "nosniff");
  r.headers.emplace_back("Referrer-Policy", "no-referrer");
  r.headers.emplace_back("X-Frame-Options", "DENY");
  r.headers.emplace_back("Cross-Origin-Opener-Policy", "same-origin");
  r.headers.emplace_back("Cross-Origin-Resource-Policy", "same-origin");
}

net::Handler Serve(std::string_view content, std::string_view type) {
  return [content, type](net::Request&&, net::Responder respond) {
    net::Response r;
    r.status = 200;
    r.content_type = std::string(type);
    r.body = std::string(content);
    AddSecurityHeaders(r);
    respond(std::move(r));
  };
}

}  // namespace

DashboardHandler::DashboardHandler(std::string chart_js_path)
    : chart_path_(std::move(chart_js_path)) {
  std::ifstream in(chart_path_, std::ios::binary);
  if (!in) {
    chart_error_ = "the dashboard's chart library " + chart_path_ + " cannot be read (" +
                   std::strerror(errno) +
                   "): install Debian's libjs-chart.js or start optin-hq with --chart-js FILE";
    log::Error("hq.chart_js_missing", {{"path", chart_path_}});
    return;
  }
  std::stringstream ss;
  ss << in.rdbuf();
  chart_js_ = ss.str();
  chart_loaded_ = true;
}

std::vector<HqRoute> DashboardHandler::Routes() const {
  std::vector<HqRoute> out;
  for (std::size_t i = 0; i < dashboard::kFileCount; ++i) {
    const dashboard::File& f = dashboard::kFiles[i];
    const std::string_view path(f.path);
    const std::string_view content(reinterpret_cast<const char*>(f.bytes), f.size);
    const std::string url = path == "index.html" ? "/" : "/dashboard/" + std::string(path);
    out.push_back({Listener::kPeople, "GET", url, Serve(content, ContentTypeFor(path))});
  }
  if (chart_loaded_) {
    out.push_back({Listener::kPeople, "GET", "/vendor/chart.min.js",
                   Serve(chart_js_, "text/javascript; charset=utf-8")});
  } else {
    out.push_back({Listener::kPeople, "GET", "/vendor/chart.min.js",
                   [error = chart_error_](net::Request&&, net::Responder respond) {
                     net::Response r = HqProblem(500, "chart-library-missing", error);
                     AddSecurityHeaders(r);
                     respond(std::move(r));
                   }});
  }
  return out;
}

}  // namespace optin::hq
