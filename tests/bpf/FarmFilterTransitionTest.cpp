// Buckets in transition (DESIGN §3): the new owner takes SYNs, new UDP flows
// and its own flows; the old owner keeps its own flows only; in
// vmac_directed an entry node that is neither relays to whoever holds the flow.
#include "FarmFilterFixture.h"

namespace safefarm::test {
namespace {

constexpr uint8_t kOld = 0;
constexpr uint8_t kNew = 2;

uint32_t tcpBucket(const Scenario& s) { return s.bucketOf(kClient4); }               // tcp/80 on_addr
uint32_t udpBucket(const Scenario& s) { return s.bucketOf(kClient4, kClientPort); }  // udp/53 on_port

farm_flow_key tcpKey() { return flowKey(kClient4, kClientPort, kVip4, 80, IPPROTO_TCP); }
farm_flow_key udpKey() { return flowKey(kClient4, kClientPort, kVip4, 53, IPPROTO_UDP); }

// This node (1) is the new owner / the old owner / neither of the client's buckets.
std::function<void(Scenario&)> iAmNew(bool directed = false) {
    return [directed](Scenario& s) {
        if (directed) s.directed();
        s.moving(tcpBucket(s), kOld, kMe);
        s.moving(udpBucket(s), kOld, kMe);
    };
}
std::function<void(Scenario&)> iAmOld(bool directed = false) {
    return [directed](Scenario& s) {
        if (directed) s.directed();
        s.moving(tcpBucket(s), kMe, kNew);
        s.moving(udpBucket(s), kMe, kNew);
    };
}
std::function<void(Scenario&)> iAmEntry(bool directed = true) {
    return [directed](Scenario& s) {
        if (directed) s.directed();
        s.moving(tcpBucket(s), kOld, kNew);
        s.moving(udpBucket(s), kOld, kNew);
    };
}
std::function<void(Scenario&)> with(std::function<void(Scenario&)> base, farm_flow_key key, uint8_t kind,
                                    bool udp = false, uint8_t relayTo = 0) {
    return [=](Scenario& s) {
        base(s);
        s.flows.push_back({key, flowOf(kind, udp ? udpBucket(s) : tcpBucket(s), relayTo)});
    };
}

std::function<Bytes(const Scenario&)> tcp(uint8_t flags, Mac src = kClientMac) {
    return [=](const Scenario& s) {
        return clientFrame(s, kVip4, IPPROTO_TCP, 80, flags, kClientPort, std::nullopt, src);
    };
}
std::function<Bytes(const Scenario&)> udp(Mac src = kClientMac) {
    return [=](const Scenario& s) { return clientFrame(s, kVip4, IPPROTO_UDP, 53, 0, kClientPort, std::nullopt, src); };
}

CheckFn flowIs(farm_flow_key key, uint8_t kind, uint8_t relayTo = 0, uint8_t flags = 0) {
    return [=](const Scenario& s, BpfTestProgram& p) {
        auto f = p.readFlow(key);
        ASSERT_TRUE(f.has_value()) << "no flow in farm_flows";
        EXPECT_EQ(f->kind, kind);
        EXPECT_EQ(f->relay_to, relayTo);
        EXPECT_EQ(f->flags, flags);
        EXPECT_EQ(f->bucket, key.proto == IPPROTO_TCP ? tcpBucket(s) : udpBucket(s));
    };
}
CheckFn noFlow(farm_flow_key key) {
    return [=](const Scenario&, BpfTestProgram& p) { EXPECT_FALSE(p.readFlow(key).has_value()); };
}
CheckFn touched(farm_flow_key key) {  // last_seen_ns refreshed from the test's 1
    return [=](const Scenario&, BpfTestProgram& p) {
        auto f = p.readFlow(key);
        ASSERT_TRUE(f.has_value());
        EXPECT_GT(f->last_seen_ns, 1u);
    };
}

std::vector<Case> cases() {
    std::vector<Case> c;
    // The new owner (vmac_invisible).
    c.push_back({"NewOwnerSynAcceptedAndRecorded", iAmNew(), tcp(kTcpSyn), XDP_PASS, FARM_R_ACCEPT_NEW_FLOW, accepted(),
                 flowIs(tcpKey(), FARM_FLOW_OWN)});
    c.push_back({"NewOwnerSynAcceptedAndRecorded6", [](Scenario& s) { s.moving(s.bucketOf(kClient6), kOld, kMe); },
                 [](const Scenario& s) { return clientFrame(s, kVip6, IPPROTO_TCP, 80, kTcpSyn); }, XDP_PASS,
                 FARM_R_ACCEPT_NEW_FLOW, accepted(),
                 [](const Scenario& s, BpfTestProgram& p) {
                     auto f = p.readFlow(flowKey(kClient6, kClientPort, kVip6, 80, IPPROTO_TCP));
                     ASSERT_TRUE(f.has_value());
                     EXPECT_EQ(f->kind, FARM_FLOW_OWN);
                     EXPECT_EQ(f->bucket, s.bucketOf(kClient6));
                 }});
    c.push_back({"NewOwnerOwnFlowAccepted", with(iAmNew(), tcpKey(), FARM_FLOW_OWN), tcp(kTcpAck), XDP_PASS,
                 FARM_R_ACCEPT_FLOW, accepted(), touched(tcpKey())});
    c.push_back({"NewOwnerOtherAckDropped", iAmNew(), tcp(kTcpAck), XDP_DROP, FARM_R_DROP_TRANSITION_NEW, nullptr,
                 noFlow(tcpKey())});
    c.push_back({"NewOwnerSynAckIsNotSyn", iAmNew(), tcp(kTcpSyn | kTcpAck), XDP_DROP, FARM_R_DROP_TRANSITION_NEW});
    c.push_back({"NewOwnerUdpForeignDropped", with(iAmNew(), udpKey(), FARM_FLOW_FOREIGN, true), udp(), XDP_DROP,
                 FARM_R_DROP_TRANSITION_NEW, nullptr, flowIs(udpKey(), FARM_FLOW_FOREIGN)});
    c.push_back({"NewOwnerUdpNewFlowAccepted", iAmNew(), udp(), XDP_PASS, FARM_R_ACCEPT_NEW_FLOW, accepted(),
                 flowIs(udpKey(), FARM_FLOW_OWN)});
    c.push_back({"NewOwnerUdpOwnFlowAccepted", with(iAmNew(), udpKey(), FARM_FLOW_OWN, true), udp(), XDP_PASS,
                 FARM_R_ACCEPT_FLOW, accepted(), touched(udpKey())});

    // The old owner (vmac_invisible).
    c.push_back({"OldOwnerOwnFlowAccepted", with(iAmOld(), tcpKey(), FARM_FLOW_OWN), tcp(kTcpAck), XDP_PASS,
                 FARM_R_ACCEPT_FLOW, accepted(), flowIs(tcpKey(), FARM_FLOW_OWN)});
    c.push_back({"OldOwnerSynDropped", iAmOld(), tcp(kTcpSyn), XDP_DROP, FARM_R_DROP_TRANSITION_OLD, nullptr,
                 noFlow(tcpKey())});
    // A SYN on the 5-tuple of a flow the old owner recorded: the client
    // opens a new connection on a port it used before, so that flow is over.
    // The old owner forgets it; keeping it, it took the new connection's
    // packets (lab: requests unanswered for 2 s, eaten by a TIME_WAIT socket).
    c.push_back({"OldOwnerSynDroppedEvenForOwnFlow", with(iAmOld(), tcpKey(), FARM_FLOW_OWN), tcp(kTcpSyn), XDP_DROP,
                 FARM_R_DROP_TRANSITION_OLD, nullptr, noFlow(tcpKey())});
    c.push_back({"OldOwnerOtherAckDropped", iAmOld(), tcp(kTcpAck), XDP_DROP, FARM_R_DROP_TRANSITION_OLD});
    c.push_back({"OldOwnerForeignFlowDropped", with(iAmOld(), tcpKey(), FARM_FLOW_FOREIGN), tcp(kTcpAck), XDP_DROP,
                 FARM_R_DROP_TRANSITION_OLD});
    c.push_back({"OldOwnerFinRecorded", with(iAmOld(), tcpKey(), FARM_FLOW_OWN), tcp(kTcpFin | kTcpAck), XDP_PASS,
                 FARM_R_ACCEPT_FLOW, accepted(), flowIs(tcpKey(), FARM_FLOW_OWN, 0, FARM_FLOW_FIN)});
    c.push_back({"OldOwnerRstRecorded", with(iAmOld(), tcpKey(), FARM_FLOW_OWN), tcp(kTcpRst), XDP_PASS,
                 FARM_R_ACCEPT_FLOW, accepted(), flowIs(tcpKey(), FARM_FLOW_OWN, 0, FARM_FLOW_RST)});
    c.push_back({"OldOwnerUdpOwnFlowAccepted", with(iAmOld(), udpKey(), FARM_FLOW_OWN, true), udp(), XDP_PASS,
                 FARM_R_ACCEPT_FLOW, accepted()});
    c.push_back({"OldOwnerUdpNewFlowDropped", iAmOld(), udp(), XDP_DROP, FARM_R_DROP_TRANSITION_OLD, nullptr,
                 noFlow(udpKey())});
    c.push_back({"NeitherInvisibleDrops", iAmEntry(false), tcp(kTcpSyn), XDP_DROP, FARM_R_DROP_NOT_OWNER, nullptr,
                 noFlow(tcpKey())});
    c.push_back({"TransitionLeaseExpired",
                 [](Scenario& s) {
                     iAmNew()(s);
                     s.leaseNs = kLeaseExpired;
                 },
                 tcp(kTcpSyn), XDP_DROP, FARM_R_DROP_LEASE, nullptr, noFlow(tcpKey())});

    // vmac_directed: the entry node relays to whoever holds the flow.
    c.push_back({"EntrySynRelayedToNewOwnerAndRecorded", iAmEntry(), tcp(kTcpSyn), XDP_TX, FARM_R_TX_RELAY,
                 relayedTo(kMac2), flowIs(tcpKey(), FARM_FLOW_RELAYED, kNew)});
    c.push_back({"EntryRelayedFlowFollowsItsSyn", with(iAmEntry(), tcpKey(), FARM_FLOW_RELAYED, false, kNew),
                 tcp(kTcpAck), XDP_TX, FARM_R_TX_RELAY, relayedTo(kMac2)});
    c.push_back({"EntryOtherTcpToOldOwner", iAmEntry(), tcp(kTcpAck), XDP_TX, FARM_R_TX_RELAY, relayedTo(kMac0),
                 noFlow(tcpKey())});
    c.push_back({"EntryUdpToNewOwner", iAmEntry(), udp(), XDP_TX, FARM_R_TX_RELAY, relayedTo(kMac2)});
    c.push_back({"EntryFromPeerNeverRelayedTwice", iAmEntry(), tcp(kTcpSyn, kMac0), XDP_DROP, FARM_R_DROP_RELAY_LOOP,
                 nullptr, noFlow(tcpKey())});
    c.push_back({"DirectedNewOwnerSynKept", iAmNew(true), tcp(kTcpSyn, kMac0), XDP_PASS, FARM_R_ACCEPT_NEW_FLOW,
                 nullptr, flowIs(tcpKey(), FARM_FLOW_OWN)});
    c.push_back({"DirectedNewOwnerRelaysOldFlowToOldOwner", iAmNew(true), tcp(kTcpAck), XDP_TX, FARM_R_TX_RELAY,
                 relayedTo(kMac0)});
    c.push_back({"DirectedNewOwnerRelayedOldFlowDropped", iAmNew(true), tcp(kTcpAck, kMac2), XDP_DROP,
                 FARM_R_DROP_TRANSITION_NEW});
    // A UDP flow the old owner handed over, relayed here by a third entry node:
    // sent on to the old owner (the one second hop; the old owner never relays).
    c.push_back({"DirectedNewOwnerSendsHandedOverUdpToOldOwner", with(iAmNew(true), udpKey(), FARM_FLOW_FOREIGN, true),
                 udp(kMac2), XDP_TX, FARM_R_TX_RELAY, relayedTo(kMac0)});
    c.push_back(
        {"DirectedOldOwnerRelaysSynToNewOwner", iAmOld(true), tcp(kTcpSyn), XDP_TX, FARM_R_TX_RELAY, relayedTo(kMac2)});
    c.push_back({"DirectedOldOwnerSynOnAnOwnFlowsPortRelayedAndFlowForgotten",
                 with(iAmOld(true), tcpKey(), FARM_FLOW_OWN), tcp(kTcpSyn), XDP_TX, FARM_R_TX_RELAY, relayedTo(kMac2),
                 noFlow(tcpKey())});
    // A flow this node recorded while it owned the bucket is over once a
    // SYN on its 5-tuple goes to the bucket's owner: forgotten, so that when
    // the bucket comes back in transition the new connection's packets are
    // not taken (and reset) here. lab_farm's graceful stop with keep-alive
    // connections reset 1-3 of them before.
    c.push_back({"NotOwnerSynForgetsAStaleOwnFlow",
                 with([](Scenario& s) { s.own(tcpBucket(s), kOld); }, tcpKey(), FARM_FLOW_OWN), tcp(kTcpSyn), XDP_DROP,
                 FARM_R_DROP_NOT_OWNER, nullptr, noFlow(tcpKey())});
    c.push_back({"NotOwnerAckKeepsTheFlow",
                 with([](Scenario& s) { s.own(tcpBucket(s), kOld); }, tcpKey(), FARM_FLOW_OWN), tcp(kTcpAck), XDP_DROP,
                 FARM_R_DROP_NOT_OWNER, nullptr, flowIs(tcpKey(), FARM_FLOW_OWN)});
    c.push_back({"NeitherSynForgetsAStaleOwnFlow", with(iAmEntry(false), tcpKey(), FARM_FLOW_OWN), tcp(kTcpSyn),
                 XDP_DROP, FARM_R_DROP_NOT_OWNER, nullptr, noFlow(tcpKey())});
    c.push_back({"DirectedNotOwnerSynForgetsAStaleOwnFlow",
                 with(
                     [](Scenario& s) {
                         s.directed();
                         s.own(tcpBucket(s), kOld);
                     },
                     tcpKey(), FARM_FLOW_OWN),
                 tcp(kTcpSyn), XDP_TX, FARM_R_TX_RELAY, relayedTo(kMac0), noFlow(tcpKey())});
    c.push_back(
        {"DirectedOldOwnerRelayedSynDropped", iAmOld(true), tcp(kTcpSyn, kMac0), XDP_DROP, FARM_R_DROP_TRANSITION_OLD});
    c.push_back({"DirectedOldOwnerOwnFlowFromPeerKept", with(iAmOld(true), tcpKey(), FARM_FLOW_OWN),
                 tcp(kTcpAck, kMac2), XDP_PASS, FARM_R_ACCEPT_FLOW});
    return c;
}

SAFEFARM_FILTER_CASES(FarmFilterTransitionTest, Transition, cases());

}  // namespace
}  // namespace safefarm::test
