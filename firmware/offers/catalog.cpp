#include "offers/catalog.h"

#include <algorithm>
#include <array>
#include <boost/json/parse.hpp>
#include <limits>
#include <set>
#include <span>

#include "privacy/forbidden_fields.h"
#include "privacy/jws.h"

namespace optin::offers {
namespace {

namespace json = boost::json;

constexpr size_t kMaxTitle = 80;
constexpr size_t kMaxText = 500;
constexpr size_t kMaxCategories = 5;
constexpr size_t kMaxIdBytes = 64;
constexpr size_t kMaxVersionBytes = 64;
constexpr int kMaxDepth = 32;

// Attributes a catalog must never reference, beyond the product-wide list of
// privacy/forbidden_fields.h: other special categories of personal data and proxies for them.
constexpr std::array<std::string_view, 22> kCatalogForbiddenWords = {
    "religion",   "religious",   "faith",     "health",  "medical",     "diagnosis",
    "disability", "pregnancy",   "pregnant",  "income",  "salary",      "wealth",
    "postcode",   "postal",      "zip",       "zipcode", "nationality", "citizenship",
    "sexuality",  "orientation", "political", "marital"};

// Words that mark a field varying an offer by shopper: per-person prices, discounts, terms,
// or targeting rules by segment, loyalty tier or audience.
constexpr std::array<std::string_view, 30> kPersonalizationWords = {"personal",
                                                                    "personalized",
                                                                    "personalised",
                                                                    "personalization",
                                                                    "personalisation",
                                                                    "individual",
                                                                    "segment",
                                                                    "segments",
                                                                    "segmentation",
                                                                    "tier",
                                                                    "tiers",
                                                                    "loyalty",
                                                                    "audience",
                                                                    "audiences",
                                                                    "targeting",
                                                                    "target",
                                                                    "targets",
                                                                    "targeted",
                                                                    "rule",
                                                                    "rules",
                                                                    "eligibility",
                                                                    "eligible",
                                                                    "discount",
                                                                    "discounts",
                                                                    "cohort",
                                                                    "persona",
                                                                    "member",
                                                                    "membership",
                                                                    "vip",
                                                                    "dynamic"};

std::unexpected<Error> Refuse(std::string_view pointer, std::string reason, std::string text,
                              ErrorCode code = ErrorCode::kInvalidArgument) {
  std::string where = pointer.empty() ? std::string("/") : std::string(pointer);
  return Fail(code, where + ": " + text, std::string(pointer), std::move(reason));
}

bool AnyPartIn(std::string_view name, std::span<const std::string_view> words) {
  for (const std::string& part : privacy::NameParts(name)) {
    for (std::string_view w : words) {
      if (part == w) return true;
    }
  }
  return false;
}

// Member names at any depth: the catalog's extra forbidden attributes, then personalization.
std::optional<Error> ScanNames(const json::value& v, const std::string& pointer, int depth) {
  if (depth > kMaxDepth) return std::nullopt;
  if (v.is_object()) {
    for (const auto& [key, child] : v.as_object()) {
      std::string at = pointer + "/" + privacy::EscapeJsonPointerToken(key);
      if (AnyPartIn(key, kCatalogForbiddenWords)) {
        return Refuse(at, "forbidden-field",
                      "the field '" + std::string(key) +
                          "' references an attribute offers may never be chosen or priced by "
                          "(religion, health, income, postcode, demographics, biometrics...).",
                      ErrorCode::kForbiddenField)
            .error();
      }
      if (AnyPartIn(key, kPersonalizationWords)) {
        return Refuse(at, "personalized-price",
                      "the field '" + std::string(key) +
                          "' would vary offers by shopper. Prices and terms are the same for "
                          "every shopper: a catalog cannot set them per person, segment, loyalty "
                          "tier or audience, and has no targeting rules.",
                      ErrorCode::kForbiddenField)
            .error();
      }
      if (auto e = ScanNames(child, at, depth + 1)) return e;
    }
  } else if (v.is_array()) {
    const auto& a = v.as_array();
    for (size_t i = 0; i < a.size(); ++i) {
      if (auto e = ScanNames(a[i], pointer + "/" + std::to_string(i), depth + 1)) return e;
    }
  }
  return std::nullopt;
}

Status CheckMembers(const json::object& o, std::initializer_list<std::string_view> allowed,
                    std::string_view pointer, std::string_view what) {
  for (const auto& [key, value] : o) {
    if (std::find(allowed.begin(), allowed.end(), key) != allowed.end()) continue;
    std::string list;
    for (std::string_view a : allowed) list += (list.empty() ? "" : ", ") + std::string(a);
    std::string at = std::string(pointer) + "/" + privacy::EscapeJsonPointerToken(key);
    return Refuse(at, "unknown-field",
                  "'" + std::string(key) + "' is not part of " + std::string(what) + " (" + list +
                      "). An offer has one price and one set of terms, the same for every "
                      "shopper; nothing else is accepted.");
  }
  return Ok();
}

// Characters that must not appear in shown text: C0 and C1 controls (except a newline where
// `allow_newline`), DEL, and the bidirectional overrides and isolates (U+202A-U+202E,
// U+2066-U+2069) that can make text read differently from what it says.
bool HasOddCharacters(std::string_view s, bool allow_newline) {
  for (size_t i = 0; i < s.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    if (c < 0x20 && !(allow_newline && c == '\n')) return true;
    if (c == 0x7f) return true;
    if (c == 0xc2 && i + 1 < s.size()) {
      unsigned char n = static_cast<unsigned char>(s[i + 1]);
      if (n >= 0x80 && n <= 0x9f) return true;
    }
    if (c == 0xe2 && i + 2 < s.size()) {
      unsigned char a = static_cast<unsigned char>(s[i + 1]);
      unsigned char b = static_cast<unsigned char>(s[i + 2]);
      if (a == 0x80 && b >= 0xaa && b <= 0xae) return true;
      if (a == 0x81 && b >= 0xa6 && b <= 0xa9) return true;
    }
  }
  return false;
}

// Characters (code points) of valid UTF-8 (the parser refuses invalid UTF-8).
size_t CodePoints(std::string_view s) {
  size_t n = 0;
  for (char c : s) n += (static_cast<unsigned char>(c) & 0xc0) != 0x80;
  return n;
}

Result<std::string> Text(const json::object& o, std::string_view name, std::string_view pointer,
                         size_t min_chars, size_t max_chars, bool allow_newline) {
  std::string at = std::string(pointer) + "/" + std::string(name);
  const json::value* v = o.if_contains(name);
  if (v == nullptr || v->is_null()) {
    if (min_chars == 0) return std::string();
    return Refuse(at, "missing-field", "'" + std::string(name) + "' is required.");
  }
  if (!v->is_string()) return Refuse(at, "invalid-type", "must be a string.");
  std::string_view s = v->as_string();
  size_t n = CodePoints(s);
  if (n < min_chars || n > max_chars) {
    return Refuse(at, n < min_chars ? "too-short" : "too-long",
                  "must be " + std::to_string(min_chars) + " to " + std::to_string(max_chars) +
                      " characters long (it is " + std::to_string(n) + ").");
  }
  if (HasOddCharacters(s, allow_newline)) {
    return Refuse(at, "control-characters",
                  "contains control or text-direction characters; plain text only.");
  }
  if (min_chars > 0 && s.find_first_not_of(" \t\n") == std::string_view::npos) {
    return Refuse(at, "too-short", "must not be blank.");
  }
  return std::string(s);
}

// A BCP 47-style tag: 2 or 3 letters, then subtags of 1 to 8 letters or digits joined by '-',
// at most 35 characters ("it", "de-CH", "zh-Hant-TW").
bool LooksLikeLanguageTag(std::string_view tag) {
  if (tag.empty() || tag.size() > 35) return false;
  size_t start = 0;
  for (bool first = true;; first = false) {
    size_t dash = tag.find('-', start);
    std::string_view part =
        tag.substr(start, dash == std::string_view::npos ? tag.npos : dash - start);
    const bool letters = std::all_of(part.begin(), part.end(), [](char c) {
      return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
    });
    const bool alnum = std::all_of(part.begin(), part.end(), [](char c) {
      return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
    });
    if (first ? !(letters && part.size() >= 2 && part.size() <= 3)
              : !(alnum && !part.empty() && part.size() <= 8)) {
      return false;
    }
    if (dash == std::string_view::npos) return true;
    start = dash + 1;
  }
}

// title, description or terms: one string (the store's default language, shown to everyone), or
// an object giving it in every store language (other language tags are checked and ignored).
// Sets `default_text`, and `per_language` for an object.
Status ShownText(const json::object& o, std::string_view name, const std::string& pointer,
                 size_t min_chars, size_t max_chars, bool allow_newline,
                 const std::vector<std::string>& languages, std::string& default_text,
                 std::map<std::string, std::string, std::less<>>& per_language) {
  const json::value* v = o.if_contains(name);
  if (v == nullptr || !v->is_object()) {
    OPTIN_ASSIGN_OR_RETURN(default_text,
                           Text(o, name, pointer, min_chars, max_chars, allow_newline));
    return Ok();
  }
  const std::string at = pointer + "/" + std::string(name);
  const json::object& by = v->as_object();
  for (const auto& [key, text] : by) {
    if (!LooksLikeLanguageTag(key)) {
      return Refuse(at + "/" + privacy::EscapeJsonPointerToken(key), "invalid-language",
                    "'" + std::string(key) +
                        "' is not a language tag such as \"it\" or \"de-CH\"; give the text "
                        "per language, or one plain string.");
    }
  }
  std::string list;
  for (const std::string& l : languages) list += (list.empty() ? "" : ", ") + l;
  for (const std::string& lang : languages) {
    if (!by.contains(lang)) {
      return Refuse(at + "/" + lang, "missing-language",
                    "has no text in '" + lang + "', one of this store's languages (" + list +
                        "). Give the text in every store language, or one plain string for all.");
    }
  }
  for (const auto& [key, text] : by) {
    OPTIN_ASSIGN_OR_RETURN(std::string t, Text(by, key, at, min_chars, max_chars, allow_newline));
    if (std::find(languages.begin(), languages.end(), key) != languages.end()) {
      per_language[std::string(key)] = std::move(t);
    }
  }
  default_text = per_language[languages.front()];
  return Ok();
}

Result<int64_t> Integer(const json::object& o, std::string_view name, std::string_view pointer) {
  std::string at = std::string(pointer) + "/" + std::string(name);
  const json::value* v = o.if_contains(name);
  if (v == nullptr) return Refuse(at, "missing-field", "'" + std::string(name) + "' is required.");
  if (v->is_int64()) return v->as_int64();
  if (v->is_uint64() &&
      v->as_uint64() <= static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
    return static_cast<int64_t>(v->as_uint64());
  }
  return Refuse(at, "invalid-type", "must be a whole number.");
}

bool IsIdChar(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' ||
         c == '_' || c == '-';
}

bool IsExpertise(std::string_view s) {
  return s == "beginner" || s == "intermediate" || s == "expert";
}

Result<Price> ParsePrice(const json::object& offer, const std::string& pointer) {
  std::string at = pointer + "/price";
  const json::value* v = offer.if_contains("price");
  if (v == nullptr) return Refuse(at, "missing-field", "'price' is required.");
  if (!v->is_object()) {
    return Refuse(at, "invalid-type",
                  "must be one object {\"amount_minor\", \"currency\"}: an offer has one price, "
                  "the same for every shopper.");
  }
  const json::object& p = v->as_object();
  OPTIN_TRY(CheckMembers(p, {"amount_minor", "currency"}, at, "a price"));
  Price price;
  OPTIN_ASSIGN_OR_RETURN(price.amount_minor, Integer(p, "amount_minor", at));
  if (price.amount_minor < 0) {
    return Refuse(at + "/amount_minor", "negative-price", "a price cannot be negative.");
  }
  const json::value* c = p.if_contains("currency");
  if (c == nullptr) return Refuse(at + "/currency", "missing-field", "'currency' is required.");
  bool ok = c->is_string() && c->as_string().size() == 3 &&
            std::all_of(c->as_string().begin(), c->as_string().end(),
                        [](char ch) { return ch >= 'A' && ch <= 'Z'; });
  if (!ok) {
    return Refuse(at + "/currency", "invalid-currency",
                  "must be a three-letter ISO 4217 code in capitals, such as \"EUR\".");
  }
  price.currency = std::string(c->as_string());
  return price;
}

Result<Offer> ParseOffer(const json::value& v, const std::string& pointer,
                         const CatalogRules& rules) {
  if (!v.is_object()) return Refuse(pointer, "invalid-type", "an offer must be a JSON object.");
  const json::object& o = v.as_object();
  OPTIN_TRY(CheckMembers(o,
                         {"id", "title", "description", "categories", "expertise", "price", "terms",
                          "valid_from", "valid_until"},
                         pointer, "an offer"));
  Offer offer;
  {
    const json::value* id = o.if_contains("id");
    if (id == nullptr) return Refuse(pointer + "/id", "missing-field", "'id' is required.");
    bool ok = id->is_string() && !id->as_string().empty() &&
              id->as_string().size() <= kMaxIdBytes &&
              std::all_of(id->as_string().begin(), id->as_string().end(), IsIdChar);
    if (!ok) {
      return Refuse(pointer + "/id", "invalid-id",
                    "must be 1 to 64 letters, digits, '.', '_' or '-'.");
    }
    offer.id = std::string(id->as_string());
  }
  {
    const std::vector<std::string> languages =
        rules.languages.empty() ? std::vector<std::string>{"en"} : rules.languages;
    std::map<std::string, std::string, std::less<>> titles, descriptions, terms;
    OPTIN_TRY(ShownText(o, "title", pointer, 1, kMaxTitle, false, languages, offer.title, titles));
    OPTIN_TRY(ShownText(o, "description", pointer, 0, kMaxText, true, languages, offer.description,
                        descriptions));
    OPTIN_TRY(ShownText(o, "terms", pointer, 0, kMaxText, true, languages, offer.terms, terms));
    if (!titles.empty() || !descriptions.empty() || !terms.empty()) {
      auto in = [](const auto& by, const std::string& lang, const std::string& otherwise) {
        auto it = by.find(lang);
        return it == by.end() ? otherwise : it->second;
      };
      for (const std::string& lang : languages) {
        offer.words[lang] =
            OfferWords{in(titles, lang, offer.title), in(descriptions, lang, offer.description),
                       in(terms, lang, offer.terms)};
      }
    }
  }
  {
    std::string at = pointer + "/categories";
    const json::value* c = o.if_contains("categories");
    if (c == nullptr) return Refuse(at, "missing-field", "'categories' is required.");
    if (!c->is_array() || c->as_array().empty() || c->as_array().size() > kMaxCategories) {
      return Refuse(at, "invalid-categories",
                    "must be a list of 1 to 5 categories from the store's interest list.");
    }
    const json::array& a = c->as_array();
    for (size_t i = 0; i < a.size(); ++i) {
      std::string item_at = at + "/" + std::to_string(i);
      if (!a[i].is_string()) return Refuse(item_at, "invalid-type", "must be a string.");
      std::string_view cat = a[i].as_string();
      if (std::find(rules.categories.begin(), rules.categories.end(), cat) ==
          rules.categories.end()) {
        return Refuse(item_at, "unknown-category",
                      "'" + std::string(cat) +
                          "' is not one of the store's interests ([store] interests); offers "
                          "can only be filed under those.");
      }
      if (std::find(offer.categories.begin(), offer.categories.end(), cat) !=
          offer.categories.end()) {
        return Refuse(item_at, "duplicate-category", "the same category is listed twice.");
      }
      offer.categories.emplace_back(cat);
    }
  }
  if (const json::value* e = o.if_contains("expertise"); e != nullptr && !e->is_null()) {
    if (!e->is_string() || !IsExpertise(e->as_string())) {
      return Refuse(pointer + "/expertise", "invalid-expertise",
                    "must be beginner, intermediate or expert (or left out).");
    }
    offer.expertise = std::string(e->as_string());
  }
  OPTIN_ASSIGN_OR_RETURN(offer.price, ParsePrice(o, pointer));
  OPTIN_ASSIGN_OR_RETURN(offer.valid_from, Integer(o, "valid_from", pointer));
  OPTIN_ASSIGN_OR_RETURN(offer.valid_until, Integer(o, "valid_until", pointer));
  if (offer.valid_from < 0) {
    return Refuse(pointer + "/valid_from", "invalid-window", "must be a unix time (seconds).");
  }
  if (offer.valid_from >= offer.valid_until) {
    return Refuse(pointer + "/valid_until", "invalid-window",
                  "must be later than valid_from (the offer would never be shown).");
  }
  return offer;
}

// The catalog members shared by files and bundles; `extra` are the bundle's own members.
Result<Catalog> ParseCatalogObject(const json::value& root, const CatalogRules& rules,
                                   std::initializer_list<std::string_view> allowed) {
  if (auto e = privacy::FindForbiddenField(root)) {
    std::string where = e->field.empty() ? "/" : e->field;
    e->message = where + ": " + e->message;
    return std::unexpected(std::move(*e));
  }
  if (auto e = ScanNames(root, "", 0)) return std::unexpected(std::move(*e));
  if (!root.is_object()) {
    return Refuse("", "invalid-type", "a catalog must be a JSON object {\"version\", \"offers\"}.");
  }
  const json::object& o = root.as_object();
  OPTIN_TRY(CheckMembers(o, allowed, "", "a catalog"));
  Catalog catalog;
  {
    const json::value* v = o.if_contains("version");
    bool ok = v != nullptr && v->is_string() && !v->as_string().empty() &&
              v->as_string().size() <= kMaxVersionBytes &&
              std::all_of(v->as_string().begin(), v->as_string().end(),
                          [](char c) { return IsIdChar(c) || c == ':' || c == '+'; });
    if (!ok) {
      return Refuse("/version", v == nullptr ? "missing-field" : "invalid-version",
                    "'version' is required: 1 to 64 letters, digits or . _ - : + "
                    "(such as \"2026-11-23.1\").");
    }
    catalog.version = std::string(v->as_string());
  }
  const json::value* offers = o.if_contains("offers");
  if (offers == nullptr) return Refuse("/offers", "missing-field", "'offers' is required.");
  if (!offers->is_array()) return Refuse("/offers", "invalid-type", "must be a list of offers.");
  const json::array& list = offers->as_array();
  if (list.size() > rules.max_offers) {
    return Refuse("/offers", "too-many-offers",
                  "holds " + std::to_string(list.size()) + " offers; this store accepts at most " +
                      std::to_string(rules.max_offers) + ".");
  }
  catalog.offers.reserve(list.size());
  std::set<std::string_view> ids;
  for (size_t i = 0; i < list.size(); ++i) {
    std::string at = "/offers/" + std::to_string(i);
    OPTIN_ASSIGN_OR_RETURN(Offer offer, ParseOffer(list[i], at, rules));
    catalog.offers.push_back(std::move(offer));
  }
  for (size_t i = 0; i < catalog.offers.size(); ++i) {
    if (!ids.insert(catalog.offers[i].id).second) {
      return Refuse("/offers/" + std::to_string(i) + "/id", "duplicate-id",
                    "the id '" + catalog.offers[i].id + "' is used by an earlier offer.");
    }
  }
  return catalog;
}

Result<json::value> ParseJsonText(std::string_view text) {
  if (text.size() > kMaxCatalogBytes) {
    return Refuse("", "too-large",
                  "the catalog is larger than " + std::to_string(kMaxCatalogBytes >> 20) + " MiB.");
  }
  json::parse_options opts;
  opts.max_depth = kMaxDepth;
  boost::system::error_code ec;
  json::value v = json::parse(text, ec, {}, opts);
  if (ec)
    return Refuse("", "malformed-json", "the catalog is not valid JSON (" + ec.message() + ").");
  if (auto repeated = privacy::FindDuplicateMember(text)) {
    return Refuse(*repeated, "duplicate-member",
                  "this member appears more than once in its object.");
  }
  return v;
}

std::unexpected<Error> BundleError(std::string message, std::string reason) {
  return Fail(ErrorCode::kUnauthenticated, std::move(message), {}, std::move(reason));
}

}  // namespace

size_t Catalog::ExpertiseSlot(const std::optional<std::string>& expertise) {
  if (!expertise) return 0;
  if (*expertise == "beginner") return 1;
  if (*expertise == "intermediate") return 2;
  if (*expertise == "expert") return 3;
  return 0;
}

void Catalog::Reindex() {
  std::stable_sort(offers.begin(), offers.end(),
                   [](const Offer& a, const Offer& b) { return a.id < b.id; });
  by_category.clear();
  by_id.clear();
  for (uint32_t i = 0; i < offers.size(); ++i) {
    by_id.emplace(offers[i].id, i);
    const size_t slot = ExpertiseSlot(offers[i].expertise);
    for (const std::string& c : offers[i].categories) {
      CategoryOffers& entry = by_category[c];
      if (!entry.all.empty() && entry.all.back() == i) continue;  // listed twice
      entry.all.push_back(i);
      entry.by_level[slot].push_back(i);
    }
  }
  indexed_offers = offers.size();
}

const Offer* Catalog::Find(std::string_view id) const {
  if (indexed()) {
    auto it = by_id.find(id);
    return it == by_id.end() ? nullptr : &offers[it->second];
  }
  for (const Offer& o : offers) {
    if (o.id == id) return &o;
  }
  return nullptr;
}

Result<Catalog> ParseCatalog(std::string_view text, const CatalogRules& rules) {
  OPTIN_ASSIGN_OR_RETURN(json::value root, ParseJsonText(text));
  OPTIN_ASSIGN_OR_RETURN(Catalog catalog, ParseCatalogObject(root, rules, {"version", "offers"}));
  catalog.source = "file";
  catalog.Reindex();
  return catalog;
}

Result<Catalog> VerifyCatalogBundle(std::string_view compact_jws,
                                    const platform::EcdsaPublicKey& hq_key,
                                    const CatalogRules& rules, int64_t now,
                                    std::string_view store_id) {
  while (!compact_jws.empty() &&
         (compact_jws.back() == '\n' || compact_jws.back() == '\r' || compact_jws.back() == ' ')) {
    compact_jws.remove_suffix(1);
  }
  auto verified = privacy::VerifyJws(hq_key, compact_jws, kMaxCatalogBundleBytes);
  if (!verified) {
    const std::string& r = verified.error().reason;
    if (r == "token-algorithm") {
      return BundleError(
          "The catalog bundle must be signed with ES256; other algorithms are refused.",
          "bundle-algorithm");
    }
    if (r == "token-signature") {
      return BundleError(
          "The catalog bundle's signature does not verify: it was not signed with HQ's key, or "
          "it was changed after signing. The current catalog stays in force.",
          "bundle-signature");
    }
    return BundleError("The catalog bundle is not a signed catalog (a compact JWS of at most " +
                           std::to_string(kMaxCatalogBundleBytes >> 20) +
                           " MiB): " + verified.error().message,
                       "bundle-malformed");
  }
  const json::value* typ = verified->header.if_contains("typ");
  if (typ == nullptr || !typ->is_string() || typ->as_string() != kCatalogBundleType) {
    return BundleError("This is not a catalog bundle: its type (typ) must be \"" +
                           std::string(kCatalogBundleType) +
                           "\". App tokens and receipts are never accepted as catalogs.",
                       "bundle-type");
  }
  const json::object& payload = verified->payload;
  const json::value* exp = payload.if_contains("expires_at");
  if (exp == nullptr || !exp->is_int64()) {
    return Refuse("/expires_at", "missing-field",
                  "a catalog bundle must say when it expires (unix seconds).");
  }
  const int64_t expires_at = exp->as_int64();
  if (expires_at <= now) {
    return BundleError(
        "The catalog bundle expired; ask HQ for a current one. The current "
        "catalog stays in force.",
        "bundle-expired");
  }
  std::string bundle_store;
  if (const json::value* s = payload.if_contains("store_id"); s != nullptr) {
    if (!s->is_string()) return Refuse("/store_id", "invalid-type", "must be a string.");
    bundle_store = std::string(s->as_string());
    if (!store_id.empty() && bundle_store != store_id) {
      return BundleError(
          "The catalog bundle was signed for another store ('" + bundle_store + "').",
          "bundle-store");
    }
  }
  std::optional<int64_t> issued_at;
  if (const json::value* iat = payload.if_contains("issued_at"); iat != nullptr) {
    if (!iat->is_int64()) {
      return Refuse("/issued_at", "invalid-type", "must be a unix time (seconds).");
    }
    issued_at = iat->as_int64();
  }
  const json::value root(std::move(verified->payload));
  OPTIN_ASSIGN_OR_RETURN(Catalog catalog, ParseCatalogObject(root, rules,
                                                             {"version", "offers", "expires_at",
                                                              "store_id", "issued_at"}));
  catalog.source = "hq-bundle";
  catalog.store_id = std::move(bundle_store);
  catalog.expires_at = expires_at;
  catalog.issued_at = issued_at;
  catalog.Reindex();
  return catalog;
}

}  // namespace optin::offers
