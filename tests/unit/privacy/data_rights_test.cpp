#include "privacy/data_rights.h"

#include <gtest/gtest.h>

#include <boost/json/array.hpp>
#include <boost/json/serialize.hpp>
#include <fstream>
#include <iterator>
#include <string>

#include "privacy/audit_log.h"
#include "privacy/jws.h"
#include "tests/support/domain_fixture.h"

namespace optin::privacy::data_rights_test {
namespace {

using optin::testing::DeviceKeys;
using optin::testing::ProductDatabase;
using optin::testing::ValueOrDie;

// A module's records over one product table, keyed by subject_id. Rows go with the subject
// (ON DELETE CASCADE) unless `also_erases` names another table whose rows this kind's erase
// step removes first (as ending a visit drops its interests).
class TableRecords final : public SubjectRecords {
 public:
  TableRecords(std::string kind, std::string table, std::string also_erases = {})
      : kind_(std::move(kind)), table_(std::move(table)), also_erases_(std::move(also_erases)) {}
  std::string_view Kind() const override { return kind_; }
  Result<boost::json::value> Export(store::Connection& conn,
                                    std::string_view subject_id) const override {
    OPTIN_ASSIGN_OR_RETURN(auto rows, ProductDatabase::RowsAsText(conn, table_));
    boost::json::array out;
    for (const auto& r : rows) {
      if (r.find(std::string(subject_id)) != std::string::npos)
        out.push_back(boost::json::value(r));
    }
    return out;
  }
  Result<int64_t> Count(store::Connection& conn, std::string_view subject_id) const override {
    OPTIN_ASSIGN_OR_RETURN(
        auto s, conn.Prepare("SELECT count(*) FROM " + table_ + " WHERE subject_id = ?"));
    s.BindAll(subject_id);
    OPTIN_TRY(s.Step());
    return s.ColumnInt(0);
  }
  Status Erase(store::Connection& conn, std::string_view subject_id) const override {
    ++erase_calls;
    if (!also_erases_.empty()) {
      OPTIN_TRY(conn.Execute("DELETE FROM " + also_erases_ + " WHERE subject_id = ?", subject_id));
    }
    return Ok();
  }
  mutable int erase_calls = 0;

 private:
  std::string kind_, table_, also_erases_;
};

constexpr std::string_view kA = "aaaa000000000000000000000000000000000000000000000000000000000001";
constexpr std::string_view kB = "bbbb000000000000000000000000000000000000000000000000000000000002";

class DataRightsTest : public ::testing::Test {
 protected:
  DataRightsTest() {
    rights_.Register(consents_);
    rights_.Register(receipts_);
    rights_.Register(visits_);
    rights_.Register(interests_);
    Populate(kA, 1);
    Populate(kB, 2);
  }

  // Rows of every kind for `subject`, plus audit entries linked to it; `n` varies the counts.
  void Populate(std::string_view subject, int n) {
    ASSERT_TRUE(db_.Write([&](store::Connection& c) -> Status {
      OPTIN_TRY(c.Execute("INSERT INTO subjects(id, created_at) VALUES (?, ?)", subject, 1000 + n));
      for (std::string_view p : {"presence", "offers", "history"}) {
        OPTIN_TRY(
            c.Execute("INSERT INTO consents(subject_id, purpose, granted, policy_version, "
                      "changed_at, expires_at) VALUES (?, ?, 1, '1', 1000, 9000)",
                      subject, p));
      }
      for (int i = 0; i < n + 1; ++i) {
        OPTIN_TRY(c.Execute(
            "INSERT INTO receipts(id, subject_id, issued_at, jws) VALUES (?, ?, ?, 'x')",
            std::string(subject.substr(0, 4)) + "-r" + std::to_string(i), subject, 1000 + i));
        OPTIN_TRY(
            c.Execute("INSERT INTO visits(id, subject_id, pseudonym, channel, token_hash, "
                      "started_at, expires_at) VALUES (?, ?, 'Amber Heron', 'app', ?, 1000, 2000)",
                      std::string(subject.substr(0, 4)) + "-v" + std::to_string(i), subject,
                      store::Blob{std::string(subject) + std::to_string(i)}));
      }
      for (std::string_view t : {"climbing", "cycling"}) {
        OPTIN_TRY(
            c.Execute("INSERT INTO interests(subject_id, interest, expertise, declared_at) "
                      "VALUES (?, ?, 'beginner', 1000)",
                      subject, t));
      }
      for (int i = 0; i < n; ++i) {
        OPTIN_TRY(AuditLog::Append(c, 1000 + i, "consent.changed",
                                   boost::json::object{{"purpose", "offers"}}, subject));
      }
      return Ok();
    }));
  }

  Result<ErasureSummary> Erase(std::string_view subject, int64_t now = 5000) {
    return db_.Write([&](store::Connection& c) { return rights_.Erase(c, subject, now); },
                     store::WriteOptions{.checkpoint_after = true});
  }

  std::string RowsMentioning(std::string_view subject) {
    std::string snapshot = db_.Snapshot();
    std::string out;
    size_t start = 0;
    while (start < snapshot.size()) {
      size_t end = snapshot.find('\n', start);
      std::string line = snapshot.substr(start, end - start);
      if (line.find(subject) != std::string::npos) out += line + "\n";
      start = end + 1;
    }
    return out;
  }

  ProductDatabase db_;
  DeviceKeys keys_;
  TableRecords consents_{"consents", "consents"};
  TableRecords receipts_{"receipts", "receipts"};
  TableRecords visits_{"visits", "visits", "interests"};
  TableRecords interests_{"interests", "interests"};
  DataRights rights_;
};

TEST_F(DataRightsTest, ExportIncludesEveryRegisteredKindAndTheAccessLog) {
  auto exported = db_.Read([&](store::Connection& c) { return rights_.Export(c, kA); });
  ASSERT_TRUE(exported) << exported.error().message;
  for (std::string_view kind : {"consents", "receipts", "visits", "interests"}) {
    ASSERT_TRUE(exported->contains(kind)) << kind;
  }
  EXPECT_EQ(exported->at("consents").as_array().size(), 3u);
  EXPECT_EQ(exported->at("receipts").as_array().size(), 2u);
  EXPECT_EQ(exported->at("visits").as_array().size(), 2u);
  EXPECT_EQ(exported->at("interests").as_array().size(), 2u);
  EXPECT_EQ(exported->at("subject").at("pseudonym").as_string(), kA);
  EXPECT_EQ(exported->at("subject").at("known_since"), 1001);

  const auto& log = exported->at("access_log").as_array();
  ASSERT_EQ(log.size(), 1u);
  EXPECT_EQ(log[0].at("event"), "consent.changed");
  EXPECT_EQ(log[0].at("at"), 1000);
  EXPECT_EQ(log[0].at("detail").at("purpose"), "offers");
  // Nothing of the other subject.
  EXPECT_EQ(boost::json::serialize(*exported).find(std::string(kB)), std::string::npos);
}

TEST_F(DataRightsTest, ExportOfAnUnknownSubjectIsEmpty) {
  auto exported = db_.Read([&](store::Connection& c) { return rights_.Export(c, "nobody"); });
  ASSERT_TRUE(exported);
  EXPECT_TRUE(exported->at("subject").at("known_since").is_null());
  EXPECT_TRUE(exported->at("access_log").as_array().empty());
  EXPECT_TRUE(exported->at("visits").as_array().empty());
}

TEST_F(DataRightsTest, EraseDeletesEveryRowOfTheSubjectAndNothingOfAnother) {
  const std::string b_before = RowsMentioning(kB);
  ASSERT_FALSE(RowsMentioning(kA).empty());
  auto summary = Erase(kA);
  ASSERT_TRUE(summary) << summary.error().message;
  EXPECT_EQ(RowsMentioning(kA), "");
  for (std::string_view table : {"consents", "receipts", "visits", "interests"}) {
    EXPECT_EQ(db_.Count(table, "subject_id = ?", kA), 0) << table;
  }
  EXPECT_EQ(db_.Count("subjects", "id = ?", kA), 0);
  EXPECT_EQ(RowsMentioning(kB), b_before);
  EXPECT_EQ(db_.Count("subjects", "id = ?", kB), 1);
  EXPECT_EQ(consents_.erase_calls, 1);
  EXPECT_EQ(interests_.erase_calls, 1);
}

TEST_F(DataRightsTest, EraseCountsEveryKindBeforeAnythingIsErased) {
  // visits_ erases the subject's interests before interests_ gets its turn.
  auto summary = Erase(kA, 5000);
  ASSERT_TRUE(summary);
  EXPECT_EQ(summary->erased_at, 5000);
  EXPECT_EQ(summary->deleted.at("consents"), 3);
  EXPECT_EQ(summary->deleted.at("receipts"), 2);
  EXPECT_EQ(summary->deleted.at("visits"), 2);
  EXPECT_EQ(summary->deleted.at("interests"), 2);
  EXPECT_EQ(summary->deleted.at("subjects"), 1);
}

TEST_F(DataRightsTest, ErasureAppendsAnIdentifierFreeEntryAndKeepsTheChainIntact) {
  ASSERT_TRUE(Erase(kA));
  auto verification = db_.Read([](store::Connection& c) { return AuditLog::Verify(c); });
  ASSERT_TRUE(verification);
  EXPECT_TRUE(verification->intact) << verification->problem;
  EXPECT_EQ(verification->entries, 4);  // 1 of A, 2 of B, the erasure

  auto last = ValueOrDie(db_.Read([](store::Connection& c) -> Result<std::vector<std::string>> {
    OPTIN_ASSIGN_OR_RETURN(auto s, c.Prepare("SELECT kind, detail, subject_id IS NULL FROM "
                                             "audit_log ORDER BY seq DESC LIMIT 1"));
    OPTIN_TRY(s.Step());
    return std::vector<std::string>{s.ColumnText(0), s.ColumnText(1),
                                    std::to_string(s.ColumnInt(2))};
  }),
                         "last entry");
  EXPECT_EQ(last[0], "subject.erased");
  EXPECT_EQ(last[1].find(std::string(kA)), std::string::npos);
  EXPECT_NE(last[1].find("\"interests\":2"), std::string::npos) << last[1];
  EXPECT_EQ(last[2], "1");
  // A's old entry stays in the chain but no longer points at anyone.
  EXPECT_EQ(db_.Count("audit_log", "subject_id = ?", kA), 0);
  EXPECT_EQ(db_.Count("audit_log", "subject_id = ?", kB), 2);
}

TEST_F(DataRightsTest, ErasingAnUnknownSubjectSucceedsAndDeletesNothing) {
  const std::string before = db_.Snapshot();
  auto summary = Erase("nobody");
  ASSERT_TRUE(summary);
  for (const auto& [kind, n] : summary->deleted) EXPECT_EQ(n, 0) << kind;
  EXPECT_EQ(db_.Count("subjects"), 2);
  EXPECT_EQ(db_.Count("consents"), 6);
  EXPECT_EQ(db_.Count("receipts"), 5);
  EXPECT_EQ(db_.Count("interests"), 4);
}

TEST_F(DataRightsTest, ErasureReceiptVerifiesWithTheDeviceKeyAndHoldsNoSubjectId) {
  auto summary = Erase(kA, 5000);
  ASSERT_TRUE(summary);
  auto jws = DataRights::SignErasureReceipt(keys_.signer(), "store-0042", *summary);
  ASSERT_TRUE(jws) << jws.error().message;
  auto parsed = VerifyJws(keys_.public_key(), *jws);
  ASSERT_TRUE(parsed) << parsed.error().message;
  EXPECT_EQ(parsed->header.at("typ"), "erasure-receipt+jws");
  const auto& payload = parsed->payload;
  EXPECT_EQ(payload.at("erasedAt"), 5000);
  EXPECT_EQ(payload.at("controller"), "store-0042");
  for (const auto& [kind, n] : summary->deleted) {
    EXPECT_EQ(payload.at("deleted").at(kind), n) << kind;
  }
  const std::string text = boost::json::serialize(payload);
  EXPECT_EQ(text.find(std::string(kA)), std::string::npos);
  EXPECT_EQ(text.find(std::string(kA.substr(0, 16))), std::string::npos);
  EXPECT_FALSE(payload.contains("piiPrincipalId"));
  EXPECT_FALSE(payload.contains("subject"));
}

TEST_F(DataRightsTest, ErasedSubjectLeavesNoBytesInTheDatabaseFiles) {
  ASSERT_TRUE(Erase(kA));
  db_.db().Stop();
  for (const char* suffix : {"", "-wal"}) {
    std::ifstream in(db_.file().string() + suffix, std::ios::binary);
    if (!in) continue;
    std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    EXPECT_EQ(bytes.find(std::string(kA)), std::string::npos) << "in file" << suffix;
    EXPECT_NE(bytes.find(std::string(kB)), std::string::npos) << "control, file" << suffix;
    break;  // after a truncating checkpoint the main file holds everything
  }
}

}  // namespace
}  // namespace optin::privacy::data_rights_test
