// Cryptography over mbedTLS 2.28: hashes, MACs, authenticated encryption, password hashing and
// ECDSA P-256. The only place (besides the TLS stream in net/) that calls mbedTLS.
// Free functions are thread-safe; key objects are immutable after construction and may be
// shared between threads for Sign/Verify. Byte strings are std::string.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "platform/error.h"
#include "platform/random.h"

namespace optin::platform {

std::string Sha256(std::string_view data);                          // 32 bytes
std::string HmacSha256(std::string_view key, std::string_view data);  // 32 bytes

// Compares two byte strings in time independent of their contents.
bool ConstantTimeEquals(std::string_view a, std::string_view b);

// AES-256-GCM. Seal returns nonce(12) || ciphertext || tag(16). `key` is 32 bytes.
Result<std::string> Aes256GcmSeal(std::string_view key, std::string_view plaintext,
                                  std::string_view aad, Random& random);
Result<std::string> Aes256GcmOpen(std::string_view key, std::string_view sealed,
                                  std::string_view aad);

// PBKDF2-HMAC-SHA256 (staff PINs).
Result<std::string> Pbkdf2Sha256(std::string_view password, std::string_view salt,
                                 unsigned iterations, size_t length);

class EcdsaPublicKey;

// An ECDSA P-256 private key.
class EcdsaPrivateKey {
 public:
  static Result<EcdsaPrivateKey> Generate(Random& random);
  static Result<EcdsaPrivateKey> FromPem(std::string_view pem);
  EcdsaPrivateKey(EcdsaPrivateKey&&) noexcept;
  EcdsaPrivateKey& operator=(EcdsaPrivateKey&&) noexcept;
  ~EcdsaPrivateKey();

  Result<std::string> ToPem() const;  // SEC1/PKCS#1 "EC PRIVATE KEY" PEM
  EcdsaPublicKey PublicKey() const;

  // Signs SHA-256(message); returns the 64-byte raw r||s form used by JWS (ES256).
  Result<std::string> Sign(std::string_view message, Random& random) const;

 private:
  struct Impl;
  explicit EcdsaPrivateKey(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// An ECDSA P-256 public key.
class EcdsaPublicKey {
 public:
  static Result<EcdsaPublicKey> FromPem(std::string_view pem);  // "PUBLIC KEY" (SPKI) PEM
  EcdsaPublicKey(const EcdsaPublicKey&);
  EcdsaPublicKey& operator=(const EcdsaPublicKey&);
  EcdsaPublicKey(EcdsaPublicKey&&) noexcept;
  EcdsaPublicKey& operator=(EcdsaPublicKey&&) noexcept;
  ~EcdsaPublicKey();

  Result<std::string> ToPem() const;
  std::string ToDer() const;   // SubjectPublicKeyInfo DER
  std::string X() const;       // 32-byte affine coordinates, for a JWK
  std::string Y() const;
  // A short stable identifier: base64url of the first 16 bytes of SHA-256(DER).
  std::string KeyId() const;

  // Verifies a 64-byte raw r||s signature over SHA-256(message).
  bool Verify(std::string_view message, std::string_view signature) const;

 private:
  friend class EcdsaPrivateKey;
  struct Impl;
  explicit EcdsaPublicKey(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace optin::platform
