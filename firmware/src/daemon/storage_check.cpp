#include "storage_check.hpp"

#include <fmt/format.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace tb::daemon {
namespace fs = std::filesystem;

namespace {
std::string mb(double bytes) {
  return fmt::format("{:.1f} MB", bytes / 1048576.0);
}
}  // namespace

std::optional<std::string> storage_problem(const fs::path& root, uint64_t reserve_mb,
                                           double frame_bytes) {
  std::error_code ec;
  fs::path p = root;
  while (!p.empty() && !fs::exists(p, ec)) p = p.parent_path();
  if (p.empty()) p = ".";
  if (!fs::is_directory(p, ec))
    return fmt::format("storage root {}: {} is not a directory", root.string(), p.string());
  struct statvfs s {};
  if (statvfs(p.c_str(), &s) != 0)
    return fmt::format("storage root {}: cannot read its file system ({})", root.string(),
                       std::strerror(errno));
  if ((s.f_flag & ST_RDONLY) != 0)
    return fmt::format("storage root {} is on a read-only file system{}", root.string(),
                       p == root ? "" : fmt::format(" (at {})", p.string()));
  if (access(p.c_str(), W_OK | X_OK) != 0)
    return fmt::format("storage root {} is not writable{}: {}", root.string(),
                       p == root ? "" : fmt::format(" (at {})", p.string()), std::strerror(errno));
  const double free = static_cast<double>(s.f_bavail) * static_cast<double>(s.f_frsize);
  const double reserve = static_cast<double>(reserve_mb) * 1048576.0;
  const double need = reserve + (frame_bytes > 0 ? frame_bytes : 0.0);
  if (free <= need)
    return fmt::format(
        "storage root {} is full: {} free, at or below storage.reserve_mb ({}){}; free space "
        "or lower the reserve",
        root.string(), mb(free), mb(reserve),
        frame_bytes > 0 ? fmt::format(" plus one frame ({})", mb(frame_bytes)) : "");
  return std::nullopt;
}

}  // namespace tb::daemon
