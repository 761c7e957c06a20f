#include "tools/optin-hq/hq_http.h"

#include <algorithm>
#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>
#include <cctype>

#include "net/percent_decode.h"

namespace optin::hq {

net::Response HqProblem(int status, std::string_view name, std::string_view detail,
                        std::string_view field) {
  net::Response r = net::Response::Problem(status, std::string(kProblemPrefix) + std::string(name),
                                           name, detail, field);
  r.problem = std::string(name);
  return r;
}

net::Response HqProblem(const Error& error, std::string_view fallback) {
  int status = 500;
  switch (error.code) {
    case ErrorCode::kInvalidArgument:
      status = 400;
      break;
    case ErrorCode::kUnauthenticated:
      status = 401;
      break;
    case ErrorCode::kPermissionDenied:
      status = 403;
      break;
    case ErrorCode::kNotFound:
      status = 404;
      break;
    case ErrorCode::kConflict:
      status = 409;
      break;
    case ErrorCode::kUnavailable:
    case ErrorCode::kResourceExhausted:
      status = 503;
      break;
    default:
      break;
  }
  return HqProblem(status, error.reason.empty() ? fallback : std::string_view(error.reason),
                   error.message, error.field);
}

std::optional<std::string> QueryParams::Get(std::string_view name) const {
  auto it = values.find(name);
  return it == values.end() ? std::nullopt : std::optional(it->second);
}

QueryParams ParseQuery(std::string_view query) {
  QueryParams out;
  while (!query.empty()) {
    std::string_view part = query.substr(0, query.find('&'));
    query.remove_prefix(std::min(query.size(), part.size() + 1));
    if (part.empty()) continue;
    const size_t eq = part.find('=');
    std::string name(part.substr(0, eq));
    std::string value(eq == std::string_view::npos ? std::string_view() : part.substr(eq + 1));
    for (char& c : name) c = c == '+' ? ' ' : c;
    for (char& c : value) c = c == '+' ? ' ' : c;
    name = net::PercentDecode(name);
    value = net::PercentDecode(value);
    if (!out.values.emplace(name, value).second && out.duplicate.empty()) out.duplicate = name;
  }
  return out;
}

std::string CookieValue(const net::Request& request, std::string_view name) {
  for (const auto& [header, value] : request.headers) {
    if (header != "cookie") continue;
    std::string_view v = value;
    while (!v.empty()) {
      std::string_view part = v.substr(0, v.find(';'));
      v.remove_prefix(std::min(v.size(), part.size() + 1));
      while (!part.empty() && part.front() == ' ') part.remove_prefix(1);
      const size_t eq = part.find('=');
      if (eq != std::string_view::npos && part.substr(0, eq) == name) {
        return std::string(part.substr(eq + 1));
      }
    }
  }
  return {};
}

bool WantsCsv(const net::Request& request, const QueryParams& params) {
  if (auto f = params.Get("format")) return *f == "csv";
  std::string accept(request.Header("accept"));
  for (char& c : accept) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return accept.find("text/csv") != std::string::npos;
}

}  // namespace optin::hq
