#pragma once
// The sim board: every device simulated, deterministic for a given seed, with fault injection.
// Devices of one board share a SimWorld (the turntable pose and the lights that are on are
// what the sim camera renders).
#include <array>
#include <cstdint>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "tetherbox/common/result.hpp"
#include "tetherbox/common/time_utc.hpp"
#include "tetherbox/config/config.hpp"
#include "tetherbox/hal/board.hpp"

namespace tb::hal::sim {

struct SimWorld {
  mutable std::mutex mu;
  RigPose pose;                     // set by the sim turntable (or by set_pose when none)
  std::set<std::string> lights_on;  // set by the sim lights
  // When the rig stops wobbling after its last move (turntable.sim.needed_settle_ms after it
  // arrived); the sim camera blurs a frame exposed before then.
  SteadyTime still_at{};
};

std::shared_ptr<SimWorld> make_world();

// The sim board's clock: virtual time (sleep_for advances it without waiting), so sim sessions
// run faster than real time and without wall-clock flakiness. UTC starts at the host's now.
// Background samplers run each tick at its virtual instant; a sleep never waits on the host.
std::shared_ptr<Clock> make_clock(const config::Config& cfg);
// True for a clock made by make_clock (devices idle on the host clock where nothing virtual can
// happen any more, so an endless wait loop does not spin).
bool is_virtual_clock(const Clock& clock);

// Every sim device draws its pseudo-random choices from cfg.camera.sim.seed, so one seed fixes
// the whole board (images, faults, GPS track, ambient dropouts).
//
// Sim camera faults, per capture() call (the call index counts every call, 0-based):
//  - disconnect_at: the call fails with Errc::disconnected and the camera is off the bus for
//    `disconnect_captures` calls in all (capture() and reconnect() both count); after that
//    reconnect() succeeds. capture() keeps failing until reconnect() succeeded.
//  - busy_probability: Errc::busy, decided by a hash of (seed, call index).
//  - wrong_exposure_at: the frame is taken one stop over (shutter x2) and reported as such.
//  - slow_download_ms: slept through the Clock on every successful download.
// On the virtual clock (make_clock) a capture also takes its exposure time plus 100 ms of
// readout, so the frames of a bracket have distinct trigger times; on the host clock the render
// itself takes that time. The JPEG carries Exif (Make, Model = CameraInfo::model, exposure
// actually used, time), as the DNG does.
std::unique_ptr<Camera> make_camera(std::shared_ptr<SimWorld> world, const config::Config& cfg,
                                    std::shared_ptr<Clock> clock);
std::unique_ptr<Turntable> make_turntable(std::shared_ptr<SimWorld> world,
                                          const config::Config& cfg, std::shared_ptr<Clock> clock);
std::unique_ptr<Lights> make_lights(std::shared_ptr<SimWorld> world, const config::Config& cfg);
std::unique_ptr<Buttons> make_buttons(const config::Config& cfg, std::shared_ptr<Clock> clock);
std::unique_ptr<GpsSource> make_gps(const config::Config& cfg, std::shared_ptr<Clock> clock);
std::unique_ptr<EnvironmentSensor> make_ambient(const config::Config& cfg,
                                                std::shared_ptr<Clock> clock);

// ---- The sim camera's renderer, exposed for tests and tools ------------------------------

// Linear scene-referred RGB (linear sRGB primaries), 0..1 after clipping, row-major, 3 floats
// per pixel.
struct LinearImage {
  int width = 0, height = 0;
  std::vector<float> rgb;
  double mean() const;  // over all channels
  std::array<double, 3> channel_means() const;
};

struct RenderRequest {
  RigPose pose;
  std::set<std::string> lights_on;
  ExposureSettings exposure;
  uint64_t frame_index = 0;  // selects the sensor noise pattern
  bool noise = true;
  bool clip = true;  // false: keep values above 1 (to measure exposure scaling)
};

// The largest image the sim camera renders (a 100 MP body); beyond it, allocation alone would
// take gigabytes.
constexpr int64_t kMaxSimPixels = 100'000'000;
// JPEG (and TurboJPEG) cannot describe a side longer than this.
constexpr int kMaxJpegSide = 65500;

// Whether the renderer can draw this config: image size within kMaxSimPixels (and JPEG limits
// when a JPEG is written), finite subject distance and radius with the camera outside the
// subject. Errc::invalid naming the setting and the limit otherwise. make_camera's open()
// returns this error; a Renderer built from such a config renders nothing.
Status check_renderable(const config::Config& cfg);

// Ray-casts the turntable scene of a config (object, disc, backdrop, lights, lens, sensor size).
// Building it generates the textures for cfg.camera.sim.seed (shared between renderers).
class Renderer {
 public:
  explicit Renderer(const config::Config& cfg);
  ~Renderer();
  Renderer(const Renderer&) = delete;
  Renderer& operator=(const Renderer&) = delete;
  // Empty (0x0) when the config is not renderable (see check_renderable).
  LinearImage render(const RenderRequest& req) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Linear value of a unit-albedo radiance at exposure `e` (the camera's exposure law):
// radiance * k * shutter * iso / aperture^2.
double exposure_gain(const ExposureSettings& e);

// Relative RGB of a blackbody at `kelvin` (Planck's law at three wavelengths), scaled so that
// 6500 K is (1,1,1) and the luminance is 1.
std::array<double, 3> blackbody_rgb(double kelvin);

// Encodes linear RGB as an sRGB JPEG (TurboJPEG, 4:2:0).
Result<std::vector<uint8_t>> encode_jpeg_srgb(const LinearImage& img, int quality);

// Dust on the sim sensor (camera.sim.dust): fixed soft specks, the ground truth of dust
// detection. A speck darkens the image by 1 - depth * exp(-(d / radius)^2) at distance d (in
// sensor pixels) from its centre; it does not move when the scene does.
struct DustSpeck {
  double x = 0, y = 0;  // centre, sensor pixels from the top-left corner
  double radius = 0;    // sensor pixels
  double depth = 0;     // darkening at the centre, 0..1
};
// Empty when camera.sim.dust is off.
std::vector<DustSpeck> dust_specks(const config::Config& cfg);
// The per-pixel transmission (w x h, 1 = clean) the renderer multiplies the image by.
void apply_dust(const std::vector<DustSpeck>& specks, int w, int h,
                std::vector<float>& transmission);

// Camera-style file names: DSC_0001.JPG ... DSC_9999.JPG then DSC_0001 again.
std::string camera_file_name(int number, const std::string& upper_ext);

}  // namespace tb::hal::sim
