// The wait for a frame's files (frame_collector.hpp) on scripted bodies: events that come when
// the script says, a card listing, and a clock that only moves when the collector waits, so
// "late" and "never" are exact and nothing depends on the machine's speed.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>

#include "file_binding.hpp"
#include "frame_collector.hpp"

namespace tb::hal::gphoto2_backend::binding {
namespace {

using namespace std::chrono_literals;
using ms = std::chrono::milliseconds;
using Kind = BodyEvent::Kind;

class ScriptedBody final : public FrameBody {
 public:
  struct Scheduled {
    ms at;
    BodyEvent ev;
    bool on_card = true;  // a file event: the file is on the card from `at` on
  };
  std::vector<Scheduled> script;                         // in time order
  std::vector<std::pair<ms, std::string>> silent_files;  // on the card from `at`, no event
  std::vector<std::string> taken;                        // every take(), in order
  std::vector<std::string> notes;
  std::vector<ms> waits;  // every next_event() timeout
  int listings = 0;
  int property_events = 0;
  ms clock{0};

  void add_file_event(ms at, const std::string& path) {
    script.push_back({at, BodyEvent{Kind::file_added, path}});
  }

  Result<BodyEvent> next_event(ms wait) override {
    waits.push_back(wait);
    if (next_ < script.size() && script[next_].at <= clock) return script[next_++].ev;
    if (wait == 0ms) return BodyEvent{};
    // Like the driver: the wait ends at the next event or after the timeout (twice it, as ptp2
    // does when idle).
    if (next_ < script.size() && script[next_].at <= clock + 2 * wait) {
      clock = std::max(clock, script[next_].at);
      return script[next_++].ev;
    }
    clock += 2 * wait;
    return BodyEvent{};
  }
  Result<std::set<std::string>> list_folder(const std::string& folder) override {
    ++listings;
    std::set<std::string> out;
    for (const auto& s : script)
      if (s.ev.kind == Kind::file_added && s.at <= clock && split_path(s.ev.path).first == folder)
        out.insert(s.ev.path);
    for (const auto& [at, p] : silent_files)
      if (at <= clock && split_path(p).first == folder) out.insert(p);
    return out;
  }
  Status take(const std::string& path) override {
    taken.push_back(path);
    clock += 50ms;  // a download
    return ok_status();
  }
  void note(std::string text) override { notes.push_back(std::move(text)); }
  void property_changed() override { ++property_events; }
  std::chrono::steady_clock::time_point now() override {
    return std::chrono::steady_clock::time_point(clock);
  }

 private:
  size_t next_ = 0;
};

FramePlan pair_plan(const std::string& primary) {
  FramePlan p;
  p.primary = primary;
  p.expected = 2;
  p.event_wait = 10ms;
  p.timeout = 10000ms;
  p.list_every = 500ms;
  return p;
}

const std::string kNef = "/DCIM/100NIKON/DSC_0042.NEF";
const std::string kJpg = "/DCIM/100NIKON/DSC_0042.JPG";

TEST(FrameCollector, SingleFileFrameEndsWithoutWaiting) {
  ScriptedBody body;
  body.script.push_back({0ms, BodyEvent{Kind::property_changed, ""}});  // queued in the shot
  std::set<std::string> known{kJpg};
  FramePlan plan = pair_plan(kJpg);
  plan.expected = 1;
  auto r = collect_frame(body, plan, known);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->files, 1);
  EXPECT_FALSE(r->incomplete);
  EXPECT_EQ(body.property_events, 1);
  // Only what was already queued was read: no wait that costs time, no listing.
  for (auto w : body.waits) EXPECT_EQ(w, 0ms);
  EXPECT_EQ(body.clock, 0ms);
  EXPECT_EQ(body.listings, 0);
}

TEST(FrameCollector, CompanionAlreadyQueuedIsTakenWithoutWaiting) {
  ScriptedBody body;
  body.add_file_event(0ms, kJpg);
  std::set<std::string> known{kNef};
  auto r = collect_frame(body, pair_plan(kNef), known);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->files, 2);
  EXPECT_EQ(body.taken, std::vector<std::string>{kJpg});
  for (auto w : body.waits) EXPECT_EQ(w, 0ms);
  EXPECT_TRUE(known.count(kJpg));
}

TEST(FrameCollector, LateCompanionIsStillBoundAndEndsTheWait) {
  // The JPEG comes 3 s after the RAW: well past any fixed post-capture wait, well inside the
  // timeout for a missing companion.
  ScriptedBody body;
  body.add_file_event(3000ms, kJpg);
  std::set<std::string> known{kNef};
  auto r = collect_frame(body, pair_plan(kNef), known);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->files, 2);
  EXPECT_FALSE(r->incomplete);
  EXPECT_EQ(body.taken, std::vector<std::string>{kJpg});
  // The wait ended at the event (plus its download), not at the timeout.
  EXPECT_EQ(body.clock, 3050ms);
  EXPECT_TRUE(body.notes.empty());
}

TEST(FrameCollector, CompanionWithoutEventIsFoundOnTheCard) {
  ScriptedBody body;
  body.silent_files.push_back({1200ms, kJpg});
  std::set<std::string> known{kNef};
  auto r = collect_frame(body, pair_plan(kNef), known);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->files, 2);
  EXPECT_EQ(body.taken, std::vector<std::string>{kJpg});
  EXPECT_GE(body.listings, 1);
  EXPECT_LT(body.clock, 2000ms);  // scripted clock: the next listing after the file appeared
}

TEST(FrameCollector, RepeatedEventAndListingBindTheCompanionOnce) {
  ScriptedBody body;
  body.add_file_event(100ms, kNef);  // the primary announced again
  body.add_file_event(200ms, kJpg);
  body.add_file_event(210ms, kJpg);  // repeated
  std::set<std::string> known{kNef};
  auto r = collect_frame(body, pair_plan(kNef), known);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(body.taken, std::vector<std::string>{kJpg});
  // The repeat is still queued for the next frame: there it is known, never taken again.
  FramePlan next = pair_plan("/DCIM/100NIKON/DSC_0043.NEF");
  next.previous_primary = kNef;
  known.insert(next.primary);
  body.add_file_event(400ms, "/DCIM/100NIKON/DSC_0043.JPG");
  auto r2 = collect_frame(body, next, known);
  ASSERT_TRUE(r2.ok()) << r2.error().message;
  EXPECT_EQ(body.taken, (std::vector<std::string>{kJpg, "/DCIM/100NIKON/DSC_0043.JPG"}));
  EXPECT_TRUE(body.notes.empty());
}

TEST(FrameCollector, StrayDuringTheWaitIsNotBound) {
  ScriptedBody body;
  body.add_file_event(100ms, "/DCIM/100NIKON/DSC_0043.JPG");  // the body's own button
  body.add_file_event(300ms, kJpg);
  std::set<std::string> known{kNef};
  auto r = collect_frame(body, pair_plan(kNef), known);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(body.taken, std::vector<std::string>{kJpg});
  EXPECT_TRUE(known.count("/DCIM/100NIKON/DSC_0043.JPG"));  // never bound later either
  ASSERT_EQ(body.notes.size(), 1u);
  EXPECT_NE(body.notes[0].find("DSC_0043.JPG appeared without a request"), std::string::npos);
}

TEST(FrameCollector, MissingCompanionIsAFaultAndItsLateArrivalIsNotBoundToTheNextFrame) {
  ScriptedBody body;
  body.add_file_event(15000ms, kJpg);  // after the 10 s timeout
  std::set<std::string> known{kNef};
  auto r = collect_frame(body, pair_plan(kNef), known);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->files, 1);  // the RAW is kept: a fault, not a lost file
  EXPECT_TRUE(r->incomplete);
  EXPECT_TRUE(body.taken.empty());
  ASSERT_EQ(body.notes.size(), 1u);
  EXPECT_NE(body.notes[0].find("frame " + kNef + " incomplete"), std::string::npos);
  EXPECT_NE(body.notes[0].find("2 files per shot but only 1"), std::string::npos);
  EXPECT_GE(body.clock, 10000ms);
  EXPECT_LT(body.clock, 15000ms);

  // The next frame: the stale JPEG shows up while it waits for its own pair.
  const std::string next_nef = "/DCIM/100NIKON/DSC_0043.NEF";
  const std::string next_jpg = "/DCIM/100NIKON/DSC_0043.JPG";
  body.add_file_event(15100ms, next_jpg);
  known.insert(next_nef);
  body.clock = 15000ms;
  FramePlan next = pair_plan(next_nef);
  next.previous_primary = kNef;
  auto r2 = collect_frame(body, next, known);
  ASSERT_TRUE(r2.ok()) << r2.error().message;
  EXPECT_EQ(r2->files, 2);
  EXPECT_TRUE(r2->late_companion);
  EXPECT_EQ(body.taken, std::vector<std::string>{next_jpg});
  ASSERT_EQ(body.notes.size(), 2u);
  EXPECT_NE(body.notes[1].find("of the previous frame"), std::string::npos);
}

TEST(FrameCollector, UnknownFormatLearnsFromTheFirstFrame) {
  ScriptedBody body;
  body.add_file_event(5ms, kJpg);
  std::set<std::string> known{kNef};
  FramePlan plan = pair_plan(kNef);
  plan.expected.reset();
  auto r = collect_frame(body, plan, known);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->files, 2);
  ASSERT_TRUE(r->learned);
  EXPECT_EQ(*r->learned, 2);

  ScriptedBody single;
  std::set<std::string> known1{kJpg};
  FramePlan plan1 = pair_plan(kJpg);
  plan1.expected.reset();
  auto r1 = collect_frame(single, plan1, known1);
  ASSERT_TRUE(r1.ok());
  ASSERT_TRUE(r1->learned);
  EXPECT_EQ(*r1->learned, 1);
}

TEST(FrameCollector, ManyPairsWithScatteredDelaysEachBindOnlyTheirOwnFiles) {
  ScriptedBody body;
  std::set<std::string> known;
  std::map<std::string, std::vector<std::string>> frames;  // primary -> taken for it
  std::string previous;
  const int n = 40;
  for (int i = 0; i < n; ++i) {
    char nef[64], jpg[64];
    std::snprintf(nef, sizeof nef, "/DCIM/100NIKON/DSC_%04d.NEF", i + 1);
    std::snprintf(jpg, sizeof jpg, "/DCIM/100NIKON/DSC_%04d.JPG", i + 1);
    // 0 ms (queued in the shot) to 2.3 s late; every 7th only on the card listing.
    const ms delay((i * 379) % 2300);
    if (i % 7 == 3)
      body.silent_files.push_back({body.clock + delay, jpg});
    else
      body.add_file_event(body.clock + delay, jpg);
    known.insert(nef);
    FramePlan plan = pair_plan(nef);
    plan.previous_primary = previous;
    const size_t before = body.taken.size();
    auto r = collect_frame(body, plan, known);
    ASSERT_TRUE(r.ok()) << r.error().message;
    EXPECT_EQ(r->files, 2) << nef;
    frames[nef] = {body.taken.begin() + static_cast<std::ptrdiff_t>(before), body.taken.end()};
    previous = nef;
  }
  ASSERT_EQ(frames.size(), static_cast<size_t>(n));
  std::set<std::string> all(body.taken.begin(), body.taken.end());
  EXPECT_EQ(all.size(), body.taken.size()) << "a file was bound twice";
  EXPECT_EQ(body.taken.size(), static_cast<size_t>(n));
  for (const auto& [nef, got] : frames) {
    ASSERT_EQ(got.size(), 1u) << nef;
    EXPECT_TRUE(same_frame(got[0], nef)) << got[0] << " bound to " << nef;
  }
  EXPECT_TRUE(body.notes.empty());
}

}  // namespace
}  // namespace tb::hal::gphoto2_backend::binding
