#include "net/refusal.h"

namespace optin::net {
namespace {

std::string_view Title(int status) {
  switch (status) {
    case 413:
      return "Payload Too Large";
    case 417:
      return "Expectation Failed";
    case 426:
      return "Upgrade Required";
    case 429:
      return "Too Many Requests";
    case 431:
      return "Request Header Fields Too Large";
    case 501:
      return "Not Implemented";
    case 505:
      return "HTTP Version Not Supported";
    default:
      return "Bad Request";
  }
}

}  // namespace

Response Refusal::ToProblem() const {
  return Response::Problem(status, "urn:optin-edge:problem:" + std::string(reason), Title(status),
                           detail);
}

}  // namespace optin::net
