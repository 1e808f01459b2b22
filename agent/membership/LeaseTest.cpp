// Leases confirmed by the peers (docs/design.md "Leases"): what clients see
// when a node is alive but unheard. Every test runs the network with
// Net::checkOwners() after each 1 ms step: no bucket is ever served by two
// nodes, whatever is lost.
#include <gtest/gtest.h>

#include "membership/Membership.h"
#include "membership/TestNet.h"

namespace safefarm::membership {
namespace {

using std::chrono::milliseconds;

// The blackout: node 2's heartbeats are lost both ways for 400 ms,
// five times, while the node and its clients run on. Before: node 2 kept
// renewing its own lease and formed a view of its own with every bucket.
TEST(LeaseTest, HeartbeatBlackoutsNeverGiveABucketTwoOwners) {
    Net net({1, 2, 3});
    net.run(milliseconds(600), true);
    ASSERT_EQ(ids(net.at(1).installed()), (std::vector<uint8_t>{1, 2, 3}));
    for (int i = 0; i < 5; i++) {
        net.isolate(2);
        net.run(milliseconds(400), true);
        net.isolate(2, false);
        net.run(milliseconds(2100), true);
    }
    EXPECT_EQ(net.violation, "");
    EXPECT_EQ(ids(net.at(1).installed()), (std::vector<uint8_t>{1, 2, 3}));
    EXPECT_EQ(net.at(2).installed(), net.at(1).installed());
    EXPECT_TRUE(net.serving(2));
}

// The check can fail: with quorum none (SafeKit's, every side serves) the
// same blackout gives node 2's buckets two owners, as in the lab before.
TEST(LeaseTest, WithQuorumNoneABlackoutGivesTwoOwners) {
    Net net({1, 2, 3}, 2, QuorumPolicy::None);
    net.run(milliseconds(600), true);
    net.isolate(2);
    net.run(milliseconds(400), true);
    EXPECT_NE(net.violation, "");
}

// A lone node is not a quorum: it serves nothing, the other two take its
// buckets once its lease has run out.
TEST(LeaseTest, TheSideThatLostItsPeersServesNothing) {
    Net net({1, 2, 3});
    net.run(milliseconds(600), true);
    net.isolate(3);
    net.run(milliseconds(1000), true);
    EXPECT_EQ(net.violation, "");
    EXPECT_EQ(ids(net.at(1).installed()), (std::vector<uint8_t>{1, 2}));
    EXPECT_FALSE(net.at(3).quorate(net.at(3).installed()));
    EXPECT_FALSE(net.serving(3));
    EXPECT_TRUE(net.serving(1));
    EXPECT_TRUE(net.serving(2));
}

// Two nodes: the lowest id keeps serving (alone it is half with the lowest
// id), the other serves nothing until they hear each other again.
TEST(LeaseTest, TwoNodesTheLowestIdServes) {
    Net net({1, 2});
    net.run(milliseconds(600), true);
    net.isolate(2);
    net.run(milliseconds(1000), true);
    EXPECT_EQ(net.violation, "");
    EXPECT_EQ(ids(net.at(1).installed()), (std::vector<uint8_t>{1}));
    EXPECT_TRUE(net.serving(1));
    EXPECT_FALSE(net.serving(2));
    net.isolate(2, false);
    net.run(milliseconds(600), true);
    EXPECT_EQ(net.violation, "");
    EXPECT_EQ(ids(net.at(2).installed()), (std::vector<uint8_t>{1, 2}));
    EXPECT_TRUE(net.serving(2));
}

// A node that hears nobody while everyone hears it (a one-way fault): its
// lease runs out with the echoes, and only then do the others take its
// buckets (they wait to let it go before they agree to a view without it).
TEST(LeaseTest, ADeafNodeIsLetGoOnlyAfterItsLeaseRanOut) {
    Net net({1, 2, 3});
    net.run(milliseconds(600), true);
    net.cut.insert({1, 2});
    net.cut.insert({3, 2});
    net.run(milliseconds(2000), true);
    EXPECT_EQ(net.violation, "");
    EXPECT_EQ(ids(net.at(1).installed()), (std::vector<uint8_t>{1, 3}));
    EXPECT_FALSE(net.serving(2));
    net.cut.clear();
    net.run(milliseconds(1000), true);
    EXPECT_EQ(net.violation, "");
    EXPECT_EQ(ids(net.at(1).installed()), (std::vector<uint8_t>{1, 2, 3}));
    EXPECT_TRUE(net.serving(2));
}

// A node that is not heard while it hears everyone (the other one-way fault).
TEST(LeaseTest, AMuteNodeStopsServingBeforeTheOthersTakeItsBuckets) {
    Net net({1, 2, 3});
    net.run(milliseconds(600), true);
    net.cut.insert({2, 1});
    net.cut.insert({2, 3});
    net.run(milliseconds(2000), true);
    EXPECT_EQ(net.violation, "");
    EXPECT_EQ(ids(net.at(1).installed()), (std::vector<uint8_t>{1, 3}));
    EXPECT_FALSE(net.serving(2));
}

// A partial partition: 1 and 3 cannot hear each other, 2 hears both. Safe
// whatever the views do.
TEST(LeaseTest, PartialPartitionNeverGivesABucketTwoOwners) {
    Net net({1, 2, 3});
    net.run(milliseconds(600), true);
    net.cut.insert({1, 3});
    net.cut.insert({3, 1});
    net.run(milliseconds(3000), true);
    EXPECT_EQ(net.violation, "");
}

// A real crash: the survivors never stop serving their own buckets (their
// leases need one of the two others, and the live one echoes).
TEST(LeaseTest, SurvivorsOfACrashServeThroughout) {
    Net net({1, 2, 3});
    net.run(milliseconds(600), true);
    net.down.insert(3);
    for (int ms = 0; ms < 1000; ms++) {
        net.run(milliseconds(1), true);
        ASSERT_TRUE(net.serving(1)) << ms;
        ASSERT_TRUE(net.serving(2)) << ms;
    }
    EXPECT_EQ(net.violation, "");
    EXPECT_EQ(ids(net.at(1).installed()), (std::vector<uint8_t>{1, 2}));
}

// The lease is anchored on what the peers echo: it never reaches beyond the
// send time of the newest echoed heartbeat plus the lease span, and with
// quorum none (SafeKit's) it is the node's own.
TEST(LeaseTest, TheLeaseIsAnchoredOnTheEchoes) {
    Net net({1, 2, 3});
    net.run(milliseconds(600));
    Nanos t = net.now;
    Nanos lease = net.at(2).leaseUntil(t);
    EXPECT_GT(lease, t);
    EXPECT_LE(lease, t + net.at(2).leaseSpan());
    net.isolate(2);
    net.run(net.at(2).leaseSpan());
    EXPECT_LE(net.at(2).leaseUntil(net.now), net.now) << "no echo for the lease span: lease over";

    Net none({1, 2, 3}, 2, QuorumPolicy::None);
    none.run(milliseconds(600));
    none.isolate(2);
    none.run(milliseconds(1000));
    EXPECT_GT(none.at(2).leaseUntil(none.now), none.now) << "quorum none: every side serves";
}

}  // namespace
}  // namespace safefarm::membership
