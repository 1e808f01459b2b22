#include "module/EpochBuilder.h"

#include <gtest/gtest.h>

using namespace safefarm;
using namespace safefarm::module;
using membership::MemberState;
using membership::View;
using membership::ViewMember;

namespace {

FarmPlan plan3() {
    FarmPlan p;
    for (uint8_t i = 1; i <= 3; i++) p.nodes.push_back(FarmNode{i, "n" + std::to_string(i), {}});
    p.self = 1;
    p.ifname = "eth0";
    p.vips = {parseIp("198.18.0.100").value()};
    p.vmac = defaultVmac(p.vips[0]);
    p.rules = {FarmRule{std::nullopt, 6, 80, FARM_FILTER_ON_ADDR}};
    return p;
}

View view(uint64_t seq, std::vector<std::pair<uint8_t, MemberState>> members) {
    View v;
    v.id = {seq, 1, 1};
    for (auto [id, st] : members) v.members.push_back(ViewMember{id, 1, 1, st});
    return v;
}

EpochInputs inputs(const FarmPlan& p, View v, std::vector<farm_bucket> previous, bool drain) {
    EpochInputs in;
    in.plan = &p;
    in.view = std::move(v);
    in.previous = std::move(previous);
    in.drain = drain;
    in.epoch = 7;
    return in;
}

}  // namespace

TEST(EpochBuilderTest, NoViewOwnsNothingAndEncodes) {
    auto p = plan3();
    EpochSpec s = buildEpoch(inputs(p, View{}, {}, true));
    EXPECT_EQ(bucketsOwned(s.buckets, FARM_NODE_NONE), FARM_BUCKETS);
    EXPECT_EQ(s.designated, FARM_NODE_NONE);
    EXPECT_TRUE(encodeEpoch(s).ok()) << encodeEpoch(s).error().message();
}

TEST(EpochBuilderTest, OnlyReadyMembersOwnAndSharesAreEven) {
    auto p = plan3();
    auto v = view(2, {{1, MemberState::Ready}, {2, MemberState::Ready}, {3, MemberState::NotReady}});
    EpochSpec s = buildEpoch(inputs(p, v, {}, true));
    EXPECT_EQ(bucketsOwned(s.buckets, 1) + bucketsOwned(s.buckets, 2), FARM_BUCKETS);
    EXPECT_EQ(bucketsOwned(s.buckets, 3), 0u);
    EXPECT_EQ(bucketsOwned(s.buckets, 1), FARM_BUCKETS / 2);
    EXPECT_EQ(s.designated, 1);
    EXPECT_TRUE(encodeEpoch(s).ok());
}

TEST(EpochBuilderTest, DrainingMemberKeepsItsFlowsThroughTransitions) {
    auto p = plan3();
    auto before = buildEpoch(inputs(p, view(2, {{1, MemberState::Ready}, {2, MemberState::Ready}}), {}, true)).buckets;
    auto v = view(3, {{1, MemberState::Ready}, {2, MemberState::Draining}});
    EpochSpec s = buildEpoch(inputs(p, v, before, true));
    EXPECT_EQ(bucketsOwned(s.buckets, 1), FARM_BUCKETS);
    EXPECT_EQ(bucketsInTransition(s.buckets), FARM_BUCKETS / 2);
    for (uint32_t b = 0; b < FARM_BUCKETS; b++) {
        if (before[b].owner != 2) continue;
        EXPECT_EQ(s.buckets[b].prev_owner, 2);
        EXPECT_EQ(s.buckets[b].flags, FARM_BUCKET_TRANSITION);
    }
    EXPECT_TRUE(encodeEpoch(s).ok());
    // The drain over: the plain table.
    EXPECT_EQ(bucketsInTransition(buildEpoch(inputs(p, v, before, false)).buckets), 0u);
}

TEST(EpochBuilderTest, CrashedOwnerBucketsMoveAtOnce) {
    auto p = plan3();
    auto before = buildEpoch(inputs(p, view(2, {{1, MemberState::Ready}, {2, MemberState::Ready}}), {}, true)).buckets;
    EpochSpec s = buildEpoch(inputs(p, view(3, {{1, MemberState::Ready}}), before, true));
    EXPECT_EQ(bucketsOwned(s.buckets, 1), FARM_BUCKETS);
    EXPECT_EQ(bucketsInTransition(s.buckets), 0u);
}

TEST(EpochBuilderTest, JoinerTakesItsShareInTransition) {
    auto p = plan3();
    auto before = buildEpoch(inputs(p, view(2, {{1, MemberState::Ready}, {2, MemberState::Ready}}), {}, true)).buckets;
    auto v = view(3, {{1, MemberState::Ready}, {2, MemberState::Ready}, {3, MemberState::Ready}});
    EpochSpec s = buildEpoch(inputs(p, v, before, true));
    uint32_t three = bucketsOwned(s.buckets, 3);
    EXPECT_NEAR(three, FARM_BUCKETS / 3, 2);
    // Every bucket that changes owner drains from its live old owner (n3's,
    // and the few the quotas shift between n1 and n2); the others stay.
    uint32_t changed = 0;
    for (uint32_t b = 0; b < FARM_BUCKETS; b++) changed += before[b].owner != s.buckets[b].owner;
    EXPECT_EQ(bucketsInTransition(s.buckets), changed);
    EXPECT_LE(changed, three + FARM_BUCKETS / 100);
    for (uint32_t b = 0; b < FARM_BUCKETS; b++) {
        if (s.buckets[b].owner == 3) {
            EXPECT_EQ(s.buckets[b].flags, FARM_BUCKET_TRANSITION);
        }
    }
}

TEST(EpochBuilderTest, NoQuorumOwnsNothing) {
    auto p = plan3();
    auto in = inputs(p, view(2, {{1, MemberState::Ready}}), {}, true);
    in.quorate = false;
    EXPECT_EQ(bucketsOwned(buildEpoch(in).buckets, 1), 0u);
}

TEST(EpochBuilderTest, GroupPowerWeighs) {
    auto p = plan3();
    p.hosts = {{1, 3}, {2, 1}, {3, 0}};
    auto v = view(2, {{1, MemberState::Ready}, {2, MemberState::Ready}, {3, MemberState::Ready}});
    auto s = buildEpoch(inputs(p, v, {}, true));
    EXPECT_EQ(bucketsOwned(s.buckets, 1), FARM_BUCKETS * 3 / 4);
    EXPECT_EQ(bucketsOwned(s.buckets, 3), 0u);
}
