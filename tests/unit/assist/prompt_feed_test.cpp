// The prompt feed: events in order with sequence numbers, subscriptions that end cleanly
// (also from inside their own callback), and a bound on subscribers.
#include "assist/prompt_feed.h"

#include <gtest/gtest.h>

#include <optional>
#include <vector>

namespace optin::assist::prompt_feed_test {
namespace {

PromptEvent Event(PromptEventKind kind, std::string id) {
  return PromptEvent{kind, std::move(id), std::nullopt, 0};
}

TEST(PromptFeedTest, SubscribersReceiveEventsInOrderWithSequenceNumbers) {
  PromptFeed feed;
  std::vector<std::pair<uint64_t, std::string>> a, b;
  auto sa = feed.Subscribe([&](const PromptEvent& e) { a.emplace_back(e.seq, e.prompt_id); });
  auto sb = feed.Subscribe([&](const PromptEvent& e) { b.emplace_back(e.seq, e.prompt_id); });
  ASSERT_TRUE(sa && sb);
  feed.Publish(Event(PromptEventKind::kAdded, "h_1"));
  feed.Publish(Event(PromptEventKind::kRetracted, "h_2"));
  const std::vector<std::pair<uint64_t, std::string>> want = {{1, "h_1"}, {2, "h_2"}};
  EXPECT_EQ(a, want);
  EXPECT_EQ(b, want);
  EXPECT_EQ(feed.last_seq(), 2u);
}

TEST(PromptFeedTest, ADroppedSubscriptionHearsNothingMore) {
  PromptFeed feed;
  int calls = 0;
  auto sub = feed.Subscribe([&](const PromptEvent&) { ++calls; });
  ASSERT_TRUE(sub);
  feed.Publish(Event(PromptEventKind::kAdded, "h_1"));
  sub->Reset();
  feed.Publish(Event(PromptEventKind::kAdded, "h_2"));
  EXPECT_EQ(calls, 1);
  EXPECT_EQ(feed.subscribers(), 0u);
}

TEST(PromptFeedTest, ACallbackMayDropItsOwnSubscription) {
  PromptFeed feed;
  int calls = 0;
  std::optional<PromptFeed::Subscription> sub;
  sub = *feed.Subscribe([&](const PromptEvent&) {
    ++calls;
    sub->Reset();
  });
  feed.Publish(Event(PromptEventKind::kAdded, "h_1"));
  feed.Publish(Event(PromptEventKind::kAdded, "h_2"));
  EXPECT_EQ(calls, 1);
}

TEST(PromptFeedTest, SubscribersAreBounded) {
  PromptFeed feed(2);
  auto a = feed.Subscribe([](const PromptEvent&) {});
  auto b = feed.Subscribe([](const PromptEvent&) {});
  auto c = feed.Subscribe([](const PromptEvent&) {});
  ASSERT_TRUE(a && b);
  ASSERT_FALSE(c);
  EXPECT_EQ(c.error().reason, "too-many-consoles");
  a->Reset();
  EXPECT_TRUE(feed.Subscribe([](const PromptEvent&) {}).has_value());
}

TEST(PromptFeedTest, ASubscriptionOutlivingTheFeedIsHarmless) {
  std::optional<PromptFeed::Subscription> sub;
  {
    PromptFeed feed;
    sub = *feed.Subscribe([](const PromptEvent&) {});
  }
  sub->Reset();
  EXPECT_FALSE(sub->active());
}

}  // namespace
}  // namespace optin::assist::prompt_feed_test
