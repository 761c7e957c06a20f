#include "api/staff_stream.h"

#include <atomic>
#include <boost/json/array.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <mutex>
#include <string>
#include <unordered_set>
#include <vector>

#include "api/problem.h"
#include "platform/log.h"
#include "store/database.h"

namespace optin::api {
namespace {

using boost::json::array;
using boost::json::object;

constexpr uint16_t kUnauthorized = 4001;

struct Snapshot {
  assist::StaffSession session;
  std::vector<assist::Prompt> prompts;
};

// {"type":"error","problem":{...}}: the same problem details as the REST routes give.
std::string ErrorFrame(const Error& error) {
  boost::system::error_code ec;
  boost::json::value problem = boost::json::parse(ProblemResponse(error).body, ec);
  if (ec) problem = object{};
  return boost::json::serialize(object{{"type", "error"}, {"problem", std::move(problem)}});
}

Error AuthExpected(std::string_view message, std::string_view reason) {
  return Error{ErrorCode::kUnauthenticated, std::string(message), {}, std::string(reason)};
}

// A kind after which the console shows the prompt (its view is recorded).
bool Shows(assist::PromptEventKind kind) {
  return kind == assist::PromptEventKind::kAdded || kind == assist::PromptEventKind::kUpdated ||
         kind == assist::PromptEventKind::kClaimed;
}

}  // namespace

// The frame of the latest event, serialized once for all consoles: the feed hands one event to
// every subscriber in turn, on the writer thread.
struct StaffStream::FrameCache {
  std::shared_ptr<const std::string> Frame(const assist::PromptEvent& event) {
    std::lock_guard lock(mu);
    if (frame && seq == event.seq) return frame;
    object o{{"type", assist::ToString(event.kind)}, {"id", event.prompt_id}};
    o["prompt"] = event.view ? boost::json::value(*event.view) : boost::json::value(nullptr);
    frame = std::make_shared<const std::string>(boost::json::serialize(o));
    seq = event.seq;
    return frame;
  }

  std::mutex mu;
  uint64_t seq = 0;                          // GUARDED_BY(mu)
  std::shared_ptr<const std::string> frame;  // GUARDED_BY(mu)
};

// One connected console. Every member function runs on the connection's strand (entered through
// its callbacks, Post and After), so the state needs no lock. Lives as long as the connection's
// callbacks or a pending database job hold it.
class StaffStream::Console : public std::enable_shared_from_this<Console> {
 public:
  Console(const StaffStream& stream, std::shared_ptr<net::WebSocketConnection> connection)
      : s_(stream), d_(stream.d_), conn_(std::move(connection)) {}

  void Start() {
    auto self = shared_from_this();
    conn_->OnMessage([self](std::string text) { self->OnMessage(text); });
    conn_->OnClose([self] { self->OnClosed(); });
    conn_->After(s_.options_.auth_timeout, [self] { self->OnAuthDeadline(); });
  }

 private:
  enum class Phase { kAwaitingAuth, kAuthenticating, kLive, kClosed };

  struct PendingEvent {
    uint64_t seq;
    assist::PromptEventKind kind;
    std::string prompt_id;
    std::shared_ptr<const std::string> frame;
  };

  void OnMessage(const std::string& text) {
    if (phase_ == Phase::kClosed) return;
    boost::system::error_code ec;
    boost::json::value message = boost::json::parse(text, ec);
    if (ec || !message.is_object()) return;
    const auto* type = message.as_object().if_contains("type");
    if (type == nullptr || !type->is_string()) return;
    if (type->as_string() == "ping") {
      conn_->Send(R"({"type":"pong"})");
      return;
    }
    if (type->as_string() != "auth" || phase_ != Phase::kAwaitingAuth) return;
    const auto* token = message.as_object().if_contains("token");
    if (token == nullptr || !token->is_string() || token->as_string().empty()) {
      Refuse(AuthExpected("Authenticate with {\"type\":\"auth\",\"token\":\"st_...\"}.",
                          "missing-token"));
      return;
    }
    Authenticate(std::string(token->as_string()));
  }

  void OnAuthDeadline() {
    if (phase_ != Phase::kAwaitingAuth) return;
    Refuse(AuthExpected("Send {\"type\":\"auth\",\"token\":\"st_...\"} right after connecting.",
                        "auth-timeout"));
  }

  // Subscribes first, then takes the snapshot in a write job (it records the views). Events
  // that arrive meanwhile wait; those whose change the snapshot already shows are dropped: the
  // job notes the feed's last sequence number right after its batch published its own events.
  void Authenticate(std::string token) {
    phase_ = Phase::kAuthenticating;
    token_ = std::move(token);
    std::weak_ptr<Console> weak = weak_from_this();
    FrameCache* frames = s_.frames_.get();
    auto subscription = d_.feed.Subscribe([weak, frames](const assist::PromptEvent& event) {
      auto self = weak.lock();
      if (!self) return;
      PendingEvent pending{event.seq, event.kind, event.prompt_id, frames->Frame(event)};
      self->conn_->Post([self, pending = std::move(pending)] { self->OnEvent(pending); });
    });
    if (!subscription) return Fail(subscription.error());
    subscription_ = std::move(*subscription);

    auto mark = std::make_shared<std::atomic<uint64_t>>(0);
    auto self = shared_from_this();
    d_.db.Write<Snapshot>(
        [d = &d_, token = token_, mark](store::Connection& conn) -> Result<Snapshot> {
          OPTIN_ASSIGN_OR_RETURN(assist::StaffSession session,
                                 d->sessions.Authenticate(conn, token));
          OPTIN_ASSIGN_OR_RETURN(std::vector<assist::Prompt> prompts, d->desk.Queue(conn, session));
          conn.AfterCommit([feed = &d->feed, mark] { mark->store(feed->last_seq()); });
          return Snapshot{std::move(session), std::move(prompts)};
        },
        [self, mark](Result<Snapshot> snapshot) {
          self->conn_->Post([self, mark, snapshot = std::move(snapshot)] {
            self->OnSnapshot(snapshot, mark->load());
          });
        });
  }

  void OnSnapshot(const Result<Snapshot>& snapshot, uint64_t seen_seq) {
    if (phase_ != Phase::kAuthenticating) return;
    if (!snapshot) {
      if (snapshot.error().code == ErrorCode::kUnauthenticated) return Refuse(snapshot.error());
      return Fail(snapshot.error());
    }
    session_ = snapshot->session;
    snapshot_seq_ = seen_seq;
    const int64_t now = d_.clock.NowUnix();
    array prompts;
    for (const auto& prompt : snapshot->prompts) {
      prompts.push_back(assist::StaffView(prompt, now));
      shown_.insert(prompt.request.id);
    }
    conn_->Send(boost::json::serialize(
        object{{"type", "snapshot"},
               {"staff",
                object{{"id", session_.staff.id}, {"role", assist::ToString(session_.staff.role)}}},
               {"prompts", std::move(prompts)}}));
    phase_ = Phase::kLive;
    platform::log::Info("staff_stream.live", {{"role", assist::ToString(session_.staff.role)}});
    for (const auto& event : std::exchange(pending_, {})) OnEvent(event);
    ScheduleSessionCheck();
  }

  void OnEvent(const PendingEvent& event) {
    if (phase_ == Phase::kAuthenticating) {
      if (pending_.size() >= s_.options_.max_pending_events) {
        return Fail(Error{ErrorCode::kResourceExhausted,
                          "Too many changes while connecting; reconnect.",
                          {},
                          "too-many-events"});
      }
      pending_.push_back(event);
      return;
    }
    if (phase_ != Phase::kLive || event.seq <= snapshot_seq_) return;
    // The view is queued for recording before the frame leaves.
    if (Shows(event.kind)) {
      if (shown_.insert(event.prompt_id).second) to_record_.push_back(event.prompt_id);
      RecordViews();
    } else {
      shown_.erase(event.prompt_id);  // resolved or retracted: gone from the console
    }
    conn_->Send(*event.frame);
  }

  // One write job at a time per console; the ids that arrive meanwhile go in the next one.
  void RecordViews() {
    if (recording_ || to_record_.empty() || phase_ != Phase::kLive) return;
    recording_ = true;
    auto self = shared_from_this();
    d_.db.Write([d = &d_, session = session_, ids = std::exchange(to_record_, {})](
                    store::Connection& conn) { return d->desk.RecordViews(conn, session, ids); },
                [self](Status status) {
                  if (!status) {
                    platform::log::Error("staff_stream.record_views_failed",
                                         {{"message", status.error().message}});
                  }
                  self->conn_->Post([self] {
                    self->recording_ = false;
                    self->RecordViews();
                  });
                });
  }

  void ScheduleSessionCheck() {
    auto self = shared_from_this();
    conn_->After(s_.options_.session_check_interval, [self] { self->CheckSession(); });
  }

  // The session may have ended since the snapshot: logged out, shift over, account removed or
  // its PIN reset. A cheap read; when it cannot be queued, the next round tries again.
  void CheckSession() {
    if (phase_ != Phase::kLive) return;
    if (d_.clock.NowUnix() >= session_.expires_at) {
      return Refuse(AuthExpected("Your shift session has ended. Log in again.", "session-ended"));
    }
    auto self = shared_from_this();
    Status queued = d_.db.TryRead([self, d = &d_, token = token_](store::Connection& conn) {
      Result<assist::StaffSession> session = d->sessions.Authenticate(conn, token);
      std::optional<Error> ended;
      if (!session && session.error().code == ErrorCode::kUnauthenticated) {
        ended = session.error();
      }
      self->conn_->Post([self, ended] {
        if (self->phase_ != Phase::kLive) return;
        if (ended) return self->Refuse(*ended);
        self->ScheduleSessionCheck();
      });
    });
    if (!queued) ScheduleSessionCheck();
  }

  // Unauthorized: the problem, then close code 4001.
  void Refuse(const Error& error) {
    platform::log::Info("staff_stream.refused", {{"reason", error.reason}});
    End(error, kUnauthorized, "unauthorized");
  }

  void Fail(const Error& error) {
    const bool overloaded =
        error.code == ErrorCode::kResourceExhausted || error.code == ErrorCode::kUnavailable;
    platform::log::Warn("staff_stream.failed",
                        {{"reason", error.reason.empty() ? error.message : error.reason}});
    End(error, overloaded ? net::close_code::kTryAgainLater : net::close_code::kInternalError,
        overloaded ? "try again later" : "internal error");
  }

  void End(const Error& error, uint16_t code, std::string reason) {
    if (phase_ == Phase::kClosed) return;
    conn_->Send(ErrorFrame(error));
    conn_->Close(code, std::move(reason));
    Stop();
  }

  void OnClosed() { Stop(); }

  void Stop() {
    phase_ = Phase::kClosed;
    subscription_.Reset();  // never blocks on the strand: the feed callback only posts
    pending_.clear();
    to_record_.clear();
  }

  const StaffStream& s_;
  const StaffStreamDeps& d_;
  const std::shared_ptr<net::WebSocketConnection> conn_;
  Phase phase_ = Phase::kAwaitingAuth;
  std::string token_;
  assist::StaffSession session_;
  assist::PromptFeed::Subscription subscription_;
  uint64_t snapshot_seq_ = 0;              // events up to here are in the snapshot
  std::vector<PendingEvent> pending_;      // while the snapshot is taken
  std::unordered_set<std::string> shown_;  // live prompts whose view is recorded or queued
  std::vector<std::string> to_record_;
  bool recording_ = false;
};

StaffStream::StaffStream(StaffStreamDeps deps, StaffStreamOptions options)
    : d_(deps), options_(options), frames_(std::make_unique<FrameCache>()) {}

StaffStream::~StaffStream() = default;

void StaffStream::Register(net::Router& router, net::UpgradeCheck origin_check) const {
  router.AddWebSocket(
      std::string(kPath),
      [this](const net::Request& upgrade, std::shared_ptr<net::WebSocketConnection> connection) {
        Accept(upgrade, std::move(connection));
      },
      std::move(origin_check));
}

void StaffStream::Accept(const net::Request&,
                         std::shared_ptr<net::WebSocketConnection> connection) const {
  std::make_shared<Console>(*this, std::move(connection))->Start();
}

}  // namespace optin::api
