// Loyalty scan latency: from a loyalty QR's text written into a FIFO scanner until the visit is
// durable (the database write's completion, synchronous=FULL), for N distinct tokens signed
// in process with a generated HQ key, one scan at a time. The real path: FifoScanner ->
// ScanCheckIn (offline ES256 verification, jti consumed, exactly the claimed purposes, a
// signed receipt) -> the group-commit writer. Prints the figures (p50, p99 in ms; target p99
// < 20 ms) as text and one JSON line.
//   scan_latency [--scans 1000] [--dir /tmp]
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include <algorithm>
#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <filesystem>
#include <mutex>
#include <string>
#include <vector>

#include "consent/consent_ledger.h"
#include "drivers/scanner.h"
#include "platform/clock.h"
#include "platform/crypto.h"
#include "platform/file_system.h"
#include "platform/log.h"
#include "platform/random.h"
#include "privacy/jws.h"
#include "privacy/pseudonymizer.h"
#include "privacy/receipt_signer.h"
#include "store/database.h"
#include "visits/app_token_verifier.h"
#include "visits/presence_code.h"
#include "visits/scan_check_in.h"
#include "visits/visit_service.h"

namespace {

using namespace optin;
using Clock = std::chrono::steady_clock;

template <class T>
T OrDie(Result<T> r, const char* what) {
  if (!r) {
    std::fprintf(stderr, "scan_latency: %s: %s\n", what, r.error().message.c_str());
    std::exit(1);
  }
  return std::move(*r);
}

double Percentile(std::vector<double> v, double p) {
  std::sort(v.begin(), v.end());
  const size_t i = std::min(v.size() - 1, static_cast<size_t>(p / 100.0 * v.size()));
  return v[i];
}

}  // namespace

int main(int argc, char** argv) {
  int scans = 1000;
  std::filesystem::path base = std::filesystem::temp_directory_path();
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    if (flag == "--scans") {
      scans = std::max(1, std::atoi(argv[i + 1]));
    } else if (flag == "--dir") {
      base = argv[i + 1];
    } else {
      std::fprintf(stderr, "usage: scan_latency [--scans N] [--dir DIR]\n");
      return 2;
    }
  }
  platform::log::SetMinLevel(platform::log::Level::kError);
  std::string tmpl = (base / "scan-latency-XXXXXX").string();
  if (::mkdtemp(tmpl.data()) == nullptr) {
    std::perror("mkdtemp");
    return 1;
  }
  const std::filesystem::path dir = tmpl;

  const platform::Clock& clock = platform::SystemClock::Instance();
  auto random = OrDie(platform::CtrDrbg::Create("scan-latency"), "entropy");
  const auto hq_key = OrDie(platform::EcdsaPrivateKey::Generate(*random), "HQ key");
  const auto device_key = OrDie(platform::EcdsaPrivateKey::Generate(*random), "device key");
  store::DatabaseOptions db_options;
  db_options.file = dir / "optin-edge.db";
  auto db = OrDie(store::Database::Open(db_options), "database");
  privacy::Pseudonymizer pseudonymizer(std::string(32, 'p'), std::string(32, 't'));
  privacy::ReceiptSigner signer(device_key, *random);
  consent::Controller controller;
  controller.store_id = "store-bench";
  consent::ConsentLedger ledger(clock, consent::ConsentPolicy{}, controller, signer);
  visits::VisitService visit_service(clock, *random, pseudonymizer, ledger, visits::VisitPolicy{});
  visits::AppTokenVerifier verifier(clock, hq_key.PublicKey(),
                                    visits::AppTokenPolicy{"store-bench", "https://hq.example"});
  visits::PresenceCode presence(std::string(32, 'q'), clock);
  visits::CheckInDesk desk(*db, verifier, presence, pseudonymizer, visit_service);
  visits::ScanCheckIn check_in(desk);

  // Distinct loyalty codes, as HQ would issue them: one shopper each, some purposes chosen.
  std::vector<std::string> codes;
  const int64_t now = clock.NowUnix();
  for (int i = 0; i < scans; ++i) {
    boost::json::array purposes{"offers"};
    if (i % 2 == 0) purposes.emplace_back("assistance");
    boost::json::object claims{{"iss", "https://hq.example"},
                               {"sub", "loyalty-" + std::to_string(i)},
                               {"aud", "store-bench"},
                               {"iat", now},
                               {"exp", now + 600},
                               {"jti", "bench-" + std::to_string(i)},
                               {"purposes", std::move(purposes)}};
    codes.push_back(OrDie(privacy::SignJws(hq_key, *random, "hq-1", "JWT", claims), "sign"));
  }

  std::mutex mu;
  std::condition_variable cv;
  int done = 0, accepted = 0;
  Clock::time_point finished, scanned;
  drivers::ScannerConfig sc;
  sc.name = "bench";
  sc.kind = drivers::ScannerKind::kFifo;
  sc.device = dir / "scanner.fifo";
  sc.max_scans_per_second = 100'000;  // measure the path, not the flood guard
  auto scanner = OrDie(drivers::MakeScanner(sc, platform::FileSystem::Default(), clock), "scanner");
  bool connected = false;
  auto started = scanner->Start(
      [&](drivers::Scan scan) {
        {
          std::lock_guard lock(mu);
          scanned = Clock::now();
        }
        check_in.Submit(scan.text, [&](visits::ScanCheckInResult r) {
          std::lock_guard lock(mu);
          finished = Clock::now();
          accepted += r.accepted ? 1 : 0;
          ++done;
          cv.notify_all();
        });
      },
      [&](drivers::ScannerState s) {
        std::lock_guard lock(mu);
        connected = s == drivers::ScannerState::kConnected;
        cv.notify_all();
      });
  if (!started) return std::fprintf(stderr, "start: %s\n", started.error().message.c_str()), 1;
  {
    std::unique_lock lock(mu);
    cv.wait(lock, [&] { return connected; });
  }
  const int fd = ::open(sc.device.c_str(), O_WRONLY | O_CLOEXEC);
  if (fd < 0) return std::perror("open fifo"), 1;

  std::vector<double> latencies_ms, driver_ms, check_in_ms;
  latencies_ms.reserve(codes.size());
  const auto t_start = Clock::now();
  for (size_t i = 0; i < codes.size(); ++i) {
    const std::string line = codes[i] + "\n";
    const auto t0 = Clock::now();
    if (::write(fd, line.data(), line.size()) != static_cast<ssize_t>(line.size())) {
      return std::perror("write fifo"), 1;
    }
    std::unique_lock lock(mu);
    if (!cv.wait_for(lock, std::chrono::seconds(10),
                     [&] { return done == static_cast<int>(i) + 1; })) {
      std::fprintf(stderr, "scan %zu: no result within 10 s\n", i);
      return 1;
    }
    latencies_ms.push_back(std::chrono::duration<double, std::milli>(finished - t0).count());
    driver_ms.push_back(std::chrono::duration<double, std::milli>(scanned - t0).count());
    check_in_ms.push_back(std::chrono::duration<double, std::milli>(finished - scanned).count());
  }
  const double seconds = std::chrono::duration<double>(Clock::now() - t_start).count();
  ::close(fd);
  scanner->Stop();
  const auto stats = db->stats();
  db->Stop();
  std::filesystem::remove_all(dir);

  double sum = 0;
  for (double v : latencies_ms) sum += v;
  const double p50 = Percentile(latencies_ms, 50), p90 = Percentile(latencies_ms, 90),
               p99 = Percentile(latencies_ms, 99),
               max = *std::max_element(latencies_ms.begin(), latencies_ms.end());
  std::printf("scan_latency: %d scans (FIFO -> verify ES256 -> check-in -> durable commit)\n",
              scans);
  std::printf("  accepted     %d/%d\n", accepted, scans);
  std::printf("  p50          %.2f ms\n", p50);
  std::printf("  p90          %.2f ms\n", p90);
  std::printf("  p99          %.2f ms   (target < 20 ms: %s)\n", p99, p99 < 20 ? "met" : "MISSED");
  std::printf("  max          %.2f ms\n", max);
  std::printf("  mean         %.2f ms\n", sum / latencies_ms.size());
  std::printf(
      "  split        FIFO -> scan callback p50 %.2f / p99 %.2f ms; verify + durable "
      "check-in p50 %.2f / p99 %.2f ms\n",
      Percentile(driver_ms, 50), Percentile(driver_ms, 99), Percentile(check_in_ms, 50),
      Percentile(check_in_ms, 99));
  std::printf("  throughput   %.0f scans/s (one at a time), %llu transactions\n", scans / seconds,
              static_cast<unsigned long long>(stats.transactions));
  std::printf(
      "{\"label\":\"scan_latency\",\"scans\":%d,\"accepted\":%d,\"p50_ms\":%.3f,\"p90_ms\":%.3f,"
      "\"p99_ms\":%.3f,\"max_ms\":%.3f,\"mean_ms\":%.3f}\n",
      scans, accepted, p50, p90, p99, max, sum / latencies_ms.size());
  return accepted == scans ? 0 : 1;
}
