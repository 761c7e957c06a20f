#include "sync/batch.h"

#include <algorithm>
#include <boost/json/array.hpp>
#include <boost/json/value.hpp>
#include <cmath>
#include <vector>

#include "platform/crypto.h"
#include "platform/encoding.h"
#include "privacy/jws.h"
#include "sync/sync_policy.h"

namespace optin::sync {
namespace json = boost::json;

namespace {

Result<int64_t> Int(const json::object& o, std::string_view key) {
  const json::value* v = o.if_contains(key);
  if (!v || !v->is_number()) {
    return Fail(ErrorCode::kDataLoss, "batch field '" + std::string(key) + "' is missing");
  }
  if (v->is_int64()) return v->as_int64();
  if (v->is_uint64()) return static_cast<int64_t>(v->as_uint64());
  return Fail(ErrorCode::kDataLoss, "batch field '" + std::string(key) + "' is not an integer");
}

Result<double> Number(const json::object& o, std::string_view key) {
  const json::value* v = o.if_contains(key);
  if (!v || !v->is_number()) {
    return Fail(ErrorCode::kDataLoss, "batch field '" + std::string(key) + "' is missing");
  }
  return v->to_number<double>();
}

Result<std::string> Str(const json::object& o, std::string_view key) {
  const json::value* v = o.if_contains(key);
  if (!v || !v->is_string()) {
    return Fail(ErrorCode::kDataLoss, "batch field '" + std::string(key) + "' is missing");
  }
  return std::string(v->as_string());
}

Result<const json::object*> Obj(const json::object& o, std::string_view key) {
  const json::value* v = o.if_contains(key);
  if (!v || !v->is_object()) {
    return Fail(ErrorCode::kDataLoss, "batch field '" + std::string(key) + "' is missing");
  }
  return &v->as_object();
}

json::object BundlesJson(const BundlesInForce& bundles) {
  json::object out;
  for (const auto& [kind, b] : bundles) {
    out[kind] = json::object{{"version", b.version}, {"etag", b.etag}};
  }
  return out;
}

// Tolerant: a malformed entry is left out (the batch's figures matter more).
BundlesInForce BundlesFromJson(const json::object& o) {
  BundlesInForce out;
  const json::value* v = o.if_contains("bundles");
  if (!v || !v->is_object()) return out;
  for (const auto& [kind, b] : v->as_object()) {
    if (!b.is_object()) continue;
    const json::value* version = b.as_object().if_contains("version");
    const json::value* etag = b.as_object().if_contains("etag");
    if (!version || !version->is_string() || !etag || !etag->is_string()) continue;
    out[std::string(kind)] =
        BundleInForce{std::string(version->as_string()), std::string(etag->as_string())};
  }
  return out;
}

json::array PeriodsJson(const BatchContent& c) {
  json::array out;
  for (const PeriodRange& r : c.periods) {
    out.push_back(json::object{{"start", r.start}, {"end", r.end}});
  }
  return out;
}

json::object CountsJson(const MetricRelease& m) {
  json::object o;
  for (const auto& [label, count] : m.cells) o[label] = count;
  return o;
}

json::object VarianceJson(const MetricRelease& m) {
  json::object o;
  for (const auto& [label, v] : m.variance) o[label] = v;
  return o;
}

// A batch written by a version before format 2: one joint noise for all metrics, of scale
// sensitivity (the sum of the caps) / epsilon.
Result<BatchContent> LegacyContentFromJson(const json::object& o, BatchContent c) {
  OPTIN_ASSIGN_OR_RETURN(const int64_t periods, Int(o, "periods"));
  c.periods = {PeriodRange{c.period_start, c.period_end}};
  OPTIN_ASSIGN_OR_RETURN(const json::object* n, Obj(o, "noise"));
  OPTIN_ASSIGN_OR_RETURN(std::string mechanism, Str(*n, "mechanism"));
  OPTIN_ASSIGN_OR_RETURN(const int64_t num, Int(*n, "scale_num"));
  OPTIN_ASSIGN_OR_RETURN(const int64_t den, Int(*n, "scale_den"));
  OPTIN_ASSIGN_OR_RETURN(const int64_t sensitivity, Int(*n, "sensitivity"));
  OPTIN_ASSIGN_OR_RETURN(const int64_t epsilon, Int(*n, "epsilon_micros"));
  OPTIN_ASSIGN_OR_RETURN(const json::object* caps, Obj(*n, "caps"));
  OPTIN_ASSIGN_OR_RETURN(const json::object* cells, Obj(o, "cells"));
  const std::pair<std::string_view, std::string_view> kCapKeys[] = {
      {kCheckinsByChannel, "checkins"},
      {kHelpRequestsByTopic, "help_requests"},
      {kTimeToClaim, "claims"},
      {kOfferViewsByCategory, "offer_views"}};
  // Each part of an old merge had the same scale (one configuration): a cell's variance is the
  // periods' sum.
  const double variance = mechanism == "none" ? 0.0
                                              : static_cast<double>(std::max<int64_t>(1, periods)) *
                                                    DiscreteLaplaceVariance(num, den);
  for (const auto& [metric, labels] : *cells) {
    if (!labels.is_object()) return Fail(ErrorCode::kDataLoss, "batch cells are malformed");
    MetricRelease& m = c.metrics[std::string(metric)];
    m.mechanism = mechanism;
    for (const auto& [name, key] : kCapKeys) {
      if (name == metric) {
        OPTIN_ASSIGN_OR_RETURN(m.cap, Int(*caps, key));
      }
    }
    // The joint epsilon, attributed to each metric in proportion to its cap (its scale was
    // sensitivity / epsilon = cap / (epsilon * cap / sensitivity)).
    m.epsilon_micros = sensitivity > 0 ? epsilon * m.cap / sensitivity : 0;
    if (periods <= 1 && mechanism != "none") {
      m.scale_num = static_cast<uint64_t>(num);
      m.scale_den = static_cast<uint64_t>(den);
    }
    for (const auto& [label, count] : labels.as_object()) {
      if (!count.is_int64()) return Fail(ErrorCode::kDataLoss, "batch cells are malformed");
      m.cells[std::string(label)] = count.as_int64();
      m.variance[std::string(label)] = variance;
    }
  }
  return c;
}

}  // namespace

int64_t BatchContent::epsilon_micros() const {
  int64_t sum = 0;
  for (const auto& [name, m] : metrics) sum += m.epsilon_micros;
  return sum;
}

double DiscreteLaplaceVariance(uint64_t scale_num, uint64_t scale_den) {
  if (scale_num == 0 || scale_den == 0) return 0.0;
  const double a = std::exp(-static_cast<double>(scale_den) / static_cast<double>(scale_num));
  return 2.0 * a / ((1.0 - a) * (1.0 - a));
}

std::string BatchId(std::string_view store_id, int64_t period_start, int64_t period_end) {
  std::string input = "optin-hq-batch|v1|";
  input += store_id;
  input += "|" + std::to_string(period_start) + "|" + std::to_string(period_end);
  return platform::HexEncode(platform::Sha256(input).substr(0, 16));
}

json::object BatchPayload(const BatchContent& c) {
  json::object metrics;
  for (const auto& [name, m] : c.metrics) {
    json::object o{{"mechanism", m.mechanism},
                   {"cap", m.cap},
                   {"epsilon_micros", m.epsilon_micros},
                   {"cells", CountsJson(m)},
                   {"variance", VarianceJson(m)}};
    if (m.scale_num > 0 && m.scale_den > 0) {
      o["scale"] = json::object{
          {"num", m.scale_num},
          {"den", m.scale_den},
          {"value", static_cast<double>(m.scale_num) / static_cast<double>(m.scale_den)}};
    }
    metrics[name] = std::move(o);
  }
  json::object payload{
      {"schema", kBatchSchemaV2},
      {"batch_id", BatchId(c.store_id, c.period_start, c.period_end)},
      {"store_id", c.store_id},
      {"period",
       json::object{{"start", c.period_start},
                    {"end", c.period_end},
                    {"periods", static_cast<int64_t>(c.periods.size())},
                    {"covers", PeriodsJson(c)}}},
      {"created_at", c.created_at},
      {"software_version", c.software_version},
      {"audit", json::object{{"head", c.audit_head}, {"intact", c.audit_intact}}},
      {"privacy",
       json::object{{"unit", "one shopper per UTC day"}, {"epsilon_micros", c.epsilon_micros()}}},
      {"metrics", std::move(metrics)},
  };
  if (!c.bundles.empty()) payload["bundles"] = BundlesJson(c.bundles);
  return payload;
}

json::object ContentToJson(const BatchContent& c) {
  json::object metrics;
  for (const auto& [name, m] : c.metrics) {
    metrics[name] = json::object{{"mechanism", m.mechanism},
                                 {"cap", m.cap},
                                 {"epsilon_micros", m.epsilon_micros},
                                 {"scale_num", m.scale_num},
                                 {"scale_den", m.scale_den},
                                 {"cells", CountsJson(m)},
                                 {"variance", VarianceJson(m)}};
  }
  json::object out{
      {"format", 2},
      {"store_id", c.store_id},
      {"period_start", c.period_start},
      {"period_end", c.period_end},
      {"periods", PeriodsJson(c)},
      {"software_version", c.software_version},
      {"audit_head", c.audit_head},
      {"audit_intact", c.audit_intact},
      {"created_at", c.created_at},
      {"metrics", std::move(metrics)},
  };
  if (!c.bundles.empty()) out["bundles"] = BundlesJson(c.bundles);
  return out;
}

Result<BatchContent> ContentFromJson(const json::object& o) {
  BatchContent c;
  OPTIN_ASSIGN_OR_RETURN(c.store_id, Str(o, "store_id"));
  OPTIN_ASSIGN_OR_RETURN(c.period_start, Int(o, "period_start"));
  OPTIN_ASSIGN_OR_RETURN(c.period_end, Int(o, "period_end"));
  OPTIN_ASSIGN_OR_RETURN(c.software_version, Str(o, "software_version"));
  OPTIN_ASSIGN_OR_RETURN(c.audit_head, Str(o, "audit_head"));
  const json::value* intact = o.if_contains("audit_intact");
  c.audit_intact = intact && intact->is_bool() && intact->as_bool();
  OPTIN_ASSIGN_OR_RETURN(c.created_at, Int(o, "created_at"));
  c.bundles = BundlesFromJson(o);
  if (!o.contains("format")) return LegacyContentFromJson(o, std::move(c));

  const json::value* periods = o.if_contains("periods");
  if (!periods || !periods->is_array()) {
    return Fail(ErrorCode::kDataLoss, "batch field 'periods' is missing");
  }
  for (const json::value& p : periods->as_array()) {
    if (!p.is_object()) return Fail(ErrorCode::kDataLoss, "batch periods are malformed");
    PeriodRange r;
    OPTIN_ASSIGN_OR_RETURN(r.start, Int(p.as_object(), "start"));
    OPTIN_ASSIGN_OR_RETURN(r.end, Int(p.as_object(), "end"));
    c.periods.push_back(r);
  }
  OPTIN_ASSIGN_OR_RETURN(const json::object* metrics, Obj(o, "metrics"));
  for (const auto& [name, value] : *metrics) {
    if (!value.is_object()) return Fail(ErrorCode::kDataLoss, "batch metrics are malformed");
    const json::object& mo = value.as_object();
    MetricRelease& m = c.metrics[std::string(name)];
    OPTIN_ASSIGN_OR_RETURN(m.mechanism, Str(mo, "mechanism"));
    OPTIN_ASSIGN_OR_RETURN(m.cap, Int(mo, "cap"));
    OPTIN_ASSIGN_OR_RETURN(m.epsilon_micros, Int(mo, "epsilon_micros"));
    OPTIN_ASSIGN_OR_RETURN(const int64_t num, Int(mo, "scale_num"));
    OPTIN_ASSIGN_OR_RETURN(const int64_t den, Int(mo, "scale_den"));
    m.scale_num = static_cast<uint64_t>(num);
    m.scale_den = static_cast<uint64_t>(den);
    OPTIN_ASSIGN_OR_RETURN(const json::object* cells, Obj(mo, "cells"));
    OPTIN_ASSIGN_OR_RETURN(const json::object* variance, Obj(mo, "variance"));
    for (const auto& [label, count] : *cells) {
      if (!count.is_int64()) return Fail(ErrorCode::kDataLoss, "batch cells are malformed");
      m.cells[std::string(label)] = count.as_int64();
      OPTIN_ASSIGN_OR_RETURN(m.variance[std::string(label)], Number(*variance, label));
    }
  }
  return c;
}

Result<BatchContent> MergeContents(const std::vector<BatchContent>& parts) {
  if (parts.empty()) return Fail(ErrorCode::kInternal, "nothing to merge");
  BatchContent merged = parts.front();
  merged.periods.clear();
  merged.metrics.clear();
  for (const BatchContent& p : parts) {
    if (p.store_id != merged.store_id) {
      return Fail(ErrorCode::kInternal, "batches of different stores cannot be merged");
    }
    merged.period_start = std::min(merged.period_start, p.period_start);
    merged.period_end = std::max(merged.period_end, p.period_end);
    merged.periods.insert(merged.periods.end(), p.periods.begin(), p.periods.end());
    merged.created_at = std::max(merged.created_at, p.created_at);
    merged.audit_head = p.audit_head;
    merged.audit_intact = merged.audit_intact && p.audit_intact;
    merged.software_version = p.software_version;
    if (!p.bundles.empty()) merged.bundles = p.bundles;  // what was in force last
    for (const auto& [name, m] : p.metrics) {
      auto [it, fresh] = merged.metrics.try_emplace(name);
      MetricRelease& out = it->second;
      if (fresh) {
        out.mechanism = m.mechanism;
      } else if (out.mechanism != m.mechanism) {
        out.mechanism = "mixed";
      }
      out.cap = std::max(out.cap, m.cap);
      out.epsilon_micros += m.epsilon_micros;
      for (const auto& [label, count] : m.cells) out.cells[label] += count;
      for (const auto& [label, v] : m.variance) out.variance[label] += v;
    }
  }
  std::sort(merged.periods.begin(), merged.periods.end(),
            [](const PeriodRange& a, const PeriodRange& b) { return a.start < b.start; });
  // A merged cell's noise is a sum of noises of possibly different scales: no single scale
  // describes it; its variance (the sum of its parts') does.
  if (parts.size() > 1) {
    for (auto& [name, m] : merged.metrics) m.scale_num = m.scale_den = 0;
  }
  return merged;
}

BatchSigner MakeJwsSigner(const platform::EcdsaPrivateKey& key, platform::Random& random) {
  return [&key, &random, kid = key.PublicKey().KeyId()](const json::object& payload) {
    return privacy::SignJws(key, random, kid, kBatchJwsType, payload);
  };
}

}  // namespace optin::sync
