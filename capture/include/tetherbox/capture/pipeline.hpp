#pragma once
// The frame pipeline: a thread that takes captured frames and makes them durable
// (originals untouched, sidecar, journal line, manifest), so the camera never waits on the
// disk. A bounded queue gives back-pressure instead of unbounded memory. Previews are made
// afterwards by a low-priority thread that reads the durable JPEG back, so the camera never
// waits on a preview either.
#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>

#include "tetherbox/capture/record.hpp"
#include "tetherbox/capture/sidecar.hpp"
#include "tetherbox/capture/storage.hpp"
#include "tetherbox/common/result.hpp"
#include "tetherbox/config/config.hpp"
#include "tetherbox/hal/camera.hpp"

namespace tb::capture {

struct PipelineJob {
  FrameRecord record;          // name, position, exposure, time, gps, ambient filled in
  hal::CaptureResult capture;  // the files
};

struct PipelineOptions {
  config::Previews previews;
  SidecarContext sidecar;  // original_file is filled per frame
  uint64_t reserve_bytes = 256ull << 20;
  size_t max_queue = 4;  // frames buffered before push() blocks
};

// The outcome of one deferred preview (journal line {"type":"preview",...}).
struct PreviewDone {
  uint64_t seq = 0;
  uint64_t request_id = 0;
  std::string name;
  std::optional<FileRecord> file;  // nullopt when skipped
  Histogram histogram;             // measured == true when made
  std::string fault;               // why it was skipped
};

class WorkerPool;  // a few persistent threads for a frame's CPU work (hashes)

class Pipeline {
 public:
  // on_done is called on the pipeline thread after each frame is durable (journal fsync'd),
  // with the completed record: originals + sidecar with their hashes; no preview yet and
  // histogram.measured == false.
  using DoneFn = std::function<void(const FrameRecord&)>;
  // on_preview is called on the preview thread after a frame's preview line is journaled
  // (made or skipped); for a given frame, after its on_done.
  using PreviewFn = std::function<void(const PreviewDone&)>;
  Pipeline(Bag& bag, Journal& journal, PipelineOptions opts, DoneFn on_done = {},
           PreviewFn on_preview = {});
  ~Pipeline();  // drains frames and previews, joins every thread

  // Blocks while the queue is full. Fails once the pipeline has stopped on an error
  // (e.g. no_space): the caller stops capturing and reports it.
  Status push(PipelineJob job);
  // Queues a preview for a frame that is already durable (resume: previews lost in a crash).
  // jpeg_rel_path is relative to the bag root ("data/frames/NAME.jpg"). Ignored when previews
  // are disabled in the options. Never blocks on the preview backlog.
  void queue_preview(uint64_t seq, uint64_t request_id, const std::string& name,
                     const std::string& jpeg_rel_path);
  // drain(): waits until every pushed frame is durable AND every queued preview is done (or
  // skipped); returns the first frame error, if any (a skipped preview is not an error).
  Status drain();
  // Makes one frame durable synchronously on the caller's thread (used by push's worker and
  // bench), then queues its preview for the preview thread.
  Result<FrameRecord> process(PipelineJob job);

 private:
  struct PreviewJob {  // no image bytes: a backlog costs a few strings, not megabytes
    uint64_t seq = 0;
    uint64_t request_id = 0;
    std::string name;
    std::string jpeg_rel;  // relative to the bag root
  };
  void worker();
  void preview_worker();
  PreviewDone make_preview(const PreviewJob& job);
  Bag& bag_;
  Journal& journal_;
  PipelineOptions opts_;
  DoneFn on_done_;
  PreviewFn on_preview_;
  std::mutex mu_;  // guards both queues and their flags
  std::condition_variable cv_;
  std::deque<PipelineJob> queue_;
  bool busy_ = false;
  bool stopping_ = false;
  std::optional<Error> error_;
  std::optional<Error> metadata_error_;  // a frame kept without its sidecar: stop after it
  std::deque<PreviewJob> preview_queue_;  // unbounded: push() never waits on previews
  bool preview_busy_ = false;
  bool draining_ = false;  // drain() was called: previews no longer yield to capture
  bool preview_stopping_ = false;
  std::unique_ptr<WorkerPool> pool_;  // before the threads: the worker uses it until joined
  std::thread preview_thread_;
  std::thread thread_;
};

}  // namespace tb::capture
