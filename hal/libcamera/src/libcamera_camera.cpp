// tb::hal::Camera on libcamera. One thread (the engine's) calls in; libcamera completes requests
// on its own thread, which only hands them over through a queue.
#include "tetherbox/hal/libcamera/libcamera_camera.hpp"

#include <spdlog/spdlog.h>
#include <time.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <condition_variable>
#include <deque>
#include <mutex>

#include "libcamera_compat.hpp"
#include "mapped_buffers.hpp"
#include "tetherbox/common/time_utc.hpp"
#include "tetherbox/hal/libcamera/control_logic.hpp"
#include "tetherbox/hal/libcamera/frame_convert.hpp"

namespace tb::hal::libcamera_backend {
namespace {

namespace lc = libcamera;

constexpr int kMaxSettleFrames = 24;  // controls land 2-4 frames late; long exposures need more
constexpr int kWarmupFrames = 12;     // AWB converges in ~10 frames before its gains are frozen
constexpr int kJpegQuality = 95;

Error no_cameras_error() {
  return make_error(Errc::not_found,
                    "libcamera {} found no cameras. Check the ribbon cable and "
                    "camera_auto_detect/dtoverlay in /boot/firmware/config.txt, then "
                    "`rpicam-hello --list-cameras`",
                    compat::version_string());
}

std::string lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

std::vector<std::string> format_names(const lc::StreamConfiguration& cfg) {
  std::vector<std::string> names;
  for (const auto& pf : cfg.formats().pixelformats()) names.push_back(pf.toString());
  return names;
}

// CLOCK_MONOTONIC nanoseconds (libcamera's SensorTimestamp clock, from V4L2 buffer timestamps).
int64_t monotonic_ns() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return int64_t(ts.tv_sec) * 1000000000 + ts.tv_nsec;
}

class LibcameraCamera final : public Camera {
 public:
  explicit LibcameraCamera(const config::Config& cfg) : cfg_(cfg) {
    commanded_.exposure_us = shutter_to_us(cfg.camera.exposure.shutter_s);
    commanded_.gain = iso_to_gain(cfg.camera.exposure.iso);
    exposure_ = {cfg.camera.exposure.shutter_s, cfg.camera.exposure.aperture,
                 cfg.camera.exposure.iso, 0.0};
  }
  ~LibcameraCamera() override { close(); }

  Result<CameraInfo> open() override {
    close();
    manager_ = std::make_unique<lc::CameraManager>();
    if (int rc = manager_->start(); rc != 0) {
      manager_.reset();
      // A libcamera built without udev enumerates /sys/bus/media and fails with ENODEV when the
      // kernel has no media devices at all: for the user that is the same as "no camera".
      if (rc == -ENODEV) return no_cameras_error();
      return make_error(Errc::io, "libcamera {} camera manager did not start (error {})",
                        compat::version_string(), rc);
    }
    auto picked = pick_camera();
    TB_TRY(picked);
    camera_ = *picked;
    if (camera_->acquire() != 0) {
      camera_.reset();
      return make_error(Errc::busy,
                        "camera is in use by another process (rpicam-apps, picamera2, another "
                        "tetherboxd?); stop it and retry");
    }
    auto st = configure();
    if (!st.ok()) {
      close();
      return st.error();
    }
    CameraInfo info;
    info.backend = "libcamera";
    info.model = model_;
    info.port = camera_->id();
    info.can_set_iso = true;
    info.can_raw = raw_stream_ != nullptr;
    info.width = width_;
    info.height = height_;
    spdlog::info("libcamera {}: opened {} ({}) {}x{} raw={} processed={}", compat::version_string(),
                 model_, camera_->id(), width_, height_, raw_format_ ? raw_format_->name : "none",
                 processed_format_);
    return info;
  }

  void close() override {
    if (camera_) {
      if (started_) camera_->stop();  // completes every queued request as cancelled
      started_ = false;
      camera_->requestCompleted.disconnect(this);
      {
        std::lock_guard lk(mu_);
        completed_.clear();
      }
      requests_.clear();
      idle_.clear();
      generation_of_.clear();
      mapped_.unmap_all();
      allocator_.reset();
      config_.reset();
      camera_->release();
      camera_.reset();
    }
    raw_stream_ = processed_stream_ = nullptr;
    if (manager_) {
      manager_->stop();
      manager_.reset();
    }
  }

  Status set_exposure(const ExposureSettings& e) override {
    if (!camera_) return make_error(Errc::disconnected, "libcamera camera is not open");
    const int32_t us = shutter_to_us(e.shutter_s);
    const float gain = iso_to_gain(e.iso);
    const auto& info = camera_->controls();
    if (auto it = info.find(&lc::controls::ExposureTime); it != info.end()) {
      const int32_t lo = it->second.min().get<int32_t>(), hi = it->second.max().get<int32_t>();
      if (us < lo || us > hi)
        return make_error(Errc::invalid, "ExposureTime {} us (shutter {} s) is outside {}..{} us",
                          us, e.shutter_s, lo, hi);
    }
    if (auto it = info.find(&lc::controls::AnalogueGain); it != info.end()) {
      const float lo = it->second.min().get<float>(), hi = it->second.max().get<float>();
      if (gain < lo - 1e-3f || gain > hi + 1e-3f)
        return make_error(Errc::invalid,
                          "ISO {} needs AnalogueGain {:.2f}; the sensor takes "
                          "{:.2f}..{:.2f} (ISO {}..{})",
                          e.iso, gain, lo, hi, gain_to_iso(lo), gain_to_iso(hi));
    }
    commanded_ = {us, gain};
    exposure_ = e;
    return ok_status();
  }

  Result<ExposureSettings> read_exposure() override { return exposure_; }

  Status lock_automatics() override {
    if (!camera_) return make_error(Errc::disconnected, "libcamera camera is not open");
    // Let AWB settle under the commanded exposure, then freeze the gains it found.
    awb_locked_ = false;
    std::optional<std::array<float, 2>> gains;
    ++generation_;
    for (int i = 0; i < kWarmupFrames; ++i) {
      auto req = next_frame();
      TB_TRY(req);
      const auto& md = compat::request_metadata(**req);
      if (auto g = md.get(lc::controls::ColourGains))
        gains = std::array<float, 2>{(*g)[0], (*g)[1]};
      requeue(*req);
    }
    if (gains) {
      wb_gains_ = *gains;
    } else {
      spdlog::warn("libcamera: no ColourGains metadata; locking white balance at unity gains");
      wb_gains_ = {1.0f, 1.0f};
    }
    awb_locked_ = true;
    spdlog::info("libcamera: white balance locked at R {:.3f} B {:.3f}", wb_gains_[0],
                 wb_gains_[1]);
    return ok_status();
  }

  Result<std::optional<double>> sync_clock(UtcTime) override {
    return std::optional<double>{};  // a sensor module has no clock of its own
  }

  Status drain() override {
    if (!camera_) return make_error(Errc::disconnected, "libcamera camera is not open");
    ++generation_;  // everything queued before now is stale
    return ok_status();
  }

  Result<CaptureResult> capture(uint64_t request_id) override {
    if (!camera_) return make_error(Errc::disconnected, "libcamera camera is not open");
    ++generation_;  // only frames queued from here on can answer this request
    SettleMatcher matcher(commanded_, MatchTolerance{}, kMaxSettleFrames);
    for (;;) {
      auto req = next_frame();
      TB_TRY(req);
      const auto& md = compat::request_metadata(**req);
      FrameMetadata fm;
      fm.sequence = (*req)->sequence();
      fm.exposure_us = md.get(lc::controls::ExposureTime);
      fm.gain = md.get(lc::controls::AnalogueGain);
      switch (matcher.feed(fm)) {
        case SettleMatcher::Verdict::skip:
          spdlog::debug("libcamera: skipping {}", matcher.reason());
          requeue(*req);
          continue;
        case SettleMatcher::Verdict::timeout:
          requeue(*req);
          return matcher.timeout_error();
        case SettleMatcher::Verdict::accept:
          break;
      }
      auto result = build_result(request_id, **req, matcher.frames_seen());
      requeue(*req);
      return result;
    }
  }

  Status reconnect() override {
    auto r = open();
    if (!r.ok()) return r.error();
    if (awb_locked_) TB_TRY(lock_automatics());
    return ok_status();
  }

 private:
  Result<std::shared_ptr<lc::Camera>> pick_camera() {
    const auto cams = manager_->cameras();
    if (cams.empty()) return no_cameras_error();
    const auto& sel = cfg_.camera.select;
    std::string seen;
    for (const auto& cam : cams) {
      const std::string model = compat::camera_model(*cam);
      seen += (seen.empty() ? "" : ", ") + model + " (" + cam->id() + ")";
      if (!sel.model.empty() && lower(model).find(lower(sel.model)) == std::string::npos) continue;
      if (!sel.port.empty() && cam->id() != sel.port) continue;
      model_ = model;
      return cam;
    }
    return make_error(Errc::not_found,
                      "no libcamera camera matches model '{}' port '{}'; found: {}", sel.model,
                      sel.port, seen);
  }

  Status configure() {
    const std::string& fmt = cfg_.camera.format;
    const bool want_raw = fmt.find("raw") != std::string::npos;
    const bool want_jpeg = fmt.find("jpeg") != std::string::npos;
    std::vector<lc::StreamRole> roles;
    if (want_jpeg) roles.push_back(lc::StreamRole::StillCapture);
    if (want_raw) roles.push_back(lc::StreamRole::Raw);
    config_ = compat::generate_configuration(*camera_, roles);
    if (!config_ || config_->size() != roles.size())
      return make_error(Errc::unsupported, "camera {} cannot provide the streams for format '{}'",
                        model_, fmt);
    compat::set_native_orientation(*config_);

    int idx = 0;
    if (want_jpeg) {
      auto& sc = config_->at(idx++);
      auto pf = choose_processed_format(format_names(sc));
      TB_TRY(pf);
      sc.pixelFormat = lc::PixelFormat::fromString(*pf);
      sc.bufferCount = std::max(sc.bufferCount, 2u);
    }
    if (want_raw) {
      auto& rc = config_->at(idx);
      auto choice = choose_raw_format(format_names(rc));
      TB_TRY(choice);
      const auto pf = lc::PixelFormat::fromString(choice->name);
      rc.pixelFormat = pf;
      // Full sensor readout: the largest size offered for that format.
      auto sizes = rc.formats().sizes(pf);
      if (!sizes.empty())
        rc.size = *std::max_element(sizes.begin(), sizes.end(), [](auto& a, auto& b) {
          return uint64_t(a.width) * a.height < uint64_t(b.width) * b.height;
        });
      rc.bufferCount = std::max(rc.bufferCount, 2u);
      raw_format_ = *choice;
    }
    if (want_jpeg && want_raw) config_->at(0).size = config_->at(1).size;

    const auto status = config_->validate();
    if (status == lc::CameraConfiguration::Invalid)
      return make_error(Errc::unsupported, "libcamera rejected the stream configuration {}",
                        config_->at(0).toString());
    if (want_raw) {
      const auto& rc = config_->at(want_jpeg ? 1 : 0);
      if (rc.pixelFormat.toString() != raw_format_->name)
        return make_error(Errc::unsupported,
                          "the pipeline replaced RAW format {} by {}, which tetherbox cannot "
                          "store as DNG (Pi 5: needs an unpacked 16-bit mode)",
                          raw_format_->name, rc.pixelFormat.toString());
    }
    if (camera_->configure(config_.get()) != 0)
      return make_error(Errc::io, "libcamera could not configure {}", model_);

    idx = 0;
    if (want_jpeg) {
      processed_stream_ = config_->at(idx).stream();
      processed_format_ = config_->at(idx).pixelFormat.toString();
      processed_cfg_ = config_->at(idx);
      ++idx;
    }
    if (want_raw) {
      raw_stream_ = config_->at(idx).stream();
      raw_cfg_ = config_->at(idx);
    }
    const auto& main = want_raw ? raw_cfg_ : processed_cfg_;
    width_ = int(main.size.width);
    height_ = int(main.size.height);

    allocator_ = std::make_unique<lc::FrameBufferAllocator>(camera_);
    std::size_t count = SIZE_MAX;
    for (auto* s : {processed_stream_, raw_stream_}) {
      if (!s) continue;
      if (allocator_->allocate(s) < 0)
        return make_error(Errc::no_space, "cannot allocate frame buffers for {}",
                          s->configuration().toString());
      count = std::min(count, allocator_->buffers(s).size());
    }
    for (std::size_t i = 0; i < count; ++i) {
      auto req = camera_->createRequest(i);
      if (!req) return make_error(Errc::internal, "libcamera could not create a request");
      for (auto* s : {processed_stream_, raw_stream_}) {
        if (!s) continue;
        auto* buf = allocator_->buffers(s)[i].get();
        if (req->addBuffer(s, buf) != 0)
          return make_error(Errc::internal, "could not attach a buffer to a request");
        TB_TRY(mapped_.map(buf));
      }
      requests_.push_back(std::move(req));
    }
    camera_->requestCompleted.connect(this, &LibcameraCamera::on_completed);

    lc::ControlList start_controls(camera_->controls());
    set_controls(start_controls);
    if (camera_->start(&start_controls) != 0)
      return make_error(Errc::io, "libcamera could not start {}", model_);
    started_ = true;
    idle_.clear();
    for (auto& r : requests_) idle_.push_back(r.get());
    return ok_status();
  }

  void set_controls(lc::ControlList& c) const {
    compat::set_manual_exposure(c, commanded_.exposure_us, commanded_.gain);
    if (awb_locked_)
      compat::set_fixed_white_balance(c, wb_gains_[0], wb_gains_[1]);
    else
      c.set(lc::controls::AwbEnable, true);
    // Let the frame be as long as the exposure needs, and no longer than necessary.
    const int64_t exp = commanded_.exposure_us;
    const std::array<int64_t, 2> limits = {std::min<int64_t>(exp, 33333),
                                           std::max<int64_t>(exp + 20000, 33333)};
    c.set(lc::controls::FrameDurationLimits, lc::Span<const int64_t, 2>(limits));
  }

  void on_completed(lc::Request* r) {
    {
      std::lock_guard lk(mu_);
      completed_.push_back(r);
    }
    cv_.notify_one();
  }

  // Queues every idle request under the current generation and returns the next completed one
  // of that generation; stale completions are requeued (with current controls) on the way.
  Result<lc::Request*> next_frame() {
    for (auto* r : idle_) TB_TRY(queue(r));
    idle_.clear();
    const auto wait = std::chrono::milliseconds(2000 + commanded_.exposure_us / 1000 * 2);
    for (;;) {
      lc::Request* r = nullptr;
      {
        std::unique_lock lk(mu_);
        if (!cv_.wait_for(lk, wait, [&] { return !completed_.empty(); }))
          return make_error(Errc::timeout,
                            "no frame from {} within {} ms; the camera may have stalled or been "
                            "unplugged",
                            model_, wait.count());
        r = completed_.front();
        completed_.pop_front();
      }
      if (r->status() == lc::Request::RequestCancelled)
        return make_error(Errc::disconnected, "libcamera cancelled a request: camera stopped");
      if (generation_of_[r] != generation_) {
        TB_TRY(queue(r));
        continue;
      }
      return r;
    }
  }

  Status queue(lc::Request* r) {
    r->reuse(lc::Request::ReuseBuffers);
    set_controls(r->controls());
    generation_of_[r] = generation_;
    if (camera_->queueRequest(r) != 0)
      return make_error(Errc::io, "libcamera refused to queue a request");
    return ok_status();
  }

  void requeue(lc::Request* r) { idle_.push_back(r); }

  Result<CaptureResult> build_result(uint64_t request_id, const lc::Request& req, int frames) {
    const auto& md = compat::request_metadata(req);
    CaptureResult out;
    out.request_id = request_id;
    const auto exp_us = md.get(lc::controls::ExposureTime).value_or(commanded_.exposure_us);
    const auto gain = md.get(lc::controls::AnalogueGain).value_or(commanded_.gain);
    out.reported = {exp_us / 1e6, exposure_.aperture, gain_to_iso(gain), 0.0};
    out.reported_valid = true;
    out.notes.push_back(
        fmt::format("aperture is fixed on Pi camera modules; recorded as configured "
                    "f/{}",
                    exposure_.aperture));
    if (frames > 1)
      out.notes.push_back(fmt::format("{} frames skipped while controls applied", frames - 1));
    // Frame start on the UTC clock: SensorTimestamp is CLOCK_MONOTONIC at start of exposure.
    const auto now_utc = std::chrono::system_clock::now();
    const int64_t now_mono = monotonic_ns();
    if (auto ts = md.get(lc::controls::SensorTimestamp)) {
      out.trigger_utc = now_utc - std::chrono::nanoseconds(now_mono - *ts);
      out.trigger_uncertainty_s = 0.001;
    } else {
      out.trigger_utc = now_utc - std::chrono::microseconds(exp_us);
      out.trigger_uncertainty_s = 0.05;
      out.notes.push_back("no SensorTimestamp: trigger time from completion time");
    }
    const auto t0 = std::chrono::steady_clock::now();

    if (processed_stream_) {
      auto* buf = req.findBuffer(processed_stream_);
      auto jpeg = encode_processed(buf);
      TB_TRY(jpeg);
      out.files.push_back(
          {fmt::format("frame_{:06}.jpg", req.sequence()), "jpg", "image/jpeg", std::move(*jpeg)});
    }
    if (raw_stream_) {
      auto* buf = req.findBuffer(raw_stream_);
      auto dngb = encode_raw(buf, md, out);
      TB_TRY(dngb);
      out.files.push_back({fmt::format("frame_{:06}.dng", req.sequence()), "dng",
                           "image/x-adobe-dng", std::move(*dngb)});
    }
    out.download_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    return out;
  }

  Result<std::vector<uint8_t>> encode_processed(const lc::FrameBuffer* buf) {
    const int w = int(processed_cfg_.size.width), h = int(processed_cfg_.size.height);
    const int stride = int(processed_cfg_.stride);
    if (processed_format_ == "YUV420") {
      Yuv420Planes p;
      p.y_stride = stride;
      p.uv_stride = stride / 2;
      if (compat::plane_count(*buf) >= 3) {
        p.y = mapped_.plane(buf, 0);
        p.u = mapped_.plane(buf, 1);
        p.v = mapped_.plane(buf, 2);
      } else {  // one plane holding Y, U, V back to back
        auto all = mapped_.plane(buf, 0);
        const std::size_t ysz = std::size_t(stride) * h,
                          csz = std::size_t(stride / 2) * ((h + 1) / 2);
        if (all.size() < ysz + 2 * csz)
          return make_error(Errc::io, "YUV420 buffer of {} bytes is too small", all.size());
        p.y = all.subspan(0, ysz);
        p.u = all.subspan(ysz, csz);
        p.v = all.subspan(ysz + csz, csz);
      }
      return jpeg_from_yuv420(p, w, h, kJpegQuality);
    }
    return jpeg_from_rgb24(mapped_.plane(buf, 0), w, h, stride, processed_format_, kJpegQuality);
  }

  Result<std::vector<uint8_t>> encode_raw(const lc::FrameBuffer* buf, const lc::ControlList& md,
                                          const CaptureResult& cr) {
    auto img = bayer_from_buffer(mapped_.plane(buf, 0), int(raw_cfg_.size.width),
                                 int(raw_cfg_.size.height), raw_cfg_.stride, *raw_format_);
    TB_TRY(img);
    if (auto bl = md.get(lc::controls::SensorBlackLevels))
      img->black_level =
          black_level_for_bits({(*bl)[0], (*bl)[1], (*bl)[2], (*bl)[3]}, raw_format_->bits);
    std::optional<std::array<float, 9>> ccm;
    if (auto m = md.get(lc::controls::ColourCorrectionMatrix)) {
      ccm.emplace();
      std::copy(m->begin(), m->end(), ccm->begin());
    }
    std::optional<std::array<float, 2>> gains;
    if (auto g = md.get(lc::controls::ColourGains)) gains = std::array<float, 2>{(*g)[0], (*g)[1]};
    auto colour = dng_colour(ccm, gains);
    TB_TRY(colour);
    img->color_matrix1 = colour->color_matrix1;
    img->as_shot_neutral = colour->as_shot_neutral;
    dng::DngMeta meta;
    meta.make = "Raspberry Pi";
    meta.model = model_;
    meta.unique_model = "Raspberry Pi " + model_;
    meta.datetime = format_exif_datetime(cr.trigger_utc);
    meta.subsec = format_subsec_ms(cr.trigger_utc);
    meta.offset_time = "+00:00";
    meta.exposure_time_s = cr.reported.shutter_s;
    meta.f_number = exposure_.aperture;
    meta.iso = cr.reported.iso;
    meta.focal_length_mm = cfg_.lens.focal_length_mm;
    return dng::encode_dng(*img, meta);
  }

  config::Config cfg_;
  Commanded commanded_;
  ExposureSettings exposure_;
  std::array<float, 2> wb_gains_ = {1.0f, 1.0f};
  bool awb_locked_ = false;

  std::unique_ptr<lc::CameraManager> manager_;
  std::shared_ptr<lc::Camera> camera_;
  std::unique_ptr<lc::CameraConfiguration> config_;
  std::unique_ptr<lc::FrameBufferAllocator> allocator_;
  std::vector<std::unique_ptr<lc::Request>> requests_;
  MappedBuffers mapped_;
  bool started_ = false;
  std::string model_;
  int width_ = 0, height_ = 0;

  lc::Stream* raw_stream_ = nullptr;
  lc::Stream* processed_stream_ = nullptr;
  lc::StreamConfiguration raw_cfg_, processed_cfg_;
  std::optional<RawFormatChoice> raw_format_;
  std::string processed_format_ = "none";

  uint64_t generation_ = 0;
  std::map<const lc::Request*, uint64_t> generation_of_;
  std::vector<lc::Request*> idle_;  // owned by requests_, not queued
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<lc::Request*> completed_;
};

}  // namespace

std::unique_ptr<Camera> make_camera(const config::Config& config) {
  return std::make_unique<LibcameraCamera>(config);
}

}  // namespace tb::hal::libcamera_backend
