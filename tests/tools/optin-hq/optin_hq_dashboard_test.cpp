// optin-hq's dashboard routes as a real process, on both engines: the page and its modules with
// a strict CSP and no session needed, Chart.js from the file --chart-js names (and a clear 500
// problem when it is missing), GET /v1/session, GET /v1/breakdown's per-label totals against sums
// computed here, GET /v1/privacy/epsilon's epsilon per store, day and metric against what the
// batches state, flagged above --epsilon-policy; no figure without a session and every bad
// parameter refused naming it. Also the pure parts: --epsilon-policy's parsing and default, and
// SumEpsilon on merged and format-1 batches.
#include <cmath>

#include "platform/encoding.h"
#include "sync/sync_policy.h"
#include "tests/tools/optin-hq/hq_process.h"
#include "tools/optin-hq/dashboard_handler.h"
#include "tools/optin-hq/epsilon_spent.h"
#include "tools/optin-hq/hq_config.h"

namespace optin::hq::optin_hq_dashboard_test {
namespace {

constexpr int64_t kDay = 20699;  // 2026-09-03
constexpr char kPassword[] = "a long enough password";
constexpr double kZ95 = 1.959963984540054;

std::string HeaderOf(const net::Response& r, std::string_view name) {
  for (const auto& [n, v] : r.headers) {
    std::string lower = n;
    for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (lower == name) return v;
  }
  return {};
}

class OptinHqDashboardTest : public HqProcessFixture {
 protected:
  void SetUp() override {
    HqProcessFixture::SetUp();
    if (IsSkipped()) return;
    WriteText(dir_ / "stores.csv",
              "id,name,region,country,opened\n"
              "s1,Shop One,north,IT,2026-01-01\n"
              "s2,Shop Two,north,IT,2026-01-01\n"
              "s3,Shop Three,south,IT,2026-01-01\n");
    WriteText(dir_ / "chart.min.js", "/* a stand-in for Chart.js */\n");
  }
  void Start(std::vector<std::string> extra = {}) {
    extra.insert(extra.end(), {"--stores", (dir_ / "stores.csv").string()});
    if (std::find(extra.begin(), extra.end(), "--chart-js") == extra.end()) {
      extra.insert(extra.end(), {"--chart-js", (dir_ / "chart.min.js").string()});
    }
    ASSERT_TRUE(StartHq(extra)) << Log();
    ASSERT_EQ(AddUser("ana", "analyst", kPassword), 0);
  }
  void LogInAna() {
    auto login = LogIn("ana", kPassword);
    ASSERT_TRUE(login && login->status == 200) << (login ? login->body : login.error().message);
  }
  json::object Get(const std::string& target, int status = 200) {
    auto r = Web("GET", target);
    EXPECT_TRUE(r.has_value());
    if (!r) return {};
    EXPECT_EQ(r->status, status) << target << "\n" << r->body;
    if (status >= 400) {
      EXPECT_EQ(r->content_type, "application/problem+json") << target;
    }
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

TEST_P(OptinHqDashboardTest, ThePageAndItsModulesAreServedWithAStrictCspWithoutASession) {
  Start();
  for (const char* path : {"/", "/dashboard/app.js", "/dashboard/messages.js",
                           "/dashboard/dashboard.css", "/vendor/chart.min.js"}) {
    auto r = Web("GET", path);
    ASSERT_TRUE(r.has_value()) << path;
    EXPECT_EQ(r->status, 200) << path;
    EXPECT_EQ(HeaderOf(*r, "content-security-policy"), kDashboardCsp) << path;
    EXPECT_EQ(HeaderOf(*r, "x-content-type-options"), "nosniff") << path;
  }
  auto page = Web("GET", "/");
  EXPECT_EQ(page->content_type, "text/html; charset=utf-8");
  EXPECT_NE(page->body.find("<script type=\"module\" src=\"/dashboard/app.js\">"),
            std::string::npos);
  EXPECT_EQ(page->body.find("<style"), std::string::npos);  // nothing inline
  EXPECT_EQ(page->body.find("http"), std::string::npos);    // nothing from elsewhere
  EXPECT_EQ(Web("GET", "/dashboard/app.js")->content_type, "text/javascript; charset=utf-8");
  EXPECT_EQ(Web("GET", "/vendor/chart.min.js")->body, "/* a stand-in for Chart.js */\n");
  EXPECT_EQ(Web("GET", "/dashboard/nothing-here.js")->status, 404);
}

TEST_P(OptinHqDashboardTest, AMissingChartLibraryIsA500ProblemNamingThePackage) {
  Start({"--chart-js", (dir_ / "no-such-chart.js").string()});
  auto r = Web("GET", "/vendor/chart.min.js");
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->status, 500);
  EXPECT_EQ(r->content_type, "application/problem+json");
  const json::object p = json::parse(r->body).as_object();
  EXPECT_EQ(p.at("type").as_string(), "urn:optin-hq:problem:chart-library-missing");
  EXPECT_NE(std::string(p.at("detail").as_string()).find("libjs-chart.js"), std::string::npos);
  EXPECT_EQ(Web("GET", "/")->status, 200);  // the page itself still loads and says so
}

TEST_P(OptinHqDashboardTest, SessionSaysWhetherTheCookieOpensASession) {
  Start();
  EXPECT_EQ(Get("/v1/session").at("logged_in").as_bool(), false);
  cookie_ = "optin_hq_session=hq_forged";
  EXPECT_EQ(Get("/v1/session").at("logged_in").as_bool(), false);
  cookie_.clear();
  LogInAna();
  const json::object s = Get("/v1/session");
  EXPECT_EQ(s.at("logged_in").as_bool(), true);
  EXPECT_EQ(s.at("user").as_string(), "ana");
  EXPECT_EQ(s.at("role").as_string(), "analyst");
}

TEST_P(OptinHqDashboardTest, NoBreakdownNorEpsilonWithoutASession) {
  Start();
  for (const char* target :
       {"/v1/breakdown?metric=checkins_by_channel&from=2026-09-01&to=2026-09-02",
        "/v1/privacy/epsilon"}) {
    const json::object p = Get(target, 401);
    EXPECT_EQ(p.at("type").as_string(), "urn:optin-hq:problem:session-required") << target;
  }
}

TEST_P(OptinHqDashboardTest, BreakdownGivesEachLabelsTotalWithItsInterval) {
  Start();
  LogInAna();
  // Two days, three stores; s3 is in the south.
  const TestCells d0_s1 = {
      {"checkins_by_channel", {{"app", {40, 8.5}}, {"loyalty_scan", {-3, 8.5}}}}};
  const TestCells d0_s3 = {
      {"checkins_by_channel", {{"app", {7, 8.5}}, {"loyalty_scan", {5, 8.5}}}}};
  const TestCells d1_s2 = {
      {"checkins_by_channel", {{"app", {12, 2.25}}, {"loyalty_scan", {9, 2.25}}}}};
  Send("s1", kDay, d0_s1);
  Send("s3", kDay, d0_s3);
  Send("s2", kDay + 1, d1_s2);
  const std::string range = "&from=" + FormatIsoDate(kDay) + "&to=" + FormatIsoDate(kDay + 1);
  auto check = [](const json::object& answer, std::string_view label, int64_t estimate,
                  double variance) {
    for (const json::value& v : answer.at("labels").as_array()) {
      const json::object& l = v.as_object();
      if (l.at("label").as_string() != label) continue;
      EXPECT_EQ(l.at("estimate").as_int64(), estimate) << label;
      EXPECT_EQ(l.at("display").as_int64(), std::max<int64_t>(0, estimate)) << label;
      EXPECT_NEAR(l.at("stderr").to_number<double>(), std::sqrt(variance), 0.01) << label;
      EXPECT_NEAR(l.at("low95").to_number<double>(), estimate - kZ95 * std::sqrt(variance), 0.01);
      EXPECT_NEAR(l.at("high95").to_number<double>(), estimate + kZ95 * std::sqrt(variance), 0.01);
      return;
    }
    ADD_FAILURE() << "no label " << label;
  };
  const json::object chain = Get("/v1/breakdown?metric=checkins_by_channel" + range);
  ASSERT_EQ(chain.at("labels").as_array().size(), 2u);
  EXPECT_EQ(chain.at("labels").at(0).at("label").as_string(), "app");  // sorted
  check(chain, "app", 40 + 7 + 12, 8.5 + 8.5 + 2.25);
  check(chain, "loyalty_scan", -3 + 5 + 9, 8.5 + 8.5 + 2.25);
  const json::object north = Get("/v1/breakdown?metric=checkins_by_channel&region=north" + range);
  check(north, "app", 40 + 12, 8.5 + 2.25);
  check(north, "loyalty_scan", -3 + 9, 8.5 + 2.25);
  const json::object s1 = Get("/v1/breakdown?metric=checkins_by_channel&store=s1" + range);
  check(s1, "loyalty_scan", -3, 8.5);  // negative: unbiased, shown as 0
  EXPECT_TRUE(s1.at("scope").as_object().contains("store"));
  // A metric nobody sent: no labels, not an error.
  EXPECT_TRUE(
      Get("/v1/breakdown?metric=offer_views_by_category" + range).at("labels").as_array().empty());
}

TEST_P(OptinHqDashboardTest, BadBreakdownParametersAreRefusedNamingThem) {
  Start();
  LogInAna();
  const std::pair<std::string, std::string> cases[] = {
      {"/v1/breakdown?from=2026-09-01&to=2026-09-02", "metric"},
      {"/v1/breakdown?metric=nope&from=2026-09-01&to=2026-09-02", "metric"},
      {"/v1/breakdown?metric=checkins_by_hour&to=2026-09-02", "from"},
      {"/v1/breakdown?metric=checkins_by_hour&from=2026-09-01", "to"},
      {"/v1/breakdown?metric=checkins_by_hour&from=2026-13-01&to=2026-09-02", "from"},
      {"/v1/breakdown?metric=checkins_by_hour&from=2026-09-03&to=2026-09-02", "to"},
      {"/v1/breakdown?metric=checkins_by_hour&from=2026-09-01&to=2026-09-02&region=x", "region"},
      {"/v1/breakdown?metric=checkins_by_hour&from=2026-09-01&to=2026-09-02&store=s1&region=north",
       "region"},
      {"/v1/breakdown?metric=checkins_by_hour&from=2026-09-01&to=2026-09-02&by=day", "by"},
      {"/v1/breakdown?metric=a&metric=b&from=2026-09-01&to=2026-09-02", "metric"},
  };
  for (const auto& [target, field] : cases) {
    const json::object p = Get(target, 400);
    EXPECT_EQ(p.at("type").as_string(), "urn:optin-hq:problem:invalid-parameter") << target;
    EXPECT_EQ(p.at("field").as_string(), field) << target;
  }
}

TEST_P(OptinHqDashboardTest, EpsilonIsReadFromTheBatchesPerDayAndMetricAndFlaggedOverPolicy) {
  Start({"--epsilon-policy", "0.5"});
  LogInAna();
  // DayBatch states 0.25 per metric it carries: s1 spends 0.25 (one metric), s2 0.75 (three).
  Send("s1", kDay, {{"checkins_total", {{"all", {10, 4.0}}}}});
  Send("s2", kDay,
       {{"checkins_total", {{"all", {10, 4.0}}}},
        {"checkins_by_hour", {{"09", {3, 4.0}}}},
        {"help_requests_by_topic", {{"other", {1, 4.0}}}}});
  Send("s2", kDay + 1, {{"checkins_total", {{"all", {12, 4.0}}}}});
  const std::string range = "?from=" + FormatIsoDate(kDay) + "&to=" + FormatIsoDate(kDay + 1);
  const json::object all = Get("/v1/privacy/epsilon" + range);
  EXPECT_EQ(all.at("policy").at("epsilon_per_day_micros").as_int64(), 500'000);
  EXPECT_EQ(all.at("policy").at("epsilon_per_day").as_string(), "0.5");
  // The chain: per day, the stores that spent, how many above the policy, the most one spent.
  const json::array& by_day = all.at("by_day").as_array();
  ASSERT_EQ(by_day.size(), 2u) << all;
  EXPECT_EQ(by_day.at(0).at("day").as_string(), FormatIsoDate(kDay));
  EXPECT_EQ(by_day.at(0).at("stores").as_int64(), 2);
  EXPECT_EQ(by_day.at(0).at("over_policy_stores").as_int64(), 1);
  EXPECT_EQ(by_day.at(0).at("max_epsilon_micros").as_int64(), 750'000);
  EXPECT_EQ(by_day.at(0).at("max_epsilon").as_string(), "0.75");
  EXPECT_EQ(by_day.at(1).at("stores").as_int64(), 1);
  EXPECT_EQ(by_day.at(1).at("over_policy_stores").as_int64(), 0);
  EXPECT_EQ(by_day.at(1).at("max_epsilon_micros").as_int64(), 250'000);
  // Then only the store-days above it, with their metrics.
  EXPECT_EQ(all.at("days_listed").as_string(), "over-policy");
  EXPECT_FALSE(all.at("days_truncated").as_bool());
  const json::array& days = all.at("days").as_array();
  ASSERT_EQ(days.size(), 1u) << all;
  EXPECT_EQ(days.at(0).at("store_id").as_string(), "s2");
  EXPECT_EQ(days.at(0).at("day").as_string(), FormatIsoDate(kDay));
  EXPECT_EQ(days.at(0).at("epsilon_micros").as_int64(), 750'000);
  EXPECT_EQ(days.at(0).at("epsilon").as_string(), "0.75");
  EXPECT_EQ(days.at(0).at("metrics").at("checkins_by_hour").as_int64(), 250'000);
  EXPECT_EQ(days.at(0).at("region").as_string(), "north");
  EXPECT_EQ(days.at(0).at("over_policy").as_bool(), true);
  EXPECT_EQ(all.at("over_policy_days").as_int64(), 1);
  EXPECT_EQ(all.at("over_policy_stores"), (json::array{"s2"}));
  EXPECT_EQ(all.at("unstated_batches").as_int64(), 0);
  // One store: each of its days, flagged or not, by day.
  const json::object s2 = Get("/v1/privacy/epsilon" + range + "&store=s2");
  EXPECT_EQ(s2.at("days_listed").as_string(), "all");
  EXPECT_TRUE(s2.at("by_day").is_null());
  ASSERT_EQ(s2.at("days").as_array().size(), 2u) << s2;
  EXPECT_EQ(s2.at("days").at(0).at("over_policy").as_bool(), true);
  EXPECT_EQ(s2.at("days").at(1).at("day").as_string(), FormatIsoDate(kDay + 1));
  EXPECT_EQ(s2.at("days").at(1).at("epsilon_micros").as_int64(), 250'000);
  EXPECT_EQ(s2.at("days").at(1).at("over_policy").as_bool(), false);
  const json::object s1 = Get("/v1/privacy/epsilon" + range + "&store=s1");
  ASSERT_EQ(s1.at("days").as_array().size(), 1u);
  EXPECT_EQ(s1.at("days").at(0).at("epsilon_micros").as_int64(), 250'000);
  EXPECT_EQ(s1.at("over_policy_days").as_int64(), 0);
  // A day range that leaves the first day out.
  const json::object later =
      Get("/v1/privacy/epsilon?from=" + FormatIsoDate(kDay + 1) + "&to=" + FormatIsoDate(kDay + 1));
  EXPECT_TRUE(later.at("days").as_array().empty());
  ASSERT_EQ(later.at("by_day").as_array().size(), 1u);
  EXPECT_EQ(later.at("over_policy_days").as_int64(), 0);
}

TEST_P(OptinHqDashboardTest, BadEpsilonParametersAreRefusedNamingThem) {
  Start();
  LogInAna();
  const std::pair<std::string, std::string> cases[] = {
      {"/v1/privacy/epsilon?from=2026-09-01", "to"},
      {"/v1/privacy/epsilon?to=2026-09-01", "from"},
      {"/v1/privacy/epsilon?from=yesterday&to=2026-09-01", "from"},
      {"/v1/privacy/epsilon?from=2026-09-01&to=2026-02-30", "to"},
      {"/v1/privacy/epsilon?from=2026-09-02&to=2026-09-01", "to"},
      {"/v1/privacy/epsilon?from=2025-01-01&to=2026-09-01", "to"},
      {"/v1/privacy/epsilon?store=", "store"},
      {"/v1/privacy/epsilon?store=s1&store=s2", "store"},
      {"/v1/privacy/epsilon?metric=checkins_total", "metric"},
  };
  for (const auto& [target, field] : cases) {
    const json::object p = Get(target, 400);
    EXPECT_EQ(p.at("type").as_string(), "urn:optin-hq:problem:invalid-parameter") << target;
    EXPECT_EQ(p.at("field").as_string(), field) << target;
  }
}

INSTANTIATE_TEST_SUITE_P(Engines, OptinHqDashboardTest,
                         ::testing::Values(Engine::kSqlite, Engine::kPostgres), EngineName);

// ------------------------------------------------------------------------------------------
// Pure parts

std::vector<std::string> ServeArgs(std::vector<std::string> more) {
  std::vector<std::string> args = {"--cert", "c", "--key", "k", "--client-ca", "ca"};
  args.insert(args.end(), more.begin(), more.end());
  return args;
}

TEST(EpsilonPolicyFlag, DefaultsToTheBoxsEpsilonPerDayAndTakesAnExactDecimal) {
  auto plain = ParseServeFlags(ServeArgs({}));
  ASSERT_TRUE(plain.has_value());
  EXPECT_EQ(plain->epsilon_policy_micros, sync::SyncPolicy().epsilon_per_day_micros);
  auto set = ParseServeFlags(ServeArgs({"--epsilon-policy", "0.8"}));
  ASSERT_TRUE(set.has_value());
  EXPECT_EQ(set->epsilon_policy_micros, 800'000);
  for (const char* bad : {"0", "-1", "abc", "0.1234567", "101"}) {
    auto r = ParseServeFlags(ServeArgs({"--epsilon-policy", bad}));
    ASSERT_FALSE(r.has_value()) << bad;
    EXPECT_EQ(r.error().field, "--epsilon-policy") << bad;
  }
}

// A compact JWS of `payload` (EpsilonOfSignedBatch reads only the payload).
std::string Unsigned(const json::object& payload) {
  return platform::Base64UrlEncode(R"({"alg":"ES256"})") + "." +
         platform::Base64UrlEncode(json::serialize(payload)) + "." +
         platform::Base64UrlEncode("signature");
}

TEST(SumEpsilon, AMergedBatchIsSpreadOverItsPeriodsDaysWithTheRemainderOnTheFirst) {
  const int64_t d = UtcDayStart(kDay);
  // Three daily periods merged: 1,000,001 micros for one metric.
  json::object merged{
      {"period",
       json::object{{"start", d},
                    {"end", d + 3 * 86400},
                    {"covers",
                     json::array{json::object{{"start", d}, {"end", d + 86400}},
                                 json::object{{"start", d + 86400}, {"end", d + 2 * 86400}},
                                 json::object{{"start", d + 2 * 86400}, {"end", d + 3 * 86400}}}}}},
      {"metrics", json::object{{"checkins_total", json::object{{"epsilon_micros", 1'000'001}}}}}};
  auto m = EpsilonOfSignedBatch("s1", 2, Unsigned(merged));
  ASSERT_TRUE(m.has_value());
  EXPECT_EQ(m->store_id, "s1");
  ASSERT_EQ(m->periods.size(), 3u);
  const BatchEpsilon e = SumEpsilon(*m);
  ASSERT_EQ(e.by_day.size(), 3u);
  EXPECT_EQ(e.by_day.at(kDay).micros, 333'335);  // 1,000,001 = 3 x 333,333 + 2
  EXPECT_EQ(e.by_day.at(kDay + 1).micros, 333'333);
  EXPECT_EQ(e.by_day.at(kDay + 2).batches, 1);
  EXPECT_EQ(e.by_metric.at({kDay, "checkins_total"}), 333'335);
}

TEST(SumEpsilon, AFormat1BatchSpendsItsJointEpsilonAndOneWithoutItIsUnstated) {
  const int64_t d = UtcDayStart(kDay);
  json::object v1{{"period", json::object{{"start", d}, {"end", d + 86400}}},
                  {"noise", json::object{{"epsilon_micros", 700'000}}},
                  {"metrics", json::object{}}};
  const BatchEpsilon joint = SumEpsilon(EpsilonOfSignedBatch("s1", 1, Unsigned(v1)).value());
  EXPECT_EQ(joint.by_metric.at({kDay, std::string(kJointEpsilonMetric)}), 700'000);
  EXPECT_EQ(joint.by_day.at(kDay).unstated, 0);
  v1.erase("noise");
  auto silent = EpsilonOfSignedBatch("s1", 1, Unsigned(v1));
  ASSERT_TRUE(silent.has_value());
  EXPECT_FALSE(silent->stated_epsilon.has_value());
  const BatchEpsilon unstated = SumEpsilon(*silent);
  EXPECT_TRUE(unstated.by_metric.empty());
  EXPECT_EQ(unstated.by_day.at(kDay).unstated, 1);
  EXPECT_EQ(unstated.by_day.at(kDay).batches, 1);
  // Not a JWS, or no periods: nothing to count it on.
  EXPECT_FALSE(EpsilonOfSignedBatch("s1", 2, "garbage").has_value());
  EXPECT_FALSE(EpsilonOfSignedBatch("s1", 2, Unsigned(json::object{})).has_value());
}

}  // namespace
}  // namespace optin::hq::optin_hq_dashboard_test
