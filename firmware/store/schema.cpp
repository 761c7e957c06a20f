#include "store/schema.h"

#include <array>

namespace optin::store {
namespace {

// Privacy by construction: there is no column for age, birth date, sex, gender, ethnicity,
// images or biometrics anywhere (PRODUCT.md line 2), and subjects are keyed pseudonyms, never
// raw loyalty or app ids (line 9). Every row about a subject hangs off subjects(id) with
// ON DELETE CASCADE, so erasure is one DELETE (line 8).
constexpr std::string_view kV1 = R"sql(
CREATE TABLE subjects (
  id          TEXT PRIMARY KEY,        -- HMAC-SHA256(device key, issuer|sub), hex
  created_at  INTEGER NOT NULL
) STRICT;

CREATE TABLE consents (
  subject_id      TEXT NOT NULL REFERENCES subjects(id) ON DELETE CASCADE,
  purpose         TEXT NOT NULL,
  granted         INTEGER NOT NULL CHECK (granted IN (0, 1)),
  policy_version  TEXT NOT NULL,
  changed_at      INTEGER NOT NULL,
  expires_at      INTEGER,             -- NULL when withdrawn
  PRIMARY KEY (subject_id, purpose)
) STRICT, WITHOUT ROWID;
CREATE INDEX consents_by_expiry ON consents(expires_at) WHERE expires_at IS NOT NULL;

CREATE TABLE receipts (
  id          TEXT PRIMARY KEY,
  subject_id  TEXT NOT NULL REFERENCES subjects(id) ON DELETE CASCADE,
  issued_at   INTEGER NOT NULL,
  jws         TEXT NOT NULL            -- the signed receipt as given to the shopper
) STRICT;
CREATE INDEX receipts_by_subject ON receipts(subject_id, issued_at);

CREATE TABLE visits (
  id          TEXT PRIMARY KEY,
  subject_id  TEXT NOT NULL REFERENCES subjects(id) ON DELETE CASCADE,
  pseudonym   TEXT NOT NULL,           -- "Amber Heron": random per visit
  channel     TEXT NOT NULL,           -- app, loyalty_scan, web
  token_hash  BLOB NOT NULL UNIQUE,    -- keyed hash of the visit token; the token is never stored
  started_at  INTEGER NOT NULL,
  expires_at  INTEGER NOT NULL,
  ended_at    INTEGER
) STRICT;
CREATE INDEX visits_by_subject ON visits(subject_id);
CREATE INDEX visits_by_end ON visits(ended_at) WHERE ended_at IS NOT NULL;

-- Token ids already used for a check-in (replay protection), as keyed hashes, kept until the
-- token would have expired anyway.
CREATE TABLE used_token_ids (
  jti_hash    BLOB PRIMARY KEY,
  expires_at  INTEGER NOT NULL
) STRICT, WITHOUT ROWID;

CREATE TABLE interests (
  subject_id   TEXT NOT NULL REFERENCES subjects(id) ON DELETE CASCADE,
  interest     TEXT NOT NULL,
  expertise    TEXT CHECK (expertise IN ('beginner', 'intermediate', 'expert')),
  declared_at  INTEGER NOT NULL,
  PRIMARY KEY (subject_id, interest)
) STRICT, WITHOUT ROWID;

-- Hash-chained audit log. The chain covers seq, at, kind, detail and prev_hash; detail never
-- holds an identifier. subject_id is outside the chain so that erasure can clear it (SET NULL)
-- without breaking verification.
CREATE TABLE audit_log (
  seq         INTEGER PRIMARY KEY,
  at          INTEGER NOT NULL,
  kind        TEXT NOT NULL,
  detail      TEXT NOT NULL,
  prev_hash   BLOB NOT NULL,
  hash        BLOB NOT NULL,
  subject_id  TEXT REFERENCES subjects(id) ON DELETE SET NULL
) STRICT;
CREATE INDEX audit_by_subject ON audit_log(subject_id) WHERE subject_id IS NOT NULL;
)sql";

constexpr std::array kMigrations = {
    Migration{1, "core: subjects, consents, receipts, visits, interests, audit log", kV1},
};

}  // namespace

std::span<const Migration> Schema() { return kMigrations; }

}  // namespace optin::store
