// The API in the shopper's language against the real daemon (issue 16 part 4): problem titles
// and details follow Accept-Language (validation, not found, conflict, rate limited) with
// Content-Language and Vary, an unknown language falls back to the store's default, offers and
// /v1/me/why speak the shopper's language from a catalog that gives texts per language, and
// optinctl catalog check refuses a catalog that lacks a store language, naming the pointer.
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <unistd.h>

#include <boost/json/serialize.hpp>
#include <ctime>
#include <fstream>

#include "tests/integration/daemon_harness.h"

namespace optin::testing::api_language_test {
namespace {

using boost::json::array;
using boost::json::object;

// One request over a plain socket with an Accept-Language header (empty: none).
HttpResult Send(uint16_t port, const std::string& method, const std::string& target,
                const std::string& accept_language, const std::string& bearer = "",
                const std::string& body = "") {
  return HttpCall(port, method, target, body, bearer, "application/json",
                  accept_language.empty() ? "" : "Accept-Language: " + accept_language + "\r\n");
}

// A header's value (names compared case-insensitively), or empty.
std::string HeaderValue(const HttpResult& r, std::string name) {
  std::string lower_head = r.headers;
  for (char& c : lower_head) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  const size_t at = lower_head.find("\r\n" + name + ":");
  if (at == std::string::npos) return {};
  const size_t start = at + 3 + name.size();
  const size_t end = r.headers.find("\r\n", start);
  std::string value = r.headers.substr(start, end - start);
  while (!value.empty() && value.front() == ' ') value.erase(0, 1);
  return value;
}

std::string Str(const HttpResult& r, std::string_view member) {
  const auto v = r.json();
  if (!v.is_object()) return {};
  const auto* m = v.as_object().if_contains(member);
  return m && m->is_string() ? std::string(m->as_string()) : std::string();
}

class ApiLanguageTest : public DaemonTest {
 protected:
  HttpResult It(const std::string& method, const std::string& target, const std::string& bearer,
                const std::string& body = "") {
    return Send(daemon_->port(), method, target, "it-IT,it;q=0.9,en;q=0.5", bearer, body);
  }
  static void ExpectItalianProblem(const HttpResult& r, int status, const std::string& title) {
    EXPECT_EQ(r.status, status) << r.body;
    EXPECT_EQ(Str(r, "title"), title) << r.body;
    EXPECT_EQ(HeaderValue(r, "Content-Language"), "it") << r.headers;
    EXPECT_NE(HeaderValue(r, "Vary").find("Accept-Language"), std::string::npos) << r.headers;
    EXPECT_EQ(HeaderValue(r, "Content-Type"), "application/problem+json");
  }
};

TEST_F(ApiLanguageTest, ProblemsAreInItalianForAnItalianShopper) {
  const auto shopper = CheckIn("lang-shopper-1", R"({"assistance": true})");

  // Validation: the field at fault and the urn stay as they are.
  auto missing = It("POST", "/v1/assist", shopper.visit_token, R"({"expertise":"beginner"})");
  ExpectItalianProblem(missing, 400, "Richiesta non valida");
  EXPECT_EQ(Str(missing, "detail"), "Il campo /topic è obbligatorio.");
  EXPECT_EQ(Str(missing, "field"), "/topic");
  EXPECT_EQ(Str(missing, "type"), "urn:optin-edge:problem:missing-field");

  // Not found.
  auto none = It("GET", "/v1/notices/999?lang=en", "");
  ExpectItalianProblem(none, 404, "Non trovato");
  EXPECT_EQ(Str(none, "detail"), "Su questo dispositivo non c'è questa versione dell'informativa.");

  // Conflict: a second open help request.
  const std::string ask = R"({"topic":"checkout","expertise":"beginner"})";
  auto first = It("POST", "/v1/assist", shopper.visit_token, ask);
  ASSERT_EQ(first.status, 201) << first.body;
  auto second = It("POST", "/v1/assist", shopper.visit_token, ask);
  ExpectItalianProblem(second, 409, "Conflitto");
  EXPECT_EQ(Str(second, "type"), "urn:optin-edge:problem:help-request-open");
  EXPECT_NE(Str(second, "detail").find("richiesta di aiuto aperta"), std::string::npos);

  // Rate limited: the hourly limit of help requests (10 by default).
  std::string id = Str(first, "id");
  if (id.empty())
    id = std::string(first.json().as_object().at("request").as_object().at("id").as_string());
  HttpResult limited;
  for (int i = 0; i < 12; ++i) {
    ASSERT_EQ(daemon_->Request("DELETE", "/v1/assist/" + id, "", shopper.visit_token).status, 200);
    limited = It("POST", "/v1/assist", shopper.visit_token, ask);
    if (limited.status != 201) break;
    id = std::string(limited.json().as_object().at("request").as_object().at("id").as_string());
  }
  ExpectItalianProblem(limited, 429, "Troppe richieste");
  EXPECT_EQ(Str(limited, "type"), "urn:optin-edge:problem:rate-limited");
  EXPECT_EQ(Str(limited, "detail"), "Troppi tentativi. Aspetta un po' prima di riprovare.");
  EXPECT_FALSE(HeaderValue(limited, "Retry-After").empty());
}

TEST_F(ApiLanguageTest, AnUnknownLanguageWithEverythingElseRefusedGetsTheStoresDefault) {
  auto r = Send(daemon_->port(), "GET", "/v1/notices/999?lang=en", "xx, *;q=0");
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(HeaderValue(r, "Content-Language"), "en");  // [store] languages starts with en
  EXPECT_EQ(Str(r, "title"), "Not found");
  // A garbage header is ignored, never an error.
  auto g = Send(daemon_->port(), "GET", "/v1/notices/999?lang=en", ";;q=,,\t*-*");
  EXPECT_EQ(g.status, 404);
  EXPECT_EQ(HeaderValue(g, "Content-Language"), "en");
  // German chosen by q-value over Italian.
  auto de = Send(daemon_->port(), "GET", "/v1/notices/999?lang=en", "it;q=0.4, de-AT;q=0.8");
  EXPECT_EQ(HeaderValue(de, "Content-Language"), "de");
  EXPECT_EQ(Str(de, "title"), "Nicht gefunden");
}

TEST_F(ApiLanguageTest, OffersAndWhySpeakTheShoppersLanguage) {
  const int64_t now = std::time(nullptr);
  object offer{{"id", "shoes-1"},
               {"title", object{{"en", "Trail shoes"},
                                {"it", "Scarpe da trail"},
                                {"es", "Zapatillas de trail"},
                                {"de", "Trailschuhe"},
                                {"fr", "Chaussures de trail"}}},
               {"description", "Light shoes."},
               {"categories", array{"trail running"}},
               {"expertise", "beginner"},
               {"price", object{{"amount_minor", 4990}, {"currency", "EUR"}}},
               {"terms", object{{"en", "While stocks last."},
                                {"it", "Fino a esaurimento scorte."},
                                {"es", "Hasta agotar existencias."},
                                {"de", "Solange der Vorrat reicht."},
                                {"fr", "Dans la limite des stocks."}}},
               {"valid_from", now - 60},
               {"valid_until", now + 86400}};
  const std::string catalog =
      boost::json::serialize(object{{"version", "lang-1"}, {"offers", array{offer}}});
  ASSERT_EQ(daemon_->Stop(), 0);
  std::ofstream(daemon_->data_dir() / "offers.json", std::ios::trunc) << catalog;
  ASSERT_TRUE(daemon_->Start()) << ReadWholeFile(daemon_->log_file());

  const auto shopper = CheckIn("lang-shopper-2", R"({"offers": true})");
  auto put = daemon_->Request("PUT", "/v1/me/interests",
                              R"({"interests":[{"topic":"trail running","expertise":"beginner"}]})",
                              shopper.visit_token);
  ASSERT_EQ(put.status, 200) << put.body;

  auto offers = It("GET", "/v1/offers", shopper.visit_token);
  ASSERT_EQ(offers.status, 200) << offers.body;
  EXPECT_EQ(HeaderValue(offers, "Content-Language"), "it");
  EXPECT_NE(HeaderValue(offers, "Vary").find("Accept-Language"), std::string::npos);
  const boost::json::value offers_body = offers.json();
  ASSERT_FALSE(offers_body.as_object().at("offers").as_array().empty()) << offers.body;
  const auto& o = offers_body.as_object().at("offers").as_array().at(0).as_object();
  EXPECT_EQ(o.at("title").as_string(), "Scarpe da trail");
  EXPECT_EQ(o.at("terms").as_string(), "Fino a esaurimento scorte.");
  EXPECT_EQ(o.at("description").as_string(), "Light shoes.");  // one string: the same for all
  EXPECT_EQ(o.at("reason").as_string(),
            "Perché ci hai detto che ti interessa corsa in montagna (principiante).");
  EXPECT_EQ(Str(offers, "note"),
            "Scelte solo in base a quello che ci hai detto. Prezzi e condizioni sono uguali per "
            "tutti.");

  auto why = It("GET", "/v1/me/why", shopper.visit_token);
  ASSERT_EQ(why.status, 200) << why.body;
  EXPECT_EQ(HeaderValue(why, "Content-Language"), "it");
  bool offer_said = false;
  const boost::json::value why_body = why.json();
  for (const auto& v : why_body.as_object().at("statements").as_array()) {
    const std::string text(v.as_object().at("text").as_string());
    if (v.as_object().at("kind").as_string() == "offer") {
      EXPECT_EQ(text,
                "Ti abbiamo mostrato \"Scarpe da trail\" una volta. Perché ci hai detto che ti "
                "interessa corsa in montagna (principiante).");
      offer_said = true;
    }
    if (v.as_object().at("kind").as_string() == "visit") {
      EXPECT_TRUE(text.starts_with("Ti sei registrato con l'app.")) << text;
    }
  }
  EXPECT_TRUE(offer_said) << why.body;
  bool interests_said = false;
  for (const auto& v : why_body.as_object().at("statements").as_array()) {
    if (v.as_object().at("kind").as_string() != "interests") continue;
    const std::string text(v.as_object().at("text").as_string());
    EXPECT_NE(text.find("corsa in montagna (principiante)"), std::string::npos) << text;
    interests_said = true;
  }
  EXPECT_TRUE(interests_said) << why.body;
  EXPECT_TRUE(Str(why, "note").starts_with("Questo è tutto")) << why.body;

  // The default language (no header) is English, as the store's first language.
  auto plain = daemon_->Request("GET", "/v1/offers", "", shopper.visit_token);
  const boost::json::value plain_body = plain.json();
  EXPECT_EQ(plain_body.as_object().at("offers").as_array().at(0).as_object().at("title"),
            "Trail shoes");
}

TEST_F(ApiLanguageTest, CatalogCheckRefusesACatalogLackingAStoreLanguageNamingThePointer) {
  const int64_t now = std::time(nullptr);
  object offer{{"id", "shoes-1"},
               {"title", object{{"en", "Trail shoes"}, {"it", "Scarpe da trail"}}},
               {"categories", array{"trail running"}},
               {"price", object{{"amount_minor", 4990}, {"currency", "EUR"}}},
               {"valid_from", now - 60},
               {"valid_until", now + 86400}};
  const auto file = daemon_->data_dir().parent_path() / "partial.json";
  std::ofstream(file) << boost::json::serialize(
      object{{"version", "lang-2"}, {"offers", array{offer}}});
  auto check = daemon_->CtlResult("catalog check " + file.string());
  EXPECT_EQ(check.exit_code, 1) << check.out;
  EXPECT_NE(check.out.find("/offers/0/title/es"), std::string::npos) << check.out;
  EXPECT_NE(check.out.find("missing-language"), std::string::npos) << check.out;
}

TEST_F(ApiLanguageTest, TheStoresInterestsAndTopicsAreLabelledInTheAnswersLanguage) {
  auto it = It("GET", "/v1/store", "");
  ASSERT_EQ(it.status, 200) << it.body;
  EXPECT_EQ(HeaderValue(it, "Content-Language"), "it");
  const boost::json::value body = it.json();
  const object& store = body.as_object();
  // The words stay the API's values; their labels are Italian.
  EXPECT_EQ(store.at("interests").as_array().at(1).as_string(), "trail running");
  EXPECT_EQ(store.at("interest_labels").as_object().at("trail running").as_string(),
            "corsa in montagna");
  EXPECT_EQ(store.at("assist_topics").as_array().at(0).as_string(), "sizing and fit");
  EXPECT_EQ(store.at("assist_topic_labels").as_object().at("sizing and fit").as_string(),
            "taglie e vestibilità");
  EXPECT_EQ(store.at("interest_labels").as_object().size(),
            store.at("interests").as_array().size());
  EXPECT_EQ(store.at("assist_topic_labels").as_object().size(),
            store.at("assist_topics").as_array().size());

  // In the store's default (English), each word is its own label.
  auto en = Send(daemon_->port(), "GET", "/v1/store", "");
  const boost::json::value en_body = en.json();
  for (const auto& t : en_body.as_object().at("assist_topics").as_array()) {
    EXPECT_EQ(en_body.as_object().at("assist_topic_labels").as_object().at(t.as_string()), t);
  }
}

}  // namespace
}  // namespace optin::testing::api_language_test
