#include "membership/Membership.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <cstdio>
#include <fstream>
#include <map>
#include <optional>

#include "ScopedUmask.h"
#include "TempDir.h"
#include "membership/Ownership.h"
#include "membership/Persist.h"
#include "membership/TestNet.h"

namespace safefarm::membership {
namespace {

using std::chrono::milliseconds;

TEST(MembershipTest, SimultaneousStartAgreesOnOneView) {
    Net net({1, 2, 3});
    net.run(milliseconds(600));
    const View& v = net.at(1).installed();
    EXPECT_EQ(ids(v), (std::vector<uint8_t>{1, 2, 3}));
    EXPECT_EQ(v.id.coordinator, 1);
    EXPECT_EQ(net.at(2).installed(), v);
    EXPECT_EQ(net.at(3).installed(), v);
}

TEST(MembershipTest, CrashIsCommittedWithinTheBound) {
    Net net({1, 2, 3});
    net.run(milliseconds(600));
    net.down.insert(1);  // the coordinator dies
    Nanos crash = net.now;
    net.run(milliseconds(100) * (3 + 3));
    EXPECT_EQ(ids(net.at(2).installed()), (std::vector<uint8_t>{2, 3}));
    EXPECT_EQ(net.at(3).installed(), net.at(2).installed());
    (void)crash;
}

// A restarting agent (SIGTERM, upgrade) says so: its peers hold it for
// restartHold (2 s) instead of slost_count pulses (300 ms here), then it is
// dead as after a crash unless a heartbeat came; a heartbeat without the
// flag ends the hold.
TEST(MembershipTest, RestartingPeerIsHeldForTheRestartHold) {
    Net net({1, 2, 3});
    net.run(milliseconds(600));
    View before = net.at(1).installed();
    net.at(2).restarting(net.now);
    EXPECT_EQ(net.at(2).restartHoldLease(), milliseconds(1900));
    net.run(milliseconds(2));  // the three copies arrive
    net.down.insert(2);        // the old agent exits
    net.run(milliseconds(1800));
    EXPECT_EQ(net.at(1).installed(), before) << "held: no view without node 2";
    net.run(milliseconds(600));
    EXPECT_EQ(ids(net.at(1).installed()), (std::vector<uint8_t>{1, 3})) << "never came back: dead after the hold";

    // The next agent (a new incarnation) comes within the hold: never a view
    // without node 2; its heartbeats end the hold, so a later silence is a
    // crash again.
    Net again({1, 2, 3});
    again.run(milliseconds(600));
    again.at(2).restarting(again.now);
    again.run(milliseconds(2));
    again.down.insert(2);
    again.run(milliseconds(500));
    MembershipConfig c = again.at(2).config();
    c.incarnation++;
    again.nodes.erase(2);
    again.nodes.emplace(2, Membership(c, Net::mac(), again.now));
    again.down.erase(2);
    again.run(milliseconds(600));
    for (const auto& v : again.installs[1]) EXPECT_NE(v.find(2), nullptr) << "a view without node 2";
    ASSERT_NE(again.at(1).installed().find(2), nullptr);
    EXPECT_EQ(again.at(1).installed().find(2)->incarnation, c.incarnation);
    again.down.insert(2);
    again.run(milliseconds(500));
    EXPECT_EQ(ids(again.at(1).installed()), (std::vector<uint8_t>{1, 3}));
}

// Each node's traffic rides on its heartbeats: every node knows every
// other's (a cluster-wide `safectl status` from any node), no view change.
TEST(MembershipTest, HeartbeatsCarryEachNodesTraffic) {
    Net net({1, 2, 3});
    net.run(milliseconds(600));
    View v = net.at(1).installed();
    net.at(2).setTraffic(12, 3400);
    net.at(3).setTraffic(7, 99);
    net.run(milliseconds(150));
    auto t = net.at(1).peerTraffic();
    ASSERT_EQ(t.size(), 2u);
    EXPECT_EQ(t[2].connections, 12u);
    EXPECT_EQ(t[2].packets, 3400u);
    EXPECT_EQ(t[3].connections, 7u);
    EXPECT_EQ(net.at(3).peerTraffic()[2].packets, 3400u);
    EXPECT_EQ(net.at(1).installed(), v);
}

// vmac_directed relays to a bucket's owner at its MAC: every node learns
// every other's from the heartbeats; a node that announced none is absent.
TEST(MembershipTest, HeartbeatsCarryEachNodesMac) {
    Net net({1, 2, 3});
    net.at(2).setMac(Mac{2, 0, 0, 0, 0, 2});
    net.at(3).setMac(Mac{2, 0, 0, 0, 0, 3});
    net.run(milliseconds(600));
    auto m = net.at(1).peerMacs();
    EXPECT_EQ(m, (std::map<uint8_t, Mac>{{2, Mac{2, 0, 0, 0, 0, 2}}, {3, Mac{2, 0, 0, 0, 0, 3}}}));
    EXPECT_EQ(net.at(2).peerMacs().count(1), 0u);
    EXPECT_EQ(net.at(2).peerMacs().at(3), (Mac{2, 0, 0, 0, 0, 3}));
}

TEST(MembershipTest, GracefulStopDrainsThenLeaves) {
    Net net({1, 2, 3});
    net.run(milliseconds(600));
    net.at(3).stop(net.now);
    net.run(milliseconds(100));
    const ViewMember* m = net.at(1).installed().find(3);
    ASSERT_NE(m, nullptr);
    EXPECT_EQ(m->state, MemberState::Draining);
    for (const auto& b : bucketsOf(net.at(1).installed(), true)) EXPECT_NE(b.owner, 3);
    net.at(3).drained(net.now);
    net.run(milliseconds(100));
    EXPECT_EQ(ids(net.at(1).installed()), (std::vector<uint8_t>{1, 2}));
    net.at(3).start(net.now);
    net.run(milliseconds(200));
    EXPECT_EQ(ids(net.at(1).installed()), (std::vector<uint8_t>{1, 2, 3}));
}

TEST(MembershipTest, ReplayedAndForgedDatagramsAreCountedAndIgnored) {
    Net net({1, 2});
    net.run(milliseconds(600));
    Membership& m = net.at(2);
    uint64_t fp = m.fingerprint();
    Counters before = m.counters();  // its peer's first datagrams named it as not learnt yet: misdirected
    size_t replayed = 0;
    for (const auto& dg : net.captured) {
        if (dg.to != 2) continue;
        m.receive(dg.lan, dg.bytes, net.now);
        replayed++;
    }
    EXPECT_EQ(m.fingerprint(), fp);
    EXPECT_EQ(m.counters().dropped() - before.dropped(), replayed);
    EXPECT_EQ(m.counters().accepted, before.accepted);
    auto forged = net.captured.back().bytes;
    forged[10] ^= 1;
    m.receive(0, forged, net.now);
    EXPECT_EQ(m.counters().forged, 1u);
    EXPECT_EQ(m.fingerprint(), fp);
    EXPECT_TRUE(m.takeDatagrams().empty());
}

// Issue 14: datagrams recorded before a node restarted, replayed into it,
// were taken (its replay windows start empty): its peers seemed alive and
// the lab saw ~36 futile proposals. Each is bound to one life of its
// receiver now: refused, nothing changes, no proposal.
TEST(MembershipTest, DatagramsRecordedBeforeTheReceiverRestartedAreRefused) {
    Net net({1, 2, 3});
    net.run(milliseconds(600));
    size_t mark = net.captured.size();
    net.run(milliseconds(500));
    std::vector<Datagram> toOne, toTwo;
    for (size_t i = mark; i < net.captured.size(); i++)
        (net.captured[i].to == 1 ? toOne : toTwo).push_back(net.captured[i]);
    // Node 1 (the coordinator) restarts and hears nobody real: gathered, alone.
    Membership& r = net.restart(1);
    net.isolate(1);
    net.run(milliseconds(300));
    ASSERT_EQ(ids(r.installed()), (std::vector<uint8_t>{1}));
    r.takeDatagrams();
    auto before = r.counters();
    auto replay = [&](const std::vector<Datagram>& dgs) {
        for (const auto& dg : dgs) {
            r.receive(dg.lan, dg.bytes, net.now);
            r.tick(net.now);
        }
    };
    replay(toOne);
    EXPECT_EQ(r.counters().proposals, before.proposals);
    EXPECT_EQ(r.counters().accepted, before.accepted);
    EXPECT_EQ(r.alive(net.now), (std::vector<uint8_t>{1}));
    EXPECT_EQ(r.counters().misdirected - before.misdirected, toOne.size());
    // It learnt its peers' incarnations (they are real: only a higher one is
    // taken) and answered each once; replayed again, nothing at all.
    EXPECT_LE(r.takeDatagrams().size(), 2u * 2u);
    uint64_t fp = r.fingerprint();
    replay(toOne);
    replay(toTwo);  // and what was sent to another node
    EXPECT_EQ(r.fingerprint(), fp);
    EXPECT_TRUE(r.takeDatagrams().empty());
    EXPECT_EQ(r.counters().dropped() - before.dropped(), 2 * toOne.size() + toTwo.size());
    EXPECT_EQ(r.counters().proposals, before.proposals);
    // Healed, it joins as usual.
    net.isolate(1, false);
    net.run(milliseconds(400));
    EXPECT_EQ(ids(r.installed()), (std::vector<uint8_t>{1, 2, 3}));
    EXPECT_EQ(net.at(2).installed(), r.installed());
}

// Bound to the destination's incarnation, a restarted node is heard only
// once its peers learnt its new one: they answer its first datagram at
// once, so a restart still converges within the usual time.
TEST(MembershipTest, ARestartedNodeConvergesWithinAPulseOrTwo) {
    for (uint8_t who : {1, 3}) {
        Net net({1, 2, 3});
        net.run(milliseconds(600));
        Membership& r = net.restart(who);
        Nanos start = net.now;
        auto converged = [&] {
            const ViewMember* m = net.at(2).installed().find(who);
            return m && m->incarnation == r.config().incarnation && m->state == MemberState::Ready &&
                   net.at(1).installed() == net.at(2).installed() && net.at(3).installed() == net.at(2).installed();
        };
        while (!converged() && net.now - start < milliseconds(2000)) net.run(milliseconds(1));
        EXPECT_TRUE(converged()) << int(who);
        // The coordinator gathers two pulses after its start, then one round.
        EXPECT_LE(net.now - start, milliseconds(who == 1 ? 230 : 30)) << int(who);
    }
}

TEST(MembershipTest, NodeRestartIsANewIncarnation) {
    Net net({1, 2});
    net.run(milliseconds(600));
    MembershipConfig c = net.at(2).config();
    c.incarnation++;
    net.nodes.erase(2);
    net.nodes.emplace(2, Membership(c, Net::mac(), net.now));
    net.run(milliseconds(400));
    const ViewMember* m = net.at(1).installed().find(2);
    ASSERT_NE(m, nullptr);
    EXPECT_EQ(m->incarnation, c.incarnation);
    EXPECT_EQ(net.at(2).installed(), net.at(1).installed());
}

TEST(MembershipTest, MajorityQuorum) {
    MembershipConfig c;
    c.nodes = {1, 2, 3, 4};
    c.quorum = QuorumPolicy::Majority;
    Membership m(c, Net::mac(), Nanos{0});
    View v;
    v.members = {{1, 1, 1, MemberState::Ready}, {2, 1, 1, MemberState::Ready}};
    EXPECT_TRUE(m.quorate(v));  // half, with the lowest id
    v.members = {{2, 1, 1, MemberState::Ready}, {3, 1, 1, MemberState::Ready}};
    EXPECT_FALSE(m.quorate(v));
    for (const auto& b : bucketsOf(v, m.quorate(v))) EXPECT_EQ(b.owner, FARM_NODE_NONE);
    v.members.push_back({4, 1, 1, MemberState::Ready});
    EXPECT_TRUE(m.quorate(v));
}

TEST(MembershipTest, OwnershipFollowsStatesWeightsAndGroups) {
    View v;
    v.members = {{1, 1, 1, MemberState::Ready},
                 {2, 1, 3, MemberState::Ready},
                 {3, 1, 1, MemberState::NotReady},
                 {4, 1, 1, MemberState::Draining}};
    auto owners = owningMembers(v);
    ASSERT_EQ(owners.size(), 2u);
    auto grouped = owningMembers(v, {{2, 0}, {1, 5}, {9, 1}});  // power 0 owns nothing
    ASSERT_EQ(grouped.size(), 1u);
    EXPECT_EQ(grouped[0].id, 1);
    EXPECT_EQ(grouped[0].weight, 5u);
}

TEST(MembershipTest, PersistBumpsIncarnationAndGuardsTheKey) {
    test::TempDir dir("sf-membership");  // not a fixed name in /tmp: concurrent runs collided
    std::string inc = dir / "incarnation";
    {
        test::ScopedUmask umask(0);  // issue 14: 0640 whatever the umask
        EXPECT_EQ(bumpIncarnation(inc).value(), 1u);
        EXPECT_EQ(bumpIncarnation(inc).value(), 2u);
        EXPECT_EQ(test::modeOf(inc), "640");
    }
    std::string key = dir / "key";
    {
        std::ofstream f(key);
        f << "0123456789abcdef0123456789abcdef";
    }
    ::chmod(key.c_str(), 0644);
    EXPECT_FALSE(loadClusterKey(key).ok());
    ::chmod(key.c_str(), 0600);
    auto k = loadClusterKey(key);
    ASSERT_TRUE(k.ok()) << k.error().message();
    EXPECT_EQ(k->size(), 32u);
}

}  // namespace
}  // namespace safefarm::membership
