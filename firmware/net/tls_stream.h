// A TLS 1.2 stream over mbedTLS on top of a beast::tcp_stream: an AsyncReadStream and
// AsyncWriteStream, so beast::http::async_read/async_write and websocket::stream<TlsStream> work
// unchanged. mbedTLS talks to two memory buffers (ciphertext read from the socket, ciphertext
// waiting to be sent); the composed operations below move bytes between them and the socket.
//
// Threading: not thread-safe. Every operation must be started from, and runs on, the stream's
// executor (a strand when the io_context has several threads). At most one read operation
// (async_read_some, or async_handshake) and one write operation (async_write_some, or
// async_shutdown) may be outstanding at a time, as for a socket; a read and a write may overlap.
// Both drive the one mbedTLS context, but only ever from handlers on that executor, one at a
// time; mbedTLS never blocks on I/O (its callbacks only touch the memory buffers), and only one
// socket write is in flight at once: an operation that finds another writer active leaves its
// records in the outgoing buffer for that writer to send (a read never waits for a writer).
//
// Timeouts: there are none here; set them on next_layer() (expires_after) as for plain TCP.
// Errors: the socket's errors pass through (beast::error::timeout, ...); a clean close_notify
// from the peer reads as boost::asio::error::eof; EOF without close_notify reads as
// TlsErrc::kStreamTruncated; mbedTLS failures come in tls_category() with the mbedTLS code.
// Handshake slots: a server stream whose config carries HandshakeSlots takes a slot when it is
// made and gives it back when its handshake ends; evicted, its handshake fails with
// TlsErrc::kEvictedClientLimit or kEvictedListenerLimit (the eviction is posted to the stream's
// executor; the stream may be destroyed on any thread before it runs).
// Memory: mbedTLS's two record buffers (~33 KB) plus up to 16 KB read and ~16 KB (at most
// kMaxPendingOutput) pending output per stream; a handshake adds its transient state (~75 KB in
// all). The config must outlive the stream (the stream holds a shared_ptr to it).
#pragma once

#include <algorithm>
#include <array>
#include <boost/asio/async_result.hpp>
#include <boost/asio/buffer.hpp>
#include <boost/asio/compose.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/role.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/websocket/teardown.hpp>
#include <boost/system/error_code.hpp>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "net/handshake_slots.h"
#include "net/tls_config.h"

namespace optin::net {

// Errors of our own in tls_category(); negative values there are mbedTLS return codes.
enum class TlsErrc {
  kStreamTruncated = 1,       // the peer closed the connection without close_notify
  kNotConnected = 2,          // read/write before a successful handshake
  kEvictedClientLimit = 3,    // handshake closed: its address had too many (HandshakeSlots)
  kEvictedListenerLimit = 4,  // handshake closed: the listener had too many (HandshakeSlots)
};

const boost::system::error_category& tls_category();
boost::system::error_code make_error_code(TlsErrc e);
// An mbedTLS return code (negative) as an error_code in tls_category().
boost::system::error_code MakeTlsError(int mbedtls_rc);
// A short, stable, non-personal slug for logs: "timeout", "not-tls", "protocol-version",
// "no-shared-cipher", "client-certificate", "peer-alert", "peer-closed", "evicted-client-limit",
// "evicted-listener-limit", ...
std::string_view TlsFailureReason(const boost::system::error_code& ec);
// Words for X.509 verification flags: "certificate expired", "certificate not trusted", ...
std::string VerifyFailureText(uint32_t flags);

class TlsStream {
 public:
  using next_layer_type = boost::beast::tcp_stream;
  using lowest_layer_type = boost::beast::tcp_stream;
  using executor_type = next_layer_type::executor_type;

  // At most this many ciphertext bytes wait for the socket before mbedTLS hears WANT_WRITE.
  static constexpr size_t kMaxPendingOutput = 32 * 1024;

  // Server side.
  TlsStream(next_layer_type&& next, std::shared_ptr<const TlsServerConfig> config);
  // Client side: `server_name` is sent as SNI and checked against the server's certificate.
  TlsStream(next_layer_type&& next, std::shared_ptr<const TlsClientConfig> config,
            std::string server_name);
  ~TlsStream();
  TlsStream(const TlsStream&) = delete;
  TlsStream& operator=(const TlsStream&) = delete;

  executor_type get_executor() noexcept { return next_.get_executor(); }
  next_layer_type& next_layer() noexcept { return next_; }
  const next_layer_type& next_layer() const noexcept { return next_; }
  lowest_layer_type& lowest_layer() noexcept { return next_; }

  // void(error_code)
  template <class Token>
  auto async_handshake(Token&& token);
  // Sends close_notify (does not wait for the peer's). void(error_code)
  template <class Token>
  auto async_shutdown(Token&& token);
  // void(error_code, size_t)
  template <class MutableBufferSequence, class Token>
  auto async_read_some(const MutableBufferSequence& buffers, Token&& token);
  template <class ConstBufferSequence, class Token>
  auto async_write_some(const ConstBufferSequence& buffers, Token&& token);

  // Best effort, synchronous: queues close_notify and writes it if no write is in flight.
  void shutdown(boost::system::error_code& ec);

  bool handshake_done() const { return handshake_done_; }
  // Client side: the handshake resumed the session the config remembered for this server (an
  // abbreviated handshake: no certificates exchanged, no public-key operations).
  bool session_resumed() const { return resumed_; }
  std::string protocol_version() const;  // "TLSv1.2"; empty before the handshake
  std::string ciphersuite() const;       // e.g. "TLS-ECDHE-ECDSA-WITH-AES-128-GCM-SHA256"
  bool peer_certificate_present() const;
  bool peer_certificate_verified() const;  // present and its chain verified
  uint32_t verify_flags() const;           // mbedTLS X.509 verification flags (0: fine)
  // DER of the peer's leaf certificate; empty if none.
  std::string peer_certificate_der() const;

 private:
  enum class Want { kDone, kSocketRead, kRetry };
  struct Step {
    Want want = Want::kDone;
    boost::system::error_code ec;
    size_t bytes = 0;
  };
  struct HandshakeStep {
    Step operator()(TlsStream& s) const { return s.DoHandshake(); }
    static constexpr bool kIsHandshake = true;
    static constexpr bool kWaitsForWriter = true;
    static constexpr bool kReportsBytes = false;
  };
  struct ShutdownStep {
    Step operator()(TlsStream& s) const { return s.DoShutdown(); }
    static constexpr bool kIsHandshake = false;
    static constexpr bool kWaitsForWriter = true;
    static constexpr bool kReportsBytes = false;
  };
  struct ReadStep {
    boost::asio::mutable_buffer buffer;
    Step operator()(TlsStream& s) const { return s.DoRead(buffer); }
    static constexpr bool kIsHandshake = false;
    static constexpr bool kWaitsForWriter = false;  // never wait behind a blocked writer
    static constexpr bool kReportsBytes = true;
  };
  struct WriteStep {
    boost::asio::const_buffer buffer;  // the same arguments on every retry
    Step operator()(TlsStream& s) const { return s.DoWrite(buffer); }
    static constexpr bool kIsHandshake = false;
    static constexpr bool kWaitsForWriter = true;
    static constexpr bool kReportsBytes = true;
  };
  template <class Operation>
  class IoOp;

  struct Native;
  struct Eviction;
  static int BioSend(void* self, const unsigned char* data, size_t length);
  static int BioRecv(void* self, unsigned char* data, size_t length);

  Step DoHandshake();
  // The handshake operation ends with `ec`: gives the slot back; an eviction's error instead of
  // the cancelled I/O's.
  boost::system::error_code HandshakeFinished(const boost::system::error_code& ec);
  // Runs on the executor: fails the handshake under way (or the next one) with `reason`.
  void Evict(HandshakeEviction reason);
  Step DoShutdown();
  Step DoRead(boost::asio::mutable_buffer buffer);
  Step DoWrite(boost::asio::const_buffer buffer);
  boost::asio::mutable_buffer PrepareSocketRead();
  void CommitSocketRead(size_t bytes);
  boost::system::error_code SocketReadFailed(const boost::system::error_code& ec);
  bool HasPendingOutput() const { return !pending_out_.empty(); }
  boost::asio::const_buffer BeginSocketWrite();
  void EndSocketWrite(const boost::system::error_code& ec);
  // Picks the bytes one async_write_some will offer to mbedtls_ssl_write.
  template <class ConstBufferSequence>
  boost::asio::const_buffer PrepareWrite(const ConstBufferSequence& buffers);

  next_layer_type next_;
  std::shared_ptr<const void> config_;                    // keeps the mbedtls_ssl_config alive
  std::shared_ptr<const TlsClientConfig> client_config_;  // client side: remembers its session
  std::string server_name_;                               // client side
  std::optional<std::array<unsigned char, 48>> offered_master_;  // client side, until handshake
  bool resumed_ = false;
  std::unique_ptr<Native> native_;
  boost::asio::steady_timer writer_done_;  // never expires; cancelled to wake waiting writers
  std::unique_ptr<unsigned char[]> in_;    // ciphertext from the socket, [in_begin_, in_end_)
  size_t in_begin_ = 0;
  size_t in_end_ = 0;
  std::vector<unsigned char> pending_out_;    // ciphertext from mbedTLS, not yet sent
  std::vector<unsigned char> flight_out_;     // ciphertext in the socket write under way
  std::vector<unsigned char> write_scratch_;  // gathers small buffers into one record
  boost::system::error_code write_error_;     // a failed socket write fails later writes
  int setup_error_ = 0;  // mbedtls_ssl_setup's result, reported by the handshake
  std::unique_ptr<HandshakeSlots::Ticket> ticket_;  // while the handshake holds a slot
  std::shared_ptr<Eviction> eviction_;              // reaches this stream from the slots
  TlsErrc evicted_{};                               // set once evicted
  bool handshake_finished_ = false;
  bool writing_ = false;
  bool handshake_done_ = false;
  bool peer_closed_ = false;  // close_notify received
  bool close_notify_sent_ = false;
};

// One operation on the stream: runs its mbedTLS step, sends what mbedTLS queued, reads from the
// socket when mbedTLS wants more, retries, and completes (never inline in the initiating call).
template <class Operation>
class TlsStream::IoOp {
 public:
  IoOp(TlsStream& stream, Operation operation) : s_(stream), op_(operation) {}

  template <class Self>
  void operator()(Self& self, boost::system::error_code ec = {}, size_t bytes = 0) {
    switch (phase_) {
      case Phase::kRun:
        break;
      case Phase::kSocketRead:
        if (ec) return Finish(self, s_.SocketReadFailed(ec), 0);
        s_.CommitSocketRead(bytes);
        break;
      case Phase::kSocketWrite:
        s_.EndSocketWrite(ec);
        return Flush(self);
      case Phase::kWaitForWriter:
        return Flush(self);
      case Phase::kPosted:
        return Complete(self, result_, result_bytes_);
    }
    step_ = op_(s_);
    Flush(self);
  }

 private:
  enum class Phase { kRun, kSocketRead, kSocketWrite, kWaitForWriter, kPosted };

  // Sends everything mbedTLS has queued, then acts on step_.
  template <class Self>
  void Flush(Self& self) {
    if (s_.write_error_) return Finish(self, s_.write_error_, 0);
    if (s_.writing_) {
      // Another operation's socket write is under way; it sends our records too before it
      // completes. A write, handshake or shutdown waits for it (its bytes must be out before it
      // completes); a read carries on, so that a writer blocked by a peer that is itself
      // waiting for us to read cannot stall the read.
      if (Operation::kWaitsForWriter) {
        phase_ = Phase::kWaitForWriter;
        started_ = true;
        s_.writer_done_.async_wait(std::move(self));
        return;
      }
    } else if (s_.HasPendingOutput()) {
      phase_ = Phase::kSocketWrite;
      started_ = true;
      boost::asio::async_write(s_.next_, s_.BeginSocketWrite(), std::move(self));
      return;
    }
    switch (step_.want) {
      case Want::kDone:
        return Finish(self, step_.ec, step_.bytes);
      case Want::kRetry:
        phase_ = Phase::kRun;
        return (*this)(self);
      case Want::kSocketRead:
        phase_ = Phase::kSocketRead;
        started_ = true;
        s_.next_.async_read_some(s_.PrepareSocketRead(), std::move(self));
        return;
    }
  }

  template <class Self>
  static void Complete(Self& self, boost::system::error_code ec, size_t bytes) {
    if constexpr (Operation::kReportsBytes) {
      self.complete(ec, bytes);
    } else {
      self.complete(ec);
    }
  }

  template <class Self>
  void Finish(Self& self, boost::system::error_code ec, size_t bytes) {
    if constexpr (Operation::kIsHandshake) ec = s_.HandshakeFinished(ec);
    if (started_) return Complete(self, ec, bytes);
    result_ = ec;
    result_bytes_ = bytes;
    phase_ = Phase::kPosted;
    started_ = true;
    boost::asio::post(s_.get_executor(), std::move(self));
  }

  TlsStream& s_;
  Operation op_;
  Step step_;
  Phase phase_ = Phase::kRun;
  bool started_ = false;
  boost::system::error_code result_;
  size_t result_bytes_ = 0;
};

template <class Token>
auto TlsStream::async_handshake(Token&& token) {
  return boost::asio::async_compose<Token, void(boost::system::error_code)>(
      IoOp<HandshakeStep>(*this, HandshakeStep{}), token, next_);
}

template <class Token>
auto TlsStream::async_shutdown(Token&& token) {
  return boost::asio::async_compose<Token, void(boost::system::error_code)>(
      IoOp<ShutdownStep>(*this, ShutdownStep{}), token, next_);
}

template <class MutableBufferSequence, class Token>
auto TlsStream::async_read_some(const MutableBufferSequence& buffers, Token&& token) {
  boost::asio::mutable_buffer first;
  for (auto it = boost::asio::buffer_sequence_begin(buffers);
       it != boost::asio::buffer_sequence_end(buffers); ++it) {
    boost::asio::mutable_buffer b(*it);
    if (b.size() > 0) {
      first = b;
      break;
    }
  }
  return boost::asio::async_compose<Token, void(boost::system::error_code, size_t)>(
      IoOp<ReadStep>(*this, ReadStep{first}), token, next_);
}

template <class ConstBufferSequence, class Token>
auto TlsStream::async_write_some(const ConstBufferSequence& buffers, Token&& token) {
  return boost::asio::async_compose<Token, void(boost::system::error_code, size_t)>(
      IoOp<WriteStep>(*this, WriteStep{PrepareWrite(buffers)}), token, next_);
}

template <class ConstBufferSequence>
boost::asio::const_buffer TlsStream::PrepareWrite(const ConstBufferSequence& buffers) {
  constexpr size_t kRecord = 16 * 1024;
  const size_t total = std::min(boost::asio::buffer_size(buffers), kRecord);
  auto it = boost::asio::buffer_sequence_begin(buffers);
  auto end = boost::asio::buffer_sequence_end(buffers);
  while (it != end && boost::asio::const_buffer(*it).size() == 0) ++it;
  if (it == end) return {};
  boost::asio::const_buffer first(*it);
  if (first.size() >= total) return first;  // one buffer covers a whole record: no copy
  write_scratch_.resize(total);
  boost::asio::buffer_copy(boost::asio::buffer(write_scratch_), buffers, total);
  return boost::asio::buffer(write_scratch_);
}

// beast::websocket::stream<TlsStream> finds these by argument-dependent lookup.
void teardown(boost::beast::role_type role, TlsStream& stream, boost::system::error_code& ec);

template <class TeardownHandler>
void async_teardown(boost::beast::role_type role, TlsStream& stream, TeardownHandler&& handler);

namespace detail {

// Sends close_notify, then tears down the TCP connection as Beast does for plain sockets.
struct TlsTeardownOp {
  TlsStream& stream;
  boost::beast::role_type role;
  int state = 0;
  boost::system::error_code first_error;

  template <class Self>
  void operator()(Self& self, boost::system::error_code ec = {}) {
    if (state == 0) {
      state = 1;
      stream.async_shutdown(std::move(self));
      return;
    }
    if (state == 1) {
      state = 2;
      first_error = ec;
      using boost::beast::websocket::async_teardown;
      async_teardown(role, stream.next_layer(), std::move(self));
      return;
    }
    self.complete(first_error ? first_error : ec);
  }
};

}  // namespace detail

template <class TeardownHandler>
void async_teardown(boost::beast::role_type role, TlsStream& stream, TeardownHandler&& handler) {
  boost::asio::async_compose<TeardownHandler, void(boost::system::error_code)>(
      detail::TlsTeardownOp{stream, role, 0, {}}, handler, stream.next_layer());
}

}  // namespace optin::net

template <>
struct boost::system::is_error_code_enum<optin::net::TlsErrc> : std::true_type {};
