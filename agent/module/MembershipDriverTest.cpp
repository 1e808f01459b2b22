// The real membership driver over UDP on loopback: that destroying it right
// after a stop, with the transport's handlers still queued, is safe (a
// module rebuilt at once after a stop crashed safed in CI).
#include "module/MembershipDriver.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "TempDir.h"

using namespace safefarm;
using namespace safefarm::module;
using namespace std::chrono_literals;

namespace {

using test::TempDir;

FarmPlan loopbackPlan(uint16_t port) {
    FarmPlan p;
    p.nodes.push_back(FarmNode{1, "n1", {parseIp("127.0.0.1").value()}});
    p.nodes.push_back(FarmNode{2, "n2", {parseIp("127.0.0.2").value()}});
    p.self = 1;
    p.port = port;
    return p;
}

MembershipSettings settings(const TempDir& d) {
    auto key = d.path() / "cluster.key";
    std::ofstream(key) << std::string(32, 'k');
    std::filesystem::permissions(key, std::filesystem::perms::owner_read | std::filesystem::perms::owner_write,
                                 std::filesystem::perm_options::replace);
    MembershipSettings s;
    s.keyFile = key.string();
    s.incarnationFile = (d.path() / "incarnation").string();
    s.pulse = 10ms;
    s.slostCount = 5;
    s.mlostCount = 3;
    return s;
}

}  // namespace

TEST(MembershipDriverTest, DestroyedRightAfterLeavingOrWhileJoined) {
    TempDir dir("sf-mdriver");
    boost::asio::io_context io;
    int views = 0;
    for (int round = 0; round < 20; round++) {
        auto d = std::make_unique<MembershipDriver>(io, loopbackPlan(uint16_t(47000 + round)), settings(dir));
        auto r = d->join(true, [&](const membership::View&, bool) { views++; });
        ASSERT_TRUE(r.ok()) << r.error().message();
        io.restart();
        // Heartbeats out, receives pending; a first view after the detection
        // time (50 ms: a new incarnation lets nobody go before).
        io.run_for(80ms);
        if (round % 2) d->leave();  // the close timer still pending
        d.reset();                  // destroyed with handlers queued
        io.restart();
        io.run_for(20ms);  // they run now: must not touch freed memory
    }
    EXPECT_GT(views, 0);
}

// Ready (or draining) is told at once: the heartbeat that says so leaves
// with the call, not at the next pulse (here a second away).
TEST(MembershipDriverTest, ReadyAndDrainingAreSentAtOnceNotAtTheNextPulse) {
    TempDir dir("sf-mdriver");
    boost::asio::io_context io;
    const uint16_t port = 47100;
    namespace ip = boost::asio::ip;
    ip::udp::socket peer(io, ip::udp::endpoint(ip::make_address("127.0.0.2"), port));
    peer.non_blocking(true);
    auto drainPeer = [&] {
        char buf[2048];
        ip::udp::endpoint from;
        boost::system::error_code ec;
        int n = 0;
        while (peer.receive_from(boost::asio::buffer(buf), from, 0, ec) > 0 && !ec) n++;
        return n;
    };
    auto s = settings(dir);
    s.pulse = 1000ms;
    MembershipDriver d(io, loopbackPlan(port), s);
    ASSERT_TRUE(d.join(false, [](const membership::View&, bool) {}).ok());
    io.run_for(20ms);  // the first heartbeats
    drainPeer();
    d.setReady(true);
    usleep(20000);
    EXPECT_GT(drainPeer(), 0) << "no heartbeat until the next pulse";
    d.drain();
    usleep(20000);
    EXPECT_GT(drainPeer(), 0) << "no heartbeat until the next pulse";
    d.leave();
    io.restart();
    io.run_for(20ms);
}
