#include "receipt_cmd.h"

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <cstdio>
#include <iostream>
#include <iterator>
#include <optional>
#include <string>

#include "platform/crypto.h"
#include "platform/encoding.h"
#include "platform/file_system.h"
#include "platform/x509.h"
#include "privacy/jws.h"

namespace {

using optin::ErrorCode;
using optin::Fail;
using optin::Result;
namespace platform = optin::platform;
namespace json = boost::json;

// The DER SubjectPublicKeyInfo of a P-256 key is this prefix, then 0x04 || X || Y.
constexpr unsigned char kP256SpkiPrefix[] = {0x30, 0x59, 0x30, 0x13, 0x06, 0x07, 0x2a, 0x86, 0x48,
                                             0xce, 0x3d, 0x02, 0x01, 0x06, 0x08, 0x2a, 0x86, 0x48,
                                             0xce, 0x3d, 0x03, 0x01, 0x07, 0x03, 0x42, 0x00, 0x04};

Result<platform::EcdsaPublicKey> KeyFromJwk(const json::object& jwk) {
  auto text = [&](std::string_view name) -> std::string {
    const json::value* v = jwk.if_contains(name);
    return v && v->is_string() ? std::string(v->as_string()) : std::string();
  };
  if (text("kty") != "EC" || text("crv") != "P-256") {
    return Fail(ErrorCode::kInvalidArgument, "the JWK is not an EC P-256 key (kty EC, crv P-256)");
  }
  auto x = platform::Base64UrlDecode(text("x"));
  auto y = platform::Base64UrlDecode(text("y"));
  if (!x || !y || x->size() != 32 || y->size() != 32) {
    return Fail(ErrorCode::kInvalidArgument, "the JWK's x and y are not 32-byte base64url values");
  }
  std::string der(reinterpret_cast<const char*>(kP256SpkiPrefix), sizeof kP256SpkiPrefix);
  der += *x + *y;
  std::string b64 = platform::Base64Encode(der);
  std::string pem = "-----BEGIN PUBLIC KEY-----\n";
  for (size_t i = 0; i < b64.size(); i += 64) pem += b64.substr(i, 64) + "\n";
  pem += "-----END PUBLIC KEY-----\n";
  auto key = platform::EcdsaPublicKey::FromPem(pem);
  if (!key) return Fail(ErrorCode::kInvalidArgument, "the JWK is not a point on P-256");
  return key;
}

// --key FILE: a PEM public key, a JWK, or a JWK set ({"keys": [...]}, as GET /v1/device/keys
// answers; the key whose kid the receipt names, else the first).
Result<platform::EcdsaPublicKey> KeyFromText(std::string_view text, std::string_view kid) {
  const size_t start = text.find_first_not_of(" \t\r\n");
  if (start != std::string_view::npos && text[start] == '{') {
    boost::system::error_code ec;
    json::value v = json::parse(text, ec);
    if (ec || !v.is_object()) return Fail(ErrorCode::kInvalidArgument, "not valid JSON");
    const json::object& o = v.as_object();
    if (const json::value* keys = o.if_contains("keys")) {
      if (!keys->is_array() || keys->as_array().empty()) {
        return Fail(ErrorCode::kInvalidArgument, "its \"keys\" is not a list of JWKs");
      }
      const json::value* chosen = &keys->as_array().front();
      for (const json::value& k : keys->as_array()) {
        if (k.is_object() && k.as_object().if_contains("kid") &&
            k.as_object().at("kid").is_string() && k.as_object().at("kid").as_string() == kid) {
          chosen = &k;
        }
      }
      if (!chosen->is_object()) return Fail(ErrorCode::kInvalidArgument, "a key is not a JWK");
      return KeyFromJwk(chosen->as_object());
    }
    return KeyFromJwk(o);
  }
  if (text.find("-----BEGIN PUBLIC KEY-----") != std::string_view::npos) {
    return platform::EcdsaPublicKey::FromPem(text);
  }
  if (text.find("PRIVATE KEY-----") != std::string_view::npos) {
    auto priv = platform::EcdsaPrivateKey::FromPem(text);
    if (!priv) return std::unexpected(priv.error());
    return priv->PublicKey();
  }
  return Fail(ErrorCode::kInvalidArgument,
              "neither a PEM public key, a JWK nor a JWK set (save GET /v1/device/keys as is)");
}

std::string Trim(std::string text) {
  const size_t start = text.find_first_not_of(" \t\r\n");
  if (start == std::string::npos) return {};
  const size_t end = text.find_last_not_of(" \t\r\n");
  return text.substr(start, end - start + 1);
}

std::string TimeText(const json::value* v) {
  if (!v || !v->is_int64()) return "(none)";
  return platform::FormatUtc(v->as_int64());
}

std::string Text(const json::object& o, std::string_view name) {
  const json::value* v = o.if_contains(name);
  return v && v->is_string() ? std::string(v->as_string()) : std::string();
}

int Refuse(bool as_json, const std::string& why) {
  if (as_json) {
    std::printf("%s\n", json::serialize(json::object{{"valid", false}, {"error", why}}).c_str());
  }
  std::fprintf(stderr, "optinctl: receipt NOT valid: %s\n", why.c_str());
  return 1;
}

}  // namespace

int RunReceiptVerify(const optin::app::Config& config, const optinctl::Invocation& inv) {
  auto& fs = platform::FileSystem::Default();
  const bool as_json = inv.Has("--json");
  const std::string source = inv.operands.front();
  std::string text;
  if (source == "-") {
    text.assign(std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>());
  } else {
    auto read = fs.ReadFile(source);
    if (!read) return Refuse(as_json, "cannot read " + source + ": " + read.error().message);
    text = std::move(*read);
  }
  text = Trim(std::move(text));
  // A saved check-in or /v1/me answer: take its receipt member.
  if (!text.empty() && text.front() == '{') {
    boost::system::error_code ec;
    json::value v = json::parse(text, ec);
    const json::value* r = !ec && v.is_object() ? v.as_object().if_contains("receipt") : nullptr;
    if (r && r->is_object()) r = r->as_object().if_contains("jws");
    if (!r || !r->is_string()) {
      return Refuse(as_json, "this JSON holds no \"receipt\" (give the receipt's compact JWS)");
    }
    text = std::string(r->as_string());
  }
  if (text.empty()) return Refuse(as_json, "the input is empty (give the receipt's compact JWS)");

  auto parsed = optin::privacy::ParseJws(text);
  if (!parsed) {
    return Refuse(as_json, "not a compact JWS (three base64url parts separated by dots): " +
                               parsed.error().message);
  }
  const std::string kid = Text(parsed->header, "kid");
  const std::string typ = Text(parsed->header, "typ");

  std::optional<platform::EcdsaPublicKey> key;
  std::string key_source;
  if (auto key_file = inv.Value("--key")) {
    auto key_text = fs.ReadFile(*key_file);
    if (!key_text) return Refuse(as_json, "cannot read --key " + *key_file);
    auto k = KeyFromText(*key_text, kid);
    if (!k) return Refuse(as_json, "--key " + *key_file + ": " + k.error().message);
    key = std::move(*k);
    key_source = *key_file;
  } else {
    const auto file = config.data_dir / "keys" / "device-signing.pem";
    auto pem = fs.ReadFile(file);
    if (!pem) {
      return Refuse(as_json, "no device key at " + file.string() +
                                 " (is this the box's data dir? otherwise pass --key with the "
                                 "box's key from GET /v1/device/keys)");
    }
    auto priv = platform::EcdsaPrivateKey::FromPem(*pem);
    if (!priv) return Refuse(as_json, file.string() + " is not a P-256 private key");
    key = priv->PublicKey();
    key_source = "the device key in " + config.data_dir.string();
  }

  if (typ != "consent-receipt+jws" && typ != "erasure-receipt+jws") {
    return Refuse(as_json, "its typ is '" + typ +
                               "', not a receipt (consent-receipt+jws or erasure-receipt+jws)");
  }
  if (!kid.empty() && kid != key->KeyId()) {
    return Refuse(as_json, "it was signed by key " + kid + ", not by " + key_source + " (key " +
                               key->KeyId() + ")");
  }
  auto verified = optin::privacy::VerifyJws(*key, text);
  if (!verified) {
    return Refuse(as_json, "the signature does not verify with " + key_source + " (key " +
                               key->KeyId() + "): " + verified.error().message);
  }
  const json::object& p = verified->payload;

  json::object out{{"valid", true}, {"typ", typ}, {"kid", key->KeyId()}};
  std::string lines = "receipt valid: signed by key " + key->KeyId() + " (" + key_source + ")\n";
  if (typ == "erasure-receipt+jws") {
    out["receipt_id"] = Text(p, "receiptID");
    out["erased_at"] = p.if_contains("erasedAt") ? p.at("erasedAt") : json::value(nullptr);
    out["store_id"] = Text(p, "controller");
    lines += "erasure receipt " + Text(p, "receiptID") + " for store " + Text(p, "controller") +
             "\nerased at:  " + TimeText(p.if_contains("erasedAt")) + "\n";
    if (const json::value* d = p.if_contains("deleted"); d && d->is_object()) {
      out["deleted"] = *d;
      lines += "deleted:    " + json::serialize(*d) + "\n";
    }
  } else {
    std::string store_id;
    if (const json::value* c = p.if_contains("piiControllers");
        c && c->is_array() && !c->as_array().empty() && c->as_array()[0].is_object()) {
      store_id = Text(c->as_array()[0].as_object(), "storeId");
    }
    out["receipt_id"] = Text(p, "consentReceiptID");
    out["store_id"] = store_id;
    out["consent_timestamp"] =
        p.if_contains("consentTimestamp") ? p.at("consentTimestamp") : json::value(nullptr);
    out["collection_method"] = Text(p, "collectionMethod");
    lines += "consent receipt " + Text(p, "consentReceiptID") + " for store " + store_id + "\n" +
             "issued at:  " + TimeText(p.if_contains("consentTimestamp")) + " (" +
             Text(p, "collectionMethod") + ")\n";
    json::array purposes;
    lines += "purposes:\n";
    if (const json::value* s = p.if_contains("services"); s && s->is_array()) {
      for (const json::value& service : s->as_array()) {
        if (!service.is_object()) continue;
        const json::value* list = service.as_object().if_contains("purposes");
        if (!list || !list->is_array()) continue;
        for (const json::value& item : list->as_array()) {
          if (!item.is_object()) continue;
          const json::object& pu = item.as_object();
          purposes.push_back(json::object{{"purpose", Text(pu, "purposeId")},
                                          {"state", Text(pu, "state")},
                                          {"termination", Text(pu, "termination")}});
          std::string id = Text(pu, "purposeId");
          std::string state = Text(pu, "state");
          id.resize(std::max<size_t>(id.size(), 14), ' ');
          state.resize(std::max<size_t>(state.size(), 10), ' ');
          lines += "  " + id + " " + state + " " + Text(pu, "termination") + "\n";
        }
      }
    }
    out["purposes"] = std::move(purposes);
    if (const json::value* c = p.if_contains("changes"); c && c->is_array()) {
      out["changes"] = *c;
      std::string changed;
      for (const json::value& ch : c->as_array()) {
        if (!ch.is_object()) continue;
        if (!changed.empty()) changed += ", ";
        changed += Text(ch.as_object(), "purposeId") + " " + Text(ch.as_object(), "state");
      }
      lines += "changed:    " + (changed.empty() ? std::string("nothing") : changed) + "\n";
    }
  }
  if (as_json) {
    std::printf("%s\n", json::serialize(out).c_str());
  } else {
    std::fputs(lines.c_str(), stdout);
  }
  return 0;
}
