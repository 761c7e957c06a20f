// The TLS handshakes of one listener, each holding a slot (a handshake costs ~75 KB and CPU):
// at most `total` at once, and at most `per_client` from one client address. A newcomer is
// always let in: when its address, or the listener, is at its bound, the handshake that has
// made the least progress (the fewest handshake steps; among equals the oldest) is evicted to
// make room. So one client holding half-open connections and trickling bytes cannot keep
// others out: a real handshake is past its ClientHello within a round trip, ahead of every
// stalled one, and younger than them while it gets there. Addresses are kept only in memory as
// keyed hashes (ClientAddressKey) and never logged.
// Thread-safe: Admit and releases take one mutex, progress reports are lock-free, and eviction
// callbacks run outside the mutex on the thread that called Admit.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "net/client_address_key.h"
#include "platform/clock.h"

namespace optin::net {

// Why a handshake was closed to make room for a newer one.
enum class HandshakeEviction {
  kClientLimit,    // its address was at max_handshakes_per_client
  kListenerLimit,  // the listener was at max_concurrent_handshakes
};

struct HandshakeLimits {
  size_t total = 64;                // handshakes at once on the listener (at least 1)
  size_t per_client = 16;           // from one address; 0: no per-address bound
  std::vector<std::string> exempt;  // addresses without a per-address bound (the box itself)
};

class HandshakeSlots : public std::enable_shared_from_this<HandshakeSlots> {
 public:
  // Closes an evicted handshake. Must not block (post the work to the connection's executor);
  // called at most once, possibly after the handshake ended by itself.
  using Evict = std::function<void(HandshakeEviction)>;

  struct Slot;

  // One admitted handshake's slot. Destroying it frees the slot (unless it was evicted).
  class Ticket {
   public:
    Ticket(std::shared_ptr<HandshakeSlots> owner, std::shared_ptr<Slot> slot);
    ~Ticket();
    Ticket(const Ticket&) = delete;
    Ticket& operator=(const Ticket&) = delete;
    // How far the handshake has come: a larger step is further along (for TLS: the mbedTLS
    // handshake state, 0 until the ClientHello is in). Lock-free.
    void Progress(uint32_t step);

   private:
    std::shared_ptr<HandshakeSlots> owner_;
    std::shared_ptr<Slot> slot_;
  };

  static std::shared_ptr<HandshakeSlots> Create(const platform::Clock& clock,
                                                HandshakeLimits limits);
  HandshakeSlots(const platform::Clock& clock, HandshakeLimits limits);

  // New bounds for the next admissions (handshakes beyond them are evicted by later ones).
  void SetLimits(HandshakeLimits limits);
  // Admits a handshake from `client_address` (an IP address as text), evicting others to make
  // room as described above. Never refuses.
  std::unique_ptr<Ticket> Admit(std::string_view client_address, Evict evict);

  size_t in_progress() const;
  size_t in_progress_from(std::string_view client_address) const;
  uint64_t evicted(HandshakeEviction reason) const;

 private:
  // REQUIRES(mutex_): the least advanced, then oldest, slot (of `client` if given); non-null
  // while any slot (of that client) is held.
  Slot* LeastProgress(const uint64_t* client) const;
  // REQUIRES(mutex_)
  void Remove(Slot* slot);
  void Release(Slot* slot);

  const platform::Clock& clock_;
  const ClientAddressKey key_;
  std::atomic<uint64_t> evicted_client_{0};
  std::atomic<uint64_t> evicted_listener_{0};
  mutable std::mutex mutex_;
  HandshakeLimits limits_;                                  // GUARDED_BY(mutex_)
  std::set<std::string, std::less<>> exempt_;               // GUARDED_BY(mutex_)
  uint64_t next_sequence_ = 0;                              // GUARDED_BY(mutex_)
  std::unordered_map<Slot*, std::shared_ptr<Slot>> slots_;  // GUARDED_BY(mutex_)
  std::unordered_map<uint64_t, size_t> per_client_;         // GUARDED_BY(mutex_)
};

}  // namespace optin::net
