// Maps (method, path pattern) to handlers. Patterns are literal segments and `{name}`
// placeholders ("/v1/me/consents/{purpose}"). Build it at start-up, then it is read-only and
// thread-safe for Find.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "net/http_message.h"

namespace optin::net {

class Router {
 public:
  void Add(std::string method, std::string pattern, Handler handler);

  struct Match {
    const Handler* handler = nullptr;  // null when nothing matched
    std::map<std::string, std::string, std::less<>> params;
    std::vector<std::string> allowed;  // when the path matched but not the method: for 405 Allow
  };
  Match Find(std::string_view method, std::string_view path) const;

  struct Route {
    std::string method;
    std::string pattern;
  };
  std::vector<Route> Routes() const;

  // Finds the handler and calls it, or answers 404/405 with a problem.
  void Dispatch(Request&& request, Responder responder) const;

 private:
  struct Entry {
    std::string method;
    std::string pattern;
    std::vector<std::string> segments;
    Handler handler;
  };
  std::vector<Entry> entries_;
};

}  // namespace optin::net
