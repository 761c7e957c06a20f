#include "net/router.h"

#include <algorithm>
#include <chrono>

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

std::vector<std::string> DecodedSegments(std::string_view path) {
  std::vector<std::string> decoded;
  for (std::string_view segment : SplitPath(path)) decoded.push_back(PercentDecode(segment));
  return decoded;
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

void Router::AddWebSocket(std::string pattern, WebSocketHandler handler, UpgradeCheck check) {
  Entry entry;
  for (std::string_view segment : SplitPath(pattern)) entry.segments.emplace_back(segment);
  entry.method = "GET";
  entry.pattern = std::move(pattern);
  entry.websocket = std::move(handler);
  entry.check = std::move(check);
  websockets_.push_back(std::move(entry));
}

// Among the routes whose pattern matches and whose method is `method`, the most specific
// wins: comparing segment by segment from the left, a literal beats a placeholder.
const Router::Entry* Router::Best(const std::vector<Entry>& entries, std::string_view method,
                                  const std::vector<std::string>& decoded,
                                  std::vector<std::string>* allowed) {
  const Entry* best = nullptr;
  for (const Entry& entry : entries) {
    if (entry.segments.size() != decoded.size()) continue;
    bool matches = true;
    for (size_t i = 0; i < decoded.size() && matches; ++i) {
      matches =
          IsPlaceholder(entry.segments[i]) ? !decoded[i].empty() : entry.segments[i] == decoded[i];
    }
    if (!matches) continue;
    if (entry.method != method) {
      if (allowed != nullptr &&
          std::find(allowed->begin(), allowed->end(), entry.method) == allowed->end()) {
        allowed->push_back(entry.method);
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
  return best;
}

std::map<std::string, std::string, std::less<>> Router::Params(const Entry& entry,
                                                               std::vector<std::string>& decoded) {
  std::map<std::string, std::string, std::less<>> params;
  for (size_t i = 0; i < decoded.size(); ++i) {
    const std::string& segment = entry.segments[i];
    if (IsPlaceholder(segment)) {
      params.emplace(segment.substr(1, segment.size() - 2), std::move(decoded[i]));
    }
  }
  return params;
}

// `path` is the path as sent (still percent-encoded): it is split on '/' first and each
// segment is decoded afterwards, so an encoded "%2F" inside an id cannot add a segment.
Router::Match Router::Find(std::string_view method, std::string_view path) const {
  Match match;
  std::vector<std::string> decoded = DecodedSegments(path);
  const Entry* best = Best(entries_, method, decoded, &match.allowed);
  if (best == nullptr) return match;
  match.allowed.clear();
  match.handler = &best->handler;
  match.params = Params(*best, decoded);
  return match;
}

Router::WebSocketMatch Router::FindWebSocket(std::string_view path) const {
  WebSocketMatch match;
  if (websockets_.empty()) return match;
  std::vector<std::string> decoded = DecodedSegments(path);
  const Entry* best = Best(websockets_, "GET", decoded, nullptr);
  if (best == nullptr) return match;
  match.handler = &best->websocket;
  match.check = &best->check;
  match.params = Params(*best, decoded);
  match.pattern = best->pattern;
  return match;
}

std::vector<Router::Route> Router::Routes() const {
  std::vector<Route> routes;
  routes.reserve(entries_.size() + websockets_.size());
  for (const Entry& entry : entries_) routes.push_back(Route{entry.method, entry.pattern});
  // WebSocket endpoints are GET requests that upgrade.
  for (const Entry& entry : websockets_) routes.push_back(Route{entry.method, entry.pattern});
  return routes;
}

// Reports the answer to the observer, then passes it on. `pattern` points into the router's
// entries (or is kUnmatchedRoute), which outlive every request.
Responder Router::Observed(Responder responder, std::string method,
                           std::string_view pattern) const {
  if (observer_ == nullptr) return responder;
  return Responder([observer = observer_, inner = std::move(responder).Share(),
                    method = std::move(method), pattern,
                    start = std::chrono::steady_clock::now()](Response response) {
    observer->OnRequest(method, pattern, response.status, std::chrono::steady_clock::now() - start);
    if (!response.problem.empty()) observer->OnProblem(pattern, response.problem);
    (*inner)(std::move(response));
  });
}

void Router::Dispatch(Request&& request, Responder responder) const {
  // Match on the path as sent when there is one (see Find); a request built by hand in a
  // test may carry only the decoded path.
  std::string_view raw_path =
      request.target.empty() ? std::string_view(request.path)
                             : std::string_view(request.target).substr(0, request.target.find('?'));
  std::vector<std::string> decoded = DecodedSegments(raw_path);
  if (answer_filter_) {
    if (auto filter = answer_filter_(request)) {
      responder = Responder([filter = std::move(filter),
                             inner = std::move(responder).Share()](Response response) {
        filter(response);
        (*inner)(std::move(response));
      });
    }
  }
  std::vector<std::string> allowed;
  const Entry* best = Best(entries_, request.method, decoded, &allowed);
  if (best == nullptr && request.method == "HEAD" &&
      std::find(allowed.begin(), allowed.end(), "GET") != allowed.end()) {
    best = Best(entries_, "GET", decoded, nullptr);
  }
  if (best != nullptr) {
    request.params = Params(*best, decoded);
    best->handler(std::move(request), Observed(std::move(responder), best->method, best->pattern));
    return;
  }
  const Entry* websocket = allowed.empty() && !websockets_.empty()
                               ? Best(websockets_, "GET", decoded, nullptr)
                               : nullptr;
  if (websocket != nullptr) {
    responder = Observed(std::move(responder), request.method, websocket->pattern);
    Response response = Response::Problem(
        426, "urn:optin-edge:problem:upgrade-required", "Upgrade Required",
        "This resource speaks WebSocket only: connect with \"Upgrade: websocket\".");
    response.headers.emplace_back("Upgrade", "websocket");
    responder(std::move(response));
    return;
  }
  responder = Observed(std::move(responder), request.method, kUnmatchedRoute);
  if (allowed.empty()) {
    responder(Response::Problem(404, "urn:optin-edge:problem:not-found", "Not Found",
                                "There is no resource at this path."));
    return;
  }
  std::string allow;
  for (const std::string& method : allowed) {
    if (!allow.empty()) allow += ", ";
    allow += method;
    if (method == "GET" && std::find(allowed.begin(), allowed.end(), "HEAD") == allowed.end()) {
      allow += ", HEAD";
    }
  }
  Response response =
      Response::Problem(405, "urn:optin-edge:problem:method-not-allowed", "Method Not Allowed",
                        "This resource does not accept the method " + request.method + ".");
  response.headers.emplace_back("Allow", std::move(allow));
  responder(std::move(response));
}

}  // namespace optin::net
