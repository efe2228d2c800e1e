#include "liveview.hpp"

#include <turbojpeg.h>

#include <memory>

namespace tb::daemon {

Result<double> focus_measure(std::span<const uint8_t> jpeg, int* width, int* height) {
  std::unique_ptr<void, int (*)(tjhandle)> tj(tjInitDecompress(), tjDestroy);
  if (!tj) return make_error(Errc::internal, "cannot start the JPEG decoder");
  int w = 0, h = 0, sub = 0, cs = 0;
  if (tjDecompressHeader3(tj.get(), jpeg.data(), static_cast<unsigned long>(jpeg.size()), &w, &h,
                          &sub, &cs) != 0)
    return make_error(Errc::invalid, "the live frame is not a readable JPEG: {}",
                      tjGetErrorStr2(tj.get()));
  std::vector<uint8_t> y(static_cast<size_t>(w) * static_cast<size_t>(h));
  if (tjDecompress2(tj.get(), jpeg.data(), static_cast<unsigned long>(jpeg.size()), y.data(), w,
                    0, h, TJPF_GRAY, 0) != 0)
    return make_error(Errc::invalid, "cannot decode the live frame: {}",
                      tjGetErrorStr2(tj.get()));
  if (width) *width = w;
  if (height) *height = h;
  if (w < 3 || h < 3) return 0.0;
  double sum = 0, sum2 = 0;
  size_t n = 0;
  for (int r = 1; r + 1 < h; ++r)
    for (int c = 1; c + 1 < w; ++c) {
      auto at = [&](int rr, int cc) {
        return static_cast<double>(y[static_cast<size_t>(rr) * static_cast<size_t>(w) +
                                     static_cast<size_t>(cc)]);
      };
      const double l = at(r - 1, c) + at(r + 1, c) + at(r, c - 1) + at(r, c + 1) - 4 * at(r, c);
      sum += l;
      sum2 += l * l;
      ++n;
    }
  const double mean = sum / static_cast<double>(n);
  return sum2 / static_cast<double>(n) - mean * mean;
}

Result<LiveFrame> live_frame(hal::Camera& cam, const std::string& backend, uint64_t request_id) {
  auto info = cam.open();
  if (!info) return info.error();
  LiveFrame lf;
  if (backend == "sim") {
    // The sim renders at its current pose without a shutter or a card to spare.
    auto shot = cam.capture(request_id);
    cam.close();
    if (!shot) return shot.error();
    for (auto& f : shot->files) {
      if (f.extension != "jpg" && f.extension != "jpeg") continue;
      lf.jpeg = std::move(f.data);
      break;
    }
    if (lf.jpeg.empty())
      return make_error(Errc::unsupported,
                        "the camera gave no JPEG for live view (set camera.format to jpeg or "
                        "raw+jpeg)");
  } else {
    auto jpeg = cam.capture_preview();
    cam.close();
    if (!jpeg) return jpeg.error();
    lf.jpeg = std::move(*jpeg);
  }
  auto focus = focus_measure(lf.jpeg, &lf.width, &lf.height);
  if (!focus) return focus.error();
  lf.focus = *focus;
  return lf;
}

std::string base64(std::span<const uint8_t> b) {
  static const char* t = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string o;
  o.reserve((b.size() + 2) / 3 * 4);
  size_t i = 0;
  for (; i + 2 < b.size(); i += 3) {
    const uint32_t v = (b[i] << 16) | (b[i + 1] << 8) | b[i + 2];
    o += t[v >> 18];
    o += t[(v >> 12) & 63];
    o += t[(v >> 6) & 63];
    o += t[v & 63];
  }
  if (i + 1 == b.size()) {
    const uint32_t v = b[i] << 16;
    o += t[v >> 18];
    o += t[(v >> 12) & 63];
    o += "==";
  } else if (i + 2 == b.size()) {
    const uint32_t v = (b[i] << 16) | (b[i + 1] << 8);
    o += t[v >> 18];
    o += t[(v >> 12) & 63];
    o += t[(v >> 6) & 63];
    o += '=';
  }
  return o;
}

}  // namespace tb::daemon
