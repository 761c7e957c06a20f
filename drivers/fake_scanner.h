// A scanner for tests: Push() delivers a scan and SetState() a state change, synchronously on
// the caller's thread (which plays the driver's thread). No filtering: what is pushed arrives.
// Thread-safe.
#pragma once

#include <mutex>
#include <string>

#include "drivers/scanner.h"

namespace optin::drivers {

class FakeScanner final : public Scanner {
 public:
  explicit FakeScanner(std::string name = "fake") : name_(std::move(name)) {}

  Status Start(ScanCallback on_scan, StateCallback on_state = {}) override;
  void Stop() override;
  ScannerStats stats() const override;

  // Delivers `text` as a scan if started; false otherwise.
  bool Push(std::string text);
  void SetState(ScannerState state);
  bool started() const;

 private:
  std::string name_;
  mutable std::mutex mu_;
  bool started_ = false;  // GUARDED_BY(mu_)
  ScanCallback on_scan_;  // GUARDED_BY(mu_)
  StateCallback on_state_;
  ScannerStats stats_;
};

}  // namespace optin::drivers
