// A QR code as a compact SVG, for the kiosk's rotating presence QR. The symbol is encoded by
// libqrencode (byte mode, error correction level M, the smallest version that fits) and drawn
// as one <path> of dark modules on a white background, with a 4-module quiet zone. The SVG
// scales to any size (viewBox in modules, crisp edges) and has a role="img" and a title for
// assistive technology. Pure function; thread-safe.
#pragma once

#include <string>
#include <string_view>

#include "platform/error.h"

namespace optin::kiosk {

struct QrSvgOptions {
  int quiet_zone = 4;  // modules of light margin on each side (the standard asks for 4)
  std::string title = "QR code";
};

// The SVG document for `text`. kInvalidArgument when it is empty or too long for a QR code
// (libqrencode refuses it); kInternal if libqrencode fails otherwise.
Result<std::string> QrSvg(std::string_view text, const QrSvgOptions& options = {});

}  // namespace optin::kiosk
