// The module lifecycle against fakes of everything kernel- and
// process-facing: what start sets up and in which order, that a failure
// leaves nothing behind, that a view makes it UP, that a stop drains, runs
// stop_both (then force) and removes everything. Time is a fake clock's:
// runFor() moves it on and runs the pulses due, nothing sleeps.
#include "module/Module.h"
#include "module/EpochBuilder.h"
#include "module/ModuleStatusJson.h"

#include <gtest/gtest.h>

#include <boost/asio/post.hpp>
#include <thread>

#include "control/MessageIds.h"

#include "FakeAnnouncer.h"
#include "buckets/BucketTable.h"
#include "FakeChecker.h"
#include "FakeClock.h"
#include "FakeDataPath.h"
#include "FakeMembershipPort.h"
#include "FakeNetSetup.h"
#include "FakeRunningMark.h"
#include "FakeScriptRunner.h"

using namespace safefarm;
using namespace safefarm::module;
using namespace std::chrono_literals;
using membership::MemberState;
using membership::View;
using membership::ViewMember;

namespace {

const char* kCluster = R"(<cluster><lans><lan name="lab">
  <node name="n1" addr="198.18.0.11"/><node name="n2" addr="198.18.0.12"/></lan></lans></cluster>)";
const char* kModule = R"(<safe><service mode="farm"><farm><lan name="lab"/></farm>
  <vip><interface_list><interface name="eth0" arpreroute="on"><virtual_interface type="vmac_invisible">
    <virtual_addr addr="198.18.0.100" where="alias"/><virtual_addr addr="2001:db8::100" where="alias"/>
  </virtual_interface></interface></interface_list>
  <loadbalancing_list><group name="web"><rule port="80" proto="tcp" filter="on_addr"/></group></loadbalancing_list></vip>
  <user nicestoptimeout="5s" forcestoptimeout="2s"><var name="APP_MODE" value="prod"/></user>
</service></safe>)";

// Three nodes, this one (n1) in the middle: id 2.
const char* kThreeNodes = R"(<cluster><lans><lan name="lab">
  <node name="n0" addr="198.18.0.10"/><node name="n1" addr="198.18.0.11"/><node name="n2" addr="198.18.0.12"/>
</lan></lans></cluster>)";

// vmac_directed, ARP answered by the requester's hash owner.
const char* kDirectedModule = R"(<safe><service mode="farm"><farm><lan name="lab"/></farm>
  <vip><interface_list><interface name="eth0" arpreroute="on"><virtual_interface type="vmac_directed">
    <virtual_addr addr="198.18.0.100" where="alias"/>
  </virtual_interface></interface></interface_list>
  <loadbalancing_list><group name="web"><rule port="80" proto="tcp" filter="on_addr"/>
    <rule proto="arp" filter="on_addr"/></group></loadbalancing_list></vip>
  <user nicestoptimeout="5s" forcestoptimeout="2s"/>
</service></safe>)";

// The fake network, with a vMAC the unicast filter refuses on demand.
class TestNet : public test::FakeNetSetup {
public:
    Result<void> addUnicastMac(const std::string& ifname, const Mac& mac) override {
        if (failVmac) return *failVmac;
        return FakeNetSetup::addUnicastMac(ifname, mac);
    }
    std::optional<Error> failVmac;
};

class ModuleTest : public ::testing::Test {
protected:
    // The module logs control::MessageId values: an id missing from
    // docs/messages.md's table does not compile (safed once logged an
    // unknown one under another id, and took SF_PEER_MAC that way).
    void SetUp() override {
        record_.lease = clock_->now() + std::chrono::hours(1);  // what the peers confirm
        build(kModule);
    }
    void build(const char* moduleText, const char* clusterText = kCluster) {
        cluster_ = config::parseClusterText(clusterText, "cluster.xml").config;
        config::ParseContext ctx;
        ctx.cluster = cluster_.get();
        auto parsed = config::parseUserConfigText(moduleText, "userconfig.xml", ctx);
        ASSERT_TRUE(parsed.config) << (parsed.errors.empty() ? "" : parsed.errors[0].format());
        config_ = parsed.config;
        auto plan = makeFarmPlan(*config_, *cluster_, "n1", {});
        ASSERT_TRUE(plan.ok()) << plan.error().message();
        if (!net_.hasLink("eth0")) {
            net_.addLink("eth0", Mac{2, 0x5f, 0xab, 0, 0, 1});
            net_.addLink("lo", Mac{});
        }
        ModuleTiming timing;
        timing.pulse = 5ms;
        timing.lease = 50ms;
        timing.joinDrain = 30ms;
        timing.drainGrace = 20ms;
        timing.drainCheck = 5ms;
        timing.flowCount = 0ms;
        timing.linkSettle = 20ms;
        ModuleDeps deps{io_,
                        net_,
                        announcer_,
                        scripts_,
                        [this]() -> Result<std::unique_ptr<DataPath>> {
                            if (failOpen_) return badInput("no XDP here");
                            auto dp = std::make_unique<test::FakeDataPath>();
                            // A restarted safed adopts what the last one left.
                            dp->installed_ = adopt_;
                            dp->leaseDeadline_ = adoptLease_;
                            dp_ = dp.get();
                            removed_ = false;
                            return std::unique_ptr<DataPath>(std::move(dp));
                        },
                        [this]() {
                            removed_ = true;
                            dp_ = nullptr;
                            return success();
                        },
                        [this]() {
                            auto p = std::make_unique<test::FakeMembershipPort>(record_);
                            port_ = p.get();
                            return p;
                        },
                        [this](control::Level level, control::MessageId id, const std::string& text) {
                            const char* letter = level == control::Level::Error  ? "E"
                                                 : level == control::Level::Warn ? "W"
                                                                                 : "I";
                            log_.push_back(letter + (" " + std::string(control::messageName(id))) + " " + text);
                        },
                        [this](app::VerdictHandler onVerdict) {
                            std::vector<std::unique_ptr<app::Checker>> made;
                            checkers_.clear();
                            for (const auto& ident : checkerIdents_) {
                                auto c = std::make_unique<test::FakeChecker>(ident, onVerdict);
                                checkers_.push_back(c.get());
                                made.push_back(std::move(c));
                            }
                            return made;
                        },
                        [this](std::function<void()> job) {
                            if (holdScans_) heldScans_.push_back(std::move(job));
                            else boost::asio::post(io_, std::move(job));
                        },
                        clock_,
                        std::make_unique<test::FakeRunningMark>(mark_)};
        module_ = std::make_unique<Module>(std::move(deps), ModulePaths{"web", "/m/web", "/var/web", "/usr/lib/safefarm"},
                                           config_, plan.value(), std::array<uint64_t, 2>{1, 2}, timing);
    }

    void commit(uint64_t seq, std::vector<std::pair<uint8_t, MemberState>> members) {
        View v;
        v.id = {seq, 1, 1};
        for (auto [id, st] : members) v.members.push_back(ViewMember{id, 1, 1, st});
        (*port_->handler)(v, true);
    }
    // d passes: every pulse due meanwhile runs at its time, and whatever the
    // module posted (traffic scans and their results) after each.
    void runFor(std::chrono::milliseconds d) {
        poll();
        clock_->advance(d, [this] { poll(); });
        poll();
    }
    void poll() {
        io_.restart();
        io_.poll();
    }
    std::chrono::nanoseconds now() const { return clock_->now(); }
    nlohmann::json status() const { return statusJson(module_->snapshot()); }
    // start, start_both ok, view with both nodes ready: UP.
    void startUp() {
        module_->start([this](Result<void> r) { startResult_ = r.ok(); });
        ASSERT_EQ(scripts_.runs.size(), 1u);
        scripts_.exit(0, 0);
        commit(1, {{1, MemberState::Ready}, {2, MemberState::Ready}});
        ASSERT_EQ(module_->state(), ModuleState::Up);
    }
    bool nothingLeft() {
        auto& eth0 = net_.linkState("eth0");
        return eth0.addresses.empty() && net_.linkState("lo").addresses.empty() && eth0.fdb.empty() && !eth0.promisc &&
               net_.sysctls_["net/ipv4/conf/eth0/arp_announce"] == "0" && removed_;
    }

    boost::asio::io_context io_;
    std::shared_ptr<test::FakeClock> clock_ = std::make_shared<test::FakeClock>();
    std::optional<std::string> mark_;  // the running mark: arp_announce to restore
    TestNet net_;
    test::FakeAnnouncer announcer_;
    test::FakeScriptRunner scripts_;
    test::FakeMembershipPort::Record record_;
    test::FakeMembershipPort* port_ = nullptr;
    test::FakeDataPath* dp_ = nullptr;
    bool removed_ = false, failOpen_ = false;
    std::optional<EpochSpec> adopt_;  // the data path a previous safed left
    // Flow scans handed to the offload thread: held here when holdScans_.
    bool holdScans_ = false;
    std::vector<std::function<void()>> heldScans_;
    std::chrono::nanoseconds adoptLease_{0};
    std::optional<bool> startResult_;
    // The checkers the module makes when its application runs (<check>,
    // <errd>), as the last start made them.
    std::vector<std::string> checkerIdents_;
    std::vector<test::FakeChecker*> checkers_;
    std::vector<std::string> log_;
    std::shared_ptr<const config::ClusterConfig> cluster_;
    std::shared_ptr<const config::ModuleConfig> config_;
    std::unique_ptr<Module> module_;
};

}  // namespace

TEST_F(ModuleTest, StartSetsUpTheNodeThenRunsStartBothThenUpWithTheView) {
    module_->start([this](Result<void> r) { startResult_ = r.ok(); });
    EXPECT_EQ(module_->state(), ModuleState::Wait);
    EXPECT_EQ(net_.sysctls_["net/ipv4/conf/eth0/arp_announce"], "2");
    EXPECT_EQ(net_.linkState("eth0").fdb.count(Mac{0x5a, 0xfe, 198, 18, 0, 100}), 1u);
    ASSERT_NE(dp_, nullptr);
    ASSERT_TRUE(dp_->installed_);
    // Before any view the node owns nothing: the filter fences the VIP.
    EXPECT_EQ(bucketsOwned(dp_->installed_->buckets, 1), 0u);
    EXPECT_EQ(net_.linkState("eth0").addresses.size(), 1u);  // IPv4 VIP
    EXPECT_EQ(net_.linkState("lo").addresses.size(), 1u);    // IPv6 VIP on lo
    EXPECT_TRUE(record_.joined);
    EXPECT_FALSE(record_.ready);

    ASSERT_EQ(scripts_.runs.size(), 1u);
    const auto& run = scripts_.runs[0].run;
    EXPECT_EQ(run.path, "/m/web/bin/start_both");
    auto has = [&](const std::string& k, const std::string& v) {
        return std::find(run.env.begin(), run.env.end(), std::pair{k, v}) != run.env.end();
    };
    EXPECT_TRUE(has("SAFEMODULE", "web"));
    EXPECT_TRUE(has("SAFE", "/usr/lib/safefarm"));
    EXPECT_TRUE(has("SAFEUSERBIN", "/m/web/bin"));
    EXPECT_TRUE(has("APP_MODE", "prod"));

    scripts_.exit(0, 0);
    EXPECT_EQ(startResult_, std::optional<bool>(true));
    EXPECT_TRUE(record_.ready);
    EXPECT_EQ(module_->state(), ModuleState::Wait);  // until a view gives it buckets
    commit(1, {{1, MemberState::Ready}, {2, MemberState::Ready}});
    EXPECT_EQ(module_->state(), ModuleState::Up);
    EXPECT_EQ(bucketsOwned(dp_->installed_->buckets, 1), FARM_BUCKETS / 2);
    EXPECT_GT(dp_->leaseDeadline_.count(), 0);
    // arpreroute: the designated node announces the VIPs.
    runFor(20ms);
    EXPECT_GE(announcer_.sent_.size(), 2u);
}

TEST_F(ModuleTest, AFailedStepLeavesNothingBehind) {
    failOpen_ = true;  // the data path cannot be opened: after sysctl and fdb
    module_->start([this](Result<void> r) { startResult_ = r.ok(); });
    EXPECT_EQ(startResult_, std::optional<bool>(false));
    EXPECT_EQ(module_->state(), ModuleState::Stop);
    EXPECT_NE(module_->reason().find("no XDP here"), std::string::npos);
    EXPECT_TRUE(net_.linkState("eth0").fdb.empty());
    EXPECT_EQ(net_.sysctls_["net/ipv4/conf/eth0/arp_announce"], "0");
    EXPECT_TRUE(net_.linkState("eth0").addresses.empty());
    EXPECT_TRUE(scripts_.runs.empty());
}

TEST_F(ModuleTest, AFailedVipLeavesNothingBehind) {
    net_.failNext = badInput("EPERM on lo");
    // link() consumes failNext first: fail the VIP instead by removing lo.
    net_.failNext.reset();
    net_.links_.erase("lo");
    module_->start([this](Result<void> r) { startResult_ = r.ok(); });
    EXPECT_EQ(startResult_, std::optional<bool>(false));
    EXPECT_TRUE(net_.linkState("eth0").addresses.empty()) << "the IPv4 VIP added before must be removed";
    EXPECT_TRUE(net_.linkState("eth0").fdb.empty());
    EXPECT_TRUE(removed_);
    EXPECT_FALSE(record_.joined);
}

TEST_F(ModuleTest, StartBothFailingStopsTheModuleWithTheReason) {
    module_->start([this](Result<void> r) { startResult_ = r.ok(); });
    scripts_.exit(0, 3);
    EXPECT_EQ(startResult_, std::optional<bool>(false));
    // Whatever start_both left is stopped by stop_both force.
    ASSERT_EQ(scripts_.runs.size(), 2u);
    EXPECT_EQ(scripts_.runs[1].run.args, std::vector<std::string>{"force"});
    scripts_.exit(1, 0);
    EXPECT_EQ(module_->state(), ModuleState::Stop);
    EXPECT_EQ(module_->reason(), "start_both failed");
    EXPECT_TRUE(nothingLeft());
}

TEST_F(ModuleTest, GracefulStopDrainsThenStopBothThenRemovesEverything) {
    startUp();
    bool stopped = false;
    module_->stop(false, [&](Result<void> r) { stopped = r.ok(); });
    EXPECT_TRUE(record_.draining);
    EXPECT_EQ(module_->activity(), Activity::Draining);
    runFor(30ms);
    EXPECT_EQ(scripts_.runs.size(), 1u) << "stop_both must wait for the view that moves the buckets";
    // The view with this node draining: its buckets go to n2 in transition.
    commit(2, {{1, MemberState::Draining}, {2, MemberState::Ready}});
    EXPECT_EQ(bucketsOwned(dp_->installed_->buckets, 1), 0u);
    EXPECT_EQ(bucketsInTransition(dp_->installed_->buckets), FARM_BUCKETS / 2);
    runFor(60ms);  // the drain grace, no flow: stop_both
    ASSERT_EQ(scripts_.runs.size(), 2u);
    EXPECT_EQ(scripts_.runs[1].run.path, "/m/web/bin/stop_both");
    EXPECT_TRUE(scripts_.runs[1].run.args.empty());
    scripts_.exit(1, 0);
    EXPECT_TRUE(stopped);
    EXPECT_TRUE(record_.left);
    EXPECT_EQ(module_->state(), ModuleState::Stop);
    EXPECT_TRUE(nothingLeft());
}

TEST_F(ModuleTest, StopWaitsForAFlowStillActiveInTheDrain) {
    startUp();
    module_->stop(false, [](Result<void>) {});
    commit(2, {{1, MemberState::Draining}, {2, MemberState::Ready}});
    uint32_t bucket = 0;
    while (dp_->installed_->buckets[bucket].prev_owner != 1) bucket++;
    FlowEntry f;
    f.flow.kind = FARM_FLOW_OWN;
    f.flow.bucket = bucket;
    dp_->flows_.push_back(f);
    // The flow keeps carrying packets: refresh its last_seen while we wait.
    for (int i = 0; i < 10; i++) {
        dp_->flows_[0].flow.last_seen_ns = static_cast<uint64_t>(now().count());
        runFor(10ms);
    }
    EXPECT_EQ(scripts_.runs.size(), 1u) << "stop_both ran while a flow was still active";
    dp_->flows_[0].flow.flags = FARM_FLOW_FIN;  // the connection ends
    runFor(30ms);
    EXPECT_EQ(scripts_.runs.size(), 2u);
}

TEST_F(ModuleTest, HangingStopBothIsForced) {
    startUp();
    module_->stop(true, [](Result<void>) {});  // forced: no drain
    ASSERT_EQ(scripts_.runs.size(), 2u);
    EXPECT_EQ(scripts_.runs[1].run.args, std::vector<std::string>{"force"});
    EXPECT_EQ(scripts_.runs[1].run.timeout, std::chrono::nanoseconds(2s));
    scripts_.timeOut(1);  // stop_both force hangs too: its processes are killed
    EXPECT_GE(scripts_.killAllCalls, 1);
    EXPECT_EQ(module_->state(), ModuleState::Stop);
}

TEST_F(ModuleTest, GracefulStopBothTimingOutRunsForce) {
    module_->start([](Result<void>) {});
    scripts_.exit(0, 0);  // running, but no view yet: nothing to drain
    module_->stop(false, [](Result<void>) {});
    ASSERT_EQ(scripts_.runs.size(), 2u);
    EXPECT_TRUE(scripts_.runs[1].run.args.empty());
    EXPECT_EQ(scripts_.runs[1].run.timeout, std::chrono::nanoseconds(5s));
    scripts_.timeOut(1);
    ASSERT_EQ(scripts_.runs.size(), 3u);
    EXPECT_EQ(scripts_.runs[2].run.args, std::vector<std::string>{"force"});
    scripts_.exit(2, 0);
    EXPECT_EQ(module_->state(), ModuleState::Stop);
}

TEST_F(ModuleTest, ACrashedPeersBucketsComeAtOnce) {
    startUp();
    commit(2, {{1, MemberState::Ready}});
    EXPECT_EQ(bucketsOwned(dp_->installed_->buckets, 1), FARM_BUCKETS);
    EXPECT_EQ(bucketsInTransition(dp_->installed_->buckets), 0u);
}

// Acquire after release (docs/design.md "Handoffs"): node 2 leaves; the
// buckets coming to node 1 wait until every member holds the view (node 2
// still serves them under the old one), then come in one install. Before,
// node 1 took them with the view, and both answered the same SYNs for as
// long as node 2 took to install it.
TEST_F(ModuleTest, BucketsComeOnlyOnceEveryMemberHoldsTheView) {
    startUp();
    ASSERT_EQ(bucketsOwned(dp_->installed_->buckets, 1), FARM_BUCKETS / 2);
    record_.peerViews[2] = membership::ViewId{1, 1, 1};  // node 2 still holds view 1
    commit(2, {{1, MemberState::Ready}, {2, MemberState::Draining}});
    EXPECT_EQ(bucketsOwned(dp_->installed_->buckets, 1), FARM_BUCKETS / 2) << "held while node 2 may serve them";
    record_.peerViews[2] = membership::ViewId{2, 1, 1};
    ASSERT_TRUE(port_->eventHandler);
    port_->eventHandler();
    EXPECT_EQ(bucketsOwned(dp_->installed_->buckets, 1), FARM_BUCKETS);
    EXPECT_GE(bucketsInTransition(dp_->installed_->buckets), FARM_BUCKETS / 2) << "node 2 keeps its flows";

    // A lease that lapsed before the view: the table is stale, every bucket
    // waits as for a joining node.
    record_.leaseHeldAtInstall = false;
    record_.peerViews[2] = membership::ViewId{2, 1, 1};
    commit(3, {{1, MemberState::Ready}, {2, MemberState::Ready}});
    EXPECT_EQ(bucketsOwned(dp_->installed_->buckets, 1), 0u);
    record_.peerViews[2] = membership::ViewId{3, 1, 1};
    port_->eventHandler();
    EXPECT_EQ(bucketsOwned(dp_->installed_->buckets, 1), FARM_BUCKETS / 2);
}

TEST_F(ModuleTest, AJoinDrainsThenEndsItsTransitions) {
    module_->start([](Result<void>) {});
    scripts_.exit(0, 0);
    commit(1, {{1, MemberState::Ready}});
    commit(2, {{1, MemberState::Ready}, {2, MemberState::Ready}});
    EXPECT_EQ(bucketsInTransition(dp_->installed_->buckets), FARM_BUCKETS / 2);
    runFor(60ms);  // joinDrain
    EXPECT_EQ(bucketsInTransition(dp_->installed_->buckets), 0u);
    EXPECT_EQ(bucketsOwned(dp_->installed_->buckets, 1), FARM_BUCKETS / 2);
}

TEST_F(ModuleTest, StartWhileStartedIsRefused) {
    module_->start([](Result<void>) {});
    std::optional<bool> second;
    module_->start([&](Result<void> r) { second = r.ok(); });
    EXPECT_EQ(second, std::optional<bool>(false));
}

TEST_F(ModuleTest, StatusShowsNodesSharesAndState) {
    startUp();
    auto s = status();
    EXPECT_EQ(s["state"], "UP");
    ASSERT_EQ(s["nodes"].size(), 2u);
    EXPECT_EQ(s["nodes"][0]["name"], "n1");
    EXPECT_EQ(s["nodes"][0]["buckets"], FARM_BUCKETS / 2);
    EXPECT_EQ(s["nodes"][1]["state"], "UP");
}

// Every node's traffic in the status of any node: this node's from its data
// path (also handed to the heartbeats by the pulse), the others' as their
// heartbeats said.
TEST_F(ModuleTest, StatusShowsEveryNodesTraffic) {
    startUp();
    dp_->flows_.resize(3);
    record_.peerTraffic[2] = {41, 5000};
    runFor(10ms);
    EXPECT_EQ(record_.traffic.connections, 3u);
    auto s = status();
    EXPECT_EQ(s["nodes"][0]["connections"], 3);
    EXPECT_EQ(s["nodes"][1]["connections"], 41);
    EXPECT_EQ(s["nodes"][1]["packets"], 5000);
}

// The traffic (the flow table, ~65 ms to read when full; the bucket
// counters, 16384 per CPU) is read on the offload thread, never on the
// modules' thread that runs the heartbeat and the lease: what the
// heartbeats and the status carry and a drain's end wait for that read, one
// at a time, and come back through the modules' io.
TEST_F(ModuleTest, TheTrafficIsReadOffTheModulesThread) {
    startUp();
    holdScans_ = true;
    uint32_t mine = 0;
    while (dp_->installed_->buckets[mine].owner != 1) mine++;
    dp_->flows_.resize(3);
    dp_->bucketPackets_[mine] = 500;
    runFor(30ms);  // six pulses (a scan already under way lands first)
    ASSERT_EQ(heldScans_.size(), 1u) << "one scan at a time";
    EXPECT_NE(record_.traffic.connections, 3u) << "the flow table was read on the modules' thread";
    EXPECT_NE(record_.traffic.packets, 500u) << "the bucket counters were read on the modules' thread";
    EXPECT_NE(status()["nodes"][0]["packets"], 500) << "the status read the counters on the modules' thread";
    std::thread offload(std::move(heldScans_[0]));
    offload.join();
    heldScans_.clear();
    runFor(10ms);
    EXPECT_EQ(record_.traffic.connections, 3u);
    EXPECT_EQ(record_.traffic.packets, 500u);
    EXPECT_EQ(status()["nodes"][0]["packets"], 500);

    // A drain with an active flow: it ends only once a scan, run off the
    // thread, finds the flow gone.
    uint32_t bucket = 0;
    module_->stop(false, [](Result<void>) {});
    commit(2, {{1, MemberState::Draining}, {2, MemberState::Ready}});
    while (dp_->installed_->buckets[bucket].prev_owner != 1) bucket++;
    dp_->flows_.assign(1, FlowEntry{});
    dp_->flows_[0].flow.kind = FARM_FLOW_OWN;
    dp_->flows_[0].flow.bucket = bucket;
    dp_->flows_[0].flow.flags = FARM_FLOW_FIN;  // already over
    runFor(60ms);                               // past the drain grace
    EXPECT_EQ(scripts_.runs.size(), 1u) << "the drain ended without a scan";
    for (int i = 0; i < 5 && scripts_.runs.size() == 1; i++) {
        auto scans = std::move(heldScans_);
        heldScans_.clear();
        for (auto& job : scans) {
            std::thread t(std::move(job));
            t.join();
        }
        runFor(10ms);
    }
    EXPECT_EQ(scripts_.runs.size(), 2u) << "stop_both after a scan found no flow";
}

TEST_F(ModuleTest, LinkDownOwnsNothingUntilItReturns) {
    startUp();
    module_->linkChanged("eth0", false);
    EXPECT_FALSE(record_.ready);
    EXPECT_EQ(module_->state(), ModuleState::Wait);
    // Cut off, its own view says it is not ready: it claims no bucket.
    commit(2, {{1, MemberState::NotReady}});
    EXPECT_EQ(bucketsOwned(dp_->installed_->buckets, 1), 0u);
    module_->linkChanged("lo", true);  // another interface: nothing
    EXPECT_FALSE(record_.ready);
    module_->linkChanged("eth0", true);
    // Back, but not ready until the peers have been heard: a view of its
    // own committed meanwhile gives it nothing (it failed before: ready at
    // once, its solo view owned every bucket and it answered every client).
    EXPECT_FALSE(record_.ready);
    commit(3, {{1, MemberState::NotReady}});
    EXPECT_EQ(bucketsOwned(dp_->installed_->buckets, 1), 0u);
    module_->linkChanged("eth0", true);  // a repeated event does not restart the wait
    runFor(30ms);                        // linkSettle (20 ms here) over
    EXPECT_TRUE(record_.ready);
    commit(4, {{1, MemberState::Ready}, {2, MemberState::Ready}});
    EXPECT_EQ(module_->state(), ModuleState::Up);
}

// quorum none (no peer confirmation): a stall longer than the lease but
// shorter than the others' detection: nobody else commits a view, so the
// node asks for one by announcing NotReady; taken back in, it is ready
// again. Before, it stayed fenced until some unrelated view change (in the
// lab, 900 ms; with no change, for ever).
TEST_F(ModuleTest, StallLongerThanTheLeaseFencesThenAsksForANewerViewWithQuorumNone) {
    std::string text = kModule;
    text.replace(text.find("<farm>"), 6, "<farm quorum=\"none\">");
    build(text.c_str());
    startUp();
    runFor(10ms);
    ASSERT_GT(dp_->leaseDeadline_.count(), 0);
    clock_->jump(70ms);  // lease 50 ms: the io_context did not run
    runFor(10ms);
    EXPECT_EQ(dp_->leaseDeadline_.count(), 0);  // fenced
    EXPECT_FALSE(record_.ready);                 // asks the coordinator for a newer view
    commit(2, {{1, MemberState::NotReady}, {2, MemberState::Ready}});
    EXPECT_GT(dp_->leaseDeadline_.count(), 0);  // taken back in
    EXPECT_TRUE(record_.ready);
    commit(3, {{1, MemberState::Ready}, {2, MemberState::Ready}});
    EXPECT_EQ(module_->state(), ModuleState::Up);
    EXPECT_EQ(bucketsOwned(dp_->installed_->buckets, 1), FARM_BUCKETS / 2);
}

// Leases confirmed by the peers (the default): a stall needs no view change
// (issue 13: a busy agent was fenced and the farm re-formed, 10 times out of
// 10). The data path's deadline is the peers' lease, capped by the stall
// guard; the node stays ready and serves again as soon as they confirm.
TEST_F(ModuleTest, StallWithPeerLeasesKeepsTheNodeReadyAndFollowsThePeersLease) {
    startUp();
    runFor(10ms);
    auto t = now();
    EXPECT_GT(dp_->leaseDeadline_, t + 50min) << "the peers' lease (an hour here), no stall guard";
    clock_->jump(70ms);
    runFor(10ms);
    EXPECT_TRUE(record_.ready) << "no NotReady: no view change for a stall";
    EXPECT_GT(dp_->leaseDeadline_.count(), 0);

    record_.lease = std::chrono::nanoseconds{0};  // the peers stopped confirming
    runFor(10ms);
    EXPECT_EQ(dp_->leaseDeadline_.count(), 0);
    t = now();
    record_.lease = t + 20ms;  // they confirm again, for 20 ms
    runFor(10ms);
    EXPECT_EQ(dp_->leaseDeadline_, t + 20ms);
    EXPECT_EQ(module_->state(), ModuleState::Up);
}

// SIGTERM: the peers are told to hold this node's buckets and the lease
// runs as long as that hold allows, for the next safed to adopt the filter
// (the normal lease, 50 ms here, is shorter than a process start).
TEST_F(ModuleTest, DetachAnnouncesTheRestartAndLeasesForTheHold) {
    startUp();
    record_.restartLease = 2s;
    std::chrono::nanoseconds lease{0};
    dp_->leaseOut = &lease;
    auto before = now();
    module_->detach();
    EXPECT_TRUE(record_.restarting);
    EXPECT_GE(lease, before + 1900ms);
}

TEST_F(ModuleTest, LinkDownAgainWhileSettlingStaysDown) {
    startUp();
    module_->linkChanged("eth0", false);
    module_->linkChanged("eth0", true);
    module_->linkChanged("eth0", false);
    runFor(30ms);
    EXPECT_FALSE(record_.ready);
    EXPECT_EQ(module_->state(), ModuleState::Wait);
}

TEST_F(ModuleTest, RestartRunsStopBothThenStartBothInTheFarm) {
    startUp();
    std::optional<bool> restarted;
    module_->restartApp("restart asked", [&](Result<void> r) { restarted = r.ok(); });
    EXPECT_FALSE(record_.ready);  // no bucket while the application restarts
    EXPECT_EQ(module_->state(), ModuleState::Wait);
    ASSERT_EQ(scripts_.runs.size(), 2u);
    EXPECT_EQ(scripts_.runs[1].run.path, "/m/web/bin/stop_both");
    scripts_.exit(1, 0);
    ASSERT_EQ(scripts_.runs.size(), 3u);
    EXPECT_EQ(scripts_.runs[2].run.path, "/m/web/bin/start_both");
    scripts_.exit(2, 0);
    EXPECT_EQ(restarted, std::optional<bool>(true));
    EXPECT_TRUE(record_.ready);
    EXPECT_TRUE(record_.joined);  // it never left the farm
    commit(2, {{1, MemberState::Ready}, {2, MemberState::Ready}});
    EXPECT_EQ(module_->state(), ModuleState::Up);
    // Not while stopped.
    module_->stop(true, [](Result<void>) {});
    scripts_.exit(3, 0);
    std::optional<bool> refused;
    module_->restartApp("restart asked", [&](Result<void> r) { refused = r.ok(); });
    EXPECT_EQ(refused, std::optional<bool>(false));
}

// vmac_directed: no vMAC anywhere; the heartbeats carry this node's MAC and
// bring the peers', which go into the data path as soon as they are heard
// (the table unchanged); a peer not heard yet has no MAC, so nothing is
// relayed to it. The VIP is announced at this node's own MAC, and only when a
// member left (announcing moves every client to this node).
TEST_F(ModuleTest, DirectedRelaysToThePeerMacsTheHeartbeatsCarry) {
    build(kDirectedModule);
    const Mac mine{2, 0x5f, 0xab, 0, 0, 1}, theirs{2, 0, 0, 0, 0, 2};
    startUp();
    EXPECT_TRUE(net_.linkState("eth0").fdb.empty());
    EXPECT_FALSE(net_.linkState("eth0").promisc);
    EXPECT_EQ(record_.mac, mine);
    ASSERT_TRUE(dp_->installed_);
    EXPECT_EQ(dp_->installed_->mode, FARM_MODE_VMAC_DIRECTED);
    EXPECT_EQ(dp_->installed_->arpFilter, FARM_FILTER_ON_ADDR);
    EXPECT_EQ(dp_->installed_->myMac, mine);
    auto peerMac = [&](uint8_t id) {
        for (const auto& p : dp_->installed_->peers)
            if (p.id == id) return p.mac;
        return Mac{0xff};
    };
    EXPECT_EQ(peerMac(2), Mac{});
    EXPECT_TRUE(announcer_.sent_.empty());  // a join moves no client

    auto before = dp_->installed_->buckets;
    record_.peerMacs[2] = theirs;
    runFor(20ms);
    EXPECT_EQ(peerMac(2), theirs);
    EXPECT_EQ(peerMac(1), mine);
    ASSERT_EQ(dp_->installed_->buckets.size(), before.size());
    for (size_t b = 0; b < before.size(); b++) {
        EXPECT_EQ(dp_->installed_->buckets[b].owner, before[b].owner) << b;
        EXPECT_EQ(dp_->installed_->buckets[b].prev_owner, before[b].prev_owner) << b;
        EXPECT_EQ(dp_->installed_->buckets[b].flags, before[b].flags) << b;
    }
    bool logged = false;
    for (const auto& l : log_) logged |= l.find("SF_PEER_MAC web: n2 is at 02:00:00:00:00:02") != std::string::npos;
    EXPECT_TRUE(logged);
    runFor(40ms);  // the join's transitions end (joinDrain 30 ms here)
    size_t installs = dp_->history_.size();
    runFor(20ms);
    EXPECT_EQ(dp_->history_.size(), installs);  // nothing new heard: nothing installed

    // What the filter did, by verdict, in the status.
    dp_->counters_[FARM_R_TX_RELAY].packets = 7;
    EXPECT_EQ(status()["verdicts"]["TX_RELAY"], 7u);
    EXPECT_FALSE(status()["verdicts"].contains("DROP_NO_PEER"));

    commit(2, {{1, MemberState::Ready}});  // n2 is gone
    runFor(10ms);
    ASSERT_FALSE(announcer_.sent_.empty());
    EXPECT_EQ(announcer_.sent_[0].mac, mine);
}

// vmac_directed: when the entry node (the lowest id) leaves, the next
// lowest announces the VIP at once, even while the buckets it gains wait for
// a member that has not installed the view yet. CI: lab_farm_directed's
// kill -9 of the entry node left every client on the dead node's MAC (the
// designated node was taken from the table in force, held buckets and all,
// where the dead node still owned some).
TEST_F(ModuleTest, DirectedTheNextLowestAnnouncesWhileItsBucketsWait) {
    build(kDirectedModule, kThreeNodes);
    module_->start([](Result<void>) {});
    scripts_.exit(0, 0);
    commit(1, {{1, MemberState::Ready}, {2, MemberState::Ready}, {3, MemberState::Ready}});
    ASSERT_EQ(module_->state(), ModuleState::Up);
    runFor(10ms);
    EXPECT_TRUE(announcer_.sent_.empty());  // node 1 is the entry node
    record_.peerViews[3] = membership::ViewId{1, 1, 1};  // node 3 still holds view 1
    commit(2, {{2, MemberState::Ready}, {3, MemberState::Ready}});  // node 1 is gone
    runFor(10ms);
    ASSERT_FALSE(announcer_.sent_.empty()) << "nobody announced the VIP";
    EXPECT_EQ(announcer_.sent_[0].mac, (Mac{2, 0x5f, 0xab, 0, 0, 1}));
}

// Buckets `owner` holds in transition from `prev`.
static uint32_t inTransitionFrom(const std::vector<farm_bucket>& table, uint8_t owner, uint8_t prev) {
    uint32_t n = 0;
    for (const auto& b : table) n += b.owner == owner && (b.flags & FARM_BUCKET_TRANSITION) && b.prev_owner == prev;
    return n;
}

// safed killed (-9), restarted after its lease ran out: the others have
// taken its buckets and hold connections in them. The first view that takes
// it back gives its buckets back in transition (prev_owner = the node that
// held them), never at once: before, the stale table left in the data path
// had them unchanged, and it answered the others' connections with resets.
TEST_F(ModuleTest, ResumeAfterTheLeaseRanOutTakesItsBucketsBackThroughTransitions) {
    EpochSpec before;
    before.epoch = 7;
    before.buckets = computeBuckets({{1, 1}, {2, 1}});
    adopt_ = before;
    adoptLease_ = 0ns;  // ran out
    ASSERT_TRUE(module_->resume().ok());
    EXPECT_TRUE(record_.joined);
    commit(10, {{1, MemberState::Ready}, {2, MemberState::Ready}});
    EXPECT_EQ(inTransitionFrom(dp_->installed_->buckets, 1, 2), FARM_BUCKETS / 2);
    EXPECT_EQ(bucketsOwned(dp_->installed_->buckets, 1), FARM_BUCKETS / 2);
    EXPECT_EQ(module_->state(), ModuleState::Up);
}

// Restarted within the lease (SIGTERM, an upgrade): it joins ready and
// carries on from the table in force, transitions included; the next view
// is computed from that table, not from nothing.
TEST_F(ModuleTest, ResumeWithinTheLeaseCarriesOnFromTheTableInForce) {
    EpochSpec before;
    before.epoch = 7;
    before.buckets = transitionBuckets(computeBuckets({{2, 1}}), computeBuckets({{1, 1}, {2, 1}}), {1, 2});
    adopt_ = before;
    adoptLease_ = now() + 10s;
    ASSERT_TRUE(module_->resume().ok());
    EXPECT_TRUE(record_.ready);
    auto status = this->status();
    EXPECT_EQ(status["nodes"][0]["buckets"], FARM_BUCKETS / 2);
    // A view that changes nothing for the buckets: the transitions go on.
    commit(8, {{1, MemberState::Ready}, {2, MemberState::Ready}});
    EXPECT_EQ(inTransitionFrom(dp_->installed_->buckets, 1, 2), FARM_BUCKETS / 2);
}

// A node that served nothing within its lease (issue 14's wrong-key node:
// blocked, it renewed its lease on a view of itself alone, not ready) is
// restarted once fixed: the table in force gives it no bucket, so there is
// nothing to carry on and its first view with the others must give it its
// buckets in transition from them, as any join. Before, it took them
// outright and reset the others' connections in them (lab scenario 5).
TEST_F(ModuleTest, ResumeWithinTheLeaseOfATableWithoutItsBucketsJoinsThroughTransitions) {
    EpochSpec before;
    before.epoch = 3;
    before.buckets = computeBuckets({});  // a view of this node alone, not ready: no owner
    ASSERT_EQ(before.buckets.size(), static_cast<size_t>(FARM_BUCKETS));
    ASSERT_EQ(before.buckets[0].owner, FARM_NODE_NONE);
    adopt_ = before;
    adoptLease_ = now() + 10s;
    ASSERT_TRUE(module_->resume().ok());
    commit(8, {{1, MemberState::Ready}, {2, MemberState::Ready}});
    EXPECT_EQ(bucketsOwned(dp_->installed_->buckets, 1), FARM_BUCKETS / 2);
    EXPECT_EQ(inTransitionFrom(dp_->installed_->buckets, 1, 2), FARM_BUCKETS / 2);
}

// The coordinator's own join (the lowest id starting while the others run)
// can commit a first view that already has it ready: its buckets must still
// come in transition from the others, who hold connections in them.
TEST_F(ModuleTest, AFirstViewThatMakesItReadyStillTakesBucketsThroughTransitions) {
    module_->start([](Result<void>) {});
    scripts_.exit(0, 0);
    commit(1, {{1, MemberState::Ready}, {2, MemberState::Ready}});
    EXPECT_EQ(inTransitionFrom(dp_->installed_->buckets, 1, 2), FARM_BUCKETS / 2);
    EXPECT_EQ(bucketsOwned(dp_->installed_->buckets, 1), FARM_BUCKETS / 2);
}

// Stopped here, the module has no view: the other nodes' state is unknown
// (the console showed them STOP while they served).
TEST_F(ModuleTest, StoppedHereTheOthersStateIsUnknown) {
    auto st = status();
    ASSERT_EQ(st["nodes"].size(), 2u);
    EXPECT_EQ(st["nodes"][0]["state"], "STOP");     // this node
    EXPECT_EQ(st["nodes"][1]["state"], "UNKNOWN");  // n2
    startUp();
    EXPECT_EQ(status()["nodes"][1]["state"], "UP");
}

// An operator alerting on SF_NODE_LOST was never paged: the ids were
// documented, never logged (issue 15). A node no longer heard is a warning,
// one that left after its drain is not; a node back, or restarted (a new
// incarnation), is told as joined. This node's own first view says nothing.
TEST_F(ModuleTest, NodesLostAndJoinedAreLogged) {
    startUp();
    auto lines = [&](const std::string& text) {
        std::vector<std::string> out;
        for (const auto& l : log_)
            if (l.find(text) != std::string::npos) out.push_back(l);
        return out;
    };
    EXPECT_TRUE(lines("SF_NODE_").empty());  // the first view: nobody joined us
    commit(2, {{1, MemberState::Ready}});
    auto lost = lines("SF_NODE_LOST");
    ASSERT_EQ(lost.size(), 1u);
    EXPECT_TRUE(lost[0].starts_with("W SF_NODE_LOST web: n2 (id 2) is no longer heard")) << lost[0];
    commit(3, {{1, MemberState::Ready}, {2, MemberState::NotReady}});
    auto joined = lines("SF_NODE_JOINED");
    ASSERT_EQ(joined.size(), 1u);
    EXPECT_TRUE(joined[0].starts_with("I SF_NODE_JOINED web: n2 (id 2) joined the farm")) << joined[0];
    commit(4, {{1, MemberState::Ready}, {2, MemberState::Ready}});  // a state change only
    EXPECT_EQ(lines("SF_NODE_").size(), 2u);
    commit(5, {{1, MemberState::Ready}, {2, MemberState::Draining}});
    commit(6, {{1, MemberState::Ready}});
    auto left = lines("SF_NODE_LOST");
    ASSERT_EQ(left.size(), 2u);
    EXPECT_TRUE(left[1].starts_with("I SF_NODE_LOST web: n2 (id 2) left the farm after its drain")) << left[1];
    View restarted;
    restarted.id = {7, 1, 1};
    restarted.members = {ViewMember{1, 1, 1, MemberState::Ready}, ViewMember{2, 1, 1, MemberState::Ready}};
    (*port_->handler)(restarted, true);
    View again = restarted;
    again.id = {8, 1, 1};
    again.members[1].incarnation = 2;
    (*port_->handler)(again, true);
    auto back = lines("SF_NODE_JOINED");
    ASSERT_EQ(back.size(), 3u);
    EXPECT_NE(back[2].find("n2 (id 2) restarted and joined again"), std::string::npos) << back[2];
}

// A peer with another cluster key (issue 14): the operator is told in the
// module log (SF_PEER_REFUSED, once a minute per peer, and when this node
// stops and resumes taking buckets) and in the status (safectl status,
// the console, /metrics read it).
TEST_F(ModuleTest, ARefusedPeerIsToldInTheLogAndTheStatus) {
    startUp();
    membership::RefusedPeer p;
    p.id = 2;
    p.reason = membership::Refusal::Key;
    p.count = 7;
    p.current = true;
    record_.refused = {p};
    record_.blocked = true;
    runFor(350ms);  // several pulses: one line for the peer, one for the block
    auto count = [&](const std::string& text) {
        int n = 0;
        for (const auto& l : log_) n += l.find(text) != std::string::npos;
        return n;
    };
    EXPECT_EQ(count("SF_PEER_REFUSED web: n2 (198.18.0.12) is refused: its heartbeats fail authentication"), 1);
    EXPECT_EQ(count("SF_PEER_REFUSED web: takes no bucket"), 1);
    auto s = status();
    ASSERT_EQ(s["refused_peers"].size(), 1u) << s.dump();
    EXPECT_EQ(s["refused_peers"][0]["name"], "n2");
    EXPECT_EQ(s["refused_peers"][0]["reason"], "key");
    EXPECT_EQ(s["refused_peers"][0]["refused"], 7);
    EXPECT_EQ(s["blocked_by_misconfigured_peers"], true);
    record_.refused.clear();
    record_.blocked = false;
    runFor(150ms);
    EXPECT_EQ(count("SF_PEER_REFUSED web: no refused peer is heard any more"), 1);
    EXPECT_EQ(status()["blocked_by_misconfigured_peers"], false);
}

// SF_MODULE_START was documented, never logged (issue 15).
TEST_F(ModuleTest, AStartIsLogged) {
    module_->start([](Result<void>) {});
    ASSERT_FALSE(log_.empty());
    EXPECT_EQ(log_[0], "I SF_MODULE_START web: start");
}

// An <errd> process missing is told as such (SF_ERRD, documented and never
// logged: it was SF_CHECK_FAILED "checker apache2"); its action follows:
// restart, until maxloop restarts within loop_interval stop the module
// (SF_MAXLOOP, from the recovery decision's flag).
TEST_F(ModuleTest, AnErrdProcessFailureIsToldAsSuchThenMaxloopStops) {
    std::string text = kModule;
    text.replace(text.find("<service mode=\"farm\">"), 21, "<service mode=\"farm\" maxloop=\"1\">");
    text.replace(text.find("<user "), 6, "<errd><proc name=\"apache2\" atleast=\"1\" action=\"restart\"/></errd><user ");
    build(text.c_str());
    checkerIdents_ = {"apache2"};
    startUp();
    ASSERT_EQ(checkers_.size(), 1u);
    checkers_[0]->report(false, "apache2: 0 running (at least 1)");
    auto logged = [&](const std::string& line) { return std::find(log_.begin(), log_.end(), line) != log_.end(); };
    EXPECT_TRUE(logged("W SF_ERRD web: process apache2 failed: apache2: 0 running (at least 1)"));
    EXPECT_EQ(module_->reason(), "process apache2 failed: restart");
    ASSERT_EQ(scripts_.runs.size(), 2u);  // stop_both, then start_both
    scripts_.exit(1, 0);
    scripts_.exit(2, 0);
    ASSERT_EQ(checkers_.size(), 1u);
    checkers_[0]->report(false, "apache2: 0 running (at least 1)");
    EXPECT_TRUE(logged("E SF_MAXLOOP web: process apache2 failed: maxloop (1) reached within 24h"));
    scripts_.exit(3, 0);  // stop_both force
    EXPECT_EQ(module_->state(), ModuleState::Stop);
}

// A resume acquires the node resources as a start does (issue 15: it had
// drifted). A vMAC the NIC refuses fails it and leaves nothing behind,
// arp_announce back to the value the running mark kept; before, it logged
// and carried on without the vMAC. And its VIPs are logged (SF_NET_VIP),
// which they were not.
TEST_F(ModuleTest, AResumeSetsUpTheNodeAsAStartDoes) {
    EpochSpec before;
    before.epoch = 7;
    before.buckets = computeBuckets({{1, 1}, {2, 1}});
    adopt_ = before;
    adoptLease_ = now() + 10s;
    mark_ = "1";  // arp_announce before the previous safed set it
    net_.sysctls_["net/ipv4/conf/eth0/arp_announce"] = "2";
    net_.failVmac = badInput("the NIC refuses the vMAC");
    auto r = module_->resume();
    ASSERT_FALSE(r.ok());
    EXPECT_NE(r.error().message().find("the NIC refuses the vMAC"), std::string::npos);
    EXPECT_EQ(module_->state(), ModuleState::Stop);
    EXPECT_TRUE(net_.linkState("eth0").addresses.empty());
    EXPECT_TRUE(net_.linkState("lo").addresses.empty());
    EXPECT_EQ(net_.sysctls_["net/ipv4/conf/eth0/arp_announce"], "1");
    EXPECT_FALSE(record_.joined);
    EXPECT_FALSE(mark_.has_value());

    net_.failVmac.reset();
    mark_ = "1";
    log_.clear();
    ASSERT_TRUE(module_->resume().ok());
    EXPECT_EQ(net_.linkState("eth0").fdb.count(Mac{0x5a, 0xfe, 198, 18, 0, 100}), 1u);
    auto logged = [&](const std::string& line) { return std::find(log_.begin(), log_.end(), line) != log_.end(); };
    EXPECT_TRUE(logged("I SF_NET_VIP web: 198.18.0.100 on eth0"));
    EXPECT_TRUE(logged("I SF_NET_VIP web: 2001:db8::100 on lo"));
}
