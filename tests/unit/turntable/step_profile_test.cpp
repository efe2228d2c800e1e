// The trapezoid schedule: step count, symmetry, the speed cap and the triangular short move.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

#include "tetherbox/hal/turntable/step_profile.hpp"

namespace tb::hal::turntable {
namespace {

double min_interval(const std::vector<double>& t) {
  double m = t.front();
  for (size_t i = 1; i < t.size(); ++i) m = std::min(m, t[i] - t[i - 1]);
  return m;
}

TEST(TrapezoidSchedule, OneTimePerStepStrictlyIncreasing) {
  auto t = trapezoid_schedule(1000, 400.0, 800.0);
  ASSERT_EQ(t.size(), 1000u);
  EXPECT_GT(t.front(), 0.0);
  for (size_t i = 1; i < t.size(); ++i) ASSERT_GT(t[i], t[i - 1]) << i;
}

TEST(TrapezoidSchedule, RampsAreSymmetric) {
  auto t = trapezoid_schedule(1000, 400.0, 800.0);
  const double total = t.back();
  // The interval from step k to k+1 equals the one from step n-k-1 to n-k.
  const size_t n = t.size();
  for (size_t k = 1; k < 200; ++k) {
    double head = t[k] - t[k - 1];
    double tail = t[n - k - 1] - t[n - k - 2];
    ASSERT_NEAR(head, tail, 1e-9) << k;
  }
  EXPECT_NEAR(t.front(), total - t[t.size() - 2], 1e-9);
}

TEST(TrapezoidSchedule, RespectsMaxSpeedAndReachesCruise) {
  const double v = 400.0, a = 800.0;
  auto t = trapezoid_schedule(1000, v, a);
  EXPECT_GE(min_interval(t), 1.0 / v - 1e-9);
  // The ramp covers v^2 / 2a = 100 steps; the middle is cruise at exactly v.
  EXPECT_NEAR(t[500] - t[499], 1.0 / v, 1e-9);
  // Total time: two ramps of v/a plus the cruise distance at v.
  EXPECT_NEAR(t.back(), 2 * v / a + (1000 - 2 * 100) / v, 1e-9);
}

TEST(TrapezoidSchedule, ShortMoveIsTriangularAndNeverReachesCruise) {
  const double v = 400.0, a = 800.0;
  auto t = trapezoid_schedule(50, v, a);  // needs 200 steps to reach v and stop again
  ASSERT_EQ(t.size(), 50u);
  EXPECT_GT(min_interval(t), 1.0 / v);
  // Peak speed sqrt(a * n) = 200 steps/s at the middle; total 2 * sqrt(n / a).
  EXPECT_NEAR(t.back(), 2 * std::sqrt(50.0 / a), 1e-9);
  EXPECT_NEAR(t[24], std::sqrt(50.0 / a), 1e-9);
}

TEST(TrapezoidSchedule, EmptyForNothingToDo) {
  EXPECT_TRUE(trapezoid_schedule(0, 400.0, 800.0).empty());
  EXPECT_TRUE(trapezoid_schedule(10, 0.0, 800.0).empty());
  EXPECT_TRUE(trapezoid_schedule(10, 400.0, -1.0).empty());
}

}  // namespace
}  // namespace tb::hal::turntable
