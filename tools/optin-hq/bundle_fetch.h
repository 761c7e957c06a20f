// The answer to a box's GET /v1/bundles/{kind} (issue 15 part 5), as a plain function that the
// HTTPS route calls: the caller has authenticated the store by its client certificate and looked
// its region up in the stores file. The store's own publication wins over its region's; the
// ETag is the bundle's strong ETag (a hash of its bytes), so If-None-Match with it is answered
// 304 without a body. Thread-safe (as the HqStore).
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "tools/optin-hq/hq_store.h"

namespace optin::hq {

inline constexpr std::string_view kBundleMediaType = "application/jose";

struct BundleAnswer {
  int status = 200;  // 200, 304, 404, 503
  std::string content_type;
  std::string body;  // 200: the compact JWS exactly as published; 404/503: problem+json
  std::vector<std::pair<std::string, std::string>> headers;  // ETag, Cache-Control
  std::string problem;  // the problem's short name, for counting ("" when none)
};

// `if_none_match`: the request's If-None-Match header as sent (a list of entity tags, "*", or
// empty). Unknown kind: 404 "unknown-bundle-kind"; nothing published for the store or its
// region: 404 "no-bundle"; the database unreachable: 503 "hq-unavailable".
BundleAnswer AnswerBundleFetch(HqStore& store, std::string_view store_id, std::string_view region,
                               std::string_view kind, std::string_view if_none_match);

// Whether an If-None-Match header value matches `etag` (RFC 9110 13.1.2: weak comparison, "*"
// matches any current representation).
bool IfNoneMatchHits(std::string_view if_none_match, std::string_view etag);

}  // namespace optin::hq
