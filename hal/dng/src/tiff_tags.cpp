#include "tiff_tags.hpp"

#include <vector>

namespace tb::hal::dng::detail {
namespace {

Result<const TIFFField*> field(TIFF* tif, uint32_t tag) {
  const TIFFField* f = TIFFFieldWithTag(tif, tag);
  if (!f) return make_error(Errc::internal, "libtiff does not know tag {}", tag);
  return f;
}

Status check(int rc, uint32_t tag) {
  if (rc != 1) return make_error(Errc::internal, "libtiff refused to set tag {}", tag);
  return ok_status();
}

// Arrays go to TIFFSetField either as (count, ptr) or as (ptr) for fixed-count tags; the count's
// width (16 or 32 bit) is the field's own choice.
template <typename T>
Status set_array(TIFF* tif, uint32_t tag, const T* data, size_t n) {
  auto f = field(tif, tag);
  TB_TRY(f);
  if (!TIFFFieldPassCount(*f)) {
    const int want = TIFFFieldWriteCount(*f);
    if (want > 0 && static_cast<size_t>(want) != n)
      return make_error(Errc::internal, "tag {} takes {} values, got {}", tag, want, n);
    return check(TIFFSetField(tif, tag, data), tag);
  }
  if (TIFFFieldSetGetCountSize(*f) == 4)
    return check(TIFFSetField(tif, tag, static_cast<uint32_t>(n), data), tag);
  return check(TIFFSetField(tif, tag, static_cast<int>(n), data), tag);
}

template <typename T>
Status set_ints(TIFF* tif, uint32_t tag, std::span<const T> values) {
  auto f = field(tif, tag);
  TB_TRY(f);
  if (TIFFFieldSetGetSize(*f) != static_cast<int>(sizeof(T)))
    return make_error(Errc::internal, "tag {} stores {}-byte values, not {}", tag,
                      TIFFFieldSetGetSize(*f), sizeof(T));
  return set_array(tif, tag, values.data(), values.size());
}

}  // namespace

Status set_reals(TIFF* tif, uint32_t tag, std::span<const double> values) {
  auto f = field(tif, tag);
  TB_TRY(f);
  if (TIFFFieldSetGetSize(*f) == 8) return set_array(tif, tag, values.data(), values.size());
  std::vector<float> floats(values.begin(), values.end());
  return set_array(tif, tag, floats.data(), floats.size());
}

Status set_real(TIFF* tif, uint32_t tag, double value) {
  auto f = field(tif, tag);
  TB_TRY(f);
  if (TIFFFieldPassCount(*f)) return set_reals(tif, tag, std::span<const double>(&value, 1));
  // Scalar rationals are read back from varargs as double whatever their storage.
  return check(TIFFSetField(tif, tag, value), tag);
}

Status set_bytes(TIFF* tif, uint32_t tag, std::span<const uint8_t> values) {
  return set_ints(tif, tag, values);
}
Status set_shorts(TIFF* tif, uint32_t tag, std::span<const uint16_t> values) {
  return set_ints(tif, tag, values);
}
Status set_longs(TIFF* tif, uint32_t tag, std::span<const uint32_t> values) {
  return set_ints(tif, tag, values);
}

Status set_short(TIFF* tif, uint32_t tag, uint16_t value) {
  auto f = field(tif, tag);
  TB_TRY(f);
  if (TIFFFieldPassCount(*f)) return set_shorts(tif, tag, std::span<const uint16_t>(&value, 1));
  return check(TIFFSetField(tif, tag, static_cast<int>(value)), tag);
}

Status set_long(TIFF* tif, uint32_t tag, uint32_t value) {
  auto f = field(tif, tag);
  TB_TRY(f);
  if (TIFFFieldPassCount(*f)) return set_longs(tif, tag, std::span<const uint32_t>(&value, 1));
  return check(TIFFSetField(tif, tag, value), tag);
}

Status set_text(TIFF* tif, uint32_t tag, const std::string& value) {
  return check(TIFFSetField(tif, tag, value.c_str()), tag);
}

}  // namespace tb::hal::dng::detail
