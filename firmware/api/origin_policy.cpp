#include "api/origin_policy.h"

#include <arpa/inet.h>

#include <algorithm>
#include <cctype>
#include <charconv>

namespace optin::api {
namespace {

std::string Lower(std::string_view s) {
  std::string out(s);
  std::ranges::transform(out, out.begin(),
                         [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

// An IP literal in its canonical text form (so "0:0::1" and "::1" compare equal); a name as
// lowercase.
std::string CanonicalHost(std::string_view host) {
  std::string text(host);
  in_addr v4{};
  in6_addr v6{};
  char buf[INET6_ADDRSTRLEN] = {};
  if (inet_pton(AF_INET, text.c_str(), &v4) == 1) {
    return inet_ntop(AF_INET, &v4, buf, sizeof buf) != nullptr ? buf : text;
  }
  if (inet_pton(AF_INET6, text.c_str(), &v6) == 1) {
    return inet_ntop(AF_INET6, &v6, buf, sizeof buf) != nullptr ? buf : text;
  }
  return Lower(text);
}

struct ParsedOrigin {
  std::string scheme;
  std::string host;
  uint16_t port = 0;
};

// RFC 6454 serialized origin: scheme "://" host [ ":" port ], nothing after.
std::optional<ParsedOrigin> ParseOrigin(std::string_view origin) {
  const size_t sep = origin.find("://");
  if (sep == std::string_view::npos) return std::nullopt;
  ParsedOrigin out;
  out.scheme = Lower(origin.substr(0, sep));
  std::string_view rest = origin.substr(sep + 3);
  if (rest.empty() || rest.find_first_of("/?#@ \t") != std::string_view::npos) return std::nullopt;
  std::string_view host;
  std::string_view port;
  if (rest.front() == '[') {
    const size_t close = rest.find(']');
    if (close == std::string_view::npos) return std::nullopt;
    host = rest.substr(1, close - 1);
    rest.remove_prefix(close + 1);
    if (!rest.empty()) {
      if (rest.front() != ':') return std::nullopt;
      port = rest.substr(1);
    }
  } else {
    const size_t colon = rest.find(':');
    host = rest.substr(0, colon);
    if (colon != std::string_view::npos) port = rest.substr(colon + 1);
  }
  if (host.empty()) return std::nullopt;
  out.host = CanonicalHost(host);
  if (port.empty()) {
    if (out.scheme == "https") {
      out.port = 443;
    } else if (out.scheme == "http") {
      out.port = 80;
    } else {
      return std::nullopt;
    }
  } else {
    unsigned value = 0;
    auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
    if (ec != std::errc() || end != port.data() + port.size() || value == 0 || value > 65535) {
      return std::nullopt;
    }
    out.port = static_cast<uint16_t>(value);
  }
  return out;
}

}  // namespace

OriginPolicy::OriginPolicy(std::vector<std::string> host_names,
                           std::vector<std::string> ip_addresses, bool tls, uint16_t port)
    : tls_(tls), port_(port) {
  for (const auto& h : host_names) hosts_.push_back(CanonicalHost(h));
  for (const auto& a : ip_addresses) hosts_.push_back(CanonicalHost(a));
}

bool OriginPolicy::Allows(std::string_view origin) const {
  auto parsed = ParseOrigin(origin);
  if (!parsed) return false;
  if (parsed->scheme != (tls_ ? "https" : "http")) return false;
  if (parsed->port != port_.load()) return false;
  return std::ranges::find(hosts_, parsed->host) != hosts_.end();
}

std::optional<net::Response> OriginPolicy::Check(const net::Request& upgrade) const {
  bool present = false;
  for (const auto& [name, value] : upgrade.headers) {
    if (name != "origin") continue;
    if (present || !Allows(value)) {  // a second Origin is as foreign as a wrong one
      return net::Response::Problem(
          403, "urn:optin-edge:problem:origin-not-allowed", "Forbidden",
          "This WebSocket opens only from the box's own pages (its host names and addresses "
          "in tls.host_names and tls.ip_addresses, on this port); a page of another site may "
          "not connect.");
    }
    present = true;
  }
  return std::nullopt;
}

}  // namespace optin::api
