#include "buckets/BucketTable.h"

#include <gtest/gtest.h>

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

TEST(BucketTableTest, RemovalMovesOnlyTheRemovedMembersBuckets) {
    auto before = computeBuckets({{0, 1}, {1, 1}, {2, 1}});
    auto after = computeBuckets({{0, 1}, {1, 1}});
    for (size_t b = 0; b < before.size(); b++) {
        if (before[b].owner != 2) {
            EXPECT_EQ(before[b].owner, after[b].owner) << b;
        }
    }
}

TEST(BucketTableTest, TransitionMarksOnlyMovesBetweenLiveOwners) {
    auto two = computeBuckets({{0, 1}, {1, 1}});
    auto three = computeBuckets({{0, 1}, {1, 1}, {2, 1}});
    // Node 2 joins: its buckets come from 0 and 1, both alive.
    auto t = transitionBuckets(two, three, {0, 1, 2});
    int moving = 0;
    for (size_t b = 0; b < t.size(); b++) {
        if (two[b].owner == three[b].owner) {
            EXPECT_EQ(t[b].flags, 0);
        } else {
            moving++;
            EXPECT_EQ(t[b].flags, FARM_BUCKET_TRANSITION);
            EXPECT_EQ(t[b].prev_owner, two[b].owner);
            EXPECT_EQ(t[b].owner, 2);
        }
    }
    EXPECT_GT(moving, 0);
    // Node 2 crashes: nothing is in transition, its buckets move at once.
    auto crash = transitionBuckets(three, two, {0, 1});
    for (const auto& b : crash) EXPECT_EQ(b.flags, 0);
}

}  // namespace
}  // namespace safefarm
