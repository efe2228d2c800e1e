#include "frame_collector.hpp"

#include <fmt/format.h>

#include "file_binding.hpp"

namespace tb::hal::gphoto2_backend::binding {

namespace {

class Collector {
 public:
  Collector(FrameBody& body, const FramePlan& plan, std::set<std::string>& known)
      : body_(body), plan_(plan), known_(known) {
    out_.files = plan.already;
  }

  Result<FrameOutcome> run() {
    // What the driver already queued (a RAW+JPEG body usually announces both files during the
    // capture call) costs nothing to read.
    for (;;) {
      auto ev = body_.next_event(std::chrono::milliseconds(0));
      if (!ev.ok()) return ev.error();
      if (ev->kind == BodyEvent::Kind::timeout) break;
      TB_TRY(handle(*ev));
    }
    if (!plan_.expected) return learn();
    const int want = *plan_.expected;
    const auto start = body_.now();
    auto next_listing = start + plan_.list_every;
    while (out_.files < want && body_.now() - start < plan_.timeout) {
      auto ev = body_.next_event(plan_.event_wait);
      if (!ev.ok()) return ev.error();
      if (ev->kind != BodyEvent::Kind::timeout) {
        TB_TRY(handle(*ev));
        continue;
      }
      // Some bodies write the second file without an event (or the event was lost): the card
      // listing is authoritative.
      if (body_.now() >= next_listing) {
        TB_TRY(take_listed());
        next_listing = body_.now() + plan_.list_every;
      }
    }
    if (out_.files < want) TB_TRY(take_listed());
    if (out_.files < want) {
      out_.incomplete = true;
      body_.note(fmt::format(
          "frame {} incomplete: the body makes {} files per shot but only {} arrived within "
          "{} ms; the frame keeps what arrived, and a file of it that comes later is left on the "
          "card, not bound",
          plan_.primary, want, out_.files, plan_.timeout.count()));
    }
    return out_;
  }

 private:
  // No expectation from the body's settings: wait until it goes idle once (bounded), and let
  // what came be the expectation from now on.
  Result<FrameOutcome> learn() {
    const auto start = body_.now();
    while (body_.now() - start < plan_.timeout) {
      auto ev = body_.next_event(plan_.event_wait);
      if (!ev.ok()) return ev.error();
      if (ev->kind == BodyEvent::Kind::timeout) break;
      TB_TRY(handle(*ev));
    }
    out_.learned = out_.files;
    return out_;
  }

  Status take_listed() {
    auto listing = body_.list_folder(split_path(plan_.primary).first);
    if (!listing.ok()) return listing.error();
    for (const auto& p : *listing) {
      if (!known_.count(p) && same_frame(p, plan_.primary)) TB_TRY(take(p));
    }
    return ok_status();
  }

  Status take(const std::string& path) {
    TB_TRY(body_.take(path));
    known_.insert(path);  // whatever take() did: never bound twice
    ++out_.files;
    return ok_status();
  }

  Status handle(const BodyEvent& ev) {
    if (ev.kind == BodyEvent::Kind::property_changed) {
      body_.property_changed();
      return ok_status();
    }
    if (ev.kind != BodyEvent::Kind::file_added) return ok_status();
    switch (classify_added(ev.path, plan_.primary, known_)) {
      case Added::known:
        return ok_status();
      case Added::companion:
        return take(ev.path);
      case Added::stray:
        break;
    }
    known_.insert(ev.path);
    if (!plan_.previous_primary.empty() && same_frame(ev.path, plan_.previous_primary)) {
      out_.late_companion = true;
      body_.note(fmt::format(
          "file {} of the previous frame ({}) arrived after that frame was closed; left on the "
          "card, not bound",
          ev.path, plan_.previous_primary));
    } else {
      body_.note(fmt::format(
          "file {} appeared without a request (body shutter press?); left on the card, not bound",
          ev.path));
    }
    return ok_status();
  }

  FrameBody& body_;
  const FramePlan& plan_;
  std::set<std::string>& known_;
  FrameOutcome out_;
};

}  // namespace

Result<FrameOutcome> collect_frame(FrameBody& body, const FramePlan& plan,
                                   std::set<std::string>& known) {
  return Collector(body, plan, known).run();
}

}  // namespace tb::hal::gphoto2_backend::binding
