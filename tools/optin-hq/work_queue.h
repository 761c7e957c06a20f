// A small pool of worker threads with a bounded queue, for the work HQ's handlers must not do on
// the network threads: database calls (PostgreSQL over the network, SQLite's fsync) and PBKDF2.
// Post() refuses when the queue is full (the caller answers 503), so nothing grows without
// bound. Thread-safe; the destructor runs what is queued, then joins.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace optin::hq {

class WorkQueue {
 public:
  WorkQueue(size_t threads, size_t max_pending);
  ~WorkQueue();
  WorkQueue(const WorkQueue&) = delete;
  WorkQueue& operator=(const WorkQueue&) = delete;

  // Queues `task`; false (and `task` dropped) when max_pending tasks wait already or the
  // queue stops.
  bool Post(std::function<void()> task);
  // Runs what is queued, then joins the threads. Idempotent.
  void Stop();

 private:
  void Run();

  const size_t max_pending_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> tasks_;  // GUARDED_BY(mu_)
  bool stopping_ = false;                    // GUARDED_BY(mu_)
  std::vector<std::thread> threads_;
};

}  // namespace optin::hq
