#include "net/tls_config.h"

#include <mbedtls/ecp.h>
#include <mbedtls/error.h>
#include <mbedtls/pk.h>
#include <mbedtls/ssl.h>
#include <mbedtls/ssl_ciphersuites.h>
#include <mbedtls/ssl_ticket.h>
#include <mbedtls/x509_crt.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <map>
#include <mutex>
#include <string_view>

#include "platform/mbedtls_error.h"
#include "platform/mbedtls_holder.h"

namespace optin::net {

namespace {

using SslConfig =
    platform::MbedtlsHolder<mbedtls_ssl_config, mbedtls_ssl_config_init, mbedtls_ssl_config_free>;
using SslTicket = platform::MbedtlsHolder<mbedtls_ssl_ticket_context, mbedtls_ssl_ticket_init,
                                          mbedtls_ssl_ticket_free>;
using SslSession = platform::MbedtlsHolder<mbedtls_ssl_session, mbedtls_ssl_session_init,
                                           mbedtls_ssl_session_free>;

// Zero-terminated lists that mbedTLS keeps pointers to: static storage.
const int kCiphersuites[] = {
    MBEDTLS_TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
    MBEDTLS_TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
    MBEDTLS_TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
    0,
};

const mbedtls_ecp_group_id kCurves[] = {
#if defined(MBEDTLS_ECP_DP_CURVE25519_ENABLED)
    MBEDTLS_ECP_DP_CURVE25519,
#endif
    MBEDTLS_ECP_DP_SECP256R1,
    MBEDTLS_ECP_DP_NONE,
};

// platform::Random as an mbedTLS f_rng. Random implementations are thread-safe.
int RandomTrampoline(void* random, unsigned char* out, size_t length) {
  return static_cast<platform::Random*>(random)->Fill(out, length) ? 0
                                                                   : MBEDTLS_ERR_SSL_INTERNAL_ERROR;
}

// mbedTLS wants PEM input to include its terminating NUL in the length.
std::string NulTerminated(std::string_view pem) { return std::string(pem) + '\0'; }

bool LooksLikePem(std::string_view text) { return text.find("-----BEGIN") != std::string::npos; }

Status ParseCertificates(mbedtls_x509_crt* chain, std::string_view pem, std::string_view what) {
  if (!LooksLikePem(pem)) {
    return Fail(ErrorCode::kInvalidArgument, std::string(what) + " is not a PEM certificate");
  }
  std::string text = NulTerminated(pem);
  int rc = mbedtls_x509_crt_parse(chain, reinterpret_cast<const unsigned char*>(text.data()),
                                  text.size());
  if (rc < 0) {
    return std::unexpected(platform::MbedtlsError(rc, std::string(what) + " does not parse",
                                                  ErrorCode::kInvalidArgument));
  }
  if (rc > 0) {
    return Fail(ErrorCode::kInvalidArgument,
                std::string(what) + ": " + std::to_string(rc) + " certificate(s) do not parse");
  }
  return Ok();
}

// Parses the identity (chain + key) and checks that they belong together and are ECDSA.
Status ParseIdentity(mbedtls_x509_crt* chain, mbedtls_pk_context* key, std::string_view cert_pem,
                     std::string_view key_pem) {
  OPTIN_TRY(ParseCertificates(chain, cert_pem, "TLS certificate"));
  std::string key_text = NulTerminated(key_pem);
  int rc = mbedtls_pk_parse_key(key, reinterpret_cast<const unsigned char*>(key_text.data()),
                                key_text.size(), nullptr, 0);
  if (rc != 0) {
    return std::unexpected(
        platform::MbedtlsError(rc, "TLS private key does not parse", ErrorCode::kInvalidArgument));
  }
  if (!mbedtls_pk_can_do(key, MBEDTLS_PK_ECDSA)) {
    return Fail(
        ErrorCode::kInvalidArgument,
        "TLS private key must be an ECDSA (P-256) key: only ECDHE-ECDSA suites are allowed");
  }
  if (mbedtls_pk_check_pair(&chain->pk, key) != 0) {
    return Fail(ErrorCode::kInvalidArgument, "TLS certificate does not match its key");
  }
  return Ok();
}

// The policy shared by both sides.
Status ApplyPolicy(mbedtls_ssl_config* conf, int endpoint, platform::Random& random) {
  int rc = mbedtls_ssl_config_defaults(conf, endpoint, MBEDTLS_SSL_TRANSPORT_STREAM,
                                       MBEDTLS_SSL_PRESET_DEFAULT);
  if (rc != 0) return std::unexpected(platform::MbedtlsError(rc, "TLS configuration"));
  mbedtls_ssl_conf_rng(conf, RandomTrampoline, &random);
  mbedtls_ssl_conf_min_version(conf, MBEDTLS_SSL_MAJOR_VERSION_3, MBEDTLS_SSL_MINOR_VERSION_3);
  mbedtls_ssl_conf_max_version(conf, MBEDTLS_SSL_MAJOR_VERSION_3, MBEDTLS_SSL_MINOR_VERSION_3);
  mbedtls_ssl_conf_ciphersuites(conf, kCiphersuites);
  mbedtls_ssl_conf_curves(conf, kCurves);
#if defined(MBEDTLS_SSL_RENEGOTIATION)
  mbedtls_ssl_conf_renegotiation(conf, MBEDTLS_SSL_RENEGOTIATION_DISABLED);
#endif
  mbedtls_ssl_conf_legacy_renegotiation(conf, MBEDTLS_SSL_LEGACY_NO_RENEGOTIATION);
  return Ok();
}

}  // namespace

// The configuration is declared last so that it is freed first (it points at the others).
struct TlsServerConfig::Impl {
  platform::CrtHolder chain;
  platform::CrtHolder client_ca;
  platform::PkHolder key;
  SslTicket tickets;  // has its own mutex (MBEDTLS_THREADING_C)
  SslConfig conf;
  bool asks_for_client_cert = false;
};

TlsServerConfig::TlsServerConfig(std::shared_ptr<const Impl> impl,
                                 std::shared_ptr<HandshakeSlots> slots)
    : impl_(std::move(impl)), slots_(std::move(slots)) {}
TlsServerConfig::~TlsServerConfig() = default;

Result<std::shared_ptr<const TlsServerConfig>> TlsServerConfig::Create(
    const TlsServerSettings& settings, platform::Random& random) {
  auto impl = std::make_unique<Impl>();
  OPTIN_TRY(ParseIdentity(&impl->chain.value, &impl->key.value, settings.cert_chain_pem,
                          settings.key_pem));
  OPTIN_TRY(ApplyPolicy(&impl->conf.value, MBEDTLS_SSL_IS_SERVER, random));
  int rc = mbedtls_ssl_conf_own_cert(&impl->conf.value, &impl->chain.value, &impl->key.value);
  if (rc != 0) return std::unexpected(platform::MbedtlsError(rc, "TLS certificate"));

  if (!settings.client_ca_pem.empty()) {
    OPTIN_TRY(ParseCertificates(&impl->client_ca.value, settings.client_ca_pem, "TLS client CA"));
    mbedtls_ssl_conf_ca_chain(&impl->conf.value, &impl->client_ca.value, nullptr);
    mbedtls_ssl_conf_authmode(&impl->conf.value, settings.require_client_cert
                                                     ? MBEDTLS_SSL_VERIFY_REQUIRED
                                                     : MBEDTLS_SSL_VERIFY_OPTIONAL);
    impl->asks_for_client_cert = true;
  } else if (settings.require_client_cert) {
    return Fail(ErrorCode::kInvalidArgument,
                "TLS settings require client certificates but name no client CA", "client_ca_pem");
  } else {
    mbedtls_ssl_conf_authmode(&impl->conf.value, MBEDTLS_SSL_VERIFY_NONE);
  }

  if (settings.session_ticket_lifetime.count() <= 0) {
    return Fail(ErrorCode::kInvalidArgument, "TLS session ticket lifetime must be positive",
                "session_ticket_lifetime");
  }
  rc = mbedtls_ssl_ticket_setup(&impl->tickets.value, RandomTrampoline, &random,
                                MBEDTLS_CIPHER_AES_256_GCM,
                                static_cast<uint32_t>(settings.session_ticket_lifetime.count()));
  if (rc != 0) return std::unexpected(platform::MbedtlsError(rc, "TLS session tickets"));
  mbedtls_ssl_conf_session_tickets_cb(&impl->conf.value, mbedtls_ssl_ticket_write,
                                      mbedtls_ssl_ticket_parse, &impl->tickets.value);
  return std::shared_ptr<const TlsServerConfig>(new TlsServerConfig(std::move(impl), nullptr));
}

std::shared_ptr<const TlsServerConfig> TlsServerConfig::WithHandshakeSlots(
    std::shared_ptr<HandshakeSlots> slots) const {
  return std::shared_ptr<const TlsServerConfig>(new TlsServerConfig(impl_, std::move(slots)));
}

bool TlsServerConfig::asks_for_client_cert() const { return impl_->asks_for_client_cert; }
const mbedtls_ssl_config& TlsServerConfig::native() const { return impl_->conf.value; }

struct TlsClientConfig::Impl {
  platform::CrtHolder ca;
  platform::CrtHolder chain;
  platform::PkHolder key;
  SslConfig conf;  // last: freed first
  bool has_client_cert = false;
  bool resume_sessions = true;
  std::chrono::seconds max_session_age{0};

  struct Saved {
    std::shared_ptr<SslSession> session;
    std::chrono::steady_clock::time_point offer_until;
  };
  mutable std::atomic<uint64_t> resumed{0};
  mutable std::mutex sessions_mu;
  mutable std::map<std::string, Saved, std::less<>> sessions;  // GUARDED_BY(sessions_mu)
};

TlsClientConfig::TlsClientConfig(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
TlsClientConfig::~TlsClientConfig() = default;

Result<std::shared_ptr<const TlsClientConfig>> TlsClientConfig::Create(
    const TlsClientSettings& settings, platform::Random& random) {
  auto impl = std::make_unique<Impl>();
  OPTIN_TRY(ApplyPolicy(&impl->conf.value, MBEDTLS_SSL_IS_CLIENT, random));
  if (settings.insecure_skip_verify) {
    mbedtls_ssl_conf_authmode(&impl->conf.value, MBEDTLS_SSL_VERIFY_NONE);
  } else {
    if (settings.ca_bundle_pem.empty()) {
      return Fail(ErrorCode::kInvalidArgument, "TLS client needs a CA bundle to verify servers",
                  "ca_bundle_pem");
    }
    OPTIN_TRY(ParseCertificates(&impl->ca.value, settings.ca_bundle_pem, "TLS CA bundle"));
    mbedtls_ssl_conf_ca_chain(&impl->conf.value, &impl->ca.value, nullptr);
    mbedtls_ssl_conf_authmode(&impl->conf.value, MBEDTLS_SSL_VERIFY_REQUIRED);
  }
  if (settings.cert_chain_pem.empty() != settings.key_pem.empty()) {
    return Fail(ErrorCode::kInvalidArgument,
                "TLS client identity needs both a certificate and its key");
  }
  impl->resume_sessions = settings.resume_sessions && settings.max_session_age.count() > 0;
  impl->max_session_age = settings.max_session_age;
  if (!settings.cert_chain_pem.empty()) {
    OPTIN_TRY(ParseIdentity(&impl->chain.value, &impl->key.value, settings.cert_chain_pem,
                            settings.key_pem));
    int rc = mbedtls_ssl_conf_own_cert(&impl->conf.value, &impl->chain.value, &impl->key.value);
    if (rc != 0) return std::unexpected(platform::MbedtlsError(rc, "TLS client certificate"));
    impl->has_client_cert = true;
  }
  return std::shared_ptr<const TlsClientConfig>(new TlsClientConfig(std::move(impl)));
}

bool TlsClientConfig::has_client_cert() const { return impl_->has_client_cert; }
const mbedtls_ssl_config& TlsClientConfig::native() const { return impl_->conf.value; }

bool TlsClientConfig::OfferSession(const std::string& server_name, mbedtls_ssl_context* ssl) const {
  if (!impl_->resume_sessions) return false;
  std::shared_ptr<SslSession> session;
  {
    std::lock_guard lock(impl_->sessions_mu);
    auto it = impl_->sessions.find(server_name);
    if (it == impl_->sessions.end()) return false;
    if (std::chrono::steady_clock::now() >= it->second.offer_until) {
      impl_->sessions.erase(it);
      return false;
    }
    session = it->second.session;
  }
  // Copies the session into `ssl`; a failure (out of memory) only means a full handshake.
  return mbedtls_ssl_set_session(ssl, &session->value) == 0;
}

void TlsClientConfig::CountResumed() const { impl_->resumed.fetch_add(1); }
uint64_t TlsClientConfig::resumed_handshakes() const { return impl_->resumed.load(); }

void TlsClientConfig::SaveSession(const std::string& server_name,
                                  const mbedtls_ssl_context& ssl) const {
  if (!impl_->resume_sessions) return;
  auto session = std::make_shared<SslSession>();
  if (mbedtls_ssl_get_session(&ssl, &session->value) != 0) return;
  // Only a ticket resumes (the servers here keep no session cache): nothing else to offer.
  if (session->value.ticket == nullptr || session->value.ticket_len == 0) return;
  std::chrono::seconds age = impl_->max_session_age;
  if (session->value.ticket_lifetime > 0) {
    age = std::min(age, std::chrono::seconds(session->value.ticket_lifetime));
  }
  std::lock_guard lock(impl_->sessions_mu);
  impl_->sessions.insert_or_assign(
      server_name, Impl::Saved{std::move(session), std::chrono::steady_clock::now() + age});
}

}  // namespace optin::net
