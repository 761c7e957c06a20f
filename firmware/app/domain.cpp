#include "app/domain.h"

#include <chrono>
#include <utility>

#include "app/config.h"
#include "sync/event_recorder.h"

namespace optin::app {

DomainSettings DomainSettings::FromConfig(const Config& c) {
  DomainSettings s;
  s.controller = consent::Controller{c.store.id,           c.store.name,
                                     c.store.jurisdiction, c.store.contact_email,
                                     c.store.address,      c.store.policy_url};
  s.consent = consent::ConsentPolicy{c.consent.policy_version,
                                     std::chrono::days(c.consent.grant_lifetime_days)};
  s.interests = c.store.interests;
  s.languages = c.store.languages;
  s.offers = offers::SelectionPolicy{static_cast<size_t>(c.offers.max_results),
                                     static_cast<size_t>(c.offers.max_per_category),
                                     static_cast<int>(c.offers.frequency_cap)};
  s.visits = visits::VisitPolicy{std::chrono::minutes(c.visits.max_duration_minutes),
                                 std::chrono::hours(c.visits.ended_retention_hours),
                                 std::chrono::days(c.visits.history_retention_days)};
  s.tokens = visits::AppTokenPolicy{c.store.id, c.hq.token_issuer,
                                    std::chrono::seconds(c.hq.token_leeway_seconds)};
  s.help_desk = assist::HelpDeskPolicy{c.assist.topics, c.assist.max_open_per_visit,
                                       c.assist.max_per_visit_per_hour};
  s.staff_sessions =
      assist::StaffSessionPolicy{.shift_length = std::chrono::hours(c.assist.shift_hours),
                                 .max_failures = c.assist.login_max_failures,
                                 .lockout = std::chrono::minutes(c.assist.lockout_minutes)};
  return s;
}

DomainKeys DomainKeys::FromKeyStore(const platform::KeyStore& keys) {
  return DomainKeys{.pseudonym = keys.DeriveKey("pseudonym"),
                    .token_hash = keys.DeriveKey("token-hash"),
                    .presence = keys.DeriveKey("presence"),
                    .at_rest = keys.DeriveKey("at-rest"),
                    .signing = &keys.SigningKey()};
}

std::unique_ptr<Domain> Domain::Build(const DomainSettings& settings, const DomainKeys& keys,
                                      const platform::Clock& clock, platform::Random& random,
                                      assist::PromptFeed& feed,
                                      std::optional<platform::EcdsaPublicKey> hq_key) {
  auto d = std::make_unique<Domain>();
  d->pseudonymizer = std::make_unique<privacy::Pseudonymizer>(keys.pseudonym, keys.token_hash);
  d->signer = std::make_unique<privacy::ReceiptSigner>(*keys.signing, random);
  d->ledger = std::make_unique<consent::ConsentLedger>(clock, settings.consent, settings.controller,
                                                       *d->signer);
  d->notices = std::make_unique<notices::NoticeHolder>(settings.languages);
  d->ledger->UseNotices(d->notices.get());
  d->interests = std::make_unique<offers::DeclaredInterests>(clock, *d->ledger, settings.interests);
  d->personalizer = std::make_unique<offers::Personalizer>(
      clock, *d->ledger, *d->interests, d->offer_views, d->catalog, settings.offers);
  d->visits = std::make_unique<visits::VisitService>(clock, random, *d->pseudonymizer, *d->ledger,
                                                     settings.visits);
  d->tokens = std::make_unique<visits::AppTokenVerifier>(clock, std::move(hq_key), settings.tokens);
  d->presence = std::make_unique<visits::PresenceCode>(keys.presence, clock);
  d->desk = std::make_unique<assist::HelpDesk>(clock, random, keys.at_rest, *d->ledger, feed,
                                               settings.help_desk);
  d->staff_directory =
      std::make_unique<assist::StaffDirectory>(clock, random, settings.staff_pin_iterations);
  d->staff_sessions = std::make_unique<assist::StaffSessions>(
      clock, random, *d->pseudonymizer, *d->staff_directory, settings.staff_sessions);

  // Interests live only while offers or history allow, and end with a visit without history.
  // Help requests are retracted when assistance is withdrawn or the visit ends.
  offers::DeclaredInterests* interests = d->interests.get();
  const assist::HelpDesk* desk = d->desk.get();
  d->ledger->AddChangeHook([interests](store::Connection& conn, std::string_view subject,
                                       consent::Purpose, bool granted, int64_t) -> Status {
    if (granted) return Ok();
    OPTIN_TRY(interests->PruneIfNotAllowed(conn, subject));
    return Ok();
  });
  d->ledger->AddChangeHook([desk](store::Connection& conn, std::string_view subject,
                                  consent::Purpose purpose, bool granted, int64_t now) {
    return desk->OnConsentChange(conn, subject, purpose, granted, now);
  });
  d->visits->AddEndHook([interests](store::Connection& conn, const visits::Visit& v) -> Status {
    OPTIN_TRY(interests->ForgetUnlessHistory(conn, v.subject_id));
    return Ok();
  });
  d->visits->AddEndHook([desk](store::Connection& conn, const visits::Visit& v) {
    return desk->OnVisitEnd(conn, v);
  });

  d->rights.Register(d->ledger->consent_records());
  d->rights.Register(d->ledger->receipt_records());
  d->rights.Register(d->visits->records());
  d->rights.Register(*d->interests);
  d->rights.Register(d->offer_views);
  d->rights.Register(d->desk->records());
  return d;
}

void Domain::AttachSync(const sync::EventRecorder& recorder) {
  const sync::EventRecorder* r = &recorder;
  ledger->AddChangeHook(
      [r](store::Connection& c, std::string_view subject, consent::Purpose purpose, bool granted,
          int64_t now) { return r->OnConsentChange(c, subject, purpose, granted, now); });
  // HQ's unit of privacy is one shopper per UTC day: an app token's and a loyalty scan's `sub`
  // give the same subject (the pseudonymizer keys issuer and sub), so they share its caps; an
  // anonymous web visit is an identity per visit that no cap can follow, so it never counts.
  auto anonymous = [](store::Connection& c, std::string_view subject) {
    return visits::VisitService::IsAnonymousWebSubject(c, subject);
  };
  visits->AddCheckInHook([r](store::Connection& c, const visits::Visit& v) -> Status {
    if (v.channel == "web") return Ok();
    return r->OnCheckIn(c, v.subject_id, v.channel);
  });
  desk->AddRequestHook([r, anonymous](store::Connection& c, std::string_view subject,
                                      std::string_view topic) -> Status {
    OPTIN_ASSIGN_OR_RETURN(bool skip, anonymous(c, subject));
    return skip ? Ok() : r->OnHelpRequest(c, subject, topic);
  });
  desk->AddClaimHook([r, anonymous](store::Connection& c, std::string_view subject, int64_t asked,
                                    int64_t claimed) -> Status {
    OPTIN_ASSIGN_OR_RETURN(bool skip, anonymous(c, subject));
    return skip ? Ok() : r->OnClaim(c, subject, asked, claimed);
  });
  rights.Register(r->records());
  // HQ counts offer views by category, only for shoppers under `hq_aggregates`.
  personalizer->AddViewHook([r, anonymous](store::Connection& conn, std::string_view subject,
                                           std::string_view category) -> Status {
    OPTIN_ASSIGN_OR_RETURN(bool skip, anonymous(conn, subject));
    return skip ? Ok() : r->OnOfferView(conn, subject, category);
  });
}

}  // namespace optin::app
