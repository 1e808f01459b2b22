#include "http/LoginThrottle.h"

#include <gtest/gtest.h>

#include "FakeClock.h"

namespace safefarm::http {
namespace {

using namespace std::chrono_literals;

using FakeClock = safefarm::test::FakeClock<>;

TEST(LoginThrottle, FreeFailuresThenExponentialBackoff) {
    FakeClock t;
    LoginThrottle throttle(t.clock(), ThrottlePolicy{3, 1s, 8s, 900s, 100});
    for (int i = 0; i < 3; ++i) {
        EXPECT_EQ(throttle.retryAfter("k"), 0s);
        throttle.failed("k");
    }
    EXPECT_EQ(throttle.retryAfter("k"), 0s);
    throttle.failed("k");  // 4th: 1 s
    EXPECT_EQ(throttle.retryAfter("k"), 1s);
    t.now += 1s;
    throttle.failed("k");  // 5th: 2 s
    EXPECT_EQ(throttle.retryAfter("k"), 2s);
    t.now += 2s;
    throttle.failed("k");  // 6th: 4 s
    EXPECT_EQ(throttle.retryAfter("k"), 4s);
    t.now += 4s;
    throttle.failed("k");  // 7th: 8 s (the cap)
    EXPECT_EQ(throttle.retryAfter("k"), 8s);
    t.now += 8s;
    throttle.failed("k");
    EXPECT_EQ(throttle.retryAfter("k"), 8s);
    EXPECT_EQ(throttle.retryAfter("other"), 0s);
}

TEST(LoginThrottle, SuccessAndQuietTimeForget) {
    FakeClock t;
    LoginThrottle throttle(t.clock(), ThrottlePolicy{1, 1s, 60s, 100s, 100});
    throttle.failed("k");
    throttle.failed("k");
    EXPECT_GT(throttle.retryAfter("k"), 0s);
    throttle.succeeded("k");
    EXPECT_EQ(throttle.retryAfter("k"), 0s);
    throttle.failed("k");
    t.now += 100s;
    throttle.failed("k");  // the earlier failure is forgotten: free again
    EXPECT_EQ(throttle.retryAfter("k"), 0s);
}

TEST(LoginThrottle, BoundedMemoryUnderAFloodOfNames) {
    FakeClock t;
    LoginThrottle throttle(t.clock(), ThrottlePolicy{0, 10s, 60s, 100s, 50});
    throttle.failed("victim");
    for (int i = 0; i < 1000; ++i) throttle.failed("name" + std::to_string(i));
    EXPECT_GT(throttle.retryAfter("name999"), 0s);  // a key added last is blocked
    EXPECT_LE(throttle.size(), 50u);
}

// Issue 14: 10,032 wrong keys from distinct addresses (an IPv6 /64 has
// plenty) reset a targeted user's count. The entries with the fewest
// failures go first: the target's six stay, its next failure blocks again.
TEST(LoginThrottle, AFloodOfOneTimeGuessesDoesNotResetATarget) {
    FakeClock t;
    LoginThrottle throttle(t.clock(), ThrottlePolicy{5, 1s, 300s, 900s, 1000});
    for (int i = 0; i < 6; ++i) throttle.failed("user adm");
    ASSERT_GT(throttle.retryAfter("user adm"), 0s);
    t.now += 2s;  // its back-off over: not blocked at this instant
    for (int i = 0; i < 10032; ++i) throttle.failed("addr 2001:db8::" + std::to_string(i));
    throttle.failed("user adm");
    EXPECT_GT(throttle.retryAfter("user adm"), 0s) << "the flood reset the target's count";
}

// A real user's count (keep) is never dropped for room, whatever the flood.
TEST(LoginThrottle, ARealUsersCountIsNeverDroppedForRoom) {
    FakeClock t;
    LoginThrottle throttle(t.clock(), ThrottlePolicy{5, 1s, 300s, 900s, 100});
    for (int i = 0; i < 6; ++i) throttle.failed("user adm", true);
    t.now += 2s;
    for (int i = 0; i < 1000; ++i)  // more failures per name than the target has
        for (int k = 0; k < 7; ++k) throttle.failed("user guess" + std::to_string(i));
    throttle.failed("user adm", true);
    EXPECT_GT(throttle.retryAfter("user adm"), 0s);
    EXPECT_LE(throttle.size(), 101u);
}

}  // namespace
}  // namespace safefarm::http
