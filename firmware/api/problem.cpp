#include "api/problem.h"

namespace optin::api {
namespace {

std::string_view DefaultSlug(ErrorCode code) {
  switch (code) {
    case ErrorCode::kInvalidArgument:
      return "invalid-request";
    case ErrorCode::kForbiddenField:
      return "forbidden-field";
    case ErrorCode::kUnauthenticated:
      return "unauthenticated";
    case ErrorCode::kPermissionDenied:
      return "forbidden";
    case ErrorCode::kNotFound:
      return "not-found";
    case ErrorCode::kConflict:
      return "conflict";
    case ErrorCode::kFailedPrecondition:
      return "failed-precondition";
    case ErrorCode::kResourceExhausted:
      return "overloaded";
    case ErrorCode::kUnavailable:
      return "unavailable";
    default:
      return "internal";
  }
}

std::string_view Title(int status) {
  switch (status) {
    case 400:
      return "Bad request";
    case 401:
      return "Not authenticated";
    case 403:
      return "Not allowed";
    case 404:
      return "Not found";
    case 409:
      return "Conflict";
    case 413:
      return "Payload too large";
    case 415:
      return "Unsupported media type";
    case 422:
      return "Field never accepted";
    case 429:
      return "Too many requests";
    case 503:
      return "Service unavailable";
    default:
      return "Internal error";
  }
}

}  // namespace

int HttpStatusFor(const Error& error) {
  if (error.reason == "unsupported-media-type") return 415;
  if (error.reason == "rate-limited") return 429;
  // Well-formed, but not possible for this caller (e.g. history on an anonymous web visit).
  if (error.reason == "purpose-needs-app") return 422;
  // The storage failed a write or an fsync (EIO): nothing was saved; worth trying again soon.
  if (error.reason == "storage-failed") return 503;
  switch (error.code) {
    case ErrorCode::kInvalidArgument:
      return 400;
    case ErrorCode::kForbiddenField:
      return 422;
    case ErrorCode::kUnauthenticated:
      return 401;
    case ErrorCode::kPermissionDenied:
      return 403;
    case ErrorCode::kNotFound:
      return 404;
    case ErrorCode::kConflict:
      return 409;
    case ErrorCode::kFailedPrecondition:
      return 409;
    case ErrorCode::kResourceExhausted:
      return 503;
    case ErrorCode::kUnavailable:
      return 503;
    default:
      return 500;
  }
}

net::Response ProblemResponse(const Error& error) {
  const int status = HttpStatusFor(error);
  std::string type = "urn:optin-edge:problem:";
  type += error.reason.empty() ? DefaultSlug(error.code) : std::string_view(error.reason);
  // Internal failures carry no detail from inside the box beyond a plain sentence.
  std::string_view detail = status == 500 ? std::string_view(
                                                "The device could not complete this "
                                                "request. Nothing was changed.")
                                          : std::string_view(error.message);
  std::string_view title = Title(status);
  if (status == 422 && error.code != ErrorCode::kForbiddenField) title = "Not possible here";
  // A full disk: the database's own words mean nothing to the caller; say what happened, what
  // still works, and that it takes someone freeing space, not an instant retry.
  const bool disk_full = error.reason == "disk-full";
  if (disk_full) {
    title = "Storage full";
    detail =
        "The device's storage is full, so nothing was saved. Reading data still works; try "
        "again later.";
  } else if (error.reason == "storage-failed") {  // EIO: the write or its fsync failed
    title = "Storage error";
    detail =
        "The device could not write this to its storage, so nothing was saved. Try again in a "
        "moment.";
  }
  net::Response r = net::Response::Problem(status, type, title, detail, error.field);
  if (status == 401) r.headers.emplace_back("WWW-Authenticate", "Bearer");
  if (status == 503 || status == 429) r.headers.emplace_back("Retry-After", disk_full ? "60" : "5");
  r.headers.emplace_back("Cache-Control", "no-store");
  return r;
}

}  // namespace optin::api
