#pragma once
// Private to the gphoto2 backend: one GPContext whose error texts are collected per call, and
// small RAII holders for libgphoto2 objects.
#include <gphoto2/gphoto2-camera.h>
#include <gphoto2/gphoto2-context.h>
#include <gphoto2/gphoto2-file.h>
#include <gphoto2/gphoto2-list.h>
#include <gphoto2/gphoto2-widget.h>

#include <string>
#include <vector>

namespace tb::hal::gphoto2_backend {

class GpContext {
 public:
  GpContext();
  ~GpContext();
  GpContext(const GpContext&) = delete;
  GpContext& operator=(const GpContext&) = delete;

  GPContext* get() const { return ctx_; }
  // Errors the camera driver reported since the last begin(); begin() before each call.
  void begin() { errors_.clear(); }
  const std::vector<std::string>& errors() const { return errors_; }

 private:
  static void on_error(GPContext*, const char* text, void* self);
  static void on_message(GPContext*, const char* text, void* self);
  GPContext* ctx_ = nullptr;
  std::vector<std::string> errors_;
};

struct WidgetHolder {
  CameraWidget* w = nullptr;
  WidgetHolder() = default;
  WidgetHolder(const WidgetHolder&) = delete;
  WidgetHolder& operator=(const WidgetHolder&) = delete;
  ~WidgetHolder() {
    if (w) gp_widget_free(w);
  }
};

struct FileHolder {
  CameraFile* f = nullptr;
  FileHolder() { gp_file_new(&f); }
  FileHolder(const FileHolder&) = delete;
  FileHolder& operator=(const FileHolder&) = delete;
  ~FileHolder() {
    if (f) gp_file_unref(f);
  }
};

struct ListHolder {
  CameraList* l = nullptr;
  ListHolder() { gp_list_new(&l); }
  ListHolder(const ListHolder&) = delete;
  ListHolder& operator=(const ListHolder&) = delete;
  ~ListHolder() {
    if (l) gp_list_free(l);
  }
};

}  // namespace tb::hal::gphoto2_backend
