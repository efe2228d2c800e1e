// data/report.html: the shoot report a person reads in ten seconds. One self-contained page
// (inline SVG and CSS, no script, no network); previews are linked relative to data/.
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <set>

#include "report_html_detail.hpp"
#include "tetherbox/capture/plan.hpp"
#include "tetherbox/capture/report.hpp"
#include "tetherbox/config/load.hpp"

namespace tb::capture {

namespace {

using nlohmann::json;
using report_page::esc;
using report_page::FrameRow;
using report_page::num;
using report_page::Point;
using report_page::readable;
using report_page::Series;
namespace fs = std::filesystem;

constexpr const char* kStyle =
    "body{font-family:system-ui,sans-serif;margin:1.5em;color:#222;max-width:1100px}"
    "h2{border-bottom:1px solid #ddd;margin-top:1.6em}"
    ".tiles{display:flex;gap:1em;flex-wrap:wrap}.tile{border:1px solid #ddd;border-radius:6px;"
    "padding:.5em 1em}.tile b{display:block;font-size:1.6em}"
    ".ok{color:#2e7d32}.retaken{color:#ef8f00}.fault{color:#c62828}.superseded{color:#9e9e9e}"
    ".nm{color:#666;font-style:italic}"
    "svg text{font-size:11px;fill:#333}"
    ".sheet{display:grid;grid-template-columns:repeat(auto-fill,minmax(130px,1fr));gap:6px}"
    ".sheet figure{margin:0;border:3px solid #2e7d32;font-size:10px;overflow:hidden}"
    ".sheet figure.fault{border-color:#c62828}.sheet figure.retaken{border-color:#ef8f00}"
    ".sheet figure.superseded{border-color:#9e9e9e;opacity:.6}"
    ".sheet img{width:100%;display:block}.sheet .none{height:80px;background:#eee}"
    "table{border-collapse:collapse}th,td{text-align:left;padding:2px 10px 2px 0;"
    "vertical-align:top}td{font-family:monospace}";

std::string not_measured(const std::string& why) {
  return "<p class=\"nm\">not measured: " + esc(why) + "</p>\n";
}

std::string frame_tip(const FrameRow& r, const std::string& what) {
  return fmt::format("{} (seq {}, {}): {}", r.name, r.seq, r.status(), what);
}

bool counts(const FrameRow& r) {
  return !r.superseded;
}

// ---- sections ----------------------------------------------------------------------------

std::string tiles(const json& rep, const report_page::Rows& rows) {
  std::map<std::string, size_t> by_status;
  for (const auto& r : rows) by_status[r.status()]++;
  std::string out = fmt::format(
      "<div class=\"tiles\" id=\"summary\" data-frames=\"{}\" data-ok=\"{}\" "
      "data-retaken=\"{}\" data-fault=\"{}\" data-superseded=\"{}\">\n",
      rows.size(), by_status["ok"], by_status["retaken"], by_status["fault"],
      by_status["superseded"]);
  auto tile = [&](const std::string& label, const std::string& value, const char* cls = "") {
    out += fmt::format("<div class=\"tile {}\"><b>{}</b>{}</div>\n", cls, esc(value), esc(label));
  };
  tile("frames in the journal", std::to_string(rows.size()));
  if (rep.contains("planned")) tile("planned", readable(rep.at("planned")));
  tile("complete", rep.value("complete", false) ? "yes" : "no",
       rep.value("complete", false) ? "ok" : "fault");
  for (const char* s : {"ok", "retaken", "fault", "superseded"})
    tile(s, std::to_string(by_status[s]), s);
  out += "</div>\n";
  if (rep.contains("first_frame_utc") && !rep.at("first_frame_utc").is_null())
    out += fmt::format("<p>{} to {}</p>\n", esc(readable(rep.at("first_frame_utc"))),
                       esc(readable(rep.value("last_frame_utc", json()))));
  return out;
}

// Camera positions seen from above the turntable: azimuth is the angle (0° up, clockwise),
// the distance from the centre grows from the zenith (90°) to the nadir (-90°). A day's orbit
// can hold tens of thousands of positions: past kMaxPositions the chart draws an even sample,
// the last position and every position that is not ok (while those are few), and says so; the
// frame names of a dot are gathered only for the dots drawn.
constexpr size_t kMaxPositions = 2000;

std::string positions(const report_page::Rows& rows) {
  struct Pos {
    double az, el;
    size_t frames = 0;
    int rank = 0;  // the worst status seen there
    bool drawn = false;
    std::string names;
  };
  auto rank = [](const std::string& s) {
    return s == "fault" ? 3 : s == "retaken" ? 2 : s == "superseded" ? 1 : 0;
  };
  static const char* const kByRank[] = {"ok", "superseded", "retaken", "fault"};
  auto key_of = [](const FrameRow& r) {
    return std::make_pair(std::lround(r.azimuth_deg * 100), std::lround(r.elevation_deg * 100));
  };
  std::map<std::pair<long, long>, Pos> at;
  std::set<double> elevations;
  double az0 = 1e9, az1 = -1e9, el0 = 1e9, el1 = -1e9;
  for (const auto& r : rows) {
    auto [it, fresh] =
        at.try_emplace(key_of(r), Pos{r.azimuth_deg, r.elevation_deg, 0, 0, false, {}});
    Pos& p = it->second;
    ++p.frames;
    p.rank = std::max(p.rank, rank(r.status()));
    elevations.insert(r.elevation_deg);
    az0 = std::min(az0, r.azimuth_deg), az1 = std::max(az1, r.azimuth_deg);
    el0 = std::min(el0, r.elevation_deg), el1 = std::max(el1, r.elevation_deg);
  }
  if (rows.empty()) return not_measured("no frame in the journal");
  size_t flagged = 0;
  for (const auto& [key, p] : at)
    if (p.rank != 0) ++flagged;
  const bool keep_flagged = flagged <= kMaxPositions / 2;
  const size_t budget = kMaxPositions - (keep_flagged ? flagged : 0);
  const size_t stride = at.size() <= kMaxPositions ? 1 : (at.size() + budget - 1) / budget;
  size_t i = 0, drawn = 0;
  for (auto& [key, p] : at) {
    p.drawn = stride == 1 || i % stride == 0 || i + 1 == at.size() || (keep_flagged && p.rank != 0);
    drawn += p.drawn ? 1 : 0;
    ++i;
  }
  for (const auto& r : rows) {
    Pos& p = at.at(key_of(r));
    if (p.drawn && p.names.size() < 200) p.names += (p.names.empty() ? "" : ", ") + r.name;
  }
  constexpr double c = 170, R = 150;
  auto radius = [&](double el) { return (90.0 - el) / 180.0 * R; };
  std::string out = fmt::format(
      "<svg class=\"chart\" data-chart=\"positions\" data-positions=\"{}\" data-frames=\"{}\" "
      "data-az-min=\"{}\" data-az-max=\"{}\" data-el-min=\"{}\" data-el-max=\"{}\" "
      "viewBox=\"0 0 {} {}\" width=\"360\" role=\"img\" aria-label=\"camera positions\">\n"
      "<circle cx=\"{}\" cy=\"{}\" r=\"{}\" fill=\"#fafafa\" stroke=\"#bbb\"/>\n",
      at.size(), rows.size(), num(az0), num(az1), num(el0), num(el1), 2 * c, 2 * c, c, c, R);
  for (double el : elevations)
    out += fmt::format(
        "<circle cx=\"{}\" cy=\"{}\" r=\"{:.1f}\" fill=\"none\" stroke=\"#ccc\" "
        "stroke-dasharray=\"3 3\"/><text x=\"{}\" y=\"{:.1f}\">{}°</text>\n",
        c, c, radius(el), c + 3, c - radius(el) - 2, num(el));
  out += fmt::format("<text x=\"{}\" y=\"12\" text-anchor=\"middle\">az 0°</text>\n", c);
  for (const auto& [key, p] : at) {
    if (!p.drawn) continue;
    const std::string status = kByRank[p.rank];
    const double a = p.az * M_PI / 180.0, rr = radius(p.el);
    out += fmt::format(
        "<circle class=\"pos {}\" data-az=\"{}\" data-el=\"{}\" data-frames=\"{}\" "
        "data-status=\"{}\" cx=\"{:.1f}\" cy=\"{:.1f}\" r=\"6\" fill=\"{}\" stroke=\"#222\">"
        "<title>az {}° el {}°: {} frame(s), {}: {}</title></circle>\n",
        status, num(p.az), num(p.el), p.frames, status, c + rr * std::sin(a), c - rr * std::cos(a),
        report_page::status_colour(status), num(p.az), num(p.el), p.frames, status, esc(p.names));
  }
  out += "</svg>\n";
  if (drawn < at.size())
    out += fmt::format("<p class=\"nm\">Drawn: 1 position in {} of {}, the last{}.</p>\n", stride,
                       at.size(), keep_flagged ? " and every position that is not ok" : "");
  return out;
}

// Overlap achieved per ring: the planned model (capture/plan.hpp) applied to the widest gap
// between the azimuths that were actually taken.
std::string overlap(const fs::path& bag, const report_page::Rows& rows) {
  auto cfg = config::load_file((bag / "data" / "session.yaml").string());
  if (!cfg) return not_measured("data/session.yaml: " + cfg.error().message);
  auto plan = make_plan(*cfg, /*warn=*/false);
  if (!plan) return not_measured("the session's plan: " + plan.error().message);
  if (!cfg->orbit.enabled || plan->rings.empty()) return not_measured("no orbit in this session");
  std::string out =
      "<table id=\"overlap\"><tr><th>ring</th><th>elevation</th><th>positions taken / "
      "planned</th><th>overlap planned</th><th>overlap achieved (widest gap)</th></tr>\n";
  std::string bars;
  constexpr double kBarW = 400;
  double y = 4;
  const bool full_circle = cfg->orbit.coverage_deg >= 360.0;
  for (const auto& ring : plan->rings) {
    std::set<long> taken;
    for (const auto& r : rows)
      if (counts(r) && r.ring == ring.ring) taken.insert(std::lround(r.azimuth_deg * 1000));
    std::vector<double> az;
    for (long a : taken) az.push_back(static_cast<double>(a) / 1000.0);
    std::optional<double> achieved;
    if (az.size() >= 2 && ring.positions >= 2) {
      double gap = 0;
      for (size_t i = 1; i < az.size(); ++i) gap = std::max(gap, az[i] - az[i - 1]);
      if (full_circle) gap = std::max(gap, az.front() + 360.0 - az.back());
      // A ring that lacks an end position is short of its coverage: that is a gap too.
      if (!full_circle && static_cast<int>(az.size()) < ring.positions)
        gap = std::max(gap, ring.step_deg * (ring.positions - static_cast<int>(az.size()) + 1));
      achieved = orbit_overlap(cfg->lens, cfg->orbit, ring.elevation_deg, gap);
    } else if (ring.positions < 2) {
      achieved = az.empty() ? std::nullopt : std::optional<double>(ring.overlap_achieved);
    }
    out += fmt::format(
        "<tr><td>{}</td><td>{}°</td><td>{} / {}</td><td>{:.0f} %</td><td>{}</td></tr>\n", ring.ring,
        num(ring.elevation_deg), az.size(), ring.positions, ring.overlap_achieved * 100,
        achieved ? fmt::format("{:.0f} %", *achieved * 100)
                 : std::string("none (fewer than two positions taken)"));
    const double a = achieved.value_or(0);
    bars += fmt::format(
        "<g class=\"ring\" data-ring=\"{}\" data-elevation=\"{}\" data-positions-planned=\"{}\" "
        "data-positions-taken=\"{}\" data-overlap-planned=\"{}\" data-overlap-achieved=\"{}\">"
        "<text x=\"0\" y=\"{:.0f}\">ring {} ({}°)</text>"
        "<rect x=\"110\" y=\"{:.0f}\" width=\"{:.1f}\" height=\"14\" fill=\"#bbdefb\"/>"
        "<rect x=\"110\" y=\"{:.0f}\" width=\"{:.1f}\" height=\"8\" fill=\"{}\"/>"
        "<text x=\"{:.0f}\" y=\"{:.0f}\">{:.0f} %</text></g>\n",
        ring.ring, num(ring.elevation_deg), ring.positions, az.size(), num(ring.overlap_achieved),
        achieved ? num(a) : "none", y + 11, ring.ring, num(ring.elevation_deg), y,
        ring.overlap_achieved * kBarW, y + 3, a * kBarW,
        a + 1e-9 >= cfg->orbit.target_overlap ? "#2e7d32" : "#c62828", 120 + kBarW, y + 11,
        a * 100);
    y += 20;
  }
  out += "</table>\n";
  out += fmt::format(
      "<svg class=\"chart\" data-chart=\"overlap\" data-rings=\"{}\" data-target=\"{}\" "
      "viewBox=\"0 0 {} {:.0f}\" width=\"600\" role=\"img\" aria-label=\"overlap per ring\">\n{}"
      "</svg>\n<p>Light bar: planned; dark bar: achieved (red below the target {:.0f} %).</p>\n",
      plan->rings.size(), num(cfg->orbit.target_overlap), 160 + kBarW, y + 4, bars,
      cfg->orbit.target_overlap * 100);
  return out;
}

// A day's session has tens of thousands of frames: a page of that many thumbnails is too big to
// open on the laptop that reads it. Past kSheetMax, every frame that is not plainly ok is shown
// and the ok ones are sampled evenly; the page says how many it left out.
constexpr size_t kSheetMax = 2000;

// Indices into `rows`, in journal order.
std::vector<size_t> sheet_frames(const report_page::Rows& rows) {
  std::vector<size_t> pick;
  if (rows.size() <= kSheetMax) {
    for (size_t i = 0; i < rows.size(); ++i) pick.push_back(i);
    return pick;
  }
  size_t ok = 0;
  for (size_t i = 0; i < rows.size(); ++i) {
    if (rows[i].status() == "ok")
      ++ok;
    else if (pick.size() < kSheetMax)
      pick.push_back(i);
  }
  const size_t room = kSheetMax - pick.size();
  if (room > 0 && ok > 0) {
    const double stride = static_cast<double>(ok) / static_cast<double>(room);
    size_t n = 0, next = 0, taken = 0;
    for (size_t i = 0; i < rows.size(); ++i) {
      if (rows[i].status() != "ok") continue;
      if (n++ == next && taken < room) {
        pick.push_back(i);
        next = static_cast<size_t>(static_cast<double>(++taken) * stride);
      }
    }
  }
  std::sort(pick.begin(), pick.end());  // journal order
  return pick;
}

std::string contact_sheet(const report_page::Rows& rows) {
  size_t with = 0;
  for (const auto& r : rows)
    if (!r.preview.empty()) ++with;
  const auto shown = sheet_frames(rows);
  std::string figs;
  for (const size_t i : shown) {
    const FrameRow* r = &rows[i];
    std::string img = "<div class=\"none\">no preview</div>";
    if (!r->preview.empty())
      img = fmt::format("<a href=\"{0}\"><img src=\"{0}\" loading=\"lazy\" alt=\"{1}\"></a>",
                        esc(r->preview), esc(r->name));
    figs += fmt::format(
        "<figure class=\"{}\" data-seq=\"{}\" data-status=\"{}\">{}<figcaption>{}</figcaption>"
        "</figure>\n",
        r->status(), r->seq, r->status(), img, esc(r->name));
  }
  std::string note;
  if (shown.size() < rows.size())
    note = fmt::format(
        "<p class=\"nm\">{} of {} frames shown: every frame that is not ok, and ok frames "
        "sampled evenly; all previews are in previews/.</p>\n",
        shown.size(), rows.size());
  return fmt::format(
      "{}<div class=\"sheet\" id=\"contact-sheet\" data-frames=\"{}\" data-shown=\"{}\" "
      "data-previews=\"{}\">\n{}</div>\n",
      note, rows.size(), shown.size(), with, figs);
}

// A day's session has tens of thousands of frames: a chart with a dot for each is a page too
// heavy to open, and the memory that draws it at close grows with the session. Past
// kMaxChartFrames a chart draws an even sample, the last frame, and every frame that is not ok
// (while those are few), and says so under it.
constexpr size_t kMaxChartFrames = 2000;

class ChartSample {
 public:
  explicit ChartSample(const report_page::Rows& rows) : n_(rows.size()) {
    if (n_ <= kMaxChartFrames) return;
    size_t flagged = 0;
    for (const auto& r : rows)
      if (r.status() != "ok") ++flagged;
    keep_flagged_ = flagged <= kMaxChartFrames / 2;
    const size_t budget = kMaxChartFrames - (keep_flagged_ ? flagged : 0);
    stride_ = (n_ + budget - 1) / budget;
  }
  bool operator()(const FrameRow& r, size_t i) const {
    return stride_ == 1 || i % stride_ == 0 || i + 1 == n_ || (keep_flagged_ && r.status() != "ok");
  }
  std::string note() const {
    if (stride_ == 1) return "";
    return fmt::format("<p class=\"nm\">Drawn: 1 frame in {} of {}, the last{}.</p>\n", stride_, n_,
                       keep_flagged_ ? " and every frame that is not ok" : "");
  }

 private:
  size_t n_;
  size_t stride_ = 1;
  bool keep_flagged_ = true;
};

std::string clipping(const json& rep, const report_page::Rows& rows) {
  Series hi{"clipped high (preview)", "#c62828", {}, false};
  Series lo{"clipped low (preview)", "#1565c0", {}, false};
  Series mean{"mean luminance", "#6d4c41", {}, true};
  Series raw{"RAW clipped high (max R,G,B)", "#8e24aa", {}, false};
  const ChartSample drawn(rows);
  for (size_t i = 0; i < rows.size(); ++i) {
    const auto& r = rows[i];
    if (!drawn(r, i)) continue;
    const double x = static_cast<double>(i);
    if (r.hist_measured) {
      hi.points.push_back({x, r.clipped_high, r.seq, r.status(),
                           frame_tip(r, fmt::format("{:.4f} clipped high", r.clipped_high))});
      lo.points.push_back({x, r.clipped_low, r.seq, "", frame_tip(r, "clipped low")});
      mean.points.push_back({x, r.mean, r.seq, "", frame_tip(r, "mean luminance")});
    }
    if (r.raw_measured) {
      const double m = r.raw_high_max;
      raw.points.push_back({x, m, r.seq, "", frame_tip(r, "RAW clipped high")});
    }
  }
  std::string out;
  if (hi.points.empty() && raw.points.empty()) {
    const auto& c = rep.value("clipping", json::object());
    return not_measured(c.contains("not_measured_reason") && c.at("not_measured_reason").is_string()
                            ? c.at("not_measured_reason").get<std::string>()
                            : "no frame had a preview or a readable RAW");
  }
  if (hi.points.empty())
    out += not_measured("on previews: " +
                        readable(rep.value("clipping", json::object())
                                     .value("not_measured_reason", json("no preview"))));
  std::vector<Series> s;
  for (auto* x : {&hi, &lo, &mean, &raw})
    if (!x->points.empty()) s.push_back(*x);
  out += report_page::xy_chart("clipping", "frame (journal order)", "fraction", s, 0.0, 0.05);
  return out + drawn.note();
}

std::string sharpness(const report_page::Rows& rows) {
  Series v{"sharpness", "#37474f", {}, false};
  std::map<std::string, size_t> reasons;
  const ChartSample drawn(rows);
  for (size_t i = 0; i < rows.size(); ++i) {
    const auto& r = rows[i];
    if (!r.sharp_measured) {
      const bool none = !r.sharp_reason || r.sharp_reason->empty();
      reasons[none ? "not measured" : *r.sharp_reason]++;
      continue;
    }
    if (!drawn(r, i)) continue;
    std::string what = fmt::format("sharpness {}", num(r.sharpness));
    if (r.sharp_ratio) what += fmt::format(", {:.2f} of the preset's median", *r.sharp_ratio);
    if (r.blurred) what += ", blurred";
    v.points.push_back(
        {static_cast<double>(i), r.sharpness, r.seq, r.status(), frame_tip(r, what)});
  }
  std::string out;
  if (v.points.empty()) {
    out += not_measured("no frame has a sharpness measure");
  } else {
    out += report_page::xy_chart("sharpness", "frame (journal order)", "sharpness", {v}, 0.0);
    out += drawn.note();
    out +=
        "<p>Large dots: <span class=\"retaken\">retaken</span>, "
        "<span class=\"superseded\">superseded</span> (kept in the bag), "
        "<span class=\"fault\">blurred or faulty</span>.</p>\n";
  }
  if (!reasons.empty()) {
    out += "<ul class=\"nm\">";
    for (const auto& [why, n] : reasons)
      out += fmt::format("<li>{} frame(s) not measured: {}</li>", n, esc(why));
    out += "</ul>\n";
  }
  return out;
}

// Four charts of up to kMaxChartFrames points: each goes out as soon as it is drawn.
Status conditions(const report_page::Rows& rows, const HtmlSink& out) {
  std::optional<double> t0;
  for (const auto& r : rows)
    if (r.t_s) t0 = t0 ? std::min(*t0, *r.t_s) : *r.t_s;
  if (!t0) return out(not_measured("no frame has a trigger time"));
  const ChartSample drawn(rows);
  struct Q {
    const char* id;
    const char* label;
    std::optional<double> FrameRow::*field;
    const char* colour;
  };
  for (const Q& q : {Q{"temperature", "temperature (°C)", &FrameRow::temperature_c, "#e65100"},
                     Q{"humidity", "relative humidity (%)", &FrameRow::humidity_pct, "#00838f"},
                     Q{"pressure", "pressure (hPa)", &FrameRow::pressure_hpa, "#5e35b1"}}) {
    Series s{q.id, q.colour, {}, true};
    for (size_t i = 0; i < rows.size(); ++i) {
      const auto& r = rows[i];
      if (r.t_s && (r.*q.field) && drawn(r, i))
        s.points.push_back({*r.t_s - *t0, *(r.*q.field), r.seq, "", frame_tip(r, q.label)});
    }
    TB_TRY(out(fmt::format("<h3>{}</h3>\n", q.label)));
    TB_TRY(out(s.points.empty()
                   ? not_measured("no frame had a reading")
                   : report_page::xy_chart(q.id, "seconds since the first frame", q.label, {s})));
  }
  Series fix{"gps fix", "#2e7d32", {}, false};
  for (size_t i = 0; i < rows.size(); ++i) {
    const auto& r = rows[i];
    if (r.t_s && drawn(r, i))
      fix.points.push_back({*r.t_s - *t0, r.gps_fix ? 1.0 : 0.0, r.seq, r.gps_fix ? "ok" : "fault",
                            frame_tip(r, r.gps_fix ? "GPS fix" : "no GPS fix")});
  }
  TB_TRY(out("<h3>GPS fix (1 fix, 0 none)</h3>\n"));
  TB_TRY(
      out(report_page::xy_chart("gps", "seconds since the first frame", "fix", {fix}, 0.0, 1.0)));
  return out(drawn.note());
}

std::string dust(const json& rep, const report_page::Rows& rows) {
  if (!rep.contains("dust") || !rep.at("dust").is_object())
    return not_measured("no dust map yet (`tetherbox dustmap BAG` makes one)");
  const json& d = rep.at("dust");
  const double w = d.value("width", 0.0), h = d.value("height", 0.0);
  const json specks = d.value("specks", json::array());
  if (w <= 0 || h <= 0) return not_measured("the dust map has no sensor size");
  std::string under;
  for (const auto& r : rows)
    if (!r.preview.empty()) {
      under = fmt::format(
          "<image href=\"{}\" x=\"0\" y=\"0\" width=\"{}\" height=\"{}\" opacity=\"0.7\" "
          "preserveAspectRatio=\"none\"/>\n",
          esc(r.preview), num(w), num(h));
      break;
    }
  std::string out = fmt::format(
      "<svg class=\"chart\" data-chart=\"dust\" data-specks=\"{}\" data-width=\"{}\" "
      "data-height=\"{}\" viewBox=\"0 0 {} {}\" width=\"600\" role=\"img\" "
      "aria-label=\"dust map\">\n<rect width=\"{}\" height=\"{}\" fill=\"#eee\"/>\n{}",
      specks.size(), num(w), num(h), num(w), num(h), num(w), num(h), under);
  const double stroke = std::max(1.0, w / 400);
  for (const auto& s : specks) {
    const double x = s.value("x", 0.0), y = s.value("y", 0.0), r = s.value("radius", 0.0);
    const double contrast = s.value("contrast", 0.0);
    out += fmt::format(
        "<circle class=\"speck\" data-x=\"{}\" data-y=\"{}\" data-radius=\"{}\" "
        "data-contrast=\"{}\" cx=\"{}\" cy=\"{}\" r=\"{}\" fill=\"none\" stroke=\"#ff1744\" "
        "stroke-width=\"{}\"><title>speck at ({}, {}), radius {} px, {:.0f} % darker</title>"
        "</circle>\n",
        num(x), num(y), num(r), num(contrast), num(x), num(y), num(std::max(r * 2, stroke * 4)),
        num(stroke), num(x), num(y), num(r), contrast * 100);
  }
  out += "</svg>\n";
  out += fmt::format("<p>{} speck(s) from {} frame(s){}.</p>\n", specks.size(),
                     readable(d.value("frames_used", json(nullptr))),
                     d.contains("mask") ? fmt::format("; mask: <a href=\"{0}\">{0}</a>",
                                                      esc(readable(d.at("mask"))))
                                        : std::string());
  return out;
}

std::string faults(const json& rep, const std::vector<std::string>& problems) {
  const json list = rep.value("faults", json::array());
  std::string out = fmt::format("<ul id=\"faults\" data-faults=\"{}\">\n", list.size());
  for (const auto& f : list) {
    const json frame = f.value("frame", json(nullptr));
    out += fmt::format("<li>{}: {}</li>\n",
                       esc(frame.is_string() ? frame.get<std::string>() : "session"),
                       esc(readable(f.value("fault", json("")))));
  }
  if (list.empty()) out += "<li>none</li>\n";
  out += "</ul>\n";
  if (!problems.empty()) {
    out += "<p>The report could not read everything:</p><ul class=\"nm\">";
    for (const auto& p : problems) out += "<li>" + esc(p) + "</li>";
    out += "</ul>\n";
  }
  return out;
}

std::string releases(const fs::path& bag, const json& rep, const json& from_journal) {
  const json list =
      rep.contains("releases") && rep.at("releases").is_array() ? rep.at("releases") : from_journal;
  std::string out = fmt::format(
      "<table id=\"releases\" data-releases=\"{}\"><tr><th>file</th><th>kind</th><th>subject</th>"
      "<th>frames</th></tr>\n",
      list.size());
  std::set<std::string> listed;
  for (const auto& r : list) {
    const std::string path = readable(r.value("path", json("")));
    listed.insert(path);
    const std::string rel = path.rfind("data/", 0) == 0 ? path.substr(5) : path;
    out +=
        fmt::format("<tr><td><a href=\"{}\">{}</a></td><td>{}</td><td>{}</td><td>{}</td></tr>\n",
                    esc(rel), esc(path), esc(readable(r.value("kind", json("")))),
                    esc(readable(r.value("subject", json("")))),
                    r.contains("frames") && r.at("frames").is_array() ? r.at("frames").size() : 0);
  }
  // Files stored at session start (metadata.releases) have no release line: listed by name.
  std::error_code ec;
  for (fs::directory_iterator it(bag / "data" / "releases", ec), end; !ec && it != end;
       it.increment(ec)) {
    const std::string path = "data/releases/" + it->path().filename().string();
    if (listed.count(path) || !it->is_regular_file(ec)) continue;
    out += fmt::format(
        "<tr><td><a href=\"{}\">{}</a></td><td colspan=\"3\">stored with the "
        "session</td></tr>\n",
        esc(path.substr(5)), esc(path));
  }
  out += "</table>\n";
  return out;
}

std::string numbers(const json& rep) {
  std::string rows;
  for (const char* k : {"session", "bag", "camera", "started_utc", "ended_utc", "planned", "frames",
                        "complete", "stopped_by", "bytes", "exposure", "gps", "ambient", "clipping",
                        "raw_clipping", "optics", "frames_per_light", "frames_per_ev"})
    if (rep.contains(k))
      rows += fmt::format("<tr><th>{}</th><td>{}</td></tr>\n", esc(k), esc(readable(rep.at(k))));
  return "<table id=\"numbers\">\n" + rows + "</table>\n";
}

}  // namespace

Status write_report_html(const fs::path& bag_dir, const json& report, const HtmlSink& out) {
  const json rep = report.is_object() ? report : json::object();
  auto view = report_page::read_journal_view(bag_dir);
  // A bag delivered without its previews (export without --previews) keeps the journal's
  // preview lines: a link to a file that is not there would show a broken image.
  for (auto& r : view.frames) {
    std::error_code ec;
    if (!r.preview.empty() && !fs::exists(bag_dir / "data" / r.preview, ec)) r.preview.clear();
  }
  const auto& rows = view.frames;
  const std::string title = readable(rep.value("session", json("")));
  // Each section goes out as soon as it is drawn: the page of a long session is megabytes,
  // and holding it whole (twice, with its head) was most of what a close added to the RSS.
  TB_TRY(out(fmt::format(
      "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
      "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; img-src 'self' "
      "file: data:; style-src 'unsafe-inline'\">"
      "<title>tetherbox report {}</title><style>{}</style></head>\n<body>\n",
      esc(title), kStyle)));
  TB_TRY(out("<h1>Shoot report: " + esc(title) + "</h1>\n"));
  TB_TRY(out(tiles(rep, rows)));
  TB_TRY(out("<h2 id=\"positions\">Camera positions</h2>\n"));
  TB_TRY(out(positions(rows)));
  TB_TRY(
      out("<p>Colour: <span class=\"ok\">ok</span>, <span class=\"retaken\">retaken</span>, "
          "<span class=\"fault\">fault</span>, <span class=\"superseded\">superseded</span> "
          "(worst frame at that position).</p>\n"));
  TB_TRY(out("<h2>Overlap per ring</h2>\n"));
  TB_TRY(out(overlap(bag_dir, rows)));
  TB_TRY(out("<h2>Clipping and exposure per frame</h2>\n"));
  TB_TRY(out(clipping(rep, rows)));
  TB_TRY(out("<h2>Sharpness per frame</h2>\n"));
  TB_TRY(out(sharpness(rows)));
  TB_TRY(out("<h2>Ambient and GPS over time</h2>\n"));
  TB_TRY(conditions(rows, out));
  TB_TRY(out("<h2>Dust</h2>\n"));
  TB_TRY(out(dust(rep, rows)));
  TB_TRY(out("<h2>Faults</h2>\n"));
  TB_TRY(out(faults(rep, view.problems)));
  TB_TRY(out("<h2>Releases</h2>\n"));
  TB_TRY(out(releases(bag_dir, rep, view.releases)));
  TB_TRY(out("<h2>Contact sheet</h2>\n"));
  TB_TRY(out(contact_sheet(rows)));
  TB_TRY(out("<h2>Numbers</h2>\n"));
  TB_TRY(out(numbers(rep)));
  return out("</body></html>\n");
}

std::string render_report_html(const fs::path& bag_dir, const json& report) {
  std::string page;
  (void)write_report_html(bag_dir, report, [&](std::string_view piece) {
    page.append(piece);
    return ok_status();
  });
  return page;
}

}  // namespace tb::capture
