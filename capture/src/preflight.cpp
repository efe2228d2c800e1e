// The proof a session is runnable, before a bag exists: plan within the caps, every frame name
// rendered and distinct, releases checked, and (given the build's backend table) every device
// makeable and able to do what the plan asks.
#include "tetherbox/capture/preflight.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fmt/format.h>

#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <optional>
#include <set>
#include <unordered_map>
#include <utility>

#include "tetherbox/capture/exports.hpp"

namespace tb::capture {
namespace {

using config::KeyIssue;
using Step = std::optional<KeyIssue>;

// What a typical body writes per frame when the size cannot be derived from the config.
constexpr uint64_t kRealRawBytes = 60ULL << 20;
constexpr uint64_t kRealJpegBytes = 20ULL << 20;

std::string position_text(const Position& p) {
  return fmt::format("ring {}, azimuth {:g}°, elevation {:g}°, preset '{}', EV {:+g}", p.ring,
                     p.azimuth_deg, p.elevation_deg, p.light, p.ev_offset + 0.0);
}

std::string frame_text(uint64_t seq, const Position& p, uint64_t group, bool buttons) {
  if (buttons)
    return fmt::format("frame {} (press {}, {})", seq, seq / group + 1, position_text(p));
  return fmt::format("frame {} ({})", seq, position_text(p));
}

// Why two frames got one name, and what to write instead.
std::string collision_hint(const std::string& tmpl, const Position& a, const Position& b) {
  if (tmpl.find("{seq:") != std::string::npos || tmpl.find("{req:") != std::string::npos) {
    if (tmpl.find("c}") != std::string::npos)
      return "{seq:c}/{req:c} writes the number as one character, which repeats and is "
             "replaced in file names: use {seq:05}";
  }
  if (a.light != b.light)
    return fmt::format(
        "lighting presets '{}' and '{}' are the same text once made file-name safe "
        "(only letters, digits, '.', '_', '+' and '-' are kept): rename one, or add {{seq}}",
        a.light, b.light);
  if (std::fabs(a.azimuth_deg - b.azimuth_deg) > 1e-9)
    return fmt::format(
        "{{az}} is written in whole degrees and these azimuths are {:g}° apart: use "
        "{{az:05.1f}} (or more decimals), or add {{seq}}",
        std::fabs(a.azimuth_deg - b.azimuth_deg));
  if (std::fabs(a.elevation_deg - b.elevation_deg) > 1e-9)
    return "{el} is written in whole degrees: use {el:+05.1f}, or add {seq}";
  if (std::fabs(a.ev_offset - b.ev_offset) > 1e-9)
    return fmt::format(
        "the EV offsets {:+g} and {:+g} look the same as written: use {{ev:+.2f}}, "
        "or add {{seq}}",
        a.ev_offset, b.ev_offset);
  if (a.ring != b.ring || a.index_in_ring != b.index_in_ring)
    return "add {ring} and {idx}, or {seq}";
  return "no field of the template differs between these frames (each trigger press repeats "
         "the same positions): add {seq}";
}

// Every name the session can produce, rendered with the real renderer and kept in a hash set.
Step prove_names(const config::Config& cfg, Preflight& pf) {
  const bool buttons = cfg.session.mode == "buttons";
  const uint64_t group = pf.plan.shots.size();
  uint64_t presses = 1;
  if (buttons) {
    if (cfg.session.max_brackets > 0) {
      presses = static_cast<uint64_t>(cfg.session.max_brackets);
      if (presses > kPlanCaps.shots / group) {
        return KeyIssue{"session.max_brackets",
                        fmt::format("{} presses x {} frames per press is more than {} frames; "
                                    "expected at most {} presses",
                                    presses, group, kPlanCaps.shots, kPlanCaps.shots / group)};
      }
    } else {
      presses = std::max<uint64_t>(1, kPlanCaps.shots / group);
    }
    pf.presses_checked = presses;
  }
  const uint64_t total = presses * group;
  std::unordered_map<std::string, uint64_t> seen;
  seen.reserve(static_cast<size_t>(total));
  // {date}/{time} held at one instant: frames in one second must differ by other fields.
  const UtcTime instant{std::chrono::seconds{1764088552}};
  for (uint64_t press = 0; press < presses; ++press) {
    for (const auto& shot : pf.plan.shots) {
      FrameRecord rec;
      rec.seq = press * group + shot.seq;
      rec.request_id = rec.seq + 1;
      rec.position = shot.position;
      rec.trigger_utc = instant;
      std::string name = pf.name_template.render(cfg.session.name, rec);
      if (name.empty()) {
        return KeyIssue{"storage.name_template",
                        fmt::format("\"{}\" renders an empty name for {}; use {{seq:05}}",
                                    pf.name_template.text(),
                                    frame_text(rec.seq, shot.position, group, buttons))};
      }
      if (name.size() > NameTemplate::kMaxNameBytes) {
        return KeyIssue{"storage.name_template",
                        fmt::format("\"{}\" renders a {}-byte name for {}; expected at most {} "
                                    "bytes (shorten session.name or the template)",
                                    pf.name_template.text(), name.size(),
                                    frame_text(rec.seq, shot.position, group, buttons),
                                    NameTemplate::kMaxNameBytes)};
      }
      if (name.size() > pf.longest_name.size()) pf.longest_name = name;
      auto [it, fresh] = seen.emplace(std::move(name), rec.seq);
      if (!fresh) {
        const uint64_t first = it->second;
        const Position& other = pf.plan.shots[first % group].position;
        return KeyIssue{
            "storage.name_template",
            fmt::format("\"{}\" gives {} and {} the same name \"{}\" (the second would "
                        "overwrite the first); {}",
                        pf.name_template.text(), frame_text(first, other, group, buttons),
                        frame_text(rec.seq, shot.position, group, buttons), it->first,
                        collision_hint(pf.name_template.text(), other, shot.position))};
      }
    }
  }
  pf.names_checked = total;
  return std::nullopt;
}

// Presets name files beyond frames (per-preset exports): two that sanitise alike would share
// one, whatever the frame template does.
Step check_preset_names(const config::Config& cfg) {
  std::unordered_map<std::string, size_t> frame_safe, export_names;
  const auto& presets = cfg.lighting.presets;
  for (size_t i = 0; i < presets.size(); ++i) {
    for (auto* table : {&frame_safe, &export_names}) {
      const std::string key =
          table == &frame_safe ? sanitize_name(presets[i].name) : export_file_part(presets[i].name);
      auto [it, fresh] = table->emplace(key, i);
      if (!fresh) {
        return KeyIssue{fmt::format("lighting.presets[{}].name", i),
                        fmt::format("'{}' and lighting.presets[{}] '{}' become the same file "
                                    "name part '{}'; expected preset names that differ in "
                                    "letters or digits",
                                    presets[i].name, it->second, presets[it->second].name, key)};
      }
    }
  }
  return std::nullopt;
}

Step check_rig(const config::Config& cfg, const Plan& plan, const config::BackendTable* built) {
  std::set<std::pair<double, double>> poses;
  bool elevation_changes = false;
  for (const auto& s : plan.shots) {
    poses.insert({s.position.azimuth_deg, s.position.elevation_deg});
    if (s.position.elevation_deg != plan.shots.front().position.elevation_deg)
      elevation_changes = true;
  }
  if (poses.size() > 1 && cfg.turntable.backend == "none") {
    return KeyIssue{"turntable.backend",
                    fmt::format("'none', but the plan has {} positions; expected a turntable "
                                "backend, or one position",
                                poses.size())};
  }
  if (built && elevation_changes && cfg.turntable.backend != "none") {
    const auto* t = config::find_backend(*built, "turntable", cfg.turntable.backend);
    if (t && !t->moves_elevation) {
      return KeyIssue{"orbit.rings",
                      fmt::format("the plan has several elevation rings but turntable '{}' "
                                  "cannot move the camera's elevation; expected one ring per "
                                  "session",
                                  cfg.turntable.backend)};
    }
  }
  return std::nullopt;
}

// The type of a release by its first bytes, or empty.
std::string release_type(const unsigned char* b, size_t n) {
  if (n >= 5 && std::memcmp(b, "%PDF-", 5) == 0) return "PDF";
  if (n >= 3 && b[0] == 0xFF && b[1] == 0xD8 && b[2] == 0xFF) return "JPEG";
  static const unsigned char png[8] = {0x89, 'P', 'N', 'G', 0x0D, 0x0A, 0x1A, 0x0A};
  if (n >= 8 && std::memcmp(b, png, 8) == 0) return "PNG";
  return {};
}

// Checks one release without ever blocking on or reading through something that is not a
// regular file: stat first, then open non-blocking and check the opened file again.
Step check_release(const std::string& key, const std::string& path, ReleaseFile& out) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    return KeyIssue{key, fmt::format("'{}': {}; expected a readable release file (PDF, JPEG "
                                     "or PNG)",
                                     path, std::strerror(errno))};
  }
  if (!S_ISREG(st.st_mode)) {
    return KeyIssue{
        key, fmt::format("'{}' is {}; expected a regular file (PDF, JPEG or PNG)", path,
                         S_ISDIR(st.st_mode)                          ? "a directory"
                         : S_ISFIFO(st.st_mode)                       ? "a FIFO"
                         : S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode) ? "a device"
                                                                      : "not a regular file")};
  }
  const int fd = ::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
  if (fd < 0) {
    return KeyIssue{key, fmt::format("'{}' cannot be opened: {}", path, std::strerror(errno))};
  }
  struct stat fst {};
  unsigned char head[8] = {};
  ssize_t got = -1;
  if (::fstat(fd, &fst) == 0 && S_ISREG(fst.st_mode)) got = ::read(fd, head, sizeof head);
  const int read_errno = errno;
  ::close(fd);
  if (!S_ISREG(fst.st_mode)) {
    return KeyIssue{key, fmt::format("'{}' changed into something other than a regular file "
                                     "while being checked",
                                     path)};
  }
  if (got < 0) {
    return KeyIssue{key, fmt::format("'{}' cannot be read: {}", path, std::strerror(read_errno))};
  }
  const auto size = static_cast<uint64_t>(fst.st_size);
  if (size > kMaxReleaseBytes) {
    return KeyIssue{key, fmt::format("'{}' is {} bytes; expected a release of at most {} MB", path,
                                     size, kMaxReleaseBytes >> 20)};
  }
  const std::string type = release_type(head, static_cast<size_t>(got));
  if (type.empty()) {
    return KeyIssue{key, fmt::format("'{}' is not a PDF, JPEG or PNG (by its content); "
                                     "expected a scanned or signed release document",
                                     path)};
  }
  out.source = path;
  out.size = size;
  out.type = type;
  return std::nullopt;
}

Step check_releases(const config::Config& cfg, Preflight& pf) {
  std::set<std::string> stored;
  for (size_t i = 0; i < cfg.metadata.releases.size(); ++i) {
    const std::string key = fmt::format("metadata.releases[{}]", i);
    ReleaseFile rf;
    if (auto bad = check_release(key, cfg.metadata.releases[i], rf)) return bad;
    namespace fs = std::filesystem;
    const fs::path leaf = fs::path(rf.source).filename();
    std::string stem = sanitize_name(leaf.stem().string());
    // The extension keeps its dot (sanitize_name would turn a leading one into a dash).
    const std::string dot_ext = leaf.extension().string();
    const std::string ext = dot_ext.size() > 1 ? "." + sanitize_name(dot_ext.substr(1)) : "";
    if (stem.empty()) stem = "release";
    std::string name = stem + ext;
    for (int n = 2; !stored.insert(name).second; ++n) name = fmt::format("{}-{}{}", stem, n, ext);
    rf.stored_name = name;
    pf.releases.push_back(std::move(rf));
  }
  return std::nullopt;
}

Step estimate_size(const config::Config& cfg, Preflight& pf) {
  const bool raw = cfg.camera.format != "jpeg";
  const bool jpeg = cfg.camera.format != "raw";
  uint64_t per = 0;
  if (cfg.camera.backend == "sim") {
    const auto px = static_cast<uint64_t>(std::max(cfg.camera.sim.width, 0)) *
                    static_cast<uint64_t>(std::max(cfg.camera.sim.height, 0));
    per = (raw ? px * 2 : 0) + (jpeg ? px / 2 : 0);  // 16-bit DNG; JPEG about 4 bits a pixel
    pf.bytes_estimated_from_image = true;
  } else {
    per = (raw ? kRealRawBytes : 0) + (jpeg ? kRealJpegBytes : 0);
  }
  pf.bytes_per_frame = per;
  const uint64_t frames = pf.planned_total ? pf.planned_total : pf.names_checked;
  if (per != 0 && frames > kPlanCaps.bytes / per) {
    return KeyIssue{"camera.sim.width",
                    fmt::format("{} frames of about {} MB make more than {} TB; expected a "
                                "smaller image or fewer frames",
                                frames, per >> 20, kPlanCaps.bytes >> 40)};
  }
  pf.estimated_bytes = per * frames;
  return std::nullopt;
}

// A plan error names its key at the start ("orbit.rings[0].positions is 0: ..."); use it so
// the loader can place the error, falling back to no key.
KeyIssue keyed(const std::string& message) {
  size_t end = 0;
  while (end < message.size() && message[end] != ' ' && message[end] != ':') ++end;
  std::string key = message.substr(0, end);
  const bool looks_like_key = key.find('.') != std::string::npos && key.front() >= 'a' &&
                              key.front() <= 'z' && key.back() != '.';
  if (!looks_like_key) return {"", message};
  std::string rest = message.substr(end);
  if (rest.rfind(": ", 0) == 0) rest = rest.substr(2);
  while (!rest.empty() && rest.front() == ' ') rest.erase(0, 1);
  return {key, rest};
}

std::optional<KeyIssue> run(const config::Config& cfg, const config::BackendTable* built,
                            Preflight& pf) {
  if (built) {
    if (auto st = config::check_backends(cfg, *built); !st.ok())
      return KeyIssue{"", st.error().message};
    for (const auto& kind : config::backend_kinds()) {
      if (kind == "board") continue;
      const std::string name = config::chosen_backend(cfg, kind);
      const auto* b = config::find_backend(*built, kind, name);
      pf.devices.push_back({kind, name, b && b->simulated});
    }
  }
  // The template first: its errors are the user's to fix whatever the plan says.
  auto tmpl = NameTemplate::parse(cfg.storage.name_template);
  if (!tmpl) return KeyIssue{"storage.name_template", tmpl.error().message};
  pf.name_template = std::move(*tmpl);
  auto plan = make_plan(cfg);
  if (!plan) return keyed(plan.error().message);
  pf.plan = std::move(*plan);
  if (cfg.session.mode == "buttons")
    pf.planned_total = cfg.session.max_brackets > 0
                           ? pf.plan.shots.size() * static_cast<size_t>(cfg.session.max_brackets)
                           : 0;
  else
    pf.planned_total = pf.plan.shots.size();
  if (auto bad = check_rig(cfg, pf.plan, built)) return bad;
  if (auto bad = check_preset_names(cfg)) return bad;
  if (auto bad = prove_names(cfg, pf)) return bad;
  if (auto bad = estimate_size(cfg, pf)) return bad;
  if (auto bad = check_releases(cfg, pf)) return bad;
  return std::nullopt;
}

Result<Preflight> finish(const config::Config& cfg, const config::BackendTable* built) {
  Preflight pf;
  if (auto bad = run(cfg, built, pf)) {
    return Error{Errc::invalid, bad->path.empty() ? bad->message : bad->path + ": " + bad->message};
  }
  return pf;
}

}  // namespace

Result<Preflight> preflight(const config::Config& cfg) {
  return finish(cfg, nullptr);
}

Result<Preflight> preflight(const config::Config& cfg, const config::BackendTable& built) {
  return finish(cfg, &built);
}

std::vector<config::KeyIssue> preflight_issues(const config::Config& cfg,
                                               const config::BackendTable* built, Preflight* out) {
  Preflight pf;
  if (auto bad = run(cfg, built, pf)) return {*bad};
  if (out) *out = std::move(pf);
  return {};
}

}  // namespace tb::capture
