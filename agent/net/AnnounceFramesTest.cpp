// The announcement frames, byte by byte (no root needed).
#include "net/AnnounceFrames.h"

#include <gtest/gtest.h>

namespace safefarm::net {
namespace {

const Mac kNodeMac{0x02, 0x00, 0x00, 0x00, 0x00, 0x10};
const Mac kVmac{0x5a, 0xfe, 0xc6, 0x12, 0x00, 0x64};

// RFC 1071 over the IPv6 pseudo-header and the ICMPv6 message, written apart
// from the builder's so a shared mistake cannot hide.
uint16_t onesComplementSum(const std::vector<uint8_t>& frame) {
    const size_t ip = 14, icmp = ip + 40;
    size_t len = frame.size() - icmp;
    std::vector<uint8_t> d(frame.begin() + ip + 8, frame.begin() + ip + 40);  // src, dst
    for (int shift : {24, 16, 8, 0}) d.push_back(static_cast<uint8_t>(len >> shift));
    d.insert(d.end(), {0, 0, 0, 58});
    d.insert(d.end(), frame.begin() + icmp, frame.end());
    if (d.size() % 2) d.push_back(0);
    uint32_t sum = 0;
    for (size_t i = 0; i < d.size(); i += 2) sum += (d[i] << 8) | d[i + 1];
    while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
    return static_cast<uint16_t>(sum);
}

TEST(AnnounceFramesTest, GratuitousArpIsARequestFromTheVipToItself) {
    auto f = buildGratuitousArp(kNodeMac, kVmac, parseIp("198.18.0.100").value());
    const std::vector<uint8_t> expected = {
        0xff, 0xff, 0xff, 0xff, 0xff, 0xff,  // to everyone
        0x02, 0x00, 0x00, 0x00, 0x00, 0x10,  // from the node's own MAC, never the vMAC
        0x08, 0x06,                          // ARP
        0x00, 0x01, 0x08, 0x00, 6,    4,     // Ethernet / IPv4
        0x00, 0x01,                          // request
        0x5a, 0xfe, 0xc6, 0x12, 0x00, 0x64,  // sender MAC: the vMAC
        198,  18,   0,    100,               // sender IP: the VIP
        0,    0,    0,    0,    0,    0,     // target MAC: unknown
        198,  18,   0,    100,               // target IP: the VIP again
    };
    EXPECT_EQ(f, expected);
}

TEST(AnnounceFramesTest, UnsolicitedNaOverridesToAllNodes) {
    auto f = buildUnsolicitedNa(kNodeMac, kVmac, parseIp("2001:db8::100").value());
    const std::vector<uint8_t> expected = {
        0x33, 0x33, 0x00, 0x00, 0x00, 0x01,             // ff02::1
        0x02, 0x00, 0x00, 0x00, 0x00, 0x10,             // the node's own MAC
        0x86, 0xdd,                                     // IPv6
        0x60, 0,    0,    0,    0x00, 32,   58,   255,  // payload 32, ICMPv6, hop limit 255
        0x20, 0x01, 0x0d, 0xb8, 0,    0,    0,    0,    0, 0, 0, 0, 0, 0, 0x01, 0x00,  // from the VIP
        0xff, 0x02, 0,    0,    0,    0,    0,    0,    0, 0, 0, 0, 0, 0, 0,    0x01,  // to all nodes
        136,  0,    0xd7, 0xb8,  // neighbour advertisement, checksum
        0x20, 0,    0,    0,     // Override only
        0x20, 0x01, 0x0d, 0xb8, 0,    0,    0,    0,    0, 0, 0, 0, 0, 0, 0x01, 0x00,  // target: the VIP
        2,    1,    0x5a, 0xfe, 0xc6, 0x12, 0x00, 0x64,                                // target link-layer: vMAC
    };
    EXPECT_EQ(f, expected);
    EXPECT_EQ(onesComplementSum(f), 0xffff) << "the ICMPv6 checksum does not verify";
}

TEST(AnnounceFramesTest, ChecksumFollowsTheContent) {
    auto vip = parseIp("fd00::1:2:3").value();
    for (const Mac& m : {kVmac, Mac{0x02, 0x42, 0xac, 0x11, 0x00, 0x02}, Mac{}})
        EXPECT_EQ(onesComplementSum(buildUnsolicitedNa(kNodeMac, m, vip)), 0xffff) << formatMac(m);
}

TEST(AnnounceFramesTest, WrongFamilyBuildsNothing) {
    EXPECT_TRUE(buildGratuitousArp(kNodeMac, kVmac, parseIp("2001:db8::1").value()).empty());
    EXPECT_TRUE(buildUnsolicitedNa(kNodeMac, kVmac, parseIp("198.18.0.1").value()).empty());
}

}  // namespace
}  // namespace safefarm::net
