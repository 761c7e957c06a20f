// The static pages (staff console, ...) compiled into the binary from firmware/web/static/ by
// cmake/embed_files.cmake, and the GET routes that serve them with their security headers. The
// table is constant data; everything here is thread-safe.
#pragma once

#include <cstddef>
#include <optional>
#include <string_view>
#include <vector>

#include "net/router.h"

namespace optin::web {

struct StaticAsset {
  std::string_view content;
  std::string_view content_type;
};

// The asset served at a URL path: "/staff/console.js" is static/staff/console.js, and
// "/staff" or "/staff/" is static/staff/index.html. Nothing for any other path.
std::optional<StaticAsset> FindStaticAsset(std::string_view url_path);

// Every URL path FindStaticAsset answers, sorted.
std::vector<std::string_view> StaticAssetPaths();

// The headers sent with every static page: CSP, nosniff, no referrer, no framing.
inline constexpr std::string_view kContentSecurityPolicy =
    "default-src 'self'; connect-src 'self'; img-src 'self' data:; style-src 'self'; "
    "script-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

// Adds "GET <path>" for every asset, answering with its bytes, Content-Type, Cache-Control
// (no-cache with a strong ETag, 304 on If-None-Match) and the security headers.
void RegisterStaticRoutes(net::Router& router);

namespace detail {
// One embedded file; the generated source defines the table, ended by a null entry.
struct EmbeddedFile {
  const char* path;  // relative to static/, '/'-separated
  const unsigned char* bytes;
  std::size_t size;
};
extern const EmbeddedFile kEmbeddedFiles[];
extern const std::size_t kEmbeddedFileCount;
}  // namespace detail

}  // namespace optin::web
