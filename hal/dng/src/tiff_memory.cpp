#include "tiff_memory.hpp"

#include <algorithm>
#include <cstdarg>
#include <cstdio>
#include <cstring>

namespace tb::hal::dng::detail {
namespace {

MemoryFile& mf(thandle_t h) {
  return *static_cast<MemoryFile*>(h);
}

int error_handler(TIFF*, void* user, const char* module, const char* fmt, va_list ap) {
  char buf[512];
  std::vsnprintf(buf, sizeof buf, fmt, ap);
  auto& f = *static_cast<MemoryFile*>(user);
  f.last_error = module ? std::string(module) + ": " + buf : std::string(buf);
  return 1;  // handled: keep libtiff's default handler from printing to stderr
}

// libtiff warns about tags whose semantics it does not know (DNG private tags); those are
// expected here and would only be noise.
int warning_handler(TIFF*, void*, const char*, const char*, va_list) {
  return 1;
}

tmsize_t read_proc(thandle_t h, void* buf, tmsize_t size) {
  auto& f = mf(h);
  if (size <= 0 || f.pos >= f.bytes.size()) return 0;
  const auto n = std::min<uint64_t>(static_cast<uint64_t>(size), f.bytes.size() - f.pos);
  std::memcpy(buf, f.bytes.data() + f.pos, n);
  f.pos += n;
  return static_cast<tmsize_t>(n);
}

tmsize_t write_proc(thandle_t h, void* buf, tmsize_t size) {
  auto& f = mf(h);
  if (size <= 0) return 0;
  const auto* src = static_cast<const uint8_t*>(buf);
  const auto n = static_cast<size_t>(size);
  if (f.pos == f.bytes.size()) {
    // Appending (the strip path): insert copies once, where resize would zero-fill first.
    f.bytes.insert(f.bytes.end(), src, src + n);
  } else {
    if (f.pos + n > f.bytes.size()) f.bytes.resize(f.pos + n);
    std::memcpy(f.bytes.data() + f.pos, src, n);
  }
  f.pos += n;
  return size;
}

toff_t seek_proc(thandle_t h, toff_t off, int whence) {
  auto& f = mf(h);
  int64_t base = 0;
  switch (whence) {
    case SEEK_SET:
      base = 0;
      break;
    case SEEK_CUR:
      base = static_cast<int64_t>(f.pos);
      break;
    case SEEK_END:
      base = static_cast<int64_t>(f.bytes.size());
      break;
    default:
      return static_cast<toff_t>(-1);
  }
  const int64_t target = base + static_cast<int64_t>(off);
  if (target < 0) return static_cast<toff_t>(-1);
  // Seeking past the end is legal in TIFF writing (libtiff pads); the gap is zero-filled.
  if (static_cast<uint64_t>(target) > f.bytes.size()) f.bytes.resize(static_cast<size_t>(target));
  f.pos = static_cast<uint64_t>(target);
  return f.pos;
}

int close_proc(thandle_t) {
  return 0;
}
toff_t size_proc(thandle_t h) {
  return mf(h).bytes.size();
}
int map_proc(thandle_t, void**, toff_t*) {
  return 0;
}
void unmap_proc(thandle_t, void*, toff_t) {}

}  // namespace

TiffPtr open_memory_tiff(MemoryFile& file, const char* name) {
  TIFFOpenOptions* opts = TIFFOpenOptionsAlloc();
  if (!opts) return nullptr;
  TIFFOpenOptionsSetErrorHandlerExtR(opts, error_handler, &file);
  TIFFOpenOptionsSetWarningHandlerExtR(opts, warning_handler, &file);
  TiffPtr t(TIFFClientOpenExt(name, "w", &file, read_proc, write_proc, seek_proc, close_proc,
                              size_proc, map_proc, unmap_proc, opts));
  TIFFOpenOptionsFree(opts);
  return t;
}

}  // namespace tb::hal::dng::detail
