#include "kiosk/qr_svg.h"

#include <qrencode.h>

#include <cerrno>
#include <memory>

namespace optin::kiosk {
namespace {

struct QrFree {
  void operator()(QRcode* code) const { QRcode_free(code); }
};

// The characters that may not appear raw in SVG text content.
std::string EscapeXml(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

}  // namespace

Result<std::string> QrSvg(std::string_view text, const QrSvgOptions& options) {
  if (text.empty()) return Fail(ErrorCode::kInvalidArgument, "QrSvg: nothing to encode");
  const int quiet = options.quiet_zone < 0 ? 0 : options.quiet_zone;
  errno = 0;
  std::unique_ptr<QRcode, QrFree> code(
      QRcode_encodeData(static_cast<int>(text.size()),
                        reinterpret_cast<const unsigned char*>(text.data()), 0, QR_ECLEVEL_M));
  if (!code) {
    if (errno == ERANGE || errno == EINVAL) {
      return Fail(ErrorCode::kInvalidArgument, "QrSvg: text too long for a QR code");
    }
    return Fail(ErrorCode::kInternal, "QrSvg: libqrencode failed");
  }
  const int width = code->width;
  const int size = width + 2 * quiet;
  const std::string n = std::to_string(size);

  // One path: each horizontal run of dark modules becomes "M x y h len v1 h -len z".
  std::string path;
  path.reserve(static_cast<size_t>(width) * static_cast<size_t>(width));
  for (int y = 0; y < width; ++y) {
    const unsigned char* row = code->data + static_cast<ptrdiff_t>(y) * width;
    for (int x = 0; x < width;) {
      if ((row[x] & 1) == 0) {
        ++x;
        continue;
      }
      int run = 1;
      while (x + run < width && (row[x + run] & 1) != 0) ++run;
      path += 'M' + std::to_string(x + quiet) + ' ' + std::to_string(y + quiet) + 'h' +
              std::to_string(run) + "v1h-" + std::to_string(run) + 'z';
      x += run;
    }
  }

  std::string svg;
  svg.reserve(path.size() + 256);
  svg += R"(<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 )" + n + ' ' + n + R"(" width=")" +
         n + R"(" height=")" + n + R"(" shape-rendering="crispEdges" role="img"><title>)" +
         EscapeXml(options.title) + R"(</title><rect width=")" + n + R"(" height=")" + n +
         R"(" fill="#fff"/><path d=")" + path + R"(" fill="#000"/></svg>)";
  return svg;
}

}  // namespace optin::kiosk
