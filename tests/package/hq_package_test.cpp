// optin-hq's Debian package (issue 15): what the .deb holds, and a real `dpkg` install, remove
// and purge into a root of the test's own (tests/support/dpkg_root.h: the maintainer scripts run
// for real and honour DPKG_ROOT; systemd's helpers are stubs that record their calls). The
// installed optin-hq runs with the arguments the shipped /etc/default/optin-hq gives it (paths
// moved into the root, ports picked by the system), the unit's ExecCondition is run before and
// after the TLS files are there, and the unit is checked with systemd-analyze.
#include <gtest/gtest.h>
#include <poll.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "tests/support/child_process.h"
#include "tests/support/deb_package.h"
#include "tests/support/dpkg_root.h"
#include "tests/support/run_command.h"
#include "tests/support/temp_dir.h"

namespace optin::package::hq_package_test {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using testing::CommandResult;
using testing::DebPackage;
using testing::DpkgRoot;
using testing::RunCommand;
using testing::ShellQuote;
using testing::TempDir;

constexpr const char* kUnit = "/lib/systemd/system/optin-hq.service";
constexpr const char* kDefaults = "/etc/default/optin-hq";

bool Has(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

// OPTIN_HQ_ARGS of a defaults file, split at whitespace by /bin/sh as systemd splits
// $OPTIN_HQ_ARGS on the unit's ExecStart line.
std::vector<std::string> ArgsOf(const fs::path& defaults) {
  CommandResult r = RunCommand(
      "sh -c '. \"$0\" && for a in $OPTIN_HQ_ARGS; do echo \"$a\"; done' " + ShellQuote(defaults));
  std::vector<std::string> args;
  std::istringstream lines(r.out);
  for (std::string line; std::getline(lines, line);) args.push_back(line);
  return args;
}

std::string ReadText(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string Joined(const std::vector<std::string>& args) {
  std::string text;
  for (const std::string& a : args) text += (text.empty() ? "" : " ") + ShellQuote(a);
  return text;
}

// The optin-hq .deb built by the package_hq_deb fixture (tools/package --hq --build-dir).
class HqPackageTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_FALSE(deb_.path().empty())
        << "no optin-hq .deb in " << OPTIN_DEB_DIR << " (the package_hq_deb fixture)";
  }
  DebPackage deb_ = DebPackage::Find(OPTIN_DEB_DIR, "optin-hq");
};

TEST_F(HqPackageTest, ControlFieldsNameChartJsAdduserAndTheLibrariesOptinHqLinks) {
  EXPECT_EQ(deb_.Field("Package"), "optin-hq");
  EXPECT_EQ(deb_.Field("Version"), OPTIN_PACKAGE_VERSION);
  EXPECT_EQ(deb_.Field("Section"), "net");
  const std::string depends = deb_.Field("Depends");
  // The dashboard's charts, the system user, and what dpkg-shlibdeps found.
  for (const char* dep : {"libjs-chart.js", "adduser", "libc6", "libsqlite3-0", "libpq5",
                          "libmbedtls14", "libtomlplusplus3"}) {
    EXPECT_TRUE(Has(depends, dep)) << dep << " missing from: " << depends;
  }
  // optin-hq is not the box: nothing of the box's own libraries.
  EXPECT_FALSE(Has(depends, "libqrencode")) << depends;
  EXPECT_EQ(deb_.Field("Suggests"), "postgresql-15");
  EXPECT_TRUE(Has(deb_.Field("Description"), "HQ")) << deb_.Field("Description");
}

TEST_F(HqPackageTest, MaintainerScriptsAndTheArgumentsConffileAreInTheControlArchive) {
  CommandResult info = deb_.Info();
  ASSERT_EQ(info.exit_code, 0) << info.out;
  for (const char* part : {"postinst", "prerm", "postrm", "conffiles"}) {
    EXPECT_TRUE(Has(info.out, part)) << part << " missing:\n" << info.out;
  }
  EXPECT_EQ(deb_.Info("conffiles").out, std::string(kDefaults) + "\n");
  // The shared helpers were inlined: no script still has the marker line.
  for (const char* script : {"postinst", "prerm", "postrm"}) {
    const std::string text = deb_.Info(script).out;
    EXPECT_FALSE(Has(text, "\n#OPTIN_MAINTSCRIPT_HELPERS#\n")) << script;
    EXPECT_TRUE(Has(text, "\nid_of() {")) << script;
  }
}

TEST_F(HqPackageTest,
       TheUnitRunsTheStrippedBinaryWithTheConffilesArgumentsAndWritesOnlyItsDataDir) {
  CommandResult contents = deb_.Contents();
  ASSERT_EQ(contents.exit_code, 0) << contents.out;
  for (const char* path :
       {"./usr/sbin/optin-hq", "./etc/default/optin-hq", "./lib/systemd/system/optin-hq.service",
        "./usr/libexec/optin-hq/tls-ready", "./usr/share/doc/optin-hq/copyright",
        "./usr/share/doc/optin-hq/changelog.gz", "./usr/share/doc/optin-hq/README.md",
        "./usr/share/man/man8/optin-hq.8.gz"}) {
    EXPECT_TRUE(Has(contents.out, std::string(path) + "\n")) << path << " missing:\n"
                                                             << contents.out;
  }
  // Nothing of the store box's package.
  EXPECT_FALSE(Has(contents.out, "optin-edged")) << contents.out;
  EXPECT_FALSE(Has(contents.out, "optinctl")) << contents.out;

  // Stripped: no symbol table left.
  TempDir dir;
  const fs::path binary = dir / "optin-hq";
  { std::ofstream(binary, std::ios::binary) << deb_.DataFile("/usr/sbin/optin-hq"); }
  CommandResult sections = RunCommand("readelf -S " + ShellQuote(binary));
  ASSERT_EQ(sections.exit_code, 0) << sections.out;
  EXPECT_TRUE(Has(sections.out, ".text"));
  EXPECT_FALSE(Has(sections.out, ".symtab")) << "optin-hq is not stripped";
  EXPECT_FALSE(Has(sections.out, ".debug_info")) << "optin-hq is not stripped";

  const std::string unit = deb_.DataFile(kUnit);
  for (const char* line :
       {"\nType=exec\n", "\nEnvironmentFile=/etc/default/optin-hq\n",
        "\nExecCondition=/usr/libexec/optin-hq/tls-ready $OPTIN_HQ_ARGS\n",
        "\nExecStart=/usr/sbin/optin-hq serve $OPTIN_HQ_ARGS\n",
        "\nExecReload=/bin/kill -HUP $MAINPID\n", "\nUser=optin-hq\n", "\nGroup=optin-hq\n",
        "\nStateDirectory=optin-hq\n", "\nProtectSystem=strict\n",
        "\nReadWritePaths=/var/lib/optin-hq\n", "\nNoNewPrivileges=yes\n",
        "\nCapabilityBoundingSet=\n", "\nWantedBy=multi-user.target\n"}) {
    EXPECT_TRUE(Has(unit, line)) << line << " missing:\n" << unit;
  }
  // The only writable path is the data dir.
  std::istringstream unit_lines(unit);
  for (std::string line; std::getline(unit_lines, line);) {
    if (line.starts_with("ReadWritePaths=")) {
      EXPECT_EQ(line, "ReadWritePaths=/var/lib/optin-hq");
    }
  }

  // The default arguments: the embedded database in the data dir, Debian's Chart.js, TLS files
  // in /etc/optin-hq/tls.
  const std::string defaults = deb_.DataFile(kDefaults);
  EXPECT_TRUE(Has(defaults, "\n  --db sqlite:/var/lib/optin-hq/hq.db\n")) << defaults;
  EXPECT_TRUE(Has(defaults, "\n  --chart-js /usr/share/javascript/chart.js/chart.min.js\n"))
      << defaults;
  EXPECT_TRUE(Has(defaults, "\n  --cert /etc/optin-hq/tls/hq.crt\n")) << defaults;
}

// Installs into a root of its own with real dpkg.
class HqPackageInstallTest : public HqPackageTest {
 protected:
  void SetUp() override {
    HqPackageTest::SetUp();
    if (HasFatalFailure()) return;
    if (!DpkgRoot::CanSetOwners()) {
      GTEST_SKIP() << "dpkg --root needs root to set owners; not root here";
    }
  }
  CommandResult Install() { return dpkg_.Dpkg("-i " + ShellQuote(deb_.path())); }

  TempDir dir_;
  DpkgRoot dpkg_{dir_.path()};
  const fs::path& root_ = dpkg_.root();
};

TEST_F(HqPackageInstallTest,
       InstallMakesTheUserItsDirsAndEnablesTheUnitSayingWhatTlsFilesItWaitsFor) {
  CommandResult install = Install();
  ASSERT_EQ(install.exit_code, 0) << install.out;
  for (const char* path :
       {"usr/sbin/optin-hq", "etc/default/optin-hq", "lib/systemd/system/optin-hq.service",
        "usr/libexec/optin-hq/tls-ready"}) {
    EXPECT_TRUE(fs::exists(root_ / path)) << path;
  }
  EXPECT_EQ(access((root_ / "usr/sbin/optin-hq").c_str(), X_OK), 0);

  // A system user with its own group, no login, home at the data dir.
  const auto user = dpkg_.Account("passwd", "optin-hq");
  ASSERT_EQ(user.size(), 7u) << dpkg_.ReadUnderRoot("etc/passwd");
  const auto group = dpkg_.Account("group", "optin-hq");
  ASSERT_GE(group.size(), 3u) << dpkg_.ReadUnderRoot("etc/group");
  EXPECT_LT(std::stoi(user[2]), 1000);
  EXPECT_EQ(user[3], group[2]);
  EXPECT_EQ(user[5], "/var/lib/optin-hq");
  EXPECT_EQ(user[6], "/usr/sbin/nologin");

  // The data dir: 0700, the service's. The TLS dir: root's, readable by the service's group.
  struct stat st {};
  ASSERT_EQ(stat((root_ / "var/lib/optin-hq").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0700u);
  EXPECT_EQ(st.st_uid, static_cast<uid_t>(std::stoi(user[2])));
  EXPECT_EQ(st.st_gid, static_cast<gid_t>(std::stoi(group[2])));
  ASSERT_EQ(stat((root_ / "etc/optin-hq/tls").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0750u);
  EXPECT_EQ(st.st_uid, 0u);
  EXPECT_EQ(st.st_gid, static_cast<gid_t>(std::stoi(group[2])));

  // Enabled; nothing started in this root; the install says which TLS file it waits for.
  EXPECT_TRUE(Has(dpkg_.Calls(), "deb-systemd-helper enable optin-hq.service")) << dpkg_.Calls();
  EXPECT_FALSE(Has(dpkg_.Calls(), "deb-systemd-invoke")) << dpkg_.Calls();
  EXPECT_TRUE(Has(install.out, "/etc/optin-hq/tls/hq.crt (--cert) is missing")) << install.out;
  EXPECT_TRUE(Has(install.out, "sudo systemctl start optin-hq")) << install.out;

  EXPECT_TRUE(Has(dpkg_.Query("${Conffiles}", "optin-hq").out, kDefaults));

  // Installing again keeps the user and the database; with the TLS files there it says nothing.
  std::ofstream(root_ / "var/lib/optin-hq/hq.db") << "the chain's batches";
  for (const char* file : {"hq.crt", "hq.key", "store-ca.crt"}) {
    std::ofstream(root_ / "etc/optin-hq/tls" / file) << "pem";
  }
  CommandResult again = Install();
  ASSERT_EQ(again.exit_code, 0) << again.out;
  EXPECT_EQ(dpkg_.Account("passwd", "optin-hq"), user);
  EXPECT_EQ(dpkg_.ReadUnderRoot("var/lib/optin-hq/hq.db"), "the chain's batches");
  EXPECT_FALSE(Has(again.out, "optin-hq: not started")) << again.out;
}

// The shipped arguments are a working command line: the unit's ExecCondition skips the start
// while the TLS files are missing and lets it through once they are there, and the installed
// (stripped) optin-hq then serves on the embedded SQLite database in the data dir.
TEST_F(HqPackageInstallTest, TheShippedArgumentsStartTheInstalledOptinHqOnceItsTlsFilesAreThere) {
  if (RunCommand("openssl version").exit_code != 0) {
    GTEST_SKIP() << "the openssl command is not installed";
  }
  ASSERT_EQ(Install().exit_code, 0);
  const std::vector<std::string> args = ArgsOf(root_ / "etc/default/optin-hq");
  ASSERT_GE(args.size(), 6u);
  const std::string tls_ready =
      ShellQuote(root_ / "usr/libexec/optin-hq/tls-ready") + " --root " + ShellQuote(root_);

  CommandResult waiting = RunCommand(tls_ready + " " + Joined(args));
  EXPECT_EQ(waiting.exit_code, 1) << waiting.out;
  for (const char* file : {"hq.crt (--cert)", "hq.key (--key)", "store-ca.crt (--client-ca)"}) {
    EXPECT_TRUE(Has(waiting.out, std::string("/etc/optin-hq/tls/") + file)) << waiting.out;
  }

  // HQ's certificate and key, and a store CA (here HQ's own self-signed certificate).
  const fs::path tls = root_ / "etc/optin-hq/tls";
  CommandResult made = RunCommand(
      "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -subj "
      "/CN=localhost -keyout " +
      ShellQuote(tls / "hq.key") + " -out " + ShellQuote(tls / "hq.crt") + " && cp " +
      ShellQuote(tls / "hq.crt") + " " + ShellQuote(tls / "store-ca.crt"));
  ASSERT_EQ(made.exit_code, 0) << made.out;
  CommandResult ready = RunCommand(tls_ready + " " + Joined(args));
  EXPECT_EQ(ready.exit_code, 0) << ready.out;
  // Without --client-ca it is not ready, whatever else is there.
  std::vector<std::string> no_ca;
  for (size_t i = 0; i + 1 < args.size(); i += 2) {
    if (args[i] != "--client-ca") no_ca.insert(no_ca.end(), {args[i], args[i + 1]});
  }
  CommandResult missing_ca = RunCommand(tls_ready + " " + Joined(no_ca));
  EXPECT_EQ(missing_ca.exit_code, 1);
  EXPECT_TRUE(Has(missing_ca.out, "--client-ca is not given")) << missing_ca.out;

  // The installed optin-hq with the shipped arguments: files under the root, ports 0.
  std::vector<std::string> argv = {(root_ / "usr/sbin/optin-hq").string(), "serve"};
  for (size_t i = 0; i + 1 < args.size(); i += 2) {
    std::string value = args[i + 1];
    if (args[i] == "--cert" || args[i] == "--key" || args[i] == "--client-ca") {
      value = root_.string() + value;
    } else if (args[i] == "--db" && value.starts_with("sqlite:/")) {
      value = "sqlite:" + root_.string() + value.substr(7);
    } else if (args[i] == "--listen" || args[i] == "--web-listen") {
      value = value.substr(0, value.rfind(':')) + ":0";
    }
    argv.insert(argv.end(), {args[i], value});
  }
  const fs::path log = dir_ / "optin-hq.log";
  testing::ChildProcess hq(argv, {}, log.string());
  ASSERT_TRUE(hq.started());
  std::string output;
  const auto until = std::chrono::steady_clock::now() + 30s;
  while (!Has(output, "optin-hq web listening on") && std::chrono::steady_clock::now() < until) {
    poll(nullptr, 0, 20);  // a short pause between reads of its log
    output = ReadText(log);
  }
  EXPECT_TRUE(Has(output, "optin-hq listening on")) << output;
  EXPECT_TRUE(Has(output, "optin-hq web listening on")) << output;
  EXPECT_TRUE(fs::exists(root_ / "var/lib/optin-hq/hq.db")) << output;
}

TEST_F(HqPackageInstallTest, RemoveKeepsTheDatabaseAndPurgeDeletesItAndTheUserButNotTheTlsFiles) {
  ASSERT_EQ(Install().exit_code, 0);
  const fs::path data = root_ / "var/lib/optin-hq";
  std::ofstream(data / "hq.db") << "batches and accounts";
  std::ofstream(data / "hq.db-wal") << "recent commits";
  std::ofstream(root_ / "etc/optin-hq/tls/hq.key") << "HQ's key, put there by a person";
  std::ofstream(root_ / "etc/default/optin-hq", std::ios::app) << "# edited\n";

  CommandResult remove = dpkg_.Dpkg("-r optin-hq");
  ASSERT_EQ(remove.exit_code, 0) << remove.out;
  EXPECT_FALSE(fs::exists(root_ / "usr/sbin/optin-hq"));
  EXPECT_FALSE(fs::exists(root_ / "lib/systemd/system/optin-hq.service"));
  EXPECT_TRUE(fs::exists(data / "hq.db")) << "remove must keep HQ's database";
  EXPECT_TRUE(Has(dpkg_.ReadUnderRoot("etc/default/optin-hq"), "# edited"));
  EXPECT_FALSE(dpkg_.Account("passwd", "optin-hq").empty());
  EXPECT_TRUE(Has(dpkg_.Calls(), "deb-systemd-helper mask optin-hq.service")) << dpkg_.Calls();

  CommandResult purge = dpkg_.Dpkg("-P optin-hq");
  ASSERT_EQ(purge.exit_code, 0) << purge.out;
  EXPECT_TRUE(Has(purge.out, "optin-hq: purged /var/lib/optin-hq")) << purge.out;
  EXPECT_FALSE(fs::exists(data)) << "purge must delete HQ's database";
  EXPECT_FALSE(fs::exists(root_ / "etc/default/optin-hq"));
  EXPECT_TRUE(dpkg_.Account("passwd", "optin-hq").empty()) << dpkg_.ReadUnderRoot("etc/passwd");
  EXPECT_TRUE(dpkg_.Account("group", "optin-hq").empty()) << dpkg_.ReadUnderRoot("etc/group");
  EXPECT_TRUE(Has(dpkg_.Calls(), "deb-systemd-helper purge optin-hq.service")) << dpkg_.Calls();
  // A person's key stays, and the purge says so.
  EXPECT_EQ(dpkg_.ReadUnderRoot("etc/optin-hq/tls/hq.key"), "HQ's key, put there by a person");
  EXPECT_TRUE(Has(purge.out, "/etc/optin-hq still holds files you put there")) << purge.out;
  EXPECT_FALSE(Has(dpkg_.Query("${Status}", "optin-hq").out, "installed"));
}

TEST_F(HqPackageInstallTest, PurgeOfAnHqThatWasNeverGivenItsTlsFilesLeavesNoDirectoryBehind) {
  ASSERT_EQ(Install().exit_code, 0);
  CommandResult purge = dpkg_.Dpkg("-P optin-hq");
  ASSERT_EQ(purge.exit_code, 0) << purge.out;
  EXPECT_FALSE(fs::exists(root_ / "etc/optin-hq"));
  EXPECT_FALSE(fs::exists(root_ / "var/lib/optin-hq"));
  EXPECT_FALSE(Has(purge.out, "still holds files")) << purge.out;
}

TEST_F(HqPackageInstallTest, TheInstalledUnitPassesSystemdAnalyzeVerify) {
  if (RunCommand("command -v systemd-analyze").exit_code != 0) {
    GTEST_SKIP() << "systemd-analyze is not installed";
  }
  ASSERT_EQ(Install().exit_code, 0);
  // The unit as installed, its programs pointing at the ones installed in this root (verify
  // checks that they exist).
  std::string unit = dpkg_.ReadUnderRoot("lib/systemd/system/optin-hq.service");
  for (const std::string program : {"/usr/sbin/optin-hq", "/usr/libexec/optin-hq/tls-ready"}) {
    const size_t at = unit.find("=" + program + " ");
    ASSERT_NE(at, std::string::npos) << program;
    unit.replace(at + 1, program.size(), (root_ / program.substr(1)).string());
  }
  const fs::path copy = dir_ / "optin-hq.service";
  std::ofstream(copy) << unit;
  // Documentation=man:optin-hq(8) is looked up in the root's manual pages.
  CommandResult verify =
      RunCommand("MANPATH=" + ShellQuote(root_ / "usr/share/man") +
                 " SYSTEMD_LOG_COLOR=0 systemd-analyze verify " + ShellQuote(copy));
  EXPECT_EQ(verify.exit_code, 0) << verify.out;
  EXPECT_FALSE(Has(verify.out, "optin-hq.service:"))
      << "systemd-analyze complains about the unit:\n"
      << verify.out;
}

// Where systemd runs, the scripts restart the service after an aborted upgrade, keep it running
// through an upgrade and stop it on removal (tests/support/dpkg_root.h, RunWhereSystemdRuns).
TEST_F(HqPackageInstallTest, WhereSystemdRunsTheScriptsRestartTheServiceAndStopItOnRemoval) {
  if (RunCommand("unshare --mount true").exit_code != 0) {
    GTEST_SKIP() << "no mount namespaces here (unshare --mount)";
  }
  const fs::path control = dir_ / "control";
  CommandResult extract =
      RunCommand("dpkg-deb -e " + ShellQuote(deb_.path()) + " " + ShellQuote(control));
  ASSERT_EQ(extract.exit_code, 0) << extract.out;

  CommandResult abort_upgrade = dpkg_.RunWhereSystemdRuns(control, "postinst abort-upgrade 0.0.9");
  ASSERT_EQ(abort_upgrade.exit_code, 0) << abort_upgrade.out;
  EXPECT_TRUE(Has(dpkg_.Calls(), "systemctl --system daemon-reload")) << dpkg_.Calls();
  EXPECT_TRUE(Has(dpkg_.Calls(), "deb-systemd-invoke restart optin-hq.service")) << dpkg_.Calls();

  CommandResult upgrade = dpkg_.RunWhereSystemdRuns(control, "prerm upgrade 0.1.1");
  ASSERT_EQ(upgrade.exit_code, 0) << upgrade.out;
  EXPECT_FALSE(Has(dpkg_.Calls(), "stop")) << "an upgrade keeps it running: " << dpkg_.Calls();

  CommandResult remove = dpkg_.RunWhereSystemdRuns(control, "prerm remove");
  ASSERT_EQ(remove.exit_code, 0) << remove.out;
  EXPECT_TRUE(Has(dpkg_.Calls(), "deb-systemd-invoke stop optin-hq.service")) << dpkg_.Calls();

  CommandResult removed = dpkg_.RunWhereSystemdRuns(control, "postrm remove");
  ASSERT_EQ(removed.exit_code, 0) << removed.out;
  EXPECT_TRUE(Has(dpkg_.Calls(), "deb-systemd-helper mask optin-hq.service")) << dpkg_.Calls();
}

}  // namespace
}  // namespace optin::package::hq_package_test
