#include "tetherbox/capture/preview.hpp"

#include <spdlog/spdlog.h>
#include <turbojpeg.h>

#include <limits>
#include <memory>
#include <string>

#include "preview_image.hpp"

namespace tb::capture {
namespace {

struct TjDeleter {
  void operator()(void* h) const {
    if (h) tjDestroy(h);
  }
};
using TjHandle = std::unique_ptr<void, TjDeleter>;

struct TjBufDeleter {
  void operator()(unsigned char* p) const { tjFree(p); }
};

std::string tj_error(void* h) {
  return tjGetErrorStr2(h);
}

Status check_args(int max_size, int quality) {
  if (max_size < 16 || max_size > 16384)
    return make_error(Errc::invalid, "preview max_size {} out of range (16..16384)", max_size);
  if (quality < 1 || quality > 100)
    return make_error(Errc::invalid, "preview quality {} out of range (1..100)", quality);
  return ok_status();
}

// Encodes the already-sized preview pixels and measures them.
Result<Preview> finish(std::vector<uint8_t> rgb, int w, int h, int quality) {
  TjHandle enc(tjInitCompress());
  if (!enc) return make_error(Errc::internal, "TurboJPEG compressor: {}", tj_error(nullptr));
  unsigned char* buf = nullptr;
  unsigned long size = 0;
  const int rc = tjCompress2(enc.get(), rgb.data(), w, 0, h, TJPF_RGB, &buf, &size, TJSAMP_420,
                             quality, TJFLAG_ACCURATEDCT);
  std::unique_ptr<unsigned char, TjBufDeleter> owned(buf);
  if (rc != 0)
    return make_error(Errc::internal, "encoding a {}x{} preview failed: {}", w, h,
                      tj_error(enc.get()));
  Preview p;
  p.jpeg.assign(buf, buf + size);
  p.width = w;
  p.height = h;
  p.histogram = previewimg::measure(rgb, w, h);
  return p;
}

Result<Preview> resize_and_finish(std::span<const uint8_t> rgb, int width, int height, int target_w,
                                  int target_h, int quality) {
  std::vector<uint8_t> out =
      (target_w != width || target_h != height)
          ? previewimg::downscale_area(rgb, width, height, target_w, target_h)
          : std::vector<uint8_t>(rgb.begin(), rgb.end());
  return finish(std::move(out), target_w, target_h, quality);
}

}  // namespace

Result<Preview> make_preview_from_jpeg(std::span<const uint8_t> jpeg, int max_size, int quality) {
  TB_TRY(check_args(max_size, quality));
  if (jpeg.size() < 4 || jpeg[0] != 0xFF || jpeg[1] != 0xD8)
    return make_error(Errc::invalid,
                      "preview: input is not a JPEG ({} bytes, no SOI marker); is the original "
                      "a RAW file or truncated?",
                      jpeg.size());
  if (jpeg.size() > std::numeric_limits<unsigned long>::max())
    return make_error(Errc::invalid, "preview: JPEG too large ({} bytes)", jpeg.size());

  TjHandle dec(tjInitDecompress());
  if (!dec) return make_error(Errc::internal, "TurboJPEG decompressor: {}", tj_error(nullptr));
  int width = 0, height = 0, subsamp = 0, colorspace = 0;
  if (tjDecompressHeader3(dec.get(), jpeg.data(), jpeg.size(), &width, &height, &subsamp,
                          &colorspace) != 0)
    return make_error(Errc::invalid, "preview: corrupt JPEG header ({} bytes): {}", jpeg.size(),
                      tj_error(dec.get()));
  if (width <= 0 || height <= 0)
    return make_error(Errc::invalid, "preview: corrupt JPEG header: it reports a {}x{} image",
                      width, height);

  // Decode at the strongest DCT reduction that still leaves the longest edge >= max_size:
  // a 24 MP original decodes at 1/4 or 1/8 of the work, never at full size.
  int n = 0;
  const tjscalingfactor* factors = tjGetScalingFactors(&n);
  if (!factors || n <= 0)
    return make_error(Errc::internal, "TurboJPEG lists no scaling factors: {}", tj_error(nullptr));
  tjscalingfactor best{1, 1};
  const int longest = std::max(width, height);
  for (int i = 0; i < n; ++i) {
    const auto f = factors[i];
    if (f.num > f.denom) continue;  // never upscale
    if (TJSCALED(longest, f) < max_size) continue;
    if (static_cast<long>(f.num) * best.denom < static_cast<long>(best.num) * f.denom) best = f;
  }
  const int dw = TJSCALED(width, best), dh = TJSCALED(height, best);
  // A JPEG may declare up to 65535 x 65535: refuse a decode that would not fit a small board
  // rather than die of bad_alloc (the frame itself is already durable; only its preview is lost).
  constexpr size_t kMaxDecodePixels = size_t{64} << 20;
  if (static_cast<size_t>(dw) * static_cast<size_t>(dh) > kMaxDecodePixels)
    return make_error(Errc::invalid,
                      "preview: a {}x{} JPEG would decode to {}x{} pixels, more than the {} MP "
                      "a preview may use; no preview for this frame",
                      width, height, dw, dh, kMaxDecodePixels >> 20);
  // Reused per thread (the pipeline decodes on the same pool threads frame after frame): a
  // fresh 4.5 MB buffer per frame costs page faults and zeroing, not just an allocation.
  thread_local std::vector<uint8_t> rgb;
  rgb.resize(static_cast<size_t>(dw) * dh * 3);
  if (tjDecompress2(dec.get(), jpeg.data(), jpeg.size(), rgb.data(), dw, 0, dh, TJPF_RGB,
                    TJFLAG_FASTUPSAMPLE) != 0) {
    if (tjGetErrorCode(dec.get()) == TJERR_FATAL)
      return make_error(Errc::invalid, "preview: corrupt JPEG data ({}x{}, {} bytes): {}", width,
                        height, jpeg.size(), tj_error(dec.get()));
    // Cameras emit JPEGs with harmless oddities (extraneous bytes before a marker): the
    // image decoded, so keep the preview but say so.
    spdlog::warn("preview: JPEG decoded with a warning: {}", tj_error(dec.get()));
  }
  // Sized from the original so the preview size does not depend on the DCT scale chosen.
  const auto [tw, th] = previewimg::fit_size(width, height, max_size);
  return resize_and_finish(rgb, dw, dh, std::min(tw, dw), std::min(th, dh), quality);
}

Result<Preview> make_preview_from_rgb(std::span<const uint8_t> rgb, int width, int height,
                                      int max_size, int quality) {
  TB_TRY(check_args(max_size, quality));
  if (width <= 0 || height <= 0)
    return make_error(Errc::invalid, "preview: bad image size {}x{}", width, height);
  const size_t need = static_cast<size_t>(width) * height * 3;
  if (rgb.size() != need)
    return make_error(Errc::invalid, "preview: RGB buffer has {} bytes, {}x{}x3 needs {}",
                      rgb.size(), width, height, need);
  const auto [tw, th] = previewimg::fit_size(width, height, max_size);
  return resize_and_finish(rgb, width, height, tw, th, quality);
}

}  // namespace tb::capture
