#include "tools/optin-hq/hq_counters.h"

namespace optin::hq {
namespace {

// Label values come from the program; this keeps any surprise out of the exposition anyway.
std::string Safe(std::string_view v) {
  std::string out;
  for (char c : v) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
    out += ok ? c : '_';
  }
  return out.empty() ? "none" : out;
}

struct Family {
  std::string_view name, help;
};
constexpr Family kFamilies[] = {
    {"optin_hq_batches_total", "Batches by outcome (stored, duplicate, rejected) and reason."},
    {"optin_hq_uploads_refused_total", "Uploads refused whole, nothing stored, by reason."},
    {"optin_hq_logins_total", "Logins by result."},
    {"optin_hq_stores_reloads_total", "Loads of the stores file by result."},
};

}  // namespace

HqCounters::HqCounters() {
  // Every reason appears from the start (at 0), so that a scraper sees the full set.
  for (std::string_view r : {"bad-signature", "unknown-store", "store-mismatch",
                             "unsupported-version", "malformed", "batch-id-mismatch"}) {
    series_["optin_hq_batches_total{result=\"rejected\",reason=\"" + Safe(r) + "\"}"] = 0;
  }
  for (std::string_view r : {"malformed-request", "payload-too-large", "too-many-batches",
                             "client-certificate", "storage-unavailable", "busy"}) {
    series_["optin_hq_uploads_refused_total{reason=\"" + Safe(r) + "\"}"] = 0;
  }
  series_["optin_hq_batches_total{result=\"stored\"}"] = 0;
  series_["optin_hq_batches_total{result=\"duplicate\"}"] = 0;
}

void HqCounters::Add(std::string_view series, uint64_t n) {
  std::lock_guard lock(mu_);
  auto it = series_.find(series);
  if (it == series_.end()) it = series_.emplace(std::string(series), 0).first;
  it->second += n;
}

void HqCounters::Batch(std::string_view result, std::string_view reason) {
  std::string s = "optin_hq_batches_total{result=\"" + Safe(result) + "\"";
  if (!reason.empty()) s += ",reason=\"" + Safe(reason) + "\"";
  Add(s + "}");
}

void HqCounters::UploadRefused(std::string_view reason) {
  Add("optin_hq_uploads_refused_total{reason=\"" + Safe(reason) + "\"}");
}

void HqCounters::Login(bool ok) {
  Add(std::string("optin_hq_logins_total{result=\"") + (ok ? "ok" : "failed") + "\"}");
}

void HqCounters::StoresReload(bool ok) {
  Add(std::string("optin_hq_stores_reloads_total{result=\"") + (ok ? "ok" : "failed") + "\"}");
}

void HqCounters::OnRefused(std::string_view reason) {
  if (reason == "payload-too-large") UploadRefused(reason);
}

uint64_t HqCounters::Value(std::string_view series) const {
  std::lock_guard lock(mu_);
  auto it = series_.find(series);
  return it == series_.end() ? 0 : it->second;
}

std::string HqCounters::PrometheusText() const {
  std::lock_guard lock(mu_);
  std::string out;
  for (const Family& f : kFamilies) {
    out += "# HELP " + std::string(f.name) + " " + std::string(f.help) + "\n";
    out += "# TYPE " + std::string(f.name) + " counter\n";
    for (const auto& [series, value] : series_) {
      if (series.starts_with(f.name) && series.size() > f.name.size() &&
          series[f.name.size()] == '{') {
        out += series + " " + std::to_string(value) + "\n";
      }
    }
  }
  for (const auto& [series, value] : series_) {
    bool known = false;
    for (const Family& f : kFamilies) known = known || series.starts_with(f.name);
    if (!known) out += series + " " + std::to_string(value) + "\n";
  }
  return out;
}

}  // namespace optin::hq
