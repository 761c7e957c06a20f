// The service's event loop: one Asio io_context run by N threads, with timers and signal
// handling. Asio stays behind this class so that code outside net/ does not compile it.
// Thread-safe.
#pragma once

#include <chrono>
#include <functional>
#include <initializer_list>
#include <memory>

namespace optin::net {

class EventLoop {
 public:
  EventLoop();
  ~EventLoop();
  EventLoop(const EventLoop&) = delete;

  // Runs the loop on `threads` threads (the caller's included) until Stop().
  void Run(size_t threads);
  void Stop();
  void Post(std::function<void()> fn);

  // Calls `fn` every `period` on the loop until the loop stops. First call after one period.
  void Every(std::chrono::milliseconds period, std::function<void()> fn);
  // Calls `fn(signal_number)` on the loop for each listed signal received.
  void OnSignals(std::initializer_list<int> signals, std::function<void(int)> fn);

  // The underlying boost::asio::io_context (for net/ internals only).
  void* native();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace optin::net
