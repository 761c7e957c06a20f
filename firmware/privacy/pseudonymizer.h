// Turns raw identifiers into keyed pseudonyms before anything is stored (PRODUCT.md line 9):
// a subject is HMAC-SHA256(pseudonym key, issuer "\n" sub), and bearer tokens are stored only
// as HMAC-SHA256(token key, token). The keys come from the device's KeyStore, so a copied
// database cannot be linked back to loyalty or app ids. Immutable; thread-safe.
#pragma once

#include <string>
#include <string_view>

namespace optin::privacy {

class Pseudonymizer {
 public:
  Pseudonymizer(std::string pseudonym_key, std::string token_key)
      : pseudonym_key_(std::move(pseudonym_key)), token_key_(std::move(token_key)) {}

  // 64 lowercase hex characters; the same issuer and sub always give the same subject.
  std::string SubjectId(std::string_view issuer, std::string_view sub) const;
  // 32 raw bytes, for bearer tokens and token ids (jti).
  std::string TokenHash(std::string_view token) const;

 private:
  std::string pseudonym_key_;
  std::string token_key_;
};

}  // namespace optin::privacy
