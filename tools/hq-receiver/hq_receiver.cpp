#include "tools/hq-receiver/hq_receiver.h"

#include <algorithm>
#include <array>
#include <boost/json/array.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <optional>

#include "platform/crypto.h"
#include "platform/encoding.h"
#include "platform/log.h"
#include "platform/x509.h"
#include "privacy/jws.h"
#include "sync/batch.h"

namespace optin::hq {
namespace json = boost::json;
namespace log = platform::log;

namespace {

constexpr std::string_view kSchemaV1 = R"sql(
CREATE TABLE batches (
  batch_id      TEXT PRIMARY KEY,
  store_id      TEXT NOT NULL,
  period_start  INTEGER NOT NULL,
  period_end    INTEGER NOT NULL,
  received_at   INTEGER NOT NULL,
  payload       TEXT NOT NULL,
  jws_hash      BLOB NOT NULL
) STRICT;
CREATE INDEX batches_by_store ON batches(store_id, period_start);
)sql";
constexpr std::array kMigrations = {
    store::Migration{1, "hq: received batches", kSchemaV1},
};

std::string DerToPem(std::string_view der) {
  const std::string b64 = platform::Base64Encode(der);
  std::string pem = "-----BEGIN CERTIFICATE-----\n";
  for (size_t i = 0; i < b64.size(); i += 64) pem += b64.substr(i, 64) + "\n";
  pem += "-----END CERTIFICATE-----\n";
  return pem;
}

// The CN of an mbedTLS subject text ("CN=store-0042, O=Acme").
std::string CommonName(std::string_view subject) {
  size_t at = subject.find("CN=");
  if (at == std::string_view::npos) return {};
  subject.remove_prefix(at + 3);
  return std::string(subject.substr(0, subject.find(',')));
}

struct Peer {
  std::optional<platform::EcdsaPublicKey> key;
  std::string common_name;
  std::string problem;
};

Peer PeerOf(std::string_view der) {
  Peer peer;
  if (der.empty()) {
    peer.problem = "no verified client certificate";
    return peer;
  }
  const std::string pem = DerToPem(der);
  auto info = platform::InspectCertificate(pem);
  auto key_pem = platform::CertificatePublicKeyPem(pem);
  if (!info || !key_pem) {
    peer.problem = "client certificate unreadable";
    return peer;
  }
  auto key = platform::EcdsaPublicKey::FromPem(*key_pem);
  if (!key) {
    peer.problem = "client certificate key is not P-256";
    return peer;
  }
  peer.key = std::move(*key);
  peer.common_name = CommonName(info->subject);
  return peer;
}

int64_t IntOr(const json::object& o, std::string_view k, int64_t fallback) {
  const json::value* v = o.if_contains(k);
  return v && v->is_int64() ? v->as_int64() : fallback;
}

bool IsInt(const json::value* v) { return v && v->is_int64(); }

// Format 2: per metric the mechanism, cap, epsilon spent, cells and each cell's variance; the
// periods it covers. Empty when well-formed, else what is wrong.
std::string CheckV2Shape(const json::object& p, int64_t start, int64_t end) {
  const json::value* period = p.if_contains("period");
  const json::value* covers = period->as_object().if_contains("covers");
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
  }
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
      if (!v || !v->is_number() || v->to_number<double>() < 0) {
        return where + ".variance." + std::string(label) + " is missing or negative";
      }
    }
  }
  return {};
}

BatchVerdict CheckOne(std::string_view jws, const Peer& peer, const ReceiverOptions& options,
                      std::string* store_id, json::object* payload) {
  BatchVerdict v;
  auto parsed = privacy::ParseJws(jws, sync::kMaxBatchJwsBytes);
  if (!parsed) {
    v.status = "rejected";
    v.reason = "malformed";
    v.detail = "not a compact JWS";
    return v;
  }
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
  auto reject = [&v](std::string reason, std::string detail) {
    v.status = "rejected";
    v.reason = std::move(reason);
    v.detail = std::move(detail);
    return v;
  };
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
  if (options.allowed_stores.empty() ? sid != peer.common_name
                                     : options.allowed_stores.count(sid) == 0) {
    return reject("unknown-store", "this store is not allowed to send batches here");
  }
  const int64_t start = v.period_start;
  const int64_t end = v.period_end;
  if (start < 0 || end <= start) return reject("malformed", "period.start must precede period.end");
  if (v.batch_id != sync::BatchId(sid, start, end)) {
    return reject("batch-id-mismatch", "batch_id is not the one the store and period give");
  }
  if (v.schema == "optin-hq-batch/1") {
    for (const auto& [metric, cells] : metrics->as_object()) {
      if (!cells.is_object()) return reject("malformed", "metrics must map labels to counts");
      for (const auto& [label, count] : cells.as_object()) {
        if (!count.is_int64()) return reject("malformed", "metrics must map labels to counts");
      }
    }
  } else if (std::string wrong = CheckV2Shape(p, start, end); !wrong.empty()) {
    return reject("malformed", wrong);
  }
  *store_id = sid;
  *payload = p;
  v.status = "ok";
  return v;
}

// A refused batch's problem+json (RFC 9457), inside its result.
json::object VerdictProblem(const BatchVerdict& v) {
  json::object problem{{"type", "urn:optin-hq:problem:" + v.reason},
                       {"title", v.reason},
                       {"status", v.reason == "unsupported-version" ? 422 : 400},
                       {"detail", v.detail}};
  if (v.reason == "unsupported-version") problem["version"] = v.schema;
  return problem;
}

net::Response Problem(int status, std::string_view type, std::string_view detail) {
  return net::Response::Problem(status, type, type, detail);
}

}  // namespace

std::span<const store::Migration> ReceiverSchema() { return kMigrations; }

HqReceiver::HqReceiver(store::Database& db, const platform::Clock& clock, ReceiverOptions options)
    : db_(db), clock_(clock), options_(std::move(options)) {}

HqReceiver::Counters HqReceiver::counters() const {
  std::lock_guard lock(mu_);
  return counters_;
}

void HqReceiver::ReleaseHung() {
  std::vector<net::Responder> hung;
  {
    std::lock_guard lock(mu_);
    hung.swap(hung_);
  }
  for (net::Responder& r : hung) {
    r(Problem(503, "shutting-down", "the receiver stops (--hang-first)"));
  }
}

BatchVerdict HqReceiver::Check(std::string_view jws, std::string_view peer_certificate_der,
                               std::string* store_id, json::object* payload) const {
  return CheckOne(jws, PeerOf(peer_certificate_der), options_, store_id, payload);
}

void HqReceiver::Register(net::Router& router) {
  router.Add("POST", "/v1/batches", [this](net::Request&& r, net::Responder respond) {
    PostBatches(std::move(r), std::move(respond));
  });
  router.Add("GET", "/batches", [this](net::Request&& r, net::Responder respond) {
    GetBatches(std::move(r), std::move(respond));
  });
}

void HqReceiver::PostBatches(net::Request&& request, net::Responder respond) {
  {
    std::lock_guard lock(mu_);
    if (static_cast<int64_t>(counters_.failed_on_purpose) < options_.fail_first) {
      ++counters_.failed_on_purpose;
      log::Warn("hq.failed_on_purpose", {{"count", counters_.failed_on_purpose}});
      respond(Problem(500, "injected-failure", "answering 500 on purpose (--fail-first)"));
      return;
    }
    if (static_cast<int64_t>(counters_.hung_on_purpose) < options_.hang_first) {
      ++counters_.hung_on_purpose;
      log::Warn("hq.hung_on_purpose", {{"count", counters_.hung_on_purpose}});
      hung_.push_back(std::move(respond));  // never answered; the connection stays open
      return;
    }
  }
  boost::system::error_code ec;
  json::value body = json::parse(request.body, ec);
  const json::array* list = nullptr;
  if (!ec && body.is_object()) {
    if (auto* b = body.as_object().if_contains("batches"); b && b->is_array()) {
      list = &b->as_array();
    }
  }
  if (!list || list->size() > options_.max_batches_per_request) {
    log::Warn("hq.request_malformed", {{"bytes", request.body.size()}});
    respond(Problem(400, "malformed-request", "expected {\"batches\": [jws, ...]}"));
    return;
  }
  const Peer peer = PeerOf(request.peer_certificate_der);
  if (!peer.key) {
    respond(Problem(403, "client-certificate", peer.problem));
    return;
  }
  struct Item {
    BatchVerdict verdict;
    std::string store_id;
    json::object payload;
    std::string jws_hash;
  };
  auto items = std::make_shared<std::vector<Item>>();
  for (const json::value& entry : *list) {
    Item item;
    if (!entry.is_string()) {
      item.verdict.status = "rejected";
      item.verdict.reason = "malformed";
      item.verdict.detail = "a batch must be a JWS string";
    } else {
      item.verdict = CheckOne(entry.as_string(), peer, options_, &item.store_id, &item.payload);
      item.jws_hash = platform::Sha256(entry.as_string());
    }
    items->push_back(std::move(item));
  }
  const int64_t now = clock_.NowUnix();
  auto shared = std::move(respond).Share();
  db_.Write(
      [items, now](store::Connection& c) -> Status {
        for (Item& item : *items) {
          if (item.verdict.status != "ok") continue;
          OPTIN_ASSIGN_OR_RETURN(auto existing,
                                 c.Prepare("SELECT jws_hash FROM batches WHERE batch_id = ?"));
          existing.BindAll(item.verdict.batch_id);
          OPTIN_ASSIGN_OR_RETURN(bool found, existing.Step());
          if (found) {
            const bool same = existing.ColumnBlob(0) == item.jws_hash;
            // A retry may carry a fresh signature (ECDSA is randomised): the same id from the
            // same store is the same period, so it is a duplicate either way.
            item.verdict.status = "duplicate";
            if (!same) item.verdict.reason = "re-signed";
            continue;
          }
          const auto& period = item.payload.at("period").as_object();
          OPTIN_TRY(c.Execute(
              "INSERT INTO batches(batch_id, store_id, period_start, period_end, received_at, "
              "payload, jws_hash) VALUES (?, ?, ?, ?, ?, ?, ?)",
              item.verdict.batch_id, item.store_id, period.at("start").as_int64(),
              period.at("end").as_int64(), now, json::serialize(item.payload),
              store::Blob{item.jws_hash}));
          item.verdict.status = "stored";
        }
        return Ok();
      },
      [this, items, shared](Status s) {
        if (!s) {
          log::Error("hq.store_failed", {{"error", s.error().message}});
          (*shared)(Problem(503, "storage-unavailable", "could not store the batches"));
          return;
        }
        json::array results;
        Counters delta;
        for (const Item& item : *items) {
          json::object r{{"batch_id", item.verdict.batch_id}, {"status", item.verdict.status}};
          // One line per batch: store, period, verdict (the store id names a shop, not a
          // person; no count, no payload).
          const bool refused = item.verdict.status == "rejected";
          (refused ? log::Warn : log::Info)(
              "hq.batch", {{"store", item.store_id.empty() ? "(unverified)" : item.store_id},
                           {"batch_id", item.verdict.batch_id},
                           {"schema", item.verdict.schema},
                           {"period_start", item.verdict.period_start},
                           {"period_end", item.verdict.period_end},
                           {"verdict", item.verdict.status},
                           {"reason", item.verdict.reason}});
          if (refused) {
            r["reason"] = item.verdict.reason;
            r["problem"] = VerdictProblem(item.verdict);
            ++delta.rejected;
          } else if (item.verdict.status == "duplicate") {
            ++delta.duplicate;
          } else {
            ++delta.stored;
          }
          results.push_back(std::move(r));
        }
        {
          std::lock_guard lock(mu_);
          counters_.stored += delta.stored;
          counters_.duplicate += delta.duplicate;
          counters_.rejected += delta.rejected;
        }
        (*shared)(net::Response::Json(200, json::serialize(json::object{{"results", results}})));
      });
}

void HqReceiver::GetBatches(net::Request&& request, net::Responder respond) {
  std::string store;
  // ?store=ID (ids are plain [A-Za-z0-9._-]; nothing to decode).
  for (std::string_view q = request.query; !q.empty();) {
    std::string_view part = q.substr(0, q.find('&'));
    q.remove_prefix(std::min(q.size(), part.size() + 1));
    if (part.substr(0, 6) == "store=") store = std::string(part.substr(6));
  }
  auto shared = std::move(respond).Share();
  auto st = db_.TryRead([store, shared](store::Connection& c) {
    auto stmt = c.Prepare(
        "SELECT batch_id, store_id, period_start, period_end, received_at, payload FROM batches "
        "WHERE ? = '' OR store_id = ? ORDER BY store_id, period_start");
    if (!stmt) {
      (*shared)(Problem(500, "storage-error", stmt.error().message));
      return;
    }
    stmt->BindAll(store, store);
    json::array out;
    for (;;) {
      auto row = stmt->Step();
      if (!row || !*row) break;
      boost::system::error_code ec;
      out.push_back(json::object{{"batch_id", stmt->ColumnText(0)},
                                 {"store_id", stmt->ColumnText(1)},
                                 {"period_start", stmt->ColumnInt(2)},
                                 {"period_end", stmt->ColumnInt(3)},
                                 {"received_at", stmt->ColumnInt(4)},
                                 {"payload", json::parse(stmt->ColumnText(5), ec)}});
    }
    (*shared)(net::Response::Json(200, json::serialize(json::object{{"batches", out}})));
  });
  if (!st) (*shared)(Problem(503, "busy", st.error().message));
}

}  // namespace optin::hq
