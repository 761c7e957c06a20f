// X.509 certificates and certificate signing requests over mbedTLS 2.28: self-signed server
// certificates, CSRs, inspection and chain checks. (The certificate authority that issues
// certificates for tests and benchmarks is tests/support/ca/test_ca.h, not part of the daemon.)
// Every function is pure with respect to its arguments (no global state) and thread-safe; keys
// are only read. PEM text in and out; times are Unix seconds (UTC).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "platform/crypto.h"
#include "platform/error.h"
#include "platform/random.h"

namespace optin::platform {

// A self-signed end-entity certificate (ecdsa-with-SHA256, random positive 16-byte serial) for
// `key`: subject CN=`common_name`, subjectAltName with `dns_names` and `ip_addresses` (dotted
// IPv4 or IPv6 text), basicConstraints CA:FALSE, keyUsage digitalSignature, extendedKeyUsage
// serverAuth + clientAuth. Returns PEM.
Result<std::string> CreateSelfSignedCertificate(const EcdsaPrivateKey& key, Random& random,
                                                std::string_view common_name,
                                                const std::vector<std::string>& dns_names,
                                                const std::vector<std::string>& ip_addresses,
                                                int64_t not_before_unix, int64_t not_after_unix);

// A PKCS#10 request signed by `key`: subject CN=`common_name`, and the DNS names as a
// subjectAltName in an extensionRequest attribute. Returns PEM ("CERTIFICATE REQUEST").
// `random` only blinds the signature.
Result<std::string> CreateCertificateSigningRequest(const EcdsaPrivateKey& key, Random& random,
                                                    std::string_view common_name,
                                                    const std::vector<std::string>& dns_names);

struct CertificateInfo {
  std::string subject;  // RFC 4514-ish text as mbedTLS prints it: "CN=box, O=Acme"
  std::string issuer;
  std::vector<std::string> dns_names;
  std::vector<std::string> ip_addresses;  // "192.0.2.1", "2001:db8::1"
  int64_t not_before = 0;
  int64_t not_after = 0;
  std::string sha256_fingerprint_hex;  // lowercase hex of SHA-256(DER), no separators
  bool is_ca = false;
};

// The first certificate of a PEM chain.
Result<CertificateInfo> InspectCertificate(std::string_view pem);
// Every certificate of a PEM bundle, in order; fails if any of them does not parse.
Result<std::vector<CertificateInfo>> InspectCertificateBundle(std::string_view pem);

// An IPv4 or IPv6 address in the form InspectCertificate reports ("2001:db8::1"), to compare
// configured addresses with a certificate's.
Result<std::string> CanonicalIpAddress(std::string_view text);

// The text form used in messages: "2026-01-01 00:00:00 UTC".
std::string FormatUtc(int64_t unix_seconds);

// The public key of the first certificate in `cert_pem`, as SubjectPublicKeyInfo PEM ("PUBLIC
// KEY"), e.g. to verify what a client that presented the certificate signed.
Result<std::string> CertificatePublicKeyPem(std::string_view cert_pem);

// Ok if the public key of the first certificate in `cert_pem` is the public half of `key`.
Status CheckCertificateMatchesKey(std::string_view cert_pem, const EcdsaPrivateKey& key);

// Ok if the chain (leaf first, then any intermediates) leads to a certificate of
// `ca_bundle_pem`, every signature checks out and every certificate on the path is valid at
// `now_unix` (the system clock is not consulted). Errors name the reason: "certificate expired on
// ...", "certificate is not yet valid ...", "certificate is not issued by the given CA ...".
Status VerifyCertificateChain(std::string_view cert_chain_pem, std::string_view ca_bundle_pem,
                              int64_t now_unix);

}  // namespace optin::platform
