// bench_gphoto2_bare [FRAMES [DRAIN_MS]] — the floor for per-frame capture + download: libgphoto2
// alone. Auto-detects the camera, opens one session, then loops gp_camera_capture +
// gp_camera_file_get into a CameraFile in memory (nothing written to disk, no hashing, no events
// drained), and prints the per-frame time. scripts/bench compares `tetherbox run` with this figure.
// DRAIN_MS >= 0 adds what many tethering programs do after each frame (tetherbox's gphoto2
// backend did, to bind RAW+JPEG companions, until it waited only for a missing file): wait for
// events with that timeout until the camera has none left; it is reported separately.
#include <gphoto2/gphoto2-camera.h>
#include <gphoto2/gphoto2-context.h>
#include <gphoto2/gphoto2-file.h>
#include <gphoto2/gphoto2-result.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <vector>

#ifdef TB_BARE_QUIET_DATA_LOG
// bench_gphoto2_bare_quiet: as tetherbox does (hal/gphoto2/src/gp_session.cpp), this program's
// gp_log_data takes the place of libgphoto2 2.5.30's, which hexdumps every port read even when
// no log function listens. Everything else is the plain loop.
extern "C" void gp_log_data(const char*, const char*, unsigned int, const char*, ...) {}
#endif

namespace {

using Clock = std::chrono::steady_clock;

double ms_since(Clock::time_point t0) {
  return std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
}

int die(const char* what, int rc) {
  std::fprintf(stderr, "bench_gphoto2_bare: %s failed: %d (%s)\n", what, rc,
               gp_result_as_string(rc));
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  const int frames = argc > 1 ? std::atoi(argv[1]) : 30;
  const int drain_wait_ms = argc > 2 ? std::atoi(argv[2]) : -1;
  if (frames < 2) {
    std::fprintf(stderr, "usage: bench_gphoto2_bare [FRAMES >= 2 [DRAIN_MS]]\n");
    return 2;
  }
  GPContext* ctx = gp_context_new();
  Camera* cam = nullptr;
  gp_camera_new(&cam);
  auto t_init = Clock::now();
  // No model or port set: gp_camera_init auto-detects, as `gphoto2` does with no settings.
  if (int rc = gp_camera_init(cam, ctx); rc < GP_OK) return die("gp_camera_init", rc);
  const double init_ms = ms_since(t_init);

  std::vector<double> per_frame;
  double capture_ms = 0, download_ms = 0, drain_ms = 0;
  int events = 0;
  unsigned long bytes = 0;
  auto t_all = Clock::now();
  for (int i = 0; i < frames; ++i) {
    auto t0 = Clock::now();
    CameraFilePath path{};
    if (int rc = gp_camera_capture(cam, GP_CAPTURE_IMAGE, &path, ctx); rc < GP_OK)
      return die("gp_camera_capture", rc);
    const auto t1 = Clock::now();
    capture_ms += std::chrono::duration<double, std::milli>(t1 - t0).count();
    CameraFile* file = nullptr;
    gp_file_new(&file);
    if (int rc = gp_camera_file_get(cam, path.folder, path.name, GP_FILE_TYPE_NORMAL, file, ctx);
        rc < GP_OK)
      return die("gp_camera_file_get", rc);
    const char* data = nullptr;
    unsigned long size = 0;
    gp_file_get_data_and_size(file, &data, &size);
    if (!data || size == 0) {
      std::fprintf(stderr, "bench_gphoto2_bare: %s/%s downloaded empty\n", path.folder, path.name);
      return 1;
    }
    download_ms += ms_since(t1);
    bytes = size;
    gp_file_free(file);
    const auto t2 = Clock::now();
    for (int more = drain_wait_ms >= 0; more;) {
      CameraEventType type;
      void* data = nullptr;
      if (int rc = gp_camera_wait_for_event(cam, drain_wait_ms, &type, &data, ctx); rc < GP_OK)
        return die("gp_camera_wait_for_event", rc);
      free(data);  // NOLINT: libgphoto2 hands over malloc'd event data
      more = type != GP_EVENT_TIMEOUT;
      events += more;
    }
    drain_ms += ms_since(t2);
    per_frame.push_back(ms_since(t0));
  }
  const double all_ms = ms_since(t_all);
  gp_camera_exit(cam, ctx);
  gp_camera_free(cam);
  gp_context_unref(ctx);

  // Steady state: frames 2..N (the first pays for the driver's first-capture set-up).
  double steady = 0;
  for (size_t i = 1; i < per_frame.size(); ++i) steady += per_frame[i];
  steady /= static_cast<double>(per_frame.size() - 1);
  std::sort(per_frame.begin(), per_frame.end());
  std::printf(
      "bare libgphoto2: %d frames of %.1f MB, steady %.1f ms/frame (frames 2..%d), "
      "all %.1f ms/frame (capture %.1f + download %.1f), median %.1f ms, init %.0f ms\n",
      frames, static_cast<double>(bytes) / 1e6, steady, frames, all_ms / frames,
      capture_ms / frames, download_ms / frames, per_frame[per_frame.size() / 2], init_ms);
  if (drain_wait_ms >= 0)
    std::printf("event drain (wait %d ms): %.1f ms/frame, %d events\n", drain_wait_ms,
                drain_ms / frames, events);
  std::printf("bare_ms_per_frame: %.3f\n", steady);
  return 0;
}
