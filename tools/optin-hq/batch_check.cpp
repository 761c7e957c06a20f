#include "tools/optin-hq/batch_check.h"

#include <algorithm>
#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include "privacy/jws.h"
#include "sync/batch.h"
#include "tools/optin-hq/epsilon_spent.h"
#include "tools/optin-hq/utc_day.h"

namespace optin::hq {
namespace json = boost::json;

namespace {

int64_t IntOr(const json::object& o, std::string_view k, int64_t fallback) {
  const json::value* v = o.if_contains(k);
  return v && v->is_int64() ? v->as_int64() : fallback;
}

bool IsInt(const json::value* v) { return v && v->is_int64(); }

// Format 2's periods and cells; empty when well-formed, else what is wrong.
std::string ReadV2(const json::object& p, int64_t start, int64_t end, BatchRecord* r) {
  const json::value* covers = p.at("period").as_object().if_contains("covers");
  if (!covers || !covers->is_array() || covers->as_array().empty()) {
    return "period.covers must list the periods the batch covers";
  }
  for (const json::value& c : covers->as_array()) {
    const json::object* o = c.if_object();
    if (!o || !IsInt(o->if_contains("start")) || !IsInt(o->if_contains("end"))) {
      return "period.covers entries are {start, end}";
    }
    const int64_t s = o->at("start").as_int64(), e = o->at("end").as_int64();
    if (s < start || e > end || e <= s) return "a period in period.covers lies outside period";
    r->periods.push_back(BatchPeriod{s, e});
  }
  const int64_t day = UtcDayOf(r->periods.front().start);
  for (const auto& [metric, value] : p.at("metrics").as_object()) {
    const json::object* m = value.if_object();
    const std::string where = "metrics." + std::string(metric);
    if (!m) return where + " must be an object";
    const json::value* mechanism = m->if_contains("mechanism");
    if (!mechanism || !mechanism->is_string()) return where + ".mechanism is missing";
    if (!IsInt(m->if_contains("cap")) || !IsInt(m->if_contains("epsilon_micros"))) {
      return where + " needs integer cap and epsilon_micros";
    }
    const json::value* cells = m->if_contains("cells");
    const json::value* variance = m->if_contains("variance");
    if (!cells || !cells->is_object() || !variance || !variance->is_object()) {
      return where + " needs cells and variance objects";
    }
    if (cells->as_object().size() != variance->as_object().size()) {
      return where + ": every cell needs its variance";
    }
    for (const auto& [label, count] : cells->as_object()) {
      if (!count.is_int64()) return where + ".cells." + std::string(label) + " is not an integer";
      const json::value* v = variance->as_object().if_contains(label);
      if (!v || !v->is_number() || !(v->to_number<double>() >= 0)) {
        return where + ".variance." + std::string(label) + " is missing or negative";
      }
      r->cells.push_back(CellRecord{std::string(metric), std::string(label), day, count.as_int64(),
                                    v->to_number<double>()});
    }
  }
  return {};
}

// Format 1: one joint noise (scale_num / scale_den) for every cell, over `periods` periods.
std::string ReadV1(const json::object& p, int64_t start, int64_t end, BatchRecord* r) {
  r->periods.push_back(BatchPeriod{start, end});
  double variance = 0;
  if (const json::value* n = p.if_contains("noise"); n && n->is_object()) {
    const json::object& noise = n->as_object();
    const json::value* mech = noise.if_contains("mechanism");
    const int64_t num = IntOr(noise, "scale_num", 0), den = IntOr(noise, "scale_den", 0);
    const int64_t periods = std::max<int64_t>(1, IntOr(p.at("period").as_object(), "periods", 1));
    if (!(mech && mech->is_string() && mech->as_string() == "none") && num > 0 && den > 0) {
      variance =
          static_cast<double>(periods) *
          sync::DiscreteLaplaceVariance(static_cast<uint64_t>(num), static_cast<uint64_t>(den));
    }
  }
  const int64_t day = UtcDayOf(start);
  for (const auto& [metric, cells] : p.at("metrics").as_object()) {
    if (!cells.is_object()) return "metrics must map labels to counts";
    for (const auto& [label, count] : cells.as_object()) {
      if (!count.is_int64()) return "metrics must map labels to counts";
      r->cells.push_back(
          CellRecord{std::string(metric), std::string(label), day, count.as_int64(), variance});
    }
  }
  return {};
}

}  // namespace

BatchVerdict CheckBatch(std::string_view jws, const PeerStore& peer, const StoreDirectory* stores,
                        int64_t now, BatchRecord* record) {
  BatchVerdict v;
  auto reject = [&v](std::string reason, std::string detail) {
    v.status = "rejected";
    v.reason = std::move(reason);
    v.detail = std::move(detail);
    return v;
  };
  auto parsed = privacy::ParseJws(jws, sync::kMaxBatchJwsBytes);
  if (!parsed) return reject("malformed", "not a compact JWS: " + parsed.error().message);
  const json::object& p = parsed->payload;
  if (auto* id = p.if_contains("batch_id"); id && id->is_string()) {
    v.batch_id = std::string(id->as_string());
  }
  const json::value* period = p.if_contains("period");
  if (period && period->is_object()) {
    v.period_start = IntOr(period->as_object(), "start", -1);
    v.period_end = IntOr(period->as_object(), "end", -1);
  }
  const json::value* schema = p.if_contains("schema");
  if (schema && schema->is_string()) v.schema = std::string(schema->as_string());
  if (!peer.key) return reject("no-client-certificate", peer.problem);
  if (!privacy::VerifyJws(*peer.key, jws, sync::kMaxBatchJwsBytes)) {
    return reject("bad-signature", "the signature does not verify with the client certificate");
  }
  if (!schema || !schema->is_string()) return reject("malformed", "the batch names no schema");
  if (std::find(std::begin(kAcceptedSchemas), std::end(kAcceptedSchemas), v.schema) ==
      std::end(kAcceptedSchemas)) {
    return reject("unsupported-version",
                  "batch schema '" + v.schema +
                      "' is not one this HQ accepts (optin-hq-batch/1, optin-hq-batch/2)");
  }
  const json::value* store = p.if_contains("store_id");
  const json::value* metrics = p.if_contains("metrics");
  if (!store || !store->is_string() || !period || !period->is_object() || !metrics ||
      !metrics->is_object()) {
    return reject("malformed", "store_id, period and metrics are required");
  }
  const std::string sid(store->as_string());
  if (sid != peer.common_name) {
    return reject("store-mismatch",
                  "the batch's store_id is not the store the client certificate was issued for");
  }
  if (stores != nullptr && stores->Find(sid) == nullptr) {
    return reject("unknown-store", "store '" + sid + "' is not in HQ's stores file");
  }
  const int64_t start = v.period_start, end = v.period_end;
  if (start < 0 || end <= start) return reject("malformed", "period.start must precede period.end");
  if (v.batch_id != sync::BatchId(sid, start, end)) {
    return reject("batch-id-mismatch", "batch_id is not the one the store and period give");
  }
  BatchRecord r;
  r.batch_id = v.batch_id;
  r.store_id = sid;
  r.format_version = v.schema == "optin-hq-batch/1" ? 1 : 2;
  r.received_at = now;
  r.signed_batch = std::string(jws);
  const std::string wrong =
      r.format_version == 1 ? ReadV1(p, start, end, &r) : ReadV2(p, start, end, &r);
  if (!wrong.empty()) return reject("malformed", wrong);
  r.stated_epsilon = StatedEpsilonOf(p, r.format_version);
  if (Status s = ValidateBatchRecord(r); !s) return reject("malformed", s.error().message);
  *record = std::move(r);
  v.status = "ok";
  return v;
}

}  // namespace optin::hq
