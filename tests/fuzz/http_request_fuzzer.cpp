// Fuzzes request handling without sockets, as HttpSession does it: the bytes go first to the
// strict head check (net/header_block.h; a refusal ends the connection there), then to Beast's
// request parser with the server's default limits, which must frame the body as the check said, a
// complete request becomes a net::Request (net/request_from_beast.h, the session's own conversion),
// and the Router dispatches it to handlers registered on the daemon's public route patterns. The
// handlers run the checks the real ones start with (forbidden query names, ParseJsonBody,
// RequireOnlyMembers, typed members). Checks that every dispatched request is answered exactly once
// with a status in 100..599 and a problem+json body that parses when it is an error.
#include <boost/beast/core/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/json/parse.hpp>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "api/json_body.h"
#include "net/header_block.h"
#include "net/http_message.h"
#include "net/request_from_beast.h"
#include "net/router.h"

namespace {

namespace http = boost::beast::http;
using optin::net::Request;
using optin::net::Responder;
using optin::net::Response;

// net::HttpServerOptions' defaults (the [limits] section's max_body_bytes, max_header_bytes).
constexpr size_t kMaxBodyBytes = 16 * 1024;
constexpr uint32_t kMaxHeaderBytes = 8 * 1024;

[[noreturn]] void Broken(const char* what) {
  std::fprintf(stderr, "property violated: %s\n", what);
  std::abort();
}

Response Refused(const optin::Error& e) {
  return Response::Problem(e.code == optin::ErrorCode::kForbiddenField ? 422 : 400,
                           "urn:optin-edge:problem:" + e.reason, "Refused", e.message, e.field);
}

// A handler that validates like the real one for `members`, then answers 200.
optin::net::Handler BodyHandler(std::initializer_list<std::string_view> members, bool allow_empty) {
  std::vector<std::string> names(members.begin(), members.end());
  return [names, allow_empty](Request&& request, Responder respond) {
    if (auto q = optin::api::CheckQueryForForbiddenFields(request.query); !q) {
      return respond(Refused(q.error()));
    }
    auto body = optin::api::ParseJsonBody(request, allow_empty);
    if (!body) return respond(Refused(body.error()));
    for (const auto& [key, value] : *body) {
      bool known = false;
      for (const auto& n : names) known = known || key == n;
      if (!known) {
        auto s = optin::api::RequireOnlyMembers(*body, {});
        if (s) Broken("RequireOnlyMembers accepted an unknown member");
        return respond(Refused(s.error()));
      }
      if (value.is_bool()) {
        if (!optin::api::RequiredBool(*body, key)) Broken("RequiredBool refused a bool");
      } else if (auto s = optin::api::OptionalString(*body, key, 280); !s) {
        return respond(Refused(s.error()));
      }
    }
    for (const auto& [name, value] : request.params) {
      if (value.empty()) Broken("the router matched an empty placeholder");
    }
    respond(Response::Json(200, "{}"));
  };
}

const optin::net::Router& Routes() {
  static const optin::net::Router* router = [] {
    auto* r = new optin::net::Router;
    auto none = [] { return BodyHandler({}, true); };
    r->Add("POST", "/v1/checkins", BodyHandler({"presence_code", "purposes"}, false));
    r->Add("POST", "/v1/checkins/current/end", none());
    r->Add("GET", "/v1/me", none());
    r->Add("DELETE", "/v1/me", none());
    r->Add("PUT", "/v1/me/consents/{purpose}", BodyHandler({"granted"}, false));
    r->Add("GET", "/v1/me/receipts", none());
    r->Add("PUT", "/v1/me/interests", BodyHandler({"interests"}, false));
    r->Add("POST", "/v1/assist", BodyHandler({"topic", "expertise", "note", "first_name"}, false));
    r->Add("GET", "/v1/assist/{id}", none());
    r->Add("DELETE", "/v1/assist/{id}", none());
    r->Add("POST", "/v1/staff/login", BodyHandler({"staff_id", "pin"}, false));
    r->Add("POST", "/v1/staff/logout", none());
    r->Add("GET", "/v1/staff/prompts", none());
    r->Add("POST", "/v1/staff/prompts/{id}/claim", none());
    r->Add("POST", "/v1/staff/prompts/{id}/resolve", none());
    r->Add("GET", "/v1/device/keys", none());
    r->Add("GET", "/v1/store", none());
    r->Add("GET", "/healthz", none());
    r->AddWebSocket("/v1/staff/stream",
                    [](const Request&, std::shared_ptr<optin::net::WebSocketConnection>) {});
    r->AddWebSocket("/v1/kiosk/stream",
                    [](const Request&, std::shared_ptr<optin::net::WebSocketConnection>) {});
    return r;
  }();
  return *router;
}

void CheckAnswer(const Response& response) {
  if (response.status < 100 || response.status > 599) Broken("status out of range");
  if (response.status >= 400) {
    if (response.content_type != "application/problem+json") Broken("an error is not problem+json");
    boost::system::error_code ec;
    auto v = boost::json::parse(response.body, ec);
    if (ec || !v.is_object() || !v.as_object().contains("type"))
      Broken("a problem body is not a problem");
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  // Several pipelined requests may share one input, as on a kept-alive connection.
  std::string_view rest(reinterpret_cast<const char*>(data), size);
  for (int requests = 0; requests < 4 && !rest.empty(); ++requests) {
    auto head = optin::net::CheckHeaderBlock(rest, kMaxHeaderBytes);
    if (!head) {  // refused with its problem; the connection closes, nothing after is read
      if (head.error().status < 400 || head.error().status > 599) Broken("refusal not an error");
      return 0;
    }
    if (!head->has_value()) return 0;                       // the session would wait for more bytes
    if ((*head)->content_length > kMaxBodyBytes) return 0;  // 413 before the body
    http::request_parser<http::string_body> parser;
    parser.body_limit(kMaxBodyBytes);
    parser.header_limit(kMaxHeaderBytes);
    parser.eager(true);
    boost::beast::error_code ec;
    size_t used = parser.put(boost::asio::buffer(rest.data(), rest.size()), ec);
    if (ec == http::error::need_more) return 0;  // the session would wait for more bytes
    if (ec) return 0;                            // answered 400/413/431 by the session
    if (!parser.is_done()) {
      parser.put_eof(ec);
      if (ec || !parser.is_done()) return 0;
    }
    rest.remove_prefix(std::min(used, rest.size()));
    if (parser.chunked() != (*head)->chunked ||
        (!(*head)->chunked && parser.content_length().value_or(0) != (*head)->content_length)) {
      Broken("Beast framed the body otherwise than the head check");
    }

    auto message = parser.release();
    Request request = optin::net::RequestFromBeast(message);
    if (request.body.size() > kMaxBodyBytes) Broken("a body over the limit got through");
    for (const auto& [name, value] : request.headers) {
      for (char c : name) {
        if (c >= 'A' && c <= 'Z') Broken("a header name was not lowercased");
      }
    }
    int answers = 0;
    Responder responder([&answers](Response response) {
      ++answers;
      CheckAnswer(response);
    });
    Routes().Dispatch(std::move(request), std::move(responder));
    if (answers != 1) Broken("a request was not answered exactly once");
  }
  return 0;
}
