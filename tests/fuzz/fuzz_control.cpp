// libFuzzer target: one control-socket line -> parse_request -> reply. A violated property
// aborts, so libFuzzer keeps the input (add it to fuzz_control_corpus/ as a regression input).
#include <cstdio>
#include <cstdlib>
#include <string_view>

#include "fuzz_control_property.hpp"

extern "C" int LLVMFuzzerTestOneInput(const unsigned char* data, size_t size) {
  const auto bad =
      tb::fuzz::check_control_line(std::string_view(reinterpret_cast<const char*>(data), size));
  if (!bad.empty()) {
    std::fprintf(stderr, "property violated: %s\n", bad.c_str());
    std::abort();
  }
  return 0;
}
