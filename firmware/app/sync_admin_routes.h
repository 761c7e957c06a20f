// The HQ sync's routes on the admin listener, for optinctl: GET /v1/admin/sync/status (periods
// released, budget spent today, outbox depth, last upload) and POST /v1/admin/sync/release
// (development only: releases the current period now through the daemon's single writer,
// spending budget like any release). With sync off (no hq_url) both answer 409. Stateless
// registration; the handlers are thread-safe.
#pragma once

#include <boost/json/object.hpp>
#include <vector>

#include "net/router.h"
#include "sync/aggregator.h"
#include "sync/sync_service.h"

namespace optin::app {

// `service` may be null (sync off); it must outlive the router's use.
void RegisterSyncAdminRoutes(net::Router& router, sync::SyncService* service);

boost::json::object SyncStatusJson(const sync::SyncStatus& status);
boost::json::object ReleaseJson(const std::vector<sync::PeriodOutcome>& outcomes,
                                const sync::SyncStatus* after);

}  // namespace optin::app
