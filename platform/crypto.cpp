#include "platform/crypto.h"

#include <mbedtls/ecdsa.h>
#include <mbedtls/ecp.h>
#include <mbedtls/error.h>
#include <mbedtls/gcm.h>
#include <mbedtls/md.h>
#include <mbedtls/pk.h>
#include <mbedtls/pkcs5.h>
#include <mbedtls/platform_util.h>
#include <mbedtls/sha256.h>

#include <array>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <vector>

#include "platform/encoding.h"
#include "platform/mbedtls_error.h"
#include "platform/mbedtls_holder.h"

namespace optin::platform {
namespace {

constexpr size_t kGcmKeySize = 32;
constexpr size_t kGcmNonceSize = 12;
constexpr size_t kGcmTagSize = 16;
constexpr size_t kCoordinateSize = 32;  // P-256 field elements and scalars
constexpr size_t kRawSignatureSize = 2 * kCoordinateSize;
// Contexts kept per key for Sign/Verify. More concurrent callers than this still work (a
// context is created for them) but the surplus is freed after use.
constexpr size_t kMaxPooledContexts = 8;

const unsigned char* Bytes(std::string_view s) {
  return reinterpret_cast<const unsigned char*>(s.data());
}
unsigned char* MutableBytes(std::string& s) { return reinterpret_cast<unsigned char*>(s.data()); }

// Adapts a Random to mbedTLS's f_rng(p_rng, out, len) callback; p_rng is a Random*.
int RandomCallback(void* random, unsigned char* out, size_t len) {
  return static_cast<Random*>(random)->Fill(out, len) ? 0 : MBEDTLS_ERR_ECP_RANDOM_FAILED;
}

[[noreturn]] void FatalMbedtls(int rc, const char* what) {
  char text[160];
  mbedtls_strerror(rc, text, sizeof text);
  std::fprintf(stderr, "fatal: %s: %s\n", what, text);
  std::fflush(stderr);
  std::abort();
}

std::array<unsigned char, 32> Sha256Array(std::string_view data) {
  std::array<unsigned char, 32> out;
  const int rc = mbedtls_sha256_ret(Bytes(data), data.size(), out.data(), 0);
  if (rc != 0) FatalMbedtls(rc, "SHA-256");
  return out;
}

using PkContext = PkHolder;

// Refuses anything that is not an EC key on the P-256 curve.
Status CheckP256(const mbedtls_pk_context& pk, std::string_view what) {
  const mbedtls_pk_type_t type = mbedtls_pk_get_type(&pk);
  if (type != MBEDTLS_PK_ECKEY && type != MBEDTLS_PK_ECDSA) {
    return Fail(ErrorCode::kInvalidArgument, std::string(what) + " is a " +
                                                 mbedtls_pk_get_name(&pk) +
                                                 " key; only EC P-256 keys are accepted");
  }
  if (mbedtls_pk_ec(pk)->grp.id != MBEDTLS_ECP_DP_SECP256R1) {
    return Fail(ErrorCode::kInvalidArgument,
                std::string(what) + " is an EC key on a curve other than P-256 (prime256v1)");
  }
  return Ok();
}

// The mutable working state of one Sign or Verify: the curve group (which lazily caches a
// precomputed table of multiples of the generator, so it must not be shared between threads)
// and the two signature integers.
struct EcdsaContext {
  EcdsaContext() {
    mbedtls_ecp_group_init(&grp);
    mbedtls_mpi_init(&r);
    mbedtls_mpi_init(&s);
  }
  ~EcdsaContext() {
    mbedtls_mpi_free(&s);
    mbedtls_mpi_free(&r);
    mbedtls_ecp_group_free(&grp);
  }
  EcdsaContext(const EcdsaContext&) = delete;
  EcdsaContext& operator=(const EcdsaContext&) = delete;

  mbedtls_ecp_group grp;
  mbedtls_mpi r;
  mbedtls_mpi s;
};

// A bounded free list of EcdsaContexts. The mutex covers only taking and returning a context;
// the curve arithmetic runs unlocked, each caller on a context of its own.
class ContextPool {
 public:
  // A context from the free list or, if it is empty, a new one.
  Result<std::unique_ptr<EcdsaContext>> Take() {
    {
      std::lock_guard lock(mu_);
      if (!free_.empty()) {
        auto ctx = std::move(free_.back());
        free_.pop_back();
        return ctx;
      }
    }
    auto ctx = std::make_unique<EcdsaContext>();
    const int rc = mbedtls_ecp_group_load(&ctx->grp, MBEDTLS_ECP_DP_SECP256R1);
    if (rc != 0) return std::unexpected(MbedtlsError(rc, "loading the P-256 group"));
    return ctx;
  }

  void Give(std::unique_ptr<EcdsaContext> ctx) {
    std::lock_guard lock(mu_);
    if (free_.size() < kMaxPooledContexts) free_.push_back(std::move(ctx));
    // Otherwise the surplus context is freed on return, after the lock is released.
  }

 private:
  std::mutex mu_;
  std::vector<std::unique_ptr<EcdsaContext>> free_;  // GUARDED_BY(mu_)
};

// Returns a taken context to its pool when it goes out of scope.
class PooledContext {
 public:
  PooledContext(ContextPool& pool, std::unique_ptr<EcdsaContext> ctx)
      : pool_(pool), ctx_(std::move(ctx)) {}
  ~PooledContext() { pool_.Give(std::move(ctx_)); }
  PooledContext(const PooledContext&) = delete;
  PooledContext& operator=(const PooledContext&) = delete;
  EcdsaContext* operator->() const { return ctx_.get(); }
  EcdsaContext& operator*() const { return *ctx_; }

 private:
  ContextPool& pool_;
  std::unique_ptr<EcdsaContext> ctx_;
};

using Mpi = MbedtlsHolder<mbedtls_mpi, mbedtls_mpi_init, mbedtls_mpi_free>;
using EcpPoint = MbedtlsHolder<mbedtls_ecp_point, mbedtls_ecp_point_init, mbedtls_ecp_point_free>;

// A key's own table of multiples: a P-256 group whose generator is the key's point Q, so that
// mbedTLS builds and keeps for Q the comb table it keeps for a group's generator. A verification
// then multiplies by Q in about a third of the time (0.5 ms instead of 1.3 ms here). Built once
// (PublicKeyData::table_once) and read-only afterwards, so threads share it.
class KeyTable {
 public:
  KeyTable() { mbedtls_ecp_group_init(&grp_); }
  ~KeyTable() {
    // mbedtls_ecp_group_load points G at static constants, and mbedtls_ecp_group_free leaves a
    // loaded group's constants alone: the copy of Q that Build put in G is freed here.
    if (own_generator_) mbedtls_ecp_point_free(&grp_.G);
    mbedtls_ecp_group_free(&grp_);
  }
  KeyTable(const KeyTable&) = delete;
  KeyTable& operator=(const KeyTable&) = delete;

  // Makes Q the generator and has mbedTLS compute its table; false (the table unusable) if this
  // mbedTLS keeps no generator table, so that no later multiplication writes to the group.
  bool Build(const mbedtls_ecp_point& q) {
    if (mbedtls_ecp_group_load(&grp_, MBEDTLS_ECP_DP_SECP256R1) != 0) return false;
    mbedtls_ecp_point_init(&grp_.G);  // drops the pointers to the static generator, frees nothing
    own_generator_ = true;
    if (mbedtls_ecp_copy(&grp_.G, &q) != 0) return false;
    Mpi one;
    EcpPoint product;
    if (mbedtls_mpi_lset(&one.value, 1) != 0 ||
        mbedtls_ecp_mul(&grp_, &product.value, &one.value, &grp_.G, nullptr, nullptr) != 0) {
      return false;
    }
    return grp_.T != nullptr;
  }

  // u·Q into `out`; u in [1, n-1].
  bool Multiply(const mbedtls_mpi& u, mbedtls_ecp_point* out) const {
    auto* grp = const_cast<mbedtls_ecp_group*>(&grp_);  // read-only: the table exists
    return mbedtls_ecp_mul(grp, out, &u, &grp->G, nullptr, nullptr) == 0;
  }

 private:
  mbedtls_ecp_group grp_;
  bool own_generator_ = false;
};

// Immutable public key material shared by every copy of an EcdsaPublicKey (and by the private
// key it came from).
struct PublicKeyData {
  PkContext key;  // read-only after construction
  std::string der;
  std::string x;
  std::string y;
  std::string key_id;
  // Built at the first Verify; null if it could not be (Verify then uses mbedtls_ecdsa_verify).
  std::once_flag table_once;
  std::unique_ptr<KeyTable> table;
};

// ECDSA verification (SEC 1 v2.0, 4.1.4) of (ctx->r, ctx->s) over `digest` with u1·G on the
// pooled context's generator table and u2·Q on the key's own table.
bool VerifyOnTables(EcdsaContext& ctx, const KeyTable& table,
                    const std::array<unsigned char, 32>& digest) {
  const mbedtls_mpi& n = ctx.grp.N;
  if (mbedtls_mpi_cmp_int(&ctx.r, 1) < 0 || mbedtls_mpi_cmp_mpi(&ctx.r, &n) >= 0 ||
      mbedtls_mpi_cmp_int(&ctx.s, 1) < 0 || mbedtls_mpi_cmp_mpi(&ctx.s, &n) >= 0) {
    return false;
  }
  // P-256's order has 256 bits, as many as SHA-256: the digest is e without truncation.
  Mpi e, w, u1, u2, v, one;
  EcpPoint by_g, by_q, sum;
  if (mbedtls_mpi_read_binary(&e.value, digest.data(), digest.size()) != 0 ||
      mbedtls_mpi_inv_mod(&w.value, &ctx.s, &n) != 0 ||
      mbedtls_mpi_mul_mpi(&u1.value, &e.value, &w.value) != 0 ||
      mbedtls_mpi_mod_mpi(&u1.value, &u1.value, &n) != 0 ||
      mbedtls_mpi_mul_mpi(&u2.value, &ctx.r, &w.value) != 0 ||
      mbedtls_mpi_mod_mpi(&u2.value, &u2.value, &n) != 0 ||
      !table.Multiply(u2.value, &by_q.value)) {  // u2 = r/s is not 0: n is prime
    return false;
  }
  mbedtls_ecp_point* r_point = &by_q.value;
  if (mbedtls_mpi_cmp_int(&u1.value, 0) != 0) {  // e = 0 mod n leaves R = u2·Q
    if (mbedtls_ecp_mul(&ctx.grp, &by_g.value, &u1.value, &ctx.grp.G, nullptr, nullptr) != 0 ||
        mbedtls_mpi_lset(&one.value, 1) != 0 ||
        mbedtls_ecp_muladd(&ctx.grp, &sum.value, &one.value, &by_g.value, &one.value,
                           &by_q.value) != 0) {
      return false;
    }
    r_point = &sum.value;
  }
  if (mbedtls_ecp_is_zero(r_point)) return false;
  return mbedtls_mpi_mod_mpi(&v.value, &r_point->X, &n) == 0 &&
         mbedtls_mpi_cmp_mpi(&v.value, &ctx.r) == 0;
}

// The working contexts of every Verify, whatever the key: the group is the same P-256 for all,
// and the table of multiples of its generator that each context caches after its first use
// (about a third of a verification) then serves every key, among them the short-lived keys of
// client certificates that verify once or twice.
ContextPool& VerifyContexts() {
  static ContextPool pool;
  return pool;
}

// Builds the shared public data from a SubjectPublicKeyInfo DER.
Result<std::shared_ptr<PublicKeyData>> MakePublicKeyData(std::string_view der,
                                                         std::string_view what) {
  auto data = std::make_shared<PublicKeyData>();
  int rc = mbedtls_pk_parse_public_key(&data->key.value, Bytes(der), der.size());
  if (rc != 0) {
    return std::unexpected(
        MbedtlsError(rc, std::string("parsing ") + std::string(what), ErrorCode::kInvalidArgument));
  }
  OPTIN_TRY(CheckP256(data->key.value, what));
  const mbedtls_ecp_keypair* ec = mbedtls_pk_ec(data->key.value);
  rc = mbedtls_ecp_check_pubkey(&ec->grp, &ec->Q);
  if (rc != 0) {
    return std::unexpected(MbedtlsError(rc, std::string("checking ") + std::string(what),
                                        ErrorCode::kInvalidArgument));
  }
  data->der.assign(der);
  data->x.assign(kCoordinateSize, '\0');
  data->y.assign(kCoordinateSize, '\0');
  rc = mbedtls_mpi_write_binary(&ec->Q.X, MutableBytes(data->x), kCoordinateSize);
  if (rc == 0) rc = mbedtls_mpi_write_binary(&ec->Q.Y, MutableBytes(data->y), kCoordinateSize);
  if (rc != 0) return std::unexpected(MbedtlsError(rc, "exporting the public key coordinates"));
  const auto digest = Sha256Array(data->der);
  data->key_id =
      Base64UrlEncode(std::string_view(reinterpret_cast<const char*>(digest.data()), 16));
  return data;
}

// Writes the SubjectPublicKeyInfo DER of `pk` (mbedTLS writes it at the end of the buffer).
Result<std::string> WritePublicDer(const mbedtls_pk_context& pk) {
  unsigned char buf[256];
  const int len =
      mbedtls_pk_write_pubkey_der(const_cast<mbedtls_pk_context*>(&pk), buf, sizeof buf);
  if (len < 0) return std::unexpected(MbedtlsError(len, "encoding the public key"));
  return std::string(reinterpret_cast<const char*>(buf + sizeof buf - len),
                     static_cast<size_t>(len));
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// Hashes, MACs, comparison

std::string Sha256(std::string_view data) {
  const auto digest = Sha256Array(data);
  return std::string(reinterpret_cast<const char*>(digest.data()), digest.size());
}

std::string HmacSha256(std::string_view key, std::string_view data) {
  std::string out(32, '\0');
  const int rc = mbedtls_md_hmac(mbedtls_md_info_from_type(MBEDTLS_MD_SHA256), Bytes(key),
                                 key.size(), Bytes(data), data.size(), MutableBytes(out));
  if (rc != 0) FatalMbedtls(rc, "HMAC-SHA256");
  return out;
}

bool ConstantTimeEquals(std::string_view a, std::string_view b) {
  // The lengths are not secret (MACs and hashes have fixed sizes); the contents are.
  if (a.size() != b.size()) return false;
  unsigned char diff = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    diff |= static_cast<unsigned char>(a[i] ^ b[i]);
  }
  volatile unsigned char result = diff;
  return result == 0;
}

// ---------------------------------------------------------------------------------------------
// AES-256-GCM

namespace {

using GcmContext = MbedtlsHolder<mbedtls_gcm_context, mbedtls_gcm_init, mbedtls_gcm_free>;

Status CheckGcmKey(std::string_view key) {
  if (key.size() != kGcmKeySize) {
    return Fail(ErrorCode::kInvalidArgument,
                "AES-256-GCM needs a 32-byte key, got " + std::to_string(key.size()) + " bytes");
  }
  return Ok();
}

}  // namespace

Result<std::string> Aes256GcmSeal(std::string_view key, std::string_view plaintext,
                                  std::string_view aad, Random& random) {
  OPTIN_TRY(CheckGcmKey(key));
  std::string out(kGcmNonceSize + plaintext.size() + kGcmTagSize, '\0');
  unsigned char* nonce = MutableBytes(out);
  OPTIN_TRY(random.Fill(nonce, kGcmNonceSize));
  GcmContext ctx;
  int rc = mbedtls_gcm_setkey(&ctx.value, MBEDTLS_CIPHER_ID_AES, Bytes(key), 256);
  if (rc != 0) return std::unexpected(MbedtlsError(rc, "setting the AES-256-GCM key"));
  rc = mbedtls_gcm_crypt_and_tag(&ctx.value, MBEDTLS_GCM_ENCRYPT, plaintext.size(), nonce,
                                 kGcmNonceSize, Bytes(aad), aad.size(), Bytes(plaintext),
                                 nonce + kGcmNonceSize, kGcmTagSize,
                                 nonce + kGcmNonceSize + plaintext.size());
  if (rc != 0) return std::unexpected(MbedtlsError(rc, "AES-256-GCM encryption"));
  return out;
}

Result<std::string> Aes256GcmOpen(std::string_view key, std::string_view sealed,
                                  std::string_view aad) {
  OPTIN_TRY(CheckGcmKey(key));
  if (sealed.size() < kGcmNonceSize + kGcmTagSize) {
    return Fail(ErrorCode::kCrypto, "AES-256-GCM input of " + std::to_string(sealed.size()) +
                                        " bytes is too short to hold a nonce and a tag");
  }
  const size_t length = sealed.size() - kGcmNonceSize - kGcmTagSize;
  const unsigned char* nonce = Bytes(sealed);
  const unsigned char* ciphertext = nonce + kGcmNonceSize;
  const unsigned char* tag = ciphertext + length;
  std::string plaintext(length, '\0');
  GcmContext ctx;
  int rc = mbedtls_gcm_setkey(&ctx.value, MBEDTLS_CIPHER_ID_AES, Bytes(key), 256);
  if (rc != 0) return std::unexpected(MbedtlsError(rc, "setting the AES-256-GCM key"));
  rc = mbedtls_gcm_auth_decrypt(&ctx.value, length, nonce, kGcmNonceSize, Bytes(aad), aad.size(),
                                tag, kGcmTagSize, ciphertext, MutableBytes(plaintext));
  if (rc != 0) {
    mbedtls_platform_zeroize(plaintext.data(), plaintext.size());
    return std::unexpected(MbedtlsError(
        rc, "AES-256-GCM decryption (wrong key, or the data or its context was altered)"));
  }
  return plaintext;
}

// ---------------------------------------------------------------------------------------------
// PBKDF2

Result<std::string> Pbkdf2Sha256(std::string_view password, std::string_view salt,
                                 unsigned iterations, size_t length) {
  if (iterations == 0) return Fail(ErrorCode::kInvalidArgument, "PBKDF2 needs iterations > 0");
  if (length == 0 || length > 1024) {
    return Fail(ErrorCode::kInvalidArgument, "PBKDF2 output length must be 1..1024 bytes");
  }
  MbedtlsHolder<mbedtls_md_context_t, mbedtls_md_init, mbedtls_md_free> md;
  std::string out(length, '\0');
  int rc = mbedtls_md_setup(&md.value, mbedtls_md_info_from_type(MBEDTLS_MD_SHA256), /*hmac=*/1);
  if (rc == 0) {
    rc = mbedtls_pkcs5_pbkdf2_hmac(&md.value, Bytes(password), password.size(), Bytes(salt),
                                   salt.size(), iterations, static_cast<uint32_t>(length),
                                   MutableBytes(out));
  }
  if (rc != 0) return std::unexpected(MbedtlsError(rc, "PBKDF2-HMAC-SHA256"));
  return out;
}

// ---------------------------------------------------------------------------------------------
// ECDSA P-256

struct EcdsaPublicKey::Impl {
  std::shared_ptr<PublicKeyData> data;
};

struct EcdsaPrivateKey::Impl {
  PkContext key;  // read-only after construction: the secret scalar d, PEM export
  std::shared_ptr<PublicKeyData> public_data;
  ContextPool pool;
};

EcdsaPrivateKey::EcdsaPrivateKey(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
EcdsaPrivateKey::EcdsaPrivateKey(EcdsaPrivateKey&&) noexcept = default;
EcdsaPrivateKey& EcdsaPrivateKey::operator=(EcdsaPrivateKey&&) noexcept = default;
EcdsaPrivateKey::~EcdsaPrivateKey() = default;

Result<EcdsaPrivateKey> EcdsaPrivateKey::Generate(Random& random) {
  auto impl = std::make_unique<Impl>();
  int rc = mbedtls_pk_setup(&impl->key.value, mbedtls_pk_info_from_type(MBEDTLS_PK_ECKEY));
  if (rc != 0) return std::unexpected(MbedtlsError(rc, "setting up an EC key"));
  rc = mbedtls_ecp_gen_key(MBEDTLS_ECP_DP_SECP256R1, mbedtls_pk_ec(impl->key.value), RandomCallback,
                           &random);
  if (rc != 0) return std::unexpected(MbedtlsError(rc, "generating a P-256 key"));
  OPTIN_ASSIGN_OR_RETURN(std::string der, WritePublicDer(impl->key.value));
  OPTIN_ASSIGN_OR_RETURN(impl->public_data, MakePublicKeyData(der, "the generated public key"));
  return EcdsaPrivateKey(std::move(impl));
}

Result<EcdsaPrivateKey> EcdsaPrivateKey::FromPem(std::string_view pem) {
  auto impl = std::make_unique<Impl>();
  // mbedTLS wants PEM NUL-terminated, with the terminator counted in the length.
  std::string text(pem);
  int rc = mbedtls_pk_parse_key(&impl->key.value, Bytes(text), text.size() + 1, nullptr, 0);
  mbedtls_platform_zeroize(text.data(), text.size());
  if (rc != 0) {
    return std::unexpected(
        MbedtlsError(rc, "parsing the private key PEM", ErrorCode::kInvalidArgument));
  }
  OPTIN_TRY(CheckP256(impl->key.value, "the private key"));
  const mbedtls_ecp_keypair* ec = mbedtls_pk_ec(impl->key.value);
  rc = mbedtls_ecp_check_privkey(&ec->grp, &ec->d);
  // The public point stored in the file must belong to the private scalar.
  if (rc == 0) rc = mbedtls_ecp_check_pub_priv(ec, ec);
  if (rc != 0) {
    return std::unexpected(
        MbedtlsError(rc, "checking the private key", ErrorCode::kInvalidArgument));
  }
  OPTIN_ASSIGN_OR_RETURN(std::string der, WritePublicDer(impl->key.value));
  OPTIN_ASSIGN_OR_RETURN(impl->public_data, MakePublicKeyData(der, "the public key"));
  return EcdsaPrivateKey(std::move(impl));
}

Result<std::string> EcdsaPrivateKey::ToPem() const {
  if (!impl_) return Fail(ErrorCode::kInternal, "use of a moved-from EcdsaPrivateKey");
  std::array<unsigned char, 1024> buf{};
  const int rc = mbedtls_pk_write_key_pem(const_cast<mbedtls_pk_context*>(&impl_->key.value),
                                          buf.data(), buf.size());
  if (rc != 0) {
    mbedtls_platform_zeroize(buf.data(), buf.size());
    return std::unexpected(MbedtlsError(rc, "encoding the private key as PEM"));
  }
  std::string pem(reinterpret_cast<const char*>(buf.data()));
  mbedtls_platform_zeroize(buf.data(), buf.size());
  return pem;
}

EcdsaPublicKey EcdsaPrivateKey::PublicKey() const {
  auto impl = std::make_unique<EcdsaPublicKey::Impl>();
  if (impl_) impl->data = impl_->public_data;
  return EcdsaPublicKey(std::move(impl));
}

Result<std::string> EcdsaPrivateKey::Sign(std::string_view message, Random& random) const {
  if (!impl_) return Fail(ErrorCode::kInternal, "use of a moved-from EcdsaPrivateKey");
  const auto digest = Sha256Array(message);
  OPTIN_ASSIGN_OR_RETURN(auto taken, impl_->pool.Take());
  PooledContext ctx(impl_->pool, std::move(taken));
  // RFC 6979 deterministic nonce (no dependence on the RNG's quality for k); `random` only
  // blinds the scalar multiplication against side channels.
  int rc = mbedtls_ecdsa_sign_det_ext(&ctx->grp, &ctx->r, &ctx->s,
                                      &mbedtls_pk_ec(impl_->key.value)->d, digest.data(),
                                      digest.size(), MBEDTLS_MD_SHA256, RandomCallback, &random);
  if (rc != 0) return std::unexpected(MbedtlsError(rc, "ECDSA signing"));
  std::string signature(kRawSignatureSize, '\0');
  rc = mbedtls_mpi_write_binary(&ctx->r, MutableBytes(signature), kCoordinateSize);
  if (rc == 0) {
    rc = mbedtls_mpi_write_binary(&ctx->s, MutableBytes(signature) + kCoordinateSize,
                                  kCoordinateSize);
  }
  if (rc != 0) return std::unexpected(MbedtlsError(rc, "encoding the ECDSA signature"));
  return signature;
}

EcdsaPublicKey::EcdsaPublicKey(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
EcdsaPublicKey::EcdsaPublicKey(const EcdsaPublicKey& other)
    : impl_(other.impl_ ? std::make_unique<Impl>(*other.impl_) : nullptr) {}
EcdsaPublicKey& EcdsaPublicKey::operator=(const EcdsaPublicKey& other) {
  if (this != &other) impl_ = other.impl_ ? std::make_unique<Impl>(*other.impl_) : nullptr;
  return *this;
}
EcdsaPublicKey::EcdsaPublicKey(EcdsaPublicKey&&) noexcept = default;
EcdsaPublicKey& EcdsaPublicKey::operator=(EcdsaPublicKey&&) noexcept = default;
EcdsaPublicKey::~EcdsaPublicKey() = default;

Result<EcdsaPublicKey> EcdsaPublicKey::FromPem(std::string_view pem) {
  PkContext parsed;
  std::string text(pem);
  const int rc = mbedtls_pk_parse_public_key(&parsed.value, Bytes(text), text.size() + 1);
  if (rc != 0) {
    return std::unexpected(
        MbedtlsError(rc, "parsing the public key PEM", ErrorCode::kInvalidArgument));
  }
  OPTIN_TRY(CheckP256(parsed.value, "the public key"));
  OPTIN_ASSIGN_OR_RETURN(std::string der, WritePublicDer(parsed.value));
  auto impl = std::make_unique<Impl>();
  OPTIN_ASSIGN_OR_RETURN(impl->data, MakePublicKeyData(der, "the public key"));
  return EcdsaPublicKey(std::move(impl));
}

Result<std::string> EcdsaPublicKey::ToPem() const {
  if (!impl_ || !impl_->data) return Fail(ErrorCode::kInternal, "use of an empty EcdsaPublicKey");
  std::array<unsigned char, 512> buf{};
  const int rc = mbedtls_pk_write_pubkey_pem(
      const_cast<mbedtls_pk_context*>(&impl_->data->key.value), buf.data(), buf.size());
  if (rc != 0) return std::unexpected(MbedtlsError(rc, "encoding the public key as PEM"));
  return std::string(reinterpret_cast<const char*>(buf.data()));
}

std::string EcdsaPublicKey::ToDer() const { return impl_ && impl_->data ? impl_->data->der : ""; }
std::string EcdsaPublicKey::X() const { return impl_ && impl_->data ? impl_->data->x : ""; }
std::string EcdsaPublicKey::Y() const { return impl_ && impl_->data ? impl_->data->y : ""; }
std::string EcdsaPublicKey::KeyId() const {
  return impl_ && impl_->data ? impl_->data->key_id : "";
}

bool EcdsaPublicKey::Verify(std::string_view message, std::string_view signature) const {
  if (!impl_ || !impl_->data || signature.size() != kRawSignatureSize) return false;
  PublicKeyData& data = *impl_->data;
  const auto digest = Sha256Array(message);
  ContextPool& pool = VerifyContexts();
  auto taken = pool.Take();
  if (!taken) return false;
  PooledContext ctx(pool, std::move(*taken));
  const unsigned char* raw = Bytes(signature);
  if (mbedtls_mpi_read_binary(&ctx->r, raw, kCoordinateSize) != 0 ||
      mbedtls_mpi_read_binary(&ctx->s, raw + kCoordinateSize, kCoordinateSize) != 0) {
    return false;
  }
  std::call_once(data.table_once, [&data] {
    auto table = std::make_unique<KeyTable>();
    if (table->Build(mbedtls_pk_ec(data.key.value)->Q)) data.table = std::move(table);
  });
  if (data.table) return VerifyOnTables(*ctx, *data.table, digest);
  // Rejects r or s outside [1, n-1] itself.
  return mbedtls_ecdsa_verify(&ctx->grp, digest.data(), digest.size(),
                              &mbedtls_pk_ec(data.key.value)->Q, &ctx->r, &ctx->s) == 0;
}

}  // namespace optin::platform
