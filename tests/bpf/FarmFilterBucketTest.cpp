// The bucket a packet lands in is exactly farm_bucket_of() of farm_hash.h
// for its rule's filter: set that bucket's owner and the packet is accepted,
// flip that one bucket and it is dropped. Fragments hash on addresses only
// (on_ipid: on the identification); the double-buffered table flips whole.
#include "FarmFilterFixture.h"

namespace safefarm::test {
namespace {

class FarmFilterBucketTest : public FarmFilterTest {
protected:
    // Accepted while `bucket` is ours, dropped once only that bucket moves to node 0.
    void expectFollowsBucket(Scenario s, uint32_t bucket, const std::vector<Bytes>& frames) {
        s.own(bucket);
        apply(s);
        for (const Bytes& f : frames) expect(f, XDP_PASS, FARM_R_ACCEPT_OWNER, withMacs(f, kMyMac));
        auto n = prog_->bucketPackets(bucket);
        ASSERT_TRUE(n.ok());
        EXPECT_EQ(n.value(), frames.size()) << "farm_bkt_count[" << bucket << "]";
        ASSERT_TRUE(prog_->writeBucket(s.active, bucket, farm_bucket{0, 0, 0, 0}).ok());
        for (const Bytes& f : frames) expect(f, XDP_DROP, FARM_R_DROP_NOT_OWNER, f);
        // Every other bucket ours, that one not: still dropped.
        for (uint32_t b = 0; b < FARM_BUCKETS; b++) s.spec.buckets[b] = farm_bucket{kMe, kMe, 0, 0};
        s.spec.buckets[bucket] = farm_bucket{0, 0, 0, 0};
        ASSERT_TRUE(prog_->installEpoch(s.active, s.spec).ok());
        for (const Bytes& f : frames) expect(f, XDP_DROP, FARM_R_DROP_NOT_OWNER, f);
    }
};

struct FilterCase {
    const char* name;
    farm_filter_kind filter;
    uint8_t proto;
    bool v6;
};

TEST_F(FarmFilterBucketTest, EachFilterHashesAsFarmHashSays) {
    SAFEFARM_REQUIRE_PRIVILEGE();
    const FilterCase cases[] = {
        {"on_addr tcp4", FARM_FILTER_ON_ADDR, IPPROTO_TCP, false},
        {"on_addr udp6", FARM_FILTER_ON_ADDR, IPPROTO_UDP, true},
        {"on_port tcp4", FARM_FILTER_ON_PORT, IPPROTO_TCP, false},
        {"on_port tcp6", FARM_FILTER_ON_PORT, IPPROTO_TCP, true},
        {"on_port udp4", FARM_FILTER_ON_PORT, IPPROTO_UDP, false},
        {"on_ipid udp4", FARM_FILTER_ON_IPID, IPPROTO_UDP, false},
    };
    for (const FilterCase& fc : cases) {
        SCOPED_TRACE(fc.name);
        SetUp();  // a fresh program and maps for each filter
        Scenario s = Scenario::standard();
        s.spec.rules = {FarmRule{std::nullopt, fc.proto, 7000, fc.filter}};
        const IpAddr& client = fc.v6 ? kClient6 : kClient4;
        const IpAddr& vip = fc.v6 ? kVip6 : kVip4;
        PacketBuilder b;
        Ipv4Options o;
        o.id = 0x4242;
        b.eth(kVmac, kClientMac);
        if (fc.v6)
            b.ipv6(client, vip);
        else
            b.ipv4(client, vip, o);
        if (fc.proto == IPPROTO_TCP)
            b.tcp(kClientPort, 7000, kTcpAck);
        else
            b.udp(kClientPort, 7000);
        uint32_t bucket = fc.filter == FARM_FILTER_ON_ADDR   ? s.bucketOf(client)
                          : fc.filter == FARM_FILTER_ON_PORT ? s.bucketOf(client, kClientPort)
                                                             : s.bucketOf(client, 0x4242);
        // The three hashes differ for this client, so owning the wrong one would show.
        ASSERT_NE(s.bucketOf(client), s.bucketOf(client, kClientPort));
        ASSERT_NE(s.bucketOf(client), s.bucketOf(client, 0x4242));
        expectFollowsBucket(s, bucket, {b.build()});
    }
}

TEST_F(FarmFilterBucketTest, OnPortSpreadsOneClientsConnections) {
    SAFEFARM_REQUIRE_PRIVILEGE();
    Scenario s = Scenario::standard();
    uint32_t b1 = s.bucketOf(kClient4, 40000), b2 = s.bucketOf(kClient4, 40001);
    ASSERT_NE(b1, b2);
    s.own(b1);
    apply(s);
    Bytes p1 = clientFrame(s, kVip4, IPPROTO_TCP, 443, kTcpAck, 40000);
    Bytes p2 = clientFrame(s, kVip4, IPPROTO_TCP, 443, kTcpAck, 40001);
    expect(p1, XDP_PASS, FARM_R_ACCEPT_OWNER, withMacs(p1, kMyMac));
    expect(p2, XDP_DROP, FARM_R_DROP_NOT_OWNER, p2);
}

// IPv4 fragments: first (with the TCP header) and later (without) land in the address bucket.
TEST_F(FarmFilterBucketTest, Ipv4FragmentsHashOnAddressesOnly) {
    SAFEFARM_REQUIRE_PRIVILEGE();
    Scenario s = Scenario::standard();
    s.spec.rules = {FarmRule{std::nullopt, IPPROTO_TCP, 443, FARM_FILTER_ON_PORT}};
    Ipv4Options first, later;
    first.id = later.id = 0x7777;
    first.moreFragments = true;
    later.fragOffset = 4;  // 32 bytes in
    Bytes f1 = PacketBuilder()
                   .eth(kVmac, kClientMac)
                   .ipv4(kClient4, kVip4, first)
                   .tcp(kClientPort, 443, kTcpAck)
                   .payload(12)
                   .build();
    later.protocol = IPPROTO_TCP;
    Bytes f2 = PacketBuilder().eth(kVmac, kClientMac).ipv4(kClient4, kVip4, later).payload(40).build();
    ASSERT_NE(s.bucketOf(kClient4), s.bucketOf(kClient4, kClientPort));
    expectFollowsBucket(s, s.bucketOf(kClient4), {f1, f2});
}

TEST_F(FarmFilterBucketTest, Ipv4FragmentOfUnmatchedPortStillFollowsProtoRule) {
    SAFEFARM_REQUIRE_PRIVILEGE();
    // Non-first fragments carry no port, so fragments match rules on (VIP, protocol).
    Scenario s = Scenario::standard();
    s.spec.rules = {FarmRule{std::nullopt, IPPROTO_UDP, 53, FARM_FILTER_ON_PORT}};
    Ipv4Options later;
    later.fragOffset = 100;
    later.protocol = IPPROTO_UDP;
    Bytes f = PacketBuilder().eth(kVmac, kClientMac).ipv4(kClient4, kVip4, later).payload(40).build();
    expectFollowsBucket(s, s.bucketOf(kClient4), {f});
}

TEST_F(FarmFilterBucketTest, Ipv4OnIpidFragmentsFollowTheIdentification) {
    SAFEFARM_REQUIRE_PRIVILEGE();
    Scenario s = Scenario::standard();
    s.spec.rules = {FarmRule{std::nullopt, IPPROTO_UDP, 5000, FARM_FILTER_ON_IPID}};
    Ipv4Options first, later;
    first.id = later.id = 0xbeef;
    first.moreFragments = true;
    later.fragOffset = 3;
    later.protocol = IPPROTO_UDP;
    Bytes f1 =
        PacketBuilder().eth(kVmac, kClientMac).ipv4(kClient4, kVip4, first).udp(kClientPort, 5000).payload(16).build();
    Bytes f2 = PacketBuilder().eth(kVmac, kClientMac).ipv4(kClient4, kVip4, later).payload(20).build();
    expectFollowsBucket(s, s.bucketOf(kClient4, 0xbeef), {f1, f2});
}

TEST_F(FarmFilterBucketTest, Ipv6FragmentHeaderHashesOnAddressesOnly) {
    SAFEFARM_REQUIRE_PRIVILEGE();
    Scenario s = Scenario::standard();
    s.spec.rules = {FarmRule{std::nullopt, IPPROTO_UDP, 53, FARM_FILTER_ON_PORT}};
    Bytes f1 = PacketBuilder()
                   .eth(kVmac, kClientMac)
                   .ipv6(kClient6, kVip6)
                   .ipv6Frag(0, true, 99)
                   .udp(kClientPort, 53)
                   .payload(16)
                   .build();
    Bytes f2 = PacketBuilder().eth(kVmac, kClientMac).ipv6(kClient6, kVip6).ipv6Frag(3, false, 99).payload(16).build();
    // The later fragment's next header must say UDP, as in a real datagram.
    f2[14 + 40] = IPPROTO_UDP;
    ASSERT_NE(s.bucketOf(kClient6), s.bucketOf(kClient6, kClientPort));
    expectFollowsBucket(s, s.bucketOf(kClient6), {f1, f2});
    EXPECT_EQ(prog_->flowCount(), 0u) << "fragments are not flows";
}

TEST_F(FarmFilterBucketTest, Ipv6FragmentAfterHopByHopOnIpid) {
    SAFEFARM_REQUIRE_PRIVILEGE();
    Scenario s = Scenario::standard();
    s.spec.rules = {FarmRule{std::nullopt, IPPROTO_UDP, 5000, FARM_FILTER_ON_IPID}};
    Bytes f = PacketBuilder()
                  .eth(kVmac, kClientMac)
                  .ipv6(kClient6, kVip6)
                  .ipv6Ext(IPPROTO_HOPOPTS)
                  .ipv6Frag(0, true, 0x01020304)
                  .udp(kClientPort, 5000)
                  .payload(16)
                  .build();
    expectFollowsBucket(s, s.bucketOf(kClient6, 0x01020304), {f});
}

// Epoch A in half 0 (node 0 owns the client's bucket), epoch B in half 1 (this node
// does): flipping farm_state.active alone changes the verdict, both ways.
TEST_F(FarmFilterBucketTest, TableFlipChangesVerdict) {
    SAFEFARM_REQUIRE_PRIVILEGE();
    Scenario s = Scenario::standard();
    EpochSpec b = s.spec;
    b.epoch = 8;
    b.buckets[s.bucketOf(kClient4)] = farm_bucket{kMe, kMe, 0, 0};
    s.other = b;
    apply(s);
    Bytes f = clientFrame(s, kVip4, IPPROTO_TCP, 80);
    expect(f, XDP_DROP, FARM_R_DROP_NOT_OWNER, f);
    ASSERT_TRUE(prog_->setActive(1).ok());
    expect(f, XDP_PASS, FARM_R_ACCEPT_OWNER, withMacs(f, kMyMac));
    ASSERT_TRUE(prog_->setActive(0).ok());
    expect(f, XDP_DROP, FARM_R_DROP_NOT_OWNER, f);
    // Half 1 with a different mode and MAC: the whole epoch flips, not only the buckets.
    EpochSpec c = b;
    c.epoch = 9;
    c.mode = FARM_MODE_VMAC_DIRECTED;
    c.vmac = {};
    c.buckets[s.bucketOf(kClient4)] = farm_bucket{2, 2, 0, 0};
    ASSERT_TRUE(prog_->installEpoch(1, c).ok());
    ASSERT_TRUE(prog_->setActive(1).ok());
    Bytes g = clientFrame(s, kVip4, IPPROTO_TCP, 80, kTcpAck, kClientPort, kMyMac);
    expect(g, XDP_TX, FARM_R_TX_RELAY, withMacs(g, kMac2, kMyMac));
    expect(f, XDP_PASS, FARM_R_PASS_OTHER, f);  // the vMAC means nothing in directed mode
}

TEST_F(FarmFilterBucketTest, ActiveUsesLowBitOnly) {
    SAFEFARM_REQUIRE_PRIVILEGE();
    Scenario s = Scenario::standard();
    EpochSpec b = s.spec;
    b.epoch = 8;
    b.buckets[s.bucketOf(kClient4)] = farm_bucket{kMe, kMe, 0, 0};
    s.other = b;
    apply(s);
    ASSERT_TRUE(prog_->setActive(3).ok());
    Bytes f = clientFrame(s, kVip4, IPPROTO_TCP, 80);
    expect(f, XDP_PASS, FARM_R_ACCEPT_OWNER, withMacs(f, kMyMac));
}

TEST_F(FarmFilterBucketTest, LeaseRenewalUnfences) {
    SAFEFARM_REQUIRE_PRIVILEGE();
    Scenario s = Scenario::standard();
    s.own(s.bucketOf(kClient4));
    s.leaseNs = kLeaseExpired;
    apply(s);
    Bytes f = clientFrame(s, kVip4, IPPROTO_TCP, 80);
    expect(f, XDP_DROP, FARM_R_DROP_LEASE, f);
    ASSERT_TRUE(prog_->setLeaseFromNow(1'000'000'000).ok());
    expect(f, XDP_PASS, FARM_R_ACCEPT_OWNER, withMacs(f, kMyMac));
}

}  // namespace
}  // namespace safefarm::test

// The filter caches the lease as a jiffies deadline (lease_valid): the cache
// must never outlive a revocation nor the deadline itself.
namespace safefarm::test {
namespace {

TEST_F(FarmFilterBucketTest, LeaseCacheIsWrittenAndRevocationBeatsIt) {
    SAFEFARM_REQUIRE_PRIVILEGE();
    Scenario s = Scenario::standard();
    s.own(s.bucketOf(kClient4));
    apply(s);  // lease 60 s
    Bytes f = clientFrame(s, kVip4, IPPROTO_TCP, 80);
    expect(f, XDP_PASS, FARM_R_ACCEPT_OWNER, withMacs(f, kMyMac));
    auto st = prog_->readState();
    ASSERT_TRUE(st.ok());
    EXPECT_NE(st.value().lease_cache, 0u) << "a kept packet caches the lease";
    // The agent revokes: the very next packet is fenced, cache or not.
    ASSERT_TRUE(prog_->setLeaseFromNow(kLeaseExpired).ok());
    expect(f, XDP_DROP, FARM_R_DROP_LEASE, f);
}

TEST_F(FarmFilterBucketTest, CachedLeaseStillEndsAtItsDeadline) {
    SAFEFARM_REQUIRE_PRIVILEGE();
    Scenario s = Scenario::standard();
    s.own(s.bucketOf(kClient4));
    s.leaseNs = 40'000'000;  // 40 ms: ten jiffies at HZ=250
    apply(s);
    Bytes f = clientFrame(s, kVip4, IPPROTO_TCP, 80);
    expect(f, XDP_PASS, FARM_R_ACCEPT_OWNER, withMacs(f, kMyMac));
    // Past the deadline (plus the coarse clock's tick of lag), never kept.
    usleep(40'000 + 2 * FARM_LEASE_SLACK_NS / 1000);
    expect(f, XDP_DROP, FARM_R_DROP_LEASE, f);
}

}  // namespace
}  // namespace safefarm::test
