#include "notices/api_texts.h"

#include <gtest/gtest.h>

#include <set>
#include <string>

#include "consent/purpose.h"

namespace optin::notices::api_texts_test {
namespace {

TEST(ApiTextsTest, EveryLanguageHasEveryEnglishKeyWithTheSameParameters) {
  const auto english = ApiTexts::Keys("en");
  ASSERT_GT(english.size(), 50u);
  for (std::string_view language : ApiTexts::Languages()) {
    const auto keys = ApiTexts::Keys(language);
    EXPECT_EQ(keys.size(), english.size()) << language;
    std::set<std::string_view> seen;
    for (std::string_view key : keys) {
      EXPECT_TRUE(seen.insert(key).second) << language << " lists " << key << " twice";
    }
    for (std::string_view key : english) {
      auto text = ApiTexts::Template(language, key);
      ASSERT_TRUE(text.has_value()) << language << " lacks " << key;
      EXPECT_FALSE(text->empty()) << language << " " << key;
      EXPECT_EQ(ApiTexts::Parameters(*text), ApiTexts::Parameters(*ApiTexts::Template("en", key)))
          << language << " " << key;
    }
  }
}

TEST(ApiTextsTest, EveryBuiltInNoticeLanguageHasACatalog) {
  for (std::string_view language : {"en", "it", "es", "de", "fr"}) {
    EXPECT_TRUE(ApiTexts::Has(language)) << language;
  }
  EXPECT_FALSE(ApiTexts::Has("xx"));
}

TEST(ApiTextsTest, RenderFillsNamedParametersInTheLanguage) {
  EXPECT_EQ(ApiTexts::Render("it", "detail.missing-field", {{"field", "/topic"}}),
            "Il campo /topic è obbligatorio.");
  EXPECT_EQ(ApiTexts::Render("en", "why.offer.times",
                             {{"title", "Shoes"}, {"times", "2"}, {"reason", "Because."}}),
            "We showed you \"Shoes\" 2 times. Because.");
}

TEST(ApiTextsTest, ALanguageWithoutCatalogRendersEnglishAndSaysSo) {
  EXPECT_EQ(ApiTexts::Effective("nl"), "en");
  EXPECT_EQ(ApiTexts::Render("nl", "title.404"), "Not found");
  EXPECT_EQ(ApiTexts::Render("it", "no.such.key"), "");
}

TEST(ApiTextsTest, AMissingParameterStaysAsWritten) {
  EXPECT_EQ(ApiTexts::Render("en", "detail.missing-field"), "The field {field} is required.");
  EXPECT_EQ(ApiTexts::Parameters("a {x} and {y} and {x} but not {} or {a b}"),
            (std::vector<std::string>{"x", "y"}));
}

TEST(ApiTextsTest, TheEnglishDataWordsAreThePurposesOwn) {
  for (auto p : consent::kAllPurposes) {
    const auto& info = consent::Info(p);
    EXPECT_EQ(ApiTexts::Render("en", "data." + std::string(info.id)), info.pii_category) << info.id;
  }
}

}  // namespace
}  // namespace optin::notices::api_texts_test
