// Test certificates made at test time with the openssl command line, once per test program:
// a test CA, a server certificate for localhost/127.0.0.1, a client certificate, an untrusted
// CA with its own client certificate, and server certificates that are expired, not yet valid,
// or for another host name. All keys are ECDSA P-256. Read-only after creation.
#pragma once

#include <cstdlib>
#include <fstream>
#include <memory>
#include <sstream>
#include <stdexcept>
#include <string>

#include "net/tls_config.h"
#include "platform/random.h"
#include "tests/support/temp_dir.h"

namespace optin::net::testing {

class TestPki {
 public:
  static const TestPki& Get() {
    static const TestPki* pki = new TestPki();  // lives until exit, like the test program
    return *pki;
  }

  std::string Path(const std::string& name) const { return (dir_ / name).string(); }
  std::string Read(const std::string& name) const {
    std::ifstream in(Path(name));
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
  }

  // Server config for `cert` (server.pem, expired.pem, ...) with server.key.
  std::shared_ptr<const TlsServerConfig> Server(const std::string& cert = "server",
                                                const std::string& client_ca = "",
                                                bool require_client_cert = false) const {
    TlsServerSettings settings;
    settings.cert_chain_pem = Read(cert + ".pem");
    settings.key_pem = Read("server.key");
    if (!client_ca.empty()) settings.client_ca_pem = Read(client_ca + ".pem");
    settings.require_client_cert = require_client_cert;
    auto config = TlsServerConfig::Create(settings, random());
    if (!config) throw std::runtime_error(config.error().message);
    return *config;
  }

  // Client settings trusting `ca`, presenting `identity` (client, rogue_client) when given.
  TlsClientSettings ClientSettings(const std::string& ca = "ca",
                                   const std::string& identity = "") const {
    TlsClientSettings settings;
    settings.ca_bundle_pem = Read(ca + ".pem");
    if (!identity.empty()) {
      settings.cert_chain_pem = Read(identity + ".pem");
      settings.key_pem = Read(identity + ".key");
    }
    return settings;
  }
  // The config of those settings.
  std::shared_ptr<const TlsClientConfig> Client(const std::string& ca = "ca",
                                                const std::string& identity = "") const {
    auto config = TlsClientConfig::Create(ClientSettings(ca, identity), random());
    if (!config) throw std::runtime_error(config.error().message);
    return *config;
  }

  static platform::Random& random() {
    static platform::Random* random = [] {
      auto drbg = platform::CtrDrbg::Create("net-tests");
      if (!drbg) throw std::runtime_error(drbg.error().message);
      return static_cast<platform::Random*>(drbg->release());
    }();
    return *random;
  }

 private:
  TestPki() {
    const char* script = R"SH(
set -e
cat > ca.cnf <<'CNF'
[req]
distinguished_name = dn
x509_extensions = v3_ca
[dn]
[v3_ca]
basicConstraints = critical,CA:TRUE
keyUsage = critical,keyCertSign,cRLSign
subjectKeyIdentifier = hash
[ca]
default_ca = signer
[signer]
database = index.txt
new_certs_dir = .
serial = serial
default_md = sha256
policy = anything
copy_extensions = copy
unique_subject = no
x509_extensions = leaf
[leaf]
basicConstraints = CA:FALSE
[anything]
commonName = supplied
CNF
key() { openssl ecparam -name prime256v1 -genkey -noout -out "$1.key"; }
ca() { key "$1"; openssl req -x509 -new -key "$1.key" -subj "/CN=$2" -days 30 -config ca.cnf -out "$1.pem"; }
# sign NAME ISSUER KEY CN [SAN] [-days N | -startdate A -enddate B]
sign() {
  name=$1 issuer=$2 keyname=$3 cn=$4 san=$5; shift 5
  if [ -n "$san" ]; then ext="-addext subjectAltName=$san"; else ext=""; fi
  openssl req -new -key "$keyname.key" -subj "/CN=$cn" $ext -config ca.cnf -out "$name.csr"
  : > index.txt; echo 01 > serial
  openssl ca -batch -notext -rand_serial -config ca.cnf -cert "$issuer.pem" -keyfile "$issuer.key" \
    -in "$name.csr" -out "$name.pem" "$@" 2>/dev/null
}
ca ca "Optin Test CA"
ca rogue_ca "Rogue CA"
key server; key client; key rogue_client
sign server ca server localhost "DNS:localhost,IP:127.0.0.1" -days 30
sign other_host ca server other.example "DNS:other.example" -days 30
sign expired ca server localhost "DNS:localhost,IP:127.0.0.1" -startdate 20200101000000Z -enddate 20200102000000Z
sign future ca server localhost "DNS:localhost,IP:127.0.0.1" -startdate 20990101000000Z -enddate 20990201000000Z
sign client ca client "store-0001" "" -days 30
sign rogue_client rogue_ca rogue_client "store-0001" "" -days 30
)SH";
    std::ofstream(dir_ / "make.sh") << script;
    std::string command = "cd '" + dir_.path().string() + "' && sh make.sh > make.log 2>&1";
    if (std::system(command.c_str()) != 0) {
      throw std::runtime_error("openssl could not make the test certificates: " + Read("make.log"));
    }
  }

  optin::testing::TempDir dir_;
};

}  // namespace optin::net::testing
