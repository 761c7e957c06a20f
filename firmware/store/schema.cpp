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

// Help requests and staff (PRODUCT.md lines 4, 5, 9): staff see a shopper only through a help
// request the shopper made; the note and first name are sealed with the at-rest key (AES-256-GCM,
// AAD = the request id) and the first name is kept only under `name_to_staff`. Staff PINs are
// PBKDF2 hashes with a per-account salt; session tokens are kept only as keyed hashes. There is
// no loyalty id here: a request hangs off the subject pseudonym and the visit.
constexpr std::string_view kV2 = R"sql(
CREATE TABLE staff (
  id              TEXT PRIMARY KEY,    -- the login id, chosen by the store manager
  role            TEXT NOT NULL CHECK (role IN ('associate', 'manager')),
  pin_hash        BLOB NOT NULL,       -- PBKDF2-HMAC-SHA256(pin, pin_salt, pin_iterations)
  pin_salt        BLOB NOT NULL,       -- 16 random bytes per account
  pin_iterations  INTEGER NOT NULL CHECK (pin_iterations > 0),
  failed_logins   INTEGER NOT NULL DEFAULT 0,
  locked_until    INTEGER,
  created_at      INTEGER NOT NULL
) STRICT;

CREATE TABLE staff_sessions (
  token_hash  BLOB PRIMARY KEY,        -- keyed hash of the session token; the token is never stored
  staff_id    TEXT NOT NULL REFERENCES staff(id) ON DELETE CASCADE,
  created_at  INTEGER NOT NULL,
  expires_at  INTEGER NOT NULL,        -- the end of the shift
  ended_at    INTEGER                  -- logged out
) STRICT, WITHOUT ROWID;
CREATE INDEX staff_sessions_by_staff ON staff_sessions(staff_id);

CREATE TABLE help_requests (
  id                 TEXT PRIMARY KEY,  -- "h_..." random
  subject_id         TEXT NOT NULL REFERENCES subjects(id) ON DELETE CASCADE,
  visit_id           TEXT NOT NULL REFERENCES visits(id) ON DELETE CASCADE,
  topic              TEXT NOT NULL,
  expertise          TEXT NOT NULL CHECK (expertise IN ('beginner', 'intermediate', 'expert')),
  note_sealed        BLOB,              -- AES-256-GCM, cleared when the request closes
  first_name_sealed  BLOB,              -- only under name_to_staff; cleared on withdrawal
  state              TEXT NOT NULL
                     CHECK (state IN ('waiting', 'claimed', 'resolved', 'cancelled', 'retracted')),
  created_at         INTEGER NOT NULL,
  claimed_at         INTEGER,
  claimed_by         TEXT,              -- staff id (no foreign key: kept if the account goes)
  claimed_role       TEXT CHECK (claimed_role IN ('associate', 'manager')),
  resolved_at        INTEGER,
  closed_at          INTEGER            -- cancelled or retracted
) STRICT;
CREATE INDEX help_requests_live ON help_requests(created_at)
  WHERE state IN ('waiting', 'claimed');
CREATE INDEX help_requests_by_visit ON help_requests(visit_id, created_at);
CREATE INDEX help_requests_by_subject ON help_requests(subject_id);

-- Which staff session has seen which prompt, so that 'staff.viewed' is audited once per pair.
CREATE TABLE staff_views (
  session_hash  BLOB NOT NULL REFERENCES staff_sessions(token_hash) ON DELETE CASCADE,
  request_id    TEXT NOT NULL REFERENCES help_requests(id) ON DELETE CASCADE,
  viewed_at     INTEGER NOT NULL,
  PRIMARY KEY (session_hash, request_id)
) STRICT, WITHOUT ROWID;
CREATE INDEX staff_views_by_request ON staff_views(request_id);
)sql";

// HQ sync (PRODUCT.md line 6): events recorded only while the subject's `hq_aggregates` is in
// force, holding a metric and a label (channel, topic, time-to-claim bucket, offer category) and
// nothing else about the shopper; erased with the subject and deleted once their period is
// released. Released periods record the epsilon each spent (the daily budget's ledger). The
// outbox holds signed batches until HQ acknowledges them: `content` keeps the noisy counts
// (all of them, for merging), `jws` what is sent.
constexpr std::string_view kV3 = R"sql(
CREATE TABLE sync_events (
  id          INTEGER PRIMARY KEY,
  subject_id  TEXT NOT NULL REFERENCES subjects(id) ON DELETE CASCADE,
  at          INTEGER NOT NULL,
  metric      TEXT NOT NULL,
  label       TEXT NOT NULL
) STRICT;
CREATE INDEX sync_events_by_time ON sync_events(at);
CREATE INDEX sync_events_by_subject ON sync_events(subject_id);

CREATE TABLE sync_periods (
  period_start    INTEGER PRIMARY KEY,
  period_end      INTEGER NOT NULL,
  day             INTEGER NOT NULL,    -- UTC day number of period_start, for the daily budget
  outcome         TEXT NOT NULL CHECK (outcome IN ('released', 'over-budget', 'skipped')),
  epsilon_micros  INTEGER NOT NULL,    -- epsilon spent, in millionths
  decided_at      INTEGER NOT NULL
) STRICT;
CREATE INDEX sync_periods_by_day ON sync_periods(day);

CREATE TABLE sync_outbox (
  seq             INTEGER PRIMARY KEY AUTOINCREMENT,
  batch_id        TEXT NOT NULL UNIQUE,
  period_start    INTEGER NOT NULL,
  period_end      INTEGER NOT NULL,
  created_at      INTEGER NOT NULL,
  content         TEXT NOT NULL,
  jws             TEXT NOT NULL,
  state           TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'rejected')),
  attempts        INTEGER NOT NULL DEFAULT 0,
  maybe_sent      INTEGER NOT NULL DEFAULT 0,  -- an attempt may have reached HQ: never merge
  last_error      TEXT
) STRICT;
)sql";

// Offers shown (issue 7): per visit and offer, how often, for which category and with which
// reason, so that the frequency cap, "why am I seeing this" and (under `history`) earlier
// visits' categories work. Nothing but the offer id, its category and the reason shown; rows go
// with their visit (ended visits are purged unless `history` is in force) and with the subject.
constexpr std::string_view kV4 = R"sql(
CREATE TABLE offer_views (
  subject_id      TEXT NOT NULL REFERENCES subjects(id) ON DELETE CASCADE,
  visit_id        TEXT NOT NULL REFERENCES visits(id) ON DELETE CASCADE,
  offer_id        TEXT NOT NULL,
  category        TEXT NOT NULL,
  reason          TEXT NOT NULL,
  times           INTEGER NOT NULL CHECK (times > 0),
  first_shown_at  INTEGER NOT NULL,
  last_shown_at   INTEGER NOT NULL,
  PRIMARY KEY (visit_id, offer_id)
) STRICT, WITHOUT ROWID;
CREATE INDEX offer_views_by_subject ON offer_views(subject_id, visit_id);
)sql";

// Readiness (GET /readyz): one row rewritten by every probe, so that "the database is writable"
// is proved by a real durable commit (a WAL frame and its fsync), not by an empty transaction.
// Nothing about anyone: a counter and the time of the last probe.
constexpr std::string_view kV5 = R"sql(
CREATE TABLE readiness_probe (
  id          INTEGER PRIMARY KEY CHECK (id = 1),
  probes      INTEGER NOT NULL,
  probed_at   INTEGER NOT NULL
) STRICT;
)sql";

// Notices (issue 16): every privacy notice version ever in force, with each language's text in
// RFC 8785 canonical form and its SHA-256, kept for good (not personal: the same text for
// everyone) so that any receipt's notice_sha256 can be checked against GET /v1/notices/{version};
// the highest version is the one in force, so it survives restarts and an older one is refused.
// bundle_floors holds the newest issued_at of the offer catalog bundles applied (rollback
// protection). Grants record the notice version and the language they were given under.
constexpr std::string_view kNotices = R"sql(
CREATE TABLE notices (
  version       INTEGER PRIMARY KEY CHECK (version > 0),
  material      INTEGER NOT NULL CHECK (material IN (0, 1)),
  source        TEXT NOT NULL,           -- built-in, file, hq-bundle
  installed_at  INTEGER NOT NULL
) STRICT;

CREATE TABLE notice_texts (
  version    INTEGER NOT NULL REFERENCES notices(version),
  language   TEXT NOT NULL,
  canonical  TEXT NOT NULL,              -- the exact bytes served and hashed
  sha256     TEXT NOT NULL,
  PRIMARY KEY (version, language)
) STRICT, WITHOUT ROWID;

CREATE TABLE bundle_floors (
  kind        TEXT PRIMARY KEY,          -- catalog.issued_at
  value       INTEGER NOT NULL,
  updated_at  INTEGER NOT NULL
) STRICT;

ALTER TABLE consents ADD COLUMN notice_version INTEGER;
ALTER TABLE consents ADD COLUMN language TEXT;
)sql";

// Kiosk screens the store paired (issue 18): a name the manager chose, the one-time pairing
// link while it is outstanding and, once paired, the kiosk's credential; both only as keyed
// hashes (the link's token and the credential are never stored). Nothing about shoppers.
constexpr std::string_view kKiosks = R"sql(
CREATE TABLE kiosks (
  name             TEXT PRIMARY KEY,
  link_hash        BLOB UNIQUE,     -- keyed hash of the pairing link's token; NULL once used
  link_expires_at  INTEGER,
  credential_hash  BLOB UNIQUE,     -- keyed hash of the kiosk's credential; NULL until paired
  created_at       INTEGER NOT NULL,
  paired_at        INTEGER,
  revoked_at       INTEGER
) STRICT;
)sql";

constexpr std::array kMigrations = {
    Migration{1, "core: subjects, consents, receipts, visits, interests, audit log", kV1},
    Migration{2, "assist: staff accounts and sessions, help requests, staff views", kV2},
    Migration{3, "sync: consented aggregate events, released periods, HQ outbox", kV3},
    Migration{4, "offers: offers shown per visit (frequency cap, reasons, history)", kV4},
    Migration{5, "readiness: the row each readiness probe rewrites durably", kV5},
    Migration{6, "kiosks: paired kiosk screens (keyed hashes of links and credentials)", kKiosks},
    Migration{7, "notices: texts by version and language, bundle floors, grant notice", kNotices},
};

}  // namespace

std::span<const Migration> Schema() { return kMigrations; }

}  // namespace optin::store
