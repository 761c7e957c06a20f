#include "privacy/receipt_signer.h"

#include "platform/encoding.h"
#include "privacy/jws.h"

namespace optin::privacy {

Result<std::string> ReceiptSigner::Sign(std::string_view typ,
                                        const boost::json::object& payload) const {
  return SignJws(key_, random_, kid_, typ, payload);
}

std::string ReceiptSigner::NewReceiptId() const {
  std::string b = random_.Bytes(16);
  b[6] = static_cast<char>((b[6] & 0x0f) | 0x40);  // version 4
  b[8] = static_cast<char>((b[8] & 0x3f) | 0x80);  // RFC 4122 variant
  std::string hex = platform::HexEncode(b);
  return hex.substr(0, 8) + "-" + hex.substr(8, 4) + "-" + hex.substr(12, 4) + "-" +
         hex.substr(16, 4) + "-" + hex.substr(20);
}

}  // namespace optin::privacy
