#include "web/static_assets.h"

#include <algorithm>
#include <cstdint>
#include <map>
#include <string>

namespace optin::web {
namespace {

std::string_view ContentTypeFor(std::string_view path) {
  struct Kind {
    std::string_view suffix;
    std::string_view type;
  };
  static constexpr Kind kKinds[] = {
      {".html", "text/html; charset=utf-8"},
      {".css", "text/css; charset=utf-8"},
      {".js", "text/javascript; charset=utf-8"},
      {".mjs", "text/javascript; charset=utf-8"},
      {".json", "application/json"},
      {".svg", "image/svg+xml"},
      {".png", "image/png"},
      {".ico", "image/x-icon"},
      {".woff2", "font/woff2"},
      {".txt", "text/plain; charset=utf-8"},
  };
  for (const auto& k : kKinds) {
    if (path.ends_with(k.suffix)) return k.type;
  }
  return "application/octet-stream";
}

// FNV-1a, 64 bits: enough to tell two builds of a page apart for caching.
std::string ETagFor(std::string_view bytes) {
  uint64_t h = 0xcbf29ce484222325ULL;
  for (unsigned char c : bytes) {
    h ^= c;
    h *= 0x100000001b3ULL;
  }
  static constexpr char kHex[] = "0123456789abcdef";
  std::string tag = "\"";
  for (int shift = 60; shift >= 0; shift -= 4) tag += kHex[(h >> shift) & 0xf];
  tag += '"';
  return tag;
}

struct Entry {
  StaticAsset asset;
  std::string etag;
};

// URL path -> asset, built once from the generated table.
const std::map<std::string, Entry, std::less<>>& Table() {
  static const auto* table = [] {
    auto* t = new std::map<std::string, Entry, std::less<>>();
    for (std::size_t i = 0; i < detail::kEmbeddedFileCount; ++i) {
      const auto& f = detail::kEmbeddedFiles[i];
      std::string rel(f.path);
      std::string_view content(reinterpret_cast<const char*>(f.bytes), f.size);
      Entry e{StaticAsset{content, ContentTypeFor(rel)}, ETagFor(content)};
      (*t)["/" + rel] = e;
      // A folder's index.html also answers at the folder, with and without the slash.
      constexpr std::string_view kIndex = "index.html";
      if (rel == kIndex) {
        (*t)["/"] = e;
      } else if (rel.ends_with("/" + std::string(kIndex))) {
        std::string dir = "/" + rel.substr(0, rel.size() - kIndex.size());  // "/staff/"
        (*t)[dir] = e;
        (*t)[dir.substr(0, dir.size() - 1)] = e;  // "/staff"
      }
    }
    return t;
  }();
  return *table;
}

bool ETagMatches(std::string_view if_none_match, std::string_view etag) {
  if (if_none_match == "*") return true;
  // A comma-separated list; weak validators compare equal for GET.
  size_t pos = 0;
  while (pos <= if_none_match.size()) {
    size_t comma = if_none_match.find(',', pos);
    std::string_view item = if_none_match.substr(
        pos, comma == std::string_view::npos ? std::string_view::npos : comma - pos);
    while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
    while (!item.empty() && item.back() == ' ') item.remove_suffix(1);
    if (item.starts_with("W/")) item.remove_prefix(2);
    if (item == etag) return true;
    if (comma == std::string_view::npos) break;
    pos = comma + 1;
  }
  return false;
}

void AddSecurityHeaders(net::Response& r) {
  r.headers.emplace_back("Content-Security-Policy", std::string(kContentSecurityPolicy));
  r.headers.emplace_back("X-Content-Type-Options", "nosniff");
  r.headers.emplace_back("Referrer-Policy", "no-referrer");
  r.headers.emplace_back("X-Frame-Options", "DENY");
  r.headers.emplace_back("Cross-Origin-Opener-Policy", "same-origin");
  r.headers.emplace_back("Permissions-Policy", "camera=(), microphone=(), geolocation=()");
}

}  // namespace

std::optional<StaticAsset> FindStaticAsset(std::string_view url_path) {
  const auto& t = Table();
  auto it = t.find(url_path);
  if (it == t.end()) return std::nullopt;
  return it->second.asset;
}

std::vector<std::string_view> StaticAssetPaths() {
  std::vector<std::string_view> out;
  for (const auto& [path, entry] : Table()) out.emplace_back(path);
  return out;
}

void RegisterStaticRoutes(net::Router& router) {
  for (const auto& [path, entry] : Table()) {
    const Entry* e = &entry;  // the table lives for the whole program
    router.Add("GET", path, [e](net::Request&& request, net::Responder respond) {
      net::Response r;
      r.headers.emplace_back("Cache-Control", "no-cache");
      r.headers.emplace_back("ETag", e->etag);
      AddSecurityHeaders(r);
      r.content_type = std::string(e->asset.content_type);
      if (ETagMatches(request.Header("if-none-match"), e->etag)) {
        r.status = 304;
      } else {
        r.status = 200;
        r.body = std::string(e->asset.content);
      }
      respond(std::move(r));
    });
  }
}

}  // namespace optin::web
