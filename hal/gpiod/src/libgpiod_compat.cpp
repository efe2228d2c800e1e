// libgpiod 1.6 (Debian 12) and 2.x (Pi OS, newer Debian) behind one set of calls.
// TB_LIBGPIOD_MAJOR comes from pkg-config (hal/gpiod/CMakeLists.txt).
#include "libgpiod_compat.hpp"

#include <gpiod.h>

#include <cerrno>
#include <cstring>

#ifndef TB_LIBGPIOD_MAJOR
#error "TB_LIBGPIOD_MAJOR must be set by the build (pkg-config libgpiod --modversion)"
#endif

namespace tb::hal::gpiod_backend::compat {
namespace {

Error errno_error(int err) {
  Errc code = Errc::io;
  switch (err) {
    case EBUSY:
      code = Errc::busy;
      break;
    case EACCES:
    case EPERM:
      code = Errc::refused;
      break;
    case ENOENT:
    case ENODEV:
    case ENOTTY:
    case ENXIO:
      code = Errc::not_found;
      break;
    case EINVAL:
      code = Errc::invalid;
      break;
    default:
      break;
  }
  return Error{code, std::strerror(err)};
}

Error last_error() {
  return errno_error(errno ? errno : EIO);
}

}  // namespace

#if TB_LIBGPIOD_MAJOR >= 2

struct Line {
  gpiod_line_request* request = nullptr;
  unsigned offset = 0;
  gpiod_edge_event_buffer* events = nullptr;
};

void LineDeleter::operator()(Line* l) const {
  if (l->events) gpiod_edge_event_buffer_free(l->events);
  if (l->request) gpiod_line_request_release(l->request);
  delete l;
}

std::string version() {
  return gpiod_api_version();
}

namespace {

struct Chip {
  gpiod_chip* c;
  ~Chip() {
    if (c) gpiod_chip_close(c);
  }
};

Result<LinePtr> request_line(const std::string& chip_path, unsigned offset,
                             const std::string& consumer, bool output, bool high) {
  Chip chip{gpiod_chip_open(chip_path.c_str())};
  if (!chip.c) return last_error();
  gpiod_line_settings* settings = gpiod_line_settings_new();
  gpiod_line_config* lcfg = gpiod_line_config_new();
  gpiod_request_config* rcfg = gpiod_request_config_new();
  gpiod_line_request* req = nullptr;
  int err = ENOMEM;
  if (settings && lcfg && rcfg) {
    if (output) {
      gpiod_line_settings_set_direction(settings, GPIOD_LINE_DIRECTION_OUTPUT);
      gpiod_line_settings_set_output_value(
          settings, high ? GPIOD_LINE_VALUE_ACTIVE : GPIOD_LINE_VALUE_INACTIVE);
    } else {
      gpiod_line_settings_set_direction(settings, GPIOD_LINE_DIRECTION_INPUT);
      gpiod_line_settings_set_edge_detection(settings, GPIOD_LINE_EDGE_BOTH);
      gpiod_line_settings_set_event_clock(settings, GPIOD_LINE_CLOCK_MONOTONIC);
    }
    gpiod_request_config_set_consumer(rcfg, consumer.c_str());
    if (gpiod_line_config_add_line_settings(lcfg, &offset, 1, settings) == 0) {
      req = gpiod_chip_request_lines(chip.c, rcfg, lcfg);
      err = req ? 0 : errno;
    } else {
      err = errno;
    }
  }
  if (rcfg) gpiod_request_config_free(rcfg);
  if (lcfg) gpiod_line_config_free(lcfg);
  if (settings) gpiod_line_settings_free(settings);
  if (!req) return errno_error(err ? err : EIO);
  LinePtr line(new Line{req, offset, nullptr});
  if (!output) {
    line->events = gpiod_edge_event_buffer_new(64);
    if (!line->events) return errno_error(ENOMEM);
  }
  return line;
}

}  // namespace

Result<ChipInfo> probe_chip(const std::string& path) {
  Chip chip{gpiod_chip_open(path.c_str())};
  if (!chip.c) return last_error();
  gpiod_chip_info* info = gpiod_chip_get_info(chip.c);
  if (!info) return last_error();
  ChipInfo out;
  out.path = path;
  out.name = gpiod_chip_info_get_name(info);
  out.label = gpiod_chip_info_get_label(info);
  const size_t n = gpiod_chip_info_get_num_lines(info);
  gpiod_chip_info_free(info);
  for (size_t i = 0; i < n; ++i) {
    gpiod_line_info* li = gpiod_chip_get_line_info(chip.c, static_cast<unsigned>(i));
    const char* name = li ? gpiod_line_info_get_name(li) : nullptr;
    out.line_names.emplace_back(name ? name : "");
    if (li) gpiod_line_info_free(li);
  }
  return out;
}

Result<LineUse> line_use(const std::string& chip_path, unsigned offset) {
  Chip chip{gpiod_chip_open(chip_path.c_str())};
  if (!chip.c) return last_error();
  gpiod_line_info* li = gpiod_chip_get_line_info(chip.c, offset);
  if (!li) return last_error();
  LineUse use;
  use.used = gpiod_line_info_is_used(li);
  const char* consumer = gpiod_line_info_get_consumer(li);
  use.consumer = consumer ? consumer : "";
  gpiod_line_info_free(li);
  return use;
}

Result<LinePtr> request_input(const std::string& chip_path, unsigned offset,
                              const std::string& consumer) {
  return request_line(chip_path, offset, consumer, false, false);
}

Result<LinePtr> request_output(const std::string& chip_path, unsigned offset,
                               const std::string& consumer, bool high) {
  return request_line(chip_path, offset, consumer, true, high);
}

int event_fd(const Line& line) {
  return gpiod_line_request_get_fd(line.request);
}

Status read_edges(Line& line, std::vector<std::pair<bool, std::int64_t>>& out) {
  const int n = gpiod_line_request_read_edge_events(line.request, line.events, 64);
  if (n < 0) return last_error();
  for (int i = 0; i < n; ++i) {
    gpiod_edge_event* ev =
        gpiod_edge_event_buffer_get_event(line.events, static_cast<unsigned long>(i));
    out.emplace_back(gpiod_edge_event_get_event_type(ev) == GPIOD_EDGE_EVENT_RISING_EDGE,
                     static_cast<std::int64_t>(gpiod_edge_event_get_timestamp_ns(ev)));
  }
  return ok_status();
}

Result<bool> get_level(Line& line) {
  const auto v = gpiod_line_request_get_value(line.request, line.offset);
  if (v == GPIOD_LINE_VALUE_ERROR) return last_error();
  return v == GPIOD_LINE_VALUE_ACTIVE;
}

Status set_level(Line& line, bool high) {
  if (gpiod_line_request_set_value(line.request, line.offset,
                                   high ? GPIOD_LINE_VALUE_ACTIVE : GPIOD_LINE_VALUE_INACTIVE) < 0)
    return last_error();
  return ok_status();
}

#else  // libgpiod 1.x

struct Line {
  gpiod_chip* chip = nullptr;
  gpiod_line* line = nullptr;
};

void LineDeleter::operator()(Line* l) const {
  if (l->line) gpiod_line_release(l->line);
  if (l->chip) gpiod_chip_close(l->chip);
  delete l;
}

std::string version() {
  return gpiod_version_string();
}

namespace {

Result<LinePtr> open_line(const std::string& chip_path, unsigned offset) {
  LinePtr l(new Line);
  l->chip = gpiod_chip_open(chip_path.c_str());
  if (!l->chip) return last_error();
  l->line = gpiod_chip_get_line(l->chip, offset);
  if (!l->line) return last_error();
  return l;
}

}  // namespace

Result<ChipInfo> probe_chip(const std::string& path) {
  gpiod_chip* chip = gpiod_chip_open(path.c_str());
  if (!chip) return last_error();
  ChipInfo out;
  out.path = path;
  out.name = gpiod_chip_name(chip);
  out.label = gpiod_chip_label(chip);
  const unsigned n = gpiod_chip_num_lines(chip);
  for (unsigned i = 0; i < n; ++i) {
    gpiod_line* line = gpiod_chip_get_line(chip, i);
    const char* name = line ? gpiod_line_name(line) : nullptr;
    out.line_names.emplace_back(name ? name : "");
  }
  gpiod_chip_close(chip);
  return out;
}

Result<LineUse> line_use(const std::string& chip_path, unsigned offset) {
  auto l = open_line(chip_path, offset);
  if (!l) return l.error();
  LineUse use;
  use.used = gpiod_line_is_used((*l)->line);
  const char* consumer = gpiod_line_consumer((*l)->line);
  use.consumer = consumer ? consumer : "";
  (*l)->line = nullptr;  // not requested: nothing to release
  return use;
}

Result<LinePtr> request_input(const std::string& chip_path, unsigned offset,
                              const std::string& consumer) {
  auto l = open_line(chip_path, offset);
  if (!l) return l.error();
  if (gpiod_line_request_both_edges_events((*l)->line, consumer.c_str()) < 0) {
    const Error e = last_error();
    (*l)->line = nullptr;
    return e;
  }
  return l;
}

Result<LinePtr> request_output(const std::string& chip_path, unsigned offset,
                               const std::string& consumer, bool high) {
  auto l = open_line(chip_path, offset);
  if (!l) return l.error();
  if (gpiod_line_request_output((*l)->line, consumer.c_str(), high ? 1 : 0) < 0) {
    const Error e = last_error();
    (*l)->line = nullptr;
    return e;
  }
  return l;
}

int event_fd(const Line& line) {
  return gpiod_line_event_get_fd(line.line);
}

Status read_edges(Line& line, std::vector<std::pair<bool, std::int64_t>>& out) {
  gpiod_line_event events[64];
  const int n = gpiod_line_event_read_multiple(line.line, events, 64);
  if (n < 0) return last_error();
  for (int i = 0; i < n; ++i) {
    // Kernels >= 5.7 stamp line events on CLOCK_MONOTONIC (the Pi's are 6.x).
    const std::int64_t ns =
        static_cast<std::int64_t>(events[i].ts.tv_sec) * 1'000'000'000 + events[i].ts.tv_nsec;
    out.emplace_back(events[i].event_type == GPIOD_LINE_EVENT_RISING_EDGE, ns);
  }
  return ok_status();
}

Result<bool> get_level(Line& line) {
  const int v = gpiod_line_get_value(line.line);
  if (v < 0) return last_error();
  return v == 1;
}

Status set_level(Line& line, bool high) {
  if (gpiod_line_set_value(line.line, high ? 1 : 0) < 0) return last_error();
  return ok_status();
}

#endif

}  // namespace tb::hal::gpiod_backend::compat
