// The metrics module against the real domain modules (SQLite in a temporary directory, fake
// clock): counts move when the hooks fire, only after commit, the gauges read from the
// database, and no label ever carries an id, a pseudonym or a token.
#include "metrics/metrics.h"

#include <gtest/gtest.h>
#include <prometheus/text_serializer.h>

#include <future>
#include <sstream>

#include "metrics/http_metrics.h"
#include "sync/outbox.h"
#include "tests/unit/assist/assist_world.h"

namespace optin::metrics::metrics_test {
namespace {

using optin::testing::AssistWorld;
using optin::testing::ValueOrDie;

// The value of the one series `name{labels...}` in an exposition, or nullopt when absent.
// Every label of `labels` must be on the series (others may be too).
std::optional<double> Value(const std::string& text, std::string_view name,
                            std::vector<std::pair<std::string, std::string>> labels = {}) {
  std::optional<double> found;
  std::istringstream lines(text);
  std::string line;
  while (std::getline(lines, line)) {
    if (line.empty() || line[0] == '#') continue;
    const size_t end_of_name = line.find_first_of("{ ");
    if (line.substr(0, end_of_name) != name) continue;
    const size_t space = line.rfind(' ');
    const std::string series = line.substr(0, space);
    bool all = true;
    for (const auto& [k, v] : labels) {
      if (series.find(k + "=\"" + v + "\"") == std::string::npos) all = false;
    }
    if (!all) continue;
    EXPECT_FALSE(found.has_value()) << "more than one series matches in " << name;
    found = std::stod(line.substr(space + 1));
  }
  return found;
}

class MetricsTest : public ::testing::Test {
 protected:
  MetricsTest()
      : metrics_(MetricsDeps{world_.database().db(),
                             world_.clock(),
                             world_.ledger(),
                             world_.visits(),
                             world_.desk(),
                             nullptr,
                             world_.desk().policy().topics,
                             {"entrance", "till-2"},
                             "9.8.7-test"}) {}

  // A whole scrape through the /metrics handler (database gauges read on a reader thread).
  std::string Scrape() {
    std::promise<net::Response> answered;
    metrics_.Scrape(net::Responder([&](net::Response r) { answered.set_value(std::move(r)); }));
    net::Response response = answered.get_future().get();
    EXPECT_EQ(response.status, 200);
    EXPECT_EQ(response.content_type, kContentType);
    return response.body;
  }

  AssistWorld world_;
  Metrics metrics_;
};

TEST_F(MetricsTest, ACommittedCheckInCountsOnceUnderItsChannel) {
  EXPECT_EQ(Value(metrics_.Render(), "optin_checkins_total", {{"channel", "app"}}), 0);
  world_.Shopper("shopper-1");
  ValueOrDie(world_.CheckIn(world_.Subject("shopper-2"), "jti-scan", {}, "loyalty_scan"),
             "scan check-in");
  const std::string text = metrics_.Render();
  EXPECT_EQ(Value(text, "optin_checkins_total", {{"channel", "app"}}), 1);
  EXPECT_EQ(Value(text, "optin_checkins_total", {{"channel", "loyalty_scan"}}), 1);
  EXPECT_EQ(Value(text, "optin_checkins_total", {{"channel", "web"}}), 0);
}

TEST_F(MetricsTest, ARolledBackCheckInAndConsentChangeCountNothing) {
  const std::string before = metrics_.Render();
  visits::CheckInRequest request;
  request.subject_id = world_.Subject("shopper-rolled-back");
  request.token_id = "jti-rolled-back";
  request.token_expires_at = world_.clock().NowUnix() + 600;
  request.channel = "app";
  request.decisions = {{consent::Purpose::kOffers, true}};
  Status s = world_.database().Write([&](store::Connection& c) -> Status {
    OPTIN_TRY(world_.visits().CheckIn(c, request));
    return Fail(ErrorCode::kInternal, "the job fails after the hooks ran");
  });
  ASSERT_FALSE(s.has_value());
  EXPECT_EQ(world_.database().Count("visits"), 0);
  const std::string after = metrics_.Render();
  EXPECT_EQ(Value(after, "optin_checkins_total", {{"channel", "app"}}), 0);
  EXPECT_EQ(
      Value(after, "optin_consent_changes_total", {{"purpose", "offers"}, {"change", "granted"}}),
      0);
  EXPECT_EQ(
      Value(after, "optin_consent_changes_total", {{"purpose", "presence"}, {"change", "granted"}}),
      0);
}

TEST_F(MetricsTest, ConsentChangesCountPerPurposeAndDirection) {
  visits::Visit visit = world_.Shopper("shopper-1", {consent::Purpose::kAssistance});
  ValueOrDie(world_.Withdraw(visit.subject_id, {consent::Purpose::kAssistance}), "withdraw");
  const std::string text = metrics_.Render();
  EXPECT_EQ(Value(text, "optin_consent_changes_total",
                  {{"purpose", "assistance"}, {"change", "granted"}}),
            1);
  EXPECT_EQ(Value(text, "optin_consent_changes_total",
                  {{"purpose", "assistance"}, {"change", "withdrawn"}}),
            1);
  EXPECT_EQ(
      Value(text, "optin_consent_changes_total", {{"purpose", "offers"}, {"change", "granted"}}),
      0);
}

TEST_F(MetricsTest, HelpRequestsClaimsAndTheWaitUntilTheClaimAreCounted) {
  visits::Visit visit = world_.Shopper("shopper-1");
  const std::string id = world_.AskOk(visit);
  auto staff = world_.Staff("staff-1");
  world_.clock().Advance(std::chrono::seconds(42));
  ASSERT_TRUE(ValueOrDie(world_.Claim(staff, id), "claim").claimed);
  auto other = world_.Staff("staff-2");
  ASSERT_FALSE(ValueOrDie(world_.Claim(other, id), "second claim").claimed);

  const std::string text = metrics_.Render();
  EXPECT_EQ(Value(text, "optin_help_requests_total", {{"topic", "product advice"}}), 1);
  EXPECT_EQ(Value(text, "optin_prompts_claimed_total"), 1);  // the first claim only
  EXPECT_EQ(Value(text, "optin_prompt_wait_seconds_count"), 1);
  EXPECT_EQ(Value(text, "optin_prompt_wait_seconds_sum"), 42);
  EXPECT_EQ(Value(text, "optin_prompt_wait_seconds_bucket", {{"le", "30"}}), 0);
  EXPECT_EQ(Value(text, "optin_prompt_wait_seconds_bucket", {{"le", "60"}}), 1);
}

TEST_F(MetricsTest, AScrapeReadsOpenPromptsAndTheDatabaseFileSizes) {
  visits::Visit first = world_.Shopper("shopper-1");
  visits::Visit second = world_.Shopper("shopper-2");
  world_.AskOk(first);
  const std::string claimed = world_.AskOk(second);
  ASSERT_TRUE(ValueOrDie(world_.Claim(world_.Staff("staff-1"), claimed), "claim").claimed);

  const std::string text = Scrape();
  EXPECT_EQ(Value(text, "optin_prompts_open", {{"state", "waiting"}}), 1);
  EXPECT_EQ(Value(text, "optin_prompts_open", {{"state", "claimed"}}), 1);
  const auto sizes = ValueOrDie(world_.database().db().FileSizes(), "file sizes");
  EXPECT_GT(*Value(text, "optin_database_size_bytes", {{"file", "main"}}), 0);
  EXPECT_GT(*Value(text, "optin_database_size_bytes", {{"file", "wal"}}), 0);
  EXPECT_EQ(Value(text, "optin_database_size_bytes", {{"file", "main"}}),
            static_cast<double>(sizes.main_bytes));
  EXPECT_FALSE(Value(text, "optin_hq_outbox_batches", {{"state", "pending"}}).has_value())
      << "no outbox series while HQ sync is off";
  EXPECT_EQ(Value(text, "optin_metrics_collect_failures_total"), 0);
}

TEST_F(MetricsTest, AScrapeAfterTheDatabaseStoppedStillAnswersAndCountsTheFailure) {
  world_.database().db().Stop();
  const std::string text = Scrape();
  EXPECT_EQ(Value(text, "optin_metrics_collect_failures_total"), 1);
  EXPECT_EQ(Value(text, "optin_build_info", {{"version", "9.8.7-test"}}), 1);
}

TEST_F(MetricsTest, BuildInfoStartTimeAndUptime) {
  const double start = static_cast<double>(world_.clock().NowUnix());
  world_.clock().Advance(std::chrono::seconds(90));
  const std::string text = metrics_.Render();
  EXPECT_EQ(Value(text, "optin_build_info", {{"version", "9.8.7-test"}}), 1);
  EXPECT_EQ(Value(text, "optin_start_time_seconds"), start);
  EXPECT_EQ(Value(text, "optin_uptime_seconds"), 90);
}

TEST_F(MetricsTest, ScannerStatesAreOneForTheCurrentStateOfEachConfiguredScanner) {
  std::string text = metrics_.Render();
  EXPECT_EQ(Value(text, "optin_scanner_state", {{"scanner", "entrance"}, {"state", "stopped"}}), 1);
  metrics_.scanners().SetState("entrance", "connected");
  metrics_.scanners().SetState("till-2", "disconnected");
  metrics_.scanners().SetState("till-2", "exploded");  // not a state: ignored
  metrics_.scanners().SetState("unknown", "connected");
  text = metrics_.Render();
  EXPECT_EQ(Value(text, "optin_scanner_state", {{"scanner", "entrance"}, {"state", "connected"}}),
            1);
  EXPECT_EQ(Value(text, "optin_scanner_state", {{"scanner", "entrance"}, {"state", "stopped"}}), 0);
  EXPECT_EQ(Value(text, "optin_scanner_state", {{"scanner", "till-2"}, {"state", "disconnected"}}),
            1);
  EXPECT_EQ(text.find("unknown"), std::string::npos);
}

TEST_F(MetricsTest, RequestsAreCountedPerRoutePatternWithBoundedMethods) {
  net::Router router;
  router.SetObserver(&metrics_.RequestObserver("public"));
  router.Add("GET", "/v1/assist/{id}", [](net::Request&&, net::Responder respond) {
    respond(net::Response::Json(200, "{}"));
  });
  auto dispatch = [&](std::string method, std::string target) {
    net::Request request;
    request.method = std::move(method);
    request.target = std::move(target);
    router.Dispatch(std::move(request), net::Responder([](net::Response) {}));
  };
  dispatch("GET", "/v1/assist/h_Zq81secret");
  dispatch("GET", "/v1/assist/h_other");
  dispatch("BREW", "/coffee/pot-7");
  const std::string text = metrics_.Render();
  EXPECT_EQ(Value(text, "optin_http_requests_total",
                  {{"listener", "public"},
                   {"route", "/v1/assist/{id}"},
                   {"method", "GET"},
                   {"code", "200"}}),
            2);
  EXPECT_EQ(Value(text, "optin_http_request_duration_seconds_count",
                  {{"route", "/v1/assist/{id}"}, {"method", "GET"}}),
            2);
  EXPECT_EQ(Value(text, "optin_http_request_duration_seconds_bucket",
                  {{"route", "/v1/assist/{id}"}, {"le", "+Inf"}}),
            2);
  EXPECT_EQ(Value(text, "optin_http_requests_total",
                  {{"route", "unmatched"}, {"method", "other"}, {"code", "404"}}),
            1);
  EXPECT_EQ(text.find("h_Zq81secret"), std::string::npos);
  EXPECT_EQ(text.find("BREW"), std::string::npos);
  EXPECT_EQ(text.find("pot-7"), std::string::npos);
}

TEST_F(MetricsTest, EveryProblemAnswerIsCountedByRouteAndProblemName) {
  net::Router router;
  router.SetObserver(&metrics_.RequestObserver("public"));
  router.Add("POST", "/v1/assist", [](net::Request&& request, net::Responder respond) {
    // What the request said picks the answer; what the client sent never becomes a label.
    if (request.body == "dup") {
      respond(net::Response::Problem(400, "urn:optin-edge:problem:duplicate-member", "Bad Request",
                                     "'topic' appears twice", "/topic"));
    } else if (request.body == "foreign") {
      respond(net::Response::Problem(400, "https://example.test/h_Zq81secret", "Bad Request",
                                     "from elsewhere"));
    } else {
      respond(net::Response::Json(201, "{}"));
    }
  });
  auto dispatch = [&](std::string body) {
    net::Request request;
    request.method = "POST";
    request.target = "/v1/assist";
    request.body = std::move(body);
    router.Dispatch(std::move(request), net::Responder([](net::Response) {}));
  };
  dispatch("dup");
  dispatch("dup");
  dispatch("foreign");
  dispatch("fine");
  // A route's problems and the router's own (404) are both counted.
  net::Request missing;
  missing.method = "GET";
  missing.target = "/nowhere/h_Zq81secret";
  router.Dispatch(std::move(missing), net::Responder([](net::Response) {}));

  const std::string text = metrics_.Render();
  EXPECT_EQ(
      Value(text, "optin_http_problems_total",
            {{"listener", "public"}, {"route", "/v1/assist"}, {"problem", "duplicate-member"}}),
      2);
  EXPECT_EQ(Value(text, "optin_http_problems_total",
                  {{"listener", "public"}, {"route", "/v1/assist"}, {"problem", "other"}}),
            1);
  EXPECT_EQ(Value(text, "optin_http_problems_total",
                  {{"listener", "public"}, {"route", "unmatched"}, {"problem", "not-found"}}),
            1);
  EXPECT_EQ(text.find("h_Zq81secret"), std::string::npos);
}

TEST(HttpMetricsTest, ProblemNamesBeyondTheBoundCountAsOther) {
  prometheus::Registry registry;
  HttpMetrics metrics(registry);
  for (size_t i = 0; i < HttpMetrics::kMaxProblemNames + 20; ++i) {
    metrics.RecordProblem("public", "/r", "p" + std::to_string(i));
  }
  metrics.RecordProblem("public", "/r", "Not-A-Name!");
  const std::string text = prometheus::TextSerializer().Serialize(registry.Collect());
  size_t series = 0;
  for (size_t at = text.find("\noptin_http_problems_total{"); at != std::string::npos;
       at = text.find("\noptin_http_problems_total{", at + 1)) {
    ++series;
  }
  EXPECT_LE(series, HttpMetrics::kMaxProblemNames + 1);
  EXPECT_EQ(text.find("Not-A-Name"), std::string::npos);
  EXPECT_NE(text.find(R"(problem="other")"), std::string::npos);
}

TEST_F(MetricsTest, TheExpositionNeverCarriesAnIdAPseudonymOrAToken) {
  const std::string raw_id = "loyal-raw-8841";
  visits::CheckInRequest request;
  request.subject_id = world_.Subject(raw_id);
  request.token_id = "jti-Xq7TokenId";
  request.token_expires_at = world_.clock().NowUnix() + 600;
  request.channel = "app";
  request.decisions = {{consent::Purpose::kAssistance, true}, {consent::Purpose::kOffers, true}};
  auto checked_in = ValueOrDie(world_.database().Write([&](store::Connection& c) {
    return world_.visits().CheckIn(c, request);
  }),
                               "check in");
  const std::string help_id = world_.AskOk(checked_in.visit, "a private note", "Wilhelmina");
  auto staff = world_.Staff("staffer-Kp3");
  ASSERT_TRUE(ValueOrDie(world_.Claim(staff, help_id), "claim").claimed);
  ValueOrDie(world_.Withdraw(request.subject_id, {consent::Purpose::kOffers}), "withdraw");

  const std::string text = Scrape();
  ASSERT_GT(*Value(text, "optin_checkins_total", {{"channel", "app"}}), 0);
  for (const std::string& personal :
       {raw_id, request.subject_id, request.token_id, checked_in.visit.id,
        checked_in.visit.pseudonym, checked_in.visit_token, checked_in.receipt.id, help_id,
        std::string("a private note"), std::string("Wilhelmina"), std::string("staffer-Kp3"),
        staff.token}) {
    ASSERT_FALSE(personal.empty());
    EXPECT_EQ(text.find(personal), std::string::npos) << "found '" << personal << "'";
  }
}

TEST(DomainMetricsTest, AChannelOrTopicOutsideTheKnownSetsCountsAsOther) {
  AssistWorld world;
  prometheus::Registry registry;
  DomainMetrics metrics(registry, {"checkout"});
  ASSERT_TRUE(world.database()
                  .Write([&](store::Connection& c) -> Status {
                    OPTIN_TRY(metrics.OnCheckIn(c, "carrier-pigeon-7"));
                    OPTIN_TRY(metrics.OnHelpRequest(c, "my neighbour Bob"));
                    return metrics.OnHelpRequest(c, "checkout");
                  })
                  .has_value());
  const std::string text = prometheus::TextSerializer().Serialize(registry.Collect());
  EXPECT_EQ(Value(text, "optin_checkins_total", {{"channel", "other"}}), 1);
  EXPECT_EQ(Value(text, "optin_help_requests_total", {{"topic", "other"}}), 1);
  EXPECT_EQ(Value(text, "optin_help_requests_total", {{"topic", "checkout"}}), 1);
  EXPECT_EQ(text.find("pigeon"), std::string::npos);
  EXPECT_EQ(text.find("Bob"), std::string::npos);
}

TEST(HqUploadMetricsTest, TheUploadersCountersAreCaughtUpAtEachCollection) {
  prometheus::Registry registry;
  sync::UploaderStats stats;
  HqUploadMetrics metrics(registry, [&stats] { return stats; });
  auto text = [&] {
    metrics.Collect();
    return prometheus::TextSerializer().Serialize(registry.Collect());
  };
  stats.batches_sent = 3;
  stats.attempts_failed = 2;
  stats.consecutive_failures = 2;
  std::string t = text();
  EXPECT_EQ(Value(t, "optin_hq_batches_total", {{"outcome", "sent"}}), 3);
  EXPECT_EQ(Value(t, "optin_hq_upload_failures_total"), 2);
  EXPECT_EQ(Value(t, "optin_hq_upload_consecutive_failures"), 2);
  stats.batches_sent = 5;
  stats.batches_duplicate = 1;
  stats.consecutive_failures = 0;
  t = text();
  EXPECT_EQ(Value(t, "optin_hq_batches_total", {{"outcome", "sent"}}), 5);
  EXPECT_EQ(Value(t, "optin_hq_batches_total", {{"outcome", "duplicate"}}), 1);
  EXPECT_EQ(Value(t, "optin_hq_upload_failures_total"), 2);
  EXPECT_EQ(Value(t, "optin_hq_upload_consecutive_failures"), 0);
}

TEST(OutboxGaugesTest, TheOutboxDepthIsReadAtScrapeTimeWhenSyncIsOn) {
  AssistWorld world;
  sync::Outbox outbox(world.clock(), sync::OutboxPolicy{},
                      [](const boost::json::object&) -> Result<std::string> { return "jws"; });
  Metrics metrics(MetricsDeps{world.database().db(),
                              world.clock(),
                              world.ledger(),
                              world.visits(),
                              world.desk(),
                              &outbox,
                              world.desk().policy().topics,
                              {},
                              "1"});
  ASSERT_TRUE(world.database()
                  .Write([&](store::Connection& c) -> Status {
                    OPTIN_ASSIGN_OR_RETURN(
                        int64_t n,
                        c.Execute("INSERT INTO sync_outbox(batch_id, period_start, period_end, "
                                  "created_at, content, jws) VALUES ('b1', 0, 900, ?, '{}', 'x')",
                                  world.clock().NowUnix() - 120));
                    (void)n;
                    return Ok();
                  })
                  .has_value());
  std::promise<net::Response> answered;
  metrics.Scrape(net::Responder([&](net::Response r) { answered.set_value(std::move(r)); }));
  const std::string text = answered.get_future().get().body;
  EXPECT_EQ(Value(text, "optin_hq_outbox_batches", {{"state", "pending"}}), 1);
  EXPECT_EQ(Value(text, "optin_hq_outbox_batches", {{"state", "rejected"}}), 0);
  EXPECT_EQ(Value(text, "optin_hq_outbox_oldest_age_seconds"), 120);
}

}  // namespace
}  // namespace optin::metrics::metrics_test
