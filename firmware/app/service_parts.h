// Everything the running service is made of (Service::Parts), shared by the files that build it
// (service.cpp: the wiring), open its listeners (listeners.cpp), reload it (reload.cpp) and run
// it (run_loop.cpp). For those files only. Members are declared in the order they must be
// destroyed in reverse; most parts are only forward-declared here, so each file includes what
// it uses. Thread-safety: built on the main thread; after start, `identity`, the config's live
// settings and the catalog and notice change only under `reload_mu`.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <vector>

#include "app/config.h"
#include "app/service.h"
#include "net/router.h"
#include "platform/clock.h"
#include "platform/service_notifier.h"

namespace optin {
namespace api {
class AssistApi;
class NoticesApi;
class OffersApi;
class OriginPolicy;
class ShopperApi;
class StaffApi;
class StaffStream;
class SystemApi;
}  // namespace api
namespace assist {
class HelpRequests;
class PromptFeed;
}  // namespace assist
namespace drivers {
class Indicator;
class Scanner;
}  // namespace drivers
namespace kiosk {
class KioskAccess;
class KioskFeed;
class KioskPairingApi;
class KioskPairings;
}  // namespace kiosk
namespace metrics {
class Metrics;
}  // namespace metrics
namespace net {
class EventLoop;
class HttpServer;
}  // namespace net
namespace platform {
class CtrDrbg;
class FileSystem;
class KeyStore;
}  // namespace platform
namespace provisioning {
class DeviceIdentity;
}  // namespace provisioning
namespace store {
class Database;
}  // namespace store
namespace sync {
class SyncService;
}  // namespace sync
namespace visits {
class CheckInDesk;
class ScanCheckIn;
}  // namespace visits
}  // namespace optin

namespace optin::app {

struct Domain;

struct Service::Parts {
  explicit Parts(platform::FileSystem& door);  // both in service.cpp, where every part is whole
  ~Parts();
  Config config;
  platform::FileSystem& fs;  // every file the service touches, the database's included
  const platform::Clock& clock = platform::SystemClock::Instance();
  std::unique_ptr<platform::CtrDrbg> random;
  std::unique_ptr<platform::KeyStore> keys;
  // Declared before the database: the writer's after-commit callbacks publish into it.
  std::unique_ptr<assist::PromptFeed> feed;
  std::unique_ptr<metrics::Metrics> metrics;  // after-commit callbacks count into it too
  std::unique_ptr<store::Database> db;
  std::unique_ptr<provisioning::DeviceIdentity> identity;  // GUARDED_BY(reload_mu) after start
  // The domain modules and their hooks (app/domain.h).
  std::unique_ptr<Domain> domain;
  std::unique_ptr<api::ShopperApi> shopper_api;
  std::unique_ptr<assist::HelpRequests> help_requests;  // the shopper's help use cases
  std::unique_ptr<api::AssistApi> assist_api;
  std::unique_ptr<api::OffersApi> offers_api;
  std::unique_ptr<api::StaffApi> staff_api;
  std::unique_ptr<api::OriginPolicy> origins;  // the box's own origins, for its WebSockets
  std::unique_ptr<kiosk::KioskPairings> kiosk_pairings;
  std::unique_ptr<kiosk::KioskAccess> kiosk_access;   // paired kiosks (and the box's browser)
  std::unique_ptr<api::StaffStream> staff_stream;     // WebSocket /v1/staff/stream
  std::unique_ptr<kiosk::KioskFeed> kiosk;            // GET /kiosk's WebSocket /v1/kiosk/stream
  std::unique_ptr<kiosk::KioskPairingApi> kiosk_api;  // GET /kiosk/pair, /v1/kiosk/session
  std::unique_ptr<api::SystemApi> system_api;
  std::unique_ptr<api::NoticesApi> notices_api;  // GET /v1/notices/{version}
  net::Router router;                            // the public listener: shoppers, staff, kiosk
  net::Router admin_router;                      // the admin listener: health, readiness, reload
  std::unique_ptr<net::EventLoop> loop;
  std::unique_ptr<net::HttpServer> server;
  std::unique_ptr<net::HttpServer> admin_server;
  std::atomic<bool> serving{false};
  uint16_t port = 0;
  uint16_t admin_port = 0;
  std::unique_ptr<sync::SyncService> hq_sync;  // HQ aggregates: recorder, outbox, uploader
  platform::ServiceNotifier notifier;
  std::mutex reload_mu;
  // Kiosk scanners (loyalty QR check-ins) and the LED that answers them. Declared last: the
  // scanners are destroyed first.
  std::unique_ptr<visits::CheckInDesk> scan_desk;  // the check-in use case for scans
  std::unique_ptr<visits::ScanCheckIn> scan_check_in;
  std::unique_ptr<drivers::Indicator> indicator;
  std::vector<std::unique_ptr<drivers::Scanner>> scanners;
};

}  // namespace optin::app
