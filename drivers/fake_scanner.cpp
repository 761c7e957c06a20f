#include "drivers/fake_scanner.h"

namespace optin::drivers {

Status FakeScanner::Start(ScanCallback on_scan, StateCallback on_state) {
  std::lock_guard lock(mu_);
  if (started_) {
    return Fail(ErrorCode::kFailedPrecondition, "scanner '" + name_ + "' was already started", {},
                "already-started");
  }
  started_ = true;
  on_scan_ = std::move(on_scan);
  on_state_ = std::move(on_state);
  return Ok();
}

void FakeScanner::Stop() {
  StateCallback on_state;
  {
    std::lock_guard lock(mu_);
    if (!started_) return;
    started_ = false;
    on_scan_ = {};
    on_state = std::move(on_state_);
  }
  if (on_state) on_state(ScannerState::kStopped);
}

ScannerStats FakeScanner::stats() const {
  std::lock_guard lock(mu_);
  return stats_;
}

bool FakeScanner::Push(std::string text) {
  ScanCallback cb;
  {
    std::lock_guard lock(mu_);
    if (!started_) return false;
    ++stats_.scans;
    cb = on_scan_;
  }
  if (cb) cb(Scan{std::move(text), name_});
  return true;
}

void FakeScanner::SetState(ScannerState state) {
  StateCallback cb;
  {
    std::lock_guard lock(mu_);
    if (!started_) return;
    if (state == ScannerState::kDisconnected) ++stats_.disconnects;
    cb = on_state_;
  }
  if (cb) cb(state);
}

bool FakeScanner::started() const {
  std::lock_guard lock(mu_);
  return started_;
}

}  // namespace optin::drivers
