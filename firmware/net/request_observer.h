// Told about every request a Router answers (e.g. to count requests and time them per route).
// `pattern` is the route's pattern ("/v1/assist/{id}"), never the path as sent, or
// kUnmatchedRoute when no route took the request (404, 405, and what the server refuses before
// routing: 400/413/431 for requests it cannot parse, 429 past the rate limit); `method` is the
// route's method, or the method as sent when nothing matched (unbounded: an observer that keeps
// it must map it onto a fixed set; empty when the request could not be parsed). `elapsed` runs from
// dispatch until the handler answered. Implementations must be thread-safe and must not block:
// OnRequest runs on whichever thread answered the request.
#pragma once

#include <chrono>
#include <string_view>

namespace optin::net {

inline constexpr std::string_view kUnmatchedRoute = "unmatched";

class RequestObserver {
 public:
  virtual ~RequestObserver() = default;
  virtual void OnRequest(std::string_view method, std::string_view pattern, int status,
                         std::chrono::nanoseconds elapsed) = 0;
  // Also told, beside OnRequest, when the server refused a request before routing it: `reason`
  // is one of kRefusalReasons (net/refusal.h), never anything the client sent.
  virtual void OnRefused(std::string_view reason) { (void)reason; }
  // Also told, beside OnRequest, when the answer is a problem+json: `problem` is its short name
  // (Response::problem), which the program chose, never anything the client sent.
  virtual void OnProblem(std::string_view pattern, std::string_view problem) {
    (void)pattern;
    (void)problem;
  }
};

}  // namespace optin::net
