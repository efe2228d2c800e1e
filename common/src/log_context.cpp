#include <sys/stat.h>

#include <array>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <string>
#include <utility>

#include "tetherbox/common/log.hpp"

namespace tb::log {
namespace {

constexpr std::size_t index(Field f) {
  return static_cast<std::size_t>(f);
}

// Per thread: the values of the live Scopes (innermost wins; a Scope restores on exit).
thread_local std::array<std::string, kFieldCount> t_scoped;

std::mutex g_mutex;
std::array<std::string, kFieldCount> g_global;

}  // namespace

const char* field_name(Field f) {
  switch (f) {
    case Field::session:
      return "TB_SESSION";
    case Field::frame:
      return "TB_FRAME";
    case Field::request_id:
      return "TB_REQUEST_ID";
  }
  return "TB_UNKNOWN";
}

Scope::Scope(Field field, std::string value)
    : field_(field), previous_(std::exchange(t_scoped[index(field)], std::move(value))) {}

Scope::~Scope() {
  t_scoped[index(field_)] = std::move(previous_);
}

void set_global(Field field, std::string value) {
  std::lock_guard lock(g_mutex);
  g_global[index(field)] = std::move(value);
}

std::vector<std::string> context_items() {
  std::vector<std::string> items;
  std::lock_guard lock(g_mutex);
  for (std::size_t i = 0; i < kFieldCount; ++i) {
    const std::string& v = t_scoped[i].empty() ? g_global[i] : t_scoped[i];
    if (v.empty()) continue;
    items.push_back(std::string(field_name(static_cast<Field>(i))) + "=" + v);
  }
  return items;
}

bool stderr_is_journal() {
  const char* js = std::getenv("JOURNAL_STREAM");
  if (js == nullptr) return false;
  unsigned long long dev = 0, ino = 0;
  char tail = 0;
  if (std::sscanf(js, "%llu:%llu%c", &dev, &ino, &tail) != 2) return false;
  struct stat st {};
  if (fstat(2, &st) != 0) return false;
  if (static_cast<unsigned long long>(st.st_dev) != dev ||
      static_cast<unsigned long long>(st.st_ino) != ino)
    return false;
  struct stat sock {};
  return stat("/run/systemd/journal/socket", &sock) == 0 && S_ISSOCK(sock.st_mode);
}

}  // namespace tb::log
