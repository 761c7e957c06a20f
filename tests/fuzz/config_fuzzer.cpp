// Fuzzes the configuration parser (app/config.h): arbitrary TOML text must give a Config or an
// Error with a message, never a crash, a hang, a leak or undefined behaviour.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>

#include "app/config.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto config = optin::app::ParseConfig(text, "fuzz.toml");
  if (!config && config.error().message.empty()) {
    std::fprintf(stderr, "property violated: a refused config has no message\n");
    std::abort();
  }
  return 0;
}
