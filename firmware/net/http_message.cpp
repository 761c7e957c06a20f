#include "net/http_message.h"

#include <boost/json.hpp>
#include <cstdint>

namespace optin::net {
namespace {

// Boost.JSON copies string bytes into its output as they are, so a problem whose detail or
// field echoes raw request bytes (a query parameter's name, a decoded path segment) that are not
// UTF-8 would be a body no JSON parser accepts. Every invalid sequence (stray continuation
// bytes, truncated or overlong forms, surrogates, code points past U+10FFFF) becomes U+FFFD.
std::string ValidUtf8(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  size_t i = 0;
  while (i < text.size()) {
    const auto lead = static_cast<unsigned char>(text[i]);
    if (lead < 0x80) {
      out += static_cast<char>(lead);
      ++i;
      continue;
    }
    size_t length = 0;
    uint32_t code = 0;
    uint32_t smallest = 0;
    if ((lead & 0xE0) == 0xC0) {
      length = 2, code = lead & 0x1F, smallest = 0x80;
    } else if ((lead & 0xF0) == 0xE0) {
      length = 3, code = lead & 0x0F, smallest = 0x800;
    } else if ((lead & 0xF8) == 0xF0) {
      length = 4, code = lead & 0x07, smallest = 0x10000;
    }
    bool valid = length != 0 && i + length <= text.size();
    for (size_t k = 1; valid && k < length; ++k) {
      const auto next = static_cast<unsigned char>(text[i + k]);
      valid = (next & 0xC0) == 0x80;
      code = (code << 6) | (next & 0x3F);
    }
    valid = valid && code >= smallest && code <= 0x10FFFF && (code < 0xD800 || code > 0xDFFF);
    if (valid) {
      out.append(text.substr(i, length));
      i += length;
    } else {
      out += "\xEF\xBF\xBD";  // U+FFFD REPLACEMENT CHARACTER
      ++i;
    }
  }
  return out;
}

}  // namespace

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
  problem["type"] = ValidUtf8(type);
  problem["title"] = ValidUtf8(title);
  problem["status"] = status;
  problem["detail"] = ValidUtf8(detail);
  if (!field.empty()) problem["field"] = ValidUtf8(field);
  Response response;
  response.status = status;
  response.content_type = "application/problem+json";
  response.body = boost::json::serialize(problem);
  constexpr std::string_view kOurs = "urn:optin-edge:problem:";
  response.problem = type.starts_with(kOurs) ? std::string(type.substr(kOurs.size())) : "other";
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

namespace {
thread_local Handoff current_handoff;
}  // namespace

const Handoff& CurrentHandoff() { return current_handoff; }

ScopedHandoff::ScopedHandoff(Handoff handoff)
    : previous_(std::exchange(current_handoff, std::move(handoff))) {}

ScopedHandoff::~ScopedHandoff() { current_handoff = std::move(previous_); }

}  // namespace optin::net
