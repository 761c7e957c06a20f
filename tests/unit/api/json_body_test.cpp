// Reading request bodies: media type, JSON syntax, depth, and the fields the product never
// accepts (PRODUCT.md lines 1 and 2), wherever they are nested.
#include "api/json_body.h"

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <string>

#include "api/problem.h"

namespace optin::api::json_body_test {
namespace {

boost::json::value Parse(std::string_view text) { return boost::json::parse(text); }

net::Request JsonRequest(std::string body, std::string content_type = "application/json") {
  net::Request r;
  r.method = "POST";
  r.path = "/v1/checkins";
  r.body = std::move(body);
  if (!content_type.empty()) r.headers.emplace_back("content-type", std::move(content_type));
  return r;
}

// A base64 JPEG (it starts with the SOI marker, "/9j/"), long enough to be an image.
std::string Base64Jpeg() { return "/9j/4AAQSkZJRgABAQEASABIAAD" + std::string(200, 'A'); }

// --- FindForbiddenField ---------------------------------------------------------------------

class ForbiddenNameTest : public ::testing::TestWithParam<std::string> {};

TEST_P(ForbiddenNameTest, TopLevelNameIsRefusedWithItsPointer) {
  boost::json::object o{{"presence_code", "ABCD1234"}, {GetParam(), "x"}};
  auto e = FindForbiddenField(o);
  ASSERT_TRUE(e.has_value()) << GetParam() << " was accepted";
  EXPECT_EQ(e->code, ErrorCode::kForbiddenField);
  EXPECT_EQ(e->field, "/" + GetParam());
  EXPECT_EQ(e->reason, "forbidden-field");
  EXPECT_NE(e->message.find(GetParam()), std::string::npos) << e->message;
}

TEST_P(ForbiddenNameTest, NameNestedInObjectsAndArraysIsRefusedWithItsPointer) {
  boost::json::value v = Parse(R"({"profile": [{"nickname": "Sam"}, {"extra": {}}]})");
  v.as_object()["profile"].as_array()[1].as_object()["extra"].as_object()[GetParam()] = 1;
  auto e = FindForbiddenField(v);
  ASSERT_TRUE(e.has_value()) << GetParam() << " was accepted when nested";
  EXPECT_EQ(e->field, "/profile/1/extra/" + GetParam());
}

INSTANTIATE_TEST_SUITE_P(DemographicsBiometricsImagesAndDeviceIds, ForbiddenNameTest,
                         ::testing::Values("age", "birthDate", "birth_date", "dob", "sex", "gender",
                                           "ethnicity", "race", "face_image", "faceEmbedding",
                                           "photo", "selfie", "biometrics", "fingerprint",
                                           "macAddress", "device_mac", "Gender", "userAge", "DOB",
                                           "MACAddress"));

class HarmlessNameTest : public ::testing::TestWithParam<std::string> {};

TEST_P(HarmlessNameTest, NameThatOnlyContainsAForbiddenWordIsAccepted) {
  boost::json::object o{{GetParam(), "x"}, {"nested", boost::json::object{{GetParam(), 1}}}};
  auto e = FindForbiddenField(o);
  EXPECT_FALSE(e.has_value()) << GetParam() << " was refused as " << e->field;
}

INSTANTIATE_TEST_SUITE_P(CommonWords, HarmlessNameTest,
                         ::testing::Values("language", "page", "message", "usage", "stage",
                                           "race_pace", "storage", "imagination_level",
                                           "presence_code", "purposes", "interests", "topic",
                                           "expertise", "note", "racing", "manager"));

TEST(FindForbiddenField, ForbiddenNameInsideAnArrayOfProfilesGivesTheFullPointer) {
  auto e = FindForbiddenField(Parse(R"({"profile": [{"birthDate": "1990-01-01"}]})"));
  ASSERT_TRUE(e.has_value());
  EXPECT_EQ(e->field, "/profile/0/birthDate");
  EXPECT_EQ(e->code, ErrorCode::kForbiddenField);
}

TEST(FindForbiddenField, PointerEscapesSlashAndTildeInMemberNames) {
  auto e = FindForbiddenField(Parse(R"({"a/b": {"c~d": {"gender": "x"}}})"));
  ASSERT_TRUE(e.has_value());
  EXPECT_EQ(e->field, "/a~1b/c~0d/gender");
}

TEST(FindForbiddenField, DataUrlImageValueIsRefusedWhereverItIs) {
  auto e = FindForbiddenField(
      Parse(R"({"note": "hello", "attachments": ["ok", "data:image/png;base64,iVBORw0KGgo="]})"));
  ASSERT_TRUE(e.has_value());
  EXPECT_EQ(e->code, ErrorCode::kForbiddenField);
  EXPECT_EQ(e->field, "/attachments/1");
  EXPECT_EQ(e->reason, "image-refused");
}

TEST(FindForbiddenField, ImageDataUrlIsRefusedWhateverItsCaseAndLeadingWhitespace) {
  for (std::string note : {"DATA:image/png;base64,iVBORw0KGgo", " data:image/png;base64,AAAA",
                           "\tData:Image/JPEG;base64,/9j/", "see this: data:image/gif;base64,R0lG",
                           "\n DATA:VIDEO/mp4;base64,AAAA"}) {
    auto e = FindForbiddenField(boost::json::object{{"note", note}});
    ASSERT_TRUE(e.has_value()) << note;
    EXPECT_EQ(e->reason, "image-refused");
    EXPECT_EQ(e->field, "/note");
  }
  EXPECT_TRUE(FindForbiddenField(boost::json::object{{"note", "  " + Base64Jpeg()}}).has_value());
  EXPECT_FALSE(FindForbiddenField(boost::json::object{{"note", "my data: image is blurry"}}));
}

TEST(FindForbiddenField, LongBase64JpegValueIsRefusedUnderAnInnocentName) {
  boost::json::object o{{"note", Base64Jpeg()}};
  auto e = FindForbiddenField(o);
  ASSERT_TRUE(e.has_value());
  EXPECT_EQ(e->field, "/note");
  EXPECT_EQ(e->reason, "image-refused");
}

TEST(FindForbiddenField, LongBase64PngValueIsRefused) {
  boost::json::object o{{"x", "iVBORw0KGgoAAAANSUhEUgAA" + std::string(100, 'B')}};
  EXPECT_TRUE(FindForbiddenField(o).has_value());
}

TEST(FindForbiddenField, OrdinaryTextAndShortSlashStringsAreAccepted) {
  boost::json::object o{{"note", "I need size 42 trail shoes, /9j/ is just text"},
                        {"path", "/9j/abc"},
                        {"long", std::string(500, 'a')},
                        {"numbers", boost::json::array{1, 2.5, true, nullptr}}};
  EXPECT_FALSE(FindForbiddenField(o).has_value());
}

TEST(FindForbiddenField, ScalarsAndEmptyContainersHaveNothingForbidden) {
  EXPECT_FALSE(FindForbiddenField(Parse("42")).has_value());
  EXPECT_FALSE(FindForbiddenField(Parse("[]")).has_value());
  EXPECT_FALSE(FindForbiddenField(Parse("{}")).has_value());
}

// --- CheckQueryForForbiddenFields -----------------------------------------------------------

TEST(CheckQueryForForbiddenFields, ForbiddenParameterIsRefusedNamingIt) {
  auto s = CheckQueryForForbiddenFields("page=2&age=30&language=en");
  ASSERT_FALSE(s.has_value());
  EXPECT_EQ(s.error().code, ErrorCode::kForbiddenField);
  EXPECT_EQ(s.error().field, "?age");
  EXPECT_EQ(HttpStatusFor(s.error()), 422);
}

TEST(CheckQueryForForbiddenFields, ParameterWithoutValueIsStillChecked) {
  auto s = CheckQueryForForbiddenFields("download=1&selfie");
  ASSERT_FALSE(s.has_value());
  EXPECT_EQ(s.error().field, "?selfie");
}

TEST(CheckQueryForForbiddenFields, HarmlessParametersAndEmptyQueryAreAccepted) {
  EXPECT_TRUE(CheckQueryForForbiddenFields("").has_value());
  EXPECT_TRUE(CheckQueryForForbiddenFields("download=1").has_value());
  EXPECT_TRUE(CheckQueryForForbiddenFields("language=en&page=3&usage=full&").has_value());
}

// --- ParseJsonBody --------------------------------------------------------------------------

TEST(ParseJsonBody, JsonObjectIsReturned) {
  auto body = ParseJsonBody(JsonRequest(R"({"presence_code": "ABCD1234", "purposes": {}})"));
  ASSERT_TRUE(body.has_value()) << body.error().message;
  EXPECT_EQ(body->at("presence_code").as_string(), "ABCD1234");
}

TEST(ParseJsonBody, MediaTypeParametersAreAllowed) {
  auto body = ParseJsonBody(JsonRequest("{}", "application/json; charset=utf-8"));
  EXPECT_TRUE(body.has_value());
}

TEST(ParseJsonBody, WrongContentTypeIsUnsupportedMediaType415) {
  auto body = ParseJsonBody(JsonRequest("{}", "text/plain"));
  ASSERT_FALSE(body.has_value());
  EXPECT_EQ(body.error().reason, "unsupported-media-type");
  EXPECT_EQ(HttpStatusFor(body.error()), 415);
}

TEST(ParseJsonBody, MissingContentTypeIsUnsupportedMediaType415) {
  auto body = ParseJsonBody(JsonRequest("{}", ""));
  ASSERT_FALSE(body.has_value());
  EXPECT_EQ(body.error().reason, "unsupported-media-type");
  EXPECT_EQ(HttpStatusFor(body.error()), 415);
}

TEST(ParseJsonBody, FormEncodedBodyIsRefusedEvenIfItLooksLikeJson) {
  auto body = ParseJsonBody(JsonRequest("{}", "application/x-www-form-urlencoded"));
  ASSERT_FALSE(body.has_value());
  EXPECT_EQ(HttpStatusFor(body.error()), 415);
}

TEST(ParseJsonBody, MalformedJsonIs400MalformedJson) {
  for (std::string bad : {"{", "{\"a\": }", "not json", "{\"a\": 1} trailing", ""}) {
    auto body = ParseJsonBody(JsonRequest(bad));
    ASSERT_FALSE(body.has_value()) << bad;
    EXPECT_EQ(body.error().reason, "malformed-json") << bad;
    EXPECT_EQ(HttpStatusFor(body.error()), 400) << bad;
  }
}

TEST(ParseJsonBody, NonObjectBodyIs400) {
  for (std::string not_object : {"[1, 2]", "\"text\"", "42", "null", "true"}) {
    auto body = ParseJsonBody(JsonRequest(not_object));
    ASSERT_FALSE(body.has_value()) << not_object;
    EXPECT_EQ(body.error().code, ErrorCode::kInvalidArgument);
    EXPECT_EQ(HttpStatusFor(body.error()), 400) << not_object;
  }
}

TEST(ParseJsonBody, DeeplyNestedBodyIsRefusedBeyondTheDepthLimit) {
  auto nested = [](int depth) {
    std::string s;
    for (int i = 0; i < depth; ++i) s += "{\"a\":";
    s += "1";
    for (int i = 0; i < depth; ++i) s += "}";
    return s;
  };
  EXPECT_TRUE(ParseJsonBody(JsonRequest(nested(10))).has_value());
  auto deep = ParseJsonBody(JsonRequest(nested(1000)));
  ASSERT_FALSE(deep.has_value());
  EXPECT_EQ(deep.error().reason, "malformed-json");
  EXPECT_EQ(HttpStatusFor(deep.error()), 400);
  auto just_over = ParseJsonBody(JsonRequest(nested(17)));
  EXPECT_FALSE(just_over.has_value());
}

TEST(ParseJsonBody, ForbiddenFieldIs422WithItsPointer) {
  auto body = ParseJsonBody(JsonRequest(R"({"purposes": {}, "profile": [{"birthDate": "x"}]})"));
  ASSERT_FALSE(body.has_value());
  EXPECT_EQ(body.error().code, ErrorCode::kForbiddenField);
  EXPECT_EQ(body.error().field, "/profile/0/birthDate");
  EXPECT_EQ(HttpStatusFor(body.error()), 422);
}

TEST(ParseJsonBody, ImageInsideANonObjectBodyIsStillRefusedAsForbidden) {
  auto body = ParseJsonBody(JsonRequest(R"(["data:image/jpeg;base64,AAAA"])"));
  ASSERT_FALSE(body.has_value());
  EXPECT_EQ(HttpStatusFor(body.error()), 422);
  EXPECT_EQ(body.error().field, "/0");
}

TEST(ParseJsonBody, EmptyBodyIsAnEmptyObjectOnlyWhenAllowed) {
  auto allowed = ParseJsonBody(JsonRequest("", ""), /*allow_empty=*/true);
  ASSERT_TRUE(allowed.has_value());
  EXPECT_TRUE(allowed->empty());
  EXPECT_FALSE(ParseJsonBody(JsonRequest("", "application/json")).has_value());
}

// --- RequireOnlyMembers, OptionalString, RequiredBool ---------------------------------------

TEST(RequireOnlyMembers, UnknownMemberIsRefusedWithItsPointer) {
  boost::json::object o{{"granted", true}, {"grnated", false}};
  auto s = RequireOnlyMembers(o, {"granted"});
  ASSERT_FALSE(s.has_value());
  EXPECT_EQ(s.error().field, "/grnated");
  EXPECT_EQ(s.error().reason, "unknown-field");
  EXPECT_EQ(HttpStatusFor(s.error()), 400);
}

TEST(RequireOnlyMembers, PointerPrefixIsPrepended) {
  boost::json::object o{{"topic", "yoga"}, {"level", "x"}};
  auto s = RequireOnlyMembers(o, {"topic", "expertise"}, "/interests/3");
  ASSERT_FALSE(s.has_value());
  EXPECT_EQ(s.error().field, "/interests/3/level");
}

TEST(RequireOnlyMembers, KnownMembersAndEmptyObjectAreAccepted) {
  EXPECT_TRUE(RequireOnlyMembers({{"topic", "yoga"}}, {"topic", "expertise"}).has_value());
  EXPECT_TRUE(RequireOnlyMembers({}, {"topic"}).has_value());
}

TEST(OptionalString, AbsentOrNullIsNothing) {
  auto absent = OptionalString({}, "note", 10);
  ASSERT_TRUE(absent.has_value());
  EXPECT_FALSE(absent->has_value());
  auto null = OptionalString({{"note", nullptr}}, "note", 10);
  ASSERT_TRUE(null.has_value());
  EXPECT_FALSE(null->has_value());
}

TEST(OptionalString, StringUpToTheLimitIsReturned) {
  auto s = OptionalString({{"note", "0123456789"}}, "note", 10);
  ASSERT_TRUE(s.has_value());
  EXPECT_EQ(**s, "0123456789");
  auto unicode = OptionalString({{"note", "caf\xC3\xA9"}}, "note", 10);
  ASSERT_TRUE(unicode.has_value());
  EXPECT_EQ(**unicode, "caf\xC3\xA9");
}

TEST(OptionalString, TooLongIsRefusedNamingTheField) {
  auto s = OptionalString({{"note", "01234567890"}}, "note", 10, "/help");
  ASSERT_FALSE(s.has_value());
  EXPECT_EQ(s.error().reason, "too-long");
  EXPECT_EQ(s.error().field, "/help/note");
  EXPECT_EQ(HttpStatusFor(s.error()), 400);
}

TEST(OptionalString, ControlCharactersAreRefused) {
  for (std::string bad :
       {std::string("line\nbreak"), std::string("tab\there"), std::string("nul\0x", 5),
        std::string("del\x7f"), std::string("esc\x1b[31m")}) {
    auto s = OptionalString({{"note", bad}}, "note", 100);
    ASSERT_FALSE(s.has_value()) << "accepted a control character";
    EXPECT_EQ(s.error().reason, "control-characters");
    EXPECT_EQ(s.error().field, "/note");
  }
}

TEST(OptionalString, NonStringIsRefused) {
  auto s = OptionalString({{"note", 12}}, "note", 100);
  ASSERT_FALSE(s.has_value());
  EXPECT_EQ(s.error().reason, "invalid-type");
  EXPECT_EQ(s.error().field, "/note");
}

TEST(WrongType, NamesTheFieldTheExpectedTypeAndTheTypeSent) {
  struct Case {
    boost::json::value sent;
    std::string_view words;
  };
  for (const Case& c :
       {Case{boost::json::value(2468), "a number"}, Case{boost::json::value(24.5), "a number"},
        Case{boost::json::value(true), "true or false"},
        Case{boost::json::value(boost::json::array{1}), "a list"},
        Case{boost::json::value(boost::json::object{}), "an object"}}) {
    auto s = RequiredString({{"pin", c.sent}}, "pin", 12);
    ASSERT_FALSE(s.has_value()) << boost::json::serialize(c.sent);
    EXPECT_EQ(s.error().reason, "invalid-type");
    EXPECT_EQ(s.error().field, "/pin");
    EXPECT_EQ(s.error().message,
              "'pin' must be a string (in quotes), not " + std::string(c.words) + ".");
    EXPECT_EQ(HttpStatusFor(s.error()), 400);
  }
  auto b = RequiredBool({{"granted", "yes"}}, "granted", "/x");
  ASSERT_FALSE(b.has_value());
  EXPECT_EQ(b.error().message, "'granted' must be true or false, not a string.");
  EXPECT_EQ(b.error().field, "/x/granted");
}

TEST(RequiredString, MissingNullOrEmptyIsAMissingField) {
  for (const boost::json::object& o : {boost::json::object{}, boost::json::object{{"pin", nullptr}},
                                       boost::json::object{{"pin", ""}}}) {
    auto s = RequiredString(o, "pin", 12);
    ASSERT_FALSE(s.has_value()) << boost::json::serialize(o);
    EXPECT_EQ(s.error().reason, "missing-field");
    EXPECT_EQ(s.error().field, "/pin");
  }
  EXPECT_EQ(RequiredString({{"pin", "2468"}}, "pin", 12).value_or(""), "2468");
  EXPECT_EQ(RequiredString({{"pin", "1234567890123"}}, "pin", 12).error().reason, "too-long");
}

TEST(RequiredBool, TrueAndFalseAreReturned) {
  EXPECT_EQ(RequiredBool({{"granted", true}}, "granted"), true);
  EXPECT_EQ(RequiredBool({{"granted", false}}, "granted"), false);
}

TEST(RequiredBool, MissingIsRefusedNamingTheField) {
  auto b = RequiredBool({}, "granted");
  ASSERT_FALSE(b.has_value());
  EXPECT_EQ(b.error().reason, "missing-field");
  EXPECT_EQ(b.error().field, "/granted");
}

TEST(RequiredBool, StringsNumbersAndNullAreNotBooleans) {
  for (boost::json::value v :
       {boost::json::value("true"), boost::json::value(1), boost::json::value(nullptr)}) {
    auto b = RequiredBool({{"granted", v}}, "granted");
    ASSERT_FALSE(b.has_value()) << boost::json::serialize(v);
    EXPECT_EQ(b.error().reason, "invalid-type");
    EXPECT_EQ(b.error().field, "/granted");
  }
}

TEST(ParseJsonBody, MediaTypeComparesCaseInsensitivelyWithParameters) {
  for (std::string type :
       {"Application/JSON; charset=utf-8", "APPLICATION/JSON", " application/json ;q=1"}) {
    auto body = ParseJsonBody(JsonRequest(R"({"a":1})", type));
    ASSERT_TRUE(body.has_value()) << type << ": " << body.error().message;
  }
  auto other = ParseJsonBody(JsonRequest(R"({"a":1})", "Application/JSON-patch+json"));
  ASSERT_FALSE(other.has_value());
  EXPECT_EQ(other.error().reason, "unsupported-media-type");
}

TEST(ParseJsonBody, DuplicateMemberIsRefusedWithItsPointer) {
  auto body = ParseJsonBody(JsonRequest(R"({"presence_code":"A","presence_code":"B"})"));
  ASSERT_FALSE(body.has_value());
  EXPECT_EQ(body.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(body.error().reason, "duplicate-member");
  EXPECT_EQ(body.error().field, "/presence_code");
  EXPECT_EQ(HttpStatusFor(body.error()), 400);
}

TEST(ParseJsonBody, NestedDuplicateNamesTheFullPointer) {
  auto body =
      ParseJsonBody(JsonRequest(R"({"list":[{"b":1},{"a/b":[1,{"c":0}],"b":1,"a/b":2}],"b":3})"));
  ASSERT_FALSE(body.has_value());
  EXPECT_EQ(body.error().field, "/list/1/a~1b");
}

TEST(ParseJsonBody, DuplicateSpelledWithEscapesIsStillADuplicate) {
  auto body = ParseJsonBody(JsonRequest(R"({"alg":"none","\u0061lg":"ES256"})"));
  ASSERT_FALSE(body.has_value());
  EXPECT_EQ(body.error().reason, "duplicate-member");
  EXPECT_EQ(body.error().field, "/alg");
}

TEST(ParseJsonBody, TheSameNameInDifferentObjectsAndInStringsIsAccepted) {
  auto body = ParseJsonBody(
      JsonRequest(R"({"a":{"x":1},"b":{"x":"\"x\":1,"},"c":[{"x":1},{"x":2}],"d":"a"})"));
  EXPECT_TRUE(body.has_value()) << body.error().message;
}

}  // namespace
}  // namespace optin::api::json_body_test
