#include "tools/optin-hq/figures_handler.h"

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>
#include <cmath>
#include <cstdio>
#include <map>
#include <set>
#include <span>

#include "tools/optin-hq/csv_writer.h"
#include "tools/optin-hq/figures.h"
#include "tools/optin-hq/hq_http.h"
#include "tools/optin-hq/missing_stores.h"
#include "tools/optin-hq/session_gate.h"
#include "tools/optin-hq/utc_day.h"

namespace optin::hq {
namespace json = boost::json;

namespace {

constexpr double kZ95 = 1.959963984540054;

constexpr std::string_view kNote =
    "estimate: the unbiased sum of the noisy cells of the stores that reported (it may be "
    "negative); display: max(0, estimate), for showing only; stderr: sqrt of the sum of the "
    "cells' noise variances; low95/high95: estimate -+ 1.96 * stderr. A missing store (open that "
    "day by the stores file, no batch for it) is not counted as zero: its figure is unknown and "
    "not in the estimate.";

double Round2(double x) { return std::round(x * 100.0) / 100.0; }

std::string Fixed(double x) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.2f", x);
  return buf;
}

json::value QuantileJson(const std::optional<QuantileFigure>& q) {
  if (!q || !q->estimate) return nullptr;
  auto num = [](const std::optional<double>& v) -> json::value {
    return v ? json::value(Round2(*v)) : json::value(nullptr);
  };
  return json::object{{"estimate", num(q->estimate)},
                      {"low95", num(q->low95)},
                      {"high95", num(q->high95)},
                      {"at_least", q->at_least}};
}

std::string QuantileCell(const std::optional<QuantileFigure>& q,
                         std::optional<double> QuantileFigure::*field) {
  if (!q || !(q.value().*field)) return {};
  return Fixed(*(q.value().*field));
}

net::Response BadParam(std::string_view field, std::string detail) {
  return HqProblem(400, "invalid-parameter", detail, field);
}

// 'from' and 'to' (both required, YYYY-MM-DD) into the request's days; the 400 naming the one
// at fault otherwise.
std::optional<net::Response> ReadDayRange(const QueryParams& q, FiguresRequest& req) {
  auto from = q.Get("from");
  auto to = q.Get("to");
  if (!from) return BadParam("from", "'from' is required (YYYY-MM-DD)");
  if (!to) return BadParam("to", "'to' is required (YYYY-MM-DD)");
  auto from_day = ParseIsoDate(*from);
  auto to_day = ParseIsoDate(*to);
  if (!from_day) return BadParam("from", "'from' must be a date YYYY-MM-DD");
  if (!to_day) return BadParam("to", "'to' must be a date YYYY-MM-DD");
  req.from_day = *from_day;
  req.to_day = *to_day;
  return std::nullopt;
}

}  // namespace

std::vector<HqRoute> FiguresHandler::Routes() {
  return {
      {Listener::kPeople, "GET", "/v1/figures",
       Gated(ctx_, std::nullopt,
             [this](const net::Request& r, const Session&) { return Figures(r); })},
      {Listener::kPeople, "GET", "/v1/stores",
       Gated(ctx_, std::nullopt,
             [this](const net::Request& r, const Session&) { return Stores(r); })},
      {Listener::kPeople, "GET", "/v1/breakdown",
       Gated(ctx_, std::nullopt,
             [this](const net::Request& r, const Session&) { return Breakdown(r); })},
  };
}

net::Response FiguresHandler::Figures(const net::Request& request) {
  const QueryParams q = ParseQuery(request.query);
  if (!q.duplicate.empty()) return BadParam(q.duplicate, "'" + q.duplicate + "' is given twice");
  for (const auto& [name, value] : q.values) {
    static const std::set<std::string, std::less<>> kKnown = {
        "metric", "label", "by", "from", "to", "store", "region", "format"};
    if (!kKnown.contains(name)) {
      return BadParam(name, "unknown parameter '" + name +
                                "' (metric, label, by, from, to, store, region, format)");
    }
  }
  FiguresRequest req;
  auto metric = q.Get("metric");
  if (!metric || metric->empty()) return BadParam("metric", "'metric' is required");
  req.metric = *metric;
  if (auto label = q.Get("label")) {
    if (label->empty()) return BadParam("label", "'label' must not be empty");
    req.label = *label;
  }
  const std::string by = q.Get("by").value_or("day");
  auto grouping = ParseGrouping(by);
  if (!grouping) return BadParam("by", "'by' must be day, week or month");
  req.by = *grouping;
  if (auto bad = ReadDayRange(q, req)) return std::move(*bad);
  auto store = q.Get("store");
  auto region = q.Get("region");
  if (store && region) return BadParam("region", "give 'store' or 'region', not both");
  if (store) req.scope = FigureScope{FigureScope::Kind::kStore, *store};
  if (region) req.scope = FigureScope{FigureScope::Kind::kRegion, *region};
  if (auto f = q.Get("format"); f && *f != "csv" && *f != "json") {
    return BadParam("format", "'format' must be csv or json");
  }
  req.due_before_day = UtcDayOf(ctx_.clock.NowUnix());
  const auto directory = ctx_.stores.current();
  auto figures = ComputeFigures(ctx_.store, directory.get(), req);
  if (!figures) return HqProblem(figures.error(), "storage-unavailable");
  const bool claims = req.metric == kTimeToClaimMetric && !req.label;

  if (WantsCsv(request, q)) {
    CsvWriter csv;
    std::vector<std::string> header = {"period",          "estimate",        "display",
                                       "low95",           "high95",          "stderr",
                                       "stores_reported", "stores_expected", "missing"};
    if (claims) {
      for (const char* h : {"median_seconds", "median_low95", "median_high95", "p90_seconds",
                            "p90_low95", "p90_high95"}) {
        header.push_back(h);
      }
    }
    csv.Row(header);
    for (const FigurePeriod& row : figures->rows) {
      const double se = std::sqrt(row.variance);
      std::string missing;
      for (const std::string& m : row.missing) missing += (missing.empty() ? "" : ";") + m;
      std::vector<std::string> f = {FormatIsoDate(row.period_day),
                                    std::to_string(row.estimate),
                                    std::to_string(std::max<int64_t>(0, row.estimate)),
                                    Fixed(row.estimate - kZ95 * se),
                                    Fixed(row.estimate + kZ95 * se),
                                    Fixed(se),
                                    std::to_string(row.stores_reported),
                                    std::to_string(row.stores_expected),
                                    missing};
      if (claims) {
        for (const auto* qf : {&row.median, &row.p90}) {
          f.push_back(QuantileCell(*qf, &QuantileFigure::estimate));
          f.push_back(QuantileCell(*qf, &QuantileFigure::low95));
          f.push_back(QuantileCell(*qf, &QuantileFigure::high95));
        }
      }
      csv.Row(f);
    }
    net::Response r;
    r.status = 200;
    r.content_type = "text/csv; charset=utf-8; header=present";
    r.body = csv.text();
    return r;
  }

  json::array rows;
  for (const FigurePeriod& row : figures->rows) {
    const double se = std::sqrt(row.variance);
    json::array missing;
    for (const std::string& m : row.missing) missing.emplace_back(m);
    json::object o{{"period", FormatIsoDate(row.period_day)},
                   {"estimate", row.estimate},
                   {"display", std::max<int64_t>(0, row.estimate)},
                   {"low95", Round2(row.estimate - kZ95 * se)},
                   {"high95", Round2(row.estimate + kZ95 * se)},
                   {"stderr", Round2(se)},
                   {"variance", Round2(row.variance)},
                   {"stores_reported", row.stores_reported},
                   {"stores_expected", row.stores_expected},
                   {"missing", std::move(missing)},
                   {"missing_store_days", row.missing_store_days}};
    if (claims) {
      o["median_seconds"] = QuantileJson(row.median);
      o["p90_seconds"] = QuantileJson(row.p90);
    }
    rows.push_back(std::move(o));
  }
  json::object scope;
  switch (req.scope.kind) {
    case FigureScope::Kind::kStore:
      scope["store"] = req.scope.value;
      break;
    case FigureScope::Kind::kRegion:
      scope["region"] = req.scope.value;
      break;
    default:
      scope["chain"] = true;
  }
  std::string note(kNote);
  if (!figures->stores_known) {
    note += " No stores file is loaded: stores_expected is 0 and no store can be told missing.";
  }
  if (claims) {
    note +=
        " median_seconds/p90_seconds: from the time-to-claim histogram, values spread evenly "
        "within a bucket; 95% interval by inverting the test at each second (the README says "
        "how); at_least: the quantile is in the open-ended bucket (1800 s or more).";
  }
  json::object answer{{"metric", req.metric},
                      {"label", req.label ? json::value(*req.label) : json::value(nullptr)},
                      {"by", GroupingName(req.by)},
                      {"from", FormatIsoDate(req.from_day)},
                      {"to", FormatIsoDate(req.to_day)},
                      {"scope", std::move(scope)},
                      {"rows", std::move(rows)},
                      {"note", note}};
  return net::Response::Json(200, json::serialize(answer));
}

net::Response FiguresHandler::Breakdown(const net::Request& request) {
  const QueryParams q = ParseQuery(request.query);
  if (!q.duplicate.empty()) return BadParam(q.duplicate, "'" + q.duplicate + "' is given twice");
  for (const auto& [name, value] : q.values) {
    static const std::set<std::string, std::less<>> kKnown = {"metric", "from", "to", "store",
                                                              "region"};
    if (!kKnown.contains(name)) {
      return BadParam(name, "unknown parameter '" + name + "' (metric, from, to, store, region)");
    }
  }
  FiguresRequest req;
  auto metric = q.Get("metric");
  if (!metric || metric->empty()) return BadParam("metric", "'metric' is required");
  req.metric = *metric;
  if (auto bad = ReadDayRange(q, req)) return std::move(*bad);
  req.by = Grouping::kMonth;  // fewer rows to add up; the sums are the same
  auto store = q.Get("store");
  auto region = q.Get("region");
  if (store && region) return BadParam("region", "give 'store' or 'region', not both");
  if (store) req.scope = FigureScope{FigureScope::Kind::kStore, *store};
  if (region) req.scope = FigureScope{FigureScope::Kind::kRegion, *region};
  req.due_before_day = UtcDayOf(ctx_.clock.NowUnix());
  const auto directory = ctx_.stores.current();
  // The metric and the range are checked by the first ComputeFigures (also with no labels).
  auto check = ComputeFigures(ctx_.store, directory.get(), req);
  if (!check) return HqProblem(check.error(), "storage-unavailable");
  auto labels = ctx_.store.MetricLabels(req.metric, req.from_day, req.to_day);
  if (!labels) return HqProblem(labels.error(), "storage-unavailable");
  json::array out;
  for (const std::string& label : *labels) {
    req.label = label;
    auto figures = ComputeFigures(ctx_.store, directory.get(), req);
    if (!figures) return HqProblem(figures.error(), "storage-unavailable");
    int64_t estimate = 0;
    double variance = 0;
    for (const FigurePeriod& row : figures->rows) {
      estimate += row.estimate;
      variance += row.variance;
    }
    const double se = std::sqrt(variance);
    out.push_back(json::object{{"label", label},
                               {"estimate", estimate},
                               {"display", std::max<int64_t>(0, estimate)},
                               {"low95", Round2(estimate - kZ95 * se)},
                               {"high95", Round2(estimate + kZ95 * se)},
                               {"stderr", Round2(se)},
                               {"variance", Round2(variance)}});
  }
  int64_t missing_store_days = 0;
  for (const FigurePeriod& row : check->rows) missing_store_days += row.missing_store_days;
  json::object scope;
  if (store) {
    scope["store"] = *store;
  } else if (region) {
    scope["region"] = *region;
  } else {
    scope["chain"] = true;
  }
  json::object answer{{"metric", req.metric},
                      {"from", FormatIsoDate(req.from_day)},
                      {"to", FormatIsoDate(req.to_day)},
                      {"scope", std::move(scope)},
                      {"labels", std::move(out)},
                      {"missing_store_days", missing_store_days},
                      {"note", std::string(kNote) +
                                   " Each label's figure is its sum over every day of the range."}};
  return net::Response::Json(200, json::serialize(answer));
}

net::Response FiguresHandler::Stores(const net::Request& request) {
  const QueryParams q = ParseQuery(request.query);
  if (!q.duplicate.empty()) return BadParam(q.duplicate, "'" + q.duplicate + "' is given twice");
  for (const auto& [name, value] : q.values) {
    if (name != "days") return BadParam(name, "unknown parameter '" + name + "' (days)");
  }
  int64_t days = 30;
  if (auto d = q.Get("days")) {
    char* end = nullptr;
    days = std::strtoll(d->c_str(), &end, 10);
    if (d->empty() || end != d->c_str() + d->size() || days < 1 || days > 366) {
      return BadParam("days", "'days' must be a whole number from 1 to 366");
    }
  }
  const int64_t now = ctx_.clock.NowUnix();
  const int64_t today = UtcDayOf(now);
  // A day's batch is due once the day has ended: the window ends yesterday.
  const int64_t from = today - days, to = today - 1;
  auto activity = ctx_.store.LastBatches();
  if (!activity) return HqProblem(activity.error(), "storage-unavailable");
  auto runs = ctx_.store.ReportedRuns(from, to, std::nullopt);
  if (!runs) return HqProblem(runs.error(), "storage-unavailable");
  std::map<std::string_view, std::vector<ReportedRun>> runs_of;
  for (const ReportedRun& r : *runs) runs_of[r.store_id].push_back(r);
  std::map<std::string, StoreActivity> last;
  for (StoreActivity& a : *activity) last.emplace(a.store_id, std::move(a));

  auto entry = [&](const std::string& id, const StoreInfo* info) {
    json::object o{{"id", id}, {"listed", info != nullptr}};
    o["name"] = info ? json::value(info->name) : json::value(nullptr);
    o["region"] = info ? json::value(info->region) : json::value(nullptr);
    o["country"] = info ? json::value(info->country) : json::value(nullptr);
    o["opened"] = info ? json::value(FormatIsoDate(info->opened_day)) : json::value(nullptr);
    o["closed"] = info && info->closed_day ? json::value(FormatIsoDate(*info->closed_day))
                                           : json::value(nullptr);
    auto it = last.find(id);
    if (it != last.end()) {
      o["last_batch_received_at"] = platform::FormatIso8601Utc(it->second.last_received_at);
      o["last_batch_age_seconds"] = now - it->second.last_received_at;
      o["last_period_end"] = platform::FormatIso8601Utc(it->second.last_period_end);
      o["batches"] = it->second.batches;
    } else {
      o["last_batch_received_at"] = nullptr;
      o["last_batch_age_seconds"] = nullptr;
      o["last_period_end"] = nullptr;
      o["batches"] = 0;
    }
    json::array missing;
    if (info) {
      auto own = runs_of.find(id);
      for (const DayRun& gap : MissingDays(
               *info,
               own == runs_of.end() ? std::span<const ReportedRun>() : std::span(own->second), from,
               to)) {
        for (int64_t d = gap.first_day; d <= gap.last_day; ++d) {
          missing.emplace_back(FormatIsoDate(d));
        }
      }
    }
    o["missing_days"] = static_cast<int64_t>(missing.size());
    o["missing"] = std::move(missing);
    return o;
  };
  json::array out;
  const auto directory = ctx_.stores.current();
  std::set<std::string> listed;
  if (directory) {
    for (const StoreInfo& s : directory->stores()) {
      listed.insert(s.id);
      out.push_back(entry(s.id, &s));
    }
  }
  for (const auto& [id, a] : last) {
    if (!listed.contains(id)) out.push_back(entry(id, nullptr));
  }
  json::object answer{
      {"as_of", platform::FormatIso8601Utc(now)},
      {"window", json::object{{"from", FormatIsoDate(from)}, {"to", FormatIsoDate(to)}}},
      {"stores_file", directory != nullptr},
      {"stores", std::move(out)}};
  return net::Response::Json(200, json::serialize(answer));
}

}  // namespace optin::hq
