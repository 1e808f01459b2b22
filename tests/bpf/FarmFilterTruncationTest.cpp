// Every frame cut at every length, from the bare Ethernet header to one byte
// short of complete: a defined verdict and reason for each cut, never a crash
// or XDP_ABORTED. Which verdict depends on the first header left incomplete.
#include "FarmFilterFixture.h"

namespace safefarm::test {
namespace {

struct Expect {
    uint32_t action;
    farm_reason reason;
    bool rewritten = false;  // accepted in vmac_invisible: dst MAC = my MAC
};

struct TruncCase {
    std::string name;
    std::function<void(Scenario&)> setup;
    std::function<PacketBuilder(const Scenario&)> frame;
    // Expected verdict when layer i (index into layerStarts) is the first incomplete one.
    std::function<std::optional<Expect>(size_t layer, size_t len)> expectAt;
};

void PrintTo(const TruncCase& c, std::ostream* os) { *os << c.name; }

const Expect kMalformed{XDP_DROP, FARM_R_DROP_MALFORMED};
const Expect kPassOther{XDP_PASS, FARM_R_PASS_OTHER};
const Expect kAccept{XDP_PASS, FARM_R_ACCEPT_OWNER, true};

// Layers: 0 eth, 1 IP, then extension headers / options..., L4, payload (last).
std::function<std::optional<Expect>(size_t, size_t)> vipTraffic(size_t l4Layer, bool directed = false) {
    return [l4Layer, directed](size_t layer, size_t) -> std::optional<Expect> {
        if (layer < l4Layer) return directed ? kPassOther : kMalformed;  // IP headers incomplete
        if (layer == l4Layer) return kMalformed;                         // L4 header incomplete
        return Expect{XDP_PASS, FARM_R_ACCEPT_OWNER, !directed};         // only payload cut
    };
}

std::vector<TruncCase> cases() {
    std::vector<TruncCase> c;
    auto ownAll = [](Scenario& s) {
        for (auto& b : s.spec.buckets) b = farm_bucket{kMe, kMe, 0, 0};
    };
    c.push_back({"Tcp4", ownAll,
                 [](const Scenario& s) {
                     return PacketBuilder()
                         .eth(s.vipMac(), kClientMac)
                         .ipv4(kClient4, kVip4)
                         .tcp(kClientPort, 80, kTcpAck)
                         .payload(4);
                 },
                 vipTraffic(2)});
    c.push_back({"Tcp4Directed",
                 [=](Scenario& s) {
                     s.directed();
                     ownAll(s);
                 },
                 [](const Scenario& s) {
                     return PacketBuilder()
                         .eth(s.vipMac(), kClientMac)
                         .ipv4(kClient4, kVip4)
                         .tcp(kClientPort, 80, kTcpAck)
                         .payload(4);
                 },
                 vipTraffic(2, true)});
    c.push_back({"Udp4WithOptions", ownAll,
                 [](const Scenario& s) {
                     Ipv4Options o;
                     o.options = Bytes(12, 0x01);
                     return PacketBuilder()
                         .eth(s.vipMac(), kClientMac)
                         .ipv4(kClient4, kVip4, o)
                         .udp(kClientPort, 53)
                         .payload(4);
                 },
                 vipTraffic(2)});
    c.push_back({"Tcp6ExtChain", ownAll,
                 [](const Scenario& s) {
                     return PacketBuilder()
                         .eth(s.vipMac(), kClientMac)
                         .ipv6(kClient6, kVip6)
                         .ipv6Ext(IPPROTO_HOPOPTS)
                         .ipv6Ext(IPPROTO_ROUTING, 1)
                         .ipv6Frag(0, true, 5)
                         .ipv6Ext(IPPROTO_DSTOPTS, 1)
                         .tcp(kClientPort, 443, kTcpAck)
                         .payload(4);
                 },
                 vipTraffic(6)});
    c.push_back(
        {"Udp6", ownAll,
         [](const Scenario& s) {
             return PacketBuilder().eth(s.vipMac(), kClientMac).ipv6(kClient6, kVip6).udp(kClientPort, 53).payload(4);
         },
         vipTraffic(2)});
    c.push_back({"Ipv4LaterFragmentNeedsNoL4", ownAll,
                 [](const Scenario& s) {
                     Ipv4Options o;
                     o.fragOffset = 8;
                     o.protocol = IPPROTO_TCP;
                     return PacketBuilder().eth(s.vipMac(), kClientMac).ipv4(kClient4, kVip4, o).payload(24);
                 },
                 [](size_t layer, size_t) -> std::optional<Expect> { return layer < 2 ? kMalformed : kAccept; }});
    c.push_back({"OtherMacAlwaysUntouched", ownAll,
                 [](const Scenario&) {
                     return PacketBuilder()
                         .eth(kOtherMac, kClientMac)
                         .ipv6(kClient6, kVip6)
                         .ipv6Ext(IPPROTO_DSTOPTS)
                         .tcp(kClientPort, 80, kTcpAck);
                 },
                 [](size_t, size_t) -> std::optional<Expect> { return kPassOther; }});
    c.push_back({"VlanAlwaysPassVlan", ownAll,
                 [](const Scenario& s) {
                     return PacketBuilder()
                         .eth(s.vipMac(), kClientMac)
                         .vlan(5)
                         .ipv4(kClient4, kVip4)
                         .tcp(kClientPort, 80, kTcpAck);
                 },
                 [](size_t, size_t) -> std::optional<Expect> {
                     return Expect{XDP_PASS, FARM_R_PASS_VLAN};
                 }});
    c.push_back({"ArpRequestForVip", [](Scenario& s) { s.spec.designated = kMe; },
                 [](const Scenario&) {
                     return PacketBuilder().eth(kBroadcast, kClientMac).arp(1, kClientMac, kClient4, kZeroMac, kVip4);
                 },
                 [](size_t, size_t) -> std::optional<Expect> { return kPassOther; }});
    c.push_back({"NeighbourSolicitation", [](Scenario& s) { s.spec.designated = kMe; },
                 [](const Scenario&) {
                     return PacketBuilder()
                         .eth(mac("33:33:ff:00:01:00"), kClientMac)
                         .ipv6(kClient6, ip("ff02::1:ff00:100"), 255)
                         .ndpSolicit(kVip6, kClientMac);
                 },
                 [](size_t layer, size_t len) -> std::optional<Expect> {
                     if (layer < 2) return kPassOther;             // not to the VIP's MAC
                     if (len < 14 + 40 + 24) return kPassOther;    // no whole target: not ours
                     return Expect{XDP_TX, FARM_R_TX_NDP_ADVERT};  // option cut: answered
                 }});
    return c;
}

class FarmFilterTruncationTest : public FarmFilterTest, public ::testing::WithParamInterface<TruncCase> {};

TEST_P(FarmFilterTruncationTest, EveryCut) {
    SAFEFARM_REQUIRE_PRIVILEGE();
    const TruncCase& tc = GetParam();
    Scenario s = Scenario::standard();
    tc.setup(s);
    apply(s);
    PacketBuilder pb = tc.frame(s);
    Bytes full = pb.build();
    std::vector<size_t> starts = pb.layerStarts();
    size_t boundaries = 0;
    for (size_t len = 14; len < full.size(); len++) {
        size_t layer = 0;
        while (layer + 1 < starts.size() && starts[layer + 1] <= len) layer++;
        std::optional<Expect> e = tc.expectAt(layer, len);
        ASSERT_TRUE(e.has_value());
        SCOPED_TRACE("cut at " + std::to_string(len) + " of " + std::to_string(full.size()) +
                     " bytes, first incomplete layer " + std::to_string(layer));
        Bytes in(full.begin(), full.begin() + static_cast<long>(len));
        if (e->action == XDP_TX) {
            RunResult r = prog_->run(in);
            EXPECT_EQ(r.error, 0);
            EXPECT_EQ(r.action, XDP_TX);
            EXPECT_EQ(r.out.size(), 86u);
        } else {
            expect(in, e->action, e->reason, e->rewritten ? withMacs(in, kMyMac) : in);
        }
        if (std::find(starts.begin(), starts.end(), len) != starts.end()) boundaries++;
        if (HasFailure()) break;  // one cut is enough to read
    }
    EXPECT_EQ(boundaries, starts.size() - 2) << "every header boundary after Ethernet was cut at";
}

INSTANTIATE_TEST_SUITE_P(Truncated, FarmFilterTruncationTest, ::testing::ValuesIn(cases()),
                         [](const ::testing::TestParamInfo<TruncCase>& i) { return i.param.name; });

// Shorter than an Ethernet header: the kernel refuses the test run itself.
TEST_F(FarmFilterTest, ShorterThanEthernetIsRefusedByTheKernel) {
    SAFEFARM_REQUIRE_PRIVILEGE();
    Scenario s = Scenario::standard();
    apply(s);
    auto before = prog_->counters();
    RunResult r = prog_->run(Bytes(13, 0xff));
    EXPECT_NE(r.error, 0);
    auto after = prog_->counters();
    ASSERT_TRUE(before.ok() && after.ok());
    for (int i = 0; i < FARM_R_MAX; i++) EXPECT_EQ(after.value()[i].packets, before.value()[i].packets);
}

}  // namespace
}  // namespace safefarm::test
