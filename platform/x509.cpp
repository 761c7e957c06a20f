#include "platform/x509.h"

#include <arpa/inet.h>
#include <mbedtls/asn1.h>
#include <mbedtls/asn1write.h>
#include <mbedtls/base64.h>
#include <mbedtls/bignum.h>
#include <mbedtls/md.h>
#include <mbedtls/oid.h>
#include <mbedtls/pk.h>
#include <mbedtls/platform_util.h>
#include <mbedtls/x509.h>
#include <mbedtls/x509_crt.h>
#include <mbedtls/x509_csr.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <cstring>
#include <memory>
#include <optional>

#include "platform/encoding.h"
#include "platform/mbedtls_error.h"
#include "platform/mbedtls_holder.h"
#include "platform/x509_internals.h"

namespace optin::platform {

using namespace x509_internals;

namespace {

constexpr size_t kSerialSize = 16;
constexpr size_t kMaxCommonName = 64;  // ub-common-name (RFC 5280)
constexpr size_t kMaxDnsName = 253;
constexpr size_t kMaxSubjectAltNames = 100;

const unsigned char* Bytes(std::string_view s) {
  return reinterpret_cast<const unsigned char*>(s.data());
}

std::string_view View(const mbedtls_x509_buf& buf) {
  return std::string_view(reinterpret_cast<const char*>(buf.p), buf.len);
}

// Adapts a Random to mbedTLS's f_rng(p_rng, out, len) callback; p_rng is a Random*.
int RandomCallback(void* random, unsigned char* out, size_t len) {
  return static_cast<Random*>(random)->Fill(out, len) ? 0 : MBEDTLS_ERR_X509_ALLOC_FAILED;
}

// ---------------------------------------------------------------------------------------------
// The mbedTLS structures used here, each held from init to free.

using Pk = PkHolder;
using Crt = CrtHolder;
using Mpi = MbedtlsHolder<mbedtls_mpi, mbedtls_mpi_init, mbedtls_mpi_free>;
using CsrWriter =
    MbedtlsHolder<mbedtls_x509write_csr, mbedtls_x509write_csr_init, mbedtls_x509write_csr_free>;

// ---------------------------------------------------------------------------------------------
// Time

// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's days_from_civil).
int64_t DaysFromCivil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

struct CivilTime {
  int64_t year;
  unsigned month, day, hour, minute, second;
};

CivilTime CivilFromUnix(int64_t t) {
  int64_t days = t / 86400;
  int64_t secs = t % 86400;
  if (secs < 0) {
    secs += 86400;
    --days;
  }
  days += 719468;
  const int64_t era = (days >= 0 ? days : days - 146096) / 146097;
  const unsigned doe = static_cast<unsigned>(days - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  const unsigned d = doy - (153 * mp + 2) / 5 + 1;
  const unsigned m = mp < 10 ? mp + 3 : mp - 9;
  const int64_t y = static_cast<int64_t>(yoe) + era * 400 + (m <= 2);
  return CivilTime{y,
                   m,
                   d,
                   static_cast<unsigned>(secs / 3600),
                   static_cast<unsigned>(secs / 60 % 60),
                   static_cast<unsigned>(secs % 60)};
}

int64_t UnixFromX509(const mbedtls_x509_time& t) {
  return DaysFromCivil(t.year, static_cast<unsigned>(t.mon), static_cast<unsigned>(t.day)) * 86400 +
         t.hour * 3600 + t.min * 60 + t.sec;
}

// "YYYYMMDDhhmmss", as mbedtls_x509write_crt_set_validity wants it.
Result<std::string> X509TimeString(int64_t t, std::string_view what) {
  const CivilTime c = CivilFromUnix(t);
  if (c.year < 1950 || c.year > 9999) {
    return Fail(ErrorCode::kInvalidArgument,
                std::string(what) + " is outside the years X.509 can express (1950-9999)");
  }
  char text[32];
  std::snprintf(text, sizeof text, "%04lld%02u%02u%02u%02u%02u", static_cast<long long>(c.year),
                c.month, c.day, c.hour, c.minute, c.second);
  return std::string(text);
}

Status CheckValidityRange(int64_t not_before, int64_t not_after) {
  if (not_after <= not_before) {
    return Fail(ErrorCode::kInvalidArgument,
                "the certificate's end of validity (" + FormatUtc(not_after) +
                    ") must come after its start (" + FormatUtc(not_before) + ")");
  }
  return Ok();
}

// ---------------------------------------------------------------------------------------------
// Names and extensions

Status CheckDnsName(std::string_view name) {
  bool ok = !name.empty() && name.size() <= kMaxDnsName && name.front() != '.' &&
            name.back() != '.' && name.find("..") == std::string_view::npos;
  for (size_t i = 0; ok && i < name.size(); ++i) {
    const char c = name[i];
    const bool alnum = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
    // A wildcard only as the whole leftmost label ("*.store.example").
    const bool wildcard = c == '*' && i == 0 && name.size() > 2 && name[1] == '.';
    ok = alnum || c == '-' || c == '.' || wildcard;
  }
  if (!ok) {
    return Fail(ErrorCode::kInvalidArgument,
                "'" + std::string(name) + "' is not a valid DNS host name", "dns_names");
  }
  return Ok();
}

// The 4 or 16 bytes of an IPv4 or IPv6 address in text form.
Result<std::string> IpAddressBytes(const std::string& text) {
  std::array<unsigned char, 16> buf{};
  if (inet_pton(AF_INET, text.c_str(), buf.data()) == 1) {
    return std::string(reinterpret_cast<const char*>(buf.data()), 4);
  }
  if (inet_pton(AF_INET6, text.c_str(), buf.data()) == 1) {
    return std::string(reinterpret_cast<const char*>(buf.data()), 16);
  }
  return Fail(ErrorCode::kInvalidArgument, "'" + text + "' is not an IPv4 or IPv6 address",
              "ip_addresses");
}

// Writes DER backwards into a growing buffer, as mbedTLS's asn1write functions do.
class DerWriter {
 public:
  explicit DerWriter(size_t capacity) : buf_(capacity), p_(buf_.data() + buf_.size()) {}
  unsigned char** p() { return &p_; }
  unsigned char* start() { return buf_.data(); }
  std::string Take() const {
    return std::string(reinterpret_cast<const char*>(p_),
                       static_cast<size_t>(buf_.data() + buf_.size() - p_));
  }

 private:
  std::vector<unsigned char> buf_;
  unsigned char* p_;
};

// Evaluates an asn1write call that returns a length or a negative error; adds to `len`.
#define X509_ASN1_ADD(len, expr)                                                      \
  do {                                                                                \
    const int x509_rc_ = (expr);                                                      \
    if (x509_rc_ < 0) return std::unexpected(MbedtlsError(x509_rc_, "encoding DER")); \
    (len) += static_cast<size_t>(x509_rc_);                                           \
  } while (0)

// GeneralNames ::= SEQUENCE OF GeneralName, with dNSName [2] IA5String and iPAddress [7]
// OCTET STRING (both implicitly tagged, primitive).
Result<std::string> SubjectAltNameDer(const std::vector<std::string>& dns_names,
                                      const std::vector<std::string>& ip_addresses) {
  if (dns_names.size() + ip_addresses.size() > kMaxSubjectAltNames) {
    return Fail(ErrorCode::kInvalidArgument, "too many subject alternative names (at most 100)");
  }
  std::vector<std::string> ips;
  size_t capacity = 16;
  for (const auto& name : dns_names) {
    OPTIN_TRY(CheckDnsName(name));
    capacity += name.size() + 8;
  }
  for (const auto& text : ip_addresses) {
    OPTIN_ASSIGN_OR_RETURN(std::string bytes, IpAddressBytes(text));
    ips.push_back(std::move(bytes));
    capacity += 24;
  }
  DerWriter der(capacity);
  size_t len = 0;
  // Written back to front: the last name first.
  for (auto it = ips.rbegin(); it != ips.rend(); ++it) {
    X509_ASN1_ADD(
        len, mbedtls_asn1_write_tagged_string(
                 der.p(), der.start(), MBEDTLS_ASN1_CONTEXT_SPECIFIC | 7, it->data(), it->size()));
  }
  for (auto it = dns_names.rbegin(); it != dns_names.rend(); ++it) {
    X509_ASN1_ADD(
        len, mbedtls_asn1_write_tagged_string(
                 der.p(), der.start(), MBEDTLS_ASN1_CONTEXT_SPECIFIC | 2, it->data(), it->size()));
  }
  X509_ASN1_ADD(len, mbedtls_asn1_write_len(der.p(), der.start(), len));
  X509_ASN1_ADD(len, mbedtls_asn1_write_tag(der.p(), der.start(),
                                            MBEDTLS_ASN1_CONSTRUCTED | MBEDTLS_ASN1_SEQUENCE));
  return der.Take();
}

// ExtKeyUsageSyntax ::= SEQUENCE OF KeyPurposeId.
Result<std::string> ExtendedKeyUsageDer(bool client_auth) {
  DerWriter der(64);
  size_t len = 0;
  if (client_auth) {
    X509_ASN1_ADD(len, mbedtls_asn1_write_oid(der.p(), der.start(), MBEDTLS_OID_CLIENT_AUTH,
                                              MBEDTLS_OID_SIZE(MBEDTLS_OID_CLIENT_AUTH)));
  }
  X509_ASN1_ADD(len, mbedtls_asn1_write_oid(der.p(), der.start(), MBEDTLS_OID_SERVER_AUTH,
                                            MBEDTLS_OID_SIZE(MBEDTLS_OID_SERVER_AUTH)));
  X509_ASN1_ADD(len, mbedtls_asn1_write_len(der.p(), der.start(), len));
  X509_ASN1_ADD(len, mbedtls_asn1_write_tag(der.p(), der.start(),
                                            MBEDTLS_ASN1_CONSTRUCTED | MBEDTLS_ASN1_SEQUENCE));
  return der.Take();
}

#undef X509_ASN1_ADD

// ---------------------------------------------------------------------------------------------
// Parsing

// SubjectPublicKeyInfo DER of a parsed key.
Result<std::string> PublicKeyDer(const mbedtls_pk_context& pk) {
  unsigned char buf[1024];
  const int len =
      mbedtls_pk_write_pubkey_der(const_cast<mbedtls_pk_context*>(&pk), buf, sizeof buf);
  if (len < 0) return std::unexpected(MbedtlsError(len, "encoding a public key"));
  return std::string(reinterpret_cast<const char*>(buf + sizeof buf - len),
                     static_cast<size_t>(len));
}

std::vector<std::string> SubjectAltNames(const mbedtls_x509_crt& crt, int wanted_tag) {
  std::vector<std::string> out;
  for (const mbedtls_x509_sequence* s = &crt.subject_alt_names; s != nullptr; s = s->next) {
    if (s->buf.p == nullptr) continue;
    if ((s->buf.tag & MBEDTLS_ASN1_TAG_VALUE_MASK) != wanted_tag) continue;
    if (wanted_tag == 2) {
      out.emplace_back(View(s->buf));
    } else if (wanted_tag == 7) {
      char text[INET6_ADDRSTRLEN] = {};
      if (s->buf.len == 4 && inet_ntop(AF_INET, s->buf.p, text, sizeof text) != nullptr) {
        out.emplace_back(text);
      } else if (s->buf.len == 16 && inet_ntop(AF_INET6, s->buf.p, text, sizeof text) != nullptr) {
        out.emplace_back(text);
      } else {
        out.emplace_back("(malformed address of " + std::to_string(s->buf.len) + " bytes)");
      }
    }
  }
  return out;
}

CertificateInfo Describe(const mbedtls_x509_crt& crt) {
  CertificateInfo info;
  info.subject = NameText(crt.subject);
  info.issuer = NameText(crt.issuer);
  info.dns_names = SubjectAltNames(crt, 2);
  info.ip_addresses = SubjectAltNames(crt, 7);
  info.not_before = UnixFromX509(crt.valid_from);
  info.not_after = UnixFromX509(crt.valid_to);
  info.sha256_fingerprint_hex = HexEncode(Sha256(View(crt.raw)));
  info.is_ca = crt.ca_istrue != 0;
  return info;
}

// ---------------------------------------------------------------------------------------------
// Writing

Status SetSerial(mbedtls_x509write_cert& w, Random& random) {
  std::array<unsigned char, kSerialSize> serial{};
  OPTIN_TRY(random.Fill(serial.data(), serial.size()));
  // Positive (top bit clear) and a full 16 bytes long (next bit set).
  serial[0] = static_cast<unsigned char>((serial[0] & 0x7f) | 0x40);
  Mpi mpi;
  OPTIN_TRY(Check(mbedtls_mpi_read_binary(&mpi.value, serial.data(), serial.size()),
                  "reading the serial number"));
  return Check(mbedtls_x509write_crt_set_serial(&w, &mpi.value), "setting the serial number");
}

Status SetValidity(mbedtls_x509write_cert& w, int64_t not_before, int64_t not_after) {
  OPTIN_TRY(CheckValidityRange(not_before, not_after));
  OPTIN_ASSIGN_OR_RETURN(std::string from, X509TimeString(not_before, "the start of validity"));
  OPTIN_ASSIGN_OR_RETURN(std::string to, X509TimeString(not_after, "the end of validity"));
  return Check(mbedtls_x509write_crt_set_validity(&w, from.c_str(), to.c_str()),
               "setting the validity period");
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// Shared with the test certificate authority (platform/x509_internals.h)

namespace x509_internals {

Status Check(int rc, std::string_view what) {
  if (rc != 0) return std::unexpected(MbedtlsError(rc, what));
  return Ok();
}

Result<std::string> CommonNameSubject(std::string_view common_name) {
  if (common_name.empty() || common_name.size() > kMaxCommonName) {
    return Fail(ErrorCode::kInvalidArgument,
                "a certificate common name must be 1 to 64 characters long", "common_name");
  }
  std::string out = "CN=";
  for (char c : common_name) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7f || c == '\\') {
      return Fail(ErrorCode::kInvalidArgument,
                  "the certificate common name '" + std::string(common_name) +
                      "' holds a control character or a backslash",
                  "common_name");
    }
    if (c == ',') out += '\\';
    out += c;
  }
  return out;
}

Result<std::unique_ptr<PkHolder>> LoadKey(const EcdsaPrivateKey& key) {
  OPTIN_ASSIGN_OR_RETURN(std::string pem, key.ToPem());
  auto pk = std::make_unique<Pk>();
  const int rc = mbedtls_pk_parse_key(&pk->value, Bytes(pem), pem.size() + 1, nullptr, 0);
  mbedtls_platform_zeroize(pem.data(), pem.size());
  if (rc != 0) return std::unexpected(MbedtlsError(rc, "loading the private key"));
  return pk;
}

Result<std::unique_ptr<CrtHolder>> ParseCertificates(std::string_view pem, std::string_view what) {
  auto chain = std::make_unique<Crt>();
  if (pem.find("-----BEGIN CERTIFICATE-----") == std::string_view::npos) {
    return Fail(ErrorCode::kInvalidArgument,
                std::string(what) + " holds no PEM certificate (\"-----BEGIN CERTIFICATE-----\")");
  }
  // mbedTLS wants PEM NUL-terminated, with the terminator counted in the length.
  std::string text(pem);
  const int rc = mbedtls_x509_crt_parse(&chain->value, Bytes(text), text.size() + 1);
  if (rc < 0) {
    return std::unexpected(
        MbedtlsError(rc, "parsing " + std::string(what), ErrorCode::kInvalidArgument));
  }
  if (rc > 0) {
    return Fail(ErrorCode::kInvalidArgument, std::string(what) + ": " + std::to_string(rc) +
                                                 " of its certificates could not be parsed");
  }
  return chain;
}

std::string NameText(const mbedtls_x509_name& name) {
  char buf[1024];
  const int n = mbedtls_x509_dn_gets(buf, sizeof buf, &name);
  return n < 0 ? std::string("(unprintable name)") : std::string(buf, static_cast<size_t>(n));
}

Status CheckPublicKeysEqual(const mbedtls_pk_context& a, const EcdsaPrivateKey& key,
                            std::string_view mismatch_message) {
  OPTIN_ASSIGN_OR_RETURN(std::string der, PublicKeyDer(a));
  if (der != key.PublicKey().ToDer()) {
    return Fail(ErrorCode::kInvalidArgument, std::string(mismatch_message), {}, "key-mismatch");
  }
  return Ok();
}

Status StartCertificate(mbedtls_x509write_cert& w, Random& random, int64_t not_before,
                        int64_t not_after) {
  mbedtls_x509write_crt_set_version(&w, MBEDTLS_X509_CRT_VERSION_3);
  mbedtls_x509write_crt_set_md_alg(&w, MBEDTLS_MD_SHA256);
  OPTIN_TRY(SetSerial(w, random));
  return SetValidity(w, not_before, not_after);
}

Status StartSelfSigned(mbedtls_x509write_cert& w, PkHolder& pk, const std::string& subject,
                       Random& random, int64_t not_before, int64_t not_after) {
  OPTIN_TRY(StartCertificate(w, random, not_before, not_after));
  mbedtls_x509write_crt_set_subject_key(&w, &pk.value);
  mbedtls_x509write_crt_set_issuer_key(&w, &pk.value);
  OPTIN_TRY(Check(mbedtls_x509write_crt_set_subject_name(&w, subject.c_str()),
                  "setting the subject name"));
  return Check(mbedtls_x509write_crt_set_issuer_name(&w, subject.c_str()),
               "setting the issuer name");
}

Status SetExtension(mbedtls_x509write_cert& w, const char* oid, size_t oid_len, bool critical,
                    const std::string& der) {
  return Check(mbedtls_x509write_crt_set_extension(&w, oid, oid_len, critical ? 1 : 0, Bytes(der),
                                                   der.size()),
               "adding a certificate extension");
}

Status SetLeafExtensions(mbedtls_x509write_cert& w, bool client_auth) {
  OPTIN_TRY(
      Check(mbedtls_x509write_crt_set_basic_constraints(&w, 0, -1), "setting basicConstraints"));
  OPTIN_TRY(Check(mbedtls_x509write_crt_set_key_usage(&w, MBEDTLS_X509_KU_DIGITAL_SIGNATURE),
                  "setting keyUsage"));
  OPTIN_ASSIGN_OR_RETURN(std::string eku, ExtendedKeyUsageDer(client_auth));
  OPTIN_TRY(SetExtension(w, MBEDTLS_OID_EXTENDED_KEY_USAGE,
                         MBEDTLS_OID_SIZE(MBEDTLS_OID_EXTENDED_KEY_USAGE), false, eku));
  OPTIN_TRY(
      Check(mbedtls_x509write_crt_set_subject_key_identifier(&w), "setting subjectKeyIdentifier"));
  return Check(mbedtls_x509write_crt_set_authority_key_identifier(&w),
               "setting authorityKeyIdentifier");
}

Result<std::string> WriteCertificatePem(mbedtls_x509write_cert& w, Random& random) {
  std::vector<unsigned char> buf(4096);
  for (;;) {
    const int rc = mbedtls_x509write_crt_pem(&w, buf.data(), buf.size(), RandomCallback, &random);
    if (rc == 0) return std::string(reinterpret_cast<const char*>(buf.data()));
    if ((rc == MBEDTLS_ERR_ASN1_BUF_TOO_SMALL || rc == MBEDTLS_ERR_BASE64_BUFFER_TOO_SMALL) &&
        buf.size() < (1u << 20)) {
      buf.resize(buf.size() * 4);
      continue;
    }
    return std::unexpected(MbedtlsError(rc, "writing the certificate"));
  }
}

}  // namespace x509_internals

namespace {

// ---------------------------------------------------------------------------------------------
// Verification

struct VerifyState {
  int64_t now = 0;
  // The time problem of the certificate closest to the leaf, with its depth.
  int problem_depth = -1;
  std::string problem;
};

int VerifyCallback(void* data, mbedtls_x509_crt* crt, int depth, uint32_t* flags) {
  auto* state = static_cast<VerifyState*>(data);
  // mbedTLS judged validity by the system clock; judge it again at the caller's `now`.
  *flags &= ~static_cast<uint32_t>(MBEDTLS_X509_BADCERT_EXPIRED | MBEDTLS_X509_BADCERT_FUTURE);
  const int64_t not_before = UnixFromX509(crt->valid_from);
  const int64_t not_after = UnixFromX509(crt->valid_to);
  std::string problem;
  const std::string what = depth == 0 ? "certificate" : "CA certificate";
  if (state->now > not_after) {
    *flags |= MBEDTLS_X509_BADCERT_EXPIRED;
    problem = what + " expired on " + FormatUtc(not_after) + " (subject " + NameText(crt->subject) +
              ", checked at " + FormatUtc(state->now) + ")";
  } else if (state->now < not_before) {
    *flags |= MBEDTLS_X509_BADCERT_FUTURE;
    problem = what + " is not yet valid: its validity starts on " + FormatUtc(not_before) +
              " (subject " + NameText(crt->subject) + ", checked at " + FormatUtc(state->now) +
              "; is the clock right?)";
  }
  if (!problem.empty() && (state->problem_depth < 0 || depth < state->problem_depth)) {
    state->problem_depth = depth;
    state->problem = std::move(problem);
  }
  return 0;
}

std::string SubjectsOf(const mbedtls_x509_crt& bundle) {
  std::string out;
  for (const mbedtls_x509_crt* c = &bundle; c != nullptr && c->raw.p != nullptr; c = c->next) {
    if (!out.empty()) out += "; ";
    out += NameText(c->subject);
  }
  return out;
}

}  // namespace

Result<std::string> CanonicalIpAddress(std::string_view text) {
  OPTIN_ASSIGN_OR_RETURN(std::string bytes, IpAddressBytes(std::string(text)));
  char out[INET6_ADDRSTRLEN] = {};
  if (inet_ntop(bytes.size() == 4 ? AF_INET : AF_INET6, bytes.data(), out, sizeof out) == nullptr) {
    return Fail(ErrorCode::kInvalidArgument, "'" + std::string(text) + "' is not an IP address");
  }
  return std::string(out);
}

std::string FormatUtc(int64_t unix_seconds) {
  const CivilTime c = CivilFromUnix(unix_seconds);
  char text[48];
  std::snprintf(text, sizeof text, "%04lld-%02u-%02u %02u:%02u:%02u UTC",
                static_cast<long long>(c.year), c.month, c.day, c.hour, c.minute, c.second);
  return text;
}

Result<std::string> CreateSelfSignedCertificate(const EcdsaPrivateKey& key, Random& random,
                                                std::string_view common_name,
                                                const std::vector<std::string>& dns_names,
                                                const std::vector<std::string>& ip_addresses,
                                                int64_t not_before_unix, int64_t not_after_unix) {
  OPTIN_ASSIGN_OR_RETURN(std::string subject, CommonNameSubject(common_name));
  OPTIN_ASSIGN_OR_RETURN(auto pk, LoadKey(key));
  CertificateWriter writer;
  mbedtls_x509write_cert& w = writer.value;
  OPTIN_TRY(StartSelfSigned(w, *pk, subject, random, not_before_unix, not_after_unix));
  OPTIN_TRY(SetLeafExtensions(w, /*client_auth=*/true));
  if (!dns_names.empty() || !ip_addresses.empty()) {
    OPTIN_ASSIGN_OR_RETURN(std::string san, SubjectAltNameDer(dns_names, ip_addresses));
    OPTIN_TRY(SetExtension(w, MBEDTLS_OID_SUBJECT_ALT_NAME,
                           MBEDTLS_OID_SIZE(MBEDTLS_OID_SUBJECT_ALT_NAME), false, san));
  }
  return WriteCertificatePem(w, random);
}

Result<std::string> CreateCertificateSigningRequest(const EcdsaPrivateKey& key, Random& random,
                                                    std::string_view common_name,
                                                    const std::vector<std::string>& dns_names) {
  OPTIN_ASSIGN_OR_RETURN(std::string subject, CommonNameSubject(common_name));
  OPTIN_ASSIGN_OR_RETURN(auto pk, LoadKey(key));
  CsrWriter writer;
  mbedtls_x509write_csr& w = writer.value;
  mbedtls_x509write_csr_set_md_alg(&w, MBEDTLS_MD_SHA256);
  mbedtls_x509write_csr_set_key(&w, &pk->value);
  OPTIN_TRY(Check(mbedtls_x509write_csr_set_subject_name(&w, subject.c_str()),
                  "setting the request's subject name"));
  if (!dns_names.empty()) {
    OPTIN_ASSIGN_OR_RETURN(std::string san, SubjectAltNameDer(dns_names, {}));
    OPTIN_TRY(Check(mbedtls_x509write_csr_set_extension(
                        &w, MBEDTLS_OID_SUBJECT_ALT_NAME,
                        MBEDTLS_OID_SIZE(MBEDTLS_OID_SUBJECT_ALT_NAME), Bytes(san), san.size()),
                    "adding the requested subjectAltName"));
  }
  std::vector<unsigned char> buf(4096);
  for (;;) {
    const int rc = mbedtls_x509write_csr_pem(&w, buf.data(), buf.size(), RandomCallback, &random);
    if (rc == 0) return std::string(reinterpret_cast<const char*>(buf.data()));
    if ((rc == MBEDTLS_ERR_ASN1_BUF_TOO_SMALL || rc == MBEDTLS_ERR_BASE64_BUFFER_TOO_SMALL) &&
        buf.size() < (1u << 20)) {
      buf.resize(buf.size() * 4);
      continue;
    }
    return std::unexpected(MbedtlsError(rc, "writing the certificate request"));
  }
}

Result<CertificateInfo> InspectCertificate(std::string_view pem) {
  OPTIN_ASSIGN_OR_RETURN(auto chain, ParseCertificates(pem, "the certificate"));
  return Describe(chain->value);
}

Result<std::vector<CertificateInfo>> InspectCertificateBundle(std::string_view pem) {
  OPTIN_ASSIGN_OR_RETURN(auto chain, ParseCertificates(pem, "the certificate bundle"));
  std::vector<CertificateInfo> out;
  for (const mbedtls_x509_crt* c = &chain->value; c != nullptr && c->raw.p != nullptr;
       c = c->next) {
    out.push_back(Describe(*c));
  }
  return out;
}

Result<std::string> CertificatePublicKeyPem(std::string_view cert_pem) {
  OPTIN_ASSIGN_OR_RETURN(auto chain, ParseCertificates(cert_pem, "the certificate"));
  OPTIN_ASSIGN_OR_RETURN(std::string der, PublicKeyDer(chain->value.pk));
  const std::string b64 = Base64Encode(der);
  std::string pem = "-----BEGIN PUBLIC KEY-----\n";
  for (size_t i = 0; i < b64.size(); i += 64) pem += b64.substr(i, 64) + "\n";
  pem += "-----END PUBLIC KEY-----\n";
  return pem;
}

Status CheckCertificateMatchesKey(std::string_view cert_pem, const EcdsaPrivateKey& key) {
  OPTIN_ASSIGN_OR_RETURN(auto chain, ParseCertificates(cert_pem, "the certificate"));
  return CheckPublicKeysEqual(chain->value.pk, key,
                              "the certificate of " + NameText(chain->value.subject) +
                                  " is for a different key than this device's private key");
}

Status VerifyCertificateChain(std::string_view cert_chain_pem, std::string_view ca_bundle_pem,
                              int64_t now_unix) {
  OPTIN_ASSIGN_OR_RETURN(auto chain, ParseCertificates(cert_chain_pem, "the certificate"));
  OPTIN_ASSIGN_OR_RETURN(auto cas, ParseCertificates(ca_bundle_pem, "the CA bundle"));
  VerifyState state;
  state.now = now_unix;
  uint32_t flags = 0;
  const int rc = mbedtls_x509_crt_verify_with_profile(&chain->value, &cas->value, nullptr,
                                                      &mbedtls_x509_crt_profile_default, nullptr,
                                                      &flags, VerifyCallback, &state);
  if (flags & MBEDTLS_X509_BADCERT_NOT_TRUSTED) {
    return Fail(ErrorCode::kInvalidArgument,
                "certificate of " + NameText(chain->value.subject) +
                    " is not issued by the given CA (its issuer is " +
                    NameText(chain->value.issuer) + "; the CA bundle holds " +
                    SubjectsOf(cas->value) + ")",
                {}, "certificate-untrusted");
  }
  if (flags & (MBEDTLS_X509_BADCERT_EXPIRED | MBEDTLS_X509_BADCERT_FUTURE)) {
    return Fail(ErrorCode::kInvalidArgument, state.problem, {},
                (flags & MBEDTLS_X509_BADCERT_EXPIRED) ? "certificate-expired"
                                                       : "certificate-not-yet-valid");
  }
  if (flags != 0) {
    char info[512];
    const int n = mbedtls_x509_crt_verify_info(info, sizeof info, "", flags);
    std::string text = n > 0 ? std::string(info, static_cast<size_t>(n)) : "unknown reason";
    while (!text.empty() && text.back() == '\n') text.pop_back();
    for (char& c : text) {
      if (c == '\n') c = ';';
    }
    return Fail(ErrorCode::kInvalidArgument,
                "certificate of " + NameText(chain->value.subject) + " was refused: " + text, {},
                "certificate-invalid");
  }
  if (rc != 0) return std::unexpected(MbedtlsError(rc, "verifying the certificate chain"));
  return Ok();
}

}  // namespace optin::platform
