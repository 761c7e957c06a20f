// Immutable TLS configurations over mbedTLS 2.28, one for the server side and one for the client
// side, built once and shared (std::shared_ptr<const ...>) by every TlsStream that uses them.
// Policy: TLS 1.2 only, ECDHE-ECDSA with AES-GCM or CHACHA20-POLY1305, curves x25519 and P-256,
// no renegotiation, session tickets on the server (AES-256-GCM keys rotated every lifetime). A
// client config remembers, per server name, the session its last handshake established and
// offers it again on the next connection (RFC 5077 resumption: an abbreviated handshake without
// public-key operations when the server still accepts the ticket; a full one otherwise).
// Thread-safe once created: any number of connections on any threads may use one config.
// A server config may carry a listener's HandshakeSlots (WithHandshakeSlots): every server
// TlsStream made with it then takes a slot for its handshake.
// The platform::Random passed to Create() must outlive the config and every stream using it.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "platform/error.h"
#include "platform/random.h"

struct mbedtls_ssl_config;   // from <mbedtls/ssl.h>; kept out of this header
struct mbedtls_ssl_context;  // idem

namespace optin::net {

class HandshakeSlots;

struct TlsServerSettings {
  std::string cert_chain_pem;        // leaf first, then intermediates
  std::string key_pem;               // the leaf's private key (ECDSA P-256)
  std::string client_ca_pem;         // empty: client certificates are not asked for
  bool require_client_cert = false;  // with client_ca_pem: refuse clients without a valid one
  std::chrono::seconds session_ticket_lifetime{std::chrono::hours(12)};
};

struct TlsClientSettings {
  std::string ca_bundle_pem;   // the server's chain must verify against these
  std::string cert_chain_pem;  // optional client identity for mutual TLS (with key_pem)
  std::string key_pem;
  // Benchmarks against throw-away certificates only: accept any server certificate.
  bool insecure_skip_verify = false;
  // Offer the last session with a server again (see above). A new config (new certificates)
  // starts with no session, so a resumed session is always one this identity established.
  bool resume_sessions = true;
  // A remembered session is offered for at most this long (and never past the lifetime the
  // server gave its ticket).
  std::chrono::seconds max_session_age{std::chrono::hours(12)};
};

class TlsServerConfig {
 public:
  // Fails with a clear message when a PEM does not parse, the key is not ECDSA, or the
  // certificate does not match its key.
  static Result<std::shared_ptr<const TlsServerConfig>> Create(const TlsServerSettings& settings,
                                                               platform::Random& random);
  ~TlsServerConfig();
  TlsServerConfig(const TlsServerConfig&) = delete;
  TlsServerConfig& operator=(const TlsServerConfig&) = delete;

  // True when client certificates are requested (client_ca_pem was given).
  bool asks_for_client_cert() const;
  // For TlsStream (net/ internals).
  const mbedtls_ssl_config& native() const;

  // The same configuration (shared, not copied) whose server streams take a slot of `slots`
  // for their handshake (HttpServer bounds each listener's handshakes so).
  std::shared_ptr<const TlsServerConfig> WithHandshakeSlots(
      std::shared_ptr<HandshakeSlots> slots) const;
  // Null unless made by WithHandshakeSlots.
  HandshakeSlots* handshake_slots() const { return slots_.get(); }

 private:
  struct Impl;
  TlsServerConfig(std::shared_ptr<const Impl> impl, std::shared_ptr<HandshakeSlots> slots);
  std::shared_ptr<const Impl> impl_;
  std::shared_ptr<HandshakeSlots> slots_;
};

class TlsClientConfig {
 public:
  static Result<std::shared_ptr<const TlsClientConfig>> Create(const TlsClientSettings& settings,
                                                               platform::Random& random);
  ~TlsClientConfig();
  TlsClientConfig(const TlsClientConfig&) = delete;
  TlsClientConfig& operator=(const TlsClientConfig&) = delete;

  bool has_client_cert() const;
  const mbedtls_ssl_config& native() const;

  // For TlsStream's client side (net/ internals). Thread-safe. OfferSession sets the session
  // remembered for `server_name` on `ssl` (set up, before its handshake), if there is one still
  // young enough (true when it did); SaveSession remembers the session `ssl`'s completed handshake
  // established, when the server gave it a ticket.
  bool OfferSession(const std::string& server_name, mbedtls_ssl_context* ssl) const;
  void SaveSession(const std::string& server_name, const mbedtls_ssl_context& ssl) const;
  void CountResumed() const;
  // How many handshakes made with this config resumed a session (for benchmarks and logs).
  uint64_t resumed_handshakes() const;

 private:
  struct Impl;
  explicit TlsClientConfig(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace optin::net
