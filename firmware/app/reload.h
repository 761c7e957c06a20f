// What start and reload read and put in force: the log level, HQ's token key, the device
// identity, the config file read again (the settings that apply live, the ones that need a
// restart), the offer catalog and the privacy notice (a file, an HQ bundle dropped in place or
// one fetched from HQ), and the reload itself (SIGHUP, optinctl reload, POST /v1/admin/reload):
// everything is read and checked first, then applied, so that a broken file leaves the service
// as it was. For app/service*.cpp only. Reload, ApplyFetchedBundle and BundleBytesInForce take
// Parts::reload_mu; the others are called under it or before the service runs.
#pragma once

#include <boost/json/object.hpp>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "app/service_parts.h"
#include "platform/crypto.h"
#include "platform/error.h"
#include "platform/log.h"

namespace optin::app {

// "debug", "warn", "error"; anything else is info.
platform::log::Level ParseLevel(const std::string& s);

// HQ's token key, or nothing when the device has none yet.
Result<std::optional<platform::EcdsaPublicKey>> LoadHqTokenKey(platform::FileSystem& fs,
                                                               const std::filesystem::path& file);

// The device identity (the provisioned certificate, or the self-signed one, logged as such).
Result<std::unique_ptr<provisioning::DeviceIdentity>> LoadIdentity(Service::Parts& p);

// Loads the offer catalog [offers] names (a file, or a bundle signed with HQ's key) and logs the
// outcome (nothing personal); `summary` gets it for the reload answer: path, source, version and
// size in force, whether the new one was applied, and why not. `fetched`: a bundle fetched from
// HQ, checked and applied instead of the file's. On any error the catalog in force stays.
Status LoadCatalogAndLog(Service::Parts& p, boost::json::object* summary = nullptr,
                         const std::string* fetched = nullptr);
// The same for the privacy notice [notices] names (or the built-in texts).
Status LoadNoticesAndLog(Service::Parts& p, boost::json::object* summary = nullptr,
                         const std::string* fetched = nullptr);

// A bundle fetched from HQ, on the fetcher's thread: applied as the file dropped in place would
// be, then saved as that file. The bundle file of a kind taken from HQ, for its ETag.
Status ApplyFetchedBundle(Service::Parts& p, std::string_view kind, const std::string& bytes);
Result<std::string> BundleBytesInForce(Service::Parts& p, std::string_view kind);

// SIGHUP / optinctl reload / POST /v1/admin/reload: new certificates and HQ's token key take
// effect for new connections; open connections are not dropped. On any error the running
// configuration stays as it was. The answer says what was applied and what needs a restart.
Result<boost::json::object> Reload(Service::Parts& p);

}  // namespace optin::app
