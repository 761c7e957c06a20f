// HQ sync's channel on the daemon: POST {hq_url} with a batch and GET /v1/bundles/{kind} over
// mutual TLS (net::HttpsClient with the device certificate and key, HQ's CA bundle as trust
// anchors), waiting for the answer on the caller's thread. SyncHostOn gives SyncService this
// channel and the event loop's timer. Here, not in sync/, so that sync/ does not depend on net/.
// Thread-safe.
#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "net/event_loop.h"
#include "net/https_client.h"
#include "net/tls_config.h"
#include "platform/error.h"
#include "platform/random.h"
#include "sync/hq_transport.h"

namespace optin::app {

class HttpsTransport final : public sync::HqTransport {
 public:
  HttpsTransport(net::EventLoop& loop, std::shared_ptr<const net::TlsClientConfig> tls,
                 sync::HqUrl url, net::HttpsClientOptions options = {});
  // Must not be called on the loop's threads (it waits for the loop).
  Result<sync::TransportResponse> Post(const std::string& body) override;
  Result<sync::BundleResponse> Get(const std::string& kind,
                                   const std::string& if_none_match) override;

  // Ends every wait for an answer (kUnavailable "stopping"), and every later call at once: the
  // loop that brings answers may have stopped already.
  void Cancel() override;

 private:
  struct Answer;
  // Sends `request` to HQ and waits for its answer (or Cancel()).
  Result<net::Response> Exchange(net::HttpsRequest request);

  net::HttpsClient client_;
  sync::HqUrl url_;
  std::mutex mu_;
  bool cancelled_ = false;                      // GUARDED_BY(mu_)
  std::vector<std::weak_ptr<Answer>> waiting_;  // GUARDED_BY(mu_)
};

// HttpsTransport on `loop` (answers of up to 2 MiB: a signed bundle is 1 MiB at most) and the
// loop's timers. `random` seeds TLS; both must outlive what the host makes.
sync::SyncHost SyncHostOn(net::EventLoop& loop, platform::Random& random);

}  // namespace optin::app
