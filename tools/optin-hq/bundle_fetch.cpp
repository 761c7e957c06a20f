#include "tools/optin-hq/bundle_fetch.h"

#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>

namespace optin::hq {
namespace {

BundleAnswer ProblemAnswer(int status, std::string_view name, std::string_view detail) {
  BundleAnswer a;
  a.status = status;
  a.content_type = "application/problem+json";
  a.problem = std::string(name);
  a.body = boost::json::serialize(
      boost::json::object{{"type", "urn:optin-hq:problem:" + std::string(name)},
                          {"title", name},
                          {"status", status},
                          {"detail", detail}});
  return a;
}

std::string_view TrimSpaces(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

}  // namespace

bool IfNoneMatchHits(std::string_view header, std::string_view etag) {
  auto opaque = [](std::string_view tag) {
    if (tag.substr(0, 2) == "W/") tag.remove_prefix(2);
    return tag;
  };
  if (TrimSpaces(header) == "*") return true;
  while (!header.empty()) {
    const size_t comma = header.find(',');
    const std::string_view tag = TrimSpaces(header.substr(0, comma));
    if (!tag.empty() && opaque(tag) == opaque(etag)) return true;
    if (comma == std::string_view::npos) break;
    header.remove_prefix(comma + 1);
  }
  return false;
}

BundleAnswer AnswerBundleFetch(HqStore& store, std::string_view store_id, std::string_view region,
                               std::string_view kind, std::string_view if_none_match) {
  if (kind != kBundleKindCatalog && kind != kBundleKindNotice) {
    return ProblemAnswer(404, "unknown-bundle-kind",
                         "bundles are /v1/bundles/catalog and /v1/bundles/notice");
  }
  auto own = store.LatestBundle(kind, kTargetStore, store_id);
  if (!own) {
    return ProblemAnswer(503, "hq-unavailable", "HQ cannot read its database; try again later");
  }
  std::optional<BundleRecord> found = std::move(*own);
  if (!found && !region.empty()) {
    auto regional = store.LatestBundle(kind, kTargetRegion, region);
    if (!regional) {
      return ProblemAnswer(503, "hq-unavailable", "HQ cannot read its database; try again later");
    }
    found = std::move(*regional);
  }
  if (!found) {
    return ProblemAnswer(404, "no-bundle",
                         "no " + std::string(kind) +
                             " is published for this store or its region (optin-hq publish)");
  }
  BundleAnswer a;
  a.headers = {{"ETag", found->etag}, {"Cache-Control", "no-cache"}};
  a.content_type = std::string(kBundleMediaType);
  if (IfNoneMatchHits(if_none_match, found->etag)) {
    a.status = 304;
    return a;
  }
  a.status = 200;
  a.body = std::move(found->jws);
  return a;
}

}  // namespace optin::hq
