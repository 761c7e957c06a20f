// Receipts that prove the text (issue 16 parts 5 and 6) through the shopper routes: each
// receipt names the notice version, the language picked from Accept-Language and the SHA-256 of
// the exact bytes GET /v1/notices/{version}?lang= serves; a material notice makes earlier grants
// need renewal, a non-material one keeps them.
#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include "api/notices_api.h"
#include "notices/canonical_json.h"
#include "notices/notice_holder.h"
#include "notices/notice_store.h"
#include "platform/crypto.h"
#include "platform/encoding.h"
#include "tests/unit/api/api_fixture.h"
#include "tests/unit/notices/notice_test_data.h"

namespace optin::testing::notice_receipts_test {
namespace {

namespace json = boost::json;
using notices::testing::TestRules;
using notices::testing::ValidNoticeJson;

class NoticeReceiptsTest : public ApiFixture {
 protected:
  NoticeReceiptsTest() : holder_({"en", "it", "de"}), notices_api_({*db_, holder_}) {
    InstallNotice(1, false);
    stack_->ledger->UseNotices(&holder_);
  }

  void InstallNotice(int64_t version, bool material) {
    auto notice = notices::ParseNotice(json::serialize(ValidNoticeJson(version, material)),
                                       TestRules({"en", "it", "de"}));
    ASSERT_TRUE(notice) << notice.error().message;
    auto admitted = db_->WriteSync<notices::Admission>([&](store::Connection& c) {
      return notices::NoticeStore::Admit(c, *notice, clock_.NowUnix());
    });
    ASSERT_TRUE(admitted) << admitted.error().message;
    holder_.Install(admitted->in_force);
  }

  Reply CheckInIn(std::string_view token, std::string_view accept_language, json::object purposes) {
    json::object body{{"presence_code", stack_->presence->Current()},
                      {"purposes", std::move(purposes)}};
    net::Request r = MakeRequest("POST", "/v1/checkins", Json(body), token);
    r.headers.emplace_back("accept-language", std::string(accept_language));
    return Call(&api::ShopperApi::CheckIn, std::move(r));
  }

  Reply PutConsentIn(std::string_view token, std::string_view purpose, bool granted,
                     std::string_view accept_language) {
    net::Request r = MakeRequest("PUT", "/v1/me/consents/" + std::string(purpose),
                                 Json(json::object{{"granted", granted}}), token);
    r.params.emplace("purpose", std::string(purpose));
    r.headers.emplace_back("accept-language", std::string(accept_language));
    return Call(&api::ShopperApi::PutConsent, std::move(r));
  }

  Reply GetNotice(std::string version, std::string query = {},
                  std::string_view accept_language = {}) {
    net::Request r =
        MakeRequest("GET", "/v1/notices/" + version + (query.empty() ? "" : "?" + query));
    r.params.emplace("version", version);
    if (!accept_language.empty()) {
      r.headers.emplace_back("accept-language", std::string(accept_language));
    }
    return CallHandler(
        [&](net::Request&& req, net::Responder s) {
          notices_api_.GetNotice(std::move(req), std::move(s));
        },
        std::move(r));
  }

  static const json::object& Purpose(const Reply& me, std::string_view id) {
    for (const auto& p : me.obj().at("purposes").as_array()) {
      if (p.at("purpose").as_string() == id) return p.as_object();
    }
    ADD_FAILURE() << "no purpose " << id;
    static const json::object kNone;
    return kNone;
  }

  notices::NoticeHolder holder_;
  api::NoticesApi notices_api_;
};

TEST_F(NoticeReceiptsTest, AReceiptsNoticeSha256IsTheHashOfTheItalianBytesServed) {
  const std::string token = MintAppToken("shopper-it");
  Reply in = CheckInIn(token, "it-CH, en;q=0.5", json::object{{"offers", true}});
  ASSERT_EQ(in.status, 201) << in.raw_body;
  const json::object& receipt = in.obj().at("receipt").at("payload").as_object();
  EXPECT_EQ(receipt.at("language").as_string(), "it");
  EXPECT_EQ(receipt.at("notice_version").as_int64(), 1);

  Reply served = GetNotice("1", "lang=it");
  ASSERT_EQ(served.status, 200) << served.raw_body;
  EXPECT_EQ(served.Header("Content-Language"), "it");
  // Recomputed here from the bytes on the wire, independently of the box's helper.
  EXPECT_EQ(receipt.at("notice_sha256").as_string(),
            platform::HexEncode(platform::Sha256(served.raw_body)));
  EXPECT_EQ(served.Header("ETag"),
            "\"" + std::string(receipt.at("notice_sha256").as_string()) + "\"");
  // The bytes are the canonical form of what they say, in Italian, for version 1.
  EXPECT_EQ(*notices::CanonicalJson(json::parse(served.raw_body)), served.raw_body);
  EXPECT_EQ(served.body.at("language").as_string(), "it");
  EXPECT_EQ(served.body.at("version").as_int64(), 1);
  // The signed JWS carries the same fields as the readable payload.
  auto jws = privacy::ParseJws(in.obj().at("receipt").at("jws").as_string());
  ASSERT_TRUE(jws);
  EXPECT_EQ(jws->payload.at("notice_sha256"), receipt.at("notice_sha256"));
}

TEST_F(NoticeReceiptsTest, GetMeShowsEachGrantsNoticeVersionAndLanguage) {
  const std::string token = MintAppToken("shopper-me");
  ASSERT_EQ(CheckInIn(token, "it", json::object{{"offers", true}}).status, 201);
  Reply consent = PutConsentIn(token, "assistance", true, "de-AT;q=0.9, fr;q=0.8");
  ASSERT_EQ(consent.status, 200) << consent.raw_body;
  const auto& payload = consent.obj().at("receipt").at("payload");
  EXPECT_EQ(payload.at("language").as_string(), "de");
  EXPECT_EQ(payload.at("notice_sha256").as_string(),
            platform::HexEncode(platform::Sha256(GetNotice("1", "lang=de").raw_body)));

  Reply me = GetMe(token);
  ASSERT_EQ(me.status, 200);
  EXPECT_EQ(Purpose(me, "offers").at("language").as_string(), "it");
  EXPECT_EQ(Purpose(me, "offers").at("notice_version").as_int64(), 1);
  EXPECT_EQ(Purpose(me, "assistance").at("language").as_string(), "de");
}

TEST_F(NoticeReceiptsTest, AGarbledOrForeignAcceptLanguageGivesTheStoreDefault) {
  const std::string a = MintAppToken("shopper-garbage");
  Reply garbage = CheckInIn(a, "!!;q=x", json::object{});
  ASSERT_EQ(garbage.status, 201) << garbage.raw_body;
  EXPECT_EQ(garbage.obj().at("receipt").at("payload").at("language").as_string(), "en");
  const std::string b = MintAppToken("shopper-ja");
  Reply ja = CheckInIn(b, "ja", json::object{});
  EXPECT_EQ(ja.obj().at("receipt").at("payload").at("language").as_string(), "en");
}

TEST_F(NoticeReceiptsTest, AMaterialNoticeMakesEarlierGrantsNeedRenewal) {
  const std::string token = MintAppToken("shopper-material");
  ASSERT_EQ(CheckInIn(token, "en", json::object{{"offers", true}}).status, 201);
  InstallNotice(2, true);
  Reply me = GetMe(token);
  EXPECT_EQ(Purpose(me, "offers").at("state").as_string(), "needs_renewal");
  EXPECT_EQ(Purpose(me, "presence").at("state").as_string(), "needs_renewal");
  EXPECT_FALSE(me.obj().at("renewal_required").as_array().empty());
  // Confirming under the new notice renews it.
  ASSERT_EQ(PutConsentIn(token, "presence", true, "en").status, 200);
  ASSERT_EQ(PutConsentIn(token, "offers", true, "en").status, 200);
  Reply renewed = GetMe(token);
  EXPECT_EQ(Purpose(renewed, "offers").at("state").as_string(), "granted");
  EXPECT_EQ(Purpose(renewed, "offers").at("notice_version").as_int64(), 2);
}

TEST_F(NoticeReceiptsTest, ANonMaterialNoticeKeepsEarlierGrants) {
  const std::string token = MintAppToken("shopper-minor");
  ASSERT_EQ(CheckInIn(token, "en", json::object{{"offers", true}}).status, 201);
  InstallNotice(2, false);
  Reply me = GetMe(token);
  EXPECT_EQ(Purpose(me, "offers").at("state").as_string(), "granted");
  EXPECT_EQ(Purpose(me, "offers").at("notice_version").as_int64(), 1);
  EXPECT_TRUE(me.obj().at("renewal_required").as_array().empty());
  // A later material version still counts from its own number: grants under 1 and 2 renew.
  InstallNotice(3, true);
  EXPECT_EQ(Purpose(GetMe(token), "offers").at("state").as_string(), "needs_renewal");
}

TEST_F(NoticeReceiptsTest, EveryVersionAReceiptNamesStaysServable) {
  const std::string token = MintAppToken("shopper-old");
  Reply in = CheckInIn(token, "it", json::object{});
  const std::string sha(in.obj().at("receipt").at("payload").at("notice_sha256").as_string());
  InstallNotice(2, true);
  Reply old = GetNotice("1", "lang=it");
  ASSERT_EQ(old.status, 200);
  EXPECT_EQ(platform::HexEncode(platform::Sha256(old.raw_body)), sha);
  Reply current = GetNotice("current", {}, "de");
  ASSERT_EQ(current.status, 200);
  EXPECT_EQ(current.Header("Content-Language"), "de");
  EXPECT_EQ(current.Header("Vary"), "Accept-Language");
  EXPECT_EQ(current.body.at("version").as_int64(), 2);
}

TEST_F(NoticeReceiptsTest, TheStoreInfoSpeaksTheRequestsLanguage) {
  net::Request r = MakeRequest("GET", "/v1/store");
  r.headers.emplace_back("accept-language", "it-IT,it;q=0.9,en;q=0.8");
  Reply store = Call(&api::SystemApi::StoreInfo, std::move(r));
  ASSERT_EQ(store.status, 200) << store.raw_body;
  EXPECT_EQ(store.Header("Content-Language"), "it");
  EXPECT_EQ(store.Header("Vary"), "Accept-Language");
  EXPECT_EQ(store.obj().at("language").as_string(), "it");
  const auto& notice = store.obj().at("notice");
  EXPECT_EQ(notice.at("version").as_int64(), 1);
  EXPECT_EQ(notice.at("sha256").as_string(),
            platform::HexEncode(platform::Sha256(GetNotice("1", "lang=it").raw_body)));
  for (const auto& p : store.obj().at("purposes").as_array()) {
    if (p.at("purpose").as_string() != "offers") continue;
    EXPECT_EQ(p.at("title").as_string(), "Offerte per te");
    EXPECT_EQ(p.at("description").as_string(),
              "Sceglie offerte dalla lista del negozio in base agli interessi che ci indichi.");
    EXPECT_TRUE(p.at("details").as_object().contains("how_long"));
  }
  net::Request garbage = MakeRequest("GET", "/v1/store");
  garbage.headers.emplace_back("accept-language", "\x01;;q");
  EXPECT_EQ(Call(&api::SystemApi::StoreInfo, std::move(garbage)).Header("Content-Language"), "en");
}

TEST_F(NoticeReceiptsTest, UnknownVersionsAndLanguagesAre404AndBadTags400) {
  EXPECT_EQ(GetNotice("9", "lang=it").status, 404);
  EXPECT_EQ(GetNotice("01").status, 404);
  EXPECT_EQ(GetNotice("one").status, 404);
  Reply nl = GetNotice("1", "lang=nl");
  EXPECT_EQ(nl.status, 404);
  EXPECT_NE(nl.raw_body.find("it"), std::string::npos);  // names the languages it has
  EXPECT_EQ(GetNotice("1", "lang=%3Cscript%3E").status, 400);
}

// Issue 16 part 4: the Kantara receipt's purpose text is the notice's summary in the receipt's
// language, not the built-in English description; its termination sentence is in it too.
TEST_F(NoticeReceiptsTest, AReceiptsPurposeTextsAreTheNoticesInItsLanguage) {
  Reply in = CheckInIn(MintAppToken("shopper-it-2"), "it", json::object{{"offers", true}});
  ASSERT_EQ(in.status, 201) << in.raw_body;
  const json::object& receipt = in.obj().at("receipt").at("payload").as_object();
  const json::object italian = json::parse(GetNotice("1", "lang=it").raw_body).as_object();
  const auto& words = italian.at("purposes").as_object();
  int checked = 0;
  for (const auto& service : receipt.at("services").as_array()) {
    for (const auto& p : service.at("purposes").as_array()) {
      const std::string id(p.at("purposeId").as_string());
      EXPECT_EQ(p.at("purpose"), words.at(id).at("summary")) << id;
      const std::string termination(p.at("termination").as_string());
      if (p.at("state").as_string() == "granted") {
        EXPECT_TRUE(termination.starts_with("Fino al ")) << termination;
      } else {
        EXPECT_EQ(termination, "Non in vigore.");
      }
      ++checked;
    }
  }
  EXPECT_EQ(checked, 6);
}

// Issue 16 part 4: nothing of GET /v1/store is left in English for an Italian shopper.
TEST_F(NoticeReceiptsTest, TheStoresDataWordsAndDefaultsAreInTheRequestsLanguage) {
  net::Request r = MakeRequest("GET", "/v1/store");
  r.headers.emplace_back("accept-language", "it");
  Reply store = Call(&api::SystemApi::StoreInfo, std::move(r));
  ASSERT_EQ(store.status, 200) << store.raw_body;
  for (const auto& p : store.obj().at("purposes").as_array()) {
    const bool presence = p.at("purpose").as_string() == "presence";
    EXPECT_EQ(p.at("default").as_string(), presence ? "chiesto alla registrazione" : "disattivato");
    if (p.at("purpose").as_string() == "name_to_staff") {
      EXPECT_EQ(p.at("data_used").as_string(), "nome");
    }
  }
}

}  // namespace
}  // namespace optin::testing::notice_receipts_test
