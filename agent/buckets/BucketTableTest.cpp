#include "buckets/BucketTable.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <string>

namespace safefarm {
namespace {

std::map<uint8_t, int> shares(const std::vector<farm_bucket>& t) {
    std::map<uint8_t, int> s;
    for (const auto& b : t) s[b.owner]++;
    return s;
}

std::vector<uint8_t> owners(const std::vector<farm_bucket>& t) {
    std::vector<uint8_t> o;
    for (const auto& b : t) o.push_back(b.owner);
    return o;
}

int moved(const std::vector<farm_bucket>& a, const std::vector<farm_bucket>& b) {
    int n = 0;
    for (size_t i = 0; i < a.size(); i++) n += a[i].owner != b[i].owner;
    return n;
}

// Views for the requirement checks: n members, ids spread over the id space
// (stride 7: 0, 7, 14, ... mod 255) or dense (0..n-1), equal weights or
// weights 1..4.
std::vector<BucketMember> view(int n, bool weighted, int stride) {
    std::vector<BucketMember> m;
    for (int i = 0; i < n; i++) m.push_back({uint8_t(i * stride % 255), weighted ? uint32_t(1 + i % 4) : 1u});
    return m;
}

uint64_t totalWeight(const std::vector<BucketMember>& m) {
    uint64_t t = 0;
    for (const auto& x : m) t += x.weight;
    return t;
}

TEST(BucketTableTest, EveryBucketHasOneLiveOwner) {
    auto t = computeBuckets({{0, 1}, {1, 1}, {2, 1}});
    ASSERT_EQ(t.size(), size_t{FARM_BUCKETS});
    for (const auto& b : t) {
        EXPECT_LE(b.owner, 2);
        EXPECT_EQ(b.prev_owner, FARM_NODE_NONE);
        EXPECT_EQ(b.flags, 0);
    }
}

TEST(BucketTableTest, PureFunctionOfTheMembers) {
    std::vector<BucketMember> m;
    for (int i = 0; i < 20; i++) m.push_back({uint8_t(i * 11), uint32_t(1 + i % 3)});
    auto reference = owners(computeBuckets(m));
    std::reverse(m.begin(), m.end());
    EXPECT_EQ(owners(computeBuckets(m)), reference);
    m.push_back(m[3]);  // a duplicate id counts once
    std::rotate(m.begin(), m.begin() + 7, m.end());
    EXPECT_EQ(owners(computeBuckets(m)), reference);
}

// Every node must compute the very same table, on any machine and build: the
// computation is integer-only, so these tables are fixed. A change here
// changes ownership for every farm (all nodes must then run the new code).
TEST(BucketTableTest, TableIsTheSameOnEveryBuild) {
    auto fnv = [](const std::vector<farm_bucket>& t) {
        uint64_t h = 0xcbf29ce484222325ULL;
        for (const auto& b : t) h = (h ^ b.owner) * 0x100000001b3ULL;
        return h;
    };
    EXPECT_EQ(fnv(computeBuckets({{0, 1}, {1, 1}, {2, 1}})), 0x33a22c3813217288ULL);
    EXPECT_EQ(fnv(computeBuckets(view(64, true, 1))), 0x4b4f5515ed202fbbULL);
}

// (d) weight 0 owns nothing: the table is the one without that member.
TEST(BucketTableTest, ZeroWeightOwnsNothing) {
    auto s = shares(computeBuckets({{0, 1}, {1, 0}}));
    EXPECT_EQ(s.count(1), 0u);
    EXPECT_EQ(s[0], FARM_BUCKETS);
    auto m = view(16, true, 7);
    auto without = computeBuckets(m);
    m.push_back({200, 0});
    EXPECT_EQ(owners(computeBuckets(m)), owners(without));
    m.push_back({FARM_NODE_NONE, 1});  // not a node id
    EXPECT_EQ(owners(computeBuckets(m)), owners(without));
}

TEST(BucketTableTest, NoMembersMeansNoOwner) {
    for (const auto& b : computeBuckets({})) EXPECT_EQ(b.owner, FARM_NODE_NONE);
}

// (a) Every share within 1% (relative) of its weight share, whenever that is
// possible at all: a share can only move in whole buckets and the quotas must
// add up to the table, so a member may be off by up to one bucket, which is
// within 1% from 100 buckets on (every member up to 64 nodes with weights
// 1..4 at 16384 buckets). Every count is the floor or the ceiling.
TEST(BucketTableTest, SharesWithinOnePercentOfWeightShare) {
    auto check = [](const std::vector<BucketMember>& m, const std::string& what) {
        const double total = double(totalWeight(m));
        auto s = shares(computeBuckets(m));
        for (const auto& x : m) {
            double expected = double(FARM_BUCKETS) * x.weight / total;
            double error = std::abs(s[x.id] - expected);
            EXPECT_LT(error, 1.0) << what << ", id " << int(x.id);
            if (expected >= 100) {
                EXPECT_LE(error, expected * 0.01) << what << ", id " << int(x.id);
            }
        }
    };
    for (int n : {1, 2, 3, 5, 7, 16, 24, 33, 48, 63, 64})
        for (bool weighted : {false, true})
            check(view(n, weighted, 7), std::to_string(n) + (weighted ? " weighted" : " equal"));
    // Weights 1..4 drawn at random (some of these views put the former
    // largest-remainder rounding 1.01..1.12% off: it rounded members of ~51
    // buckets up).
    for (int n : {48, 64}) {
        for (uint64_t seed = 24; seed <= 48; seed++) {
            std::vector<BucketMember> m;
            uint64_t x = seed * 0x9e3779b97f4a7c15ULL;
            for (int i = 0; i < n; i++) {
                x = x * 6364136223846793005ULL + 1442695040888963407ULL;
                m.push_back({uint8_t(i), uint32_t(1 + (x >> 33) % 4)});
            }
            check(m, std::to_string(n) + " random weights, seed " + std::to_string(seed));
        }
    }
    check(view(255, false, 1), "255 equal");  // 32 or 33 buckets each: within one bucket
}

// (b) A removal moves no more than the removed member's share + 1% of the
// table; (c) a join no more than the new member's share + 1%. Every member
// of views up to 12 is removed in turn, 12 spread members of larger ones;
// 4 new ids join each view (weight 1 in equal views, 1..4 otherwise).
void checkChanges(const std::vector<BucketMember>& m, bool weighted, double limit, const std::string& what) {
    const int allowed = int(std::floor(FARM_BUCKETS * limit));
    auto before = computeBuckets(m);
    auto count = shares(before);
    const size_t n = m.size();
    const size_t samples = std::min<size_t>(n, 12);
    for (size_t k = 0; k < samples; k++) {
        size_t r = k * n / samples;
        auto fewer = m;
        fewer.erase(fewer.begin() + long(r));
        auto after = computeBuckets(fewer);
        for (const auto& b : after) ASSERT_NE(b.owner, m[r].id);
        EXPECT_LE(moved(before, after) - count[m[r].id], allowed) << what << ": removal of " << int(m[r].id);
    }
    for (int k = 0; k < 4; k++) {
        uint8_t id = uint8_t(251 - 13 * k);
        if (std::any_of(m.begin(), m.end(), [&](const BucketMember& x) { return x.id == id; })) continue;
        auto more = m;
        more.push_back({id, weighted ? uint32_t(1 + k % 4) : 1u});
        auto after = computeBuckets(more);
        EXPECT_LE(moved(before, after) - shares(after)[id], allowed) << what << ": join of " << int(id);
    }
}

// The former algorithm (stable matching in rendezvous order) fails this from
// 5 members on (up to 1.27%).
TEST(BucketTableTest, ChangesMoveAtMostTheirShareAndOnePercent) {
    for (int n : {2, 3, 4, 5, 8, 12, 16, 24, 32, 40, 48, 56, 63, 64})
        for (int stride : {1, 7})
            checkChanges(view(n, false, stride), false, 0.01,
                         std::to_string(n) + " equal, stride " + std::to_string(stride));
    for (int n : {2, 3, 4, 5, 8, 12, 16, 24, 32, 48, 64})
        for (int stride : {1, 7})
            checkChanges(view(n, true, stride), true, 0.01,
                         std::to_string(n) + " weighted, stride " + std::to_string(stride));
}

// (b), (c) over random id sets and random weights 1..4. With 8192 buckets
// no pure function found met 1% for every view (up to 1.04% equal, 1.22%
// weighted at 56 members: BucketTable.cpp says why); the table has 16384
// buckets since ABI 3, where the worst measured is 0.68% / 0.75%.
TEST(BucketTableTest, RandomViewsMoveAtMostTheirShareAndOnePercent) {
    for (int n : {12, 24, 40, 64}) {
        for (uint64_t seed = 1; seed <= 2; seed++) {
            for (bool weighted : {false, true}) {
                std::vector<BucketMember> m;
                uint64_t x = seed * 0x9e3779b97f4a7c15ULL + uint64_t(n);
                std::vector<uint8_t> ids;
                for (int i = 0; i < 255; i++) ids.push_back(uint8_t(i));
                for (int i = 0; i < n; i++) {
                    x = x * 6364136223846793005ULL + 1442695040888963407ULL;
                    std::swap(ids[size_t(i)], ids[size_t(i) + (x >> 33) % (255 - size_t(i))]);
                    m.push_back({ids[size_t(i)], weighted ? uint32_t(1 + (x >> 20) % 4) : 1u});
                }
                checkChanges(
                    m, weighted, 0.01,
                    std::to_string(n) + (weighted ? " weighted" : " equal") + ", seed " + std::to_string(seed));
            }
        }
    }
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

// A second change within the drain of a first (two nodes joining 10 s apart,
// a node stopped while another's join drains): the first change's old owners
// still hold flows and must keep them. The transitions were rebuilt from the
// owners alone, so an unchanged bucket lost its prev_owner and the first
// join's old owner's connections were reset.
TEST(BucketTableTest, TransitionUnderWayGoesOnThroughTheNextChange) {
    auto one = computeBuckets({{0, 1}});
    auto two = computeBuckets({{0, 1}, {1, 1}});
    auto three = computeBuckets({{0, 1}, {1, 1}, {2, 1}});
    auto joined1 = transitionBuckets(one, two, {0, 1});
    auto joined2 = transitionBuckets(joined1, three, {0, 1, 2});
    int kept = 0, movedAgain = 0;
    for (size_t b = 0; b < joined2.size(); b++) {
        if (!(joined1[b].flags & FARM_BUCKET_TRANSITION)) continue;  // 0 -> 0
        if (joined2[b].owner == 1) {
            // Still 1's: 0 still drains its flows there.
            EXPECT_EQ(joined2[b].flags, FARM_BUCKET_TRANSITION) << b;
            EXPECT_EQ(joined2[b].prev_owner, 0) << b;
            kept++;
        } else if (joined2[b].owner == 2) {
            // Moved again: 1, the owner it leaves, keeps its flows.
            EXPECT_EQ(joined2[b].prev_owner, 1) << b;
            movedAgain++;
        }
    }
    EXPECT_GT(kept, 0);
    EXPECT_GT(movedAgain, 0);
    // The old owner of a transition leaves: nothing is left to drain.
    auto gone = transitionBuckets(joined1, two, {1});
    for (size_t b = 0; b < gone.size(); b++) EXPECT_EQ(gone[b].flags, 0) << b;
    // A bucket that moves back to its previous owner is no longer its
    // transition's old owner: the owner it leaves is.
    auto back = transitionBuckets(joined1, one, {0, 1});
    for (size_t b = 0; b < back.size(); b++) {
        EXPECT_EQ(back[b].owner, 0);
        if (joined1[b].flags & FARM_BUCKET_TRANSITION) {
            EXPECT_EQ(back[b].prev_owner, 1) << b;
        }
    }
}

}  // namespace
}  // namespace safefarm
