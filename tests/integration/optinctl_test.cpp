// optinctl as a user meets it (issue 19): every command it lists answers a missing or wrong word
// with its usage and exit 2, never a signal; scripts get JSON; messages tell the truth about the
// daemon; `receipt verify` checks a receipt the real daemon signed, and so does the README's
// openssl recipe.
#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>
#include <boost/json.hpp>
#include <fstream>
#include <regex>
#include <set>
#include <string>
#include <vector>

#include "tests/integration/daemon_harness.h"

namespace optin::testing::optinctl_test {
namespace {

struct Outcome {
  int exit_code = -1;  // -1: did not exit normally
  int signal = 0;      // the signal that ended it, if one did
  std::string out;
  std::string err;
};

// Runs optinctl with exactly these words (no shell), stdin from /dev/null or `input`.
Outcome Optinctl(const std::vector<std::string>& words, const std::filesystem::path& scratch,
                 const std::string& input = "") {
  const auto out_file = scratch / "stdout";
  const auto err_file = scratch / "stderr";
  const auto in_file = scratch / "stdin";
  std::ofstream(in_file) << input;
  pid_t pid = fork();
  if (pid == 0) {
    int in = open(in_file.c_str(), O_RDONLY);
    int out = open(out_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    int err = open(err_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    dup2(in, STDIN_FILENO);
    dup2(out, STDOUT_FILENO);
    dup2(err, STDERR_FILENO);
    std::vector<std::string> args = {OPTINCTL_PATH};
    args.insert(args.end(), words.begin(), words.end());
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    execv(argv[0], argv.data());
    _exit(127);
  }
  int status = 0;
  waitpid(pid, &status, 0);
  Outcome o;
  if (WIFEXITED(status)) o.exit_code = WEXITSTATUS(status);
  if (WIFSIGNALED(status)) o.signal = WTERMSIG(status);
  o.out = ReadWholeFile(out_file);
  o.err = ReadWholeFile(err_file);
  return o;
}

std::string Describe(const std::vector<std::string>& words, const Outcome& o) {
  std::string line = "optinctl";
  for (const auto& w : words) line += " " + w;
  return line + "\n exit " + std::to_string(o.exit_code) + " signal " + std::to_string(o.signal) +
         "\n stdout: " + o.out + "\n stderr: " + o.err;
}

// A command as the help lists it: "token mint --sub ID [--ttl SECONDS] ...".
struct Listed {
  std::vector<std::string> name;  // {"token", "mint"} or {"presence-code"}
  bool needs_arguments = false;   // a required flag or operand (outside brackets)
  std::vector<std::string> flags;
};

// Reads the commands from `optinctl --help`: a command line starts with two spaces and a
// lowercase word; its continuation and description lines are indented further.
std::vector<Listed> CommandsInHelp(const std::string& help) {
  std::vector<Listed> commands;
  std::istringstream lines(help);
  std::string line;
  bool in_commands = false;
  std::string synopsis;
  auto flush = [&] {
    if (synopsis.empty()) return;
    Listed c;
    std::istringstream words(synopsis);
    std::string w;
    int depth = 0;
    bool in_name = true;
    while (words >> w) {
      const bool was_outside = depth == 0;
      for (char ch : w) {
        if (ch == '[') ++depth;
        if (ch == ']') --depth;
      }
      if (in_name &&
          (w.starts_with("-") || w.starts_with("[") || std::isupper(w[0]) || c.name.size() == 2)) {
        in_name = false;
      }
      if (in_name) {
        c.name.push_back(w);
        continue;
      }
      std::smatch m;
      static const std::regex flag(R"((--[a-z-]+))");
      if (std::regex_search(w, m, flag)) c.flags.push_back(m[1]);
      if (was_outside && !w.starts_with("[")) c.needs_arguments = true;
    }
    commands.push_back(std::move(c));
    synopsis.clear();
  };
  while (std::getline(lines, line)) {
    if (line == "Commands:") {
      in_commands = true;
      continue;
    }
    if (!in_commands) continue;
    if (line.empty()) break;
    if (line.starts_with("  ") && line.size() > 2 && std::islower(line[2])) {
      flush();
      synopsis = line;
    } else if (line.starts_with("      ") && !line.starts_with("        ") && !synopsis.empty()) {
      synopsis += " " + line;  // a wrapped synopsis
    } else {
      // A description line ends the synopsis.
      flush();
    }
  }
  flush();
  return commands;
}

// A usage text for the command `name` ("usage:" and "optinctl token mint ...").
bool ShowsUsage(const std::string& text, const std::string& name) {
  return text.find("usage:") != std::string::npos &&
         text.find("optinctl " + name) != std::string::npos;
}

class OptinctlTest : public ::testing::Test {
 protected:
  std::string Help() {
    Outcome help = Optinctl({"--help"}, dir_.path());
    EXPECT_EQ(help.exit_code, 0);
    return help.out;
  }
  TempDir dir_;
};

TEST_F(OptinctlTest, GlobalOptionsWithoutACommandAnswerUsageInsteadOfCrashing) {
  std::ofstream(dir_ / "box.toml") << "[store]\nid = \"s1\"\n";
  for (const std::vector<std::string>& words :
       {std::vector<std::string>{"--data-dir", (dir_ / "var").string()},
        std::vector<std::string>{"--config", (dir_ / "box.toml").string()},
        std::vector<std::string>{"--config", (dir_ / "box.toml").string(), "--data-dir",
                                 (dir_ / "var").string()},
        std::vector<std::string>{}}) {
    Outcome o = Optinctl(words, dir_.path());
    EXPECT_EQ(o.signal, 0) << Describe(words, o);
    EXPECT_EQ(o.exit_code, 2) << Describe(words, o);
    EXPECT_NE(o.err.find("no command given"), std::string::npos) << Describe(words, o);
    EXPECT_NE(o.err.find("usage: optinctl"), std::string::npos) << Describe(words, o);
  }
}

TEST_F(OptinctlTest, EveryCommandInTheHelpAnswersAMissingOrWrongWordWithItsUsage) {
  const auto commands = CommandsInHelp(Help());
  ASSERT_GE(commands.size(), 15u) << Help();
  std::set<std::string> groups;
  int needing = 0;
  for (const auto& c : commands) {
    const std::string data_dir = (dir_ / ("var-" + std::to_string(needing++))).string();
    std::vector<std::string> words = {"--data-dir", data_dir};
    words.insert(words.end(), c.name.begin(), c.name.end());
    std::string name;
    for (const auto& w : c.name) name += (name.empty() ? "" : " ") + w;
    if (c.name.size() == 2) groups.insert(c.name[0]);

    // No further arguments: usage and exit 2 where something is required; otherwise it runs
    // (0, or 1 with a reason, e.g. reload without a daemon); never a signal.
    Outcome bare = Optinctl(words, dir_.path());
    EXPECT_EQ(bare.signal, 0) << Describe(words, bare);
    if (c.needs_arguments) {
      EXPECT_EQ(bare.exit_code, 2) << Describe(words, bare);
      EXPECT_TRUE(ShowsUsage(bare.err, name)) << Describe(words, bare);
    } else {
      EXPECT_TRUE(bare.exit_code == 0 || bare.exit_code == 1) << Describe(words, bare);
    }

    // A flag it does not know: refused by name, exit 2, with the usage.
    auto wrong = words;
    wrong.push_back("--no-such-flag");
    Outcome refused = Optinctl(wrong, dir_.path());
    EXPECT_EQ(refused.signal, 0) << Describe(wrong, refused);
    EXPECT_EQ(refused.exit_code, 2) << Describe(wrong, refused);
    EXPECT_NE(refused.err.find("--no-such-flag"), std::string::npos) << Describe(wrong, refused);
    EXPECT_TRUE(ShowsUsage(refused.err, name)) << Describe(wrong, refused);

    // --help: its own usage on stdout, listing each flag the general help lists for it.
    auto help = words;
    help.push_back("--help");
    Outcome usage = Optinctl(help, dir_.path());
    EXPECT_EQ(usage.exit_code, 0) << Describe(help, usage);
    EXPECT_TRUE(ShowsUsage(usage.out, name)) << Describe(help, usage);
    for (const auto& f : c.flags) {
      EXPECT_NE(usage.out.find(f), std::string::npos) << name << " --help omits " << f;
    }
  }
  ASSERT_GE(groups.size(), 5u);
  for (const auto& group : groups) {
    // A group alone, or with a subcommand it does not have: the group's usage listing its
    // subcommands, exit 2.
    for (const std::vector<std::string>& words :
         {std::vector<std::string>{group}, std::vector<std::string>{group, "no-such-command"}}) {
      Outcome o = Optinctl(words, dir_.path());
      EXPECT_EQ(o.signal, 0) << Describe(words, o);
      EXPECT_EQ(o.exit_code, 2) << Describe(words, o);
      EXPECT_NE(o.err.find("usage: optinctl " + group + " SUBCOMMAND"), std::string::npos)
          << Describe(words, o);
      for (const auto& c : commands) {
        if (c.name.size() == 2 && c.name[0] == group) {
          EXPECT_NE(o.err.find(group + " " + c.name[1]), std::string::npos)
              << Describe(words, o) << " does not list " << c.name[1];
        }
      }
    }
  }
}

TEST_F(OptinctlTest, TokenAloneListsInitDevAndMint) {
  Outcome o = Optinctl({"token"}, dir_.path());
  EXPECT_EQ(o.exit_code, 2);
  EXPECT_NE(o.err.find("token init-dev"), std::string::npos) << o.err;
  EXPECT_NE(o.err.find("token mint"), std::string::npos) << o.err;
  EXPECT_EQ(o.err.find("unknown command"), std::string::npos) << o.err;
}

TEST_F(OptinctlTest, TheHelpListsEveryFlagOfCatalogSign) {
  const std::string help = Help();
  const size_t sign = help.find("catalog sign");
  ASSERT_NE(sign, std::string::npos) << help;
  const std::string entry = help.substr(sign, help.find("catalog check") - sign);
  for (const char* flag :
       {"--in FILE", "--ttl-days N", "--store-id ID", "--any-store", "--out FILE"}) {
    EXPECT_NE(entry.find(flag), std::string::npos) << flag << " missing in:\n" << entry;
  }
}

TEST_F(OptinctlTest, ScriptsGetJsonFromTheCommandsThatPrintData) {
  const std::string data = (dir_ / "var").string();
  auto json = [&](std::vector<std::string> words) {
    words.insert(words.begin(), {"--data-dir", data});
    Outcome o = Optinctl(words, dir_.path());
    EXPECT_EQ(o.exit_code, 0) << Describe(words, o);
    boost::system::error_code ec;
    auto v = boost::json::parse(o.out, ec);
    EXPECT_FALSE(ec) << Describe(words, o);
    return v.is_object() ? v.as_object() : boost::json::object{};
  };
  auto code = json({"presence-code", "--json"});
  ASSERT_TRUE(code.contains("code"));
  EXPECT_EQ(code["code"].as_string().size(), 8u);
  EXPECT_GT(code["seconds_left"].as_int64(), 0);
  EXPECT_LE(code["seconds_left"].as_int64(), 30);

  auto keys = json({"keys", "show", "--json"});
  EXPECT_EQ(keys["device_key"].as_object()["jwk"].as_object()["crv"], "P-256");
  EXPECT_EQ(keys["hq_token_key"].as_object()["status"], "missing");

  ASSERT_EQ(Optinctl({"--data-dir", data, "staff", "add", "--id", "1001", "--role", "manager"},
                     dir_.path(), "2468\n")
                .exit_code,
            0);
  auto staff = json({"staff", "list", "--json"});
  ASSERT_EQ(staff["accounts"].as_array().size(), 1u);
  EXPECT_EQ(staff["accounts"].as_array()[0].as_object()["id"], "1001");
  EXPECT_EQ(staff["accounts"].as_array()[0].as_object()["role"], "manager");
  EXPECT_EQ(staff["accounts"].as_array()[0].as_object()["locked"], false);

  auto provision = json({"provision", "show", "--json"});
  EXPECT_EQ(provision["provisioned"], false);
  EXPECT_EQ(provision["certificate_in_use"], "self-signed.crt");
}

TEST_F(OptinctlTest, MessagesDoNotAskToRestartADaemonThatIsNotRunning) {
  const std::string data = (dir_ / "var").string();
  Outcome init = Optinctl({"--data-dir", data, "token", "init-dev"}, dir_.path());
  EXPECT_EQ(init.exit_code, 0) << init.err;
  EXPECT_EQ(init.out.find("restart"), std::string::npos) << init.out;
  EXPECT_NE(init.out.find("not running"), std::string::npos) << init.out;

  Outcome request = Optinctl(
      {"--data-dir", data, "provision", "request", "--store-id", "s1", "--host-name", "box"},
      dir_.path());
  EXPECT_EQ(request.exit_code, 0) << request.err;
  // The request is written to its file and named, not dumped into the console.
  EXPECT_EQ(request.out.find("BEGIN CERTIFICATE REQUEST"), std::string::npos) << request.out;
  EXPECT_NE(request.out.find("device.csr"), std::string::npos) << request.out;

  Outcome code = Optinctl({"--data-dir", data, "presence-code"}, dir_.path());
  EXPECT_EQ(code.out.find(" 1 more seconds"), std::string::npos) << code.out;
}

TEST_F(OptinctlTest, TokenInitDevWithADaemonRunningSaysHowToReloadIt) {
  Daemon daemon(dir_ / "data");
  ASSERT_TRUE(daemon.Start()) << ReadWholeFile(daemon.log_file());
  Outcome init =
      Optinctl({"--data-dir", (dir_ / "data").string(), "token", "init-dev"}, dir_.path());
  EXPECT_EQ(init.exit_code, 0) << init.err;
  EXPECT_NE(init.out.find("optinctl reload"), std::string::npos) << init.out;
  EXPECT_EQ(init.out.find("not running"), std::string::npos) << init.out;
}

class ReceiptVerifyTest : public DaemonTest {
 protected:
  // A receipt the daemon signed at check-in, saved as a file.
  std::filesystem::path SavedReceipt() {
    auto checked = CheckIn("shopper-1", R"({"offers": true, "assistance": true})");
    const std::string jws(checked.response["receipt"].as_object()["jws"].as_string());
    const auto file = dir_ / "receipt.jws";
    std::ofstream(file) << jws << "\n";
    return file;
  }
  std::filesystem::path SavedKeys() {
    auto keys = daemon_->Request("GET", "/v1/device/keys");
    EXPECT_EQ(keys.status, 200);
    const auto file = dir_ / "keys.json";
    std::ofstream(file) << keys.body;
    return file;
  }
  Outcome Verify(std::vector<std::string> words, const std::string& input = "") {
    words.insert(words.begin(), {"--data-dir", daemon_->data_dir().string(), "receipt", "verify"});
    return Optinctl(words, dir_.path(), input);
  }
};

TEST_F(ReceiptVerifyTest, AReceiptFromTheBoxVerifiesWithItsKeyAndShowsItsPurposes) {
  const auto receipt = SavedReceipt();
  Outcome o = Verify({receipt.string()});
  EXPECT_EQ(o.exit_code, 0) << o.out << o.err;
  EXPECT_NE(o.out.find("receipt valid"), std::string::npos) << o.out;
  EXPECT_NE(o.out.find("offers"), std::string::npos) << o.out;
  EXPECT_NE(o.out.find("assistance"), std::string::npos) << o.out;
  EXPECT_NE(o.out.find("granted"), std::string::npos) << o.out;
  EXPECT_NE(o.out.find("issued at:"), std::string::npos) << o.out;

  // From stdin, with the key saved from GET /v1/device/keys, as JSON.
  Outcome piped = Verify({"-", "--key", SavedKeys().string(), "--json"}, ReadWholeFile(receipt));
  ASSERT_EQ(piped.exit_code, 0) << piped.out << piped.err;
  auto v = boost::json::parse(piped.out).as_object();
  EXPECT_EQ(v["valid"], true);
  bool offers_granted = false;
  for (const auto& p : v["purposes"].as_array()) {
    if (p.as_object().at("purpose") == "offers" && p.as_object().at("state") == "granted") {
      offers_granted = true;
    }
  }
  EXPECT_TRUE(offers_granted) << piped.out;
}

TEST_F(ReceiptVerifyTest, ATamperedReceiptOrAnotherKeyIsRefusedInPlainWords) {
  const std::string jws = ReadWholeFile(SavedReceipt());
  // Flip one character of the payload.
  std::string tampered = jws;
  const size_t at = tampered.find('.') + 5;
  tampered[at] = tampered[at] == 'A' ? 'B' : 'A';
  Outcome bad = Verify({"-"}, tampered);
  EXPECT_EQ(bad.exit_code, 1);
  EXPECT_NE(bad.err.find("NOT valid"), std::string::npos) << bad.err;

  // Another box's key (a fresh data dir's).
  TempDir other;
  ASSERT_EQ(Optinctl({"--data-dir", other.path().string(), "keys", "show"}, dir_.path()).exit_code,
            0);
  Outcome foreign =
      Optinctl({"--data-dir", other.path().string(), "receipt", "verify", "-"}, dir_.path(), jws);
  EXPECT_EQ(foreign.exit_code, 1);
  EXPECT_NE(foreign.err.find("signed by key"), std::string::npos) << foreign.err;

  Outcome garbage = Verify({"-"}, "not a receipt");
  EXPECT_EQ(garbage.exit_code, 1);
  EXPECT_NE(garbage.err.find("not a compact JWS"), std::string::npos) << garbage.err;
}

// The README's "check it with openssl alone" block, run as printed in a folder holding
// receipt.jws and keys.json.
TEST_F(ReceiptVerifyTest, TheReadmesOpensslRecipeVerifiesAReceipt) {
  if (RunCommand("command -v openssl && command -v jq && command -v xxd").exit_code != 0) {
    GTEST_SKIP() << "openssl, jq or xxd is not installed";
  }
  const std::string readme = ReadWholeFile(std::filesystem::path(OPTIN_SOURCE_DIR) / "README.md");
  const std::string marker = "# receipt.jws: the receipt's";
  const size_t start = readme.find(marker);
  ASSERT_NE(start, std::string::npos) << "README has no openssl recipe";
  const std::string recipe = readme.substr(start, readme.find("```", start) - start);
  SavedReceipt();
  SavedKeys();
  std::ofstream(dir_ / "recipe.sh") << "set -e\n" << recipe;
  auto good = RunCommand("cd " + dir_.path().string() + " && bash recipe.sh");
  EXPECT_EQ(good.exit_code, 0) << good.out;
  EXPECT_NE(good.out.find("Verified OK"), std::string::npos) << good.out;

  // The same recipe refuses a tampered receipt.
  std::string jws = ReadWholeFile(dir_ / "receipt.jws");
  const size_t at = jws.find('.') + 5;
  jws[at] = jws[at] == 'A' ? 'B' : 'A';
  std::ofstream(dir_ / "receipt.jws") << jws;
  auto bad = RunCommand("cd " + dir_.path().string() + " && bash recipe.sh");
  EXPECT_NE(bad.exit_code, 0) << bad.out;
  EXPECT_EQ(bad.out.find("Verified OK"), std::string::npos) << bad.out;
}

}  // namespace
}  // namespace optin::testing::optinctl_test

namespace optin::testing {
namespace {

// The README's curl walk-through ("Two commands"), run top to bottom as printed against a fresh
// daemon over TLS with its self-signed certificate; only the paths (build/release/..., var/) and
// the port are substituted.
TEST(ReadmeWalkThrough, TheTwoCommandsCurlBlockRunsAsPrinted) {
  const std::string readme = ReadWholeFile(std::filesystem::path(OPTIN_SOURCE_DIR) / "README.md");
  const size_t section = readme.find("## Two commands");
  ASSERT_NE(section, std::string::npos);
  const size_t start = readme.find("```sh\nctl=", section);
  ASSERT_NE(start, std::string::npos) << "no curl block in the Two commands section";
  std::string block = readme.substr(start + 6, readme.find("```", start + 6) - start - 6);

  TempDir dir;
  const auto data = dir / "var";
  std::filesystem::create_directories(data);
  std::ofstream(dir / "tls.toml") << "[admin]\nport = 0\n";
  Daemon daemon(data, {"--config", (dir / "tls.toml").string()});
  daemon.Ctl("token init-dev");
  ASSERT_TRUE(daemon.Start()) << ReadWholeFile(daemon.log_file());

  auto replace_all = [&](const std::string& from, const std::string& to) {
    for (size_t at = block.find(from); at != std::string::npos;
         at = block.find(from, at + to.size())) {
      block.replace(at, from.size(), to);
    }
  };
  replace_all("build/release/tools/optinctl/optinctl",
              std::string(OPTINCTL_PATH) + " --data-dir " + data.string());
  replace_all("localhost:8443", "localhost:" + std::to_string(daemon.port()));
  replace_all(" var/", " " + data.string() + "/");
  std::ofstream(dir / "walk.sh") << "set -e\n" << block;
  auto r = RunCommand("cd " + dir.path().string() + " && bash walk.sh");
  EXPECT_EQ(r.exit_code, 0) << block << "\n---\n" << r.out;
  // The check-in answered with a visit and a receipt, /v1/me held it, the erasure was receipted.
  EXPECT_NE(r.out.find("\"visit\""), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("\"receipt\""), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("\"erased_at\""), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("curl:"), std::string::npos) << r.out;
}

}  // namespace
}  // namespace optin::testing
