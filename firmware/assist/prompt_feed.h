// Live staff prompts as events: HelpDesk publishes one after each committed change (from
// Connection::AfterCommit, so only durable changes are announced, in commit order), and each
// staff console's WebSocket subscribes. Publish calls the callbacks synchronously, outside the
// feed's lock; callbacks must not block (post to a strand). A Subscription unsubscribes when
// destroyed, after which its callback is never called again (destruction waits for a call in
// progress on another thread; a callback may drop its own subscription). Bounded: at most
// max_subscribers at once. Thread-safe.
#pragma once

#include <boost/json/object.hpp>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "platform/error.h"

namespace optin::assist {

enum class PromptEventKind { kAdded, kUpdated, kClaimed, kResolved, kRetracted };
std::string_view ToString(PromptEventKind kind);

struct PromptEvent {
  PromptEventKind kind = PromptEventKind::kAdded;
  std::string prompt_id;
  // What staff see of the prompt after the change; nothing for kRetracted (drop it).
  std::optional<boost::json::object> view;
  uint64_t seq = 0;  // set by Publish: 1, 2, 3... in publication order
};

class PromptFeed {
 public:
  using Callback = std::function<void(const PromptEvent&)>;

  class Subscription {
   public:
    Subscription() = default;
    Subscription(Subscription&& other) noexcept = default;
    Subscription& operator=(Subscription&& other) noexcept;
    Subscription(const Subscription&) = delete;
    ~Subscription() { Reset(); }
    // Unsubscribes now (idempotent).
    void Reset();
    bool active() const { return entry_ != nullptr; }

   private:
    friend class PromptFeed;
    struct Entry;
    Subscription(std::weak_ptr<PromptFeed*> feed, std::shared_ptr<Entry> entry)
        : feed_(std::move(feed)), entry_(std::move(entry)) {}
    std::weak_ptr<PromptFeed*> feed_;
    std::shared_ptr<Entry> entry_;
  };

  explicit PromptFeed(size_t max_subscribers = 256);
  ~PromptFeed();
  PromptFeed(const PromptFeed&) = delete;
  PromptFeed& operator=(const PromptFeed&) = delete;

  // kResourceExhausted (reason "too-many-consoles") when max_subscribers are subscribed.
  Result<Subscription> Subscribe(Callback callback);
  // Numbers the event and hands it to every current subscriber.
  void Publish(PromptEvent event);

  size_t subscribers() const;
  uint64_t last_seq() const;

 private:
  void Remove(const Subscription::Entry* entry);

  const size_t max_subscribers_;
  mutable std::mutex mu_;
  std::vector<std::shared_ptr<Subscription::Entry>> entries_;  // GUARDED_BY(mu_)
  uint64_t seq_ = 0;                                           // GUARDED_BY(mu_)
  // Subscriptions hold a weak reference, so that one outliving the feed does nothing.
  std::shared_ptr<PromptFeed*> self_;
};

}  // namespace optin::assist
