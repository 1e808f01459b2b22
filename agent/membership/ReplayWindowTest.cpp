#include "membership/ReplayWindow.h"

#include <gtest/gtest.h>

namespace safefarm::membership {
namespace {

TEST(ReplayWindowTest, AcceptsReorderingWithinTheWindowOnce) {
    ReplayWindow w;
    EXPECT_EQ(w.check(1, 10), Freshness::Fresh);
    w.accept(1, 10);
    EXPECT_EQ(w.check(1, 10), Freshness::Replayed);
    EXPECT_EQ(w.check(1, 5), Freshness::Fresh);  // late but new
    w.accept(1, 5);
    EXPECT_EQ(w.check(1, 5), Freshness::Replayed);
    w.accept(1, 70);
    EXPECT_EQ(w.check(1, 10), Freshness::Replayed);
    EXPECT_EQ(w.check(1, 7), Freshness::Fresh);  // 63 behind: still inside
    EXPECT_EQ(w.check(1, 6), Freshness::Stale);  // 64 behind: below the window
    EXPECT_EQ(w.check(1, 69), Freshness::Fresh);
}

TEST(ReplayWindowTest, IncarnationsOrderLives) {
    ReplayWindow w;
    w.accept(3, 100);
    EXPECT_EQ(w.check(2, 1000), Freshness::Stale);
    EXPECT_EQ(w.check(4, 1), Freshness::Fresh);
    w.accept(4, 1);
    EXPECT_EQ(w.check(3, 101), Freshness::Stale);
    EXPECT_EQ(w.check(4, 1), Freshness::Replayed);
}

TEST(ReplayWindowTest, BigJumpsClearTheBitmap) {
    ReplayWindow w;
    w.accept(1, 1);
    w.accept(1, 1000);
    EXPECT_EQ(w.check(1, 999), Freshness::Fresh);
    EXPECT_EQ(w.check(1, 1000), Freshness::Replayed);
}

}  // namespace
}  // namespace safefarm::membership
