#include "dataplane/EpochSpec.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>

#include "buckets/BucketTable.h"

namespace safefarm {
namespace {

EpochSpec valid() {
    EpochSpec s;
    s.epoch = 7;
    s.myId = 1;
    s.designated = 0;
    s.myMac = parseMac("02:00:00:00:00:01").value();
    s.vips = {parseIp("198.18.0.100").value(), parseIp("2001:db8::100").value()};
    s.vmac = defaultVmac(s.vips[0]);
    s.rules = {FarmRule{std::nullopt, IPPROTO_TCP, 80, FARM_FILTER_ON_ADDR},
               FarmRule{uint8_t{1}, IPPROTO_UDP, 0, FARM_FILTER_ON_PORT}};
    s.peers = {{0, parseMac("02:00:00:00:00:00").value()}, {1, s.myMac}};
    s.buckets = computeBuckets({{0, 1}, {1, 1}});
    return s;
}

TEST(EpochSpecTest, EncodesEveryField) {
    auto r = encodeEpoch(valid());
    ASSERT_TRUE(r.ok()) << r.error().message();
    const farm_epoch& ep = r.value();
    EXPECT_EQ(ep.epoch, 7u);
    EXPECT_EQ(ep.my_id, 1);
    EXPECT_EQ(ep.designated, 0);
    EXPECT_EQ(ep.nr_vips, 2);
    EXPECT_EQ(ep.vips[0].family, AF_INET);
    EXPECT_EQ(ep.vips[0].addr[0], inet_addr("198.18.0.100"));
    EXPECT_EQ(ep.vips[1].family, AF_INET6);
    EXPECT_EQ(ep.nr_rules, 2);
    EXPECT_EQ(ep.rules[0].vip, FARM_ANY_VIP);
    EXPECT_EQ(ep.rules[0].port, htons(80));
    EXPECT_EQ(ep.rules[1].vip, 1);
    EXPECT_EQ(ep.rules[1].filter, FARM_FILTER_ON_PORT);
    EXPECT_EQ(ep.arp_filter, 0xff);
    EXPECT_TRUE(ep.peers[0].valid);
    EXPECT_TRUE(ep.peers[1].valid);
    EXPECT_FALSE(ep.peers[2].valid);
    const uint8_t vmac[6] = {0x5a, 0xfe, 198, 18, 0, 100};
    EXPECT_EQ(std::memcmp(ep.vmac, vmac, 6), 0);
}

struct BadCase {
    const char* what;
    void (*spoil)(EpochSpec&);
    const char* message;  // a part of the error
};

class EpochSpecBadTest : public ::testing::TestWithParam<BadCase> {};

TEST_P(EpochSpecBadTest, IsRefusedWithAReason) {
    EpochSpec s = valid();
    GetParam().spoil(s);
    auto r = encodeEpoch(s);
    ASSERT_FALSE(r.ok());
    EXPECT_NE(r.error().message().find(GetParam().message), std::string::npos) << r.error().message();
}

INSTANTIATE_TEST_SUITE_P(
    Cases, EpochSpecBadTest,
    ::testing::Values(BadCase{"epoch0", [](EpochSpec& s) { s.epoch = 0; }, "epoch must be > 0"},
                      BadCase{"noVip", [](EpochSpec& s) { s.vips.clear(); }, "no VIP"},
                      BadCase{"tooManyVips", [](EpochSpec& s) { s.vips.resize(17, s.vips[0]); }, "at most 16"},
                      BadCase{"tooManyRules", [](EpochSpec& s) { s.rules.resize(65, s.rules[0]); }, "at most 64"},
                      BadCase{"shortTable", [](EpochSpec& s) { s.buckets.pop_back(); }, "entries, expected 16384"},
                      BadCase{"badProto", [](EpochSpec& s) { s.rules[0].proto = 1; }, "tcp or udp"},
                      BadCase{"badVipIndex", [](EpochSpec& s) { s.rules[0].vip = 5; }, "out of range"},
                      BadCase{"arpInvisible", [](EpochSpec& s) { s.arpFilter = FARM_FILTER_ON_ADDR; }, "vmac_directed"},
                      BadCase{"arpOnPort",
                              [](EpochSpec& s) {
                                  s.mode = FARM_MODE_VMAC_DIRECTED;
                                  s.arpFilter = FARM_FILTER_ON_PORT;
                              },
                              "on_addr"},
                      BadCase{"meMissing", [](EpochSpec& s) { s.peers.pop_back(); }, "not among the peers"},
                      BadCase{"dupPeer", [](EpochSpec& s) { s.peers.push_back(s.peers[0]); }, "listed twice"},
                      BadCase{"badDesignated", [](EpochSpec& s) { s.designated = 9; }, "designated node 9"},
                      BadCase{"unknownOwner", [](EpochSpec& s) { s.buckets[3].owner = 9; }, "bucket 3"},
                      BadCase{"noFamily", [](EpochSpec& s) { s.vips[0].family = 0; }, "no address family"}),
    [](const auto& info) { return std::string(info.param.what); });

TEST(NetAddrTest, ParsesAndPrints) {
    EXPECT_EQ(formatMac(parseMac("5A:fe:01:02:03:04").value()), "5a:fe:01:02:03:04");
    EXPECT_FALSE(parseMac("5a:fe:01:02:03").ok());
    EXPECT_FALSE(parseMac("5a:fe:01:02:03:04:05").ok());
    EXPECT_EQ(formatIp(parseIp("2001:db8::1").value()), "2001:db8::1");
    EXPECT_EQ(parseIp("198.18.0.1").value().family, AF_INET);
    EXPECT_FALSE(parseIp("198.18.0.300").ok());
}

}  // namespace
}  // namespace safefarm
