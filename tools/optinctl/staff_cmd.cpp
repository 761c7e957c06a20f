#include "staff_cmd.h"

#include "cli_args.h"

#include <termios.h>
#include <unistd.h>

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>
#include <cstdio>
#include <ctime>
#include <iostream>
#include <optional>
#include <string>

#include "assist/staff_directory.h"
#include "platform/clock.h"
#include "platform/file_system.h"
#include "platform/random.h"
#include "store/database.h"

namespace {

using optin::ErrorCode;
using optin::Fail;
using optin::Result;
using optin::Status;
using optin::assist::StaffDirectory;
using optin::assist::StaffRole;

constexpr const char* kStaffUsage = R"(usage:
  optinctl staff add --id ID --role associate|manager   (the PIN is read from stdin)
  optinctl staff remove --id ID
  optinctl staff reset-pin --id ID                       (the new PIN is read from stdin)
  optinctl staff list [--json]
)";

using optinctl::TakeFlag;
using optinctl::TakeSwitch;

// One line from stdin, without its line ending. On a terminal: a prompt on stderr, echo off.
Result<std::string> ReadPin(std::string_view id) {
  const bool tty = isatty(STDIN_FILENO) == 1;
  termios saved{};
  if (tty) {
    std::fprintf(stderr, "PIN for %.*s (4 to 12 digits): ", static_cast<int>(id.size()), id.data());
    std::fflush(stderr);
    if (tcgetattr(STDIN_FILENO, &saved) == 0) {
      termios quiet = saved;
      quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
      tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
    }
  }
  std::string line;
  const bool got = static_cast<bool>(std::getline(std::cin, line));
  if (tty) {
    tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved);
    std::fputc('\n', stderr);
  }
  if (!got) {
    return Fail(ErrorCode::kInvalidArgument,
                "no PIN on stdin: pipe it in, e.g. `printf '%s\\n' \"$PIN\" | optinctl staff ...`");
  }
  while (!line.empty() && (line.back() == '\r' || line.back() == '\n')) line.pop_back();
  OPTIN_TRY(StaffDirectory::CheckPin(line, "pin"));
  return line;
}

Status Run(const optin::app::Config& config, std::vector<std::string> args) {
  if (args.empty()) return Fail(ErrorCode::kInvalidArgument, "staff needs a subcommand");
  const std::string sub = args.front();
  args.erase(args.begin());
  TakeSwitch(args, "--pin-stdin");  // implied: the PIN always comes from stdin
  const bool as_json = TakeSwitch(args, "--json");
  for (const auto& a : args) {
    if (a == "--pin" || a.starts_with("--pin=")) {
      return Fail(ErrorCode::kInvalidArgument,
                  "PINs are never taken from the command line (they would show in `ps` and the "
                  "shell history); send the PIN on stdin instead");
    }
  }
  OPTIN_ASSIGN_OR_RETURN(auto id, TakeFlag(args, "--id"));
  OPTIN_ASSIGN_OR_RETURN(auto role_text, TakeFlag(args, "--role"));
  if (!args.empty()) {
    return Fail(ErrorCode::kInvalidArgument, "unknown argument '" + args.front() + "'");
  }
  std::optional<StaffRole> role;
  if (sub == "add") {
    if (!role_text) return Fail(ErrorCode::kInvalidArgument, "staff add needs --role");
    role = optin::assist::ParseStaffRole(*role_text);
    if (!role) {
      return Fail(ErrorCode::kInvalidArgument, "--role is associate or manager");
    }
  }
  if (sub == "add" || sub == "remove" || sub == "reset-pin") {
    if (!id) return Fail(ErrorCode::kInvalidArgument, "staff " + sub + " needs --id ID");
    OPTIN_TRY(StaffDirectory::CheckStaffId(*id, "--id"));
  } else if (sub != "list") {
    return Fail(ErrorCode::kInvalidArgument, "unknown staff subcommand '" + sub + "'");
  }
  std::optional<std::string> pin;
  if (sub == "add" || sub == "reset-pin") {
    OPTIN_ASSIGN_OR_RETURN(pin, ReadPin(*id));
  }

  auto& fs = optin::platform::FileSystem::Default();
  OPTIN_TRY(fs.CreateDirectories(config.data_dir, 0700));
  OPTIN_ASSIGN_OR_RETURN(auto random, optin::platform::CtrDrbg::Create("optinctl-staff"));
  optin::store::DatabaseOptions options;
  options.file = config.database_file();
  options.readers = 1;
  OPTIN_ASSIGN_OR_RETURN(auto db, optin::store::Database::Open(options));
  const auto& clock = optin::platform::SystemClock::Instance();
  StaffDirectory directory(clock, *random);

  Status result;
  if (sub == "list") {
    auto accounts = db->ReadSync<std::vector<optin::assist::StaffAccount>>(
        [&](optin::store::Connection& c) { return directory.List(c); });
    if (accounts && as_json) {
      const int64_t now = clock.NowUnix();
      boost::json::array list;
      for (const auto& a : *accounts) {
        boost::json::object o{{"id", a.id},
                              {"role", std::string(optin::assist::ToString(a.role))},
                              {"locked", a.locked(now)}};
        o["locked_until"] =
            a.locked(now) ? boost::json::value(*a.locked_until) : boost::json::value(nullptr);
        list.push_back(std::move(o));
      }
      std::printf(
          "%s\n",
          boost::json::serialize(boost::json::object{{"accounts", std::move(list)}}).c_str());
    } else if (accounts) {
      const int64_t now = clock.NowUnix();
      std::printf("%-32s  %-9s  %s\n", "ID", "ROLE", "LOCKED");
      for (const auto& a : *accounts) {
        std::string locked =
            a.locked(now) ? "until " + optin::platform::FormatIso8601Utc(*a.locked_until) : "no";
        std::printf("%-32s  %-9s  %s\n", a.id.c_str(),
                    std::string(optin::assist::ToString(a.role)).c_str(), locked.c_str());
      }
      if (accounts->empty()) std::printf("(no staff accounts yet: optinctl staff add)\n");
    } else {
      result = std::unexpected(accounts.error());
    }
  } else {
    result = db->WriteSync([&](optin::store::Connection& c) -> Status {
      if (sub == "add") return directory.Add(c, *id, *role, *pin);
      if (sub == "remove") return directory.Remove(c, *id);
      return directory.ResetPin(c, *id, *pin);
    });
    if (result) {
      if (sub == "add") {
        std::printf("added %s (%s)\n", id->c_str(), role_text->c_str());
      } else if (sub == "remove") {
        std::printf("removed %s; their sessions have ended\n", id->c_str());
      } else {
        std::printf("new PIN set for %s; the account is unlocked and its sessions have ended\n",
                    id->c_str());
      }
    }
  }
  db->Stop();
  return result;
}

}  // namespace

int RunStaffCommand(const optin::app::Config& config, std::vector<std::string> args) {
  if (!args.empty() && (args.front() == "--help" || args.front() == "help")) {
    std::fputs(kStaffUsage, stdout);
    return 0;
  }
  Status s = Run(config, std::move(args));
  if (s) return 0;
  std::fprintf(stderr, "optinctl: %s\n", s.error().message.c_str());
  if (s.error().code == ErrorCode::kInvalidArgument) {
    std::fputs(kStaffUsage, stderr);
    return 2;
  }
  return 1;
}
