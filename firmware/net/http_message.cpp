#include "net/http_message.h"

#include <boost/json.hpp>

namespace optin::net {

std::string_view Request::Header(std::string_view lowercase_name) const {
  for (const auto& [name, value] : headers) {
    if (name == lowercase_name) return value;
  }
  return {};
}

std::string_view Request::Param(std::string_view name) const {
  auto it = params.find(name);
  if (it == params.end()) return {};
  return it->second;
}

Response Response::Json(int status, std::string body) {
  Response response;
  response.status = status;
  response.body = std::move(body);
  return response;
}

Response Response::Problem(int status, std::string_view type, std::string_view title,
                           std::string_view detail, std::string_view field) {
  boost::json::object problem;
  problem["type"] = type;
  problem["title"] = title;
  problem["status"] = status;
  problem["detail"] = detail;
  if (!field.empty()) problem["field"] = field;
  Response response;
  response.status = status;
  response.content_type = "application/problem+json";
  response.body = boost::json::serialize(problem);
  return response;
}

Responder::Responder(Sink sink) : sink_(std::move(sink)) {}

Responder& Responder::operator=(Responder&& other) noexcept {
  if (this != &other) {
    // The completion this responder still owes must not be lost by the assignment.
    Responder previous(std::move(*this));
    sink_ = std::move(other.sink_);
    other.sink_ = nullptr;
  }
  return *this;
}

Responder::~Responder() {
  if (!sink_) return;
  try {
    (*this)(Response::Problem(500, "urn:optin-edge:problem:internal", "Internal Server Error",
                              "The server failed to answer this request."));
  } catch (...) {
    // A destructor must not throw; the sink's owner has gone.
  }
}

void Responder::operator()(Response response) {
  if (!sink_) return;
  Sink sink = std::move(sink_);
  sink_ = nullptr;
  sink(std::move(response));
}

std::shared_ptr<Responder> Responder::Share() && {
  return std::make_shared<Responder>(std::move(*this));
}

}  // namespace optin::net
