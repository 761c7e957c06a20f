// The reference HQ as a real process on loopback, with the store's uploader (real HttpsClient,
// mutual TLS) in this process: HQ down then up, replays, bad signatures, unknown stores.
#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <fstream>
#include <future>
#include <thread>

#include "net/event_loop.h"
#include "net/https_client.h"
#include "platform/x509.h"
#include "sync/hq_transport.h"
#include "tests/unit/net/child_process.h"
#include "tests/unit/sync/sync_world.h"

namespace optin::testing {
namespace {

namespace json = boost::json;
using net::testing::ChildProcess;
using net::testing::WaitForPort;
using namespace std::chrono_literals;

uint16_t FreePort() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
  socklen_t len = sizeof a;
  getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  close(fd);
  return ntohs(a.sin_port);
}

void WriteFile(const std::filesystem::path& p, const std::string& text) {
  std::ofstream(p, std::ios::binary) << text;
}

struct Pki {
  std::string ca_pem, server_pem, server_key_pem;
};

// A CA, HQ's server certificate for localhost, and a client certificate (CN = cn) for `key`.
std::string IssueClient(platform::Random& random, const platform::EcdsaPrivateKey& ca_key,
                        const std::string& ca_pem, const platform::EcdsaPrivateKey& key,
                        std::string_view cn, int64_t now) {
  auto csr = ValueOrDie(platform::CreateCertificateSigningRequest(key, random, cn, {}), "csr");
  return ValueOrDie(platform::SignCertificateRequest(ca_key, ca_pem, csr, random, now - 3600,
                                                     now + 86'400 * 30, true),
                    "sign client");
}

class HqReceiverProcessTest : public ::testing::Test {
 protected:
  HqReceiverProcessTest()
      : random_(777),
        ca_key_(ValueOrDie(platform::EcdsaPrivateKey::Generate(random_), "ca key")),
        server_key_(ValueOrDie(platform::EcdsaPrivateKey::Generate(random_), "server key")) {
    const int64_t now = platform::SystemClock::Instance().NowUnix();
    ca_pem_ = ValueOrDie(platform::CreateCertificateAuthority(ca_key_, random_, "Test HQ CA",
                                                              now - 3600, now + 86'400 * 30),
                         "ca");
    auto csr = ValueOrDie(
        platform::CreateCertificateSigningRequest(server_key_, random_, "localhost", {"localhost"}),
        "server csr");
    server_pem_ = ValueOrDie(platform::SignCertificateRequest(ca_key_, ca_pem_, csr, random_,
                                                              now - 3600, now + 86'400 * 30, true),
                             "server cert");
    device_pem_ =
        IssueClient(random_, ca_key_, ca_pem_, w_.keys().signing_key(), "store-0042", now);
    WriteFile(dir_ / "ca.pem", ca_pem_);
    WriteFile(dir_ / "server.pem", server_pem_);
    WriteFile(dir_ / "server.key", ValueOrDie(server_key_.ToPem(), "pem"));
    port_ = FreePort();
    loop_thread_ = std::thread([this] { loop_.Run(1); });
    client_tls_ = ClientTls(device_pem_, w_.keys().signing_key());
  }
  ~HqReceiverProcessTest() override {
    hq_.reset();
    loop_.Stop();
    loop_thread_.join();
  }

  std::shared_ptr<const net::TlsClientConfig> ClientTls(const std::string& cert,
                                                        const platform::EcdsaPrivateKey& key) {
    net::TlsClientSettings s;
    s.ca_bundle_pem = ca_pem_;
    s.cert_chain_pem = cert;
    s.key_pem = ValueOrDie(key.ToPem(), "key pem");
    return ValueOrDie(net::TlsClientConfig::Create(s, random_), "client tls");
  }

  void StartHq() {
    hq_ = std::make_unique<ChildProcess>(
        std::vector<std::string>{HQ_RECEIVER_PATH, "--listen", "127.0.0.1:" + std::to_string(port_),
                                 "--cert", (dir_ / "server.pem").string(), "--key",
                                 (dir_ / "server.key").string(), "--client-ca",
                                 (dir_ / "ca.pem").string(), "--db", (dir_ / "hq.db").string()},
        std::string(), (dir_ / "hq.log").string());
    ASSERT_TRUE(WaitForPort(port_, 10s));
  }

  Result<net::Response> Call(std::string method, std::string target, std::string body = {},
                             std::shared_ptr<const net::TlsClientConfig> tls = nullptr) {
    net::HttpsClient client(loop_, tls ? tls : client_tls_);
    net::HttpsRequest r;
    r.method = std::move(method);
    r.target = std::move(target);
    r.body = std::move(body);
    std::promise<Result<net::Response>> p;
    client.Request("localhost", port_, r, [&p](Result<net::Response> x) { p.set_value(x); });
    return p.get_future().get();
  }

  json::array StoredBatches() {
    auto r = Call("GET", "/batches?store=store-0042");
    EXPECT_TRUE(r.has_value());
    if (!r) return {};
    return json::parse(r->body).as_object().at("batches").as_array();
  }

  std::string Body(const std::vector<std::string>& jws) {
    json::array a;
    for (const auto& j : jws) a.emplace_back(j);
    return json::serialize(json::object{{"batches", a}});
  }

  SyncWorld w_;
  TempDir dir_;
  platform::SeededRandom random_;
  platform::EcdsaPrivateKey ca_key_;
  platform::EcdsaPrivateKey server_key_;
  std::string ca_pem_, server_pem_, device_pem_;
  uint16_t port_ = 0;
  net::EventLoop loop_;
  std::thread loop_thread_;
  std::shared_ptr<const net::TlsClientConfig> client_tls_;
  std::unique_ptr<ChildProcess> hq_;
};

TEST_F(HqReceiverProcessTest, HqDownThenUpDeliversEachBatchOnce) {
  w_.Shopper("a", {consent::Purpose::kHqAggregates});
  for (int i = 0; i < 3; ++i) w_.NextPeriod();
  sync::HqUrl url{"localhost", port_, "/v1/batches"};
  sync::HttpsTransport transport(loop_, client_tls_, url);
  sync::Uploader uploader(w_.database().db(), w_.outbox(), transport, w_.clock(),
                          w_.keys().random());
  EXPECT_EQ(uploader.Step(), sync::StepResult::kFailed);  // HQ is down
  EXPECT_EQ(w_.database().Count("sync_outbox", "maybe_sent = 0"), 3);
  StartHq();
  w_.clock().Advance(std::chrono::hours(2));
  EXPECT_EQ(uploader.Step(), sync::StepResult::kDelivered);
  EXPECT_EQ(uploader.Step(), sync::StepResult::kIdle);
  EXPECT_EQ(w_.database().Count("sync_outbox"), 0);
  auto stored = StoredBatches();
  ASSERT_EQ(stored.size(), 3u);
  EXPECT_EQ(stored[0].at("payload").at("metrics").at("checkins_by_channel").at("cells").at("app"),
            1);
  EXPECT_EQ(stored[0].at("payload").at("schema"), "optin-hq-batch/2");
}

TEST_F(HqReceiverProcessTest, ReplayIsAcknowledgedAsDuplicateAndStoredOnce) {
  StartHq();
  w_.NextPeriod();
  auto batch = w_.Batches().at(0);
  auto first = Call("POST", "/v1/batches", Body({batch.jws}));
  ASSERT_TRUE(first.has_value());
  EXPECT_NE(first->body.find("\"stored\""), std::string::npos) << first->body;
  auto replay = Call("POST", "/v1/batches", Body({batch.jws, batch.jws}));
  ASSERT_TRUE(replay.has_value());
  auto results = json::parse(replay->body).as_object().at("results").as_array();
  ASSERT_EQ(results.size(), 2u);
  for (const auto& r : results) EXPECT_EQ(r.as_object().at("status").as_string(), "duplicate");
  EXPECT_EQ(StoredBatches().size(), 1u);
}

TEST_F(HqReceiverProcessTest, RefusesBadSignaturesUnknownStoresAndMalformedInput) {
  StartHq();
  // Signed by a key other than the presented certificate's.
  auto other_key = ValueOrDie(platform::EcdsaPrivateKey::Generate(random_), "key");
  w_.NextPeriod();
  auto payload = w_.Payload(w_.Batches().at(0));
  auto forged = ValueOrDie(sync::MakeJwsSigner(other_key, random_)(payload), "sign");
  // A batch for another store, properly signed by this device.
  auto foreign = payload;
  foreign["store_id"] = "store-9999";
  foreign["batch_id"] = sync::BatchId("store-9999", 0, 3600);
  foreign["period"] = json::object{{"start", 0}, {"end", 3600}, {"periods", 1}};
  auto foreign_jws =
      ValueOrDie(sync::MakeJwsSigner(w_.keys().signing_key(), random_)(foreign), "sign");
  auto r = Call("POST", "/v1/batches", Body({forged, foreign_jws, "not-a-jws"}));
  ASSERT_TRUE(r.has_value());
  auto results = json::parse(r->body).as_object().at("results").as_array();
  ASSERT_EQ(results.size(), 3u);
  EXPECT_EQ(results[0].as_object().at("reason").as_string(), "bad-signature");
  EXPECT_EQ(results[1].as_object().at("reason").as_string(), "unknown-store");
  EXPECT_EQ(results[2].as_object().at("reason").as_string(), "malformed");
  auto bad = Call("POST", "/v1/batches", "{not json");
  ASSERT_TRUE(bad.has_value());
  EXPECT_EQ(bad->status, 400);
  EXPECT_EQ(StoredBatches().size(), 0u);
  // A client without a certificate does not get past the handshake.
  net::TlsClientSettings anonymous;
  anonymous.ca_bundle_pem = ca_pem_;
  auto no_cert = Call("GET", "/batches", {},
                      ValueOrDie(net::TlsClientConfig::Create(anonymous, random_), "tls"));
  EXPECT_FALSE(no_cert.has_value());
}

// Batches written by boxes that still run format 1 keep arriving during an upgrade: HQ
// verifies and stores them as before. A version it does not know is refused by name, with a
// problem+json object, not as "malformed". Each verdict is logged with store, period and verdict.
TEST_F(HqReceiverProcessTest, VersionOneBatchStillVerifiesAndStoresOtherVersionsAreRefusedByName) {
  StartHq();
  // A day before the format-2 batch below (another period, another batch id).
  const int64_t start = 1'790'000'000 / 3600 * 3600 - 86'400;
  json::object v1{
      {"schema", "optin-hq-batch/1"},
      {"batch_id", sync::BatchId("store-0042", start, start + 3600)},
      {"store_id", "store-0042"},
      {"period", json::object{{"start", start}, {"end", start + 3600}, {"periods", 1}}},
      {"created_at", start + 3660},
      {"software_version", "0.9.0"},
      {"audit", json::object{{"head", std::string(64, 'a')}, {"intact", true}}},
      {"noise", json::object{{"mechanism", "discrete-laplace"},
                             {"scale_num", 6'000'000},
                             {"scale_den", 41'666},
                             {"sensitivity", 6},
                             {"suppress_below", 10},
                             {"epsilon_micros", 41'666},
                             {"caps", json::object{{"checkins", 1},
                                                   {"help_requests", 1},
                                                   {"claims", 1},
                                                   {"offer_views", 3}}}}},
      {"suppressed_cells", 2},
      {"metrics", json::object{{"checkins_by_channel", json::object{{"app", 212}}}}}};
  auto sign = sync::MakeJwsSigner(w_.keys().signing_key(), random_);
  const std::string v1_jws = ValueOrDie(sign(v1), "sign v1");
  // A format-2 batch from the real aggregator, and the same claiming a format 3.
  w_.NextPeriod();
  auto v2 = w_.Payload(w_.Batches().at(0));
  ASSERT_EQ(v2.at("schema").as_string(), "optin-hq-batch/2");
  auto v3 = v2;
  v3["schema"] = "optin-hq-batch/3";
  const int64_t s3 = start + 7 * 86'400;
  v3["batch_id"] = sync::BatchId("store-0042", s3, s3 + 3600);
  v3["period"] = json::object{{"start", s3}, {"end", s3 + 3600}, {"periods", 1},
                              {"covers", json::array{json::object{{"start", s3},
                                                                  {"end", s3 + 3600}}}}};
  auto r = Call("POST", "/v1/batches",
                Body({v1_jws, w_.Batches().at(0).jws, ValueOrDie(sign(v3), "sign v3")}));
  ASSERT_TRUE(r.has_value());
  ASSERT_EQ(r->status, 200) << r->body;
  auto results = json::parse(r->body).as_object().at("results").as_array();
  ASSERT_EQ(results.size(), 3u);
  EXPECT_EQ(results[0].at("status").as_string(), "stored") << json::serialize(results[0]);
  EXPECT_EQ(results[1].at("status").as_string(), "stored") << json::serialize(results[1]);
  EXPECT_EQ(results[2].at("status").as_string(), "rejected");
  EXPECT_EQ(results[2].at("reason").as_string(), "unsupported-version");
  const auto& problem = results[2].at("problem").as_object();
  EXPECT_EQ(problem.at("type").as_string(), "urn:optin-hq:problem:unsupported-version");
  EXPECT_EQ(problem.at("version").as_string(), "optin-hq-batch/3");
  EXPECT_NE(std::string(problem.at("detail").as_string()).find("optin-hq-batch/3"),
            std::string::npos);
  auto stored = StoredBatches();
  ASSERT_EQ(stored.size(), 2u);
  EXPECT_EQ(stored[0].at("payload").at("schema").as_string(), "optin-hq-batch/1");
  EXPECT_EQ(stored[0].at("payload").at("metrics").at("checkins_by_channel").at("app").as_int64(),
            212);
  // The log: one line per batch with store, period and verdict; no counts, nothing personal.
  hq_.reset();
  std::ifstream in(dir_ / "hq.log");
  const std::string log((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  size_t lines = 0;
  for (size_t at = log.find("\"hq.batch\""); at != std::string::npos;
       at = log.find("\"hq.batch\"", at + 1)) {
    ++lines;
  }
  EXPECT_EQ(lines, 3u) << log;
  EXPECT_NE(log.find("\"verdict\":\"stored\""), std::string::npos) << log;
  EXPECT_NE(log.find("\"verdict\":\"rejected\""), std::string::npos) << log;
  EXPECT_NE(log.find("\"period_start\":" + std::to_string(start)), std::string::npos) << log;
  EXPECT_NE(log.find("\"store\":\"store-0042\""), std::string::npos) << log;
  EXPECT_EQ(log.find("\"app\""), std::string::npos) << "no cell in the log";
  EXPECT_EQ(log.find(w_.Subject("x")), std::string::npos);
}

}  // namespace
}  // namespace optin::testing
