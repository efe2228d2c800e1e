// The sampler thread owns all sysfs reads; latest()/last_error() only copy published state.
#include "tetherbox/hal/iio/iio_ambient.hpp"

#include <cmath>
#include <condition_variable>
#include <cstring>
#include <mutex>
#include <thread>

#include "sysfs_device.hpp"

namespace tb::hal::iio_backend {
namespace {

std::string fmt_age(double s) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f s", s);
  return buf;
}

class IioAmbient final : public EnvironmentSensor {
 public:
  IioAmbient(Options opts, std::shared_ptr<Clock> clock)
      : opts_(std::move(opts)), clock_(std::move(clock)) {}
  ~IioAmbient() override { stop(); }

  void start() override {
    std::unique_lock lock(mu_);
    if (thread_.joinable()) return;
    stopping_ = false;
    thread_ = std::thread([this] { run(); });
    cv_.wait_for(lock, opts_.first_sample_wait, [this] { return passes_ > 0 || stopping_; });
  }

  // Joins the sampler; a sysfs read the kernel never completes would hold this up, which is
  // why reads are bounded by the drivers' own timeouts (and why last_error reports a stall).
  void stop() override {
    {
      std::lock_guard lock(mu_);
      stopping_ = true;
    }
    cv_.notify_all();
    if (thread_.joinable()) thread_.join();
  }

  std::optional<AmbientReading> latest() const override {
    std::lock_guard lock(mu_);
    return latest_;
  }

  std::string last_error() const override {
    std::lock_guard lock(mu_);
    if (in_read_) {
      const double s = seconds_between(read_started_, clock_->now_steady());
      const double limit = std::max(1.0, 2.0 * std::chrono::duration<double>(opts_.period).count());
      if (s > limit)
        return id_ + ": read of " + reading_file_ + " has not returned for " + fmt_age(s);
    }
    return error_;
  }

 private:
  void run() {
    std::optional<Device> dev;
    while (true) {
      if (!dev) {
        std::string why;
        dev = find_device(opts_.sysfs_root, opts_.device_name, known_sensor_names(), why);
        if (!dev) {
          set_error(vanished_.empty() ? why : vanished_ + "; " + why);
        } else {
          std::lock_guard lock(mu_);
          id_ = dev->id;
        }
      }
      if (dev && !sample(*dev)) dev.reset();
      std::unique_lock lock(mu_);
      if (passes_++ == 0) cv_.notify_all();
      if (cv_.wait_for(lock, opts_.period, [this] { return stopping_; })) return;
    }
  }

  // Reads every channel; publishes only a complete reading. false when the device is gone.
  bool sample(const Device& dev) {
    AmbientReading r;
    r.sensor_id = dev.id;
    for (const Channel& c : dev.channels) {
      {
        std::lock_guard lock(mu_);
        in_read_ = true;
        reading_file_ = c.file;
        read_started_ = clock_->now_steady();
      }
      const AttrRead a = read_attr(c.file);
      {
        std::lock_guard lock(mu_);
        in_read_ = false;
      }
      if (!a.value) return failed(dev, c, a);
      const double v = (*a.value + c.offset) * c.scale * c.unit;
      switch (c.quantity) {
        case Quantity::temperature_c:
          r.temperature_c = v;
          break;
        case Quantity::humidity_pct:
          r.humidity_pct = v;
          break;
        case Quantity::pressure_hpa:
          r.pressure_hpa = v;
          break;
      }
    }
    r.read_utc = clock_->now_utc();
    r.read_steady = clock_->now_steady();
    std::lock_guard lock(mu_);
    latest_ = r;
    error_.clear();
    vanished_.clear();
    return true;
  }

  bool failed(const Device& dev, const Channel& c, const AttrRead& a) {
    std::string what = dev.id + ": " + c.file + ": ";
    what += a.err != 0 ? std::strerror(a.err) : a.detail;
    std::lock_guard lock(mu_);
    if (a.err != 0 && is_transient(a.err)) {
      error_ =
          what + " (transient; keeping the last good reading" +
          (latest_ ? ", " + fmt_age(seconds_between(latest_->read_steady, clock_->now_steady())) +
                         " old)"
                   : ")");
      return true;
    }
    if (a.err == ENOENT || a.err == ENODEV || a.err == ENXIO) {
      error_ = dev.id + " vanished (" + what + "); rescanning";
      vanished_ = dev.id + " vanished";
      return false;
    }
    error_ = what;
    return true;
  }

  void set_error(std::string e) {
    std::lock_guard lock(mu_);
    error_ = std::move(e);
  }

  const Options opts_;
  const std::shared_ptr<Clock> clock_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;
  int passes_ = 0;  // sampling passes done (start() waits for the first)
  std::optional<AmbientReading> latest_;
  std::string error_, id_;
  std::string vanished_;  // set while a device that was found is missing
  bool in_read_ = false;
  std::string reading_file_;
  SteadyTime read_started_{};
  std::thread thread_;
};

}  // namespace

const std::vector<std::string>& known_sensor_names() {
  static const std::vector<std::string> names = {"bme280", "bmp280", "bme680", "bmp180",  "sht3x",
                                                 "sht4x",  "sht21",  "dht11",  "hdc100x", "hdc2010",
                                                 "si7020", "htu21",  "aht10",  "ms5611"};
  return names;
}

std::unique_ptr<EnvironmentSensor> make_ambient(const Options& opts, std::shared_ptr<Clock> clock) {
  return std::make_unique<IioAmbient>(opts, std::move(clock));
}

std::unique_ptr<EnvironmentSensor> make_ambient(const config::Config& cfg,
                                                std::shared_ptr<Clock> clock) {
  Options o;
  o.sysfs_root = cfg.ambient.sysfs_root;
  o.device_name = cfg.ambient.device_name;
  o.period = std::chrono::milliseconds(cfg.ambient.period_ms);
  return make_ambient(o, std::move(clock));
}

}  // namespace tb::hal::iio_backend
