#pragma once
// The tetherbox CLI as a client of tetherboxd's control socket. Exit codes: 0 done, 1 no
// daemon / connection lost / the daemon refused (its error code and message are printed),
// 2 usage.
#include <string>

namespace tb::client {

struct ClientArgs {
  std::string socket = "/run/tetherbox/control.sock";
  std::string cmd;     // a protocol command: status, start, stop, ...
  bool json = false;   // print the daemon's reply lines as they are
  bool follow = false; // status --watch, log -f
  std::string config;  // start [CONFIG]
  std::string bag;     // resume-session [--bag DIR]
  bool pause_off = false;
  bool long_press = false;  // trigger --long
  std::string out;          // liveview --out FILE.jpg
  bool stream = false;      // liveview --stream
  int lines = 50;      // log
};

int run_client(const ClientArgs& a);

}  // namespace tb::client
