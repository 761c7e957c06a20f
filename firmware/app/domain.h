// The domain graph of the daemon: every module that holds the shopper's data (pseudonymizer,
// receipt signer, consent ledger, declared interests, offer catalog, views and personalizer,
// visits, app token verifier, presence code, help desk, staff directory and sessions) and every
// hook and DataRights registration between them. The one place that wires them: the daemon
// (app/service.cpp) and the test fixtures both call Domain::Build, so a hook added here is
// exercised by every test that builds a Domain.
//
// Building is not thread-safe; afterwards the modules are as thread-safe as each documents
// (hooks are installed only here, before anything runs). A Domain is neither copyable nor
// movable: modules hold references into each other.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "assist/help_desk.h"
#include "assist/prompt_feed.h"
#include "assist/staff_directory.h"
#include "assist/staff_sessions.h"
#include "consent/consent_ledger.h"
#include "notices/notice_holder.h"
#include "offers/catalog_holder.h"
#include "offers/declared_interests.h"
#include "offers/offer_selector.h"
#include "offers/offer_views.h"
#include "offers/personalizer.h"
#include "platform/clock.h"
#include "platform/crypto.h"
#include "platform/key_store.h"
#include "platform/random.h"
#include "privacy/data_rights.h"
#include "privacy/pseudonymizer.h"
#include "privacy/receipt_signer.h"
#include "visits/app_token_verifier.h"
#include "visits/presence_code.h"
#include "visits/visit_service.h"

namespace optin::sync {
class EventRecorder;
}

namespace optin::app {

struct Config;

// What the domain modules need from the configuration.
struct DomainSettings {
  consent::Controller controller;      // the store: id, name, jurisdiction, contact, policy URL
  consent::ConsentPolicy consent;      // policy version and grant lifetime
  std::vector<std::string> interests;  // the store's interest categories
  // The languages the store offers its notice in; the first is its default.
  std::vector<std::string> languages = {"en"};
  offers::SelectionPolicy offers;
  visits::VisitPolicy visits;
  visits::AppTokenPolicy tokens;  // store id (audience), HQ issuer, leeway
  assist::HelpDeskPolicy help_desk;
  assist::StaffSessionPolicy staff_sessions;
  // PBKDF2 iterations of staff PINs; tests lower it to stay fast.
  unsigned staff_pin_iterations = assist::StaffDirectory::kPinIterations;

  // The daemon's settings from its config file.
  static DomainSettings FromConfig(const Config& c);
};

// The device secrets the modules are keyed with. The daemon derives them from its KeyStore;
// tests may pass deterministic ones. `signing` must outlive the Domain.
struct DomainKeys {
  std::string pseudonym;
  std::string token_hash;
  std::string presence;
  std::string at_rest;
  const platform::EcdsaPrivateKey* signing = nullptr;  // consent and erasure receipts

  static DomainKeys FromKeyStore(const platform::KeyStore& keys);
};

struct Domain {
  Domain() = default;
  Domain(const Domain&) = delete;
  Domain& operator=(const Domain&) = delete;

  // Creates every module and installs every hook and DataRights registration, in the order
  // the daemon relies on (hooks run in installation order inside one transaction). `clock`,
  // `random`, `feed` and `*keys.signing` must outlive the Domain. `hq_key` is HQ's app token
  // key, or nothing on a device not provisioned yet.
  static std::unique_ptr<Domain> Build(const DomainSettings& settings, const DomainKeys& keys,
                                       const platform::Clock& clock, platform::Random& random,
                                       assist::PromptFeed& feed,
                                       std::optional<platform::EcdsaPublicKey> hq_key);

  // Hooks HQ sync's event recorder (SyncService::recorder()) into consent changes, check-ins,
  // help requests, claims and offer views, and registers its records with DataRights. Call
  // once, right after creating the sync service; `recorder` must outlive the Domain's use.
  void AttachSync(const sync::EventRecorder& recorder);

  std::unique_ptr<privacy::Pseudonymizer> pseudonymizer;
  std::unique_ptr<privacy::ReceiptSigner> signer;
  std::unique_ptr<consent::ConsentLedger> ledger;
  // The notice in force (loaded by the daemon from the database, file or bundle; none in a
  // fresh test Domain): the ledger's receipts name it.
  std::unique_ptr<notices::NoticeHolder> notices;
  std::unique_ptr<offers::DeclaredInterests> interests;
  offers::CatalogHolder catalog;  // replaced whole by a reload; the previous stays on failure
  offers::OfferViews offer_views;
  std::unique_ptr<offers::Personalizer> personalizer;
  std::unique_ptr<visits::VisitService> visits;
  std::unique_ptr<visits::AppTokenVerifier> tokens;
  std::unique_ptr<visits::PresenceCode> presence;
  std::unique_ptr<assist::HelpDesk> desk;
  std::unique_ptr<assist::StaffDirectory> staff_directory;
  std::unique_ptr<assist::StaffSessions> staff_sessions;
  privacy::DataRights rights;
};

}  // namespace optin::app
