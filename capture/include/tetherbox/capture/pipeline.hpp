#pragma once
// The frame pipeline: a thread that takes captured frames and makes them durable
// (originals untouched, sidecar, journal line, manifest), so the camera never waits on the
// disk. A queue bounded in frames AND bytes gives back-pressure instead of unbounded memory:
// when the disk is slower than the camera, push() blocks (the camera waits) and the journal
// says so with a {"type":"backpressure"} line. Previews are decoded afterwards by an
// idle-priority thread that reads the durable JPEG back, so the camera never waits on a
// preview either; that thread only decodes and encodes, and hands the encoded preview back to
// the pipeline thread, which writes it, lists it and journals it (no lock of the bag or the
// journal is ever held across an fsync by the lowest-priority thread).
#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>

#include "tetherbox/capture/preview.hpp"
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
  // Bytes of captured files buffered (queued + the frame being stored) before push() blocks.
  // 256 MiB holds two 100 MB RAW bodies or ~80 Pi-camera JPEGs: a Pi keeps its RAM when the
  // disk is slower than the camera. A single frame larger than this is still taken (alone).
  uint64_t max_queue_bytes = kDefaultMaxQueueBytes;
  static constexpr uint64_t kDefaultMaxQueueBytes = 256ull << 20;
  // Called on the (idle-priority) preview thread with each decoded preview, before it is
  // handed to the pipeline thread: per-frame analysis of the image belongs here, off the
  // capture path. It must not write to the bag or the journal.
  std::function<void(uint64_t seq, const Preview&)> on_preview_decoded;
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
  // on_preview is called on the pipeline thread after a frame's preview line is journaled
  // (made or skipped); for a given frame, after its on_done.
  using PreviewFn = std::function<void(const PreviewDone&)>;
  Pipeline(Bag& bag, Journal& journal, PipelineOptions opts, DoneFn on_done = {},
           PreviewFn on_preview = {});
  ~Pipeline();  // drains frames and previews, joins every thread

  // Blocks while the queue is full (in frames or in bytes): back-pressure on the camera. The
  // first wait of an episode, and one every 30 s while it lasts, is journaled as a
  // {"type":"backpressure"} line. Fails once the pipeline has stopped on an error
  // (e.g. no_space): the caller stops capturing and reports it.
  Status push(PipelineJob job);
  // Bytes of captured files now held by the queue and the frame being stored.
  uint64_t queued_bytes() const;
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
  // What the preview thread hands back: an encoded preview, or why there is none.
  struct PreviewMade {
    PreviewJob job;
    std::optional<Preview> preview;
    std::string fault;
  };
  void worker();
  void preview_worker();
  // On the preview thread: read the durable JPEG back, decode it at a reduced scale, encode the
  // preview. No write, no lock of the bag or the journal.
  PreviewMade make_preview(const PreviewJob& job);
  // On the pipeline thread: write, list and journal a batch of previews (one commit, one
  // journal fdatasync), then call on_preview for each.
  void commit_previews(std::vector<PreviewMade>& made);
  void journal_backpressure(uint64_t bytes, size_t frames, uint64_t waits);
  Bag& bag_;
  Journal& journal_;
  PipelineOptions opts_;
  DoneFn on_done_;
  PreviewFn on_preview_;
  mutable std::mutex mu_;  // guards the queues and their flags
  std::condition_variable cv_;
  std::deque<PipelineJob> queue_;
  uint64_t queued_bytes_ = 0;  // queue_ + the frame being stored
  bool busy_ = false;          // the pipeline thread is storing a frame or previews
  bool frame_busy_ = false;    // ... a frame (it may queue a preview)
  bool backpressure_ = false;  // push() waited since the last backpressure line
  uint64_t backpressure_waits_ = 0;
  std::chrono::steady_clock::time_point backpressure_logged_{};
  bool stopping_ = false;
  std::optional<Error> error_;
  std::optional<Error> metadata_error_;   // a frame kept without its sidecar: stop after it
  std::deque<PreviewJob> preview_queue_;  // unbounded: push() never waits on previews
  bool preview_busy_ = false;
  bool draining_ = false;  // drain() was called: previews no longer yield to capture
  bool preview_exited_ = false;
  std::deque<PreviewMade> preview_made_;  // encoded, waiting for the pipeline thread
  std::unique_ptr<WorkerPool> pool_;      // before the threads: the worker uses it until joined
  std::thread preview_thread_;
  std::thread thread_;
};

}  // namespace tb::capture
