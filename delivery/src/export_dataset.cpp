#include "export_dataset.hpp"

#include <map>
#include <optional>

#include "tetherbox/capture/dataset.hpp"
#include "tetherbox/capture/frame_source.hpp"

namespace tb::delivery {

namespace {

// The skeleton files go into the export's payload like every other file: unsynced, durable at
// the staging's one syncfs.
class StagingSink final : public capture::DatasetSink {
 public:
  StagingSink(ExportStaging& out, const std::atomic<bool>& stop) : out_(out), stop_(stop) {}
  ~StagingSink() override {
    for (auto& [fd, open] : open_)  // an error ended the skeletons before end()
      (void)out_.end_payload(fd, open.rel, "", make_error(Errc::internal, "abandoned"));
  }
  Status put(const std::string& rel, std::span<const uint8_t> bytes,
             const std::string& sha256) override {
    TB_TRY(go_on());
    TB_TRY(out_.write_payload(rel, bytes, sha256));
    ++files_;
    return ok_status();
  }
  Result<size_t> begin(const std::string& rel) override {
    TB_TRY(go_on());
    auto fd = out_.begin_payload(rel);
    if (!fd) return fd.error();
    open_[*fd] = Open{rel, ok_status()};
    return static_cast<size_t>(*fd);
  }
  Status append(size_t handle, std::span<const uint8_t> bytes) override {
    Open& o = open_.at(static_cast<int>(handle));
    if (o.written) o.written = out_.append_payload(static_cast<int>(handle), o.rel, bytes);
    return o.written;
  }
  Status end(size_t handle, const std::string& sha256) override {
    auto node = open_.extract(static_cast<int>(handle));
    TB_TRY(out_.end_payload(node.key(), node.mapped().rel, sha256, node.mapped().written));
    ++files_;
    return ok_status();
  }
  size_t files() const { return files_; }

 private:
  Status go_on() const {
    if (stop_) return make_error(Errc::cancelled, "dataset skeletons: the export failed");
    return ok_status();
  }
  struct Open {
    std::string rel;
    Status written;
  };
  ExportStaging& out_;
  const std::atomic<bool>& stop_;
  std::map<int, Open> open_;
  size_t files_ = 0;
};

}  // namespace

Result<size_t> write_export_skeletons(ExportStaging& out, const capture::ImageLocator& locate,
                                      const std::vector<std::string>& categories,
                                      const std::atomic<bool>& stop) {
  const fs::path journal = out.bag_dir() / "data" / "journal.jsonl";
  std::error_code ec;
  std::optional<capture::JournalFrames> all;
  if (fs::exists(journal, ec)) {  // a bag without a journal has no frames
    auto j = capture::JournalFrames::index(journal);
    if (!j) return j.error();
    all = std::move(*j);
  }
  const capture::FrameList none({});
  StagingSink sink(out, stop);
  auto n = capture::write_dataset_skeletons(
      sink, all ? static_cast<const capture::FrameSource&>(*all) : none, locate, categories);
  if (!n) return n.error();
  return sink.files();
}

}  // namespace tb::delivery
