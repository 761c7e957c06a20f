#include "offers/declared_interests.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "tests/support/domain_world.h"

namespace optin::offers::declared_interests_test {
namespace {

using consent::Purpose;
using optin::testing::InterestsWorld;
using optin::testing::ValueOrDie;

class DeclaredInterestsTest : public ::testing::Test {
 protected:
  Status Replace(std::string_view subject, std::vector<Interest> interests) {
    return world_.database().Write(
        [&](store::Connection& c) { return world_.interests().Replace(c, subject, interests); });
  }
  std::vector<Interest> List(std::string_view subject) {
    return ValueOrDie(world_.database().Read([&](store::Connection& c) {
      return world_.interests().List(c, subject);
    }),
                      "list");
  }
  int64_t Prune(std::string_view subject) {
    return ValueOrDie(world_.database().Write([&](store::Connection& c) {
      return world_.interests().PruneIfNotAllowed(c, subject);
    }),
                      "prune");
  }
  int64_t ForgetUnlessHistory(std::string_view subject) {
    return ValueOrDie(world_.database().Write([&](store::Connection& c) {
      return world_.interests().ForgetUnlessHistory(c, subject);
    }),
                      "forget");
  }
  std::vector<Interest> Two() {
    return {{"climbing", "beginner"}, {"trail running", std::nullopt}};
  }

  InterestsWorld world_;
  const std::string subject_ = world_.Subject("loyalty-1");
  const std::string other_ = world_.Subject("loyalty-2");
};

TEST_F(DeclaredInterestsTest, CatalogTopicsWithOrWithoutExpertiseAreValid) {
  EXPECT_TRUE(world_.interests().Validate({}));
  EXPECT_TRUE(world_.interests().Validate({{"climbing", "beginner"},
                                           {"cycling", "intermediate"},
                                           {"swimming", "expert"},
                                           {"trail running", std::nullopt}}));
}

TEST_F(DeclaredInterestsTest, UnknownTopicIsRefusedWithItsFieldPointer) {
  auto r = world_.interests().Validate({{"climbing", std::nullopt}, {"golf", std::nullopt}});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(r.error().reason, "unknown-interest");
  EXPECT_EQ(r.error().field, "/interests/1/topic");
  // Topics match exactly: no case folding into the catalog.
  EXPECT_EQ(world_.interests().Validate({{"Climbing", std::nullopt}}).error().reason,
            "unknown-interest");
}

TEST_F(DeclaredInterestsTest, DuplicateTopicIsRefusedAtItsSecondOccurrence) {
  auto r = world_.interests().Validate(
      {{"climbing", std::nullopt}, {"cycling", std::nullopt}, {"climbing", "expert"}});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().reason, "duplicate-interest");
  EXPECT_EQ(r.error().field, "/interests/2/topic");
}

TEST_F(DeclaredInterestsTest, ExpertiseOutsideTheThreeLevelsIsRefused) {
  for (std::string_view bad : {"", "Beginner", "novice", "expert "}) {
    auto r = world_.interests().Validate({{"cycling", "beginner"}, {"climbing", std::string(bad)}});
    ASSERT_FALSE(r) << bad;
    EXPECT_EQ(r.error().reason, "invalid-expertise") << bad;
    EXPECT_EQ(r.error().field, "/interests/1/expertise");
  }
}

TEST_F(DeclaredInterestsTest, MoreThanTheMaximumIsRefusedAndTheMaximumIsAccepted) {
  std::vector<std::string> catalog;
  for (size_t i = 0; i < DeclaredInterests::kMaxInterests + 5; ++i) {
    catalog.push_back("topic-" + std::to_string(i));
  }
  DeclaredInterests big(world_.clock(), world_.ledger(), catalog);
  std::vector<Interest> interests;
  for (size_t i = 0; i < DeclaredInterests::kMaxInterests; ++i) {
    interests.push_back({catalog[i], std::nullopt});
  }
  EXPECT_TRUE(big.Validate(interests));
  interests.push_back({catalog[DeclaredInterests::kMaxInterests], std::nullopt});
  auto r = big.Validate(interests);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().reason, "too-many-interests");
  EXPECT_EQ(r.error().field, "/interests");
}

TEST_F(DeclaredInterestsTest, ReplaceIsRefusedWithoutOffersOrHistory) {
  ASSERT_TRUE(world_.Grant(subject_, {Purpose::kPresence, Purpose::kAssistance}));
  auto r = Replace(subject_, Two());
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kPermissionDenied);
  EXPECT_EQ(r.error().reason, "consent-required");
  EXPECT_EQ(world_.database().Count("interests"), 0);
  // A subject the store has never seen is refused too.
  EXPECT_EQ(Replace(world_.Subject("new"), Two()).error().reason, "consent-required");
}

TEST_F(DeclaredInterestsTest, ReplaceIsAllowedUnderOffers) {
  ASSERT_TRUE(world_.Grant(subject_, {Purpose::kPresence, Purpose::kOffers}));
  ASSERT_TRUE(Replace(subject_, Two()));
  auto listed = List(subject_);
  ASSERT_EQ(listed.size(), 2u);
  EXPECT_EQ(listed[0].topic, "climbing");
  EXPECT_EQ(listed[0].expertise, "beginner");
  EXPECT_EQ(listed[1].topic, "trail running");
  EXPECT_FALSE(listed[1].expertise);
}

TEST_F(DeclaredInterestsTest, ReplaceIsAllowedUnderHistory) {
  ASSERT_TRUE(world_.Grant(subject_, {Purpose::kPresence, Purpose::kHistory}));
  EXPECT_TRUE(Replace(subject_, Two()));
  EXPECT_EQ(List(subject_).size(), 2u);
}

TEST_F(DeclaredInterestsTest, ReplaceReplacesThePreviousListOfThatSubjectOnly) {
  ASSERT_TRUE(world_.Grant(subject_, {Purpose::kPresence, Purpose::kOffers}));
  ASSERT_TRUE(world_.Grant(other_, {Purpose::kPresence, Purpose::kOffers}));
  ASSERT_TRUE(Replace(subject_, Two()));
  ASSERT_TRUE(Replace(other_, Two()));
  ASSERT_TRUE(Replace(subject_, {{"swimming", "expert"}}));
  auto listed = List(subject_);
  ASSERT_EQ(listed.size(), 1u);
  EXPECT_EQ(listed[0].topic, "swimming");
  EXPECT_EQ(List(other_).size(), 2u);
}

TEST_F(DeclaredInterestsTest, InvalidReplacementKeepsTheCurrentList) {
  ASSERT_TRUE(world_.Grant(subject_, {Purpose::kPresence, Purpose::kOffers}));
  ASSERT_TRUE(Replace(subject_, Two()));
  EXPECT_EQ(Replace(subject_, {{"golf", std::nullopt}}).error().reason, "unknown-interest");
  EXPECT_EQ(List(subject_).size(), 2u);
}

TEST_F(DeclaredInterestsTest, ExpiredOffersConsentNoLongerAllowsReplace) {
  ASSERT_TRUE(world_.Grant(subject_, {Purpose::kPresence, Purpose::kOffers}));
  world_.clock().Advance(world_.ledger().policy().grant_lifetime);
  EXPECT_EQ(Replace(subject_, Two()).error().reason, "consent-required");
}

TEST_F(DeclaredInterestsTest, WithdrawingOffersWithoutHistoryDropsTheInterests) {
  ASSERT_TRUE(world_.Grant(subject_, {Purpose::kPresence, Purpose::kOffers}));
  ASSERT_TRUE(world_.Grant(other_, {Purpose::kPresence, Purpose::kOffers}));
  ASSERT_TRUE(Replace(subject_, Two()));
  ASSERT_TRUE(Replace(other_, Two()));
  ASSERT_TRUE(world_.Withdraw(subject_, {Purpose::kOffers}));  // the hook prunes
  EXPECT_TRUE(List(subject_).empty());
  EXPECT_EQ(List(other_).size(), 2u);
}

TEST_F(DeclaredInterestsTest, WithdrawingOffersUnderHistoryKeepsTheInterests) {
  ASSERT_TRUE(world_.Grant(subject_, {Purpose::kPresence, Purpose::kOffers, Purpose::kHistory}));
  ASSERT_TRUE(Replace(subject_, Two()));
  ASSERT_TRUE(world_.Withdraw(subject_, {Purpose::kOffers}));
  EXPECT_EQ(List(subject_).size(), 2u);
  ASSERT_TRUE(world_.Withdraw(subject_, {Purpose::kHistory}));
  EXPECT_TRUE(List(subject_).empty());
}

TEST_F(DeclaredInterestsTest, PruneIfNotAllowedDeletesOnlyWhenNeitherPurposeIsInForce) {
  ASSERT_TRUE(world_.Grant(subject_, {Purpose::kPresence, Purpose::kOffers}));
  ASSERT_TRUE(Replace(subject_, Two()));
  EXPECT_EQ(Prune(subject_), 0);
  EXPECT_EQ(List(subject_).size(), 2u);
  // Expiry does not run hooks; an explicit prune then finds nothing in force.
  world_.clock().Advance(world_.ledger().policy().grant_lifetime);
  EXPECT_EQ(Prune(subject_), 2);
  EXPECT_TRUE(List(subject_).empty());
}

TEST_F(DeclaredInterestsTest, ForgetUnlessHistoryDropsInterestsKeptOnlyForOffers) {
  ASSERT_TRUE(world_.Grant(subject_, {Purpose::kPresence, Purpose::kOffers}));
  ASSERT_TRUE(world_.Grant(other_, {Purpose::kPresence, Purpose::kOffers, Purpose::kHistory}));
  ASSERT_TRUE(Replace(subject_, Two()));
  ASSERT_TRUE(Replace(other_, Two()));
  EXPECT_EQ(ForgetUnlessHistory(subject_), 2);
  EXPECT_TRUE(List(subject_).empty());
  EXPECT_EQ(ForgetUnlessHistory(other_), 0);
  EXPECT_EQ(List(other_).size(), 2u);
}

TEST_F(DeclaredInterestsTest, ExportAndCountDescribeTheSubjectsInterests) {
  ASSERT_TRUE(world_.Grant(subject_, {Purpose::kPresence, Purpose::kOffers}));
  ASSERT_TRUE(Replace(subject_, Two()));
  auto exported = ValueOrDie(world_.database().Read([&](store::Connection& c) {
    return world_.interests().Export(c, subject_);
  }),
                             "export");
  const auto& arr = exported.as_array();
  ASSERT_EQ(arr.size(), 2u);
  EXPECT_EQ(arr[0].at("topic"), "climbing");
  EXPECT_EQ(arr[0].at("expertise"), "beginner");
  EXPECT_FALSE(arr[1].as_object().contains("expertise"));
  EXPECT_EQ(ValueOrDie(world_.database().Read([&](store::Connection& c) {
              return world_.interests().Count(c, subject_);
            }),
                       "count"),
            2);
  EXPECT_EQ(world_.interests().Kind(), "interests");
}

}  // namespace
}  // namespace optin::offers::declared_interests_test
