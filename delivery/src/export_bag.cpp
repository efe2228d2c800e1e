#include "tetherbox/delivery/export.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <iterator>
#include <map>

#include "tetherbox/capture/dataset.hpp"
#include "tetherbox/capture/report.hpp"
#include "tetherbox/capture/resume.hpp"
#include "tetherbox/capture/sidecar.hpp"
#include "tetherbox/capture/storage.hpp"
#include "tetherbox/delivery/privacy.hpp"
#include "tetherbox/delivery/source_bag.hpp"

namespace tb::delivery {

namespace {

// Commit in batches: one manifest rewrite per batch, bounded memory per batch.
constexpr size_t kBatchFiles = 64;
constexpr uint64_t kBatchBytes = 256ull << 20;
constexpr const char* kCocoEntry = "data/exports/coco/annotations.json";

std::string lower_ext(const std::string& rel) {
  std::string ext = fs::path(rel).extension().string();
  for (auto& c : ext) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return ext;
}

bool is_jpeg(const std::string& rel) {
  const auto e = lower_ext(rel);
  return e == ".jpg" || e == ".jpeg";
}

// Reads a listed file and proves it is the manifest's: the bytes delivered are the bytes hashed.
Result<std::vector<uint8_t>> read_listed(const SourceBag& src, const std::string& entry) {
  const fs::path p = src.dir() / entry;
  std::ifstream in(p, std::ios::binary);
  if (!in) return make_error(Errc::io, "{}: cannot be read", p.string());
  std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(in)),
                             std::istreambuf_iterator<char>());
  if (in.bad()) return make_error(Errc::io, "{}: read error", p.string());
  const std::string want = src.bag->listed_sha256(entry.substr(5));
  if (capture::sha256_hex(bytes) != want)
    return make_error(Errc::mismatch,
                      "{}: changed while being exported (its hash no longer "
                      "matches the manifest); nothing was delivered",
                      p.string());
  return bytes;
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
  Exporter(const SourceBag& src, const ExportOptions& opt, capture::Bag& out)
      : src_(src), opt_(opt), out_(out) {}

  Status run(ExportSummary& sum) {
    TB_TRY(prepare());
    for (const auto& entry : src_.entries) TB_TRY(one(entry, sum));
    TB_TRY(flush());
    TB_TRY(report_page(sum));
    return dataset(sum);
  }

 private:
  // Reads what other files depend on: stripped sidecars (embedded into image copies) and the
  // stripped report (the HTML is rebuilt from it).
  Status prepare() {
    categories_ = opt_.categories;
    for (const auto& entry : src_.entries) {
      if (opt_.embed_metadata && lower_ext(entry) == ".xmp") {
        auto b = read_listed(src_, entry);
        if (!b) return b.error();
        auto packet = sidecar_text(entry, text_of(*b));
        if (!packet) return packet.error();
        sidecars_[fs::path(entry).replace_extension().string()] = *packet;
      }
      if (entry == kCocoEntry && opt_.categories.empty()) {
        auto b = read_listed(src_, entry);
        if (!b) return b.error();
        const auto coco = nlohmann::json::parse(text_of(*b), nullptr, false);
        if (coco.is_object() && coco.contains("categories") && coco["categories"].is_array())
          for (const auto& c : coco["categories"])
            if (c.is_object() && c.contains("name") && c["name"].is_string())
              categories_.push_back(c["name"].get<std::string>());
      }
      if (opt_.strip_gps && entry == "data/report.json") {
        auto b = read_listed(src_, entry);
        if (!b) return b.error();
        report_ = nlohmann::json::parse(text_of(*b), nullptr, false);
        if (report_.is_discarded())
          return make_error(Errc::invalid, "{}/data/report.json is not JSON", src_.dir().string());
        strip_gps_json(report_);
      }
    }
    return ok_status();
  }

  // The skeletons list the images this export holds (--jpeg-only, --previews change which),
  // from its own (stripped) journal, with the source's categories.
  Status dataset(ExportSummary& sum) {
    auto state = capture::load_journal(out_, false);
    if (!state) return state.error();
    auto written = capture::write_dataset_skeletons(out_, state->frames, categories_);
    if (!written) return written.error();
    sum.files += written->size();
    return ok_status();
  }

  // The page a person reads, drawn as the session's was, from this export's stripped journal
  // and report: the same charts, without a coordinate.
  Status report_page(ExportSummary& sum) {
    if (!html_pending_) return ok_status();
    TB_TRY(stage("report.html", bytes_of(capture::render_report_html(out_.dir(), report_)), sum));
    return flush();
  }

  Result<std::string> sidecar_text(const std::string& entry, const std::string& packet) {
    if (!opt_.strip_gps) return packet;
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
      return ok_status();
    }
    auto b = read_listed(src_, entry);
    if (!b) return b.error();
    std::vector<uint8_t> bytes = std::move(*b);
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
        auto r = rewrite_image_metadata(bytes, shown, opt_.strip_gps, embed, &changed);
        if (!r) return r.error();
        if (changed) {
          bytes = std::move(*r);
          ++sum.images_rewritten;
        }
      }
    }
    return stage(rel, bytes, sum);
  }

  Status stage(const std::string& rel, const std::vector<uint8_t>& bytes, ExportSummary& sum) {
    auto s = out_.stage(rel);
    if (!s) return s.error();
    TB_TRY(s->file.write(bytes));
    s->sha256 = capture::sha256_hex(bytes);
    batch_.push_back(std::move(*s));
    batch_bytes_ += bytes.size();
    ++sum.files;
    sum.bytes += bytes.size();
    if (batch_.size() >= kBatchFiles || batch_bytes_ >= kBatchBytes) return flush();
    return ok_status();
  }

  Status flush() {
    if (batch_.empty()) return ok_status();
    TB_TRY(out_.commit(batch_));
    batch_.clear();
    batch_bytes_ = 0;
    return ok_status();
  }

  const SourceBag& src_;
  const ExportOptions& opt_;
  capture::Bag& out_;
  std::vector<std::string> categories_;
  std::map<std::string, std::string> sidecars_;  // "data/frames/<name>" -> sidecar packet
  nlohmann::json report_;
  bool html_pending_ = false;
  std::vector<capture::Bag::Staged> batch_;
  uint64_t batch_bytes_ = 0;
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
  auto src = open_finished_bag(source);
  if (!src) return src.error();

  const fs::path to = fs::absolute(opt.to).lexically_normal();
  const fs::path target = to.filename().empty() ? to.parent_path() : to;
  const fs::path parent = target.parent_path();
  std::error_code ec;
  fs::create_directories(parent, ec);
  if (ec) return make_error(Errc::io, "cannot create {}: {}", parent.string(), ec.message());
  const std::string name = target.filename().string();
  const fs::path staging = parent / fmt::format(".{}.export-{}", name, ::getpid());
  fs::remove_all(staging, ec);  // a leftover of this same pid (cannot be anyone else's)
  // Everything is built under `staging`; any failure removes it, and `target` is untouched.
  struct Cleanup {
    fs::path dir;
    ~Cleanup() {
      std::error_code e;
      if (!dir.empty()) fs::remove_all(dir, e);
    }
  } cleanup{staging};

  ExportSummary sum;
  {
    auto out = capture::Bag::create(staging, name.empty() || name[0] == '.' ? "export" : name);
    if (!out) return out.error();
    Exporter ex(*src, opt, **out);
    TB_TRY(ex.run(sum));
    std::map<std::string, std::string> info;
    for (const auto& [k, v] : src->info)
      if (k != "Payload-Oxum" && k != "Bagging-Date" && k != "Bag-Size") info[k] = v;
    info["Tetherbox-Exported-From"] = src->info.contains("External-Identifier")
                                          ? src->info.at("External-Identifier")
                                          : source.filename().string();
    info["Tetherbox-Export"] = options_text(opt);
    if (opt.strip_gps) info["Tetherbox-Location"] = kGpsRemoved;
    TB_TRY((*out)->finalize(info));
    const fs::path built = (*out)->dir();
    out->reset();  // releases the new bag's lock: nothing writes a delivered bag
    fs::remove(built / capture::Bag::kLockFile, ec);
    if (fs::exists(target, ec)) fs::remove(target, ec);  // an empty folder (checked above)
    fs::rename(built, target, ec);
    if (ec)
      return make_error(Errc::io, "cannot move the finished export onto {}: {}", target.string(),
                        ec.message());
  }
  TB_TRY(capture::fsync_dir(parent));
  sum.dir = target;
  spdlog::info("export: {} files ({:.1f} MB) from {} to {}", sum.files,
               static_cast<double>(sum.bytes) / 1e6, source.string(), target.string());
  return sum;
}

}  // namespace tb::delivery
