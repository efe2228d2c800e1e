#include "download_sink.hpp"

#include <fmt/format.h>
#include <gphoto2/gphoto2-result.h>

#include <exception>

namespace tb::hal::gphoto2_backend {

DownloadSink::DownloadSink(size_t capacity) {
  handler_.size = &DownloadSink::on_size;
  handler_.read = &DownloadSink::on_read;
  handler_.write = &DownloadSink::on_write;
  bytes_.reserve(capacity);
  if (gp_file_new_from_handler(&file_, &handler_, this) < GP_OK) file_ = nullptr;
}

DownloadSink::~DownloadSink() {
  if (file_) gp_file_unref(file_);
}

int DownloadSink::on_size(void* self, uint64_t* size) {
  *size = static_cast<DownloadSink*>(self)->bytes_.size();
  return GP_OK;
}

// Downloads only write; nothing reads a frame back through libgphoto2.
int DownloadSink::on_read(void*, unsigned char*, uint64_t* len) {
  *len = 0;
  return GP_ERROR_NOT_SUPPORTED;
}

int DownloadSink::on_write(void* self, unsigned char* data, uint64_t* len) {
  auto* sink = static_cast<DownloadSink*>(self);
  // Called from C: an exception must not cross libgphoto2; the refusal fails the download,
  // and the reason reaches the caller through failure().
  try {
    sink->bytes_.insert(sink->bytes_.end(), data, data + *len);
  } catch (const std::exception& e) {
    sink->failure_ =
        fmt::format("cannot hold {} more bytes after {}: {}", *len, sink->bytes_.size(), e.what());
    return GP_ERROR_NO_MEMORY;
  }
  return GP_OK;
}

}  // namespace tb::hal::gphoto2_backend
