#pragma once
// Private to the gphoto2 backend: a CameraFile that hands every chunk libgphoto2 receives
// straight to the frame's own buffer. A plain CameraFile keeps the download in libgphoto2's
// memory, and the frame then needed a copy of it: for a 12 MB JPEG that copy, its second
// allocation and the free of the first were ~2 ms of the camera thread per frame (a bare
// libgphoto2 loop pays none of it), and the peak held the file twice.
#include <gphoto2/gphoto2-file.h>

#include <cstdint>
#include <string>
#include <vector>

namespace tb::hal::gphoto2_backend {

class DownloadSink {
 public:
  // `capacity`: bytes reserved up front (untouched pages cost no memory); a larger file
  // grows the buffer as usual.
  explicit DownloadSink(size_t capacity);
  ~DownloadSink();
  DownloadSink(const DownloadSink&) = delete;
  DownloadSink& operator=(const DownloadSink&) = delete;

  // Null when libgphoto2 could not make the file (out of memory).
  CameraFile* file() const { return file_; }
  // What arrived; the sink is empty afterwards.
  std::vector<uint8_t> take() { return std::move(bytes_); }
  // Why a chunk was refused (the buffer could not grow), empty otherwise.
  const std::string& failure() const { return failure_; }

 private:
  static int on_size(void* self, uint64_t* size);
  static int on_read(void* self, unsigned char* data, uint64_t* len);
  static int on_write(void* self, unsigned char* data, uint64_t* len);

  CameraFileHandler handler_{};
  CameraFile* file_ = nullptr;
  std::vector<uint8_t> bytes_;
  std::string failure_;
};

}  // namespace tb::hal::gphoto2_backend
