// The staff console's routes: log in with a staff id and PIN, log out, the live prompt queue,
// claim (the first claim wins; later ones get 409 naming who) and resolve. Staff calls carry
// "Authorization: Bearer st_...". The PIN check (PBKDF2) runs on a database reader, never on a
// network thread or the writer; its outcome is recorded in one write. Immutable after
// Register(); thread-safe.
#pragma once

#include "assist/help_desk.h"
#include "assist/staff_console.h"
#include "assist/staff_sessions.h"
#include "net/router.h"
#include "platform/clock.h"

namespace optin::store {
class Database;
}  // namespace optin::store

namespace optin::api {

struct StaffApiDeps {
  store::Database& db;
  const platform::Clock& clock;
  const assist::StaffSessions& sessions;
  const assist::HelpDesk& desk;
};

class StaffApi {
 public:
  explicit StaffApi(StaffApiDeps deps) : d_(std::move(deps)), console_(d_.sessions, d_.desk) {}
  void Register(net::Router& router) const;

  // Handlers, public so that tests call them without sockets.
  void Login(net::Request&& request, net::Responder respond) const;
  void Logout(net::Request&& request, net::Responder respond) const;
  void ListPrompts(net::Request&& request, net::Responder respond) const;
  void ClaimPrompt(net::Request&& request, net::Responder respond) const;
  void ResolvePrompt(net::Request&& request, net::Responder respond) const;

 private:
  StaffApiDeps d_;
  assist::StaffConsole console_;  // the prompt use cases
};

}  // namespace optin::api
