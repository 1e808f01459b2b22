// ConnectionSlots alone: the per-client cap, and who gives up a place
// when every place is taken.
#include <gtest/gtest.h>

#include "http/ConnectionSlots.h"

namespace safefarm::http::test {
namespace {

TEST(ConnectionSlots, AClientPastItsShareIsRefusedAndTheOthersGetIn) {
    ConnectionSlots slots(SlotPolicy{10, 3});
    for (ConnectionSlots::Id id = 0; id < 3; id++) EXPECT_TRUE(slots.admit("192.0.2.1", id).admitted);
    EXPECT_FALSE(slots.admit("192.0.2.1", 3).admitted);
    EXPECT_TRUE(slots.admit("192.0.2.2", 4).admitted);
    slots.release(0);
    EXPECT_TRUE(slots.admit("192.0.2.1", 5).admitted) << "a place given back is free again";
    EXPECT_EQ(slots.of("192.0.2.1"), 3u);
}

TEST(ConnectionSlots, WhenFullTheLargestHoldersOldestWaitingConnectionMakesRoom) {
    ConnectionSlots slots(SlotPolicy{6, 6});
    for (ConnectionSlots::Id id = 0; id < 4; id++) ASSERT_TRUE(slots.admit("192.0.2.1", id).admitted);
    ASSERT_TRUE(slots.admit("192.0.2.2", 4).admitted);
    ASSERT_TRUE(slots.admit("192.0.2.2", 5).admitted);
    slots.setBusy(0, true);  // its command runs: not evicted
    auto a = slots.admit("192.0.2.9", 6);
    ASSERT_TRUE(a.admitted);
    ASSERT_TRUE(a.evict.has_value());
    EXPECT_EQ(*a.evict, 1u) << "the oldest of the largest holder that is not busy";
    EXPECT_EQ(slots.of("192.0.2.1"), 3u);
    EXPECT_EQ(slots.size(), 6u);
}

TEST(ConnectionSlots, EqualHoldersDoNotTakeEachOthersPlaces) {
    ConnectionSlots slots(SlotPolicy{4, 4});
    ASSERT_TRUE(slots.admit("192.0.2.1", 0).admitted);
    ASSERT_TRUE(slots.admit("192.0.2.1", 1).admitted);
    ASSERT_TRUE(slots.admit("192.0.2.2", 2).admitted);
    ASSERT_TRUE(slots.admit("192.0.2.3", 3).admitted);
    // .2 holds 1, the largest holds 2: a swap would leave .1 with 1 and .2 with 2.
    EXPECT_FALSE(slots.admit("192.0.2.2", 4).admitted);
    EXPECT_TRUE(slots.admit("192.0.2.4", 5).admitted) << "a newcomer with none takes one of two";
}

TEST(ConnectionSlots, BusyConnectionsAreNeverEvicted) {
    ConnectionSlots slots(SlotPolicy{2, 2});
    ASSERT_TRUE(slots.admit("192.0.2.1", 0).admitted);
    ASSERT_TRUE(slots.admit("192.0.2.1", 1).admitted);
    slots.setBusy(0, true);
    slots.setBusy(1, true);
    EXPECT_FALSE(slots.admit("192.0.2.2", 2).admitted);
    slots.setBusy(1, false);
    auto a = slots.admit("192.0.2.2", 3);
    EXPECT_TRUE(a.admitted);
    EXPECT_EQ(a.evict, std::optional<ConnectionSlots::Id>(1));
}

TEST(ConnectionSlots, AnIpv6ClientIsItsSlash64) {
    EXPECT_EQ(ConnectionSlots::clientKey("2001:db8:1:2:aaaa::1"), "2001:db8:1:2::/64");
    EXPECT_EQ(ConnectionSlots::clientKey("2001:db8:1:2:bbbb::7"), "2001:db8:1:2::/64");
    EXPECT_EQ(ConnectionSlots::clientKey("::ffff:192.0.2.7"), "192.0.2.7");
    EXPECT_EQ(ConnectionSlots::clientKey("192.0.2.7"), "192.0.2.7");
}

}  // namespace
}  // namespace safefarm::http::test
