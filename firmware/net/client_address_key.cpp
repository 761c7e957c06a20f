#include "net/client_address_key.h"

#include <cstring>
#include <random>

#include "platform/crypto.h"

namespace optin::net {

ClientAddressKey::ClientAddressKey() {
  std::random_device random;
  key_.resize(32);
  for (char& byte : key_) byte = static_cast<char>(random());
}

std::string_view ClientAddressKey::Normalize(std::string_view address) {
  constexpr std::string_view kMapped = "::ffff:";
  if (address.starts_with(kMapped) && address.find('.') != std::string_view::npos) {
    address.remove_prefix(kMapped.size());
  }
  return address;
}

uint64_t ClientAddressKey::Of(std::string_view address) const {
  const std::string mac = platform::HmacSha256(key_, Normalize(address));
  uint64_t key = 0;
  std::memcpy(&key, mac.data(), sizeof key);
  return key;
}

}  // namespace optin::net
