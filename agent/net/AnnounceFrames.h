// The frames that tell a LAN where a VIP is, built byte by byte (pure, tested
// without root). Ethernet source and the advertised MAC are separate on
// purpose: in vmac_invisible the vMAC goes only inside the payload and the
// Ethernet source is the node's own MAC, so the switch never learns the vMAC
// and keeps flooding frames to it to every node (DESIGN §1).
#pragma once

#include <cstdint>
#include <vector>

#include "common/NetAddr.h"

namespace safefarm::net {

inline constexpr Mac kBroadcastMac{0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
inline constexpr Mac kAllNodesMac{0x33, 0x33, 0x00, 0x00, 0x00, 0x01};  // ff02::1

// ARP request, sender IP = target IP = vip, sender MAC = senderMac, target
// MAC zero (RFC 5227 announcement), to broadcast. 42 bytes (the NIC pads).
// Empty when vip is not IPv4.
std::vector<uint8_t> buildGratuitousArp(const Mac& ethSrc, const Mac& senderMac, const IpAddr& vip);

// Unsolicited neighbour advertisement (RFC 4861 §7.2.6): from vip to ff02::1,
// hop limit 255, Override set, Solicited and Router clear, target vip, target
// link-layer option targetMac. 86 bytes. Empty when vip is not IPv6.
std::vector<uint8_t> buildUnsolicitedNa(const Mac& ethSrc, const Mac& targetMac, const IpAddr& vip);

}  // namespace safefarm::net
