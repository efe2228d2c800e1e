#pragma once
// CPU views of libcamera's dmabuf frame buffers, mapped once at configure time.
#include <libcamera/libcamera.h>

#include <cstdint>
#include <map>
#include <span>
#include <vector>

#include "tetherbox/common/result.hpp"

namespace tb::hal::libcamera_backend {

class MappedBuffers {
 public:
  MappedBuffers() = default;
  MappedBuffers(const MappedBuffers&) = delete;
  MappedBuffers& operator=(const MappedBuffers&) = delete;
  ~MappedBuffers() { unmap_all(); }

  Status map(const libcamera::FrameBuffer* buffer);
  // Plane i of `buffer`, as many bytes as the plane holds.
  std::span<const uint8_t> plane(const libcamera::FrameBuffer* buffer, std::size_t i) const;
  void unmap_all();

 private:
  struct Mapping {
    void* addr = nullptr;
    std::size_t length = 0;
  };
  std::vector<Mapping> mappings_;
  std::map<const libcamera::FrameBuffer*, std::vector<std::span<const uint8_t>>> planes_;
};

}  // namespace tb::hal::libcamera_backend
