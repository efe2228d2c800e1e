// rename.hpp's plan: the shots of a folder, their EXIF times and their new names.
#include <fmt/format.h>
#include <sys/stat.h>

#include <algorithm>
#include <fstream>
#include <map>
#include <set>

#include "rename_exif.hpp"
#include "tetherbox/capture/naming.hpp"
#include "tetherbox/delivery/rename.hpp"

namespace tb::delivery {

size_t RenamePlan::files() const {
  size_t n = 0;
  for (const auto& s : shots) n += s.moves.size();
  return n;
}

namespace {

const char* const kImageExts[] = {"jpg", "jpeg", "nef", "nrw", "cr2", "cr3", "crw", "arw",  "srf",
                                  "sr2", "dng",  "raf", "orf", "rw2", "pef", "tif", "tiff", "heic"};
const char* const kRenameFields[] = {"session", "seq", "req", "date", "time"};

std::string lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

bool is_image_ext(const std::string& ext) {
  const std::string e = lower(ext);
  return std::any_of(std::begin(kImageExts), std::end(kImageExts),
                     [&](const char* k) { return e == k; });
}

// "a.b.CR2" -> {"a.b", "CR2"}; no dot -> {name, ""}.
std::pair<std::string, std::string> split_ext(const std::string& name) {
  const auto dot = name.rfind('.');
  if (dot == std::string::npos || dot == 0) return {name, ""};
  return {name.substr(0, dot), name.substr(dot + 1)};
}

struct Member {
  std::string name;  // file name in DIR
  std::string ext;   // as written
  bool sidecar = false;
  std::string sidecar_of;  // for "IMG.CR2.xmp": "IMG.CR2"; "" for a shot-wide sidecar
};

struct Shot {
  std::string stem;
  std::vector<Member> images;
  std::vector<Member> sidecars;
  ShotTime time;
};

Status check_template(const capture::NameTemplate& t) {
  for (const auto& f : t.fields()) {
    if (std::none_of(std::begin(kRenameFields), std::end(kRenameFields),
                     [&](const char* k) { return f == k; }))
      return make_error(Errc::invalid,
                        "name template \"{}\": field {{{}}} belongs to a capture plan and has no "
                        "value for an existing image; rename knows {{session}} {{seq}} {{req}} "
                        "{{date}} {{time}}",
                        t.text(), f);
  }
  return ok_status();
}

// A log whose last line is neither "renamed" nor "undone" belongs to a run that was cut short:
// some files may sit under temporary (hidden) names that a new plan would not see.
Status check_no_unfinished_log(const fs::path& dir) {
  std::error_code ec;
  for (auto it = fs::directory_iterator(dir, ec); !ec && it != fs::directory_iterator();
       it.increment(ec)) {
    const std::string name = it->path().filename().string();
    if (name.rfind("tetherbox-rename-", 0) != 0 || it->path().extension() != ".jsonl") continue;
    std::ifstream in(it->path(), std::ios::binary);
    std::string line, last;
    while (std::getline(in, line))
      if (!line.empty()) last = line;
    if (last.empty()) continue;  // killed before its header: nothing was renamed
    if (last.find("\"type\":\"renamed\"") != std::string::npos ||
        last.find("\"type\":\"undone\"") != std::string::npos)
      continue;
    return make_error(Errc::invalid,
                      "rename: {} is the log of a rename that was cut short; run `tetherbox "
                      "rename --undo {}` first (nothing renamed now)",
                      encode_name(it->path().string()), encode_name(it->path().string()));
  }
  return ok_status();
}

Result<fs::path> folder(const fs::path& p, const char* what) {
  std::error_code ec;
  if (!fs::is_directory(p, ec))
    return make_error(Errc::not_found, "rename: {} {}: no such folder", what,
                      encode_name(p.string()));
  auto c = fs::canonical(p, ec);
  if (ec)
    return make_error(Errc::io, "rename: {} {}: {}", what, encode_name(p.string()), ec.message());
  return c;
}

}  // namespace

Result<RenamePlan> plan_rename(const fs::path& dir_in, const RenameOptions& opt) {
  auto tmpl = capture::NameTemplate::parse(opt.template_text, /*require_unique=*/false);
  if (!tmpl) return tmpl.error();
  TB_TRY(check_template(*tmpl));
  auto dir = folder(dir_in, "folder");
  if (!dir) return dir.error();
  TB_TRY(check_no_unfinished_log(*dir));
  RenamePlan plan;
  plan.dir = *dir;
  plan.to = *dir;
  if (!opt.to.empty()) {
    auto to = folder(opt.to, "--to");
    if (!to) return to.error();
    struct stat a {
    }, b{};
    if (::stat(dir->c_str(), &a) != 0 || ::stat(to->c_str(), &b) != 0)
      return make_error(Errc::io, "rename: cannot stat {} or {}", encode_name(dir->string()),
                        encode_name(to->string()));
    if (a.st_dev != b.st_dev)
      return make_error(Errc::invalid,
                        "rename: --to {} is on another device than {} (rename(2) would fail "
                        "with EXDEV); rename never copies: pick a folder on the same disk, or "
                        "copy the images first; nothing renamed",
                        encode_name(to->string()), encode_name(dir->string()));
    plan.to = *to;
  }

  // The folder's files, grouped into shots by stem.
  std::map<std::string, Shot> shots;
  std::vector<std::string> xmps;
  std::error_code ec;
  for (auto it = fs::directory_iterator(*dir, ec); !ec && it != fs::directory_iterator();
       it.increment(ec)) {
    const std::string name = it->path().filename().string();
    if (name.empty() || name[0] == '.') continue;  // hidden: ours (temporary names) or not images
    auto [stem, ext] = split_ext(name);
    const bool xmp = lower(ext) == "xmp";
    if (!xmp && !is_image_ext(ext)) continue;
    if (it->is_symlink(ec) || !it->is_regular_file(ec)) {
      plan.skipped.push_back({it->path(), "not a regular file (a link or a folder)"});
      continue;
    }
    if (xmp) {
      xmps.push_back(name);
    } else {
      shots[stem].stem = stem;
      shots[stem].images.push_back(Member{name, ext, false, ""});
    }
  }
  if (ec)
    return make_error(Errc::io, "rename: listing {}: {}", encode_name(dir->string()), ec.message());
  for (const auto& name : xmps) {
    auto [stem, ext] = split_ext(name);
    auto [img_stem, img_ext] = split_ext(stem);
    if (shots.contains(stem)) {
      shots[stem].sidecars.push_back(Member{name, ext, true, ""});
    } else if (shots.contains(img_stem) &&
               std::any_of(shots[img_stem].images.begin(), shots[img_stem].images.end(),
                           [&](const Member& m) { return m.name == stem; })) {
      shots[img_stem].sidecars.push_back(Member{name, ext, true, stem});
    } else {
      plan.skipped.push_back({*dir / name, "a sidecar with no image of its name"});
    }
  }

  // Times; a shot without one is left alone, whole.
  std::vector<Shot> dated;
  for (auto& [stem, shot] : shots) {
    std::sort(shot.images.begin(), shot.images.end(),
              [](const Member& a, const Member& b) { return a.name < b.name; });
    std::vector<fs::path> images, sidecars;
    for (const auto& m : shot.images) images.push_back(*dir / m.name);
    for (const auto& m : shot.sidecars) sidecars.push_back(*dir / m.name);
    auto t = shot_time(images, sidecars);
    if (!t) {
      for (const auto& m : shot.images) plan.skipped.push_back({*dir / m.name, t.error().message});
      for (const auto& m : shot.sidecars)
        plan.skipped.push_back({*dir / m.name, "its image is left alone"});
      continue;
    }
    shot.time = *t;
    dated.push_back(std::move(shot));
  }
  std::sort(dated.begin(), dated.end(), [](const Shot& a, const Shot& b) {
    if (a.time.utc != b.time.utc) return a.time.utc < b.time.utc;
    return a.stem < b.stem;
  });

  const std::string session = opt.session.empty() ? dir->filename().string() : opt.session;
  std::set<std::string> bases;
  std::set<fs::path> sources;
  for (const auto& s : dated) {
    for (const auto& m : s.images) sources.insert(*dir / m.name);
    for (const auto& m : s.sidecars) sources.insert(*dir / m.name);
  }
  std::set<fs::path> targets;
  for (size_t i = 0; i < dated.size(); ++i) {
    const Shot& s = dated[i];
    capture::FrameRecord rec;
    rec.seq = i;
    rec.request_id = i + 1;
    rec.trigger_utc = s.time.utc;
    const std::string rendered = tmpl->render(session, rec);
    std::string base = rendered;
    // Deterministic: shots are in time order, so the earlier one keeps the plain name.
    for (int k = 2; bases.contains(base); ++k) base = fmt::format("{}_{}", rendered, k);
    bases.insert(base);
    if (base.size() > capture::NameTemplate::kMaxNameBytes)
      return make_error(Errc::invalid,
                        "rename: name template \"{}\" makes a {}-byte name; "
                        "expected at most {}",
                        tmpl->text(), base.size(), capture::NameTemplate::kMaxNameBytes);
    RenameShot out;
    out.old_stem = s.stem;
    out.base = base;
    out.time = s.time.utc;
    out.time_source = s.time.source;
    auto add = [&](const std::string& old_name, const std::string& new_name) -> Status {
      const fs::path to = plan.to / new_name;
      if (!targets.insert(to).second)
        return make_error(Errc::invalid, "rename: two files would be named {}; nothing renamed",
                          encode_name(to.string()));
      std::error_code e;
      if (!sources.contains(to) && fs::symlink_status(to, e).type() != fs::file_type::not_found)
        return make_error(Errc::invalid,
                          "rename: {} would become {}, which exists and is not one of the images "
                          "being renamed; nothing renamed (move it away or change the template)",
                          encode_name(old_name), encode_name(to.string()));
      out.moves.push_back(RenameMove{*dir / old_name, to});
      return ok_status();
    };
    for (const auto& m : s.images) TB_TRY(add(m.name, base + "." + m.ext));
    for (const auto& m : s.sidecars) {
      if (m.sidecar_of.empty()) {
        TB_TRY(add(m.name, base + "." + m.ext));
      } else {
        const std::string img_ext = split_ext(m.sidecar_of).second;
        TB_TRY(add(m.name, base + "." + img_ext + "." + m.ext));
      }
    }
    plan.shots.push_back(std::move(out));
  }
  return plan;
}

}  // namespace tb::delivery
