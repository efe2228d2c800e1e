// gpsd reader: one thread owns the libgps connection; readers see a copy of the latest report.
#include "tetherbox/hal/gpsd/gpsd_gps.hpp"

#include <gps.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <condition_variable>
#include <cstring>
#include <mutex>
#include <string>
#include <thread>

namespace tb::hal::gpsd_backend {
namespace {

// gps_waiting() timeout: bounds how long stop() waits for the reader thread.
constexpr int kPollUs = 200'000;

std::optional<double> finite(double v) {
  if (std::isfinite(v)) return v;
  return std::nullopt;
}

UtcTime to_utc(const timespec_t& ts) {
  return UtcTime(std::chrono::duration_cast<UtcTime::duration>(
      std::chrono::seconds(ts.tv_sec) + std::chrono::nanoseconds(ts.tv_nsec)));
}

// A TPV report as a reading. Validity comes from the mode alone; a 2D/3D mode without a finite
// position is treated as no fix rather than trusted.
GpsReading reading_from_tpv(const gps_data_t& d) {
  GpsReading r;
  const gps_fix_t& f = d.fix;
  const bool positioned = std::isfinite(f.latitude) && std::isfinite(f.longitude);
  if (f.mode >= MODE_2D && positioned) {
    r.mode = f.mode >= MODE_3D ? FixMode::fix3d : FixMode::fix2d;
    r.lat_deg = f.latitude;
    r.lon_deg = f.longitude;
    if (r.mode == FixMode::fix3d) r.alt_msl_m = finite(f.altMSL);
    r.speed_m_s = finite(f.speed);
    r.track_deg = finite(f.track);
  }
  if ((d.set & TIME_SET) != 0 && f.time.tv_sec > 0) r.fix_time_utc = to_utc(f.time);
  return r;
}

class GpsdGps final : public GpsSource {
 public:
  GpsdGps(Options opts, std::shared_ptr<Clock> clock)
      : opts_(std::move(opts)),
        clock_(std::move(clock)),
        source_("gpsd:" + opts_.host + ":" + std::to_string(opts_.port)) {
    status_ = source_ + ": not started";
  }
  ~GpsdGps() override { stop(); }

  void start() override {
    std::unique_lock lock(mu_);
    if (thread_.joinable()) return;
    stopping_ = false;
    thread_ = std::thread([this] { run(); });
    cv_.wait_for(lock, opts_.first_report_wait,
                 [this] { return latest_.has_value() || connect_failed_ || stopping_; });
  }

  void stop() override {
    {
      std::lock_guard lock(mu_);
      stopping_ = true;
    }
    cv_.notify_all();
    if (thread_.joinable() && thread_.get_id() != std::this_thread::get_id()) thread_.join();
  }

  std::optional<GpsReading> latest() const override {
    std::lock_guard lock(mu_);
    return latest_;
  }

  std::string status() const override {
    std::lock_guard lock(mu_);
    return status_;
  }

 private:
  void set_status(std::string s) {
    std::lock_guard lock(mu_);
    status_ = std::move(s);
  }

  bool stopping() const {
    std::lock_guard lock(mu_);
    return stopping_;
  }

  // Sleeps for the back-off unless stop() comes first; returns false when stopping.
  bool wait_backoff(std::chrono::milliseconds d) {
    std::unique_lock lock(mu_);
    return !cv_.wait_for(lock, d, [this] { return stopping_; });
  }

  void run() {
    auto backoff = opts_.backoff_min;
    int attempt = 0;
    bool had_connection = false;
    while (!stopping()) {
      gps_data_t data{};
      ++attempt;
      errno = 0;
      if (gps_open(opts_.host.c_str(), std::to_string(opts_.port).c_str(), &data) != 0) {
        const int err = errno;
        set_status(fmt_unreachable(err, attempt, backoff, had_connection));
        {
          std::lock_guard lock(mu_);
          connect_failed_ = true;
        }
        cv_.notify_all();
        if (!wait_backoff(backoff)) break;
        backoff = std::min(backoff * 2, opts_.backoff_max);
        continue;
      }
      if (gps_stream(&data, WATCH_ENABLE | WATCH_JSON, nullptr) != 0) {
        set_status(source_ + ": connected but the WATCH request failed; reconnecting");
        gps_close(&data);
        if (!wait_backoff(backoff)) break;
        backoff = std::min(backoff * 2, opts_.backoff_max);
        continue;
      }
      backoff = opts_.backoff_min;
      attempt = 0;
      had_connection = true;
      set_status(source_ + ": connected, waiting for reports");
      read_until_lost(data);
      gps_close(&data);
    }
  }

  std::string fmt_unreachable(int err, int attempt, std::chrono::milliseconds backoff,
                              bool had_connection) const {
    // libgps reports its own negative codes through gps_errstr; errno names socket failures.
    const std::string why = err > 0 ? std::strerror(err) : gps_errstr(err);
    return source_ +
           (had_connection ? ": connection lost, gpsd unreachable (" : ": gpsd unreachable (") +
           why + "); check that gpsd runs and listens there; reconnect attempt " +
           std::to_string(attempt) + ", next in " + std::to_string(backoff.count()) + " ms";
  }

  void read_until_lost(gps_data_t& data) {
    while (!stopping()) {
      if (!gps_waiting(&data, kPollUs)) {
        if (errno != 0 && errno != EINTR && errno != EAGAIN) {
          set_status(source_ + ": socket error (" + std::string(std::strerror(errno)) +
                     "); reconnecting");
          return;
        }
        continue;
      }
      // libgps only sets bits in `set`; clearing it first makes the bits mean "this report".
      data.set = 0;
      errno = 0;
      if (gps_read(&data, nullptr, 0) < 0) {
        set_status(source_ + ": connection to gpsd lost; reconnecting");
        return;
      }
      handle(data);
    }
  }

  void handle(const gps_data_t& data) {
    const SteadyTime now = clock_->now_steady();
    std::unique_lock lock(mu_);
    if ((data.set & ERROR_SET) != 0) status_ = source_ + ": gpsd error: " + data.error;
    // libgps 3.22 fills `dop` from a SKY report but flags it only with SATELLITE_SET.
    if ((data.set & (DOP_SET | SATELLITE_SET)) != 0) {
      hdop_ = finite(data.dop.hdop);
      pdop_ = finite(data.dop.pdop);
      vdop_ = finite(data.dop.vdop);
    }
    if ((data.set & SATELLITE_SET) != 0 && data.satellites_used >= 0) {
      sats_used_ = data.satellites_used;
    }
    if ((data.set & (DOP_SET | SATELLITE_SET)) != 0 && latest_ && latest_->has_fix()) {
      // gpsd sends SKY after the TPV of the same cycle: complete that reading in place.
      latest_->hdop = hdop_;
      latest_->pdop = pdop_;
      latest_->vdop = vdop_;
      latest_->satellites_used = sats_used_;
    }
    if ((data.set & MODE_SET) == 0) return;
    GpsReading r = reading_from_tpv(data);
    r.received = now;
    r.source = source_;
    if (r.has_fix()) {
      r.hdop = hdop_;
      r.pdop = pdop_;
      r.vdop = vdop_;
      r.satellites_used = sats_used_;
    }
    latest_ = r;
    status_ = source_ + (r.has_fix() ? (r.mode == FixMode::fix3d ? ": connected, 3D fix"
                                                                 : ": connected, 2D fix")
                                     : ": connected, no fix");
    lock.unlock();
    cv_.notify_all();
  }

  const Options opts_;
  const std::shared_ptr<Clock> clock_;
  const std::string source_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;
  bool connect_failed_ = false;
  std::string status_;
  std::optional<GpsReading> latest_;
  std::optional<double> hdop_, pdop_, vdop_;
  std::optional<int> sats_used_;
  std::thread thread_;
};

}  // namespace

std::unique_ptr<GpsSource> make_gps(const Options& opts, std::shared_ptr<Clock> clock) {
  return std::make_unique<GpsdGps>(opts, std::move(clock));
}

std::unique_ptr<GpsSource> make_gps(const config::Config& cfg, std::shared_ptr<Clock> clock) {
  Options o;
  o.host = cfg.gps.gpsd_host;
  o.port = cfg.gps.gpsd_port;
  return make_gps(o, std::move(clock));
}

}  // namespace tb::hal::gpsd_backend
