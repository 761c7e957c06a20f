#include "tools/optin-hq/batch_record.h"

#include <cmath>
#include <set>
#include <string_view>
#include <tuple>

namespace optin::hq {

Status ValidateBatchRecord(const BatchRecord& batch) {
  auto bad = [](std::string field, std::string what) {
    return Fail(ErrorCode::kInvalidArgument, std::move(what), std::move(field), "invalid-batch");
  };
  if (batch.batch_id.empty()) return bad("batch_id", "the batch has no id");
  if (batch.store_id.empty()) return bad("store_id", "the batch names no store");
  if (batch.format_version != 1 && batch.format_version != 2) {
    return bad("format_version",
               "batch format " + std::to_string(batch.format_version) + " is not 1 or 2");
  }
  if (batch.periods.empty()) return bad("periods", "the batch covers no period");
  for (size_t i = 0; i < batch.periods.size(); ++i) {
    const BatchPeriod& p = batch.periods[i];
    const std::string field = "periods/" + std::to_string(i);
    if (p.end <= p.start) return bad(field, "a period must end after it starts");
    if (i > 0 && p.start < batch.periods[i - 1].end) {
      return bad(field, "periods must be in order and must not overlap");
    }
  }
  std::set<std::tuple<std::string_view, std::string_view, int64_t>> keys;
  for (size_t i = 0; i < batch.cells.size(); ++i) {
    const CellRecord& c = batch.cells[i];
    const std::string field = "cells/" + std::to_string(i);
    if (c.metric.empty() || c.label.empty()) return bad(field, "a cell needs a metric and a label");
    if (!keys.emplace(c.metric, c.label, c.day).second) {
      return bad(field, "the batch has this cell (metric, label and day) twice");
    }
    if (!std::isfinite(c.variance) || c.variance < 0) {
      return bad(field + "/variance", "a cell's variance must be a finite number >= 0");
    }
  }
  return Ok();
}

}  // namespace optin::hq
