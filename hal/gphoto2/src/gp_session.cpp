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
