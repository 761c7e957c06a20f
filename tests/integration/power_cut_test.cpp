// Power cuts: the real daemon is SIGKILLed under a write load of check-ins and consent changes
// from several clients, round after round, and restarted on the same data dir; after each
// restart every write a client saw acknowledged (2xx) must be on disk and PRAGMA
// integrity_check must say ok. A second test cuts the power during an erasure (DELETE /v1/me),
// which must then be done wholly or not at all. The kill moments are random but seeded: the seed
// is printed, and OPTIN_POWER_CUT_SEED=<seed> replays the same choices (the thread interleaving
// still varies). OPTIN_POWER_CUT_ROUNDS overrides the number of rounds.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <cstdlib>
#include <map>
#include <mutex>
#include <optional>
#include <random>
#include <thread>

#include "tests/integration/daemon_harness.h"
#include "tests/integration/db_reader.h"

namespace optin::testing::power_cut_test {
namespace {

using boost::json::object;

uint64_t EnvNumber(const char* name, uint64_t fallback) {
  const char* v = std::getenv(name);
  return v != nullptr && *v != '\0' ? std::stoull(v) : fallback;
}

uint64_t ChooseSeed() {
  const uint64_t seed = EnvNumber("OPTIN_POWER_CUT_SEED", std::random_device{}());
  std::printf("power-cut seed: %llu (replay with OPTIN_POWER_CUT_SEED=%llu)\n",
              static_cast<unsigned long long>(seed), static_cast<unsigned long long>(seed));
  return seed;
}

std::string Str(const boost::json::value& v) { return std::string(v.as_string().c_str()); }

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    if (!line.empty()) out.push_back(line);
  }
  return out;
}

// One shopper a client checked in, and what that client saw acknowledged about them.
struct Shopper {
  std::string visit_token;
  std::string visit_id;
  std::map<std::string, bool> granted;  // purpose -> last acknowledged decision
};

// A request the daemon may or may not have committed: it was sent, no answer came back.
struct InFlight {
  size_t shopper = 0;
  std::string purpose;
  bool granted = false;
};

// One client thread's own shoppers (no other client touches them, so each shopper's changes
// are ordered) and the ids of everything it saw acknowledged.
struct Client {
  std::vector<Shopper> shoppers;
  std::vector<std::string> visit_ids;
  std::vector<std::string> receipt_ids;
  std::optional<InFlight> in_flight;  // this round's last consent change, if unanswered
  std::string failure;                // an answer that was neither 2xx nor a cut connection
};

// What the clients of one round share: the token pool and the count of acknowledged writes.
struct Round {
  const Daemon* daemon = nullptr;
  std::string presence_code;
  const std::vector<std::string>* tokens = nullptr;
  std::atomic<size_t>* next_token = nullptr;
  std::mutex mu;
  std::condition_variable cv;
  size_t acknowledged = 0;  // GUARDED_BY(mu)
  size_t running = 0;       // GUARDED_BY(mu)
};

constexpr const char* kTogglePurposes[] = {"offers", "history", "assistance"};

// Writes until the daemon stops answering (or answers wrongly). Daemon::Request only reads the
// port, so clients share the Daemon.
void RunClient(Client& me, Round& round, uint64_t seed) {
  std::mt19937_64 rng(seed);
  me.in_flight.reset();
  for (;;) {
    const bool check_in = me.shoppers.empty() || rng() % 3 == 0;
    size_t token_index = check_in ? round.next_token->fetch_add(1) : 0;
    if (check_in && token_index < round.tokens->size()) {
      auto r = round.daemon->Request(
          "POST", "/v1/checkins",
          R"({"presence_code":")" + round.presence_code + R"(","purposes":{"offers":true}})",
          (*round.tokens)[token_index]);
      if (r.status == 0) break;  // the power went
      if (r.status != 201) {
        me.failure = "check-in answered " + std::to_string(r.status) + ": " + r.body;
        break;
      }
      const object body = r.json().as_object();
      Shopper s;
      s.visit_token = Str(body.at("visit_token"));
      s.visit_id = Str(body.at("visit").at("id"));
      s.granted = {{"presence", true}, {"offers", true}};
      me.visit_ids.push_back(s.visit_id);
      me.receipt_ids.push_back(Str(body.at("receipt").at("id")));
      me.shoppers.push_back(std::move(s));
    } else if (me.shoppers.empty()) {
      me.failure = "the token pool ran out before this client had a shopper";
      break;
    } else {
      const size_t i = rng() % me.shoppers.size();
      Shopper& s = me.shoppers[i];
      const std::string purpose = kTogglePurposes[rng() % std::size(kTogglePurposes)];
      const auto known = s.granted.find(purpose);
      const bool granted = known == s.granted.end() ? true : !known->second;
      me.in_flight = InFlight{i, purpose, granted};
      auto r = round.daemon->Request("PUT", "/v1/me/consents/" + purpose,
                                     granted ? R"({"granted":true})" : R"({"granted":false})",
                                     s.visit_token);
      if (r.status == 0) break;  // the power went; in_flight stays
      me.in_flight.reset();
      if (r.status != 200) {
        me.failure = "consent change answered " + std::to_string(r.status) + ": " + r.body;
        break;
      }
      s.granted[purpose] = granted;
      me.receipt_ids.push_back(Str(r.json().as_object().at("receipt").at("id")));
    }
    {
      std::lock_guard lock(round.mu);
      ++round.acknowledged;
    }
    round.cv.notify_all();
  }
  {
    std::lock_guard lock(round.mu);
    --round.running;
  }
  round.cv.notify_all();
}

class PowerCutTest : public DaemonTest {
 protected:
  // Every acknowledged write of every client is on disk, the file is sound, and the daemon
  // answers with the acknowledged consents. Settles each unanswered change to what was kept.
  void ExpectAllAcknowledgedWritesPresent(std::vector<Client>& clients, int round) {
    DbReader db(daemon_->db_file());
    EXPECT_EQ(db.IntegrityCheck(), "ok") << "round " << round;
    size_t visits = 0, receipts = 0;
    for (Client& c : clients) {
      for (const auto& id : c.visit_ids) {
        visits += db.Int("SELECT count(*) FROM visits WHERE id = ?", {id}) == 1 ? 1 : 0;
      }
      for (const auto& id : c.receipt_ids) {
        receipts += db.Int("SELECT count(*) FROM receipts WHERE id = ?", {id}) == 1 ? 1 : 0;
      }
      auto stored = [&db](const Shopper& s, const std::string& purpose) -> std::optional<bool> {
        auto v = db.Text(
            "SELECT c.granted FROM consents c JOIN visits v ON v.subject_id = c.subject_id "
            "WHERE v.id = ? AND c.purpose = ?",
            {s.visit_id, purpose});
        if (!v) return std::nullopt;
        return *v == "1";
      };
      if (c.in_flight) {
        // Sent but unanswered: committed or not, both are right; what was kept counts now.
        Shopper& s = c.shoppers[c.in_flight->shopper];
        if (stored(s, c.in_flight->purpose) == c.in_flight->granted) {
          s.granted[c.in_flight->purpose] = c.in_flight->granted;
        }
        c.in_flight.reset();
      }
      for (const Shopper& s : c.shoppers) {
        for (const auto& [purpose, granted] : s.granted) {
          EXPECT_EQ(stored(s, purpose), std::optional<bool>(granted))
              << "round " << round << ": acknowledged " << purpose << "=" << granted
              << " for visit " << s.visit_id << " is not on disk";
        }
      }
    }
    size_t want_visits = 0, want_receipts = 0;
    for (const Client& c : clients) {
      want_visits += c.visit_ids.size();
      want_receipts += c.receipt_ids.size();
    }
    EXPECT_EQ(visits, want_visits) << "round " << round << ": acknowledged check-ins lost";
    EXPECT_EQ(receipts, want_receipts) << "round " << round << ": acknowledged receipts lost";

    // Through the API too: the newest shopper of each client reads back as acknowledged.
    for (const Client& c : clients) {
      if (c.shoppers.empty()) continue;
      const Shopper& s = c.shoppers.back();
      auto me = daemon_->Request("GET", "/v1/me", "", s.visit_token);
      ASSERT_EQ(me.status, 200) << "round " << round << ": " << me.body;
      std::map<std::string, std::string> states;
      const boost::json::value body = me.json();
      for (const auto& p : body.at("purposes").as_array()) {
        states[Str(p.at("purpose"))] = Str(p.at("state"));
      }
      for (const auto& [purpose, granted] : s.granted) {
        EXPECT_EQ(states[purpose], granted ? "granted" : "withdrawn")
            << "round " << round << ": " << purpose;
      }
    }
  }
};

TEST_F(PowerCutTest, EveryAcknowledgedWriteSurvivesRepeatedSigkillUnderLoad) {
  const uint64_t seed = ChooseSeed();
  const int rounds = static_cast<int>(EnvNumber("OPTIN_POWER_CUT_ROUNDS", 25));
  constexpr size_t kClients = 3;
  std::mt19937_64 rng(seed);
  // Each acknowledged write is one ES256 signature and one fsync'd commit: a few dozen per
  // round keeps the whole test well under a minute on a loaded 2-core machine.
  std::uniform_int_distribution<size_t> kill_after(1, 48);
  const std::vector<std::string> tokens =
      Lines(daemon_->Ctl("token mint --sub power-cut --ttl 3600 --count " +
                         std::to_string(static_cast<size_t>(rounds) * 20 + 30)));
  std::atomic<size_t> next_token{0};

  std::vector<Client> clients(kClients);
  size_t total_acknowledged = 0;
  for (int round = 1; round <= rounds; ++round) {
    Round r;
    r.daemon = daemon_.get();
    r.presence_code = daemon_->PresenceCode();
    r.tokens = &tokens;
    r.next_token = &next_token;
    r.running = kClients;
    const size_t target = kill_after(rng);
    std::vector<std::thread> threads;
    for (size_t i = 0; i < kClients; ++i) {
      threads.emplace_back(RunClient, std::ref(clients[i]), std::ref(r), rng());
    }
    {
      std::unique_lock lock(r.mu);
      r.cv.wait(lock, [&] { return r.acknowledged >= target || r.running == 0; });
      total_acknowledged += r.acknowledged;
    }
    daemon_->Kill();  // the power goes, mid-request for every client
    for (auto& t : threads) t.join();
    for (const Client& c : clients) ASSERT_EQ(c.failure, "") << "round " << round;

    ASSERT_TRUE(daemon_->Start()) << "round " << round << ": no restart after SIGKILL\n"
                                  << ReadWholeFile(daemon_->log_file());
    ExpectAllAcknowledgedWritesPresent(clients, round);
    if (HasFailure()) break;
  }
  std::printf("power-cut: %d rounds, %zu acknowledged writes (seed %llu)\n", rounds,
              total_acknowledged, static_cast<unsigned long long>(seed));
  EXPECT_GE(total_acknowledged, static_cast<size_t>(rounds)) << "the load never got going";
}

// Rows that hang off one subject, counted on disk.
struct SubjectRows {
  int64_t subjects = 0, visits = 0, consents = 0, receipts = 0, audit_links = 0;
  bool operator==(const SubjectRows&) const = default;
  bool none() const { return *this == SubjectRows{}; }
};

SubjectRows CountRows(DbReader& db, const std::string& subject_id) {
  SubjectRows r;
  r.subjects = db.Int("SELECT count(*) FROM subjects WHERE id = ?", {subject_id});
  r.visits = db.Int("SELECT count(*) FROM visits WHERE subject_id = ?", {subject_id});
  r.consents = db.Int("SELECT count(*) FROM consents WHERE subject_id = ?", {subject_id});
  r.receipts = db.Int("SELECT count(*) FROM receipts WHERE subject_id = ?", {subject_id});
  r.audit_links = db.Int("SELECT count(*) FROM audit_log WHERE subject_id = ?", {subject_id});
  return r;
}

std::ostream& operator<<(std::ostream& os, const SubjectRows& r) {
  return os << "{subjects " << r.subjects << ", visits " << r.visits << ", consents " << r.consents
            << ", receipts " << r.receipts << ", audit links " << r.audit_links << "}";
}

// Gives `subject_id` `n` more consent receipts, written beside the running daemon, so that
// erasing them takes long enough to be cut in the middle.
void AddReceipts(const std::filesystem::path& file, const std::string& subject_id, int n,
                 uint64_t salt) {
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(file.c_str(), &db), SQLITE_OK);
  sqlite3_busy_timeout(db, 10000);
  ASSERT_EQ(sqlite3_exec(db, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr), SQLITE_OK);
  sqlite3_stmt* stmt = nullptr;
  ASSERT_EQ(sqlite3_prepare_v2(db,
                               "INSERT INTO receipts(id, subject_id, issued_at, jws) "
                               "VALUES (?, ?, unixepoch(), ?)",
                               -1, &stmt, nullptr),
            SQLITE_OK);
  const std::string jws(700, 'j');  // about the size of a real signed receipt
  for (int i = 0; i < n; ++i) {
    const std::string id = "bulk-" + std::to_string(salt) + "-" + std::to_string(i);
    sqlite3_bind_text(stmt, 1, id.c_str(), -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(stmt, 2, subject_id.c_str(), -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(stmt, 3, jws.c_str(), -1, SQLITE_STATIC);
    ASSERT_EQ(sqlite3_step(stmt), SQLITE_DONE);
    sqlite3_reset(stmt);
  }
  sqlite3_finalize(stmt);
  ASSERT_EQ(sqlite3_exec(db, "COMMIT", nullptr, nullptr, nullptr), SQLITE_OK);
  // An empty write-ahead log, so that the erasure's progress shows in its size.
  ASSERT_EQ(sqlite3_exec(db, "PRAGMA wal_checkpoint(TRUNCATE)", nullptr, nullptr, nullptr),
            SQLITE_OK);
  sqlite3_close(db);
}

int64_t FileSize(const std::filesystem::path& p) {
  std::error_code ec;
  auto n = std::filesystem::file_size(p, ec);
  return ec ? 0 : static_cast<int64_t>(n);
}

// Sends "METHOD /target" with a bearer token on a new loopback connection without waiting for
// the answer; returns the socket (or -1).
int SendRequest(uint16_t port, const std::string& request_line, const std::string& bearer) {
  int fd = ConnectLoopback(port);
  if (fd < 0) return -1;
  const std::string req = request_line +
                          " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
                          "Authorization: Bearer " +
                          bearer + "\r\nContent-Length: 0\r\n\r\n";
  if (send(fd, req.data(), req.size(), MSG_NOSIGNAL) != static_cast<ssize_t>(req.size())) {
    close(fd);
    return -1;
  }
  return fd;
}

// Reads the answer on `fd` to its end and closes it; its status, or 0 when none came.
int ReadStatus(int fd) {
  std::string resp;
  char buf[4096];
  ssize_t n;
  while ((n = recv(fd, buf, sizeof buf, 0)) > 0) resp.append(buf, static_cast<size_t>(n));
  close(fd);
  return resp.size() >= 12 && resp.starts_with("HTTP/1.1 ") ? std::stoi(resp.substr(9, 3)) : 0;
}

TEST_F(PowerCutTest, ErasureCutByPowerLossIsWhollyDoneOrNotAtAll) {
  const uint64_t seed = ChooseSeed();
  const int rounds = static_cast<int>(EnvNumber("OPTIN_POWER_CUT_ROUNDS", 25) / 3 + 1);
  std::mt19937_64 rng(seed);
  // A bystander, who must come through every cut untouched.
  auto bystander = CheckIn("power-cut-bystander", R"({"offers": true})");
  const std::string bystander_visit = Str(bystander.response.at("visit").at("id"));
  auto wal = daemon_->db_file();
  wal += "-wal";

  int done = 0, not_done = 0, cut_mid_erasure = 0;
  for (int round = 1; round <= rounds; ++round) {
    auto shopper = CheckIn("erasure-cut-" + std::to_string(round), R"({"offers": true})");
    const std::string visit_id = Str(shopper.response.at("visit").at("id"));
    std::string subject_id, bystander_id;
    SubjectRows before, bystander_before;
    {
      DbReader db(daemon_->db_file());
      subject_id = *db.Text("SELECT subject_id FROM visits WHERE id = ?", {visit_id});
      bystander_id = *db.Text("SELECT subject_id FROM visits WHERE id = ?", {bystander_visit});
    }
    AddReceipts(daemon_->db_file(), subject_id, 6000, rng());
    if (HasFatalFailure()) return;
    {
      DbReader db(daemon_->db_file());
      before = CountRows(db, subject_id);
      bystander_before = CountRows(db, bystander_id);
    }
    const int64_t wal_before = FileSize(wal);

    // Where the power goes: right after the request is sent, once the erasure has written a
    // random amount to the write-ahead log, or once the answer is back.
    const int where = static_cast<int>(rng() % 3);
    const int64_t wal_mark = wal_before + 4096 + static_cast<int64_t>(rng() % (6 << 20));
    const int fd = SendRequest(daemon_->port(), "DELETE /v1/me", shopper.visit_token);
    ASSERT_GE(fd, 0);
    // Waits on a condition, polled: the answer, or the erasure's progress on disk.
    pollfd answer{fd, POLLIN, 0};
    bool mid_erasure = false;
    while (where != 0 && poll(&answer, 1, 1) == 0) {
      if (where == 1 && FileSize(wal) >= wal_mark) {
        mid_erasure = true;
        break;
      }
    }
    cut_mid_erasure += mid_erasure ? 1 : 0;
    daemon_->Kill();
    const bool acknowledged = ReadStatus(fd) == 200;

    ASSERT_TRUE(daemon_->Start()) << ReadWholeFile(daemon_->log_file());
    DbReader db(daemon_->db_file());
    EXPECT_EQ(db.IntegrityCheck(), "ok") << "round " << round;
    const SubjectRows after = CountRows(db, subject_id);
    EXPECT_TRUE(after.none() || after == before)
        << "round " << round << ": a cut erasure left " << after << " of " << before;
    if (acknowledged) {
      EXPECT_TRUE(after.none()) << "round " << round << ": an acknowledged erasure left " << after;
    }
    EXPECT_EQ(CountRows(db, bystander_id), bystander_before) << "round " << round;
    if (after.none()) {
      ++done;
      EXPECT_EQ(daemon_->Request("GET", "/v1/me", "", shopper.visit_token).status, 401);
    } else {
      ++not_done;
      // The shopper still exists and can ask again; this time it completes.
      auto again = daemon_->Request("DELETE", "/v1/me", "", shopper.visit_token);
      EXPECT_EQ(again.status, 200) << again.body;
      EXPECT_TRUE(CountRows(db, subject_id).none()) << "round " << round;
    }
    if (HasFailure()) break;
  }
  std::printf(
      "erasure power cuts: %d rounds, %d cut while the erasure was writing its log, %d found "
      "done, %d found not done (seed %llu)\n",
      rounds, cut_mid_erasure, done, not_done, static_cast<unsigned long long>(seed));
  ASSERT_EQ(daemon_->Stop(), 0);
  auto audit = daemon_->CtlResult("audit verify");
  EXPECT_EQ(audit.exit_code, 0) << audit.out;
}

}  // namespace
}  // namespace optin::testing::power_cut_test
