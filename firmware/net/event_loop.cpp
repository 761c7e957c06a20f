#include "net/event_loop.h"

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

namespace optin::net {

namespace asio = boost::asio;

namespace {

// A timer that calls `fn` every `period`; it re-arms itself from its own handler, so only
// one wait is ever pending and the timer needs no strand.
struct PeriodicTimer {
  PeriodicTimer(asio::io_context& context, std::chrono::milliseconds p, std::function<void()> f)
      : timer(context), period(p), fn(std::move(f)) {}

  void Arm() {
    auto next = timer.expiry() + period;
    auto now = std::chrono::steady_clock::now();
    // After a stall, skip the missed ticks instead of firing them in a burst.
    if (next < now) next = now + period;
    timer.expires_at(next);
    timer.async_wait([this](const boost::system::error_code& ec) {
      if (ec) return;  // cancelled: the loop is going away
      fn();
      Arm();
    });
  }

  asio::steady_timer timer;
  std::chrono::milliseconds period;
  std::function<void()> fn;
};

struct SignalWatch {
  SignalWatch(asio::io_context& context, std::function<void(int)> f)
      : signals(context), fn(std::move(f)) {}

  void Arm() {
    signals.async_wait([this](const boost::system::error_code& ec, int signal_number) {
      if (ec) return;
      fn(signal_number);
      Arm();
    });
  }

  asio::signal_set signals;
  std::function<void(int)> fn;
};

}  // namespace

struct EventLoop::Impl {
  asio::io_context context;
  std::mutex mutex;
  std::optional<asio::executor_work_guard<asio::io_context::executor_type>> work;
  // Declared after `context`, so destroyed before it: their pending waits are cancelled.
  std::vector<std::unique_ptr<PeriodicTimer>> timers;
  std::vector<std::unique_ptr<SignalWatch>> watches;
};

EventLoop::EventLoop() : impl_(std::make_unique<Impl>()) {
  impl_->work.emplace(impl_->context.get_executor());
}

EventLoop::~EventLoop() {
  Stop();
  std::lock_guard lock(impl_->mutex);
  impl_->timers.clear();
  impl_->watches.clear();
}

void EventLoop::Run(size_t threads) {
  // Stop() is final: a Run() that starts after it returns at once (no restart), so a Stop()
  // racing with the start of Run() on another thread cannot be lost.
  std::vector<std::thread> extra;
  for (size_t i = 1; i < threads; ++i) {
    extra.emplace_back([this] { impl_->context.run(); });
  }
  impl_->context.run();
  for (std::thread& thread : extra) thread.join();
}

void EventLoop::Stop() {
  std::lock_guard lock(impl_->mutex);
  impl_->work.reset();
  impl_->context.stop();
}

void EventLoop::Post(std::function<void()> fn) { asio::post(impl_->context, std::move(fn)); }

void EventLoop::Every(std::chrono::milliseconds period, std::function<void()> fn) {
  auto timer = std::make_unique<PeriodicTimer>(impl_->context, period, std::move(fn));
  timer->timer.expires_after(std::chrono::milliseconds(0));
  timer->Arm();
  std::lock_guard lock(impl_->mutex);
  impl_->timers.push_back(std::move(timer));
}

void EventLoop::OnSignals(std::initializer_list<int> signals, std::function<void(int)> fn) {
  auto watch = std::make_unique<SignalWatch>(impl_->context, std::move(fn));
  for (int signal_number : signals) watch->signals.add(signal_number);
  watch->Arm();
  std::lock_guard lock(impl_->mutex);
  impl_->watches.push_back(std::move(watch));
}

void* EventLoop::native() { return &impl_->context; }

}  // namespace optin::net
