// Fuzzes optinctl's command-line parser (tools/optinctl/command_line.h): the input is an
// argument vector, words separated by NUL bytes. Every vector must give a command to run, a help
// text or a usage error with a message, never a crash, and a command to run must have what its
// table entry requires (known flags, required flags, operand count).
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "tools/optinctl/command_line.h"

namespace {

[[noreturn]] void Violated(const char* what) {
  std::fprintf(stderr, "property violated: %s\n", what);
  std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view rest(reinterpret_cast<const char*>(data), size);
  std::vector<std::string> args;
  while (!rest.empty() && args.size() < 64) {
    const size_t nul = rest.find('\0');
    args.emplace_back(rest.substr(0, nul));
    if (nul == std::string_view::npos) break;
    rest.remove_prefix(nul + 1);
  }
  using Kind = optinctl::ParseOutcome::Kind;
  const optinctl::ParseOutcome out = optinctl::ParseCommandLine(args);
  switch (out.kind) {
    case Kind::kHelp:
      if (out.usage.empty()) Violated("help without a text");
      break;
    case Kind::kUsageError:
      if (out.message.empty()) Violated("a usage error without a message");
      if (out.usage.find("usage: optinctl") == std::string::npos) {
        Violated("a usage error without a usage text");
      }
      break;
    case Kind::kRun: {
      const auto& inv = out.invocation;
      if (inv.command == nullptr) Violated("a command to run without a command");
      if (inv.global_args.size() % 2 != 0) Violated("a global option without its value");
      for (const auto& f : inv.command->flags) {
        if (f.required && !inv.Has(f.name)) Violated("a required flag is missing");
      }
      for (const auto& [name, values] : inv.flags) {
        bool known = false;
        for (const auto& f : inv.command->flags) {
          if (f.name != name) continue;
          known = true;
          if (values.size() > 1 && !f.repeated) Violated("a single flag given twice");
        }
        if (!known) Violated("an unknown flag accepted");
        if (name == "--pin") Violated("a PIN accepted on the command line");
      }
      if (inv.operands.size() < inv.command->min_operands ||
          inv.operands.size() > inv.command->max_operands) {
        Violated("operand count outside the command's range");
      }
      for (const auto& w : inv.words) {
        if (w == "--config" || w == "--data-dir") Violated("a global option left in the words");
      }
      break;
    }
  }
  // Deterministic.
  const optinctl::ParseOutcome twice = optinctl::ParseCommandLine(args);
  if (twice.kind != out.kind || twice.message != out.message || twice.usage != out.usage) {
    Violated("two parses of the same words differ");
  }
  return 0;
}
