// Where HQ is: the sync.hq_url setting parsed ("https://host[:port][/path]" only), and the path
// of a bundle kind on that HQ (GET /v1/bundles/{kind}, beside /v1/batches when hq_url's path ends
// with it). Pure functions; thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "platform/error.h"

namespace optin::sync {

struct HqUrl {
  std::string host;
  uint16_t port = 443;
  std::string path = "/v1/batches";
};
// kInvalidArgument with words for anything but an https URL with a host.
Result<HqUrl> ParseHqUrl(std::string_view url);

// The path of a bundle kind on the HQ that `url` names.
std::string BundlePath(const HqUrl& url, std::string_view kind);

}  // namespace optin::sync
