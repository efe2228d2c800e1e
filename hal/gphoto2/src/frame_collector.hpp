#pragma once
// The files of one frame, collected from the body's events as they come: the wait after a shot
// ends the moment the frame is whole (the second file's GP_EVENT_FILE_ADDED, or the card listing
// showing it), never after a fixed time. A body that never sends the promised second file ends
// the wait at a generous timeout with a recorded fault, and the frame keeps the file it has.
//
// The loop talks to the body only through FrameBody, so unit tests drive it with scripted event
// sequences and a scripted clock (late companions, repeated events, strays, a body that never
// finishes) and the gphoto2 Camera drives it with libgphoto2.
#include <chrono>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "tetherbox/common/result.hpp"

namespace tb::hal::gphoto2_backend::binding {

struct BodyEvent {
  enum class Kind { timeout, file_added, property_changed, other };
  Kind kind = Kind::timeout;
  std::string path;  // file_added: the card path
};

class FrameBody {
 public:
  virtual ~FrameBody() = default;
  // Next event, waiting at most `wait` (0: only what is already queued, which costs nothing).
  virtual Result<BodyEvent> next_event(std::chrono::milliseconds wait) = 0;
  virtual Result<std::set<std::string>> list_folder(const std::string& folder) = 0;
  // Downloads `path` into the frame being delivered (and marks it known).
  virtual Status take(const std::string& path) = 0;
  virtual void note(std::string text) = 0;
  virtual void property_changed() = 0;
  virtual std::chrono::steady_clock::time_point now() = 0;
};

struct FramePlan {
  std::string primary;  // the file gp_camera_capture named, already downloaded
  // Files one shot makes: 1 (JPEG or RAW), 2 (RAW+JPEG), nullopt when the body does not say
  // (no image-format widget): then the frame waits for events until the body goes idle once,
  // and what it saw becomes the expectation for the next frames.
  std::optional<int> expected;
  int already = 1;               // files of this frame already in hand (primary + listed)
  std::string previous_primary;  // the last frame delivered before this one
  std::chrono::milliseconds event_wait{10};
  std::chrono::milliseconds timeout{10000};   // for the missing companion(s)
  std::chrono::milliseconds list_every{500};  // card listing while a companion is missing
};

struct FrameOutcome {
  int files = 1;                // files bound to the frame
  std::optional<int> learned;   // set when the plan had no expectation
  bool incomplete = false;      // fewer files than expected (a fault was noted)
  bool late_companion = false;  // a file of the previous frame came after it was closed
};

// `known`: card paths that must never be bound again (delivered, on the card at open, strays).
Result<FrameOutcome> collect_frame(FrameBody& body, const FramePlan& plan,
                                   std::set<std::string>& known);

}  // namespace tb::hal::gphoto2_backend::binding
