// The fakes the module tests rely on behave like the real thing where it
// matters: idempotence, promiscuous-mode bookkeeping, errors.
#include "FakeNetSetup.h"

#include <gtest/gtest.h>

#include "FakeAnnouncer.h"

namespace safefarm::test {
namespace {

const Mac kMac{0x02, 0, 0, 0, 0, 0x10};
const Mac kVmac{0x5a, 0xfe, 0xc6, 0x12, 0x00, 0x64};
const Mac kVmac2{0x5a, 0xfe, 0xc6, 0x12, 0x00, 0x65};

TEST(FakeNetSetupTest, AddressesAreIdempotent) {
    FakeNetSetup net;
    net.addLink("eth0", kMac);
    auto vip = parseIp("198.18.0.100").value();
    ASSERT_TRUE(net.addAddress("eth0", vip));
    ASSERT_TRUE(net.addAddress("eth0", vip));
    EXPECT_EQ(net.addresses("eth0").value(), std::vector<IpAddr>{vip});
    ASSERT_TRUE(net.removeAddress("eth0", vip));
    ASSERT_TRUE(net.removeAddress("eth0", vip));
    EXPECT_TRUE(net.addresses("eth0").value().empty());
    EXPECT_EQ(net.addAddress("eth1", vip).error().code, ENODEV);
}

TEST(FakeNetSetupTest, LinkStateIsSettable) {
    FakeNetSetup net;
    net.addLink("eth0", kMac).info.carrier = false;
    auto l = net.link("eth0");
    ASSERT_TRUE(l);
    EXPECT_EQ(l->mac, kMac);
    EXPECT_FALSE(l->up());
}

TEST(FakeNetSetupTest, PromiscuousFallbackLikeTheKernel) {
    FakeNetSetup net;
    net.addLink("eth0", kMac).refusesFdb = true;
    ASSERT_TRUE(net.addUnicastMac("eth0", kVmac));
    ASSERT_TRUE(net.addUnicastMac("eth0", kVmac2));
    EXPECT_TRUE(net.linkState("eth0").promisc);
    ASSERT_TRUE(net.removeUnicastMac("eth0", kVmac));
    EXPECT_TRUE(net.linkState("eth0").promisc);
    ASSERT_TRUE(net.removeUnicastMac("eth0", kVmac2));
    EXPECT_FALSE(net.linkState("eth0").promisc);

    net.linkState("eth0").promisc = true;  // an administrator's
    ASSERT_TRUE(net.addUnicastMac("eth0", kVmac));
    ASSERT_TRUE(net.removeUnicastMac("eth0", kVmac));
    EXPECT_TRUE(net.linkState("eth0").promisc);
}

TEST(FakeNetSetupTest, SysctlsAndInjectedFailures) {
    FakeNetSetup net;
    net.addLink("eth0", kMac);
    EXPECT_EQ(net.setSysctl("net/ipv4/conf/eth0/arp_announce", "2").value(), "0");
    EXPECT_EQ(net.sysctls_["net/ipv4/conf/eth0/arp_announce"], "2");
    EXPECT_EQ(net.setSysctl("net/ipv4/conf/eth1/arp_announce", "2").error().code, ENOENT);

    net.failNext = osError(EPERM, "adding 198.18.0.100/32 to eth0");
    EXPECT_EQ(net.addUnicastMac("eth0", kVmac).error().code, EPERM);
    EXPECT_TRUE(net.addUnicastMac("eth0", kVmac));  // only the next call fails
    EXPECT_EQ(net.calls_.back(), "addUnicastMac eth0 5a:fe:c6:12:00:64");
}

TEST(FakeAnnouncerTest, RecordsWhatWasSent) {
    FakeAnnouncer a;
    ASSERT_TRUE(a.gratuitousArp("eth0", parseIp("198.18.0.100").value(), kVmac));
    a.failNext = osError(ENETDOWN, "sending");
    EXPECT_FALSE(a.unsolicitedNa("eth0", parseIp("2001:db8::100").value(), kVmac));
    ASSERT_TRUE(a.unsolicitedNa("eth0", parseIp("2001:db8::100").value(), kVmac));
    EXPECT_EQ(a.count(FakeAnnouncer::Kind::GratuitousArp), 1u);
    EXPECT_EQ(a.count(FakeAnnouncer::Kind::UnsolicitedNa), 1u);
    EXPECT_EQ(a.sent_[0].ifname, "eth0");
    EXPECT_EQ(a.sent_[0].mac, kVmac);
}

}  // namespace
}  // namespace safefarm::test
