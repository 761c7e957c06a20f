// A certificate authority for tests and benchmarks: it makes a CA certificate and signs the
// certificate requests of stores (platform::CreateCertificateSigningRequest), as a chain's HQ
// CA would. Built as its own library (optin_test_ca) that the test programs and the benchmarks
// link; never shipped in the daemon, optinctl or optin-hq, which only make self-signed
// certificates and requests and check chains (platform/x509.h). Certificates are written with
// platform/x509.cpp's own parts (platform/x509_internals.h). Every function is pure with respect
// to its arguments (no global state) and thread-safe; keys are only read. PEM text in and out;
// times are Unix seconds (UTC).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "platform/crypto.h"
#include "platform/error.h"
#include "platform/random.h"

namespace optin::testing {

// A self-signed CA certificate: CA:TRUE (no path length limit), keyUsage keyCertSign + cRLSign.
Result<std::string> CreateCertificateAuthority(const platform::EcdsaPrivateKey& key,
                                               platform::Random& random,
                                               std::string_view common_name, int64_t not_before,
                                               int64_t not_after);

// Issues an end-entity certificate for a CSR: checks the CSR's signature, that `ca_key` belongs
// to `ca_cert_pem` (its first certificate) and that it is a CA; copies the CSR's subject and its
// requested subjectAltName; CA:FALSE, keyUsage digitalSignature, extendedKeyUsage serverAuth
// (and clientAuth when `client_and_server`). Returns the leaf alone as PEM.
Result<std::string> SignCertificateRequest(const platform::EcdsaPrivateKey& ca_key,
                                           std::string_view ca_cert_pem, std::string_view csr_pem,
                                           platform::Random& random, int64_t not_before,
                                           int64_t not_after, bool client_and_server);

}  // namespace optin::testing
