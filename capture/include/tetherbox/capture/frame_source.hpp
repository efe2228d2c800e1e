#pragma once
// The frame records of a session, visited one at a time, so the report and the exports cost
// memory independent of the session's length: a 100 000-frame session is read back from its
// journal at close, never held as a vector (issue 9, item 4).
#include <functional>
#include <vector>

#include "tetherbox/capture/record.hpp"
#include "tetherbox/capture/storage.hpp"
#include "tetherbox/common/result.hpp"

namespace tb::capture {

using FrameVisitor = std::function<Status(const FrameRecord&)>;

// Visits every frame once, in seq order: per seq its latest take (a frame, or a superseded
// frame and its quality retakes, in journal order). for_each may be
// called again (a consumer that needs several passes makes several); a visitor's error stops
// the pass and is returned.
class FrameSource {
 public:
  virtual ~FrameSource() = default;
  virtual Status for_each(const FrameVisitor& fn) const = 0;
};

// Records already in memory (tests, tools). Several records with one seq: the later wins,
// except an in-place quality retake (retake_of set), which is kept beside its superseded frame.
class FrameList final : public FrameSource {
 public:
  explicit FrameList(const std::vector<FrameRecord>& frames);
  Status for_each(const FrameVisitor& fn) const override;

 private:
  std::vector<const FrameRecord*> by_seq_;
};

// The frames a dataset is made of (exports, skeletons): a frame superseded by an in-place
// quality retake is left out once its retake is there (both stay in the bag and the report);
// a superseded frame whose retake never came (the session stopped) is still the position's
// only frame and is kept.
class WithoutSuperseded final : public FrameSource {
 public:
  explicit WithoutSuperseded(const FrameSource& in) : in_(in) {}
  Status for_each(const FrameVisitor& fn) const override;

 private:
  const FrameSource& in_;
};

// data/journal.jsonl read back: an index of where each seq's latest frame line and its
// preview line are (a few words per frame), then one line parsed per visit. The records are
// the ones resume rebuilds (resume.hpp): a later frame line of a seq replaces the earlier one
// (unless it is an in-place quality retake, retake_of set, which keeps both),
// a "retake" fault drops the frame, a preview line joins its file, histogram and fault to the
// frame it follows. A torn last line (a crash) is ignored.
class JournalFrames final : public FrameSource {
 public:
  static Result<JournalFrames> index(const fs::path& journal);
  Status for_each(const FrameVisitor& fn) const override;
  size_t size() const { return slots_.size(); }

 private:
  struct Line {
    uint64_t offset = 0;
    uint32_t length = 0;  // 0: none
  };
  struct Slot {
    uint64_t seq = 0;
    size_t name_hash = 0;  // tells a seq's superseded frame from its quality retake
    Line frame, preview;
  };
  fs::path path_;
  std::vector<Slot> slots_;  // ascending seq
};

}  // namespace tb::capture
