#include "membership/Message.h"

#include <gtest/gtest.h>

namespace safefarm::membership {
namespace {

Hmac key(uint8_t b) { return Hmac::create(std::vector<uint8_t>(32, b)).value(); }

Message viewMessage(size_t n) {
    Message m;
    m.header = Header{MessageType::Commit, 3, 1, 7, 123456789012ULL, 4, 0x01020304};
    View v;
    v.id = ViewId{42, 3, 7};
    for (size_t i = 0; i < n; i++)
        v.members.push_back(ViewMember{uint8_t(i), uint32_t(i + 1), uint32_t(i % 3), MemberState::Ready});
    m.body = v;
    return m;
}

TEST(MessageTest, RoundTripsEveryType) {
    auto mac = key(1);
    Message hb;
    hb.header = Header{MessageType::Heartbeat, 9, 0, 2, 5, 254, 0xfffffffe};
    hb.body = Heartbeat{MemberState::Draining,
                        kHeartbeatRestarting,
                        3,
                        ViewId{8, 1, 2},
                        70000,
                        5000000000,
                        Mac{0x02, 0, 0, 0, 0x12, 0xfe},
                        4,
                        0x0102030405060708ULL};
    auto bytes = encode(hb, mac);
    EXPECT_EQ(bytes.size(), kHeaderSize + 56 + Hmac::kTagSize);
    auto d = decode(bytes, mac);
    ASSERT_TRUE(d.ok);
    EXPECT_EQ(d.message.header.sender, 9);
    EXPECT_EQ(d.message.header.seq, 5u);
    EXPECT_EQ(d.message.header.to, 254);
    EXPECT_EQ(d.message.header.toIncarnation, 0xfffffffeu);
    EXPECT_EQ(d.version, kWireVersion);
    EXPECT_EQ(std::get<Heartbeat>(d.message.body).state, MemberState::Draining);
    EXPECT_EQ(std::get<Heartbeat>(d.message.body).installed, (ViewId{8, 1, 2}));
    EXPECT_EQ(std::get<Heartbeat>(d.message.body).flags, kHeartbeatRestarting);
    EXPECT_EQ(std::get<Heartbeat>(d.message.body).connections, 70000u);
    EXPECT_EQ(std::get<Heartbeat>(d.message.body).packets, 5000000000u);
    EXPECT_EQ(std::get<Heartbeat>(d.message.body).mac, (Mac{0x02, 0, 0, 0, 0x12, 0xfe}));
    EXPECT_EQ(std::get<Heartbeat>(d.message.body).echoIncarnation, 4u);
    EXPECT_EQ(std::get<Heartbeat>(d.message.body).echoSeq, 0x0102030405060708ULL);
    EXPECT_EQ(std::get<Heartbeat>(d.message.body).bucketAlgorithm, kBucketAlgorithmVersion);
    EXPECT_EQ(std::get<Heartbeat>(d.message.body).buckets, uint32_t(FARM_BUCKETS));
    EXPECT_TRUE(std::get<Heartbeat>(d.message.body).heard.empty());
    std::get<Heartbeat>(hb.body).bucketAlgorithm = 0xabcd;  // another algorithm decodes: the receiver refuses it
    std::get<Heartbeat>(hb.body).buckets = 0x01020304;
    d = decode(encode(hb, mac), mac);
    ASSERT_TRUE(d.ok);
    EXPECT_EQ(std::get<Heartbeat>(d.message.body).bucketAlgorithm, 0xabcd);
    EXPECT_EQ(std::get<Heartbeat>(d.message.body).buckets, 0x01020304u);
    std::get<Heartbeat>(hb.body).bucketAlgorithm = kBucketAlgorithmVersion;
    std::get<Heartbeat>(hb.body).buckets = FARM_BUCKETS;

    // The peers the sender heard: 3 bytes each, sorted unique ids < 255,
    // the top bit of the age saying the sender does not echo that peer.
    std::get<Heartbeat>(hb.body).heard = {{1, 12, false}, {4, 0x7fff, true}, {254, 0, true}};
    bytes = encode(hb, mac);
    EXPECT_EQ(bytes.size(), kHeaderSize + 56 + 9 + Hmac::kTagSize);
    d = decode(bytes, mac);
    ASSERT_TRUE(d.ok);
    EXPECT_EQ(std::get<Heartbeat>(d.message.body).heard, std::get<Heartbeat>(hb.body).heard);
    std::get<Heartbeat>(hb.body).heard = {{1, 65535, false}};  // an age past 15 bits is capped, not released
    d = decode(encode(hb, mac), mac);
    ASSERT_TRUE(d.ok);
    EXPECT_EQ(std::get<Heartbeat>(d.message.body).heard, (std::vector<Heartbeat::Heard>{{1, 0x7fff, false}}));
    for (auto bad : std::vector<std::vector<Heartbeat::Heard>>{{{4, 1}, {1, 1}}, {{1, 1}, {1, 2}}, {{255, 1}}}) {
        std::get<Heartbeat>(hb.body).heard = bad;
        d = decode(encode(hb, mac), mac);
        EXPECT_FALSE(d.ok);
        EXPECT_EQ(d.error, DecodeError::Malformed);
    }
    std::get<Heartbeat>(hb.body).heard.clear();

    Message ack;
    ack.header = Header{MessageType::Ack, 1, 0, 2, 6};
    ack.body = Ack{ViewId{9, 0, 1}, true, ViewId{3, 0, 1}};
    d = decode(encode(ack, mac), mac);
    ASSERT_TRUE(d.ok);
    EXPECT_TRUE(std::get<Ack>(d.message.body).accepted);

    for (size_t n : {0u, 1u, 64u, 255u}) {
        auto m = viewMessage(n);
        auto b = encode(m, mac);
        EXPECT_LE(b.size(), kMaxDatagram);
        d = decode(b, mac);
        ASSERT_TRUE(d.ok) << n;
        EXPECT_EQ(d.message.header.type, MessageType::Commit);
        EXPECT_EQ(d.message.header.to, 4);
        EXPECT_EQ(d.message.header.toIncarnation, 0x01020304u);
        EXPECT_EQ(std::get<View>(d.message.body), std::get<View>(m.body));
    }
}

TEST(MessageTest, RejectsWrongKeyEveryFlippedBitAndEveryTruncation) {
    auto mac = key(1);
    auto b = encode(viewMessage(3), mac);
    EXPECT_EQ(decode(b, key(2)).error, DecodeError::BadMac);
    for (size_t i = 0; i < b.size() * 8; i++) {
        auto c = b;
        c[i / 8] ^= uint8_t(1u << (i % 8));
        EXPECT_FALSE(decode(c, mac).ok) << i;
    }
    for (size_t len = 0; len < b.size(); len++) {
        std::vector<uint8_t> c(b.begin(), b.begin() + long(len));
        EXPECT_FALSE(decode(c, mac).ok) << len;
    }
    auto longer = b;
    longer.push_back(0);
    EXPECT_EQ(decode(longer, mac).error, DecodeError::BadLength);
}

TEST(MessageTest, RejectsBadFieldsEvenUnderAValidMac) {
    auto mac = key(1);
    // Unsorted members, signed with the right key: malformed.
    auto m = viewMessage(2);
    std::swap(std::get<View>(m.body).members[0], std::get<View>(m.body).members[1]);
    EXPECT_EQ(decode(encode(m, mac), mac).error, DecodeError::Malformed);
    // Member id 255.
    m = viewMessage(1);
    std::get<View>(m.body).members[0].id = 255;
    EXPECT_EQ(decode(encode(m, mac), mac).error, DecodeError::Malformed);
    // Bad state.
    Message hb;
    hb.body = Heartbeat{static_cast<MemberState>(9), 0, 1, {}};
    EXPECT_EQ(decode(encode(hb, mac), mac).error, DecodeError::Malformed);
    // Destination 255 (no node).
    m = viewMessage(1);
    m.header.to = 255;
    EXPECT_EQ(decode(encode(m, mac), mac).error, DecodeError::Malformed);
    // Version: refused before the MAC, the version seen is kept (the
    // receiver reports a peer speaking another one).
    auto b = encode(viewMessage(1), mac);
    b[2] = kWireVersion - 1;
    auto d = decode(b, mac);
    EXPECT_EQ(d.error, DecodeError::BadVersion);
    EXPECT_EQ(d.version, kWireVersion - 1);
}

}  // namespace
}  // namespace safefarm::membership
