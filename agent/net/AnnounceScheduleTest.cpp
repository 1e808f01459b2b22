#include "net/AnnounceSchedule.h"

#include <gtest/gtest.h>

#include <vector>

namespace safefarm::net {
namespace {

using namespace std::chrono_literals;
using Nanos = std::chrono::nanoseconds;

// Every announcement a caller that wakes at each nextWakeup() makes until `until`.
std::vector<Nanos> run(AnnounceSchedule& s, Nanos until) {
    std::vector<Nanos> at;
    while (auto next = s.nextWakeup()) {
        if (*next > until) break;
        EXPECT_TRUE(s.due(*next));
        EXPECT_FALSE(s.due(*next)) << "due twice for one point";
        at.push_back(*next);
    }
    return at;
}

TEST(AnnounceScheduleTest, OffNeverAnnounces) {
    AnnounceSchedule s(false, 60s, 600s);
    s.trigger(5s);
    EXPECT_FALSE(s.due(5s));
    EXPECT_FALSE(s.nextWakeup());
}

TEST(AnnounceScheduleTest, IdleUntilTriggered) {
    AnnounceSchedule s(true, 60s, 600s);
    EXPECT_FALSE(s.due(1000s));
    EXPECT_FALSE(s.nextWakeup());
}

TEST(AnnounceScheduleTest, AtOnceThenEveryIntervalForElapse) {
    AnnounceSchedule s(true, 60s, 600s);  // the documented defaults
    s.trigger(1000s);
    EXPECT_EQ(s.nextWakeup(), Nanos(1000s));
    auto at = run(s, 10000s);
    ASSERT_EQ(at.size(), 11u);  // 0, 60, ..., 600 s after the trigger
    for (size_t i = 0; i < at.size(); i++) EXPECT_EQ(at[i], Nanos(1000s + i * 60s));
    EXPECT_FALSE(s.nextWakeup());
}

TEST(AnnounceScheduleTest, NotDueBeforeItsTime) {
    AnnounceSchedule s(true, 10s, 30s);
    s.trigger(0s);
    EXPECT_TRUE(s.due(0s));
    EXPECT_FALSE(s.due(9999ms));
    EXPECT_TRUE(s.due(10s));
}

TEST(AnnounceScheduleTest, CancelEndsTheSeriesUntilTheNextTrigger) {
    AnnounceSchedule s(true, 10s, 30s);
    s.trigger(0s);
    EXPECT_TRUE(s.due(0s));
    s.cancel();
    EXPECT_FALSE(s.due(10s));
    EXPECT_FALSE(s.nextWakeup());
    s.trigger(20s);
    EXPECT_TRUE(s.due(20s));
}

TEST(AnnounceScheduleTest, TriggerRestartsTheSeries) {
    AnnounceSchedule s(true, 10s, 30s);
    s.trigger(0s);
    EXPECT_TRUE(s.due(0s));
    EXPECT_TRUE(s.due(10s));
    s.trigger(15s);  // a view change
    EXPECT_EQ(s.nextWakeup(), Nanos(15s));
    auto at = run(s, 1000s);
    EXPECT_EQ(at, (std::vector<Nanos>{15s, 25s, 35s, 45s}));
}

TEST(AnnounceScheduleTest, LateCallerGetsOneNotABurst) {
    AnnounceSchedule s(true, 10s, 60s);
    s.trigger(0s);
    EXPECT_TRUE(s.due(0s));
    EXPECT_TRUE(s.due(35s));  // 10, 20, 30 were missed: one announcement
    EXPECT_FALSE(s.due(35s));
    EXPECT_EQ(s.nextWakeup(), Nanos(40s));  // the series keeps its rhythm
    EXPECT_TRUE(s.due(500s));               // past the end: the last one, then done
    EXPECT_FALSE(s.nextWakeup());
}

TEST(AnnounceScheduleTest, ZeroIntervalOrShortElapseAnnouncesOnce) {
    for (auto [interval, elapse] :
         {std::pair{Nanos(0), Nanos(600s)}, std::pair{Nanos(60s), Nanos(0)}, std::pair{Nanos(60s), Nanos(59s)}}) {
        AnnounceSchedule s(true, interval, elapse);
        s.trigger(7s);
        EXPECT_EQ(run(s, 10000s), std::vector<Nanos>{7s});
    }
}

}  // namespace
}  // namespace safefarm::net
