// The module's lease and restarts (ModuleTestFixture.h): stalls with and
// without the peers' confirmation, the farm interface going down and
// back, safed detaching and the next one resuming.
#include "module/ModuleTestFixture.h"

using namespace safefarm;
using namespace safefarm::module;
using namespace safefarm::module::fixture;

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
    EXPECT_FALSE(record_.ready);                // asks the coordinator for a newer view
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
