#include "provision_cmd.h"

#include "cli_args.h"
#include "running_daemon.h"

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>

#include <signal.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <optional>
#include <string_view>

#include "platform/clock.h"
#include "platform/file_system.h"
#include "platform/random.h"
#include "platform/x509.h"
#include "provisioning/provision.h"
#include "provisioning/tls_files.h"

namespace {

using optin::Error;
using optin::ErrorCode;
using optin::Fail;
using optin::Result;
using optin::Status;
namespace platform = optin::platform;
namespace provisioning = optin::provisioning;

constexpr const char* kProvisionUsage =
    R"(usage: optinctl provision request --store-id ID [--host-name NAME ...]
       optinctl provision install --cert FILE --ca FILE [--hq-token-key FILE]
       optinctl provision show [--json]
)";

int Usage(const std::string& message) {
  std::fprintf(stderr, "optinctl: %s\n\n%s", message.c_str(), kProvisionUsage);
  return 2;
}

int Failure(const Error& e) {
  std::fprintf(stderr, "optinctl: %s\n", e.message.c_str());
  return 1;
}

using optinctl::TakeFlag;
using optinctl::TakeRepeatedFlag;

std::string Join(const std::vector<std::string>& items, std::string_view sep) {
  std::string out;
  for (const auto& item : items) {
    if (!out.empty()) out += sep;
    out += item;
  }
  return out;
}

void PrintCertificate(const platform::CertificateInfo& info, std::string_view indent) {
  const auto line = [&](const char* label, const std::string& value) {
    std::printf("%.*s%-12s %s\n", static_cast<int>(indent.size()), indent.data(), label,
                value.c_str());
  };
  line("subject", info.subject);
  line("issuer", info.issuer);
  if (!info.dns_names.empty()) line("DNS names", Join(info.dns_names, ", "));
  if (!info.ip_addresses.empty()) line("IP addresses", Join(info.ip_addresses, ", "));
  line("valid from", platform::FormatUtc(info.not_before));
  line("valid until", platform::FormatUtc(info.not_after));
  line("SHA-256", info.sha256_fingerprint_hex);
  if (info.is_ca) line("CA", "yes");
}

int64_t Now() { return platform::SystemClock::Instance().NowUnix(); }

int Request(const optin::app::Config& config, std::vector<std::string> args) {
  auto store_id_flag = TakeFlag(args, "--store-id");
  if (!store_id_flag) return Usage(store_id_flag.error().message);
  auto host_names_flag = TakeRepeatedFlag(args, "--host-name");
  if (!host_names_flag) return Usage(host_names_flag.error().message);
  const std::optional<std::string>& store_id = *store_id_flag;
  const std::vector<std::string>& host_names = *host_names_flag;
  if (!args.empty()) return Usage("unknown argument '" + args.front() + "'");
  if (!store_id) return Usage("provision request needs --store-id ID");

  auto& fs = platform::FileSystem::Default();
  auto random = platform::CtrDrbg::Create("optinctl provision");
  if (!random) return Failure(random.error());
  auto csr =
      provisioning::Provision::CreateRequest(fs, **random, config.data_dir, *store_id, host_names);
  if (!csr) return Failure(csr.error());

  const provisioning::TlsFiles files(config.data_dir);
  std::printf("wrote the certificate request for store %s to %s\n", store_id->c_str(),
              files.csr.c_str());
  std::printf("the device key stays on this box: %s\n", files.key.c_str());
  if (host_names.empty()) {
    std::printf(
        "note: no --host-name given; the request names no DNS host, so clients that check host "
        "names will refuse the certificate HQ issues for it\n");
  } else {
    std::printf("host names: %s\n", Join(host_names, ", ").c_str());
  }
  std::printf(
      "Send %s to HQ's certificate authority. When it returns the certificate and HQ's CA "
      "bundle, run:\n"
      "  optinctl provision install --cert device.crt --ca hq-ca.pem [--hq-token-key "
      "hq-token.pub]\n",
      files.csr.c_str());
  return 0;
}

Result<std::string> ReadInput(platform::FileSystem& fs, const std::string& path,
                              std::string_view what) {
  auto text = fs.ReadFile(path);
  if (!text) {
    return Fail(text.error().code,
                "cannot read " + std::string(what) + " from " + path + ": " + text.error().message);
  }
  return std::move(*text);
}

int Install(const optin::app::Config& config, std::vector<std::string> args) {
  auto cert_flag = TakeFlag(args, "--cert");
  auto ca_flag = TakeFlag(args, "--ca");
  auto token_key_flag = TakeFlag(args, "--hq-token-key");
  for (const auto* flag : {&cert_flag, &ca_flag, &token_key_flag}) {
    if (!*flag) return Usage(flag->error().message);
  }
  const auto& cert_file = *cert_flag;
  const auto& ca_file = *ca_flag;
  const auto& token_key_file = *token_key_flag;
  if (!args.empty()) return Usage("unknown argument '" + args.front() + "'");
  if (!cert_file || !ca_file) return Usage("provision install needs --cert FILE and --ca FILE");

  auto& fs = platform::FileSystem::Default();
  auto cert = ReadInput(fs, *cert_file, "the certificate");
  if (!cert) return Failure(cert.error());
  auto ca = ReadInput(fs, *ca_file, "the CA bundle");
  if (!ca) return Failure(ca.error());
  std::optional<std::string> token_key;
  if (token_key_file) {
    auto text = ReadInput(fs, *token_key_file, "the HQ token key");
    if (!text) return Failure(text.error());
    token_key = std::move(*text);
  }

  auto installed = provisioning::Provision::Install(fs, config.data_dir, *cert, *ca, token_key,
                                                    Now(), config.hq_token_key_file());
  if (!installed) {
    std::fprintf(stderr, "optinctl: %s\nnothing was changed.\n", installed.error().message.c_str());
    return 1;
  }
  const provisioning::TlsFiles files(config.data_dir);
  auto info = platform::InspectCertificate(*cert);
  std::printf("installed the device certificate: %s\n", files.cert.c_str());
  if (info) PrintCertificate(*info, "  ");
  std::printf("installed HQ's CA bundle: %s\n", files.ca_bundle.c_str());
  if (token_key) {
    std::printf("installed the HQ token key: %s\n", config.hq_token_key_file().c_str());
  }
  std::printf("%s\n", optinctl::ReloadAdvice(config, "them").c_str());
  return 0;
}

boost::json::value CertificateJson(const platform::CertificateInfo& info) {
  boost::json::array dns, ips;
  for (const auto& n : info.dns_names) dns.push_back(boost::json::string(n));
  for (const auto& n : info.ip_addresses) ips.push_back(boost::json::string(n));
  return boost::json::object{{"subject", info.subject},
                             {"issuer", info.issuer},
                             {"dns_names", std::move(dns)},
                             {"ip_addresses", std::move(ips)},
                             {"not_before", info.not_before},
                             {"not_after", info.not_after},
                             {"sha256", info.sha256_fingerprint_hex},
                             {"is_ca", info.is_ca}};
}

int Show(const optin::app::Config& config, std::vector<std::string> args) {
  const bool as_json = optinctl::TakeSwitch(args, "--json");
  if (!args.empty()) return Usage("unknown argument '" + args.front() + "'");
  auto& fs = platform::FileSystem::Default();
  auto state =
      provisioning::Provision::Describe(fs, config.data_dir, Now(), config.hq_token_key_file());
  if (!state) return Failure(state.error());
  if (as_json) {
    const auto optional_cert = [](const auto& cert) {
      return cert ? CertificateJson(*cert) : boost::json::value(nullptr);
    };
    boost::json::array cas;
    for (const auto& ca : state->ca_bundle) cas.push_back(CertificateJson(ca));
    const provisioning::TlsFiles files(config.data_dir);
    boost::json::object out{
        {"tls_dir", state->tls_dir.string()},
        {"store_id",
         state->store_id ? boost::json::value(*state->store_id) : boost::json::value(nullptr)},
        {"device_key", state->has_key},
        {"request_written", state->csr_pem.has_value()},
        {"provisioned", state->provisioned()},
        // The certificate the listeners present, for `curl --cacert`: HQ's CA bundle once
        // provisioned, else the self-signed certificate.
        {"certificate_in_use", state->provisioned() ? "device.crt" : "self-signed.crt"},
        {"trust_file",
         state->provisioned() ? files.ca_bundle.string() : files.self_signed_cert.string()},
        {"device_certificate", optional_cert(state->device_cert)},
        {"device_certificate_problem", state->device_cert_problem},
        {"chain_problem", state->chain_problem},
        {"self_signed_certificate", optional_cert(state->self_signed)},
        {"ca_bundle", std::move(cas)},
        {"ca_bundle_problem", state->ca_bundle_problem},
        {"hq_token_key", state->hq_token_key_present},
        {"hq_token_key_file", config.hq_token_key_file().string()}};
    std::printf("%s\n", boost::json::serialize(out).c_str());
    return 0;
  }

  std::printf("TLS files:     %s\n", state->tls_dir.c_str());
  std::printf("store id:      %s\n", state->store_id ? state->store_id->c_str() : "(not set)");
  std::printf("device key:    %s\n", state->has_key ? "present" : "missing");
  std::printf("request:       %s\n",
              state->csr_pem ? "device.csr written" : "none (optinctl provision request)");
  if (state->provisioned()) {
    std::printf("provisioned:   yes\n");
  } else if (state->device_cert) {
    std::printf("provisioned:   no: device.crt is not usable: %s\n",
                state->device_cert_problem.c_str());
  } else if (!state->device_cert_problem.empty()) {
    std::printf("provisioned:   no: %s\n", state->device_cert_problem.c_str());
  } else {
    std::printf("provisioned:   no (no device.crt)\n");
  }
  if (state->device_cert) {
    std::printf("device certificate (device.crt):\n");
    PrintCertificate(*state->device_cert, "  ");
    if (!state->chain_problem.empty()) {
      std::printf("  warning: does not verify against hq-ca.pem: %s\n",
                  state->chain_problem.c_str());
    }
  }
  if (state->self_signed) {
    std::printf("self-signed certificate (self-signed.crt%s):\n",
                state->provisioned() ? ", not in use" : ", in use until provisioned");
    PrintCertificate(*state->self_signed, "  ");
  }
  if (!state->ca_bundle_problem.empty()) {
    std::printf("HQ CA bundle:  unreadable: %s\n", state->ca_bundle_problem.c_str());
  } else if (state->ca_bundle.empty()) {
    std::printf("HQ CA bundle:  none\n");
  } else {
    std::printf("HQ CA bundle (hq-ca.pem): %zu certificate(s)\n", state->ca_bundle.size());
    for (const auto& ca : state->ca_bundle) {
      std::printf("  %s, until %s, SHA-256 %s\n", ca.subject.c_str(),
                  platform::FormatUtc(ca.not_after).c_str(), ca.sha256_fingerprint_hex.c_str());
    }
  }
  std::printf("HQ token key:  %s (%s)\n", state->hq_token_key_present ? "present" : "missing",
              config.hq_token_key_file().c_str());
  return 0;
}

}  // namespace

int RunProvisionCommand(const optin::app::Config& config, std::vector<std::string> args) {
  if (args.empty()) return Usage("provision needs a subcommand");
  const std::string sub = args.front();
  args.erase(args.begin());
  if (sub == "request") return Request(config, std::move(args));
  if (sub == "install") return Install(config, std::move(args));
  if (sub == "show") return Show(config, std::move(args));
  return Usage("unknown provision subcommand '" + sub + "'");
}

int RunReloadCommand(const optin::app::Config& config) {
  auto& fs = platform::FileSystem::Default();
  const auto pid_file = config.data_dir / "optin-edged.pid";
  auto exists = fs.Exists(pid_file);
  if (!exists) return Failure(exists.error());
  if (!*exists) {
    std::fprintf(stderr,
                 "optinctl: no pid file at %s: is optin-edged running with this data dir?\n",
                 pid_file.c_str());
    return 1;
  }
  auto text = fs.ReadFile(pid_file);
  if (!text) return Failure(text.error());
  long long pid = 0;
  try {
    size_t used = 0;
    pid = std::stoll(*text, &used);
    if (text->find_first_not_of(" \t\r\n", used) != std::string::npos) pid = 0;
  } catch (const std::exception&) {
    pid = 0;
  }
  if (pid <= 1) {
    std::fprintf(stderr, "optinctl: %s does not hold a process id\n", pid_file.c_str());
    return 1;
  }
  // A pid file left by a crash may name a process that is gone, or a pid reused by another
  // program: check its name where /proc tells it.
  const std::filesystem::path comm = "/proc/" + std::to_string(pid) + "/comm";
  if (auto name = fs.ReadFile(comm); name) {
    while (!name->empty() && (name->back() == '\n' || name->back() == ' ')) name->pop_back();
    if (*name != "optin-edged") {
      std::fprintf(stderr,
                   "optinctl: process %lld (from %s) is '%s', not optin-edged: the pid file is "
                   "stale; is optin-edged running?\n",
                   pid, pid_file.c_str(), name->c_str());
      return 1;
    }
  }
  if (::kill(static_cast<pid_t>(pid), SIGHUP) != 0) {
    const int err = errno;
    if (err == ESRCH) {
      std::fprintf(stderr,
                   "optinctl: optin-edged (pid %lld from %s) is not running: the pid file is "
                   "stale\n",
                   pid, pid_file.c_str());
    } else {
      std::fprintf(stderr, "optinctl: cannot signal optin-edged (pid %lld): %s\n", pid,
                   std::strerror(err));
    }
    return 1;
  }
  std::printf("sent SIGHUP to optin-edged (pid %lld)\n", pid);
  return 0;
}
