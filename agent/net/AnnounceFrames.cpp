#include "net/AnnounceFrames.h"

#include <arpa/inet.h>
#include <netinet/in.h>

namespace safefarm::net {
namespace {

constexpr uint8_t kNeighborAdvert = 136;
constexpr uint8_t kOptTargetLinkAddr = 2;
constexpr uint8_t kNaOverride = 0x20;  // first byte of the flags word: R=0x80 S=0x40 O=0x20

void put(std::vector<uint8_t>& f, const void* p, size_t n) {
    auto* b = static_cast<const uint8_t*>(p);
    f.insert(f.end(), b, b + n);
}

void put16(std::vector<uint8_t>& f, uint16_t v) {
    f.push_back(static_cast<uint8_t>(v >> 8));
    f.push_back(static_cast<uint8_t>(v));
}

void ethernet(std::vector<uint8_t>& f, const Mac& dst, const Mac& src, uint16_t type) {
    put(f, dst.data(), 6);
    put(f, src.data(), 6);
    put16(f, type);
}

// Internet checksum over the IPv6 pseudo-header and the ICMPv6 message.
uint16_t icmpv6Checksum(const uint8_t* src, const uint8_t* dst, const uint8_t* msg, size_t len) {
    uint32_t sum = 0;
    auto add = [&](const uint8_t* p, size_t n) {
        for (size_t i = 0; i + 1 < n; i += 2) sum += (p[i] << 8) | p[i + 1];
        if (n % 2) sum += p[n - 1] << 8;
    };
    add(src, 16);
    add(dst, 16);
    sum += static_cast<uint32_t>(len >> 16) + static_cast<uint32_t>(len & 0xffff);
    sum += IPPROTO_ICMPV6;
    add(msg, len);
    while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
    return static_cast<uint16_t>(~sum);
}

}  // namespace

std::vector<uint8_t> buildGratuitousArp(const Mac& ethSrc, const Mac& senderMac, const IpAddr& vip) {
    if (vip.family != AF_INET) return {};
    std::vector<uint8_t> f;
    f.reserve(42);
    ethernet(f, kBroadcastMac, ethSrc, 0x0806);
    put16(f, 1);       // hardware: Ethernet
    put16(f, 0x0800);  // protocol: IPv4
    f.push_back(6);
    f.push_back(4);
    put16(f, 1);  // request: every host updates an entry it has, none has to answer
    put(f, senderMac.data(), 6);
    put(f, vip.words.data(), 4);
    put(f, Mac{}.data(), 6);
    put(f, vip.words.data(), 4);
    return f;
}

std::vector<uint8_t> buildUnsolicitedNa(const Mac& ethSrc, const Mac& targetMac, const IpAddr& vip) {
    if (vip.family != AF_INET6) return {};
    in6_addr allNodes{};
    inet_pton(AF_INET6, "ff02::1", &allNodes);
    const auto* src = reinterpret_cast<const uint8_t*>(vip.words.data());

    std::vector<uint8_t> icmp;
    icmp.reserve(32);
    icmp.push_back(kNeighborAdvert);
    icmp.push_back(0);  // code
    put16(icmp, 0);     // checksum, filled below
    icmp.push_back(kNaOverride);
    icmp.insert(icmp.end(), 3, 0);
    put(icmp, src, 16);  // target
    icmp.push_back(kOptTargetLinkAddr);
    icmp.push_back(1);  // option length in units of 8 bytes
    put(icmp, targetMac.data(), 6);
    uint16_t sum = icmpv6Checksum(src, allNodes.s6_addr, icmp.data(), icmp.size());
    icmp[2] = static_cast<uint8_t>(sum >> 8);
    icmp[3] = static_cast<uint8_t>(sum);

    std::vector<uint8_t> f;
    f.reserve(86);
    ethernet(f, kAllNodesMac, ethSrc, 0x86dd);
    f.push_back(0x60);  // version 6, traffic class and flow label 0
    f.insert(f.end(), 3, 0);
    put16(f, static_cast<uint16_t>(icmp.size()));
    f.push_back(IPPROTO_ICMPV6);
    f.push_back(255);  // hop limit: receivers drop NDP that crossed a router
    put(f, src, 16);
    put(f, allNodes.s6_addr, 16);
    put(f, icmp.data(), icmp.size());
    return f;
}

}  // namespace safefarm::net
