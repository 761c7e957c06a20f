// beast::websocket::stream<TlsStream> works unchanged: handshake, full-duplex messages, and a
// close that goes through our teardown overloads.
#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/buffers_to_string.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/websocket/stream.hpp>
#include <thread>

#include "net/tls_stream.h"
#include "test_pki.h"

namespace optin::net::tls_websocket_test {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = boost::beast::websocket;
using tcp = asio::ip::tcp;
using testing::TestPki;

TEST(TlsWebsocketTest, WebsocketOverTlsStreamEchoesAndClosesCleanly) {
  asio::io_context io;
  tcp::acceptor acceptor(io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
  websocket::stream<TlsStream> server(beast::tcp_stream(io), TestPki::Get().Server());
  websocket::stream<TlsStream> client(beast::tcp_stream(io), TestPki::Get().Client(), "localhost");
  beast::flat_buffer server_buffer;
  beast::flat_buffer client_buffer;
  std::vector<std::string> client_received;
  beast::error_code server_end;
  beast::error_code client_end;
  bool closed = false;
  // A deadline for the whole test, set before any operation starts.
  beast::get_lowest_layer(server).expires_after(std::chrono::seconds(10));
  beast::get_lowest_layer(client).expires_after(std::chrono::seconds(10));

  // Server: accept, TLS handshake, websocket accept, echo until the client closes.
  std::function<void()> echo = [&] {
    server.async_read(server_buffer, [&](beast::error_code ec, size_t) {
      if (ec) {
        server_end = ec;
        return;
      }
      server.text(server.got_text());
      server.async_write(server_buffer.data(), [&](beast::error_code write_ec, size_t) {
        server_buffer.consume(server_buffer.size());
        if (!write_ec) echo();
      });
    });
  };
  acceptor.async_accept([&](beast::error_code ec, tcp::socket socket) {
    ASSERT_FALSE(ec);
    beast::get_lowest_layer(server).socket() = std::move(socket);
    server.next_layer().async_handshake([&](beast::error_code handshake_ec) {
      ASSERT_FALSE(handshake_ec) << handshake_ec.message();
      server.async_accept([&](beast::error_code accept_ec) {
        ASSERT_FALSE(accept_ec) << accept_ec.message();
        echo();
      });
    });
  });

  // Client: connect, handshake, send three messages, read three echoes, close.
  const std::vector<std::string> messages = {"one", std::string(70 * 1024, 'w'), "three"};
  std::function<void(size_t)> exchange = [&](size_t i) {
    if (i == messages.size()) {
      client.async_close(websocket::close_code::normal, [&](beast::error_code ec) {
        client_end = ec;
        closed = true;
      });
      return;
    }
    client.async_write(asio::buffer(messages[i]), [&, i](beast::error_code ec, size_t) {
      ASSERT_FALSE(ec) << ec.message();
      client.async_read(client_buffer, [&, i](beast::error_code read_ec, size_t) {
        ASSERT_FALSE(read_ec) << read_ec.message();
        client_received.push_back(beast::buffers_to_string(client_buffer.data()));
        client_buffer.consume(client_buffer.size());
        exchange(i + 1);
      });
    });
  };
  beast::get_lowest_layer(client).async_connect(
      acceptor.local_endpoint(), [&](beast::error_code ec) {
        ASSERT_FALSE(ec);
        client.next_layer().async_handshake([&](beast::error_code handshake_ec) {
          ASSERT_FALSE(handshake_ec) << handshake_ec.message();
          client.async_handshake("localhost", "/ws", [&](beast::error_code ws_ec) {
            ASSERT_FALSE(ws_ec) << ws_ec.message();
            exchange(0);
          });
        });
      });

  io.run();
  EXPECT_EQ(client_received, messages);
  EXPECT_TRUE(closed);
  EXPECT_FALSE(client_end) << client_end.message();
  EXPECT_EQ(server_end, websocket::error::closed) << server_end.message();
}

}  // namespace
}  // namespace optin::net::tls_websocket_test
