// NetlinkSetup against a real kernel, in a throw-away namespace (needs root).
// Everything it changes lives in that namespace, so a failing test leaves
// nothing behind: the namespace goes with the fixture.
#include "net/NetlinkSetup.h"

#include <gtest/gtest.h>
#include <netinet/in.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <memory>

#include "Privilege.h"
#include "ScopedNetns.h"

namespace safefarm::net {
namespace {

// Runs cmd in this thread's namespace and returns what it printed.
std::string sh(const std::string& cmd) {
    std::string out;
    if (FILE* p = popen((cmd + " 2>&1").c_str(), "r")) {
        char buf[512];
        while (size_t n = fread(buf, 1, sizeof buf, p)) out.append(buf, n);
        pclose(p);
    }
    return out;
}

std::string readFile(const std::string& path) {
    std::ifstream in(path);
    std::string s;
    std::getline(in, s);
    return s;
}

bool has(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

bool listed(const std::vector<IpAddr>& addrs, const IpAddr& a) {
    for (const auto& x : addrs)
        if (x == a) return true;
    return false;
}

const Mac kVmac{0x5a, 0xfe, 0xc6, 0x12, 0x00, 0x64};
const Mac kVmac2{0x5a, 0xfe, 0xc6, 0x12, 0x00, 0x65};

class NetlinkSetupTest : public ::testing::Test {
protected:
    void SetUp() override {
        SAFEFARM_ENTER_TEST_NETNS(ns_, "sfnet_t1_");
        auto s = NetlinkSetup::open();
        ASSERT_TRUE(s) << s.error().message();
        net_ = std::move(s.value());
    }
    void TearDown() override {
        net_.reset();
        ns_.reset();
    }
    std::unique_ptr<test::ScopedNetns> ns_;
    std::unique_ptr<NetlinkSetup> net_;
};

TEST_F(NetlinkSetupTest, LinkReportsTheDevice) {
    auto l = net_->link("a0");
    ASSERT_TRUE(l) << l.error().message();
    EXPECT_GT(l->index, 0);
    EXPECT_TRUE(l->adminUp);
    EXPECT_TRUE(l->carrier);  // b0 is up
    EXPECT_EQ(l->mtu, 1500u);
    EXPECT_TRUE(has(sh("ip link show a0"), "link/ether " + formatMac(l->mac))) << formatMac(l->mac);

    auto missing = net_->link("nosuch0");
    ASSERT_FALSE(missing);
    EXPECT_EQ(missing.error().code, ENODEV);
    EXPECT_TRUE(has(missing.error().message(), "nosuch0")) << missing.error().message();
}

TEST_F(NetlinkSetupTest, Ipv4VipIsAHostAddressWithoutPrefixRoute) {
    auto vip = parseIp("198.18.0.100").value();
    for (int i = 0; i < 2; i++) ASSERT_TRUE(net_->addAddress("a0", vip)) << "add #" << i;  // idempotent
    std::string addr = sh("ip -d addr show dev a0");
    EXPECT_TRUE(has(addr, "inet 198.18.0.100/32 ")) << addr;
    EXPECT_TRUE(has(addr, "noprefixroute")) << addr;
    EXPECT_TRUE(listed(net_->addresses("a0").value(), vip));
    std::string routes = sh("ip -4 route show table all");
    EXPECT_TRUE(has(routes, "local 198.18.0.100 dev a0")) << routes;
    EXPECT_FALSE(has(routes, "\n198.18.0.100 ") || routes.rfind("198.18.0.100 ", 0) == 0) << routes;

    for (int i = 0; i < 2; i++) ASSERT_TRUE(net_->removeAddress("a0", vip)) << "remove #" << i;  // absent: fine
    EXPECT_FALSE(has(sh("ip addr show dev a0"), "198.18.0.100"));
    EXPECT_FALSE(listed(net_->addresses("a0").value(), vip));
}

TEST_F(NetlinkSetupTest, Ipv6VipHasNoDadAndNoPrefixRoute) {
    auto vip = parseIp("2001:db8::100").value();
    for (int i = 0; i < 2; i++) ASSERT_TRUE(net_->addAddress("a0", vip)) << "add #" << i;
    std::string addr = sh("ip -d -6 addr show dev a0");
    EXPECT_TRUE(has(addr, "inet6 2001:db8::100/128 ")) << addr;
    EXPECT_TRUE(has(addr, "nodad")) << addr;
    EXPECT_TRUE(has(addr, "noprefixroute")) << addr;
    std::string line = addr.substr(addr.find("inet6 2001:db8::100"));
    EXPECT_FALSE(has(line.substr(0, line.find('\n')), "tentative")) << addr;
    EXPECT_TRUE(listed(net_->addresses("a0").value(), vip));
    std::string routes = sh("ip -6 route show table all");
    EXPECT_TRUE(has(routes, "local 2001:db8::100 dev a0")) << routes;
    EXPECT_FALSE(has(routes, "\n2001:db8::100 ") || routes.rfind("2001:db8::100 ", 0) == 0) << routes;

    for (int i = 0; i < 2; i++) ASSERT_TRUE(net_->removeAddress("a0", vip)) << "remove #" << i;
    EXPECT_FALSE(has(sh("ip -6 addr show dev a0"), "2001:db8::100"));
}

TEST_F(NetlinkSetupTest, VipsOnLoopback) {
    for (const char* text : {"198.18.0.100", "2001:db8::100"}) {
        auto vip = parseIp(text).value();
        auto r = net_->addAddress("lo", vip);
        ASSERT_TRUE(r) << r.error().message();
        EXPECT_TRUE(listed(net_->addresses("lo").value(), vip)) << text;
        EXPECT_TRUE(has(sh("ip -d addr show dev lo"), std::string(text) + (vip.family == AF_INET ? "/32" : "/128")));
        ASSERT_TRUE(net_->removeAddress("lo", vip));
        EXPECT_FALSE(listed(net_->addresses("lo").value(), vip)) << text;
    }
}

TEST_F(NetlinkSetupTest, ErrorsNameTheAddressAndTheInterface) {
    auto r = net_->addAddress("nosuch0", parseIp("198.18.0.100").value());
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, ENODEV);
    EXPECT_TRUE(has(r.error().message(), "adding 198.18.0.100/32 to nosuch0")) << r.error().message();
    EXPECT_FALSE(net_->addAddress("a0", IpAddr{}));
}

TEST_F(NetlinkSetupTest, VmacGoesIntoTheUnicastFilter) {
    for (int i = 0; i < 2; i++) ASSERT_TRUE(net_->addUnicastMac("a0", kVmac)) << "add #" << i;
    EXPECT_EQ(net_->unicastMethod("a0", kVmac), UnicastMethod::Fdb);
    std::string fdb = sh("bridge fdb show dev a0");
    EXPECT_TRUE(has(fdb, "5a:fe:c6:12:00:64 self permanent")) << fdb;

    for (int i = 0; i < 2; i++) {
        auto r = net_->removeUnicastMac("a0", kVmac);
        ASSERT_TRUE(r) << "remove #" << i << ": " << r.error().message();
    }
    EXPECT_FALSE(net_->unicastMethod("a0", kVmac));
    EXPECT_FALSE(has(sh("bridge fdb show dev a0"), "5a:fe:c6:12:00:64"));
}

TEST_F(NetlinkSetupTest, PromiscuousFallbackIsUndoneByTheLastUser) {
    // lo is not Ethernet: the kernel refuses the fdb entry.
    ASSERT_TRUE(net_->addUnicastMac("lo", kVmac));
    ASSERT_TRUE(net_->addUnicastMac("lo", kVmac2));
    EXPECT_EQ(net_->unicastMethod("lo", kVmac), UnicastMethod::Promisc);
    EXPECT_TRUE(has(sh("ip link show lo"), "PROMISC"));
    ASSERT_TRUE(net_->removeUnicastMac("lo", kVmac));
    EXPECT_TRUE(has(sh("ip link show lo"), "PROMISC")) << "still needed by the second vMAC";
    ASSERT_TRUE(net_->removeUnicastMac("lo", kVmac2));
    EXPECT_FALSE(has(sh("ip link show lo"), "PROMISC"));
}

TEST_F(NetlinkSetupTest, PromiscuousModeSetByOthersIsLeftOn) {
    sh("ip link set lo promisc on");
    ASSERT_TRUE(net_->addUnicastMac("lo", kVmac));
    ASSERT_TRUE(net_->removeUnicastMac("lo", kVmac));
    EXPECT_TRUE(has(sh("ip link show lo"), "PROMISC"));
    ASSERT_TRUE(net_->removeUnicastMac("lo", kVmac2));  // never added: nothing to undo
    EXPECT_TRUE(has(sh("ip link show lo"), "PROMISC"));
}

TEST_F(NetlinkSetupTest, SysctlReturnsThePreviousValue) {
    const std::string key = "net/ipv4/conf/a0/arp_announce";
    auto old = net_->setSysctl(key, "2");
    ASSERT_TRUE(old) << old.error().message();
    EXPECT_EQ(old.value(), "0");
    EXPECT_EQ(readFile("/proc/sys/" + key), "2");
    auto restored = net_->setSysctl(key, old.value());
    ASSERT_TRUE(restored);
    EXPECT_EQ(restored.value(), "2");
    EXPECT_EQ(readFile("/proc/sys/" + key), "0");

    EXPECT_EQ(net_->setSysctl("net/ipv4/conf/nosuch0/arp_announce", "2").error().code, ENOENT);
    EXPECT_EQ(net_->setSysctl(key, "x").error().code, EINVAL);
    for (const char* bad : {"", "/proc/sys/net/ipv4/ip_forward", "net/../../etc/passwd", "net//ipv4"})
        EXPECT_FALSE(net_->setSysctl(bad, "1")) << bad;
}

}  // namespace
}  // namespace safefarm::net
