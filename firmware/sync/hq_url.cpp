#include "sync/hq_transport.h"

#include <cctype>
#include <charconv>
#include <condition_variable>
#include <optional>

namespace optin::sync {

Result<HqUrl> ParseHqUrl(std::string_view url) {
  constexpr std::string_view kScheme = "https://";
  if (url.substr(0, kScheme.size()) != kScheme) {
    return Fail(ErrorCode::kInvalidArgument,
                "The HQ URL must start with https:// (batches go to HQ over mutual TLS only).",
                "sync.hq_url");
  }
  std::string_view rest = url.substr(kScheme.size());
  HqUrl out;
  const size_t slash = rest.find('/');
  std::string_view authority = rest.substr(0, slash);
  if (slash != std::string_view::npos) out.path = std::string(rest.substr(slash));
  const size_t colon = authority.rfind(':');
  if (colon != std::string_view::npos && authority.find(']') == std::string_view::npos) {
    std::string_view port = authority.substr(colon + 1);
    unsigned value = 0;
    auto [p, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
    if (ec != std::errc() || p != port.data() + port.size() || value == 0 || value > 65535) {
      return Fail(ErrorCode::kInvalidArgument, "The HQ URL has an invalid port.", "sync.hq_url");
    }
    out.port = static_cast<uint16_t>(value);
    authority = authority.substr(0, colon);
  }
  if (authority.empty()) {
    return Fail(ErrorCode::kInvalidArgument, "The HQ URL has no host name.", "sync.hq_url");
  }
  out.host = std::string(authority);
  if (out.path == "/") out.path = "/v1/batches";
  return out;
}

std::string BundlePath(const HqUrl& url, std::string_view kind) {
  constexpr std::string_view kBatches = "/v1/batches";
  std::string_view base = url.path;
  if (base.size() >= kBatches.size() && base.substr(base.size() - kBatches.size()) == kBatches) {
    base.remove_suffix(kBatches.size());
  } else {
    base = {};
  }
  return std::string(base) + "/v1/bundles/" + std::string(kind);
}

}  // namespace optin::sync
