// HQ at a chain's scale (issue 15 part 7): a chain's year of daily format-2 batches (5,000
// stores x 365 days by default), generated, signed with each store's own key and loaded in bulk
// (COPY on PostgreSQL) into optin-hq's own schema, migrated by optin-hq's own code; then a real
// optin-hq process: 20,000 further batches uploaded through POST /v1/batches over mutual TLS
// (each store with its own client certificate, every signature checked) in three phases (one
// batch an upload with full handshakes, the same resuming each store's TLS session, four an
// upload resuming), batches per second (target >= 500); GET /v1/figures for the chain's year by
// day, one region's year by day and one store's year, p50/p99 (targets on PostgreSQL: 100 ms and 20
// ms); the database's size. Without --db it starts a PostgreSQL 15 server of its own
// (hq_bench_postgres.h) and afterwards runs the same at --sqlite-stores stores (50) on SQLite. A
// benchmark that prints figures, not a test. Usage: hq_bench [--stores N] [--days N] [--ingest N]
// [--per-upload N] [--concurrency N]
//                 [--queries N] [--db sqlite:PATH|postgresql://...] [--sqlite-stores N]
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <chrono>
#include <condition_variable>
#include <csignal>
#include <cstdio>
#include <deque>
#include <filesystem>
#include <fstream>
#include <future>
#include <mutex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "net/event_loop.h"
#include "net/https_client.h"
#include "platform/clock.h"
#include "platform/crypto.h"
#include "platform/encoding.h"
#include "platform/log.h"
#include "platform/random.h"
#include "platform/x509.h"
#include "store/connection.h"
#include "sync/batch.h"
#include "sync/sync_policy.h"
#include "tests/support/ca/test_ca.h"
#include "tests/support/child_process.h"
#include "tools/bench/hq_bench_postgres.h"
#include "tools/optin-hq/batch_check.h"
#include "tools/optin-hq/figures.h"
#include "tools/optin-hq/hq_store.h"
#include "tools/optin-hq/pg_connection.h"
#include "tools/optin-hq/store_directory.h"
#include "tools/optin-hq/utc_day.h"

namespace {

using namespace optin;
namespace json = boost::json;
namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

template <class T>
T Must(Result<T> r, const char* what) {
  if (!r) {
    std::fprintf(stderr, "hq_bench: %s: %s\n", what, r.error().message.c_str());
    std::exit(1);
  }
  return std::move(*r);
}
void Must(Status s, const char* what) {
  if (!s) {
    std::fprintf(stderr, "hq_bench: %s: %s\n", what, s.error().message.c_str());
    std::exit(1);
  }
}
[[noreturn]] void Die(const std::string& what) {
  std::fprintf(stderr, "hq_bench: %s\n", what.c_str());
  std::exit(1);
}

double Seconds(Clock::time_point a, Clock::time_point b) {
  return std::chrono::duration<double>(b - a).count();
}

// Interrupted (SIGINT, SIGTERM): the server of our own stops at once rather than outliving us.
volatile sig_atomic_t g_postmaster = 0;
void OnSignal(int) {
  if (g_postmaster > 0) kill(static_cast<pid_t>(g_postmaster), SIGQUIT);
  constexpr char kMessage[] =
      "hq_bench: interrupted; its PostgreSQL server is stopped (its folder "
      "/tmp/optin-hq-bench-pg-* stays)\n";
  (void)!write(STDERR_FILENO, kMessage, sizeof kMessage - 1);
  _exit(130);
}

struct Options {
  int64_t stores = 5000;
  int64_t days = 365;
  int64_t ingest = -1;  // default: min(20,000, 4 days of every store)
  // One ingest phase per entry: batches per upload, and whether stores resume their TLS session
  // (the nightly wave without resumption, as when a store's last session is older than HQ's
  // ticket lifetime; the same with it; a catch-up of 4 days an upload).
  std::vector<int64_t> per_upload = {1, 1, 4};
  std::vector<bool> resume = {false, true, true};
  int64_t concurrency = 8;
  int64_t queries = 30;
  int64_t sqlite_stores = 50;
  bool keep_fk_checks = false;
  bool sign_year = false;  // sign every loaded batch (ES256 costs ~3 ms a batch here)
  std::string db;          // empty: a server of our own, then SQLite at sqlite_stores
};

constexpr int kRegions = 12;

// A store's labels, as a box with a typical configuration releases them (sync_policy.h).
const std::vector<std::string>& Labels(std::string_view metric) {
  static const std::map<std::string_view, std::vector<std::string>> kLabels = [] {
    std::map<std::string_view, std::vector<std::string>> m;
    m[sync::kCheckinsTotal] = {std::string(sync::kTotalLabel)};
    m[sync::kCheckinsByChannel] = {"app", "loyalty_scan", "other"};
    for (int h = 0; h < 24; ++h) {
      char buf[4];
      std::snprintf(buf, sizeof buf, "%02d", h);
      m[sync::kCheckinsByHour].push_back(buf);
    }
    m[sync::kHelpRequestsByTopic] = {"checkout", "fitting_room", "pharmacy", "product", "other"};
    for (const sync::ClaimBucket& b : sync::kClaimBuckets) {
      m[sync::kTimeToClaim].emplace_back(b.label);
    }
    m[sync::kOfferViewsByCategory] = {"bakery",  "beauty", "household", "produce",
                                      "running", "toys",   "other"};
    return m;
  }();
  return kLabels.at(metric);
}

// splitmix64: cheap, deterministic figures per (store, day).
struct Mix {
  uint64_t s;
  uint64_t Next() {
    uint64_t z = (s += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }
  int64_t Around(int64_t mean, int64_t spread) {
    return mean + static_cast<int64_t>(Next() % static_cast<uint64_t>(2 * spread + 1)) - spread;
  }
};

std::string StoreId(int64_t i) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "store-%05lld", static_cast<long long>(i + 1));
  return buf;
}
std::string RegionOf(int64_t i) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "region-%02d", static_cast<int>(i % kRegions) + 1);
  return buf;
}

// One store's day as its box releases it (noisy counts with their variances).
sync::BatchContent DayContent(const std::string& store, int64_t store_index, int64_t day) {
  sync::BatchContent c;
  c.store_id = store;
  c.period_start = hq::UtcDayStart(day);
  c.period_end = hq::UtcDayStart(day + 1);
  c.periods = {sync::PeriodRange{c.period_start, c.period_end}};
  c.software_version = "bench";
  c.audit_head = std::string(64, 'a');
  c.created_at = c.period_end + 60;
  Mix mix{static_cast<uint64_t>(store_index) * 1'000'003ULL + static_cast<uint64_t>(day)};
  const int64_t checkins = mix.Around(300, 120);
  // One store-day in a thousand spends twice the box's default (a misconfigured box): the
  // privacy officer's view lists those above the policy.
  const int64_t spend = (store_index * 31 + day) % 1000 == 0 ? 2 : 1;
  for (const sync::MetricSpec& spec : sync::kMetricSpecs) {
    sync::MetricRelease& m = c.metrics[std::string(spec.metric)];
    m.cap = spec.default_cap;
    m.epsilon_micros = spend * spec.default_epsilon_micros;
    m.scale_num = 1'000'000 * static_cast<uint64_t>(spec.default_cap);
    m.scale_den = static_cast<uint64_t>(m.epsilon_micros);
    const double variance = sync::DiscreteLaplaceVariance(m.scale_num, m.scale_den);
    const auto& labels = Labels(spec.metric);
    for (const std::string& label : labels) {
      int64_t truth = 0;
      if (spec.metric == sync::kCheckinsTotal) {
        truth = checkins;
      } else if (spec.metric == sync::kCheckinsByChannel) {
        truth = label == "app" ? checkins * 3 / 4 : label == "loyalty_scan" ? checkins / 4 : 0;
      } else if (spec.metric == sync::kCheckinsByHour) {
        const int h = std::stoi(label);
        truth = h >= 8 && h < 20 ? checkins / 12 : 0;
      } else {
        truth = mix.Around(12, 10);
      }
      const int64_t noise = mix.Around(0, static_cast<int64_t>(2 * std::sqrt(variance)));
      m.cells[label] = truth + noise;
      m.variance[label] = variance;
    }
  }
  return c;
}

// What HQ stores of it (as CheckBatch makes it; checked against CheckBatch once at the start).
hq::BatchRecord RecordOf(const sync::BatchContent& c, std::string jws, int64_t received_at) {
  hq::BatchRecord r;
  r.batch_id = sync::BatchId(c.store_id, c.period_start, c.period_end);
  r.store_id = c.store_id;
  r.format_version = 2;
  r.periods = {hq::BatchPeriod{c.period_start, c.period_end}};
  r.received_at = received_at;
  r.signed_batch = std::move(jws);
  const int64_t day = hq::UtcDayOf(c.period_start);
  r.stated_epsilon.emplace();
  for (const auto& [metric, m] : c.metrics) {
    for (const auto& [label, value] : m.cells) {
      r.cells.push_back(hq::CellRecord{metric, label, day, value, m.variance.at(label)});
    }
    (*r.stated_epsilon)[metric] = m.epsilon_micros;
  }
  return r;
}

struct Chain {
  std::string ca_pem;
  platform::EcdsaPrivateKey ca_key;
  std::vector<std::string> ids;
  std::vector<platform::EcdsaPrivateKey> keys;
  std::vector<std::string> certs;  // client certificates (CN = store id)
};

// Keys and client certificates for `stores` stores, made on two threads.
Chain MakeChain(int64_t stores, int64_t now) {
  auto random = Must(platform::CtrDrbg::Create("hq-bench-ca"), "drbg");
  auto ca_key = Must(platform::EcdsaPrivateKey::Generate(*random), "ca key");
  std::string ca = Must(optin::testing::CreateCertificateAuthority(ca_key, *random, "HQ bench CA",
                                                                   now - 86'400, now + 86'400 * 3),
                        "ca");
  Chain chain{std::move(ca), std::move(ca_key), {}, {}, {}};
  std::vector<std::optional<platform::EcdsaPrivateKey>> keys(static_cast<size_t>(stores));
  chain.certs.resize(static_cast<size_t>(stores));
  std::vector<std::thread> threads;
  for (int t = 0; t < 2; ++t) {
    threads.emplace_back([&, t] {
      auto r = Must(platform::CtrDrbg::Create("hq-bench-store-" + std::to_string(t)), "drbg");
      for (int64_t i = t; i < stores; i += 2) {
        auto key = Must(platform::EcdsaPrivateKey::Generate(*r), "store key");
        auto csr =
            Must(platform::CreateCertificateSigningRequest(key, *r, StoreId(i), {}), "store csr");
        chain.certs[static_cast<size_t>(i)] =
            Must(optin::testing::SignCertificateRequest(chain.ca_key, chain.ca_pem, csr, *r,
                                                        now - 86'400, now + 86'400 * 3, true),
                 "store certificate");
        keys[static_cast<size_t>(i)].emplace(std::move(key));
      }
    });
  }
  for (auto& t : threads) t.join();
  for (int64_t i = 0; i < stores; ++i) {
    chain.ids.push_back(StoreId(i));
    chain.keys.push_back(std::move(*keys[static_cast<size_t>(i)]));
  }
  return chain;
}

std::unique_ptr<hq::HqStore> OpenStore(const std::string& url) {
  return Must(hq::OpenHqStore(url), "open the HQ store (migrations)");
}

struct LoadResult {
  int64_t batches = 0, cells = 0;
  double seconds = 0, db_seconds = 0, jws_bytes = 0;
};

// Generates and signs days [first, first + days) for every store on two threads, and loads them
// a day (every store's batch of it) per BulkLoad call: one transaction, COPY on PostgreSQL.
LoadResult BulkLoadYear(hq::HqStore& store, const Chain& chain, int64_t first, int64_t days,
                        bool sign) {
  LoadResult out;
  std::mutex mu;
  std::condition_variable cv;
  std::deque<std::vector<hq::BatchRecord>> ready;
  std::atomic<int64_t> next_day{0};
  int producers_left = 2;
  std::vector<std::thread> producers;
  // Unless `sign`: each store's JWS header and a signature of its first day, reused (the stored
  // text has the form and size of the real one; nothing verifies what is loaded in bulk).
  std::vector<std::pair<std::string, std::string>> forms;
  if (!sign) {
    auto random = Must(platform::CtrDrbg::Create("hq-bench-form"), "drbg");
    for (size_t i = 0; i < chain.ids.size(); ++i) {
      const std::string jws = Must(sync::MakeJwsSigner(chain.keys[i], *random)(sync::BatchPayload(
                                       DayContent(chain.ids[i], static_cast<int64_t>(i), first))),
                                   "sign");
      forms.emplace_back(jws.substr(0, jws.find('.')), jws.substr(jws.rfind('.') + 1));
    }
  }
  const auto t0 = Clock::now();
  for (int t = 0; t < 2; ++t) {
    producers.emplace_back([&, t] {
      auto random = Must(platform::CtrDrbg::Create("hq-bench-sign-" + std::to_string(t)), "drbg");
      for (;;) {
        const int64_t d = next_day.fetch_add(1);
        if (d >= days) break;
        std::vector<hq::BatchRecord> chunk;
        chunk.reserve(chain.ids.size());
        for (size_t i = 0; i < chain.ids.size(); ++i) {
          sync::BatchContent c = DayContent(chain.ids[i], static_cast<int64_t>(i), first + d);
          std::string jws =
              sign
                  ? Must(sync::MakeJwsSigner(chain.keys[i], *random)(sync::BatchPayload(c)), "sign")
                  : forms[i].first + "." +
                        platform::Base64UrlEncode(json::serialize(sync::BatchPayload(c))) + "." +
                        forms[i].second;
          chunk.push_back(RecordOf(c, std::move(jws), c.period_end + 300));
        }
        std::unique_lock lock(mu);
        cv.wait(lock, [&] { return ready.size() < 4; });
        ready.push_back(std::move(chunk));
        cv.notify_all();
      }
      std::lock_guard lock(mu);
      --producers_left;
      cv.notify_all();
    });
  }
  for (;;) {
    std::vector<hq::BatchRecord> chunk;
    {
      std::unique_lock lock(mu);
      cv.wait(lock, [&] { return !ready.empty() || producers_left == 0; });
      if (ready.empty()) break;
      chunk = std::move(ready.front());
      ready.pop_front();
      cv.notify_all();
    }
    const auto l0 = Clock::now();
    out.cells += Must(store.BulkLoad(chunk), "bulk load");
    out.db_seconds += Seconds(l0, Clock::now());
    out.batches += static_cast<int64_t>(chunk.size());
    for (const auto& b : chunk) out.jws_bytes += static_cast<double>(b.signed_batch.size());
  }
  for (auto& t : producers) t.join();
  out.seconds = Seconds(t0, Clock::now());
  return out;
}

// CPU seconds spent so far by the optin-hq process, by PostgreSQL's processes, and by this
// program (the stores' side: signing and the TLS client), read from /proc: to tell what an
// ingest phase costs HQ itself from what the stores' side costs on the same two cores.
struct CpuUse {
  double hq = 0, postgres = 0, self = 0;
};
CpuUse ReadCpuUse() {
  CpuUse use;
  const double tick = static_cast<double>(sysconf(_SC_CLK_TCK));
  for (const auto& entry : fs::directory_iterator("/proc")) {
    const std::string name = entry.path().filename().string();
    if (name.empty() || name.find_first_not_of("0123456789") != std::string::npos) continue;
    std::ifstream in(entry.path() / "stat");
    std::string stat((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    const size_t open = stat.find('('), close = stat.rfind(')');
    if (open == std::string::npos || close == std::string::npos) continue;
    const std::string comm = stat.substr(open + 1, close - open - 1);
    double* into = comm == "optin-hq"                               ? &use.hq
                   : comm == "postgres"                             ? &use.postgres
                   : std::stol(name) == static_cast<long>(getpid()) ? &use.self
                                                                    : nullptr;
    if (!into) continue;
    // After ") ": state, then fields 4.. ; utime and stime are fields 14 and 15.
    std::istringstream rest(stat.substr(close + 2));
    std::string field;
    double utime = 0, stime = 0;
    for (int f = 3; f <= 15 && rest >> field; ++f) {
      if (f == 14) utime = std::stod(field);
      if (f == 15) stime = std::stod(field);
    }
    *into += (utime + stime) / tick;
  }
  return use;
}

// The running optin-hq process and how to reach it.
struct Hq {
  std::unique_ptr<optin::testing::ChildProcess> process;
  uint16_t port = 0, web_port = 0;
  fs::path log;
};

Hq StartHq(const fs::path& dir, const std::string& url, const fs::path& stores_file) {
  Hq hq;
  hq.log = dir / "hq.log";
  hq.process = std::make_unique<optin::testing::ChildProcess>(
      std::vector<std::string>{
          OPTIN_HQ_PATH, "serve", "--listen", "127.0.0.1:0", "--web-listen", "127.0.0.1:0",
          "--cert", (dir / "server.pem").string(), "--key", (dir / "server.key").string(),
          "--client-ca", (dir / "ca.pem").string(), "--db", url, "--stores", stores_file.string()},
      std::string(), hq.log.string());
  const std::string a = "optin-hq listening on ", b = "optin-hq web listening on ";
  const auto deadline = Clock::now() + std::chrono::seconds(60);
  while (Clock::now() < deadline) {
    std::ifstream in(hq.log);
    const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    const size_t i = text.find(a), j = text.find(b);
    if (i != std::string::npos && j != std::string::npos &&
        text.find('\n', j) != std::string::npos) {
      hq.port = static_cast<uint16_t>(std::stoi(text.substr(i + a.size())));
      hq.web_port = static_cast<uint16_t>(std::stoi(text.substr(j + b.size())));
      return hq;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));  // waiting for its lines
  }
  Die("optin-hq did not start; its log: " + hq.log.string());
}

Result<net::Response> Call(net::EventLoop& loop, std::shared_ptr<const net::TlsClientConfig> tls,
                           uint16_t port, net::HttpsRequest request) {
  // Room for the largest answers asked for below (the chain's epsilon view grows with the
  // stores: ~0.3 KB a store-day) and the time they take at a chain's scale.
  net::HttpsClientOptions options;
  options.read_timeout = std::chrono::minutes(5);
  options.max_response_bytes = size_t{1} << 30;
  net::HttpsClient client(loop, std::move(tls), options);
  std::promise<Result<net::Response>> p;
  client.Request("localhost", port, std::move(request),
                 [&p](Result<net::Response> r) { p.set_value(std::move(r)); });
  return p.get_future().get();
}

struct IngestResult {
  int64_t stored = 0, duplicate = 0, refused = 0, failed_requests = 0, requests = 0;
  double seconds = 0;
  std::string first_problem;
};

// Uploads `uploads` (per store: its signed batches of one request) with `concurrency` requests
// in flight, each store over its own mutual-TLS connection with its own certificate.
IngestResult Ingest(net::EventLoop& loop,
                    const std::vector<std::shared_ptr<const net::TlsClientConfig>>& tls,
                    uint16_t port,
                    const std::vector<std::pair<size_t, std::vector<std::string>>>& uploads,
                    int64_t concurrency) {
  IngestResult out;
  std::mutex mu;
  std::atomic<size_t> next{0};
  std::atomic<size_t> done{0};
  std::promise<void> all_done;
  std::function<void()> send;
  send = [&] {
    const size_t k = next.fetch_add(1);
    if (k >= uploads.size()) return;
    const auto& [store, jws] = uploads[k];
    json::array list;
    for (const std::string& j : jws) list.emplace_back(j);
    net::HttpsRequest r;
    r.method = "POST";
    r.target = "/v1/batches";
    r.headers.emplace_back("Content-Type", "application/json");
    r.body = json::serialize(json::object{{"batches", std::move(list)}});
    auto client = std::make_shared<net::HttpsClient>(loop, tls[store]);
    client->Request("localhost", port, std::move(r), [&, client](Result<net::Response> resp) {
      {
        std::lock_guard lock(mu);
        ++out.requests;
        if (!resp || resp->status != 200) {
          ++out.failed_requests;
          if (out.first_problem.empty()) {
            out.first_problem =
                resp ? std::to_string(resp->status) + " " + resp->body : resp.error().message;
          }
        } else {
          boost::system::error_code ec;
          json::value v = json::parse(resp->body, ec);
          const json::array* results = nullptr;
          if (!ec && v.is_object()) {
            if (auto* x = v.as_object().if_contains("results"); x && x->is_array()) {
              results = &x->as_array();
            }
          }
          for (const json::value& e : results ? *results : json::array{}) {
            const auto* st = e.as_object().if_contains("status");
            const std::string s =
                st && st->is_string() ? std::string(st->as_string()) : std::string();
            if (s == "stored") {
              ++out.stored;
            } else if (s == "duplicate") {
              ++out.duplicate;
            } else {
              ++out.refused;
              if (out.first_problem.empty()) out.first_problem = json::serialize(e);
            }
          }
        }
      }
      if (done.fetch_add(1) + 1 == uploads.size()) {
        all_done.set_value();
      } else {
        send();
      }
    });
  };
  const auto t0 = Clock::now();
  if (uploads.empty()) return out;
  for (int64_t i = 0; i < concurrency; ++i) send();
  all_done.get_future().wait();
  out.seconds = Seconds(t0, Clock::now());
  return out;
}

struct Latency {
  double p50 = 0, p99 = 0, max = 0;
  size_t n = 0;
  int64_t rows = 0;
};

Latency Percentiles(std::vector<double> ms) {
  Latency l;
  if (ms.empty()) return l;
  std::sort(ms.begin(), ms.end());
  l.n = ms.size();
  auto at = [&](double q) {
    return ms[std::min(ms.size() - 1, static_cast<size_t>(std::ceil(q * (ms.size() - 1))))];
  };
  l.p50 = at(0.5);
  l.p99 = at(0.99);
  l.max = ms.back();
  return l;
}

int64_t DatabaseBytes(const std::string& url, std::string* detail) {
  if (url.starts_with("sqlite:")) {
    const fs::path file = url.substr(7);
    std::error_code ec;
    int64_t n = static_cast<int64_t>(fs::file_size(file, ec));
    const auto wal = fs::file_size(file.string() + "-wal", ec);
    if (!ec) n += static_cast<int64_t>(wal);
    *detail = "file + WAL";
    return n;
  }
  auto conn = Must(hq::PgConnection::Connect(url), "connect");
  auto r = Must(
      conn->Query("SELECT pg_database_size(current_database()), "
                  "pg_total_relation_size('hq_cell_sums'), pg_total_relation_size('hq_batches'), "
                  "pg_total_relation_size('hq_batch_periods'), pg_indexes_size('hq_cell_sums'), "
                  "pg_total_relation_size('hq_store_day_sums') + "
                  "pg_total_relation_size('hq_chain_day_sums') + "
                  "pg_total_relation_size('hq_region_day_sums') + "
                  "pg_total_relation_size('hq_store_day_runs'), "
                  "pg_total_relation_size('hq_epsilon_sums') + "
                  "pg_total_relation_size('hq_epsilon_days')"),
      "size");
  const double mb = 1024.0 * 1024.0;
  char buf[256];
  std::snprintf(
      buf, sizeof buf,
      "hq_cell_sums %.0f MB of which its key %.0f MB, hq_batches (with the signed batches) "
      "%.0f MB, hq_batch_periods %.0f MB, summary tables %.0f MB, epsilon tables %.0f MB",
      static_cast<double>(r.Int(0, 1)) / mb, static_cast<double>(r.Int(0, 4)) / mb,
      static_cast<double>(r.Int(0, 2)) / mb, static_cast<double>(r.Int(0, 3)) / mb,
      static_cast<double>(r.Int(0, 5)) / mb, static_cast<double>(r.Int(0, 6)) / mb);
  *detail = buf;
  return r.Int(0, 0);
}

// One engine's run at `stores` stores.
void RunEngine(const Options& o, int64_t stores, const std::string& url, const fs::path& dir,
               const std::string& engine_note) {
  const int64_t now = platform::SystemClock::Instance().NowUnix();
  const int64_t today = hq::UtcDayOf(now);
  const int64_t ingest = o.ingest >= 0 ? o.ingest : std::min<int64_t>(20'000, 4 * stores);
  // Each ingest phase uploads `ingest` batches of the days after the loaded year.
  const int64_t ingest_days = (ingest + stores - 1) / stores;
  const int64_t phases = static_cast<int64_t>(o.per_upload.size());
  const int64_t first = today - phases * ingest_days - o.days;
  const int64_t last = first + o.days - 1;
  std::printf("\n== %s: %lld stores x %lld days (%s .. %s), then %lld x %lld batches ingested ==\n",
              engine_note.c_str(), static_cast<long long>(stores), static_cast<long long>(o.days),
              hq::FormatIsoDate(first).c_str(), hq::FormatIsoDate(last).c_str(),
              static_cast<long long>(phases), static_cast<long long>(ingest));

  // The chain: a CA, HQ's certificate, a key and client certificate per store, the stores file.
  const auto k0 = Clock::now();
  Chain chain = MakeChain(stores, now);
  {
    auto random = Must(platform::CtrDrbg::Create("hq-bench-server"), "drbg");
    auto server_key = Must(platform::EcdsaPrivateKey::Generate(*random), "server key");
    auto csr = Must(
        platform::CreateCertificateSigningRequest(server_key, *random, "localhost", {"localhost"}),
        "server csr");
    std::ofstream(dir / "ca.pem") << chain.ca_pem;
    std::ofstream(dir / "server.pem")
        << Must(optin::testing::SignCertificateRequest(chain.ca_key, chain.ca_pem, csr, *random,
                                                       now - 86'400, now + 86'400 * 3, true),
                "server certificate");
    std::ofstream(dir / "server.key") << Must(server_key.ToPem(), "pem");
  }
  const fs::path stores_file = dir / "stores.csv";
  {
    std::ofstream csv(stores_file);
    csv << "id,name,region,country,opened\n";
    for (int64_t i = 0; i < stores; ++i) {
      csv << chain.ids[static_cast<size_t>(i)] << ",Store " << i + 1 << "," << RegionOf(i) << ",IT,"
          << hq::FormatIsoDate(first - 30) << "\n";
    }
  }
  std::printf("keys and client certificates for %lld stores: %.1f s\n",
              static_cast<long long>(stores), Seconds(k0, Clock::now()));

  // The record this benchmark loads is the one HQ's own check makes of the signed batch.
  {
    auto random = Must(platform::CtrDrbg::Create("hq-bench-check"), "drbg");
    sync::BatchContent c = DayContent(chain.ids[0], 0, first);
    std::string jws =
        Must(sync::MakeJwsSigner(chain.keys[0], *random)(sync::BatchPayload(c)), "sign");
    hq::PeerStore peer;
    peer.key = chain.keys[0].PublicKey();
    peer.common_name = chain.ids[0];
    hq::BatchRecord checked;
    auto verdict = hq::CheckBatch(jws, peer, nullptr, c.period_end + 300, &checked);
    hq::BatchRecord mine = RecordOf(c, jws, c.period_end + 300);
    auto key = [](const hq::CellRecord& x) {
      return std::tuple(x.metric, x.label, x.day, x.value, x.variance);
    };
    auto sorted = [&](std::vector<hq::CellRecord> v) {
      std::sort(v.begin(), v.end(), [&](auto& a, auto& b) { return key(a) < key(b); });
      std::vector<decltype(key(v[0]))> k;
      for (auto& x : v) k.push_back(key(x));
      return k;
    };
    if (verdict.status != "ok" || checked.batch_id != mine.batch_id ||
        sorted(checked.cells) != sorted(mine.cells) || checked.periods.size() != 1 ||
        checked.stated_epsilon != mine.stated_epsilon) {
      Die("the generated record differs from what HQ's CheckBatch makes of the batch (" +
          verdict.status + " " + verdict.detail + ")");
    }
    std::printf("batch format 2: %zu cells a batch, a signed batch (JWS) is %zu bytes\n",
                mine.cells.size(), jws.size());
  }

  // The year, in bulk. On PostgreSQL with the foreign-key checks off during the import (as
  // pg_restore --disable-triggers does; the generated batches, periods and cells agree), unless
  // --keep-fk-checks.
  auto store = OpenStore(url);
  const bool pg = !url.starts_with("sqlite:");
  bool fk_off = false;
  if (pg && !o.keep_fk_checks) {
    auto conn = Must(hq::PgConnection::Connect(url), "connect");
    Status off = conn->Exec(
        "DO $$ BEGIN EXECUTE format('ALTER DATABASE %I SET session_replication_role = replica', "
        "current_database()); END $$");
    if (off) {
      fk_off = true;
      store.reset();
      store = OpenStore(url);
    } else {
      std::printf("foreign-key checks stay on during the load (%s)\n", off.error().message.c_str());
    }
  }
  const LoadResult load = BulkLoadYear(*store, chain, first, o.days, o.sign_year);
  const auto r0 = Clock::now();
  Must(store->RebuildSummaries(), "summaries");
  const double summaries_seconds = Seconds(r0, Clock::now());
  const auto g0 = Clock::now();
  {
    std::vector<hq::StoreRegion> regions;
    for (int64_t i = 0; i < stores; ++i) {
      regions.push_back({chain.ids[static_cast<size_t>(i)], RegionOf(i)});
    }
    Must(store->AssignRegions(regions), "regions");  // optin-hq's first start with the file
  }
  const double regions_seconds = Seconds(g0, Clock::now());
  std::printf(
      "bulk load: %lld batches (%lld cells, %.0f MB of signed batches) generated, %s and "
      "loaded in %.1f s = %.0f batches/s (%.1f s of it in the database: %s, one transaction "
      "a day of the chain%s)\n",
      static_cast<long long>(load.batches), static_cast<long long>(load.cells),
      load.jws_bytes / (1024.0 * 1024.0),
      o.sign_year ? "each signed"
                  : "each in a JWS of its store's (signature not redone: --sign-year)",
      load.seconds, static_cast<double>(load.batches) / load.seconds, load.db_seconds,
      url.starts_with("sqlite:") ? "prepared inserts" : "COPY",
      fk_off ? ", foreign-key checks off" : "");
  std::printf(
      "summary tables (store and chain day sums, reported runs) rebuilt after the load in one "
      "transaction: %.1f s; the stores file's regions assigned (region sums): %.1f s\n",
      summaries_seconds, regions_seconds);
  if (pg) {
    const auto a0 = Clock::now();
    auto conn = Must(hq::PgConnection::Connect(url), "connect");
    if (fk_off) {
      Must(conn->Exec("DO $$ BEGIN EXECUTE format('ALTER DATABASE %I RESET "
                      "session_replication_role', current_database()); END $$"),
           "foreign-key checks on again");
    }
    Must(conn->Exec("VACUUM ANALYZE"), "vacuum analyze");
    std::printf("VACUUM ANALYZE after the load (as autovacuum would in time): %.1f s\n",
                Seconds(a0, Clock::now()));
  }
  store.reset();

  // Ingest through the real route.
  Hq hq = StartHq(dir, url, stores_file);
  std::vector<std::shared_ptr<const net::TlsClientConfig>> tls, tls_full;
  auto random = Must(platform::CtrDrbg::Create("hq-bench-ingest"), "drbg");
  for (int64_t i = 0; i < stores; ++i) {
    net::TlsClientSettings t;
    t.ca_bundle_pem = chain.ca_pem;
    t.cert_chain_pem = chain.certs[static_cast<size_t>(i)];
    t.key_pem = Must(chain.keys[static_cast<size_t>(i)].ToPem(), "pem");
    tls.push_back(Must(net::TlsClientConfig::Create(t, *random), "client tls"));
    t.resume_sessions = false;
    tls_full.push_back(Must(net::TlsClientConfig::Create(t, *random), "client tls"));
  }
  auto resumed_so_far = [&tls] {
    uint64_t n = 0;
    for (const auto& t : tls) n += t->resumed_handshakes();
    return n;
  };
  net::EventLoop loop;
  std::thread loop_thread([&loop] { loop.Run(1); });
  for (int64_t phase = 0; phase < phases; ++phase) {
    // Per upload 1: the nightly wave, day by day every store its day's batch. Per upload N: a
    // store sends N days in one upload, as a box's uploader does after HQ was away N days.
    const int64_t per_upload = o.per_upload[static_cast<size_t>(phase)];
    const int64_t day0 = last + 1 + phase * ingest_days;
    std::vector<std::pair<size_t, std::vector<std::string>>> uploads;
    int64_t made = 0;
    const auto s0 = Clock::now();
    for (int64_t d0 = 0; d0 < ingest_days && made < ingest; d0 += per_upload) {
      for (int64_t i = 0; i < stores && made < ingest; ++i) {
        std::vector<std::string> jws;
        for (int64_t d = d0; d < std::min(ingest_days, d0 + per_upload) && made < ingest; ++d) {
          sync::BatchContent c = DayContent(chain.ids[static_cast<size_t>(i)], i, day0 + d);
          jws.push_back(Must(sync::MakeJwsSigner(chain.keys[static_cast<size_t>(i)],
                                                 *random)(sync::BatchPayload(c)),
                             "sign"));
          ++made;
        }
        uploads.emplace_back(static_cast<size_t>(i), std::move(jws));
      }
    }
    std::printf(
        "signing the %lld batches to upload (ES256, one thread): %.1f s = %.2f ms a batch\n",
        static_cast<long long>(made), Seconds(s0, Clock::now()),
        Seconds(s0, Clock::now()) * 1000 / static_cast<double>(std::max<int64_t>(made, 1)));
    const bool resume = o.resume[static_cast<size_t>(phase)];
    const uint64_t resumed_before = resumed_so_far();
    const CpuUse cpu0 = ReadCpuUse();
    const IngestResult in = Ingest(loop, resume ? tls : tls_full, hq.port, uploads, o.concurrency);
    const uint64_t resumed = resumed_so_far() - resumed_before;
    std::printf(
        "ingest (%s, %s): %lld batches stored (%lld duplicates, %lld refused, %lld failed "
        "requests) in %lld uploads of %lld batch(es), each a new mutual-TLS connection with the "
        "store's certificate (%llu resumed the store's last session, %llu full handshakes), %lld "
        "in flight, every signature checked: %.1f s = %.0f batches/s (target >= 500)\n",
        per_upload == 1 ? "nightly wave" : "catch-up",
        resume ? "stores resume their TLS session" : "no session resumption",
        static_cast<long long>(in.stored), static_cast<long long>(in.duplicate),
        static_cast<long long>(in.refused), static_cast<long long>(in.failed_requests),
        static_cast<long long>(in.requests), static_cast<long long>(per_upload),
        static_cast<unsigned long long>(resumed),
        static_cast<unsigned long long>(static_cast<uint64_t>(in.requests) - resumed),
        static_cast<long long>(o.concurrency), in.seconds,
        static_cast<double>(in.stored) / in.seconds);
    if (!in.first_problem.empty()) std::printf("  first problem: %s\n", in.first_problem.c_str());
    const CpuUse cpu1 = ReadCpuUse();
    const double n = static_cast<double>(std::max<int64_t>(in.stored, 1)) / 1000.0;
    const double hq_ms = (cpu1.hq - cpu0.hq) / n, pg_ms = (cpu1.postgres - cpu0.postgres) / n;
    std::printf(
        "  CPU a batch: optin-hq %.2f ms, PostgreSQL %.2f ms, the stores' side (this program: TLS "
        "client) %.2f ms; HQ's own share alone would fill 2 cores at %.0f batches/s\n",
        hq_ms, pg_ms, (cpu1.self - cpu0.self) / n, 2000.0 / std::max(hq_ms + pg_ms, 0.001));
  }

  // An analyst's figures.
  {
    optin::testing::ChildProcess add(
        {OPTIN_HQ_PATH, "user", "add", "--id", "bench-analyst", "--role", "analyst", "--db", url});
    add.WriteStdin("bench password of some length\n");
    add.CloseStdin();
    std::string output;
    if (add.Wait(std::chrono::seconds(60), &output) != 0) Die("optin-hq user add: " + output);
  }
  net::TlsClientSettings people;
  people.ca_bundle_pem = chain.ca_pem;
  auto people_tls = Must(net::TlsClientConfig::Create(people, *random), "people tls");
  std::string cookie;
  {
    net::HttpsRequest r;
    r.method = "POST";
    r.target = "/v1/login";
    r.headers.emplace_back("Content-Type", "application/json");
    r.body = R"({"id":"bench-analyst","password":"bench password of some length"})";
    auto resp = Must(Call(loop, people_tls, hq.web_port, r), "login");
    for (const auto& [name, value] : resp.headers) {
      std::string lower = name;
      for (char& ch : lower) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
      if (lower == "set-cookie") cookie = value.substr(0, value.find(';'));
    }
    if (resp.status != 200 || cookie.empty()) Die("login: " + resp.body);
  }
  {
    // The floor under every call below: a new TLS connection and a request refused for want of
    // a session (the client opens a connection per request, as HttpsClient does).
    std::vector<double> ms;
    int status = 0;
    for (int64_t k = 0; k < o.queries; ++k) {
      net::HttpsRequest r;
      r.target = "/v1/figures?metric=checkins_total";
      const auto q0 = Clock::now();
      auto resp = Must(Call(loop, people_tls, hq.web_port, r), "floor");
      ms.push_back(Seconds(q0, Clock::now()) * 1000);
      status = resp.status;
    }
    const Latency l = Percentiles(ms);
    std::printf(
        "floor of each call below (a new TLS connection resuming the analyst's TLS session, no "
        "login cookie, answered %d): p50 %.1f ms, "
        "p99 %.1f ms\n",
        status, l.p50, l.p99);
  }
  const std::string range =
      "&by=day&from=" + hq::FormatIsoDate(first) + "&to=" + hq::FormatIsoDate(last);
  auto figures = [&](const char* what, const std::function<std::string(int64_t)>& query) {
    std::vector<double> ms;
    int64_t rows = 0;
    for (int64_t k = -1; k < o.queries; ++k) {  // k = -1: a warm-up, not counted
      net::HttpsRequest r;
      r.target = "/v1/figures?metric=checkins_total" + range + query(std::max<int64_t>(k, 0));
      r.headers.emplace_back("Cookie", cookie);
      const auto q0 = Clock::now();
      auto resp = Must(Call(loop, people_tls, hq.web_port, r), "figures");
      const double t = Seconds(q0, Clock::now()) * 1000;
      if (resp.status != 200) Die(std::string(what) + ": " + resp.body);
      json::value v = json::parse(resp.body);
      rows = static_cast<int64_t>(v.at("rows").as_array().size());
      if (rows != o.days) Die(std::string(what) + ": " + std::to_string(rows) + " rows");
      if (k >= 0) ms.push_back(t);
    }
    const Latency l = Percentiles(ms);
    std::printf("GET /v1/figures %s: %lld days, n=%zu: p50 %.1f ms, p99 %.1f ms (max %.1f ms)\n",
                what, static_cast<long long>(rows), l.n, l.p50, l.p99, l.max);
  };
  figures("chain by day", [](int64_t) { return std::string(); });
  figures("by region (one region's year by day)",
          [](int64_t k) { return "&region=" + RegionOf(k); });
  figures("one store's year by day", [&](int64_t k) {
    return "&store=" + chain.ids[static_cast<size_t>((k * 7919) % stores)];
  });
  // The privacy officer's view, from the epsilon tables ingest keeps (migration 9): the chain's
  // days (a row per store-day read) and the store-days above the policy; a store's every day.
  auto epsilon = [&](const char* what, int64_t from,
                     const std::function<std::string(int64_t)>& store) {
    std::vector<double> ms;
    size_t bytes = 0, days = 0, per_day = 0;
    int64_t over = 0;
    for (int64_t k = -1; k < std::min<int64_t>(o.queries, 5); ++k) {
      net::HttpsRequest r;
      r.target = "/v1/privacy/epsilon?from=" + hq::FormatIsoDate(from) +
                 "&to=" + hq::FormatIsoDate(last) + store(std::max<int64_t>(k, 0));
      r.headers.emplace_back("Cookie", cookie);
      const auto q0 = Clock::now();
      auto resp = Must(Call(loop, people_tls, hq.web_port, r), "epsilon");
      const double t = Seconds(q0, Clock::now()) * 1000;
      if (resp.status != 200) Die(std::string(what) + ": " + resp.body);
      bytes = resp.body.size();
      const json::value answer = json::parse(resp.body);
      days = answer.at("days").as_array().size();
      if (answer.at("by_day").is_array()) {
        per_day = answer.at("by_day").as_array().size();
        over = answer.at("over_policy_days").as_int64();
      }
      if (k >= 0) ms.push_back(t);
    }
    const Latency l = Percentiles(ms);
    const std::string chain = per_day ? std::to_string(per_day) + " days of the chain (" +
                                            std::to_string(over) + " store-days over the policy), "
                                      : std::string();
    std::printf(
        "GET /v1/privacy/epsilon %s: %s%zu store-days listed, %.3f MB, n=%zu: p50 %.1f ms, "
        "max %.1f ms\n",
        what, chain.c_str(), days, static_cast<double>(bytes) / 1e6, l.n, l.p50, l.max);
  };
  epsilon("the chain's last 14 days", std::max(first, last - 13),
          [](int64_t) { return std::string(); });
  epsilon("one store's year", first, [&](int64_t k) {
    return "&store=" + chain.ids[static_cast<size_t>((k * 7919) % stores)];
  });
  loop.Stop();
  loop_thread.join();
  hq.process.reset();

  {
    // Where a figure's time goes, in this process on the same database (no HTTP): the whole
    // computation, and the two reads it makes of the store.
    auto st = OpenStore(url);
    auto directory = Must(hq::StoreDirectory::Load(stores_file), "stores file");
    std::vector<hq::StoreRegion> regions;
    for (const hq::StoreInfo& s : directory.stores()) regions.push_back({s.id, s.region});
    Must(st->AssignRegions(regions), "regions");  // as optin-hq does at start (nothing moves)
    const int64_t n = std::min<int64_t>(o.queries, 10);
    auto breakdown = [&](const char* what, hq::FigureScope scope) {
      std::vector<double> all, sums, reporting;
      size_t rows = 0, pairs = 0;
      for (int64_t k = 0; k < n; ++k) {
        hq::FiguresRequest req;
        req.metric = "checkins_total";
        req.from_day = first;
        req.to_day = last;
        req.scope = scope;
        auto c0 = Clock::now();
        Must(hq::ComputeFigures(*st, &directory, req), "figures");
        all.push_back(Seconds(c0, Clock::now()) * 1000);
        std::optional<std::vector<std::string>> only;
        if (scope.kind == hq::FigureScope::Kind::kStore) only.emplace(1, scope.value);
        if (scope.kind == hq::FigureScope::Kind::kRegion) {
          only.emplace();
          for (const hq::StoreInfo& s : directory.stores()) {
            if (s.region == scope.value) only->push_back(s.id);
          }
        }
        c0 = Clock::now();
        std::optional<std::string> region;
        if (scope.kind == hq::FigureScope::Kind::kRegion) region = scope.value;
        rows =
            Must(
                st->SumByDay(hq::FiguresQuery{req.metric, std::nullopt, first, last, only, region}),
                "sums")
                .size();
        sums.push_back(Seconds(c0, Clock::now()) * 1000);
        c0 = Clock::now();
        pairs = Must(st->ReportedRuns(first, last, only), "reported runs").size();
        reporting.push_back(Seconds(c0, Clock::now()) * 1000);
      }
      std::printf(
          "  in-process %s: ComputeFigures p50 %.1f ms; of it SumByDay p50 %.1f ms (%zu day "
          "rows), ReportedRuns p50 %.1f ms (%zu runs)\n",
          what, Percentiles(all).p50, Percentiles(sums).p50, rows, Percentiles(reporting).p50,
          pairs);
    };
    breakdown("chain", hq::FigureScope{});
    breakdown("region", hq::FigureScope{hq::FigureScope::Kind::kRegion, RegionOf(0)});
    breakdown("store", hq::FigureScope{hq::FigureScope::Kind::kStore, chain.ids[0]});
  }

  std::string detail;
  const int64_t bytes = DatabaseBytes(url, &detail);
  std::printf("database size: %.1f MB (%s)\n", static_cast<double>(bytes) / (1024.0 * 1024.0),
              detail.c_str());

  // Migration 9 on this database as an older HQ left it (no epsilon tables): applied again, it
  // reads every stored batch's signed payload; what it fills must be what ingest kept.
  {
    auto before = OpenStore(url);
    const auto kept = Must(before->EpsilonByDay(first, today, 1'000'000), "epsilon by day");
    before.reset();
    const std::string undo =
        "DROP TABLE hq_epsilon_sums; DROP TABLE hq_epsilon_days; DELETE FROM "
        "hq_schema_migrations WHERE version = 9";
    if (pg) {
      Must(Must(hq::PgConnection::Connect(url), "connect")->Exec(undo), "undo migration 9");
    } else {
      Must(Must(store::Connection::Open(url.substr(7), store::OpenMode::kReadWrite), "open")
               ->Exec(undo),
           "undo migration 9");
    }
    const auto m0 = Clock::now();
    auto after = OpenStore(url);
    const double took = Seconds(m0, Clock::now());
    const auto filled = Must(after->EpsilonByDay(first, today, 1'000'000), "epsilon by day");
    auto same = [](const hq::EpsilonChainDay& a, const hq::EpsilonChainDay& b) {
      return a.day == b.day && a.stores == b.stores && a.over_policy == b.over_policy &&
             a.max_micros == b.max_micros && a.unstated == b.unstated;
    };
    if (!std::equal(kept.begin(), kept.end(), filled.begin(), filled.end(), same)) {
      Die("migration 9 filled other epsilon days than ingest kept");
    }
    std::printf(
        "migration 9 (the epsilon tables filled from the signed batches stored): %.1f s, "
        "the same %zu days as ingest kept\n",
        took, filled.size());
  }
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto number = [&](int64_t* out) {
      if (i + 1 >= argc) Die(a + " needs a number");
      char* end = nullptr;
      *out = std::strtoll(argv[++i], &end, 10);
      if (*end != '\0' || *out < 0) Die(a + " needs a whole number >= 0");
    };
    if (a == "--stores") {
      number(&o.stores);
    } else if (a == "--days") {
      number(&o.days);
    } else if (a == "--ingest") {
      number(&o.ingest);
    } else if (a == "--per-upload") {
      int64_t n = 0;
      number(&n);
      o.per_upload = {n};
      o.resume = {true};
    } else if (a == "--concurrency") {
      number(&o.concurrency);
    } else if (a == "--queries") {
      number(&o.queries);
    } else if (a == "--sqlite-stores") {
      number(&o.sqlite_stores);
    } else if (a == "--keep-fk-checks") {
      o.keep_fk_checks = true;
    } else if (a == "--sign-year") {
      o.sign_year = true;
    } else if (a == "--db" && i + 1 < argc) {
      o.db = argv[++i];
    } else {
      Die("unknown argument '" + a +
          "' (usage: hq_bench [--stores N] [--days N] [--ingest N] [--per-upload N] "
          "[--concurrency N] [--queries N] [--db sqlite:PATH|postgresql://...] "
          "[--sqlite-stores N] [--sign-year] [--keep-fk-checks])");
    }
  }
  if (o.stores < 1 || o.days < 1 || o.per_upload.front() < 1 || o.per_upload.front() > 50 ||
      o.concurrency < 1 || o.queries < 1) {
    Die("--stores, --days, --concurrency and --queries must be at least 1, --per-upload 1 to 50");
  }
  if (o.days > 1100) Die("--days: at most 1100 (a figures query covers at most 1100 days)");
  platform::log::SetMinLevel(platform::log::Level::kWarn);
  std::setvbuf(stdout, nullptr, _IOLBF, 0);  // each figure as soon as it is measured
  const fs::path dir = fs::temp_directory_path() / ("optin-hq-bench-" + std::to_string(getpid()));
  fs::create_directories(dir);
  std::printf("hq_bench: %u hardware threads\n", std::thread::hardware_concurrency());
  if (!o.db.empty()) {
    if (o.db.starts_with("sqlite:")) {
      RunEngine(o, o.stores, o.db, dir, "SQLite " + o.db);
    } else {
      RunEngine(o, o.stores, o.db, dir, "PostgreSQL " + o.db);
    }
  } else {
    {
      auto pg = Must(bench::BenchPostgres::Start(), "start PostgreSQL 15");
      g_postmaster = pg->postmaster();
      std::signal(SIGINT, OnSignal);
      std::signal(SIGTERM, OnSignal);
      RunEngine(o, o.stores, pg->url(), dir,
                "PostgreSQL 15 (own server: " + std::string(bench::BenchPostgres::kSettings) + ")");
      g_postmaster = 0;  // stopped by ~BenchPostgres below
    }
    if (o.sqlite_stores > 0) {
      RunEngine(o, o.sqlite_stores, "sqlite:" + (dir / "hq.db").string(), dir, "SQLite (embedded)");
    }
  }
  std::error_code ec;
  fs::remove_all(dir, ec);
  return 0;
}
