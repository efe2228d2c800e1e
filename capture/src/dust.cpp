// Dust from a session's frames. Dust multiplies the light that reaches the sensor, so in the log
// of the image it adds a fixed dark dip at a fixed place, whatever the scene. Per frame the
// log image minus its local mean (a high-pass wider than any speck) keeps that dip and the
// scene's own detail; the scene's detail moves from frame to frame, the dip does not. A pixel
// is dust when it is dark in nearly every view of every view group (camera elevation): a feature of
// the backdrop, static while the turntable turns, moves when the camera changes ring. Only
// counters are kept per pixel (never the frames), so any number of frames streams through.
#include <fmt/format.h>
#include <turbojpeg.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <map>
#include <memory>
#include <optional>

#include "tetherbox/capture/dust.hpp"
#include "tetherbox/capture/record.hpp"

namespace tb::capture {

namespace {

using nlohmann::json;
namespace fs = std::filesystem;

constexpr int kMaxWorkSide = 1024;  // images are decoded scaled down to about this
constexpr size_t kMaxFrames = 160;  // spread over the session: enough for a stable median
constexpr float kDark = 0.03f;      // log units: about 3 % darker than the surroundings
constexpr float kLogOffset = 4.0f;  // log(v + 4): keeps near-black noise from dominating
// Dust darkens every view; a scene feature that repeats with the turntable's step (stripes on
// the disc's rim) darkens many but not all: dark in 4 of 5 views of every group.
constexpr double kMostViews = 0.8;
// A spot is kept when the mean high-pass around it correlates with a round Gaussian dip at
// least this well: the dark side of a scene edge that never moves (a cylinder's silhouette is
// the same at every turn) or a stripe pattern repeating with the turntable's step does not.
constexpr double kMinDipLikeness = 0.55;

struct Source {
  std::string name;
  std::string rel;  // under the bag root
  double elevation = 0, azimuth = 0;
};

struct TjFree {
  void operator()(void* h) const { tjDestroy(h); }
};

std::optional<std::vector<uint8_t>> read_all(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  if (!in) return std::nullopt;
  return std::vector<uint8_t>(std::istreambuf_iterator<char>(in), {});
}

bool is_jpeg_name(const std::string& path) {
  const auto dot = path.find_last_of('.');
  if (dot == std::string::npos) return false;
  std::string ext = path.substr(dot + 1);
  for (auto& c : ext) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return ext == "jpg" || ext == "jpeg";
}

// The newest take of every position, in journal order: (originals, previews).
Result<std::pair<std::vector<Source>, std::vector<Source>>> sources_of(const fs::path& bag) {
  std::ifstream in(bag / "data" / "journal.jsonl", std::ios::binary);
  if (!in) return make_error(Errc::not_found, "{}/data/journal.jsonl cannot be read", bag.string());
  std::map<uint64_t, std::pair<Source, Source>> by_seq;
  std::vector<uint64_t> order;
  std::string line;
  while (std::getline(in, line)) {
    const json j = json::parse(line, nullptr, false);
    if (!j.is_object()) continue;  // a torn tail: the report names it; dust just skips it
    const std::string type = j.value("type", "");
    try {
      if (type == "frame") {
        const FrameRecord f = frame_record_from_json(j);
        Source orig{f.name, "", f.position.elevation_deg, f.position.azimuth_deg};
        for (const auto& file : f.files)
          if (file.role == "original" && is_jpeg_name(file.path)) orig.rel = file.path;
        if (!by_seq.count(f.seq)) order.push_back(f.seq);
        by_seq[f.seq] = {orig,
                         Source{f.name, "", f.position.elevation_deg, f.position.azimuth_deg}};
      } else if (type == "preview" && j.contains("file") && j.at("file").is_object()) {
        auto it = by_seq.find(j.value("seq", uint64_t{0}));
        if (it != by_seq.end()) it->second.second.rel = file_record_from_json(j.at("file")).path;
      }
    } catch (const json::exception&) {
      continue;  // an unreadable record has no image to measure
    }
  }
  std::vector<Source> originals, previews;
  for (uint64_t s : order) {
    const auto& [o, p] = by_seq[s];
    if (!o.rel.empty()) originals.push_back(o);
    if (!p.rel.empty()) previews.push_back(p);
  }
  return std::make_pair(std::move(originals), std::move(previews));
}

// Separable box blur with edges handled by averaging only the pixels inside the image.
void box_blur(std::vector<float>& img, int w, int h, int r) {
  std::vector<float> line;
  auto pass = [&](int n, int count, auto at) {
    line.resize(static_cast<size_t>(n));
    for (int k = 0; k < count; ++k) {
      for (int i = 0; i < n; ++i) line[i] = at(k, i);
      double sum = 0;
      int lo = 0, hi = -1;  // window [lo, hi]
      for (int i = 0; i < n; ++i) {
        while (hi < std::min(n - 1, i + r)) sum += line[++hi];
        while (lo < i - r) sum -= line[lo++];
        at(k, i) = static_cast<float>(sum / (hi - lo + 1));
      }
    }
  };
  pass(w, h, [&](int y, int x) -> float& { return img[static_cast<size_t>(y) * w + x]; });
  pass(h, w, [&](int x, int y) -> float& { return img[static_cast<size_t>(y) * w + x]; });
}

// Frames taken at one view (the presets and brackets of one position) show the same content:
// they are averaged into one vote, or a scene feature would win the majority by repetition.
struct Accum {
  int w = 0, h = 0;
  std::vector<double> sum;                     // high-pass summed over views
  std::map<long, std::vector<uint16_t>> dark;  // per view group: views darker than kDark
  std::map<long, size_t> views;                // per view group
  size_t total_views = 0;
  std::vector<float> view_hp;  // the current view's frames, summed
  size_t view_frames = 0;
  std::pair<long, long> view{0, 0};  // (elevation, azimuth) x 100
};

void close_view(Accum& a) {
  if (a.view_frames == 0) return;
  const long g = a.view.first;
  auto& dark = a.dark[g];
  if (dark.empty()) dark.assign(a.view_hp.size(), 0);
  ++a.views[g];
  ++a.total_views;
  const float k = 1.0f / static_cast<float>(a.view_frames);
  for (size_t i = 0; i < a.view_hp.size(); ++i) {
    const float hp = a.view_hp[i] * k;
    a.sum[i] += hp;
    if (hp < -kDark) ++dark[i];
  }
  a.view_frames = 0;
}

void add_frame(Accum& a, const std::vector<uint8_t>& grey, double elevation, double azimuth,
               int radius) {
  const std::pair<long, long> view{std::lround(elevation * 100), std::lround(azimuth * 100)};
  if (view != a.view) close_view(a);
  a.view = view;
  const size_t n = grey.size();
  std::vector<float> lg(n), blur;
  for (size_t i = 0; i < n; ++i) lg[i] = std::log(static_cast<float>(grey[i]) + kLogOffset);
  blur = lg;
  box_blur(blur, a.w, a.h, radius);
  box_blur(blur, a.w, a.h, radius);  // twice: a smooth (triangular) local mean
  if (a.view_frames == 0) a.view_hp.assign(n, 0.0f);
  for (size_t i = 0; i < n; ++i) a.view_hp[i] += lg[i] - blur[i];
  ++a.view_frames;
}

// How much the mean high-pass around a spot looks like a speck's dip (a round Gaussian of
// the spot's size): the Pearson correlation over a disc of 2.5 radii.
double dip_likeness(const Accum& a, const std::vector<float>& field, double cx, double cy,
                    double r) {
  const double reach = 2.5 * r + 1.5, sigma = std::max(1.0, r / 1.4);
  double st = 0, sm = 0, stt = 0, smm = 0, stm = 0, k = 0;
  for (long y = std::lround(cy - reach); y <= std::lround(cy + reach); ++y)
    for (long x = std::lround(cx - reach); x <= std::lround(cx + reach); ++x) {
      if (x < 0 || y < 0 || x >= a.w || y >= a.h) continue;
      const double dx = x + 0.5 - cx, dy = y + 0.5 - cy, d2 = dx * dx + dy * dy;
      if (d2 > reach * reach) continue;
      const double t = -std::exp(-d2 / (sigma * sigma));
      const double m = field[static_cast<size_t>(y) * a.w + x];
      st += t, sm += m, stt += t * t, smm += m * m, stm += t * m, k += 1;
    }
  const double ct = stt - st * st / k, cm = smm - sm * sm / k;
  if (k < 4 || ct <= 0 || cm <= 0) return 0;
  return (stm - st * sm / k) / std::sqrt(ct * cm);
}

}  // namespace

Result<DustMap> find_dust(const fs::path& bag_dir) {
  auto src = sources_of(bag_dir);
  if (!src) return src.error();
  DustMap map;
  std::vector<Source> use;
  if (src->first.size() >= kMinDustFrames) {
    use = std::move(src->first), map.source = "JPEG originals";
  } else {
    use = std::move(src->second), map.source = "previews";
  }
  if (use.size() < kMinDustFrames)
    return make_error(Errc::invalid,
                      "{}: {} frame(s) with a JPEG or a preview; dust needs at least {} frames "
                      "whose content moves (a RAW-only session has none to read)",
                      bag_dir.string(), use.size(), kMinDustFrames);
  if (use.size() > kMaxFrames) {
    std::vector<Source> spread;
    for (size_t i = 0; i < kMaxFrames; ++i) spread.push_back(use[i * use.size() / kMaxFrames]);
    use = std::move(spread);
  }

  std::unique_ptr<void, TjFree> dec(tjInitDecompress());
  if (!dec) return make_error(Errc::internal, "TurboJPEG: cannot start a decoder");
  Accum acc;
  int full_w = 0, full_h = 0, radius = 0;
  tjscalingfactor scale{1, 1};
  for (const auto& s : use) {
    auto bytes = read_all(bag_dir / s.rel);
    if (!bytes) {
      map.skipped.push_back(fmt::format("{}: {} cannot be read", s.name, s.rel));
      continue;
    }
    int w = 0, h = 0, sub = 0, cs = 0;
    if (tjDecompressHeader3(dec.get(), bytes->data(), bytes->size(), &w, &h, &sub, &cs) != 0) {
      map.skipped.push_back(fmt::format("{}: {}: {}", s.name, s.rel, tjGetErrorStr2(dec.get())));
      continue;
    }
    if (full_w == 0) {
      // The first readable frame sets the size; the largest scale that fits the work size.
      int n = 0;
      const tjscalingfactor* f = tjGetScalingFactors(&n);
      scale = {1, 8};
      for (int i = 0; i < n; ++i)
        if (f[i].num <= f[i].denom && TJSCALED(std::max(w, h), f[i]) <= kMaxWorkSide &&
            f[i].num * scale.denom > scale.num * f[i].denom)
          scale = f[i];
      full_w = w, full_h = h;
      acc.w = TJSCALED(w, scale), acc.h = TJSCALED(h, scale);
      acc.sum.assign(static_cast<size_t>(acc.w) * acc.h, 0.0);
      radius = std::max(4, std::max(acc.w, acc.h) / 24);
    } else if (w != full_w || h != full_h) {
      map.skipped.push_back(
          fmt::format("{}: {}x{}, not the session's {}x{}", s.name, w, h, full_w, full_h));
      continue;
    }
    std::vector<uint8_t> grey(static_cast<size_t>(acc.w) * acc.h);
    if (tjDecompress2(dec.get(), bytes->data(), bytes->size(), grey.data(), acc.w, 0, acc.h,
                      TJPF_GRAY, TJFLAG_ACCURATEDCT) != 0 &&
        tjGetErrorCode(dec.get()) == TJERR_FATAL) {
      map.skipped.push_back(fmt::format("{}: {}: {}", s.name, s.rel, tjGetErrorStr2(dec.get())));
      continue;
    }
    add_frame(acc, grey, s.elevation, s.azimuth, radius);
    ++map.frames_used;
  }
  if (map.frames_used < kMinDustFrames)
    return make_error(Errc::invalid, "{}: only {} readable frame(s); dust needs at least {}",
                      bag_dir.string(), map.frames_used, kMinDustFrames);

  close_view(acc);
  map.views = acc.total_views;
  if (acc.total_views < 3)
    return make_error(Errc::invalid,
                      "{}: the frames show only {} view(s); dust needs the content to move "
                      "(at least 3 turntable positions)",
                      bag_dir.string(), acc.total_views);
  // A view group counts when it has enough views for its own majority to mean something.
  const size_t w = static_cast<size_t>(acc.w), h = static_cast<size_t>(acc.h);
  std::vector<const std::vector<uint16_t>*> groups;
  std::vector<size_t> group_n;
  for (const auto& [g, n] : acc.views)
    if (n >= 3) groups.push_back(&acc.dark[g]), group_n.push_back(n);
  map.view_groups = acc.views.size();
  std::vector<uint8_t> cand(w * h, 0);
  for (size_t i = 0; i < w * h; ++i) {
    if (acc.sum[i] / static_cast<double>(acc.total_views) >= -kDark) continue;
    bool all = true;
    if (groups.empty()) {
      size_t d = 0;
      for (const auto& [g, v] : acc.dark) d += v[i];
      all = static_cast<double>(d) >= kMostViews * static_cast<double>(acc.total_views);
    }
    for (size_t k = 0; k < groups.size() && all; ++k)
      all = (*groups[k])[i] >= kMostViews * static_cast<double>(group_n[k]);
    cand[i] = all;
  }

  std::vector<float> mean_hp(w * h);
  for (size_t i = 0; i < w * h; ++i)
    mean_hp[i] = static_cast<float>(acc.sum[i] / static_cast<double>(acc.total_views));
  // Connected spots (8-neighbours); a speck is small and round, an edge of the scene is long.
  const double sx = static_cast<double>(full_w) / acc.w, sy = static_cast<double>(full_h) / acc.h;
  const double max_r = std::max(w, h) * 0.06;
  // The smallest speck worth a mask: about 0.3 % of the image side in radius.
  const double min_area = std::max(4.0, M_PI * std::pow(0.003 * std::max(w, h), 2));
  std::vector<int32_t> stack;
  for (size_t start = 0; start < w * h; ++start) {
    if (cand[start] != 1) continue;
    stack.assign(1, static_cast<int32_t>(start));
    cand[start] = 2;
    double wsum = 0, cx = 0, cy = 0, deepest = 0;
    size_t area = 0, x0 = w, x1 = 0, y0 = h, y1 = 0;
    while (!stack.empty()) {
      const size_t i = static_cast<size_t>(stack.back());
      stack.pop_back();
      const size_t x = i % w, y = i / w;
      const double mean = acc.sum[i] / static_cast<double>(acc.total_views);
      const double wt = -mean;
      wsum += wt, cx += wt * (x + 0.5), cy += wt * (y + 0.5);
      deepest = std::min(deepest, mean);
      ++area;
      x0 = std::min(x0, x), x1 = std::max(x1, x), y0 = std::min(y0, y), y1 = std::max(y1, y);
      for (int dy = -1; dy <= 1; ++dy)
        for (int dx = -1; dx <= 1; ++dx) {
          const long nx = static_cast<long>(x) + dx, ny = static_cast<long>(y) + dy;
          if (nx < 0 || ny < 0 || nx >= static_cast<long>(w) || ny >= static_cast<long>(h))
            continue;
          const size_t j = static_cast<size_t>(ny) * w + static_cast<size_t>(nx);
          if (cand[j] == 1) cand[j] = 2, stack.push_back(static_cast<int32_t>(j));
        }
    }
    const double bw = static_cast<double>(x1 - x0 + 1), bh = static_cast<double>(y1 - y0 + 1);
    const double r = std::sqrt(static_cast<double>(area) / M_PI);
    if (static_cast<double>(area) < min_area || r > max_r ||
        std::max(bw, bh) > 3 * std::min(bw, bh) || static_cast<double>(area) < 0.3 * bw * bh)
      continue;
    if (dip_likeness(acc, mean_hp, cx / wsum, cy / wsum, r) < kMinDipLikeness) continue;
    map.specks.push_back(
        {cx / wsum * sx, cy / wsum * sy, r * (sx + sy) / 2, 1.0 - std::exp(deepest)});
  }
  std::sort(map.specks.begin(), map.specks.end(),
            [](const auto& a, const auto& b) { return a.contrast > b.contrast; });

  map.width = full_w, map.height = full_h;
  map.mask_width = acc.w, map.mask_height = acc.h;
  map.mask_scale = sx;
  map.mask.assign(w * h, 0);
  for (const auto& s : map.specks) {
    const double mx = s.x / sx, my = s.y / sy, mr = s.radius / sx * 1.3 + 1;
    for (long y = std::max(0L, std::lround(my - mr));
         y <= std::min<long>(h - 1, std::lround(my + mr)); ++y)
      for (long x = std::max(0L, std::lround(mx - mr));
           x <= std::min<long>(w - 1, std::lround(mx + mr)); ++x)
        if (std::hypot(x + 0.5 - mx, y + 0.5 - my) <= mr)
          map.mask[static_cast<size_t>(y) * w + x] = 255;
  }
  return map;
}

json dust_json(const DustMap& m, const std::string& mask) {
  json specks = json::array();
  for (const auto& s : m.specks)
    specks.push_back({{"x", s.x}, {"y", s.y}, {"radius", s.radius}, {"contrast", s.contrast}});
  json j = {{"specks", specks},
            {"width", m.width},
            {"height", m.height},
            {"source", m.source},
            {"frames_used", m.frames_used},
            {"views", m.views},
            {"view_groups", m.view_groups},
            {"mask", mask},
            {"mask_width", m.mask_width},
            {"mask_height", m.mask_height},
            {"mask_scale", m.mask_scale},
            {"method",
             "dark in most views of every camera elevation, in the log image minus its local "
             "mean; small round spots only"}};
  if (!m.skipped.empty()) j["frames_skipped"] = m.skipped;
  return j;
}

}  // namespace tb::capture
