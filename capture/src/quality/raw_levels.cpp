// The DNG is read with libtiff from memory (the bytes the camera handed over, before or while
// they are written): IFD0 or the SubIFD that holds the full-size CFA image.
#include <fmt/format.h>
#include <tiffio.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <memory>
#include <optional>
#include <vector>

#include "tetherbox/capture/quality_raw.hpp"

namespace tb::capture::quality {
namespace {

constexpr uint16_t kPhotometricCfa = 32803;

struct Source {
  std::span<const uint8_t> bytes;
  uint64_t pos = 0;
  std::string last_error;
};

tmsize_t read_proc(thandle_t h, void* buf, tmsize_t n) {
  auto* s = static_cast<Source*>(h);
  if (n <= 0 || s->pos >= s->bytes.size()) return 0;
  const auto len = std::min<uint64_t>(static_cast<uint64_t>(n), s->bytes.size() - s->pos);
  std::memcpy(buf, s->bytes.data() + s->pos, len);
  s->pos += len;
  return static_cast<tmsize_t>(len);
}
tmsize_t write_proc(thandle_t, void*, tmsize_t) {
  return -1;
}
toff_t seek_proc(thandle_t h, toff_t off, int whence) {
  auto* s = static_cast<Source*>(h);
  uint64_t base = whence == SEEK_CUR ? s->pos : whence == SEEK_END ? s->bytes.size() : 0;
  s->pos = base + off;
  return s->pos;
}
int close_proc(thandle_t) {
  return 0;
}
toff_t size_proc(thandle_t h) {
  return static_cast<Source*>(h)->bytes.size();
}
int map_proc(thandle_t, void**, toff_t*) {
  return 0;
}
void unmap_proc(thandle_t, void*, toff_t) {}

// libtiff reports through per-handle handlers (4.5), so a damaged file's complaint lands in
// the skip reason instead of stderr.
int error_handler(TIFF*, void* user, const char*, const char* fmt, va_list ap) {
  char buf[256];
  vsnprintf(buf, sizeof buf, fmt, ap);
  static_cast<Source*>(user)->last_error = buf;
  return 1;
}
int warning_handler(TIFF*, void*, const char*, const char*, va_list) {
  return 1;
}

struct Closer {
  void operator()(TIFF* t) const { TIFFClose(t); }
};

// A numeric tag's values whatever libtiff stores them as (count-passing or fixed, 8..64-bit
// integers, float or double), or nullopt when absent.
std::optional<std::vector<double>> numbers(TIFF* tif, uint32_t tag) {
  const TIFFField* f = TIFFFieldWithTag(tif, tag);
  if (!f) return std::nullopt;
  const void* data = nullptr;
  uint32_t n = 0;
  if (TIFFFieldPassCount(f)) {
    if (TIFFFieldSetGetCountSize(f) == 4) {
      uint32_t c = 0;
      if (TIFFGetField(tif, tag, &c, &data) != 1) return std::nullopt;
      n = c;
    } else {
      uint16_t c = 0;
      if (TIFFGetField(tif, tag, &c, &data) != 1) return std::nullopt;
      n = c;
    }
  } else {
    const int rc = TIFFFieldReadCount(f);
    if (rc < 2) return std::nullopt;  // scalars are read directly by the caller
    if (TIFFGetField(tif, tag, &data) != 1) return std::nullopt;
    n = static_cast<uint32_t>(rc);
  }
  if (!data || n == 0) return std::nullopt;
  const TIFFDataType t = TIFFFieldDataType(f);
  const bool real =
      t == TIFF_RATIONAL || t == TIFF_SRATIONAL || t == TIFF_FLOAT || t == TIFF_DOUBLE;
  const int size = TIFFFieldSetGetSize(f);
  std::vector<double> out(n);
  for (uint32_t i = 0; i < n; ++i) {
    if (real && size == 4)
      out[i] = static_cast<const float*>(data)[i];
    else if (real && size == 8)
      out[i] = static_cast<const double*>(data)[i];
    else if (size == 1)
      out[i] = static_cast<const uint8_t*>(data)[i];
    else if (size == 2)
      out[i] = static_cast<const uint16_t*>(data)[i];
    else if (size == 4)
      out[i] = static_cast<const uint32_t*>(data)[i];
    else if (size == 8)
      out[i] = static_cast<double>(static_cast<const uint64_t*>(data)[i]);
    else
      return std::nullopt;
  }
  return out;
}

bool is_cfa_image(TIFF* tif) {
  uint16_t photometric = 0;
  uint32_t subfile = 0;
  TIFFGetFieldDefaulted(tif, TIFFTAG_SUBFILETYPE, &subfile);
  return TIFFGetField(tif, TIFFTAG_PHOTOMETRIC, &photometric) == 1 &&
         photometric == kPhotometricCfa && (subfile & FILETYPE_REDUCEDIMAGE) == 0;
}

// Moves to the full-size CFA image: IFD0 itself, or one of its SubIFDs. Not inlined: GCC 12
// inlined into the caller reports a false -Wfree-nonheap-object on the copy of the offsets.
[[gnu::noinline]] bool find_cfa_directory(TIFF* tif) {
  if (is_cfa_image(tif)) return true;
  uint16_t count = 0;
  const uint64_t* offsets = nullptr;
  if (TIFFGetField(tif, TIFFTAG_SUBIFD, &count, &offsets) != 1 || !offsets) return false;
  const std::vector<uint64_t> subs(offsets, offsets + count);
  for (uint64_t off : subs)
    if (TIFFSetSubDirectory(tif, off) && is_cfa_image(tif)) return true;
  return false;
}

// The hot loops of a frame's check, over one row of a 2x2 pattern, written so the compiler
// vectorises them (size_t counters, no stores to anything but locals and `out`); not inlined,
// since inside the long caller GCC 12 left them scalar.
// A 16-bit sample read where it lies in the camera's bytes: any alignment, and allowed to alias
// them (GCC's may_alias), so a host-order strip needs no copy.
using Sample16 = uint16_t __attribute__((may_alias, aligned(1)));

struct Counts {
  uint32_t h0 = 0, h1 = 0, c0 = 0, c1 = 0;  // per position in the pair: at white, at black
};
[[gnu::noinline]] Counts count_pairs(const Sample16* row, size_t pairs, int32_t high_at,
                                     int32_t low0, int32_t low1) {
  uint32_t h0 = 0, h1 = 0, c0 = 0, c1 = 0;
  for (size_t i = 0; i < pairs; ++i) {
    const int32_t a = row[2 * i], b = row[2 * i + 1];
    h0 += a >= high_at;
    h1 += b >= high_at;
    c0 += a <= low0;
    c1 += b <= low1;
  }
  return {h0, h1, c0, c1};
}
// Every other photosite from `in`, black-subtracted (never below 0).
[[gnu::noinline]] void green_sites(const Sample16* in, size_t n, float black, float* out) {
  for (size_t i = 0; i < n; ++i) out[i] = std::max(0.0f, static_cast<float>(in[2 * i]) - black);
}

RawLevels skipped(std::string reason) {
  RawLevels l;
  l.reason = std::move(reason);
  return l;
}

// Fills a Plane from the rows (the whole green kept, for callers that need all of it at once).
class PlaneCollector final : public GreenRows {
 public:
  explicit PlaneCollector(Plane& p) : p_(p) {}
  void begin(const Shape& s) override {
    p_.width = s.width;
    p_.height = s.height;
    const auto n = static_cast<size_t>(s.width) * s.height;
    p_.v.assign(n, 0.0f);
    p_.v2.assign(s.two ? n : 0, 0.0f);
    p_.white = s.white;
    p_.v2_dx = s.v2_dx;
    p_.v2_dy = s.v2_dy;
  }
  void row(int y, const float* v, const float* v2) override {
    const size_t at = static_cast<size_t>(y) * p_.width;
    std::copy(v, v + p_.width, p_.v.begin() + static_cast<std::ptrdiff_t>(at));
    if (v2) std::copy(v2, v2 + p_.width, p_.v2.begin() + static_cast<std::ptrdiff_t>(at));
  }

 private:
  Plane& p_;
};

RawLevels measure(std::span<const uint8_t> dng, GreenRows* green) {
  Source src{dng, 0, {}};
  TIFFOpenOptions* opts = TIFFOpenOptionsAlloc();
  TIFFOpenOptionsSetErrorHandlerExtR(opts, error_handler, &src);
  TIFFOpenOptionsSetWarningHandlerExtR(opts, warning_handler, &src);
  std::unique_ptr<TIFF, Closer> tif(TIFFClientOpenExt("raw", "rm", &src, read_proc, write_proc,
                                                      seek_proc, close_proc, size_proc, map_proc,
                                                      unmap_proc, opts));
  TIFFOpenOptionsFree(opts);
  if (!tif)
    return skipped("not measured: not a readable TIFF/DNG" +
                   (src.last_error.empty() ? std::string() : " (" + src.last_error + ")"));
  TIFF* t = tif.get();
  if (!find_cfa_directory(t)) return skipped("not measured: no CFA image in the RAW");
  uint16_t compression = 0, bits = 0, spp = 0, fill_order = FILLORDER_MSB2LSB;
  uint32_t width = 0, height = 0;
  TIFFGetFieldDefaulted(t, TIFFTAG_COMPRESSION, &compression);
  TIFFGetFieldDefaulted(t, TIFFTAG_BITSPERSAMPLE, &bits);
  TIFFGetFieldDefaulted(t, TIFFTAG_SAMPLESPERPIXEL, &spp);
  TIFFGetFieldDefaulted(t, TIFFTAG_FILLORDER, &fill_order);
  TIFFGetField(t, TIFFTAG_IMAGEWIDTH, &width);
  TIFFGetField(t, TIFFTAG_IMAGELENGTH, &height);
  if (compression != COMPRESSION_NONE)
    return skipped(fmt::format("not measured: compressed RAW (compression {})", compression));
  if (spp != 1 || (bits != 8 && bits != 16) || width < 2 || height < 2 || TIFFIsTiled(t))
    return skipped(
        fmt::format("not measured: unsupported CFA layout ({} bits, {} samples)", bits, spp));
  const auto dim = numbers(t, TIFFTAG_CFAREPEATPATTERNDIM);
  const auto pattern = numbers(t, TIFFTAG_CFAPATTERN);
  if (!dim || dim->size() != 2 || !pattern)
    return skipped("not measured: no CFA pattern in the RAW");
  const auto rows = static_cast<uint32_t>((*dim)[0]), cols = static_cast<uint32_t>((*dim)[1]);
  if (rows == 0 || cols == 0 || rows > 16 || cols > 16 || pattern->size() != rows * cols)
    return skipped("not measured: CFA pattern size does not match its repeat dimensions");
  for (double c : *pattern)
    if (c < 0 || c > 2) return skipped("not measured: CFA pattern is not red/green/blue");
  const auto white = numbers(t, TIFFTAG_WHITELEVEL);
  const auto black = numbers(t, TIFFTAG_BLACKLEVEL);
  if (!white || white->empty()) return skipped("not measured: the RAW reports no white level");
  if (!black || black->empty()) return skipped("not measured: the RAW reports no black level");
  // BlackLevel: one value for all, or one per position of the repeat pattern.
  auto black_at = [&](uint32_t y, uint32_t x) {
    if (black->size() == rows * cols) return (*black)[(y % rows) * cols + (x % cols)];
    return (*black)[0];
  };
  const double wl = (*white)[0];
  // The green, in the same pass: the first and the second green site of each 2x2 cell, a cell
  // row at a time into a ring of three (the rows a consumer may still be reading).
  std::array<int, 2> gy{-1, -1}, gx{-1, -1};
  GreenRows::Shape shape;
  constexpr size_t kRing = 3;
  std::array<std::vector<float>, 2 * kRing> ring;
  if (green && rows == 2 && cols == 2) {
    for (int k = 0, found = 0; k < 4 && found < 2; ++k)
      if ((*pattern)[static_cast<size_t>(k)] == 1) gy[found] = k / 2, gx[found++] = k % 2;
    if (gy[0] >= 0) {
      shape.width = static_cast<int>(width / 2);
      shape.height = static_cast<int>(height / 2);
      shape.two = gy[1] >= 0;
      shape.white = static_cast<float>((*white)[0] - black_at(gy[0], gx[0]));
      if (shape.two) shape.v2_dx = gx[1] - gx[0], shape.v2_dy = gy[1] - gy[0];
      for (auto& r : ring) r.resize(static_cast<size_t>(shape.width));
      green->begin(shape);
    }
  }

  std::array<uint64_t, 3> total{}, high{}, low{};
  const tmsize_t strip_size = TIFFStripSize(t);
  if (strip_size <= 0) return skipped("not measured: empty raw strips");
  // The strips are read where they lie in the bytes handed over (an uncompressed strip is the
  // samples themselves): no copy of the file, no strip-sized buffer; only a row in the other
  // byte order, or of 8-bit samples, goes through one small row buffer.
  const size_t row_bytes = static_cast<size_t>(width) * (bits / 8);
  std::vector<uint8_t> row_buf(row_bytes);
  std::vector<uint16_t> row16(width);
  const bool swap16 = bits == 16 && TIFFIsByteSwapped(t);
  const bool reverse_bits = fill_order == FILLORDER_LSB2MSB;  // as libtiff's own reader does
  uint32_t rows_per_strip = 0;
  TIFFGetFieldDefaulted(t, TIFFTAG_ROWSPERSTRIP, &rows_per_strip);
  rows_per_strip = std::clamp<uint32_t>(rows_per_strip, 1, height);
  const uint32_t strips = TIFFNumberOfStrips(t);
  // For integer samples v >= wl is v >= ceil(wl), and v <= black is v <= floor(black); a level
  // that is not a number matches nothing.
  const int32_t high_at =
      std::isnan(wl) ? 65536 : static_cast<int32_t>(std::ceil(std::clamp(wl, -1.0, 65536.0)));
  for (uint32_t s = 0; s < strips; ++s) {
    const uint32_t y0 = s * rows_per_strip;
    if (y0 >= height) break;
    const uint32_t n_rows = std::min(rows_per_strip, height - y0);
    const uint64_t offset = TIFFGetStrileOffset(t, s), count = TIFFGetStrileByteCount(t, s);
    const uint64_t need = static_cast<uint64_t>(n_rows) * row_bytes;
    if (count < need || offset > dng.size() || dng.size() - offset < need)
      return skipped(fmt::format(
          "not measured: truncated or unreadable raw data (strip {} of {} needs {} bytes at "
          "offset {}, the file has {})",
          s + 1, strips, need, offset, dng.size()));
    const uint8_t* strip = dng.data() + offset;
    for (uint32_t r = 0; r < n_rows; ++r) {
      const uint32_t y = y0 + r;
      const uint8_t* bytes = strip + static_cast<size_t>(r) * row_bytes;
      if (reverse_bits) {
        std::memcpy(row_buf.data(), bytes, row_bytes);
        TIFFReverseBits(row_buf.data(), static_cast<tmsize_t>(row_bytes));
        bytes = row_buf.data();
      }
      const Sample16* row = row16.data();
      if (bits == 16 && !swap16) {
        row = reinterpret_cast<const Sample16*>(bytes);
      } else if (bits == 16) {
        std::memcpy(row16.data(), bytes, row_bytes);
        TIFFSwabArrayOfShort(row16.data(), static_cast<tmsize_t>(width));
      } else {
        std::copy(bytes, bytes + width, row16.begin());
      }
      // Per position of the pattern's row, integer thresholds and a plain count: the 24 MP
      // frame's 24 M photosites are the bulk of a frame's quality check.
      std::array<int32_t, 16> low_at{};
      std::array<uint32_t, 16> h{}, l{};
      for (uint32_t k = 0; k < cols; ++k) {
        const double bk = black_at(y, k);
        low_at[k] =
            std::isnan(bk) ? -1 : static_cast<int32_t>(std::floor(std::clamp(bk, -1.0, 65536.0)));
      }
      if (cols == 2) {  // the common 2x2 pattern: one loop the compiler can vectorise
        const Counts c = count_pairs(row, width / 2, high_at, low_at[0], low_at[1]);
        uint32_t h0 = c.h0, h1 = c.h1, c0 = c.c0, c1 = c.c1;
        if (width % 2) {
          const int32_t a = row[width - 1];
          h0 += a >= high_at;
          c0 += a <= low_at[0];
        }
        h[0] = h0, h[1] = h1, l[0] = c0, l[1] = c1;
      } else {
        for (uint32_t k = 0; k < cols && k < width; ++k)
          for (uint32_t x = k; x < width; x += cols) {
            const int32_t v = row[x];
            h[k] += v >= high_at;
            l[k] += v <= low_at[k];
          }
      }
      for (uint32_t k = 0; k < cols && k < width; ++k) {
        const size_t c = static_cast<size_t>((*pattern)[(y % rows) * cols + k]);
        total[c] += (width - k + cols - 1) / cols;
        high[c] += h[k];
        low[c] += l[k];
      }
      const int cy = static_cast<int>(y / 2);
      if (gy[0] < 0 || cy >= shape.height) continue;
      const size_t slot = 2 * (static_cast<size_t>(cy) % kRing);
      for (size_t g = 0; g < 2; ++g) {
        if (static_cast<int>(y % 2) != gy[g]) continue;
        green_sites(row + gx[g], static_cast<size_t>(shape.width),
                    static_cast<float>(black_at(y, static_cast<uint32_t>(gx[g]))),
                    ring[slot + g].data());
      }
      if (y % 2 == 1)
        green->row(cy, ring[slot].data(), shape.two ? ring[slot + 1].data() : nullptr);
    }
  }
  RawLevels out;
  out.measured = true;
  out.white_level = wl;
  double bsum = 0;
  for (double b : *black) bsum += b;
  out.black_level = bsum / static_cast<double>(black->size());
  for (size_t c = 0; c < 3; ++c) {
    out.clipped_high[c] = total[c] ? static_cast<double>(high[c]) / total[c] : 0;
    out.clipped_low[c] = total[c] ? static_cast<double>(low[c]) / total[c] : 0;
  }
  return out;
}

}  // namespace

RawLevels measure_raw(std::span<const uint8_t> dng, Plane* green) {
  if (!green) return measure(dng, nullptr);
  PlaneCollector collect(*green);
  return measure(dng, &collect);
}

RawLevels measure_raw(std::span<const uint8_t> dng, GreenRows& green) {
  return measure(dng, &green);
}

}  // namespace tb::capture::quality
