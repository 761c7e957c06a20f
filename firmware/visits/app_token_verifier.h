// Verifies the shopper's app token offline: a JWT (RFC 7519) signed ES256 by HQ, with claims
// iss, sub, aud (this store), exp, iat and jti. Any other algorithm, a wrong audience or issuer,
// an expired or future token, or a missing claim is refused with a reason a client can act on.
// Replay (a used jti) is checked by VisitService at check-in. Thread-safe; HQ's key can be
// replaced at run time.
#pragma once

#include <chrono>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "platform/clock.h"
#include "platform/crypto.h"
#include "platform/error.h"

namespace optin::visits {

struct AppTokenClaims {
  std::string issuer;
  std::string subject;   // raw loyalty/app id: pseudonymize at once, never store or log it
  std::string token_id;  // jti
  int64_t issued_at = 0;
  int64_t expires_at = 0;
  // The purposes the shopper chose in the app, when the token carries them ("purposes" claim).
  std::optional<std::vector<std::string>> purposes;
};

struct AppTokenPolicy {
  std::string store_id;                                       // required audience
  std::string issuer;                                         // required issuer; empty accepts any
  std::chrono::seconds leeway{60};                            // clock skew tolerated for exp/iat
  std::chrono::seconds max_lifetime{std::chrono::hours(24)};  // exp - iat at most this
};

class AppTokenVerifier {
 public:
  // `hq_key` is absent when the device has not been provisioned with HQ's token key; every
  // token is then refused with kUnavailable ("not-provisioned").
  AppTokenVerifier(const platform::Clock& clock, std::optional<platform::EcdsaPublicKey> hq_key,
                   AppTokenPolicy policy);

  Result<AppTokenClaims> Verify(std::string_view token) const;

  // Replaces HQ's key (reload after provisioning); tokens verified afterwards use the new one.
  void SetHqKey(std::optional<platform::EcdsaPublicKey> hq_key);
  bool provisioned() const;
  // HQ's key in force (it also verifies HQ-signed offer catalogs); null when not provisioned.
  std::shared_ptr<const platform::EcdsaPublicKey> hq_key() const;

 private:

  const platform::Clock& clock_;
  mutable std::mutex mu_;
  std::shared_ptr<const platform::EcdsaPublicKey> hq_key_;  // GUARDED_BY(mu_); null: none
  AppTokenPolicy policy_;
};

}  // namespace optin::visits
