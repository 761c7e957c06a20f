#include "tests/support/ca/test_ca.h"

#include <mbedtls/asn1.h>
#include <mbedtls/md.h>
#include <mbedtls/oid.h>
#include <mbedtls/pk.h>
#include <mbedtls/x509.h>
#include <mbedtls/x509_crt.h>
#include <mbedtls/x509_csr.h>

#include <array>
#include <vector>

#include "platform/mbedtls_error.h"
#include "platform/mbedtls_holder.h"
#include "platform/x509_internals.h"

namespace optin::testing {
namespace {

using platform::EcdsaPrivateKey;
using platform::MbedtlsError;
using platform::Random;
using namespace platform::x509_internals;

using Csr = platform::MbedtlsHolder<mbedtls_x509_csr, mbedtls_x509_csr_init, mbedtls_x509_csr_free>;

const unsigned char* Bytes(std::string_view s) {
  return reinterpret_cast<const unsigned char*>(s.data());
}

std::string_view View(const mbedtls_x509_buf& buf) {
  return std::string_view(reinterpret_cast<const char*>(buf.p), buf.len);
}

// A copy of a parsed distinguished name in the order mbedTLS's writer expects (it writes the
// list head last), pointing into the parsed structure's buffers: the parsed certificate or CSR
// must outlive it. This keeps an issuer name byte-for-byte equal to the CA's subject, string
// types included, which building it back from text would not.
class NameList {
 public:
  explicit NameList(const mbedtls_x509_name* name) {
    size_t count = 0;
    for (const auto* n = name; n != nullptr; n = n->next) ++count;
    nodes_.resize(count);
    // DER order is name, name->next, ...; the writer wants the reverse.
    size_t i = count;
    for (const auto* n = name; n != nullptr; n = n->next) {
      mbedtls_asn1_named_data& node = nodes_[--i];
      node.oid = n->oid;
      node.val = n->val;
      node.next_merged = 0;
    }
    for (size_t j = 0; j + 1 < count; ++j) nodes_[j].next = &nodes_[j + 1];
    if (count > 0) nodes_[count - 1].next = nullptr;
  }
  NameList(const NameList&) = delete;
  NameList& operator=(const NameList&) = delete;
  mbedtls_asn1_named_data* head() { return nodes_.empty() ? nullptr : nodes_.data(); }

 private:
  std::vector<mbedtls_asn1_named_data> nodes_;
};

// Points a writer's subject and issuer at lists it does not own (NameList) and detaches them
// again before the writer is freed (declared after the writer, so destroyed before it).
class BorrowedNames {
 public:
  BorrowedNames(mbedtls_x509write_cert& w, NameList& subject, NameList& issuer) : w_(w) {
    w_.subject = subject.head();
    w_.issuer = issuer.head();
  }
  ~BorrowedNames() {
    w_.subject = nullptr;
    w_.issuer = nullptr;
  }
  BorrowedNames(const BorrowedNames&) = delete;
  BorrowedNames& operator=(const BorrowedNames&) = delete;

 private:
  mbedtls_x509write_cert& w_;
};

// Finds the subjectAltName extension value requested in a parsed CSR's extensionRequest
// attribute (mbedTLS 2.28 skips CSR attributes, so this walks the CertificationRequestInfo).
// Returns an empty string if there is none.
Result<std::string> RequestedSubjectAltName(const mbedtls_x509_csr& csr) {
  auto malformed = [](int rc) {
    return std::unexpected(
        MbedtlsError(rc, "reading the CSR's attributes", ErrorCode::kInvalidArgument));
  };
  constexpr int kSequence = MBEDTLS_ASN1_CONSTRUCTED | MBEDTLS_ASN1_SEQUENCE;
  unsigned char* p = csr.cri.p;
  const unsigned char* end = p + csr.cri.len;
  size_t len = 0;
  int rc = mbedtls_asn1_get_tag(&p, end, &len, kSequence);
  if (rc != 0) return malformed(rc);
  end = p + len;
  // version INTEGER, subject Name, subjectPKInfo: skipped.
  for (int tag : {MBEDTLS_ASN1_INTEGER, kSequence, kSequence}) {
    rc = mbedtls_asn1_get_tag(&p, end, &len, tag);
    if (rc != 0) return malformed(rc);
    p += len;
  }
  if (p >= end) return std::string();
  rc = mbedtls_asn1_get_tag(&p, end, &len,
                            MBEDTLS_ASN1_CONTEXT_SPECIFIC | MBEDTLS_ASN1_CONSTRUCTED | 0);
  if (rc != 0) return malformed(rc);
  const unsigned char* attributes_end = p + len;
  while (p < attributes_end) {
    rc = mbedtls_asn1_get_tag(&p, attributes_end, &len, kSequence);
    if (rc != 0) return malformed(rc);
    const unsigned char* attribute_end = p + len;
    rc = mbedtls_asn1_get_tag(&p, attribute_end, &len, MBEDTLS_ASN1_OID);
    if (rc != 0) return malformed(rc);
    const std::string_view oid(reinterpret_cast<const char*>(p), len);
    p += len;
    if (oid != std::string_view(MBEDTLS_OID_PKCS9_CSR_EXT_REQ,
                                MBEDTLS_OID_SIZE(MBEDTLS_OID_PKCS9_CSR_EXT_REQ))) {
      p = const_cast<unsigned char*>(attribute_end);
      continue;
    }
    rc = mbedtls_asn1_get_tag(&p, attribute_end, &len, MBEDTLS_ASN1_CONSTRUCTED | MBEDTLS_ASN1_SET);
    if (rc != 0) return malformed(rc);
    rc = mbedtls_asn1_get_tag(&p, attribute_end, &len, kSequence);  // Extensions
    if (rc != 0) return malformed(rc);
    const unsigned char* extensions_end = p + len;
    while (p < extensions_end) {
      rc = mbedtls_asn1_get_tag(&p, extensions_end, &len, kSequence);
      if (rc != 0) return malformed(rc);
      const unsigned char* extension_end = p + len;
      rc = mbedtls_asn1_get_tag(&p, extension_end, &len, MBEDTLS_ASN1_OID);
      if (rc != 0) return malformed(rc);
      const std::string_view ext_oid(reinterpret_cast<const char*>(p), len);
      p += len;
      if (p < extension_end && *p == MBEDTLS_ASN1_BOOLEAN) {
        int critical = 0;
        rc = mbedtls_asn1_get_bool(&p, extension_end, &critical);
        if (rc != 0) return malformed(rc);
      }
      rc = mbedtls_asn1_get_tag(&p, extension_end, &len, MBEDTLS_ASN1_OCTET_STRING);
      if (rc != 0) return malformed(rc);
      if (ext_oid == std::string_view(MBEDTLS_OID_SUBJECT_ALT_NAME,
                                      MBEDTLS_OID_SIZE(MBEDTLS_OID_SUBJECT_ALT_NAME))) {
        return std::string(reinterpret_cast<const char*>(p), len);
      }
      p = const_cast<unsigned char*>(extension_end);
    }
    p = const_cast<unsigned char*>(attribute_end);
  }
  return std::string();
}

}  // namespace

Result<std::string> CreateCertificateAuthority(const EcdsaPrivateKey& key, Random& random,
                                               std::string_view common_name, int64_t not_before,
                                               int64_t not_after) {
  OPTIN_ASSIGN_OR_RETURN(std::string subject, CommonNameSubject(common_name));
  OPTIN_ASSIGN_OR_RETURN(auto pk, LoadKey(key));
  CertificateWriter writer;
  mbedtls_x509write_cert& w = writer.value;
  OPTIN_TRY(StartSelfSigned(w, *pk, subject, random, not_before, not_after));
  OPTIN_TRY(
      Check(mbedtls_x509write_crt_set_basic_constraints(&w, 1, -1), "setting basicConstraints"));
  OPTIN_TRY(Check(mbedtls_x509write_crt_set_key_usage(
                      &w, MBEDTLS_X509_KU_KEY_CERT_SIGN | MBEDTLS_X509_KU_CRL_SIGN),
                  "setting keyUsage"));
  OPTIN_TRY(
      Check(mbedtls_x509write_crt_set_subject_key_identifier(&w), "setting subjectKeyIdentifier"));
  OPTIN_TRY(Check(mbedtls_x509write_crt_set_authority_key_identifier(&w),
                  "setting authorityKeyIdentifier"));
  return WriteCertificatePem(w, random);
}

Result<std::string> SignCertificateRequest(const EcdsaPrivateKey& ca_key,
                                           std::string_view ca_cert_pem, std::string_view csr_pem,
                                           Random& random, int64_t not_before, int64_t not_after,
                                           bool client_and_server) {
  OPTIN_ASSIGN_OR_RETURN(auto ca, ParseCertificates(ca_cert_pem, "the CA certificate"));
  if (ca->value.ca_istrue == 0) {
    return Fail(ErrorCode::kInvalidArgument, "the certificate of " + NameText(ca->value.subject) +
                                                 " is not a CA certificate (CA:FALSE)");
  }
  OPTIN_TRY(CheckPublicKeysEqual(
      ca->value.pk, ca_key,
      "the CA key does not belong to the CA certificate of " + NameText(ca->value.subject)));

  Csr csr;
  {
    std::string text(csr_pem);
    const int rc = mbedtls_x509_csr_parse(&csr.value, Bytes(text), text.size() + 1);
    if (rc != 0) {
      return std::unexpected(
          MbedtlsError(rc, "parsing the certificate request", ErrorCode::kInvalidArgument));
    }
  }
  // mbedTLS parses a CSR without checking its signature (proof of possession of the key).
  {
    const mbedtls_md_info_t* md = mbedtls_md_info_from_type(csr.value.sig_md);
    if (md == nullptr) {
      return Fail(ErrorCode::kInvalidArgument,
                  "the certificate request uses an unsupported signature hash");
    }
    std::array<unsigned char, MBEDTLS_MD_MAX_SIZE> hash{};
    int rc = mbedtls_md(md, csr.value.cri.p, csr.value.cri.len, hash.data());
    if (rc == 0) {
      rc = mbedtls_pk_verify_ext(csr.value.sig_pk, csr.value.sig_opts, &csr.value.pk,
                                 csr.value.sig_md, hash.data(), mbedtls_md_get_size(md),
                                 csr.value.sig.p, csr.value.sig.len);
    }
    if (rc != 0) {
      return std::unexpected(MbedtlsError(rc, "checking the certificate request's signature",
                                          ErrorCode::kInvalidArgument));
    }
  }
  OPTIN_ASSIGN_OR_RETURN(std::string san, RequestedSubjectAltName(csr.value));
  OPTIN_ASSIGN_OR_RETURN(auto ca_pk, LoadKey(ca_key));

  NameList subject(&csr.value.subject);
  NameList issuer(&ca->value.subject);
  CertificateWriter writer;
  mbedtls_x509write_cert& w = writer.value;
  OPTIN_TRY(StartCertificate(w, random, not_before, not_after));
  mbedtls_x509write_crt_set_subject_key(&w, &csr.value.pk);
  mbedtls_x509write_crt_set_issuer_key(&w, &ca_pk->value);
  BorrowedNames borrowed(w, subject, issuer);
  OPTIN_TRY(SetLeafExtensions(w, client_and_server));
  if (!san.empty()) {
    OPTIN_TRY(SetExtension(w, MBEDTLS_OID_SUBJECT_ALT_NAME,
                           MBEDTLS_OID_SIZE(MBEDTLS_OID_SUBJECT_ALT_NAME), false, san));
  }
  OPTIN_ASSIGN_OR_RETURN(std::string pem, WriteCertificatePem(w, random));

  // The issuer must be byte-for-byte the CA's subject, or chains will not build.
  OPTIN_ASSIGN_OR_RETURN(auto issued, ParseCertificates(pem, "the issued certificate"));
  if (View(issued->value.issuer_raw) != View(ca->value.subject_raw)) {
    return Fail(ErrorCode::kInternal,
                "the issued certificate's issuer name does not match the CA's subject");
  }
  return pem;
}

}  // namespace optin::testing
