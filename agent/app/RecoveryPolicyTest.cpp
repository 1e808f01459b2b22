#include "app/RecoveryPolicy.h"

#include <gtest/gtest.h>

namespace safefarm::app {
namespace {

using namespace std::chrono_literals;
using std::chrono::nanoseconds;

TEST(RecoveryPolicy, EachActionMapsToItsRecovery) {
    RecoveryPolicy p(3, 24h);
    EXPECT_EQ(p.onFailure("checker web", "restart", 1s).action, Recovery::RestartApp);
    EXPECT_EQ(p.onFailure("checker web", "stopstart", 2s).action, Recovery::StopStart);
    EXPECT_EQ(p.onFailure("checker witness", "wait", 3s).action, Recovery::Wait);
    EXPECT_EQ(p.onFailure("process apache2", "stop", 4s).action, Recovery::Stop);
    auto bad = p.onFailure("checker x", "reboot", 5s);
    EXPECT_EQ(bad.action, Recovery::Stop);
    EXPECT_NE(bad.reason.find("unknown action 'reboot'"), std::string::npos);
    EXPECT_EQ(p.onFailure("checker web", "restart", 6s).reason, "checker web failed: restart");
    EXPECT_STREQ(recoveryName(Recovery::StopStart), "stopstart");
}

TEST(RecoveryPolicy, MaxloopRestartsThenStop) {
    RecoveryPolicy p(3, 24h);
    for (int i = 1; i <= 3; i++)
        EXPECT_EQ(p.onFailure("checker web", "restart", nanoseconds(i * 1h)).action, Recovery::RestartApp);
    auto fourth = p.onFailure("checker web", "restart", 4h);
    EXPECT_EQ(fourth.action, Recovery::Stop);
    EXPECT_NE(fourth.reason.find("maxloop (3) reached within 24h"), std::string::npos) << fourth.reason;
    EXPECT_TRUE(fourth.maxloopReached);
    EXPECT_EQ(p.restarts(4h), 3u);  // a refused restart is not counted
}

TEST(RecoveryPolicy, RestartAndStopstartShareTheCountWaitAndStopDoNot) {
    RecoveryPolicy p(2, 1h);
    EXPECT_EQ(p.onFailure("a", "wait", 1s).action, Recovery::Wait);
    auto stop = p.onFailure("a", "stop", 1s);
    EXPECT_EQ(stop.action, Recovery::Stop);
    EXPECT_FALSE(stop.maxloopReached);  // its action, not maxloop
    EXPECT_EQ(p.restarts(1s), 0u);
    EXPECT_EQ(p.onFailure("a", "restart", 2s).action, Recovery::RestartApp);
    EXPECT_EQ(p.onFailure("b", "stopstart", 3s).action, Recovery::StopStart);
    EXPECT_EQ(p.onFailure("b", "stopstart", 4s).action, Recovery::Stop);
    EXPECT_EQ(p.onFailure("a", "restart", 5s).action, Recovery::Stop);
    EXPECT_EQ(p.onFailure("c", "wait", 6s).action, Recovery::Wait);  // past maxloop, wait still waits
}

TEST(RecoveryPolicy, TheWindowSlides) {
    RecoveryPolicy p(2, 10min);
    EXPECT_EQ(p.onFailure("a", "restart", 0min).action, Recovery::RestartApp);
    EXPECT_EQ(p.onFailure("a", "restart", 6min).action, Recovery::RestartApp);
    EXPECT_EQ(p.onFailure("a", "restart", 9min).action, Recovery::Stop);
    // The first restart leaves the window exactly loop_interval later.
    EXPECT_EQ(p.restarts(nanoseconds(10min) - 1ns), 2u);
    EXPECT_EQ(p.restarts(10min), 1u);
    EXPECT_EQ(p.onFailure("a", "restart", 10min).action, Recovery::RestartApp);
    EXPECT_EQ(p.onFailure("a", "restart", 15min).action, Recovery::Stop);
    EXPECT_EQ(p.onFailure("a", "restart", 16min).action, Recovery::RestartApp);  // 6min left
}

TEST(RecoveryPolicy, MaxloopZeroAllowsNoRestart) {
    RecoveryPolicy p(0, 24h);
    auto d = p.onFailure("checker web", "restart", 1s);
    EXPECT_EQ(d.action, Recovery::Stop);
    EXPECT_NE(d.reason.find("maxloop (0) reached within 24h"), std::string::npos);
    EXPECT_EQ(p.onFailure("checker web", "wait", 1s).action, Recovery::Wait);
}

TEST(RecoveryPolicy, ResetStartsTheCountOver) {
    RecoveryPolicy p(1, 24h);
    EXPECT_EQ(p.onFailure("a", "restart", 1s).action, Recovery::RestartApp);
    EXPECT_EQ(p.onFailure("a", "restart", 2s).action, Recovery::Stop);
    p.reset();
    EXPECT_EQ(p.onFailure("a", "restart", 3s).action, Recovery::RestartApp);
}

TEST(RecoveryPolicy, ExhaustiveOverActionsAndCounts) {
    const char* actions[] = {"restart", "stopstart", "stop", "wait"};
    for (uint32_t maxloop = 0; maxloop <= 4; maxloop++) {
        for (const char* action : actions) {
            RecoveryPolicy p(maxloop, 1h);
            for (uint32_t i = 0; i <= maxloop + 1; i++) {
                auto d = p.onFailure("x", action, nanoseconds(i * 1s));
                std::string a = action;
                Recovery expected = a == "stop"      ? Recovery::Stop
                                    : a == "wait"    ? Recovery::Wait
                                    : i >= maxloop   ? Recovery::Stop
                                    : a == "restart" ? Recovery::RestartApp
                                                     : Recovery::StopStart;
                EXPECT_EQ(d.action, expected) << "maxloop " << maxloop << " " << action << " #" << i;
            }
        }
    }
}

}  // namespace
}  // namespace safefarm::app
