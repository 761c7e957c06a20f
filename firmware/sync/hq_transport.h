// The uploader's transport to HQ: POST {hq_url} over mutual TLS (net::HttpsClient with the
// device certificate and key, HQ's CA bundle as trust anchors), waiting for the answer on the
// caller's thread; and the bundle fetcher's: GET /v1/bundles/{kind} on the same HQ (beside
// /v1/batches when hq_url's path ends with it). ParseHqUrl accepts "https://host[:port][/path]"
// only. Thread-safe.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "net/event_loop.h"
#include "net/https_client.h"
#include "net/tls_config.h"
#include "platform/error.h"
#include "sync/bundle_fetcher.h"
#include "sync/uploader.h"

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

class HttpsTransport final : public BatchTransport, public BundleTransport {
 public:
  HttpsTransport(net::EventLoop& loop, std::shared_ptr<const net::TlsClientConfig> tls, HqUrl url,
                 net::HttpsClientOptions options = {});
  // Must not be called on the loop's threads (it waits for the loop).
  Result<TransportResponse> Post(const std::string& body) override;
  Result<BundleResponse> Get(const std::string& kind, const std::string& if_none_match) override;

 private:
  net::HttpsClient client_;
  HqUrl url_;
};

}  // namespace optin::sync
