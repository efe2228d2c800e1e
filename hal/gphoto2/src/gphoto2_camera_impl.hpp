#pragma once
// Private to the gphoto2 backend: the Camera on libgphoto2, declared once and defined in three
// files by concern: camera_session.cpp (open, the recovery ladder, the device lock),
// camera_widgets.cpp (exposure and session settings through config widgets) and
// camera_capture.cpp (the shot, downloads, events and binding files to requests, with the
// pure decisions in file_binding.hpp).
#include <atomic>
#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "frame_collector.hpp"
#include "gp_session.hpp"
#include "tetherbox/hal/gphoto2/gphoto2_camera.hpp"
#include "tetherbox/hal/gphoto2/widget_logic.hpp"

namespace tb::hal::gphoto2_backend::detail {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

// The frame a capture call is answering, kept across a disconnect so that reconnect() can
// find what the body wrote before the link dropped and capture() can deliver it exactly once.
struct PendingCapture {
  uint64_t request_id = 0;
  std::optional<std::string> path;     // from gp_camera_capture, when it returned
  std::vector<std::string> recovered;  // found on the card after reconnect
  UtcTime trigger_utc{};
  double trigger_uncertainty_s = 0;
};

class GphotoCamera final : public tb::hal::Camera {
 public:
  GphotoCamera(const config::Config& cfg, Options opts) : cfg_(cfg.camera), opts_(std::move(opts)) {
    for (const auto& l : cfg.lighting.lights) {
      light_kelvin_ = l.colour_temp_k;
      break;
    }
    if (opts_.files_per_shot > 0) files_per_shot_ = opts_.files_per_shot;
  }
  ~GphotoCamera() override { close(); }

  Result<CameraInfo> open() override;
  void close() override;
  Status set_exposure(const ExposureSettings& e) override;
  Result<ExposureSettings> read_exposure() override;
  Status lock_automatics() override;
  Result<std::optional<double>> sync_clock(UtcTime utc) override;
  Status drain() override;
  Result<CaptureResult> capture(uint64_t request_id) override;
  Status reconnect() override;
  Result<int> battery_percent() override;                   // camera_liveview.cpp
  Result<std::vector<uint8_t>> capture_preview() override;  // camera_liveview.cpp

 private:
  // --- device lock: one owner at a time, others refused at once
  std::unique_lock<std::mutex> try_own(const char* what, Error* refused);

  // --- session
  Status connect_once(const DetectedCamera& want);
  Status connect_with_wait(std::chrono::milliseconds budget);
  void teardown();
  Status resolve_widgets();
  Error fail(int rc, const std::string& what, bool during_capture = false);
  void trace(std::string_view call) const {
    if (opts_.on_gp_call) opts_.on_gp_call(call);
  }
  bool probe_dead();  // true when the session is gone (marks it dead)

  // --- widgets
  Result<std::string> read_text(const std::string& name);
  Status write_choice(Setting s, const std::string& name, const std::string& choice);
  Status apply_exposure(const ExposureSettings& e);
  Status apply_session_settings();
  Result<ExposureSettings> read_exposure_now();
  void note(std::string text);

  // --- files
  Status list_card(const std::string& folder, std::set<std::string>& out, int depth = 0);
  Result<CapturedFile> download(const std::string& path, double& seconds);
  Status download_with_retry(const std::string& path, CaptureResult& out);
  Result<binding::BodyEvent> next_event(std::chrono::milliseconds wait);
  Status drain_events(std::chrono::milliseconds per_wait, std::chrono::milliseconds budget);
  Status collect_companions(const std::string& primary, int already, CaptureResult& out);
  friend class FrameBodyOnGphoto;
  Result<CaptureResult> finish_capture(const std::string& primary,
                                       std::vector<std::string> companions);
  Result<CaptureResult> recover_pending(uint64_t request_id);

  config::Camera cfg_;
  Options opts_;
  double light_kelvin_ = 5500.0;

  std::mutex device_mu_;
  std::atomic<uint64_t> in_flight_{0};

  std::unique_ptr<GpContext> ctx_;
  ::Camera* cam_ = nullptr;
  CameraAbilitiesList* abilities_ = nullptr;
  GPPortInfoList* ports_ = nullptr;
  bool dead_ = false;
  CameraInfo info_;
  std::map<Setting, std::string> widget_names_;

  std::optional<ExposureSettings> commanded_;
  ExposureSettings reported_;
  bool reported_valid_ = false;
  bool reported_dirty_ = true;
  bool automatics_locked_ = false;

  std::set<std::string> known_;          // card paths on the card at open, delivered, or stray
  std::optional<int> files_per_shot_;    // nullopt: not known yet (see Options::files_per_shot)
  bool files_per_shot_learned_ = false;  // from the events, not from the body's settings
  std::string last_primary_;             // the last frame delivered
  size_t largest_download_ = 0;          // bytes: sizes the next download's buffer
  std::optional<PendingCapture> pending_;
  std::vector<std::string> notes_;  // attached to the next capture result
  std::set<std::string> noted_once_;
};

}  // namespace tb::hal::gphoto2_backend::detail
