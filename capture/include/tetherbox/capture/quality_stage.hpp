#pragma once
// The quality stage: a thread between the camera and the pipeline that decodes and measures
// each captured frame (quality::Monitor: optics, RAW clipping, sharpness), writes the verdict
// into the record and the journal, and only then hands the frame to the pipeline, so the sidecar
// and the journal line carry it. The camera does not wait for it, except for a frame that may
// still need a retake: the runner waits for that one frame's outcome before the turntable moves.
// A bounded queue passes the pipeline's back-pressure on to the camera.
#include <condition_variable>
#include <deque>
#include <functional>
#include <future>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <thread>

#include "tetherbox/capture/pipeline.hpp"
#include "tetherbox/capture/quality_monitor.hpp"
#include "tetherbox/common/result.hpp"

namespace tb::capture::quality {

struct Outcome {
  bool blurred = false;       // and marked superseded when a retake name was given
  std::optional<Error> stop;  // the checks ask the session to stop after this frame
};

class Stage {
 public:
  using JournalFn = std::function<void(nlohmann::json)>;  // one fault/warning line
  using PushFn = std::function<Status(PipelineJob)>;      // to the pipeline; may block
  Stage(Monitor& monitor, JournalFn journal, PushFn push, size_t max_queue = 2);
  ~Stage();  // checks and pushes what was submitted, then joins

  // Queues a captured frame; blocks while max_queue frames wait. retake_name: the name of the
  // retake that will follow if this frame is blurred ("" when none can), recorded on the frame
  // as superseded_by. Fails once pushing to the pipeline failed (e.g. the disk is full).
  Result<std::shared_future<Outcome>> submit(PipelineJob job, std::string retake_name);
  // Waits until every submitted frame went to the pipeline; the first push error, if any.
  Status drain();
  // A stop the checks asked for on any frame so far (quality.stop_on_optics_change).
  std::optional<Error> stop_requested() const;

 private:
  struct Item {
    PipelineJob job;
    std::string retake_name;
    std::promise<Outcome> done;
  };
  void worker();
  Outcome check(PipelineJob& job, const std::string& retake_name);

  Monitor& monitor_;
  JournalFn journal_;
  PushFn push_;
  size_t max_queue_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Item> queue_;
  bool busy_ = false;
  bool stopping_ = false;
  std::optional<Error> error_;
  std::optional<Error> stop_;
  std::thread thread_;  // last: started once everything it uses exists
};

}  // namespace tb::capture::quality
