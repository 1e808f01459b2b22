#include "config/Duration.h"

#include <gtest/gtest.h>

using namespace safefarm::config;
using namespace std::chrono_literals;

TEST(DurationTest, EveryUnit) {
    EXPECT_EQ(parseDuration("7us", "s"), Duration(7us));
    EXPECT_EQ(parseDuration("100ms", "s"), Duration(100ms));
    EXPECT_EQ(parseDuration("10s", "ms"), Duration(10s));
    EXPECT_EQ(parseDuration("3m", "s"), Duration(3min));
    EXPECT_EQ(parseDuration("24h", "s"), Duration(24h));
    EXPECT_EQ(parseDuration("2d", "s"), Duration(48h));
}

TEST(DurationTest, BareNumberTakesTheAttributesUnit) {
    EXPECT_EQ(parseDuration("700", "ms"), Duration(700ms));
    EXPECT_EQ(parseDuration("10", "s"), Duration(10s));
    EXPECT_EQ(parseDuration("24", "h"), Duration(24h));
}

TEST(DurationTest, RejectsWhatIsNotATime) {
    for (const char* bad : {"", "ms", "-1s", "1.5s", "10 s", "10x", "s10", "99999999999999999999", "9999999999999d"})
        EXPECT_FALSE(parseDuration(bad, "s")) << bad;
}

TEST(DurationTest, FormatsTheShortestExactForm) {
    EXPECT_EQ(formatDuration(Duration(100ms)), "100ms");
    EXPECT_EQ(formatDuration(Duration(1500us)), "1500us");
    EXPECT_EQ(formatDuration(Duration(24h)), "1d");
    EXPECT_EQ(formatDuration(Duration(90s)), "90s");
    EXPECT_EQ(formatDuration(Duration(0)), "0s");
}
