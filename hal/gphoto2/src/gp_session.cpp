#include "gp_session.hpp"

#include <spdlog/spdlog.h>

namespace tb::hal::gphoto2_backend {

GpContext::GpContext() : ctx_(gp_context_new()) {
  gp_context_set_error_func(ctx_, &GpContext::on_error, this);
  gp_context_set_message_func(ctx_, &GpContext::on_message, this);
}

GpContext::~GpContext() {
  gp_context_unref(ctx_);
}

void GpContext::on_error(GPContext*, const char* text, void* self) {
  if (!text) return;
  std::string t(text);
  while (!t.empty() && (t.back() == '\n' || t.back() == ' ')) t.pop_back();
  static_cast<GpContext*>(self)->errors_.push_back(t);
  spdlog::debug("gphoto2: camera error: {}", t);
}

void GpContext::on_message(GPContext*, const char* text, void*) {
  if (text) spdlog::info("gphoto2: camera message: {}", text);
}

}  // namespace tb::hal::gphoto2_backend

// libgphoto2 2.5.30 (Debian 12) formats a hexdump of every buffer a port read returns, up to
// 1 MB each, before gp_log finds that nobody listens: later releases return at once when no log
// function takes GP_LOG_DATA. tetherbox registers no libgphoto2 log function, so every dump was
// thrown away: with the buffers it allocates, over half of the camera thread's CPU per frame
// (vcamera, 12 MB JPEG: ~50 -> ~20 ms), every byte of every file, and more on a Pi. The library and
// the camera drivers call it through the PLT, so this definition in the program takes the library's
// place (it lives here, in an object every camera links, so the linker always keeps it) and does
// what later releases do when nobody listens: nothing. A libgphoto2 log function added later gets
// no data dumps.
extern "C" void gp_log_data(const char*, const char*, unsigned int, const char*, ...) {}
