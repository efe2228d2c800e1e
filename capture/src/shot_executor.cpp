#include "tetherbox/capture/shot_executor.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <cmath>

#include "tetherbox/capture/exposure.hpp"
#include "tetherbox/capture/file_exposure.hpp"
#include "tetherbox/capture/tags.hpp"

namespace tb::capture {
namespace {

bool same_exposure(const hal::ExposureSettings& a, const hal::ExposureSettings& b) {
  return std::abs(a.shutter_s - b.shutter_s) < 1e-9 && std::abs(a.aperture - b.aperture) < 1e-9 &&
         a.iso == b.iso;
}

}  // namespace

ReportedExposure reported_exposure(const hal::CaptureResult& cap) {
  // The RAW first: it is the original the dataset is built on; the JPEG is the fallback.
  const hal::CapturedFile* pick = nullptr;
  for (const auto& f : cap.files)
    if (f.extension != "jpg" && f.extension != "jpeg") pick = &f;
  std::optional<FileExposure> fe;
  if (pick) fe = exposure_from_file(pick->data);
  if (!fe || !fe->shutter_s || !fe->aperture) {
    pick = nullptr;
    fe.reset();
    for (const auto& f : cap.files)
      if (f.extension == "jpg" || f.extension == "jpeg") {
        pick = &f;
        break;
      }
    if (pick) fe = exposure_from_file(pick->data);
  }
  if (fe && fe->shutter_s && fe->aperture) {
    hal::ExposureSettings e;
    e.shutter_s = *fe->shutter_s;
    e.aperture = *fe->aperture;
    // ISO absent from the file: the camera's word if it gave one, else 0 ("not reported"),
    // which verification skips; never the commanded value.
    e.iso = fe->iso ? *fe->iso : (cap.reported_valid ? cap.reported.iso : 0);
    return {e, fe->source.empty() ? fmt::format("file EXIF ({})", pick->extension) : fe->source};
  }
  if (cap.reported_valid) return {cap.reported, "camera"};
  return {std::nullopt, "none"};
}

ShotExecutor::ShotExecutor(ShotSetup setup, FaultFn fault, StopFn stop, RequestIdFn next_request_id)
    : s_(setup),
      fault_(std::move(fault)),
      stop_(std::move(stop)),
      next_request_id_(std::move(next_request_id)) {}

Status ShotExecutor::set_exposure(const hal::ExposureSettings& e) {
  target_ = e;
  if (current_ && same_exposure(*current_, e)) return {};
  current_.reset();  // unknown until the camera accepted it
  TB_TRY(s_.camera->set_exposure(e));
  current_ = e;
  return {};
}

void ShotExecutor::fault(ShotRetry& retry, const std::string& msg, uint64_t seq, uint64_t req,
                         TakenShot& out) {
  if (!retry.journal_fault()) return;
  spdlog::warn("frame {}: {}", seq, msg);
  out.record.faults.push_back(msg);
  if (fault_) fault_(msg, seq, req);
}

void ShotExecutor::sample_sensors(TakenShot& out) {
  const auto now = s_.clock->now_steady();
  out.record.gps = gps_record(s_.gps, now, s_.max_fix_age_s);
  out.record.ambient = ambient_record(s_.ambient, now, s_.ambient_max_age_s);
}

Status ShotExecutor::reconnect(ShotRetry& retry, uint64_t seq, uint64_t req, TakenShot& out) {
  for (;;) {
    if (stop_ && stop_()) return make_error(Errc::cancelled, "stopped by request");
    auto d = retry.before_reconnect();
    if (d.action == RetryAction::give_up) return d.reason;
    s_.clock->sleep_for(d.wait);
    auto st = s_.camera->reconnect();
    if (!st.ok()) {
      fault(retry,
            fmt::format("reconnect attempt {} failed: {}", retry.reconnects(), st.error().message),
            seq, req, out);
      continue;
    }
    current_.reset();
    auto se = set_exposure(target_);
    if (!se.ok()) {
      fault(retry, "exposure not re-applied after reconnect: " + se.error().message, seq, req, out);
      continue;
    }
    retry.reconnected();
    fault(retry, fmt::format("camera reconnected (attempt {})", retry.reconnects()), seq, req, out);
    return {};
  }
}

Result<TakenShot> ShotExecutor::take(uint64_t seq, const hal::ExposureSettings& commanded) {
  TB_TRY(set_exposure(commanded));
  TakenShot out;
  // A long exposure must not eat the budget of the retries around it.
  RetryLimits limits = s_.limits;
  const auto exposure_time = std::chrono::duration_cast<std::chrono::milliseconds>(
      std::chrono::duration<double>(std::clamp(commanded.shutter_s * 4, 0.0, 3600.0)));
  limits.max_time = std::max(limits.max_time, exposure_time);
  ShotRetry retry(*s_.clock, limits, seq);
  int mismatches = 0;
  uint64_t req = next_request_id_();
  for (;;) {
    retry.begin_attempt();
    // At the trigger: the readings describe the moment of exposure, not of the download.
    sample_sensors(out);
    auto res = s_.camera->capture(req);
    if (!res) {
      const auto& e = res.error();
      auto d = retry.on_capture_error(e);
      if (d.action == RetryAction::give_up) {
        fault(retry, d.reason.message, seq, req, out);
        return d.reason;
      }
      fault(retry,
            e.code == Errc::busy
                ? "camera busy: " + e.message
                : fmt::format("capture failed ({}): {}", errc_name(e.code), e.message),
            seq, req, out);
      if (d.action == RetryAction::retry) {
        s_.clock->sleep_for(d.wait);
        continue;
      }
      TB_TRY(reconnect(retry, seq, req, out));
      continue;  // same request id: the backend completes an in-flight capture once
    }
    hal::CaptureResult cap = std::move(*res);
    if (cap.request_id != req)
      return make_error(Errc::internal, "frame {}: camera answered request {} for request {}", seq,
                        cap.request_id, req);
    auto rep = reported_exposure(cap);
    FrameRecord& r = out.record;
    r.reported_source = rep.source;
    r.reported_valid = rep.exposure.has_value();
    r.reported = rep.exposure.value_or(cap.reported);
    r.exposure_verified = false;
    r.exposure_mismatch = false;
    if (rep.exposure) {
      auto v = verify_exposure(commanded, *rep.exposure, s_.verify_tolerance_ev);
      r.exposure_verified = v.ok;
      if (!v.ok) {
        std::string msg = fmt::format("exposure mismatch ({}): ", rep.source);
        for (size_t i = 0; i < v.mismatches.size(); ++i) msg += (i ? "; " : "") + v.mismatches[i];
        fault(retry, msg, seq, req, out);
        if (mismatches++ < s_.verify_retries && retry.attempts() < s_.limits.max_attempts) {
          current_.reset();
          TB_TRY(set_exposure(commanded));
          req = next_request_id_();
          continue;  // the mismatched frame is discarded, a new request re-takes it
        }
        r.exposure_mismatch = true;
        fault(retry,
              fmt::format("kept after {} attempts with the mismatch recorded", retry.attempts()),
              seq, req, out);
      }
    }
    if (int n = retry.faults_not_journaled(); n > 0)
      r.faults.push_back(fmt::format("{} more faults on this frame not listed", n));
    r.request_id = cap.request_id;
    r.attempts = retry.attempts();
    r.trigger_utc = cap.trigger_utc;
    // The window the camera fired in is only as good as the host clock it was read from.
    r.time_sync = s_.clock->sync_state();
    r.trigger_uncertainty_s = cap.trigger_uncertainty_s + r.time_sync.uncertainty_s;
    for (auto& n : cap.notes) r.faults.push_back(n);
    out.capture = std::move(cap);
    return out;
  }
}

}  // namespace tb::capture
