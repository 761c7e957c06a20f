#include "tools/optin-hq/ingest_handler.h"

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <memory>

#include "platform/log.h"
#include "privacy/jws.h"
#include "sync/batch.h"
#include "tools/optin-hq/batch_check.h"
#include "tools/optin-hq/bundle_report.h"
#include "tools/optin-hq/hq_http.h"

namespace optin::hq {
namespace json = boost::json;
namespace log = platform::log;

namespace {

// A batch's problem+json (RFC 9457), inside its result.
json::object VerdictProblem(const BatchVerdict& v) {
  const int status =
      v.reason == "unsupported-version" ? 422
      : v.reason == "duplicate"         ? 409
      : v.reason == "bad-signature" || v.reason == "store-mismatch" || v.reason == "unknown-store"
          ? 403
          : 400;
  json::object problem{{"type", std::string(kProblemPrefix) + v.reason},
                       {"title", v.reason},
                       {"status", status},
                       {"detail", v.detail}};
  if (v.reason == "unsupported-version") problem["version"] = v.schema;
  return problem;
}

struct Item {
  BatchVerdict verdict;
  BatchRecord record;
};

}  // namespace

std::vector<HqRoute> IngestHandler::Routes() {
  return {
      {Listener::kStores, "POST", "/v1/batches",
       [this](net::Request&& r, net::Responder respond) {
         PostBatches(std::move(r), std::move(respond));
       }},
      {Listener::kStores, "GET", "/batches",
       [this](net::Request&& r, net::Responder respond) {
         GetBatches(std::move(r), std::move(respond));
       }},
  };
}

int64_t IngestHandler::failed_on_purpose() const {
  std::lock_guard lock(mu_);
  return failed_;
}

int64_t IngestHandler::hung_on_purpose() const {
  std::lock_guard lock(mu_);
  return hung_;
}

void IngestHandler::ReleaseHung() {
  std::vector<net::Responder> held;
  {
    std::lock_guard lock(mu_);
    held.swap(held_);
  }
  for (net::Responder& r : held) r(HqProblem(503, "shutting-down", "HQ stops (--hang-first)"));
}

void IngestHandler::PostBatches(net::Request&& request, net::Responder respond) {
  {
    std::lock_guard lock(mu_);
    if (failed_ < options_.fail_first) {
      ++failed_;
      log::Warn("hq.failed_on_purpose", {{"count", failed_}});
      respond(HqProblem(500, "injected-failure", "answering 500 on purpose (--fail-first)"));
      return;
    }
    if (hung_ < options_.hang_first) {
      ++hung_;
      log::Warn("hq.hung_on_purpose", {{"count", hung_}});
      held_.push_back(std::move(respond));  // never answered; the connection stays open
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
  if (!list) {
    ctx_.counters.UploadRefused("malformed-request");
    log::Warn("hq.upload_refused",
              {{"reason", "malformed-request"}, {"bytes", request.body.size()}});
    respond(HqProblem(400, "malformed-request",
                      "expected a JSON object {\"batches\": [jws, ...]}: nothing was stored"));
    return;
  }
  if (list->size() > options_.max_batches_per_request) {
    ctx_.counters.UploadRefused("too-many-batches");
    respond(HqProblem(400, "too-many-batches",
                      "at most " + std::to_string(options_.max_batches_per_request) +
                          " batches per upload: nothing was stored",
                      "batches"));
    return;
  }
  const PeerStore peer = ctx_.peers.Of(request.peer_certificate_der, ctx_.clock.NowUnix());
  if (!peer.key) {
    ctx_.counters.UploadRefused("client-certificate");
    respond(HqProblem(403, "client-certificate", peer.problem));
    return;
  }
  auto items = std::make_shared<std::vector<Item>>();
  const auto stores = ctx_.stores.current();  // the stores file in force for this upload
  const int64_t now = ctx_.clock.NowUnix();
  for (const json::value& entry : *list) {
    Item item;
    if (!entry.is_string()) {
      item.verdict.status = "rejected";
      item.verdict.reason = "malformed";
      item.verdict.detail = "a batch must be a JWS string";
    } else {
      item.verdict = CheckBatch(entry.as_string(), peer, stores.get(), now, &item.record);
      // Which bundle versions the store runs, stored with the batch (not for a duplicate).
      if (item.verdict.status == "ok")
        item.record.bundles_in_force = BundlesReportedIn(item.record);
    }
    items->push_back(std::move(item));
  }
  auto shared = std::move(respond).Share();
  const std::string peer_store = peer.common_name;
  const bool queued = ctx_.work.Post([this, items, shared, peer_store] {
    // Every checked batch of the upload in one transaction.
    std::vector<BatchRecord> records;
    std::vector<Item*> checked;
    for (Item& item : *items) {
      if (item.verdict.status != "ok") continue;
      records.push_back(item.record);
      checked.push_back(&item);
    }
    if (!records.empty()) {
      auto outcomes = ctx_.store.StoreBatches(records);
      if (!outcomes) {
        // The database is down or refused: nothing of the upload is stored; answer 503 and the
        // box retries it.
        log::Error("hq.store_failed", {{"store", peer_store},
                                       {"batches", records.size()},
                                       {"error", outcomes.error().message}});
        ctx_.counters.UploadRefused("storage-unavailable");
        (*shared)(
            HqProblem(503, "storage-unavailable",
                      "HQ could not store the batches (nothing was stored); try again later"));
        return;
      }
      for (size_t i = 0; i < checked.size(); ++i) {
        Item& item = *checked[i];
        if ((*outcomes)[i] == IngestOutcome::kDuplicate) {
          item.verdict.status = "duplicate";
          item.verdict.reason = "duplicate";
          item.verdict.detail =
              "batch " + item.verdict.batch_id + " was stored before: nothing was stored again";
        } else {
          item.verdict.status = "stored";
        }
      }
    }
    json::array results;
    for (const Item& item : *items) {
      const BatchVerdict& v = item.verdict;
      json::object r{{"batch_id", v.batch_id}, {"status", v.status}};
      const bool refused = v.status == "rejected";
      // One line per batch: store, period, verdict (the store id names a shop, not a person;
      // no count, no payload).
      (refused ? log::Warn : log::Info)(
          "hq.batch",
          {{"store", item.record.store_id.empty() ? "(unverified)" : item.record.store_id},
           {"batch_id", v.batch_id},
           {"schema", v.schema},
           {"period_start", v.period_start},
           {"period_end", v.period_end},
           {"verdict", v.status},
           {"reason", v.reason}});
      if (refused || v.status == "duplicate") {
        r["reason"] = v.reason;
        r["problem"] = VerdictProblem(v);
      }
      ctx_.counters.Batch(v.status, refused ? std::string_view(v.reason) : std::string_view());
      results.push_back(std::move(r));
    }
    (*shared)(net::Response::Json(200, json::serialize(json::object{{"results", results}})));
  });
  if (!queued) {
    ctx_.counters.UploadRefused("busy");
    (*shared)(HqProblem(503, "busy", "HQ is busy; try again shortly"));
  }
}

void IngestHandler::GetBatches(net::Request&& request, net::Responder respond) {
  const PeerStore peer = ctx_.peers.Of(request.peer_certificate_der, ctx_.clock.NowUnix());
  const QueryParams q = ParseQuery(request.query);
  const std::string store = q.Get("store").value_or(peer.common_name);
  if (!peer.key || store != peer.common_name) {
    respond(HqProblem(403, "not-your-store", "a store may list only its own batches", "store"));
    return;
  }
  auto shared = std::move(respond).Share();
  const bool queued = ctx_.work.Post([this, shared, store] {
    auto list = ctx_.store.ListBatches(store);
    if (!list) {
      (*shared)(HqProblem(list.error(), "storage-unavailable"));
      return;
    }
    json::array out;
    for (const BatchSummary& b : *list) {
      json::value payload;
      if (auto parsed = privacy::ParseJws(b.signed_batch, sync::kMaxBatchJwsBytes)) {
        payload = std::move(parsed->payload);
      }
      out.push_back(json::object{{"batch_id", b.batch_id},
                                 {"store_id", b.store_id},
                                 {"format_version", b.format_version},
                                 {"period_start", b.periods.empty() ? 0 : b.periods.front().start},
                                 {"period_end", b.periods.empty() ? 0 : b.periods.back().end},
                                 {"received_at", b.received_at},
                                 {"cells", b.cell_count},
                                 {"payload", std::move(payload)}});
    }
    (*shared)(net::Response::Json(200, json::serialize(json::object{{"batches", out}})));
  });
  if (!queued) (*shared)(HqProblem(503, "busy", "HQ is busy; try again shortly"));
}

}  // namespace optin::hq
