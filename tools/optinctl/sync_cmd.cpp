// optinctl sync explain | status | release-now: what the HQ figures' error is for the
// configuration in force (from the configuration alone), and, through the running daemon's admin
// listener, what the sync has done (GET /v1/admin/sync/status) and a manual release for
// development (POST /v1/admin/sync/release, which the daemon's single writer performs). Parses
// its own words (a delegated group). Single-threaded use.
#include "sync_cmd.h"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <optional>
#include <string>
#include <vector>

#include "app/admin_call.h"
#include "platform/clock.h"
#include "platform/file_system.h"
#include "sync/accuracy.h"
#include "sync/sync_policy.h"

namespace optinctl {
namespace {

namespace json = boost::json;
using optin::Result;
namespace sync = optin::sync;

constexpr char kUsage[] =
    "usage: optinctl [--config FILE] [--data-dir DIR] sync explain [--daily N] [--stores S]\n"
    "       optinctl [--config FILE] [--data-dir DIR] sync status [--json] [--admin-port P]\n"
    "       optinctl [--config FILE] [--data-dir DIR] sync release-now [--json] [--admin-port P]\n"
    "\n"
    "  explain      per metric: cap, epsilon, noise scale, standard deviation per cell, the 95%\n"
    "               half-width of a store-day, a store-week and a chain-day of S stores (default\n"
    "               5000), and the relative error at N events a day (default 300); the day's\n"
    "               epsilon and what it means for a shopper who visits on d days\n"
    "  status       periods released, budget spent today, outbox depth, last upload (asks the\n"
    "               running daemon on its admin listener)\n"
    "  release-now  development only (sync.allow_manual_release = true): release the current\n"
    "               period now; it spends budget like any release\n";

int Usage(const std::string& problem) {
  std::fprintf(stderr, "optinctl: %s\n\n%s", problem.c_str(), kUsage);
  return 2;
}

std::string Eps(int64_t micros) { return sync::FormatEpsilonMicros(micros); }

std::string Fixed(double v, int decimals) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
  return buf;
}

std::string Percent(double v) {
  return Fixed(v * 100, v * 100 < 0.1 ? 3 : (v * 100 < 10 ? 2 : 1)) + "%";
}

std::string Time(int64_t unix) {
  if (unix <= 0) return "never";
  return optin::platform::FormatIso8601Utc(unix);
}

// The labels of a metric's domain for this configuration (see Aggregator::CountEvents).
int64_t Labels(std::string_view metric, const optin::app::Config& c, const sync::SyncPolicy& p) {
  if (metric == sync::kCheckinsTotal) return 1;
  if (metric == sync::kCheckinsByChannel) return static_cast<int64_t>(p.channels.size()) + 1;
  if (metric == sync::kCheckinsByHour) return 24;
  if (metric == sync::kHelpRequestsByTopic) return static_cast<int64_t>(c.assist.topics.size()) + 1;
  if (metric == sync::kTimeToClaim) return static_cast<int64_t>(std::size(sync::kClaimBuckets));
  return static_cast<int64_t>(c.store.interests.size()) + 1;
}

std::string Pad(std::string s, size_t width, bool left = false) {
  if (s.size() >= width) return s;
  return left ? s + std::string(width - s.size(), ' ') : std::string(width - s.size(), ' ') + s;
}

int Explain(const optin::app::Config& config, const std::vector<std::string>& args) {
  int64_t daily = 300, stores = 5000;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if ((a == "--daily" || a == "--stores") && i + 1 < args.size()) {
      int64_t v = 0;
      try {
        size_t used = 0;
        v = std::stoll(args[i + 1], &used);
        if (used != args[i + 1].size()) v = 0;
      } catch (const std::exception&) {
        v = 0;
      }
      if (v < 1) return Usage(a + " needs a positive whole number");
      (a == "--daily" ? daily : stores) = v;
      ++i;
    } else {
      return Usage("sync explain: unknown argument '" + a + "'");
    }
  }
  auto policy = optin::app::SyncPrivacyPolicy(config);
  if (!policy) {
    std::fprintf(stderr, "optinctl: %s\n", policy.error().message.c_str());
    return 2;
  }
  const sync::SyncPolicy& p = *policy;
  const int64_t periods = p.periods_per_day();
  std::printf(
      "HQ figures for this configuration: %lld release%s a UTC day (period_minutes = %lld)\n",
      static_cast<long long>(periods), periods == 1 ? "" : "s",
      static_cast<long long>(p.period_seconds() / 60));
  std::printf(
      "store-day = one store's day total of the metric (all its cells of the day); "
      "store-week = 7 days;\nchain-day = %lld stores' day; relative error = 95%% "
      "half-width / true total at %lld events a store-day\n\n",
      static_cast<long long>(stores), static_cast<long long>(daily));
  std::printf("%s %s %s %s %s %s %s %s %s %s\n", Pad("metric", 24, true).c_str(),
              Pad("cap", 3).c_str(), Pad("eps/day", 7).c_str(), Pad("scale", 7).c_str(),
              Pad("sd/cell", 7).c_str(), Pad("cells/d", 7).c_str(), Pad("+-store-day", 11).c_str(),
              Pad("+-store-wk", 10).c_str(), Pad("+-chain-day", 11).c_str(),
              "rel. error day / week / chain");
  for (const sync::MetricSpec& m : sync::kMetricSpecs) {
    const sync::MetricBudget& b = p.BudgetOf(m.metric);
    const int64_t eps = p.MetricPeriodEpsilonMicros(m.metric);
    const double scale = static_cast<double>(b.cap) * 1e6 / static_cast<double>(eps);
    const double var = sync::CellVariance(scale);
    const int64_t cells = periods * Labels(m.metric, config, p);
    const double day = sync::HalfWidth95(scale, cells);
    const double week = sync::HalfWidth95(scale, 7 * cells);
    const double chain = sync::HalfWidth95FromVariance(static_cast<double>(stores * cells) * var);
    const double n = static_cast<double>(daily);
    std::printf("%s %s %s %s %s %s %s %s %s %s / %s / %s\n",
                Pad(std::string(m.metric), 24, true).c_str(), Pad(std::to_string(b.cap), 3).c_str(),
                Pad(Eps(b.epsilon_micros), 7).c_str(), Pad(Fixed(scale, 2), 7).c_str(),
                Pad(Fixed(std::sqrt(var), 2), 7).c_str(), Pad(std::to_string(cells), 7).c_str(),
                Pad(Fixed(day, 1), 11).c_str(), Pad(Fixed(week, 1), 10).c_str(),
                Pad(Fixed(chain, 0), 11).c_str(), Percent(day / n).c_str(),
                Percent(week / (7 * n)).c_str(),
                Percent(chain / (static_cast<double>(stores) * n)).c_str());
  }
  const int64_t total = p.budgeted_epsilon_per_day_micros();
  std::printf(
      "\nA day's epsilon per shopper: %s (the metrics' shares; epsilon_per_day %s)."
      "\nThe unit of privacy is one shopper per UTC day: whatever one shopper does in a day "
      "changes\nany batch's outcomes by at most a factor e^%s = %s. A shopper who visits on d "
      "days is covered\nby d x %s: d = 1: %s, d = 7: %s, d = 30: %s (e^%s = %s).\n",
      Eps(total).c_str(), Eps(p.epsilon_per_day_micros).c_str(), Eps(total).c_str(),
      Fixed(std::exp(static_cast<double>(total) / 1e6), 2).c_str(), Eps(total).c_str(),
      Eps(total).c_str(), Eps(7 * total).c_str(), Eps(30 * total).c_str(), Eps(7 * total).c_str(),
      Fixed(std::exp(7.0 * static_cast<double>(total) / 1e6), 0).c_str());
  return 0;
}

using optin::app::CallAdmin;

// The detail of a problem+json answer.
std::string ProblemDetail(const optin::net::Response& r) {
  boost::system::error_code ec;
  json::value v = json::parse(r.body, ec);
  if (!ec && v.is_object()) {
    if (auto* d = v.as_object().if_contains("detail"); d && d->is_string()) {
      return std::string(d->as_string());
    }
  }
  return "HTTP " + std::to_string(r.status);
}

int64_t Int(const json::value& v, std::string_view a, std::string_view b = {}) {
  const json::value* x = v.as_object().if_contains(a);
  if (x && !b.empty()) x = x->is_object() ? x->as_object().if_contains(b) : nullptr;
  return x && x->is_int64() ? x->as_int64()
                            : (x && x->is_uint64() ? static_cast<int64_t>(x->as_uint64()) : 0);
}

void PrintStatus(const json::value& s) {
  const auto& o = s.as_object();
  const auto& upload = o.at("upload").as_object();
  const int64_t spent = Int(s, "budget", "epsilon_spent_today_micros");
  const int64_t day = Int(s, "budget", "epsilon_per_day_micros");
  const int64_t shares = Int(s, "budget", "budgeted_epsilon_per_day_micros");
  std::printf("periods released: %lld (today: %lld); last period ended %s, released %s\n",
              static_cast<long long>(Int(s, "periods_released")),
              static_cast<long long>(Int(s, "periods_released_today")),
              Time(Int(s, "last_period_end")).c_str(), Time(Int(s, "last_release_at")).c_str());
  std::printf("next release: %s (period %lld s); events waiting: %lld\n",
              Time(Int(s, "next_release_at")).c_str(),
              static_cast<long long>(Int(s, "period_seconds")),
              static_cast<long long>(Int(s, "pending_events")));
  std::printf(
      "budget spent today: %s of epsilon_per_day %s (the shares take %s a day; %s left "
      "for manual releases)\n",
      Eps(spent).c_str(), Eps(day).c_str(), Eps(shares).c_str(),
      Eps(std::max<int64_t>(0, day - shares)).c_str());
  std::printf("outbox: %lld pending, %lld rejected, oldest %lld s\n",
              static_cast<long long>(Int(s, "outbox", "pending")),
              static_cast<long long>(Int(s, "outbox", "rejected")),
              static_cast<long long>(Int(s, "outbox", "oldest_age_seconds")));
  if (!upload.at("on").as_bool()) {
    std::printf("upload: off (%s)\n", std::string(upload.at("off_reason").as_string()).c_str());
  } else {
    std::printf("last upload: attempt %s, delivered %s; %lld batches sent, %lld rejected%s%s\n",
                Time(Int(s, "upload", "last_attempt_at")).c_str(),
                Time(Int(s, "upload", "last_delivered_at")).c_str(),
                static_cast<long long>(Int(s, "upload", "batches_sent")),
                static_cast<long long>(Int(s, "upload", "batches_rejected")),
                upload.at("last_error").as_string().empty() ? "" : "; last error: ",
                std::string(upload.at("last_error").as_string()).c_str());
  }
  // The signed bundles in force (issue 15 part 5).
  if (const json::value* bundles = o.if_contains("bundles"); bundles && bundles->is_object()) {
    for (const auto& [kind, b] : bundles->as_object()) {
      if (!b.is_object()) continue;
      const auto& bo = b.as_object();
      auto text = [&bo](std::string_view key) {
        const json::value* v = bo.if_contains(key);
        return v && v->is_string() ? std::string(v->as_string()) : std::string();
      };
      const json::value* from_hq = bo.if_contains("from_hq");
      const std::string version = text("version").empty() ? "none" : text("version");
      if (!from_hq || !from_hq->is_bool() || !from_hq->as_bool()) {
        std::printf("%s: version %s (from the box's own file)\n", std::string(kind).c_str(),
                    version.c_str());
        continue;
      }
      std::printf("%s: version %s from HQ (ETag %s); last fetch %s: %s%s%s\n",
                  std::string(kind).c_str(), version.c_str(),
                  text("etag").empty() ? "none" : text("etag").c_str(),
                  Time(Int(b, "last_fetch_at")).c_str(),
                  text("last_outcome").empty() ? "not yet" : text("last_outcome").c_str(),
                  text("last_reason").empty() ? "" : " - ", text("last_reason").c_str());
    }
  }
}

int Remote(const optin::app::Config& config, const std::string& sub,
           const std::vector<std::string>& args) {
  bool as_json = false;
  int64_t port = config.admin.port;
  for (size_t i = 0; i < args.size(); ++i) {
    if (args[i] == "--json") {
      as_json = true;
    } else if (args[i] == "--admin-port" && i + 1 < args.size()) {
      try {
        port = std::stoll(args[++i]);
      } catch (const std::exception&) {
        port = 0;
      }
      if (port < 1 || port > 65535) return Usage("--admin-port needs a port number");
    } else {
      return Usage("sync " + sub + ": unknown argument '" + args[i] + "'");
    }
  }
  if (port == 0) {
    return Usage(
        "admin.port is 0 (a free port picked at start): give the port the daemon "
        "logged (\"admin_port\") with --admin-port");
  }
  const bool release = sub == "release-now";
  auto r = CallAdmin(config, static_cast<uint16_t>(port), release ? "POST" : "GET",
                     release ? "/v1/admin/sync/release" : "/v1/admin/sync/status");
  if (!r) {
    std::fprintf(stderr, "optinctl: %s\n", r.error().message.c_str());
    return 1;
  }
  if (r->status != 200) {
    std::fprintf(stderr, "optinctl: sync %s refused: %s\n", sub.c_str(), ProblemDetail(*r).c_str());
    return 1;
  }
  boost::system::error_code ec;
  json::value v = json::parse(r->body, ec);
  if (ec || !v.is_object()) {
    std::fprintf(stderr, "optinctl: the daemon's answer is not JSON\n");
    return 1;
  }
  if (as_json) {
    std::printf("%s\n", json::serialize(v).c_str());
    return 0;
  }
  if (!release) {
    PrintStatus(v);
    return 0;
  }
  for (const json::value& o : v.at("released").as_array()) {
    std::printf("released %s %s .. %s: %lld events, epsilon %s%s\n",
                std::string(o.at("batch_id").as_string()).c_str(),
                Time(Int(o, "period_start")).c_str(), Time(Int(o, "period_end")).c_str(),
                static_cast<long long>(Int(o, "events")), Eps(Int(o, "epsilon_micros")).c_str(),
                o.at("manual").as_bool() ? " (manual)" : "");
  }
  std::printf("this release spent epsilon %s of today's budget, like any release",
              Eps(Int(v, "epsilon_spent_micros")).c_str());
  if (const json::value* s = v.as_object().if_contains("status")) {
    std::printf(": %s of %s spent today\n",
                Eps(Int(*s, "budget", "epsilon_spent_today_micros")).c_str(),
                Eps(Int(*s, "budget", "epsilon_per_day_micros")).c_str());
  } else {
    std::printf("\n");
  }
  return 0;
}

}  // namespace

int RunSyncCommand(const optin::app::Config& config, const std::vector<std::string>& words) {
  if (words.empty()) return Usage("sync needs a subcommand");
  const std::string& sub = words[0];
  const std::vector<std::string> args(words.begin() + 1, words.end());
  if (sub == "--help" || sub == "help") {
    std::fputs(kUsage, stdout);
    return 0;
  }
  if (sub == "explain") return Explain(config, args);
  if (sub == "status" || sub == "release-now") return Remote(config, sub, args);
  return Usage("unknown sync subcommand '" + sub + "'");
}

}  // namespace optinctl
