#include "app/config.h"

#include <arpa/inet.h>
#include <toml++/toml.h>

#include <algorithm>
#include <charconv>
#include <set>
#include <sstream>

#include "notices/language_match.h"
#include "platform/file_system.h"
#include "sync/sync_policy.h"

namespace optin::app {
namespace {

struct Reader {
  const toml::table& root;
  std::string origin;
  std::set<std::string> known;
  std::string prefix;  // prepended to keys in messages ("scanners[0].")

  std::unexpected<Error> Bad(std::string_view key, const toml::node* node, std::string what) {
    std::string where = origin;
    if (node != nullptr && node->source().begin) {
      where += ":" + std::to_string(node->source().begin.line);
    }
    const std::string full = prefix + std::string(key);
    return Fail(ErrorCode::kInvalidArgument, where + ": '" + full + "' " + what, full,
                "invalid-config");
  }

  template <class T>
  Status Get(std::string_view key, T& out, std::optional<std::pair<int64_t, int64_t>> range = {}) {
    known.insert(std::string(key));
    const toml::node* node = root.at_path(key).node();
    if (node == nullptr) return Ok();
    if constexpr (std::is_same_v<T, std::string> || std::is_same_v<T, std::filesystem::path>) {
      auto v = node->value<std::string>();
      if (!v || !node->is_string()) return Bad(key, node, "must be a string");
      out = *v;
    } else if constexpr (std::is_same_v<T, std::vector<std::string>>) {
      const toml::array* arr = node->as_array();
      if (arr == nullptr) return Bad(key, node, "must be a list of strings");
      std::vector<std::string> items;
      for (const auto& item : *arr) {
        auto s = item.value<std::string>();
        if (!s || !item.is_string()) return Bad(key, node, "must be a list of strings");
        items.push_back(*s);
      }
      out = std::move(items);
    } else if constexpr (std::is_same_v<T, bool>) {
      if (!node->is_boolean()) return Bad(key, node, "must be true or false");
      out = *node->value<bool>();
    } else {
      if (!node->is_integer()) return Bad(key, node, "must be an integer");
      int64_t v = *node->value<int64_t>();
      if (range && (v < range->first || v > range->second)) {
        return Bad(key, node,
                   "must be between " + std::to_string(range->first) + " and " +
                       std::to_string(range->second));
      }
      out = static_cast<T>(v);
    }
    return Ok();
  }

  // Every key in the file must be one we know: a typo should not be ignored silently.
  Status CheckUnknown() {
    std::optional<Error> bad;
    root.for_each([&](const toml::key& k, auto&& v) {
      if (bad) return;
      std::string top(k.str());
      if constexpr (toml::is_table<decltype(v)>) {
        v.for_each([&](const toml::key& k2, auto&& v2) {
          std::string path = top + "." + std::string(k2.str());
          if (!bad && !known.contains(path)) {
            bad = Bad(path, &v2, "is not a known setting").error();
          }
        });
      } else if (!known.contains(top)) {
        bad = Bad(top, &v, "is not a known setting").error();
      }
    });
    if (bad) return std::unexpected(*bad);
    return Ok();
  }
};

// [<section>.<what>_labels.<lang>]: the file's labels replace the built-in ones. For each of the
// store's languages, a table from the word as the API knows it (one of `words`) to how it reads in
// that language (1 to 64 characters).
Status ParseLabels(Reader& r, std::string_view key, const std::vector<std::string>& words,
                   const std::vector<std::string>& languages, WordLabelTable& out) {
  r.known.insert(std::string(key));
  const toml::node* node = r.root.at_path(key).node();
  if (node == nullptr) return Ok();
  out.clear();  // the file's labels replace the built-in ones, as a list replaces its default
  if (!node->is_table()) {
    return r.Bad(key, node, "must be a table per language ([" + std::string(key) + ".it])");
  }
  for (const auto& [lang_key, table] : *node->as_table()) {
    const std::string lang(lang_key.str());
    const std::string at = std::string(key) + "." + lang;
    if (std::find(languages.begin(), languages.end(), lang) == languages.end()) {
      return r.Bad(at, &table, "names a language that is not in store.languages");
    }
    if (!table.is_table()) return r.Bad(at, &table, "must be a table of \"word\" = \"label\"");
    auto& labels = out[lang];
    for (const auto& [word_key, label] : *table.as_table()) {
      const std::string word(word_key.str());
      const std::string where = at + ".\"" + word + "\"";
      if (std::find(words.begin(), words.end(), word) == words.end()) {
        return r.Bad(where, &label, "labels a word the store does not list");
      }
      auto text = label.value<std::string>();
      if (!label.is_string() || !text || text->empty() || text->size() > 64) {
        return r.Bad(where, &label, "must be a label of 1 to 64 characters");
      }
      labels[word] = *text;
    }
  }
  return Ok();
}

// [[scanners]]: an array of tables, each with only the keys below; names unique; devices
// never cameras.
Status ParseScanners(Reader& r, Config& c) {
  static const std::set<std::string, std::less<>> kKeys = {"name",       "kind",
                                                           "device",     "baud",
                                                           "terminator", "partial_timeout_ms",
                                                           "max_length", "max_scans_per_second"};
  r.known.insert("scanners");
  const toml::node* node = r.root.get("scanners");
  if (node == nullptr) return Ok();
  const toml::array* arr = node->as_array();
  if (arr == nullptr || !arr->is_array_of_tables()) {
    return r.Bad("scanners", node, "must be an array of tables: one [[scanners]] per scanner");
  }
  if (arr->size() > 16) return r.Bad("scanners", node, "lists more than 16 scanners");
  std::set<std::string> names;
  for (size_t i = 0; i < arr->size(); ++i) {
    const toml::table& t = *arr->get(i)->as_table();
    Reader s{t, r.origin, {}, "scanners[" + std::to_string(i) + "]."};
    std::optional<Error> unknown;
    t.for_each([&](const toml::key& k, auto&& v) {
      if (!unknown && !kKeys.contains(k.str())) {
        unknown = s.Bad(k.str(), &v,
                        "is not a known scanner setting (name, kind, device, baud, terminator, "
                        "partial_timeout_ms, max_length, max_scans_per_second)")
                      .error();
      }
    });
    if (unknown) return std::unexpected(*unknown);
    for (const char* required : {"name", "kind", "device"}) {
      if (!t.contains(required)) return s.Bad(required, &t, "is required for every scanner");
    }
    drivers::ScannerConfig sc;
    std::string kind, terminator = std::string(drivers::ToString(sc.terminator));
    int64_t partial_ms = sc.partial_timeout.count();
    int64_t max_length = static_cast<int64_t>(sc.max_length);
    OPTIN_TRY(s.Get("name", sc.name));
    OPTIN_TRY(s.Get("kind", kind));
    OPTIN_TRY(s.Get("device", sc.device));
    OPTIN_TRY(s.Get("baud", sc.baud, std::pair<int64_t, int64_t>{50, 4'000'000}));
    OPTIN_TRY(s.Get("terminator", terminator));
    OPTIN_TRY(s.Get("partial_timeout_ms", partial_ms, std::pair<int64_t, int64_t>{1, 60'000}));
    OPTIN_TRY(s.Get("max_length", max_length, std::pair<int64_t, int64_t>{1, 65'536}));
    OPTIN_TRY(s.Get("max_scans_per_second", sc.max_scans_per_second,
                    std::pair<int64_t, int64_t>{1, 1000}));
    if (sc.name.empty() || sc.name.size() > 64) {
      return s.Bad("name", t.get("name"), "must be 1 to 64 characters");
    }
    if (!names.insert(sc.name).second) {
      return s.Bad("name", t.get("name"), "'" + sc.name + "' names two scanners");
    }
    auto parsed_kind = drivers::ParseScannerKind(kind);
    if (!parsed_kind) return s.Bad("kind", t.get("kind"), "must be evdev, serial or fifo");
    sc.kind = *parsed_kind;
    auto parsed_terminator = drivers::ParseTerminator(terminator);
    if (!parsed_terminator) {
      return s.Bad("terminator", t.get("terminator"), "must be enter, tab, cr or lf");
    }
    sc.terminator = *parsed_terminator;
    sc.partial_timeout = std::chrono::milliseconds(partial_ms);
    sc.max_length = static_cast<size_t>(max_length);
    if (sc.device.empty()) return s.Bad("device", t.get("device"), "must not be empty");
    // PRODUCT.md line 1: no camera, ever.
    if (platform::IsVideoDevicePath(sc.device)) {
      return s.Bad("device", t.get("device"),
                   "of scanner '" + sc.name + "' is " + sc.device.string() +
                       ", a camera device: optin-edge never opens a camera (no camera, ever: "
                       "/dev/video*, /dev/media* and /dev/v4l* are refused). Use the scanner's "
                       "keyboard (evdev) or serial mode.");
    }
    if (auto ok = drivers::ValidateScannerConfig(sc); !ok) {
      return s.Bad(ok.error().message.find("baud") != std::string::npos ? "baud" : "device", &t,
                   "is invalid: " + ok.error().message);
    }
    c.scanners.push_back(std::move(sc));
  }
  return Ok();
}

// [sync.budget] (<metric>_cap, <metric>_epsilon), and the [sync] keys that were removed, each
// refused with why it went and what to do instead.
Status ParseSyncBudget(Reader& r, Config& c) {
  constexpr std::pair<std::string_view, std::string_view> kRemoved[] = {
      {"sync.suppress_below",
       "was removed: with fixed label domains a cell's presence reveals nothing, so a threshold "
       "on noisy counts added no privacy, and it biased HQ's sums (at the old defaults a cell of "
       "true 12 arrived as about 78 on average). Every cell is now sent with its variance. "
       "Delete the line; whoever displays a small figure may show it as \"fewer than N\"."},
      {"sync.epsilon_per_period",
       "was removed: each metric's share of epsilon_per_day ([sync.budget] <metric>_epsilon) is "
       "spent evenly over the day's periods, so every period of a day is covered and none is "
       "dropped. Delete the line and set the shares in [sync.budget]."},
      {"sync.cap_checkins",
       "moved to [sync.budget] as checkins_total_cap, checkins_by_channel_cap and "
       "checkins_by_hour_cap (one cap per metric, with its own epsilon share)"},
      {"sync.cap_help_requests", "moved to [sync.budget] as help_requests_by_topic_cap"},
      {"sync.cap_claims", "moved to [sync.budget] as time_to_claim_seconds_cap"},
      {"sync.cap_offer_views", "moved to [sync.budget] as offer_views_by_category_cap"},
  };
  for (const auto& [key, why] : kRemoved) {
    if (const toml::node* node = r.root.at_path(key).node()) {
      return r.Bad(key, node, std::string(why));
    }
  }
  r.known.insert("sync.budget");
  const toml::node* budget = r.root.at_path("sync.budget").node();
  if (budget == nullptr) return Ok();
  if (!budget->is_table()) return r.Bad("sync.budget", budget, "must be a table ([sync.budget])");
  std::set<std::string> keys;
  for (const sync::MetricSpec& m : sync::kMetricSpecs) {
    const std::string cap_key = "sync.budget." + std::string(m.metric) + "_cap";
    const std::string eps_key = "sync.budget." + std::string(m.metric) + "_epsilon";
    keys.insert(cap_key.substr(12));
    keys.insert(eps_key.substr(12));
    int64_t cap = 0;
    OPTIN_TRY(r.Get(cap_key, cap, std::pair<int64_t, int64_t>{1, 100}));
    if (cap != 0) c.sync.budget_caps[std::string(m.metric)] = cap;
    std::string epsilon;
    OPTIN_TRY(r.Get(eps_key, epsilon));
    if (!epsilon.empty()) c.sync.budget_epsilons[std::string(m.metric)] = epsilon;
  }
  for (const auto& [key, node] : *budget->as_table()) {
    if (!keys.contains(std::string(key.str()))) {
      std::string names;
      for (const sync::MetricSpec& m : sync::kMetricSpecs) {
        names += names.empty() ? "" : ", ";
        names += m.metric;
      }
      return r.Bad("sync.budget." + std::string(key.str()), &node,
                   "is not a known setting: [sync.budget] takes <metric>_cap and "
                   "<metric>_epsilon for the metrics " +
                       names);
    }
  }
  return Ok();
}

// Every setting in the file, "section.key" (or a top-level key) -> its value as TOML text.
std::map<std::string, std::string> Flatten(const toml::table& root) {
  std::map<std::string, std::string> out;
  auto text = [](const toml::node& node) {
    std::ostringstream os;
    node.visit([&os](const auto& n) { os << n; });
    return os.str();
  };
  for (const auto& [key, node] : root) {
    const std::string top(key.str());
    if (const toml::table* section = node.as_table()) {
      for (const auto& [key2, node2] : *section)
        out[top + "." + std::string(key2.str())] = text(node2);
    } else {
      out[top] = text(node);
    }
  }
  return out;
}

}  // namespace

WordLabelTable BuiltInInterestLabels() {
  return {
      {"it",
       {{"running", "corsa"},
        {"trail running", "corsa in montagna"},
        {"hiking", "escursionismo"},
        {"cycling", "ciclismo"},
        {"swimming", "nuoto"},
        {"yoga", "yoga"},
        {"climbing", "arrampicata"},
        {"camping", "campeggio"},
        {"skiing", "sci"},
        {"tennis", "tennis"},
        {"football", "calcio"},
        {"fitness", "fitness"}}},
      {"es",
       {{"running", "correr"},
        {"trail running", "carreras por montaña"},
        {"hiking", "senderismo"},
        {"cycling", "ciclismo"},
        {"swimming", "natación"},
        {"yoga", "yoga"},
        {"climbing", "escalada"},
        {"camping", "acampada"},
        {"skiing", "esquí"},
        {"tennis", "tenis"},
        {"football", "fútbol"},
        {"fitness", "fitness"}}},
      {"de",
       {{"running", "Laufen"},
        {"trail running", "Trailrunning"},
        {"hiking", "Wandern"},
        {"cycling", "Radfahren"},
        {"swimming", "Schwimmen"},
        {"yoga", "Yoga"},
        {"climbing", "Klettern"},
        {"camping", "Camping"},
        {"skiing", "Skifahren"},
        {"tennis", "Tennis"},
        {"football", "Fußball"},
        {"fitness", "Fitness"}}},
      {"fr",
       {{"running", "course à pied"},
        {"trail running", "trail"},
        {"hiking", "randonnée"},
        {"cycling", "cyclisme"},
        {"swimming", "natation"},
        {"yoga", "yoga"},
        {"climbing", "escalade"},
        {"camping", "camping"},
        {"skiing", "ski"},
        {"tennis", "tennis"},
        {"football", "football"},
        {"fitness", "fitness"}}},
  };
}

WordLabelTable BuiltInTopicLabels() {
  return {
      {"it",
       {{"sizing and fit", "taglie e vestibilità"},
        {"product advice", "consigli sui prodotti"},
        {"find a product", "trovare un prodotto"},
        {"fitting room", "camerino"},
        {"checkout", "cassa"},
        {"something else", "altro"}}},
      {"es",
       {{"sizing and fit", "tallas y ajuste"},
        {"product advice", "consejo sobre productos"},
        {"find a product", "encontrar un producto"},
        {"fitting room", "probador"},
        {"checkout", "caja"},
        {"something else", "otra cosa"}}},
      {"de",
       {{"sizing and fit", "Größe und Passform"},
        {"product advice", "Produktberatung"},
        {"find a product", "ein Produkt finden"},
        {"fitting room", "Umkleidekabine"},
        {"checkout", "Kasse"},
        {"something else", "etwas anderes"}}},
      {"fr",
       {{"sizing and fit", "tailles et coupe"},
        {"product advice", "conseils produit"},
        {"find a product", "trouver un produit"},
        {"fitting room", "cabine d'essayage"},
        {"checkout", "caisse"},
        {"something else", "autre chose"}}},
  };
}

Result<sync::SyncPolicy> SyncPrivacyPolicy(const Config& c) {
  sync::SyncPolicy p;
  if (c.sync.period_minutes < 1 || 1440 % c.sync.period_minutes != 0) {
    return Fail(ErrorCode::kInvalidArgument,
                "'sync.period_minutes' must divide a day (15, 30, 60, 120, ... 1440)",
                "sync.period_minutes", "invalid-config");
  }
  p.period = std::chrono::minutes(c.sync.period_minutes);
  auto day = sync::ParseEpsilonMicros(c.sync.epsilon_per_day);
  if (!day) {
    return Fail(ErrorCode::kInvalidArgument, "'sync.epsilon_per_day' " + day.error().message,
                "sync.epsilon_per_day", "invalid-config");
  }
  p.epsilon_per_day_micros = *day;
  for (const auto& [metric, cap] : c.sync.budget_caps) p.budget[metric].cap = cap;
  for (const auto& [metric, text] : c.sync.budget_epsilons) {
    const std::string key = "sync.budget." + metric + "_epsilon";
    auto e = sync::ParseEpsilonMicros(text);
    if (!e) {
      return Fail(ErrorCode::kInvalidArgument, "'" + key + "' " + e.error().message, key,
                  "invalid-config");
    }
    p.budget[metric].epsilon_micros = *e;
  }
  p.max_catch_up_periods = c.sync.max_catch_up_periods;
  OPTIN_TRY(sync::CheckBudget(p));
  return p;
}

namespace {

Status Validate(const Config& c) {
  auto bad = [](std::string key, std::string what) {
    return Fail(ErrorCode::kInvalidArgument, "'" + key + "' " + what, key, "invalid-config");
  };
  if (c.store.id.empty() || c.store.id.size() > 64)
    return bad("store.id", "must be 1 to 64 characters");
  if (c.consent.policy_version.empty()) return bad("consent.policy_version", "must not be empty");
  if (c.offers.source != "file" && c.offers.source != "hq-bundle")
    return bad("offers.source", "must be \"file\" or \"hq-bundle\"");
  if (c.data_dir.empty()) return bad("data_dir", "must not be empty");
  if (c.notices.source != "file" && c.notices.source != "hq-bundle")
    return bad("notices.source", "must be \"file\" or \"hq-bundle\"");
  if (c.store.languages.empty() || c.store.languages.size() > 32)
    return bad("store.languages", "must list 1 to 32 languages (the first is the default)");
  for (size_t i = 0; i < c.store.languages.size(); ++i) {
    const std::string& l = c.store.languages[i];
    if (!notices::IsLanguageTag(l))
      return bad("store.languages",
                 "'" + l + "' is not a language tag such as \"it\" or \"de-CH\"");
    if (std::find(c.store.languages.begin(), c.store.languages.begin() + i, l) !=
        c.store.languages.begin() + i)
      return bad("store.languages", "lists '" + l + "' twice");
  }
  if (c.store.interests.size() > 500)
    return bad("store.interests", "must list at most 500 interests");
  for (const auto& i : c.store.interests) {
    if (i.empty() || i.size() > 64)
      return bad("store.interests", "entries must be 1 to 64 characters");
  }
  if (c.assist.topics.empty() || c.assist.topics.size() > 50)
    return bad("assist.topics", "must list 1 to 50 topics");
  for (const auto& t : c.assist.topics) {
    if (t.empty() || t.size() > 64)
      return bad("assist.topics", "entries must be 1 to 64 characters");
  }
  if (c.assist.max_per_visit_per_hour < c.assist.max_open_per_visit) {
    return bad("assist.max_per_visit_per_hour", "must be at least assist.max_open_per_visit");
  }
  auto loopback = [](const std::string& a) {
    return a == "127.0.0.1" || a == "::1" || a == "localhost" || a.starts_with("127.");
  };
  if (!loopback(c.admin.address) && c.admin.client_ca.empty()) {
    return bad("admin.client_ca",
               "is required when admin.address is not a loopback address: the admin listener "
               "then accepts only clients with a certificate from this CA");
  }
  if (c.tls.host_names.empty() && c.tls.ip_addresses.empty()) {
    return bad("tls.host_names", "and tls.ip_addresses must name at least one host");
  }
  if (!c.indicator.led.empty() && platform::IsVideoDevicePath(c.indicator.led)) {
    return bad("indicator.led", "must be an LED, never a camera device");
  }
  if (!c.sync.hq_url.empty() && !c.sync.hq_url.starts_with("https://")) {
    return bad("sync.hq_url", "must be an https:// URL (or empty to keep sync off)");
  }
  if (1440 % c.sync.period_minutes != 0) {
    return bad("sync.period_minutes", "must divide a day (15, 30, 60, 120, ... 1440)");
  }
  // The shares of [sync.budget] fit in epsilon_per_day and cover every period of a day.
  if (auto policy = SyncPrivacyPolicy(c); !policy) return std::unexpected(policy.error());
  if (c.sync.backoff_max_seconds < c.sync.backoff_initial_seconds) {
    return bad("sync.backoff_max_seconds", "must be at least sync.backoff_initial_seconds");
  }
  for (const auto& a : c.limits.rate_exempt) {
    in6_addr v6{};
    in_addr v4{};
    if (inet_pton(AF_INET, a.c_str(), &v4) != 1 && inet_pton(AF_INET6, a.c_str(), &v6) != 1) {
      return bad("limits.rate_exempt", "'" + a + "' is not an IP address (\"127.0.0.1\", \"::1\")");
    }
  }
  if (c.log.level != "debug" && c.log.level != "info" && c.log.level != "warn" &&
      c.log.level != "error") {
    return bad("log.level", "must be debug, info, warn or error");
  }
  return Ok();
}

}  // namespace

Result<Config> ParseConfig(std::string_view toml_text, std::string_view origin) {
  toml::table root;
  try {
    root = toml::parse(toml_text, origin);
  } catch (const toml::parse_error& e) {
    return Fail(ErrorCode::kInvalidArgument,
                std::string(origin) + ":" + std::to_string(e.source().begin.line) + ":" +
                    std::to_string(e.source().begin.column) + ": " + std::string(e.description()),
                {}, "invalid-config");
  }
  Config c;
  Reader r{root, std::string(origin), {}, {}};
  constexpr std::pair<int64_t, int64_t> kPositive{1, int64_t{1} << 40};
  OPTIN_TRY(r.Get("data_dir", c.data_dir));
  OPTIN_TRY(r.Get("listen.address", c.listen.address));
  OPTIN_TRY(r.Get("listen.port", c.listen.port, std::pair<int64_t, int64_t>{0, 65535}));
  OPTIN_TRY(r.Get("listen.threads", c.listen.threads, std::pair<int64_t, int64_t>{0, 64}));
  OPTIN_TRY(r.Get("listen.plain_http", c.listen.plain_http));
  OPTIN_TRY(r.Get("admin.address", c.admin.address));
  OPTIN_TRY(r.Get("admin.port", c.admin.port, std::pair<int64_t, int64_t>{0, 65535}));
  OPTIN_TRY(r.Get("admin.client_ca", c.admin.client_ca));
  OPTIN_TRY(r.Get("tls.host_names", c.tls.host_names));
  OPTIN_TRY(r.Get("tls.ip_addresses", c.tls.ip_addresses));
  OPTIN_TRY(r.Get("tls.session_ticket_hours", c.tls.session_ticket_hours,
                  std::pair<int64_t, int64_t>{1, 24 * 7}));
  OPTIN_TRY(r.Get("tls.handshake_timeout_ms", c.tls.handshake_timeout_ms,
                  std::pair<int64_t, int64_t>{100, 60'000}));
  OPTIN_TRY(r.Get("tls.max_concurrent_handshakes", c.tls.max_concurrent_handshakes,
                  std::pair<int64_t, int64_t>{1, 10'000}));
  OPTIN_TRY(r.Get("tls.max_handshakes_per_client", c.tls.max_handshakes_per_client,
                  std::pair<int64_t, int64_t>{0, 10'000}));
  OPTIN_TRY(r.Get("store.id", c.store.id));
  OPTIN_TRY(r.Get("store.name", c.store.name));
  OPTIN_TRY(r.Get("store.jurisdiction", c.store.jurisdiction));
  OPTIN_TRY(r.Get("store.contact_email", c.store.contact_email));
  OPTIN_TRY(r.Get("store.address", c.store.address));
  OPTIN_TRY(r.Get("store.policy_url", c.store.policy_url));
  OPTIN_TRY(r.Get("store.interests", c.store.interests));
  OPTIN_TRY(r.Get("store.languages", c.store.languages));
  OPTIN_TRY(r.Get("consent.policy_version", c.consent.policy_version));
  OPTIN_TRY(r.Get("consent.grant_lifetime_days", c.consent.grant_lifetime_days,
                  std::pair<int64_t, int64_t>{1, 3650}));
  OPTIN_TRY(r.Get("visits.web_code_minutes", c.visits.web_code_minutes,
                  std::pair<int64_t, int64_t>{1, 60}));
  OPTIN_TRY(r.Get("visits.max_duration_minutes", c.visits.max_duration_minutes,
                  std::pair<int64_t, int64_t>{1, 24 * 60}));
  OPTIN_TRY(r.Get("visits.ended_retention_hours", c.visits.ended_retention_hours,
                  std::pair<int64_t, int64_t>{0, 24 * 365}));
  OPTIN_TRY(r.Get("visits.history_retention_days", c.visits.history_retention_days,
                  std::pair<int64_t, int64_t>{0, 3650}));
  OPTIN_TRY(r.Get("visits.retention_interval_seconds", c.visits.retention_interval_seconds,
                  std::pair<int64_t, int64_t>{1, 86400}));
  OPTIN_TRY(r.Get("assist.topics", c.assist.topics));
  OPTIN_TRY(r.Get("assist.shift_hours", c.assist.shift_hours, std::pair<int64_t, int64_t>{1, 24}));
  OPTIN_TRY(r.Get("assist.max_open_per_visit", c.assist.max_open_per_visit,
                  std::pair<int64_t, int64_t>{1, 10}));
  OPTIN_TRY(r.Get("assist.max_per_visit_per_hour", c.assist.max_per_visit_per_hour,
                  std::pair<int64_t, int64_t>{1, 100}));
  OPTIN_TRY(r.Get("assist.login_max_failures", c.assist.login_max_failures,
                  std::pair<int64_t, int64_t>{1, 100}));
  OPTIN_TRY(r.Get("assist.lockout_minutes", c.assist.lockout_minutes,
                  std::pair<int64_t, int64_t>{1, 24 * 60}));
  OPTIN_TRY(r.Get("notices.source", c.notices.source));
  OPTIN_TRY(r.Get("notices.file", c.notices.file));
  OPTIN_TRY(r.Get("notices.bundle", c.notices.bundle));
  OPTIN_TRY(r.Get("offers.source", c.offers.source));
  OPTIN_TRY(r.Get("offers.catalog_file", c.offers.catalog_file));
  OPTIN_TRY(r.Get("offers.catalog_bundle", c.offers.catalog_bundle));
  OPTIN_TRY(r.Get("offers.max_results", c.offers.max_results, std::pair<int64_t, int64_t>{1, 50}));
  OPTIN_TRY(r.Get("offers.max_per_category", c.offers.max_per_category,
                  std::pair<int64_t, int64_t>{1, 50}));
  OPTIN_TRY(
      r.Get("offers.frequency_cap", c.offers.frequency_cap, std::pair<int64_t, int64_t>{1, 1000}));
  OPTIN_TRY(r.Get("hq.token_issuer", c.hq.token_issuer));
  OPTIN_TRY(r.Get("hq.token_public_key", c.hq.token_public_key));
  OPTIN_TRY(r.Get("hq.token_leeway_seconds", c.hq.token_leeway_seconds,
                  std::pair<int64_t, int64_t>{0, 3600}));
  OPTIN_TRY(r.Get("limits.max_body_bytes", c.limits.max_body_bytes,
                  std::pair<int64_t, int64_t>{256, 1 << 24}));
  OPTIN_TRY(r.Get("limits.max_header_bytes", c.limits.max_header_bytes,
                  std::pair<int64_t, int64_t>{512, 1 << 20}));
  OPTIN_TRY(r.Get("limits.read_timeout_ms", c.limits.read_timeout_ms, kPositive));
  OPTIN_TRY(r.Get("limits.idle_timeout_ms", c.limits.idle_timeout_ms, kPositive));
  OPTIN_TRY(r.Get("limits.max_connections", c.limits.max_connections,
                  std::pair<int64_t, int64_t>{1, 100000}));
  OPTIN_TRY(r.Get("limits.max_connections_per_client", c.limits.max_connections_per_client,
                  std::pair<int64_t, int64_t>{0, 100000}));
  OPTIN_TRY(
      r.Get("limits.write_queue", c.limits.write_queue, std::pair<int64_t, int64_t>{1, 1 << 20}));
  OPTIN_TRY(r.Get("limits.shutdown_grace_ms", c.limits.shutdown_grace_ms, kPositive));
  OPTIN_TRY(r.Get("limits.rate_per_second", c.limits.rate_per_second,
                  std::pair<int64_t, int64_t>{0, 100'000}));
  OPTIN_TRY(
      r.Get("limits.rate_burst", c.limits.rate_burst, std::pair<int64_t, int64_t>{1, 1'000'000}));
  OPTIN_TRY(r.Get("limits.rate_clients", c.limits.rate_clients,
                  std::pair<int64_t, int64_t>{1, 1'000'000}));
  OPTIN_TRY(r.Get("limits.rate_exempt", c.limits.rate_exempt));
  OPTIN_TRY(r.Get("sync.hq_url", c.sync.hq_url));
  OPTIN_TRY(
      r.Get("sync.period_minutes", c.sync.period_minutes, std::pair<int64_t, int64_t>{1, 1440}));
  OPTIN_TRY(r.Get("sync.epsilon_per_day", c.sync.epsilon_per_day));
  OPTIN_TRY(r.Get("sync.allow_manual_release", c.sync.allow_manual_release));
  OPTIN_TRY(ParseSyncBudget(r, c));
  OPTIN_TRY(r.Get("sync.max_catch_up_periods", c.sync.max_catch_up_periods,
                  std::pair<int64_t, int64_t>{1, 10'000}));
  OPTIN_TRY(r.Get("sync.outbox_max_batches", c.sync.outbox_max_batches,
                  std::pair<int64_t, int64_t>{2, 1'000'000}));
  OPTIN_TRY(r.Get("sync.outbox_max_age_days", c.sync.outbox_max_age_days,
                  std::pair<int64_t, int64_t>{1, 3650}));
  OPTIN_TRY(r.Get("sync.batches_per_request", c.sync.batches_per_request,
                  std::pair<int64_t, int64_t>{1, 500}));
  OPTIN_TRY(r.Get("sync.backoff_initial_seconds", c.sync.backoff_initial_seconds,
                  std::pair<int64_t, int64_t>{1, 86'400}));
  OPTIN_TRY(r.Get("sync.backoff_max_seconds", c.sync.backoff_max_seconds,
                  std::pair<int64_t, int64_t>{1, 7 * 86'400}));
  OPTIN_TRY(
      r.Get("sync.timeout_seconds", c.sync.timeout_seconds, std::pair<int64_t, int64_t>{1, 600}));
  OPTIN_TRY(r.Get("log.level", c.log.level));
  OPTIN_TRY(r.Get("indicator.led", c.indicator.led));
  OPTIN_TRY(r.Get("kiosk.allow_loopback", c.kiosk.allow_loopback));
  OPTIN_TRY(ParseScanners(r, c));
  OPTIN_TRY(ParseLabels(r, "store.interest_labels", c.store.interests, c.store.languages,
                        c.store.interest_labels));
  OPTIN_TRY(ParseLabels(r, "assist.topic_labels", c.assist.topics, c.store.languages,
                        c.assist.topic_labels));
  OPTIN_TRY(r.CheckUnknown());
  OPTIN_TRY(Validate(c));
  c.file_settings = Flatten(root);
  return c;
}

Result<Config> LoadConfigFile(const std::filesystem::path& file, platform::FileSystem& fs) {
  auto text = fs.ReadFile(file);
  if (!text) {
    return Fail(text.error().code == ErrorCode::kNotFound ? ErrorCode::kNotFound : ErrorCode::kIo,
                "cannot read config file " + file.string() + ": " + text.error().message, {},
                "invalid-config");
  }
  OPTIN_ASSIGN_OR_RETURN(Config c, ParseConfig(*text, file.string()));
  std::error_code ec;
  c.config_dir = std::filesystem::absolute(file, ec).parent_path();
  return c;
}

Result<Config> ConfigFromArgs(std::vector<std::string>& args) {
  std::optional<std::filesystem::path> file, data_dir;
  std::optional<std::string> listen;
  std::vector<std::string> rest;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    auto value = [&](std::string_view flag) -> Result<std::string> {
      if (i + 1 >= args.size()) {
        return Fail(ErrorCode::kInvalidArgument, std::string(flag) + " needs a value");
      }
      return args[++i];
    };
    if (a == "--config") {
      OPTIN_ASSIGN_OR_RETURN(file, value(a));
    } else if (a == "--data-dir") {
      OPTIN_ASSIGN_OR_RETURN(data_dir, value(a));
    } else if (a == "--listen") {
      OPTIN_ASSIGN_OR_RETURN(listen, value(a));
    } else {
      rest.push_back(a);
    }
  }
  std::vector<std::string> consumed;
  if (file) consumed.insert(consumed.end(), {"--config", file->string()});
  if (data_dir) consumed.insert(consumed.end(), {"--data-dir", data_dir->string()});
  if (listen) consumed.insert(consumed.end(), {"--listen", *listen});
  args = std::move(rest);
  Config c;
  if (file) {
    OPTIN_ASSIGN_OR_RETURN(c, LoadConfigFile(*file));
  }
  c.source_args = std::move(consumed);
  if (data_dir) c.data_dir = *data_dir;
  if (listen) {
    size_t colon = listen->rfind(':');
    if (colon == std::string::npos) {
      return Fail(ErrorCode::kInvalidArgument, "--listen takes ADDRESS:PORT, e.g. 127.0.0.1:8080");
    }
    c.listen.address = listen->substr(0, colon);
    // The whole rest must be the port: std::stoi would take "80x" or "8080 " as a port.
    const std::string_view digits = std::string_view(*listen).substr(colon + 1);
    int port = -1;
    auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), port);
    if (digits.empty() || ec != std::errc() || end != digits.data() + digits.size() || port < 0 ||
        port > 65535) {
      return Fail(ErrorCode::kInvalidArgument,
                  "--listen: the port must be a number from 0 to 65535");
    }
    c.listen.port = static_cast<uint16_t>(port);
  }
  return c;
}

std::vector<std::string> ChangedSettings(const Config& before, const Config& after) {
  std::vector<std::string> changed;
  for (const auto& [key, value] : before.file_settings) {
    auto it = after.file_settings.find(key);
    if (it == after.file_settings.end() || it->second != value) changed.push_back(key);
  }
  for (const auto& [key, value] : after.file_settings) {
    if (!before.file_settings.contains(key)) changed.push_back(key);
  }
  std::sort(changed.begin(), changed.end());
  return changed;
}

}  // namespace optin::app
