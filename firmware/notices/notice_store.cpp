#include "notices/notice_store.h"

#include <boost/json/parse.hpp>

namespace optin::notices {
namespace {

namespace json = boost::json;

Result<std::optional<int64_t>> VersionInForce(store::Connection& conn) {
  OPTIN_ASSIGN_OR_RETURN(auto stmt, conn.Prepare("SELECT max(version) FROM notices"));
  OPTIN_TRY(stmt.Step());
  if (stmt.ColumnIsNull(0)) return std::optional<int64_t>();
  return std::optional<int64_t>(stmt.ColumnInt(0));
}

Result<Notice> LoadVersion(store::Connection& conn, int64_t version) {
  Notice n;
  n.version = version;
  {
    OPTIN_ASSIGN_OR_RETURN(auto stmt,
                           conn.Prepare("SELECT material, source FROM notices WHERE version = ?"));
    stmt.BindAll(version);
    OPTIN_ASSIGN_OR_RETURN(bool row, stmt.Step());
    if (!row) return Fail(ErrorCode::kNotFound, "no notice version " + std::to_string(version));
    n.material = stmt.ColumnInt(0) != 0;
    n.source = stmt.ColumnText(1);
  }
  OPTIN_ASSIGN_OR_RETURN(auto stmt,
                         conn.Prepare("SELECT language, canonical, sha256 FROM notice_texts "
                                      "WHERE version = ? ORDER BY language"));
  stmt.BindAll(version);
  while (true) {
    OPTIN_ASSIGN_OR_RETURN(bool row, stmt.Step());
    if (!row) break;
    NoticeText t;
    t.canonical = stmt.ColumnText(1);
    t.sha256 = stmt.ColumnText(2);
    boost::system::error_code ec;
    json::value v = json::parse(t.canonical, ec);
    if (ec || !v.is_object()) {
      return Fail(ErrorCode::kDataLoss, "the stored text of notice version " +
                                            std::to_string(version) + " does not parse");
    }
    t.document = std::move(v.as_object());
    n.texts.emplace(stmt.ColumnText(0), std::move(t));
  }
  return n;
}

Result<int64_t> RenewBefore(store::Connection& conn, int64_t in_force) {
  OPTIN_ASSIGN_OR_RETURN(
      auto stmt,
      conn.Prepare("SELECT max(version) FROM notices WHERE material = 1 AND version <= ?"));
  stmt.BindAll(in_force);
  OPTIN_TRY(stmt.Step());
  return stmt.ColumnIsNull(0) ? int64_t{0} : stmt.ColumnInt(0);
}

Status Store(store::Connection& conn, const Notice& n, int64_t now) {
  OPTIN_TRY(conn.Execute(
      "INSERT INTO notices(version, material, source, installed_at) VALUES (?, ?, ?, ?)", n.version,
      n.material, n.source, now));
  for (const auto& [lang, t] : n.texts) {
    OPTIN_TRY(conn.Execute(
        "INSERT INTO notice_texts(version, language, canonical, sha256) VALUES (?, ?, ?, ?)",
        n.version, lang, t.canonical, t.sha256));
  }
  return Ok();
}

// The same texts under another version number (the "version" member changes with it).
Result<Notice> Renumbered(const Notice& n, int64_t version) {
  Notice out;
  out.version = version;
  out.material = false;
  out.source = n.source;
  for (const auto& [lang, t] : n.texts) {
    json::object doc = t.document;
    doc["version"] = version;
    OPTIN_ASSIGN_OR_RETURN(NoticeText text, MakeNoticeText(std::move(doc)));
    out.texts.emplace(lang, std::move(text));
  }
  return out;
}

}  // namespace

Result<std::optional<NoticeInForce>> NoticeStore::LoadInForce(store::Connection& conn) {
  OPTIN_ASSIGN_OR_RETURN(auto version, VersionInForce(conn));
  if (!version) return std::optional<NoticeInForce>();
  OPTIN_ASSIGN_OR_RETURN(Notice n, LoadVersion(conn, *version));
  NoticeInForce in_force;
  in_force.notice = std::make_shared<const Notice>(std::move(n));
  OPTIN_ASSIGN_OR_RETURN(in_force.renew_before, RenewBefore(conn, *version));
  return std::optional<NoticeInForce>(std::move(in_force));
}

Result<Admission> NoticeStore::Admit(store::Connection& conn, const Notice& candidate, int64_t now,
                                     bool renumber) {
  OPTIN_ASSIGN_OR_RETURN(auto version, VersionInForce(conn));
  Admission out;
  if (version && candidate.version <= *version) {
    OPTIN_ASSIGN_OR_RETURN(Notice current, LoadVersion(conn, *version));
    if (renumber) {
      OPTIN_ASSIGN_OR_RETURN(Notice same_number, Renumbered(candidate, *version));
      if (same_number.SameTextsAs(current)) {
        out.installed = false;
      } else {
        OPTIN_ASSIGN_OR_RETURN(Notice next, Renumbered(candidate, *version + 1));
        OPTIN_TRY(Store(conn, next, now));
        out.installed = true;
      }
    } else if (candidate.version < *version) {
      return Fail(ErrorCode::kFailedPrecondition,
                  "/version: version " + std::to_string(candidate.version) +
                      " is older than version " + std::to_string(*version) +
                      " in force; an older notice is never applied again, even when signed.",
                  "/version", "version-rollback");
    } else if (!candidate.SameTextsAs(current)) {
      return Fail(ErrorCode::kFailedPrecondition,
                  "/version: version " + std::to_string(candidate.version) +
                      " is already in force with other texts; a changed notice needs a higher "
                      "version.",
                  "/version", "version-not-newer");
    }
  } else {
    OPTIN_TRY(Store(conn, candidate, now));
    out.installed = true;
  }
  OPTIN_ASSIGN_OR_RETURN(auto in_force, LoadInForce(conn));
  if (!in_force) return Fail(ErrorCode::kInternal, "no notice in force after admitting one");
  out.in_force = std::move(*in_force);
  return out;
}

Result<std::optional<std::string>> NoticeStore::CanonicalText(store::Connection& conn,
                                                              int64_t version,
                                                              std::string_view language) {
  OPTIN_ASSIGN_OR_RETURN(
      auto stmt,
      conn.Prepare("SELECT canonical FROM notice_texts WHERE version = ? AND language = ?"));
  stmt.BindAll(version, language);
  OPTIN_ASSIGN_OR_RETURN(bool row, stmt.Step());
  if (!row) return std::optional<std::string>();
  return std::optional<std::string>(stmt.ColumnText(0));
}

Result<std::vector<std::string>> NoticeStore::Languages(store::Connection& conn, int64_t version) {
  OPTIN_ASSIGN_OR_RETURN(
      auto stmt,
      conn.Prepare("SELECT language FROM notice_texts WHERE version = ? ORDER BY language"));
  stmt.BindAll(version);
  std::vector<std::string> out;
  while (true) {
    OPTIN_ASSIGN_OR_RETURN(bool row, stmt.Step());
    if (!row) break;
    out.push_back(stmt.ColumnText(0));
  }
  return out;
}

Result<std::optional<std::string>> NoticeStore::SourceInForce(store::Connection& conn) {
  OPTIN_ASSIGN_OR_RETURN(auto stmt,
                         conn.Prepare("SELECT source FROM notices ORDER BY version DESC LIMIT 1"));
  OPTIN_ASSIGN_OR_RETURN(bool row, stmt.Step());
  if (!row) return std::optional<std::string>();
  return std::optional<std::string>(stmt.ColumnText(0));
}

}  // namespace optin::notices
