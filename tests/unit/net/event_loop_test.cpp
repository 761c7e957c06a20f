#include "net/event_loop.h"

#include <gtest/gtest.h>

#include <atomic>
#include <condition_variable>
#include <csignal>
#include <future>
#include <mutex>
#include <thread>

namespace optin::net::event_loop_test {
namespace {

constexpr std::chrono::seconds kDeadline{5};

TEST(EventLoopTest, PostedWorkRunsOnTheLoopUntilStop) {
  EventLoop loop;
  std::promise<std::thread::id> ran_on;
  loop.Post([&] {
    ran_on.set_value(std::this_thread::get_id());
    loop.Stop();
  });
  std::thread runner([&] { loop.Run(1); });
  auto future = ran_on.get_future();
  ASSERT_EQ(future.wait_for(kDeadline), std::future_status::ready);
  EXPECT_EQ(future.get(), runner.get_id());
  runner.join();
}

TEST(EventLoopTest, RunKeepsGoingWithoutWorkUntilStop) {
  EventLoop loop;
  std::promise<void> returned;
  std::thread runner([&] {
    loop.Run(1);
    returned.set_value();
  });
  auto future = returned.get_future();
  // Idle, the loop must still be running: work posted now runs.
  std::promise<void> ran;
  loop.Post([&] { ran.set_value(); });
  ASSERT_EQ(ran.get_future().wait_for(kDeadline), std::future_status::ready);
  EXPECT_EQ(future.wait_for(std::chrono::milliseconds(0)), std::future_status::timeout);
  loop.Stop();
  EXPECT_EQ(future.wait_for(kDeadline), std::future_status::ready);
  runner.join();
}

TEST(EventLoopTest, RunUsesTheRequestedNumberOfThreads) {
  EventLoop loop;
  std::mutex mutex;
  std::condition_variable changed;
  int inside = 0;
  bool both_met = true;
  // Each task waits for the other one: only two threads let both finish.
  for (int i = 0; i < 2; ++i) {
    loop.Post([&] {
      std::unique_lock lock(mutex);
      ++inside;
      changed.notify_all();
      if (!changed.wait_for(lock, kDeadline, [&] { return inside == 2; })) both_met = false;
    });
  }
  std::thread runner([&] { loop.Run(2); });
  {
    std::unique_lock lock(mutex);
    changed.wait_for(lock, kDeadline, [&] { return inside == 2; });
  }
  loop.Stop();
  runner.join();
  EXPECT_EQ(inside, 2);
  EXPECT_TRUE(both_met);
}

TEST(EventLoopTest, EveryCallsAgainAndAgain) {
  EventLoop loop;
  std::atomic<int> calls{0};
  std::promise<void> third;
  loop.Every(std::chrono::milliseconds(1), [&] {
    if (++calls == 3) third.set_value();
  });
  std::thread runner([&] { loop.Run(1); });
  EXPECT_EQ(third.get_future().wait_for(kDeadline), std::future_status::ready);
  loop.Stop();
  runner.join();
  EXPECT_GE(calls.load(), 3);
}

TEST(EventLoopTest, OnSignalsDeliversEachSignalOnTheLoop) {
  EventLoop loop;
  std::atomic<int> received{0};
  std::promise<void> second;
  loop.OnSignals({SIGUSR1}, [&](int signal_number) {
    EXPECT_EQ(signal_number, SIGUSR1);
    if (++received == 1) {
      std::raise(SIGUSR1);  // the watch must be armed again for this one
    } else {
      second.set_value();
    }
  });
  std::thread runner([&] { loop.Run(1); });
  loop.Post([] { std::raise(SIGUSR1); });
  EXPECT_EQ(second.get_future().wait_for(kDeadline), std::future_status::ready);
  loop.Stop();
  runner.join();
  EXPECT_EQ(received.load(), 2);
}

}  // namespace
}  // namespace optin::net::event_loop_test
