// ARP requests and neighbour solicitations for a VIP: exactly one node
// answers in place (XDP_TX), byte for byte; the Ethernet source is always the
// node's own MAC, the vMAC only inside the payload; peers' announcements are
// swallowed.
#include "FarmFilterFixture.h"

namespace safefarm::test {
namespace {

const Mac kSolicitedMac = mac("33:33:ff:00:01:00");  // for fd00::100
const IpAddr kSolicitedNode = ip("ff02::1:ff00:100");
const IpAddr kUnspecified = ip("::");
const IpAddr kAllNodes = ip("ff02::1");
const Mac kAllNodesMac = mac("33:33:00:00:00:01");
constexpr uint32_t kNaS = 0x40000000;
constexpr uint32_t kNaO = 0x20000000;

Bytes arpRequest(const IpAddr& target, const IpAddr& sender = kClient4, const Mac& from = kClientMac) {
    return PacketBuilder().eth(kBroadcast, from).arp(1, from, sender, kZeroMac, target).build();
}

// The reply this node must send to the client: built independently of the program.
OutFn arpReplyWith(Mac hw) {
    return [hw](const Scenario&, const Bytes&) {
        return PacketBuilder().eth(kClientMac, kMyMac).arp(2, hw, kVip4, kClientMac, kClient4).build();
    };
}

Bytes solicit(const IpAddr& target, const IpAddr& src = kClient6, bool hopByHop = false) {
    bool dad = src == kUnspecified;
    PacketBuilder b;
    b.eth(kSolicitedMac, kClientMac).ipv6(src, kSolicitedNode, 255);
    if (hopByHop) b.ipv6Ext(IPPROTO_HOPOPTS);
    b.ndpSolicit(target, dad ? std::nullopt : std::optional<Mac>(kClientMac));
    return b.build();
}

OutFn advertWith(Mac hw, bool dad = false) {
    return [hw, dad](const Scenario&, const Bytes&) {
        return PacketBuilder()
            .eth(dad ? kAllNodesMac : kClientMac, kMyMac)
            .ipv6(kVip6, dad ? kAllNodes : kClient6, 255)
            .ndpAdvert(kVip6, dad ? kNaO : (kNaS | kNaO), hw)
            .build();
    };
}

// Checks the answer on the wire by hand, not only against the builder.
CheckFn arpOnWire(Mac hw) {
    return [hw](const Scenario&, BpfTestProgram& p) {
        Bytes in = arpRequest(kVip4);
        RunResult r = p.run(in);
        ASSERT_EQ(r.out.size(), 42u);
        EXPECT_EQ(Bytes(r.out.begin(), r.out.begin() + 6), Bytes(kClientMac.begin(), kClientMac.end())) << "eth dst";
        EXPECT_EQ(Bytes(r.out.begin() + 6, r.out.begin() + 12), Bytes(kMyMac.begin(), kMyMac.end())) << "eth src";
        EXPECT_NE(Bytes(r.out.begin() + 6, r.out.begin() + 12), Bytes(kVmac.begin(), kVmac.end()))
            << "the vMAC must never be an Ethernet source";
        EXPECT_EQ(r.out[12], 0x08);
        EXPECT_EQ(r.out[13], 0x06);
        EXPECT_EQ(r.out[20], 0);
        EXPECT_EQ(r.out[21], 2) << "op = reply";
        EXPECT_EQ(Bytes(r.out.begin() + 22, r.out.begin() + 28), Bytes(hw.begin(), hw.end())) << "sha";
        EXPECT_EQ(Bytes(r.out.begin() + 28, r.out.begin() + 32), toBytes(kVip4)) << "spa";
        EXPECT_EQ(Bytes(r.out.begin() + 32, r.out.begin() + 38), Bytes(kClientMac.begin(), kClientMac.end())) << "tha";
        EXPECT_EQ(Bytes(r.out.begin() + 38, r.out.begin() + 42), toBytes(kClient4)) << "tpa";
    };
}

CheckFn naOnWire(Mac hw, bool dad) {
    return [hw, dad](const Scenario&, BpfTestProgram& p) {
        RunResult r = p.run(solicit(kVip6, dad ? kUnspecified : kClient6));
        ASSERT_EQ(r.out.size(), 86u) << "Ethernet 14 + IPv6 40 + NA 24 + TLLA 8";
        const uint8_t* ip6 = r.out.data() + 14;
        const uint8_t* na = ip6 + 40;
        EXPECT_NE(Bytes(r.out.begin() + 6, r.out.begin() + 12), Bytes(kVmac.begin(), kVmac.end()));
        EXPECT_EQ((ip6[4] << 8) | ip6[5], 32) << "payload length";
        EXPECT_EQ(ip6[6], IPPROTO_ICMPV6);
        EXPECT_EQ(ip6[7], 255) << "hop limit";
        EXPECT_EQ(na[0], 136);
        EXPECT_EQ(na[1], 0);
        EXPECT_EQ(na[4], dad ? 0x20 : 0x60) << "flags: S only when solicited by a unicast source, O always";
        EXPECT_EQ(na[24], 2) << "TLLA option";
        EXPECT_EQ(na[25], 1);
        EXPECT_EQ(Bytes(na + 26, na + 32), Bytes(hw.begin(), hw.end()));
        // The checksum, verified independently: the sum over pseudo header and message is 0.
        IpAddr src, dst;
        src.family = dst.family = AF_INET6;
        std::memcpy(src.words.data(), ip6 + 8, 16);
        std::memcpy(dst.words.data(), ip6 + 24, 16);
        EXPECT_EQ(src, kVip6);
        EXPECT_EQ(dst, dad ? kAllNodes : kClient6);
        EXPECT_EQ(l4Checksum(src, dst, IPPROTO_ICMPV6, na, 32), 0) << "ICMPv6 checksum";
        EXPECT_NE(na[2] | na[3], 0);
    };
}

void designated(Scenario& s) { s.spec.designated = kMe; }
void directedArpFilter(Scenario& s) {
    s.directed();
    s.spec.arpFilter = FARM_FILTER_ON_ADDR;
}

std::vector<Case> cases() {
    std::vector<Case> c;
    // ARP.
    c.push_back({"ArpInvisibleDesignatedAnswers", designated, [](const Scenario&) { return arpRequest(kVip4); }, XDP_TX,
                 FARM_R_TX_ARP_REPLY, arpReplyWith(kVmac), arpOnWire(kVmac)});
    c.push_back({"ArpInvisibleOthersSilent", nullptr, [](const Scenario&) { return arpRequest(kVip4); }, XDP_DROP,
                 FARM_R_DROP_NOT_RESPONDER});
    c.push_back({"ArpDirectedDesignatedAnswersWithOwnMac",
                 [](Scenario& s) {
                     s.directed();
                     designated(s);
                 },
                 [](const Scenario&) { return arpRequest(kVip4); }, XDP_TX, FARM_R_TX_ARP_REPLY, arpReplyWith(kMyMac),
                 arpOnWire(kMyMac)});
    c.push_back({"ArpDirectedHashOwnerAnswers",
                 [](Scenario& s) {
                     directedArpFilter(s);
                     s.own(s.bucketOf(kClient4));
                 },
                 [](const Scenario&) { return arpRequest(kVip4); }, XDP_TX, FARM_R_TX_ARP_REPLY, arpReplyWith(kMyMac)});
    c.push_back({"ArpDirectedNotHashOwnerSilentEvenIfDesignated",
                 [](Scenario& s) {
                     directedArpFilter(s);
                     designated(s);
                 },
                 [](const Scenario&) { return arpRequest(kVip4); }, XDP_DROP, FARM_R_DROP_NOT_RESPONDER});
    c.push_back({"ArpForSixteenthVip",
                 [](Scenario& s) {
                     designated(s);
                     s.spec.vips.clear();
                     for (int i = 1; i <= 15; i++) s.spec.vips.push_back(ip(("10.0.0." + std::to_string(i)).c_str()));
                     s.spec.vips.push_back(kVip4);
                     s.spec.rules.clear();
                 },
                 [](const Scenario&) { return arpRequest(kVip4); }, XDP_TX, FARM_R_TX_ARP_REPLY, arpReplyWith(kVmac)});
    c.push_back({"GratuitousArpRequestFromPeer", designated,
                 [](const Scenario&) {
                     return PacketBuilder().eth(kBroadcast, kMac0).arp(1, kVmac, kVip4, kZeroMac, kVip4).build();
                 },
                 XDP_DROP, FARM_R_DROP_VIP_ANNOUNCE});
    c.push_back({"GratuitousArpReplyFromPeer", designated,
                 [](const Scenario&) {
                     return PacketBuilder().eth(kBroadcast, kMac0).arp(2, kVmac, kVip4, kBroadcast, kVip4).build();
                 },
                 XDP_DROP, FARM_R_DROP_VIP_ANNOUNCE});
    c.push_back({"ArpReplyFromVipToClient", designated,
                 [](const Scenario&) {
                     return PacketBuilder().eth(kClientMac, kMac0).arp(2, kVmac, kVip4, kClientMac, kClient4).build();
                 },
                 XDP_DROP, FARM_R_DROP_VIP_ANNOUNCE});
    c.push_back({"ArpForOtherAddressUntouched", designated, [](const Scenario&) { return arpRequest(kOther4); },
                 XDP_PASS, FARM_R_PASS_OTHER});
    c.push_back({"ArpReplyToVipUntouched", designated,
                 [](const Scenario&) {
                     return PacketBuilder().eth(kMyMac, kClientMac).arp(2, kClientMac, kClient4, kVmac, kVip4).build();
                 },
                 XDP_PASS, FARM_R_PASS_OTHER});
    c.push_back({"ArpLeaseExpiredNoAnswer",
                 [](Scenario& s) {
                     designated(s);
                     s.leaseNs = kLeaseExpired;
                 },
                 [](const Scenario&) { return arpRequest(kVip4); }, XDP_DROP, FARM_R_DROP_LEASE});
    c.push_back({"ArpNoEpochUntouched", [](Scenario& s) { s.installed = false; },
                 [](const Scenario&) { return arpRequest(kVip4); }, XDP_PASS, FARM_R_PASS_OTHER});
    c.push_back({"ArpNotEthernetIpv4Untouched", designated,
                 [](const Scenario&) {
                     Bytes f = arpRequest(kVip4);
                     f[14 + 1] = 6;  // htype 6 (IEEE 802)
                     return f;
                 },
                 XDP_PASS, FARM_R_PASS_OTHER});

    // Neighbour discovery.
    c.push_back({"NsInvisibleDesignatedAnswers", designated, [](const Scenario&) { return solicit(kVip6); }, XDP_TX,
                 FARM_R_TX_NDP_ADVERT, advertWith(kVmac), naOnWire(kVmac, false)});
    c.push_back({"NsDadAnsweredToAllNodes", designated, [](const Scenario&) { return solicit(kVip6, kUnspecified); },
                 XDP_TX, FARM_R_TX_NDP_ADVERT, advertWith(kVmac, true), naOnWire(kVmac, true)});
    c.push_back({"NsWithHopByHopAnswered", designated, [](const Scenario&) { return solicit(kVip6, kClient6, true); },
                 XDP_TX, FARM_R_TX_NDP_ADVERT, advertWith(kVmac)});
    c.push_back({"NsDirectedDesignatedAnswersWithOwnMac",
                 [](Scenario& s) {
                     s.directed();
                     designated(s);
                 },
                 [](const Scenario&) { return solicit(kVip6); }, XDP_TX, FARM_R_TX_NDP_ADVERT, advertWith(kMyMac),
                 naOnWire(kMyMac, false)});
    c.push_back({"NsDirectedHashOwnerAnswers",
                 [](Scenario& s) {
                     directedArpFilter(s);
                     s.own(s.bucketOf(kClient6));
                 },
                 [](const Scenario&) { return solicit(kVip6); }, XDP_TX, FARM_R_TX_NDP_ADVERT, advertWith(kMyMac)});
    c.push_back({"NsDirectedNotHashOwnerSilent",
                 [](Scenario& s) {
                     directedArpFilter(s);
                     designated(s);
                 },
                 [](const Scenario&) { return solicit(kVip6); }, XDP_DROP, FARM_R_DROP_NOT_RESPONDER});
    c.push_back({"NsInvisibleOthersSilent", nullptr, [](const Scenario&) { return solicit(kVip6); }, XDP_DROP,
                 FARM_R_DROP_NOT_RESPONDER});
    c.push_back({"NsForOtherAddressUntouched", designated, [](const Scenario&) { return solicit(kOther6); }, XDP_PASS,
                 FARM_R_PASS_OTHER});
    c.push_back({"NsLeaseExpiredNoAnswer",
                 [](Scenario& s) {
                     designated(s);
                     s.leaseNs = kLeaseExpired;
                 },
                 [](const Scenario&) { return solicit(kVip6); }, XDP_DROP, FARM_R_DROP_LEASE});
    c.push_back({"UnsolicitedNaForVipFromPeer", designated,
                 [](const Scenario&) {
                     return PacketBuilder()
                         .eth(kAllNodesMac, kMac0)
                         .ipv6(kVip6, kAllNodes, 255)
                         .ndpAdvert(kVip6, kNaO, kVmac)
                         .build();
                 },
                 XDP_DROP, FARM_R_DROP_VIP_ANNOUNCE});
    c.push_back({"NaForOtherAddressUntouched", designated,
                 [](const Scenario&) {
                     return PacketBuilder()
                         .eth(kAllNodesMac, kMac0)
                         .ipv6(kOther6, kAllNodes, 255)
                         .ndpAdvert(kOther6, kNaO, kMac0)
                         .build();
                 },
                 XDP_PASS, FARM_R_PASS_OTHER});
    return c;
}

SAFEFARM_FILTER_CASES(FarmFilterNeighTest, Neigh, cases());

}  // namespace
}  // namespace safefarm::test
