// ApiFixture plus the assist side of its domain (app::Domain::Build: the help desk hooked into
// the consent ledger and visit end, its records in DataRights, the staff directory and
// sessions), every event on the PromptFeed captured, and the AssistApi and StaffApi handlers.
// Header-only; one per test.
#pragma once

#include <mutex>
#include <string>
#include <vector>

#include "api/assist_api.h"
#include "api/staff_api.h"
#include "assist/help_desk.h"
#include "assist/help_requests.h"
#include "assist/prompt_feed.h"
#include "assist/staff_directory.h"
#include "assist/staff_sessions.h"
#include "tests/unit/api/api_fixture.h"

namespace optin::testing {

class AssistApiFixture : public ApiFixture {
 protected:
  AssistApiFixture()
      : desk_(*stack_->domain->desk),
        directory_(*stack_->domain->staff_directory),
        sessions_(*stack_->domain->staff_sessions),
        help_requests_(*db_, *stack_->visits, desk_),
        assist_api_(api::AssistApiDeps{clock_, *stack_->tokens, *stack_->pseudonymizer, desk_,
                                       help_requests_}),
        staff_api_(api::StaffApiDeps{*db_, clock_, sessions_, desk_}) {
    subscription_ = Must(feed_.Subscribe([this](const assist::PromptEvent& e) {
      std::lock_guard lock(events_mu_);
      events_.push_back(e);
    }),
                         "subscribe");
  }
  ~AssistApiFixture() override { db_->Stop(); }

  template <class Api>
  Reply CallOn(const Api& api, void (Api::*handler)(net::Request&&, net::Responder) const,
               net::Request request) {
    return CallHandler(
        [&](net::Request&& r, net::Responder s) { (api.*handler)(std::move(r), std::move(s)); },
        std::move(request));
  }

  // A checked-in shopper; returns the visit token.
  std::string Shopper(std::string_view sub, boost::json::object purposes = {{"assistance", true}}) {
    Reply r = CheckIn(MintAppToken(sub), std::move(purposes));
    EXPECT_EQ(r.status, 201) << r.raw_body;
    return std::string(r.obj().at("visit_token").as_string());
  }
  Reply Ask(std::string_view token, boost::json::object body) {
    return CallOn(assist_api_, &api::AssistApi::CreateRequest,
                  MakeRequest("POST", "/v1/assist", Json(body), token));
  }
  Reply AskFor(std::string_view token, std::string note = "") {
    boost::json::object body{{"topic", "product advice"}, {"expertise", "beginner"}};
    if (!note.empty()) body["note"] = note;
    return Ask(token, std::move(body));
  }
  Reply GetRequest(std::string_view token, std::string_view id) {
    net::Request r = MakeRequest("GET", "/v1/assist/" + std::string(id), {}, token);
    r.params.emplace("id", std::string(id));
    return CallOn(assist_api_, &api::AssistApi::GetRequest, std::move(r));
  }
  Reply CancelRequest(std::string_view token, std::string_view id) {
    net::Request r = MakeRequest("DELETE", "/v1/assist/" + std::string(id), {}, token);
    r.params.emplace("id", std::string(id));
    return CallOn(assist_api_, &api::AssistApi::CancelRequest, std::move(r));
  }

  void AddStaff(std::string_view id, assist::StaffRole role = assist::StaffRole::kAssociate,
                std::string_view pin = "482913") {
    Status added = db_->WriteSync(store::Database::WriteJob(
        [&](store::Connection& c) { return directory_.Add(c, id, role, pin); }));
    ASSERT_TRUE(added.has_value()) << added.error().message;
  }
  Reply LoginCall(std::string_view id, std::string_view pin,
                  std::string_view client = "192.168.1.20") {
    net::Request r = MakeRequest("POST", "/v1/staff/login",
                                 Json(boost::json::object{{"staff_id", id}, {"pin", pin}}));
    r.remote_address = std::string(client);
    return CallOn(staff_api_, &api::StaffApi::Login, std::move(r));
  }
  // Adds the account, logs in, returns the token.
  std::string StaffToken(std::string_view id,
                         assist::StaffRole role = assist::StaffRole::kAssociate) {
    AddStaff(id, role);
    Reply r = LoginCall(id, "482913");
    EXPECT_EQ(r.status, 200) << r.raw_body;
    return r.status == 200 ? std::string(r.obj().at("token").as_string()) : std::string();
  }
  Reply Prompts(std::string_view token) {
    return CallOn(staff_api_, &api::StaffApi::ListPrompts,
                  MakeRequest("GET", "/v1/staff/prompts", {}, token));
  }
  Reply Claim(std::string_view token, std::string_view id) {
    net::Request r =
        MakeRequest("POST", "/v1/staff/prompts/" + std::string(id) + "/claim", {}, token);
    r.params.emplace("id", std::string(id));
    return CallOn(staff_api_, &api::StaffApi::ClaimPrompt, std::move(r));
  }
  Reply Resolve(std::string_view token, std::string_view id) {
    net::Request r =
        MakeRequest("POST", "/v1/staff/prompts/" + std::string(id) + "/resolve", {}, token);
    r.params.emplace("id", std::string(id));
    return CallOn(staff_api_, &api::StaffApi::ResolvePrompt, std::move(r));
  }
  Reply Logout(std::string_view token) {
    return CallOn(staff_api_, &api::StaffApi::Logout,
                  MakeRequest("POST", "/v1/staff/logout", {}, token));
  }

  std::vector<assist::PromptEvent> Events() {
    std::lock_guard lock(events_mu_);
    return events_;
  }
  void ClearEvents() {
    std::lock_guard lock(events_mu_);
    events_.clear();
  }

  static std::string ProblemType(const Reply& r) {
    if (!r.body.is_object() || !r.obj().contains("type")) return "<none>";
    return std::string(r.obj().at("type").as_string());
  }
  static std::string Str(const boost::json::value& v) {
    return v.is_string() ? std::string(v.as_string()) : std::string("<not a string>");
  }

  // The fixture's own stack's modules (feed_ is ApiFixture's).
  assist::HelpDesk& desk_;
  assist::StaffDirectory& directory_;
  assist::StaffSessions& sessions_;
  assist::HelpRequests help_requests_;
  api::AssistApi assist_api_;
  api::StaffApi staff_api_;
  assist::PromptFeed::Subscription subscription_;
  std::mutex events_mu_;
  std::vector<assist::PromptEvent> events_;
};

}  // namespace optin::testing
