// GET /metrics on the real daemon's admin listener (TLS, the self-signed certificate) after a
// whole scenario: check-in through the API, a consent change, a help request, a staff claim.
// The expected series moved, nothing personal appears anywhere in the scrape, and Debian's
// promtool accepts it (`promtool check metrics`; tools/install-deps installs the prometheus
// package for it).
#include <gtest/gtest.h>

#include <sstream>

#include "tests/integration/daemon_harness.h"

namespace optin::testing::metrics_test {
namespace {

std::string Str(const boost::json::value& v) { return std::string(v.as_string().c_str()); }

// The value of the one series `name{...}` whose labels include every `labels` pair.
std::optional<double> Value(const std::string& text, std::string_view name,
                            std::vector<std::string> labels = {}) {
  std::optional<double> found;
  std::istringstream lines(text);
  std::string line;
  while (std::getline(lines, line)) {
    if (line.empty() || line[0] == '#') continue;
    if (line.substr(0, line.find_first_of("{ ")) != name) continue;
    const size_t space = line.rfind(' ');
    bool all = true;
    for (const std::string& l : labels) all = all && line.find(l) < space;
    if (!all) continue;
    EXPECT_FALSE(found.has_value()) << "more than one series of " << name << " matches";
    found = std::stod(line.substr(space + 1));
  }
  return found;
}

class MetricsScrapeTest : public DaemonTest {
 protected:
  // Scrapes the admin listener with curl over TLS into a file; returns its text.
  std::string Scrape(std::string* headers = nullptr) {
    const auto out = dir_ / "scrape.txt";
    const auto head = dir_ / "scrape.headers";
    CommandResult r =
        RunCommand("curl -sS --max-time 10 --cacert " +
                   (daemon_->data_dir() / "tls" / "self-signed.crt").string() + " -D " +
                   head.string() + " -o " + out.string() +
                   " https://127.0.0.1:" + std::to_string(daemon_->admin_port()) + "/metrics");
    EXPECT_EQ(r.exit_code, 0) << r.out;
    if (headers != nullptr) *headers = ReadWholeFile(head);
    return ReadWholeFile(out);
  }
};

TEST_F(MetricsScrapeTest, AFullScenarioMovesTheSeriesLeavesNothingPersonalAndPassesPromtool) {
  CommandResult promtool = RunCommand("command -v promtool");
  ASSERT_EQ(promtool.exit_code, 0)
      << "promtool is missing: install Debian's prometheus package (tools/install-deps does)";
  ASSERT_NE(daemon_->admin_port(), 0);
  const std::string before = Scrape();
  ASSERT_EQ(Value(before, "optin_checkins_total", {R"(channel="app")"}), 0) << before;

  // A shopper checks in, changes a consent, asks for help; a staff member claims it.
  const std::string sub = "metrics-probe-subject-77231";
  const std::string note = "a private note about zebra socks";
  const std::string first_name = "Ottoline";
  auto shopper = CheckIn(sub, R"({"assistance": true, "name_to_staff": true})");
  const std::string visit_id = Str(shopper.response["visit"].as_object()["id"]);
  const std::string pseudonym = Str(shopper.response["visit"].as_object()["pseudonym"]);
  const std::string receipt_id = Str(shopper.response["receipt"].as_object()["id"]);
  ASSERT_EQ(
      daemon_->Request("PUT", "/v1/me/consents/offers", R"({"granted":true})", shopper.visit_token)
          .status,
      200);
  auto asked = daemon_->Request("POST", "/v1/assist",
                                R"({"topic":"product advice","expertise":"beginner","note":")" +
                                    note + R"(","first_name":")" + first_name + R"("})",
                                shopper.visit_token);
  ASSERT_EQ(asked.status, 201) << asked.body;
  const std::string help_id = Str(asked.json().as_object()["request"].as_object()["id"]);
  ASSERT_EQ(daemon_->Request("GET", "/v1/assist/" + help_id, "", shopper.visit_token).status, 200);
  const std::string staff_id = "staffer-Qv7x";
  // optinctl reads the PIN from stdin.
  CommandResult added = RunCommand("echo 582046 | " + std::string(OPTINCTL_PATH) + " --data-dir " +
                                   daemon_->data_dir().string() + " staff add --id " + staff_id +
                                   " --role associate");
  ASSERT_EQ(added.exit_code, 0) << added.out;
  auto login = daemon_->Request("POST", "/v1/staff/login",
                                R"({"staff_id":")" + staff_id + R"(","pin":"582046"})");
  ASSERT_EQ(login.status, 200) << login.body;
  const std::string staff_token = Str(login.json().as_object()["token"]);
  auto claimed =
      daemon_->Request("POST", "/v1/staff/prompts/" + help_id + "/claim", "", staff_token);
  ASSERT_EQ(claimed.status, 200) << claimed.body;
  EXPECT_EQ(daemon_->Request("GET", "/no/such/" + visit_id).status, 404);

  std::string headers;
  const std::string text = Scrape(&headers);
  EXPECT_NE(headers.find("text/plain; version=0.0.4"), std::string::npos) << headers;

  // The series moved.
  EXPECT_EQ(Value(text, "optin_checkins_total", {R"(channel="app")"}), 1);
  EXPECT_EQ(Value(text, "optin_consent_changes_total",
                  {R"(purpose="assistance")", R"(change="granted")"}),
            1);
  EXPECT_EQ(
      Value(text, "optin_consent_changes_total", {R"(purpose="offers")", R"(change="granted")"}),
      1);
  EXPECT_EQ(Value(text, "optin_help_requests_total", {R"(topic="product advice")"}), 1);
  EXPECT_EQ(Value(text, "optin_prompts_claimed_total"), 1);
  EXPECT_EQ(Value(text, "optin_prompt_wait_seconds_count"), 1);
  EXPECT_EQ(Value(text, "optin_prompts_open", {R"(state="claimed")"}), 1);
  EXPECT_EQ(Value(text, "optin_prompts_open", {R"(state="waiting")"}), 0);
  EXPECT_GT(Value(text, "optin_database_size_bytes", {R"(file="main")"}).value_or(0), 0);
  EXPECT_EQ(Value(text, "optin_http_requests_total",
                  {R"(listener="public")", R"(route="/v1/checkins")", R"(method="POST")",
                   R"(code="201")"}),
            1);
  EXPECT_EQ(Value(text, "optin_http_requests_total",
                  {R"(route="/v1/assist/{id}")", R"(method="GET")", R"(code="200")"}),
            1);
  EXPECT_EQ(Value(text, "optin_http_requests_total",
                  {R"(route="/v1/staff/prompts/{id}/claim")", R"(code="200")"}),
            1);
  EXPECT_EQ(Value(text, "optin_http_requests_total",
                  {R"(listener="public")", R"(route="unmatched")", R"(code="404")"}),
            1);
  EXPECT_EQ(Value(text, "optin_http_request_duration_seconds_count",
                  {R"(listener="public")", R"(route="/v1/checkins")"}),
            1);
  EXPECT_EQ(Value(text, "optin_build_info"), 1);

  // Nothing personal anywhere in the scrape.
  for (const std::string& personal :
       {sub, visit_id, pseudonym, receipt_id, help_id, note, first_name, staff_id, staff_token,
        shopper.visit_token, shopper.token.substr(0, 40)}) {
    ASSERT_FALSE(personal.empty());
    EXPECT_EQ(text.find(personal), std::string::npos) << "personal data in /metrics: " << personal;
  }

  // Debian's promtool lints the exposition.
  const auto file = dir_ / "promtool-input.txt";
  std::ofstream(file) << text;
  CommandResult checked = RunCommand("promtool check metrics < " + file.string());
  EXPECT_EQ(checked.exit_code, 0) << "promtool check metrics: " << checked.out;
  EXPECT_EQ(checked.out, "") << "promtool reported problems";
}

TEST_F(MetricsScrapeTest, MetricsAreServedOnlyOnTheAdminListener) {
  auto on_public = daemon_->Request("GET", "/metrics");
  EXPECT_EQ(on_public.status, 404) << on_public.body;
}

}  // namespace
}  // namespace optin::testing::metrics_test
