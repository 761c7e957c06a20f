#include "tools/optin-hq/hq_config.h"

#include <charconv>

#include "sync/sync_policy.h"

namespace optin::hq {
namespace {

std::unexpected<Error> Bad(std::string_view flag, std::string what) {
  return Fail(ErrorCode::kInvalidArgument, std::move(what), std::string(flag), "usage");
}

Result<int64_t> Number(std::string_view flag, const std::string& text, int64_t min, int64_t max) {
  int64_t v = 0;
  auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || p != text.data() + text.size() || v < min || v > max) {
    return Bad(flag, std::string(flag) + " wants a whole number from " + std::to_string(min) +
                         " to " + std::to_string(max));
  }
  return v;
}

}  // namespace

Result<ServeConfig> ParseServeFlags(const std::vector<std::string>& args) {
  ServeConfig c;
  c.epsilon_policy_micros = sync::SyncPolicy().epsilon_per_day_micros;  // the box's default
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (i + 1 >= args.size()) return Bad(a, "unknown or incomplete option " + a);
    const std::string& v = args[++i];
    if (a == "--listen") {
      c.listen = v;
    } else if (a == "--web-listen") {
      c.web_listen = v;
    } else if (a == "--cert") {
      c.cert = v;
    } else if (a == "--key") {
      c.key = v;
    } else if (a == "--client-ca") {
      c.client_ca = v;
    } else if (a == "--db") {
      c.db = v;
    } else if (a == "--stores") {
      c.stores = v;
    } else if (a == "--threads") {
      OPTIN_ASSIGN_OR_RETURN(int64_t n, Number(a, v, 1, 64));
      c.threads = static_cast<int>(n);
    } else if (a == "--workers") {
      OPTIN_ASSIGN_OR_RETURN(int64_t n, Number(a, v, 1, 64));
      c.workers = static_cast<int>(n);
    } else if (a == "--max-body-bytes") {
      OPTIN_ASSIGN_OR_RETURN(int64_t n, Number(a, v, 1024, int64_t{1} << 30));
      c.max_body_bytes = static_cast<size_t>(n);
    } else if (a == "--max-batches") {
      OPTIN_ASSIGN_OR_RETURN(int64_t n, Number(a, v, 1, 100000));
      c.max_batches_per_request = static_cast<size_t>(n);
    } else if (a == "--session-hours") {
      OPTIN_ASSIGN_OR_RETURN(c.session_hours, Number(a, v, 1, 24 * 30));
    } else if (a == "--epsilon-policy") {
      auto micros = sync::ParseEpsilonMicros(v);
      if (!micros) {
        return Bad(a,
                   "--epsilon-policy wants an epsilon per day as a decimal greater than 0 and "
                   "at most 100, with at most 6 decimals (" +
                       micros.error().message + ")");
      }
      c.epsilon_policy_micros = *micros;
    } else if (a == "--chart-js") {
      c.chart_js = v;
    } else if (a == "--fail-first") {
      OPTIN_ASSIGN_OR_RETURN(c.fail_first, Number(a, v, 0, 1'000'000));
    } else if (a == "--hang-first") {
      OPTIN_ASSIGN_OR_RETURN(c.hang_first, Number(a, v, 0, 1'000'000));
    } else {
      return Bad(a, "unknown option " + a);
    }
  }
  if (c.cert.empty() || c.key.empty() || c.client_ca.empty()) {
    return Bad(c.cert.empty()  ? "--cert"
               : c.key.empty() ? "--key"
                               : "--client-ca",
               "--cert, --key and --client-ca are required (stores upload over mutual TLS)");
  }
  for (const auto& [flag, value] :
       {std::pair<std::string_view, const std::string&>{"--listen", c.listen},
        {"--web-listen", c.web_listen}}) {
    const size_t colon = value.rfind(':');
    if (colon == std::string::npos || colon == 0)
      return Bad(flag, std::string(flag) + " wants ADDR:PORT");
    OPTIN_TRY(Number(flag, value.substr(colon + 1), 0, 65535));
  }
  return c;
}

Result<UserAddConfig> ParseUserAddFlags(const std::vector<std::string>& args) {
  UserAddConfig c;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (i + 1 >= args.size()) return Bad(a, "unknown or incomplete option " + a);
    const std::string& v = args[++i];
    if (a == "--id") {
      c.id = v;
    } else if (a == "--role") {
      c.role = v;
    } else if (a == "--db") {
      c.db = v;
    } else {
      return Bad(a, "unknown option " + a);
    }
  }
  if (c.id.empty()) return Bad("--id", "--id is required");
  if (c.role.empty()) return Bad("--role", "--role is required (analyst or admin)");
  return c;
}

}  // namespace optin::hq
