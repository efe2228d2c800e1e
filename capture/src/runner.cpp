#include "tetherbox/capture/runner.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <cmath>
#include <exception>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <set>
#include <thread>

#include "tetherbox/capture/frame_source.hpp"
#include "tetherbox/capture/pipeline.hpp"
#include "tetherbox/capture/preflight.hpp"
#include "tetherbox/capture/quality_monitor.hpp"
#include "tetherbox/capture/quality_retake.hpp"
#include "tetherbox/capture/quality_stage.hpp"
#include "tetherbox/capture/quality_test_shot.hpp"
#include "tetherbox/capture/release_copy.hpp"
#include "tetherbox/capture/resume.hpp"
#include "tetherbox/capture/resume_config.hpp"
#include "tetherbox/capture/session_close.hpp"
#include "tetherbox/capture/shot_executor.hpp"
#include "tetherbox/capture/storage.hpp"
#include "tetherbox/config/load.hpp"

namespace tb::capture {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;

std::string shot_key(const PlannedShot& s) {
  return fmt::format("{}|{}|{}|{:.3f}|{:.3f}|{}|{:.3f}|{:.6g}|{:.3g}|{}", s.seq, s.position.ring,
                     s.position.index_in_ring, s.position.azimuth_deg, s.position.elevation_deg,
                     s.position.light, s.position.ev_offset, s.exposure.shutter_s,
                     s.exposure.aperture, s.exposure.iso);
}

// Exceptions stay inside the module: one that escapes a phase (a library that throws, an
// allocation) becomes an error value, so the session still drains and closes its bag.
template <typename F>
Status guarded(const char* phase, F&& f) {
  try {
    return f();
  } catch (const std::exception& e) {
    return make_error(Errc::internal, "{}: unexpected exception: {}", phase, e.what());
  }
}

// Buttons mode: frames per bracket group (one press), counted per group index.
struct Brackets {
  size_t complete = 0;
  std::vector<uint64_t> partial;       // groups cut short
  bool all_partial_superseded = true;  // each cut-short group was taken again whole later
};

Brackets count_brackets(const std::set<uint64_t>& seqs, uint64_t group) {
  Brackets b;
  if (group == 0) return b;
  std::map<uint64_t, size_t> n;
  for (auto s : seqs) ++n[s / group];
  uint64_t last_complete = 0;
  bool any_complete = false;
  for (const auto& [g, count] : n) {
    if (count >= group) {
      ++b.complete;
      last_complete = g;
      any_complete = true;
    } else {
      b.partial.push_back(g);
    }
  }
  for (auto g : b.partial)
    if (!any_complete || last_complete < g) b.all_partial_superseded = false;
  return b;
}

std::string join(const std::vector<std::string>& v) {
  std::string s;
  for (const auto& x : v) s += (s.empty() ? "" : ", ") + x;
  return s;
}

class Runner {
 public:
  Runner(const config::Config& cfg, hal::Devices& dev, const RunOptions& opts)
      : cfg_(cfg), dev_(dev), opts_(opts), clock_(dev.clock) {}
  // The pipeline calls back into this object from its threads: it goes first, whatever path
  // left run().
  ~Runner() {
    stage_.reset();  // it pushes into the pipeline
    pipeline_.reset();
  }

  Result<RunSummary> run() {
    if (!clock_) clock_ = std::make_shared<hal::SystemClock>();
    if (!dev_.camera) return make_error(Errc::invalid, "no camera configured");
    // The same checks as `tetherbox plan`: run refuses exactly what plan refuses.
    Result<Preflight> pf = make_error(Errc::internal, "preflight not run");
    TB_TRY(guarded("preflight", [&]() -> Status {
      pf = opts_.preflight ? Result<Preflight>(*opts_.preflight) : preflight(cfg_);
      return {};
    }));
    if (!pf) return pf.error();
    plan_ = std::move(pf->plan);
    tmpl_ = std::move(pf->name_template);
    planned_total_ = pf->planned_total;
    releases_ = std::move(pf->releases);
    if (plan_.shots.empty()) return make_error(Errc::invalid, "the plan has no shots");
    TB_TRY(check_rig());
    if (opts_.resume)
      TB_TRY(guarded("resume check", [&] { return check_resume_config(); }));
    else
      TB_TRY(check_releases_readable(releases_));

    started_ = clock_->now_utc();
    make_executor();
    // The camera first: no camera, a refused value or a body not in M mode leaves no bag behind.
    if (auto cam = guarded("camera", [&] { return open_camera(); }); !cam.ok()) {
      dev_.camera->close();
      return cam.error();
    }
    if (auto bag = guarded("bag", [&] { return open_bag(); }); !bag.ok()) {
      pipeline_.reset();
      dev_.camera->close();
      return bag.error();
    }
    summary_.bag = bag_->dir();

    Status st = guarded("capture", [&]() -> Status {
      TB_TRY(prepare_devices());
      return take_all();
    });
    if (!st.ok()) stop_reason(st.error());

    Status checked = guarded("quality", [&] { return stage_ ? stage_->drain() : Status{}; });
    Status drained = guarded("pipeline", [&] { return pipeline_ ? pipeline_->drain() : Status{}; });
    if (!checked.ok() && !summary_.stopped_by) stop_reason(checked.error());
    if (!drained.ok() && !summary_.stopped_by) stop_reason(drained.error());
    stage_.reset();
    pipeline_.reset();
    if (dev_.gps) dev_.gps->stop();
    if (dev_.ambient) dev_.ambient->stop();
    if (dev_.camera) dev_.camera->close();

    if (auto closed = guarded("close", [&] { return close_bag(); }); !closed.ok()) {
      summary_.not_finalized = closed.error();
      spdlog::error("bag not finalized: {}", closed.error().message);
    }
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

  // A resume runs the bag's own plan or nothing: before any device is touched, the given
  // config is compared with the one that started the bag.
  Status check_resume_config() {
    const auto bag = *opts_.resume;
    const auto own = bag / "data" / "session.yaml";
    auto bag_cfg = config::load_file(own.string());
    if (!bag_cfg)
      return make_error(Errc::invalid,
                        "{}: cannot read the bag's own config ({}); a resume must run the bag's "
                        "plan",
                        bag.string(), bag_cfg.error().message);
    auto diff = data_differences(*bag_cfg, cfg_);
    if (!diff.empty())
      return make_error(Errc::invalid,
                        "{}: refusing to resume: {} differs from the config that started the bag "
                        "({}), which would mix two plans in one bag; resume with the bag's own "
                        "config: tetherbox run {} --resume {}",
                        bag.string(), cfg_.source_path.empty() ? "this config" : cfg_.source_path,
                        join(diff), own.string(), bag.string());
    return {};
  }

  void make_executor() {
    ShotSetup s;
    s.camera = dev_.camera.get();
    s.clock = clock_.get();
    s.gps = dev_.gps.get();
    s.ambient = dev_.ambient.get();
    s.max_fix_age_s = cfg_.gps.max_fix_age_s;
    s.ambient_max_age_s = cfg_.ambient.max_age_s;
    s.verify_tolerance_ev = cfg_.camera.verify_tolerance_ev;
    s.verify_retries = cfg_.camera.verify_retries;
    s.limits = opts_.retry;
    executor_ = std::make_unique<ShotExecutor>(
        s,
        [this](const std::string& msg, uint64_t seq, uint64_t req) {
          (void)journal_event(
              {{"type", "fault"}, {"seq", seq}, {"request_id", req}, {"message", msg}});
          emit("fault", msg);
        },
        [this] { return stop_requested(); }, [this] { return state_.next_request_id++; });
  }

  Status journal_event(json j) {
    if (!journal_) return {};
    j["utc"] = format_utc_iso(clock_->now_utc());
    return journal_->append(dump_json(j));
  }

  void stop_reason(const Error& e) {
    if (summary_.stopped_by) return;
    summary_.stopped_by = e;
    spdlog::error("session stopped: {}", e.message);
    (void)journal_event(
        {{"type", "stopped"}, {"error", errc_name(e.code)}, {"message", e.message}});
    emit("stopped", e.message);
  }

  // An observer that throws must not take the capture down (same rule as on_progress).
  void emit(const std::string& type, const std::string& message) const {
    if (!opts_.on_event) return;
    try {
      opts_.on_event(type, message);
    } catch (const std::exception& e) {
      spdlog::warn("event observer failed: {}", e.what());
    }
  }

  Status open_bag() {
    std::vector<std::string> keys;
    for (const auto& s : plan_.shots) keys.push_back(shot_key(s));
    fingerprint_ = plan_fingerprint_of(keys);

    if (opts_.resume) {
      auto bag = Bag::open_existing(*opts_.resume);
      if (!bag) return bag.error();
      bag_ = std::move(*bag);
      auto st = load_journal(*bag_, true, opts_.rehash);
      if (!st) return st.error();
      if (!st->plan_fingerprint.empty() && st->plan_fingerprint != fingerprint_)
        return make_error(Errc::invalid,
                          "{}: the plan from this config differs from the one that started the "
                          "bag ({} vs {}); resume with the bag's data/session.yaml",
                          opts_.resume->string(), fingerprint_, st->plan_fingerprint);
      state_ = std::move(*st);
      // The repair needed every manifest line; the session goes on with the manifest on disk
      // as its record, so a resumed 100 000-frame bag does not keep 400 000 entries in RAM.
      bag_->drop_index();
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

    std::filesystem::path root =
        opts_.out_root.empty() ? std::filesystem::path(cfg_.storage.root) : opts_.out_root;
    const std::string name = format_utc_compact(started_) + "_" + cfg_.session.name;
    auto bag = Bag::create(root, name);
    if (!bag) return bag.error();
    bag_ = std::move(*bag);
    // Releases first: if one cannot be copied, the bag is closed as "not started" (consistent,
    // verifiable, no frames) and the run fails naming the file.
    if (auto rel = copy_releases(*bag_, releases_); !rel.ok()) {
      auto closed = close_unstarted(cfg_, *bag_, rel.error().message);
      return make_error(
          rel.error().code, "{}; the bag {} was closed as not started{}", rel.error().message,
          bag_->dir().string(),
          closed.ok() ? "" : " (and could not be finalized: " + closed.error().message + ")");
    }
    auto yaml = bag_->put("session.yaml", config::to_yaml(cfg_));
    if (!yaml) return yaml.error();
    auto j = Journal::open(bag_->data_dir() / "journal.jsonl");
    if (!j) return j.error();
    journal_ = std::move(*j);
    return journal_event({{"type", "session_start"},
                          {"session", cfg_.session.name},
                          {"config", cfg_.source_path},
                          {"planned", planned_total_},
                          {"plan_fingerprint", fingerprint_}});
  }

  Status open_camera() {
    auto info = dev_.camera->open();
    if (!info) return info.error();
    camera_ = *info;
    TB_TRY(dev_.camera->lock_automatics());
    TB_TRY(executor_->set_exposure(plan_.shots.front().exposure));
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
    {
      std::lock_guard lk(mu_);
      durable_seqs_ = state_.done_seqs;
      for (const auto& f : state_.frames) faults_ += f.faults.size();
    }
    pipeline_ = std::make_unique<Pipeline>(
        *bag_, *journal_, po, [this](const FrameRecord& r) { on_frame_durable(r); },
        [this](const PreviewDone& p) { on_preview(p); });
    queue_lost_previews();
    {
      std::lock_guard lk(mu_);
      quality_ = std::make_unique<quality::Monitor>(cfg_.quality, state_.frames);
      prepare_retakes();
      // A resumed bag's records were needed only to seed the checks and find lost previews:
      // from here on the journal holds them and the runner keeps only counts and seqs, so a
      // session's memory does not grow with its frames (close_bag reads them back).
      std::vector<FrameRecord>().swap(state_.frames);
    }
    stage_ = std::make_unique<quality::Stage>(
        *quality_, [this](json j) { (void)journal_event(std::move(j)); },
        [this](PipelineJob job) { return pipeline_->push(std::move(job)); });
    run_start_ = clock_->now_steady();
    return journal_event(
        {{"type", "camera"},
         {"backend", camera_.backend},
         {"model", camera_.model},
         {"serial", camera_.serial},
         {"port", camera_.port},
         {"clock_offset_s", clock_offset_ ? json(*clock_offset_) : json(nullptr)}});
  }

  // On the pipeline thread.
  void on_frame_durable(const FrameRecord& r) {
    Progress p;
    {
      std::lock_guard lk(mu_);
      durable_seqs_.insert(r.seq);
      faults_ += r.faults.size();
      ++taken_now_;
      p.done = durable_seqs_.size();
      p.last_name = r.name;
      const double el = seconds_between(run_start_, clock_->now_steady());
      p.frames_per_s = el > 0 ? static_cast<double>(taken_now_) / el : 0;
    }
    p.total = planned_total_;
    if (quality_) p.quality = quality_->live_summary();
    p.eta_s = (p.frames_per_s > 0 && p.total > p.done) ? (p.total - p.done) / p.frames_per_s : 0;
    if (!opts_.on_progress) return;
    // A progress printer that throws must not take the pipeline thread (and the run) down.
    try {
      opts_.on_progress(p);
    } catch (const std::exception& e) {
      spdlog::warn("progress display failed: {}", e.what());
    }
  }

  // The preview of a durable frame arrives later, always after that frame's on_done
  // (pipeline.hpp). Its journal line joins the frame's record when the bag is closed; only a
  // skipped preview's fault is counted here.
  void on_preview(const PreviewDone& p) {
    std::lock_guard lk(mu_);
    if (!durable_seqs_.count(p.seq))
      spdlog::error("preview for seq {} arrived before its frame; the journal line stands", p.seq);
    if (!p.fault.empty()) ++faults_;
  }

  // Resume: frames made durable before the crash whose preview never was.
  void queue_lost_previews() {
    if (!cfg_.storage.previews.enabled) return;
    std::lock_guard lk(mu_);
    for (const auto& f : state_.frames) {
      if (state_.preview_seen.count(f.name)) continue;
      for (const auto& file : f.files)
        if (file.role == "original" && file.path.size() > 4 &&
            file.path.compare(file.path.size() - 4, 4, ".jpg") == 0)
          pipeline_->queue_preview(f.seq, f.request_id, f.name, file.path);
    }
  }

  bool stop_requested() const { return opts_.stop && opts_.stop->load(); }

  // Real (steady) time, not the session clock: a pause lasts as long as the person wants.
  void wait_while_paused() const {
    while (opts_.pause && opts_.pause->load() && !stop_requested())
      std::this_thread::sleep_for(50ms);
  }

  Status take_all() {
    TB_TRY(exposure_test_shot());
    if (cfg_.session.mode == "buttons") return take_on_presses();
    for (const auto& shot : plan_.shots) {
      if (state_.done_seqs.count(shot.seq) && !pending_retakes_.count(shot.seq)) continue;
      wait_while_paused();
      if (stop_requested()) return make_error(Errc::cancelled, "stopped by request");
      TB_TRY(take(shot, shot.seq));
    }
    return {};
  }

  // Field kit: each trigger press takes one bracket group (presets x brackets) at the spot,
  // at seqs group*k .. group*k+group-1. A group cut short by a crash stays as it is (the
  // journal is the truth) and is taken again whole at the next press, in a new group.
  Status take_on_presses() {
    if (!dev_.buttons) return make_error(Errc::invalid, "session.mode buttons needs buttons");
    const uint64_t group = plan_.shots.size();
    const auto before = count_brackets(state_.done_seqs, group);
    for (auto g : before.partial)
      (void)journal_event(
          {{"type", "fault"},
           {"message", fmt::format("bracket {} was cut short by a stop: taken again whole at "
                                   "the next press",
                                   g)}});
    uint64_t next_group = state_.done_seqs.empty() ? 0 : *state_.done_seqs.rbegin() / group + 1;
    size_t complete = before.complete;
    const auto max = static_cast<size_t>(std::max(cfg_.session.max_brackets, 0));
    while (max == 0 || complete < max) {
      wait_while_paused();
      if (stop_requested()) {
        ended_by_ = "stop requested";
        return {};
      }
      auto ev = dev_.buttons->wait_press(200ms);
      if (!ev) continue;
      if (ev->action == "abort") {
        ended_by_ = "abort button";
        return {};
      }
      if (ev->action != "trigger") continue;
      // The press's journal lines are written with its first frame's, after the trigger: an
      // fdatasync (behind the pipeline's own, on the journal's lock) between the edge and the
      // trigger was most of the edge-to-trigger time. A press whose bracket never fired is
      // journaled here.
      press_journaled_ = false;
      uint64_t seq = next_group * group;
      for (const auto& shot : plan_.shots) {
        auto st = take(shot, seq++, &*ev);
        if (!st.ok() && !press_journaled_) (void)journal_event(button_line(*ev));
        TB_TRY(st);
      }
      ++next_group;
      ++complete;
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

  // `press`: the button press this frame answers (buttons mode); its edge and the
  // edge-to-trigger latency are journaled with the frame's seq. A frame the quality stage finds
  // blurred is retaken here, before the rig moves on (retake_loop).
  Status take(const PlannedShot& shot, uint64_t seq, const hal::ButtonEvent* press = nullptr) {
    if (auto stop = stage_->stop_requested()) return *stop;
    TB_TRY(move_and_light(shot));
    quality::PendingRetake step;
    step.number = 0;
    if (auto it = pending_retakes_.find(seq); it != pending_retakes_.end()) {
      // Resume: the journal's last frame here is marked superseded by a frame it does not
      // hold (killed in between): that retake is taken now, under the promised name.
      step = it->second;
      pending_retakes_.erase(it);
      spdlog::info("resume: retaking {} as {} (its retake was never made durable)", step.superseded,
                   step.name);
      settle_for_retake();
    }
    for (;;) {
      auto taken = executor_->take(seq, shot.exposure);
      if (!taken) return taken.error();
      PipelineJob job;
      job.record = std::move(taken->record);
      FrameRecord& r = job.record;
      r.seq = seq;
      r.position = shot.position;
      r.commanded = shot.exposure;
      r.camera_clock_offset_s = clock_offset_;
      r.name = step.number == 0 ? tmpl_.render(cfg_.session.name, r) : step.name;
      if (step.number > 0) {
        r.retake_of = step.superseded;
        r.retake_number = step.number;
      }
      if (press && step.number == 0) TB_TRY(journal_press(*press, r));
      job.capture = std::move(taken->capture);
      names_taken_.insert(r.name);
      quality::PendingRetake next;
      next.base = step.number == 0 ? r.name : step.base;
      next.superseded = r.name;
      next.number = step.number + 1;
      if (retakes_possible() && step.number < cfg_.quality.max_retakes)
        next.name = quality::retake_name(next.base, next.number, names_taken_);
      auto outcome = stage_->submit(std::move(job), next.name);
      if (!outcome) return outcome.error();
      // The rig waits for this frame's verdict only when it can change what happens here.
      if (next.name.empty() && !cfg_.quality.stop_on_optics_change) return {};
      const quality::Outcome o = outcome->get();
      if (o.stop) return *o.stop;
      if (!o.blurred || next.name.empty()) return {};
      settle_for_retake();
      step = std::move(next);
    }
  }

  // exposure.test_shot: one frame before the locked sequence, measured and journaled, never
  // stored; its suggestion moves the whole sequence only with exposure.test_shot_apply. A
  // resume takes no new test shot: it re-applies the one its journal says was applied.
  Status exposure_test_shot() {
    if (!cfg_.exposure.test_shot || plan_.shots.empty()) return {};
    if (opts_.resume) {
      auto lines = Journal::read_lines(bag_->data_dir() / "journal.jsonl");
      if (!lines) return lines.error();
      if (auto ev = quality::applied_test_shot_ev(*lines)) shift_sequence(*ev);
      return {};
    }
    const PlannedShot* base = &plan_.shots.front();
    for (const auto& s : plan_.shots)
      if (s.position.ev_offset == 0) {
        base = &s;
        break;
      }
    TB_TRY(move_and_light(*base));
    auto taken = executor_->take(base->seq, base->exposure);
    if (!taken) return taken.error();
    auto t = quality::assess_test_shot(taken->capture, base->exposure, cfg_.exposure, cfg_.quality);
    const bool apply = cfg_.exposure.test_shot_apply && t.ev && *t.ev != 0;
    TB_TRY(journal_event(quality::to_json(t, taken->record.request_id, apply)));
    if (!t.ev) {
      spdlog::warn("test shot: {}", t.reason);
      emit("test_shot", t.reason);
      return {};
    }
    const std::string msg = fmt::format(
        "test shot: green median {:.1f}% of the range, suggests {:+.1f} EV (shutter {:.4g} s -> "
        "{:.4g} s){}",
        100 * *t.median, *t.ev, t.current.shutter_s, t.suggested.shutter_s,
        apply        ? "; applied to the whole sequence"
        : *t.ev == 0 ? ""
                     : "; not applied (exposure.test_shot_apply is off)");
    spdlog::info("{}", msg);
    emit("test_shot", msg);
    if (apply) shift_sequence(*t.ev);
    return {};
  }

  // Every frame of the sequence moves by the same stops, before the first is taken.
  void shift_sequence(double ev) {
    for (auto& s : plan_.shots) s.exposure.shutter_s *= std::exp2(ev);
  }

  // Sharpness is measured on the RAW: without one, or with retakes off, no frame is retaken.
  bool retakes_possible() const {
    return cfg_.quality.max_retakes > 0 && cfg_.quality.min_sharpness_ratio > 0 &&
           cfg_.camera.format != "jpeg";
  }

  // A blurred frame is most often a rig still moving: the retake gives it more time.
  void settle_for_retake() {
    if (cfg_.quality.retake_extra_settle_ms > 0)
      clock_->sleep_for(std::chrono::milliseconds(cfg_.quality.retake_extra_settle_ms));
  }

  // The retakes the journal promised but does not hold, and every name a retake must avoid:
  // the plan's own and the bag's.
  void prepare_retakes() {
    pending_retakes_ = quality::pending_retakes(state_.frames);
    for (const auto& f : state_.frames) names_taken_.insert(f.name);
    for (const auto& shot : plan_.shots) {
      FrameRecord rec;
      rec.seq = shot.seq;
      rec.request_id = shot.seq + 1;
      rec.position = shot.position;
      rec.commanded = shot.exposure;
      rec.trigger_utc = started_;
      names_taken_.insert(tmpl_.render(cfg_.session.name, rec));
    }
  }

  json button_line(const hal::ButtonEvent& press) const {
    return {{"type", "button"},
            {"name", press.name},
            {"edge_utc", format_utc_iso(press.edge_utc)},
            {"utc", format_utc_iso(clock_->now_utc())}};
  }

  // Every frame of a press's bracket journals its edge-to-trigger; the first also the press
  // itself, in the same append (one fdatasync).
  Status journal_press(const hal::ButtonEvent& press, const FrameRecord& r) {
    if (!journal_) return {};
    const double latency = std::chrono::duration<double>(r.trigger_utc - press.edge_utc).count();
    json line = {{"type", "press"},
                 {"seq", r.seq},
                 {"button", press.name},
                 {"long_press", press.long_press},
                 {"edge_utc", format_utc_iso(press.edge_utc)},
                 {"trigger_utc", format_utc_iso(r.trigger_utc)},
                 {"edge_to_trigger_s", latency},
                 {"utc", format_utc_iso(clock_->now_utc())}};
    if (press_journaled_) return journal_->append(dump_json(line));
    TB_TRY(journal_->append_lines({dump_json(button_line(press)), dump_json(line)}));
    press_journaled_ = true;
    return {};
  }

  Status close_bag() {
    std::set<uint64_t> seqs;
    {
      std::lock_guard lk(mu_);
      seqs = durable_seqs_;
      summary_.faults = faults_;
    }
    summary_.planned = planned_total_;
    summary_.done = seqs.size();
    summary_.taken_now = taken_now_;
    std::string description;
    if (cfg_.session.mode == "buttons") {
      // A field session ends when the user says so (abort button, Ctrl-C) or after
      // max_brackets presses; it is complete when no press's bracket is left cut short.
      const auto b = count_brackets(seqs, plan_.shots.size());
      const auto max = static_cast<size_t>(std::max(cfg_.session.max_brackets, 0));
      summary_.buttons = true;
      summary_.brackets = b.complete;
      summary_.ended_by = ended_by_;
      summary_.complete = !summary_.stopped_by && b.all_partial_superseded &&
                          (max == 0 || !ended_by_.empty() || b.complete >= max);
      description = fmt::format("tetherbox session '{}': {} frames, {} brackets{}",
                                cfg_.session.name, summary_.done, b.complete,
                                summary_.complete ? "" : " (incomplete: resumable)");
    } else {
      bool all = summary_.planned > 0;
      for (const auto& s : plan_.shots) all = all && seqs.count(s.seq) > 0;
      summary_.complete = !summary_.stopped_by && all;
      description =
          fmt::format("tetherbox session '{}': {} of {} frames{}", cfg_.session.name, summary_.done,
                      summary_.planned, summary_.complete ? "" : " (incomplete: resumable)");
    }

    // The records come back from the journal one at a time (the report and the exports are
    // built streaming): the journal is the truth of what was taken, and holding them all would
    // cost ~6 KB a frame for the whole session.
    auto frames = JournalFrames::index(bag_->data_dir() / "journal.jsonl");
    if (!frames) return frames.error();
    CloseInput in;
    in.frames = &*frames;
    in.done = summary_.done;
    in.description = description;
    ReportContext& rc = in.report;
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
    return close_session(cfg_, *bag_, *journal_, in);
  }

  const config::Config& cfg_;
  hal::Devices& dev_;
  const RunOptions& opts_;
  std::shared_ptr<hal::Clock> clock_;
  Plan plan_;
  NameTemplate tmpl_ = *NameTemplate::parse("{seq}");
  size_t planned_total_ = 0;
  std::vector<ReleaseFile> releases_;
  std::string fingerprint_;
  std::unique_ptr<Bag> bag_;
  std::unique_ptr<Journal> journal_;
  JournalState state_;
  hal::CameraInfo camera_;
  std::optional<double> clock_offset_;
  std::string clock_fault_;
  bool pose_set_ = false, lights_set_ = false;
  bool press_journaled_ = false;  // the current press's "button" line is in the journal
  std::string ended_by_;
  UtcTime started_{};
  SteadyTime run_start_{};
  std::mutex mu_;  // durable_seqs_, faults_ and taken_now_, shared with the pipeline's threads
  std::set<uint64_t> durable_seqs_;  // every frame durable in the bag (earlier runs included)
  size_t faults_ = 0;                // faults recorded on those frames (previews included)
  size_t taken_now_ = 0;
  RunSummary summary_;
  std::unique_ptr<ShotExecutor> executor_;
  std::unique_ptr<quality::Monitor> quality_;
  // Retake in place: promised by the journal but not in it (resume), and names in use.
  std::map<uint64_t, quality::PendingRetake> pending_retakes_;
  std::set<std::string> names_taken_;
  // Near last: destroyed right after the stage, so its threads (which call on_frame_durable /
  // on_preview) are joined while everything they touch is still alive.
  std::unique_ptr<Pipeline> pipeline_;
  // After the pipeline, destroyed before it: its thread pushes into the pipeline.
  std::unique_ptr<quality::Stage> stage_;
};

}  // namespace

Result<RunSummary> run_session(const config::Config& cfg, hal::Devices& dev,
                               const RunOptions& opts) {
  try {
    Runner r(cfg, dev, opts);
    return r.run();
  } catch (const std::exception& e) {
    return make_error(Errc::internal, "unexpected exception: {}", e.what());
  }
}

}  // namespace tb::capture
