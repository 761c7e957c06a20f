// The parts of platform/x509.cpp that the certificate authority of the tests and benchmarks
// (tests/support/ca/test_ca.cpp) builds on, so that it issues certificates exactly as the
// daemon writes its own: the common name check, a private copy of a key, a certificate's
// common start (version 3, SHA-256, random serial, validity), the end-entity extensions, the
// PEM output, parsing and name text. Not an API for the rest of the daemon: x509.h is.
// Every function is pure with respect to its arguments (no global state) and thread-safe; keys
// are only read. A CertificateWriter, like any mbedTLS object, is used by one thread at a time.
#pragma once

#include <mbedtls/pk.h>
#include <mbedtls/x509.h>
#include <mbedtls/x509_crt.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "platform/crypto.h"
#include "platform/error.h"
#include "platform/mbedtls_holder.h"
#include "platform/random.h"

namespace optin::platform::x509_internals {

// A certificate writer, held from init to free. Names set through mbedTLS belong to it; a
// caller that points its subject or issuer at lists of its own detaches them before the free.
using CertificateWriter =
    MbedtlsHolder<mbedtls_x509write_cert, mbedtls_x509write_crt_init, mbedtls_x509write_crt_free>;

// Ok if `rc` is 0, else the mbedTLS error: "<what>: <mbedTLS text> (-0xNNNN)".
Status Check(int rc, std::string_view what);

// "CN=<name>" for mbedtls_x509_string_to_names; refuses an empty name, one over 64 characters
// and control characters or backslashes.
Result<std::string> CommonNameSubject(std::string_view common_name);

// A private copy of the key's mbedTLS context, made through its PEM. Signing with a context of
// our own keeps x509 work off the key's shared state (the curve group caches tables lazily, so
// one context must not sign on two threads at once).
Result<std::unique_ptr<PkHolder>> LoadKey(const EcdsaPrivateKey& key);

// Parses every certificate of a PEM bundle (or one DER certificate); all must parse. `what`
// names the input in errors ("the CA certificate").
Result<std::unique_ptr<CrtHolder>> ParseCertificates(std::string_view pem, std::string_view what);

// A distinguished name as mbedTLS prints it: "CN=box, O=Acme".
std::string NameText(const mbedtls_x509_name& name);

// Ok if `a` is the public half of `key`; else kInvalidArgument with `mismatch_message` and the
// reason "key-mismatch".
Status CheckPublicKeysEqual(const mbedtls_pk_context& a, const EcdsaPrivateKey& key,
                            std::string_view mismatch_message);

// The common start of a certificate: version 3, SHA-256, a random positive 16-byte serial and
// the validity (refused unless not_after comes after not_before, both within 1950-9999).
Status StartCertificate(mbedtls_x509write_cert& w, Random& random, int64_t not_before,
                        int64_t not_after);

// The start of a self-signed certificate: StartCertificate, then `pk` as both the subject's and
// the issuer's key and `subject` as both names.
Status StartSelfSigned(mbedtls_x509write_cert& w, PkHolder& pk, const std::string& subject,
                       Random& random, int64_t not_before, int64_t not_after);

// Adds an extension whose value is the DER in `der`.
Status SetExtension(mbedtls_x509write_cert& w, const char* oid, size_t oid_len, bool critical,
                    const std::string& der);

// The extensions of every end-entity certificate: CA:FALSE, keyUsage digitalSignature,
// extendedKeyUsage serverAuth (and clientAuth when `client_auth`), the key identifiers.
Status SetLeafExtensions(mbedtls_x509write_cert& w, bool client_auth);

// Signs and writes the certificate as PEM; `random` only blinds the signature.
Result<std::string> WriteCertificatePem(mbedtls_x509write_cert& w, Random& random);

}  // namespace optin::platform::x509_internals
