// The Debian package (issue 8): what the .deb holds, and a real `dpkg` install, remove and purge
// into a root of the test's own (dpkg --root with --force-script-chrootless: the maintainer
// scripts run for real and honour DPKG_ROOT, so the user, group and data dir are made in that
// root's /etc/passwd, /etc/group and /var/lib). deb-systemd-helper, deb-systemd-invoke and
// systemctl are stubs in PATH that record their calls: the test does not touch this machine's
// systemd. The unit is checked with systemd-analyze against the installed binary.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <regex>
#include <string>

#include "tests/support/deb_package.h"
#include "tests/support/dpkg_root.h"
#include "tests/support/run_command.h"
#include "tests/support/temp_dir.h"

namespace optin::package::package_test {
namespace {

namespace fs = std::filesystem;
using testing::CommandResult;
using testing::DebPackage;
using testing::DpkgRoot;
using testing::RunCommand;
using testing::ShellQuote;
using testing::TempDir;

// The optin-edge .deb built by the package_deb fixture (tools/package --build-dir).
class PackageTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_FALSE(deb_.path().empty())
        << "no optin-edge .deb in " << OPTIN_DEB_DIR << " (the package_deb fixture)";
  }
  std::string Field(const std::string& name) { return deb_.Field(name); }
  std::string DataFile(const std::string& path) { return deb_.DataFile(path); }
  DebPackage deb_ = DebPackage::Find(OPTIN_DEB_DIR, "optin-edge");
};

TEST_F(PackageTest, ControlFieldsNameThePackageItsSharedLibrariesAndAdduser) {
  EXPECT_EQ(Field("Package"), "optin-edge");
  EXPECT_EQ(Field("Version"), OPTIN_PACKAGE_VERSION);
  EXPECT_EQ(Field("Section"), "net");
  EXPECT_EQ(Field("Priority"), "optional");
  const std::string depends = Field("Depends");
  // dpkg-shlibdeps found the libraries the binaries link.
  for (const char* lib : {"adduser", "libc6", "libsqlite3-0", "libmbedtls14", "libsystemd0",
                          "libtomlplusplus3", "libqrencode4"}) {
    EXPECT_NE(depends.find(lib), std::string::npos) << lib << " missing from: " << depends;
  }
  EXPECT_FALSE(Field("Description").empty());
  EXPECT_FALSE(Field("Maintainer").empty());
}

TEST_F(PackageTest, MaintainerScriptsAndTheConffileListAreInTheControlArchive) {
  CommandResult info = deb_.Info();
  ASSERT_EQ(info.exit_code, 0) << info.out;
  for (const char* part : {"postinst", "prerm", "postrm", "conffiles"}) {
    EXPECT_NE(info.out.find(part), std::string::npos) << part << " missing:\n" << info.out;
  }
  CommandResult conffiles = deb_.Info("conffiles");
  EXPECT_EQ(conffiles.out, "/etc/optin-edge/optin-edge.toml\n");
}

TEST_F(PackageTest, EveryFileIsWhereTheUnitAndTheConfigExpectIt) {
  CommandResult contents = deb_.Contents();
  ASSERT_EQ(contents.exit_code, 0) << contents.out;
  for (const char* path :
       {"./usr/sbin/optin-edged", "./usr/bin/optinctl", "./etc/optin-edge/optin-edge.toml",
        "./lib/systemd/system/optin-edge.service", "./usr/share/doc/optin-edge/README.md",
        "./usr/share/doc/optin-edge/copyright", "./usr/share/doc/optin-edge/changelog.gz",
        "./usr/share/man/man8/optin-edged.8.gz", "./usr/share/man/man1/optinctl.1.gz"}) {
    EXPECT_NE(contents.out.find(std::string(path) + "\n"), std::string::npos)
        << path << " missing:\n"
        << contents.out;
  }
  EXPECT_NE(contents.out.find("-rwxr-xr-x root/root"), std::string::npos);

  // The unit runs the packaged binary with the packaged config and may write only the data dir
  // that the config names and the postinst creates.
  const std::string unit = DataFile("/lib/systemd/system/optin-edge.service");
  std::smatch m;
  ASSERT_TRUE(std::regex_search(unit, m,
                                std::regex("\nExecStart=(\\S+) --config (\\S+) "
                                           "--data-dir (\\S+)\n")))
      << unit;
  EXPECT_EQ(m[1].str(), "/usr/sbin/optin-edged");
  EXPECT_EQ(m[2].str(), "/etc/optin-edge/optin-edge.toml");
  EXPECT_EQ(m[3].str(), "/var/lib/optin-edge");
  EXPECT_NE(unit.find("\nReadWritePaths=/var/lib/optin-edge\n"), std::string::npos) << unit;
  EXPECT_NE(unit.find("\nStateDirectory=optin-edge\n"), std::string::npos) << unit;
  EXPECT_NE(unit.find("\nUser=optin-edge\n"), std::string::npos) << unit;
  EXPECT_NE(unit.find("\nExecReload=/bin/kill -HUP $MAINPID\n"), std::string::npos) << unit;

  const std::string config = DataFile("/etc/optin-edge/optin-edge.toml");
  EXPECT_NE(config.find("\ndata_dir = \"/var/lib/optin-edge\"\n"), std::string::npos) << config;
}

// Installs into a root of its own with real dpkg; stubs for systemd's helpers record calls.
class PackageInstallTest : public PackageTest {
 protected:
  void SetUp() override {
    PackageTest::SetUp();
    if (HasFatalFailure()) return;
    if (!DpkgRoot::CanSetOwners())
      GTEST_SKIP() << "dpkg --root needs root to set owners; not root here";
  }
  CommandResult Dpkg(const std::string& args) { return dpkg_.Dpkg(args); }
  std::string Calls() { return dpkg_.Calls(); }
  std::vector<std::string> Account(const std::string& file, const std::string& name) {
    return dpkg_.Account(file, name);
  }

  TempDir dir_;
  DpkgRoot dpkg_{dir_.path()};
  const fs::path& root_ = dpkg_.root();
};

TEST_F(PackageInstallTest, InstallMakesTheUserAPrivateDataDirAndEnablesTheUnit) {
  CommandResult install = Dpkg("-i " + ShellQuote(deb_.path()));
  ASSERT_EQ(install.exit_code, 0) << install.out;

  for (const char* path :
       {"usr/sbin/optin-edged", "usr/bin/optinctl", "etc/optin-edge/optin-edge.toml",
        "lib/systemd/system/optin-edge.service"}) {
    EXPECT_TRUE(fs::exists(root_ / path)) << path;
  }
  EXPECT_EQ(access((root_ / "usr/sbin/optin-edged").c_str(), X_OK), 0);

  // A system user (uid under 1000) with its own group, no login, home at the data dir.
  const auto user = Account("passwd", "optin-edge");
  ASSERT_EQ(user.size(), 7u) << dpkg_.ReadUnderRoot("etc/passwd");
  const auto group = Account("group", "optin-edge");
  ASSERT_GE(group.size(), 3u) << dpkg_.ReadUnderRoot("etc/group");
  EXPECT_LT(std::stoi(user[2]), 1000);
  EXPECT_EQ(user[3], group[2]);
  EXPECT_EQ(user[5], "/var/lib/optin-edge");
  EXPECT_EQ(user[6], "/usr/sbin/nologin");

  // The data dir: 0700, the service's own.
  struct stat st {};
  ASSERT_EQ(stat((root_ / "var/lib/optin-edge").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0700u);
  EXPECT_EQ(st.st_uid, static_cast<uid_t>(std::stoi(user[2])));
  EXPECT_EQ(st.st_gid, static_cast<gid_t>(std::stoi(group[2])));

  // Enabled through deb-systemd-helper; not started: this root's systemd is not running.
  EXPECT_NE(Calls().find("deb-systemd-helper enable optin-edge.service"), std::string::npos)
      << Calls();
  EXPECT_EQ(Calls().find("deb-systemd-invoke"), std::string::npos) << Calls();
  EXPECT_EQ(Calls().find("systemctl"), std::string::npos) << Calls();

  // dpkg knows the config as a conffile.
  CommandResult conffiles = dpkg_.Query("${Conffiles}", "optin-edge");
  EXPECT_NE(conffiles.out.find("/etc/optin-edge/optin-edge.toml"), std::string::npos)
      << conffiles.out;

  // The installed (stripped) optinctl runs and reads the installed config.
  CommandResult keys = RunCommand(ShellQuote(root_ / "usr/bin/optinctl") + " --config " +
                                  ShellQuote(root_ / "etc/optin-edge/optin-edge.toml") +
                                  " --data-dir " + ShellQuote(dir_ / "probe") + " keys show");
  EXPECT_EQ(keys.exit_code, 0) << keys.out;

  // Installing again (an upgrade to the same version) keeps the user and the data dir.
  std::ofstream(root_ / "var/lib/optin-edge/optin-edge.db") << "consent ledger";
  CommandResult again = Dpkg("-i " + ShellQuote(deb_.path()));
  ASSERT_EQ(again.exit_code, 0) << again.out;
  EXPECT_EQ(Account("passwd", "optin-edge"), user);
  EXPECT_EQ(dpkg_.ReadUnderRoot("var/lib/optin-edge/optin-edge.db"), "consent ledger");
}

TEST_F(PackageInstallTest, RemoveKeepsDataAndConfigAndPurgeDeletesTheDatabaseKeysAndUser) {
  ASSERT_EQ(Dpkg("-i " + ShellQuote(deb_.path())).exit_code, 0);
  // What a running store leaves behind: the database with its WAL, keys, a certificate.
  const fs::path data = root_ / "var/lib/optin-edge";
  fs::create_directories(data / "keys");
  fs::create_directories(data / "tls");
  std::ofstream(data / "optin-edge.db") << "consent ledger";
  std::ofstream(data / "optin-edge.db-wal") << "recent commits";
  std::ofstream(data / "keys/device.key") << "device key";
  std::ofstream(data / "tls/device.pem") << "certificate";
  std::ofstream(root_ / "etc/optin-edge/optin-edge.toml", std::ios::app) << "# edited\n";

  CommandResult remove = Dpkg("-r optin-edge");
  ASSERT_EQ(remove.exit_code, 0) << remove.out;
  EXPECT_FALSE(fs::exists(root_ / "usr/sbin/optin-edged"));
  EXPECT_FALSE(fs::exists(root_ / "lib/systemd/system/optin-edge.service"));
  EXPECT_TRUE(fs::exists(data / "optin-edge.db")) << "remove must keep the store's data";
  EXPECT_NE(dpkg_.ReadUnderRoot("etc/optin-edge/optin-edge.toml").find("# edited"),
            std::string::npos)
      << "remove must keep the edited conffile";
  EXPECT_FALSE(Account("passwd", "optin-edge").empty());
  EXPECT_NE(Calls().find("deb-systemd-helper mask optin-edge.service"), std::string::npos)
      << Calls();

  CommandResult purge = Dpkg("-P optin-edge");
  ASSERT_EQ(purge.exit_code, 0) << purge.out;
  EXPECT_NE(purge.out.find("purged /var/lib/optin-edge"), std::string::npos) << purge.out;
  EXPECT_FALSE(fs::exists(data)) << "purge must delete the shopper database and keys";
  EXPECT_FALSE(fs::exists(root_ / "etc/optin-edge"));
  EXPECT_TRUE(Account("passwd", "optin-edge").empty()) << dpkg_.ReadUnderRoot("etc/passwd");
  EXPECT_TRUE(Account("group", "optin-edge").empty()) << dpkg_.ReadUnderRoot("etc/group");
  EXPECT_NE(Calls().find("deb-systemd-helper purge optin-edge.service"), std::string::npos)
      << Calls();
  CommandResult status = dpkg_.Query("${Status}", "optin-edge");
  EXPECT_EQ(status.out.find("installed"), std::string::npos) << status.out;
}

TEST_F(PackageInstallTest, TheInstalledUnitPassesSystemdAnalyzeVerify) {
  if (RunCommand("command -v systemd-analyze").exit_code != 0) {
    GTEST_SKIP() << "systemd-analyze is not installed";
  }
  ASSERT_EQ(Dpkg("-i " + ShellQuote(deb_.path())).exit_code, 0);
  // The unit as installed, with ExecStart pointing at the binary installed in this root (verify
  // checks that the executable exists).
  std::string unit = dpkg_.ReadUnderRoot("lib/systemd/system/optin-edge.service");
  const std::string exec = "ExecStart=/usr/sbin/optin-edged";
  const size_t at = unit.find(exec);
  ASSERT_NE(at, std::string::npos);
  unit.replace(at, exec.size(), "ExecStart=" + (root_ / "usr/sbin/optin-edged").string());
  const fs::path copy = dir_ / "optin-edge.service";
  std::ofstream(copy) << unit;
  CommandResult verify =
      RunCommand("SYSTEMD_LOG_COLOR=0 systemd-analyze verify " + ShellQuote(copy));
  EXPECT_EQ(verify.exit_code, 0) << verify.out;
  EXPECT_EQ(verify.out.find("optin-edge.service:"), std::string::npos)
      << "systemd-analyze complains about the unit:\n"
      << verify.out;
}

// Where systemd runs (/run/systemd/system exists), the maintainer scripts start, restart and
// stop the service. The scripts from the .deb run here in a mount namespace of their own with a
// private /run that has that directory, against the stubs (nothing on this machine changes);
// the user-creating part of the postinst is covered by PackageInstallTest instead.
TEST_F(PackageInstallTest, WhereSystemdRunsTheScriptsStartTheServiceAndStopItOnRemoval) {
  if (RunCommand("unshare --mount true").exit_code != 0) {
    GTEST_SKIP() << "no mount namespaces here (unshare --mount)";
  }
  const fs::path control = dir_ / "control";
  CommandResult extract =
      RunCommand("dpkg-deb -e " + ShellQuote(deb_.path()) + " " + ShellQuote(control));
  ASSERT_EQ(extract.exit_code, 0) << extract.out;
  auto with_systemd = [&](const std::string& script_and_args) {
    return dpkg_.RunWhereSystemdRuns(control, script_and_args);
  };

  CommandResult abort_upgrade = with_systemd("postinst abort-upgrade 0.0.9");
  ASSERT_EQ(abort_upgrade.exit_code, 0) << abort_upgrade.out;
  EXPECT_NE(Calls().find("systemctl --system daemon-reload"), std::string::npos) << Calls();
  EXPECT_NE(Calls().find("deb-systemd-invoke restart optin-edge.service"), std::string::npos)
      << Calls();

  CommandResult upgrade = with_systemd("prerm upgrade 0.1.1");
  ASSERT_EQ(upgrade.exit_code, 0) << upgrade.out;
  EXPECT_EQ(Calls().find("stop"), std::string::npos) << "an upgrade keeps it running: " << Calls();

  CommandResult remove = with_systemd("prerm remove");
  ASSERT_EQ(remove.exit_code, 0) << remove.out;
  EXPECT_NE(Calls().find("deb-systemd-invoke stop optin-edge.service"), std::string::npos)
      << Calls();

  CommandResult removed = with_systemd("postrm remove");
  ASSERT_EQ(removed.exit_code, 0) << removed.out;
  EXPECT_NE(Calls().find("systemctl --system daemon-reload"), std::string::npos) << Calls();
  EXPECT_NE(Calls().find("deb-systemd-helper mask optin-edge.service"), std::string::npos)
      << Calls();
}

}  // namespace
}  // namespace optin::package::package_test
