#include "sync/sync_policy.h"

namespace optin::sync {

Result<int64_t> ParseEpsilonMicros(std::string_view text) {
  auto bad = [&text] {
    return Fail(
        ErrorCode::kInvalidArgument,
        "'" + std::string(text) +
            "' is not an epsilon: write a decimal such as \"1.0\" or \"0.25\" (more than 0, "
            "at most 100, at most 6 decimals)");
  };
  const size_t dot = text.find('.');
  std::string_view whole = text.substr(0, dot);
  std::string_view frac = dot == std::string_view::npos ? std::string_view() : text.substr(dot + 1);
  if (whole.empty() || whole.size() > 3 || frac.size() > 6) return bad();
  if (dot != std::string_view::npos && frac.empty()) return bad();
  int64_t micros = 0;
  for (char ch : whole) {
    if (ch < '0' || ch > '9') return bad();
    micros = micros * 10 + (ch - '0');
  }
  micros *= 1'000'000;
  int64_t scale = 100'000;
  for (char ch : frac) {
    if (ch < '0' || ch > '9') return bad();
    micros += (ch - '0') * scale;
    scale /= 10;
  }
  if (micros <= 0 || micros > 100'000'000) return bad();
  return micros;
}

std::string FormatEpsilonMicros(int64_t micros) {
  std::string out = std::to_string(micros / 1'000'000);
  int64_t frac = micros % 1'000'000;
  if (frac == 0) return out + ".0";
  std::string digits = std::to_string(frac);
  digits.insert(0, 6 - digits.size(), '0');
  while (!digits.empty() && digits.back() == '0') digits.pop_back();
  return out + "." + digits;
}

SyncPolicy::SyncPolicy() {
  for (const MetricSpec& m : kMetricSpecs) {
    budget[std::string(m.metric)] = MetricBudget{m.default_cap, m.default_epsilon_micros};
  }
}

const MetricBudget& SyncPolicy::BudgetOf(std::string_view metric) const {
  static const MetricBudget kNone{0, 0};
  auto it = budget.find(metric);
  return it == budget.end() ? kNone : it->second;
}

int64_t SyncPolicy::MetricPeriodEpsilonMicros(std::string_view metric) const {
  return BudgetOf(metric).epsilon_micros / periods_per_day();
}

int64_t SyncPolicy::period_epsilon_micros() const {
  int64_t sum = 0;
  for (const MetricSpec& m : kMetricSpecs) sum += MetricPeriodEpsilonMicros(m.metric);
  return sum;
}

int64_t SyncPolicy::budgeted_epsilon_per_day_micros() const {
  int64_t sum = 0;
  for (const MetricSpec& m : kMetricSpecs) sum += BudgetOf(m.metric).epsilon_micros;
  return sum;
}

Status CheckBudget(const SyncPolicy& p) {
  const int64_t periods = p.periods_per_day();
  for (const MetricSpec& m : kMetricSpecs) {
    const std::string key = "sync.budget." + std::string(m.metric);
    const MetricBudget& b = p.BudgetOf(m.metric);
    if (b.cap < 1) {
      return Fail(ErrorCode::kInvalidArgument, "'" + key + "_cap' must be at least 1",
                  key + "_cap", "invalid-config");
    }
    if (b.epsilon_micros / periods < 1) {
      return Fail(ErrorCode::kInvalidArgument,
                  "'" + key + "_epsilon' (" + FormatEpsilonMicros(b.epsilon_micros) +
                      ") cannot cover the " + std::to_string(periods) +
                      " periods of a day (each needs at least 0.000001): raise it or lengthen "
                      "sync.period_minutes",
                  key + "_epsilon", "invalid-config");
    }
  }
  const int64_t sum = p.budgeted_epsilon_per_day_micros();
  if (sum > p.epsilon_per_day_micros) {
    std::string parts;
    for (const MetricSpec& m : kMetricSpecs) {
      if (!parts.empty()) parts += " + ";
      parts += std::string(m.metric) + "_epsilon " +
               FormatEpsilonMicros(p.BudgetOf(m.metric).epsilon_micros);
    }
    return Fail(ErrorCode::kInvalidArgument,
                "'sync.budget' shares add up to " + FormatEpsilonMicros(sum) + " (" + parts +
                    "), more than 'sync.epsilon_per_day' (" +
                    FormatEpsilonMicros(p.epsilon_per_day_micros) +
                    "): lower the *_epsilon shares in [sync.budget] or raise epsilon_per_day",
                "sync.budget", "invalid-config");
  }
  return Ok();
}

}  // namespace optin::sync
