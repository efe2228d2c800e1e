// The sim camera: renders the turntable scene for the world's current pose and lights, encodes
// it as the camera would (JPEG and/or DNG) and injects the faults the config asks for.
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cmath>

#include "image_encode.hpp"
#include "sim_random.hpp"
#include "tetherbox/hal/dng/dng.hpp"
#include "tetherbox/hal/sim/sim.hpp"

namespace tb::hal::sim {
namespace {

constexpr uint16_t kBlackLevel = 512;
constexpr uint16_t kWhiteLevel = 65535;
constexpr int kJpegQuality = 92;
constexpr double kTriggerUncertaintyS = 0.005;
constexpr auto kVirtualReadout = std::chrono::milliseconds(100);  // sensor readout + processing
// One name everywhere: CameraInfo (the sidecar and journal), the DNG's Model and
// UniqueCameraModel, and the JPEG's Exif Model.
constexpr const char* kMake = "tetherbox";
constexpr const char* kModel = "tetherbox sim camera";

// A lens out of focus, crudely: a separable box blur of the given radius, horizontal then
// vertical, on the linear image before it is mosaicked and encoded.
void defocus(LinearImage& img, int radius) {
  const int w = img.width, h = img.height;
  std::vector<float> tmp(img.rgb.size());
  auto pass = [&](const std::vector<float>& src, std::vector<float>& dst, bool horizontal) {
    for (int y = 0; y < h; ++y)
      for (int x = 0; x < w; ++x)
        for (int c = 0; c < 3; ++c) {
          float sum = 0;
          int n = 0;
          for (int d = -radius; d <= radius; ++d) {
            const int xx = horizontal ? x + d : x, yy = horizontal ? y : y + d;
            if (xx < 0 || yy < 0 || xx >= w || yy >= h) continue;
            sum += src[(static_cast<size_t>(yy) * w + xx) * 3 + c];
            ++n;
          }
          dst[(static_cast<size_t>(y) * w + x) * 3 + c] = sum / static_cast<float>(n);
        }
  };
  pass(img.rgb, tmp, true);
  pass(tmp, img.rgb, false);
}

// A turntable still wobbling during the exposure: a horizontal box blur, longer the less the
// rig had settled (the subject turns on a vertical axis, so the smear is sideways).
void motion_blur(LinearImage& img, int radius) {
  const int w = img.width, h = img.height;
  std::vector<float> src = img.rgb;
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x)
      for (int c = 0; c < 3; ++c) {
        float sum = 0;
        int n = 0;
        for (int d = -radius; d <= radius; ++d) {
          const int xx = x + d;
          if (xx < 0 || xx >= w) continue;
          sum += src[(static_cast<size_t>(y) * w + xx) * 3 + c];
          ++n;
        }
        img.rgb[(static_cast<size_t>(y) * w + x) * 3 + c] = sum / static_cast<float>(n);
      }
}

bool contains(const std::vector<int>& v, uint64_t idx) {
  return std::any_of(v.begin(), v.end(),
                     [&](int i) { return i >= 0 && static_cast<uint64_t>(i) == idx; });
}

class SimCamera final : public Camera {
 public:
  SimCamera(std::shared_ptr<SimWorld> world, const config::Config& cfg,
            std::shared_ptr<Clock> clock)
      : world_(std::move(world)),
        cfg_(cfg),
        clock_(std::move(clock)),
        virtual_clock_(is_virtual_clock(*clock_)),
        renderable_(check_renderable(cfg)),
        // Not built for a config it cannot draw: its buffers could be gigabytes.
        renderer_(renderable_.ok() ? std::make_unique<Renderer>(cfg) : nullptr) {
    const auto& e = cfg.camera.exposure;
    exposure_ = ExposureSettings{e.shutter_s, e.aperture, e.iso, 0.0};
    const uint64_t seed = cfg.camera.sim.seed;
    serial_ = fmt::format("SIM{:08X}", stream_seed(seed, Stream::serial) & 0xffffffffULL);
    // Start close to the 9999 roll-over so an ordinary run shows that camera names repeat.
    next_number_ = 9980 + static_cast<int>(seed % 10);
    busy_seed_ = stream_seed(seed, Stream::busy);
  }

  Result<CameraInfo> open() override {
    const auto& fmt_name = cfg_.camera.format;
    if (fmt_name != "raw" && fmt_name != "jpeg" && fmt_name != "raw+jpeg")
      return make_error(Errc::invalid,
                        "sim camera: camera.format '{}' is not one of raw, jpeg, raw+jpeg",
                        fmt_name);
    TB_TRY(renderable_);
    if (session_lost_)
      return make_error(Errc::disconnected, "sim camera: not on the bus; call reconnect()");
    open_ = true;
    CameraInfo info;
    info.backend = "sim";
    info.model = kModel;
    info.serial = serial_;
    info.port = "sim";
    info.lens = fmt::format("{:g} mm pinhole", cfg_.lens.focal_length_mm);
    info.can_set_iso = true;
    info.can_raw = true;
    info.width = cfg_.camera.sim.width;
    info.height = cfg_.camera.sim.height;
    return info;
  }

  void close() override { open_ = false; }

  Status set_exposure(const ExposureSettings& e) override {
    TB_TRY(reachable());
    if (!(e.shutter_s > 0) || !std::isfinite(e.shutter_s))
      return make_error(Errc::invalid, "sim camera: shutterspeed {} s is not a positive time",
                        e.shutter_s);
    if (!(e.aperture > 0) || !std::isfinite(e.aperture))
      return make_error(Errc::invalid, "sim camera: f-number {} is not a positive aperture",
                        e.aperture);
    if (e.iso <= 0)
      return make_error(Errc::invalid, "sim camera: iso {} is not a positive sensitivity", e.iso);
    exposure_ = e;
    return ok_status();
  }

  Result<ExposureSettings> read_exposure() override {
    TB_TRY(reachable());
    return exposure_;
  }

  Status lock_automatics() override { return reachable(); }

  Result<std::optional<double>> sync_clock(UtcTime) override {
    TB_TRY(reachable());
    // The sim camera keeps the host's time exactly once set.
    return std::optional<double>(0.0);
  }

  Status drain() override { return reachable(); }

  Status reconnect() override {
    TB_TRY(renderable_);
    if (!session_lost_) {
      open_ = true;  // a reconnect re-opens the session whatever closed it
      return ok_status();
    }
    if (off_bus_calls_left_ > 0) {
      --off_bus_calls_left_;
      return make_error(Errc::disconnected,
                        "sim camera: still not on the bus ({} more attempts will fail)",
                        off_bus_calls_left_);
    }
    session_lost_ = false;
    open_ = true;
    spdlog::info("sim camera: reconnected");
    return ok_status();
  }

  Result<CaptureResult> capture(uint64_t request_id) override {
    const uint64_t idx = calls_++;
    const auto& faults = cfg_.camera.sim.faults;
    TB_TRY(renderable_);
    if (!open_ && !session_lost_)
      return make_error(Errc::invalid, "sim camera: capture before open(); open the session first");
    if (session_lost_) {
      if (off_bus_calls_left_ > 0) {
        --off_bus_calls_left_;
        return make_error(Errc::disconnected, "sim camera: not on the bus (capture call {})", idx);
      }
      return make_error(Errc::disconnected,
                        "sim camera: session lost after a disconnect; call reconnect()");
    }
    if (contains(faults.disconnect_at, idx)) {
      session_lost_ = true;
      off_bus_calls_left_ = std::max(0, faults.disconnect_captures - 1);
      spdlog::warn("sim camera: injected disconnect at capture call {}", idx);
      return make_error(Errc::disconnected,
                        "sim camera: device vanished from the bus at capture call {} (injected)",
                        idx);
    }
    if (faults.busy_probability > 0 && hash_unit(busy_seed_, idx) < faults.busy_probability)
      return make_error(Errc::busy, "sim camera: busy at capture call {} (injected), retry", idx);

    ExposureSettings applied = exposure_;
    if (contains(faults.wrong_exposure_at, idx)) {
      applied.shutter_s *= 2.0;  // one stop over, and the camera says so
      spdlog::warn("sim camera: applying a wrong shutter {} s at capture call {} (injected)",
                   applied.shutter_s, idx);
    }

    CaptureResult res;
    res.request_id = request_id;
    res.trigger_utc = clock_->now_utc();
    res.trigger_uncertainty_s = kTriggerUncertaintyS;
    res.reported = applied;
    res.reported_valid = true;
    const SteadyTime shutter_open = clock_->now_steady();
    if (virtual_clock_) {
      // On the host clock the render itself takes time; on virtual time nothing would pass and
      // a bracket's frames would share one trigger time (and one GPS/ambient sample). A body
      // needs the exposure plus its readout: charge that to the board's time.
      clock_->sleep_for(std::chrono::duration_cast<std::chrono::nanoseconds>(
                            std::chrono::duration<double>(std::min(applied.shutter_s, 3600.0))) +
                        kVirtualReadout);
    }
    const SteadyTime t0 = clock_->now_steady();

    RenderRequest req;
    SteadyTime still_at{};
    {
      std::lock_guard lock(world_->mu);
      req.pose = world_->pose;
      req.lights_on = world_->lights_on;
      still_at = world_->still_at;
    }
    req.exposure = applied;
    req.frame_index = idx;
    LinearImage img = renderer_->render(req);
    if (contains(faults.defocus_at, idx)) {
      defocus(img, faults.defocus_radius_px);
      spdlog::warn("sim camera: frame out of focus at capture call {} (injected)", idx);
    }
    if (shutter_open < still_at) {
      const double wobble_ms =
          std::chrono::duration<double, std::milli>(still_at - shutter_open).count();
      const double needed = std::max(1, cfg_.turntable.sim.needed_settle_ms);
      const int radius = 2 + static_cast<int>(std::lround(6.0 * std::min(1.0, wobble_ms / needed)));
      motion_blur(img, radius);
      // The ground truth of the retake test: which request the sim blurred.
      spdlog::warn(
          "sim camera: motion blur at capture call {} request {}: the turntable needed {:.0f} ms "
          "more to settle (injected)",
          idx, request_id, wobble_ms);
    }

    const int number = next_number_;
    const std::string& format = cfg_.camera.format;
    // Both files carry the exposure the frame was really taken with (a wrong_exposure_at
    // fault included), so the file itself can prove or disprove what the camera reported.
    dng::DngMeta meta;
    meta.make = kMake;
    meta.model = kModel;
    meta.unique_model = kModel;
    meta.serial = serial_;
    meta.datetime = format_exif_datetime(res.trigger_utc);
    meta.subsec = format_subsec_ms(res.trigger_utc);
    meta.exposure_time_s = applied.shutter_s;
    meta.f_number = applied.aperture;
    meta.iso = applied.iso;
    meta.focal_length_mm = focal_length_at(idx);
    if (format == "raw" || format == "raw+jpeg") {
      auto bytes = dng::encode_dng(mosaic_rggb(img, kBlackLevel, kWhiteLevel), meta);
      if (!bytes.ok())
        return make_error(Errc::io, "sim camera: writing the DNG failed: {}",
                          bytes.error().message);
      res.files.push_back(CapturedFile{camera_file_name(number, "DNG"), "dng", "image/x-adobe-dng",
                                       std::move(bytes.value())});
    }
    if (format == "jpeg" || format == "raw+jpeg") {
      auto bytes = encode_jpeg_srgb(img, kJpegQuality);
      if (!bytes.ok())
        return make_error(Errc::io, "sim camera: writing the JPEG failed: {}",
                          bytes.error().message);
      auto app1 = dng::exif_app1_segment(meta, img.width, img.height);
      if (!app1.ok())
        return make_error(Errc::io, "sim camera: writing the JPEG's Exif failed: {}",
                          app1.error().message);
      auto tagged = dng::insert_app1(bytes.value(), app1.value());
      if (!tagged.ok())
        return make_error(Errc::io, "sim camera: writing the JPEG's Exif failed: {}",
                          tagged.error().message);
      res.files.push_back(CapturedFile{camera_file_name(number, "JPG"), "jpg", "image/jpeg",
                                       std::move(tagged.value())});
    }
    if (res.files.empty())
      return make_error(Errc::invalid,
                        "sim camera: camera.format '{}' is not one of raw, jpeg, raw+jpeg", format);
    next_number_ = number % 9999 + 1;

    if (faults.slow_download_ms > 0)
      clock_->sleep_for(std::chrono::milliseconds(faults.slow_download_ms));
    res.download_s = seconds_between(t0, clock_->now_steady());
    return res;
  }

 private:
  // The focal length the frame's files report: the lens's own, unless a zoom_creep fault
  // moves it from a capture index on (only the Exif says so; the render keeps the nominal
  // field of view, which is what a check of the metadata needs).
  double focal_length_at(uint64_t idx) const {
    const auto& f = cfg_.camera.sim.faults;
    const double base = cfg_.lens.focal_length_mm;
    if (f.zoom_creep_from < 0 || idx < static_cast<uint64_t>(f.zoom_creep_from)) return base;
    const double crept =
        base + static_cast<double>(idx - static_cast<uint64_t>(f.zoom_creep_from) + 1) *
                   f.zoom_creep_mm_per_frame;
    return std::max(crept, 1.0);
  }

  Status reachable() const {
    if (session_lost_)
      return make_error(Errc::disconnected, "sim camera: not connected; call reconnect()");
    return ok_status();
  }

  std::shared_ptr<SimWorld> world_;
  config::Config cfg_;
  std::shared_ptr<Clock> clock_;
  bool virtual_clock_ = false;
  Status renderable_;
  std::unique_ptr<Renderer> renderer_;
  ExposureSettings exposure_;
  std::string serial_;
  uint64_t busy_seed_ = 0;
  uint64_t calls_ = 0;
  int next_number_ = 1;
  bool open_ = false;
  bool session_lost_ = false;
  int off_bus_calls_left_ = 0;
};

}  // namespace

std::unique_ptr<Camera> make_camera(std::shared_ptr<SimWorld> world, const config::Config& cfg,
                                    std::shared_ptr<Clock> clock) {
  return std::make_unique<SimCamera>(std::move(world), cfg, std::move(clock));
}

}  // namespace tb::hal::sim
