#include "command_line.h"

#include <algorithm>

namespace optinctl {
namespace {

constexpr size_t kWidth = 96;

const FlagSpec kJson{"--json", "", false, false, "print it as one JSON object (for scripts)"};

std::vector<CommandSpec> MakeCommands() {
  std::vector<CommandSpec> c;
  c.push_back({"token",
               "init-dev",
               "",
               0,
               0,
               {{"--force", "", false, false, "replace an existing development key"}},
               "create a development HQ token key pair in DIR/keys and install its public key as "
               "the HQ token key (never on a store's box)"});
  c.push_back({"token",
               "mint",
               "",
               0,
               0,
               {{"--sub", "ID", true, false, "the token's subject (the shopper's app id)"},
                {"--ttl", "SECONDS", false, false, "lifetime (default 600)"},
                {"--jti", "ID", false, false, "the token id (default: random)"},
                {"--purposes", "LIST", false, false, "purposes claim, e.g. offers,assistance"},
                {"--iss", "ISSUER", false, false, "issuer (default dev-hq)"},
                {"--aud", "STORE", false, false, "audience (default: the configured store id)"},
                {"--count", "N", false, false, "N tokens, one per line, subjects ID-1 ... ID-N"},
                {"--bench-requests", "", false, false,
                 "print load-generator request lines (token + current presence code)"}},
               "print an app token signed with the development HQ key (created on first use)"});
  c.push_back({"",
               "presence-code",
               "",
               0,
               0,
               {kJson},
               "print the store's current presence code and how long it stays valid"});
  c.push_back({"audit", "verify", "", 0, 0, {}, "check the hash chain of the audit log"});
  c.push_back({"keys",
               "show",
               "",
               0,
               0,
               {kJson},
               "print the device's public signing key and the HQ key status"});
  c.push_back({"receipt",
               "verify",
               "FILE|-",
               1,
               1,
               {{"--key", "FILE", false, false,
                 "the box's public key as a JWK, a JWK set or PEM (GET /v1/device/keys); "
                 "default: this data dir's device key"},
                kJson},
               "check a consent receipt's ES256 signature and print its purposes and times "
               "(exit 1 if it does not verify)"});
  c.push_back({"provision",
               "request",
               "",
               0,
               0,
               {{"--store-id", "ID", true, false, "the store this box serves"},
                {"--host-name", "NAME", false, true, "a DNS name for the certificate"}},
               "write a certificate request (DIR/tls/device.csr) for HQ's CA"});
  c.push_back({"provision",
               "install",
               "",
               0,
               0,
               {{"--cert", "FILE", true, false, "the certificate HQ issued"},
                {"--ca", "FILE", true, false, "HQ's CA bundle"},
                {"--hq-token-key", "FILE", false, false, "HQ's token public key"}},
               "check and install the certificate HQ issued, its CA bundle and HQ's token key "
               "(nothing changes if any of them is refused)"});
  c.push_back({"provision", "show", "", 0, 0, {kJson}, "store id, certificate in use, CA bundle"});
  c.push_back({"",
               "reload",
               "",
               0,
               0,
               {},
               "ask the running optin-edged to reload (SIGHUP, via DIR/optin-edged.pid)"});
  const FlagSpec pin_refused{"--pin", "PIN", false, false, ""};
  const FlagSpec pin_stdin{"--pin-stdin", "", false, false, ""};  // implied; old scripts
  c.push_back({"staff",
               "add",
               "",
               0,
               0,
               {{"--id", "ID", true, false, "the staff id"},
                {"--role", "associate|manager", true, false, "what the account may do"},
                pin_stdin,
                pin_refused},
               "add a staff account; its PIN (4 to 12 digits) is read from stdin"});
  c.push_back({"staff",
               "remove",
               "",
               0,
               0,
               {{"--id", "ID", true, false, "the staff id"}},
               "remove an account and end its sessions"});
  c.push_back({"staff",
               "reset-pin",
               "",
               0,
               0,
               {{"--id", "ID", true, false, "the staff id"}, pin_stdin, pin_refused},
               "set a new PIN (from stdin), unlock the account, end its sessions"});
  c.push_back(
      {"staff", "list", "", 0, 0, {kJson}, "accounts with their role and whether they are locked"});
  // kiosk_cmd.cpp reads its own words.
  c.push_back(
      {"kiosk",
       "pair",
       "",
       0,
       0,
       {{"--name", "NAME", true, false, "the kiosk's name (e.g. entrance)"},
        {"--host", "HOST", false, false, "the host in the link (default: tls.host_names[0])"}},
       "print a one-time link (10 minutes) that pairs a kiosk screen",
       true});
  c.push_back(
      {"kiosk", "list", "", 0, 0, {kJson}, "kiosks: paired, pending, expired or revoked", true});
  c.push_back({"kiosk",
               "revoke",
               "NAME",
               1,
               1,
               {},
               "end a kiosk's pairing; its screen stops showing the code at once",
               true});
  c.push_back({"catalog",
               "sign",
               "",
               0,
               0,
               {{"--in", "FILE", true, false, "the catalog file"},
                {"--ttl-days", "N", false, false, "the bundle expires after N days (default 30)"},
                {"--store-id", "ID", false, false, "for this store (default: the configured one)"},
                {"--any-store", "", false, false, "for any store"},
                {"--out", "FILE", false, false, "write the bundle there (default: stdout)"}},
               "sign an offer catalog as an HQ bundle with the development HQ key"});
  c.push_back({"catalog",
               "check",
               "FILE",
               1,
               1,
               {},
               "validate a catalog file or HQ bundle: \"ok: N offers\" or what is wrong"});
  // sync_cmd.cpp reads its own words.
  c.push_back({"sync",
               "explain",
               "",
               0,
               0,
               {{"--daily", "N", false, false, "events a store-day for the relative errors (300)"},
                {"--stores", "S", false, false, "stores in a chain-day (5000)"}},
               "per HQ metric: cap, epsilon, noise scale, error of a store-day, store-week and "
               "chain-day, and what a day's epsilon means for a shopper",
               true});
  c.push_back({"sync",
               "status",
               "",
               0,
               0,
               {kJson, {"--admin-port", "P", false, false, "when admin.port is 0"}},
               "periods released, budget spent today, outbox depth, last upload",
               true});
  c.push_back({"sync",
               "release-now",
               "",
               0,
               0,
               {kJson, {"--admin-port", "P", false, false, "when admin.port is 0"}},
               "development only (sync.allow_manual_release): release the current period now; "
               "it spends budget like any release",
               true});
  c.push_back({"notice",
               "sign",
               "",
               0,
               0,
               {{"--in", "FILE", true, false, "the notices file"},
                {"--ttl-days", "N", false, false, "the bundle expires after N days (default 30)"},
                {"--out", "FILE", false, false, "write the bundle there (default: stdout)"}},
               "sign a privacy notice as an HQ bundle with the development HQ key"});
  c.push_back({"notice",
               "check",
               "FILE",
               1,
               1,
               {},
               "validate a notices file or HQ bundle: \"ok: version N\" or the pointer at fault"});
  return c;
}

// Synopsis items keep their words together when wrapped: kGlue stands for a space inside one.
constexpr char kGlue = '\x1f';

bool IsOption(std::string_view word) { return word.size() > 1 && word[0] == '-'; }

// Appends `text` wrapped at kWidth, the first line after `first` (already in `out`), the others
// indented by `indent` spaces.
void AppendWrapped(std::string& out, std::string_view text, size_t column, size_t indent) {
  while (!text.empty()) {
    size_t space = text.find(' ');
    std::string_view word = text.substr(0, space);
    if (column > indent && column + 1 + word.size() > kWidth) {
      out += '\n';
      out.append(indent, ' ');
      column = indent;
    } else if (column > indent) {
      out += ' ';
      ++column;
    }
    for (char ch : word) out += ch == kGlue ? ' ' : ch;
    column += word.size();
    if (space == std::string_view::npos) break;
    text.remove_prefix(space + 1);
  }
  out += '\n';
}

std::string FlagSynopsis(const FlagSpec& f) {
  std::string s(f.name);
  if (!f.value_name.empty()) s += kGlue + std::string(f.value_name);
  if (f.repeated) s += kGlue + std::string("...");
  return f.required ? s : "[" + s + "]";
}

std::string Synopsis(const CommandSpec& c) {
  std::string s(c.group);
  if (!s.empty()) s += kGlue;
  s += c.name;
  for (const auto& f : c.flags) {
    if (f.help.empty()) continue;
    s += " " + FlagSynopsis(f);
  }
  if (!c.operands.empty()) s += " " + std::string(c.operands);
  return s;
}

void AppendCommand(std::string& out, const CommandSpec& c) {
  out += "  ";
  AppendWrapped(out, Synopsis(c), 2, 6);
  out += "        ";
  AppendWrapped(out, c.summary, 8, 8);
}

constexpr std::string_view kGlobal =
    "Global options (anywhere on the line): --config FILE reads the same file as optin-edged; "
    "--data-dir DIR (default ./var, as for the daemon); --help.";

const CommandSpec* FindCommand(std::string_view group, std::string_view name) {
  for (const auto& c : Commands()) {
    if (c.group == group && c.name == name) return &c;
  }
  return nullptr;
}

bool IsGroup(std::string_view word) {
  return std::ranges::any_of(Commands(), [&](const CommandSpec& c) { return c.group == word; });
}

std::string Subcommands(std::string_view group) {
  std::string out;
  for (const auto& c : Commands()) {
    if (c.group != group) continue;
    if (!out.empty()) out += ", ";
    out += c.name;
  }
  return out;
}

ParseOutcome UsageError(std::string message, std::string usage) {
  ParseOutcome o;
  o.kind = ParseOutcome::Kind::kUsageError;
  o.message = std::move(message);
  o.usage = std::move(usage);
  return o;
}

ParseOutcome Help(std::string usage) {
  ParseOutcome o;
  o.kind = ParseOutcome::Kind::kHelp;
  o.usage = std::move(usage);
  return o;
}

// The usage for `help WORDS...` or `WORDS... --help`.
ParseOutcome HelpFor(std::span<const std::string> words) {
  if (words.empty()) return Help(GeneralUsage());
  if (IsGroup(words[0])) {
    if (words.size() > 1) {
      if (const CommandSpec* c = FindCommand(words[0], words[1])) return Help(CommandUsage(*c));
    }
    return Help(GroupUsage(words[0]));
  }
  if (const CommandSpec* c = FindCommand("", words[0])) return Help(CommandUsage(*c));
  return UsageError("unknown command '" + words[0] + "'", GeneralUsage());
}

}  // namespace

std::string CommandSpec::FullName() const {
  return group.empty() ? std::string(name) : std::string(group) + " " + std::string(name);
}

const std::vector<CommandSpec>& Commands() {
  static const std::vector<CommandSpec> commands = MakeCommands();
  return commands;
}

std::optional<std::string> Invocation::Value(std::string_view flag) const {
  auto it = flags.find(flag);
  if (it == flags.end() || it->second.empty()) return std::nullopt;
  return it->second.back();
}

std::vector<std::string> Invocation::Values(std::string_view flag) const {
  auto it = flags.find(flag);
  return it == flags.end() ? std::vector<std::string>{} : it->second;
}

std::string GeneralUsage() {
  std::string out =
      "usage: optinctl COMMAND [options] [--config FILE] [--data-dir DIR]\n\nCommands:\n";
  for (const auto& c : Commands()) AppendCommand(out, c);
  out += "\n";
  AppendWrapped(out, kGlobal, 0, 0);
  AppendWrapped(out,
                "`optinctl COMMAND --help` or `optinctl help COMMAND` tells more about one "
                "command. Exit status: 0 done, 1 failed or refused, 2 usage error.",
                0, 0);
  return out;
}

std::string GroupUsage(std::string_view group) {
  std::string out = "usage: optinctl " + std::string(group) + " SUBCOMMAND [options]\n\n";
  for (const auto& c : Commands()) {
    if (c.group == group) AppendCommand(out, c);
  }
  out += "\n";
  AppendWrapped(out, kGlobal, 0, 0);
  return out;
}

std::string CommandUsage(const CommandSpec& c) {
  std::string out = "usage: optinctl";
  AppendWrapped(out, Synopsis(c), 15, 6);
  out += "  ";
  AppendWrapped(out, c.summary, 2, 2);
  bool any = false;
  for (const auto& f : c.flags) {
    if (f.help.empty()) continue;
    if (!any) out += "\n";
    any = true;
    std::string head = "  " + std::string(f.name);
    if (!f.value_name.empty()) head += " " + std::string(f.value_name);
    if (head.size() < 24) head.resize(24, ' ');
    out += head;
    AppendWrapped(out, f.help, head.size(), 24);
  }
  out += "\n";
  AppendWrapped(out, kGlobal, 0, 0);
  return out;
}

ParseOutcome ParseCommandLine(std::span<const std::string> args) {
  Invocation inv;
  std::vector<std::string> rest;
  bool help = false;
  // The global options first, wherever they are (as app::ConfigFromArgs reads them); "--" ends
  // the options.
  bool options_end = false;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (options_end) {
      rest.push_back(a);
      continue;
    }
    if (a == "--") {
      options_end = true;
      rest.push_back(a);
      continue;
    }
    if (a == "--help" || a == "-h") {
      help = true;
      continue;
    }
    bool global_taken = false;
    for (std::string_view global : {"--config", "--data-dir"}) {
      const bool joined =
          a.starts_with(global) && a.size() > global.size() && a[global.size()] == '=';
      if (a != global && !joined) continue;
      std::string value;
      if (joined) {
        value = a.substr(global.size() + 1);
      } else if (i + 1 < args.size()) {
        value = args[++i];
      }
      if (value.empty()) return UsageError(std::string(global) + " needs a value", GeneralUsage());
      inv.global_args.insert(inv.global_args.end(), {std::string(global), std::move(value)});
      global_taken = true;
      break;
    }
    if (!global_taken) rest.push_back(a);
  }

  if (!rest.empty() && rest[0] == "help") {
    return HelpFor(std::span<const std::string>(rest).subspan(1));
  }
  if (rest.empty() || rest[0] == "--") {
    if (help) return Help(GeneralUsage());
    return UsageError("no command given", GeneralUsage());
  }

  const std::string& first = rest[0];
  const CommandSpec* command = nullptr;
  size_t consumed = 1;
  if (IsGroup(first)) {
    if (rest.size() < 2 || IsOption(rest[1]) || rest[1] == "--") {
      if (help) return Help(GroupUsage(first));
      return UsageError(first + " needs a subcommand: " + Subcommands(first), GroupUsage(first));
    }
    command = FindCommand(first, rest[1]);
    if (!command) {
      return UsageError("unknown " + first + " subcommand '" + rest[1] + "' (" + first +
                            " takes: " + Subcommands(first) + ")",
                        GroupUsage(first));
    }
    consumed = 2;
  } else {
    command = FindCommand("", first);
    if (!command) {
      if (IsOption(first)) return UsageError("unknown option '" + first + "'", GeneralUsage());
      return UsageError("unknown command '" + first + "'", GeneralUsage());
    }
  }
  inv.command = command;
  const std::string name(command->name);

  if (help) return Help(CommandUsage(*command));

  const std::string usage = CommandUsage(*command);
  const std::string full = command->FullName();
  options_end = false;
  for (size_t i = consumed; i < rest.size(); ++i) {
    const std::string& a = rest[i];
    if (!options_end && a == "--") {
      options_end = true;
      continue;
    }
    if (options_end || !IsOption(a)) {
      inv.operands.push_back(a);
      continue;
    }
    const size_t eq = a.find('=');
    const std::string flag_name = a.substr(0, eq);
    const FlagSpec* flag = nullptr;
    for (const auto& f : command->flags) {
      if (f.name == flag_name) flag = &f;
    }
    if (!flag) {
      return UsageError("unknown option '" + flag_name + "' for '" + full + "'", usage);
    }
    if (flag->name == "--pin") {
      return UsageError(
          "PINs are never taken from the command line (they would show in `ps` and the shell "
          "history); send the PIN on stdin instead",
          usage);
    }
    std::string value;
    if (flag->value_name.empty()) {
      if (eq != std::string::npos) return UsageError(flag_name + " takes no value", usage);
    } else if (eq != std::string::npos) {
      value = a.substr(eq + 1);
    } else if (i + 1 < rest.size()) {
      value = rest[++i];
    } else {
      return UsageError(flag_name + " needs a value (" + std::string(flag->value_name) + ")",
                        usage);
    }
    auto& values = inv.flags[flag_name];
    if (!values.empty() && !flag->repeated) {
      return UsageError(flag_name + " is given more than once", usage);
    }
    values.push_back(std::move(value));
  }
  for (const auto& f : command->flags) {
    if (f.required && !inv.Has(f.name)) {
      return UsageError(full + " needs " + std::string(f.name) + " " + std::string(f.value_name),
                        usage);
    }
  }
  if (inv.operands.size() > command->max_operands) {
    const std::string& extra = inv.operands[command->max_operands];
    return UsageError("unexpected argument '" + extra + "' for '" + full + "'", usage);
  }
  if (inv.operands.size() < command->min_operands) {
    return UsageError(full + " needs " + std::string(command->operands), usage);
  }

  // The normalized words for handlers that read words themselves.
  if (!command->group.empty()) inv.words.push_back(name);
  for (const auto& [flag_name, values] : inv.flags) {
    for (const auto& v : values) {
      inv.words.push_back(flag_name);
      const FlagSpec* flag = nullptr;
      for (const auto& f : command->flags) {
        if (f.name == flag_name) flag = &f;
      }
      if (flag && !flag->value_name.empty()) inv.words.push_back(v);
    }
  }
  inv.words.insert(inv.words.end(), inv.operands.begin(), inv.operands.end());
  ParseOutcome o;
  o.kind = ParseOutcome::Kind::kRun;
  o.invocation = std::move(inv);
  return o;
}

}  // namespace optinctl
