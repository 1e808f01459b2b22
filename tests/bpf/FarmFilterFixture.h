// Shared by the farm_filter packet tests: a standard three-node farm seen
// from node 1, the table-driven case runner, and what each case checks
// (verdict, output bytes, exactly one counter moving by one packet).
#pragma once

#include <gtest/gtest.h>
#include <linux/bpf.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "BpfTestProgram.h"
#include "PacketBuilder.h"
#include "Privilege.h"
#include "farm_abi.h"
#include "farm_hash.h"

namespace safefarm::test {

// The filter reads the coarse clock, up to a tick behind: a lease is surely
// over only once it ended more than FARM_LEASE_SLACK_NS ago.
inline constexpr int64_t kLeaseExpired = -2 * static_cast<int64_t>(FARM_LEASE_SLACK_NS);

// The farm: nodes 0, 1 (this node) and 2; node 0 designated and owner of every bucket.
inline const Mac kMac0 = mac("02:00:00:00:00:a0");
inline const Mac kMyMac = mac("02:00:00:00:00:a1");
inline const Mac kMac2 = mac("02:00:00:00:00:a2");
inline const Mac kClientMac = mac("02:00:00:00:00:c1");
inline const Mac kOtherMac = mac("02:00:00:00:00:99");
inline const Mac kBroadcast = mac("ff:ff:ff:ff:ff:ff");
inline const Mac kZeroMac = mac("00:00:00:00:00:00");
inline const IpAddr kVip4 = ip("10.0.0.100");
inline const IpAddr kVip6 = ip("fd00::100");
inline const Mac kVmac = defaultVmac(kVip4);  // 5a:fe:0a:00:00:64
inline const IpAddr kClient4 = ip("10.1.0.5");
inline const IpAddr kClient6 = ip("fd01::5");
inline const IpAddr kOther4 = ip("10.0.0.7");
inline const IpAddr kOther6 = ip("fd00::7");
inline constexpr uint8_t kMe = 1;
inline constexpr uint16_t kClientPort = 40000;

inline const char* reasonText(int r) {
    static const char* const names[FARM_R_MAX] = {
        "PASS_OTHER",          "PASS_VLAN",          "ACCEPT_OWNER",      "ACCEPT_FLOW",     "ACCEPT_NEW_FLOW",
        "ACCEPT_DESIGNATED",   "TX_ARP_REPLY",       "TX_NDP_ADVERT",     "TX_RELAY",        "DROP_NOT_OWNER",
        "DROP_NOT_DESIGNATED", "DROP_LEASE",         "DROP_NO_EPOCH",     "DROP_MALFORMED",  "DROP_TRANSITION_OLD",
        "DROP_TRANSITION_NEW", "DROP_NOT_RESPONDER", "DROP_VIP_ANNOUNCE", "DROP_RELAY_LOOP", "DROP_NO_PEER"};
    return r >= 0 && r < FARM_R_MAX ? names[r] : "?";
}

inline const char* actionText(uint32_t a) {
    switch (a) {
        case XDP_ABORTED: return "XDP_ABORTED";
        case XDP_DROP: return "XDP_DROP";
        case XDP_PASS: return "XDP_PASS";
        case XDP_TX: return "XDP_TX";
        case XDP_REDIRECT: return "XDP_REDIRECT";
    }
    return "?";
}

inline std::string hex(const Bytes& b) {
    std::string s;
    char buf[4];
    for (size_t i = 0; i < b.size(); i++) {
        std::snprintf(buf, sizeof buf, "%02x", b[i]);
        s += buf;
        s += (i % 16 == 15) ? "\n" : " ";
    }
    return s;
}

// Everything a case may change before the packet runs.
struct Scenario {
    EpochSpec spec;                  // written to half 0 (or to `active` when other is unset)
    std::optional<EpochSpec> other;  // written to the other half
    uint32_t active = 0;
    bool installed = true;             // false: no epoch at all (epoch 0)
    int64_t leaseNs = 60'000'000'000;  // from now; negative = expired (see kLeaseExpired)
    std::vector<Mac> peerMacs = {kMac0, kMac2};
    std::vector<std::pair<farm_flow_key, farm_flow>> flows;

    static Scenario standard() {
        Scenario s;
        EpochSpec& e = s.spec;
        e.epoch = 7;
        e.mode = FARM_MODE_VMAC_INVISIBLE;
        e.myId = kMe;
        e.designated = 0;
        e.vmac = kVmac;
        e.myMac = kMyMac;
        e.hashKey = {0x0706050403020100ull, 0x0f0e0d0c0b0a0908ull};
        e.vips = {kVip4, kVip6};
        e.rules = {
            FarmRule{std::nullopt, IPPROTO_TCP, 80, FARM_FILTER_ON_ADDR},
            FarmRule{std::nullopt, IPPROTO_TCP, 443, FARM_FILTER_ON_PORT},
            FarmRule{std::nullopt, IPPROTO_UDP, 53, FARM_FILTER_ON_PORT},
            FarmRule{std::nullopt, IPPROTO_UDP, 5000, FARM_FILTER_ON_IPID},
        };
        e.peers = {FarmPeer{0, kMac0}, FarmPeer{1, kMyMac}, FarmPeer{2, kMac2}};
        e.buckets.assign(FARM_BUCKETS, farm_bucket{0, 0, 0, 0});
        return s;
    }

    void directed() {
        spec.mode = FARM_MODE_VMAC_DIRECTED;
        spec.vmac = {};
    }
    uint32_t bucketOf(const IpAddr& client, std::optional<uint32_t> extra = std::nullopt) const {
        return farm_bucket_of(reinterpret_cast<const __u64*>(spec.hashKey.data()), client.words.data(),
                              client.family == AF_INET6, extra.value_or(0), extra.has_value());
    }
    void own(uint32_t bucket, uint8_t node = kMe) { spec.buckets[bucket] = farm_bucket{node, node, 0, 0}; }
    void moving(uint32_t bucket, uint8_t from, uint8_t to) {
        spec.buckets[bucket] = farm_bucket{to, from, FARM_BUCKET_TRANSITION, 0};
    }
    // The MAC frames to the VIP carry in this mode.
    Mac vipMac() const { return spec.mode == FARM_MODE_VMAC_INVISIBLE ? kVmac : kMyMac; }
};

inline farm_flow_key flowKey(const IpAddr& client, uint16_t sport, const IpAddr& vip, uint16_t dport, uint8_t proto) {
    farm_flow_key k{};
    std::memcpy(k.saddr, client.words.data(), 16);
    std::memcpy(k.daddr, vip.words.data(), 16);
    if (client.family == AF_INET) {  // the program copies all 16 bytes; IPv4 uses word 0
        std::memset(&k.saddr[1], 0, 12);
        std::memset(&k.daddr[1], 0, 12);
    }
    k.sport = htons(sport);
    k.dport = htons(dport);
    k.proto = proto;
    k.family = client.family == AF_INET6 ? 6 : 4;
    return k;
}

inline farm_flow flowOf(uint8_t kind, uint32_t bucket, uint8_t relayTo = 0) {
    farm_flow f{};
    f.last_seen_ns = 1;
    f.bucket = bucket;
    f.kind = kind;
    f.relay_to = relayTo;
    return f;
}

// A TCP or UDP frame from the client to a VIP, at the MAC that mode expects.
inline Bytes clientFrame(const Scenario& s, const IpAddr& vip, uint8_t proto, uint16_t dport, uint8_t flags = kTcpAck,
                         uint16_t sport = kClientPort, std::optional<Mac> dstMac = std::nullopt,
                         const Mac& srcMac = kClientMac) {
    PacketBuilder b;
    b.eth(dstMac.value_or(s.vipMac()), srcMac);
    if (vip.family == AF_INET6)
        b.ipv6(kClient6, vip);
    else
        b.ipv4(kClient4, vip);
    if (proto == IPPROTO_TCP)
        b.tcp(sport, dport, flags);
    else
        b.udp(sport, dport);
    b.payload(16);
    return b.build();
}

inline Bytes withMacs(Bytes frame, std::optional<Mac> dst, std::optional<Mac> src = std::nullopt) {
    if (dst) std::memcpy(frame.data(), dst->data(), 6);
    if (src) std::memcpy(frame.data() + 6, src->data(), 6);
    return frame;
}

using OutFn = std::function<Bytes(const Scenario&, const Bytes& in)>;
using CheckFn = std::function<void(const Scenario&, BpfTestProgram&)>;

// One table row.
struct Case {
    std::string name;
    std::function<void(Scenario&)> setup;
    std::function<Bytes(const Scenario&)> packet;
    uint32_t action;
    farm_reason reason;
    OutFn out;      // expected output; unset = the input, untouched
    CheckFn check;  // more checks after the run (flows, bucket counters)
};

inline void PrintTo(const Case& c, std::ostream* os) { *os << c.name; }

inline std::string caseName(const ::testing::TestParamInfo<Case>& info) { return info.param.name; }

// The expected output of an accepted packet: vmac_invisible rewrites the
// destination to this node's MAC so the stack sees PACKET_HOST.
inline OutFn accepted() {
    return [](const Scenario& s, const Bytes& in) {
        return s.spec.mode == FARM_MODE_VMAC_INVISIBLE ? withMacs(in, kMyMac) : in;
    };
}
// Relayed: to the node's MAC, from this node's MAC.
inline OutFn relayedTo(Mac owner) {
    return [owner](const Scenario&, const Bytes& in) { return withMacs(in, owner, kMyMac); };
}

class FarmFilterTest : public ::testing::Test {
protected:
    void SetUp() override {
        SAFEFARM_REQUIRE_PRIVILEGE();
        prog_ = std::make_unique<BpfTestProgram>();
        ASSERT_TRUE(prog_->ok()) << prog_->error();
    }

    void apply(const Scenario& s) {
        if (s.installed) {
            auto r = prog_->installEpoch(s.active, s.spec);
            ASSERT_TRUE(r.ok()) << r.error().message();
            if (s.other) {
                auto r2 = prog_->installEpoch(s.active ^ 1, *s.other);
                ASSERT_TRUE(r2.ok()) << r2.error().message();
            }
        }
        farm_state st{};
        st.active = s.active;
        st.abi_version = FARM_ABI_VERSION;
        ASSERT_TRUE(prog_->writeState(st).ok());
        ASSERT_TRUE(prog_->setLeaseFromNow(s.leaseNs).ok());
        for (const Mac& m : s.peerMacs) ASSERT_TRUE(prog_->addPeerMac(m).ok());
        for (const auto& [k, f] : s.flows) ASSERT_TRUE(prog_->writeFlow(k, f).ok());
    }

    // Runs one frame and checks verdict, output and that exactly `reason` counted it.
    RunResult expect(const Bytes& in, uint32_t action, farm_reason reason, const Bytes& out) {
        auto before = prog_->counters();
        EXPECT_TRUE(before.ok());
        RunResult r = prog_->run(in);
        EXPECT_EQ(r.error, 0) << "BPF_PROG_TEST_RUN failed";
        EXPECT_EQ(actionText(r.action), std::string(actionText(action)));
        EXPECT_EQ(hex(r.out), hex(out)) << "output frame";
        auto after = prog_->counters();
        EXPECT_TRUE(after.ok());
        if (before.ok() && after.ok()) {
            for (int i = 0; i < FARM_R_MAX; i++) {
                uint64_t dp = after.value()[i].packets - before.value()[i].packets;
                uint64_t db = after.value()[i].bytes - before.value()[i].bytes;
                EXPECT_EQ(dp, i == reason ? 1u : 0u)
                    << "counter " << reasonText(i) << " (expected " << reasonText(reason) << ")";
                if (i == reason) {
                    EXPECT_EQ(db, r.out.size()) << "bytes of " << reasonText(i);
                }
            }
        }
        return r;
    }

    RunResult runCase(const Case& c) {
        Scenario s = Scenario::standard();
        if (c.setup) c.setup(s);
        apply(s);
        Bytes in = c.packet(s);
        Bytes out = c.out ? c.out(s, in) : in;
        RunResult r = expect(in, c.action, c.reason, out);
        if (c.check) c.check(s, *prog_);
        return r;
    }

    std::unique_ptr<BpfTestProgram> prog_;
};

}  // namespace safefarm::test

// A table of Cases as one parameterised suite, each case through runCase
// (Prefix/Suite.Verdict/<case name>):
//   SAFEFARM_FILTER_CASES(FarmFilterIpTest, Steady, cases());
#define SAFEFARM_FILTER_CASES(Suite, Prefix, table)                                     \
    class Suite : public FarmFilterTest, public ::testing::WithParamInterface<Case> {}; \
    TEST_P(Suite, Verdict) {                                                            \
        SAFEFARM_REQUIRE_PRIVILEGE();                                                   \
        runCase(GetParam());                                                            \
    }                                                                                   \
    INSTANTIATE_TEST_SUITE_P(Prefix, Suite, ::testing::ValuesIn(table), caseName)
