#pragma once
// libtiff over a growable in-memory buffer, so a DNG is built without touching the disk.
#include <tiffio.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace tb::hal::dng::detail {

struct MemoryFile {
  std::vector<uint8_t> bytes;
  uint64_t pos = 0;
  std::string last_error;  // libtiff's last error for this handle, for the Result message
};

struct TiffCloser {
  void operator()(TIFF* t) const {
    if (t) TIFFClose(t);
  }
};
using TiffPtr = std::unique_ptr<TIFF, TiffCloser>;

// Opens `file` for writing with libtiff ("w" mode, native byte order). `file` must outlive the
// returned handle. Errors go to file.last_error (per handle, not libtiff's global stderr sink).
// Returns nullptr when libtiff refuses.
TiffPtr open_memory_tiff(MemoryFile& file, const char* name);

}  // namespace tb::hal::dng::detail
