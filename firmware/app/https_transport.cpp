#include "app/https_transport.h"

#include <cctype>
#include <condition_variable>
#include <optional>

namespace optin::app {

HttpsTransport::HttpsTransport(net::EventLoop& loop,
                               std::shared_ptr<const net::TlsClientConfig> tls, sync::HqUrl url,
                               net::HttpsClientOptions options)
    : client_(loop, std::move(tls), options), url_(std::move(url)) {}

// One answer awaited: set by the client's callback on the loop, or ended by Cancel().
struct HttpsTransport::Answer {
  std::mutex mu;
  std::condition_variable cv;
  std::optional<Result<net::Response>> result;  // GUARDED_BY(mu)
  bool cancelled = false;                       // GUARDED_BY(mu)
};

Result<net::Response> HttpsTransport::Exchange(net::HttpsRequest request) {
  auto answer = std::make_shared<Answer>();
  {
    std::lock_guard lock(mu_);
    if (cancelled_) return Fail(ErrorCode::kUnavailable, "the box is stopping", {}, "stopping");
    std::erase_if(waiting_, [](const std::weak_ptr<Answer>& w) { return w.expired(); });
    waiting_.push_back(answer);
  }
  client_.Request(url_.host, url_.port, std::move(request), [answer](Result<net::Response> r) {
    std::lock_guard lock(answer->mu);
    answer->result = std::move(r);
    answer->cv.notify_all();
  });
  std::unique_lock lock(answer->mu);
  answer->cv.wait(lock, [&] { return answer->result.has_value() || answer->cancelled; });
  if (!answer->result) {
    return Fail(ErrorCode::kUnavailable, "the box is stopping", {}, "stopping");
  }
  return std::move(*answer->result);
}

void HttpsTransport::Cancel() {
  std::lock_guard lock(mu_);
  cancelled_ = true;
  for (const auto& w : waiting_) {
    if (auto answer = w.lock()) {
      std::lock_guard answer_lock(answer->mu);
      answer->cancelled = true;
      answer->cv.notify_all();
    }
  }
}

Result<sync::TransportResponse> HttpsTransport::Post(const std::string& body) {
  net::HttpsRequest request;
  request.method = "POST";
  request.target = url_.path;
  request.headers.emplace_back("Content-Type", "application/json");
  request.body = body;
  OPTIN_ASSIGN_OR_RETURN(net::Response r, Exchange(std::move(request)));
  return sync::TransportResponse{r.status, std::move(r.body)};
}

Result<sync::BundleResponse> HttpsTransport::Get(const std::string& kind,
                                                 const std::string& if_none_match) {
  net::HttpsRequest request;
  request.method = "GET";
  request.target = sync::BundlePath(url_, kind);
  request.headers.emplace_back("Accept", "application/jose");
  if (!if_none_match.empty()) request.headers.emplace_back("If-None-Match", if_none_match);
  OPTIN_ASSIGN_OR_RETURN(net::Response r, Exchange(std::move(request)));
  sync::BundleResponse out{r.status, std::move(r.body), {}};
  for (const auto& [name, value] : r.headers) {
    std::string lower = name;
    for (char& ch : lower) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    if (lower == "etag") out.etag = value;
  }
  return out;
}

sync::SyncHost SyncHostOn(net::EventLoop& loop, platform::Random& random) {
  sync::SyncHost host;
  host.connect = [&loop, &random](
                     const sync::HqUrl& url, const sync::HqCredentials& creds,
                     std::chrono::seconds timeout) -> Result<std::unique_ptr<sync::HqTransport>> {
    net::TlsClientSettings tls;
    tls.ca_bundle_pem = creds.ca_bundle_pem;
    tls.cert_chain_pem = creds.cert_chain_pem;
    tls.key_pem = creds.key_pem;
    OPTIN_ASSIGN_OR_RETURN(auto config, net::TlsClientConfig::Create(tls, random));
    net::HttpsClientOptions options;
    options.read_timeout = timeout;
    options.max_response_bytes = 2 * 1024 * 1024;  // a signed bundle (1 MiB at most) and more
    return std::make_unique<HttpsTransport>(loop, std::move(config), url, options);
  };
  host.every = [&loop](std::chrono::seconds period, std::function<void()> tick) {
    loop.Every(period, std::move(tick));
  };
  return host;
}

}  // namespace optin::app
