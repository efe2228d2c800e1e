#pragma once
// Scratch directories and small file helpers for the storage tests.
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace tb::capture::testing {

namespace fs = std::filesystem;

// A fresh directory under $TMPDIR (or /tmp), removed (made writable first) at destruction.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

std::string read_all(const fs::path& p);
void write_raw(const fs::path& p, const std::string& bytes, bool append = false);
std::vector<uint8_t> pattern_bytes(size_t n, uint32_t seed);
// Every file (not directory) under `dir`, relative, sorted.
std::vector<std::string> list_files(const fs::path& dir);
// Runs a shell command, returns its exit status; output goes to *out.
int run_command(const std::string& cmd, std::string* out);

}  // namespace tb::capture::testing

#include <functional>

namespace tb::capture::testing {
// Runs fn on a thread whose effective capabilities are dropped, so permission bits apply even
// when the tests run as root (containers, CI).
void run_unprivileged(const std::function<void()>& fn);
}  // namespace tb::capture::testing
