// The real data path on a veth in a throw-away namespace (needs root).
#include "dataplane/BpfDataPath.h"

#include <bpf/bpf.h>
#include <gtest/gtest.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sys/stat.h>
#include <xdp/libxdp.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <set>
#include <thread>

#include "Privilege.h"
#include "ScopedNetns.h"
#include "buckets/BucketTable.h"

namespace safefarm {
namespace {

EpochSpec spec(uint64_t epoch, std::vector<BucketMember> members) {
    EpochSpec s;
    s.epoch = epoch;
    s.myId = 0;
    s.designated = 0;
    s.myMac = parseMac("02:00:00:00:00:10").value();
    s.vips = {parseIp("198.18.0.100").value()};
    s.vmac = defaultVmac(s.vips[0]);
    s.rules = {FarmRule{std::nullopt, IPPROTO_TCP, 80, FARM_FILTER_ON_ADDR}};
    s.peers = {{0, s.myMac}, {1, parseMac("02:00:00:00:00:11").value()}};
    s.buckets = computeBuckets(members);
    return s;
}

bool attached(const char* ifname) {
    xdp_multiprog* mp = xdp_multiprog__get_from_ifindex(static_cast<int>(if_nametoindex(ifname)));
    if (!mp || libxdp_get_error(mp)) return false;
    bool any = xdp_multiprog__main_prog(mp) != nullptr || xdp_multiprog__program_count(mp) > 0;
    xdp_multiprog__close(mp);
    return any;
}

bool exists(const std::string& path) {
    struct stat st {};
    return stat(path.c_str(), &st) == 0;
}

class BpfDataPathTest : public ::testing::Test {
protected:
    void SetUp() override {
        SAFEFARM_ENTER_TEST_NETNS(ns_, "sfdp");
        opts_ = {"a0", "dptest" + std::to_string(getpid()), XdpMode::Skb};
    }
    void TearDown() override {
        if (ns_ && ns_->ok()) (void)BpfDataPath::remove(opts_);
        ns_.reset();
    }
    std::unique_ptr<test::ScopedNetns> ns_;
    BpfDataPathOptions opts_;
};

TEST_F(BpfDataPathTest, AttachesInstallsAndIsAdoptedAfterARestart) {
    {
        auto dp = BpfDataPath::open(opts_);
        ASSERT_TRUE(dp.ok()) << dp.error().message();
        EXPECT_FALSE(dp.value()->adopted());
        EXPECT_EQ(dp.value()->attachMode(), "skb");
        EXPECT_EQ(dp.value()->installedEpoch(), 0u);
        auto r = dp.value()->install(spec(1, {{0, 1}, {1, 1}}));
        ASSERT_TRUE(r.ok()) << r.error().message();
        EXPECT_EQ(dp.value()->installedEpoch(), 1u);
    }
    // The process is gone: the filter must still be there, maps pinned.
    EXPECT_TRUE(attached("a0"));
    EXPECT_TRUE(exists("/sys/fs/bpf/safefarm/" + opts_.instance + "/" FARM_MAP_STATE));

    auto again = BpfDataPath::open(opts_);
    ASSERT_TRUE(again.ok()) << again.error().message();
    EXPECT_TRUE(again.value()->adopted());
    EXPECT_EQ(again.value()->installedEpoch(), 1u);
    // The table in force reads back as installed (a restarted agent carries
    // on from it), from either half of the double buffer.
    auto table = again.value()->installedBuckets();
    ASSERT_TRUE(table.ok()) << table.error().message();
    auto want = spec(1, {{0, 1}, {1, 1}}).buckets;
    ASSERT_EQ(table->size(), want.size());
    for (size_t b = 0; b < want.size(); b++) ASSERT_EQ(table.value()[b].owner, want[b].owner) << b;
    ASSERT_TRUE(again.value()->install(spec(2, {{0, 1}})).ok());
    EXPECT_EQ(again.value()->installedEpoch(), 2u);
    table = again.value()->installedBuckets();
    ASSERT_TRUE(table.ok());
    EXPECT_EQ(table.value()[FARM_BUCKETS - 1].owner, 0);
    EXPECT_EQ(table.value()[0].owner, 0);
}

TEST_F(BpfDataPathTest, ABadEpochChangesNothing) {
    auto dp = BpfDataPath::open(opts_);
    ASSERT_TRUE(dp.ok()) << dp.error().message();
    ASSERT_TRUE(dp.value()->install(spec(1, {{0, 1}, {1, 1}})).ok());
    EpochSpec bad = spec(2, {{0, 1}});
    bad.buckets[17].owner = 42;  // not a peer
    auto r = dp.value()->install(bad);
    EXPECT_FALSE(r.ok());
    EXPECT_EQ(dp.value()->installedEpoch(), 1u);
}

TEST_F(BpfDataPathTest, OneWriterPerInstance) {
    auto first = BpfDataPath::open(opts_);
    ASSERT_TRUE(first.ok()) << first.error().message();
    auto second = BpfDataPath::open(opts_);
    ASSERT_FALSE(second.ok());
    EXPECT_NE(second.error().message().find("another process"), std::string::npos) << second.error().message();
}

TEST_F(BpfDataPathTest, RefusesPinnedMapsOfAnotherAbi) {
    {
        auto dp = BpfDataPath::open(opts_);
        ASSERT_TRUE(dp.ok()) << dp.error().message();
    }
    std::string path = "/sys/fs/bpf/safefarm/" + opts_.instance + "/" FARM_MAP_STATE;
    int fd = bpf_obj_get(path.c_str());
    ASSERT_GE(fd, 0);
    farm_state st{};
    st.abi_version = FARM_ABI_VERSION + 100;
    uint32_t zero = 0;
    ASSERT_EQ(bpf_map_update_elem(fd, &zero, &st, BPF_ANY), 0);
    close(fd);
    auto dp = BpfDataPath::open(opts_);
    ASSERT_FALSE(dp.ok());
    EXPECT_NE(dp.error().message().find("ABI"), std::string::npos) << dp.error().message();
}

TEST_F(BpfDataPathTest, RemoveLeavesNothingBehind) {
    {
        auto dp = BpfDataPath::open(opts_);
        ASSERT_TRUE(dp.ok()) << dp.error().message();
    }
    ASSERT_TRUE(BpfDataPath::remove(opts_).ok());
    EXPECT_FALSE(attached("a0"));
    EXPECT_FALSE(exists("/sys/fs/bpf/safefarm/" + opts_.instance));
    // Nothing attached: adopt-only opening says so instead of attaching.
    BpfDataPathOptions o = opts_;
    o.adoptOnly = true;
    auto dp = BpfDataPath::open(o);
    EXPECT_FALSE(dp.ok());
    EXPECT_FALSE(attached("a0"));
}

// A UDP flow of another node's, as a handoff records it.
FlowEntry udpFlow(uint16_t sport, uint32_t bucket) {
    FlowEntry f{};
    f.key.family = 4;
    f.key.proto = IPPROTO_UDP;
    f.key.sport = htons(sport);
    f.flow.bucket = bucket;
    return f;
}

TEST_F(BpfDataPathTest, CountersAndFlowsReadBack) {
    auto dp = BpfDataPath::open(opts_);
    ASSERT_TRUE(dp.ok()) << dp.error().message();
    auto c = dp.value()->counters();
    ASSERT_TRUE(c.ok()) << c.error().message();
    auto b = dp.value()->trafficReader()->bucketPackets();
    ASSERT_TRUE(b.ok());
    EXPECT_EQ(b.value().size(), size_t{FARM_BUCKETS});
    ASSERT_TRUE(dp.value()->addForeignFlows({udpFlow(5000, 12)}).ok());
    auto flows = dp.value()->trafficReader()->flows();
    ASSERT_TRUE(flows.ok());
    ASSERT_EQ(flows.value().size(), 1u);
    EXPECT_EQ(flows.value()[0].flow.kind, FARM_FLOW_FOREIGN);
    EXPECT_EQ(flows.value()[0].flow.bucket, 12u);
}

// The modules' thread hands the reader to another thread (Module's traffic
// scans) and may close the data path meanwhile (a stop): the reader keeps
// the table open and reads it whole from there.
TEST_F(BpfDataPathTest, ATrafficReaderOutlivesItsDataPathOnAnotherThread) {
    std::shared_ptr<const TrafficReader> reader;
    {
        auto dp = BpfDataPath::open(opts_);
        ASSERT_TRUE(dp.ok()) << dp.error().message();
        ASSERT_TRUE(dp.value()->addForeignFlows({udpFlow(5001, 7)}).ok());
        reader = dp.value()->trafficReader();
    }
    Result<std::vector<FlowEntry>> flows = std::vector<FlowEntry>{};
    Result<std::vector<uint64_t>> packets = std::vector<uint64_t>{};
    std::thread([&] {
        flows = reader->flows();
        packets = reader->bucketPackets();
    }).join();
    ASSERT_TRUE(packets.ok()) << packets.error().message();
    EXPECT_EQ(packets.value().size(), size_t{FARM_BUCKETS});
    ASSERT_TRUE(flows.ok()) << flows.error().message();
    ASSERT_EQ(flows.value().size(), 1u);
    EXPECT_EQ(flows.value()[0].flow.bucket, 7u);
}

// The flow table read in batches (BpfTrafficReader::flows()): every entry once,
// across many batches, as a busy node's table holds them. The time it took
// is printed (what a flow scan costs the transports' thread; a benchmark's
// business, not this test's).
TEST_F(BpfDataPathTest, AFullFlowTableReadsBackWhole) {
    auto dp = BpfDataPath::open(opts_);
    ASSERT_TRUE(dp.ok()) << dp.error().message();
    std::vector<FlowEntry> in;
    constexpr uint32_t kFlows = 60000;
    for (uint32_t i = 0; i < kFlows; i++) {
        FlowEntry f{};
        f.key.family = 4;
        f.key.proto = IPPROTO_TCP;
        f.key.saddr[0] = htonl(0xc6120000u | (i >> 16));
        f.key.sport = htons(static_cast<uint16_t>(i & 0xffff));
        f.key.dport = htons(80);
        f.flow.bucket = i % FARM_BUCKETS;
        in.push_back(f);
    }
    ASSERT_TRUE(dp.value()->addForeignFlows(in).ok());
    auto t0 = std::chrono::steady_clock::now();
    auto flows = dp.value()->trafficReader()->flows();
    auto took = std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - t0);
    ASSERT_TRUE(flows.ok()) << flows.error().message();
    EXPECT_EQ(flows.value().size(), size_t{kFlows});
    std::set<uint32_t> ports;
    for (const auto& f : flows.value()) ports.insert(ntohl(f.key.saddr[0]) << 16 | ntohs(f.key.sport));
    EXPECT_EQ(ports.size(), size_t{kFlows}) << "each flow once";
    std::printf("trafficReader()->flows(): %u entries read in %lld us\n", kFlows, static_cast<long long>(took.count()));
}

}  // namespace
}  // namespace safefarm
