// The module lifecycle (ModuleTestFixture.h): what start sets up and in
// which order, that a failure leaves nothing behind, that a stop drains,
// runs stop_both (then force) and removes everything, the application's
// restarts and what a failing checker or process does.
#include "module/ModuleTestFixture.h"

using namespace safefarm;
using namespace safefarm::module;
using namespace safefarm::module::fixture;

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

TEST_F(ModuleTest, StartWhileStartedIsRefused) {
    module_->start([](Result<void>) {});
    std::optional<bool> second;
    module_->start([&](Result<void> r) { second = r.ok(); });
    EXPECT_EQ(second, std::optional<bool>(false));
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
    text.replace(text.find("<user "), 6,
                 "<errd><proc name=\"apache2\" atleast=\"1\" action=\"restart\"/></errd><user ");
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
