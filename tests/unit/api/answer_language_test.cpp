// Problems in the caller's language (issue 16 part 4): the public router's answer filter picks a
// store language from Accept-Language and rewrites each /v1/ problem's title and detail from the
// API text catalog, keeping its type, status and field, with Content-Language and Vary.
#include "api/answer_language.h"

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <optional>
#include <string>

#include "api/problem.h"
#include "net/router.h"

namespace optin::api::answer_language_test {
namespace {

std::string HeaderOf(const net::Response& r, std::string_view name) {
  for (const auto& [k, v] : r.headers) {
    if (k == name) return v;
  }
  return {};
}

// Dispatches `path` through a router whose only route answers with `error`'s problem.
net::Response Answer(const Error& error, std::string accept_language,
                     std::vector<std::string> languages = {"en", "it", "es", "de", "fr"},
                     std::string path = "/v1/thing") {
  net::Router router;
  router.SetAnswerFilter(AnswerLanguage(std::move(languages)).Filter());
  router.Add("GET", "/v1/thing",
             [error](net::Request&&, net::Responder respond) { respond(ProblemResponse(error)); });
  router.Add("GET", "/healthz",
             [error](net::Request&&, net::Responder respond) { respond(ProblemResponse(error)); });
  net::Request request;
  request.method = "GET";
  request.path = path;
  request.target = path;
  if (!accept_language.empty()) request.headers.emplace_back("accept-language", accept_language);
  std::optional<net::Response> out;
  router.Dispatch(std::move(request),
                  net::Responder([&out](net::Response r) { out = std::move(r); }));
  EXPECT_TRUE(out.has_value());
  return out.value_or(net::Response{});
}

boost::json::object BodyOf(const net::Response& r) {
  return boost::json::parse(r.body).as_object();
}

const Error kMissingTopic{ErrorCode::kInvalidArgument, "'topic' is required.", "/topic",
                          "missing-field"};

TEST(AnswerLanguageTest, AValidationProblemIsInItalianWithItsTypeAndFieldKept) {
  auto r = Answer(kMissingTopic, "it-IT,it;q=0.9,en;q=0.5");
  auto body = BodyOf(r);
  EXPECT_EQ(body.at("type").as_string(), "urn:optin-edge:problem:missing-field");
  EXPECT_EQ(body.at("status").as_int64(), 400);
  EXPECT_EQ(body.at("field").as_string(), "/topic");
  EXPECT_EQ(body.at("title").as_string(), "Richiesta non valida");
  EXPECT_EQ(body.at("detail").as_string(), "Il campo /topic è obbligatorio.");
  EXPECT_EQ(HeaderOf(r, "Content-Language"), "it");
  EXPECT_EQ(HeaderOf(r, "Vary"), "Accept-Language");
  EXPECT_EQ(r.problem, "missing-field");
}

TEST(AnswerLanguageTest, EnglishKeepsTheDomainsOwnSentence) {
  auto r = Answer(kMissingTopic, "en");
  EXPECT_EQ(BodyOf(r).at("detail").as_string(), "'topic' is required.");
  EXPECT_EQ(BodyOf(r).at("title").as_string(), "Bad request");
  EXPECT_EQ(HeaderOf(r, "Content-Language"), "en");
}

TEST(AnswerLanguageTest, AnUnknownLanguageWithEverythingElseRefusedFallsBackToTheDefault) {
  auto r = Answer(kMissingTopic, "xx, *;q=0", {"de", "en"});
  EXPECT_EQ(HeaderOf(r, "Content-Language"), "de");
  EXPECT_EQ(BodyOf(r).at("title").as_string(), "Ungültige Anfrage");
  // Garbage is ignored, never an error: the default again.
  auto g = Answer(kMissingTopic, ";;;q=banana,\x01", {"fr", "en"});
  EXPECT_EQ(g.status, 400);
  EXPECT_EQ(HeaderOf(g, "Content-Language"), "fr");
  EXPECT_EQ(BodyOf(g).at("detail").as_string(), "Le champ /topic est obligatoire.");
}

TEST(AnswerLanguageTest, TheForbiddenFieldTitleStaysThatKindOfTitle) {
  auto r = Answer(Error{ErrorCode::kForbiddenField, "never", "/age", "forbidden-field"}, "es");
  EXPECT_EQ(r.status, 422);
  EXPECT_EQ(BodyOf(r).at("title").as_string(), "Campo nunca aceptado");
  EXPECT_EQ(BodyOf(r).at("detail").as_string(),
            "El campo /age nunca se acepta: esta tienda no recoge datos de ese tipo.");
}

TEST(AnswerLanguageTest, AProblemWithoutItsOwnTextSaysTheStatusAndNamesTheField) {
  auto r = Answer(Error{ErrorCode::kInvalidArgument, "odd", "/x", "some-new-reason"}, "fr");
  EXPECT_EQ(BodyOf(r).at("title").as_string(), "Requête non valide");
  EXPECT_EQ(BodyOf(r).at("detail").as_string(),
            "La requête n'est pas valide. Vérifiez-la et envoyez-la à nouveau. (Champ : /x)");
}

TEST(AnswerLanguageTest, AnInternalFailureSaysOnlyThePlainSentence) {
  auto r = Answer(Error{ErrorCode::kInternal, "sqlite said something", {}, "internal"}, "de");
  EXPECT_EQ(r.status, 500);
  EXPECT_EQ(BodyOf(r).at("detail").as_string(),
            "Das Gerät konnte die Anfrage nicht ausführen. Es wurde nichts geändert.");
}

TEST(AnswerLanguageTest, RateLimitedNotFoundAndConflictAreInItalian) {
  auto limited = Answer(Error{ErrorCode::kResourceExhausted, "Wait.", {}, "rate-limited"}, "it");
  EXPECT_EQ(limited.status, 429);
  EXPECT_EQ(BodyOf(limited).at("title").as_string(), "Troppe richieste");
  EXPECT_FALSE(HeaderOf(limited, "Retry-After").empty());
  auto missing = Answer(Error{ErrorCode::kNotFound, "No.", {}, "help-request-not-found"}, "it");
  EXPECT_EQ(BodyOf(missing).at("detail").as_string(),
            "Non hai nessuna richiesta di aiuto con questo id.");
  auto conflict = Answer(Error{ErrorCode::kConflict, "Open.", {}, "help-request-open"}, "it");
  EXPECT_EQ(BodyOf(conflict).at("title").as_string(), "Conflitto");
}

TEST(AnswerLanguageTest, RoutesOutsideTheApiAreLeftAlone) {
  auto r = Answer(kMissingTopic, "it", {"en", "it"}, "/healthz");
  EXPECT_EQ(BodyOf(r).at("detail").as_string(), "'topic' is required.");
  EXPECT_EQ(HeaderOf(r, "Content-Language"), "");
}

TEST(AnswerLanguageTest, TheRoutersOwnNotFoundIsInTheCallersLanguage) {
  auto r = Answer(kMissingTopic, "de", {"en", "de"}, "/v1/nothing-here");
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(BodyOf(r).at("title").as_string(), "Nicht gefunden");
  EXPECT_EQ(BodyOf(r).at("detail").as_string(), "Unter dieser Adresse gibt es nichts.");
}

TEST(AnswerLanguageTest, VaryKeepsTheHeadersItNamedAndAddsAcceptLanguage) {
  net::Response r = ProblemResponse(kMissingTopic);
  r.headers.emplace_back("Vary", "Origin");
  AnswerLanguage::Localize(r, "it");
  EXPECT_EQ(HeaderOf(r, "Vary"), "Origin, Accept-Language");
  // A success answer that says its language is marked too; one that does not is left alone.
  net::Response worded = net::Response::Json(200, "{}");
  worded.headers.emplace_back("Content-Language", "it");
  AnswerLanguage::Localize(worded, "it");
  EXPECT_EQ(HeaderOf(worded, "Vary"), "Accept-Language");
  net::Response plain = net::Response::Json(200, "{}");
  AnswerLanguage::Localize(plain, "it");
  EXPECT_TRUE(plain.headers.empty());
}

}  // namespace
}  // namespace optin::api::answer_language_test
