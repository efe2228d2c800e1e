// DNG 1.4 layout written here (the layout dcraw, libraw and Adobe's SDK expect):
//   IFD0   small RGB preview (NewSubFileType 1) + DNG/camera tags, SubIFDs -> raw, ExifIFD
//   SubIFD full CFA image (NewSubFileType 0), 16-bit, uncompressed strips
//   Exif   exposure tags (ExposureTime, FNumber, ISO, FocalLength, DateTimeOriginal...)
// The Exif directory is written first so IFD0 can carry its final offset without a rewrite.
#include <algorithm>
#include <cmath>

#include "cfa_pattern.hpp"
#include "exact_rationals.hpp"
#include "tetherbox/hal/dng/dng.hpp"
#include "tiff_memory.hpp"
#include "tiff_tags.hpp"

namespace tb::hal::dng {
namespace {

using detail::set_bytes;
using detail::set_long;
using detail::set_real;
using detail::set_reals;
using detail::set_short;
using detail::set_shorts;
using detail::set_text;

constexpr uint16_t kPhotometricCfa = 32803;
constexpr uint16_t kIlluminantD65 = 21;
constexpr int kPreviewScale = 16;
constexpr size_t kStripBytes = 1 << 20;  // ~1 MB strips: few entries, bounded libtiff buffers

Error fail(detail::MemoryFile& f, const char* step) {
  return make_error(Errc::internal, "DNG encoding failed while {}: {}", step,
                    f.last_error.empty() ? "libtiff gave no reason" : f.last_error);
}

Status validate(const BayerImage& img) {
  if (img.width < 2 || img.height < 2)
    return make_error(Errc::invalid, "Bayer image {}x{} is smaller than one 2x2 CFA cell",
                      img.width, img.height);
  if (img.pixels.size() != static_cast<size_t>(img.width) * static_cast<size_t>(img.height))
    return make_error(Errc::invalid, "Bayer image has {} samples, {}x{} needs {}",
                      img.pixels.size(), img.width, img.height,
                      static_cast<size_t>(img.width) * img.height);
  if (img.bits < 8 || img.bits > 16)
    return make_error(Errc::invalid, "Bayer image bit depth {} is outside 8..16", img.bits);
  if (img.white_level <= img.black_level)
    return make_error(Errc::invalid, "white level {} must exceed black level {}", img.white_level,
                      img.black_level);
  if (img.white_level > (1u << img.bits) - 1)
    return make_error(Errc::invalid, "white level {} does not fit in {} bits", img.white_level,
                      img.bits);
  return ok_status();
}

// The largest even preview scale <= kPreviewScale that still leaves at least one pixel.
int preview_scale(const BayerImage& img) {
  int s = std::min({kPreviewScale, img.width, img.height});
  return std::max(2, s - s % 2);
}

Status write_exif(TIFF* tif, const DngMeta& meta, uint64_t* offset) {
  if (TIFFCreateEXIFDirectory(tif) != 0)  // 0 is success here, unlike most of libtiff
    return make_error(Errc::internal, "libtiff could not start an EXIF directory");
  if (meta.exposure_time_s > 0) TB_TRY(set_real(tif, EXIFTAG_EXPOSURETIME, meta.exposure_time_s));
  if (meta.f_number > 0) TB_TRY(set_real(tif, EXIFTAG_FNUMBER, meta.f_number));
  if (meta.iso > 0) {
    const uint16_t iso = static_cast<uint16_t>(std::min(meta.iso, 65535));
    TB_TRY(set_shorts(tif, EXIFTAG_ISOSPEEDRATINGS, std::span<const uint16_t>(&iso, 1)));
    TB_TRY(set_short(tif, EXIFTAG_SENSITIVITYTYPE, 3));  // 3 = ISO speed
  }
  if (meta.focal_length_mm > 0) TB_TRY(set_real(tif, EXIFTAG_FOCALLENGTH, meta.focal_length_mm));
  if (!meta.datetime.empty()) {
    TB_TRY(set_text(tif, EXIFTAG_DATETIMEORIGINAL, meta.datetime));
    TB_TRY(set_text(tif, EXIFTAG_DATETIMEDIGITIZED, meta.datetime));
    if (!meta.subsec.empty()) TB_TRY(set_text(tif, EXIFTAG_SUBSECTIMEORIGINAL, meta.subsec));
    if (!meta.offset_time.empty())
      TB_TRY(set_text(tif, EXIFTAG_OFFSETTIMEORIGINAL, meta.offset_time));
  }
  static constexpr uint8_t kExifVersion[4] = {'0', '2', '3', '1'};
  TB_TRY(set_bytes(tif, EXIFTAG_EXIFVERSION, kExifVersion));
  if (!TIFFWriteCustomDirectory(tif, offset))
    return make_error(Errc::internal, "could not write the EXIF directory");
  // Back to an ordinary image directory for IFD0. TIFFCreateDirectory does not free the custom
  // directory's values itself.
  TIFFFreeDirectory(tif);
  if (TIFFCreateDirectory(tif) != 0)
    return make_error(Errc::internal, "could not start IFD0 after the EXIF directory");
  return ok_status();
}

Status write_preview_ifd(TIFF* tif, const BayerImage& img, const DngMeta& meta,
                         const RgbImage& preview, uint64_t exif_offset) {
  TB_TRY(set_long(tif, TIFFTAG_SUBFILETYPE, FILETYPE_REDUCEDIMAGE));
  TB_TRY(set_long(tif, TIFFTAG_IMAGEWIDTH, static_cast<uint32_t>(preview.width)));
  TB_TRY(set_long(tif, TIFFTAG_IMAGELENGTH, static_cast<uint32_t>(preview.height)));
  TB_TRY(set_short(tif, TIFFTAG_BITSPERSAMPLE, 8));
  TB_TRY(set_short(tif, TIFFTAG_SAMPLESPERPIXEL, 3));
  TB_TRY(set_short(tif, TIFFTAG_PHOTOMETRIC, PHOTOMETRIC_RGB));
  TB_TRY(set_short(tif, TIFFTAG_COMPRESSION, COMPRESSION_NONE));
  TB_TRY(set_short(tif, TIFFTAG_PLANARCONFIG, PLANARCONFIG_CONTIG));
  TB_TRY(set_short(tif, TIFFTAG_ORIENTATION, ORIENTATION_TOPLEFT));
  TB_TRY(set_long(tif, TIFFTAG_ROWSPERSTRIP, static_cast<uint32_t>(preview.height)));
  TB_TRY(set_text(tif, TIFFTAG_MAKE, meta.make));
  TB_TRY(set_text(tif, TIFFTAG_MODEL, meta.model));
  TB_TRY(set_text(tif, TIFFTAG_SOFTWARE, "tetherbox"));
  if (!meta.datetime.empty()) TB_TRY(set_text(tif, TIFFTAG_DATETIME, meta.datetime));

  static constexpr uint8_t kVersion[4] = {1, 4, 0, 0};
  static constexpr uint8_t kBackward[4] = {1, 1, 0, 0};
  TB_TRY(set_bytes(tif, TIFFTAG_DNGVERSION, kVersion));
  TB_TRY(set_bytes(tif, TIFFTAG_DNGBACKWARDVERSION, kBackward));
  const std::string unique =
      !meta.unique_model.empty() ? meta.unique_model : meta.make + " " + meta.model;
  TB_TRY(set_text(tif, TIFFTAG_UNIQUECAMERAMODEL, unique));
  if (!meta.serial.empty()) TB_TRY(set_text(tif, TIFFTAG_CAMERASERIALNUMBER, meta.serial));
  TB_TRY(set_reals(tif, TIFFTAG_COLORMATRIX1, img.color_matrix1));
  TB_TRY(set_short(tif, TIFFTAG_CALIBRATIONILLUMINANT1, kIlluminantD65));
  TB_TRY(set_reals(tif, TIFFTAG_ASSHOTNEUTRAL, img.as_shot_neutral));

  // One SubIFD; libtiff fills in its offset when the next directory is written.
  uint64_t sub_offsets[1] = {0};
  if (TIFFSetField(tif, TIFFTAG_SUBIFD, 1, sub_offsets) != 1)
    return make_error(Errc::internal, "libtiff refused the SubIFD tag");
  if (TIFFSetField(tif, TIFFTAG_EXIFIFD, exif_offset) != 1)
    return make_error(Errc::internal, "libtiff refused the ExifIFD tag");

  const auto bytes = static_cast<tmsize_t>(preview.rgb.size());
  if (TIFFWriteRawStrip(tif, 0, const_cast<uint8_t*>(preview.rgb.data()), bytes) != bytes)
    return make_error(Errc::io, "could not write the preview strip");
  if (!TIFFWriteDirectory(tif)) return make_error(Errc::io, "could not write IFD0");
  return ok_status();
}

Status write_raw_ifd(TIFF* tif, const BayerImage& img, const detail::CfaPattern& cfa) {
  const size_t row_bytes = static_cast<size_t>(img.width) * sizeof(uint16_t);
  const uint32_t rows_per_strip =
      static_cast<uint32_t>(std::clamp<size_t>(kStripBytes / row_bytes, 1, img.height));
  TB_TRY(set_long(tif, TIFFTAG_SUBFILETYPE, 0));
  TB_TRY(set_long(tif, TIFFTAG_IMAGEWIDTH, static_cast<uint32_t>(img.width)));
  TB_TRY(set_long(tif, TIFFTAG_IMAGELENGTH, static_cast<uint32_t>(img.height)));
  TB_TRY(set_short(tif, TIFFTAG_BITSPERSAMPLE, 16));
  TB_TRY(set_short(tif, TIFFTAG_SAMPLESPERPIXEL, 1));
  TB_TRY(set_short(tif, TIFFTAG_PHOTOMETRIC, kPhotometricCfa));
  TB_TRY(set_short(tif, TIFFTAG_COMPRESSION, COMPRESSION_NONE));
  TB_TRY(set_short(tif, TIFFTAG_PLANARCONFIG, PLANARCONFIG_CONTIG));
  TB_TRY(set_long(tif, TIFFTAG_ROWSPERSTRIP, rows_per_strip));

  static constexpr uint16_t kRepeat[2] = {2, 2};
  static constexpr uint8_t kPlaneColor[3] = {0, 1, 2};
  TB_TRY(set_shorts(tif, TIFFTAG_CFAREPEATPATTERNDIM, kRepeat));
  TB_TRY(set_bytes(tif, TIFFTAG_CFAPATTERN, cfa.colors));
  TB_TRY(set_bytes(tif, TIFFTAG_CFAPLANECOLOR, kPlaneColor));
  TB_TRY(set_short(tif, TIFFTAG_CFALAYOUT, 1));
  const double black = img.black_level;
  TB_TRY(set_reals(tif, TIFFTAG_BLACKLEVEL, std::span<const double>(&black, 1)));
  TB_TRY(set_long(tif, TIFFTAG_WHITELEVEL, img.white_level));

  // Samples go out as stored (native byte order, no codec): raw strips skip libtiff's encoder
  // and its per-strip copy.
  const uint32_t strips = (static_cast<uint32_t>(img.height) + rows_per_strip - 1) / rows_per_strip;
  for (uint32_t s = 0; s < strips; ++s) {
    const uint32_t row0 = s * rows_per_strip;
    const uint32_t rows = std::min<uint32_t>(rows_per_strip, img.height - row0);
    auto* data = const_cast<uint16_t*>(img.pixels.data() + static_cast<size_t>(row0) * img.width);
    const auto bytes = static_cast<tmsize_t>(rows * row_bytes);
    if (TIFFWriteRawStrip(tif, s, data, bytes) != bytes)
      return make_error(Errc::io, "could not write raw strip {} of {}", s, strips);
  }
  if (!TIFFWriteDirectory(tif)) return make_error(Errc::io, "could not write the raw SubIFD");
  return ok_status();
}

}  // namespace

Result<std::vector<uint8_t>> encode_dng(const BayerImage& img, const DngMeta& meta) {
  TB_TRY(validate(img));
  auto cfa = detail::parse_cfa(img.cfa);
  TB_TRY(cfa);
  auto preview = bayer_preview_rgb8(img, preview_scale(img));
  TB_TRY(preview);

  detail::MemoryFile file;
  file.bytes.reserve(img.pixels.size() * sizeof(uint16_t) + preview->rgb.size() + (64 << 10));
  uint64_t exif_offset = 0;
  {
    auto tif = detail::open_memory_tiff(file, "memory.dng");
    if (!tif) return fail(file, "opening the in-memory TIFF");
    auto st = write_exif(tif.get(), meta, &exif_offset);
    if (st.ok()) st = write_preview_ifd(tif.get(), img, meta, *preview, exif_offset);
    if (st.ok()) st = write_raw_ifd(tif.get(), img, *cfa);
    if (!st.ok()) {
      if (!file.last_error.empty()) return fail(file, st.error().message.c_str());
      return st.error();
    }
  }  // TIFFClose flushes before the bytes are handed out
  if (!file.last_error.empty()) return fail(file, "closing the file");
  TB_TRY(detail::rewrite_rationals(file.bytes, exif_offset,
                                   {{EXIFTAG_EXPOSURETIME, meta.exposure_time_s},
                                    {EXIFTAG_FNUMBER, meta.f_number},
                                    {EXIFTAG_FOCALLENGTH, meta.focal_length_mm}}));
  return std::move(file.bytes);
}

}  // namespace tb::hal::dng
