// One plain-HTTP/1.1 exchange with a server on 127.0.0.1, over a raw socket (Connection:
// close, a 10-s receive timeout): what the tests use to talk to a daemon's public listener
// without TLS. Header-only; thread-compatible.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <boost/json.hpp>
#include <cstdint>
#include <string>

namespace optin::testing {

// A TCP connection to 127.0.0.1:port, or -1.
inline int ConnectLoopback(uint16_t port) {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    close(fd);
    return -1;
  }
  return fd;
}

struct HttpResult {
  int status = 0;  // 0: no answer
  std::string body;
  std::string headers;
  boost::json::value json() const {
    boost::system::error_code ec;
    auto v = boost::json::parse(body, ec);
    return ec ? boost::json::value() : v;
  }
};

// `extra_headers`: whole header lines, each ending in "\r\n".
inline HttpResult HttpCall(uint16_t port, const std::string& method, const std::string& target,
                           const std::string& body = "", const std::string& bearer = "",
                           const std::string& content_type = "application/json",
                           const std::string& extra_headers = "") {
  HttpResult r;
  int fd = ConnectLoopback(port);
  if (fd < 0) return r;
  timeval tv{10, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  std::string req = method + " " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n";
  req += extra_headers;
  if (!bearer.empty()) req += "Authorization: Bearer " + bearer + "\r\n";
  if (!body.empty()) req += "Content-Type: " + content_type + "\r\n";
  req += "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
  for (size_t sent = 0; sent < req.size();) {
    ssize_t n = send(fd, req.data() + sent, req.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) break;
    sent += static_cast<size_t>(n);
  }
  std::string resp;
  char buf[8192];
  for (ssize_t n; (n = recv(fd, buf, sizeof buf, 0)) > 0;) resp.append(buf, static_cast<size_t>(n));
  close(fd);
  const size_t head_end = resp.find("\r\n\r\n");
  if (resp.size() < 12 || head_end == std::string::npos) return r;
  r.status = std::stoi(resp.substr(9, 3));
  r.headers = resp.substr(0, head_end);
  r.body = resp.substr(head_end + 4);
  return r;
}

}  // namespace optin::testing
