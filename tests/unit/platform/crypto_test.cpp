#include "platform/crypto.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <thread>
#include <vector>

#include "platform/encoding.h"
#include "tests/support/temp_dir.h"

namespace optin::platform::crypto_test {
namespace {

std::string Unhex(std::string_view hex) { return HexDecode(hex).value(); }

std::string ReadAll(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

void WriteAll(const std::filesystem::path& path, std::string_view data) {
  std::ofstream out(path, std::ios::binary);
  out.write(data.data(), static_cast<std::streamsize>(data.size()));
}

int RunQuietly(const std::string& command) {
  return std::system((command + " >/dev/null 2>&1").c_str());
}

bool HaveOpenssl() { return RunQuietly("openssl version") == 0; }

// DER ECDSA-Sig-Value (SEQUENCE { INTEGER r, INTEGER s }) -> raw 64-byte r||s.
std::string DerSignatureToRaw(std::string_view der) {
  size_t pos = 0;
  auto byte = [&] { return static_cast<unsigned char>(der.at(pos++)); };
  EXPECT_EQ(byte(), 0x30);
  size_t seq_len = byte();
  if (seq_len == 0x81) seq_len = byte();
  EXPECT_EQ(pos + seq_len, der.size());
  std::string raw;
  for (int i = 0; i < 2; ++i) {
    EXPECT_EQ(byte(), 0x02);
    const size_t len = byte();
    std::string value(der.substr(pos, len));
    pos += len;
    while (value.size() > 32 && value[0] == '\0') value.erase(0, 1);
    EXPECT_LE(value.size(), 32u);
    raw += std::string(32 - value.size(), '\0') + value;
  }
  return raw;
}

// Raw 64-byte r||s -> DER ECDSA-Sig-Value.
std::string RawSignatureToDer(std::string_view raw) {
  std::string body;
  for (int i = 0; i < 2; ++i) {
    std::string value(raw.substr(i * 32, 32));
    while (value.size() > 1 && value[0] == '\0') value.erase(0, 1);
    if (static_cast<unsigned char>(value[0]) & 0x80) value.insert(0, 1, '\0');
    body += '\x02';
    body += static_cast<char>(value.size());
    body += value;
  }
  return std::string("\x30", 1) + static_cast<char>(body.size()) + body;
}

// A SEC1 "EC PRIVATE KEY" PEM for a P-256 scalar, without the optional public key.
std::string Sec1PemFromScalar(std::string_view d) {
  std::string der = Unhex("30310201010420");
  der += d;
  der += Unhex("a00a06082a8648ce3d030107");
  std::string b64 = Base64Encode(der);
  return "-----BEGIN EC PRIVATE KEY-----\n" + b64 + "\n-----END EC PRIVATE KEY-----\n";
}

class CryptoTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto drbg = CtrDrbg::Create("crypto-test");
    ASSERT_TRUE(drbg) << drbg.error().message;
    random_ = std::move(*drbg);
  }
  std::unique_ptr<CtrDrbg> random_;
};

TEST(HashTest, Sha256MatchesKnownAnswers) {
  EXPECT_EQ(HexEncode(Sha256("abc")),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(HexEncode(Sha256("")),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

TEST(HashTest, HmacSha256MatchesRfc4231TestCase2) {
  EXPECT_EQ(HexEncode(HmacSha256("Jefe", "what do ya want for nothing?")),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

TEST(HashTest, Pbkdf2Sha256MatchesKnownAnswers) {
  auto long_key = Pbkdf2Sha256("password", "salt", 4096, 32);
  ASSERT_TRUE(long_key);
  EXPECT_EQ(HexEncode(*long_key),
            "c5e478d59288c841aa530db6845c4c8d962893a001ce4e11a4963873aa98134a");
  auto short_key = Pbkdf2Sha256("password", "salt", 2, 20);
  ASSERT_TRUE(short_key);
  EXPECT_EQ(HexEncode(*short_key), "ae4d0c95af6b46d32d0adff928f06dd02a303f8e");
}

TEST(HashTest, Pbkdf2RejectsZeroIterationsAndEmptyOutput) {
  EXPECT_EQ(Pbkdf2Sha256("pw", "salt", 0, 32).error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(Pbkdf2Sha256("pw", "salt", 1, 0).error().code, ErrorCode::kInvalidArgument);
}

TEST(HashTest, ConstantTimeEqualsComparesContentsAndLength) {
  EXPECT_TRUE(ConstantTimeEquals("", ""));
  EXPECT_TRUE(ConstantTimeEquals("secret", "secret"));
  EXPECT_FALSE(ConstantTimeEquals("secret", "secreT"));
  EXPECT_FALSE(ConstantTimeEquals("Secret", "secret"));
  EXPECT_FALSE(ConstantTimeEquals("secret", "secret!"));
  EXPECT_FALSE(ConstantTimeEquals(std::string("a\0b", 3), std::string("a\0c", 3)));
}

TEST_F(CryptoTest, SealedDataOpensWithTheSameKeyAndContext) {
  const std::string key = random_->Bytes(32);
  auto sealed = Aes256GcmSeal(key, "Ada likes tea", "visit:42", *random_);
  ASSERT_TRUE(sealed);
  EXPECT_EQ(sealed->size(), 12 + 13 + 16u);
  EXPECT_EQ(sealed->find("Ada"), std::string::npos);
  auto opened = Aes256GcmOpen(key, *sealed, "visit:42");
  ASSERT_TRUE(opened) << opened.error().message;
  EXPECT_EQ(*opened, "Ada likes tea");

  auto empty = Aes256GcmSeal(key, "", "", *random_);
  ASSERT_TRUE(empty);
  EXPECT_EQ(Aes256GcmOpen(key, *empty, "").value(), "");
}

TEST_F(CryptoTest, SealingTwiceUsesFreshNonces) {
  const std::string key = random_->Bytes(32);
  auto a = Aes256GcmSeal(key, "same", "", *random_);
  auto b = Aes256GcmSeal(key, "same", "", *random_);
  ASSERT_TRUE(a && b);
  EXPECT_NE(a->substr(0, 12), b->substr(0, 12));
  EXPECT_NE(*a, *b);
}

TEST_F(CryptoTest, TamperedCiphertextFailsToOpen) {
  const std::string key = random_->Bytes(32);
  const std::string sealed = Aes256GcmSeal(key, "a note for staff", "ctx", *random_).value();
  for (size_t i = 0; i < sealed.size(); ++i) {
    std::string tampered = sealed;
    tampered[i] = static_cast<char>(tampered[i] ^ 0x01);
    auto opened = Aes256GcmOpen(key, tampered, "ctx");
    ASSERT_FALSE(opened) << "byte " << i;
    EXPECT_EQ(opened.error().code, ErrorCode::kCrypto);
  }
}

TEST_F(CryptoTest, WrongKeyOrContextFailsToOpen) {
  const std::string key = random_->Bytes(32);
  const std::string sealed = Aes256GcmSeal(key, "note", "ctx", *random_).value();
  EXPECT_EQ(Aes256GcmOpen(random_->Bytes(32), sealed, "ctx").error().code, ErrorCode::kCrypto);
  EXPECT_EQ(Aes256GcmOpen(key, sealed, "other").error().code, ErrorCode::kCrypto);
}

TEST_F(CryptoTest, ShortSealedInputFailsToOpen) {
  const std::string key = random_->Bytes(32);
  for (size_t n : {0u, 1u, 12u, 27u}) {
    auto opened = Aes256GcmOpen(key, std::string(n, 'x'), "");
    ASSERT_FALSE(opened);
    EXPECT_EQ(opened.error().code, ErrorCode::kCrypto);
  }
}

TEST_F(CryptoTest, SealRejectsKeysThatAreNot32Bytes) {
  EXPECT_EQ(Aes256GcmSeal("short", "x", "", *random_).error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(Aes256GcmOpen(std::string(16, 'k'), std::string(40, 'x'), "").error().code,
            ErrorCode::kInvalidArgument);
}

TEST_F(CryptoTest, SignatureRoundTripsAndIs64RawBytes) {
  auto key = EcdsaPrivateKey::Generate(*random_);
  ASSERT_TRUE(key) << key.error().message;
  const EcdsaPublicKey pub = key->PublicKey();
  auto signature = key->Sign("receipt", *random_);
  ASSERT_TRUE(signature);
  EXPECT_EQ(signature->size(), 64u);
  EXPECT_TRUE(pub.Verify("receipt", *signature));
}

TEST_F(CryptoTest, TamperedMessageOrSignatureFailsToVerify) {
  auto key = EcdsaPrivateKey::Generate(*random_).value();
  const EcdsaPublicKey pub = key.PublicKey();
  const std::string signature = key.Sign("receipt", *random_).value();
  EXPECT_FALSE(pub.Verify("receipT", signature));
  for (size_t i = 0; i < signature.size(); i += 7) {
    std::string bad = signature;
    bad[i] = static_cast<char>(bad[i] ^ 0x40);
    EXPECT_FALSE(pub.Verify("receipt", bad)) << "byte " << i;
  }
  EXPECT_FALSE(pub.Verify("receipt", signature.substr(0, 63)));
  EXPECT_FALSE(pub.Verify("receipt", signature + '\0'));
  EXPECT_FALSE(pub.Verify("receipt", RawSignatureToDer(signature)));
  EXPECT_FALSE(pub.Verify("receipt", std::string(64, '\0')));
  const auto other = EcdsaPrivateKey::Generate(*random_).value().PublicKey();
  EXPECT_FALSE(other.Verify("receipt", signature));
}

TEST_F(CryptoTest, SigningMatchesRfc6979DeterministicVector) {
  // RFC 6979 appendix A.2.5, P-256 with SHA-256, message "sample".
  auto key = EcdsaPrivateKey::FromPem(
      Sec1PemFromScalar(Unhex("c9afa9d845ba75166b5c215767b1d6934e50c3db36e89b127b8a622b120f6721")));
  ASSERT_TRUE(key) << key.error().message;
  const EcdsaPublicKey pub = key->PublicKey();
  EXPECT_EQ(HexEncode(pub.X()), "60fed4ba255a9d31c961eb74c6356d68c049b8923b61fa6ce669622e60f29fb6");
  EXPECT_EQ(HexEncode(pub.Y()), "7903fe1008b8bc99a41ae9e95628bc64f2f1b20c2d7e9f5177a3c294d4462299");
  auto signature = key->Sign("sample", *random_);
  ASSERT_TRUE(signature);
  EXPECT_EQ(HexEncode(*signature),
            "efd48b2aacb6a8fd1140dd9cd45e81d69d2c877b56aaf991c34d0ea84eaf3716"
            "f7cb1c942d657c41d436c7a1b6e29f65f3e900dbb9aff4064dc4ab2f843acda8");
}

// n - x for a 32-byte big-endian x < n, P-256's group order n (SEC 2).
std::string OrderMinus(std::string_view x) {
  const std::string n = Unhex("ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551");
  std::string out(32, '\0');
  int borrow = 0;
  for (int i = 31; i >= 0; --i) {
    int d = static_cast<unsigned char>(n[i]) - static_cast<unsigned char>(x[i]) - borrow;
    borrow = d < 0 ? 1 : 0;
    out[i] = static_cast<char>(d + 256 * borrow);
  }
  return out;
}

EcdsaPublicKey Rfc6979PublicKey() {
  return EcdsaPrivateKey::FromPem(
             Sec1PemFromScalar(
                 Unhex("c9afa9d845ba75166b5c215767b1d6934e50c3db36e89b127b8a622b120f6721")))
      .value()
      .PublicKey();
}

TEST_F(CryptoTest, Rfc6979SignaturesVerifyEveryTimeAndOnlyForTheirMessage) {
  // RFC 6979 appendix A.2.5, P-256 with SHA-256: messages "sample" and "test". The first Verify
  // of a key builds its table of multiples; the later ones use it.
  const EcdsaPublicKey pub = Rfc6979PublicKey();
  const std::string sample = Unhex(
      "efd48b2aacb6a8fd1140dd9cd45e81d69d2c877b56aaf991c34d0ea84eaf3716"
      "f7cb1c942d657c41d436c7a1b6e29f65f3e900dbb9aff4064dc4ab2f843acda8");
  const std::string test = Unhex(
      "f1abb023518351cd71d881567b1ea663ed3efcf6c5132b354f28d3b0b7d38367"
      "019f4113742a2b14bd25926b49c649155f267e60d3814b4c0cc84250e46f0083");
  for (int round = 0; round < 3; ++round) {
    EXPECT_TRUE(pub.Verify("sample", sample)) << round;
    EXPECT_TRUE(pub.Verify("test", test)) << round;
    EXPECT_FALSE(pub.Verify("test", sample)) << round;
    EXPECT_FALSE(pub.Verify("sample", test)) << round;
  }
  const EcdsaPublicKey copy = pub;  // copies share the key and its table
  EXPECT_TRUE(copy.Verify("sample", sample));
}

TEST_F(CryptoTest, NegatingSGivesTheOtherValidSignatureAsEcdsaDefines) {
  // (r, n - s) verifies wherever (r, s) does: R = u1 G + u2 Q only changes sign.
  auto key = EcdsaPrivateKey::Generate(*random_).value();
  const EcdsaPublicKey pub = key.PublicKey();
  for (int i = 0; i < 8; ++i) {
    const std::string message = "batch " + std::to_string(i);
    const std::string signature = key.Sign(message, *random_).value();
    const std::string negated = signature.substr(0, 32) + OrderMinus(signature.substr(32));
    EXPECT_NE(negated, signature);
    EXPECT_TRUE(pub.Verify(message, signature)) << i;
    EXPECT_TRUE(pub.Verify(message, negated)) << i;
    EXPECT_FALSE(pub.Verify(message + ".", negated)) << i;
    const std::string r_negated = OrderMinus(signature.substr(0, 32)) + signature.substr(32);
    EXPECT_FALSE(pub.Verify(message, r_negated)) << i;
  }
}

TEST_F(CryptoTest, ScalarsOutsideOneToTheOrderAreRejected) {
  const EcdsaPublicKey pub = Rfc6979PublicKey();
  const std::string zero(32, '\0');
  const std::string n = OrderMinus(zero);
  const std::string all_ones(32, '\xff');
  const std::string r = Unhex("efd48b2aacb6a8fd1140dd9cd45e81d69d2c877b56aaf991c34d0ea84eaf3716");
  const std::string s = Unhex("f7cb1c942d657c41d436c7a1b6e29f65f3e900dbb9aff4064dc4ab2f843acda8");
  ASSERT_TRUE(pub.Verify("sample", r + s));
  for (const std::string& bad : {zero, n, all_ones}) {
    EXPECT_FALSE(pub.Verify("sample", bad + s)) << HexEncode(bad);
    EXPECT_FALSE(pub.Verify("sample", r + bad)) << HexEncode(bad);
  }
}

TEST_F(CryptoTest, ManyKeysEachVerifyOnlyTheirOwnSignatures) {
  std::vector<EcdsaPrivateKey> keys;
  for (int k = 0; k < 12; ++k) keys.push_back(EcdsaPrivateKey::Generate(*random_).value());
  for (size_t k = 0; k < keys.size(); ++k) {
    const EcdsaPublicKey mine = keys[k].PublicKey();
    const EcdsaPublicKey next = keys[(k + 1) % keys.size()].PublicKey();
    for (int m = 0; m < 4; ++m) {
      const std::string message = "store " + std::to_string(k) + " day " + std::to_string(m);
      const std::string signature = keys[k].Sign(message, *random_).value();
      EXPECT_TRUE(mine.Verify(message, signature)) << k << "/" << m;
      EXPECT_FALSE(next.Verify(message, signature)) << k << "/" << m;
      std::string flipped = signature;
      flipped[static_cast<size_t>(m * 11 + 3) % 64] ^= 0x01;
      EXPECT_FALSE(mine.Verify(message, flipped)) << k << "/" << m;
    }
  }
}

TEST_F(CryptoTest, PrivateKeyPemRoundTripKeepsTheKey) {
  auto key = EcdsaPrivateKey::Generate(*random_).value();
  const std::string pem = key.ToPem().value();
  EXPECT_NE(pem.find("-----BEGIN EC PRIVATE KEY-----"), std::string::npos);
  auto reloaded = EcdsaPrivateKey::FromPem(pem);
  ASSERT_TRUE(reloaded) << reloaded.error().message;
  EXPECT_EQ(reloaded->PublicKey().KeyId(), key.PublicKey().KeyId());
  EXPECT_TRUE(key.PublicKey().Verify("m", reloaded->Sign("m", *random_).value()));
}

TEST_F(CryptoTest, PublicKeyExportsSpkiPemDerCoordinatesAndKeyId) {
  const auto pub = EcdsaPrivateKey::Generate(*random_).value().PublicKey();
  const std::string pem = pub.ToPem().value();
  EXPECT_NE(pem.find("-----BEGIN PUBLIC KEY-----"), std::string::npos);
  const std::string der = pub.ToDer();
  EXPECT_EQ(der.size(), 91u);  // P-256 SubjectPublicKeyInfo
  // The uncompressed point at the end of the DER is 04 || X || Y.
  EXPECT_EQ(der.substr(der.size() - 65), "\x04" + pub.X() + pub.Y());
  EXPECT_EQ(pub.X().size(), 32u);
  EXPECT_EQ(pub.Y().size(), 32u);
  EXPECT_EQ(pub.KeyId(), Base64UrlEncode(Sha256(der).substr(0, 16)));
  EXPECT_EQ(pub.KeyId().size(), 22u);

  auto reloaded = EcdsaPublicKey::FromPem(pem);
  ASSERT_TRUE(reloaded) << reloaded.error().message;
  EXPECT_EQ(reloaded->ToDer(), der);
  const EcdsaPublicKey copy = *reloaded;  // copies share nothing observable
  EXPECT_EQ(copy.KeyId(), pub.KeyId());
}

TEST_F(CryptoTest, FromPemRejectsGarbageAndWrongKeyKinds) {
  EXPECT_FALSE(EcdsaPrivateKey::FromPem("not a key"));
  EXPECT_FALSE(
      EcdsaPublicKey::FromPem("-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n"));
  const std::string public_pem =
      EcdsaPrivateKey::Generate(*random_).value().PublicKey().ToPem().value();
  EXPECT_FALSE(EcdsaPrivateKey::FromPem(public_pem));
}

TEST_F(CryptoTest, FromPemRejectsAnRsaKeyWithAClearError) {
  if (!HaveOpenssl()) GTEST_SKIP() << "openssl command line not installed";
  testing::TempDir dir;
  ASSERT_EQ(RunQuietly("openssl genrsa -out " + (dir / "rsa.pem").string() + " 1024"), 0);
  ASSERT_EQ(RunQuietly("openssl rsa -in " + (dir / "rsa.pem").string() + " -pubout -out " +
                       (dir / "rsa.pub").string()),
            0);
  auto priv = EcdsaPrivateKey::FromPem(ReadAll(dir / "rsa.pem"));
  ASSERT_FALSE(priv);
  EXPECT_EQ(priv.error().code, ErrorCode::kInvalidArgument);
  EXPECT_NE(priv.error().message.find("RSA"), std::string::npos) << priv.error().message;
  EXPECT_NE(priv.error().message.find("P-256"), std::string::npos) << priv.error().message;
  auto pub = EcdsaPublicKey::FromPem(ReadAll(dir / "rsa.pub"));
  ASSERT_FALSE(pub);
  EXPECT_NE(pub.error().message.find("RSA"), std::string::npos) << pub.error().message;
}

TEST_F(CryptoTest, FromPemRejectsAnEcKeyOnAnotherCurve) {
  if (!HaveOpenssl()) GTEST_SKIP() << "openssl command line not installed";
  testing::TempDir dir;
  ASSERT_EQ(RunQuietly("openssl ecparam -name secp384r1 -genkey -noout -out " +
                       (dir / "p384.pem").string()),
            0);
  auto key = EcdsaPrivateKey::FromPem(ReadAll(dir / "p384.pem"));
  ASSERT_FALSE(key);
  EXPECT_NE(key.error().message.find("P-256"), std::string::npos) << key.error().message;
}

TEST_F(CryptoTest, SignatureFromOpensslCliVerifies) {
  if (!HaveOpenssl()) GTEST_SKIP() << "openssl command line not installed";
  testing::TempDir dir;
  const std::string key = (dir / "key.pem").string();
  const std::string pub = (dir / "pub.pem").string();
  const std::string msg = (dir / "msg.txt").string();
  const std::string sig = (dir / "sig.der").string();
  WriteAll(msg, "batch 2026-11-23 counts");
  ASSERT_EQ(RunQuietly("openssl ecparam -name prime256v1 -genkey -noout -out " + key), 0);
  ASSERT_EQ(RunQuietly("openssl ec -in " + key + " -pubout -out " + pub), 0);
  ASSERT_EQ(RunQuietly("openssl dgst -sha256 -sign " + key + " -out " + sig + " " + msg), 0);

  auto public_key = EcdsaPublicKey::FromPem(ReadAll(pub));
  ASSERT_TRUE(public_key) << public_key.error().message;
  const std::string raw = DerSignatureToRaw(ReadAll(sig));
  ASSERT_EQ(raw.size(), 64u);
  EXPECT_TRUE(public_key->Verify("batch 2026-11-23 counts", raw));
  EXPECT_FALSE(public_key->Verify("batch 2026-11-24 counts", raw));

  // The openssl-generated private key loads too and matches its public key.
  auto private_key = EcdsaPrivateKey::FromPem(ReadAll(key));
  ASSERT_TRUE(private_key) << private_key.error().message;
  EXPECT_EQ(private_key->PublicKey().KeyId(), public_key->KeyId());
}

TEST_F(CryptoTest, OurSignatureVerifiesWithOpensslCli) {
  if (!HaveOpenssl()) GTEST_SKIP() << "openssl command line not installed";
  testing::TempDir dir;
  auto key = EcdsaPrivateKey::Generate(*random_).value();
  const std::string pub = (dir / "pub.pem").string();
  const std::string msg = (dir / "msg.txt").string();
  const std::string sig = (dir / "sig.der").string();
  WriteAll(pub, key.PublicKey().ToPem().value());
  WriteAll(msg, "consent receipt");
  // Loop a few times so that r or s with a high bit or a leading zero byte gets exercised.
  for (int i = 0; i < 8; ++i) {
    const std::string message = "consent receipt " + std::to_string(i);
    WriteAll(msg, message);
    WriteAll(sig, RawSignatureToDer(key.Sign(message, *random_).value()));
    EXPECT_EQ(RunQuietly("openssl dgst -sha256 -verify " + pub + " -signature " + sig + " " + msg),
              0)
        << message;
  }
  WriteAll(msg, "something else");
  EXPECT_NE(RunQuietly("openssl dgst -sha256 -verify " + pub + " -signature " + sig + " " + msg),
            0);
}

TEST_F(CryptoTest, ConcurrentSignAndVerifyOnSharedKeysAreAllCorrect) {
  const auto key = EcdsaPrivateKey::Generate(*random_).value();
  const EcdsaPublicKey pub = key.PublicKey();
  const EcdsaPublicKey pub_copy = pub;
  const std::string fixed_signature = key.Sign("fixed", *random_).value();
  constexpr int kThreads = 4;
  constexpr int kOps = 200;
  std::atomic<int> good{0}, bad{0};
  std::vector<std::thread> threads;
  const auto start = std::chrono::steady_clock::now();
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kOps; ++i) {
        const std::string message = "check-in " + std::to_string(t) + "/" + std::to_string(i);
        auto signature = key.Sign(message, *random_);
        const EcdsaPublicKey& verifier = (i % 2 == 0) ? pub : pub_copy;
        const bool ok = signature && verifier.Verify(message, *signature) &&
                        !verifier.Verify(message + "!", *signature) &&
                        verifier.Verify("fixed", fixed_signature);
        (ok ? good : bad).fetch_add(1);
      }
    });
  }
  for (auto& thread : threads) thread.join();
  const auto elapsed = std::chrono::steady_clock::now() - start;
  EXPECT_EQ(bad.load(), 0);
  EXPECT_EQ(good.load(), kThreads * kOps);
  RecordProperty(
      "micros_per_sign_and_3_verifies",
      static_cast<int>(std::chrono::duration_cast<std::chrono::microseconds>(elapsed).count() /
                       (kThreads * kOps)));
}

TEST_F(CryptoTest, MovedFromKeysFailCleanly) {
  auto key = EcdsaPrivateKey::Generate(*random_).value();
  EcdsaPrivateKey moved = std::move(key);
  EXPECT_FALSE(key.Sign("m", *random_));  // NOLINT(bugprone-use-after-move)
  EXPECT_TRUE(moved.Sign("m", *random_));
  EcdsaPublicKey pub = moved.PublicKey();
  EcdsaPublicKey pub_moved = std::move(pub);
  EXPECT_FALSE(pub.Verify("m", moved.Sign("m", *random_).value()));  // NOLINT
  EXPECT_TRUE(pub_moved.Verify("m", moved.Sign("m", *random_).value()));
}

}  // namespace
}  // namespace optin::platform::crypto_test
