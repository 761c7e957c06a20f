// The way to HQ as sync/ sees it: one channel that posts batches (the uploader's BatchTransport)
// and gets bundles (the bundle fetcher's BundleTransport). sync/ never sees the network: the
// composition root makes the channel from the device's credentials (app::HttpsTransport, mutual
// TLS on the event loop) and gives SyncService its timer, both through a SyncHost.
// Implementations are thread-safe.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>

#include "platform/error.h"
#include "sync/bundle_fetcher.h"
#include "sync/hq_url.h"
#include "sync/uploader.h"

namespace optin::sync {

class HqTransport : public BatchTransport, public BundleTransport {
 public:
  // Ends every wait for an answer, and every later call at once (SyncService::Stop: the loop
  // that brings HQ's answers may have stopped already).
  virtual void Cancel() = 0;
};

// What the device shows HQ and trusts of it (PEM text).
struct HqCredentials {
  std::string ca_bundle_pem;   // HQ's CA
  std::string cert_chain_pem;  // the device certificate HQ's CA issued
  std::string key_pem;         // its key
};

// What SyncService needs from around it (app::SyncHostOn gives the daemon's).
struct SyncHost {
  // A channel to HQ at `url`, each answer awaited at most `timeout`; an error says why there is
  // none (a bad certificate or key).
  std::function<Result<std::unique_ptr<HqTransport>>(const HqUrl& url, const HqCredentials& creds,
                                                     std::chrono::seconds timeout)>
      connect;
  // Calls `tick` every `period` (first after one period) until the host stops.
  std::function<void(std::chrono::seconds period, std::function<void()> tick)> every;
};

}  // namespace optin::sync
