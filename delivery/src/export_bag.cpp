#include "tetherbox/delivery/export.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <thread>

#include "export_dataset.hpp"
#include "export_staging.hpp"
#include "export_xmp_gps.hpp"
#include "tetherbox/capture/report.hpp"
#include "tetherbox/capture/sidecar.hpp"
#include "tetherbox/capture/storage.hpp"
#include "tetherbox/delivery/privacy.hpp"
#include "tetherbox/delivery/source_bag.hpp"

namespace tb::delivery {

namespace {

constexpr const char* kCocoEntry = "data/exports/coco/annotations.json";
constexpr const char* kJournalEntry = "data/journal.jsonl";

std::string lower_ext(const std::string& rel) {
  std::string ext = fs::path(rel).extension().string();
  for (auto& c : ext) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return ext;
}

bool is_jpeg(const std::string& rel) {
  const auto e = lower_ext(rel);
  return e == ".jpg" || e == ".jpeg";
}

std::string text_of(const std::vector<uint8_t>& b) {
  return std::string(b.begin(), b.end());
}
std::vector<uint8_t> bytes_of(const std::string& s) {
  return {s.begin(), s.end()};
}

std::string options_text(const ExportOptions& o) {
  std::string s;
  auto add = [&](bool on, const char* name) {
    if (on) s += (s.empty() ? "" : " ") + std::string(name);
  };
  add(o.strip_gps, "strip-gps");
  add(o.embed_metadata, "embed-metadata");
  add(o.jpeg_only, "jpeg-only");
  add(o.previews, "previews");
  return s.empty() ? "plain copy" : s;
}

class Exporter {
 public:
  Exporter(const SourceBag& src, const ExportOptions& opt, ExportStaging& out)
      : src_(src), opt_(opt), out_(out) {}

  // Every payload file of the source, as this export delivers it (not yet durable), and the
  // dataset skeletons. Files are independent: each is read, checked, cleared and written on one
  // of a few threads (a 2-core box reads and hashes one file while it clears another's
  // metadata; exiv2's calls are serialized, xmp_toolkit_mu_). The skeletons are made on one more
  // thread at the same time: they need only the journal (GPS stripping leaves its dataset
  // fields alone) and the images' sizes, which they read from the source files this export
  // delivers. The summary and the first error keep the manifest's order, the skeletons' last.
  Status payload(ExportSummary& sum) {
    TB_TRY(prepare());
    TB_TRY(refuse_changed());
    const size_t n = src_.entries.size();
    std::vector<ExportSummary> parts(n);
    std::vector<Status> results(n);
    std::atomic<size_t> next{0};
    std::atomic<bool> failed{false};
    auto work = [&] {
      for (size_t i = next++; i < n && !failed; i = next++) {
        if (src_.entries[i] == kJournalEntry) continue;  // the skeletons' thread writes it
        results[i] = one(src_.entries[i], parts[i]);
        if (!results[i]) failed = true;
      }
    };
    ExportSummary skeleton_sum;
    Status skeleton_result = ok_status();
    const auto t0 = std::chrono::steady_clock::now();
    std::thread skeleton_thread([&] {
      skeleton_result = skeletons(skeleton_sum, failed);
      if (!skeleton_result) failed = true;
      skeleton_s_ = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    });
    threads_ = std::clamp<size_t>(std::thread::hardware_concurrency(), 1, 4);
    threads_ = std::min(threads_, std::max<size_t>(n, 1));
    std::vector<std::thread> pool;
    for (size_t t = 1; t < threads_; ++t) pool.emplace_back(work);
    work();
    for (auto& t : pool) t.join();
    skeleton_thread.join();
    TB_TRY(refuse_changed());
    for (size_t i = 0; i < n; ++i) {
      TB_TRY(results[i]);
      sum.files += parts[i].files;
      sum.bytes += parts[i].bytes;
      sum.images_rewritten += parts[i].images_rewritten;
      for (auto& l : parts[i].left_out) sum.left_out.push_back(std::move(l));
    }
    TB_TRY(skeleton_result);
    sum.files += skeleton_sum.files;
    sum.bytes += skeleton_sum.bytes;
    return ok_status();
  }
  size_t threads() const { return threads_; }
  double skeleton_seconds() const { return skeleton_s_; }

  // The page a person reads, drawn as the session's was, from this export's stripped journal
  // and report: the same charts, without a coordinate.
  Status report_page(ExportSummary& sum) {
    if (!html_pending_) return ok_status();
    const std::string html = capture::render_report_html(out_.bag_dir(), report_);
    const auto bytes = bytes_of(html);
    TB_TRY(out_.write_payload("report.html", bytes, capture::sha256_hex(bytes)));
    ++sum.files;
    sum.bytes += bytes.size();
    return ok_status();
  }

 private:
  // Reads a listed file and proves it is the manifest's: the bytes delivered are the bytes
  // hashed. This is the payload's one hash (the source was opened with PayloadCheck::presence):
  // a file that differs is named in changed_ (Errc::mismatch), and the export delivers nothing.
  Result<std::vector<uint8_t>> read_listed(const std::string& entry) {
    auto bytes = read_whole_file(src_.dir() / entry);
    if (!bytes) return bytes.error();
    if (capture::sha256_hex(*bytes) != src_.bag->listed_sha256(entry.substr(5))) {
      std::lock_guard lock(changed_mu_);
      changed_.push_back(entry);
      return make_error(Errc::mismatch, "{}: changed", entry);
    }
    return bytes;
  }
  // Every changed file is named, as verify names them; a mismatch is not a reason to stop
  // hashing the others.
  static Status skip_mismatch(const Error& e) { return e.code == Errc::mismatch ? ok_status() : e; }
  Status refuse_changed() {
    std::lock_guard lock(changed_mu_);
    if (changed_.empty()) return ok_status();
    capture::VerifyReport rep;
    rep.changed = changed_;
    std::sort(rep.changed.begin(), rep.changed.end());
    return capture::refuse_unverified(src_.dir(), rep, "nothing was delivered");
  }

  // Reads what other files depend on: stripped sidecars (embedded into image copies) and the
  // stripped report (the HTML is rebuilt from it).
  Status prepare() {
    categories_ = opt_.categories;
    for (const auto& entry : src_.entries) {
      if (left_out_reason(entry.substr(5)).empty()) delivered_.insert(entry);
      if (opt_.embed_metadata && lower_ext(entry) == ".xmp") {
        auto b = read_listed(entry);
        if (!b) {
          TB_TRY(skip_mismatch(b.error()));
          continue;
        }
        auto packet = sidecar_text(entry, text_of(*b));
        if (!packet) return packet.error();
        sidecars_[fs::path(entry).replace_extension().string()] = *packet;
      }
      if (entry == kCocoEntry && opt_.categories.empty()) {
        auto b = read_listed(entry);
        if (!b) {
          TB_TRY(skip_mismatch(b.error()));
          continue;
        }
        const auto coco = nlohmann::json::parse(text_of(*b), nullptr, false);
        if (coco.is_object() && coco.contains("categories") && coco["categories"].is_array())
          for (const auto& c : coco["categories"])
            if (c.is_object() && c.contains("name") && c["name"].is_string())
              categories_.push_back(c["name"].get<std::string>());
      }
      if (opt_.strip_gps && entry == "data/report.json") {
        auto b = read_listed(entry);
        if (!b) {
          TB_TRY(skip_mismatch(b.error()));
          continue;
        }
        report_ = nlohmann::json::parse(text_of(*b), nullptr, false);
        if (report_.is_discarded())
          return make_error(Errc::invalid, "{}/data/report.json is not JSON", src_.dir().string());
        strip_gps_json(report_);
      }
    }
    return ok_status();
  }

  // The export's own journal first (the skeletons list its frames, as a session's close
  // lists its bag's), then the skeletons of the images the export delivers. A journal that
  // differs from the manifest is named by refuse_changed and nothing is delivered.
  Status skeletons(ExportSummary& sum, const std::atomic<bool>& stop) {
    for (const auto& entry : src_.entries)
      if (entry == kJournalEntry) TB_TRY(one(entry, sum));
    auto written = write_export_skeletons(
        out_, [this](const std::string& path) { return delivered_image(path); }, categories_, stop);
    // The journal read is the staging's copy, removed with it: the error names the source's.
    if (!written)
      return make_error(written.error().code, "dataset skeletons of {}: {}",
                        (src_.dir() / kJournalEntry).string(), written.error().message);
    sum.files += *written;
    return ok_status();
  }

  // The source file of a journal path this export delivers as it is: an image's size is the
  // same in its copy (clearing or embedding metadata leaves the image data alone).
  std::optional<fs::path> delivered_image(const std::string& path) const {
    const std::string p = fs::path(path).lexically_normal().generic_string();
    if (!delivered_.contains(p)) return std::nullopt;
    return src_.dir() / p;
  }

  Result<std::string> sidecar_text(const std::string& entry, const std::string& packet) {
    if (!opt_.strip_gps) return packet;
    // A sidecar as tetherbox writes it needs no XMP toolkit (the same bytes, on every thread
    // at once); any other goes through exiv2.
    if (auto fast = strip_gps_sidecar_text(packet)) return std::move(*fast);
    std::lock_guard lock(xmp_toolkit_mu_);
    auto s = capture::strip_gps(packet);
    if (!s) return make_error(s.error().code, "{}: {}", entry, s.error().message);
    return *s;
  }

  std::string left_out_reason(const std::string& rel) const {
    if (rel.rfind("exports/coco/", 0) == 0 || rel.rfind("exports/voc/", 0) == 0)
      return "dataset skeleton (written anew for the images of this export)";
    if (rel.rfind("previews/", 0) == 0 && !opt_.previews) return "preview (no --previews)";
    if (rel.rfind("frames/", 0) == 0 && opt_.jpeg_only && !is_jpeg(rel) && lower_ext(rel) != ".xmp")
      return "not a JPEG original (--jpeg-only)";
    return "";
  }

  Status one(const std::string& entry, ExportSummary& sum) {
    const std::string rel = entry.substr(5);  // under data/
    if (const auto why = left_out_reason(rel); !why.empty()) {
      if (rel.rfind("exports/", 0) != 0) sum.left_out.push_back(entry + ": " + why);
      // Not delivered, but hashed still: a bag with a changed file delivers nothing.
      if (auto b = read_listed(entry); !b) return skip_mismatch(b.error());
      return ok_status();
    }
    auto b = read_listed(entry);
    if (!b) return skip_mismatch(b.error());
    std::vector<uint8_t> bytes = std::move(*b);
    bool same = false;  // delivered byte for byte: a reflink of the source where possible
    const std::string ext = lower_ext(rel);
    const std::string shown = (src_.dir() / entry).string();
    if (opt_.strip_gps && rel == "journal.jsonl") {
      auto t = strip_gps_jsonl(text_of(bytes), shown);
      if (!t) return t.error();
      bytes = bytes_of(*t);
    } else if (opt_.strip_gps && rel == "report.html") {
      if (report_.is_null()) {
        sum.left_out.push_back(entry + ": no report.json to rebuild it from without GPS");
        return ok_status();
      }
      html_pending_ = true;  // drawn from this export's own journal once it is written
      return ok_status();
    } else if (opt_.strip_gps && rel == "report.json") {
      bytes =
          bytes_of(report_.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n");
    } else if (opt_.strip_gps && ext == ".json") {
      auto j = nlohmann::json::parse(text_of(bytes), nullptr, false);
      if (j.is_discarded())
        return make_error(Errc::invalid, "{}: not JSON, so its location cannot be removed", shown);
      strip_gps_json(j);
      bytes = bytes_of(j.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n");
    } else if (opt_.strip_gps && (ext == ".yaml" || ext == ".yml")) {
      auto t = strip_gps_yaml(text_of(bytes), shown);
      if (!t) return t.error();
      bytes = bytes_of(*t);
    } else if (ext == ".xmp") {
      auto t = sidecar_text(shown, text_of(bytes));
      if (!t) return t.error();
      bytes = bytes_of(*t);
    } else {
      std::string embed;
      if (opt_.embed_metadata && rel.rfind("frames/", 0) == 0) {
        auto it = sidecars_.find(fs::path(entry).replace_extension().string());
        if (it != sidecars_.end()) embed = it->second;
      }
      if (opt_.strip_gps || !embed.empty()) {
        bool changed = false;
        std::unique_lock lock(xmp_toolkit_mu_);
        auto r = rewrite_image_metadata(bytes, shown, opt_.strip_gps, embed, &changed);
        lock.unlock();
        if (!r) return r.error();
        if (changed) {
          bytes = std::move(*r);
          ++sum.images_rewritten;
        }
        same = !changed;
      } else {
        same = true;
      }
    }
    const std::string sha = same ? src_.bag->listed_sha256(rel) : capture::sha256_hex(bytes);
    TB_TRY(out_.write_payload(rel, bytes, sha, same ? src_.dir() / entry : fs::path()));
    ++sum.files;
    sum.bytes += bytes.size();
    return ok_status();
  }

  const SourceBag& src_;
  const ExportOptions& opt_;
  ExportStaging& out_;
  std::vector<std::string> categories_;
  std::map<std::string, std::string> sidecars_;  // "data/frames/<name>" -> sidecar packet
  std::set<std::string> delivered_;  // the entries this export holds as files of their own
  nlohmann::json report_;
  std::atomic<bool> html_pending_{false};  // set by the worker that met report.html
  // exiv2's XMP toolkit (one global state) is not safe to call from two threads: an image's
  // embedded XMP, read or written by rewrite_image_metadata, raced a sidecar's decode on
  // another worker ("XMP Toolkit error 101: Unregistered schema namespace URI", the export
  // failing at random with --embed-metadata). Every exiv2 call of the workers holds this.
  std::mutex xmp_toolkit_mu_;
  std::mutex changed_mu_;
  std::vector<std::string> changed_;  // entries whose bytes differ from the manifest
  size_t threads_ = 1;
  double skeleton_s_ = 0;
};

Status check_target(const fs::path& source, const fs::path& to) {
  if (to.empty()) return make_error(Errc::invalid, "export: no target folder given (--to DIR)");
  if (path_within(to, source))
    return make_error(Errc::invalid,
                      "export target {} is inside the source bag {}: choose a folder outside it",
                      to.string(), source.string());
  std::error_code ec;
  if (fs::exists(to, ec)) {
    if (!fs::is_directory(to, ec))
      return make_error(Errc::invalid, "export target {} exists and is not a folder", to.string());
    if (!fs::is_empty(to, ec))
      return make_error(Errc::invalid,
                        "export target {} is not empty: choose a new or empty folder (nothing "
                        "in it was touched)",
                        to.string());
  }
  return ok_status();
}

}  // namespace

Result<ExportSummary> export_bag(const fs::path& source, const ExportOptions& opt) {
  TB_TRY(check_target(source, opt.to));
  using Clock = std::chrono::steady_clock;
  auto t = Clock::now();
  auto lap = [&t] {
    const auto now = Clock::now();
    const double s = std::chrono::duration<double>(now - t).count();
    t = now;
    return s;
  };
  // Locked and finalized; every listed file there and nothing else. The payload's hashes are
  // checked as the export reads each file (Exporter::read_listed): the bag is read once.
  auto src = capture::open_closed_bag(source);
  if (!src) return src.error();
  TB_TRY(capture::refuse_unverified(source,
                                    capture::verify_bag(source, capture::PayloadCheck::presence),
                                    "nothing was delivered"));
  const double t_verify = lap();

  const fs::path to = fs::absolute(opt.to).lexically_normal();
  const fs::path target = to.filename().empty() ? to.parent_path() : to;
  const fs::path parent = target.parent_path();
  std::error_code ec;
  fs::create_directories(parent, ec);
  if (ec) return make_error(Errc::io, "cannot create {}: {}", parent.string(), ec.message());
  auto staging = ExportStaging::create(target);
  if (!staging) return staging.error();

  // Payload and dataset skeletons (no fsync per file) -> one syncfs + the manifest -> tag
  // files (fsync'd by the bag's finalize) -> the rename onto `target`, the commit point. A kill
  // before it leaves only the hidden staging folder, which the next export to `target` removes.
  ExportSummary sum;
  Exporter ex(*src, opt, *staging);
  lap();
  TB_TRY(ex.payload(sum));
  const double t_payload = lap();
  TB_TRY(ex.report_page(sum));
  const double t_html = lap();
  TB_TRY(staging->sync_payload());
  const double t_sync = lap();
  {
    auto out = capture::Bag::open_existing(staging->bag_dir());
    if (!out) return out.error();
    std::map<std::string, std::string> info;
    for (const auto& [k, v] : src->info)
      if (k != "Payload-Oxum" && k != "Bagging-Date" && k != "Bag-Size") info[k] = v;
    info["Tetherbox-Exported-From"] = src->info.contains("External-Identifier")
                                          ? src->info.at("External-Identifier")
                                          : source.filename().string();
    info["Tetherbox-Export"] = options_text(opt);
    if (opt.strip_gps) info["Tetherbox-Location"] = kGpsRemoved;
    TB_TRY((*out)->finalize(info));
  }  // the new bag's lock is released before it gets its name
  const double t_finalize = lap();
  TB_TRY(staging->commit());
  // Where an export's time goes (scripts/bench prints it beside the exiftool baseline).
  spdlog::info(
      "export timings: source verified {:.2f} s, payload {:.2f} s ({} threads; beside it, "
      "journal + dataset skeletons {:.2f} s), report page {:.2f} s, syncfs + manifest {:.2f} s, "
      "tag files {:.2f} s, rename {:.2f} s",
      t_verify, t_payload, ex.threads(), ex.skeleton_seconds(), t_html, t_sync, t_finalize, lap());
  sum.dir = target;
  spdlog::info("export: {} files ({:.1f} MB) from {} to {}", sum.files,
               static_cast<double>(sum.bytes) / 1e6, source.string(), target.string());
  return sum;
}

}  // namespace tb::delivery
