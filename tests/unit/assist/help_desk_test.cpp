// Help requests and the staff queue against a real database: the privacy lines (only shoppers
// who asked, a name only under name_to_staff, withdrawal at once, erasure, encryption at rest),
// the first claim winning, the per-visit limits, and the audit of every staff view and claim.
#include "assist/help_desk.h"

#include <gtest/gtest.h>

#include <boost/json/serialize.hpp>
#include <fstream>
#include <iterator>
#include <set>

#include "privacy/audit_log.h"
#include "tests/unit/assist/assist_world.h"

namespace optin::testing::help_desk_test {
namespace {

using assist::PromptEventKind;
using consent::Purpose;

class HelpDeskTest : public ::testing::Test {
 protected:
  AssistWorld w_;

  std::vector<std::string> QueueIds(const assist::StaffLogin& staff) {
    std::vector<std::string> ids;
    for (const auto& p : ValueOrDie(w_.Queue(staff), "queue")) ids.push_back(p.request.id);
    return ids;
  }
  std::vector<privacy::AuditEntry> AuditFor(const std::string& subject) {
    return ValueOrDie(w_.database().Read([&](store::Connection& c) {
      return privacy::AuditLog::ForSubject(c, subject);
    }),
                      "audit");
  }
  int CountKind(const std::vector<privacy::AuditEntry>& entries, std::string_view kind) {
    int n = 0;
    for (const auto& e : entries) n += e.kind == kind;
    return n;
  }
  bool AuditIntact() {
    auto v = ValueOrDie(
        w_.database().Read([](store::Connection& c) { return privacy::AuditLog::Verify(c); }),
        "verify");
    return v.intact;
  }
  std::string FileBytes(const std::filesystem::path& p) {
    std::ifstream in(p, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), {});
  }
};

// --- Privacy lines ---------------------------------------------------------------------------

TEST_F(HelpDeskTest, WithdrawnPurposeBlocksAssistance) {
  auto visit = w_.Shopper("alice");
  auto staff = w_.Staff("sam");
  const std::string id = w_.AskOk(visit, "where are the trail shoes?");
  ASSERT_EQ(QueueIds(staff).size(), 1u);
  w_.ClearEvents();

  ASSERT_TRUE(w_.Withdraw(visit.subject_id, {Purpose::kAssistance}).has_value());

  EXPECT_EQ(w_.StateOf(id), "retracted");
  auto events = w_.Events();
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].kind, PromptEventKind::kRetracted);
  EXPECT_EQ(events[0].prompt_id, id);
  EXPECT_FALSE(events[0].view.has_value());
  EXPECT_TRUE(QueueIds(staff).empty());
  // And no new request goes through without it.
  EXPECT_EQ(ReasonOf(w_.Ask(visit)), "consent-required");
}

TEST_F(HelpDeskTest, RetractionIsAnnouncedOnlyOnceCommitted) {
  auto visit = w_.Shopper("alice");
  const std::string id = w_.AskOk(visit);
  w_.ClearEvents();
  // The withdrawal runs its hooks, then the job fails: nothing is committed or announced.
  auto r = w_.database().Write([&](store::Connection& c) -> Status {
    consent::ConsentChange change{Purpose::kAssistance, false};
    OPTIN_TRY(w_.ledger().Apply(c, visit.subject_id, std::span(&change, 1), "test"));
    return Fail(ErrorCode::kInternal, "roll it back");
  });
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(w_.StateOf(id), "waiting");
  EXPECT_TRUE(w_.Events().empty());
}

TEST_F(HelpDeskTest, AskingWithoutAssistanceIsRefusedAndWritesNothing) {
  auto visit = w_.Shopper("bob", {});
  auto r = w_.Ask(visit, "product advice", "beginner", "hello");
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, ErrorCode::kPermissionDenied);
  EXPECT_EQ(r.error().reason, "consent-required");
  EXPECT_EQ(w_.database().Count("help_requests"), 0);
  EXPECT_TRUE(w_.Events().empty());
}

TEST_F(HelpDeskTest, StaffSeeOnlyShoppersWhoAsked) {
  auto asked = w_.Shopper("alice");
  auto silent = w_.Shopper("carol", {Purpose::kAssistance, Purpose::kNameToStaff});
  auto staff = w_.Staff("sam");
  w_.AskOk(asked);

  auto prompts = ValueOrDie(w_.Queue(staff), "queue");
  ASSERT_EQ(prompts.size(), 1u);
  EXPECT_EQ(prompts[0].pseudonym, asked.pseudonym);
  std::string all;
  for (const auto& p : prompts) all += boost::json::serialize(assist::StaffView(p, 0));
  EXPECT_EQ(all.find(silent.pseudonym), std::string::npos);
  EXPECT_EQ(all.find(silent.subject_id), std::string::npos);
  EXPECT_EQ(all.find(asked.subject_id), std::string::npos) << "no subject id reaches staff";
  // Nothing about the silent shopper was audited as seen by staff.
  EXPECT_EQ(CountKind(AuditFor(silent.subject_id), "staff.viewed"), 0);
}

TEST_F(HelpDeskTest, NameShownOnlyUnderNameToStaff) {
  auto without = w_.Shopper("alice");
  auto with = w_.Shopper("dana", {Purpose::kAssistance, Purpose::kNameToStaff});
  auto staff = w_.Staff("sam");
  const std::string a = w_.AskOk(without, std::nullopt, "Alice");
  const std::string d = w_.AskOk(with, std::nullopt, "Dana");

  auto prompts = ValueOrDie(w_.Queue(staff), "queue");
  ASSERT_EQ(prompts.size(), 2u);
  for (const auto& p : prompts) {
    if (p.request.id == a) {
      EXPECT_FALSE(p.request.first_name.has_value());
    }
    if (p.request.id == d) {
      EXPECT_EQ(p.request.first_name.value_or(""), "Dana");
    }
  }
  // Without the purpose the name was never kept.
  EXPECT_EQ(w_.database().Count("help_requests", "id = ? AND first_name_sealed IS NULL", a), 1);

  w_.ClearEvents();
  ASSERT_TRUE(w_.Withdraw(with.subject_id, {Purpose::kNameToStaff}).has_value());
  prompts = ValueOrDie(w_.Queue(staff), "queue");
  ASSERT_EQ(prompts.size(), 2u) << "the prompt stays; only the name goes";
  for (const auto& p : prompts) EXPECT_FALSE(p.request.first_name.has_value());
  EXPECT_EQ(w_.database().Count("help_requests", "first_name_sealed IS NOT NULL"), 0);
  auto events = w_.Events();
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].kind, PromptEventKind::kUpdated);
  EXPECT_EQ(events[0].prompt_id, d);
  ASSERT_TRUE(events[0].view.has_value());
  EXPECT_FALSE(events[0].view->contains("first_name"));
}

TEST_F(HelpDeskTest, NoteAndFirstNameAreEncryptedAtRest) {
  auto visit = w_.Shopper("erin", {Purpose::kAssistance, Purpose::kNameToStaff});
  auto staff = w_.Staff("sam");
  const std::string note = "need size forty-three quasar boots";
  w_.AskOk(visit, note, "Zebulon");
  ASSERT_TRUE(w_.database().db().CheckpointTruncate().has_value());

  std::string bytes = FileBytes(w_.database().file());
  const auto wal = std::filesystem::path(w_.database().file().string() + "-wal");
  if (std::filesystem::exists(wal)) bytes += FileBytes(wal);
  ASSERT_FALSE(bytes.empty());
  EXPECT_EQ(bytes.find("quasar"), std::string::npos);
  EXPECT_EQ(bytes.find("Zebulon"), std::string::npos);
  // ... yet staff read them.
  auto prompts = ValueOrDie(w_.Queue(staff), "queue");
  ASSERT_EQ(prompts.size(), 1u);
  EXPECT_EQ(prompts[0].request.note.value_or(""), note);
  EXPECT_EQ(prompts[0].request.first_name.value_or(""), "Zebulon");
}

TEST_F(HelpDeskTest, SealedNoteCannotBeMovedToAnotherRequest) {
  auto a = w_.Shopper("alice");
  auto b = w_.Shopper("bob");
  auto staff = w_.Staff("sam");
  const std::string ida = w_.AskOk(a, "secret of a");
  const std::string idb = w_.AskOk(b, "secret of b");
  ASSERT_TRUE(w_.database()
                  .Write([&](store::Connection& c) -> Status {
                    OPTIN_TRY(
                        c.Execute("UPDATE help_requests SET note_sealed = (SELECT note_sealed FROM "
                                  "help_requests WHERE id = ?) WHERE id = ?",
                                  ida, idb));
                    return Ok();
                  })
                  .has_value());
  for (const auto& p : ValueOrDie(w_.Queue(staff), "queue")) {
    if (p.request.id == idb) {
      EXPECT_FALSE(p.request.note.has_value());
    }
  }
}

TEST_F(HelpDeskTest, ErasureDeletesHelpRequestsAndRetractsThePrompt) {
  auto visit = w_.Shopper("alice");
  auto staff = w_.Staff("sam");
  const std::string id = w_.AskOk(visit, "a note");
  ASSERT_EQ(QueueIds(staff).size(), 1u);
  w_.ClearEvents();

  auto summary = w_.database().Write(
      [&](store::Connection& c) { return w_.rights().Erase(c, visit.subject_id, 1); },
      store::WriteOptions{.checkpoint_after = true});
  ASSERT_TRUE(summary.has_value()) << summary.error().message;
  EXPECT_EQ(summary->deleted.at("help_requests"), 1);
  EXPECT_EQ(w_.database().Count("help_requests"), 0);
  EXPECT_EQ(w_.database().Count("staff_views"), 0);
  auto events = w_.Events();
  ASSERT_EQ(events.size(), 1u) << "retracted once, not once per erasure step";
  EXPECT_EQ(events[0].kind, PromptEventKind::kRetracted);
  EXPECT_EQ(events[0].prompt_id, id);
  EXPECT_TRUE(QueueIds(staff).empty());
  EXPECT_TRUE(AuditIntact());
}

TEST_F(HelpDeskTest, VisitEndRetractsThePrompt) {
  auto visit = w_.Shopper("alice");
  const std::string id = w_.AskOk(visit);
  w_.ClearEvents();
  ASSERT_TRUE(w_.database().Write([&](store::Connection& c) { return w_.visits().End(c, visit); }));
  EXPECT_EQ(w_.StateOf(id), "retracted");
  ASSERT_EQ(w_.Events().size(), 1u);
  EXPECT_EQ(w_.Events()[0].kind, PromptEventKind::kRetracted);
}

TEST_F(HelpDeskTest, ExpiredVisitDropsOutOfTheQueueEvenBeforeTheRetentionRun) {
  auto visit = w_.Shopper("alice");
  auto staff = w_.Staff("sam");
  const std::string id = w_.AskOk(visit);
  w_.clock().Advance(w_.visits().policy().max_duration + std::chrono::seconds(1));
  w_.ClearEvents();
  EXPECT_TRUE(QueueIds(staff).empty());
  EXPECT_EQ(w_.StateOf(id), "retracted");
  ASSERT_EQ(w_.Events().size(), 1u);
}

TEST_F(HelpDeskTest, ClosedRequestsKeepNoNoteOrName) {
  auto visit = w_.Shopper("alice", {Purpose::kAssistance, Purpose::kNameToStaff});
  auto staff = w_.Staff("sam");
  const std::string id = w_.AskOk(visit, "a note", "Alice");
  ASSERT_TRUE(w_.Claim(staff, id).has_value());
  ASSERT_TRUE(w_.Resolve(staff, id).has_value());
  EXPECT_EQ(w_.database().Count("help_requests",
                                "note_sealed IS NULL AND first_name_sealed IS NULL AND id = ?", id),
            1);
}

// --- Claims ----------------------------------------------------------------------------------

TEST_F(HelpDeskTest, FirstClaimWinsAndTheSecondLearnsWhoClaimedIt) {
  auto visit = w_.Shopper("alice");
  auto sam = w_.Staff("sam");
  auto max = w_.Staff("max", assist::StaffRole::kManager);
  const std::string id = w_.AskOk(visit);
  w_.ClearEvents();

  auto first = ValueOrDie(w_.Claim(sam, id), "first claim");
  EXPECT_TRUE(first.claimed);
  auto second = ValueOrDie(w_.Claim(max, id), "second claim");
  EXPECT_FALSE(second.claimed);
  EXPECT_EQ(second.prompt.request.claimed_by.value_or(""), "sam");
  EXPECT_EQ(second.prompt.request.claimed_role, assist::StaffRole::kAssociate);
  auto events = w_.Events();
  ASSERT_EQ(events.size(), 1u) << "only the winning claim is announced";
  EXPECT_EQ(events[0].kind, PromptEventKind::kClaimed);
  EXPECT_EQ(events[0].view->at("claimed_by").as_object().at("staff_id").as_string(), "sam");
  // Claiming again by the holder is harmless.
  EXPECT_TRUE(ValueOrDie(w_.Claim(sam, id), "again").claimed);
}

TEST_F(HelpDeskTest, ClaimOnAResolvedPromptIsRefused) {
  auto visit = w_.Shopper("alice");
  auto sam = w_.Staff("sam");
  const std::string id = w_.AskOk(visit);
  ASSERT_TRUE(w_.Claim(sam, id).has_value());
  ASSERT_TRUE(w_.Resolve(sam, id).has_value());
  EXPECT_EQ(ReasonOf(w_.Claim(sam, id)), "prompt-resolved");
  EXPECT_EQ(ReasonOf(w_.Resolve(sam, id)), "prompt-resolved");
}

TEST_F(HelpDeskTest, ClaimOnACancelledOrUnknownPromptIsRefused) {
  auto visit = w_.Shopper("alice");
  auto sam = w_.Staff("sam");
  const std::string id = w_.AskOk(visit);
  ASSERT_TRUE(w_.database().Write(
      [&](store::Connection& c) { return w_.desk().Cancel(c, visit.subject_id, id); }));
  EXPECT_EQ(ReasonOf(w_.Claim(sam, id)), "prompt-closed");
  EXPECT_EQ(ReasonOf(w_.Claim(sam, "h_nosuchprompt")), "prompt-not-found");
}

TEST_F(HelpDeskTest, OnlyTheClaimerOrAManagerResolves) {
  auto visit = w_.Shopper("alice");
  auto sam = w_.Staff("sam");
  auto ann = w_.Staff("ann");
  auto max = w_.Staff("max", assist::StaffRole::kManager);
  const std::string id = w_.AskOk(visit);
  ASSERT_TRUE(w_.Claim(sam, id).has_value());
  EXPECT_EQ(ReasonOf(w_.Resolve(ann, id)), "claimed-by-other");
  auto resolved = w_.Resolve(max, id);
  ASSERT_TRUE(resolved.has_value());
  EXPECT_EQ(resolved->request.state, assist::RequestState::kResolved);
}

// --- The shopper's side ----------------------------------------------------------------------

TEST_F(HelpDeskTest, ShopperSeesTheirPlaceInTheQueueAndWhoIsComing) {
  auto first = w_.Shopper("alice");
  auto second = w_.Shopper("bob");
  auto sam = w_.Staff("sam", assist::StaffRole::kManager);
  const std::string a = w_.AskOk(first);
  w_.clock().Advance(std::chrono::seconds(5));
  auto view = ValueOrDie(w_.Ask(second), "ask");
  EXPECT_EQ(view.queue_position, 2);
  EXPECT_GE(view.estimated_wait_minutes.value_or(0), 1);

  ASSERT_TRUE(w_.Claim(sam, a).has_value());
  auto mine = ValueOrDie(w_.database().Read([&](store::Connection& c) {
    return w_.desk().Get(c, first.subject_id, a);
  }),
                         "get");
  auto json = assist::ShopperJson(mine, w_.clock().NowUnix());
  EXPECT_EQ(json.at("state").as_string(), "claimed");
  EXPECT_EQ(json.at("staff_role").as_string(), "manager");
  EXPECT_FALSE(json.contains("claimed_by")) << "the shopper sees the role, not the login id";
}

TEST_F(HelpDeskTest, AShopperCannotSeeOrCancelAnotherShoppersRequest) {
  auto alice = w_.Shopper("alice");
  auto bob = w_.Shopper("bob");
  const std::string id = w_.AskOk(alice);
  EXPECT_EQ(ReasonOf(w_.database().Read(
                [&](store::Connection& c) { return w_.desk().Get(c, bob.subject_id, id); })),
            "help-request-not-found");
  EXPECT_EQ(ReasonOf(w_.database().Write(
                [&](store::Connection& c) { return w_.desk().Cancel(c, bob.subject_id, id); })),
            "help-request-not-found");
  EXPECT_EQ(w_.StateOf(id), "waiting");
}

TEST_F(HelpDeskTest, ExportShowsTheShoppersOwnNoteAndName) {
  auto visit = w_.Shopper("alice", {Purpose::kAssistance, Purpose::kNameToStaff});
  w_.AskOk(visit, "blue jacket", "Alice");
  auto out = ValueOrDie(w_.database().Read([&](store::Connection& c) {
    return w_.rights().Export(c, visit.subject_id);
  }),
                        "export");
  const auto& list = out.at("help_requests").as_array();
  ASSERT_EQ(list.size(), 1u);
  EXPECT_EQ(list[0].as_object().at("note").as_string(), "blue jacket");
  EXPECT_EQ(list[0].as_object().at("first_name").as_string(), "Alice");
}

// --- Limits and bad input --------------------------------------------------------------------

TEST_F(HelpDeskTest, OneOpenRequestPerVisitAndTenPerHour) {
  auto visit = w_.Shopper("alice");
  const std::string first = w_.AskOk(visit);
  auto second = w_.Ask(visit);
  ASSERT_FALSE(second.has_value());
  EXPECT_EQ(second.error().reason, "help-request-open") << "a conflict, not a rate";
  EXPECT_EQ(second.error().code, ErrorCode::kConflict);
  EXPECT_EQ(ValueOrDie(w_.database().Read([&](store::Connection& c) {
              return w_.desk().OpenRequestId(c, visit.id);
            }),
                       "open")
                .value_or(""),
            first);
  ASSERT_TRUE(w_.database().Write(
      [&](store::Connection& c) { return w_.desk().Cancel(c, visit.subject_id, first); }));
  for (int i = 1; i < 10; ++i) {
    auto id = w_.AskOk(visit);
    ASSERT_TRUE(w_.database().Write(
        [&](store::Connection& c) { return w_.desk().Cancel(c, visit.subject_id, id); }));
  }
  auto flood = w_.Ask(visit);
  ASSERT_FALSE(flood.has_value());
  EXPECT_EQ(flood.error().reason, "rate-limited");
  EXPECT_EQ(w_.database().Count("help_requests"), 10);
  w_.clock().Advance(std::chrono::minutes(61));
  EXPECT_TRUE(w_.Ask(visit).has_value()) << "the hourly window moves on";
}

TEST_F(HelpDeskTest, UnknownTopicAndBadTextAreRefusedNamingTheField) {
  auto visit = w_.Shopper("alice");
  auto bad_topic = w_.Ask(visit, "crypto tips");
  ASSERT_FALSE(bad_topic.has_value());
  EXPECT_EQ(bad_topic.error().field, "/topic");
  EXPECT_EQ(bad_topic.error().reason, "unknown-topic");
  auto bad_level = w_.Ask(visit, "checkout", "guru");
  EXPECT_EQ(bad_level.error().field, "/expertise");
  auto long_note = w_.Ask(visit, "checkout", "expert", std::string(281, 'x'));
  EXPECT_EQ(long_note.error().field, "/note");
  EXPECT_EQ(long_note.error().reason, "too-long");
  auto control = w_.Ask(visit, "checkout", "expert", "line one\nline two");
  EXPECT_EQ(control.error().reason, "control-characters");
  auto name = w_.Ask(visit, "checkout", "expert", std::nullopt, "R2-D2");
  EXPECT_EQ(name.error().field, "/first_name");
  EXPECT_EQ(w_.database().Count("help_requests"), 0);
}

// --- Audit -----------------------------------------------------------------------------------

TEST_F(HelpDeskTest, EveryViewAndClaimIsAuditedAndTheChainHolds) {
  auto visit = w_.Shopper("alice");
  auto sam = w_.Staff("sam");
  auto ann = w_.Staff("ann");
  const std::string id = w_.AskOk(visit);
  QueueIds(sam);
  QueueIds(sam);  // the same session seeing it again is not a new view
  QueueIds(ann);
  ASSERT_TRUE(w_.Claim(sam, id).has_value());
  ASSERT_TRUE(w_.Resolve(sam, id).has_value());

  auto entries = AuditFor(visit.subject_id);
  EXPECT_EQ(CountKind(entries, "staff.viewed"), 2);
  EXPECT_EQ(CountKind(entries, "staff.claimed"), 1);
  EXPECT_EQ(CountKind(entries, "staff.resolved"), 1);
  for (const auto& e : entries) {
    if (!e.kind.starts_with("staff.")) continue;
    EXPECT_EQ(e.detail, R"({"role":"associate"})") << "no identifier in the chained detail";
  }
  EXPECT_TRUE(AuditIntact());
}

}  // namespace
}  // namespace optin::testing::help_desk_test
