#include "PacketBuilder.h"

#include <netinet/in.h>
#include <sys/socket.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace safefarm::test {
namespace {

void put16(Bytes& b, size_t at, uint16_t v) {
    b[at] = static_cast<uint8_t>(v >> 8);
    b[at + 1] = static_cast<uint8_t>(v);
}

void put32(Bytes& b, size_t at, uint32_t v) {
    put16(b, at, static_cast<uint16_t>(v >> 16));
    put16(b, at + 2, static_cast<uint16_t>(v));
}

void append(Bytes& b, const uint8_t* p, size_t n) { b.insert(b.end(), p, p + n); }

void appendMac(Bytes& b, const Mac& m) { append(b, m.data(), m.size()); }

void appendIp(Bytes& b, const IpAddr& a) {
    Bytes raw = toBytes(a);
    append(b, raw.data(), raw.size());
}

IpAddr addrAt(const Bytes& frame, size_t at, bool v6) {
    IpAddr a;
    a.family = v6 ? AF_INET6 : AF_INET;
    std::memcpy(a.words.data(), &frame[at], v6 ? 16 : 4);
    return a;
}

}  // namespace

PacketBuilder& PacketBuilder::eth(const Mac& dst, const Mac& src) {
    Layer l{Kind::Eth, {}};
    appendMac(l.bytes, dst);
    appendMac(l.bytes, src);
    l.bytes.resize(14);
    layers_.push_back(std::move(l));
    return *this;
}

PacketBuilder& PacketBuilder::ethType(uint16_t type) {
    Layer& l = layers_.back();  // the Ethernet or VLAN layer just added
    put16(l.bytes, l.bytes.size() - 2, type);
    l.fixedType = true;
    return *this;
}

PacketBuilder& PacketBuilder::vlan(uint16_t vid, uint16_t tpid) {
    Layer l{Kind::Vlan, Bytes(4)};
    put16(l.bytes, 0, vid & 0x0fff);
    l.aux = tpid;
    layers_.push_back(std::move(l));
    return *this;
}

PacketBuilder& PacketBuilder::arp(uint16_t op, const Mac& sha, const IpAddr& spa, const Mac& tha, const IpAddr& tpa) {
    Layer l{Kind::Arp, Bytes(8)};
    put16(l.bytes, 0, 1);       // Ethernet
    put16(l.bytes, 2, 0x0800);  // IPv4
    l.bytes[4] = 6;
    l.bytes[5] = 4;
    put16(l.bytes, 6, op);
    appendMac(l.bytes, sha);
    appendIp(l.bytes, spa);
    appendMac(l.bytes, tha);
    appendIp(l.bytes, tpa);
    layers_.push_back(std::move(l));
    return *this;
}

PacketBuilder& PacketBuilder::ipv4(const IpAddr& src, const IpAddr& dst, const Ipv4Options& opt) {
    Bytes options = opt.options;
    while (options.size() % 4) options.push_back(0);  // end-of-options padding
    Layer l{Kind::Ipv4, Bytes(12)};
    l.bytes[0] = static_cast<uint8_t>(0x40 | ((20 + options.size()) / 4));
    put16(l.bytes, 4, opt.id);
    put16(l.bytes, 6, static_cast<uint16_t>((opt.moreFragments ? 0x2000 : 0) | (opt.fragOffset & 0x1fff)));
    l.bytes[8] = opt.ttl;
    if (opt.protocol) {
        l.bytes[9] = *opt.protocol;
        l.fixedType = true;
    }
    appendIp(l.bytes, src);
    appendIp(l.bytes, dst);
    append(l.bytes, options.data(), options.size());
    layers_.push_back(std::move(l));
    return *this;
}

PacketBuilder& PacketBuilder::ipv6(const IpAddr& src, const IpAddr& dst, uint8_t hopLimit) {
    Layer l{Kind::Ipv6, Bytes(8)};
    l.bytes[0] = 0x60;
    l.bytes[7] = hopLimit;
    appendIp(l.bytes, src);
    appendIp(l.bytes, dst);
    layers_.push_back(std::move(l));
    return *this;
}

PacketBuilder& PacketBuilder::ipv6Ext(uint8_t type, uint8_t len8) {
    Layer l{Kind::Ipv6Ext, Bytes(8 * (len8 + 1))};
    l.bytes[1] = len8;
    l.aux = type;
    if (type == IPPROTO_ROUTING) {
        l.bytes[2] = 4;  // segment routing header type, segments left 0
    } else {
        // Options: one PadN covering the rest of the header.
        l.bytes[2] = 1;
        l.bytes[3] = static_cast<uint8_t>(l.bytes.size() - 4);
    }
    layers_.push_back(std::move(l));
    return *this;
}

PacketBuilder& PacketBuilder::ipv6Frag(uint16_t offset8, bool more, uint32_t id) {
    Layer l{Kind::Ipv6Frag, Bytes(8)};
    put16(l.bytes, 2, static_cast<uint16_t>((offset8 << 3) | (more ? 1 : 0)));
    put32(l.bytes, 4, id);
    layers_.push_back(std::move(l));
    return *this;
}

PacketBuilder& PacketBuilder::tcp(uint16_t sport, uint16_t dport, uint8_t flags, uint32_t seq, uint32_t ack) {
    Layer l{Kind::Tcp, Bytes(20)};
    put16(l.bytes, 0, sport);
    put16(l.bytes, 2, dport);
    put32(l.bytes, 4, seq);
    put32(l.bytes, 8, ack);
    l.bytes[12] = 5 << 4;
    l.bytes[13] = flags;
    put16(l.bytes, 14, 65535);
    layers_.push_back(std::move(l));
    return *this;
}

PacketBuilder& PacketBuilder::udp(uint16_t sport, uint16_t dport) {
    Layer l{Kind::Udp, Bytes(8)};
    put16(l.bytes, 0, sport);
    put16(l.bytes, 2, dport);
    layers_.push_back(std::move(l));
    return *this;
}

PacketBuilder& PacketBuilder::icmpv6Echo(uint16_t id, uint16_t seq) {
    Layer l{Kind::Icmpv6, Bytes(8)};
    l.bytes[0] = 128;
    put16(l.bytes, 4, id);
    put16(l.bytes, 6, seq);
    layers_.push_back(std::move(l));
    return *this;
}

PacketBuilder& PacketBuilder::ndpSolicit(const IpAddr& target, std::optional<Mac> slla) {
    Layer l{Kind::Icmpv6, Bytes(8)};
    l.bytes[0] = 135;
    appendIp(l.bytes, target);
    if (slla) {
        l.bytes.push_back(1);
        l.bytes.push_back(1);
        appendMac(l.bytes, *slla);
    }
    layers_.push_back(std::move(l));
    return *this;
}

PacketBuilder& PacketBuilder::ndpAdvert(const IpAddr& target, uint32_t flags, std::optional<Mac> tlla) {
    Layer l{Kind::Icmpv6, Bytes(8)};
    l.bytes[0] = 136;
    put32(l.bytes, 4, flags);
    appendIp(l.bytes, target);
    if (tlla) {
        l.bytes.push_back(2);
        l.bytes.push_back(1);
        appendMac(l.bytes, *tlla);
    }
    layers_.push_back(std::move(l));
    return *this;
}

PacketBuilder& PacketBuilder::payload(const Bytes& bytes) {
    layers_.push_back(Layer{Kind::Payload, bytes});
    return *this;
}

PacketBuilder& PacketBuilder::payload(size_t n, uint8_t fill) { return payload(Bytes(n, fill)); }

std::vector<size_t> PacketBuilder::layerStarts() const {
    std::vector<size_t> starts;
    size_t at = 0;
    for (const Layer& l : layers_) {
        starts.push_back(at);
        at += l.bytes.size();
    }
    starts.push_back(at);
    return starts;
}

Bytes PacketBuilder::build() const {
    std::vector<size_t> starts = layerStarts();
    Bytes frame;
    for (const Layer& l : layers_) append(frame, l.bytes.data(), l.bytes.size());
    const size_t total = frame.size();

    auto etherTypeOf = [&](size_t i) -> uint16_t {
        if (i >= layers_.size()) return 0x88b5;  // local experimental
        switch (layers_[i].kind) {
            case Kind::Vlan: return layers_[i].aux;
            case Kind::Arp: return 0x0806;
            case Kind::Ipv4: return 0x0800;
            case Kind::Ipv6: return 0x86dd;
            default: return 0x88b5;
        }
    };
    auto ipProtoOf = [&](size_t i, bool v6) -> uint8_t {
        if (i >= layers_.size()) return v6 ? 59 : 253;  // no next header / experimental
        switch (layers_[i].kind) {
            case Kind::Tcp: return IPPROTO_TCP;
            case Kind::Udp: return IPPROTO_UDP;
            case Kind::Icmpv6: return IPPROTO_ICMPV6;
            case Kind::Ipv6Ext: return static_cast<uint8_t>(layers_[i].aux);
            case Kind::Ipv6Frag: return IPPROTO_FRAGMENT;
            default: return v6 ? 59 : 253;
        }
    };

    // Types, next headers and lengths.
    for (size_t i = 0; i < layers_.size(); i++) {
        const Layer& l = layers_[i];
        const size_t at = starts[i];
        switch (l.kind) {
            case Kind::Eth:
                if (!l.fixedType) put16(frame, at + 12, etherTypeOf(i + 1));
                break;
            case Kind::Vlan:
                if (!l.fixedType) put16(frame, at + 2, etherTypeOf(i + 1));
                break;
            case Kind::Ipv4:
                put16(frame, at + 2, static_cast<uint16_t>(total - at));
                if (!l.fixedType) frame[at + 9] = ipProtoOf(i + 1, false);
                break;
            case Kind::Ipv6:
                put16(frame, at + 4, static_cast<uint16_t>(total - at - 40));
                frame[at + 6] = ipProtoOf(i + 1, true);
                break;
            case Kind::Ipv6Ext:
            case Kind::Ipv6Frag: frame[at] = ipProtoOf(i + 1, true); break;
            case Kind::Udp: put16(frame, at + 4, static_cast<uint16_t>(total - at)); break;
            default: break;
        }
    }
    // Checksums: IPv4 headers, then L4 with the pseudo header of the nearest IP layer.
    std::optional<size_t> ipAt;
    bool v6 = false;
    for (size_t i = 0; i < layers_.size(); i++) {
        const Layer& l = layers_[i];
        const size_t at = starts[i];
        if (l.kind == Kind::Ipv4) {
            size_t hlen = (frame[at] & 0x0f) * 4;
            put16(frame, at + 10, 0);
            put16(frame, at + 10, ntohs(inetChecksum(&frame[at], hlen)));
            ipAt = at;
            v6 = false;
        } else if (l.kind == Kind::Ipv6) {
            ipAt = at;
            v6 = true;
        } else if (ipAt && (l.kind == Kind::Tcp || l.kind == Kind::Udp || l.kind == Kind::Icmpv6)) {
            size_t off = l.kind == Kind::Tcp ? 16 : (l.kind == Kind::Udp ? 6 : 2);
            uint8_t proto = static_cast<uint8_t>(IPPROTO_ICMPV6);
            if (l.kind == Kind::Tcp) proto = IPPROTO_TCP;
            if (l.kind == Kind::Udp) proto = IPPROTO_UDP;
            IpAddr s = v6 ? addrAt(frame, *ipAt + 8, true) : addrAt(frame, *ipAt + 12, false);
            IpAddr d = v6 ? addrAt(frame, *ipAt + 24, true) : addrAt(frame, *ipAt + 16, false);
            put16(frame, at + off, 0);
            uint16_t sum = l4Checksum(s, d, proto, &frame[at], total - at);
            if (l.kind == Kind::Udp && sum == 0) sum = 0xffff;
            std::memcpy(&frame[at + off], &sum, 2);
        }
    }
    return frame;
}

uint16_t inetChecksum(const uint8_t* data, size_t len, uint32_t sum) {
    // Summed in memory order; the result is stored as is (RFC 1071 §2(B)).
    uint64_t s = sum;
    for (size_t i = 0; i + 1 < len; i += 2) {
        uint16_t w;
        std::memcpy(&w, data + i, 2);
        s += w;
    }
    if (len & 1) {
        uint8_t last[2] = {data[len - 1], 0};
        uint16_t w;
        std::memcpy(&w, last, 2);
        s += w;
    }
    while (s >> 16) s = (s & 0xffff) + (s >> 16);
    return static_cast<uint16_t>(~s);
}

uint16_t l4Checksum(const IpAddr& src, const IpAddr& dst, uint8_t proto, const uint8_t* l4, size_t len) {
    Bytes pseudo;
    appendIp(pseudo, src);
    appendIp(pseudo, dst);
    if (src.family == AF_INET6) {
        pseudo.resize(pseudo.size() + 8);
        put32(pseudo, 32, static_cast<uint32_t>(len));
        pseudo[39] = proto;
    } else {
        pseudo.resize(pseudo.size() + 4);
        pseudo[9] = proto;
        put16(pseudo, 10, static_cast<uint16_t>(len));
    }
    Bytes all = pseudo;
    append(all, l4, len);
    return inetChecksum(all.data(), all.size());
}

Mac mac(const char* text) {
    auto r = parseMac(text);
    if (!r) {
        std::fprintf(stderr, "bad MAC in test: %s\n", text);
        std::abort();
    }
    return r.value();
}

IpAddr ip(const char* text) {
    auto r = parseIp(text);
    if (!r) {
        std::fprintf(stderr, "bad IP in test: %s\n", text);
        std::abort();
    }
    return r.value();
}

Bytes toBytes(const IpAddr& a) {
    Bytes b(a.family == AF_INET6 ? 16 : 4);
    std::memcpy(b.data(), a.words.data(), b.size());
    return b;
}

}  // namespace safefarm::test
