#include "membership/Message.h"

#include <algorithm>

namespace safefarm::membership {
namespace {

class Writer {
public:
    explicit Writer(std::vector<uint8_t>& out) : out_(out) {}
    void u8(uint8_t v) { out_.push_back(v); }
    void u16(uint16_t v) { be(v, 2); }
    void u32(uint32_t v) { be(v, 4); }
    void u64(uint64_t v) { be(v, 8); }
    void viewId(const ViewId& v) {
        u64(v.seq);
        u8(v.coordinator);
        u32(v.coordinatorIncarnation);
    }

private:
    void be(uint64_t v, int n) {
        for (int i = n - 1; i >= 0; i--) out_.push_back(static_cast<uint8_t>(v >> (8 * i)));
    }
    std::vector<uint8_t>& out_;
};

// Every read is bounds-checked here; a short read sets failed_ and yields 0.
class Reader {
public:
    explicit Reader(std::span<const uint8_t> in) : in_(in) {}
    uint8_t u8() { return static_cast<uint8_t>(be(1)); }
    uint16_t u16() { return static_cast<uint16_t>(be(2)); }
    uint32_t u32() { return static_cast<uint32_t>(be(4)); }
    uint64_t u64() { return be(8); }
    ViewId viewId() {
        ViewId v;
        v.seq = u64();
        v.coordinator = u8();
        v.coordinatorIncarnation = u32();
        return v;
    }
    bool failed() const { return failed_; }
    bool done() const { return pos_ == in_.size(); }

private:
    uint64_t be(size_t n) {
        if (failed_ || in_.size() - pos_ < n) {
            failed_ = true;
            return 0;
        }
        uint64_t v = 0;
        for (size_t i = 0; i < n; i++) v = (v << 8) | in_[pos_++];
        return v;
    }
    std::span<const uint8_t> in_;
    size_t pos_ = 0;
    bool failed_ = false;
};

constexpr size_t kViewIdSize = 13;
constexpr size_t kHeartbeatSize = 6 + kViewIdSize + 12 + 6 + 12 + 6 + 1;  // + 3 per heard peer
constexpr size_t kHeardSize = 3;
constexpr size_t kAckSize = 1 + 2 * kViewIdSize;
constexpr size_t kMemberSize = 10;
constexpr size_t kViewHeadSize = kViewIdSize + 1;

bool bodyLengthFits(MessageType t, size_t len) {
    switch (t) {
        case MessageType::Heartbeat: return len >= kHeartbeatSize && (len - kHeartbeatSize) % kHeardSize == 0;
        case MessageType::Ack: return len == kAckSize;
        case MessageType::Propose:
        case MessageType::Commit:
            return len >= kViewHeadSize && (len - kViewHeadSize) % kMemberSize == 0 &&
                   (len - kViewHeadSize) / kMemberSize <= 255;
    }
    return false;
}

}  // namespace

const char* decodeErrorName(DecodeError e) {
    switch (e) {
        case DecodeError::Truncated: return "truncated";
        case DecodeError::BadMagic: return "bad_magic";
        case DecodeError::BadVersion: return "bad_version";
        case DecodeError::BadLength: return "bad_length";
        case DecodeError::BadMac: return "bad_mac";
        case DecodeError::Malformed: return "malformed";
    }
    return "?";
}

std::vector<uint8_t> encode(const Message& m, const Hmac& mac) {
    std::vector<uint8_t> out;
    out.reserve(kHeaderSize + 64 + Hmac::kTagSize);
    Writer w(out);
    w.u16(kWireMagic);
    w.u8(kWireVersion);
    w.u8(static_cast<uint8_t>(m.header.type));
    w.u8(m.header.sender);
    w.u8(m.header.lan);
    w.u16(0);  // body length, patched below
    w.u32(m.header.incarnation);
    w.u64(m.header.seq);
    w.u8(m.header.to);
    w.u32(m.header.toIncarnation);
    if (const auto* hb = std::get_if<Heartbeat>(&m.body)) {
        w.u8(static_cast<uint8_t>(hb->state));
        w.u8(hb->flags);
        w.u32(hb->weight);
        w.viewId(hb->installed);
        w.u32(hb->connections);
        w.u64(hb->packets);
        for (uint8_t byte : hb->mac) w.u8(byte);
        w.u32(hb->echoIncarnation);
        w.u64(hb->echoSeq);
        w.u16(hb->bucketAlgorithm);
        w.u32(hb->buckets);
        w.u8(static_cast<uint8_t>(hb->heard.size()));
        for (const auto& h : hb->heard) {
            w.u8(h.id);
            w.u16(static_cast<uint16_t>((h.released ? 0x8000 : 0) | std::min(h.agoMs, Heartbeat::Heard::kMaxAgoMs)));
        }
    } else if (const auto* ack = std::get_if<Ack>(&m.body)) {
        w.viewId(ack->proposal);
        w.u8(ack->accepted ? 1 : 0);
        w.viewId(ack->installed);
    } else {
        const auto& v = std::get<View>(m.body);
        w.viewId(v.id);
        w.u8(static_cast<uint8_t>(v.members.size()));
        for (const auto& mem : v.members) {
            w.u8(mem.id);
            w.u32(mem.incarnation);
            w.u32(mem.weight);
            w.u8(static_cast<uint8_t>(mem.state));
        }
    }
    size_t body = out.size() - kHeaderSize;
    out[6] = static_cast<uint8_t>(body >> 8);
    out[7] = static_cast<uint8_t>(body);
    auto tag = mac.sign(out);
    out.insert(out.end(), tag.begin(), tag.end());
    return out;
}

Decoded decode(std::span<const uint8_t> bytes, const Hmac& mac) {
    Decoded d;
    if (bytes.size() < kHeaderSize + Hmac::kTagSize) return d;  // Truncated
    Reader r(bytes.first(kHeaderSize));
    if (r.u16() != kWireMagic) {
        d.error = DecodeError::BadMagic;
        return d;
    }
    d.version = r.u8();
    if (d.version != kWireVersion) {
        d.error = DecodeError::BadVersion;
        return d;
    }
    uint8_t type = r.u8();
    Header& h = d.message.header;
    h.sender = r.u8();
    h.lan = r.u8();
    uint16_t bodyLen = r.u16();
    h.incarnation = r.u32();
    h.seq = r.u64();
    h.to = r.u8();
    h.toIncarnation = r.u32();
    if (type < 1 || type > 4) {
        d.error = DecodeError::Malformed;
        return d;
    }
    h.type = static_cast<MessageType>(type);
    if (bytes.size() != kHeaderSize + bodyLen + Hmac::kTagSize) {
        d.error =
            bytes.size() < kHeaderSize + bodyLen + Hmac::kTagSize ? DecodeError::Truncated : DecodeError::BadLength;
        return d;
    }
    if (!bodyLengthFits(h.type, bodyLen)) {
        d.error = DecodeError::BadLength;
        return d;
    }
    auto signedPart = bytes.first(kHeaderSize + bodyLen);
    if (!mac.verify(signedPart, bytes.subspan(kHeaderSize + bodyLen))) {
        d.error = DecodeError::BadMac;
        return d;
    }
    d.error = DecodeError::Malformed;
    if (h.sender == 255 || h.to == 255) return d;
    Reader b(bytes.subspan(kHeaderSize, bodyLen));
    switch (h.type) {
        case MessageType::Heartbeat: {
            Heartbeat hb;
            uint8_t st = b.u8();
            if (!validState(st)) return d;
            hb.state = static_cast<MemberState>(st);
            hb.flags = b.u8();
            hb.weight = b.u32();
            hb.installed = b.viewId();
            hb.connections = b.u32();
            hb.packets = b.u64();
            for (uint8_t& byte : hb.mac) byte = b.u8();
            hb.echoIncarnation = b.u32();
            hb.echoSeq = b.u64();
            hb.bucketAlgorithm = b.u16();
            hb.buckets = b.u32();
            size_t n = b.u8();
            if (bodyLen != kHeartbeatSize + n * kHeardSize) return d;
            for (size_t i = 0; i < n; i++) {
                Heartbeat::Heard h;
                h.id = b.u8();
                uint16_t ago = b.u16();
                h.agoMs = ago & Heartbeat::Heard::kMaxAgoMs;
                h.released = (ago & 0x8000) != 0;
                if (h.id == 255 || (!hb.heard.empty() && hb.heard.back().id >= h.id)) return d;
                hb.heard.push_back(h);
            }
            d.message.body = hb;
            break;
        }
        case MessageType::Ack: {
            Ack a;
            a.proposal = b.viewId();
            uint8_t acc = b.u8();
            if (acc > 1) return d;
            a.accepted = acc == 1;
            a.installed = b.viewId();
            d.message.body = a;
            break;
        }
        case MessageType::Propose:
        case MessageType::Commit: {
            View v;
            v.id = b.viewId();
            size_t n = b.u8();
            if (bodyLen != kViewHeadSize + n * kMemberSize) return d;
            for (size_t i = 0; i < n; i++) {
                ViewMember m;
                m.id = b.u8();
                m.incarnation = b.u32();
                m.weight = b.u32();
                uint8_t st = b.u8();
                if (m.id == 255 || !validState(st)) return d;
                if (!v.members.empty() && v.members.back().id >= m.id) return d;
                m.state = static_cast<MemberState>(st);
                v.members.push_back(m);
            }
            d.message.body = std::move(v);
            break;
        }
    }
    if (b.failed() || !b.done()) return d;
    d.ok = true;
    return d;
}

}  // namespace safefarm::membership
