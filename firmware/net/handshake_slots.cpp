#include "net/handshake_slots.h"

#include <tuple>
#include <utility>

namespace optin::net {

struct HandshakeSlots::Slot {
  uint64_t client = 0;
  bool bounded = true;  // counts against the per-address bound
  platform::MonoTime admitted;
  uint64_t sequence = 0;  // orders slots admitted at the same instant
  std::atomic<uint32_t> step{0};
  Evict evict;
  bool held = true;  // GUARDED_BY(HandshakeSlots::mutex_): false once evicted or released
};

HandshakeSlots::Ticket::Ticket(std::shared_ptr<HandshakeSlots> owner, std::shared_ptr<Slot> slot)
    : owner_(std::move(owner)), slot_(std::move(slot)) {}

HandshakeSlots::Ticket::~Ticket() { owner_->Release(slot_.get()); }

void HandshakeSlots::Ticket::Progress(uint32_t step) {
  slot_->step.store(step, std::memory_order_relaxed);
}

std::shared_ptr<HandshakeSlots> HandshakeSlots::Create(const platform::Clock& clock,
                                                       HandshakeLimits limits) {
  return std::make_shared<HandshakeSlots>(clock, std::move(limits));
}

HandshakeSlots::HandshakeSlots(const platform::Clock& clock, HandshakeLimits limits)
    : clock_(clock) {
  SetLimits(std::move(limits));
}

void HandshakeSlots::SetLimits(HandshakeLimits limits) {
  std::lock_guard lock(mutex_);
  exempt_.clear();
  for (const auto& a : limits.exempt) exempt_.emplace(ClientAddressKey::Normalize(a));
  limits_ = std::move(limits);
  if (limits_.total == 0) limits_.total = 1;
}

std::unique_ptr<HandshakeSlots::Ticket> HandshakeSlots::Admit(std::string_view client_address,
                                                              Evict evict) {
  client_address = ClientAddressKey::Normalize(client_address);
  auto slot = std::make_shared<Slot>();
  slot->client = key_.Of(client_address);
  slot->admitted = clock_.Monotonic();
  slot->evict = std::move(evict);
  std::vector<std::pair<Evict, HandshakeEviction>> evicted;
  {
    std::lock_guard lock(mutex_);
    slot->sequence = next_sequence_++;
    slot->bounded = limits_.per_client > 0 && !exempt_.contains(client_address);
    if (slot->bounded) {
      auto it = per_client_.find(slot->client);
      while (it != per_client_.end() && it->second >= limits_.per_client) {
        Slot* victim = LeastProgress(&slot->client);
        evicted.emplace_back(std::move(victim->evict), HandshakeEviction::kClientLimit);
        Remove(victim);  // may erase `it`
        it = per_client_.find(slot->client);
      }
    }
    while (slots_.size() >= limits_.total) {
      Slot* victim = LeastProgress(nullptr);
      evicted.emplace_back(std::move(victim->evict), HandshakeEviction::kListenerLimit);
      Remove(victim);
    }
    if (slot->bounded) ++per_client_[slot->client];
    slots_.emplace(slot.get(), slot);
  }
  for (auto& [close, reason] : evicted) {
    (reason == HandshakeEviction::kClientLimit ? evicted_client_ : evicted_listener_)
        .fetch_add(1, std::memory_order_relaxed);
    if (close) close(reason);
  }
  return std::make_unique<Ticket>(shared_from_this(), std::move(slot));
}

HandshakeSlots::Slot* HandshakeSlots::LeastProgress(const uint64_t* client) const {
  Slot* least = nullptr;
  auto order = [](const Slot& s) {
    return std::tuple(s.step.load(std::memory_order_relaxed), s.admitted, s.sequence);
  };
  for (const auto& [raw, slot] : slots_) {
    if (client != nullptr && (!raw->bounded || raw->client != *client)) continue;
    if (least == nullptr || order(*raw) < order(*least)) least = raw;
  }
  return least;
}

void HandshakeSlots::Remove(Slot* slot) {
  slot->held = false;
  if (slot->bounded) {
    auto it = per_client_.find(slot->client);
    if (it != per_client_.end() && --it->second == 0) per_client_.erase(it);
  }
  slots_.erase(slot);  // may destroy *slot if no ticket holds it yet
}

void HandshakeSlots::Release(Slot* slot) {
  std::lock_guard lock(mutex_);
  if (slot->held) Remove(slot);
}

size_t HandshakeSlots::in_progress() const {
  std::lock_guard lock(mutex_);
  return slots_.size();
}

size_t HandshakeSlots::in_progress_from(std::string_view client_address) const {
  const uint64_t client = key_.Of(client_address);
  std::lock_guard lock(mutex_);
  size_t n = 0;
  for (const auto& [raw, slot] : slots_) n += raw->client == client ? 1 : 0;
  return n;
}

uint64_t HandshakeSlots::evicted(HandshakeEviction reason) const {
  return (reason == HandshakeEviction::kClientLimit ? evicted_client_ : evicted_listener_)
      .load(std::memory_order_relaxed);
}

}  // namespace optin::net
