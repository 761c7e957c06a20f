// The daemon's whole domain graph for module tests: every module, hook and DataRights
// registration built by the daemon's own builder (app::Domain::Build) over the world's real
// SQLite database, fake clock and deterministic keys, so that tests exercise the real wiring
// (a hook added to the daemon runs here too). The app token verifier has no HQ key. Programs
// that use it link optin_app. Header-only; one per test; not thread-safe.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <utility>

#include "app/domain.h"
#include "assist/prompt_feed.h"
#include "tests/support/domain_fixture.h"

namespace optin::testing {

// The store the module tests run as (TestController's store).
inline app::DomainSettings TestDomainSettings() {
  app::DomainSettings s;
  s.controller = TestController();
  s.interests = {"trail running", "climbing", "cycling", "swimming"};
  s.tokens =
      visits::AppTokenPolicy{s.controller.store_id, "https://hq.example", std::chrono::seconds(60)};
  // Fewer PBKDF2 iterations than production so that tests stay fast; one test checks the
  // production count.
  s.staff_pin_iterations = 1000;
  return s;
}

class DomainWorld : public VisitsWorld {
 public:
  explicit DomainWorld(app::DomainSettings settings = TestDomainSettings())
      : VisitsWorld(NoModules{}),
        domain_(app::Domain::Build(settings,
                                   app::DomainKeys{.pseudonym = DeviceKeys::PseudonymKey(),
                                                   .token_hash = DeviceKeys::TokenHashKey(),
                                                   .presence = std::string(32, 'q'),
                                                   .at_rest = std::string(32, 'k'),
                                                   .signing = &keys().signing_key()},
                                   clock(), keys().random(), feed_, std::nullopt)) {
    UseModules(*domain_->ledger, *domain_->visits);
  }

  app::Domain& domain() { return *domain_; }
  assist::PromptFeed& feed() { return feed_; }
  offers::DeclaredInterests& interests() { return *domain_->interests; }
  privacy::DataRights& rights() { return domain_->rights; }

 private:
  assist::PromptFeed feed_;  // before the domain: its help desk publishes here
  std::unique_ptr<app::Domain> domain_;
};

// Declared interests with the daemon's hooks (offers_tests).
using InterestsWorld = DomainWorld;

}  // namespace optin::testing
