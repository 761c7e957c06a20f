#include "tools/optin-hq/bundle_record.h"

#include "platform/crypto.h"
#include "platform/encoding.h"

namespace optin::hq {

std::string BundleEtag(std::string_view jws) {
  return "\"" + platform::HexEncode(platform::Sha256(jws)) + "\"";
}

}  // namespace optin::hq
