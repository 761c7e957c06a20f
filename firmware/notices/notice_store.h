// The notices admitted on this box, in SQLite (tables notices and notice_texts): every version
// ever in force with its texts, kept for good so that any receipt's notice_sha256 can be checked
// against the bytes GET /v1/notices/{version}?lang= serves. The version in force is the highest
// one stored, so it survives restarts, and an older version (a rollback, even validly signed)
// is refused. Static functions over a connection; call them inside database jobs.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "notices/notice.h"
#include "platform/error.h"
#include "store/connection.h"

namespace optin::notices {

struct NoticeInForce {
  std::shared_ptr<const Notice> notice;
  // Grants given under a notice version below this need renewal: the newest material version
  // up to the one in force (0 when there is none).
  int64_t renew_before = 0;
};

struct Admission {
  bool installed = false;  // false: the same version and texts were already in force
  NoticeInForce in_force;
};

class NoticeStore {
 public:
  // The notice in force, or nothing when none was ever admitted.
  static Result<std::optional<NoticeInForce>> LoadInForce(store::Connection& conn);

  // Admits `candidate`: a newer version is stored and becomes the one in force; the same
  // version with the same texts changes nothing; the same version with other texts is refused
  // ("/version", "version-not-newer"), an older one too ("/version", "version-rollback").
  // With `renumber` (the built-in notice, whose controller comes from the config), a text that
  // differs from the one in force is stored as the next version instead, not material.
  static Result<Admission> Admit(store::Connection& conn, const Notice& candidate, int64_t now,
                                 bool renumber = false);

  // The canonical bytes of one version's text in one language, or nothing.
  static Result<std::optional<std::string>> CanonicalText(store::Connection& conn, int64_t version,
                                                          std::string_view language);
  // The languages one version has a text in (empty when the version is unknown).
  static Result<std::vector<std::string>> Languages(store::Connection& conn, int64_t version);
  // The source of the version in force ("built-in", "file", "hq-bundle"), or nothing.
  static Result<std::optional<std::string>> SourceInForce(store::Connection& conn);
};

}  // namespace optin::notices
