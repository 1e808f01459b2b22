// VIP traffic in the steady state: ownership, delivery modes, rules, VIPs,
// fragments, IPv4 options, IPv6 extension headers, VLAN tags, lease, epoch 0.
#include "FarmFilterFixture.h"

namespace safefarm::test {
namespace {

void ownAddr4(Scenario& s) { s.own(s.bucketOf(kClient4)); }
void ownAddr6(Scenario& s) { s.own(s.bucketOf(kClient6)); }

std::function<Bytes(const Scenario&)> tcpTo(const IpAddr& vip, uint16_t port, uint8_t flags = kTcpAck) {
    return [vip, port, flags](const Scenario& s) { return clientFrame(s, vip, IPPROTO_TCP, port, flags); };
}
std::function<Bytes(const Scenario&)> udpTo(const IpAddr& vip, uint16_t port) {
    return [vip, port](const Scenario& s) { return clientFrame(s, vip, IPPROTO_UDP, port); };
}

CheckFn bucketCounted(std::function<uint32_t(const Scenario&)> bucket) {
    return [bucket](const Scenario& s, BpfTestProgram& p) {
        auto n = p.bucketPackets(bucket(s));
        ASSERT_TRUE(n.ok());
        EXPECT_EQ(n.value(), 1u) << "farm_bkt_count of the client's bucket";
    };
}

CheckFn noFlows() {
    return [](const Scenario&, BpfTestProgram& p) { EXPECT_EQ(p.flowCount(), 0u); };
}

CheckFn flowRecorded(const IpAddr& client, const IpAddr& vip, uint16_t dport, uint8_t proto,
                     std::function<uint32_t(const Scenario&)> bucket) {
    return [=](const Scenario& s, BpfTestProgram& p) {
        auto f = p.readFlow(flowKey(client, kClientPort, vip, dport, proto));
        ASSERT_TRUE(f.has_value()) << "flow not recorded in farm_flows";
        EXPECT_EQ(f->kind, FARM_FLOW_OWN);
        EXPECT_EQ(f->bucket, bucket(s));
        EXPECT_GT(f->last_seen_ns, 0u);
        EXPECT_EQ(p.flowCount(), 1u);
    };
}

// 16 VIPs: 10.0.0.1 .. 10.0.0.15, then kVip4 as the 16th (index 15).
void sixteenVips(Scenario& s) {
    s.spec.vips.clear();
    for (int i = 1; i <= 15; i++) s.spec.vips.push_back(ip(("10.0.0." + std::to_string(i)).c_str()));
    s.spec.vips.push_back(kVip4);
    s.spec.rules = {FarmRule{uint8_t{15}, IPPROTO_TCP, 80, FARM_FILTER_ON_ADDR}};
}

// 64 rules: 63 that do not match (UDP ports 1000..1062), the 64th tcp/443 on_port.
void sixtyFourRules(Scenario& s) {
    s.spec.rules.clear();
    for (uint16_t i = 0; i < 63; i++)
        s.spec.rules.push_back(
            FarmRule{std::nullopt, IPPROTO_UDP, static_cast<uint16_t>(1000 + i), FARM_FILTER_ON_ADDR});
    s.spec.rules.push_back(FarmRule{std::nullopt, IPPROTO_TCP, 443, FARM_FILTER_ON_PORT});
}

Bytes ipv4WithOptions(const Scenario& s, uint16_t dport) {
    Ipv4Options o;
    o.options = {0x94, 0x04, 0x00, 0x00, 0x01, 0x01, 0x01, 0x00};  // router alert, NOPs, EOL
    return PacketBuilder()
        .eth(s.vipMac(), kClientMac)
        .ipv4(kClient4, kVip4, o)
        .tcp(kClientPort, dport, kTcpAck)
        .payload(8)
        .build();
}

Bytes ipv6Chain(const Scenario& s, std::vector<uint8_t> exts, uint16_t dport) {
    PacketBuilder b;
    b.eth(s.vipMac(), kClientMac).ipv6(kClient6, kVip6);
    for (uint8_t e : exts) b.ipv6Ext(e, e == IPPROTO_ROUTING ? 1 : 0);
    return b.tcp(kClientPort, dport, kTcpAck).payload(8).build();
}

// An ICMP error from a router about a packet VIP:80 -> client sent: type 3
// (destination unreachable; code 4, fragmentation needed) for IPv4, type 2
// (packet too big) for IPv6. quotedSrc: who the quoted packet came from.
const IpAddr kRouter4 = ip("10.9.9.9");
const IpAddr kRouter6 = ip("fd09::9");

std::function<Bytes(const Scenario&)> icmpError4(const IpAddr& quotedSrc, uint8_t type = 3) {
    return [=](const Scenario& s) {
        Bytes quoted = PacketBuilder().ipv4(quotedSrc, kClient4).tcp(80, kClientPort, kTcpAck).build();
        quoted.resize(28);  // what routers quote: the IP header and 8 bytes
        Bytes icmp(8 + quoted.size());
        icmp[0] = type;
        icmp[1] = 4;     // fragmentation needed
        icmp[6] = 0x05;  // next-hop MTU 1500
        icmp[7] = 0xdc;
        std::copy(quoted.begin(), quoted.end(), icmp.begin() + 8);
        Ipv4Options o;
        o.protocol = IPPROTO_ICMP;
        return PacketBuilder().eth(s.vipMac(), kClientMac).ipv4(kRouter4, kVip4, o).payload(icmp).build();
    };
}

std::function<Bytes(const Scenario&)> icmpTooBig6(const IpAddr& quotedSrc) {
    return [=](const Scenario& s) {
        Bytes quoted = PacketBuilder().ipv6(quotedSrc, kClient6).tcp(80, kClientPort, kTcpAck).build();
        Bytes frame =
            PacketBuilder().eth(s.vipMac(), kClientMac).ipv6(kRouter6, kVip6).icmpv6Echo().payload(quoted).build();
        frame[14 + 40] = 2;  // packet too big (the filter does not check ICMP checksums)
        return frame;
    };
}

std::vector<Case> cases() {
    std::vector<Case> c;
    // Ownership, vmac_invisible.
    c.push_back({"InvisibleTcp4Owned", ownAddr4, tcpTo(kVip4, 80), XDP_PASS, FARM_R_ACCEPT_OWNER, accepted(),
                 bucketCounted([](const Scenario& s) { return s.bucketOf(kClient4); })});
    c.push_back({"InvisibleTcp4NotOwned", nullptr, tcpTo(kVip4, 80), XDP_DROP, FARM_R_DROP_NOT_OWNER, nullptr,
                 bucketCounted([](const Scenario& s) { return s.bucketOf(kClient4); })});
    c.push_back(
        {"InvisibleTcp6Owned", ownAddr6, tcpTo(kVip6, 80), XDP_PASS, FARM_R_ACCEPT_OWNER, accepted(), noFlows()});
    c.push_back({"InvisibleTcp6NotOwned", nullptr, tcpTo(kVip6, 80), XDP_DROP, FARM_R_DROP_NOT_OWNER});
    c.push_back({"InvisibleUdp4Owned", [](Scenario& s) { s.own(s.bucketOf(kClient4, kClientPort)); }, udpTo(kVip4, 53),
                 XDP_PASS, FARM_R_ACCEPT_OWNER, accepted(),
                 flowRecorded(kClient4, kVip4, 53, IPPROTO_UDP,
                              [](const Scenario& s) { return s.bucketOf(kClient4, kClientPort); })});
    c.push_back(
        {"InvisibleUdp4NotOwned", ownAddr4, udpTo(kVip4, 53), XDP_DROP, FARM_R_DROP_NOT_OWNER, nullptr, noFlows()});
    c.push_back({"InvisibleUdp6Owned", [](Scenario& s) { s.own(s.bucketOf(kClient6, kClientPort)); }, udpTo(kVip6, 53),
                 XDP_PASS, FARM_R_ACCEPT_OWNER, accepted(),
                 flowRecorded(kClient6, kVip6, 53, IPPROTO_UDP,
                              [](const Scenario& s) { return s.bucketOf(kClient6, kClientPort); })});
    c.push_back({"InvisibleUdp6NotOwned", nullptr, udpTo(kVip6, 53), XDP_DROP, FARM_R_DROP_NOT_OWNER});
    c.push_back(
        {"SteadySynRecordsFlow", ownAddr4, tcpTo(kVip4, 80, kTcpSyn), XDP_PASS, FARM_R_ACCEPT_OWNER, accepted(),
         flowRecorded(kClient4, kVip4, 80, IPPROTO_TCP, [](const Scenario& s) { return s.bucketOf(kClient4); })});
    c.push_back(
        {"SteadyAckRecordsNothing", ownAddr4, tcpTo(kVip4, 80), XDP_PASS, FARM_R_ACCEPT_OWNER, accepted(), noFlows()});
    c.push_back({"SteadyIgnoresForeignFlowTable",
                 [](Scenario& s) {
                     ownAddr4(s);
                     s.flows.push_back({flowKey(kClient4, kClientPort, kVip4, 80, IPPROTO_TCP),
                                        flowOf(FARM_FLOW_FOREIGN, s.bucketOf(kClient4))});
                 },
                 tcpTo(kVip4, 80), XDP_PASS, FARM_R_ACCEPT_OWNER, accepted()});

    // vmac_directed.
    c.push_back({"DirectedOwnedNotRewritten",
                 [](Scenario& s) {
                     s.directed();
                     ownAddr4(s);
                 },
                 tcpTo(kVip4, 80), XDP_PASS, FARM_R_ACCEPT_OWNER});
    c.push_back({"DirectedRelayToOwner",
                 [](Scenario& s) {
                     s.directed();
                     s.own(s.bucketOf(kClient4), 2);
                 },
                 tcpTo(kVip4, 80), XDP_TX, FARM_R_TX_RELAY, relayedTo(kMac2)});
    c.push_back({"DirectedRelayToOwner6",
                 [](Scenario& s) {
                     s.directed();
                     s.own(s.bucketOf(kClient6), 0);
                 },
                 tcpTo(kVip6, 80), XDP_TX, FARM_R_TX_RELAY, relayedTo(kMac0)});
    c.push_back({"DirectedRelayedFromPeerNotOwned",
                 [](Scenario& s) {
                     s.directed();
                     s.own(s.bucketOf(kClient4), 2);
                 },
                 [](const Scenario& s) {
                     return clientFrame(s, kVip4, IPPROTO_TCP, 80, kTcpAck, kClientPort, std::nullopt, kMac0);
                 },
                 XDP_DROP, FARM_R_DROP_RELAY_LOOP});
    c.push_back({"DirectedRelayedFromPeerOwned",
                 [](Scenario& s) {
                     s.directed();
                     ownAddr4(s);
                 },
                 [](const Scenario& s) {
                     return clientFrame(s, kVip4, IPPROTO_TCP, 80, kTcpAck, kClientPort, std::nullopt, kMac0);
                 },
                 XDP_PASS, FARM_R_ACCEPT_OWNER});
    c.push_back({"DirectedOwnerMacUnknown",
                 [](Scenario& s) {
                     s.directed();
                     s.own(s.bucketOf(kClient4), FARM_NODE_NONE);
                 },
                 tcpTo(kVip4, 80), XDP_DROP, FARM_R_DROP_NO_PEER});
    c.push_back({"DirectedOwnerMacNotHeardYet",
                 [](Scenario& s) {
                     s.directed();
                     s.own(s.bucketOf(kClient4), 2);
                     for (auto& p : s.spec.peers)
                         if (p.id == 2) p.mac = Mac{};
                 },
                 tcpTo(kVip4, 80), XDP_DROP, FARM_R_DROP_NO_PEER});
    c.push_back({"DirectedToVmacIsNotFarmTraffic",
                 [](Scenario& s) {
                     s.directed();
                     ownAddr4(s);
                 },
                 [](const Scenario& s) { return clientFrame(s, kVip4, IPPROTO_TCP, 80, kTcpAck, kClientPort, kVmac); },
                 XDP_PASS, FARM_R_PASS_OTHER});

    // No rule: the designated node.
    c.push_back({"NoRuleDesignatedAccepts", [](Scenario& s) { s.spec.designated = kMe; }, tcpTo(kVip4, 22), XDP_PASS,
                 FARM_R_ACCEPT_DESIGNATED, accepted()});
    c.push_back({"NoRuleOthersDrop", ownAddr4, tcpTo(kVip4, 22), XDP_DROP, FARM_R_DROP_NOT_DESIGNATED});
    c.push_back({"NoRuleUdp6DesignatedAccepts", [](Scenario& s) { s.spec.designated = kMe; }, udpTo(kVip6, 9999),
                 XDP_PASS, FARM_R_ACCEPT_DESIGNATED, accepted(), noFlows()});
    c.push_back({"NoRuleIcmp4Designated", [](Scenario& s) { s.spec.designated = kMe; },
                 [](const Scenario& s) {
                     Ipv4Options o;
                     o.protocol = 1;  // ICMP echo request
                     return PacketBuilder()
                         .eth(s.vipMac(), kClientMac)
                         .ipv4(kClient4, kVip4, o)
                         .payload({8, 0, 0xf7, 0xff, 0, 0, 0, 0})
                         .build();
                 },
                 XDP_PASS, FARM_R_ACCEPT_DESIGNATED, accepted()});
    c.push_back({"NoRuleIcmp6EchoOthersDrop", nullptr,
                 [](const Scenario& s) {
                     return PacketBuilder().eth(s.vipMac(), kClientMac).ipv6(kClient6, kVip6).icmpv6Echo().build();
                 },
                 XDP_DROP, FARM_R_DROP_NOT_DESIGNATED});
    c.push_back({"NoRuleDirectedRelaysToDesignated", [](Scenario& s) { s.directed(); }, tcpTo(kVip4, 22), XDP_TX,
                 FARM_R_TX_RELAY, relayedTo(kMac0)});
    c.push_back({"NoRuleNoDesignatedNoPeer",
                 [](Scenario& s) {
                     s.directed();
                     s.spec.designated = FARM_NODE_NONE;
                 },
                 tcpTo(kVip4, 22), XDP_DROP, FARM_R_DROP_NO_PEER});

    // Rules: any port, per VIP, limits.
    c.push_back({"AnyPortRule",
                 [](Scenario& s) {
                     s.spec.rules = {FarmRule{std::nullopt, IPPROTO_TCP, 0, FARM_FILTER_ON_ADDR}};
                     ownAddr4(s);
                 },
                 tcpTo(kVip4, 8080), XDP_PASS, FARM_R_ACCEPT_OWNER, accepted()});
    c.push_back({"AnyPortRuleNotOwned",
                 [](Scenario& s) {
                     s.spec.rules = {FarmRule{std::nullopt, IPPROTO_TCP, 0, FARM_FILTER_ON_ADDR}};
                 },
                 tcpTo(kVip4, 8080), XDP_DROP, FARM_R_DROP_NOT_OWNER});
    c.push_back({"RuleForOtherVipDoesNotMatch",
                 [](Scenario& s) {
                     s.spec.rules = {FarmRule{uint8_t{1}, IPPROTO_TCP, 80, FARM_FILTER_ON_ADDR}};
                     ownAddr4(s);
                 },
                 tcpTo(kVip4, 80), XDP_DROP, FARM_R_DROP_NOT_DESIGNATED});
    c.push_back({"RuleForThisVipMatches",
                 [](Scenario& s) {
                     s.spec.rules = {FarmRule{uint8_t{1}, IPPROTO_TCP, 80, FARM_FILTER_ON_ADDR}};
                     ownAddr6(s);
                 },
                 tcpTo(kVip6, 80), XDP_PASS, FARM_R_ACCEPT_OWNER, accepted()});
    c.push_back({"RuleProtoMismatch",
                 [](Scenario& s) {
                     s.spec.rules = {FarmRule{std::nullopt, IPPROTO_UDP, 80, FARM_FILTER_ON_ADDR}};
                     ownAddr4(s);
                 },
                 tcpTo(kVip4, 80), XDP_DROP, FARM_R_DROP_NOT_DESIGNATED});
    c.push_back({"SixteenthVip",
                 [](Scenario& s) {
                     sixteenVips(s);
                     ownAddr4(s);
                 },
                 tcpTo(kVip4, 80), XDP_PASS, FARM_R_ACCEPT_OWNER, accepted()});
    c.push_back({"SixteenthVipNotOwned", sixteenVips, tcpTo(kVip4, 80), XDP_DROP, FARM_R_DROP_NOT_OWNER});
    c.push_back({"FirstOfSixteenVips",
                 [](Scenario& s) {
                     sixteenVips(s);
                     s.spec.designated = kMe;
                 },
                 tcpTo(ip("10.0.0.1"), 80), XDP_PASS, FARM_R_ACCEPT_DESIGNATED, accepted()});
    c.push_back({"SixtyFourthRule",
                 [](Scenario& s) {
                     sixtyFourRules(s);
                     s.own(s.bucketOf(kClient4, kClientPort));
                 },
                 tcpTo(kVip4, 443), XDP_PASS, FARM_R_ACCEPT_OWNER, accepted()});
    c.push_back({"SixtyFourthRuleUsesItsFilter",
                 [](Scenario& s) {
                     sixtyFourRules(s);
                     ownAddr4(s);  // the on_addr bucket: not the one the on_port rule picks
                 },
                 tcpTo(kVip4, 443), XDP_DROP, FARM_R_DROP_NOT_OWNER});

    // Not farm traffic: untouched.
    c.push_back(
        {"OtherDstMacUntouched", ownAddr4,
         [](const Scenario& s) { return clientFrame(s, kVip4, IPPROTO_TCP, 80, kTcpAck, kClientPort, kOtherMac); },
         XDP_PASS, FARM_R_PASS_OTHER});
    c.push_back({"MyMacInInvisibleModeUntouched", nullptr,
                 [](const Scenario& s) { return clientFrame(s, kVip4, IPPROTO_TCP, 80, kTcpAck, kClientPort, kMyMac); },
                 XDP_PASS, FARM_R_PASS_OTHER});
    c.push_back({"NotAVipUntouched", nullptr, tcpTo(kOther4, 80), XDP_PASS, FARM_R_PASS_OTHER});
    c.push_back({"NotAVip6Untouched", nullptr, tcpTo(kOther6, 80), XDP_PASS, FARM_R_PASS_OTHER});
    c.push_back({"OtherEthertypeUntouched", nullptr,
                 [](const Scenario& s) {
                     return PacketBuilder().eth(s.vipMac(), kClientMac).ethType(0x88b5).payload(46).build();
                 },
                 XDP_PASS, FARM_R_PASS_OTHER});
    c.push_back({"Vlan8021QPassedUntouched", ownAddr4,
                 [](const Scenario& s) {
                     return PacketBuilder()
                         .eth(s.vipMac(), kClientMac)
                         .vlan(10)
                         .ipv4(kClient4, kVip4)
                         .tcp(kClientPort, 80, kTcpAck)
                         .build();
                 },
                 XDP_PASS, FARM_R_PASS_VLAN});
    c.push_back({"Vlan8021adPassedUntouched", nullptr,
                 [](const Scenario& s) {
                     return PacketBuilder()
                         .eth(s.vipMac(), kClientMac)
                         .vlan(10, 0x88a8)
                         .vlan(20)
                         .ipv6(kClient6, kVip6)
                         .udp(kClientPort, 53)
                         .build();
                 },
                 XDP_PASS, FARM_R_PASS_VLAN});

    // Lease and epoch.
    c.push_back({"LeaseExpiredDrops",
                 [](Scenario& s) {
                     ownAddr4(s);
                     s.leaseNs = kLeaseExpired;
                 },
                 tcpTo(kVip4, 80), XDP_DROP, FARM_R_DROP_LEASE, nullptr, noFlows()});
    c.push_back({"LeaseExpiredDropsDesignated",
                 [](Scenario& s) {
                     s.spec.designated = kMe;
                     s.leaseNs = kLeaseExpired;
                 },
                 tcpTo(kVip6, 22), XDP_DROP, FARM_R_DROP_LEASE});
    c.push_back({"LeaseExpiredOtherTrafficPasses", [](Scenario& s) { s.leaseNs = kLeaseExpired; }, tcpTo(kOther4, 80),
                 XDP_PASS, FARM_R_PASS_OTHER});
    c.push_back({"NoEpochPassesUntouched", [](Scenario& s) { s.installed = false; }, tcpTo(kVip4, 80), XDP_PASS,
                 FARM_R_PASS_OTHER, nullptr, noFlows()});

    // IPv4 options and IPv6 extension headers: ports are read after them (on_port).
    c.push_back({"Ipv4OptionsOwned", [](Scenario& s) { s.own(s.bucketOf(kClient4, kClientPort)); },
                 [](const Scenario& s) { return ipv4WithOptions(s, 443); }, XDP_PASS, FARM_R_ACCEPT_OWNER, accepted()});
    c.push_back({"Ipv4OptionsNotOwned", ownAddr4, [](const Scenario& s) { return ipv4WithOptions(s, 443); }, XDP_DROP,
                 FARM_R_DROP_NOT_OWNER});
    c.push_back({"Ipv4BadIhlMalformed", nullptr,
                 [](const Scenario& s) {
                     Bytes f = clientFrame(s, kVip4, IPPROTO_TCP, 80);
                     f[14] = 0x44;  // IHL 4: shorter than the fixed header
                     return f;
                 },
                 XDP_DROP, FARM_R_DROP_MALFORMED});
    c.push_back({"Ipv4BadIhlDirectedPasses", [](Scenario& s) { s.directed(); },
                 [](const Scenario& s) {
                     Bytes f = clientFrame(s, kVip4, IPPROTO_TCP, 80);
                     f[14] = 0x44;
                     return f;
                 },
                 XDP_PASS, FARM_R_PASS_OTHER});
    c.push_back({"Ipv6HopByHopOwned", [](Scenario& s) { s.own(s.bucketOf(kClient6, kClientPort)); },
                 [](const Scenario& s) { return ipv6Chain(s, {IPPROTO_HOPOPTS}, 443); }, XDP_PASS, FARM_R_ACCEPT_OWNER,
                 accepted()});
    c.push_back({"Ipv6ChainOfFourOwned", [](Scenario& s) { s.own(s.bucketOf(kClient6, kClientPort)); },
                 [](const Scenario& s) {
                     return ipv6Chain(s, {IPPROTO_HOPOPTS, IPPROTO_DSTOPTS, IPPROTO_ROUTING, IPPROTO_DSTOPTS}, 443);
                 },
                 XDP_PASS, FARM_R_ACCEPT_OWNER, accepted()});
    c.push_back({"Ipv6ChainOfFourNotOwned", ownAddr6,
                 [](const Scenario& s) {
                     return ipv6Chain(s, {IPPROTO_HOPOPTS, IPPROTO_DSTOPTS, IPPROTO_ROUTING, IPPROTO_DSTOPTS}, 443);
                 },
                 XDP_DROP, FARM_R_DROP_NOT_OWNER});
    c.push_back({"Ipv6ChainOfFiveMalformed", [](Scenario& s) { s.own(s.bucketOf(kClient6, kClientPort)); },
                 [](const Scenario& s) {
                     return ipv6Chain(
                         s, {IPPROTO_HOPOPTS, IPPROTO_DSTOPTS, IPPROTO_ROUTING, IPPROTO_DSTOPTS, IPPROTO_DSTOPTS}, 443);
                 },
                 XDP_DROP, FARM_R_DROP_MALFORMED});
    c.push_back({"Ipv6RoutingThenDestOptsUdp", [](Scenario& s) { s.own(s.bucketOf(kClient6, kClientPort)); },
                 [](const Scenario& s) {
                     return PacketBuilder()
                         .eth(s.vipMac(), kClientMac)
                         .ipv6(kClient6, kVip6)
                         .ipv6Ext(IPPROTO_ROUTING, 1)
                         .ipv6Ext(IPPROTO_DSTOPTS, 2)
                         .udp(kClientPort, 53)
                         .payload(8)
                         .build();
                 },
                 XDP_PASS, FARM_R_ACCEPT_OWNER, accepted()});
    // ICMP errors follow the flow they quote, so path MTU discovery works on every node.
    c.push_back(
        {"IcmpFragNeededToTheFlowOwner", ownAddr4, icmpError4(kVip4), XDP_PASS, FARM_R_ACCEPT_OWNER, accepted()});
    c.push_back({"IcmpFragNeededNotOurFlow", nullptr, icmpError4(kVip4), XDP_DROP, FARM_R_DROP_NOT_OWNER});
    c.push_back(
        {"IcmpTimeExceededToTheFlowOwner", ownAddr4, icmpError4(kVip4, 11), XDP_PASS, FARM_R_ACCEPT_OWNER, accepted()});
    c.push_back(
        {"IcmpErrorNotAboutTheVipToDesignated", ownAddr4, icmpError4(kOther4), XDP_DROP, FARM_R_DROP_NOT_DESIGNATED});
    c.push_back(
        {"Icmp6PacketTooBigToTheFlowOwner", ownAddr6, icmpTooBig6(kVip6), XDP_PASS, FARM_R_ACCEPT_OWNER, accepted()});
    c.push_back({"Icmp6PacketTooBigNotOurFlow", nullptr, icmpTooBig6(kVip6), XDP_DROP, FARM_R_DROP_NOT_OWNER});
    return c;
}

SAFEFARM_FILTER_CASES(FarmFilterIpTest, Steady, cases());

}  // namespace
}  // namespace safefarm::test
