// The privacy notice of one policy version: who the controller is, and per language, for each
// purpose its title, a one-line summary and the details (what is kept, for how long, who sees
// it, what it is used for), and the shopper's rights. Parsed from a JSON file or an HQ-signed
// bundle (compact JWS, ES256, typ "optin-notice+jws") and validated whole: one fault refuses
// the entire notice, with the JSON pointer at fault. Each language's text is kept in RFC 8785
// canonical form with its SHA-256: the exact bytes GET /v1/notices/{version}?lang= serves and a
// consent receipt's notice_sha256 names. Pure functions; a Notice is immutable once built and
// may be read from any thread.
#pragma once

#include <boost/json/object.hpp>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "platform/crypto.h"
#include "platform/error.h"

namespace optin::notices {

// The JWS "typ" of a notice bundle (catalogs, tokens and receipts have others).
inline constexpr std::string_view kNoticeBundleType = "optin-notice+jws";
inline constexpr size_t kMaxNoticeBytes = 1 << 20;
inline constexpr size_t kMaxNoticeBundleBytes = 2 << 20;

struct NoticeRules {
  std::vector<std::string> languages;  // the store's: each needs a text
  std::vector<std::string> purposes;   // the purpose ids: each needs a text, no other allowed
  int64_t version_in_force = 0;        // an older version is refused (equal: see NoticeStore)
};

// One language's text as shown: {"version", "language", "controller", "title", "summary",
// "purposes": {id: {"title", "summary", "details": {"what_is_kept", "how_long", "who_sees_it",
// "used_for"}}}, "rights": {"title", "summary", "details"}}: strings and integers only.
struct NoticeText {
  boost::json::object document;
  std::string canonical;  // RFC 8785 bytes of `document`
  std::string sha256;     // lowercase hex SHA-256 of `canonical`
};

struct Notice {
  int64_t version = 0;
  bool material = false;              // true: grants under earlier versions need renewal
  std::string source;                 // "built-in", "file", "hq-bundle" or "database"
  std::string store_id;               // bundles: the store it was signed for
  std::optional<int64_t> expires_at;  // bundles: refused at or after this (when applied)
  std::map<std::string, NoticeText, std::less<>> texts;  // by language tag as written

  const NoticeText* Text(std::string_view language) const;
  // Same version, same texts in the same languages.
  bool SameTextsAs(const Notice& other) const;
};

// Builds a NoticeText for `document` (canonical form and hash).
Result<NoticeText> MakeNoticeText(boost::json::object document);

// Parses and validates a notice file:
//   {"version": 2, "material": false, "controller": {"store", "chain", "contact", "address"},
//    "texts": {"en": {"title", "summary", "purposes": {...}, "rights": {...}}, "it": {...}}}
// Errors are kInvalidArgument with `field` the JSON pointer at fault and the message starting
// with it; reasons: "malformed-json", "unknown-member", "missing-field", "invalid-type",
// "too-long", "too-short", "control-characters", "invalid-language", "missing-language",
// "missing-purpose", "unknown-purpose", "invalid-version", "version-rollback".
Result<Notice> ParseNotice(std::string_view json, const NoticeRules& rules);
// The same over a parsed document (the built-in notice, tests).
Result<Notice> ParseNoticeValue(const boost::json::value& root, const NoticeRules& rules);

// Verifies an HQ-signed notice bundle and parses its payload: the notice above plus
// "expires_at" (required) and "store_id" (required, must equal `store_id`), optionally
// "issued_at". Refused with kUnauthenticated: "bundle-malformed", "bundle-algorithm",
// "bundle-type", "bundle-signature", "bundle-expired", "bundle-store"; the content as ParseNotice.
Result<Notice> VerifyNoticeBundle(std::string_view compact_jws,
                                  const platform::EcdsaPublicKey& hq_key, const NoticeRules& rules,
                                  int64_t now, std::string_view store_id);

}  // namespace optin::notices
