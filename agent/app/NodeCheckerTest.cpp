// The checkers that look at this node: ping, interface, address.
#include <gtest/gtest.h>

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdlib>

#include "Privilege.h"
#include "ScopedNetns.h"
#include "app/AppTestHelpers.h"
#include "app/IntfChecker.h"
#include "app/IpChecker.h"
#include "app/PingChecker.h"

namespace safefarm::app {
namespace {

using namespace std::chrono_literals;

template <class C, class Target>
CheckVerdict checkOnce(Target target, CheckTiming timing = {1s, 1s}) {
    boost::asio::io_context io;
    std::optional<CheckVerdict> v;
    C c(io, "node", target, timing, [&](const CheckVerdict& x) { v = x; });
    c.start();
    EXPECT_TRUE(testing::runUntil(io, [&] { return v.has_value(); }));
    return v.value_or(CheckVerdict{});
}

IpAddr ip(const char* text) { return parseIp(text).value(); }

bool canPing(int family) {
    int proto = family == AF_INET ? int{IPPROTO_ICMP} : int{IPPROTO_ICMPV6};
    for (int type : {SOCK_DGRAM, SOCK_RAW}) {
        int fd = ::socket(family, type, proto);
        if (fd >= 0) {
            ::close(fd);
            return true;
        }
    }
    return false;
}

TEST(CheckerPing, LoopbackAnswers) {
    if (!canPing(AF_INET)) GTEST_SKIP() << "no ping socket (ping_group_range) and no CAP_NET_RAW";
    auto v = checkOnce<PingChecker>(ip("127.0.0.1"));
    EXPECT_TRUE(v.ok) << v.detail;
    EXPECT_NE(v.detail.find("echo reply from 127.0.0.1"), std::string::npos) << v.detail;
}

TEST(CheckerPing, Ipv6LoopbackAnswers) {
    if (!canPing(AF_INET6)) GTEST_SKIP() << "no ICMPv6 socket";
    auto lo = interfaceWithAddress(ip("::1"));
    if (!lo.ok() || !lo.value()) GTEST_SKIP() << "no ::1 on this node";
    auto v = checkOnce<PingChecker>(ip("::1"));
    EXPECT_TRUE(v.ok) << v.detail;
}

// In a namespace of its own, where nothing answers on a0's subnet (some
// sandboxes answer pings to any address on the real network).
TEST(CheckerPing, SilentWitnessFailsOnTimeout) {
    SAFEFARM_REQUIRE_PRIVILEGE();
    test::ScopedNetns ns("sf_app_ping");
    ASSERT_TRUE(ns.ok());
    ASSERT_EQ(std::system("ip -n sf_app_ping addr add 10.77.0.1/24 dev a0"), 0);
    auto start = std::chrono::steady_clock::now();
    auto v = checkOnce<PingChecker>(ip("10.77.0.2"), {1s, 60ms});
    EXPECT_FALSE(v.ok) << v.detail;
    EXPECT_EQ(v.detail, "no answer within 60ms");
    EXPECT_LT(std::chrono::steady_clock::now() - start, 1s);
    // No route at all: sending fails at once.
    auto unreachable = checkOnce<PingChecker>(ip("10.99.0.1"), {1s, 1s});
    EXPECT_FALSE(unreachable.ok);
    EXPECT_NE(unreachable.detail.find("sending an echo request to 10.99.0.1"), std::string::npos) << unreachable.detail;
}

// The unprivileged path: a ping socket, allowed by ping_group_range (which
// belongs to the network namespace, so the host's setting is untouched).
TEST(CheckerPing, PingSocketAnswers) {
    SAFEFARM_REQUIRE_PRIVILEGE();
    test::ScopedNetns ns("sf_app_pingsock");
    ASSERT_TRUE(ns.ok());
    ASSERT_EQ(std::system("ip netns exec sf_app_pingsock sysctl -q -w net.ipv4.ping_group_range='0 2147483647'"), 0);
    int fd = ::socket(AF_INET, SOCK_DGRAM, IPPROTO_ICMP);
    ASSERT_GE(fd, 0) << "ping socket still refused";
    ::close(fd);
    auto v = checkOnce<PingChecker>(ip("127.0.0.1"));
    EXPECT_TRUE(v.ok) << v.detail;
}

TEST(CheckerIntf, LoopbackIsUp) {
    auto flags = linkFlags("lo");
    ASSERT_TRUE(flags.ok()) << flags.error().message();
    EXPECT_TRUE(flags->up);
    EXPECT_TRUE(flags->running);
    auto v = checkOnce<IntfChecker>(std::string("lo"), {1s, {}});
    EXPECT_TRUE(v.ok) << v.detail;
    EXPECT_EQ(v.detail, "lo is up");
}

TEST(CheckerIntf, MissingInterfaceFails) {
    auto v = checkOnce<IntfChecker>(std::string("sfnosuch0"), {1s, {}});
    EXPECT_FALSE(v.ok);
    EXPECT_NE(v.detail.find("No such device"), std::string::npos) << v.detail;
    EXPECT_FALSE(linkFlags("a-name-longer-than-ifnamsiz").ok());
}

// In a namespace of its own: a0's peer down is "no carrier", a0 down is "down";
// the host's interfaces of the same name are not looked at.
TEST(CheckerIntf, SeesCarrierAndAdminStateOfItsNamespace) {
    SAFEFARM_REQUIRE_PRIVILEGE();
    test::ScopedNetns ns("sf_app_intf");
    ASSERT_TRUE(ns.ok());
    EXPECT_TRUE(checkOnce<IntfChecker>(std::string("a0"), {1s, {}}).ok);
    ASSERT_EQ(std::system("ip -n sf_app_intfp link set b0 down"), 0);
    // The kernel's linkwatch applies a carrier change up to a second later.
    CheckVerdict noCarrier;
    auto end = std::chrono::steady_clock::now() + 3s;
    do noCarrier = checkOnce<IntfChecker>(std::string("a0"), {1s, {}});
    while (noCarrier.ok && std::chrono::steady_clock::now() < end && ::usleep(20000) == 0);
    EXPECT_FALSE(noCarrier.ok);
    EXPECT_EQ(noCarrier.detail, "a0 has no carrier");
    ASSERT_EQ(std::system("ip -n sf_app_intf link set a0 down"), 0);
    EXPECT_EQ(checkOnce<IntfChecker>(std::string("a0"), {1s, {}}).detail, "a0 is down");
}

TEST(CheckerIp, LoopbackAddressIsConfigured) {
    auto v = checkOnce<IpChecker>(ip("127.0.0.1"), {1s, {}});
    EXPECT_TRUE(v.ok) << v.detail;
    EXPECT_EQ(v.detail, "127.0.0.1 is on lo");
}

TEST(CheckerIp, AbsentAddressFails) {
    auto v = checkOnce<IpChecker>(ip("203.0.113.77"), {1s, {}});
    EXPECT_FALSE(v.ok);
    EXPECT_EQ(v.detail, "203.0.113.77 is not configured on this node");
    EXPECT_FALSE(checkOnce<IpChecker>(ip("2001:db8::77"), {1s, {}}).ok);
}

}  // namespace
}  // namespace safefarm::app
