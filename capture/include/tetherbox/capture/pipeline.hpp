#pragma once
// The frame pipeline: a thread that takes captured frames and makes them durable
// (originals untouched, preview, sidecar, journal line, manifest), so the camera never
// waits on the disk. A bounded queue gives back-pressure instead of unbounded memory.
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

class WorkerPool;  // a few persistent threads for a frame's CPU work (hashes, preview)

class Pipeline {
 public:
  // on_done is called on the pipeline thread after each frame is durable (journal fsync'd),
  // with the completed record (files, hashes, histogram filled in) or the error that stopped it.
  using DoneFn = std::function<void(const FrameRecord&)>;
  Pipeline(Bag& bag, Journal& journal, PipelineOptions opts, DoneFn on_done = {});
  ~Pipeline();  // drains and joins

  // Blocks while the queue is full. Fails once the pipeline has stopped on an error
  // (e.g. no_space): the caller stops capturing and reports it.
  Status push(PipelineJob job);
  // Waits until every pushed job is durable; returns the first error, if any.
  Status drain();
  // Processes one job synchronously on the caller's thread (used by push's worker and bench).
  Result<FrameRecord> process(PipelineJob job);

 private:
  void worker();
  Bag& bag_;
  Journal& journal_;
  PipelineOptions opts_;
  DoneFn on_done_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<PipelineJob> queue_;
  bool busy_ = false;
  bool stopping_ = false;
  std::optional<Error> error_;
  std::unique_ptr<WorkerPool> pool_;  // before thread_: the worker uses it until joined
  std::thread thread_;
};

}  // namespace tb::capture
