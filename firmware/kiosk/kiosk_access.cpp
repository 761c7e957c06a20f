#include "kiosk/kiosk_access.h"

namespace optin::kiosk {
namespace {

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

bool Forwarded(const net::Request& request) {
  for (const auto& [name, value] : request.headers) {
    if (name == "forwarded" || name == "x-forwarded-for" || name == "x-real-ip") return true;
  }
  return false;
}

}  // namespace

KioskAccess::KioskAccess(const KioskPairings& pairings, bool allow_loopback)
    : pairings_(pairings), allow_loopback_(allow_loopback) {}

std::string KioskAccess::CredentialFromCookies(std::string_view cookie_header) {
  while (!cookie_header.empty()) {
    const size_t semi = cookie_header.find(';');
    std::string_view pair = Trim(cookie_header.substr(0, semi));
    const size_t eq = pair.find('=');
    if (eq != std::string_view::npos && Trim(pair.substr(0, eq)) == KioskPairings::kCookieName) {
      return std::string(Trim(pair.substr(eq + 1)));
    }
    if (semi == std::string_view::npos) break;
    cookie_header.remove_prefix(semi + 1);
  }
  return {};
}

bool KioskAccess::IsLoopback(std::string_view address) {
  if (address == "::1") return true;
  if (address.starts_with("::ffff:")) address.remove_prefix(7);
  return address.starts_with("127.");
}

Result<KioskIdentity> KioskAccess::Identify(const net::Request& request) const {
  for (const auto& [name, value] : request.headers) {
    if (name != "cookie") continue;
    const std::string credential = CredentialFromCookies(value);
    if (credential.empty()) continue;
    std::string hash = pairings_.CredentialHash(credential);
    if (hash.empty()) continue;
    std::lock_guard lock(mu_);
    if (auto it = active_.find(hash); it != active_.end()) {
      return KioskIdentity{it->second, std::move(hash), false};
    }
  }
  if (allow_loopback_ && IsLoopback(request.remote_address) && !Forwarded(request)) {
    return KioskIdentity{{}, {}, true};
  }
  return Fail(ErrorCode::kUnauthenticated,
              "This screen is not paired with the box, so it gets no check-in code. To pair it, "
              "run `optinctl kiosk pair --name NAME` on the box and open the link it prints on "
              "this screen within 10 minutes.",
              {}, "kiosk-not-paired");
}

bool KioskAccess::StillAdmitted(const KioskIdentity& identity) const {
  if (identity.loopback) return allow_loopback_;
  std::lock_guard lock(mu_);
  return active_.contains(identity.credential_hash);
}

void KioskAccess::Replace(std::map<std::string, std::string> active) {
  std::lock_guard lock(mu_);
  active_ = std::move(active);
}

size_t KioskAccess::paired() const {
  std::lock_guard lock(mu_);
  return active_.size();
}

}  // namespace optin::kiosk
