// Builds test frames layer by layer: Ethernet (+802.1Q), ARP, IPv4 (with
// options and fragments), IPv6 (with extension headers, fragment header),
// TCP, UDP, ICMPv6 neighbour solicitation/advertisement. Ethertypes, next
// headers, lengths and checksums are filled in by build(), so a test states
// only what it cares about; layerStarts() gives every header boundary for
// truncation tests.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

#include "common/NetAddr.h"

namespace safefarm::test {

using Bytes = std::vector<uint8_t>;

// TCP flag bits as in header byte 13.
inline constexpr uint8_t kTcpFin = 0x01;
inline constexpr uint8_t kTcpSyn = 0x02;
inline constexpr uint8_t kTcpRst = 0x04;
inline constexpr uint8_t kTcpPsh = 0x08;
inline constexpr uint8_t kTcpAck = 0x10;

struct Ipv4Options {
    uint16_t id = 0x1234;
    uint16_t fragOffset = 0;  // in units of 8 bytes
    bool moreFragments = false;
    uint8_t ttl = 64;
    std::optional<uint8_t> protocol;  // default: from the next layer
    Bytes options;                    // padded to a multiple of 4 bytes
};

class PacketBuilder {
public:
    PacketBuilder& eth(const Mac& dst, const Mac& src);
    PacketBuilder& ethType(uint16_t type);  // override the Ethernet type
    PacketBuilder& vlan(uint16_t vid, uint16_t tpid = 0x8100);
    PacketBuilder& arp(uint16_t op, const Mac& sha, const IpAddr& spa, const Mac& tha, const IpAddr& tpa);
    PacketBuilder& ipv4(const IpAddr& src, const IpAddr& dst, const Ipv4Options& opt = {});
    PacketBuilder& ipv6(const IpAddr& src, const IpAddr& dst, uint8_t hopLimit = 64);
    // Hop-by-hop (0), routing (43) or destination options (60); 8 * (len8 + 1) bytes.
    PacketBuilder& ipv6Ext(uint8_t type, uint8_t len8 = 0);
    PacketBuilder& ipv6Frag(uint16_t offset8, bool more, uint32_t id);
    PacketBuilder& tcp(uint16_t sport, uint16_t dport, uint8_t flags, uint32_t seq = 1000, uint32_t ack = 0);
    PacketBuilder& udp(uint16_t sport, uint16_t dport);
    PacketBuilder& icmpv6Echo(uint16_t id = 1, uint16_t seq = 1);
    // Neighbour solicitation for target; a source link-layer option if slla is set.
    PacketBuilder& ndpSolicit(const IpAddr& target, std::optional<Mac> slla);
    // Neighbour advertisement (flags: R 0x80000000, S 0x40000000, O 0x20000000).
    PacketBuilder& ndpAdvert(const IpAddr& target, uint32_t flags, std::optional<Mac> tlla);
    PacketBuilder& payload(const Bytes& bytes);
    PacketBuilder& payload(size_t n, uint8_t fill = 0xab);

    Bytes build() const;
    // Offset of every layer's first byte in build()'s frame, and the frame length last.
    std::vector<size_t> layerStarts() const;

private:
    enum class Kind { Eth, Vlan, Arp, Ipv4, Ipv6, Ipv6Ext, Ipv6Frag, Tcp, Udp, Icmpv6, Payload };
    struct Layer {
        Kind kind;
        Bytes bytes;
        bool fixedType = false;  // Eth/Vlan type or IPv4 protocol given explicitly
        uint16_t aux = 0;        // Vlan: its TPID; Ipv6Ext: its header type
    };

    std::vector<Layer> layers_;
};

// The Internet checksum (RFC 1071) of data, continuing from sum.
uint16_t inetChecksum(const uint8_t* data, size_t len, uint32_t sum = 0);
// TCP/UDP/ICMPv6 checksum with the IPv4 or IPv6 pseudo header.
uint16_t l4Checksum(const IpAddr& src, const IpAddr& dst, uint8_t proto, const uint8_t* l4, size_t len);

Mac mac(const char* text);       // parseMac, aborting on a typo in a test
IpAddr ip(const char* text);     // parseIp, aborting on a typo in a test
Bytes toBytes(const IpAddr& a);  // 4 or 16 bytes, network order

}  // namespace safefarm::test
