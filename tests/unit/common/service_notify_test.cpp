#include "service_notify.hpp"

#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <string>

namespace tb::service {
namespace {

// A datagram socket standing in for systemd's notify socket; NOTIFY_SOCKET points at it.
class NotifySocket : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/tb-notify.XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    path_ = dir_ + "/notify";
    fd_ = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    ASSERT_GE(fd_, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    path_.copy(addr.sun_path, sizeof(addr.sun_path) - 1);
    ASSERT_EQ(bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
    timeval tv{10, 0};  // only catches a hang: a message is either there or never comes
    setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    setenv("NOTIFY_SOCKET", path_.c_str(), 1);
  }
  void TearDown() override {
    unsetenv("NOTIFY_SOCKET");
    unsetenv("WATCHDOG_USEC");
    unsetenv("WATCHDOG_PID");
    if (fd_ >= 0) close(fd_);
    std::filesystem::remove_all(dir_);
  }
  std::string receive() {
    char buf[4096];
    ssize_t n = recv(fd_, buf, sizeof(buf), 0);
    return n < 0 ? std::string("<nothing>") : std::string(buf, static_cast<size_t>(n));
  }
  std::string dir_, path_;
  int fd_ = -1;
};

TEST_F(NotifySocket, SendsWhatSystemdReads) {
  notify_ready();
  EXPECT_EQ(receive(), "READY=1");
  notify_status("frames 10/42, ETA 0m04s");
  EXPECT_EQ(receive(), "STATUS=frames 10/42, ETA 0m04s");
  notify_watchdog();
  EXPECT_EQ(receive(), "WATCHDOG=1");
  notify_reloading();
  EXPECT_EQ(receive(), "RELOADING=1");
  notify_stopping();
  EXPECT_EQ(receive(), "STOPPING=1");
}

// A session name from a config must not add assignments of its own to the message.
TEST_F(NotifySocket, StatusWithNewlinesStaysOneAssignment) {
  notify_status("session evil\nMAINPID=1\r\nREADY=1");
  EXPECT_EQ(receive(), "STATUS=session evil MAINPID=1  READY=1");
}

TEST_F(NotifySocket, WatchdogIntervalFromTheEnvironment) {
  EXPECT_EQ(watchdog_interval(), std::nullopt);
  setenv("WATCHDOG_USEC", "30000000", 1);
  setenv("WATCHDOG_PID", std::to_string(getpid()).c_str(), 1);
  EXPECT_EQ(watchdog_interval(), std::chrono::microseconds(30000000));
  // Meant for another process (a child that inherited the environment): not ours to ping.
  setenv("WATCHDOG_USEC", "30000000", 1);
  setenv("WATCHDOG_PID", std::to_string(getpid() + 1).c_str(), 1);
  EXPECT_EQ(watchdog_interval(), std::nullopt);
}

TEST(OneLine, ReplacesLineBreaksOnly) {
  EXPECT_EQ(one_line("a\nb\rc d"), "a b c d");
  EXPECT_EQ(one_line(""), "");
}

}  // namespace
}  // namespace tb::service
