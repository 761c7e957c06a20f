// Owns one mbedTLS object from its init to its free: MbedtlsHolder<T, init, free> calls init in
// its constructor and free in its destructor, and is neither copied nor moved (mbedTLS objects
// may point into themselves). The object is `value`. For the .cpp files that use mbedTLS
// (platform/, net/); the aliases name the ones several of them hold. Thread-safety: as T.
#pragma once

#include <mbedtls/pk.h>
#include <mbedtls/x509_crt.h>

namespace optin::platform {

template <typename T, void (*Init)(T*), void (*Free)(T*)>
class MbedtlsHolder {
 public:
  MbedtlsHolder() { Init(&value); }
  ~MbedtlsHolder() { Free(&value); }
  MbedtlsHolder(const MbedtlsHolder&) = delete;
  MbedtlsHolder& operator=(const MbedtlsHolder&) = delete;

  T value;
};

using PkHolder = MbedtlsHolder<mbedtls_pk_context, mbedtls_pk_init, mbedtls_pk_free>;
using CrtHolder = MbedtlsHolder<mbedtls_x509_crt, mbedtls_x509_crt_init, mbedtls_x509_crt_free>;

}  // namespace optin::platform
