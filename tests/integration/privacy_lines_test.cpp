// Privacy lines 2, 8, 9 and 10 of PRODUCT.md, proved against the real daemon and its real
// database files and log.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <set>

#include "tests/integration/daemon_harness.h"

namespace optin::testing::privacy_lines_test {
namespace {

std::string DatabaseBytes(const Daemon& d) {
  std::string all;
  for (const char* suffix : {"", "-wal", "-shm", "-journal"}) {
    auto p = d.db_file().string() + suffix;
    if (std::filesystem::exists(p)) all += ReadWholeFile(p);
  }
  return all;
}

std::string Str(const boost::json::value& v) { return std::string(v.as_string().c_str()); }

class PrivacyLinesTest : public DaemonTest {};

// Line 8: after DELETE /v1/me no byte of the shopper remains in the database files.
TEST_F(PrivacyLinesTest, ErasureLeavesNoBytesInDatabaseFiles) {
  const std::string sub = "erasure-subject-7f3a9c";
  auto shopper = CheckIn(sub, R"({"offers": true, "history": true})");
  auto other = CheckIn("bystander-5511", R"({"offers": true})");
  ASSERT_EQ(daemon_
                ->Request("PUT", "/v1/me/interests",
                          R"({"interests":[{"topic":"trail running","expertise":"beginner"}]})",
                          shopper.visit_token)
                .status,
            200);
  auto me = daemon_->Request("GET", "/v1/me", "", shopper.token).json().as_object();
  const std::string pseudonym = Str(me["subject"].as_object()["pseudonym"]);
  const std::string visit_id = Str(shopper.response["visit"].as_object()["id"]);
  const std::string receipt_id = Str(shopper.response["receipt"].as_object()["id"]);
  const std::string receipt_jws = Str(shopper.response["receipt"].as_object()["jws"]);
  // Before erasure the records are there (the check below is not vacuous).
  ASSERT_NE(DatabaseBytes(*daemon_).find(pseudonym), std::string::npos);
  ASSERT_NE(DatabaseBytes(*daemon_).find(receipt_id), std::string::npos);

  auto erased = daemon_->Request("DELETE", "/v1/me", "", shopper.token);
  ASSERT_EQ(erased.status, 200) << erased.body;
  auto deleted = erased.json().as_object()["deleted"].as_object();
  EXPECT_EQ(deleted["subjects"].as_int64(), 1);
  EXPECT_EQ(deleted["visits"].as_int64(), 1);
  EXPECT_EQ(deleted["interests"].as_int64(), 1);
  EXPECT_GE(deleted["receipts"].as_int64(), 1);
  EXPECT_EQ(erased.body.find(pseudonym), std::string::npos)
      << "the erasure receipt names the subject";

  const std::string bytes = DatabaseBytes(*daemon_);
  for (const std::string& needle :
       {pseudonym, visit_id, receipt_id, receipt_jws.substr(receipt_jws.rfind('.') + 1),
        std::string(sub)}) {
    EXPECT_EQ(bytes.find(needle), std::string::npos) << "still in the database files: " << needle;
  }
  // The other shopper is untouched.
  auto still = daemon_->Request("GET", "/v1/me", "", other.token);
  ASSERT_EQ(still.status, 200);
  EXPECT_EQ(still.json().as_object()["visits"].as_array().size(), 1u);
  // And the audit chain still verifies, with the erasure recorded.
  auto audit = daemon_->CtlResult("audit verify");
  EXPECT_EQ(audit.exit_code, 0) << audit.out;
}

// Line 9: loyalty and app ids and tokens are never stored raw.
TEST_F(PrivacyLinesTest, RawIdentifiersAreNeverStored) {
  const std::string sub = "LOYALTY-0042-9876-5555";
  auto shopper = CheckIn(sub, R"({"offers": true, "assistance": true})");
  ASSERT_EQ(
      daemon_->Request("PUT", "/v1/me/consents/history", R"({"granted":true})", shopper.visit_token)
          .status,
      200);
  ASSERT_EQ(daemon_->Request("POST", "/v1/checkins/current/end", "", shopper.visit_token).status,
            200);
  const std::string bytes = DatabaseBytes(*daemon_);
  EXPECT_EQ(bytes.find(sub), std::string::npos) << "raw loyalty id stored";
  EXPECT_EQ(bytes.find(shopper.token.substr(shopper.token.rfind('.') + 1)), std::string::npos)
      << "app token stored";
  EXPECT_EQ(bytes.find(shopper.visit_token), std::string::npos) << "visit token stored";
  // The subject exists, but only as a keyed pseudonym.
  auto me = daemon_->Request("GET", "/v1/me", "", shopper.token).json().as_object();
  const std::string pseudonym = Str(me["subject"].as_object()["pseudonym"]);
  EXPECT_EQ(pseudonym.size(), 64u);
  EXPECT_NE(bytes.find(pseudonym), std::string::npos);
}

// Line 10: a whole scenario, including refusals, leaves nothing personal in the log: check-in,
// consents, interests, help requests with a note and a first name, staff login (and a wrong
// PIN), the staff queue, claim, resolve, cancel, logout, and erasure.
TEST_F(PrivacyLinesTest, LogsHoldNothingPersonal) {
  const std::string sub = "log-probe-subject-31337";
  auto shopper = CheckIn(sub, R"({"offers": true, "assistance": true, "name_to_staff": true})");
  const std::string visit_id = Str(shopper.response["visit"].as_object()["id"]);
  const std::string visit_name = Str(shopper.response["visit"].as_object()["pseudonym"]);
  const std::string receipt_id = Str(shopper.response["receipt"].as_object()["id"]);
  // Refusals of every kind.
  EXPECT_EQ(
      daemon_
          ->Request("POST", "/v1/checkins",
                    R"({"presence_code":")" + daemon_->PresenceCode() + R"("})", shopper.token)
          .status,
      409);
  EXPECT_EQ(daemon_
                ->Request("PUT", "/v1/me/consents/offers", R"({"granted":true,"gender":"x"})",
                          shopper.visit_token)
                .status,
            422);
  EXPECT_EQ(
      daemon_
          ->Request("PUT", "/v1/me/interests", R"({"interests":["knitting"]})", shopper.visit_token)
          .status,
      400);
  EXPECT_EQ(daemon_->Request("GET", "/v1/me", "", shopper.token + "x").status, 401);
  EXPECT_EQ(
      daemon_->Request("PUT", "/v1/me/consents/offers", R"({"granted":false})", shopper.visit_token)
          .status,
      200);
  auto me = daemon_->Request("GET", "/v1/me", "", shopper.visit_token).json().as_object();
  const std::string pseudonym = Str(me["subject"].as_object()["pseudonym"]);

  // Help, staff and claim routes.
  const std::string note = "log-probe-note-need-size-44-boots";
  const std::string first_name = "Zoltanlogprobe";
  auto asked = daemon_->Request("POST", "/v1/assist",
                                R"({"topic":"sizing and fit","expertise":"beginner","note":")" +
                                    note + R"(","first_name":")" + first_name + R"("})",
                                shopper.visit_token);
  ASSERT_EQ(asked.status, 201) << asked.body;
  const std::string help_id = Str(asked.json().at("request").at("id"));
  EXPECT_EQ(daemon_->Request("GET", "/v1/assist/" + help_id, "", shopper.visit_token).status, 200);
  EXPECT_EQ(daemon_
                ->Request("POST", "/v1/assist", R"({"topic":"sizing and fit","expertise":"x"})",
                          shopper.visit_token)
                .status,
            400);
  const std::string staff_id = "logprobe-staffer-Kq2";
  const std::string pin = "864209";
  CommandResult added = RunCommand("echo " + pin + " | " + std::string(OPTINCTL_PATH) +
                                   " --data-dir " + daemon_->data_dir().string() +
                                   " staff add --id " + staff_id + " --role associate");
  ASSERT_EQ(added.exit_code, 0) << added.out;
  EXPECT_EQ(daemon_
                ->Request("POST", "/v1/staff/login",
                          R"({"staff_id":")" + staff_id + R"(","pin":"000111"})")
                .status,
            401);
  auto login = daemon_->Request("POST", "/v1/staff/login",
                                R"({"staff_id":")" + staff_id + R"(","pin":")" + pin + R"("})");
  ASSERT_EQ(login.status, 200) << login.body;
  const std::string staff_token = Str(login.json().at("token"));
  auto queue = daemon_->Request("GET", "/v1/staff/prompts", "", staff_token);
  ASSERT_EQ(queue.status, 200);
  ASSERT_NE(queue.body.find(first_name), std::string::npos) << "the scenario shows the name";
  EXPECT_EQ(
      daemon_->Request("POST", "/v1/staff/prompts/" + help_id + "/claim", "", staff_token).status,
      200);
  EXPECT_EQ(
      daemon_->Request("POST", "/v1/staff/prompts/h_nosuchprompt/claim", "", staff_token).status,
      404);
  EXPECT_EQ(
      daemon_->Request("POST", "/v1/staff/prompts/" + help_id + "/resolve", "", staff_token).status,
      200);
  EXPECT_EQ(daemon_->Request("DELETE", "/v1/assist/" + help_id, "", shopper.visit_token).status,
            409);
  auto second =
      daemon_->Request("POST", "/v1/assist", R"({"topic":"sizing and fit","expertise":"beginner"})",
                       shopper.visit_token);
  ASSERT_EQ(second.status, 201) << second.body;
  const std::string second_id = Str(second.json().at("request").at("id"));
  EXPECT_EQ(daemon_->Request("DELETE", "/v1/assist/" + second_id, "", shopper.visit_token).status,
            200);
  EXPECT_EQ(daemon_->Request("POST", "/v1/staff/logout", "", staff_token).status, 200);
  EXPECT_EQ(daemon_->Request("GET", "/v1/staff/prompts", "", staff_token).status, 401);

  EXPECT_EQ(daemon_->Request("DELETE", "/v1/me", "", shopper.token).status, 200);
  ASSERT_EQ(daemon_->Stop(), 0);

  const std::string log = ReadWholeFile(daemon_->log_file());
  ASSERT_NE(log.find("checkin.accepted"), std::string::npos) << "the log is not being written";
  for (const char* event : {"assist.requested", "staff.logged_in", "assist.cancelled"}) {
    EXPECT_NE(log.find(event), std::string::npos) << "the scenario did not log " << event;
  }
  for (const std::string& needle :
       {sub, pseudonym, shopper.token.substr(0, 40), shopper.visit_token, visit_id, visit_name,
        receipt_id, note, first_name, help_id, second_id, staff_id, pin, staff_token}) {
    EXPECT_EQ(log.find(needle), std::string::npos) << "personal data in the log: " << needle;
  }
}

// Line 2: demographic fields have no column anywhere and are refused by every route.
TEST_F(PrivacyLinesTest, DemographicFieldsAreRefusedAndHaveNoColumn) {
  auto shopper = CheckIn("demographics-1", R"({"offers": true})");
  struct Case {
    std::string method, target, body, token;
  };
  const std::string code = daemon_->PresenceCode();
  std::vector<Case> cases = {
      {"POST", "/v1/checkins", R"({"presence_code":")" + code + R"(","age":34})",
       daemon_->MintToken("demographics-2")},
      {"POST", "/v1/checkins",
       R"({"presence_code":")" + code + R"(","purposes":{"offers":true},"profile":{"gender":"f"}})",
       daemon_->MintToken("demographics-3")},
      {"PUT", "/v1/me/consents/offers", R"({"granted":true,"ethnicity":"x"})", shopper.visit_token},
      {"PUT", "/v1/me/interests",
       R"({"interests":[{"topic":"running","birth_date":"1990-01-01"}]})", shopper.visit_token},
      {"PUT", "/v1/me/interests", R"({"interests":["running"],"sex":"m"})", shopper.visit_token},
      {"PUT", "/v1/me/consents/offers", R"({"granted":true,"face_image":"x"})",
       shopper.visit_token},
  };
  for (const auto& c : cases) {
    auto r = daemon_->Request(c.method, c.target, c.body, c.token);
    EXPECT_EQ(r.status, 422) << c.body << " -> " << r.body;
    auto problem = r.json().as_object();
    EXPECT_EQ(Str(problem["type"]), "urn:optin-edge:problem:forbidden-field");
    EXPECT_FALSE(Str(problem["field"]).empty());
  }
  // The refused check-ins created nothing.
  EXPECT_EQ(daemon_->Request("GET", "/v1/me", "", cases[0].token)
                .json()
                .as_object()["visits"]
                .as_array()
                .size(),
            0u);

  // No column anywhere in the schema names a demographic attribute.
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open_v2(daemon_->db_file().c_str(), &db, SQLITE_OPEN_READONLY, nullptr),
            SQLITE_OK);
  sqlite3_stmt* stmt = nullptr;
  ASSERT_EQ(
      sqlite3_prepare_v2(db,
                         "SELECT m.name, p.name FROM sqlite_schema m, pragma_table_info(m.name) p "
                         "WHERE m.type = 'table'",
                         -1, &stmt, nullptr),
      SQLITE_OK);
  int columns = 0;
  while (sqlite3_step(stmt) == SQLITE_ROW) {
    std::string column = reinterpret_cast<const char*>(sqlite3_column_text(stmt, 1));
    ++columns;
    for (const char* word : {"age", "birth", "dob", "sex", "gender", "ethnic", "race", "face",
                             "image", "photo", "biometric"}) {
      std::string lower = column;
      for (auto& ch : lower) ch = static_cast<char>(std::tolower(ch));
      bool hit = lower == word || lower.starts_with(std::string(word) + "_") ||
                 lower.ends_with(std::string("_") + word);
      EXPECT_FALSE(hit) << "column " << column << " in " << sqlite3_column_text(stmt, 0);
    }
  }
  EXPECT_GT(columns, 10);
  sqlite3_finalize(stmt);
  sqlite3_close(db);
}

}  // namespace
}  // namespace optin::testing::privacy_lines_test
