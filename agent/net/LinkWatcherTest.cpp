// LinkWatcher on a veth in a throw-away namespace (needs root).
#include "net/LinkWatcher.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>

#include "Privilege.h"
#include "ScopedNetns.h"

namespace safefarm::net {
namespace {

using namespace std::chrono_literals;
using Event = std::pair<std::string, bool>;

class LinkWatcherTest : public ::testing::Test {
protected:
    void SetUp() override {
        SAFEFARM_ENTER_TEST_NETNS(ns_, "sfnet_lw_");
        watcher_ = std::make_unique<LinkWatcher>(
            io_, [this](const std::string& ifname, bool up) { events_.emplace_back(ifname, up); });
        auto r = watcher_->start();
        ASSERT_TRUE(r) << r.error().message();
    }
    void TearDown() override {
        watcher_.reset();
        ns_.reset();
    }
    // Runs the io_context until `count` events arrived or 3 s passed.
    void runUntil(size_t count) {
        auto deadline = std::chrono::steady_clock::now() + 3s;
        while (events_.size() < count && std::chrono::steady_clock::now() < deadline) io_.run_for(20ms);
    }
    void run(const std::string& cmd) { ASSERT_EQ(std::system(cmd.c_str()), 0) << cmd; }

    boost::asio::io_context io_;
    std::unique_ptr<test::ScopedNetns> ns_;
    std::unique_ptr<LinkWatcher> watcher_;
    std::vector<Event> events_;
};

TEST_F(LinkWatcherTest, SeesAdminDownThenUp) {
    auto now = watcher_->watch("a0");
    ASSERT_TRUE(now) << now.error().message();
    EXPECT_TRUE(now.value());

    run("ip link set a0 down");
    runUntil(1);
    ASSERT_EQ(events_, (std::vector<Event>{{"a0", false}}));
    run("ip link set a0 up");
    runUntil(2);
    EXPECT_EQ(events_, (std::vector<Event>{{"a0", false}, {"a0", true}}));
}

TEST_F(LinkWatcherTest, SeesCarrierLoss) {
    ASSERT_TRUE(watcher_->watch("a0"));
    run("ip -n " + ns_->name() + "p link set b0 down");  // a0 stays admin up, loses carrier
    runUntil(1);
    ASSERT_EQ(events_, (std::vector<Event>{{"a0", false}}));
    run("ip -n " + ns_->name() + "p link set b0 up");
    runUntil(2);
    EXPECT_EQ(events_.back(), (Event{"a0", true}));
}

TEST_F(LinkWatcherTest, OnlyWatchedInterfacesAndOnlyChanges) {
    ASSERT_TRUE(watcher_->watch("lo"));
    run("ip link set a0 down");
    run("ip link set lo mtu 1500 && ip link set lo mtu 65536");  // changes, but not up/down
    io_.run_for(300ms);
    EXPECT_TRUE(events_.empty());

    ASSERT_TRUE(watcher_->watch("a0"));
    watcher_->unwatch("a0");
    run("ip link set a0 up");
    io_.run_for(300ms);
    EXPECT_TRUE(events_.empty());
}

TEST_F(LinkWatcherTest, WatchingAMissingInterfaceFails) {
    auto r = watcher_->watch("nosuch0");
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, ENODEV);
}

TEST_F(LinkWatcherTest, StopsCleanly) {
    ASSERT_TRUE(watcher_->watch("a0"));
    watcher_->stop();
    run("ip link set a0 down");
    io_.run_for(200ms);
    EXPECT_TRUE(events_.empty());
    watcher_.reset();
    io_.run_for(50ms);  // no handler may touch the destroyed watcher
}

}  // namespace
}  // namespace safefarm::net
