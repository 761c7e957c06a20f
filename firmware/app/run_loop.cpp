// Service::Run: the run loop. Starts the timers (retention, HQ sync, the kiosk's presence code
// and revocations, the watchdog), the signal handlers (SIGTERM/SIGINT drain and stop, SIGHUP
// reloads) and the scanners, serves on the event loop's threads until stopped, then stops the
// scanners, HQ sync and the database writer in that order.
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <csignal>
#include <thread>

#include "app/domain.h"
#include "app/https_transport.h"
#include "app/reload.h"
#include "app/service_parts.h"
#include "assist/staff_sessions.h"
#include "consent/consent_ledger.h"
#include "drivers/indicator.h"
#include "drivers/scanner.h"
#include "kiosk/kiosk_feed.h"
#include "kiosk/kiosk_pairing_api.h"
#include "metrics/metrics.h"
#include "net/event_loop.h"
#include "net/http_server.h"
#include "platform/file_system.h"
#include "platform/log.h"
#include "platform/random.h"
#include "provisioning/device_identity.h"
#include "store/database.h"
#include "sync/sync_service.h"
#include "visits/scan_check_in.h"
#include "visits/visit_service.h"

namespace optin::app {

int Service::Run() {
  Parts& p = *p_;
  const Config& c = p.config;

  // Retention: expired grants, ended visits, used token ids, subjects with nothing left.
  p.loop->Every(std::chrono::seconds(c.visits.retention_interval_seconds), [&p] {
    p.db->Write(
        [&p](store::Connection& conn) -> Status {
          OPTIN_ASSIGN_OR_RETURN(int64_t consents, p.domain->ledger->PurgeExpired(conn));
          OPTIN_ASSIGN_OR_RETURN(int64_t rows, p.domain->visits->Purge(conn));
          OPTIN_ASSIGN_OR_RETURN(int64_t sessions, p.domain->staff_sessions->Purge(conn));
          rows += sessions;
          if (consents + rows > 0) {
            platform::log::Info("retention.purged",
                                {{"expired_consents", consents}, {"rows", rows}});
          }
          return Ok();
        },
        [](Status s) {
          if (!s) platform::log::Error("retention.failed", {{"message", s.error().message}});
        });
  });

  if (p.hq_sync) p.hq_sync->Start(SyncHostOn(*p.loop, *p.random));
  // The kiosk gets each new presence code as its step begins.
  p.loop->Every(std::chrono::seconds(1), [&p] { p.kiosk->Tick(); });
  // Kiosks revoked by optinctl lose their feed within the next refresh (well under a second).
  p.loop->Every(std::chrono::milliseconds(250), [&p] { (void)p.kiosk_api->Refresh(); });
  std::atomic<bool> stopping{false};
  p.loop->OnSignals({SIGINT, SIGTERM}, [&](int signal) {
    if (stopping.exchange(true)) return;
    platform::log::Info("service.stopping", {{"signal", signal}});
    p.notifier.Stopping();
    p.serving = false;
    // Both listeners drain; the loop stops when the last one is done.
    auto remaining = std::make_shared<std::atomic<int>>(2);
    auto one_done = [&p, remaining] {
      if (--*remaining == 0) p.loop->Stop();
    };
    p.server->Shutdown(one_done);
    p.admin_server->Shutdown(one_done);
    // Do not wait forever for a stuck client.
    std::chrono::milliseconds grace;
    {
      std::lock_guard lock(p.reload_mu);  // a reload may change it
      grace = std::chrono::milliseconds(c.limits.shutdown_grace_ms);
    }
    p.loop->Every(grace, [&p] { p.loop->Stop(); });
  });

  p.loop->OnSignals({SIGHUP}, [&p](int) {
    if (auto r = Reload(p); !r) {
      platform::log::Error("service.reload_failed", {{"message", r.error().message}});
    }
  });

  // The watchdog is fed from the event loop: if the loop stops turning, systemd notices.
  if (auto timeout = p.notifier.WatchdogTimeout()) {
    auto period = std::chrono::duration_cast<std::chrono::milliseconds>(*timeout / 2);
    p.loop->Every(std::max(period, std::chrono::milliseconds(100)),
                  [&p] { p.notifier.Watchdog(); });
  }
  p.serving = true;
  p.notifier.Ready("serving on " + c.listen.address + ":" + std::to_string(p.port));
  // The pid file lets `optinctl reload` find the daemon. Written after READY=1: its two fsyncs
  // (file and directory) took more than half of the time to ready, for a file no boot needs.
  // Still before the "service.listening" line, which tools wait for before using it.
  const auto pid_file = c.data_dir / "optin-edged.pid";
  if (auto s = p.fs.WriteFileAtomic(pid_file, std::to_string(getpid()) + "\n", 0644); !s) {
    platform::log::Warn("service.pid_file_failed", {{"message", s.error().message}});
  }
  if (c.listen.plain_http) {
    platform::log::Warn("listen.plain_http",
                        {{"message",
                          "THE PUBLIC LISTENER SPEAKS PLAIN HTTP: tokens and personal data cross "
                          "the network unencrypted. For development only; never in a store."}});
  }
  platform::log::Info("service.listening",
                      {{"address", c.listen.address},
                       {"port", static_cast<int64_t>(p.port)},
                       {"tls", !c.listen.plain_http},
                       {"admin_address", c.admin.address},
                       {"admin_port", static_cast<int64_t>(p.admin_port)},
                       {"admin_client_certificates", !c.admin.client_ca.empty()},
                       {"certificate", p.identity->certificate_path().string()},
                       {"provisioned", p.identity->is_provisioned()},
                       {"data_dir", c.data_dir.string()},
                       {"store_id", c.store.id}});
  size_t threads = c.listen.threads > 0 ? static_cast<size_t>(c.listen.threads)
                                        : std::max(1u, std::thread::hardware_concurrency());
  // Each scan (on its driver's thread) is checked in from the loop; the LED answers. Logs say
  // which scanner and why, never the scanned text or who it was.
  for (size_t i = 0; i < p.scanners.size(); ++i) {
    auto& scanner = p.scanners[i];
    auto on_state = [&p, name = c.scanners[i].name](drivers::ScannerState state) {
      p.metrics->scanners().SetState(name, drivers::ToString(state));
    };
    auto started = scanner->Start(
        [&p](drivers::Scan scan) {
          p.loop->Post([&p, scan = std::move(scan)] {
            // The outcome comes from the database writer: hand it back to the loop, so that
            // the writer only commits.
            p.scan_check_in->Submit(
                scan.text,
                [&p, name = scan.scanner](visits::ScanCheckInResult r) {
                  p.loop->Post([&p, name, r = std::move(r)] {
                    if (r.accepted) {
                      p.indicator->Accepted();
                    } else {
                      p.indicator->Refused();
                    }
                    p.kiosk->PublishScan(r);
                    platform::log::Info(
                        "scan.checkin",
                        {{"scanner", name}, {"accepted", r.accepted}, {"reason", r.reason}});
                  });
                },
                scan.scanner);
          });
        },
        on_state);
    if (!started) {
      platform::log::Error("scanner.start_failed", {{"message", started.error().message}});
    }
  }
  p.loop->Run(threads);
  for (auto& scanner : p.scanners) scanner->Stop();  // before the database stops

  if (p.hq_sync) p.hq_sync->Stop();
  p.db->Stop();
  (void)p.fs.Remove(pid_file);
  platform::log::Info("service.stopped");
  return 0;
}

}  // namespace optin::app
