#include "notices/notice.h"

#include <gtest/gtest.h>

#include <boost/json/serialize.hpp>

#include "consent/purpose.h"
#include "notices/builtin_notice.h"
#include "notices/canonical_json.h"
#include "platform/random.h"
#include "privacy/jws.h"
#include "tests/unit/notices/notice_test_data.h"

namespace optin::notices::notice_test {
namespace {

using testing::TestFacts;
using testing::TestRules;
using testing::ValidNoticeJson;
namespace json = boost::json;

Result<Notice> Parse(const json::object& o, NoticeRules rules = TestRules()) {
  return ParseNotice(json::serialize(o), rules);
}

json::object& At(json::object& root, std::initializer_list<std::string_view> path) {
  json::object* o = &root;
  for (std::string_view k : path) o = &o->at(k).as_object();
  return *o;
}

void ExpectRefused(const Result<Notice>& r, std::string_view pointer, std::string_view reason) {
  ASSERT_FALSE(r) << "accepted; expected " << pointer;
  EXPECT_EQ(r.error().field, pointer) << r.error().message;
  EXPECT_EQ(r.error().reason, reason) << r.error().message;
  const std::string where = pointer.empty() ? std::string("/") : std::string(pointer);
  EXPECT_TRUE(r.error().message.starts_with(where + ":")) << r.error().message;
}

TEST(NoticeTest, AValidNoticeHasACanonicalTextAndItsHashPerLanguage) {
  auto n = Parse(ValidNoticeJson(2, true));
  ASSERT_TRUE(n) << n.error().message;
  EXPECT_EQ(n->version, 2);
  EXPECT_TRUE(n->material);
  EXPECT_EQ(n->source, "file");
  ASSERT_EQ(n->texts.size(), 5u);
  const NoticeText* it = n->Text("it");
  ASSERT_NE(it, nullptr);
  EXPECT_EQ(it->document.at("version").as_int64(), 2);
  EXPECT_EQ(it->document.at("language").as_string(), "it");
  EXPECT_EQ(it->document.at("controller").at("chain").as_string(), "Test Chain");
  EXPECT_EQ(it->canonical, *CanonicalJson(it->document));
  EXPECT_EQ(it->sha256, Sha256Hex(it->canonical));
  EXPECT_NE(it->sha256, n->Text("en")->sha256);
}

TEST(NoticeTest, AStoreLanguageWithoutATextIsRefusedNamingIt) {
  auto doc = ValidNoticeJson();
  At(doc, {"texts"}).erase("de");
  ExpectRefused(Parse(doc), "/texts/de", "missing-language");
}

TEST(NoticeTest, AMissingTextInOneLanguageIsRefusedWithItsPointer) {
  auto doc = ValidNoticeJson();
  At(doc, {"texts", "it", "purposes", "offers", "details"}).erase("how_long");
  ExpectRefused(Parse(doc), "/texts/it/purposes/offers/details/how_long", "missing-field");
  auto doc2 = ValidNoticeJson();
  At(doc2, {"texts", "es", "rights"}).erase("details");
  ExpectRefused(Parse(doc2), "/texts/es/rights/details", "missing-field");
  auto doc3 = ValidNoticeJson();
  At(doc3, {"texts", "fr", "purposes", "presence"})["title"] = "  ";
  ExpectRefused(Parse(doc3), "/texts/fr/purposes/presence/title", "too-short");
}

TEST(NoticeTest, AMemberNamedTwiceIsRefusedNamingItsPointer) {
  std::string text = json::serialize(ValidNoticeJson());
  const std::string controller = R"("controller":{)";
  const size_t at = text.find(controller);
  ASSERT_NE(at, std::string::npos);
  text.insert(at + controller.size(), R"("chain":"Another Chain",)");
  ExpectRefused(ParseNotice(text, TestRules()), "/controller/chain", "duplicate-member");
}

TEST(NoticeTest, AMissingPurposeIsRefused) {
  auto doc = ValidNoticeJson();
  At(doc, {"texts", "fr", "purposes"}).erase("history");
  ExpectRefused(Parse(doc), "/texts/fr/purposes/history", "missing-purpose");
}

TEST(NoticeTest, AnUnknownPurposeIsRefused) {
  auto doc = ValidNoticeJson();
  At(doc, {"texts", "en", "purposes"})["face_recognition"] =
      At(doc, {"texts", "en", "purposes", "offers"});
  ExpectRefused(Parse(doc), "/texts/en/purposes/face_recognition", "unknown-purpose");
}

TEST(NoticeTest, AnOlderVersionThanTheOneInForceIsRefused) {
  NoticeRules rules = TestRules();
  rules.version_in_force = 3;
  ExpectRefused(Parse(ValidNoticeJson(2), rules), "/version", "version-rollback");
  EXPECT_TRUE(Parse(ValidNoticeJson(3), rules));  // the same version: NoticeStore decides
  EXPECT_TRUE(Parse(ValidNoticeJson(4), rules));
}

TEST(NoticeTest, VersionMaterialAndControllerAreRequired) {
  auto doc = ValidNoticeJson();
  doc["version"] = 0;
  ExpectRefused(Parse(doc), "/version", "invalid-version");
  doc["version"] = "3";
  ExpectRefused(Parse(doc), "/version", "invalid-version");
  auto doc2 = ValidNoticeJson();
  doc2.erase("material");
  ExpectRefused(Parse(doc2), "/material", "missing-field");
  auto doc3 = ValidNoticeJson();
  At(doc3, {"controller"}).erase("store");
  ExpectRefused(Parse(doc3), "/controller/store", "missing-field");
}

TEST(NoticeTest, UnknownMembersBadTagsAndHiddenCharactersAreRefused) {
  auto doc = ValidNoticeJson();
  doc["colour"] = "blue";
  ExpectRefused(Parse(doc), "/colour", "unknown-member");
  auto doc2 = ValidNoticeJson();
  At(doc2, {"texts"})["english"] = At(doc2, {"texts", "en"});
  ExpectRefused(Parse(doc2), "/texts/english", "invalid-language");
  auto doc3 = ValidNoticeJson();
  At(doc3, {"texts", "de", "purposes", "history"})["summary"] = "Nothing \xE2\x80\xAE kept";
  ExpectRefused(Parse(doc3), "/texts/de/purposes/history/summary", "control-characters");
  ExpectRefused(ParseNotice("{not json", TestRules()), "", "malformed-json");
}

TEST(NoticeTest, ALanguageBeyondTheStoresIsKept) {
  NoticeRules rules = TestRules({"it", "en"});
  auto n = Parse(ValidNoticeJson(), rules);
  ASSERT_TRUE(n) << n.error().message;
  EXPECT_EQ(n->texts.size(), 5u);
}

class NoticeBundleTest : public ::testing::Test {
 protected:
  NoticeBundleTest()
      : random_(7),
        hq_(*platform::EcdsaPrivateKey::Generate(random_)),
        other_(*platform::EcdsaPrivateKey::Generate(random_)) {}

  std::string Sign(json::object payload, std::string_view typ = kNoticeBundleType,
                   const platform::EcdsaPrivateKey* key = nullptr) {
    return *privacy::SignJws(key ? *key : hq_, random_, "hq", typ, payload);
  }
  json::object Payload(int64_t version = 2) {
    json::object p = ValidNoticeJson(version);
    p["store_id"] = "store-1";
    p["expires_at"] = kNow + 3600;
    p["issued_at"] = kNow;
    return p;
  }
  Result<Notice> Verify(std::string_view jws, NoticeRules rules = TestRules()) {
    return VerifyNoticeBundle(jws, hq_.PublicKey(), rules, kNow, "store-1");
  }

  static constexpr int64_t kNow = 1'800'000'000;
  platform::SeededRandom random_;
  platform::EcdsaPrivateKey hq_;
  platform::EcdsaPrivateKey other_;
};

TEST_F(NoticeBundleTest, ASignedBundleForThisStoreIsAccepted) {
  auto n = Verify(Sign(Payload()) + "\n");
  ASSERT_TRUE(n) << n.error().message;
  EXPECT_EQ(n->source, "hq-bundle");
  EXPECT_EQ(n->store_id, "store-1");
  EXPECT_EQ(n->expires_at, kNow + 3600);
  // The texts are the same as the file's: the bundle members are not part of what is shown.
  EXPECT_EQ(n->Text("it")->sha256, Parse(ValidNoticeJson(2))->Text("it")->sha256);
}

TEST_F(NoticeBundleTest, ForgedExpiredMistypedOrForeignBundlesAreRefused) {
  EXPECT_EQ(Verify(Sign(Payload(), kNoticeBundleType, &other_)).error().reason, "bundle-signature");
  EXPECT_EQ(Verify(Sign(Payload(), "optin-catalog+jws")).error().reason, "bundle-type");
  EXPECT_EQ(Verify(Sign(Payload(), "JWT")).error().reason, "bundle-type");
  auto expired = Payload();
  expired["expires_at"] = kNow;
  EXPECT_EQ(Verify(Sign(expired)).error().reason, "bundle-expired");
  auto foreign = Payload();
  foreign["store_id"] = "store-2";
  EXPECT_EQ(Verify(Sign(foreign)).error().reason, "bundle-store");
  auto nameless = Payload();
  nameless.erase("store_id");
  ExpectRefused(Verify(Sign(nameless)), "/store_id", "missing-field");
  EXPECT_EQ(Verify("not.a.jws").error().reason, "bundle-malformed");
}

TEST_F(NoticeBundleTest, AValidlySignedOlderVersionIsRefused) {
  NoticeRules rules = TestRules();
  rules.version_in_force = 5;
  ExpectRefused(Verify(Sign(Payload(4)), rules), "/version", "version-rollback");
}

TEST_F(NoticeBundleTest, ABundlesContentIsCheckedLikeAFiles) {
  auto p = Payload();
  At(p, {"texts"}).erase("es");
  ExpectRefused(Verify(Sign(p)), "/texts/es", "missing-language");
}

TEST(BuiltInNoticeTest, HasEveryPurposeOfTheBoxInFiveLanguages) {
  std::vector<std::string> ids;
  for (auto p : consent::kAllPurposes) ids.emplace_back(consent::ToString(p));
  EXPECT_EQ(ids, TestRules().purposes);
  auto n = BuiltInNotice(TestFacts(), TestRules());
  ASSERT_TRUE(n) << n.error().message;
  EXPECT_EQ(n->version, 1);
  EXPECT_FALSE(n->material);
  EXPECT_EQ(n->source, "built-in");
  EXPECT_EQ(BuiltInLanguages(), (std::vector<std::string>{"en", "it", "es", "de", "fr"}));
  for (const auto& lang : BuiltInLanguages()) {
    const NoticeText* t = n->Text(lang);
    ASSERT_NE(t, nullptr) << lang;
    EXPECT_EQ(t->document.at("purposes").as_object().size(), 6u) << lang;
    // Short first: the overview and each purpose's summary fit one phone screen.
    size_t short_chars = t->document.at("summary").as_string().size();
    for (const auto& kv : t->document.at("purposes").as_object()) {
      short_chars +=
          kv.value().at("title").as_string().size() + kv.value().at("summary").as_string().size();
    }
    EXPECT_LT(short_chars, 1200u) << lang;
    // No placeholder is left unfilled.
    for (std::string_view p : {"{store}", "{visit_minutes}", "{ended_hours}", "{history_days}",
                               "{consent_days}", "{period}", "{contact}"}) {
      EXPECT_EQ(t->canonical.find(p), std::string::npos) << lang << " " << p;
    }
  }
}

TEST(BuiltInNoticeTest, StatesTheConfiguredRetentionAndContact) {
  BuiltInFacts f = TestFacts("Negozio Centro");
  f.visit_max_minutes = 90;
  f.ended_visit_hours = 12;
  f.history_days = 30;
  f.hq_period_minutes = 30;
  auto n = BuiltInNotice(f, TestRules());
  ASSERT_TRUE(n) << n.error().message;
  const auto& it = n->Text("it")->document;
  EXPECT_EQ(it.at("title").as_string(), "La tua privacy da Negozio Centro");
  const auto& how_long = it.at("purposes").at("presence").at("details").at("how_long");
  EXPECT_NE(how_long.as_string().find("90 minuti"), std::string::npos) << how_long;
  EXPECT_NE(how_long.as_string().find("12 ore"), std::string::npos) << how_long;
  EXPECT_NE(how_long.as_string().find("30 giorni"), std::string::npos) << how_long;
  const auto& who = n->Text("en")->document.at("purposes").at("hq_aggregates").at("details");
  EXPECT_NE(who.at("how_long").as_string().find("every 30 minutes"), std::string::npos);
  f.hq_period_minutes = 1440;
  auto daily = BuiltInNotice(f, TestRules());
  EXPECT_NE(daily->Text("fr")->canonical.find("toutes les 24 heures"), std::string::npos);
  EXPECT_NE(
      n->Text("de")->document.at("rights").at("details").as_string().find("privacy@store.example"),
      std::string::npos);
}

TEST(BuiltInNoticeTest, AStoreLanguageWithoutABuiltInTextIsRefusedNamingTheSetting) {
  auto n = BuiltInNotice(TestFacts(), TestRules({"en", "nl"}));
  ASSERT_FALSE(n);
  EXPECT_EQ(n.error().field, "store.languages");
  EXPECT_EQ(n.error().reason, "no-built-in-text");
}

}  // namespace
}  // namespace optin::notices::notice_test
