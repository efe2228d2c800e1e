// libFuzzer target: config text -> load -> validate -> preflight -> names. A violated property
// aborts, so libFuzzer keeps the input as a crasher (add it to corpus/ as a regression input).
#include <cstdio>
#include <cstdlib>

#include <spdlog/spdlog.h>

#include "harness.hpp"

// Plan warnings (overlap below target) would dominate the time of every run.
extern "C" int LLVMFuzzerInitialize(int*, char***) {
  spdlog::set_level(spdlog::level::off);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const unsigned char* data, size_t size) {
  const auto bad =
      tb::fuzz::check_config_text(std::string_view(reinterpret_cast<const char*>(data), size));
  if (!bad.empty()) {
    std::fprintf(stderr, "property violated: %s\n", bad.c_str());
    std::abort();
  }
  return 0;
}
