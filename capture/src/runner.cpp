#include "tetherbox/capture/runner.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <atomic>
#include <cmath>
#include <fstream>
#include <mutex>
#include <nlohmann/json.hpp>
#include <set>
#include <thread>

#include "tetherbox/capture/exports.hpp"
#include "tetherbox/capture/exposure.hpp"
#include "tetherbox/capture/naming.hpp"
#include "tetherbox/capture/pipeline.hpp"
#include "tetherbox/capture/plan.hpp"
#include "tetherbox/capture/report.hpp"
#include "tetherbox/capture/resume.hpp"
#include "tetherbox/capture/storage.hpp"
#include "tetherbox/capture/tags.hpp"
#include "tetherbox/config/load.hpp"

namespace tb::capture {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;

constexpr int kBusyRetries = 8;
constexpr int kReconnectTries = 4;

std::string shot_key(const PlannedShot& s) {
  return fmt::format("{}|{}|{}|{:.3f}|{:.3f}|{}|{:.3f}|{:.6g}|{:.3g}|{}", s.seq, s.position.ring,
                     s.position.index_in_ring, s.position.azimuth_deg, s.position.elevation_deg,
                     s.position.light, s.position.ev_offset, s.exposure.shutter_s,
                     s.exposure.aperture, s.exposure.iso);
}

bool same_exposure(const hal::ExposureSettings& a, const hal::ExposureSettings& b) {
  return std::abs(a.shutter_s - b.shutter_s) < 1e-9 && std::abs(a.aperture - b.aperture) < 1e-9 &&
         a.iso == b.iso;
}

class Runner {
 public:
  Runner(const config::Config& cfg, hal::Devices& dev, const RunOptions& opts)
      : cfg_(cfg), dev_(dev), opts_(opts), clock_(dev.clock) {}

  Result<RunSummary> run() {
    if (!clock_) clock_ = std::make_shared<hal::SystemClock>();
    if (!dev_.camera) return make_error(Errc::invalid, "no camera configured");
    auto plan = make_plan(cfg_);
    if (!plan) return plan.error();
    plan_ = std::move(*plan);
    auto tmpl = NameTemplate::parse(cfg_.storage.name_template);
    if (!tmpl) return tmpl.error();
    tmpl_ = std::move(*tmpl);
    TB_TRY(check_rig());

    started_ = clock_->now_utc();
    // The camera first: no camera, a refused value or a body not in M mode leaves no bag behind.
    if (auto cam = open_camera(); !cam.ok()) {
      dev_.camera->close();
      return cam.error();
    }
    if (auto bag = open_bag(); !bag.ok()) {
      dev_.camera->close();
      return bag.error();
    }
    summary_.bag = bag_->dir();

    Status st = prepare_devices();
    if (st.ok()) st = take_all();
    if (!st.ok()) stop_reason(st.error());

    Status drained = pipeline_ ? pipeline_->drain() : Status{};
    if (!drained.ok() && !summary_.stopped_by) stop_reason(drained.error());
    pipeline_.reset();
    if (dev_.gps) dev_.gps->stop();
    if (dev_.ambient) dev_.ambient->stop();
    if (dev_.camera) dev_.camera->close();

    TB_TRY(close_bag());
    return summary_;
  }

 private:
  // A plan with several poses needs something that moves the subject or the camera.
  Status check_rig() {
    std::set<std::pair<double, double>> poses;
    bool elevation_changes = false;
    for (const auto& s : plan_.shots) {
      poses.insert({s.position.azimuth_deg, s.position.elevation_deg});
      if (s.position.elevation_deg != plan_.shots.front().position.elevation_deg)
        elevation_changes = true;
    }
    if (poses.size() > 1 && !dev_.turntable)
      return make_error(Errc::invalid,
                        "the plan has {} positions but no turntable is configured "
                        "(set turntable.backend, or use one position)",
                        poses.size());
    if (elevation_changes && dev_.turntable && !dev_.turntable->info().moves_elevation)
      return make_error(Errc::invalid,
                        "the plan has several elevation rings but turntable '{}' cannot move the "
                        "camera's elevation; plan one ring per session",
                        dev_.turntable->info().backend);
    return {};
  }

  Status journal_event(json j) {
    j["utc"] = format_utc_iso(clock_->now_utc());
    return journal_->append(j.dump());
  }

  void stop_reason(const Error& e) {
    if (summary_.stopped_by) return;
    summary_.stopped_by = e;
    spdlog::error("session stopped: {}", e.message);
    if (journal_)
      (void)journal_event({{"type", "stopped"}, {"error", errc_name(e.code)}, {"message", e.message}});
  }

  Status open_bag() {
    std::vector<std::string> keys;
    for (const auto& s : plan_.shots) keys.push_back(shot_key(s));
    fingerprint_ = plan_fingerprint_of(keys);

    if (opts_.resume) {
      auto bag = Bag::open_existing(*opts_.resume);
      if (!bag) return bag.error();
      bag_ = std::move(*bag);
      auto st = load_journal(*bag_, true);
      if (!st) return st.error();
      if (!st->plan_fingerprint.empty() && st->plan_fingerprint != fingerprint_ &&
          cfg_.session.mode == "orbit")
        return make_error(Errc::invalid,
                          "{}: the plan from this config differs from the one that started the "
                          "bag ({} vs {}); resume with the bag's data/session.yaml",
                          opts_.resume->string(), fingerprint_, st->plan_fingerprint);
      state_ = std::move(*st);
      auto j = Journal::open(bag_->data_dir() / "journal.jsonl");
      if (!j) return j.error();
      journal_ = std::move(*j);
      spdlog::info("resuming {}: {} frames already durable{}{}", bag_->dir().string(),
                   state_.frames.size(), state_.torn_tail ? ", torn journal line repaired" : "",
                   state_.orphans_removed
                       ? fmt::format(", {} unjournaled files removed", state_.orphans_removed)
                       : "");
      return journal_event({{"type", "session_resume"},
                            {"done", state_.frames.size()},
                            {"torn_tail_repaired", state_.torn_tail},
                            {"orphans_removed", state_.orphans_removed}});
    }

    std::filesystem::path root = opts_.out_root.empty() ? std::filesystem::path(cfg_.storage.root)
                                                        : opts_.out_root;
    const std::string name = format_utc_compact(started_) + "_" + cfg_.session.name;
    auto bag = Bag::create(root, name);
    if (!bag) return bag.error();
    bag_ = std::move(*bag);
    auto yaml = bag_->put("session.yaml", config::to_yaml(cfg_));
    if (!yaml) return yaml.error();
    TB_TRY(copy_releases());
    auto j = Journal::open(bag_->data_dir() / "journal.jsonl");
    if (!j) return j.error();
    journal_ = std::move(*j);
    return journal_event({{"type", "session_start"},
                          {"session", cfg_.session.name},
                          {"config", cfg_.source_path},
                          {"planned", planned_total()},
                          {"plan_fingerprint", fingerprint_}});
  }

  Status copy_releases() {
    for (const auto& rel : cfg_.metadata.releases) {
      std::ifstream in(rel, std::ios::binary);
      if (!in)
        return make_error(Errc::not_found, "metadata.releases: cannot read '{}'", rel);
      std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(in)), {});
      auto w = bag_->put("releases/" + std::filesystem::path(rel).filename().string(),
                         std::span<const uint8_t>(bytes));
      if (!w) return w.error();
    }
    return {};
  }

  size_t planned_total() const {
    if (cfg_.session.mode == "buttons")
      return cfg_.session.max_brackets > 0 ? plan_.shots.size() * cfg_.session.max_brackets : 0;
    return plan_.shots.size();
  }

  Status open_camera() {
    auto info = dev_.camera->open();
    if (!info) return info.error();
    camera_ = *info;
    TB_TRY(dev_.camera->lock_automatics());
    base_ = plan_.shots.front().exposure;
    TB_TRY(set_exposure(base_));
    if (cfg_.camera.set_clock) {
      auto off = dev_.camera->sync_clock(clock_->now_utc());
      if (!off) {
        clock_fault_ = "camera clock not set: " + off.error().message;
        spdlog::warn("{}", clock_fault_);
      } else {
        clock_offset_ = *off;
      }
    }
    return dev_.camera->drain();
  }

  Status prepare_devices() {
    if (!clock_fault_.empty()) (void)journal_event({{"type", "fault"}, {"message", clock_fault_}});
    if (dev_.turntable) TB_TRY(dev_.turntable->home());
    if (dev_.gps) dev_.gps->start();
    if (dev_.ambient) dev_.ambient->start();

    PipelineOptions po;
    po.previews = cfg_.storage.previews;
    po.reserve_bytes = cfg_.storage.reserve_mb << 20;
    po.sidecar.session = cfg_.session.name;
    po.sidecar.camera_model = camera_.model;
    po.sidecar.camera_serial = camera_.serial;
    po.sidecar.lens = camera_.lens;
    po.sidecar.focal_length_mm = cfg_.lens.focal_length_mm;
    po.sidecar.creator = cfg_.metadata.creator;
    po.sidecar.copyright = cfg_.metadata.copyright;
    pipeline_ = std::make_unique<Pipeline>(
        *bag_, *journal_, po, [this](const FrameRecord& r) { on_frame_durable(r); },
        [this](const PreviewDone& p) { on_preview(p); });
    queue_lost_previews();
    run_start_ = clock_->now_steady();
    return journal_event({{"type", "camera"},
                          {"backend", camera_.backend},
                          {"model", camera_.model},
                          {"serial", camera_.serial},
                          {"port", camera_.port},
                          {"clock_offset_s", clock_offset_ ? json(*clock_offset_) : json(nullptr)}});
  }

  void on_frame_durable(const FrameRecord& r) {
    Progress p;
    {
      std::lock_guard lk(mu_);
      state_.frames.push_back(r);
      ++taken_now_;
      p.done = state_.frames.size();
      p.last_name = r.name;
    }
    p.total = planned_total();
    const double el = seconds_between(run_start_, clock_->now_steady());
    p.frames_per_s = el > 0 ? static_cast<double>(taken_now_) / el : 0;
    p.eta_s = (p.frames_per_s > 0 && p.total > p.done) ? (p.total - p.done) / p.frames_per_s : 0;
    if (opts_.on_progress) opts_.on_progress(p);
  }

  // The preview of a durable frame arrives later, from the pipeline's preview thread, always
  // after that frame's on_done (pipeline.hpp), so its record is already in state_.frames.
  void on_preview(const PreviewDone& p) {
    std::lock_guard lk(mu_);
    for (auto& f : state_.frames) {
      if (f.seq != p.seq) continue;
      if (p.file) f.files.push_back(*p.file);
      f.histogram = p.histogram;
      if (!p.fault.empty()) f.faults.push_back(p.fault);
      return;
    }
    spdlog::error("preview for seq {} arrived before its frame; the journal line stands", p.seq);
  }

  // Resume: frames made durable before the crash whose preview never was.
  void queue_lost_previews() {
    if (!cfg_.storage.previews.enabled) return;
    std::lock_guard lk(mu_);
    for (const auto& f : state_.frames) {
      if (state_.preview_seen.count(f.seq)) continue;
      for (const auto& file : f.files)
        if (file.role == "original" && file.path.size() > 4 &&
            file.path.compare(file.path.size() - 4, 4, ".jpg") == 0)
          pipeline_->queue_preview(f.seq, f.request_id, f.name, file.path);
    }
  }

  bool stop_requested() const { return opts_.stop && opts_.stop->load(); }

  Status set_exposure(const hal::ExposureSettings& e) {
    if (current_ && same_exposure(*current_, e)) return {};
    TB_TRY(dev_.camera->set_exposure(e));
    current_ = e;
    return {};
  }

  Status take_all() {
    if (cfg_.session.mode == "buttons") return take_on_presses();
    for (const auto& shot : plan_.shots) {
      if (state_.done_seqs.count(shot.seq)) continue;
      if (stop_requested()) return make_error(Errc::cancelled, "stopped by request");
      TB_TRY(take(shot, shot.seq));
    }
    return {};
  }

  // Field kit: each trigger press takes one bracket group (presets x brackets) at the spot.
  Status take_on_presses() {
    if (!dev_.buttons) return make_error(Errc::invalid, "session.mode buttons needs buttons");
    uint64_t next_seq = state_.done_seqs.empty() ? 0 : *state_.done_seqs.rbegin() + 1;
    const uint64_t group = plan_.shots.size();
    next_seq = (next_seq + group - 1) / group * group;  // a cut-short group is re-taken whole
    int presses = static_cast<int>(next_seq / group);
    while (cfg_.session.max_brackets == 0 || presses < cfg_.session.max_brackets) {
      if (stop_requested()) return make_error(Errc::cancelled, "stopped by request");
      auto ev = dev_.buttons->wait_press(200ms);
      if (!ev) continue;
      if (ev->action == "abort") return make_error(Errc::cancelled, "abort button pressed");
      if (ev->action != "trigger") continue;
      TB_TRY(journal_event({{"type", "button"}, {"name", ev->name}, {"edge_utc", format_utc_iso(ev->edge_utc)}}));
      for (const auto& shot : plan_.shots) {
        TB_TRY(take(shot, next_seq++));
      }
      ++presses;
    }
    return {};
  }

  Status move_and_light(const PlannedShot& shot) {
    if (dev_.turntable) {
      hal::RigPose pose{shot.position.azimuth_deg, shot.position.elevation_deg};
      auto cur = dev_.turntable->position();
      if (!pose_set_ || std::abs(cur.azimuth_deg - pose.azimuth_deg) > 1e-6 ||
          std::abs(cur.elevation_deg - pose.elevation_deg) > 1e-6) {
        TB_TRY(dev_.turntable->move_to(pose));
        pose_set_ = true;
      }
    }
    if (dev_.lights) {
      std::set<std::string> on;
      for (const auto& p : cfg_.lighting.presets)
        if (p.name == shot.position.light) on.insert(p.on.begin(), p.on.end());
      if (!lights_set_ || dev_.lights->current() != on) {
        TB_TRY(dev_.lights->set_on(on));
        lights_set_ = true;
        if (shot.light_settle_ms > 0)
          clock_->sleep_for(std::chrono::milliseconds(shot.light_settle_ms));
      }
    }
    return {};
  }

  void fault(const std::string& msg, uint64_t seq, uint64_t req, std::vector<std::string>& faults) {
    spdlog::warn("frame {}: {}", seq, msg);
    faults.push_back(msg);
    (void)journal_event({{"type", "fault"}, {"seq", seq}, {"request_id", req}, {"message", msg}});
  }

  // Re-establishes the camera: reconnect with backoff, then re-apply the exposure.
  Status recover(uint64_t seq, uint64_t req, std::vector<std::string>& faults) {
    for (int i = 0; i < kReconnectTries; ++i) {
      if (stop_requested()) return make_error(Errc::cancelled, "stopped by request");
      clock_->sleep_for(std::chrono::milliseconds(200 * (1 << i)));
      auto st = dev_.camera->reconnect();
      if (st.ok()) {
        current_.reset();
        auto se = set_exposure(current_target_);
        if (se.ok()) {
          fault(fmt::format("camera reconnected (attempt {})", i + 1), seq, req, faults);
          return {};
        }
        fault("exposure not re-applied after reconnect: " + se.error().message, seq, req, faults);
      } else {
        fault(fmt::format("reconnect attempt {} failed: {}", i + 1, st.error().message), seq, req,
              faults);
      }
    }
    return make_error(Errc::disconnected,
                      "camera lost and not recovered after {} reconnect attempts; the bag is "
                      "consistent: reconnect the camera and run again with --resume",
                      kReconnectTries);
  }

  Status take(const PlannedShot& shot, uint64_t seq) {
    TB_TRY(move_and_light(shot));
    current_target_ = shot.exposure;
    TB_TRY(set_exposure(shot.exposure));

    std::vector<std::string> faults;
    int attempts = 0, busy = 0, mismatches = 0;
    uint64_t req = next_request_id();
    for (;;) {
      ++attempts;
      auto res = dev_.camera->capture(req);
      if (!res) {
        const auto& e = res.error();
        if (e.code == Errc::busy && busy++ < kBusyRetries) {
          fault("camera busy: " + e.message, seq, req, faults);
          clock_->sleep_for(std::chrono::milliseconds(50 * busy));
          continue;
        }
        if (e.code == Errc::disconnected || e.code == Errc::io || e.code == Errc::busy) {
          fault(fmt::format("capture failed ({}): {}", errc_name(e.code), e.message), seq, req, faults);
          TB_TRY(recover(seq, req, faults));
          busy = 0;
          continue;  // same request id: the backend completes an in-flight capture once
        }
        return make_error(e.code, "frame {}: {}", seq, e.message);
      }
      hal::CaptureResult cap = std::move(*res);
      if (cap.request_id != req)
        return make_error(Errc::internal, "frame {}: camera answered request {} for request {}",
                          seq, cap.request_id, req);
      bool verified = false;
      if (cap.reported_valid) {
        auto v = verify_exposure(shot.exposure, cap.reported, cfg_.camera.verify_tolerance_ev);
        verified = v.ok;
        if (!v.ok) {
          std::string msg = "exposure mismatch: ";
          for (size_t i = 0; i < v.mismatches.size(); ++i) msg += (i ? "; " : "") + v.mismatches[i];
          fault(msg, seq, req, faults);
          if (mismatches++ < cfg_.camera.verify_retries) {
            current_.reset();
            TB_TRY(set_exposure(shot.exposure));
            req = next_request_id();
            continue;  // the mismatched frame is discarded, a new request re-takes it
          }
          fault(fmt::format("kept after {} attempts with the mismatch recorded", attempts), seq,
                req, faults);
        }
      }
      return submit(shot, seq, std::move(cap), verified, attempts, std::move(faults));
    }
  }

  uint64_t next_request_id() { return state_.next_request_id++; }

  Status submit(const PlannedShot& shot, uint64_t seq, hal::CaptureResult cap, bool verified,
                int attempts, std::vector<std::string> faults) {
    PipelineJob job;
    FrameRecord& r = job.record;
    r.request_id = cap.request_id;
    r.seq = seq;
    r.position = shot.position;
    r.commanded = shot.exposure;
    r.reported = cap.reported;
    r.reported_valid = cap.reported_valid;
    r.exposure_verified = verified;
    r.attempts = attempts;
    r.trigger_utc = cap.trigger_utc;
    r.trigger_uncertainty_s = cap.trigger_uncertainty_s;
    r.camera_clock_offset_s = clock_offset_;
    const auto now = clock_->now_steady();
    r.gps = gps_record(dev_.gps.get(), now, cfg_.gps.max_fix_age_s);
    r.ambient = ambient_record(dev_.ambient.get(), now, cfg_.ambient.max_age_s);
    for (auto& n : cap.notes) faults.push_back(n);
    r.faults = std::move(faults);
    r.name = tmpl_.render(cfg_.session.name, r);
    job.capture = std::move(cap);
    return pipeline_->push(std::move(job));
  }

  Status close_bag() {
    std::vector<FrameRecord> frames;
    {
      std::lock_guard lk(mu_);
      frames = state_.frames;
    }
    std::set<uint64_t> seqs;
    for (const auto& f : frames) seqs.insert(f.seq);
    summary_.planned = planned_total();
    summary_.done = frames.size();
    summary_.taken_now = taken_now_;
    for (const auto& f : frames) summary_.faults += f.faults.size();
    summary_.complete = !summary_.stopped_by && summary_.planned > 0 &&
                        seqs.size() == summary_.planned;
    if (cfg_.session.mode == "buttons" && !summary_.stopped_by) summary_.complete = true;

    ReportContext rc;
    rc.session = cfg_.session.name;
    rc.bag_name = bag_->dir().filename().string();
    rc.camera_model = camera_.model;
    rc.camera_serial = camera_.serial;
    rc.camera_backend = camera_.backend;
    rc.planned = summary_.planned;
    rc.complete = summary_.complete;
    rc.stopped_by = summary_.stopped_by ? summary_.stopped_by->message : "";
    rc.session_faults = state_.session_faults;
    rc.started = started_;
    rc.ended = clock_->now_utc();
    auto report = make_report(frames, rc);
    TB_TRY(journal_event({{"type", "session_end"},
                          {"complete", summary_.complete},
                          {"frames", summary_.done},
                          {"stopped_by", rc.stopped_by}}));
    auto w1 = bag_->put("report.json", report.dump(2) + "\n");
    if (!w1) return w1.error();
    auto w2 = bag_->put("report.html", report_html(report));
    if (!w2) return w2.error();
    // Poses can be rebuilt from the journal later: a failed export is a warning, not a loss.
    if (auto ex = write_exports(*bag_, frames, cfg_); !ex)
      spdlog::warn("exports not written: {}", ex.error().message);
    TB_TRY(bag_->add_existing("journal.jsonl"));
    std::map<std::string, std::string> info = {
        {"Source-Organization", cfg_.metadata.creator.empty() ? "tetherbox" : cfg_.metadata.creator},
        {"External-Identifier", bag_->dir().filename().string()},
        {"External-Description",
         fmt::format("tetherbox session '{}': {} of {} frames{}", cfg_.session.name, summary_.done,
                     summary_.planned, summary_.complete ? "" : " (incomplete: resumable)")},
        {"Tetherbox-Camera", fmt::format("{} {} ({})", camera_.model, camera_.serial, camera_.backend)},
        {"Tetherbox-Complete", summary_.complete ? "true" : "false"},
        {"Tetherbox-Version", "0.1.0"},
    };
    if (!cfg_.metadata.project.empty()) info["Tetherbox-Project"] = cfg_.metadata.project;
    return bag_->finalize(info);
  }

  const config::Config& cfg_;
  hal::Devices& dev_;
  const RunOptions& opts_;
  std::shared_ptr<hal::Clock> clock_;
  Plan plan_;
  NameTemplate tmpl_ = *NameTemplate::parse("{seq}");
  std::string fingerprint_;
  std::unique_ptr<Bag> bag_;
  std::unique_ptr<Journal> journal_;
  std::unique_ptr<Pipeline> pipeline_;
  JournalState state_;
  hal::CameraInfo camera_;
  hal::ExposureSettings base_, current_target_;
  std::optional<hal::ExposureSettings> current_;
  std::optional<double> clock_offset_;
  std::string clock_fault_;
  bool pose_set_ = false, lights_set_ = false;
  UtcTime started_{};
  SteadyTime run_start_{};
  std::mutex mu_;
  size_t taken_now_ = 0;
  RunSummary summary_;
};

}  // namespace

Result<RunSummary> run_session(const config::Config& cfg, hal::Devices& dev,
                               const RunOptions& opts) {
  Runner r(cfg, dev, opts);
  return r.run();
}

}  // namespace tb::capture
