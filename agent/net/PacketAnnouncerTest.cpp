// PacketAnnouncer on a veth (needs root): what leaves a0 must arrive on its
// peer b0, byte for byte as AnnounceFrames builds it.
#include <arpa/inet.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <poll.h>
#include <sched.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>

#include "Privilege.h"
#include "ScopedNetns.h"
#include "net/AnnounceFrames.h"
#include "net/Announcer.h"
#include "net/NetlinkSetup.h"

namespace safefarm::net {
namespace {

using namespace std::chrono_literals;

const Mac kVmac{0x5a, 0xfe, 0xc6, 0x12, 0x00, 0x64};

// A packet socket on ifname in namespace ns, opened from this thread, which
// then returns to its own namespace.
int captureIn(const std::string& ns, const char* ifname, uint16_t proto) {
    int home = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
    int there = open(("/run/netns/" + ns).c_str(), O_RDONLY | O_CLOEXEC);
    int fd = -1;
    if (home >= 0 && there >= 0 && setns(there, CLONE_NEWNET) == 0) {
        fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, htons(proto));
        sockaddr_ll sll{};
        sll.sll_family = AF_PACKET;
        sll.sll_protocol = htons(proto);
        sll.sll_ifindex = static_cast<int>(if_nametoindex(ifname));
        if (fd >= 0 && bind(fd, reinterpret_cast<sockaddr*>(&sll), sizeof sll) != 0) {
            close(fd);
            fd = -1;
        }
        (void)setns(home, CLONE_NEWNET);
    }
    if (home >= 0) close(home);
    if (there >= 0) close(there);
    return fd;
}

// Waits up to 2 s for a frame that starts with `expected` (padding allowed).
bool receives(int fd, const std::vector<uint8_t>& expected) {
    auto deadline = std::chrono::steady_clock::now() + 2s;
    while (std::chrono::steady_clock::now() < deadline) {
        pollfd p{fd, POLLIN, 0};
        if (poll(&p, 1, 100) <= 0) continue;
        uint8_t buf[2048];
        ssize_t n = recv(fd, buf, sizeof buf, MSG_DONTWAIT);
        if (n >= static_cast<ssize_t>(expected.size()) && std::equal(expected.begin(), expected.end(), buf))
            return true;  // other traffic (router solicitations, MLD) is skipped
    }
    return false;
}

class PacketAnnouncerTest : public ::testing::Test {
protected:
    void SetUp() override {
        SAFEFARM_ENTER_TEST_NETNS(ns_, "sfnet_pa_");
        auto a = PacketAnnouncer::open();
        ASSERT_TRUE(a) << a.error().message();
        announcer_ = std::move(a.value());
        auto setup = NetlinkSetup::open();
        ASSERT_TRUE(setup);
        a0Mac_ = setup.value()->link("a0").value().mac;
    }
    void TearDown() override {
        if (capture_ >= 0) close(capture_);
        announcer_.reset();
        ns_.reset();
    }
    std::unique_ptr<test::ScopedNetns> ns_;
    std::unique_ptr<PacketAnnouncer> announcer_;
    Mac a0Mac_{};
    int capture_ = -1;
};

TEST_F(PacketAnnouncerTest, GratuitousArpArrivesOnThePeer) {
    capture_ = captureIn(ns_->name() + "p", "b0", ETH_P_ARP);
    ASSERT_GE(capture_, 0);
    auto vip = parseIp("198.18.0.100").value();
    auto r = announcer_->gratuitousArp("a0", vip, kVmac);
    ASSERT_TRUE(r) << r.error().message();
    // Ethernet source: a0's own MAC; the vMAC only inside the ARP payload.
    EXPECT_TRUE(receives(capture_, buildGratuitousArp(a0Mac_, kVmac, vip)));
}

TEST_F(PacketAnnouncerTest, UnsolicitedNaArrivesOnThePeer) {
    capture_ = captureIn(ns_->name() + "p", "b0", ETH_P_IPV6);
    ASSERT_GE(capture_, 0);
    auto vip = parseIp("2001:db8::100").value();
    auto r = announcer_->unsolicitedNa("a0", vip, kVmac);
    ASSERT_TRUE(r) << r.error().message();
    EXPECT_TRUE(receives(capture_, buildUnsolicitedNa(a0Mac_, kVmac, vip)));
}

TEST_F(PacketAnnouncerTest, RefusesWhatItCannotSend) {
    auto v4 = parseIp("198.18.0.100").value(), v6 = parseIp("2001:db8::100").value();
    auto missing = announcer_->gratuitousArp("nosuch0", v4, kVmac);
    ASSERT_FALSE(missing);
    EXPECT_EQ(missing.error().code, ENODEV);
    EXPECT_NE(missing.error().message().find("198.18.0.100"), std::string::npos) << missing.error().message();
    EXPECT_FALSE(announcer_->gratuitousArp("lo", v4, kVmac));  // not Ethernet
    EXPECT_FALSE(announcer_->gratuitousArp("a0", v6, kVmac));
    EXPECT_FALSE(announcer_->unsolicitedNa("a0", v4, kVmac));
}

}  // namespace
}  // namespace safefarm::net
