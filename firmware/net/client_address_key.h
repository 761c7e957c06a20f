// A client's IP address as a per-process keyed hash (HMAC-SHA-256 under a random key made at
// construction, truncated to 64 bits), for the per-address limits of the public listener: the
// tables keep these, never the address, and nothing here is logged. An IPv4-mapped IPv6
// address ("::ffff:10.0.0.7") counts as its IPv4 address. Immutable: thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace optin::net {

class ClientAddressKey {
 public:
  ClientAddressKey();

  // The address with an IPv4-mapped IPv6 prefix removed.
  static std::string_view Normalize(std::string_view address);
  // The keyed hash of the normalized address.
  uint64_t Of(std::string_view address) const;

 private:
  std::string key_;
};

}  // namespace optin::net
