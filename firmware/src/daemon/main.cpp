// tetherboxd: owns the devices, serves the control socket, runs sessions on request.
// Exit codes: 0 stopped by SIGTERM/SIGINT (the session in flight finished its frame and closed
// its bag), 1 cannot serve (socket in use or not creatable), 2 bad config or usage.
#include <CLI/CLI.hpp>
#include <csignal>
#include <exception>
#include <filesystem>

#include "daemon.hpp"
#include "server.hpp"
#include "tetherbox/common/console.hpp"
#include "tetherbox/common/log.hpp"

namespace {

extern "C" void on_term(int) { tb::daemon::Daemon::on_terminate_signal(); }
extern "C" void on_hup(int) { tb::daemon::Daemon::on_reload_signal(); }

void install_signals() {
  struct sigaction sa {};
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = SA_RESTART;
  sa.sa_handler = on_term;
  sigaction(SIGTERM, &sa, nullptr);
  sigaction(SIGINT, &sa, nullptr);
  sa.sa_handler = on_hup;
  sigaction(SIGHUP, &sa, nullptr);
  std::signal(SIGPIPE, SIG_IGN);
}

int run(int argc, char** argv) {
  CLI::App app{"tetherboxd: the tetherbox daemon (devices, sessions, control socket)"};
  app.set_version_flag("--version", std::string("tetherboxd ") + tb::version());
  tb::daemon::DaemonOptions o;
  o.config_path = "/etc/tetherbox/tetherbox.yaml";
  o.socket_path = "/run/tetherbox/control.sock";
  int deadline_ms = 5000;
  std::string log_level = "info";
  int call_limit_s = 0;
  app.add_option("--config", o.config_path, "session YAML")->capture_default_str();
  app.add_option("--socket", o.socket_path, "control socket path")->capture_default_str();
  app.add_option("--storage", o.storage, "storage root (default: the config's storage.root)");
  app.add_option("--read-timeout-ms", deadline_ms,
                 "a client must finish a request line this long after its first byte")
      ->capture_default_str()
      ->check(CLI::Range(100, 600000));
  app.add_option("--camera-call-limit-s", call_limit_s,
                 "a camera call running longer is hung and stops the watchdog pings (0: 60 s "
                 "plus twice the shutter time)")
      ->capture_default_str()
      ->check(CLI::Range(0, 86400));
  app.add_option("--log-level", log_level)
      ->capture_default_str()
      ->check(CLI::IsMember(tb::log_level_names()));
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : 2;
  }
  tb::init_logging(log_level);
  o.read_deadline = std::chrono::milliseconds(deadline_ms);
  o.camera_call_limit = std::chrono::seconds(call_limit_s);
  std::error_code ec;
  o.config_path = std::filesystem::absolute(o.config_path, ec).string();
  if (!o.storage.empty()) o.storage = std::filesystem::absolute(o.storage, ec).string();
  install_signals();

  // The socket first: a second daemon is refused before it touches any device.
  tb::daemon::ServerOptions so;
  so.path = o.socket_path;
  so.read_deadline = o.read_deadline;
  auto server = tb::daemon::Server::listen(so);
  if (!server) {
    tb::console::err("tetherboxd: error: " + server.error().message + "\n");
    return 1;
  }
  auto d = tb::daemon::Daemon::create(o);
  if (!d) {
    tb::console::err("tetherboxd: error: " + d.error().message + "\n");
    return 2;
  }
  return (*d)->serve(**server);
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return run(argc, argv);
  } catch (const std::exception& e) {
    tb::console::err(std::string("tetherboxd: error: internal: ") + e.what() + "\n");
  }
  return 1;
}
