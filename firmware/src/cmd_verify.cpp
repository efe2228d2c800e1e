#include <fmt/format.h>

#include <filesystem>

#include "commands.hpp"
#include "tetherbox/capture/storage.hpp"

namespace tb::cli {

int cmd_verify(const std::string& bag) {
  std::error_code ec;
  if (!std::filesystem::is_directory(bag, ec)) {
    fmt::print(stderr, "error: {}: no such folder\n", bag);
    return 1;
  }
  if (!std::filesystem::exists(std::filesystem::path(bag) / "bagit.txt", ec)) {
    fmt::print(stderr, "error: {}: not a session bag (bagit.txt missing)\n", bag);
    return 1;
  }
  auto rep = capture::verify_bag(bag);
  if (!rep) {
    fmt::print(stderr, "error: {}\n", rep.error().message);
    return 1;
  }
  for (const auto& f : rep->missing) fmt::print("missing: {}\n", f);
  for (const auto& f : rep->changed) fmt::print("changed: {}\n", f);
  for (const auto& f : rep->extra) fmt::print("extra: {}\n", f);
  for (const auto& f : rep->problems) fmt::print("problem: {}\n", f);
  fmt::print("{}: {} files, {:.1f} MB checked: {}\n", bag, rep->files_checked,
             static_cast<double>(rep->bytes_checked) / 1e6, rep->ok() ? "OK" : "FAILED");
  return rep->ok() ? 0 : 1;
}

}  // namespace tb::cli
