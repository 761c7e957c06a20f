// Test world for the assist module: DomainWorld (the daemon's domain graph built by
// app::Domain::Build over real SQLite in a temporary directory, a fake clock and deterministic
// keys: help desk with its consent and visit-end hooks, staff directory and sessions, data
// rights with every module's records) with the given help desk and staff session policies.
// Every published event is captured. One per test; not thread-safe apart from the event
// capture.
#pragma once

#include <gtest/gtest.h>

#include <mutex>
#include <string>
#include <vector>

#include "assist/help_desk.h"
#include "assist/prompt_feed.h"
#include "assist/staff_directory.h"
#include "assist/staff_sessions.h"
#include "privacy/data_rights.h"
#include "tests/support/domain_world.h"

namespace optin::testing {

// Fewer PBKDF2 iterations than production so that tests stay fast; one test checks the
// production count.
inline constexpr unsigned kTestPinIterations = 1000;

// TestDomainSettings with these assist policies.
inline app::DomainSettings AssistDomainSettings(assist::HelpDeskPolicy policy,
                                                assist::StaffSessionPolicy session_policy) {
  app::DomainSettings s = TestDomainSettings();
  s.help_desk = std::move(policy);
  s.staff_sessions = session_policy;
  s.staff_pin_iterations = kTestPinIterations;
  return s;
}

class AssistWorld : public DomainWorld {
 public:
  explicit AssistWorld(assist::HelpDeskPolicy policy = {},
                       assist::StaffSessionPolicy session_policy = {})
      : DomainWorld(AssistDomainSettings(std::move(policy), session_policy)),
        desk_(*domain().desk),
        directory_(*domain().staff_directory),
        sessions_(*domain().staff_sessions) {
    subscription_ = ValueOrDie(feed().Subscribe([this](const assist::PromptEvent& e) {
      std::lock_guard lock(events_mu_);
      events_.push_back(e);
    }),
                               "subscribe");
  }

  assist::HelpDesk& desk() { return desk_; }
  assist::StaffDirectory& directory() { return directory_; }
  assist::StaffSessions& sessions() { return sessions_; }

  std::vector<assist::PromptEvent> Events() {
    std::lock_guard lock(events_mu_);
    return events_;
  }
  void ClearEvents() {
    std::lock_guard lock(events_mu_);
    events_.clear();
  }

  // A checked-in shopper ("sub" is the raw app id) with these purposes granted.
  visits::Visit Shopper(std::string_view sub,
                        std::vector<consent::Purpose> purposes = {consent::Purpose::kAssistance}) {
    std::vector<consent::ConsentChange> decisions;
    for (auto p : purposes) decisions.push_back({p, true});
    auto r =
        CheckIn(Subject(sub), "jti-" + std::string(sub) + std::to_string(++checkins_), decisions);
    return ValueOrDie(std::move(r), "check in").visit;
  }

  Result<assist::ShopperView> Ask(const visits::Visit& visit, std::string topic = "product advice",
                                  std::string expertise = "beginner",
                                  std::optional<std::string> note = std::nullopt,
                                  std::optional<std::string> first_name = std::nullopt) {
    assist::NewHelpRequest req{std::move(topic), std::move(expertise), std::move(note),
                               std::move(first_name)};
    return database().Write([&](store::Connection& c) { return desk_.Request(c, visit, req); });
  }
  std::string AskOk(const visits::Visit& visit, std::optional<std::string> note = std::nullopt,
                    std::optional<std::string> first_name = std::nullopt) {
    auto r = Ask(visit, "product advice", "beginner", std::move(note), std::move(first_name));
    return ValueOrDie(std::move(r), "ask for help").request.id;
  }

  Status AddStaff(std::string_view id, assist::StaffRole role, std::string_view pin = "482913") {
    return database().Write([&](store::Connection& c) { return directory_.Add(c, id, role, pin); });
  }
  Result<assist::LoginAttempt> Login(std::string_view id, std::string_view pin,
                                     std::string_view client = "10.0.0.7") {
    return database().Write(
        [&](store::Connection& c) { return sessions_.Login(c, id, pin, client); });
  }
  // Adds the account and logs it in.
  assist::StaffLogin Staff(std::string_view id,
                           assist::StaffRole role = assist::StaffRole::kAssociate) {
    EXPECT_TRUE(AddStaff(id, role).has_value());
    auto attempt = ValueOrDie(Login(id, "482913"), "login");
    if (!attempt.login) {
      ADD_FAILURE() << "login refused: " << attempt.refusal->message;
      std::abort();
    }
    return *attempt.login;
  }
  Result<assist::StaffSession> Authenticate(std::string_view token) {
    return database().Read([&](store::Connection& c) { return sessions_.Authenticate(c, token); });
  }

  Result<std::vector<assist::Prompt>> Queue(const assist::StaffLogin& staff) {
    return database().Write([&](store::Connection& c) { return desk_.Queue(c, staff.session); });
  }
  Result<assist::ClaimResult> Claim(const assist::StaffLogin& staff, std::string_view id) {
    return database().Write(
        [&](store::Connection& c) { return desk_.Claim(c, staff.session, id); });
  }
  Result<assist::Prompt> Resolve(const assist::StaffLogin& staff, std::string_view id) {
    return database().Write(
        [&](store::Connection& c) { return desk_.Resolve(c, staff.session, id); });
  }

  // The state column of a help request, or "<gone>".
  std::string StateOf(std::string_view id) {
    auto r = database().Read([&](store::Connection& c) -> Result<std::string> {
      OPTIN_ASSIGN_OR_RETURN(auto s, c.Prepare("SELECT state FROM help_requests WHERE id = ?"));
      s.BindAll(id);
      OPTIN_ASSIGN_OR_RETURN(bool row, s.Step());
      return row ? s.ColumnText(0) : std::string("<gone>");
    });
    return ValueOrDie(std::move(r), "state");
  }

 private:
  // The domain's.
  assist::HelpDesk& desk_;
  assist::StaffDirectory& directory_;
  assist::StaffSessions& sessions_;
  assist::PromptFeed::Subscription subscription_;
  std::mutex events_mu_;
  std::vector<assist::PromptEvent> events_;
  int checkins_ = 0;
};

}  // namespace optin::testing
