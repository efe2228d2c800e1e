#include "tetherbox/capture/sidecar.hpp"

#include <spdlog/spdlog.h>
#include <exiv2/exiv2.hpp>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <mutex>
#include <string_view>
#include <vector>

#include "sidecar_format.hpp"
#include "tetherbox/capture/text_utf8.hpp"

namespace tb::capture {
namespace {

// exiv2 0.27's bundled XMP toolkit keeps global state (namespace registry, parser): namespace
// registration goes through the lock exiv2 takes, and our own encode/decode are serialized
// so concurrent pipeline threads can call make_sidecar / strip_gps.
std::recursive_mutex g_registry_lock;
std::mutex g_toolkit_mutex;

void registry_lock_fct(void* data, bool lock) {
  auto* m = static_cast<std::recursive_mutex*>(data);
  if (lock)
    m->lock();
  else
    m->unlock();
}

Status ensure_xmp_ready() {
  static std::once_flag once;
  static std::string failure;
  std::call_once(once, [] {
    try {
      if (!Exiv2::XmpParser::initialize(registry_lock_fct, &g_registry_lock)) {
        failure = "exiv2 could not initialize its XMP toolkit (built without XMP support?)";
        return;
      }
      Exiv2::XmpProperties::registerNs(kTetherboxXmpNs, kTetherboxXmpPrefix);
    } catch (const Exiv2::AnyError& e) {
      failure = fmt::format("exiv2 XMP setup failed: {}", e.what());
    }
  });
  if (!failure.empty()) return make_error(Errc::internal, "{}", failure);
  return ok_status();
}

const char* parser_rc_text(int rc) {
  switch (rc) {
    case 1:
      return "exiv2 was built without XMP support";
    case 2:
      return "the XMP toolkit failed to initialize";
    case 3:
      return "the XMP toolkit raised an error";
    default:
      return "unknown XMP toolkit failure";
  }
}

// Every string goes through here: text that is not clean UTF-8 (YAML, a camera's model or
// serial, a preset name) is repaired before the XMP toolkit sees it, because the toolkit throws
// on it and the whole sidecar was lost. Each repaired property is remembered so the sidecar
// and the caller can say so.
class Writer {
 public:
  explicit Writer(Exiv2::XmpData& d) : d_(d) {}
  void text(const std::string& key, const std::string& v) {
    Exiv2::XmpTextValue val(clean(key, v));
    d_.add(Exiv2::XmpKey(key), &val);
  }
  void text_if(const std::string& key, const std::string& v) {
    if (!v.empty()) text(key, v);
  }
  void array(const std::string& key, Exiv2::TypeId type, const std::vector<std::string>& items) {
    Exiv2::XmpArrayValue val(type);
    for (const auto& i : items) val.read(clean(key, i));
    d_.add(Exiv2::XmpKey(key), &val);
  }
  void lang_alt(const std::string& key, const std::string& v) {
    Exiv2::LangAltValue val;
    // LangAltValue::read takes a leading lang="..." as the language: quote-proof it.
    val.read("lang=\"x-default\" " + clean(key, v));
    d_.add(Exiv2::XmpKey(key), &val);
  }
  void boolean(const std::string& key, bool b) { text(key, b ? "True" : "False"); }
  const std::vector<std::string>& repaired() const { return repaired_; }

 private:
  std::string clean(const std::string& key, const std::string& v) {
    if (text::is_clean_utf8(v)) return v;
    // "Xmp.dc.creator" -> "dc:creator", as a reader of the sidecar names it.
    std::string name = key.substr(4);
    name[name.find('.')] = ':';
    if (std::find(repaired_.begin(), repaired_.end(), name) == repaired_.end())
      repaired_.push_back(name);
    return text::clean_utf8(v);
  }

  Exiv2::XmpData& d_;
  std::vector<std::string> repaired_;
};

const std::string kTb = std::string("Xmp.") + kTetherboxXmpPrefix + ".";

std::string basename_of(const std::string& path) {
  const auto slash = path.find_last_of('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

// XMP has no separate Make field source in our context: the first word of the model
// ("Nikon D850" -> "Nikon") is what bodies put in EXIF Make.
std::string make_from_model(const std::string& model) {
  const auto sp = model.find(' ');
  return sp == std::string::npos ? std::string() : model.substr(0, sp);
}

void add_camera_and_exposure(Writer& w, const FrameRecord& rec, const SidecarContext& ctx) {
  w.text("Xmp.xmp.CreatorTool", "tetherbox");
  w.text_if("Xmp.tiff.Make", make_from_model(ctx.camera_model));
  w.text_if("Xmp.tiff.Model", ctx.camera_model);
  w.text_if("Xmp.exifEX.BodySerialNumber", ctx.camera_serial);
  w.text_if("Xmp.exifEX.LensModel", ctx.lens);
  if (ctx.focal_length_mm > 0) {
    w.text_if("Xmp.exif.FocalLength", xmpfmt::rational(ctx.focal_length_mm, 100));
    // The body does not tell us (a zoom may sit elsewhere): the value is the configured one.
    w.text(kTb + "FocalLengthSource", "config lens.focal_length_mm");
  }

  // EXIF describes the image as exposed: the camera's report when it has one.
  // When the camera reported none, the commanded one is written and the sidecar says so:
  // a reader must not take it for the camera's own report.
  const hal::ExposureSettings& e = rec.reported_valid ? rec.reported : rec.commanded;
  w.text(kTb + "ExposureSource",
         rec.reported_valid ? "reported by the camera for this frame"
                            : "commanded (the camera reported no exposure for this frame)");
  if (e.shutter_s > 0) w.text_if("Xmp.exif.ExposureTime", xmpfmt::exposure_time(e.shutter_s));
  if (e.aperture > 0) w.text_if("Xmp.exif.FNumber", xmpfmt::rational(e.aperture, 100));
  if (e.iso > 0) {
    w.array("Xmp.exif.ISOSpeedRatings", Exiv2::xmpSeq, {std::to_string(e.iso)});
    w.text("Xmp.exifEX.PhotographicSensitivity", std::to_string(e.iso));
  }
  w.text_if("Xmp.exif.ExposureBiasValue", xmpfmt::rational(e.ev_comp, 100));

  const std::string when = xmpfmt::xmp_date_ms(rec.trigger_utc);
  w.text("Xmp.exif.DateTimeOriginal", when);
  w.text("Xmp.xmp.CreateDate", when);
  w.text("Xmp.photoshop.DateCreated", when);

  if (!ctx.creator.empty()) w.array("Xmp.dc.creator", Exiv2::xmpSeq, {ctx.creator});
  if (!ctx.copyright.empty()) w.lang_alt("Xmp.dc.rights", ctx.copyright);
}

// "no fix", "stale (12.3 s)", "no gps configured": said once, never "no fix: no fix".
std::string no_fix_text(const std::string& reason) {
  if (reason.empty()) return "no fix: no data";
  if (reason.rfind("no fix", 0) == 0) return reason;
  return "no fix: " + reason;
}

void add_gps(Writer& w, const FrameRecord& rec) {
  const GpsRecord& g = rec.gps;
  w.text_if(kTb + "GpsSource", g.source);
  if (!g.fix) {
    // EXIF GPSStatus V: "measurement void". No position, time or DOP is written.
    w.text("Xmp.exif.GPSStatus", "V");
    w.text(kTb + "GpsStatus", no_fix_text(g.reason));
    return;
  }
  w.text(kTb + "GpsStatus", "fix");
  w.text("Xmp.exif.GPSVersionID", "2.3.0.0");
  w.text("Xmp.exif.GPSStatus", "A");  // measurement active
  w.text_if("Xmp.exif.GPSLatitude", xmpfmt::gps_coordinate(g.lat_deg, true));
  w.text_if("Xmp.exif.GPSLongitude", xmpfmt::gps_coordinate(g.lon_deg, false));
  if (g.alt_msl_m) {
    w.text("Xmp.exif.GPSAltitudeRef", *g.alt_msl_m < 0 ? "1" : "0");
    w.text_if("Xmp.exif.GPSAltitude", xmpfmt::rational(std::fabs(*g.alt_msl_m), 1000));
  }
  // Time of the fix, in UTC with its zone written out (exiv2's EXIF->XMP converter drops it).
  const auto fix_time =
      rec.trigger_utc - std::chrono::duration_cast<UtcTime::duration>(
                            std::chrono::duration<double>(std::max(0.0, g.fix_age_s)));
  w.text("Xmp.exif.GPSTimeStamp", xmpfmt::xmp_date_ms(fix_time));
  // EXIF 2.3 GPSDOP: "HDOP during two-dimensional measurement, PDOP during three-dimensional".
  // The DOP written is the one the measure mode names; when that one is unknown, GPSDOP is
  // left out rather than filled with the other kind. Both stay in the tetherbox namespace.
  if (g.mode == 2 || g.mode == 3) {
    w.text("Xmp.exif.GPSMeasureMode", std::to_string(g.mode));
    const std::optional<double>& dop = g.mode == 3 ? g.pdop : g.hdop;
    if (dop && std::isfinite(*dop) && *dop >= 0)
      w.text_if("Xmp.exif.GPSDOP", xmpfmt::rational(*dop, 100));
  }
  w.text("Xmp.exif.GPSMapDatum", "WGS-84");
  w.text_if(kTb + "GpsFixAgeS", xmpfmt::real(g.fix_age_s));
  if (g.hdop) w.text_if(kTb + "GpsHdop", xmpfmt::real(*g.hdop));
  if (g.pdop) w.text_if(kTb + "GpsPdop", xmpfmt::real(*g.pdop));
}

void add_ambient(Writer& w, const FrameRecord& rec) {
  const AmbientRecord& a = rec.ambient;
  const bool any = a.temperature_c || a.humidity_pct || a.pressure_hpa;
  if (!a.available || !any) {
    const std::string why = !a.reason.empty() ? a.reason : (any ? "not available" : "no readings");
    w.text(kTb + "AmbientStatus", "unavailable: " + why);
    return;
  }
  // CIPA Exif 2.31: Temperature in degC (signed), Humidity in %, Pressure in hPa.
  if (a.temperature_c)
    w.text_if("Xmp.exifEX.Temperature", xmpfmt::rational(*a.temperature_c, 1000));
  if (a.humidity_pct) w.text_if("Xmp.exifEX.Humidity", xmpfmt::rational(*a.humidity_pct, 1000));
  if (a.pressure_hpa) w.text_if("Xmp.exifEX.Pressure", xmpfmt::rational(*a.pressure_hpa, 1000));
  w.text_if(kTb + "AmbientSensor", a.sensor_id);
  w.text_if(kTb + "AmbientAgeS", xmpfmt::real(a.reading_age_s));
}

void add_sequence(Writer& w, const FrameRecord& rec, const SidecarContext& ctx) {
  w.text(kTb + "RequestId", std::to_string(rec.request_id));
  w.text(kTb + "Seq", std::to_string(rec.seq));
  w.text_if(kTb + "Name", rec.name);
  w.text_if(kTb + "Session", ctx.session);
  w.text(kTb + "Ring", std::to_string(rec.position.ring));
  w.text(kTb + "IndexInRing", std::to_string(rec.position.index_in_ring));
  w.text_if(kTb + "Azimuth", xmpfmt::real(rec.position.azimuth_deg));
  w.text_if(kTb + "Elevation", xmpfmt::real(rec.position.elevation_deg));
  w.text_if(kTb + "LightPreset", rec.position.light);
  w.text(kTb + "BracketStep", std::to_string(rec.position.bracket_step));
  w.text_if(kTb + "EvOffset", xmpfmt::real(rec.position.ev_offset));

  // 0 is how a record says "not commanded" (e.g. auto ISO): left out, not written as 0.
  if (rec.commanded.shutter_s > 0)
    w.text_if(kTb + "CommandedShutter", xmpfmt::exposure_time(rec.commanded.shutter_s));
  if (rec.commanded.aperture > 0)
    w.text_if(kTb + "CommandedAperture", xmpfmt::rational(rec.commanded.aperture, 100));
  if (rec.commanded.iso > 0) w.text(kTb + "CommandedIso", std::to_string(rec.commanded.iso));
  w.boolean(kTb + "ReportedValid", rec.reported_valid);
  w.boolean(kTb + "ExposureVerified", rec.exposure_verified);
  w.text(kTb + "Attempts", std::to_string(rec.attempts));
  w.text(kTb + "TriggerUtc", format_utc_iso(rec.trigger_utc));
  w.text_if(kTb + "TriggerUncertaintyS", xmpfmt::real(rec.trigger_uncertainty_s));
  if (rec.camera_clock_offset_s)
    w.text_if(kTb + "CameraClockOffsetS", xmpfmt::real(*rec.camera_clock_offset_s));

  // Pairing: this sidecar names its original; a RAW+JPEG frame lists every original so a
  // reader holding either file finds its sibling.
  std::vector<std::string> originals;
  for (const auto& f : rec.files)
    if (f.role == "original") originals.push_back(basename_of(f.path));
  std::string original = ctx.original_file;
  if (original.empty() && !originals.empty()) original = originals.front();
  w.text_if(kTb + "OriginalFile", original);
  if (!originals.empty()) w.array(kTb + "OriginalFiles", Exiv2::xmpBag, originals);
  for (const auto& f : rec.files) {
    if (f.role == "original" && !f.camera_name.empty() && basename_of(f.path) == original)
      w.text(kTb + "CameraFileName", f.camera_name);
  }

  // Measured on the preview, which is made after the frame is durable: an unmeasured
  // histogram is left out rather than written as zeros that look like a black frame.
  if (rec.histogram.measured) {
    w.text_if(kTb + "ClippedHigh", xmpfmt::real(rec.histogram.clipped_high));
    w.text_if(kTb + "ClippedLow", xmpfmt::real(rec.histogram.clipped_low));
    w.text_if(kTb + "MeanLuminance", xmpfmt::real(rec.histogram.mean));
  }
  // Measured on the RAW's own data at its white/black level, per channel; absent (never 0)
  // when the frame had no RAW the check could read.
  if (rec.raw_levels.measured) {
    static constexpr const char* kChannel[3] = {"Red", "Green", "Blue"};
    for (size_t c = 0; c < 3; ++c) {
      w.text_if(kTb + "RawClippedHigh" + kChannel[c], xmpfmt::real(rec.raw_levels.clipped_high[c]));
      w.text_if(kTb + "RawClippedLow" + kChannel[c], xmpfmt::real(rec.raw_levels.clipped_low[c]));
    }
    w.text_if(kTb + "RawWhiteLevel", xmpfmt::real(rec.raw_levels.white_level));
    w.text_if(kTb + "RawBlackLevel", xmpfmt::real(rec.raw_levels.black_level));
  }
  if (rec.sharpness.measured) {
    w.text_if(kTb + "Sharpness", xmpfmt::real(rec.sharpness.value));
    if (rec.sharpness.ratio) w.text_if(kTb + "SharpnessRatio", xmpfmt::real(*rec.sharpness.ratio));
    if (rec.sharpness.blurred) w.text(kTb + "Blurred", "True");
  }
  // A retaken frame stays in the bag; a tool that reads only the sidecar must still learn
  // that another frame replaces it, and which.
  if (!rec.superseded_by.empty()) {
    w.text(kTb + "Superseded", "True");
    w.text(kTb + "SupersededBy", rec.superseded_by);
  }
  if (!rec.retake_of.empty()) {
    w.text(kTb + "RetakeOf", rec.retake_of);
    w.text(kTb + "RetakeNumber", std::to_string(rec.retake_number));
  }
}

Result<std::string> encode_packet(const Exiv2::XmpData& data) {
  std::string packet;
  int rc = 0;
  {
    std::lock_guard lk(g_toolkit_mutex);
    rc = Exiv2::XmpParser::encode(packet, data, Exiv2::XmpParser::omitPacketWrapper);
  }
  if (rc != 0) return make_error(Errc::internal, "XMP encode failed: {}", parser_rc_text(rc));
  // A stand-alone .xmp file that starts at <x:xmpmeta>: no XML declaration, because exiftool
  // refuses a file that starts with one as the source of "-xmp<=NAME.xmp" (it reads it as
  // plain XML, not as an XMP packet), and no <?xpacket?> wrapper (a sidecar has no padding).
  return packet;
}

Result<Exiv2::XmpData> decode_packet(const std::string& packet) {
  Exiv2::XmpData data;
  int rc = 0;
  {
    std::lock_guard lk(g_toolkit_mutex);
    rc = Exiv2::XmpParser::decode(data, packet);
  }
  if (rc != 0 || (data.empty() && !packet.empty()))
    return make_error(Errc::invalid, "not a readable XMP packet ({})",
                      rc != 0 ? parser_rc_text(rc) : "no properties found");
  return data;
}

std::string value_of(const Exiv2::XmpData& data, const std::string& key) {
  auto it = data.findKey(Exiv2::XmpKey(key));
  return it == data.end() ? std::string("(absent)") : it->toString();
}

// The sidecar is read back and must name the record it was made from: a sidecar that names
// another frame (a name collision, a record mixed up between threads) is an error here rather
// than a file that quietly describes the wrong image.
Status check_binding(const std::string& packet, const FrameRecord& rec,
                     const std::string& original) {
  auto data = decode_packet(packet);
  if (!data)
    return make_error(Errc::internal, "the sidecar just written is {}", data.error().message);
  const std::pair<const char*, std::string> expected[] = {
      {"RequestId", std::to_string(rec.request_id)},
      {"Seq", std::to_string(rec.seq)},
      {"Name", text::clean_utf8(rec.name)},
      {"OriginalFile", text::clean_utf8(original)}};
  for (const auto& [field, want] : expected) {
    if (want.empty()) continue;
    const std::string got = value_of(*data, kTb + field);
    if (got != want)
      return make_error(
          Errc::internal,
          "sidecar of frame {} (request {}) reads back tetherbox:{} '{}', expected '{}'", rec.seq,
          rec.request_id, field, got, want);
  }
  return ok_status();
}

}  // namespace

Result<Sidecar> render_sidecar(const FrameRecord& rec, const SidecarContext& ctx) {
  TB_TRY(ensure_xmp_ready());
  // The original this sidecar describes must be one of the record's own originals.
  std::vector<std::string> originals;
  for (const auto& f : rec.files)
    if (f.role == "original") originals.push_back(basename_of(f.path));
  if (!ctx.original_file.empty() && !originals.empty() &&
      std::find(originals.begin(), originals.end(), ctx.original_file) == originals.end())
    return make_error(Errc::invalid,
                      "sidecar of frame {} would describe '{}', which is not one of its originals",
                      rec.seq, ctx.original_file);
  try {
    Exiv2::XmpData data;
    Writer w(data);
    add_camera_and_exposure(w, rec, ctx);
    add_gps(w, rec);
    add_ambient(w, rec);
    add_sequence(w, rec, ctx);
    Sidecar out;
    for (const auto& key : w.repaired())
      out.repairs.push_back(
          fmt::format("sidecar: {} was not valid UTF-8 text; bad bytes replaced with U+FFFD", key));
    std::vector<std::string> faults = rec.faults;
    faults.insert(faults.end(), out.repairs.begin(), out.repairs.end());
    w.array(kTb + "Faults", Exiv2::xmpBag, faults);
    auto packet = encode_packet(data);
    if (!packet) return packet.error();
    out.packet = std::move(*packet);
    const std::string original = !ctx.original_file.empty()
                                     ? ctx.original_file
                                     : (originals.empty() ? std::string() : originals.front());
    TB_TRY(check_binding(out.packet, rec, original));
    for (const auto& r : out.repairs) spdlog::warn("frame {}: {}", rec.seq, r);
    return out;
  } catch (const Exiv2::AnyError& e) {
    return make_error(Errc::internal, "building the XMP sidecar for frame {} failed: {}", rec.seq,
                      e.what());
  }
}

Result<std::string> make_sidecar(const FrameRecord& rec, const SidecarContext& ctx) {
  auto s = render_sidecar(rec, ctx);
  if (!s) return s.error();
  return std::move(s->packet);
}

Result<std::string> strip_gps(const std::string& xmp_packet) {
  TB_TRY(ensure_xmp_ready());
  try {
    auto decoded = decode_packet(xmp_packet);
    if (!decoded)
      return make_error(Errc::invalid, "cannot strip GPS: the sidecar is {}",
                        decoded.error().message);
    Exiv2::XmpData& data = *decoded;
    const std::string tb_gps = kTb + "Gps";
    size_t removed = 0;
    for (auto it = data.begin(); it != data.end();) {
      const std::string& key = it->key();
      const bool exif_gps = key.rfind("Xmp.exif.GPS", 0) == 0;
      const bool tb_gps_detail = key.rfind(tb_gps, 0) == 0 && key != kTb + "GpsStatus";
      if (exif_gps || tb_gps_detail) {
        it = data.erase(it);
        ++removed;
      } else {
        ++it;
      }
    }
    // Say why there is no position, so a reader does not take it for a missing fix.
    auto status = data.findKey(Exiv2::XmpKey(kTb + "GpsStatus"));
    if (status != data.end()) data.erase(status);
    Writer(data).text(kTb + "GpsStatus", "stripped");
    spdlog::debug("strip_gps: removed {} GPS properties", removed);
    return encode_packet(data);
  } catch (const Exiv2::AnyError& e) {
    return make_error(Errc::invalid, "cannot strip GPS from the sidecar: {}", e.what());
  }
}

}  // namespace tb::capture
