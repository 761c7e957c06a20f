// The staff console's live feed, WebSocket /v1/staff/stream. The console connects, then sends
// {"type":"auth","token":"st_..."} within auth_timeout (browsers cannot set Authorization on a
// WebSocket). The server answers {"type":"snapshot","staff":{"id","role"},"prompts":[...]}
// (the staff views of GET /v1/staff/prompts, longest waiting first, their views recorded),
// then pushes each PromptFeed event committed after the snapshot as
// {"type":"added|updated|claimed|resolved|retracted","id":"h_...","prompt":<view or null>},
// recording the views of pushed prompts in batched write jobs. A bad or missing token, a late
// auth, or a session that ends (logout, expiry, account removed) gets
// {"type":"error","problem":{RFC 9457}} and close code 4001 "unauthorized"; other failures
// close with 1013 (overloaded) or 1011. {"type":"ping"} gets {"type":"pong"}; anything else from
// the client is ignored (claims and resolutions go through the REST routes).
// Events come from the writer thread (Connection::AfterCommit): each console's callback only
// posts to its connection's strand, where all of its state lives. Immutable after Register();
// thread-safe.
#pragma once

#include <chrono>
#include <cstddef>
#include <memory>

#include "assist/help_desk.h"
#include "assist/prompt_feed.h"
#include "assist/staff_sessions.h"
#include "net/router.h"
#include "net/websocket_connection.h"
#include "platform/clock.h"

namespace optin::store {
class Database;
}  // namespace optin::store

namespace optin::api {

struct StaffStreamDeps {
  store::Database& db;
  const platform::Clock& clock;
  const assist::StaffSessions& sessions;
  const assist::HelpDesk& desk;
  assist::PromptFeed& feed;
};

struct StaffStreamOptions {
  std::chrono::milliseconds auth_timeout{5000};
  // How often a live console's session is checked again (logout, expiry, removed account).
  std::chrono::milliseconds session_check_interval{2000};
  // Events held while the snapshot is being taken; beyond this the console is closed (1013).
  size_t max_pending_events = 1024;
};

class StaffStream {
 public:
  explicit StaffStream(StaffStreamDeps deps, StaffStreamOptions options = {});
  ~StaffStream();
  StaffStream(const StaffStream&) = delete;
  StaffStream& operator=(const StaffStream&) = delete;

  static constexpr std::string_view kPath = "/v1/staff/stream";
  // `origin_check` (api::OriginPolicy) runs before the upgrade: a foreign Origin gets 403.
  void Register(net::Router& router, net::UpgradeCheck origin_check = {}) const;
  // The WebSocket handler (public for tests).
  void Accept(const net::Request& upgrade,
              std::shared_ptr<net::WebSocketConnection> connection) const;

 private:
  class Console;
  struct FrameCache;

  StaffStreamDeps d_;
  const StaffStreamOptions options_;
  std::unique_ptr<FrameCache> frames_;
};

}  // namespace optin::api
