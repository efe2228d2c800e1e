#pragma once
// tetherboxd's state: the config, the devices it owns while idle (GPS and ambient samplers for
// status, the camera probed until it appears), the session thread running capture::run_session
// with the control hooks, and the control requests that act on them.
#include <atomic>
#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include <nlohmann/json.hpp>

#include "config_load.hpp"
#include "idle_sync.hpp"
#include "protocol.hpp"
#include "server.hpp"
#include "tetherbox/capture/runner.hpp"
#include "tetherbox/hal/board.hpp"
#include "watched_camera.hpp"

namespace tb::daemon {

class TriggerButtons;

struct DaemonOptions {
  std::string config_path;
  std::string socket_path;
  std::string storage;  // overrides storage.root when not empty
  std::chrono::milliseconds read_deadline{5000};
  // A camera call older than this is hung: the watchdog pings stop (systemd then restarts the
  // service after WatchdogSec). 0: 60 s plus twice the config's shutter time.
  std::chrono::milliseconds camera_call_limit{0};
};

class Daemon {
 public:
  // Loads and checks the config, wires the idle devices. Errors: a config that `plan` refuses
  // (file:line:col), a device the config names that cannot be wired.
  static Result<std::unique_ptr<Daemon>> create(const DaemonOptions& o);
  ~Daemon();

  // Serves the socket until SIGTERM/SIGINT (then the session in flight is closed). 0: clean.
  int serve(Server& server);

  // Async-signal-safe: set by the signal handlers.
  static void on_terminate_signal();
  static void on_reload_signal();

 private:
  explicit Daemon(DaemonOptions o) : opt_(std::move(o)) {}

  std::string handle(const Request& r, const Peer& p, bool* subscribe, uint64_t client);
  nlohmann::json status_json();
  nlohmann::json sessions_json();
  std::string start(const Request& r, std::optional<LoadedConfig> cfg,
                    std::optional<std::filesystem::path> resume);
  std::string reload(const nlohmann::json& id);
  // Queues the frame for the device thread and promises the reply (Server::Hooks::handle): a
  // slow camera never holds the control loop. fetch_liveview runs on the device thread.
  std::string liveview(const nlohmann::json& id, uint64_t client);
  std::string fetch_liveview(const nlohmann::json& id, const std::string& backend);
  void on_open_sessions_at_start();
  void arm_buttons();
  bool idle_long_press();  // device thread

  // Idle devices: made from cfg_ while no session runs (on the device thread, so READY=1 does
  // not wait for them); the samplers feed `status`. A device that cannot be made is left out
  // and named in status; what works stays up.
  void wire_idle_devices();
  void release_idle_devices();
  void probe_camera();  // device thread
  void device_thread();

  void session_thread(LoadedConfig lc, std::optional<std::filesystem::path> resume,
                      std::unique_ptr<hal::Devices> devices);  // null: made by the thread
  void finish_session();  // loop thread: joins a finished session and re-wires the idle devices

  // WATCHDOG=1 unless a camera call (session or idle) has run past its limit: a hung camera
  // stops the pings even though the control loop still turns.
  void ping_watchdog();
  std::chrono::milliseconds call_limit_for(const config::Config& c) const;

  void emit(const std::string& type, nlohmann::json body = nlohmann::json::object());
  std::filesystem::path storage_root() const;
  void update_service_status();
  void housekeeping();

  DaemonOptions opt_;
  Server* server_ = nullptr;
  LoadedConfig cfg_;
  std::optional<LoadedConfig> pending_cfg_;  // reload accepted during a session

  std::mutex mu_;  // everything below
  std::unique_ptr<hal::Devices> idle_;
  bool idle_buttons_mode_ = false;  // the idle config is a field kit (long press starts)
  std::condition_variable dev_cv_;
  bool dev_quit_ = false;
  bool wire_pending_ = true;  // the device thread (re)makes the idle devices when idle
  std::vector<std::string> device_errors_;  // devices the idle wiring left out, with the cause
  std::thread dev_thread_;
  struct CameraState {
    bool connected = false;
    std::string model, backend, port, error;
    std::optional<int> battery_pct;  // read at each idle probe where the body reports it
  } camera_;
  std::string start_refused_;  // the last start's storage or device refusal, for status
  struct LiveviewJob {
    uint64_t client = 0;
    nlohmann::json id;
    std::string backend;  // cfg_'s when asked (a reload may replace cfg_ meanwhile)
  };
  std::optional<LiveviewJob> liveview_job_;  // queued or being fetched (cleared when posted)
  std::atomic<Server*> reply_server_{nullptr};  // outlives the daemon (main.cpp)

  const std::shared_ptr<CallWatch> call_watch_ = std::make_shared<CallWatch>();
  std::mutex wd_mu_;  // the watchdog's decision and its notify messages, in order
  bool wd_withheld_ = false;
  std::chrono::milliseconds call_limit_{60000};

  // The session in flight (or the last one).
  std::thread session_;
  bool running_ = false;
  std::atomic<bool> session_done_{false};
  std::atomic<bool> stop_{false};
  std::atomic<bool> pause_{false};
  bool stopping_ = false;
  std::atomic<bool> arm_requested_{false};
  uint64_t liveview_seq_ = 0;  // device thread: live view request ids
  std::string session_name_, session_mode_, session_bag_;
  TriggerButtons* trigger_ = nullptr;  // owned by the session's devices
  hal::GpsSource* live_gps_ = nullptr;
  hal::EnvironmentSensor* live_ambient_ = nullptr;
  std::shared_ptr<hal::Clock> live_clock_;
  capture::Progress progress_;
  // Socket press -> first capture call of its bracket, host milliseconds (the last 1000).
  // Its own lock (taken alone or inside mu_): the capture path records here without mu_.
  std::mutex press_mu_;
  std::vector<double> press_latency_ms_;
  size_t faults_ = 0;
  nlohmann::json last_summary_;
  // Bytes one frame costs on disk (originals, sidecar, preview), from the last session's bag;
  // unknown (0) until a session has taken one. During a session the free-space drop stands in.
  double frame_bytes_ = 0;
  uint64_t free_at_start_ = 0;

  config::Config session_cfg_;  // the running session's, for reload's comparison
  std::vector<std::string> open_sessions_;  // found at start and after each session
  std::mutex probe_mu_;  // held while the device thread talks to the idle camera

  std::mutex ev_mu_;  // events only (taken inside mu_ or alone, never the other way round)
  std::deque<nlohmann::json> history_;
  std::deque<std::string> pending_events_;

  std::unique_ptr<IdleSync> idle_sync_;  // loop thread only (issue 13: sync.when_idle)
};

}  // namespace tb::daemon
