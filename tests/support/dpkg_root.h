// A root directory of a test's own for real `dpkg --root ... --force-script-chrootless` (the
// package tests, tests/package/): the maintainer scripts run for real with DPKG_ROOT set, so the
// user, group and directories they make land in this root's /etc/passwd, /etc/group, /etc and
// /var/lib. deb-systemd-helper, deb-systemd-invoke and systemctl are stubs first in PATH that
// record their calls: this machine's systemd is never touched. dpkg --root needs root to set
// owners (CanSetOwners). Header-only; one object per test thread.
#pragma once

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "tests/support/deb_package.h"
#include "tests/support/run_command.h"

namespace optin::testing {

class DpkgRoot {
 public:
  static bool CanSetOwners() { return geteuid() == 0; }

  // The root in `dir`/root, the stubs in `dir`/stubs, their calls in `dir`/calls.log.
  explicit DpkgRoot(const std::filesystem::path& dir)
      : root_(dir / "root"), stubs_(dir / "stubs"), calls_(dir / "calls.log") {
    namespace fs = std::filesystem;
    for (const char* d : {"var/lib/dpkg/info", "var/lib/dpkg/updates", "var/lib/dpkg/triggers",
                          "etc", "var/lib", "usr/sbin", "bin"}) {
      fs::create_directories(root_ / d);
    }
    std::ofstream(root_ / "var/lib/dpkg/status");
    std::ofstream(root_ / "var/lib/dpkg/available");
    // A base system's account files, as useradd --prefix expects them.
    std::ofstream(root_ / "etc/passwd") << "root:x:0:0:root:/root:/bin/bash\n";
    std::ofstream(root_ / "etc/group") << "root:x:0:\n";
    std::ofstream(root_ / "etc/shadow") << "root:*:19000:0:99999:7:::\n";
    std::ofstream(root_ / "etc/gshadow") << "root:*::\n";
    fs::permissions(root_ / "etc/shadow", fs::perms::owner_read | fs::perms::owner_write);
    fs::permissions(root_ / "etc/gshadow", fs::perms::owner_read | fs::perms::owner_write);

    fs::create_directories(stubs_);
    for (const char* tool : {"deb-systemd-helper", "deb-systemd-invoke", "systemctl"}) {
      const fs::path stub = stubs_ / tool;
      std::ofstream(stub) << "#!/bin/sh\necho \"" << tool << " $*\" >> " << ShellQuote(calls_)
                          << "\n"
                          // `was-enabled` on a fresh install: true, as the real helper says.
                          << "exit 0\n";
      fs::permissions(stub, fs::perms::owner_all | fs::perms::group_read | fs::perms::others_read);
    }
  }

  const std::filesystem::path& root() const { return root_; }

  // dpkg with `args` (-i DEB, -r NAME, -P NAME) on this root, the stubs first in PATH.
  CommandResult Dpkg(const std::string& args) const {
    return RunCommand(
        "PATH=" + ShellQuote(stubs_) + ":$PATH dpkg --root=" + ShellQuote(root_) +
        " --force-script-chrootless --force-depends --force-not-root --log=/dev/null " + args);
  }
  // `dpkg-query -W -f=FORMAT PACKAGE` on this root's database.
  CommandResult Query(const std::string& format, const std::string& package) const {
    return RunCommand("dpkg-query --admindir=" + ShellQuote(root_ / "var/lib/dpkg") + " -W -f='" +
                      format + "' " + package);
  }

  // The stubs' calls so far, one a line ("deb-systemd-helper enable x.service").
  std::string Calls() const { return Read(calls_); }
  void ForgetCalls() const { std::filesystem::remove(calls_); }

  // A file under the root (`relative` without a leading '/'), or "" when absent.
  std::string ReadUnderRoot(const std::filesystem::path& relative) const {
    return Read(root_ / relative);
  }
  // The fields of NAME's line in the root's etc/passwd or etc/group ("passwd", "group"); empty
  // when absent.
  std::vector<std::string> Account(const std::string& file, const std::string& name) const {
    std::istringstream lines(Read(root_ / "etc" / file));
    for (std::string line; std::getline(lines, line);) {
      if (line.rfind(name + ":", 0) != 0) continue;
      std::vector<std::string> fields;
      std::stringstream fields_in(line);
      for (std::string f; std::getline(fields_in, f, ':');) fields.push_back(f);
      return fields;
    }
    return {};
  }

  // Runs `script_and_args` ("postinst abort-upgrade 0.0.9") from the extracted control archive
  // `control` where systemd seems to run: in a mount namespace of its own with a private /run
  // that has /run/systemd/system, against the stubs (nothing on this machine changes; the calls
  // are forgotten first). No DPKG_ROOT: the scripts take the running system's paths, so only
  // parts that touch nothing but systemd may be run this way. `unshare --mount` must work.
  CommandResult RunWhereSystemdRuns(const std::filesystem::path& control,
                                    const std::string& script_and_args) const {
    ForgetCalls();
    return RunCommand("PATH=" + ShellQuote(stubs_) +
                      ":$PATH unshare --mount sh -c \"mount -t tmpfs tmpfs /run"
                      " && mkdir -p /run/systemd/system && sh " +
                      (control / "").string() + script_and_args + "\"");
  }

 private:
  static std::string Read(const std::filesystem::path& p) {
    std::ifstream in(p, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
  }

  std::filesystem::path root_, stubs_, calls_;
};

}  // namespace optin::testing
