#include "http/WarnLimiter.h"

#include <gtest/gtest.h>

namespace safefarm::http {
namespace {

using namespace std::chrono_literals;

TEST(WarnLimiter, OneLinePerSenderAndPeriodSayingHowManyWereHeld) {
    TimePoint now(1000h);
    WarnLimiter w([&] { return now; }, 10s);
    uint64_t held = 99;
    EXPECT_TRUE(w.allow("a", held));
    EXPECT_EQ(held, 0u);
    for (int i = 0; i < 50; ++i) EXPECT_FALSE(w.allow("a", held));
    EXPECT_TRUE(w.allow("b", held));  // another sender has its own line
    now += 10s;
    EXPECT_TRUE(w.allow("a", held));
    EXPECT_EQ(held, 50u);
    EXPECT_EQ(heldBack(held), " (50 more since the last line)");
    EXPECT_EQ(heldBack(0), "");
}

TEST(WarnLimiter, ManySendersShareOneSlotOnceTheTableIsFull) {
    TimePoint now(1000h);
    WarnLimiter w([&] { return now; }, 10s, 4);
    uint64_t held = 0;
    int written = 0;
    for (int i = 0; i < 1000; ++i) written += w.allow("sender" + std::to_string(i), held);
    EXPECT_LE(written, 5);  // four of their own, one for all the rest
}

}  // namespace
}  // namespace safefarm::http
