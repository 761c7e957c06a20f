// Converts mbedTLS return codes into Errors: the one conversion used by platform/crypto and
// platform/random, and available to the TLS stream in net/ (the only other mbedTLS caller).
// Pure function; thread-safe.
#pragma once

#include <string_view>

#include "platform/error.h"

namespace optin::platform {

// An Error whose message reads "<what>: <mbedtls_strerror text> (-0xNNNN)"; the code is
// ErrorCode::kCrypto unless `code` says otherwise (e.g. kInvalidArgument for unparsable input).
Error MbedtlsError(int rc, std::string_view what, ErrorCode code = ErrorCode::kCrypto);

}  // namespace optin::platform
