#include "visits/app_token_verifier.h"

#include <cmath>

#include "privacy/jws.h"

namespace optin::visits {
namespace {

std::unexpected<Error> TokenError(std::string message, std::string reason) {
  return Fail(ErrorCode::kUnauthenticated, std::move(message), {}, std::move(reason));
}

Result<std::string> StringClaim(const boost::json::object& claims, std::string_view name,
                                size_t max_len) {
  const auto* v = claims.if_contains(name);
  if (v == nullptr || !v->is_string() || v->as_string().empty() ||
      v->as_string().size() > max_len) {
    return TokenError("The token's '" + std::string(name) + "' claim is missing or invalid.",
                      "token-claims");
  }
  return std::string(v->as_string());
}

// Times are bounded to |t| < 2^62 so that exp + leeway, iat - leeway and exp - iat cannot
// overflow (an overflowing exp - iat once wrapped negative and passed the lifetime check).
constexpr int64_t kMaxTimeMagnitude = int64_t{1} << 62;

Result<int64_t> TimeClaim(const boost::json::object& claims, std::string_view name) {
  const auto* v = claims.if_contains(name);
  if (v != nullptr && v->is_int64() && v->as_int64() > -kMaxTimeMagnitude &&
      v->as_int64() < kMaxTimeMagnitude) {
    return v->as_int64();
  }
  if (v != nullptr && v->is_uint64() && v->as_uint64() < static_cast<uint64_t>(kMaxTimeMagnitude)) {
    return static_cast<int64_t>(v->as_uint64());
  }
  if (v != nullptr && v->is_double() && std::isfinite(v->as_double()) &&
      std::fabs(v->as_double()) < 1e15) {
    return static_cast<int64_t>(v->as_double());
  }
  return TokenError("The token's '" + std::string(name) + "' claim is missing or not a time.",
                    "token-claims");
}

bool IsJwtType(const boost::json::value& typ) {
  if (!typ.is_string()) return false;
  std::string lower;
  for (char ch : typ.as_string()) {
    lower += static_cast<char>(ch >= 'A' && ch <= 'Z' ? ch - 'A' + 'a' : ch);
  }
  return lower == "jwt" || lower.ends_with("+jwt");
}

}  // namespace

AppTokenVerifier::AppTokenVerifier(const platform::Clock& clock,
                                   std::optional<platform::EcdsaPublicKey> hq_key,
                                   AppTokenPolicy policy)
    : clock_(clock), policy_(std::move(policy)) {
  SetHqKey(std::move(hq_key));
}

void AppTokenVerifier::SetHqKey(std::optional<platform::EcdsaPublicKey> hq_key) {
  std::shared_ptr<const platform::EcdsaPublicKey> key;
  if (hq_key) key = std::make_shared<const platform::EcdsaPublicKey>(std::move(*hq_key));
  std::lock_guard lock(mu_);
  hq_key_ = std::move(key);
}

std::shared_ptr<const platform::EcdsaPublicKey> AppTokenVerifier::hq_key() const {
  std::lock_guard lock(mu_);
  return hq_key_;
}

bool AppTokenVerifier::provisioned() const { return hq_key() != nullptr; }

Result<AppTokenClaims> AppTokenVerifier::Verify(std::string_view token) const {
  const auto key = hq_key();
  if (!key) {
    return Fail(
        ErrorCode::kUnavailable,
        "This device has no HQ token key yet; app tokens cannot be checked. Provision it "
        "(optinctl provision) or, for development, create one with optinctl token init-dev.",
        {}, "not-provisioned");
  }
  OPTIN_ASSIGN_OR_RETURN(privacy::ParsedJws jws, privacy::VerifyJws(*key, token));
  // Explicit typing (RFC 8725, 3.11): the HQ key also signs other documents (offer catalog
  // bundles, typ "optin-catalog+jws"); only a JWT ("JWT", "at+jwt", or no typ) is an app token.
  if (const auto* typ = jws.header.if_contains("typ"); typ != nullptr && !IsJwtType(*typ)) {
    return TokenError("This is not an app token (its type is not JWT).", "token-type");
  }
  const boost::json::object& c = jws.payload;
  AppTokenClaims claims;
  OPTIN_ASSIGN_OR_RETURN(claims.issuer, StringClaim(c, "iss", 256));
  OPTIN_ASSIGN_OR_RETURN(claims.subject, StringClaim(c, "sub", 256));
  OPTIN_ASSIGN_OR_RETURN(claims.token_id, StringClaim(c, "jti", 128));
  OPTIN_ASSIGN_OR_RETURN(claims.expires_at, TimeClaim(c, "exp"));
  OPTIN_ASSIGN_OR_RETURN(claims.issued_at, TimeClaim(c, "iat"));

  if (!policy_.issuer.empty() && claims.issuer != policy_.issuer) {
    return TokenError("The token was not issued by this store's HQ.", "token-issuer");
  }
  bool audience_ok = false;
  if (const auto* aud = c.if_contains("aud")) {
    if (aud->is_string()) {
      audience_ok = aud->as_string() == policy_.store_id;
    } else if (aud->is_array()) {
      for (const auto& a : aud->as_array()) {
        if (a.is_string() && a.as_string() == policy_.store_id) audience_ok = true;
      }
    }
  }
  if (!audience_ok) return TokenError("The token is for another store.", "token-audience");

  const int64_t now = clock_.NowUnix();
  const int64_t leeway = policy_.leeway.count();
  if (claims.expires_at + leeway <= now)
    return TokenError("The token has expired.", "token-expired");
  if (claims.issued_at - leeway > now) {
    return TokenError("The token was issued in the future; check the device clock.",
                      "token-not-yet-valid");
  }
  if (const auto* nbf = c.if_contains("nbf")) {
    auto t = TimeClaim(c, "nbf");
    if (!t) return std::unexpected(t.error());
    if (*t - leeway > now) return TokenError("The token is not valid yet.", "token-not-yet-valid");
    (void)nbf;
  }
  if (claims.expires_at - claims.issued_at > policy_.max_lifetime.count()) {
    return TokenError("The token's lifetime is longer than this store accepts.", "token-lifetime");
  }
  if (const auto* p = c.if_contains("purposes")) {
    if (!p->is_array())
      return TokenError("The token's 'purposes' claim must be a list.", "token-claims");
    std::vector<std::string> purposes;
    for (const auto& item : p->as_array()) {
      if (!item.is_string()) {
        return TokenError("The token's 'purposes' claim must hold purpose names.", "token-claims");
      }
      purposes.emplace_back(item.as_string());
    }
    claims.purposes = std::move(purposes);
  }
  return claims;
}

}  // namespace optin::visits
