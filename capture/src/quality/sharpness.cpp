#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "green_noise.hpp"

#include "tetherbox/capture/quality_sharpness.hpp"

namespace tb::capture::quality {

namespace {

// A photosite this close to the white level may be clipped (an edge next to it reads
// flattened); under the floor near black it is mostly noise in the log domain.
constexpr float kClipFraction = 0.95f;
constexpr float kFloorFraction = 1e-3f;
// The 4-neighbour Laplacian's weights squared (1 + 1 + 1 + 1 + 16): how much it amplifies
// independent noise.
constexpr double kLaplacianNoiseGain = 20;
// Fewer usable cells than this (a frame all black or all clipped) measure nothing.
constexpr size_t kMinCells = 64;

// The measure over cell rows as they come. Per pair of rows, the log of the mean of each 2x2
// block of green cells - both green sites, 8 photosites when the plane has v2 - or NaN where
// one of them is clipped: averaging 8 photosites cuts the noise variance 8-fold, so what is
// left to subtract is a small correction, not most of the measure; blur that matters (several
// photosites) still shows. Every 8th row also gives the noise estimate its samples. The
// Laplacian runs over the blocks at the end, once the noise per level is known.
class Streamer {
 public:
  // white: the level clipping is judged against (the plane's own, or when it has none its
  // brightest photosite, and then nothing counts as clipped).
  Streamer(const GreenRows::Shape& s, float white, bool white_known)
      : s_(s),
        lo_(kFloorFraction * white),
        hi_(white_known ? kClipFraction * white : std::numeric_limits<float>::infinity()),
        noise_(white, lo_, hi_) {
    bw_ = s.width / 2;
    bh_ = s.height / 2;
    per_bin_ = s.two ? 8 : 4;
    bins_.resize(static_cast<size_t>(bw_) * bh_);
    // The four diagonal neighbours of a second-green site are first-green sites.
    const bool diagonal = (s.v2_dx == 1 || s.v2_dx == -1) && (s.v2_dy == 1 || s.v2_dy == -1);
    sample_noise_ = s.two && diagonal;
    for (int k = 0; k < 2; ++k) {  // the neighbours' rows and columns, relative to the site
      ox_[k] = (s.v2_dx + (k == 0 ? -1 : 1)) / 2;
      oy_[k] = (s.v2_dy + (k == 0 ? -1 : 1)) / 2;
    }
  }

  void row(int y, const float* v, const float* v2) {
    v_[static_cast<size_t>(y) % 3] = v;
    v2_[static_cast<size_t>(y) % 3] = v2;
    if (y % 2 == 1 && y / 2 < bh_) log_block_row(y / 2, at(v_, y - 1), v, at(v2_, y - 1), v2);
    // A sample row: 1, 9, 17, ..., once the row under it is here too.
    if (sample_noise_ && y >= 2 && (y - 2) % kRowStep == 0) noise_row(y - 1);
  }

  std::optional<double> finish() {
    noise_.finish();
    const double noise_gain = kLaplacianNoiseGain / per_bin_;
    const float log_lo = std::log(lo_);
    double sum = 0;
    size_t n = 0, lit = 0;
    for (int y = 1; y + 1 < bh_; ++y) {
      const float* up = &bins_[static_cast<size_t>(y - 1) * bw_];
      const float* mid = up + bw_;
      const float* dn = mid + bw_;
      for (int x = 1; x + 1 < bw_; ++x) {
        const double l =
            static_cast<double>(mid[x - 1]) + mid[x + 1] + up[x] + dn[x] - 4.0 * mid[x];
        if (std::isnan(l)) continue;  // a clipped photosite in the stencil
        sum += l * l - noise_gain * noise_.variance_at_log(mid[x]);
        ++n;
        lit += mid[x] > log_lo;
      }
    }
    if (lit < kMinCells) return std::nullopt;  // all clipped, or all black (a lens cap)
    return std::max(0.0, sum / static_cast<double>(n));
  }

 private:
  // A sample of the cells is plenty for a median per level and keeps a 24 MP frame cheap.
  static constexpr int kRowStep = 8;
  static constexpr int kColStep = 4;

  static const float* at(const std::array<const float*, 3>& ring, int y) {
    return ring[static_cast<size_t>(y) % 3];
  }

  void log_block_row(int b, const float* a0, const float* a1, const float* c0, const float* c1) {
    float* out = &bins_[static_cast<size_t>(b) * bw_];
    const float lo = lo_, hi = hi_;
    const float nan = std::numeric_limits<float>::quiet_NaN();
    // Deep shadow is held at the floor (its noise goes flat, an edge into it still counts); a
    // clipped photosite makes the block NaN, which survives the sum.
    const auto use = [lo, hi, nan](float a) { return a < hi ? std::max(a, lo) : nan; };
    if (c0 && c1) {
      for (int x = 0; x < bw_; ++x) {
        const int i = 2 * x;
        out[x] = use(a0[i]) + use(a0[i + 1]) + use(a1[i]) + use(a1[i + 1]) + use(c0[i]) +
                 use(c0[i + 1]) + use(c1[i]) + use(c1[i + 1]);
      }
    } else {
      for (int x = 0; x < bw_; ++x) {
        const int i = 2 * x;
        out[x] = use(a0[i]) + use(a0[i + 1]) + use(a1[i]) + use(a1[i + 1]);
      }
    }
    const float scale = 1.0f / static_cast<float>(per_bin_);
    for (int x = 0; x < bw_; ++x) out[x] = std::log(out[x] * scale);
  }

  // Each sampled second-green site of row y against its four diagonal first-green neighbours
  // (rows y-1..y+1, all still in the ring).
  void noise_row(int y) {
    const float* c = at(v2_, y);
    const float* n0 = at(v_, y + oy_[0]);
    const float* n1 = at(v_, y + oy_[1]);
    for (int x = 1; x + 1 < s_.width; x += kColStep)
      noise_.add(c[x], {n0[x + ox_[0]], n0[x + ox_[1]], n1[x + ox_[0]], n1[x + ox_[1]]});
  }

  GreenRows::Shape s_;
  float lo_, hi_;
  GreenNoise noise_;
  bool sample_noise_ = false;
  std::array<int, 2> ox_{}, oy_{};
  std::array<const float*, 3> v_{}, v2_{};
  int bw_ = 0, bh_ = 0, per_bin_ = 4;
  std::vector<float> bins_;
};

bool big_enough(int w, int h) {
  return w >= 6 && h >= 6;
}

}  // namespace

std::optional<double> laplacian_sharpness(const Plane& p) {
  const int w = p.width, h = p.height;
  if (!big_enough(w, h) || p.v.size() != static_cast<size_t>(w) * h) return std::nullopt;
  // A plane without a known white level (a test, another decoder) cannot say what clipped:
  // its brightest photosite sets the scale and nothing is left out at the top.
  const bool white_known = p.white > 0;
  const float white = white_known ? p.white : *std::max_element(p.v.begin(), p.v.end());
  if (!(white > 0)) return std::nullopt;
  const bool two = p.v2.size() == p.v.size();
  Streamer s({w, h, two, p.v2_dx, p.v2_dy, p.white}, white, white_known);
  for (int y = 0; y < h; ++y) {
    const size_t at = static_cast<size_t>(y) * w;
    s.row(y, &p.v[at], two ? &p.v2[at] : nullptr);
  }
  return s.finish();
}

struct SharpnessMeter::State {
  GreenRows::Shape shape;
  int rows = 0;  // handed over so far, in order
  bool in_order = true;
  std::optional<Streamer> streamer;
  // A RAW whose white level is not above its black: the rows are kept and measured at the end
  // as laplacian_sharpness measures such a plane (from its brightest photosite).
  std::optional<Plane> held;
};

SharpnessMeter::SharpnessMeter() : s_(std::make_unique<State>()) {}
SharpnessMeter::~SharpnessMeter() = default;

void SharpnessMeter::begin(const Shape& shape) {
  s_ = std::make_unique<State>();
  s_->shape = shape;
  if (!big_enough(shape.width, shape.height)) return;
  if (shape.white > 0) {
    s_->streamer.emplace(shape, shape.white, true);
    return;
  }
  Plane& p = s_->held.emplace();
  p.width = shape.width;
  p.height = shape.height;
  p.white = shape.white;
  p.v2_dx = shape.v2_dx;
  p.v2_dy = shape.v2_dy;
  const auto n = static_cast<size_t>(shape.width) * shape.height;
  p.v.assign(n, 0.0f);
  p.v2.assign(shape.two ? n : 0, 0.0f);
}

void SharpnessMeter::row(int y, const float* v, const float* v2) {
  State& s = *s_;
  if (y != s.rows || y >= s.shape.height) s.in_order = false;
  ++s.rows;
  if (!s.in_order) return;
  if (s.streamer) s.streamer->row(y, v, v2);
  if (s.held) {
    const size_t at = static_cast<size_t>(y) * s.held->width;
    std::copy(v, v + s.held->width, s.held->v.begin() + static_cast<std::ptrdiff_t>(at));
    if (v2 && !s.held->v2.empty())
      std::copy(v2, v2 + s.held->width, s.held->v2.begin() + static_cast<std::ptrdiff_t>(at));
  }
}

std::optional<double> SharpnessMeter::result() {
  State& s = *s_;
  if (!s.in_order || s.rows != s.shape.height) return std::nullopt;
  if (s.streamer) return s.streamer->finish();
  if (s.held) return laplacian_sharpness(*s.held);
  return std::nullopt;
}

void SharpnessWatch::seed(const std::vector<FrameRecord>& done) {
  std::vector<const FrameRecord*> order;
  for (const auto& f : done)
    if (f.sharpness.measured && !f.sharpness.blurred) order.push_back(&f);
  std::sort(order.begin(), order.end(), [](auto* a, auto* b) { return a->seq < b->seq; });
  for (const auto* f : order) remember(f->position.light, f->sharpness.value);
}

void SharpnessWatch::remember(const std::string& light, double value) {
  auto& hist = sharp_[light];
  hist.push_back(value);
  if (hist.size() > kWindow) hist.erase(hist.begin());
}

std::optional<std::string> SharpnessWatch::check(const std::string& light, SharpnessRecord& rec) {
  if (!rec.measured) return std::nullopt;
  auto& hist = sharp_[light];
  if (hist.size() >= kMinHistory) {
    std::vector<double> sorted = hist;
    const auto mid = sorted.begin() + static_cast<std::ptrdiff_t>(sorted.size() / 2);
    std::nth_element(sorted.begin(), mid, sorted.end());
    rec.median = *mid;
    if (*mid > 0) rec.ratio = rec.value / *mid;
    rec.blurred = rec.ratio && *rec.ratio < min_ratio_;
  }
  if (!rec.blurred) {
    remember(light, rec.value);
    return std::nullopt;
  }
  return fmt::format(
      "blurred: sharpness {:.3g} is {:.0f}% of the running median {:.3g} of preset '{}' (limit "
      "quality.min_sharpness_ratio {:.0f}%)",
      rec.value, 100 * *rec.ratio, *rec.median, light, 100 * min_ratio_);
}

}  // namespace tb::capture::quality
