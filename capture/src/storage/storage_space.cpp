// Free-space guard: capture stops cleanly before the disk is full, instead of a write failing
// halfway through a frame.
#include <sys/statvfs.h>

#include <cerrno>
#include <cstring>

#include "storage_io_detail.hpp"
#include "tetherbox/capture/storage.hpp"

namespace tb::capture {

namespace detail {

std::string human_mb(uint64_t bytes) {
  return fmt::format("{:.1f} MB", static_cast<double>(bytes) / (1024.0 * 1024.0));
}

uint64_t free_bytes_at(const fs::path& dir) {
  struct statvfs st {};
  if (::statvfs(dir.c_str(), &st) != 0) return 0;
  return static_cast<uint64_t>(st.f_bavail) * static_cast<uint64_t>(st.f_frsize);
}

}  // namespace detail

uint64_t SpaceGuard::free_bytes() const {
  return detail::free_bytes_at(dir_);
}

Status SpaceGuard::check(uint64_t bytes_about_to_write) const {
  struct statvfs st {};
  if (::statvfs(dir_.c_str(), &st) != 0)
    return make_error(Errc::io, "cannot read free space of {}: {}", dir_.string(),
                      std::strerror(errno));
  // f_bavail, not f_bfree: the root-reserved blocks are not ours to fill.
  const uint64_t free = static_cast<uint64_t>(st.f_bavail) * static_cast<uint64_t>(st.f_frsize);
  if (free < reserve_ || free - reserve_ < bytes_about_to_write)
    return make_error(Errc::no_space, "only {} free on {}, need {} + {} reserve",
                      detail::human_mb(free), dir_.string(), detail::human_mb(bytes_about_to_write),
                      detail::human_mb(reserve_));
  return ok_status();
}

}  // namespace tb::capture
