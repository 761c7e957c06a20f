// optin-hq's people's routes as a real process, on both engines: nothing without a session,
// logins with their lockout and cookie, the figures checked against sums computed here from the
// cells uploaded (estimate, stderr, the 95% interval), missing stores told apart from zeros, time
// to claim's quantiles, CSV, the stores listing, and bad parameters named.
#include <cmath>
#include <random>

#include "tests/tools/optin-hq/hq_process.h"

namespace optin::hq::optin_hq_figures_test {
namespace {

constexpr int64_t kDay = 20699;  // 2026-09-03, a Thursday
constexpr char kPassword[] = "a long enough password";

class OptinHqFiguresTest : public HqProcessFixture {
 protected:
  void SetUp() override {
    HqProcessFixture::SetUp();
    if (IsSkipped()) return;
    // s1, s2 in the north, s3 in the south; s3 opened on kDay + 2.
    WriteText(dir_ / "stores.csv",
              "id,name,region,country,opened\n"
              "s1,Shop One,north,IT,2026-01-01\n"
              "s2,Shop Two,north,IT,2026-01-01\n"
              "s3,Shop Three,south,IT," +
                  FormatIsoDate(kDay + 2) + "\n");
    ASSERT_TRUE(StartHq({"--stores", (dir_ / "stores.csv").string()})) << Log();
    ASSERT_EQ(AddUser("ana", "analyst", kPassword), 0);
  }
  json::object Get(const std::string& target, int status = 200) {
    auto r = Web("GET", target);
    EXPECT_TRUE(r.has_value());
    if (!r) return {};
    EXPECT_EQ(r->status, status) << target << "\n" << r->body;
    boost::system::error_code ec;
    auto v = json::parse(r->body, ec);
    return !ec && v.is_object() ? v.as_object() : json::object{};
  }
  void Send(const std::string& store, int64_t day, const TestCells& cells) {
    auto r = Upload(store, {DayBatch(store, day, cells)});
    ASSERT_TRUE(r && r->status == 200) << (r ? r->body : r.error().message);
    ASSERT_EQ(json::parse(r->body).at("results").at(0).at("status").as_string(), "stored")
        << r->body;
  }
};

TEST_P(OptinHqFiguresTest, NoFigureNoStoreListAndNoCountersWithoutASession) {
  for (const char* target : {"/v1/figures?metric=checkins_total&from=2026-09-01&to=2026-09-02",
                             "/v1/stores", "/metrics"}) {
    auto r = Web("GET", target);
    ASSERT_TRUE(r.has_value());
    EXPECT_EQ(r->status, 401) << target;
    EXPECT_EQ(r->content_type, "application/problem+json");
    EXPECT_EQ(json::parse(r->body).at("type").as_string(), "urn:optin-hq:problem:session-required");
  }
  cookie_ = "optin_hq_session=hq_forged";
  EXPECT_EQ(Web("GET", "/v1/stores")->status, 401);
  cookie_.clear();
  auto login = LogIn("ana", kPassword);
  ASSERT_TRUE(login && login->status == 200) << (login ? login->body : login.error().message);
  std::string set_cookie;
  for (const auto& [n, v] : login->headers) {
    if (n == "Set-Cookie" || n == "set-cookie") set_cookie = v;
  }
  EXPECT_NE(set_cookie.find("Secure"), std::string::npos) << set_cookie;
  EXPECT_NE(set_cookie.find("HttpOnly"), std::string::npos) << set_cookie;
  EXPECT_NE(set_cookie.find("SameSite=Strict"), std::string::npos) << set_cookie;
  EXPECT_EQ(json::parse(login->body).at("role").as_string(), "analyst");
  Get("/v1/stores");
  Get("/v1/figures?metric=checkins_total&from=2026-09-01&to=2026-09-02");
  EXPECT_EQ(Web("GET", "/metrics")->status, 403);  // counters are for admins
  // The upload route is not on the people's listener, nor the people's routes on the stores'.
  EXPECT_EQ(Web("POST", "/v1/batches", "{}")->status, 404);
  auto on_stores = Call(port_, Store("s1").tls, "GET", "/v1/stores");
  ASSERT_TRUE(on_stores.has_value());
  EXPECT_EQ(on_stores->status, 404);
  // Logging out ends the session on the server, not only in the browser.
  EXPECT_EQ(Web("POST", "/v1/logout")->status, 200);
  EXPECT_EQ(Web("GET", "/v1/stores")->status, 401);
}

TEST_P(OptinHqFiguresTest, FiveWrongPasswordsLockTheAccountWithTheSameAnswerAsAnUnknownId) {
  auto unknown = LogIn("nobody", kPassword);
  ASSERT_TRUE(unknown.has_value());
  EXPECT_EQ(unknown->status, 401);
  const std::string refusal = json::parse(unknown->body).at("detail").as_string().c_str();
  for (int i = 0; i < 5; ++i) {
    auto wrong = LogIn("ana", "not the password at all");
    ASSERT_TRUE(wrong.has_value());
    EXPECT_EQ(wrong->status, 401);
    EXPECT_EQ(json::parse(wrong->body).at("detail").as_string(), refusal);
  }
  auto locked = LogIn("ana", kPassword);  // the right password, while locked
  ASSERT_TRUE(locked.has_value());
  EXPECT_EQ(locked->status, 401);
  EXPECT_EQ(json::parse(locked->body).at("detail").as_string(), refusal);
  EXPECT_TRUE(cookie_.empty());
  // A second account is not affected; `user add` refuses a taken id and a short password.
  std::string out;
  EXPECT_EQ(AddUser("ana", "admin", kPassword, &out), 1);
  EXPECT_NE(out.find("exists"), std::string::npos) << out;
  EXPECT_EQ(AddUser("bob", "admin", "short", &out), 1);
  EXPECT_EQ(AddUser("bob", "boss", kPassword, &out), 2);
  EXPECT_EQ(AddUser("bob", "admin", kPassword, &out), 0) << out;
  EXPECT_EQ(LogIn("bob", kPassword)->status, 200);
}

// As on the box: one address that fails 20 logins in 15 minutes (across ids) is refused with
// 429 and Retry-After, even with a right password, without any password work.
TEST_P(OptinHqFiguresTest, TwentyFailedLoginsFromOneAddressAreRefusedWith429) {
  for (int i = 0; i < 20; ++i) {
    auto r = LogIn("guess" + std::to_string(i), kPassword);
    ASSERT_TRUE(r.has_value());
    EXPECT_EQ(r->status, 401) << i;
  }
  auto limited = LogIn("ana", kPassword);
  ASSERT_TRUE(limited.has_value());
  EXPECT_EQ(limited->status, 429);
  EXPECT_EQ(json::parse(limited->body).at("type").as_string(),
            "urn:optin-hq:problem:too-many-logins");
  bool retry_after = false;
  for (const auto& [n, v] : limited->headers) retry_after = retry_after || n == "Retry-After";
  EXPECT_TRUE(retry_after);
  EXPECT_TRUE(cookie_.empty());
}

// Three stores over ten days with random noisy cells (negative ones too) and variances: every
// figure equals the sums computed here, its stderr the root of the summed variances, and its
// interval estimate -+ 1.96 stderr; by day, by week, by region and for one store; CSV the same.
TEST_P(OptinHqFiguresTest, FiguresAreTheSumsOfTheCellsWithTheirIntervals) {
  std::mt19937 gen(7);
  std::uniform_int_distribution<int64_t> value(-20, 300);
  std::uniform_real_distribution<double> variance(0.5, 250.0);
  // day -> store -> (sum, variance) of checkins_by_channel.
  std::map<int64_t, std::map<std::string, std::pair<int64_t, double>>> truth;
  for (int64_t d = 0; d < 10; ++d) {
    for (const std::string s : {"s1", "s2", "s3"}) {
      if (s == "s3" && d < 2) continue;  // not open yet
      TestCells cells;
      for (const char* label : {"app", "loyalty_scan", "other"}) {
        const int64_t v = value(gen);
        const double var = variance(gen);
        cells["checkins_by_channel"][label] = {v, var};
        truth[kDay + d][s].first += v;
        truth[kDay + d][s].second += var;
      }
      cells["checkins_total"]["all"] = {1000, 31.8};
      Send(s, kDay + d, cells);
    }
  }
  ASSERT_EQ(LogIn("ana", kPassword)->status, 200);
  auto check = [](const json::object& row, int64_t sum, double var, const std::string& where) {
    const double se = std::sqrt(var);
    EXPECT_EQ(row.at("estimate").as_int64(), sum) << where;
    EXPECT_EQ(row.at("display").as_int64(), std::max<int64_t>(0, sum)) << where;
    EXPECT_NEAR(row.at("stderr").to_number<double>(), se, 0.006) << where;
    EXPECT_NEAR(row.at("low95").to_number<double>(), sum - 1.959964 * se, 0.006) << where;
    EXPECT_NEAR(row.at("high95").to_number<double>(), sum + 1.959964 * se, 0.006) << where;
  };
  const std::string range = "&from=" + FormatIsoDate(kDay) + "&to=" + FormatIsoDate(kDay + 9);
  // The chain by day.
  auto chain = Get("/v1/figures?metric=checkins_by_channel&by=day" + range);
  EXPECT_EQ(chain.at("scope").at("chain").as_bool(), true);
  const auto& rows = chain.at("rows").as_array();
  ASSERT_EQ(rows.size(), 10u);
  for (int64_t d = 0; d < 10; ++d) {
    int64_t sum = 0;
    double var = 0;
    for (const auto& [s, sv] : truth[kDay + d]) sum += sv.first, var += sv.second;
    const auto& row = rows[static_cast<size_t>(d)].as_object();
    EXPECT_EQ(row.at("period").as_string(), FormatIsoDate(kDay + d));
    check(row, sum, var, "chain day " + std::to_string(d));
    EXPECT_EQ(row.at("stores_reported").as_int64(), d < 2 ? 2 : 3);
    EXPECT_EQ(row.at("stores_expected").as_int64(), d < 2 ? 2 : 3);
    EXPECT_TRUE(row.at("missing").as_array().empty());
  }
  // The north by ISO week (kDay is a Thursday: weeks start on kDay - 3 and kDay + 4).
  auto north = Get("/v1/figures?metric=checkins_by_channel&by=week&region=north" + range);
  EXPECT_EQ(north.at("scope").at("region").as_string(), "north");
  const auto& weeks = north.at("rows").as_array();
  ASSERT_EQ(weeks.size(), 2u);
  for (size_t w = 0; w < 2; ++w) {
    int64_t sum = 0;
    double var = 0;
    for (int64_t d = 0; d < 10; ++d) {
      if ((d < 4) != (w == 0)) continue;
      for (const std::string s : {"s1", "s2"})
        sum += truth[kDay + d][s].first, var += truth[kDay + d][s].second;
    }
    EXPECT_EQ(weeks[w].at("period").as_string(), FormatIsoDate(w == 0 ? kDay - 3 : kDay + 4));
    check(weeks[w].as_object(), sum, var, "north week " + std::to_string(w));
  }
  // One store, one label, by month.
  auto one = Get("/v1/figures?metric=checkins_by_channel&label=app&by=month&store=s2" + range);
  ASSERT_EQ(one.at("rows").as_array().size(), 1u);
  EXPECT_EQ(one.at("rows").at(0).at("period").as_string(), "2026-09-01");
  EXPECT_EQ(one.at("label").as_string(), "app");
  EXPECT_EQ(one.at("rows").at(0).at("stores_expected").as_int64(), 1);
  // The same as CSV, by Accept and by ?format=csv.
  auto csv = Web("GET", "/v1/figures?metric=checkins_by_channel&by=day" + range, "",
                 {{"Accept", "text/csv"}});
  ASSERT_TRUE(csv && csv->status == 200);
  EXPECT_TRUE(csv->content_type.starts_with("text/csv"));
  EXPECT_TRUE(
      csv->body.starts_with("period,estimate,display,low95,high95,stderr,stores_reported,"
                            "stores_expected,missing\r\n"))
      << csv->body;
  const std::string first =
      FormatIsoDate(kDay) + "," + std::to_string(rows[0].at("estimate").as_int64()) + ",";
  EXPECT_NE(csv->body.find("\r\n" + first), std::string::npos) << csv->body;
  auto csv2 = Web("GET", "/v1/figures?metric=checkins_by_channel&format=csv" + range);
  ASSERT_TRUE(csv2 && csv2->status == 200);
  EXPECT_EQ(csv2->body, csv->body);
}

// A store open that day that sent nothing is missing, never zero; a store that sent zeros is
// reported. A store not yet open is not expected.
TEST_P(OptinHqFiguresTest, AStoreThatSentNothingIsMissingNotZero) {
  const TestCells zeros = {{"checkins_total", {{"all", {0, 31.8}}}}};
  const TestCells some = {{"checkins_total", {{"all", {120, 31.8}}}}};
  Send("s1", kDay, zeros);     // s1: zero check-ins, reported
  Send("s2", kDay + 1, some);  // s2 missing on kDay, s1 missing on kDay + 1
  ASSERT_EQ(LogIn("ana", kPassword)->status, 200);
  auto f = Get("/v1/figures?metric=checkins_total&from=" + FormatIsoDate(kDay) +
               "&to=" + FormatIsoDate(kDay + 2));
  const auto& rows = f.at("rows").as_array();
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_EQ(rows[0].at("estimate").as_int64(), 0);
  EXPECT_EQ(rows[0].at("stores_reported").as_int64(), 1);
  EXPECT_EQ(rows[0].at("stores_expected").as_int64(), 2);
  EXPECT_EQ(json::serialize(rows[0].at("missing")), "[\"s2\"]");
  EXPECT_EQ(rows[1].at("estimate").as_int64(), 120);
  EXPECT_EQ(json::serialize(rows[1].at("missing")), "[\"s1\"]");
  // kDay + 2: s3 opens; nobody sent anything: all three missing, the estimate covers no store.
  EXPECT_EQ(rows[2].at("stores_reported").as_int64(), 0);
  EXPECT_EQ(rows[2].at("stores_expected").as_int64(), 3);
  EXPECT_EQ(json::serialize(rows[2].at("missing")), "[\"s1\",\"s2\",\"s3\"]");
  EXPECT_NE(f.at("note").as_string().find("not counted as zero"), std::string::npos);
  // Today's batch is not due yet: nobody is missing today.
  const std::string today = FormatIsoDate(UtcDayOf(platform::SystemClock::Instance().NowUnix()));
  auto now = Get("/v1/figures?metric=checkins_total&from=" + today + "&to=" + today);
  EXPECT_EQ(now.at("rows").at(0).at("stores_expected").as_int64(), 3);
  EXPECT_TRUE(now.at("rows").at(0).at("missing").as_array().empty());
  // The stores listing: last batch, its age, the missing days (within the window asked).
  auto stores = Get("/v1/stores?days=366");
  const auto& list = stores.at("stores").as_array();
  ASSERT_EQ(list.size(), 3u);
  EXPECT_EQ(list[0].at("id").as_string(), "s1");
  EXPECT_EQ(list[0].at("region").as_string(), "north");
  EXPECT_FALSE(list[0].at("last_batch_received_at").is_null());
  EXPECT_GE(list[0].at("last_batch_age_seconds").as_int64(), 0);
  EXPECT_TRUE(list[2].at("last_batch_received_at").is_null());
  const std::string s1_missing = json::serialize(list[0].at("missing"));
  EXPECT_EQ(s1_missing.find(FormatIsoDate(kDay) + "\""), std::string::npos) << s1_missing;
  EXPECT_NE(s1_missing.find(FormatIsoDate(kDay + 1)), std::string::npos) << s1_missing;
}

// Time to claim: the median and the 90th percentile from the summed histogram. Exact cells give
// the interpolated quantiles; noisy ones an interval around them.
TEST_P(OptinHqFiguresTest, TimeToClaimHasAMedianAndA90thPercentileWithIntervals) {
  // 0-30: 10, 30-60: 10, 60-120: 20 (N = 40): the median is 60 s, the 90th percentile
  // 60 + (36 - 20) / 20 * 60 = 108 s.
  auto hist = [](double var) {
    TestCells c;
    auto& m = c["time_to_claim_seconds"];
    m = {{"0-30", {5, var}},    {"30-60", {5, var}},   {"60-120", {10, var}},
         {"120-300", {0, var}}, {"300-600", {0, var}}, {"600-1800", {0, var}},
         {"1800+", {0, var}}};
    return c;
  };
  Send("s1", kDay, hist(0));
  Send("s2", kDay, hist(0));
  Send("s1", kDay + 1, hist(4.0));
  ASSERT_EQ(LogIn("ana", kPassword)->status, 200);
  auto f = Get("/v1/figures?metric=time_to_claim_seconds&from=" + FormatIsoDate(kDay) +
               "&to=" + FormatIsoDate(kDay + 1));
  const auto& rows = f.at("rows").as_array();
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0].at("estimate").as_int64(), 40);
  EXPECT_NEAR(rows[0].at("median_seconds").at("estimate").to_number<double>(), 60, 0.01);
  EXPECT_NEAR(rows[0].at("p90_seconds").at("estimate").to_number<double>(), 108, 0.01);
  const auto& noisy = rows[1].at("median_seconds").as_object();
  EXPECT_NEAR(noisy.at("estimate").to_number<double>(), 60, 0.01);
  EXPECT_LT(noisy.at("low95").to_number<double>(), 60);
  EXPECT_GT(noisy.at("high95").to_number<double>(), 60);
  auto csv =
      Web("GET", "/v1/figures?metric=time_to_claim_seconds&format=csv&from=" + FormatIsoDate(kDay) +
                     "&to=" + FormatIsoDate(kDay));
  ASSERT_TRUE(csv && csv->status == 200);
  EXPECT_NE(csv->body.find("median_seconds,median_low95,median_high95,p90_seconds"),
            std::string::npos);
  EXPECT_NE(csv->body.find(",60.00,"), std::string::npos) << csv->body;
}

TEST_P(OptinHqFiguresTest, BadParametersAreRefusedNamingTheParameter) {
  ASSERT_EQ(LogIn("ana", kPassword)->status, 200);
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"/v1/figures?from=2026-09-01&to=2026-09-02", "metric"},
      {"/v1/figures?metric=shoe_sizes&from=2026-09-01&to=2026-09-02", "metric"},
      {"/v1/figures?metric=checkins_total&by=year&from=2026-09-01&to=2026-09-02", "by"},
      {"/v1/figures?metric=checkins_total&from=2026-02-30&to=2026-09-02", "from"},
      {"/v1/figures?metric=checkins_total&from=2026-09-01", "to"},
      {"/v1/figures?metric=checkins_total&from=2026-09-03&to=2026-09-02", "to"},
      {"/v1/figures?metric=checkins_total&from=2026-09-01&to=2026-09-02&region=west", "region"},
      {"/v1/figures?metric=checkins_total&from=2026-09-01&to=2026-09-02&colour=red", "colour"},
      {"/v1/figures?metric=checkins_total&metric=x&from=2026-09-01&to=2026-09-02", "metric"},
      {"/v1/stores?days=0", "days"},
  };
  for (const auto& [target, field] : cases) {
    auto p = Get(target, 400);
    EXPECT_EQ(p["field"].as_string(), field) << target;
    EXPECT_TRUE(p["type"].as_string().starts_with("urn:optin-hq:problem:")) << target;
  }
}

INSTANTIATE_TEST_SUITE_P(Engines, OptinHqFiguresTest,
                         ::testing::Values(Engine::kSqlite, Engine::kPostgres), EngineName);

}  // namespace
}  // namespace optin::hq::optin_hq_figures_test
