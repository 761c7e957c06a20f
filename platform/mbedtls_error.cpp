#include "platform/mbedtls_error.h"

#include <mbedtls/error.h>

#include <cstdio>
#include <string>

namespace optin::platform {

Error MbedtlsError(int rc, std::string_view what, ErrorCode code) {
  char text[160];
  mbedtls_strerror(rc, text, sizeof text);
  char hex[16];
  std::snprintf(hex, sizeof hex, "-0x%04x", static_cast<unsigned>(rc < 0 ? -rc : rc));
  std::string message(what);
  message += ": ";
  message += text;
  message += " (";
  message += hex;
  message += ")";
  return Error{code, std::move(message), {}, {}};
}

}  // namespace optin::platform
