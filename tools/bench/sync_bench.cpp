// HQ sync figures: (1) releasing one period of one million consented events (capped counts,
// discrete Laplace noise, audit head, ES256 signature, outbox insert, period marked released),
// target < 1 s, then the chunked deletion of the released events; (2) draining an outbox of
// 10,000 batches to the reference HQ (a real optin-hq process on loopback, mutual TLS, 50
// batches per request), target >= 500 batches/s.
// Usage: sync_bench [--events N] [--batches N] [--time-ordered]
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <limits>
#include <string>
#include <thread>

#include "app/https_transport.h"
#include "net/event_loop.h"
#include "platform/clock.h"
#include "platform/crypto.h"
#include "platform/log.h"
#include "platform/random.h"
#include "platform/x509.h"
#include "store/database.h"
#include "sync/aggregator.h"
#include "sync/sync_service.h"
#include "sync/uploader.h"
#include "tests/support/ca/test_ca.h"
#include "tests/support/child_process.h"

namespace {

using namespace optin;
using Clock = std::chrono::steady_clock;

template <class T>
T Must(Result<T> r, const char* what) {
  if (!r) {
    std::fprintf(stderr, "%s: %s\n", what, r.error().message.c_str());
    std::exit(1);
  }
  return std::move(*r);
}
void Must(Status s, const char* what) {
  if (!s) {
    std::fprintf(stderr, "%s: %s\n", what, s.error().message.c_str());
    std::exit(1);
  }
}

double Seconds(Clock::time_point a, Clock::time_point b) {
  return std::chrono::duration<double>(b - a).count();
}

std::unique_ptr<store::Database> OpenDb(const std::filesystem::path& file) {
  store::DatabaseOptions o;
  o.file = file;
  return Must(store::Database::Open(o), "open database");
}

void AggregateBench(const std::filesystem::path& dir, int64_t events, bool time_ordered) {
  auto db = OpenDb(dir / "agg.db");
  platform::FakeClock clock(1'790'000'000 / 3600 * 3600 + 60);
  auto random = Must(platform::CtrDrbg::Create("bench"), "drbg");
  auto key = Must(platform::EcdsaPrivateKey::Generate(*random), "key");
  const int64_t subjects = std::max<int64_t>(1, events / 20);
  const char* metrics[] = {"checkins_by_channel", "help_requests_by_topic", "time_to_claim_seconds",
                           "offer_views_by_category"};
  const char* labels[] = {"app", "checkout", "30-60", "running"};
  Must(db->WriteSync([&](store::Connection& c) -> Status {
    for (int64_t s = 0; s < subjects; ++s) {
      OPTIN_TRY(c.Execute("INSERT INTO subjects(id, created_at) VALUES (?, 0)",
                          "subject-" + std::to_string(s)));
    }
    const int64_t start = clock.NowUnix() - 60 - 3600;
    for (int64_t i = 0; i < events; ++i) {
      const int m = static_cast<int>(i % 4);
      OPTIN_TRY(
          c.Execute("INSERT INTO sync_events(subject_id, at, metric, label) VALUES (?, ?, ?, ?)",
                    "subject-" + std::to_string(i % subjects),
                    start + (time_ordered ? i * 3600 / events : i % 3600), metrics[m], labels[m]));
    }
    return Ok();
  }),
       "insert events");
  sync::SyncPolicy policy;
  policy.store_id = "bench-store";
  policy.topics = {"checkout"};
  policy.offer_categories = {"running"};
  auto signer = sync::MakeJwsSigner(key, *random);
  sync::Outbox outbox(clock, {}, signer);
  sync::Aggregator aggregator(clock, *random, policy, outbox, signer);
  const auto c0 = Clock::now();
  int64_t capped = 0;
  Must(db->ReadSync<sync::Cells>([&](store::Connection& c) {
    return aggregator.CountEvents(c, std::numeric_limits<int64_t>::min(), clock.NowUnix() - 60,
                                  &capped);
  }),
       "count");
  const auto c1 = Clock::now();
  std::printf("capped counting alone (one pass over 1M rows, read connection): %.3f s\n",
              Seconds(c0, c1));
  const auto t0 = Clock::now();
  auto outcomes = Must(db->WriteSync<std::vector<sync::PeriodOutcome>>([&](store::Connection& c) {
    return aggregator.ReleaseClosedPeriods(c);
  }),
                       "release");
  const auto t1 = Clock::now();
  int64_t counted = 0;
  for (const auto& o : outcomes) counted += o.events;
  std::printf(
      "aggregate+sign (release transaction): %lld events (%lld subjects, %lld counted after "
      "caps) counted, noised, signed, queued and marked released in one durable transaction in "
      "%.3f s (target < 1 s)\n",
      static_cast<long long>(events), static_cast<long long>(subjects),
      static_cast<long long>(counted), Seconds(t0, t1));
  // The clean-up afterwards, as the service runs it: chunks of kCleanupChunk rows, one durable
  // write job each.
  int64_t chunks = 0, deleted = 0;
  double longest = 0;
  const auto d0 = Clock::now();
  for (;;) {
    const auto j0 = Clock::now();
    const int64_t n = Must(db->WriteSync<int64_t>([](store::Connection& c) {
      return sync::Aggregator::DeleteReleasedEvents(c, sync::kCleanupChunk);
    }),
                           "clean up");
    longest = std::max(longest, Seconds(j0, Clock::now()));
    ++chunks;
    deleted += n;
    if (n < sync::kCleanupChunk) break;
  }
  std::printf(
      "clean-up of the released events: %lld deleted in %lld write jobs of <= %lld rows, %.3f s "
      "in all, longest job %.1f ms (the writer is free between jobs)\n",
      static_cast<long long>(deleted), static_cast<long long>(chunks),
      static_cast<long long>(sync::kCleanupChunk), Seconds(d0, Clock::now()), longest * 1000);
  db->Stop();
}

void DrainBench(const std::filesystem::path& dir, int64_t batches) {
  auto random = Must(platform::CtrDrbg::Create("bench"), "drbg");
  const int64_t now = platform::SystemClock::Instance().NowUnix();
  auto ca_key = Must(platform::EcdsaPrivateKey::Generate(*random), "ca key");
  auto ca = Must(optin::testing::CreateCertificateAuthority(ca_key, *random, "Bench CA", now - 3600,
                                                            now + 86'400),
                 "ca");
  auto issue = [&](const platform::EcdsaPrivateKey& k, const char* cn,
                   std::vector<std::string> dns) {
    auto csr = Must(platform::CreateCertificateSigningRequest(k, *random, cn, dns), "csr");
    return Must(optin::testing::SignCertificateRequest(ca_key, ca, csr, *random, now - 3600,
                                                       now + 86'400, true),
                "sign");
  };
  auto server_key = Must(platform::EcdsaPrivateKey::Generate(*random), "key");
  auto device_key = Must(platform::EcdsaPrivateKey::Generate(*random), "key");
  std::ofstream(dir / "ca.pem") << ca;
  std::ofstream(dir / "server.pem") << issue(server_key, "localhost", {"localhost"});
  std::ofstream(dir / "server.key") << Must(server_key.ToPem(), "pem");
  const std::string device_cert = issue(device_key, "bench-store", {});

  // The outbox: `batches` signed hourly batches.
  auto db = OpenDb(dir / "drain.db");
  platform::SystemClock& clock = platform::SystemClock::Instance();
  auto signer = sync::MakeJwsSigner(device_key, *random);
  sync::OutboxPolicy outbox_policy;
  outbox_policy.max_batches = batches + 1;  // measure draining, not merging
  sync::Outbox outbox(clock, outbox_policy, signer);
  const auto s0 = Clock::now();
  Must(db->WriteSync([&](store::Connection& c) -> Status {
    for (int64_t i = 0; i < batches; ++i) {
      sync::BatchContent b;
      b.store_id = "bench-store";
      b.period_start = 1'700'000'000 / 3600 * 3600 + i * 3600;
      b.period_end = b.period_start + 3600;
      b.software_version = "bench";
      b.audit_head = std::string(64, '0');
      b.created_at = now;
      b.periods = {sync::PeriodRange{b.period_start, b.period_end}};
      sync::MetricRelease& m = b.metrics["checkins_by_channel"];
      m.cap = 1;
      m.epsilon_micros = 150'000;
      m.scale_num = 1'000'000;
      m.scale_den = 150'000;
      m.cells = {{"app", 40 + i % 7}, {"loyalty_scan", 3}, {"other", -1}};
      for (const auto& [label, count] : m.cells) {
        m.variance[label] = sync::DiscreteLaplaceVariance(m.scale_num, m.scale_den);
      }
      OPTIN_ASSIGN_OR_RETURN(std::string jws, signer(sync::BatchPayload(b)));
      OPTIN_TRY(outbox.Enqueue(c, b, jws));
    }
    return Ok();
  }),
       "fill outbox");
  const auto s1 = Clock::now();

  // HQ (optin-hq on SQLite), a real process.
  const uint16_t port = 18000 + static_cast<uint16_t>(getpid() % 2000);
  optin::testing::ChildProcess hq(
      {OPTIN_HQ_PATH, "--listen", "127.0.0.1:" + std::to_string(port), "--web-listen",
       "127.0.0.1:0", "--cert", (dir / "server.pem").string(), "--key",
       (dir / "server.key").string(), "--client-ca", (dir / "ca.pem").string(), "--db",
       "sqlite:" + (dir / "hq.db").string()},
      {}, (dir / "hq.log").string());
  if (!optin::testing::WaitForPort(port, std::chrono::seconds(10))) {
    std::fprintf(stderr, "optin-hq did not start\n");
    std::exit(1);
  }
  net::EventLoop loop;
  std::thread loop_thread([&loop] { loop.Run(1); });
  net::TlsClientSettings tls;
  tls.ca_bundle_pem = ca;
  tls.cert_chain_pem = device_cert;
  tls.key_pem = Must(device_key.ToPem(), "pem");
  auto tls_config = Must(net::TlsClientConfig::Create(tls, *random), "tls");
  app::HttpsTransport transport(loop, tls_config, sync::HqUrl{"localhost", port, "/v1/batches"});
  sync::Uploader uploader(*db, outbox, transport, clock, *random);
  const auto t0 = Clock::now();
  int requests = 0;
  for (;;) {
    auto r = uploader.Step();
    if (r == sync::StepResult::kIdle) break;
    if (r != sync::StepResult::kDelivered) {
      std::fprintf(stderr, "upload failed: %s\n", uploader.stats().last_error.c_str());
      std::exit(1);
    }
    ++requests;
  }
  const auto t1 = Clock::now();
  const auto stats = uploader.stats();
  std::printf("outbox fill: %lld batches signed and queued in %.3f s\n",
              static_cast<long long>(batches), Seconds(s0, s1));
  std::printf(
      "drain: %llu batches delivered to optin-hq in %d requests over mutual TLS in %.3f s = "
      "%.0f batches/s (target >= 500); duplicates %llu, outbox left %lld\n",
      static_cast<unsigned long long>(stats.batches_sent), requests, Seconds(t0, t1),
      static_cast<double>(stats.batches_sent) / Seconds(t0, t1),
      static_cast<unsigned long long>(stats.batches_duplicate),
      static_cast<long long>(stats.outbox_pending));
  loop.Stop();
  loop_thread.join();
  db->Stop();
}

}  // namespace

int main(int argc, char** argv) {
  int64_t events = 1'000'000, batches = 10'000;
  bool time_ordered = false;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    // Events recorded in time order, as the recorder does (by default their times cycle through
    // the hour, so that neighbouring rows are far apart in the time index).
    if (a == "--time-ordered") time_ordered = true;
    if (a == "--events" && i + 1 < argc) events = std::atoll(argv[++i]);
    if (a == "--batches" && i + 1 < argc) batches = std::atoll(argv[++i]);
  }
  platform::log::SetMinLevel(platform::log::Level::kWarn);
  const auto dir =
      std::filesystem::temp_directory_path() / ("optin-sync-bench-" + std::to_string(getpid()));
  std::filesystem::create_directories(dir);
  AggregateBench(dir, events, time_ordered);
  DrainBench(dir, batches);
  std::filesystem::remove_all(dir);
  return 0;
}
