// A test fixture with a real HttpServer on 127.0.0.1 (an ephemeral port) run by a 2-thread
// event loop; subclasses add routes to router_ before StartServer(). One per test.
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <thread>

#include "net/event_loop.h"
#include "net/http_server.h"
#include "net/router.h"

namespace optin::net::testing {

class ServerFixture : public ::testing::Test {
 protected:
  void StartServer(HttpServerOptions options = {}) {
    options.address = "127.0.0.1";
    options.port = 0;
    server_ = std::make_unique<HttpServer>(loop_, router_, options);
    Result<uint16_t> port = server_->Listen();
    ASSERT_TRUE(port.has_value()) << port.error().message;
    port_ = *port;
    runner_ = std::thread([this] { loop_.Run(2); });
  }

  void TearDown() override {
    loop_.Stop();
    if (runner_.joinable()) runner_.join();
    server_.reset();
  }

  EventLoop loop_;
  Router router_;
  std::unique_ptr<HttpServer> server_;
  std::thread runner_;
  uint16_t port_ = 0;
};

}  // namespace optin::net::testing
