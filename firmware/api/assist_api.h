// The shopper's help-request routes: POST /v1/assist (needs `assistance`), GET and DELETE
// /v1/assist/{id}. Handlers validate on the network thread, then call one use case of
// assist::HelpRequests and answer from its completion; a request is acknowledged only once
// durable, and staff consoles hear of it only after the commit (assist::PromptFeed). Immutable
// after Register(); thread-safe.
#pragma once

#include "assist/help_desk.h"
#include "assist/help_requests.h"
#include "net/router.h"
#include "platform/clock.h"
#include "privacy/pseudonymizer.h"
#include "visits/app_token_verifier.h"

namespace optin::api {

struct AssistApiDeps {
  const platform::Clock& clock;
  const visits::AppTokenVerifier& tokens;
  const privacy::Pseudonymizer& pseudonymizer;
  const assist::HelpDesk& desk;      // validates a new request on the network thread
  const assist::HelpRequests& help;  // the use cases
};

class AssistApi {
 public:
  explicit AssistApi(AssistApiDeps deps) : d_(std::move(deps)) {}
  void Register(net::Router& router) const;

  // Handlers, public so that tests call them without sockets.
  void CreateRequest(net::Request&& request, net::Responder respond) const;
  void GetRequest(net::Request&& request, net::Responder respond) const;
  void CancelRequest(net::Request&& request, net::Responder respond) const;

 private:
  AssistApiDeps d_;
};

}  // namespace optin::api
