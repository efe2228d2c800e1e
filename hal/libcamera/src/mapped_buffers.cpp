#include "mapped_buffers.hpp"

#include <sys/mman.h>

#include <cerrno>
#include <cstring>

#include "libcamera_compat.hpp"

namespace tb::hal::libcamera_backend {

Status MappedBuffers::map(const libcamera::FrameBuffer* buffer) {
  // Planes of one buffer usually share one dmabuf at different offsets: map each fd once, over
  // the extent its planes cover.
  std::map<int, std::size_t> extent;
  const std::size_t n = compat::plane_count(*buffer);
  for (std::size_t i = 0; i < n; ++i) {
    const auto& p = compat::plane(*buffer, i);
    auto& e = extent[p.fd.get()];
    e = std::max<std::size_t>(e, std::size_t(p.offset) + p.length);
  }
  std::map<int, const uint8_t*> base;
  for (const auto& [fd, len] : extent) {
    void* addr = mmap(nullptr, len, PROT_READ, MAP_SHARED, fd, 0);
    if (addr == MAP_FAILED)
      return make_error(Errc::io, "cannot map a {} byte camera buffer: {}", len,
                        std::strerror(errno));
    mappings_.push_back({addr, len});
    base[fd] = static_cast<const uint8_t*>(addr);
  }
  auto& spans = planes_[buffer];
  for (std::size_t i = 0; i < n; ++i) {
    const auto& p = compat::plane(*buffer, i);
    spans.emplace_back(base[p.fd.get()] + p.offset, p.length);
  }
  return ok_status();
}

std::span<const uint8_t> MappedBuffers::plane(const libcamera::FrameBuffer* buffer,
                                              std::size_t i) const {
  auto it = planes_.find(buffer);
  if (it == planes_.end() || i >= it->second.size()) return {};
  return it->second[i];
}

void MappedBuffers::unmap_all() {
  for (const auto& m : mappings_) munmap(m.addr, m.length);
  mappings_.clear();
  planes_.clear();
}

}  // namespace tb::hal::libcamera_backend
