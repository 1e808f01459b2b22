#include "buckets/BucketTable.h"

#include <gtest/gtest.h>

#include <cmath>
#include <map>

namespace safefarm {
namespace {

std::map<uint8_t, int> shares(const std::vector<farm_bucket>& t) {
    std::map<uint8_t, int> s;
    for (const auto& b : t) s[b.owner]++;
    return s;
}

TEST(BucketTableTest, EveryBucketHasOneLiveOwner) {
    auto t = computeBuckets({{0, 1}, {1, 1}, {2, 1}});
    ASSERT_EQ(t.size(), size_t{FARM_BUCKETS});
    for (const auto& b : t) {
        EXPECT_LE(b.owner, 2);
        EXPECT_EQ(b.flags, 0);
    }
    auto s = shares(t);
    for (auto [id, n] : s) EXPECT_NEAR(n, FARM_BUCKETS / 3, FARM_BUCKETS / 3 * 0.1) << int(id);
}

TEST(BucketTableTest, PureFunctionOfTheMembers) {
    EXPECT_EQ(shares(computeBuckets({{0, 1}, {1, 1}})), shares(computeBuckets({{1, 1}, {0, 1}})));
}

TEST(BucketTableTest, ZeroWeightOwnsNothing) {
    auto s = shares(computeBuckets({{0, 1}, {1, 0}}));
    EXPECT_EQ(s.count(1), 0u);
    EXPECT_EQ(s[0], FARM_BUCKETS);
}

TEST(BucketTableTest, NoMembersMeansNoOwner) {
    for (const auto& b : computeBuckets({})) EXPECT_EQ(b.owner, FARM_NODE_NONE);
}

// Exact quotas cost a few extra moves: the old expectation (only the removed
// member's buckets move) held for plain rendezvous hashing, whose shares
// spread ~9% at 64 members; DESIGN §2 asks for balance within 1% and at most
// the removed share + 1% of the table moving.
TEST(BucketTableTest, RemovalMovesLittleMoreThanTheRemovedShare) {
    auto before = computeBuckets({{0, 1}, {1, 1}, {2, 1}});
    auto after = computeBuckets({{0, 1}, {1, 1}});
    int moved = 0, removed = 0;
    for (size_t b = 0; b < before.size(); b++) {
        moved += before[b].owner != after[b].owner;
        removed += before[b].owner == 2;
        EXPECT_NE(after[b].owner, 2);
    }
    EXPECT_LE(moved, removed + FARM_BUCKETS / 100);
}

TEST(BucketTableTest, SharesWithinOnePercentOfWeightShareUpTo64Members) {
    for (int n : {1, 2, 3, 7, 16, 33, 64}) {
        std::vector<BucketMember> members;
        uint64_t total = 0;
        for (int i = 0; i < n; i++) {
            members.push_back({uint8_t(i * 3), uint32_t(1 + i % 3)});
            total += 1 + i % 3;
        }
        auto s = shares(computeBuckets(members));
        for (const auto& m : members) {
            double expected = double(FARM_BUCKETS) * m.weight / double(total);
            EXPECT_LE(std::abs(s[m.id] - expected), expected * 0.01 + 1e-9) << n << " members, id " << int(m.id);
        }
    }
}

TEST(BucketTableTest, JoinMovesLittleMoreThanTheNewShare) {
    std::vector<BucketMember> members;
    for (int i = 0; i < 16; i++) members.push_back({uint8_t(i), 1});
    auto before = computeBuckets(members);
    members.push_back({200, 1});
    auto after = computeBuckets(members);
    int moved = 0, taken = 0;
    for (size_t b = 0; b < before.size(); b++) {
        moved += before[b].owner != after[b].owner;
        taken += after[b].owner == 200;
    }
    EXPECT_LE(moved, taken + FARM_BUCKETS / 100);
}

TEST(BucketTableTest, TransitionMarksOnlyMovesBetweenLiveOwners) {
    auto two = computeBuckets({{0, 1}, {1, 1}});
    auto three = computeBuckets({{0, 1}, {1, 1}, {2, 1}});
    // Node 2 joins: its buckets come from 0 and 1, both alive. (Exact quotas
    // may also move a few buckets between 0 and 1: at most 1% of the table.)
    auto t = transitionBuckets(two, three, {0, 1, 2});
    int moving = 0, notToNewcomer = 0;
    for (size_t b = 0; b < t.size(); b++) {
        if (two[b].owner == three[b].owner) {
            EXPECT_EQ(t[b].flags, 0);
        } else {
            moving++;
            EXPECT_EQ(t[b].flags, FARM_BUCKET_TRANSITION);
            EXPECT_EQ(t[b].prev_owner, two[b].owner);
            notToNewcomer += t[b].owner != 2;
        }
    }
    EXPECT_GT(moving, 0);
    EXPECT_LE(notToNewcomer, FARM_BUCKETS / 100);
    // Node 2 crashes: its buckets move at once, never in transition (the few
    // buckets exact quotas move between the live 0 and 1 are, at most 1%).
    auto crash = transitionBuckets(three, two, {0, 1});
    int inTransition = 0;
    for (size_t b = 0; b < crash.size(); b++) {
        if (three[b].owner == 2) {
            EXPECT_EQ(crash[b].flags, 0) << b;
        }
        inTransition += crash[b].flags != 0;
    }
    EXPECT_LE(inTransition, FARM_BUCKETS / 100);
}

}  // namespace
}  // namespace safefarm
