#include "assist/prompt_feed.h"

#include <algorithm>

namespace optin::assist {

// One subscriber. `mu` is held while its callback runs and while it is switched off, so that
// once Reset() returns the callback never runs again. Recursive, so that a callback may drop
// its own subscription.
struct PromptFeed::Subscription::Entry {
  explicit Entry(Callback cb) : callback(std::move(cb)) {}
  std::recursive_mutex mu;
  bool active = true;  // GUARDED_BY(mu)
  Callback callback;
};

std::string_view ToString(PromptEventKind kind) {
  switch (kind) {
    case PromptEventKind::kAdded:
      return "added";
    case PromptEventKind::kUpdated:
      return "updated";
    case PromptEventKind::kClaimed:
      return "claimed";
    case PromptEventKind::kResolved:
      return "resolved";
    case PromptEventKind::kRetracted:
      return "retracted";
  }
  return "updated";
}

PromptFeed::Subscription& PromptFeed::Subscription::operator=(Subscription&& other) noexcept {
  if (this != &other) {
    Reset();
    feed_ = std::move(other.feed_);
    entry_ = std::move(other.entry_);
  }
  return *this;
}

void PromptFeed::Subscription::Reset() {
  if (!entry_) return;
  {
    std::lock_guard lock(entry_->mu);
    entry_->active = false;
  }
  if (auto feed = feed_.lock()) (*feed)->Remove(entry_.get());
  entry_.reset();
  feed_.reset();
}

PromptFeed::PromptFeed(size_t max_subscribers)
    : max_subscribers_(max_subscribers), self_(std::make_shared<PromptFeed*>(this)) {}

PromptFeed::~PromptFeed() {
  std::lock_guard lock(mu_);
  for (auto& e : entries_) {
    std::lock_guard entry_lock(e->mu);
    e->active = false;
  }
  entries_.clear();
}

Result<PromptFeed::Subscription> PromptFeed::Subscribe(Callback callback) {
  auto entry = std::make_shared<Subscription::Entry>(std::move(callback));
  std::lock_guard lock(mu_);
  if (entries_.size() >= max_subscribers_) {
    return Fail(ErrorCode::kResourceExhausted,
                "Too many staff consoles are connected. Close one and try again.", {},
                "too-many-consoles");
  }
  entries_.push_back(entry);
  return Subscription(self_, std::move(entry));
}

void PromptFeed::Publish(PromptEvent event) {
  std::vector<std::shared_ptr<Subscription::Entry>> snapshot;
  {
    std::lock_guard lock(mu_);
    event.seq = ++seq_;
    snapshot = entries_;
  }
  for (const auto& e : snapshot) {
    std::lock_guard entry_lock(e->mu);
    if (e->active) e->callback(event);
  }
}

void PromptFeed::Remove(const Subscription::Entry* entry) {
  std::lock_guard lock(mu_);
  std::erase_if(entries_, [entry](const auto& e) { return e.get() == entry; });
}

size_t PromptFeed::subscribers() const {
  std::lock_guard lock(mu_);
  return entries_.size();
}

uint64_t PromptFeed::last_seq() const {
  std::lock_guard lock(mu_);
  return seq_;
}

}  // namespace optin::assist
