// Signs the receipts the box hands to shoppers (consent changes, erasures) with the device key,
// as compact JWS that anyone can check offline with the key from GET /v1/device/keys.
// Immutable; thread-safe (the key and Random are).
#pragma once

#include <boost/json/object.hpp>
#include <string>

#include "platform/crypto.h"
#include "platform/random.h"

namespace optin::privacy {

class ReceiptSigner {
 public:
  ReceiptSigner(const platform::EcdsaPrivateKey& key, platform::Random& random)
      : key_(key), random_(random), kid_(key.PublicKey().KeyId()) {}

  // typ is "consent-receipt+jws" or "erasure-receipt+jws".
  Result<std::string> Sign(std::string_view typ, const boost::json::object& payload) const;
  // A random receipt id (UUID v4 text form).
  std::string NewReceiptId() const;
  const std::string& key_id() const { return kid_; }

 private:
  const platform::EcdsaPrivateKey& key_;
  platform::Random& random_;
  std::string kid_;
};

}  // namespace optin::privacy
