// Routes about the device rather than a shopper: liveness (/healthz: the event loop answers),
// readiness (/readyz: the database commits a durable write, the device key is loaded, the
// listener is up; the answer names the failed checks; whether an offer catalog is loaded is
// reported, not required), the public keys that
// verify receipts (/v1/device/keys) and what the store offers (/v1/store).
// Immutable after Register(); thread-safe.
#pragma once

#include <atomic>
#include <string>
#include <vector>

#include "consent/consent_ledger.h"
#include "net/router.h"
#include "notices/word_labels.h"
#include "offers/catalog_holder.h"
#include "platform/crypto.h"
#include "visits/app_token_verifier.h"

namespace optin::store {
class Database;
}  // namespace optin::store

namespace optin::api {

// How long the store keeps things, for the privacy notice (GET /v1/store "retention").
struct StoreRetention {
  int64_t visit_max_minutes = 240;  // a visit ends by itself after this
  int64_t ended_visit_hours = 24;   // ended visits (and anonymous web visits whole) after this
  int64_t history_days = 180;       // ended visits under `history`
  int64_t consent_days = 365;       // a grant lapses after this
};

struct SystemApiDeps {
  store::Database& db;
  const platform::EcdsaPublicKey& device_key;
  const consent::ConsentLedger& ledger;
  const visits::AppTokenVerifier& tokens;
  const std::atomic<bool>& serving;  // set once the listener is up, cleared on shutdown
  std::vector<std::string> interests;
  std::string version;
  std::vector<std::string> assist_topics = {};  // what shoppers may ask staff for help with
  StoreRetention retention = {};
  // The offer catalog in force, for /readyz's catalog_loaded (reported, not required).
  const offers::CatalogHolder* catalog = nullptr;
  // How the interests and the topics read in each language (GET /v1/store's *_labels).
  notices::WordLabels interest_labels = {};
  notices::WordLabels topic_labels = {};
};

class SystemApi {
 public:
  explicit SystemApi(SystemApiDeps deps) : d_(std::move(deps)) {}
  void Register(net::Router& router) const;

  void Healthz(net::Request&& request, net::Responder respond) const;
  void Readyz(net::Request&& request, net::Responder respond) const;
  void DeviceKeys(net::Request&& request, net::Responder respond) const;
  void StoreInfo(net::Request&& request, net::Responder respond) const;

 private:
  SystemApiDeps d_;
};

}  // namespace optin::api
