#include "net/tls_stream.h"

#include <gtest/gtest.h>
#include <mbedtls/x509.h>

#include <atomic>
#include <thread>

#include "test_pki.h"
#include "tls_test_peers.h"

namespace optin::net::tls_stream_test {
namespace {

using testing::TestPki;
using testing::TlsEchoServer;
using testing::TlsTestClient;

std::string Pattern(size_t size) {
  std::string data(size, '\0');
  for (size_t i = 0; i < size; ++i) data[i] = static_cast<char>('a' + (i * 7 + i / 251) % 26);
  return data;
}

TEST(TlsStreamTest, HandshakeNegotiatesTls12WithAnEcdheEcdsaAeadSuite) {
  TlsEchoServer server(TestPki::Get().Server());
  TlsTestClient client(TestPki::Get().Client());
  ASSERT_FALSE(client.Connect(server.port())) << "handshake failed";
  EXPECT_EQ(client.stream().protocol_version(), "TLSv1.2");
  std::string suite = client.stream().ciphersuite();
  EXPECT_NE(suite.find("ECDHE-ECDSA"), std::string::npos) << suite;
  EXPECT_TRUE(suite.find("GCM") != std::string::npos || suite.find("CHACHA20") != std::string::npos)
      << suite;
  EXPECT_TRUE(client.stream().peer_certificate_verified());
  EXPECT_EQ(client.stream().verify_flags(), 0u);
}

TEST(TlsStreamTest, EchoesMessagesOfEverySizeFromOneByteTo100KB) {
  TlsEchoServer server(TestPki::Get().Server());
  TlsTestClient client(TestPki::Get().Client());
  ASSERT_FALSE(client.Connect(server.port()));
  for (size_t size : {1, 2, 100, 4095, 16383, 16384, 16385, 65536, 100 * 1024}) {
    std::string data = Pattern(size);
    ASSERT_FALSE(client.Write(data)) << size;
    std::string echoed;
    ASSERT_FALSE(client.ReadExactly(size, &echoed)) << size;
    EXPECT_EQ(echoed, data) << size;
  }
}

TEST(TlsStreamTest, AReadAndAWriteCanBeInFlightAtTheSameTime) {
  TlsEchoServer server(TestPki::Get().Server());
  TlsTestClient client(TestPki::Get().Client());
  ASSERT_FALSE(client.Connect(server.port()));
  const std::string data = Pattern(50 * 1024);
  std::string echoed(data.size(), '\0');
  boost::system::error_code read_ec = boost::asio::error::timed_out;
  boost::system::error_code write_ec = boost::asio::error::timed_out;
  client.stream().next_layer().expires_after(testing::kTlsDeadline);
  // The read is started first and is pending while the write runs.
  boost::asio::async_read(client.stream(), boost::asio::buffer(echoed),
                          [&](boost::system::error_code ec, size_t) { read_ec = ec; });
  boost::asio::async_write(client.stream(), boost::asio::buffer(data),
                           [&](boost::system::error_code ec, size_t) { write_ec = ec; });
  client.Run();
  EXPECT_FALSE(write_ec) << write_ec.message();
  EXPECT_FALSE(read_ec) << read_ec.message();
  EXPECT_EQ(echoed, data);
}

TEST(TlsStreamTest, CloseNotifyFromThePeerReadsAsEof) {
  TlsEchoServer server(TestPki::Get().Server());
  TlsTestClient client(TestPki::Get().Client());
  ASSERT_FALSE(client.Connect(server.port()));
  ASSERT_FALSE(client.Write("bye"));
  std::string echoed;
  ASSERT_FALSE(client.ReadExactly(3, &echoed));
  ASSERT_FALSE(client.Shutdown());
  // The server reads our close_notify as eof and answers with its own.
  EXPECT_EQ(client.ReadUntilError(), boost::asio::error::eof);
  auto outcomes = server.WaitForOutcomes(1);
  ASSERT_EQ(outcomes.size(), 1u);
  EXPECT_EQ(outcomes[0].end, boost::asio::error::eof);
}

TEST(TlsStreamTest, PeerClosingWithoutCloseNotifyReadsAsATruncatedStream) {
  TlsEchoServer server(TestPki::Get().Server());
  TlsTestClient client(TestPki::Get().Client());
  ASSERT_FALSE(client.Connect(server.port()));
  ASSERT_FALSE(client.Write("x"));
  std::string echoed;
  ASSERT_FALSE(client.ReadExactly(1, &echoed));
  client.stream().next_layer().close();  // no close_notify
  auto outcomes = server.WaitForOutcomes(1);
  ASSERT_EQ(outcomes.size(), 1u);
  EXPECT_EQ(outcomes[0].end, TlsErrc::kStreamTruncated) << outcomes[0].end.message();
  EXPECT_NE(outcomes[0].end, boost::asio::error::eof);
}

TEST(TlsStreamTest, PeerVanishingMidHandshakeFailsTheHandshakeInsteadOfHanging) {
  TlsEchoServer server(TestPki::Get().Server());
  boost::asio::io_context io;
  boost::asio::ip::tcp::socket raw(io);
  raw.connect({boost::asio::ip::make_address("127.0.0.1"), server.port()});
  // The start of a ClientHello: a handshake record announcing 200 bytes, of which 12 arrive.
  const unsigned char half_hello[] = {0x16, 0x03, 0x01, 0x00, 0xc8, 0x01,
                                      0x00, 0x00, 0xc4, 0x03, 0x03, 0x5a};
  boost::asio::write(raw, boost::asio::buffer(half_hello));
  raw.close();
  auto outcomes = server.WaitForOutcomes(1);
  ASSERT_EQ(outcomes.size(), 1u);
  EXPECT_EQ(outcomes[0].handshake, TlsErrc::kStreamTruncated) << outcomes[0].handshake.message();
  EXPECT_EQ(TlsFailureReason(outcomes[0].handshake), "peer-closed");
}

TEST(TlsStreamTest, GarbageInsteadOfAClientHelloFailsTheHandshakeAtOnce) {
  TlsEchoServer server(TestPki::Get().Server());
  boost::asio::io_context io;
  boost::asio::ip::tcp::socket raw(io);
  raw.connect({boost::asio::ip::make_address("127.0.0.1"), server.port()});
  boost::asio::write(raw, boost::asio::buffer(std::string("GET / HTTP/1.1\r\nHost: x\r\n\r\n")));
  auto outcomes = server.WaitForOutcomes(1);  // the socket stays open: the server decides
  ASSERT_EQ(outcomes.size(), 1u);
  EXPECT_TRUE(outcomes[0].handshake);
  std::string_view reason = TlsFailureReason(outcomes[0].handshake);
  EXPECT_TRUE(reason == "not-tls" || reason == "bad-hello") << outcomes[0].handshake.message();
}

TEST(TlsStreamTest, ClientRefusesAServerCertificateForAnotherHostName) {
  TlsEchoServer server(TestPki::Get().Server("other_host"));
  TlsTestClient client(TestPki::Get().Client());
  EXPECT_TRUE(client.Connect(server.port()));
  EXPECT_NE(client.stream().verify_flags() & MBEDTLS_X509_BADCERT_CN_MISMATCH, 0u);
  EXPECT_EQ(VerifyFailureText(client.stream().verify_flags()),
            "certificate does not match the host name");
}

TEST(TlsStreamTest, ClientRefusesAServerSignedByAnUntrustedCa) {
  TlsEchoServer server(TestPki::Get().Server());
  TlsTestClient client(TestPki::Get().Client("rogue_ca"));
  EXPECT_TRUE(client.Connect(server.port()));
  EXPECT_NE(client.stream().verify_flags() & MBEDTLS_X509_BADCERT_NOT_TRUSTED, 0u);
  EXPECT_FALSE(client.stream().peer_certificate_verified());
}

TEST(TlsStreamTest, ClientRefusesExpiredAndNotYetValidServerCertificates) {
  {
    TlsEchoServer server(TestPki::Get().Server("expired"));
    TlsTestClient client(TestPki::Get().Client());
    EXPECT_TRUE(client.Connect(server.port()));
    EXPECT_EQ(VerifyFailureText(client.stream().verify_flags()), "certificate expired");
  }
  {
    TlsEchoServer server(TestPki::Get().Server("future"));
    TlsTestClient client(TestPki::Get().Client());
    EXPECT_TRUE(client.Connect(server.port()));
    EXPECT_EQ(VerifyFailureText(client.stream().verify_flags()),
              "certificate not yet valid (check the clock)");
  }
}

TEST(TlsStreamTest, MutualTlsServerAcceptsATrustedClientCertificateAndRefusesNone) {
  TlsEchoServer server(TestPki::Get().Server("server", "ca", /*require_client_cert=*/true));
  {
    TlsTestClient client(TestPki::Get().Client("ca", "client"));
    ASSERT_FALSE(client.Connect(server.port()));
    ASSERT_FALSE(client.Write("hi"));
    std::string echoed;
    ASSERT_FALSE(client.ReadExactly(2, &echoed));
    ASSERT_FALSE(client.Shutdown());
  }
  {
    TlsTestClient client(TestPki::Get().Client("ca"));
    // The client's own handshake may finish before the server refuses; the first read fails.
    if (!client.Connect(server.port())) {
      EXPECT_TRUE(client.ReadUntilError());
    }
  }
  auto outcomes = server.WaitForOutcomes(2);
  ASSERT_EQ(outcomes.size(), 2u);
  EXPECT_FALSE(outcomes[0].handshake);
  EXPECT_TRUE(outcomes[0].peer_cert_verified);
  EXPECT_TRUE(outcomes[1].handshake);
  EXPECT_EQ(TlsFailureReason(outcomes[1].handshake), "certificate")
      << outcomes[1].handshake.message();
}

// A client config offers the session of its last handshake with a server again: the next
// connection resumes it (no certificates, no public-key operations), and the server still knows
// the client's verified certificate from the ticket. A server that cannot read the ticket (new
// ticket keys, as after a restart) makes it a full handshake, which works.
TEST(TlsStreamTest, TheNextConnectionResumesTheSessionAndTheServerStillKnowsTheClient) {
  TlsEchoServer server(TestPki::Get().Server("server", "ca", /*require_client_cert=*/true));
  auto config = TestPki::Get().Client("ca", "client");
  auto echo = [](TlsTestClient& client) {
    ASSERT_FALSE(client.Write("ping"));
    std::string echoed;
    ASSERT_FALSE(client.ReadExactly(4, &echoed));
    EXPECT_EQ(echoed, "ping");
    ASSERT_FALSE(client.Shutdown());
  };
  for (int i = 0; i < 3; ++i) {
    TlsTestClient client(config);
    ASSERT_FALSE(client.Connect(server.port())) << i;
    EXPECT_EQ(client.stream().session_resumed(), i > 0) << i;
    EXPECT_TRUE(client.stream().peer_certificate_verified()) << i;
    echo(client);
  }
  EXPECT_EQ(config->resumed_handshakes(), 2u);
  auto outcomes = server.WaitForOutcomes(3);
  ASSERT_EQ(outcomes.size(), 3u);
  for (const auto& o : outcomes) {
    EXPECT_FALSE(o.handshake);
    EXPECT_TRUE(o.peer_cert_verified);
    EXPECT_FALSE(o.peer_cert_der.empty());
    EXPECT_EQ(o.peer_cert_der, outcomes[0].peer_cert_der);
  }

  // Another server under the same name, with ticket keys of its own.
  TlsEchoServer restarted(TestPki::Get().Server("server", "ca", /*require_client_cert=*/true));
  TlsTestClient client(config);
  ASSERT_FALSE(client.Connect(restarted.port()));
  EXPECT_FALSE(client.stream().session_resumed());
  echo(client);
  // A config that does not resume never offers.
  TlsClientSettings no_resume = TestPki::Get().ClientSettings("ca", "client");
  no_resume.resume_sessions = false;
  auto plain = TlsClientConfig::Create(no_resume, TestPki::Get().random());
  ASSERT_TRUE(plain) << plain.error().message;
  for (int i = 0; i < 2; ++i) {
    TlsTestClient again(*plain);
    ASSERT_FALSE(again.Connect(restarted.port()));
    EXPECT_FALSE(again.stream().session_resumed()) << i;
    echo(again);
  }
}

TEST(TlsStreamTest, TwoHundredSequentialThenFiftyConcurrentConnectionsAllEcho) {
  TlsEchoServer server(TestPki::Get().Server());
  auto config = TestPki::Get().Client();
  for (int i = 0; i < 200; ++i) {
    TlsTestClient client(config);
    ASSERT_FALSE(client.Connect(server.port())) << i;
    ASSERT_FALSE(client.Write("ping"));
    std::string echoed;
    ASSERT_FALSE(client.ReadExactly(4, &echoed));
    ASSERT_EQ(echoed, "ping");
    ASSERT_FALSE(client.Shutdown());
  }
  std::atomic<int> succeeded{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 50; ++i) {
    threads.emplace_back([&, i] {
      TlsTestClient client(config);
      if (client.Connect(server.port())) return;
      std::string message = "client " + std::to_string(i);
      if (client.Write(message)) return;
      std::string echoed;
      if (client.ReadExactly(message.size(), &echoed) || echoed != message) return;
      if (client.Shutdown()) return;
      succeeded.fetch_add(1);
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(succeeded.load(), 50);
  auto outcomes = server.WaitForOutcomes(250);
  EXPECT_EQ(outcomes.size(), 250u);
  for (const auto& outcome : outcomes) EXPECT_FALSE(outcome.handshake);
}

TEST(TlsConfigTest, ServerConfigRefusesACertificateThatDoesNotMatchItsKey) {
  TlsServerSettings settings;
  settings.cert_chain_pem = TestPki::Get().Read("server.pem");
  settings.key_pem = TestPki::Get().Read("client.key");
  auto config = TlsServerConfig::Create(settings, TestPki::random());
  ASSERT_FALSE(config.has_value());
  EXPECT_EQ(config.error().message, "TLS certificate does not match its key");
  EXPECT_EQ(config.error().code, ErrorCode::kInvalidArgument);
}

TEST(TlsConfigTest, ServerConfigRefusesTextThatIsNotPemWithAClearMessage) {
  TlsServerSettings settings;
  settings.cert_chain_pem = "not a certificate";
  settings.key_pem = TestPki::Get().Read("server.key");
  auto config = TlsServerConfig::Create(settings, TestPki::random());
  ASSERT_FALSE(config.has_value());
  EXPECT_EQ(config.error().message, "TLS certificate is not a PEM certificate");

  settings.cert_chain_pem = TestPki::Get().Read("server.pem");
  settings.key_pem = "-----BEGIN EC PRIVATE KEY-----\nAAAA\n-----END EC PRIVATE KEY-----\n";
  config = TlsServerConfig::Create(settings, TestPki::random());
  ASSERT_FALSE(config.has_value());
  EXPECT_TRUE(config.error().message.starts_with("TLS private key does not parse"))
      << config.error().message;
}

TEST(TlsConfigTest, RequiringClientCertificatesWithoutAClientCaIsRefused) {
  TlsServerSettings settings;
  settings.cert_chain_pem = TestPki::Get().Read("server.pem");
  settings.key_pem = TestPki::Get().Read("server.key");
  settings.require_client_cert = true;
  auto config = TlsServerConfig::Create(settings, TestPki::random());
  ASSERT_FALSE(config.has_value());
  EXPECT_EQ(config.error().field, "client_ca_pem");
}

TEST(TlsConfigTest, ClientConfigNeedsACaBundleAndBothHalvesOfAnIdentity) {
  TlsClientSettings settings;
  EXPECT_FALSE(TlsClientConfig::Create(settings, TestPki::random()).has_value());
  settings.ca_bundle_pem = TestPki::Get().Read("ca.pem");
  settings.cert_chain_pem = TestPki::Get().Read("client.pem");
  auto config = TlsClientConfig::Create(settings, TestPki::random());
  ASSERT_FALSE(config.has_value());
  EXPECT_EQ(config.error().message, "TLS client identity needs both a certificate and its key");
  settings.key_pem = TestPki::Get().Read("client.key");
  config = TlsClientConfig::Create(settings, TestPki::random());
  ASSERT_TRUE(config.has_value()) << config.error().message;
  EXPECT_TRUE((*config)->has_client_cert());
}

}  // namespace
}  // namespace optin::net::tls_stream_test
