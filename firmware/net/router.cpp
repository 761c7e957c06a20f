#include "net/router.h"

#include <algorithm>

#include "net/percent_decode.h"

namespace optin::net {
namespace {

// Splits "/a/b/c" into {"a","b","c"}; "/" into {""}. The leading '/' is dropped.
std::vector<std::string_view> SplitPath(std::string_view path) {
  std::vector<std::string_view> segments;
  if (!path.empty() && path.front() == '/') path.remove_prefix(1);
  while (true) {
    size_t slash = path.find('/');
    segments.push_back(path.substr(0, slash));
    if (slash == std::string_view::npos) break;
    path.remove_prefix(slash + 1);
  }
  return segments;
}

bool IsPlaceholder(std::string_view segment) {
  return segment.size() >= 2 && segment.front() == '{' && segment.back() == '}';
}

}  // namespace

void Router::Add(std::string method, std::string pattern, Handler handler) {
  Entry entry;
  for (std::string_view segment : SplitPath(pattern)) entry.segments.emplace_back(segment);
  entry.method = std::move(method);
  entry.pattern = std::move(pattern);
  entry.handler = std::move(handler);
  entries_.push_back(std::move(entry));
}

// `path` is the path as sent (still percent-encoded): it is split on '/' first and each
// segment is decoded afterwards, so an encoded "%2F" inside an id cannot add a segment.
// Among the routes whose pattern matches and whose method is `method`, the most specific
// wins: comparing segment by segment from the left, a literal beats a placeholder.
Router::Match Router::Find(std::string_view method, std::string_view path) const {
  Match match;
  std::vector<std::string_view> raw = SplitPath(path);
  std::vector<std::string> decoded;
  decoded.reserve(raw.size());
  for (std::string_view segment : raw) decoded.push_back(PercentDecode(segment));

  const Entry* best = nullptr;
  for (const Entry& entry : entries_) {
    if (entry.segments.size() != decoded.size()) continue;
    bool matches = true;
    for (size_t i = 0; i < decoded.size() && matches; ++i) {
      matches =
          IsPlaceholder(entry.segments[i]) ? !decoded[i].empty() : entry.segments[i] == decoded[i];
    }
    if (!matches) continue;
    if (entry.method != method) {
      if (std::find(match.allowed.begin(), match.allowed.end(), entry.method) ==
          match.allowed.end()) {
        match.allowed.push_back(entry.method);
      }
      continue;
    }
    if (best == nullptr) {
      best = &entry;
      continue;
    }
    for (size_t i = 0; i < decoded.size(); ++i) {
      bool entry_literal = !IsPlaceholder(entry.segments[i]);
      bool best_literal = !IsPlaceholder(best->segments[i]);
      if (entry_literal != best_literal) {
        if (entry_literal) best = &entry;
        break;
      }
    }
  }
  if (best == nullptr) return match;

  match.allowed.clear();
  match.handler = &best->handler;
  for (size_t i = 0; i < decoded.size(); ++i) {
    const std::string& segment = best->segments[i];
    if (IsPlaceholder(segment)) {
      match.params.emplace(segment.substr(1, segment.size() - 2), std::move(decoded[i]));
    }
  }
  return match;
}

std::vector<Router::Route> Router::Routes() const {
  std::vector<Route> routes;
  routes.reserve(entries_.size());
  for (const Entry& entry : entries_) routes.push_back(Route{entry.method, entry.pattern});
  return routes;
}

void Router::Dispatch(Request&& request, Responder responder) const {
  // Match on the path as sent when there is one (see Find); a request built by hand in a
  // test may carry only the decoded path.
  std::string_view raw_path =
      request.target.empty() ? std::string_view(request.path)
                             : std::string_view(request.target).substr(0, request.target.find('?'));
  Match match = Find(request.method, raw_path);
  if (match.handler != nullptr) {
    request.params = std::move(match.params);
    (*match.handler)(std::move(request), std::move(responder));
    return;
  }
  if (match.allowed.empty()) {
    responder(Response::Problem(404, "urn:optin-edge:problem:not-found", "Not Found",
                                "There is no resource at this path."));
    return;
  }
  std::string allow;
  for (const std::string& method : match.allowed) {
    if (!allow.empty()) allow += ", ";
    allow += method;
  }
  Response response =
      Response::Problem(405, "urn:optin-edge:problem:method-not-allowed", "Method Not Allowed",
                        "This resource does not accept the method " + request.method + ".");
  response.headers.emplace_back("Allow", std::move(allow));
  responder(std::move(response));
}

}  // namespace optin::net
