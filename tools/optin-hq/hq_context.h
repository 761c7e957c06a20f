// What HQ's handlers share, wired once by the server: the storage, the stores file in force,
// the accounts, the counters, the worker threads that do blocking work, the clock, the stores'
// certificates as read. Each member is thread-safe; the context itself is immutable after
// construction.
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "net/http_message.h"
#include "platform/clock.h"
#include "tools/optin-hq/accounts.h"
#include "tools/optin-hq/hq_counters.h"
#include "tools/optin-hq/hq_store.h"
#include "tools/optin-hq/peer_certificates.h"
#include "tools/optin-hq/stores_registry.h"
#include "tools/optin-hq/work_queue.h"

namespace optin::hq {

struct HqContext {
  HqStore& store;
  StoresRegistry& stores;
  Accounts& accounts;
  HqCounters& counters;
  WorkQueue& work;
  const platform::Clock& clock;
  PeerCertificates& peers;  // the stores' client certificates, each read once
};

// Which listener a route is on: the stores' (mutual TLS, store certificates) or the people's
// (TLS without client certificates; accounts and session cookies).
enum class Listener { kStores, kPeople };

// One line of the server's route table.
struct HqRoute {
  Listener listener;
  std::string method;
  std::string pattern;
  net::Handler handler;
};

}  // namespace optin::hq
