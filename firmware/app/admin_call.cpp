#include "app/admin_call.h"

#include <future>
#include <thread>

#include "net/event_loop.h"
#include "net/https_client.h"
#include "net/tls_config.h"
#include "platform/file_system.h"
#include "platform/random.h"
#include "provisioning/tls_files.h"

namespace optin::app {

Result<net::Response> CallAdmin(const Config& config, uint16_t port, const std::string& method,
                                const std::string& target) {
  auto& fs = platform::FileSystem::Default();
  const provisioning::TlsFiles files(config.data_dir);
  // Trust what the daemon presents: its self-signed certificate, or HQ's CA once provisioned.
  std::string trust;
  for (const auto& f : {files.self_signed_cert, files.ca_bundle}) {
    if (auto text = fs.ReadFile(f)) trust += *text;
  }
  if (trust.empty()) {
    return Fail(ErrorCode::kNotFound, "no certificate in " + files.dir.string() +
                                          ": has optin-edged run with this data dir?");
  }
  OPTIN_ASSIGN_OR_RETURN(auto random, platform::CtrDrbg::Create("optinctl-sync"));
  net::TlsClientSettings settings;
  settings.ca_bundle_pem = trust;
  OPTIN_ASSIGN_OR_RETURN(auto tls, net::TlsClientConfig::Create(settings, *random));
  net::EventLoop loop;
  std::thread runner([&loop] { loop.Run(1); });
  net::HttpsClient client(loop, tls);
  net::HttpsRequest request;
  request.method = method;
  request.target = target;
  std::promise<Result<net::Response>> done;
  const std::string& a = config.admin.address;
  const bool loopback = a == "127.0.0.1" || a == "::1" || a == "localhost";
  client.Request(loopback ? "localhost" : a, port, request,
                 [&done](Result<net::Response> r) { done.set_value(std::move(r)); });
  auto result = done.get_future().get();
  loop.Stop();
  runner.join();
  if (!result) {
    return Fail(result.error().code, "cannot reach optin-edged's admin listener on " + a + ":" +
                                         std::to_string(port) + " (" + result.error().message +
                                         "): is it running with this configuration?");
  }
  return result;
}

}  // namespace optin::app
