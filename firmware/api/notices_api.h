// The privacy notice route: GET /v1/notices/{version}?lang=xx serves the exact RFC 8785 bytes
// of one notice version's text in one language, the bytes whose SHA-256 a consent receipt
// carries as notice_sha256, so anyone can recompute it. {version} may be "current". Every
// version ever in force is kept (firmware/notices/notice_store.h). Without ?lang the language
// follows Accept-Language among the texts of that version. Immutable after Register();
// thread-safe.
#pragma once

#include "net/router.h"
#include "notices/notice_holder.h"

namespace optin::store {
class Database;
}  // namespace optin::store

namespace optin::api {

struct NoticesApiDeps {
  store::Database& db;
  const notices::NoticeHolder& notices;
};

class NoticesApi {
 public:
  explicit NoticesApi(NoticesApiDeps deps) : d_(deps) {}
  void Register(net::Router& router) const;

  // Handler, public so that tests call it without sockets.
  void GetNotice(net::Request&& request, net::Responder respond) const;

 private:
  NoticesApiDeps d_;
};

}  // namespace optin::api
