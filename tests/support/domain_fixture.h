// Test worlds for single domain modules: a real SQLite product database in a temporary
// directory, a fake clock, deterministic randomness, a device signing key, and a consent ledger
// (ConsentWorld) or a ledger and a visit service with no hooks (VisitsWorld), for the tests of
// those modules alone. The daemon's wired graph (every module and hook) is DomainWorld in
// tests/support/domain_world.h. Header-only so that each test program links only the modules it
// uses (privacy_tests use ProductDatabase and DeviceKeys, which need no consent/visits code).
// One instance per test; not thread-safe.
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "consent/consent_ledger.h"
#include "platform/clock.h"
#include "platform/crypto.h"
#include "platform/error.h"
#include "platform/random.h"
#include "privacy/pseudonymizer.h"
#include "privacy/receipt_signer.h"
#include "store/connection.h"
#include "store/database.h"
#include "tests/support/temp_dir.h"
#include "visits/visit_service.h"

namespace optin::testing {

// Unwraps a Result in test set-up code, failing loudly (and aborting the test) on error.
template <class T>
T ValueOrDie(Result<T> r, std::string_view what) {
  if (!r) {
    ADD_FAILURE() << what << ": " << r.error().message;
    std::abort();
  }
  return std::move(*r);
}

// The stable reason slug of a failed Result ("token-expired"), or "ok" when it succeeded.
template <class T>
std::string ReasonOf(const Result<T>& r) {
  return r ? std::string("ok") : r.error().reason;
}

// The product schema (store::Schema()) in a real SQLite file under a temporary directory.
class ProductDatabase {
 public:
  ProductDatabase() {
    store::DatabaseOptions options;
    options.file = dir_ / "optin.db";
    db_ = ValueOrDie(store::Database::Open(std::move(options)), "open the product database");
  }

  store::Database& db() { return *db_; }
  const std::filesystem::path& file() const { return db_->file(); }
  const TempDir& dir() const { return dir_; }

  // Runs `job` as one write job (its own savepoint in the writer's transaction) and waits for
  // it to be durable. `job` returns Status or Result<T>; so does Write.
  template <class F>
  auto Write(F&& job, store::WriteOptions options = {}) {
    using R = std::invoke_result_t<F&, store::Connection&>;
    if constexpr (std::is_void_v<typename R::value_type>) {
      return db_->WriteSync(store::Database::WriteJob(std::forward<F>(job)), options);
    } else {
      return db_->WriteSync<typename R::value_type>(
          std::function<R(store::Connection&)>(std::forward<F>(job)), options);
    }
  }

  // Runs `job` on a reader connection and waits for it.
  template <class F>
  auto Read(F&& job) {
    using R = std::invoke_result_t<F&, store::Connection&>;
    return db_->ReadSync<typename R::value_type>(
        std::function<R(store::Connection&)>(std::forward<F>(job)));
  }

  // SELECT count(*) FROM table WHERE where, with `args` bound to the where clause.
  template <class... Args>
  int64_t Count(std::string_view table, std::string_view where = "1", const Args&... args) {
    std::string sql = "SELECT count(*) FROM " + std::string(table) + " WHERE " + std::string(where);
    return ValueOrDie(Read([&](store::Connection& c) -> Result<int64_t> {
                        OPTIN_ASSIGN_OR_RETURN(auto stmt, c.Prepare(sql));
                        stmt.BindAll(args...);
                        OPTIN_TRY(stmt.Step());
                        return stmt.ColumnInt(0);
                      }),
                      sql);
  }

  // Every row of every table, as SQL literals in a stable order: two equal snapshots mean the
  // database content did not change.
  std::string Snapshot() {
    return ValueOrDie(Read([](store::Connection& c) -> Result<std::string> {
                        std::vector<std::string> tables;
                        {
                          OPTIN_ASSIGN_OR_RETURN(
                              auto stmt, c.Prepare("SELECT name FROM sqlite_master WHERE type = "
                                                   "'table' AND name NOT LIKE 'sqlite_%' "
                                                   "ORDER BY name"));
                          while (true) {
                            OPTIN_ASSIGN_OR_RETURN(bool row, stmt.Step());
                            if (!row) break;
                            tables.push_back(stmt.ColumnText(0));
                          }
                        }
                        std::string out;
                        for (const std::string& t : tables) {
                          OPTIN_ASSIGN_OR_RETURN(auto rows, RowsAsText(c, t));
                          out += "[" + t + "]\n";
                          for (const std::string& r : rows) out += r + "\n";
                        }
                        return out;
                      }),
                      "snapshot the database");
  }

  // The rows of one table as "quote(c1)|quote(c2)|...", sorted.
  static Result<std::vector<std::string>> RowsAsText(store::Connection& c, std::string_view table) {
    std::vector<std::string> columns;
    {
      OPTIN_ASSIGN_OR_RETURN(auto info,
                             c.Prepare("SELECT name FROM pragma_table_info(?) ORDER BY cid"));
      info.BindAll(table);
      while (true) {
        OPTIN_ASSIGN_OR_RETURN(bool row, info.Step());
        if (!row) break;
        columns.push_back(info.ColumnText(0));
      }
    }
    std::string select = "SELECT ";
    for (size_t i = 0; i < columns.size(); ++i) {
      if (i > 0) select += " || '|' || ";
      select += "quote(\"" + columns[i] + "\")";
    }
    select += " AS r FROM \"" + std::string(table) + "\" ORDER BY r";
    OPTIN_ASSIGN_OR_RETURN(auto stmt, c.Prepare(select));
    std::vector<std::string> out;
    while (true) {
      OPTIN_ASSIGN_OR_RETURN(bool row, stmt.Step());
      if (!row) break;
      out.push_back(stmt.ColumnText(0));
    }
    return out;
  }

 private:
  TempDir dir_;
  std::unique_ptr<store::Database> db_;
};

// The device's secrets as the KeyStore would provide them, but deterministic.
class DeviceKeys {
 public:
  explicit DeviceKeys(uint64_t seed = 42)
      : random_(seed),
        signing_key_(ValueOrDie(platform::EcdsaPrivateKey::Generate(random_), "signing key")),
        signer_(signing_key_, random_),
        pseudonymizer_(PseudonymKey(), TokenHashKey()) {}

  // The pseudonymizer's keys (a Domain built for tests gets the same ones).
  static std::string PseudonymKey() { return std::string(32, 'p'); }
  static std::string TokenHashKey() { return std::string(32, 't'); }

  platform::Random& random() { return random_; }
  const platform::EcdsaPrivateKey& signing_key() const { return signing_key_; }
  platform::EcdsaPublicKey public_key() const { return signing_key_.PublicKey(); }
  const privacy::ReceiptSigner& signer() const { return signer_; }
  const privacy::Pseudonymizer& pseudonymizer() const { return pseudonymizer_; }

 private:
  platform::SeededRandom random_;
  platform::EcdsaPrivateKey signing_key_;
  privacy::ReceiptSigner signer_;
  privacy::Pseudonymizer pseudonymizer_;
};

inline consent::Controller TestController() {
  return consent::Controller{"store-0042",
                             "Test Store",
                             "EU",
                             "privacy@store.example",
                             "1 High Street, Town",
                             "https://store.example/privacy"};
}

// Database, clock, keys and a consent ledger (consent_tests).
class ConsentWorld {
 public:
  explicit ConsentWorld(consent::ConsentPolicy policy = {})
      : own_ledger_(std::in_place, clock_, std::move(policy), TestController(), keys_.signer()),
        ledger_(&*own_ledger_) {}

  platform::FakeClock& clock() { return clock_; }
  ProductDatabase& database() { return database_; }
  DeviceKeys& keys() { return keys_; }
  consent::ConsentLedger& ledger() { return *ledger_; }

  // A subject id as the pseudonymizer makes them.
  std::string Subject(std::string_view sub) const {
    return keys_.pseudonymizer().SubjectId("https://hq.example", sub);
  }

  Result<consent::ConsentReceipt> Apply(const consent::ConsentLedger& ledger,
                                        std::string_view subject,
                                        std::vector<consent::ConsentChange> changes,
                                        std::string_view method = "app check-in") {
    return database_.Write([&](store::Connection& c) -> Result<consent::ConsentReceipt> {
      return ledger.Apply(c, subject, changes, method);
    });
  }
  Result<consent::ConsentReceipt> Apply(std::string_view subject,
                                        std::vector<consent::ConsentChange> changes,
                                        std::string_view method = "app check-in") {
    return Apply(*ledger_, subject, std::move(changes), method);
  }
  Result<consent::ConsentReceipt> Grant(std::string_view subject,
                                        std::vector<consent::Purpose> purposes) {
    std::vector<consent::ConsentChange> changes;
    for (consent::Purpose p : purposes) changes.push_back({p, true});
    return Apply(subject, std::move(changes));
  }
  Result<consent::ConsentReceipt> Withdraw(std::string_view subject,
                                           std::vector<consent::Purpose> purposes) {
    std::vector<consent::ConsentChange> changes;
    for (consent::Purpose p : purposes) changes.push_back({p, false});
    return Apply(subject, std::move(changes));
  }

  Result<bool> MayProcess(const consent::ConsentLedger& ledger, std::string_view subject,
                          consent::Purpose purpose) {
    return database_.Read([&](store::Connection& c) -> Result<bool> {
      return ledger.MayProcess(c, subject, purpose);
    });
  }
  Result<bool> MayProcess(std::string_view subject, consent::Purpose purpose) {
    return MayProcess(*ledger_, subject, purpose);
  }
  consent::PurposeStatus StatusOf(const consent::ConsentLedger& ledger, std::string_view subject,
                                  consent::Purpose purpose) {
    auto statuses = ValueOrDie(
        database_.Read([&](store::Connection& c) { return ledger.Statuses(c, subject); }),
        "statuses");
    return statuses[static_cast<size_t>(purpose)];
  }
  consent::PurposeStatus StatusOf(std::string_view subject, consent::Purpose purpose) {
    return StatusOf(*ledger_, subject, purpose);
  }

 protected:
  // For a world whose ledger is built elsewhere (DomainWorld): none until UseLedger.
  struct NoLedger {};
  explicit ConsentWorld(NoLedger) {}
  void UseLedger(consent::ConsentLedger& ledger) { ledger_ = &ledger; }

 private:
  platform::FakeClock clock_;
  ProductDatabase database_;
  DeviceKeys keys_;
  std::optional<consent::ConsentLedger> own_ledger_;
  consent::ConsentLedger* ledger_ = nullptr;
};

// ConsentWorld plus the visit service, without the daemon's hooks (visits_tests).
class VisitsWorld : public ConsentWorld {
 public:
  explicit VisitsWorld(visits::VisitPolicy policy = {})
      : own_visits_(std::in_place, clock(), keys().random(), keys().pseudonymizer(), ledger(),
                    policy),
        visits_(&*own_visits_) {}
  visits::VisitService& visits() { return *visits_; }

  Result<visits::CheckInResult> CheckIn(std::string_view subject, std::string_view token_id,
                                        std::vector<consent::ConsentChange> decisions = {},
                                        std::string_view channel = "app") {
    visits::CheckInRequest request;
    request.subject_id = std::string(subject);
    request.token_id = std::string(token_id);
    request.token_expires_at = clock().NowUnix() + 600;
    request.channel = std::string(channel);
    request.decisions = std::move(decisions);
    return database().Write([&](store::Connection& c) -> Result<visits::CheckInResult> {
      return visits_->CheckIn(c, request);
    });
  }
  Result<visits::Visit> FindByToken(std::string_view token) {
    return database().Read([&](store::Connection& c) -> Result<visits::Visit> {
      return visits_->FindByToken(c, token);
    });
  }

 protected:
  // For a world whose ledger and visits are built elsewhere (DomainWorld): none until UseModules.
  struct NoModules {};
  explicit VisitsWorld(NoModules) : ConsentWorld(NoLedger{}) {}
  void UseModules(consent::ConsentLedger& ledger, visits::VisitService& visits) {
    UseLedger(ledger);
    visits_ = &visits;
  }

 private:
  std::optional<visits::VisitService> own_visits_;
  visits::VisitService* visits_ = nullptr;
};

}  // namespace optin::testing
