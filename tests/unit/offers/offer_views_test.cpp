// The record of offers shown (table offer_views) in a real SQLite database: times per visit,
// the frequency-cap input, earlier visits' categories, the "why" list, access and erasure.
#include "offers/offer_views.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "store/connection.h"
#include "tests/support/domain_fixture.h"

namespace optin::offers::offer_views_test {
namespace {

using optin::testing::ProductDatabase;
using optin::testing::ValueOrDie;

constexpr int64_t kNow = 1'790'000'000;

Offer MakeOffer(std::string id, std::string category) {
  Offer o;
  o.id = std::move(id);
  o.title = "Offer";
  o.categories = {std::move(category)};
  o.price = {100, "EUR"};
  o.valid_from = 0;
  o.valid_until = kNow * 2;
  return o;
}

class OfferViewsTest : public ::testing::Test {
 protected:
  OfferViewsTest() {
    AddVisit("subject-a", "visit-a1");
    AddVisit("subject-a", "visit-a2");
    AddVisit("subject-a", "visit-a3");
    AddVisit("subject-b", "visit-b1");
    offers_ = {MakeOffer("o-hike", "hiking"), MakeOffer("o-climb", "climbing"),
               MakeOffer("o-bike", "cycling")};
  }

  void AddVisit(const std::string& subject, const std::string& visit) {
    ASSERT_TRUE(db_.Write([&](store::Connection& c) -> Status {
      OPTIN_TRY(
          c.Execute("INSERT OR IGNORE INTO subjects(id, created_at) VALUES (?, ?)", subject, kNow));
      OPTIN_TRY(c.Execute(
          "INSERT INTO visits(id, subject_id, pseudonym, channel, token_hash, started_at, "
          "expires_at) VALUES (?, ?, 'Amber Heron', 'app', ?, ?, ?)",
          visit, subject, store::Blob{visit}, kNow, kNow + 3600));
      return Ok();
    }));
  }
  Pick PickOf(size_t i, std::string reason) {
    return Pick{&offers_[i], std::move(reason), offers_[i].categories[0], 100};
  }
  Status Record(std::string_view subject, std::string_view visit, std::vector<Pick> picks,
                int64_t at) {
    return db_.Write(
        [&](store::Connection& c) { return views_.Record(c, subject, visit, picks, at); });
  }
  std::map<std::string, int> Shown(std::string_view visit) {
    return ValueOrDie(
        db_.Read([&](store::Connection& c) { return views_.ShownThisVisit(c, visit); }), "shown");
  }
  std::vector<std::string> History(std::string_view subject, std::string_view exclude) {
    return ValueOrDie(db_.Read([&](store::Connection& c) {
      return views_.HistoryCategories(c, subject, exclude);
    }),
                      "history");
  }
  std::vector<OfferViewRecord> ForVisit(std::string_view visit) {
    return ValueOrDie(db_.Read([&](store::Connection& c) { return views_.ForVisit(c, visit); }),
                      "for visit");
  }

  ProductDatabase db_;
  OfferViews views_;
  std::vector<Offer> offers_;
};

TEST_F(OfferViewsTest, RecordCountsEachShowingPerVisitAndOffer) {
  ASSERT_TRUE(Record("subject-a", "visit-a1", {PickOf(0, "r0"), PickOf(1, "r1")}, kNow));
  ASSERT_TRUE(Record("subject-a", "visit-a1", {PickOf(0, "r0 again")}, kNow + 60));
  ASSERT_TRUE(Record("subject-a", "visit-a2", {PickOf(0, "r0")}, kNow + 120));
  EXPECT_EQ(Shown("visit-a1"), (std::map<std::string, int>{{"o-hike", 2}, {"o-climb", 1}}));
  EXPECT_EQ(Shown("visit-a2"), (std::map<std::string, int>{{"o-hike", 1}}));
  EXPECT_TRUE(Shown("visit-b1").empty());
  auto rows = ForVisit("visit-a1");
  ASSERT_EQ(rows.size(), 2u);
  // First shown first; the latest reason is kept with the first and last times.
  EXPECT_EQ(rows[0].offer_id, "o-climb");
  EXPECT_EQ(rows[1].offer_id, "o-hike");
  EXPECT_EQ(rows[1].category, "hiking");
  EXPECT_EQ(rows[1].reason, "r0 again");
  EXPECT_EQ(rows[1].times, 2);
  EXPECT_EQ(rows[1].first_shown_at, kNow);
  EXPECT_EQ(rows[1].last_shown_at, kNow + 60);
}

TEST_F(OfferViewsTest, HistoryCategoriesComeFromEarlierVisitsOfThatSubjectMostShownFirst) {
  ASSERT_TRUE(Record("subject-a", "visit-a1", {PickOf(1, "r")}, kNow));
  ASSERT_TRUE(Record("subject-a", "visit-a2", {PickOf(0, "r"), PickOf(1, "r")}, kNow + 10));
  ASSERT_TRUE(Record("subject-a", "visit-a2", {PickOf(1, "r")}, kNow + 20));
  ASSERT_TRUE(Record("subject-a", "visit-a3", {PickOf(2, "r")}, kNow + 30));
  ASSERT_TRUE(Record("subject-b", "visit-b1", {PickOf(2, "r"), PickOf(0, "r")}, kNow));
  // climbing shown 3 times, hiking once; the current visit's cycling is not history.
  EXPECT_EQ(History("subject-a", "visit-a3"), (std::vector<std::string>{"climbing", "hiking"}));
  EXPECT_EQ(History("subject-a", "none"),
            (std::vector<std::string>{"climbing", "cycling", "hiking"}));
  EXPECT_EQ(History("subject-b", "visit-b1"), std::vector<std::string>{});
}

TEST_F(OfferViewsTest, ExportAndCountShowTheSubjectItsOwnViews) {
  ASSERT_TRUE(Record("subject-a", "visit-a1", {PickOf(0, "Because you told us")}, kNow));
  ASSERT_TRUE(Record("subject-b", "visit-b1", {PickOf(1, "r"), PickOf(2, "r")}, kNow));
  EXPECT_EQ(views_.Kind(), "offer_views");
  auto exported = ValueOrDie(
      db_.Read([&](store::Connection& c) { return views_.Export(c, "subject-a"); }), "export");
  const auto& arr = exported.as_array();
  ASSERT_EQ(arr.size(), 1u);
  EXPECT_EQ(arr[0].at("offer_id"), "o-hike");
  EXPECT_EQ(arr[0].at("visit_id"), "visit-a1");
  EXPECT_EQ(arr[0].at("reason"), "Because you told us");
  EXPECT_EQ(arr[0].at("times"), 1);
  auto count = [&](std::string_view s) {
    return ValueOrDie(db_.Read([&](store::Connection& c) { return views_.Count(c, s); }), "count");
  };
  EXPECT_EQ(count("subject-a"), 1);
  EXPECT_EQ(count("subject-b"), 2);
}

TEST_F(OfferViewsTest, ViewsGoWithTheirVisitAndWithTheSubject) {
  ASSERT_TRUE(Record("subject-a", "visit-a1", {PickOf(0, "r")}, kNow));
  ASSERT_TRUE(Record("subject-a", "visit-a2", {PickOf(1, "r")}, kNow));
  ASSERT_TRUE(Record("subject-b", "visit-b1", {PickOf(2, "r")}, kNow));
  ASSERT_TRUE(db_.Write([](store::Connection& c) -> Status {
    OPTIN_TRY(c.Execute("DELETE FROM visits WHERE id = 'visit-a1'"));
    return Ok();
  }));
  EXPECT_EQ(db_.Count("offer_views", "subject_id = 'subject-a'"), 1);
  ASSERT_TRUE(db_.Write([](store::Connection& c) -> Status {
    OPTIN_TRY(c.Execute("DELETE FROM subjects WHERE id = 'subject-a'"));
    return Ok();
  }));
  EXPECT_EQ(db_.Count("offer_views", "subject_id = 'subject-a'"), 0);
  EXPECT_EQ(db_.Count("offer_views"), 1);
}

TEST_F(OfferViewsTest, RecordingForAVisitThatDoesNotExistWritesNothing) {
  auto r = Record("subject-a", "no-such-visit", {PickOf(0, "r"), PickOf(1, "r")}, kNow);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kConflict);
  EXPECT_EQ(db_.Count("offer_views"), 0);
  EXPECT_FALSE(Record("subject-a", "visit-a1", {Pick{}}, kNow));
  EXPECT_EQ(db_.Count("offer_views"), 0);
}

}  // namespace
}  // namespace optin::offers::offer_views_test
