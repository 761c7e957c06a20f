// The handshake slot policy (HandshakeSlots) with a fake clock: who is evicted when an address
// or the listener is at its bound, and that nobody else pays for one address's half-open
// handshakes.
#include "net/handshake_slots.h"

#include <gtest/gtest.h>

#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "platform/clock.h"

namespace optin::net::handshake_slots_test {
namespace {

using std::chrono::milliseconds;

// A table of admitted handshakes by name, recording which were evicted and why.
class Handshakes {
 public:
  Handshakes(platform::FakeClock& clock, HandshakeLimits limits)
      : clock_(clock), slots_(HandshakeSlots::Create(clock, std::move(limits))) {}

  // Admits handshake `name` from `address`, then lets 1 ms pass.
  void Admit(const std::string& name, const std::string& address) {
    tickets_[name] =
        slots_->Admit(address, [this, name](HandshakeEviction reason) { evicted_[name] = reason; });
    clock_.Advance(milliseconds(1));
  }
  void Progress(const std::string& name, uint32_t step) { tickets_.at(name)->Progress(step); }
  void End(const std::string& name) { tickets_.erase(name); }

  std::optional<HandshakeEviction> Evicted(const std::string& name) const {
    auto it = evicted_.find(name);
    if (it == evicted_.end()) return std::nullopt;
    return it->second;
  }
  std::vector<std::string> EvictedNames() const {
    std::vector<std::string> names;
    for (const auto& [name, reason] : evicted_) names.push_back(name);
    return names;
  }
  HandshakeSlots& slots() { return *slots_; }

 private:
  platform::FakeClock& clock_;
  std::shared_ptr<HandshakeSlots> slots_;
  std::map<std::string, std::unique_ptr<HandshakeSlots::Ticket>> tickets_;
  std::map<std::string, HandshakeEviction> evicted_;
};

TEST(HandshakeSlotsTest, AClientAtItsBoundLosesItsOldestStalledHandshakeToItsNewcomer) {
  platform::FakeClock clock;
  Handshakes h(clock, {.total = 10, .per_client = 3, .exempt = {}});
  h.Admit("a1", "10.0.0.7");
  h.Admit("a2", "10.0.0.7");
  h.Admit("a3", "10.0.0.7");
  EXPECT_TRUE(h.EvictedNames().empty());
  h.Admit("a4", "10.0.0.7");
  EXPECT_EQ(h.EvictedNames(), std::vector<std::string>{"a1"});
  EXPECT_EQ(h.Evicted("a1"), HandshakeEviction::kClientLimit);
  EXPECT_EQ(h.slots().in_progress_from("10.0.0.7"), 3u);
  EXPECT_EQ(h.slots().evicted(HandshakeEviction::kClientLimit), 1u);
}

TEST(HandshakeSlotsTest, AHandshakePastItsClientHelloOutlastsOlderStalledOnes) {
  platform::FakeClock clock;
  Handshakes h(clock, {.total = 10, .per_client = 3, .exempt = {}});
  h.Admit("shopper", "10.0.0.7");  // the oldest, but it got on
  h.Admit("stall1", "10.0.0.7");
  h.Admit("stall2", "10.0.0.7");
  h.Progress("shopper", 8);  // waiting for the ClientKeyExchange
  h.Progress("stall1", 0);
  h.Admit("stall3", "10.0.0.7");
  h.Admit("stall4", "10.0.0.7");
  EXPECT_EQ(h.EvictedNames(), (std::vector<std::string>{"stall1", "stall2"}));
  EXPECT_FALSE(h.Evicted("shopper"));
}

TEST(HandshakeSlotsTest, ANewcomerIsNeverEvictedForOlderStalledHandshakesOfItsAddress) {
  // Behind NAT: one address trickles half-open handshakes and renews them as fast as they are
  // closed; a shopper behind the same address arrives among them.
  platform::FakeClock clock;
  Handshakes h(clock, {.total = 64, .per_client = 4, .exempt = {}});
  for (int i = 0; i < 4; ++i) h.Admit("stall" + std::to_string(i), "192.0.2.1");
  h.Admit("shopper", "192.0.2.1");
  EXPECT_FALSE(h.Evicted("shopper"));
  // Three more renewals evict the three remaining older stalled ones, not the shopper.
  for (int i = 4; i < 7; ++i) h.Admit("stall" + std::to_string(i), "192.0.2.1");
  EXPECT_FALSE(h.Evicted("shopper"));
  EXPECT_EQ(h.EvictedNames().size(), 4u);
}

TEST(HandshakeSlotsTest, AtTheListenerBoundTheLeastAdvancedHandshakeOfAnyAddressIsEvicted) {
  platform::FakeClock clock;
  Handshakes h(clock, {.total = 3, .per_client = 0, .exempt = {}});
  h.Admit("b", "10.0.0.8");
  h.Admit("a", "10.0.0.7");
  h.Admit("c", "10.0.0.9");
  h.Progress("b", 8);
  h.Admit("d", "10.0.0.10");
  EXPECT_EQ(h.EvictedNames(), std::vector<std::string>{"a"});
  EXPECT_EQ(h.Evicted("a"), HandshakeEviction::kListenerLimit);
  EXPECT_EQ(h.slots().in_progress(), 3u);
  EXPECT_EQ(h.slots().evicted(HandshakeEviction::kListenerLimit), 1u);
}

TEST(HandshakeSlotsTest, AnAddressOverItsOwnBoundNeverEvictsAnotherAddress) {
  platform::FakeClock clock;
  Handshakes h(clock, {.total = 10, .per_client = 2, .exempt = {}});
  h.Admit("other", "10.0.0.8");  // the oldest and least advanced of all
  for (int i = 0; i < 20; ++i) h.Admit("flood" + std::to_string(i), "10.0.0.7");
  EXPECT_FALSE(h.Evicted("other"));
  EXPECT_EQ(h.slots().in_progress_from("10.0.0.7"), 2u);
  EXPECT_EQ(h.slots().evicted(HandshakeEviction::kListenerLimit), 0u);
}

TEST(HandshakeSlotsTest, AFinishedHandshakeFreesItsSlotWithoutEvictingAnyone) {
  platform::FakeClock clock;
  Handshakes h(clock, {.total = 2, .per_client = 2, .exempt = {}});
  h.Admit("a", "10.0.0.7");
  h.Admit("b", "10.0.0.7");
  h.End("a");
  h.Admit("c", "10.0.0.7");
  EXPECT_TRUE(h.EvictedNames().empty());
  EXPECT_EQ(h.slots().in_progress(), 2u);
}

TEST(HandshakeSlotsTest, AnEvictedHandshakeEndingLaterFreesNoSecondSlot) {
  platform::FakeClock clock;
  Handshakes h(clock, {.total = 2, .per_client = 0, .exempt = {}});
  h.Admit("a", "10.0.0.7");
  h.Admit("b", "10.0.0.8");
  h.Admit("c", "10.0.0.9");  // evicts a
  h.End("a");                // its connection closes afterwards
  EXPECT_EQ(h.slots().in_progress(), 2u);
  h.Admit("d", "10.0.0.10");  // still at the bound: evicts b
  EXPECT_EQ(h.EvictedNames(), (std::vector<std::string>{"a", "b"}));
}

TEST(HandshakeSlotsTest, ExemptAddressesHaveNoPerAddressBoundButCountForTheListener) {
  platform::FakeClock clock;
  Handshakes h(clock, {.total = 4, .per_client = 1, .exempt = {"127.0.0.1"}});
  h.Admit("k1", "127.0.0.1");
  h.Admit("k2", "127.0.0.1");
  h.Admit("k3", "::ffff:127.0.0.1");
  EXPECT_TRUE(h.EvictedNames().empty());
  h.Admit("x", "10.0.0.7");
  h.Admit("y", "10.0.0.8");  // the listener is full: the oldest stalled one goes
  EXPECT_EQ(h.EvictedNames(), std::vector<std::string>{"k1"});
}

TEST(HandshakeSlotsTest, IPv4MappedAddressesShareTheBoundOfTheirIPv4Address) {
  platform::FakeClock clock;
  Handshakes h(clock, {.total = 10, .per_client = 1, .exempt = {}});
  h.Admit("v4", "10.0.0.7");
  h.Admit("mapped", "::ffff:10.0.0.7");
  EXPECT_EQ(h.EvictedNames(), std::vector<std::string>{"v4"});
}

TEST(HandshakeSlotsTest, LoweredLimitsApplyFromTheNextAdmission) {
  platform::FakeClock clock;
  Handshakes h(clock, {.total = 10, .per_client = 10, .exempt = {}});
  for (int i = 0; i < 5; ++i) h.Admit("a" + std::to_string(i), "10.0.0.7");
  h.slots().SetLimits({.total = 10, .per_client = 2, .exempt = {}});
  EXPECT_TRUE(h.EvictedNames().empty());
  h.Admit("a5", "10.0.0.7");  // back down to 2 from that address, the oldest going first
  EXPECT_EQ(h.EvictedNames(), (std::vector<std::string>{"a0", "a1", "a2", "a3"}));
  EXPECT_EQ(h.slots().in_progress_from("10.0.0.7"), 2u);
}

TEST(HandshakeSlotsTest, AmongEquallyAdvancedHandshakesTheEarliestAdmittedGoesFirst) {
  platform::FakeClock clock;
  Handshakes h(clock, {.total = 2, .per_client = 0, .exempt = {}});
  h.Admit("early", "10.0.0.7");
  clock.Advance(std::chrono::seconds(3));
  h.Admit("late", "10.0.0.8");
  h.Progress("early", 8);
  h.Progress("late", 8);
  h.Admit("new", "10.0.0.9");
  EXPECT_EQ(h.EvictedNames(), std::vector<std::string>{"early"});
}

}  // namespace
}  // namespace optin::net::handshake_slots_test
