#include "tools/optin-hq/bundle_report.h"

#include <boost/json/object.hpp>

#include "privacy/jws.h"

namespace optin::hq {

namespace {
constexpr size_t kMaxReportedText = 128;  // a version name or an ETag
}  // namespace

std::vector<BundleInForce> BundlesReportedIn(const BatchRecord& batch) {
  std::vector<BundleInForce> out;
  auto parsed = privacy::ParseJws(batch.signed_batch, 64 * 1024);
  if (!parsed) return out;
  const boost::json::object& payload = parsed->payload;
  const boost::json::value* bundles = payload.if_contains("bundles");
  if (bundles == nullptr || !bundles->is_object()) return out;
  int64_t created_at = batch.received_at;
  if (const auto* c = payload.if_contains("created_at"); c && c->is_int64()) {
    created_at = c->as_int64();
  }
  for (std::string_view kind : {kBundleKindCatalog, kBundleKindNotice}) {
    const boost::json::value* b = bundles->as_object().if_contains(kind);
    if (b == nullptr || !b->is_object()) continue;
    const boost::json::value* version = b->as_object().if_contains("version");
    const boost::json::value* etag = b->as_object().if_contains("etag");
    if (!version || !version->is_string() || !etag || !etag->is_string()) continue;
    if (version->as_string().size() > kMaxReportedText ||
        etag->as_string().size() > kMaxReportedText) {
      continue;
    }
    out.push_back(BundleInForce{batch.store_id, std::string(kind),
                                std::string(version->as_string()), std::string(etag->as_string()),
                                created_at});
  }
  return out;
}

}  // namespace optin::hq
