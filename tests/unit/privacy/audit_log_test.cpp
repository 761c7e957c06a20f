#include "privacy/audit_log.h"

#include <gtest/gtest.h>

#include <boost/json/serialize.hpp>
#include <string>

#include "platform/encoding.h"
#include "tests/support/domain_fixture.h"

namespace optin::privacy::audit_log_test {
namespace {

using optin::testing::ProductDatabase;
using optin::testing::ValueOrDie;

class AuditLogTest : public ::testing::Test {
 protected:
  Status Append(int64_t at, std::string_view kind, boost::json::object detail,
                std::optional<std::string> subject = std::nullopt) {
    return db_.Write([&](store::Connection& c) -> Status {
      return AuditLog::Append(c, at, kind, detail, subject);
    });
  }
  void AddSubject(std::string_view id) {
    ASSERT_TRUE(db_.Write([&](store::Connection& c) -> Status {
      OPTIN_TRY(c.Execute("INSERT INTO subjects(id, created_at) VALUES (?, 1)", id));
      return Ok();
    }));
  }
  // Three entries, the middle one linked to subject "s-a".
  void AppendThree() {
    AddSubject("s-a");
    ASSERT_TRUE(Append(100, "consent.changed", {{"purpose", "offers"}}, "s-a"));
    ASSERT_TRUE(Append(200, "consent.changed", {{"purpose", "history"}}));
    ASSERT_TRUE(Append(300, "retention.purged", {{"rows_deleted", 2}}));
  }
  AuditVerification Verify() {
    return ValueOrDie(db_.Read([](store::Connection& c) { return AuditLog::Verify(c); }), "verify");
  }
  void Tamper(std::string_view sql) {
    ASSERT_TRUE(db_.Write([&](store::Connection& c) -> Status { return c.Exec(sql); }));
  }
  std::vector<AuditEntry> ForSubject(std::string_view subject) {
    return ValueOrDie(
        db_.Read([&](store::Connection& c) { return AuditLog::ForSubject(c, subject); }),
        "for subject");
  }

  ProductDatabase db_;
};

TEST_F(AuditLogTest, EmptyLogIsIntactWithAnAllZeroHead) {
  AuditVerification v = Verify();
  EXPECT_TRUE(v.intact);
  EXPECT_EQ(v.entries, 0);
  EXPECT_EQ(v.head_hash, std::string(64, '0'));
}

TEST_F(AuditLogTest, AppendedEntriesFormAnIntactChainLinkedByHash) {
  AppendThree();
  AuditVerification v = Verify();
  EXPECT_TRUE(v.intact) << v.problem;
  EXPECT_EQ(v.entries, 3);

  auto rows = ValueOrDie(db_.Read([](store::Connection& c) -> Result<std::vector<AuditEntry>> {
    OPTIN_ASSIGN_OR_RETURN(auto s, c.Prepare("SELECT seq, at, kind, detail, prev_hash, hash "
                                             "FROM audit_log ORDER BY seq"));
    std::vector<AuditEntry> out;
    while (true) {
      OPTIN_ASSIGN_OR_RETURN(bool row, s.Step());
      if (!row) break;
      out.push_back({s.ColumnInt(0), s.ColumnInt(1), s.ColumnText(2), s.ColumnText(3),
                     s.ColumnBlob(4), s.ColumnBlob(5)});
    }
    return out;
  }),
                         "rows");
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_EQ(rows[0].seq, 1);
  EXPECT_EQ(rows[0].prev_hash, std::string(32, '\0'));
  for (size_t i = 1; i < rows.size(); ++i) {
    EXPECT_EQ(rows[i].seq, rows[i - 1].seq + 1);
    EXPECT_EQ(rows[i].prev_hash, rows[i - 1].hash);
  }
  for (const auto& e : rows) {
    EXPECT_EQ(e.hash, AuditLog::EntryHash(e.prev_hash, e.seq, e.at, e.kind, e.detail));
  }
  EXPECT_EQ(v.head_hash, platform::HexEncode(rows.back().hash));
  EXPECT_EQ(rows[2].detail, boost::json::serialize(boost::json::object{{"rows_deleted", 2}}));
}

TEST_F(AuditLogTest, EntryHashCoversEveryField) {
  const std::string prev(32, 'p');
  const std::string h = AuditLog::EntryHash(prev, 1, 2, "k", "{}");
  EXPECT_NE(h, AuditLog::EntryHash(std::string(32, 'q'), 1, 2, "k", "{}"));
  EXPECT_NE(h, AuditLog::EntryHash(prev, 2, 2, "k", "{}"));
  EXPECT_NE(h, AuditLog::EntryHash(prev, 1, 3, "k", "{}"));
  EXPECT_NE(h, AuditLog::EntryHash(prev, 1, 2, "j", "{}"));
  EXPECT_NE(h, AuditLog::EntryHash(prev, 1, 2, "k", "{ }"));
  // Field boundaries are unambiguous.
  EXPECT_NE(AuditLog::EntryHash(prev, 1, 2, "ab", "c"), AuditLog::EntryHash(prev, 1, 2, "a", "bc"));
}

TEST_F(AuditLogTest, EditedDetailIsDetected) {
  AppendThree();
  Tamper("UPDATE audit_log SET detail = '{\"purpose\":\"offers\"}' WHERE seq = 2");
  AuditVerification v = Verify();
  EXPECT_FALSE(v.intact);
  EXPECT_EQ(v.first_bad_seq, 2);
  EXPECT_FALSE(v.problem.empty());
  EXPECT_EQ(v.entries, 1);
}

TEST_F(AuditLogTest, EditedTimeOrKindIsDetected) {
  AppendThree();
  Tamper("UPDATE audit_log SET at = at + 1 WHERE seq = 3");
  EXPECT_EQ(Verify().first_bad_seq, 3);
  Tamper("UPDATE audit_log SET at = at - 1 WHERE seq = 3");
  EXPECT_TRUE(Verify().intact);
  Tamper("UPDATE audit_log SET kind = 'staff.viewed' WHERE seq = 1");
  EXPECT_FALSE(Verify().intact);
  EXPECT_EQ(Verify().first_bad_seq, 1);
}

TEST_F(AuditLogTest, EditWithARecomputedHashBreaksTheNextLink) {
  AppendThree();
  auto forged_hash = ValueOrDie(db_.Read([](store::Connection& c) -> Result<std::string> {
    OPTIN_ASSIGN_OR_RETURN(auto s, c.Prepare("SELECT prev_hash, at, kind FROM audit_log "
                                             "WHERE seq = 2"));
    OPTIN_TRY(s.Step());
    return AuditLog::EntryHash(s.ColumnBlob(0), 2, s.ColumnInt(1), s.ColumnText(2), "{}");
  }),
                                "forge");
  ASSERT_TRUE(db_.Write([&](store::Connection& c) -> Status {
    OPTIN_TRY(c.Execute("UPDATE audit_log SET detail = '{}', hash = ? WHERE seq = 2",
                        store::Blob{forged_hash}));
    return Ok();
  }));
  AuditVerification v = Verify();
  EXPECT_FALSE(v.intact);
  EXPECT_EQ(v.first_bad_seq, 3);
}

TEST_F(AuditLogTest, DeletedEntryIsDetected) {
  AppendThree();
  Tamper("DELETE FROM audit_log WHERE seq = 2");
  AuditVerification v = Verify();
  EXPECT_FALSE(v.intact);
  EXPECT_EQ(v.first_bad_seq, 3);
  EXPECT_NE(v.problem.find("missing"), std::string::npos) << v.problem;
}

TEST_F(AuditLogTest, DeletedEntryRenumberedToHideTheGapIsDetected) {
  AppendThree();
  Tamper("DELETE FROM audit_log WHERE seq = 2; UPDATE audit_log SET seq = 2 WHERE seq = 3");
  AuditVerification v = Verify();
  EXPECT_FALSE(v.intact);
  EXPECT_EQ(v.first_bad_seq, 2);
}

TEST_F(AuditLogTest, ReorderedEntriesAreDetected) {
  AppendThree();
  Tamper(
      "UPDATE audit_log SET seq = -1 WHERE seq = 2; UPDATE audit_log SET seq = 2 WHERE seq = 3; "
      "UPDATE audit_log SET seq = 3 WHERE seq = -1");
  AuditVerification v = Verify();
  EXPECT_FALSE(v.intact);
  EXPECT_EQ(v.first_bad_seq, 2);
}

TEST_F(AuditLogTest, ForSubjectListsOnlyThatSubjectsEntriesOldestFirst) {
  AddSubject("s-a");
  AddSubject("s-b");
  ASSERT_TRUE(Append(10, "consent.changed", {{"n", 1}}, "s-a"));
  ASSERT_TRUE(Append(20, "consent.changed", {{"n", 2}}, "s-b"));
  ASSERT_TRUE(Append(30, "staff.viewed", {{"n", 3}}, "s-a"));
  ASSERT_TRUE(Append(40, "retention.purged", {{"n", 4}}));
  auto a = ForSubject("s-a");
  ASSERT_EQ(a.size(), 2u);
  EXPECT_EQ(a[0].at, 10);
  EXPECT_EQ(a[0].kind, "consent.changed");
  EXPECT_EQ(a[1].at, 30);
  EXPECT_EQ(a[1].kind, "staff.viewed");
  EXPECT_EQ(ForSubject("s-b").size(), 1u);
  EXPECT_TRUE(ForSubject("s-unknown").empty());
}

TEST_F(AuditLogTest, ClearingTheSubjectLinkDoesNotBreakTheChain) {
  AppendThree();
  const std::string head_before = Verify().head_hash;
  ASSERT_EQ(ForSubject("s-a").size(), 1u);
  // Deleting the subject clears the link (ON DELETE SET NULL), as erasure does.
  Tamper("DELETE FROM subjects WHERE id = 's-a'");
  EXPECT_TRUE(ForSubject("s-a").empty());
  EXPECT_EQ(db_.Count("audit_log"), 3);
  AuditVerification v = Verify();
  EXPECT_TRUE(v.intact) << v.problem;
  EXPECT_EQ(v.entries, 3);
  EXPECT_EQ(v.head_hash, head_before);
}

TEST_F(AuditLogTest, AppendToAnUnknownSubjectFailsAndAppendsNothing) {
  EXPECT_FALSE(Append(1, "consent.changed", {}, "no-such-subject"));
  EXPECT_EQ(db_.Count("audit_log"), 0);
  EXPECT_TRUE(Append(1, "consent.changed", {}));
  EXPECT_EQ(Verify().entries, 1);
}

}  // namespace
}  // namespace optin::privacy::audit_log_test
