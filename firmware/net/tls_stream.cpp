#include "net/tls_stream.h"

#include <mbedtls/error.h>
#include <mbedtls/platform_util.h>
#include <mbedtls/ssl.h>
#include <mbedtls/x509_crt.h>

#include <algorithm>
#include <boost/asio/error.hpp>
#include <boost/beast/core/error.hpp>
#include <cstring>
#include <mutex>

namespace optin::net {

namespace asio = boost::asio;
using boost::system::error_code;

namespace {

constexpr size_t kSocketReadChunk = 16 * 1024;

class TlsCategory final : public boost::system::error_category {
 public:
  const char* name() const noexcept override { return "optin.tls"; }
  std::string message(int value) const override {
    switch (value) {
      case static_cast<int>(TlsErrc::kStreamTruncated):
        return "TLS stream truncated: the peer closed the connection without close_notify";
      case static_cast<int>(TlsErrc::kNotConnected):
        return "TLS handshake not done";
      case static_cast<int>(TlsErrc::kEvictedClientLimit):
        return "TLS handshake closed: too many handshakes from this address";
      case static_cast<int>(TlsErrc::kEvictedListenerLimit):
        return "TLS handshake closed: too many handshakes on this listener";
      default:
        break;
    }
    char text[160];
    mbedtls_strerror(value, text, sizeof text);
    return std::string("TLS: ") + text;
  }
};

}  // namespace

const boost::system::error_category& tls_category() {
  static const TlsCategory category;
  return category;
}

error_code make_error_code(TlsErrc e) { return {static_cast<int>(e), tls_category()}; }

error_code MakeTlsError(int mbedtls_rc) { return {mbedtls_rc, tls_category()}; }

std::string_view TlsFailureReason(const error_code& ec) {
  if (ec == boost::beast::error::timeout) return "timeout";
  if (ec == asio::error::eof || ec == asio::error::connection_reset ||
      ec == make_error_code(TlsErrc::kStreamTruncated)) {
    return "peer-closed";
  }
  if (ec == asio::error::operation_aborted) return "aborted";
  if (ec == make_error_code(TlsErrc::kEvictedClientLimit)) return "evicted-client-limit";
  if (ec == make_error_code(TlsErrc::kEvictedListenerLimit)) return "evicted-listener-limit";
  if (&ec.category() != &tls_category()) return "io";
  switch (ec.value()) {
    case MBEDTLS_ERR_SSL_INVALID_RECORD:
    case MBEDTLS_ERR_SSL_UNKNOWN_IDENTITY:
    case MBEDTLS_ERR_SSL_INVALID_MAC:
    case MBEDTLS_ERR_SSL_BAD_INPUT_DATA:
    case MBEDTLS_ERR_SSL_UNEXPECTED_MESSAGE:
      return "not-tls";
    case MBEDTLS_ERR_SSL_BAD_HS_CLIENT_HELLO:
    case MBEDTLS_ERR_SSL_BAD_HS_SERVER_HELLO:
      return "bad-hello";
    case MBEDTLS_ERR_SSL_BAD_HS_PROTOCOL_VERSION:
      return "protocol-version";
    case MBEDTLS_ERR_SSL_NO_USABLE_CIPHERSUITE:
    case MBEDTLS_ERR_SSL_NO_CIPHER_CHOSEN:
      return "no-shared-cipher";
    case MBEDTLS_ERR_SSL_NO_CLIENT_CERTIFICATE:
    case MBEDTLS_ERR_SSL_BAD_HS_CERTIFICATE:
    case MBEDTLS_ERR_SSL_BAD_HS_CERTIFICATE_VERIFY:
    case MBEDTLS_ERR_SSL_PEER_VERIFY_FAILED:
    case MBEDTLS_ERR_X509_CERT_VERIFY_FAILED:
      return "certificate";
    case MBEDTLS_ERR_SSL_FATAL_ALERT_MESSAGE:
      return "peer-alert";
    case MBEDTLS_ERR_SSL_ALLOC_FAILED:
      return "out-of-memory";
    default:
      return "tls-error";
  }
}

std::string VerifyFailureText(uint32_t flags) {
  if (flags == 0) return "certificate verified";
  std::string text;
  auto add = [&](uint32_t flag, std::string_view words) {
    if ((flags & flag) == 0) return;
    if (!text.empty()) text += "; ";
    text += words;
    flags &= ~flag;
  };
  add(MBEDTLS_X509_BADCERT_EXPIRED, "certificate expired");
  add(MBEDTLS_X509_BADCERT_FUTURE, "certificate not yet valid (check the clock)");
  add(MBEDTLS_X509_BADCERT_CN_MISMATCH, "certificate does not match the host name");
  add(MBEDTLS_X509_BADCERT_NOT_TRUSTED, "certificate not trusted (unknown issuer)");
  add(MBEDTLS_X509_BADCERT_MISSING, "no certificate presented");
  add(MBEDTLS_X509_BADCERT_REVOKED, "certificate revoked");
  if (flags != 0) {
    char info[512];
    int n = mbedtls_x509_crt_verify_info(info, sizeof info, "", flags);
    if (n > 0) {
      std::string rest(info, static_cast<size_t>(n));
      std::replace(rest.begin(), rest.end(), '\n', ';');
      while (!rest.empty() && (rest.back() == ';' || rest.back() == ' ')) rest.pop_back();
      if (!text.empty()) text += "; ";
      text += rest;
    }
  }
  return text;
}

struct TlsStream::Native {
  Native() { mbedtls_ssl_init(&ssl); }
  ~Native() { mbedtls_ssl_free(&ssl); }
  Native(const Native&) = delete;
  Native& operator=(const Native&) = delete;
  mbedtls_ssl_context ssl;
};

// What the handshake slots' eviction callback reaches: the stream while it lives. The stream
// clears it in its destructor, under the mutex, so that a posted eviction never touches a
// stream being destroyed on another thread.
struct TlsStream::Eviction {
  explicit Eviction(TlsStream* s) : stream(s) {}
  void Evict(HandshakeEviction reason) {
    std::lock_guard lock(mutex);
    if (stream != nullptr) stream->Evict(reason);
  }
  std::mutex mutex;
  TlsStream* stream;  // GUARDED_BY(mutex)
};

namespace {

// Handshake progress for HandshakeSlots: mbedTLS's state, counted from the first message
// processed after the ClientHello arrived (before that every handshake is equally far along).
uint32_t ProgressOf(const mbedtls_ssl_context& ssl) {
  return ssl.state > MBEDTLS_SSL_CLIENT_HELLO ? static_cast<uint32_t>(ssl.state) : 0;
}

// A setup failure (out of memory) is reported by the handshake, not by a constructor.
int Setup(mbedtls_ssl_context* ssl, const mbedtls_ssl_config& config) {
  return mbedtls_ssl_setup(ssl, &config);
}

}  // namespace

TlsStream::TlsStream(next_layer_type&& next, std::shared_ptr<const TlsServerConfig> config)
    : next_(std::move(next)),
      native_(std::make_unique<Native>()),
      writer_done_(next_.get_executor(), asio::steady_timer::time_point::max()) {
  setup_error_ = Setup(&native_->ssl, config->native());
  if (HandshakeSlots* slots = config->handshake_slots()) {
    eviction_ = std::make_shared<Eviction>(this);
    error_code ec;
    const auto peer = next_.socket().remote_endpoint(ec);
    ticket_ = slots->Admit(ec ? std::string() : peer.address().to_string(),
                           [weak = std::weak_ptr<Eviction>(eviction_),
                            executor = next_.get_executor()](HandshakeEviction reason) {
                             asio::post(executor, [weak, reason] {
                               if (auto eviction = weak.lock()) eviction->Evict(reason);
                             });
                           });
  }
  config_ = std::move(config);
  mbedtls_ssl_set_bio(&native_->ssl, this, &TlsStream::BioSend, &TlsStream::BioRecv, nullptr);
}

TlsStream::TlsStream(next_layer_type&& next, std::shared_ptr<const TlsClientConfig> config,
                     std::string server_name)
    : next_(std::move(next)),
      native_(std::make_unique<Native>()),
      writer_done_(next_.get_executor(), asio::steady_timer::time_point::max()) {
  setup_error_ = Setup(&native_->ssl, config->native());
  if (setup_error_ == 0)
    setup_error_ = mbedtls_ssl_set_hostname(&native_->ssl, server_name.c_str());
  if (setup_error_ == 0 && config->OfferSession(server_name, &native_->ssl)) {
    offered_master_.emplace();
    std::memcpy(offered_master_->data(), native_->ssl.session_negotiate->master,
                offered_master_->size());
  }
  client_config_ = config;
  server_name_ = std::move(server_name);
  config_ = std::move(config);
  mbedtls_ssl_set_bio(&native_->ssl, this, &TlsStream::BioSend, &TlsStream::BioRecv, nullptr);
}

TlsStream::~TlsStream() {
  if (eviction_) {
    std::lock_guard lock(eviction_->mutex);
    eviction_->stream = nullptr;
  }
}

int TlsStream::BioSend(void* self, const unsigned char* data, size_t length) {
  auto& s = *static_cast<TlsStream*>(self);
  size_t room = kMaxPendingOutput - std::min(kMaxPendingOutput, s.pending_out_.size());
  if (room == 0) return MBEDTLS_ERR_SSL_WANT_WRITE;
  size_t n = std::min(room, length);
  s.pending_out_.insert(s.pending_out_.end(), data, data + n);
  return static_cast<int>(n);
}

int TlsStream::BioRecv(void* self, unsigned char* data, size_t length) {
  auto& s = *static_cast<TlsStream*>(self);
  size_t available = s.in_end_ - s.in_begin_;
  if (available == 0) return MBEDTLS_ERR_SSL_WANT_READ;
  size_t n = std::min(available, length);
  std::memcpy(data, s.in_.get() + s.in_begin_, n);
  s.in_begin_ += n;
  if (s.in_begin_ == s.in_end_) s.in_begin_ = s.in_end_ = 0;
  return static_cast<int>(n);
}

TlsStream::Step TlsStream::DoHandshake() {
  if (setup_error_ != 0) return {Want::kDone, MakeTlsError(setup_error_), 0};
  if (evicted_ != TlsErrc{}) return {Want::kDone, make_error_code(evicted_), 0};
  if (handshake_done_) return {};
  int rc = mbedtls_ssl_handshake(&native_->ssl);
  if (ticket_) ticket_->Progress(ProgressOf(native_->ssl));
  if (rc == 0) {
    handshake_done_ = true;
    if (offered_master_) {
      // A resumed session keeps its master secret; a full handshake makes a new one.
      resumed_ = std::memcmp(native_->ssl.session->master, offered_master_->data(),
                             offered_master_->size()) == 0;
      mbedtls_platform_zeroize(offered_master_->data(), offered_master_->size());
      offered_master_.reset();
      if (resumed_) client_config_->CountResumed();
    }
    if (client_config_ && !resumed_) client_config_->SaveSession(server_name_, native_->ssl);
    return {};
  }
  if (rc == MBEDTLS_ERR_SSL_WANT_READ) return {Want::kSocketRead, {}, 0};
  if (rc == MBEDTLS_ERR_SSL_WANT_WRITE) return {Want::kRetry, {}, 0};
  return {Want::kDone, MakeTlsError(rc), 0};
}

error_code TlsStream::HandshakeFinished(const error_code& ec) {
  handshake_finished_ = true;
  ticket_.reset();
  if (ec && evicted_ != TlsErrc{}) return make_error_code(evicted_);
  return ec;
}

void TlsStream::Evict(HandshakeEviction reason) {
  if (handshake_finished_ || evicted_ != TlsErrc{}) return;
  evicted_ = reason == HandshakeEviction::kClientLimit ? TlsErrc::kEvictedClientLimit
                                                       : TlsErrc::kEvictedListenerLimit;
  next_.socket().cancel();  // the socket read or write under way fails; the handshake too
}

TlsStream::Step TlsStream::DoShutdown() {
  if (!handshake_done_ || close_notify_sent_) return {};
  int rc = mbedtls_ssl_close_notify(&native_->ssl);
  if (rc == 0) {
    close_notify_sent_ = true;
    return {};
  }
  if (rc == MBEDTLS_ERR_SSL_WANT_WRITE) return {Want::kRetry, {}, 0};
  return {Want::kDone, MakeTlsError(rc), 0};
}

TlsStream::Step TlsStream::DoRead(asio::mutable_buffer buffer) {
  if (buffer.size() == 0) return {};
  if (peer_closed_) return {Want::kDone, asio::error::eof, 0};
  if (!handshake_done_) return {Want::kDone, make_error_code(TlsErrc::kNotConnected), 0};
  int rc =
      mbedtls_ssl_read(&native_->ssl, static_cast<unsigned char*>(buffer.data()), buffer.size());
  if (rc > 0) return {Want::kDone, {}, static_cast<size_t>(rc)};
  if (rc == MBEDTLS_ERR_SSL_PEER_CLOSE_NOTIFY) {
    peer_closed_ = true;
    return {Want::kDone, asio::error::eof, 0};
  }
  if (rc == MBEDTLS_ERR_SSL_WANT_READ) {
    // A whole record may already sit in mbedTLS's buffer: decrypt it before waiting.
    if (mbedtls_ssl_check_pending(&native_->ssl) != 0) return {Want::kRetry, {}, 0};
    return {Want::kSocketRead, {}, 0};
  }
  if (rc == MBEDTLS_ERR_SSL_WANT_WRITE) return {Want::kRetry, {}, 0};
  if (rc == 0) return {Want::kDone, make_error_code(TlsErrc::kStreamTruncated), 0};
  return {Want::kDone, MakeTlsError(rc), 0};
}

TlsStream::Step TlsStream::DoWrite(asio::const_buffer buffer) {
  if (buffer.size() == 0) return {};
  if (!handshake_done_) return {Want::kDone, make_error_code(TlsErrc::kNotConnected), 0};
  if (write_error_) return {Want::kDone, write_error_, 0};
  // After WANT_WRITE, mbedTLS expects the very same arguments again: `buffer` is fixed for the
  // whole operation.
  int rc = mbedtls_ssl_write(&native_->ssl, static_cast<const unsigned char*>(buffer.data()),
                             buffer.size());
  if (rc >= 0) return {Want::kDone, {}, static_cast<size_t>(rc)};
  if (rc == MBEDTLS_ERR_SSL_WANT_WRITE) return {Want::kRetry, {}, 0};
  return {Want::kDone, MakeTlsError(rc), 0};
}

asio::mutable_buffer TlsStream::PrepareSocketRead() {
  // mbedTLS asks for more only once everything read before is consumed.
  if (!in_) in_ = std::make_unique<unsigned char[]>(kSocketReadChunk);
  in_begin_ = in_end_ = 0;
  return asio::buffer(in_.get(), kSocketReadChunk);
}

void TlsStream::CommitSocketRead(size_t bytes) {
  in_begin_ = 0;
  in_end_ = bytes;
}

error_code TlsStream::SocketReadFailed(const error_code& ec) {
  if (ec == asio::error::eof) {
    return peer_closed_ ? ec : make_error_code(TlsErrc::kStreamTruncated);
  }
  return ec;
}

asio::const_buffer TlsStream::BeginSocketWrite() {
  writing_ = true;
  flight_out_.clear();
  flight_out_.swap(pending_out_);
  return asio::buffer(flight_out_);
}

void TlsStream::EndSocketWrite(const error_code& ec) {
  writing_ = false;
  flight_out_.clear();
  if (flight_out_.capacity() > kSocketReadChunk * 2) flight_out_.shrink_to_fit();
  if (ec && !write_error_) write_error_ = ec;
  writer_done_.cancel();  // wakes operations waiting for the socket
}

void TlsStream::shutdown(error_code& ec) {
  ec = {};
  Step step = DoShutdown();
  if (step.ec) {
    ec = step.ec;
    return;
  }
  if (writing_ || pending_out_.empty()) return;
  auto buffer = BeginSocketWrite();
  error_code write_ec;
  asio::write(next_.socket(), buffer, write_ec);
  EndSocketWrite(write_ec);
  ec = write_ec;
}

std::string TlsStream::protocol_version() const {
  if (!handshake_done_) return {};
  return mbedtls_ssl_get_version(&native_->ssl);
}

std::string TlsStream::ciphersuite() const {
  if (!handshake_done_) return {};
  return mbedtls_ssl_get_ciphersuite(&native_->ssl);
}

bool TlsStream::peer_certificate_present() const {
  return mbedtls_ssl_get_peer_cert(&native_->ssl) != nullptr;
}

bool TlsStream::peer_certificate_verified() const {
  return peer_certificate_present() && mbedtls_ssl_get_verify_result(&native_->ssl) == 0;
}

uint32_t TlsStream::verify_flags() const { return mbedtls_ssl_get_verify_result(&native_->ssl); }

std::string TlsStream::peer_certificate_der() const {
  const mbedtls_x509_crt* peer = mbedtls_ssl_get_peer_cert(&native_->ssl);
  if (peer == nullptr) return {};
  return std::string(reinterpret_cast<const char*>(peer->raw.p), peer->raw.len);
}

void teardown(boost::beast::role_type role, TlsStream& stream, error_code& ec) {
  stream.shutdown(ec);
  using boost::beast::websocket::teardown;
  error_code tcp_ec;
  teardown(role, stream.next_layer(), ec ? tcp_ec : ec);
}

}  // namespace optin::net
