// A built Debian package read without installing it (dpkg-deb), for the package tests
// (tests/package/): its control fields, the members of its control archive, its file list and
// the text of a file it holds. Also ShellQuote for the commands the tests build. Header-only;
// each object is used by one test thread.
#pragma once

#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <string_view>

#include "tests/support/run_command.h"

namespace optin::testing {

// `p` as one word for /bin/sh.
inline std::string ShellQuote(const std::filesystem::path& p) {
  std::string quoted = "'";
  for (const char c : p.string()) {
    if (c == '\'') {
      quoted += "'\\''";
    } else {
      quoted += c;
    }
  }
  return quoted + "'";
}

class DebPackage {
 public:
  // The .deb of `package` (PACKAGE_*.deb) in `dir`, as tools/package names it; path() is empty
  // when there is none.
  static DebPackage Find(const std::filesystem::path& dir, std::string_view package) {
    const std::string prefix = std::string(package) + "_";
    std::error_code ec;
    for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
      const std::string name = entry.path().filename().string();
      if (name.starts_with(prefix) && entry.path().extension() == ".deb") {
        return DebPackage(entry.path());
      }
    }
    return DebPackage({});
  }

  explicit DebPackage(std::filesystem::path deb) : deb_(std::move(deb)) {}
  const std::filesystem::path& path() const { return deb_; }

  // A field of the control file, without its final newline.
  std::string Field(const std::string& name) const {
    CommandResult r = RunCommand("dpkg-deb -f " + ShellQuote(deb_) + " " + name);
    EXPECT_EQ(r.exit_code, 0) << r.out;
    while (!r.out.empty() && r.out.back() == '\n') r.out.pop_back();
    return r.out;
  }
  // `dpkg-deb -I`: the control archive's members; with `member`, that member's text.
  CommandResult Info(const std::string& member = {}) const {
    return RunCommand("dpkg-deb -I " + ShellQuote(deb_) + (member.empty() ? "" : " " + member));
  }
  // `dpkg-deb -c`: one line per file ("-rwxr-xr-x root/root ... ./usr/sbin/x").
  CommandResult Contents() const { return RunCommand("dpkg-deb -c " + ShellQuote(deb_)); }
  // The file at absolute `path` in the package's data.
  std::string DataFile(const std::string& path) const {
    CommandResult r =
        RunCommand("dpkg-deb --fsys-tarfile " + ShellQuote(deb_) + " | tar -xOf - ." + path);
    EXPECT_EQ(r.exit_code, 0) << path << ": " << r.out;
    return r.out;
  }

 private:
  std::filesystem::path deb_;
};

}  // namespace optin::testing
