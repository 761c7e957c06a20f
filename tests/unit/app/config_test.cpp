// The configuration: built-in defaults, one TOML file, then command-line flags. Every error names
// the key (and the line, or line:column for malformed TOML) so an installer can fix it.
#include "app/config.h"

#include <gtest/gtest.h>

#include <toml++/toml.h>
#include <filesystem>
#include <fstream>
#include <functional>
#include <sstream>
#include <string>
#include <vector>

#include "tests/support/temp_dir.h"

namespace optin::app::config_test {
namespace {

// Every setting, as its dotted key and its value in a Config rendered as text (lists joined by
// '|'), so that a file's values and a parsed Config can be compared key by key.
struct Setting {
  std::string key;
  std::function<std::string(const Config&)> get;
};

std::string Join(const std::vector<std::string>& v) {
  std::string out;
  for (const auto& s : v) out += (out.empty() ? "" : "|") + s;
  return out;
}

// A label table as "lang.word=label" items joined by '|', languages and words in order.
std::string Labels(const WordLabelTable& t) {
  std::vector<std::string> items;
  for (const auto& [lang, words] : t) {
    for (const auto& [word, label] : words) items.push_back(lang + "." + word + "=" + label);
  }
  return Join(items);
}

const std::vector<Setting>& AllSettings() {
  using S = std::string;
  static const std::vector<Setting> kSettings = [] {
    std::vector<Setting> v = {
        {"data_dir", [](const Config& c) { return c.data_dir.string(); }},
        {"listen.address", [](const Config& c) { return c.listen.address; }},
        {"listen.port", [](const Config& c) { return std::to_string(c.listen.port); }},
        {"listen.threads", [](const Config& c) { return std::to_string(c.listen.threads); }},
        {"listen.plain_http",
         [](const Config& c) { return S(c.listen.plain_http ? "true" : "false"); }},
        {"admin.address", [](const Config& c) { return c.admin.address; }},
        {"admin.port", [](const Config& c) { return std::to_string(c.admin.port); }},
        {"admin.client_ca", [](const Config& c) { return c.admin.client_ca.string(); }},
        {"tls.host_names", [](const Config& c) { return Join(c.tls.host_names); }},
        {"tls.ip_addresses", [](const Config& c) { return Join(c.tls.ip_addresses); }},
        {"tls.session_ticket_hours",
         [](const Config& c) { return std::to_string(c.tls.session_ticket_hours); }},
        {"tls.handshake_timeout_ms",
         [](const Config& c) { return std::to_string(c.tls.handshake_timeout_ms); }},
        {"tls.max_concurrent_handshakes",
         [](const Config& c) { return std::to_string(c.tls.max_concurrent_handshakes); }},
        {"tls.max_handshakes_per_client",
         [](const Config& c) { return std::to_string(c.tls.max_handshakes_per_client); }},
        {"store.id", [](const Config& c) { return c.store.id; }},
        {"store.name", [](const Config& c) { return c.store.name; }},
        {"store.jurisdiction", [](const Config& c) { return c.store.jurisdiction; }},
        {"store.contact_email", [](const Config& c) { return c.store.contact_email; }},
        {"store.address", [](const Config& c) { return c.store.address; }},
        {"store.policy_url", [](const Config& c) { return c.store.policy_url; }},
        {"store.interests", [](const Config& c) { return Join(c.store.interests); }},
        {"store.languages", [](const Config& c) { return Join(c.store.languages); }},
        {"store.interest_labels", [](const Config& c) { return Labels(c.store.interest_labels); }},
        {"notices.source", [](const Config& c) { return c.notices.source; }},
        {"notices.file", [](const Config& c) { return c.notices.file.string(); }},
        {"notices.bundle", [](const Config& c) { return c.notices.bundle.string(); }},
        {"consent.policy_version", [](const Config& c) { return c.consent.policy_version; }},
        {"consent.grant_lifetime_days",
         [](const Config& c) { return std::to_string(c.consent.grant_lifetime_days); }},
        {"visits.max_duration_minutes",
         [](const Config& c) { return std::to_string(c.visits.max_duration_minutes); }},
        {"visits.ended_retention_hours",
         [](const Config& c) { return std::to_string(c.visits.ended_retention_hours); }},
        {"visits.history_retention_days",
         [](const Config& c) { return std::to_string(c.visits.history_retention_days); }},
        {"visits.retention_interval_seconds",
         [](const Config& c) { return std::to_string(c.visits.retention_interval_seconds); }},
        {"visits.web_code_minutes",
         [](const Config& c) { return std::to_string(c.visits.web_code_minutes); }},
        {"assist.topics", [](const Config& c) { return Join(c.assist.topics); }},
        {"assist.topic_labels", [](const Config& c) { return Labels(c.assist.topic_labels); }},
        {"assist.shift_hours",
         [](const Config& c) { return std::to_string(c.assist.shift_hours); }},
        {"assist.max_open_per_visit",
         [](const Config& c) { return std::to_string(c.assist.max_open_per_visit); }},
        {"assist.max_per_visit_per_hour",
         [](const Config& c) { return std::to_string(c.assist.max_per_visit_per_hour); }},
        {"assist.login_max_failures",
         [](const Config& c) { return std::to_string(c.assist.login_max_failures); }},
        {"assist.lockout_minutes",
         [](const Config& c) { return std::to_string(c.assist.lockout_minutes); }},
        {"offers.source", [](const Config& c) { return c.offers.source; }},
        {"offers.catalog_file", [](const Config& c) { return c.offers.catalog_file.string(); }},
        {"offers.catalog_bundle", [](const Config& c) { return c.offers.catalog_bundle.string(); }},
        {"offers.max_results",
         [](const Config& c) { return std::to_string(c.offers.max_results); }},
        {"offers.max_per_category",
         [](const Config& c) { return std::to_string(c.offers.max_per_category); }},
        {"offers.frequency_cap",
         [](const Config& c) { return std::to_string(c.offers.frequency_cap); }},
        {"hq.token_issuer", [](const Config& c) { return c.hq.token_issuer; }},
        {"hq.token_public_key", [](const Config& c) { return c.hq.token_public_key.string(); }},
        {"hq.token_leeway_seconds",
         [](const Config& c) { return std::to_string(c.hq.token_leeway_seconds); }},
        {"sync.hq_url", [](const Config& c) { return c.sync.hq_url; }},
        {"sync.period_minutes",
         [](const Config& c) { return std::to_string(c.sync.period_minutes); }},
        {"sync.epsilon_per_day", [](const Config& c) { return c.sync.epsilon_per_day; }},
        {"sync.allow_manual_release",
         [](const Config& c) { return S(c.sync.allow_manual_release ? "true" : "false"); }},
        {"sync.max_catch_up_periods",
         [](const Config& c) { return std::to_string(c.sync.max_catch_up_periods); }},
        {"sync.outbox_max_batches",
         [](const Config& c) { return std::to_string(c.sync.outbox_max_batches); }},
        {"sync.outbox_max_age_days",
         [](const Config& c) { return std::to_string(c.sync.outbox_max_age_days); }},
        {"sync.batches_per_request",
         [](const Config& c) { return std::to_string(c.sync.batches_per_request); }},
        {"sync.backoff_initial_seconds",
         [](const Config& c) { return std::to_string(c.sync.backoff_initial_seconds); }},
        {"sync.backoff_max_seconds",
         [](const Config& c) { return std::to_string(c.sync.backoff_max_seconds); }},
        {"sync.timeout_seconds",
         [](const Config& c) { return std::to_string(c.sync.timeout_seconds); }},
        {"limits.max_body_bytes",
         [](const Config& c) { return std::to_string(c.limits.max_body_bytes); }},
        {"limits.max_header_bytes",
         [](const Config& c) { return std::to_string(c.limits.max_header_bytes); }},
        {"limits.read_timeout_ms",
         [](const Config& c) { return std::to_string(c.limits.read_timeout_ms); }},
        {"limits.idle_timeout_ms",
         [](const Config& c) { return std::to_string(c.limits.idle_timeout_ms); }},
        {"limits.max_connections",
         [](const Config& c) { return std::to_string(c.limits.max_connections); }},
        {"limits.max_connections_per_client",
         [](const Config& c) { return std::to_string(c.limits.max_connections_per_client); }},
        {"limits.write_queue",
         [](const Config& c) { return std::to_string(c.limits.write_queue); }},
        {"limits.shutdown_grace_ms",
         [](const Config& c) { return std::to_string(c.limits.shutdown_grace_ms); }},
        {"limits.rate_per_second",
         [](const Config& c) { return std::to_string(c.limits.rate_per_second); }},
        {"limits.rate_burst", [](const Config& c) { return std::to_string(c.limits.rate_burst); }},
        {"limits.rate_clients",
         [](const Config& c) { return std::to_string(c.limits.rate_clients); }},
        {"limits.rate_exempt", [](const Config& c) { return Join(c.limits.rate_exempt); }},
        {"log.level", [](const Config& c) { return S(c.log.level); }},
        {"indicator.led", [](const Config& c) { return c.indicator.led; }},
        {"kiosk.allow_loopback",
         [](const Config& c) { return S(c.kiosk.allow_loopback ? "true" : "false"); }},
    };
    // [sync.budget]: each metric's cap and epsilon share (the default when not given).
    for (const sync::MetricSpec& m : sync::kMetricSpecs) {
      const std::string metric(m.metric);
      v.push_back({"sync.budget." + metric + "_cap", [metric, m](const Config& c) {
                     auto it = c.sync.budget_caps.find(metric);
                     return std::to_string(it != c.sync.budget_caps.end() ? it->second
                                                                          : m.default_cap);
                   }});
      v.push_back({"sync.budget." + metric + "_epsilon", [metric, m](const Config& c) {
                     auto it = c.sync.budget_epsilons.find(metric);
                     return it != c.sync.budget_epsilons.end()
                                ? it->second
                                : sync::FormatEpsilonMicros(m.default_epsilon_micros);
                   }});
    }
    return v;
  }();
  return kSettings;
}

const Setting* FindSetting(std::string_view key) {
  for (const auto& s : AllSettings()) {
    if (s.key == key) return &s;
  }
  return nullptr;
}

// A TOML leaf rendered like Setting::get renders a Config value.
std::string Render(const toml::node& node) {
  if (auto s = node.value_exact<std::string>()) return *s;
  if (auto i = node.value_exact<int64_t>()) return std::to_string(*i);
  if (auto b = node.value_exact<bool>()) return *b ? "true" : "false";
  if (const auto* a = node.as_array()) {
    std::vector<std::string> items;
    for (const auto& item : *a) items.push_back(Render(item));
    return Join(items);
  }
  if (const auto* t = node.as_table()) {  // a label table: language -> word -> label
    WordLabelTable labels;
    for (const auto& [lang, words] : *t) {
      if (!words.is_table()) return "<unsupported>";
      for (const auto& [word, label] : *words.as_table()) {
        labels[std::string(lang.str())][std::string(word.str())] = Render(label);
      }
    }
    return Labels(labels);
  }
  return "<unsupported>";
}

// Every leaf of a parsed TOML document, as dotted key -> node.
void Leaves(const toml::table& t, const std::string& prefix,
            std::vector<std::pair<std::string, const toml::node*>>& out) {
  for (const auto& [k, v] : t) {
    std::string key = prefix.empty() ? std::string(k.str()) : prefix + "." + std::string(k.str());
    if (const auto* sub = v.as_table(); sub && !key.ends_with("_labels")) {
      Leaves(*sub, key, out);
    } else {
      out.emplace_back(key, &v);
    }
  }
}

Result<Config> Parse(std::string_view text) { return ParseConfig(text, "test.toml"); }

// The error message of a failed parse, or a note that it succeeded.
std::string ErrorOf(std::string_view text) {
  auto c = Parse(text);
  return c ? std::string("<accepted>") : c.error().message;
}

// --- Defaults and every key -----------------------------------------------------------------

TEST(ParseConfig, EmptyTextGivesTheBuiltInDefaults) {
  auto c = Parse("");
  ASSERT_TRUE(c.has_value()) << c.error().message;
  const Config defaults;
  for (const auto& s : AllSettings()) EXPECT_EQ(s.get(*c), s.get(defaults)) << s.key;
  EXPECT_EQ(c->listen.port, 8443);
  EXPECT_FALSE(c->listen.plain_http) << "TLS must be the default";
  EXPECT_EQ(c->admin.address, "127.0.0.1") << "the admin listener is loopback-only by default";
  EXPECT_EQ(c->listen.address, "127.0.0.1");
  EXPECT_EQ(c->consent.policy_version, "1");
  EXPECT_EQ(c->database_file(), std::filesystem::path("var") / "optin-edge.db");
  EXPECT_EQ(c->hq_token_key_file(), std::filesystem::path("var") / "keys" / "hq-token.pub");
}

TEST(ParseConfig, CommentsAndWhitespaceOnlyGiveTheDefaults) {
  auto c = Parse("# nothing here\n\n   \n");
  ASSERT_TRUE(c.has_value()) << c.error().message;
  EXPECT_EQ(c->store.id, Config{}.store.id);
}

TEST(ParseConfig, EveryKeyIsReadFromTheFile) {
  constexpr std::string_view kText = R"(
data_dir = "/var/lib/optin-edge"
[listen]
address = "0.0.0.0"
port = 443
threads = 3
plain_http = true
[admin]
address = "10.1.2.3"
port = 9000
client_ca = "/etc/optin-edge/admin-ca.pem"
[tls]
host_names = ["box.store.example"]
ip_addresses = ["10.1.2.3", "::1"]
session_ticket_hours = 2
handshake_timeout_ms = 1500
max_concurrent_handshakes = 8
max_handshakes_per_client = 4
[store]
id = "store-0042"
name = "Trail & Road, Main Street"
jurisdiction = "UK"
contact_email = "privacy@example.test"
address = "1 Main Street"
policy_url = "https://example.test/privacy"
interests = ["running", "yoga"]
languages = ["it", "en"]
[store.interest_labels.it]
running = "corsa"
[consent]
policy_version = "2024-06"
grant_lifetime_days = 90
[visits]
max_duration_minutes = 120
ended_retention_hours = 6
history_retention_days = 30
retention_interval_seconds = 60
web_code_minutes = 5
[assist]
topics = ["shoes", "bikes"]
shift_hours = 8
max_open_per_visit = 2
max_per_visit_per_hour = 4
login_max_failures = 3
lockout_minutes = 30
[assist.topic_labels.it]
shoes = "scarpe"
bikes = "biciclette"
[notices]
source = "hq-bundle"
file = "/etc/optin-edge/notices.json"
bundle = "/etc/optin-edge/notices.jws"

[offers]
source = "hq-bundle"
catalog_file = "/etc/optin-edge/catalog.json"
catalog_bundle = "/etc/optin-edge/catalog.jws"
max_results = 4
max_per_category = 1
frequency_cap = 5
[hq]
token_issuer = "https://hq.example.test"
token_public_key = "/etc/optin-edge/hq.pub"
token_leeway_seconds = 30
[sync]
hq_url = "https://hq.example.test:8444/v1/batches"
period_minutes = 30
epsilon_per_day = "2.5"
allow_manual_release = true
max_catch_up_periods = 24
outbox_max_batches = 200
outbox_max_age_days = 7
batches_per_request = 20
backoff_initial_seconds = 2
backoff_max_seconds = 600
timeout_seconds = 20
[sync.budget]
checkins_total_cap = 2
checkins_total_epsilon = "0.3"
checkins_by_channel_cap = 2
checkins_by_channel_epsilon = "0.2"
checkins_by_hour_cap = 2
checkins_by_hour_epsilon = "0.3"
help_requests_by_topic_cap = 3
help_requests_by_topic_epsilon = "0.2"
time_to_claim_seconds_cap = 2
time_to_claim_seconds_epsilon = "0.2"
offer_views_by_category_cap = 6
offer_views_by_category_epsilon = "0.3"
[limits]
max_body_bytes = 4096
max_header_bytes = 2048
read_timeout_ms = 5000
idle_timeout_ms = 15000
max_connections = 64
max_connections_per_client = 8
write_queue = 128
shutdown_grace_ms = 2000
rate_per_second = 5
rate_burst = 20
rate_clients = 100
rate_exempt = ["10.1.2.3"]
[log]
level = "debug"
[indicator]
led = "kiosk:green"
[kiosk]
allow_loopback = false
)";
  auto c = Parse(kText);
  ASSERT_TRUE(c.has_value()) << c.error().message;

  toml::table doc = toml::parse(kText);
  std::vector<std::pair<std::string, const toml::node*>> leaves;
  Leaves(doc, "", leaves);
  ASSERT_EQ(leaves.size(), AllSettings().size()) << "the text above must set every setting";
  const Config defaults;
  for (const auto& [key, node] : leaves) {
    const Setting* s = FindSetting(key);
    ASSERT_NE(s, nullptr) << key;
    EXPECT_EQ(s->get(*c), Render(*node)) << key;
    EXPECT_NE(s->get(*c), s->get(defaults)) << key << " should differ from its default here";
  }
  EXPECT_EQ(c->hq_token_key_file(), std::filesystem::path("/etc/optin-edge/hq.pub"));
  EXPECT_EQ(c->database_file(), std::filesystem::path("/var/lib/optin-edge/optin-edge.db"));
}

TEST(ParseConfig, ShippedConfigFileParsesAndEveryKeyItSetsIsApplied) {
  const std::filesystem::path file =
      std::filesystem::path(OPTIN_SOURCE_DIR) / "config" / "optin-edge.toml";
  if (!std::filesystem::exists(file)) {
    GTEST_SKIP() << file << " does not exist yet";
  }
  auto c = LoadConfigFile(file);
  ASSERT_TRUE(c.has_value()) << c.error().message;

  toml::table doc = toml::parse_file(file.string());
  std::vector<std::pair<std::string, const toml::node*>> leaves;
  Leaves(doc, "", leaves);
  EXPECT_FALSE(leaves.empty());
  for (const auto& [key, node] : leaves) {
    const Setting* s = FindSetting(key);
    ASSERT_NE(s, nullptr) << key << " in the shipped file is not a setting this test knows";
    EXPECT_EQ(s->get(*c), Render(*node)) << key;
  }
}

TEST(ParseConfig, ShippedConfigFileShowsTheBuiltInDefaults) {
  // The file says "without this file the daemon runs with the values shown here".
  const std::filesystem::path file =
      std::filesystem::path(OPTIN_SOURCE_DIR) / "config" / "optin-edge.toml";
  if (!std::filesystem::exists(file)) {
    GTEST_SKIP() << file << " does not exist yet";
  }
  auto c = LoadConfigFile(file);
  ASSERT_TRUE(c.has_value()) << c.error().message;
  const Config defaults;
  for (const auto& s : AllSettings()) EXPECT_EQ(s.get(*c), s.get(defaults)) << s.key;
}

TEST(ParseConfig, RelativeCatalogPathsAreResolvedAgainstTheConfigDirectory) {
  optin::testing::TempDir dir;
  const auto file = dir.path() / "optin-edge.toml";
  std::ofstream(file) << "[offers]\ncatalog_file = \"catalog/offers.json\"\n";
  auto c = LoadConfigFile(file);
  ASSERT_TRUE(c.has_value()) << c.error().message;
  EXPECT_EQ(c->offers_catalog_path(),
            std::filesystem::absolute(dir.path()) / "catalog/offers.json");
  Config no_file;
  no_file.data_dir = "/var/lib/optin-edge";
  EXPECT_EQ(no_file.offers_catalog_path(),
            std::filesystem::path("/var/lib/optin-edge/offers.json"));
  no_file.offers.source = "hq-bundle";
  EXPECT_EQ(no_file.offers_catalog_path(), std::filesystem::path("/var/lib/optin-edge/offers.jws"));
}

TEST(ParseConfig, UnknownCatalogSourceIsRefusedNamingTheKey) {
  auto c = ParseConfig("[offers]\nsource = \"http\"\n");
  ASSERT_FALSE(c.has_value());
  EXPECT_EQ(c.error().field, "offers.source");
}

// --- Refusals -------------------------------------------------------------------------------

TEST(ParseConfigLabels, TheBuiltInInterestsAndTopicsReadInEachBuiltInLanguage) {
  const Config c;
  for (const std::string lang : {"it", "es", "de", "fr"}) {
    ASSERT_TRUE(c.store.interest_labels.contains(lang)) << lang;
    ASSERT_TRUE(c.assist.topic_labels.contains(lang)) << lang;
    for (const auto& i : c.store.interests) {
      EXPECT_TRUE(c.store.interest_labels.at(lang).contains(i)) << lang << " " << i;
    }
    for (const auto& t : c.assist.topics) {
      EXPECT_TRUE(c.assist.topic_labels.at(lang).contains(t)) << lang << " " << t;
    }
  }
  EXPECT_EQ(c.assist.topic_labels.at("it").at("sizing and fit"), "taglie e vestibilità");
}

TEST(ParseConfigLabels, LabelsInTheFileReplaceTheBuiltInOnes) {
  auto c = Parse(
      "[store]\ninterests = [\"running\", \"padel\"]\n"
      "[store.interest_labels.es]\npadel = \"pádel\"\n");
  ASSERT_TRUE(c.has_value()) << c.error().message;
  EXPECT_EQ(c->store.interest_labels, (WordLabelTable{{"es", {{"padel", "pádel"}}}}));
  // The topics' labels, not given, stay built in.
  EXPECT_EQ(c->assist.topic_labels, Config{}.assist.topic_labels);
}

TEST(ParseConfigLabels, ALabelOfAWordOrLanguageTheStoreDoesNotListIsRefusedWithItsLine) {
  struct Case {
    std::string text, field, words;
  };
  const std::vector<Case> cases = {
      {"[store]\nlanguages = [\"en\", \"it\"]\n[store.interest_labels.es]\nrunning = \"c\"\n",
       "store.interest_labels.es", "not in store.languages"},
      {"[store.interest_labels.it]\nsurfing = \"surf\"\n", "store.interest_labels.it.\"surfing\"",
       "does not list"},
      {"[assist.topic_labels.it]\nshoes = \"scarpe\"\n", "assist.topic_labels.it.\"shoes\"",
       "does not list"},
      {"[assist.topic_labels.it]\ncheckout = \"\"\n", "assist.topic_labels.it.\"checkout\"",
       "1 to 64"},
      {"[assist.topic_labels.it]\ncheckout = 3\n", "assist.topic_labels.it.\"checkout\"",
       "1 to 64"},
      {"[assist]\ntopic_labels = \"cassa\"\n", "assist.topic_labels", "table per language"},
      {"[assist.topic_labels]\nit = \"cassa\"\n", "assist.topic_labels.it", "must be a table"},
  };
  for (const auto& k : cases) {
    auto c = Parse(k.text);
    ASSERT_FALSE(c.has_value()) << k.text;
    EXPECT_EQ(c.error().field, k.field) << k.text;
    EXPECT_NE(c.error().message.find(k.words), std::string::npos) << c.error().message;
    EXPECT_NE(c.error().message.find("test.toml:"), std::string::npos) << c.error().message;
  }
}

TEST(ParseConfig, UnknownKeyIsRefusedNamingItAndItsLine) {
  auto c = Parse("[listen]\nport = 9000\nprot = 9001\n");
  ASSERT_FALSE(c.has_value());
  EXPECT_NE(c.error().message.find("listen.prot"), std::string::npos) << c.error().message;
  EXPECT_NE(c.error().message.find("test.toml:3"), std::string::npos) << c.error().message;
  EXPECT_EQ(c.error().field, "listen.prot");
}

TEST(ParseConfig, UnknownTopLevelKeyAndSectionAreRefused) {
  EXPECT_NE(ErrorOf("colour = \"blue\"\n").find("colour"), std::string::npos);
  std::string section = ErrorOf("[store]\nid = \"s\"\n\n[camera]\nenabled = true\n");
  EXPECT_NE(section.find("camera.enabled"), std::string::npos) << section;
  EXPECT_NE(section.find("test.toml:5"), std::string::npos) << section;
}

TEST(ParseConfig, WrongTypeIsRefusedNamingTheKey) {
  struct Case {
    std::string text, key, what;
  };
  for (const Case& k : std::vector<Case>{
           {"[listen]\nport = \"8080\"\n", "listen.port", "integer"},
           {"[store]\nname = 5\n", "store.name", "string"},
           {"[store]\ninterests = \"running\"\n", "store.interests", "list"},
           {"[store]\ninterests = [\"running\", 3]\n", "store.interests", "list"},
           {"# comment\ndata_dir = 1\n", "data_dir", "string"},
           {"[limits]\nwrite_queue = 1.5\n", "limits.write_queue", "integer"},
           {"[log]\nlevel = true\n", "log.level", "string"},
       }) {
    auto c = Parse(k.text);
    ASSERT_FALSE(c.has_value()) << k.text;
    EXPECT_EQ(c.error().field, k.key) << k.text;
    EXPECT_NE(c.error().message.find(k.key), std::string::npos) << c.error().message;
    EXPECT_NE(c.error().message.find(k.what), std::string::npos) << c.error().message;
    EXPECT_NE(c.error().message.find("test.toml:2"), std::string::npos) << c.error().message;
  }
}

TEST(ParseConfig, OutOfRangeValueIsRefusedNamingTheKey) {
  struct Case {
    std::string text, key;
  };
  for (const Case& k : std::vector<Case>{
           {"[listen]\nport = 70000\n", "listen.port"},
           {"[listen]\nport = -1\n", "listen.port"},
           {"[listen]\nthreads = 65\n", "listen.threads"},
           {"[consent]\ngrant_lifetime_days = 0\n", "consent.grant_lifetime_days"},
           {"[visits]\nmax_duration_minutes = 1441\n", "visits.max_duration_minutes"},
           {"[hq]\ntoken_leeway_seconds = 3601\n", "hq.token_leeway_seconds"},
           {"[limits]\nmax_body_bytes = 10\n", "limits.max_body_bytes"},
           {"[limits]\nread_timeout_ms = 0\n", "limits.read_timeout_ms"},
           {"[limits]\nmax_connections = 100001\n", "limits.max_connections"},
       }) {
    auto c = Parse(k.text);
    ASSERT_FALSE(c.has_value()) << k.text;
    EXPECT_EQ(c.error().field, k.key) << k.text;
    EXPECT_NE(c.error().message.find(k.key), std::string::npos) << c.error().message;
    EXPECT_NE(c.error().message.find("between"), std::string::npos) << c.error().message;
  }
}

TEST(ParseConfig, RangeBoundsThemselvesAreAccepted) {
  auto c = Parse("[listen]\nport = 65535\nthreads = 64\n[consent]\ngrant_lifetime_days = 3650\n");
  ASSERT_TRUE(c.has_value()) << c.error().message;
  EXPECT_EQ(c->listen.port, 65535);
  EXPECT_EQ(c->listen.threads, 64);
  EXPECT_TRUE(Parse("[listen]\nport = 0\n").has_value());
}

TEST(ParseConfig, InvalidValuesAreRefusedNamingTheKey) {
  struct Case {
    std::string text, key;
  };
  for (const Case& k : std::vector<Case>{
           {"[store]\nid = \"\"\n", "store.id"},
           {"[store]\nid = \"" + std::string(65, 's') + "\"\n", "store.id"},
           {"[consent]\npolicy_version = \"\"\n", "consent.policy_version"},
           {"data_dir = \"\"\n", "data_dir"},
           {"[store]\ninterests = [\"running\", \"\"]\n", "store.interests"},
           {"[log]\nlevel = \"loud\"\n", "log.level"},
       }) {
    auto c = Parse(k.text);
    ASSERT_FALSE(c.has_value()) << k.text;
    EXPECT_EQ(c.error().field, k.key) << k.text;
    EXPECT_NE(c.error().message.find(k.key), std::string::npos) << c.error().message;
  }
}

TEST(ParseConfig, MalformedTomlIsRefusedWithLineAndColumn) {
  auto c = Parse("[listen]\naddress = \"127.0.0.1\"\nport = = 8080\n");
  ASSERT_FALSE(c.has_value());
  const std::string& m = c.error().message;
  EXPECT_TRUE(m.starts_with("test.toml:3:")) << m;
  // line:column, with a column after the line.
  const std::string rest = m.substr(std::string("test.toml:3:").size());
  ASSERT_FALSE(rest.empty());
  EXPECT_TRUE(std::isdigit(static_cast<unsigned char>(rest[0]))) << m;
  EXPECT_EQ(c.error().code, ErrorCode::kInvalidArgument);
}

TEST(ParseConfig, UnterminatedStringAndDuplicateKeyAreMalformed) {
  EXPECT_TRUE(ErrorOf("[store]\nname = \"open\n").starts_with("test.toml:2:"))
      << ErrorOf("[store]\nname = \"open\n");
  EXPECT_TRUE(ErrorOf("[listen]\nport = 1\nport = 2\n").starts_with("test.toml:3:"))
      << ErrorOf("[listen]\nport = 1\nport = 2\n");
}

// --- Files and flags ------------------------------------------------------------------------

class ConfigFromArgsTest : public ::testing::Test {
 protected:
  std::string WriteFile(std::string_view text) {
    const auto file = dir_ / "optin-edge.toml";
    std::ofstream(file) << text;
    return file.string();
  }
  optin::testing::TempDir dir_;
};

TEST_F(ConfigFromArgsTest, NoFlagsGiveDefaultsAndLeaveOtherArgumentsAlone) {
  std::vector<std::string> args{"serve", "--verbose"};
  auto c = ConfigFromArgs(args);
  ASSERT_TRUE(c.has_value()) << c.error().message;
  EXPECT_EQ(c->store.id, Config{}.store.id);
  EXPECT_EQ(args, (std::vector<std::string>{"serve", "--verbose"}));
}

TEST_F(ConfigFromArgsTest, ConfigDataDirAndListenAreAppliedAndRemoved) {
  const std::string file = WriteFile("[store]\nid = \"store-9\"\n[listen]\nport = 1234\n");
  std::vector<std::string> args{"serve",     "--config", file,           "--data-dir",
                                "/srv/data", "--listen", "0.0.0.0:9443", "extra"};
  auto c = ConfigFromArgs(args);
  ASSERT_TRUE(c.has_value()) << c.error().message;
  EXPECT_EQ(c->store.id, "store-9");
  EXPECT_EQ(c->data_dir, std::filesystem::path("/srv/data"));
  EXPECT_EQ(c->listen.address, "0.0.0.0");
  EXPECT_EQ(c->listen.port, 9443);  // the flag wins over the file
  EXPECT_EQ(args, (std::vector<std::string>{"serve", "extra"}));
}

TEST_F(ConfigFromArgsTest, FileValuesStayWhenNoFlagOverridesThem) {
  const std::string file = WriteFile("data_dir = \"/from/file\"\n[listen]\nport = 1234\n");
  std::vector<std::string> args{"--config", file};
  auto c = ConfigFromArgs(args);
  ASSERT_TRUE(c.has_value()) << c.error().message;
  EXPECT_EQ(c->data_dir, std::filesystem::path("/from/file"));
  EXPECT_EQ(c->listen.port, 1234);
  EXPECT_TRUE(args.empty());
}

TEST_F(ConfigFromArgsTest, ErrorsInTheFileNameTheFile) {
  const std::string file = WriteFile("[listen]\nprot = 1\n");
  std::vector<std::string> args{"--config", file};
  auto c = ConfigFromArgs(args);
  ASSERT_FALSE(c.has_value());
  EXPECT_NE(c.error().message.find(file + ":2"), std::string::npos) << c.error().message;
}

TEST_F(ConfigFromArgsTest, MissingConfigFileIsRefused) {
  std::vector<std::string> args{"--config", (dir_ / "absent.toml").string()};
  auto c = ConfigFromArgs(args);
  ASSERT_FALSE(c.has_value());
  EXPECT_NE(c.error().message.find("absent.toml"), std::string::npos);
}

TEST_F(ConfigFromArgsTest, FlagWithoutValueIsRefused) {
  for (const char* flag : {"--config", "--data-dir", "--listen"}) {
    std::vector<std::string> args{"serve", flag};
    auto c = ConfigFromArgs(args);
    ASSERT_FALSE(c.has_value()) << flag;
    EXPECT_NE(c.error().message.find(flag), std::string::npos) << c.error().message;
  }
}

TEST_F(ConfigFromArgsTest, BadListenIsRefused) {
  for (const char* bad : {"localhost", "127.0.0.1:", "127.0.0.1:http", "127.0.0.1:70000",
                          "127.0.0.1:-1", "127.0.0.1:80x", "127.0.0.1:8080 "}) {
    std::vector<std::string> args{"--listen", bad};
    auto c = ConfigFromArgs(args);
    EXPECT_FALSE(c.has_value()) << "accepted --listen '" << bad << "' as port "
                                << (c ? c->listen.port : 0);
    if (!c) {
      EXPECT_NE(c.error().message.find("--listen"), std::string::npos) << c.error().message;
    }
  }
}

TEST_F(ConfigFromArgsTest, ListenAcceptsPortZeroAndTheLastColonSplits) {
  std::vector<std::string> args{"--listen", "127.0.0.1:0"};
  auto c = ConfigFromArgs(args);
  ASSERT_TRUE(c.has_value()) << c.error().message;
  EXPECT_EQ(c->listen.port, 0);
  std::vector<std::string> v6{"--listen", "::1:8081"};
  auto c6 = ConfigFromArgs(v6);
  ASSERT_TRUE(c6.has_value()) << c6.error().message;
  EXPECT_EQ(c6->listen.address, "::1");
  EXPECT_EQ(c6->listen.port, 8081);
}

}  // namespace
}  // namespace optin::app::config_test

namespace optin::app::config_test {
namespace {

TEST(ParseConfig, AdminListenerOffLoopbackRequiresClientCertificates) {
  auto c = ParseConfig("[admin]\naddress = \"0.0.0.0\"\n", "test.toml");
  ASSERT_FALSE(c.has_value());
  EXPECT_EQ(c.error().field, "admin.client_ca");
  auto ok = ParseConfig("[admin]\naddress = \"0.0.0.0\"\nclient_ca = \"/ca.pem\"\n", "test.toml");
  EXPECT_TRUE(ok.has_value()) << ok.error().message;
}

TEST(ParseConfig, PlainHttpMustBeABoolean) {
  auto c = ParseConfig("[listen]\nplain_http = \"yes\"\n", "test.toml");
  ASSERT_FALSE(c.has_value());
  EXPECT_NE(c.error().message.find("listen.plain_http"), std::string::npos);
  EXPECT_NE(c.error().message.find("true or false"), std::string::npos);
}

// --- [[scanners]] ---------------------------------------------------------------------------

TEST(ParseConfigScanners, NoScannersByDefault) {
  auto c = Parse("");
  ASSERT_TRUE(c) << c.error().message;
  EXPECT_TRUE(c->scanners.empty());
  EXPECT_TRUE(c->indicator.led.empty());
}

TEST(ParseConfigScanners, EveryScannerKeyIsRead) {
  auto c = Parse(R"(
[[scanners]]
name = "kiosk"
kind = "evdev"
device = "/dev/input/by-id/usb-Datalogic-event-kbd"
terminator = "tab"
partial_timeout_ms = 150
max_length = 1024
max_scans_per_second = 3

[[scanners]]
name = "counter"
kind = "serial"
device = "/dev/serial/by-id/usb-Honeywell-if00"
baud = 115200
terminator = "cr"

[[scanners]]
name = "dev"
kind = "fifo"
device = "var/scanner.fifo"
)");
  ASSERT_TRUE(c) << c.error().message;
  ASSERT_EQ(c->scanners.size(), 3u);
  const drivers::ScannerConfig& kiosk = c->scanners[0];
  EXPECT_EQ(kiosk.name, "kiosk");
  EXPECT_EQ(kiosk.kind, drivers::ScannerKind::kEvdev);
  EXPECT_EQ(kiosk.device, "/dev/input/by-id/usb-Datalogic-event-kbd");
  EXPECT_EQ(kiosk.terminator, drivers::Terminator::kTab);
  EXPECT_EQ(kiosk.partial_timeout, std::chrono::milliseconds(150));
  EXPECT_EQ(kiosk.max_length, 1024u);
  EXPECT_EQ(kiosk.max_scans_per_second, 3);
  const drivers::ScannerConfig& counter = c->scanners[1];
  EXPECT_EQ(counter.kind, drivers::ScannerKind::kSerial);
  EXPECT_EQ(counter.baud, 115200);
  EXPECT_EQ(counter.terminator, drivers::Terminator::kCr);
  const drivers::ScannerConfig& dev = c->scanners[2];
  EXPECT_EQ(dev.kind, drivers::ScannerKind::kFifo);
  // Unset keys keep the driver's defaults.
  const drivers::ScannerConfig defaults;
  EXPECT_EQ(dev.baud, defaults.baud);
  EXPECT_EQ(dev.terminator, defaults.terminator);
  EXPECT_EQ(dev.partial_timeout, defaults.partial_timeout);
  EXPECT_EQ(dev.max_length, defaults.max_length);
  EXPECT_EQ(dev.max_scans_per_second, defaults.max_scans_per_second);
}

TEST(ParseConfigScanners, ACameraDeviceIsRefusedNamingTheScannerAndTheRule) {
  for (const char* device : {"/dev/video0", "/dev/media0", "/dev/v4l/by-id/usb-Cam-index0"}) {
    const std::string text = std::string("[[scanners]]\nname = \"kiosk\"\nkind = \"evdev\"\n") +
                             "device = \"" + device + "\"\n";
    auto c = Parse(text);
    ASSERT_FALSE(c) << device;
    const std::string& m = c.error().message;
    EXPECT_NE(m.find("scanners[0].device"), std::string::npos) << m;
    EXPECT_NE(m.find("'kiosk'"), std::string::npos) << m;
    EXPECT_NE(m.find("never opens a camera"), std::string::npos) << m;
    EXPECT_NE(m.find("test.toml:4"), std::string::npos) << m;
  }
}

TEST(ParseConfigScanners, UnknownScannerKeyIsRefusedNamingItAndItsLine) {
  auto c = Parse(
      "[[scanners]]\nname = \"kiosk\"\nkind = \"evdev\"\ndevice = \"/dev/input/x\"\n"
      "camera = true\n");
  ASSERT_FALSE(c);
  EXPECT_NE(c.error().message.find("test.toml:5: 'scanners[0].camera' is not a known scanner"),
            std::string::npos)
      << c.error().message;
}

TEST(ParseConfigScanners, InvalidScannersAreRefusedNamingTheKey) {
  const std::string base = "[[scanners]]\nname = \"kiosk\"\n";
  struct Case {
    std::string text;
    std::string expect;
  };
  const std::vector<Case> cases = {
      {base + "kind = \"evdev\"\n", "'scanners[0].device' is required"},
      {"[[scanners]]\nkind = \"evdev\"\ndevice = \"/dev/input/x\"\n",
       "'scanners[0].name' is required"},
      {base + "kind = \"camera\"\ndevice = \"/dev/input/x\"\n", "must be evdev, serial or fifo"},
      {base + "kind = \"evdev\"\ndevice = \"/dev/input/x\"\nterminator = \"space\"\n",
       "must be enter, tab, cr or lf"},
      {base + "kind = \"serial\"\ndevice = \"/dev/ttyACM0\"\nbaud = 12345\n",
       "12345 is not a standard rate"},
      {base + "kind = \"evdev\"\ndevice = \"/dev/input/x\"\nmax_scans_per_second = 0\n",
       "'scanners[0].max_scans_per_second' must be between 1 and 1000"},
      {base + "kind = \"evdev\"\ndevice = \"/dev/input/x\"\npartial_timeout_ms = \"300\"\n",
       "'scanners[0].partial_timeout_ms' must be an integer"},
      {base + "kind = \"evdev\"\ndevice = \"\"\n", "'scanners[0].device' must not be empty"},
      {base + "kind = \"evdev\"\ndevice = \"/dev/input/a\"\n" + base +
           "kind = \"evdev\"\ndevice = \"/dev/input/b\"\n",
       "'scanners[1].name' 'kiosk' names two scanners"},
      {"scanners = [\"kiosk\"]\n", "'scanners' must be an array of tables"},
      {"[scanners]\nname = \"kiosk\"\n", "'scanners' must be an array of tables"},
  };
  for (const Case& c : cases) {
    EXPECT_NE(ErrorOf(c.text).find(c.expect), std::string::npos)
        << c.text << "\n-> " << ErrorOf(c.text);
  }
}

TEST(ParseConfigScanners, IndicatorLedIsNeverACamera) {
  EXPECT_NE(ErrorOf("[indicator]\nled = \"/dev/video0\"\n").find("never a camera"),
            std::string::npos);
  auto c = Parse("[indicator]\nled = \"kiosk:green\"\n");
  ASSERT_TRUE(c) << c.error().message;
  EXPECT_EQ(c->indicator.led, "kiosk:green");
}

TEST(ParseConfigScanners, ShippedConfigFileHasNoScannerButDocumentsThem) {
  const std::filesystem::path file =
      std::filesystem::path(OPTIN_SOURCE_DIR) / "config" / "optin-edge.toml";
  auto c = LoadConfigFile(file);
  ASSERT_TRUE(c) << c.error().message;
  EXPECT_TRUE(c->scanners.empty());
  std::ifstream in(file);
  std::stringstream ss;
  ss << in.rdbuf();
  EXPECT_NE(ss.str().find("# [[scanners]]"), std::string::npos);
}

}  // namespace
}  // namespace optin::app::config_test
