#include "sync/batch.h"

#include <boost/json/array.hpp>
#include <boost/json/value.hpp>
#include <vector>

#include "platform/crypto.h"
#include "platform/encoding.h"
#include "privacy/jws.h"

namespace optin::sync {
namespace json = boost::json;

namespace {

json::object NoiseJson(const NoiseParameters& n) {
  return json::object{
      {"mechanism", n.mechanism},
      {"scale_num", n.scale_num},
      {"scale_den", n.scale_den},
      {"sensitivity", n.sensitivity},
      {"suppress_below", n.suppress_below},
      {"epsilon_micros", n.epsilon_micros},
      {"caps", json::object{{"checkins", n.checkins_cap},
                            {"help_requests", n.help_requests_cap},
                            {"claims", n.claims_cap},
                            {"offer_views", n.offer_views_cap}}},
  };
}

Result<int64_t> Int(const json::object& o, std::string_view key) {
  const json::value* v = o.if_contains(key);
  if (!v || !v->is_number()) {
    return Fail(ErrorCode::kDataLoss, "batch field '" + std::string(key) + "' is missing");
  }
  if (v->is_int64()) return v->as_int64();
  if (v->is_uint64()) return static_cast<int64_t>(v->as_uint64());
  return Fail(ErrorCode::kDataLoss, "batch field '" + std::string(key) + "' is not an integer");
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

}  // namespace

std::string BatchId(std::string_view store_id, int64_t period_start, int64_t period_end) {
  std::string input = "optin-hq-batch|v1|";
  input += store_id;
  input += "|" + std::to_string(period_start) + "|" + std::to_string(period_end);
  return platform::HexEncode(platform::Sha256(input).substr(0, 16));
}

json::object BatchPayload(const BatchContent& c) {
  json::object metrics;
  int64_t suppressed = 0;
  for (const auto& [metric, labels] : c.cells) {
    json::object shown;
    for (const auto& [label, count] : labels) {
      if (count >= c.noise.suppress_below) {
        shown[label] = count;
      } else {
        ++suppressed;
      }
    }
    metrics[metric] = std::move(shown);
  }
  return json::object{
      {"schema", "optin-hq-batch/1"},
      {"batch_id", BatchId(c.store_id, c.period_start, c.period_end)},
      {"store_id", c.store_id},
      {"period",
       json::object{{"start", c.period_start}, {"end", c.period_end}, {"periods", c.periods}}},
      {"created_at", c.created_at},
      {"software_version", c.software_version},
      {"audit", json::object{{"head", c.audit_head}, {"intact", c.audit_intact}}},
      {"noise", NoiseJson(c.noise)},
      {"suppressed_cells", suppressed},
      {"metrics", std::move(metrics)},
  };
}

json::object ContentToJson(const BatchContent& c) {
  json::object cells;
  for (const auto& [metric, labels] : c.cells) {
    json::object l;
    for (const auto& [label, count] : labels) l[label] = count;
    cells[metric] = std::move(l);
  }
  return json::object{
      {"store_id", c.store_id},
      {"period_start", c.period_start},
      {"period_end", c.period_end},
      {"periods", c.periods},
      {"software_version", c.software_version},
      {"audit_head", c.audit_head},
      {"audit_intact", c.audit_intact},
      {"created_at", c.created_at},
      {"noise", NoiseJson(c.noise)},
      {"cells", std::move(cells)},
  };
}

Result<BatchContent> ContentFromJson(const json::object& o) {
  BatchContent c;
  OPTIN_ASSIGN_OR_RETURN(c.store_id, Str(o, "store_id"));
  OPTIN_ASSIGN_OR_RETURN(c.period_start, Int(o, "period_start"));
  OPTIN_ASSIGN_OR_RETURN(c.period_end, Int(o, "period_end"));
  OPTIN_ASSIGN_OR_RETURN(c.periods, Int(o, "periods"));
  OPTIN_ASSIGN_OR_RETURN(c.software_version, Str(o, "software_version"));
  OPTIN_ASSIGN_OR_RETURN(c.audit_head, Str(o, "audit_head"));
  const json::value* intact = o.if_contains("audit_intact");
  c.audit_intact = intact && intact->is_bool() && intact->as_bool();
  OPTIN_ASSIGN_OR_RETURN(c.created_at, Int(o, "created_at"));
  OPTIN_ASSIGN_OR_RETURN(const json::object* n, Obj(o, "noise"));
  OPTIN_ASSIGN_OR_RETURN(c.noise.mechanism, Str(*n, "mechanism"));
  OPTIN_ASSIGN_OR_RETURN(int64_t num, Int(*n, "scale_num"));
  OPTIN_ASSIGN_OR_RETURN(int64_t den, Int(*n, "scale_den"));
  c.noise.scale_num = static_cast<uint64_t>(num);
  c.noise.scale_den = static_cast<uint64_t>(den);
  OPTIN_ASSIGN_OR_RETURN(c.noise.sensitivity, Int(*n, "sensitivity"));
  OPTIN_ASSIGN_OR_RETURN(c.noise.suppress_below, Int(*n, "suppress_below"));
  OPTIN_ASSIGN_OR_RETURN(c.noise.epsilon_micros, Int(*n, "epsilon_micros"));
  OPTIN_ASSIGN_OR_RETURN(const json::object* caps, Obj(*n, "caps"));
  OPTIN_ASSIGN_OR_RETURN(c.noise.checkins_cap, Int(*caps, "checkins"));
  OPTIN_ASSIGN_OR_RETURN(c.noise.help_requests_cap, Int(*caps, "help_requests"));
  OPTIN_ASSIGN_OR_RETURN(c.noise.claims_cap, Int(*caps, "claims"));
  OPTIN_ASSIGN_OR_RETURN(c.noise.offer_views_cap, Int(*caps, "offer_views"));
  OPTIN_ASSIGN_OR_RETURN(const json::object* cells, Obj(o, "cells"));
  for (const auto& [metric, labels] : *cells) {
    if (!labels.is_object()) return Fail(ErrorCode::kDataLoss, "batch cells are malformed");
    auto& out = c.cells[std::string(metric)];
    for (const auto& [label, count] : labels.as_object()) {
      if (!count.is_int64()) return Fail(ErrorCode::kDataLoss, "batch cells are malformed");
      out[std::string(label)] = count.as_int64();
    }
  }
  return c;
}

Result<BatchContent> MergeContents(const std::vector<BatchContent>& parts) {
  if (parts.empty()) return Fail(ErrorCode::kInternal, "nothing to merge");
  BatchContent merged = parts.front();
  merged.periods = 0;
  merged.noise.epsilon_micros = 0;
  merged.cells.clear();
  for (const BatchContent& p : parts) {
    if (p.store_id != merged.store_id) {
      return Fail(ErrorCode::kInternal, "batches of different stores cannot be merged");
    }
    merged.period_start = std::min(merged.period_start, p.period_start);
    merged.period_end = std::max(merged.period_end, p.period_end);
    merged.periods += p.periods;
    merged.noise.epsilon_micros += p.noise.epsilon_micros;
    merged.noise.suppress_below = std::max(merged.noise.suppress_below, p.noise.suppress_below);
    merged.created_at = std::max(merged.created_at, p.created_at);
    merged.audit_head = p.audit_head;
    merged.audit_intact = merged.audit_intact && p.audit_intact;
    merged.software_version = p.software_version;
    if (p.noise.mechanism != merged.noise.mechanism) merged.noise.mechanism = "mixed";
    for (const auto& [metric, labels] : p.cells) {
      auto& out = merged.cells[metric];
      for (const auto& [label, count] : labels) out[label] += count;
    }
  }
  return merged;
}

BatchSigner MakeJwsSigner(const platform::EcdsaPrivateKey& key, platform::Random& random) {
  return [&key, &random, kid = key.PublicKey().KeyId()](const json::object& payload) {
    return privacy::SignJws(key, random, kid, kBatchJwsType, payload);
  };
}

}  // namespace optin::sync
