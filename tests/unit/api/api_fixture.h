// Test wiring for the API layer: a real database in a temporary directory, a fake clock, the
// device KeyStore, a generated HQ key that signs app tokens, and every domain module hooked
// together by the daemon's own builder (app::Domain::Build). Handlers are called directly with
// a net::Request; Call() waits for the Responder's net::Response. No sockets. Header-only (it
// lives beside the tests rather than in tests/support) so that only api_tests links the API
// and app libraries. One fixture per test; not thread-safe.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <boost/json/object.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>
#include <cctype>
#include <chrono>
#include <cstdint>
#include <future>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "api/shopper_api.h"
#include "api/system_api.h"
#include "app/domain.h"
#include "assist/prompt_feed.h"
#include "consent/consent_ledger.h"
#include "net/http_message.h"
#include "offers/declared_interests.h"
#include "platform/clock.h"
#include "platform/crypto.h"
#include "platform/encoding.h"
#include "platform/file_system.h"
#include "platform/key_store.h"
#include "platform/random.h"
#include "privacy/data_rights.h"
#include "privacy/jws.h"
#include "privacy/pseudonymizer.h"
#include "privacy/receipt_signer.h"
#include "store/database.h"
#include "tests/support/temp_dir.h"
#include "visits/app_token_verifier.h"
#include "visits/presence_code.h"
#include "visits/visit_service.h"

namespace optin::testing {

inline constexpr std::string_view kTestStoreId = "store-test-1";
inline constexpr std::string_view kTestIssuer = "https://hq.example.test";

// Unwraps a Result in set-up code; aborts the test on error.
template <class T>
T Must(Result<T> r, std::string_view what) {
  if (!r) {
    ADD_FAILURE() << what << ": " << r.error().message;
    std::abort();
  }
  return std::move(*r);
}

// A response as a test sees it: status, headers and the body parsed as JSON.
struct Reply {
  int status = 0;
  std::string content_type;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string raw_body;
  boost::json::value body;  // null when the body is not JSON

  // The first header with this name (compared case-insensitively), or empty.
  std::string Header(std::string_view name) const {
    for (const auto& [k, v] : headers) {
      if (k.size() == name.size() &&
          std::equal(k.begin(), k.end(), name.begin(), [](char a, char b) {
            return std::tolower(static_cast<unsigned char>(a)) ==
                   std::tolower(static_cast<unsigned char>(b));
          })) {
        return v;
      }
    }
    return {};
  }
  const boost::json::object& obj() const {
    static const boost::json::object kEmpty;
    return body.is_object() ? body.as_object() : kEmpty;
  }
  // The problem type's reason slug ("token-expired"), or empty.
  std::string problem_reason() const {
    constexpr std::string_view kPrefix = "urn:optin-edge:problem:";
    const auto* t = obj().if_contains("type");
    if (t == nullptr || !t->is_string()) return {};
    std::string_view type = t->as_string();
    if (!type.starts_with(kPrefix)) return {};
    return std::string(type.substr(kPrefix.size()));
  }
  std::string problem_field() const {
    const auto* f = obj().if_contains("field");
    return f != nullptr && f->is_string() ? std::string(f->as_string()) : std::string();
  }
};

inline Reply ToReply(net::Response r) {
  Reply out;
  out.status = r.status;
  out.content_type = r.content_type;
  out.headers = std::move(r.headers);
  out.raw_body = std::move(r.body);
  boost::system::error_code ec;
  boost::json::value v = boost::json::parse(out.raw_body, ec);
  if (!ec) out.body = std::move(v);
  return out;
}

// Calls `handler(request, responder)` and waits for the response, which may come from the
// database's writer or reader thread.
template <class Handler>
Reply CallHandler(Handler&& handler, net::Request request) {
  auto promise = std::make_shared<std::promise<net::Response>>();
  std::future<net::Response> future = promise->get_future();
  net::Responder responder([promise](net::Response r) { promise->set_value(std::move(r)); });
  handler(std::move(request), std::move(responder));
  if (future.wait_for(std::chrono::seconds(30)) != std::future_status::ready) {
    ADD_FAILURE() << "the handler never answered";
    return {};
  }
  return ToReply(future.get());
}

// Request builders. Header names are lowercase, as the server delivers them.
inline net::Request MakeRequest(std::string method, std::string path, std::string body = {},
                                std::string_view bearer = {}) {
  net::Request r;
  r.method = std::move(method);
  r.path = path;
  r.target = path;
  if (auto q = path.find('?'); q != std::string::npos) {
    r.query = path.substr(q + 1);
    r.path = path.substr(0, q);
  }
  r.body = std::move(body);
  if (!r.body.empty()) r.headers.emplace_back("content-type", "application/json");
  if (!bearer.empty()) r.headers.emplace_back("authorization", "Bearer " + std::string(bearer));
  r.remote_address = "127.0.0.1";
  return r;
}

inline std::string Json(const boost::json::value& v) { return boost::json::serialize(v); }

// Everything that depends on the store's configuration (policy version, HQ key): the domain
// graph as the daemon builds it (app::Domain::Build) and the shopper and system APIs over it.
// Several may share one database (a policy change).
struct ServiceStack {
  std::unique_ptr<app::Domain> domain;
  // Shorthands into `domain`.
  privacy::Pseudonymizer* pseudonymizer = nullptr;
  privacy::ReceiptSigner* signer = nullptr;
  consent::ConsentLedger* ledger = nullptr;
  offers::DeclaredInterests* interests = nullptr;
  visits::VisitService* visits = nullptr;
  visits::AppTokenVerifier* tokens = nullptr;
  visits::PresenceCode* presence = nullptr;
  privacy::DataRights* rights = nullptr;
  std::unique_ptr<api::ShopperApi> shopper;
  std::unique_ptr<api::SystemApi> system;
};

inline const std::vector<std::string>& TestInterests() {
  static const std::vector<std::string> kInterests = {"running", "trail running", "hiking",
                                                      "cycling", "yoga",          "climbing"};
  return kInterests;
}

inline const std::vector<std::string>& TestAssistTopics() {
  static const std::vector<std::string> kTopics = {"footwear", "sizing", "repairs"};
  return kTopics;
}

// The store the API tests run as: what the daemon would read from its config file.
inline app::DomainSettings TestDomainSettings(std::string policy_version) {
  app::DomainSettings s;
  s.controller = consent::Controller{
      std::string(kTestStoreId), "Test store",    "EU",
      "privacy@example.test",    "1 Test Street", "https://example.test/policy"};
  s.consent = consent::ConsentPolicy{std::move(policy_version), std::chrono::days(365)};
  s.interests = TestInterests();
  s.offers = offers::SelectionPolicy{.max_results = 6, .max_per_category = 2, .frequency_cap = 3};
  s.visits = visits::VisitPolicy{std::chrono::minutes(240), std::chrono::hours(24),
                                 std::chrono::days(180)};
  s.tokens = visits::AppTokenPolicy{std::string(kTestStoreId), std::string(kTestIssuer),
                                    std::chrono::seconds(60)};
  s.help_desk = assist::HelpDeskPolicy{};
  s.staff_sessions.shift_length = std::chrono::hours(10);
  s.staff_sessions.max_failures = 5;
  s.staff_sessions.lockout = std::chrono::minutes(15);
  s.staff_sessions.client_max_failures = 8;
  // Fewer PBKDF2 iterations than production so that tests stay fast.
  s.staff_pin_iterations = 1000;
  return s;
}

class ApiFixture : public ::testing::Test {
 protected:
  ApiFixture()
      : random_(Must(platform::CtrDrbg::Create("api-tests"), "random")),
        keys_(Must(platform::KeyStore::Open(platform::FileSystem::Default(), *random_, dir_.path()),
                   "key store")),
        db_(Must(store::Database::Open({.file = dir_ / "optin-edge.db"}), "database")),
        hq_key_(Must(platform::EcdsaPrivateKey::Generate(*random_), "HQ key")) {
    stack_ = MakeStack("1");
  }

  ~ApiFixture() override { db_->Stop(); }

  // A second wiring over the same database and keys, e.g. under a new policy version.
  // `provisioned` false gives a device without the HQ token key.
  std::unique_ptr<ServiceStack> MakeStack(std::string policy_version, bool provisioned = true) {
    auto s = std::make_unique<ServiceStack>();
    std::optional<platform::EcdsaPublicKey> hq_public;
    if (provisioned) hq_public = hq_key_.PublicKey();
    s->domain = app::Domain::Build(TestDomainSettings(std::move(policy_version)),
                                   app::DomainKeys::FromKeyStore(*keys_), clock_, *random_, feed_,
                                   std::move(hq_public));
    app::Domain& d = *s->domain;
    s->pseudonymizer = d.pseudonymizer.get();
    s->signer = d.signer.get();
    s->ledger = d.ledger.get();
    s->interests = d.interests.get();
    s->visits = d.visits.get();
    s->tokens = d.tokens.get();
    s->presence = d.presence.get();
    s->rights = &d.rights;

    s->shopper = std::make_unique<api::ShopperApi>(
        api::ShopperApiDeps{*db_, clock_, *s->ledger, *s->visits, *s->tokens, *s->presence,
                            *s->pseudonymizer, *s->rights, *s->signer, *s->interests,
                            std::string(kTestStoreId), /*web_code_previous_steps=*/20});
    s->system = std::make_unique<api::SystemApi>(
        api::SystemApiDeps{*db_, keys_->SigningPublicKey(), *s->ledger, *s->tokens, serving_,
                           TestInterests(), "test-version", TestAssistTopics()});
    return s;
  }

  struct TokenOptions {
    std::optional<std::string> jti;                    // default: fresh random
    std::optional<int64_t> issued_at;                  // default: now
    std::optional<int64_t> expires_at;                 // default: issued_at + 1 h
    std::optional<std::vector<std::string>> purposes;  // "purposes" claim
  };

  // An HQ-signed app token for `subject` (the raw app id) addressed to this store.
  std::string MintAppToken(std::string_view subject, TokenOptions o = {}) {
    const int64_t iat = o.issued_at.value_or(clock_.NowUnix());
    boost::json::object claims{
        {"iss", kTestIssuer},
        {"sub", subject},
        {"aud", kTestStoreId},
        {"iat", iat},
        {"exp", o.expires_at.value_or(iat + 3600)},
        {"jti", o.jti.value_or("jti-" + platform::HexEncode(random_->Bytes(12)))}};
    if (o.purposes) {
      boost::json::array list;
      for (const auto& p : *o.purposes) list.push_back(boost::json::string(p));
      claims["purposes"] = std::move(list);
    }
    return Must(privacy::SignJws(hq_key_, *random_, "hq-test-key", "JWT", claims), "sign token");
  }

  // Calls a ShopperApi or SystemApi handler of `stack` (the fixture's own by default).
  Reply Call(void (api::ShopperApi::*handler)(net::Request&&, net::Responder) const,
             net::Request request, const ServiceStack* stack = nullptr) {
    const api::ShopperApi& api = *(stack ? stack : stack_.get())->shopper;
    return CallHandler(
        [&](net::Request&& r, net::Responder s) { (api.*handler)(std::move(r), std::move(s)); },
        std::move(request));
  }
  Reply Call(void (api::SystemApi::*handler)(net::Request&&, net::Responder) const,
             net::Request request, const ServiceStack* stack = nullptr) {
    const api::SystemApi& api = *(stack ? stack : stack_.get())->system;
    return CallHandler(
        [&](net::Request&& r, net::Responder s) { (api.*handler)(std::move(r), std::move(s)); },
        std::move(request));
  }

  // POST /v1/checkins with the store's current presence code and `purposes`.
  Reply CheckIn(std::string_view app_token, boost::json::object purposes = {},
                const ServiceStack* stack = nullptr) {
    const ServiceStack& s = stack ? *stack : *stack_;
    boost::json::object body{{"presence_code", s.presence->Current()}};
    if (!purposes.empty()) body["purposes"] = std::move(purposes);
    return Call(&api::ShopperApi::CheckIn,
                MakeRequest("POST", "/v1/checkins", Json(body), app_token), stack);
  }

  Reply PutConsent(std::string_view token, std::string_view purpose, bool granted,
                   const ServiceStack* stack = nullptr) {
    net::Request r = MakeRequest("PUT", "/v1/me/consents/" + std::string(purpose),
                                 Json(boost::json::object{{"granted", granted}}), token);
    r.params.emplace("purpose", std::string(purpose));
    return Call(&api::ShopperApi::PutConsent, std::move(r), stack);
  }

  Reply PutInterests(std::string_view token, boost::json::array interests) {
    return Call(&api::ShopperApi::PutInterests,
                MakeRequest("PUT", "/v1/me/interests",
                            Json(boost::json::object{{"interests", std::move(interests)}}), token));
  }

  Reply GetMe(std::string_view token, const ServiceStack* stack = nullptr) {
    return Call(&api::ShopperApi::GetMe, MakeRequest("GET", "/v1/me", {}, token), stack);
  }

  // Rows in a table, read through the database's own reader connection.
  int64_t CountRows(std::string_view table) {
    const std::string sql = "SELECT count(*) FROM " + std::string(table);
    return Must(db_->ReadSync<int64_t>([&sql](store::Connection& conn) -> Result<int64_t> {
      OPTIN_ASSIGN_OR_RETURN(auto stmt, conn.Prepare(sql));
      OPTIN_TRY(stmt.Step());
      return stmt.ColumnInt(0);
    }),
                "count rows");
  }

  // True when `jws` carries a valid ES256 signature by the device's receipt key.
  bool SignedByDevice(std::string_view jws) const {
    return privacy::VerifyJws(keys_->SigningPublicKey(), jws).has_value();
  }

  TempDir dir_;
  platform::FakeClock clock_;
  std::unique_ptr<platform::CtrDrbg> random_;
  std::unique_ptr<platform::KeyStore> keys_;
  std::unique_ptr<store::Database> db_;
  platform::EcdsaPrivateKey hq_key_;
  std::atomic<bool> serving_{true};
  assist::PromptFeed feed_;  // the help desks of every stack publish here
  std::unique_ptr<ServiceStack> stack_;
};

// Looks up {"purpose": name, ...} in an array of purpose statuses; null when absent.
inline const boost::json::object* FindPurpose(const boost::json::value& statuses,
                                              std::string_view name) {
  if (!statuses.is_array()) return nullptr;
  for (const auto& s : statuses.as_array()) {
    if (!s.is_object()) continue;
    const auto* p = s.as_object().if_contains("purpose");
    if (p != nullptr && p->is_string() && p->as_string() == name) return &s.as_object();
  }
  return nullptr;
}

// The "state" of `name` in an array of purpose statuses, or "<absent>".
inline std::string StateOf(const boost::json::value& statuses, std::string_view name) {
  const auto* p = FindPurpose(statuses, name);
  if (p == nullptr || !p->contains("state") || !p->at("state").is_string()) return "<absent>";
  return std::string(p->at("state").as_string());
}

}  // namespace optin::testing
