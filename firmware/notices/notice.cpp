#include "notices/notice.h"

#include <algorithm>
#include <boost/json/parse.hpp>
#include <initializer_list>
#include <limits>

#include "notices/canonical_json.h"
#include "notices/language_match.h"
#include "privacy/forbidden_fields.h"
#include "privacy/jws.h"

namespace optin::notices {
namespace {

namespace json = boost::json;

constexpr int kMaxDepth = 16;
constexpr size_t kMaxLanguages = 32;

std::unexpected<Error> Refuse(std::string_view pointer, std::string reason, std::string text,
                              ErrorCode code = ErrorCode::kInvalidArgument) {
  std::string where = pointer.empty() ? std::string("/") : std::string(pointer);
  return Fail(code, where + ": " + text, std::string(pointer), std::move(reason));
}

std::unexpected<Error> BundleError(std::string message, std::string reason) {
  return Fail(ErrorCode::kUnauthenticated, std::move(message), {}, std::move(reason));
}

Status OnlyMembers(const json::object& o, std::initializer_list<std::string_view> allowed,
                   const std::string& pointer, std::string_view what) {
  for (const auto& kv : o) {
    if (std::find(allowed.begin(), allowed.end(), kv.key()) == allowed.end()) {
      std::string list;
      for (std::string_view a : allowed) list += (list.empty() ? "" : ", ") + std::string(a);
      return Refuse(pointer + "/" + std::string(kv.key()), "unknown-member",
                    "'" + std::string(kv.key()) + "' is not a member of " + std::string(what) +
                        " (allowed: " + list + ").");
    }
  }
  return Ok();
}

size_t CodePoints(std::string_view s) {
  size_t n = 0;
  for (char c : s) {
    if ((static_cast<unsigned char>(c) & 0xC0) != 0x80) ++n;
  }
  return n;
}

// Control characters (a newline only where allowed) and the text-direction overrides that
// could make a text read differently from its bytes.
bool HasOddCharacters(std::string_view s, bool allow_newline) {
  for (size_t i = 0; i < s.size(); ++i) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x20 && !(allow_newline && c == '\n')) return true;
    if (c == 0x7F) return true;
    if (c == 0xE2 && i + 2 < s.size()) {
      const auto b1 = static_cast<unsigned char>(s[i + 1]);
      const auto b2 = static_cast<unsigned char>(s[i + 2]);
      // U+202A..U+202E and U+2066..U+2069
      if (b1 == 0x80 && b2 >= 0xAA && b2 <= 0xAE) return true;
      if (b1 == 0x81 && b2 >= 0xA6 && b2 <= 0xA9) return true;
    }
  }
  return false;
}

Result<std::string> Text(const json::object& o, std::string_view name, const std::string& pointer,
                         size_t max_chars, bool required, bool allow_newline) {
  const std::string at = pointer + "/" + std::string(name);
  const json::value* v = o.if_contains(name);
  if (v == nullptr) {
    if (!required) return std::string();
    return Refuse(at, "missing-field", "'" + std::string(name) + "' is required.");
  }
  if (!v->is_string()) return Refuse(at, "invalid-type", "must be a string.");
  std::string_view s = v->as_string();
  if (s.find_first_not_of(" \t\n") == std::string_view::npos) {
    return Refuse(at, "too-short", "must not be blank.");
  }
  if (CodePoints(s) > max_chars) {
    return Refuse(at, "too-long",
                  "must be at most " + std::to_string(max_chars) + " characters (it is " +
                      std::to_string(CodePoints(s)) + ").");
  }
  if (HasOddCharacters(s, allow_newline)) {
    return Refuse(at, "control-characters",
                  "contains control or text-direction characters; plain text only.");
  }
  return std::string(s);
}

const json::object* Object(const json::object& o, std::string_view name, const std::string& pointer,
                           Error& error) {
  const json::value* v = o.if_contains(name);
  const std::string at = pointer + "/" + std::string(name);
  if (v == nullptr) {
    error = Refuse(at, "missing-field", "'" + std::string(name) + "' is required.").error();
    return nullptr;
  }
  if (!v->is_object()) {
    error = Refuse(at, "invalid-type", "must be an object.").error();
    return nullptr;
  }
  return &v->as_object();
}

#define NOTICE_OBJECT(var, parent, name, pointer)                       \
  Error var##_error;                                                    \
  const json::object* var = Object(parent, name, pointer, var##_error); \
  if (var == nullptr) return std::unexpected(std::move(var##_error))

// {"title", "summary", "details": {...}} of one purpose.
Result<json::object> ParsePurposeText(const json::object& o, const std::string& at) {
  OPTIN_TRY(OnlyMembers(o, {"title", "summary", "details"}, at, "a purpose's text"));
  json::object out;
  OPTIN_ASSIGN_OR_RETURN(std::string title, Text(o, "title", at, 80, true, false));
  OPTIN_ASSIGN_OR_RETURN(std::string summary, Text(o, "summary", at, 200, true, false));
  NOTICE_OBJECT(details, o, "details", at);
  const std::string dat = at + "/details";
  OPTIN_TRY(OnlyMembers(*details, {"what_is_kept", "how_long", "who_sees_it", "used_for"}, dat,
                        "a purpose's details"));
  json::object d;
  for (std::string_view k : {"what_is_kept", "how_long", "who_sees_it", "used_for"}) {
    OPTIN_ASSIGN_OR_RETURN(std::string t, Text(*details, k, dat, 600, true, true));
    d[k] = t;
  }
  out["title"] = title;
  out["summary"] = summary;
  out["details"] = std::move(d);
  return out;
}

Result<json::object> ParseLanguageText(const json::value& v, const std::string& at,
                                       const NoticeRules& rules) {
  if (!v.is_object()) return Refuse(at, "invalid-type", "a language's text must be an object.");
  const json::object& o = v.as_object();
  OPTIN_TRY(OnlyMembers(o, {"title", "summary", "purposes", "rights"}, at, "a language's text"));
  json::object out;
  OPTIN_ASSIGN_OR_RETURN(std::string title, Text(o, "title", at, 80, true, false));
  OPTIN_ASSIGN_OR_RETURN(std::string summary, Text(o, "summary", at, 400, true, true));
  out["title"] = title;
  out["summary"] = summary;
  NOTICE_OBJECT(purposes, o, "purposes", at);
  const std::string pat = at + "/purposes";
  for (const auto& kv : *purposes) {
    if (std::find(rules.purposes.begin(), rules.purposes.end(), kv.key()) == rules.purposes.end()) {
      return Refuse(pat + "/" + std::string(kv.key()), "unknown-purpose",
                    "'" + std::string(kv.key()) + "' is not a purpose of this box.");
    }
  }
  json::object texts;
  for (const std::string& id : rules.purposes) {
    const std::string at_purpose = pat + "/" + id;
    const json::value* p = purposes->if_contains(id);
    if (p == nullptr) {
      return Refuse(at_purpose, "missing-purpose",
                    "the purpose '" + id + "' has no text in this language.");
    }
    if (!p->is_object()) return Refuse(at_purpose, "invalid-type", "must be an object.");
    OPTIN_ASSIGN_OR_RETURN(json::object t, ParsePurposeText(p->as_object(), at_purpose));
    texts[id] = std::move(t);
  }
  out["purposes"] = std::move(texts);
  NOTICE_OBJECT(rights, o, "rights", at);
  const std::string rat = at + "/rights";
  OPTIN_TRY(OnlyMembers(*rights, {"title", "summary", "details"}, rat, "the rights"));
  json::object r;
  OPTIN_ASSIGN_OR_RETURN(std::string rtitle, Text(*rights, "title", rat, 80, true, false));
  OPTIN_ASSIGN_OR_RETURN(std::string rsummary, Text(*rights, "summary", rat, 200, true, false));
  OPTIN_ASSIGN_OR_RETURN(std::string rdetails, Text(*rights, "details", rat, 1200, true, true));
  r["title"] = rtitle;
  r["summary"] = rsummary;
  r["details"] = rdetails;
  out["rights"] = std::move(r);
  return out;
}

Result<Notice> ParseNoticeObject(const json::value& root, const NoticeRules& rules,
                                 std::initializer_list<std::string_view> allowed) {
  if (!root.is_object()) {
    return Refuse("", "invalid-type",
                  "a notice must be a JSON object {\"version\", \"material\", \"controller\", "
                  "\"texts\"}.");
  }
  const json::object& o = root.as_object();
  OPTIN_TRY(OnlyMembers(o, allowed, "", "a notice"));
  Notice notice;
  {
    const json::value* v = o.if_contains("version");
    if (v == nullptr) return Refuse("/version", "missing-field", "'version' is required.");
    const bool ok = (v->is_int64() && v->as_int64() >= 1) ||
                    (v->is_uint64() && v->as_uint64() <= (uint64_t{1} << 53));
    if (!ok || (v->is_int64() && v->as_int64() > (int64_t{1} << 53))) {
      return Refuse("/version", "invalid-version",
                    "must be a whole number of at least 1, higher for every new notice.");
    }
    notice.version = v->is_int64() ? v->as_int64() : static_cast<int64_t>(v->as_uint64());
    if (notice.version < rules.version_in_force) {
      return Refuse("/version", "version-rollback",
                    "version " + std::to_string(notice.version) + " is older than version " +
                        std::to_string(rules.version_in_force) +
                        " in force; a notice can only be replaced by a newer one.");
    }
  }
  {
    const json::value* v = o.if_contains("material");
    if (v == nullptr) {
      return Refuse("/material", "missing-field",
                    "'material' is required: true when the change needs fresh consent.");
    }
    if (!v->is_bool()) return Refuse("/material", "invalid-type", "must be true or false.");
    notice.material = v->as_bool();
  }
  NOTICE_OBJECT(controller_in, o, "controller", std::string());
  OPTIN_TRY(OnlyMembers(*controller_in, {"store", "chain", "contact", "address"}, "/controller",
                        "the controller"));
  json::object controller;
  OPTIN_ASSIGN_OR_RETURN(std::string store,
                         Text(*controller_in, "store", "/controller", 120, true, false));
  controller["store"] = store;
  for (std::string_view k : {"chain", "contact", "address"}) {
    OPTIN_ASSIGN_OR_RETURN(std::string t,
                           Text(*controller_in, k, "/controller", 200, false, false));
    if (!t.empty()) controller[k] = t;
  }
  NOTICE_OBJECT(texts, o, "texts", std::string());
  if (texts->size() > kMaxLanguages) {
    return Refuse("/texts", "too-long",
                  "holds more than " + std::to_string(kMaxLanguages) + " languages.");
  }
  for (const auto& kv : *texts) {
    const std::string at = "/texts/" + std::string(kv.key());
    if (!IsLanguageTag(kv.key())) {
      return Refuse(at, "invalid-language",
                    "'" + std::string(kv.key()) +
                        "' is not a language tag such as \"it\" or "
                        "\"de-CH\".");
    }
  }
  for (const std::string& lang : rules.languages) {
    if (!texts->contains(lang)) {
      return Refuse("/texts/" + lang, "missing-language",
                    "the store offers '" + lang +
                        "' ([store] languages) but the notice has no "
                        "text in it.");
    }
  }
  for (const auto& kv : *texts) {
    const std::string at = "/texts/" + std::string(kv.key());
    OPTIN_ASSIGN_OR_RETURN(json::object doc, ParseLanguageText(kv.value(), at, rules));
    doc["version"] = notice.version;
    doc["language"] = kv.key();
    doc["controller"] = controller;
    OPTIN_ASSIGN_OR_RETURN(NoticeText text, MakeNoticeText(std::move(doc)));
    notice.texts.emplace(std::string(kv.key()), std::move(text));
  }
  return notice;
}

}  // namespace

const NoticeText* Notice::Text(std::string_view language) const {
  auto it = texts.find(language);
  return it == texts.end() ? nullptr : &it->second;
}

bool Notice::SameTextsAs(const Notice& other) const {
  if (version != other.version || texts.size() != other.texts.size()) return false;
  for (const auto& [lang, t] : texts) {
    const NoticeText* o = other.Text(lang);
    if (o == nullptr || o->canonical != t.canonical) return false;
  }
  return true;
}

Result<NoticeText> MakeNoticeText(boost::json::object document) {
  NoticeText t;
  OPTIN_ASSIGN_OR_RETURN(t.canonical, CanonicalJson(document));
  t.sha256 = Sha256Hex(t.canonical);
  t.document = std::move(document);
  return t;
}

Result<Notice> ParseNoticeValue(const boost::json::value& root, const NoticeRules& rules) {
  return ParseNoticeObject(root, rules, {"version", "material", "controller", "texts"});
}

Result<Notice> ParseNotice(std::string_view text, const NoticeRules& rules) {
  if (text.size() > kMaxNoticeBytes) {
    return Refuse("", "too-long",
                  "the notice is larger than " + std::to_string(kMaxNoticeBytes >> 20) + " MiB.");
  }
  json::parse_options opts;
  opts.max_depth = kMaxDepth;
  boost::system::error_code ec;
  json::value v = json::parse(text, ec, {}, opts);
  if (ec)
    return Refuse("", "malformed-json", "the notice is not valid JSON (" + ec.message() + ").");
  // One reading only: a member named twice would be read as the last one by this parser and
  // perhaps as the first by another (the same rule as request bodies, tokens and catalogs).
  if (auto repeated = privacy::FindDuplicateMember(text)) {
    return Refuse(*repeated, "duplicate-member",
                  "this member appears more than once in its object.");
  }
  OPTIN_ASSIGN_OR_RETURN(Notice notice, ParseNoticeValue(v, rules));
  notice.source = "file";
  return notice;
}

Result<Notice> VerifyNoticeBundle(std::string_view compact_jws,
                                  const platform::EcdsaPublicKey& hq_key, const NoticeRules& rules,
                                  int64_t now, std::string_view store_id) {
  while (!compact_jws.empty() &&
         (compact_jws.back() == '\n' || compact_jws.back() == '\r' || compact_jws.back() == ' ')) {
    compact_jws.remove_suffix(1);
  }
  auto verified = privacy::VerifyJws(hq_key, compact_jws, kMaxNoticeBundleBytes);
  if (!verified) {
    const std::string& r = verified.error().reason;
    if (r == "token-algorithm") {
      return BundleError(
          "The notice bundle must be signed with ES256; other algorithms are "
          "refused.",
          "bundle-algorithm");
    }
    if (r == "token-signature") {
      return BundleError(
          "The notice bundle's signature does not verify: it was not signed with HQ's key, or "
          "it was changed after signing. The notice in force stays.",
          "bundle-signature");
    }
    return BundleError(
        "The notice bundle is not a signed notice (a compact JWS): " + verified.error().message,
        "bundle-malformed");
  }
  const json::value* typ = verified->header.if_contains("typ");
  if (typ == nullptr || !typ->is_string() || typ->as_string() != kNoticeBundleType) {
    return BundleError("This is not a notice bundle: its type (typ) must be \"" +
                           std::string(kNoticeBundleType) + "\".",
                       "bundle-type");
  }
  const json::object& payload = verified->payload;
  const json::value* exp = payload.if_contains("expires_at");
  if (exp == nullptr || !exp->is_int64()) {
    return Refuse("/expires_at", "missing-field",
                  "a notice bundle must say when it expires (unix seconds).");
  }
  if (exp->as_int64() <= now) {
    return BundleError(
        "The notice bundle expired; ask HQ for a current one. The notice in "
        "force stays.",
        "bundle-expired");
  }
  const json::value* s = payload.if_contains("store_id");
  if (s == nullptr || !s->is_string()) {
    return Refuse("/store_id", "missing-field", "a notice bundle must name its store.");
  }
  if (s->as_string() != store_id) {
    return BundleError(
        "The notice bundle was signed for another store ('" + std::string(s->as_string()) + "').",
        "bundle-store");
  }
  if (const json::value* iat = payload.if_contains("issued_at");
      iat != nullptr && !iat->is_int64()) {
    return Refuse("/issued_at", "invalid-type", "must be a unix time (seconds).");
  }
  const int64_t expires_at = exp->as_int64();
  std::string bundle_store(s->as_string());
  const json::value root(std::move(verified->payload));
  OPTIN_ASSIGN_OR_RETURN(
      Notice notice, ParseNoticeObject(root, rules,
                                       {"version", "material", "controller", "texts", "expires_at",
                                        "store_id", "issued_at"}));
  notice.source = "hq-bundle";
  notice.store_id = std::move(bundle_store);
  notice.expires_at = expires_at;
  return notice;
}

}  // namespace optin::notices
