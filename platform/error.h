// Error values shared by every module: expected failures are returned as
// `Result<T>` (std::expected<T, Error>), never thrown. Plain value types; thread-compatible.
#pragma once

#include <expected>
#include <string>
#include <utility>

namespace optin {

enum class ErrorCode {
  kInvalidArgument,     // the caller sent something malformed or out of range
  kForbiddenField,      // a field the product never accepts (demographics, biometrics, images)
  kUnauthenticated,     // missing, malformed, expired or forged credentials
  kPermissionDenied,    // authenticated, but no consent / role for this
  kNotFound,
  kConflict,            // state does not allow it (already claimed, replayed, ...)
  kFailedPrecondition,  // e.g. consent must be renewed under the current policy
  kResourceExhausted,   // queue full, rate limited, disk full
  kUnavailable,         // temporarily cannot serve (shutting down, not provisioned)
  kDataLoss,            // stored data failed an integrity check
  kIo,                  // the OS refused (errno)
  kCrypto,              // mbedTLS reported a failure
  kInternal,            // a bug
};

// A failure meant for a person: `message` says what went wrong in words, `field` names the
// input at fault (a JSON pointer such as "/purposes/offers") when there is one, and `reason`
// is a stable kebab-case slug (e.g. "token-expired") that the API turns into a problem type.
struct Error {
  ErrorCode code = ErrorCode::kInternal;
  std::string message;
  std::string field;
  std::string reason;
};

template <class T>
using Result = std::expected<T, Error>;
using Status = std::expected<void, Error>;

inline std::unexpected<Error> Fail(ErrorCode code, std::string message, std::string field = {},
                                   std::string reason = {}) {
  return std::unexpected<Error>(
      Error{code, std::move(message), std::move(field), std::move(reason)});
}

inline Status Ok() { return {}; }

std::string_view ToString(ErrorCode code);

}  // namespace optin

// Propagates the error of an expression yielding Result<T>/Status; evaluates to nothing.
#define OPTIN_TRY(expr)                                             \
  do {                                                              \
    auto optin_try_result_ = (expr);                                \
    if (!optin_try_result_) return std::unexpected(std::move(optin_try_result_).error()); \
  } while (0)

// Declares `lhs` from a Result<T> expression or returns its error.
#define OPTIN_CONCAT_INNER_(a, b) a##b
#define OPTIN_CONCAT_(a, b) OPTIN_CONCAT_INNER_(a, b)
#define OPTIN_ASSIGN_OR_RETURN(lhs, expr) \
  OPTIN_ASSIGN_OR_RETURN_IMPL_(OPTIN_CONCAT_(optin_result_, __LINE__), lhs, expr)
#define OPTIN_ASSIGN_OR_RETURN_IMPL_(tmp, lhs, expr)            \
  auto tmp = (expr);                                            \
  if (!tmp) return std::unexpected(std::move(tmp).error());     \
  lhs = std::move(*tmp)
