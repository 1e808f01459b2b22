// Issue 14: a node with the wrong cluster key, another wire version or
// another bucket algorithm (docs/design.md "Misconfigured peers"). Before,
// it logged nothing and with quorum none served every bucket next to the
// real farm.
#include <gtest/gtest.h>

#include "membership/Membership.h"
#include "membership/Ownership.h"
#include "membership/TestNet.h"

namespace safefarm::membership {
namespace {

using std::chrono::milliseconds;

Hmac otherKey() { return Hmac::create(std::vector<uint8_t>(32, 9)).value(); }

bool ownsABucket(Membership& m) {
    const View& v = m.installed();
    for (const auto& b : bucketsOf(v, m.quorate(v)))
        if (b.owner == m.config().self) return true;
    return false;
}

bool readyInItsView(const Membership& m) {
    const ViewMember* me = m.installed().find(m.config().self);
    return me && me->state == MemberState::Ready;
}

TEST(MisconfiguredPeerTest, AWrongKeyNodeNextToAFarmNeverServes) {
    for (auto quorum : {QuorumPolicy::None, QuorumPolicy::Majority}) {
        Net net({1, 2, 3}, 2, quorum);
        Membership* bad = &net.restart(3, otherKey());
        for (int i = 0; i < 200; i++) {  // 2 s
            net.run(milliseconds(10), true);
            EXPECT_NE(bad->announcedState(), MemberState::Ready) << i;
            EXPECT_FALSE(readyInItsView(*bad)) << i;
            EXPECT_FALSE(ownsABucket(*bad)) << i;
        }
        EXPECT_EQ(net.violation, "");
        EXPECT_TRUE(bad->blockedByMisconfiguredPeers());
        auto refused = bad->refusedPeers(net.now);
        ASSERT_EQ(refused.size(), 2u);
        for (const auto& r : refused) {
            EXPECT_EQ(r.reason, Refusal::Key);
            EXPECT_TRUE(r.current);
            EXPECT_GT(r.count, 20u);
            EXPECT_LE(r.msAgo, 100);
        }
        EXPECT_EQ(bad->counters().refusedKey, refused[0].count + refused[1].count);
        // The farm serves, and reports node 3.
        for (uint8_t id : {1, 2}) {
            Membership& m = net.at(id);
            EXPECT_EQ(ids(m.installed()), (std::vector<uint8_t>{1, 2})) << int(id);
            EXPECT_TRUE(readyInItsView(m)) << int(id);
            EXPECT_TRUE(net.serving(id)) << int(id);
            EXPECT_TRUE(ownsABucket(m)) << int(id);
            EXPECT_FALSE(m.blockedByMisconfiguredPeers());
            auto r = m.refusedPeers(net.now);
            ASSERT_EQ(r.size(), 1u);
            EXPECT_EQ(r[0].id, 3);
            EXPECT_EQ(std::string(refusalName(r[0].reason)), "key");
        }
        // The refused traffic stops (the farm goes away): after the
        // detection time node 3 is no longer blocked.
        net.down = {1, 2};
        net.run(net.at(3).detection() + milliseconds(300));
        EXPECT_FALSE(bad->blockedByMisconfiguredPeers());
        EXPECT_EQ(bad->announcedState(), MemberState::Ready);
        EXPECT_TRUE(readyInItsView(*bad));
        EXPECT_FALSE(bad->refusedPeers(net.now)[0].current);
        if (quorum == QuorumPolicy::None) {
            EXPECT_TRUE(ownsABucket(*bad));
        }
    }
}

TEST(MisconfiguredPeerTest, ALoneWrongKeyNodeStepsDownWhenTheFarmAppears) {
    Net net({1, 2, 3}, 2, QuorumPolicy::None);
    net.down = {1, 2};
    Membership* bad = &net.restart(3, otherKey());
    net.run(milliseconds(600));
    ASSERT_TRUE(readyInItsView(*bad));
    ASSERT_TRUE(ownsABucket(*bad));
    net.restart(1);
    net.restart(2);
    net.run(milliseconds(1000), true);
    EXPECT_EQ(net.violation, "");
    EXPECT_TRUE(bad->blockedByMisconfiguredPeers());
    EXPECT_NE(bad->announcedState(), MemberState::Ready);
    EXPECT_FALSE(ownsABucket(*bad));
    EXPECT_EQ(bad->counters().misconfiguredBlocks, 1u);
    for (uint8_t id : {1, 2}) {
        EXPECT_EQ(ids(net.at(id).installed()), (std::vector<uint8_t>{1, 2})) << int(id);
        EXPECT_TRUE(readyInItsView(net.at(id))) << int(id);
        EXPECT_TRUE(ownsABucket(net.at(id))) << int(id);
    }
}

// A serving node is not taken down by one misconfigured newcomer; a node
// that does not serve yet and hears nobody else waits.
TEST(MisconfiguredPeerTest, ARunningNodeKeepsServingNextToAWrongKeyNewcomer) {
    Net net({1, 2}, 2, QuorumPolicy::None);
    net.down = {2};
    net.run(milliseconds(600));
    ASSERT_TRUE(ownsABucket(net.at(1)));
    net.restart(2, otherKey());
    net.run(milliseconds(1000), true);
    EXPECT_EQ(net.violation, "");
    EXPECT_TRUE(ownsABucket(net.at(1)));
    EXPECT_FALSE(net.at(1).blockedByMisconfiguredPeers());
    EXPECT_TRUE(net.at(2).blockedByMisconfiguredPeers());
    EXPECT_FALSE(ownsABucket(net.at(2)));
}

// What node 2 would send node 1 if it spoke another wire version, computed
// another bucket table, or had another key.
std::vector<uint8_t> misconfigured(Refusal how, uint64_t seq) {
    Message m;
    m.header = Header{MessageType::Heartbeat, 2, 0, 1, seq, 1, 1};
    Heartbeat hb;
    hb.state = MemberState::Ready;
    if (how == Refusal::BucketAlgorithm) {
        hb.bucketAlgorithm = kBucketAlgorithmVersion + 1;
        hb.buckets = FARM_BUCKETS * 2;
    }
    m.body = hb;
    auto bytes = encode(m, how == Refusal::Key ? otherKey() : Net::mac());
    if (how == Refusal::WireVersion) bytes[2] = kWireVersion + 1;
    return bytes;
}

TEST(MisconfiguredPeerTest, AnotherWireVersionOrBucketAlgorithmIsRefusedAndReported) {
    for (Refusal how : {Refusal::Key, Refusal::WireVersion, Refusal::BucketAlgorithm}) {
        SCOPED_TRACE(refusalName(how));
        Net net({1, 2}, 2, QuorumPolicy::None);
        net.down = {2};
        Membership& m = net.at(1);
        for (uint64_t seq = 1; seq <= 100; seq++) {  // 1 s, a heartbeat every 10 ms from node 2's address
            m.receive(0, misconfigured(how, seq), net.now, 2);
            net.run(milliseconds(10));
            EXPECT_NE(m.announcedState(), MemberState::Ready);
            EXPECT_FALSE(ownsABucket(m));
        }
        EXPECT_TRUE(m.blockedByMisconfiguredPeers());
        EXPECT_EQ(m.alive(net.now), (std::vector<uint8_t>{1}));
        auto r = m.refusedPeers(net.now);
        ASSERT_EQ(r.size(), 1u);
        EXPECT_EQ(r[0].id, 2);
        EXPECT_EQ(r[0].reason, how);
        EXPECT_EQ(r[0].count, 100u);
        EXPECT_EQ(r[0].msAgo, 10);
        EXPECT_TRUE(r[0].current);
        const Counters& c = m.counters();
        switch (how) {
            case Refusal::Key: EXPECT_EQ(c.refusedKey, 100u); break;
            case Refusal::WireVersion:
                EXPECT_EQ(c.refusedWireVersion, 100u);
                EXPECT_EQ(r[0].versionSeen, kWireVersion + 1u);
                break;
            case Refusal::BucketAlgorithm:
                EXPECT_EQ(c.refusedBucketAlgorithm, 100u);
                EXPECT_EQ(r[0].versionSeen, kBucketAlgorithmVersion + 1u);
                EXPECT_EQ(r[0].bucketsSeen, FARM_BUCKETS * 2u);
                break;
        }
        EXPECT_EQ(c.accepted, 0u);
        // Refused datagrams from an address that is no configured peer's
        // count against nobody (the bucket algorithm is said by an
        // authenticated sender: counted against it wherever it comes from).
        m.receive(0, misconfigured(how, 101), net.now);
        EXPECT_EQ(m.refusedPeers(net.now)[0].count, how == Refusal::BucketAlgorithm ? 101u : 100u);
        // The refused traffic stops: the detection time after the last one,
        // node 1 serves alone.
        net.run(m.detection() + milliseconds(200));
        EXPECT_FALSE(m.blockedByMisconfiguredPeers());
        EXPECT_TRUE(readyInItsView(m));
        EXPECT_TRUE(ownsABucket(m));
        EXPECT_FALSE(m.refusedPeers(net.now)[0].current);
    }
}

}  // namespace
}  // namespace safefarm::membership
