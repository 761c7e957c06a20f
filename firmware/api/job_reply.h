// Helpers shared by the assist and staff routes: answer with JSON or a problem (logging only the
// route, status and reason, never who), and run one database job whose completion answers the
// request. Header-only; stateless; thread-safe.
#pragma once

#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>
#include <algorithm>
#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "api/problem.h"
#include "net/http_message.h"
#include "platform/error.h"
#include "platform/log.h"
#include "store/database.h"

namespace optin::api::reply {

inline net::Response Json(int status, const boost::json::object& body) {
  net::Response r = net::Response::Json(status, boost::json::serialize(body));
  r.headers.emplace_back("Cache-Control", "no-store");
  return r;
}

// Logs the refusal's route, status and reason, and builds its problem+json response.
inline net::Response Problem(std::string_view route, const Error& error) {
  const int status = HttpStatusFor(error);
  if (status >= 500) {
    platform::log::Error(
        "request.failed",
        {{"route", route}, {"code", ToString(error.code)}, {"message", error.message}});
  } else {
    platform::log::Info(
        "request.refused",
        {{"route", route},
         {"status", status},
         {"reason", error.reason.empty() ? std::string(ToString(error.code)) : error.reason}});
  }
  return ProblemResponse(error);
}

// `response` (a 429) with its Retry-After set to `wait` instead of the generic one: a limit
// whose detail states a time answers the same time in the header.
inline net::Response WithRetryAfter(net::Response response, std::chrono::seconds wait) {
  std::erase_if(response.headers, [](const auto& h) { return h.first == "Retry-After"; });
  response.headers.emplace_back("Retry-After",
                                std::to_string(std::max<int64_t>(1, wait.count())));
  return response;
}

inline void Refuse(net::Responder& respond, std::string_view route, const Error& error) {
  respond(Problem(route, error));
}

// `done`, handed back to the connection's strand through `handoff` (by default the one of the
// request this thread is dispatching, net::CurrentHandoff()) when it is called; called where it
// runs when there is no handoff (a test calling the handler directly).
template <class T, class Fn>
std::function<void(Result<T>)> HandedBack(Fn done, net::Handoff handoff = net::CurrentHandoff()) {
  if (!handoff) return [done = std::move(done)](Result<T> result) { done(std::move(result)); };
  return [done = std::move(done), handoff = std::move(handoff)](Result<T> result) {
    handoff([done, held = std::make_shared<Result<T>>(std::move(result))] {
      done(std::move(*held));
    });
  };
}

// The completion of a use case's result: answers with `ok(value)` or the problem. Call it in
// the handler, on the connection's strand: the completion may run on the database writer or a
// reader, and only hands the result back (net::CurrentHandoff()); rendering, logging and
// answering happen on the connection's strand, so that the writer goes on committing. Without
// a handoff (a test calling the handler directly) it answers where it runs.
template <class T, class OkFn>
std::function<void(Result<T>)> Answer(std::shared_ptr<net::Responder> shared,
                                      std::string_view route, OkFn ok) {
  auto answer = [shared = std::move(shared), route, ok = std::move(ok)](const Result<T>& result) {
    if (!result) return Refuse(*shared, route, result.error());
    (*shared)(ok(*result));
  };
  return HandedBack<T>(std::move(answer));
}
template <class T, class OkFn>
std::function<void(Result<T>)> Answer(net::Responder respond, std::string_view route, OkFn ok) {
  return Answer<T>(std::move(respond).Share(), route, std::move(ok));
}

// Runs `job` as a durable write, then answers with `ok(value)` or the problem.
template <class T, class Job, class OkFn>
void WriteThen(store::Database& db, std::string_view route, net::Responder respond, Job job,
               OkFn ok, store::WriteOptions options = {}) {
  db.Write<T>(std::function<Result<T>(store::Connection&)>(std::move(job)),
              Answer<T>(std::move(respond), route, std::move(ok)), options);
}

// Runs `job` on a reader, then answers with `ok(value)` or the problem (see Answer). If the
// read cannot be queued, answers 503 at once.
template <class T, class Job, class OkFn>
void ReadThen(store::Database& db, std::string_view route, net::Responder respond, Job job,
              OkFn ok) {
  auto shared = std::move(respond).Share();
  auto answer = Answer<T>(shared, route, std::move(ok));
  Status queued = db.TryRead(
      [answer, job = std::move(job)](store::Connection& conn) mutable { answer(job(conn)); });
  if (!queued) Refuse(*shared, route, queued.error());
}

}  // namespace optin::api::reply
