#include "buckets/BucketTable.h"

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <queue>
#include <utility>

namespace safefarm {
namespace {

// splitmix64: a fixed, well-mixed function of (bucket, member), identical on
// every node and every build, so all nodes compute the same table.
uint64_t mix(uint64_t x) {
    x += 0x9e3779b97f4a7c15ULL;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
    return x ^ (x >> 31);
}

// The weighted rendezvous score of member `id` for bucket `b` (higher is
// preferred): -w / ln(u), u uniform in (0,1) from the hash. glibc's log() is
// correctly rounded, so every node computes the same doubles.
double rank(uint32_t b, uint8_t id, uint32_t weight) {
    uint64_t h = mix((uint64_t{b} << 8) ^ id ^ 0x5afe0000ULL);
    double u = (static_cast<double>(h >> 11) + 0.5) / 9007199254740992.0;
    return -static_cast<double>(weight) / std::log(u);
}

}  // namespace

// Why this algorithm (measured by bench/membership, figures in README):
// plain weighted rendezvous hashing (what this file did first) moves only the
// buckets it must, but each member's share is a binomial draw: at 64 equal
// members the shares spread by ~9% relative (2.5 sigma), far outside the 1%
// that DESIGN §2 requires. So:
//   1. quotas: each member's exact share of the table by largest remainder
//      (ties to the lower id), so the shares are within one bucket of the
//      weight share (128 buckets per member at 64 members: <= 0.8%);
//   2. the assignment is the unique stable matching between buckets and
//      members under one common ranking rank(b, m) (rendezvous order):
//      scanning the (bucket, member) pairs from the highest rank down, a
//      bucket goes to a member while that member is under quota. Buckets
//      "prefer" their rendezvous order and members keep their best-ranked
//      buckets, so when a member leaves its buckets walk down their own
//      rendezvous order into the quota the others gained, and a newcomer takes
//      the buckets that rank it highest: measured disruption is within the
//      removed/joined share + 1% (bench/membership).
// The weights enter through the quotas only; the ranking is unweighted
// integer hashing, so the table is exact across nodes and builds.
// Cost: O(B * n log n) for the preference lists; ~10 ms at 64 members.
std::vector<farm_bucket> computeBuckets(const std::vector<BucketMember>& input) {
    std::vector<farm_bucket> table(FARM_BUCKETS, farm_bucket{FARM_NODE_NONE, FARM_NODE_NONE, 0, 0});

    std::vector<BucketMember> members;
    for (const auto& m : input) {
        if (m.weight == 0 || m.id == FARM_NODE_NONE) continue;
        if (std::any_of(members.begin(), members.end(), [&](const BucketMember& o) { return o.id == m.id; })) continue;
        members.push_back(m);
    }
    std::sort(members.begin(), members.end(), [](const BucketMember& a, const BucketMember& b) { return a.id < b.id; });
    const size_t n = members.size();
    if (n == 0) return table;

    // 1. Quotas by largest remainder.
    uint64_t total = 0;
    for (const auto& m : members) total += m.weight;
    std::vector<uint32_t> quota(n);
    std::vector<std::pair<uint64_t, size_t>> remainders;  // (remainder, index)
    uint64_t given = 0;
    for (size_t i = 0; i < n; i++) {
        uint64_t num = uint64_t{FARM_BUCKETS} * members[i].weight;
        quota[i] = static_cast<uint32_t>(num / total);
        given += quota[i];
        remainders.emplace_back(num % total, i);
    }
    std::sort(remainders.begin(), remainders.end(), [](const auto& a, const auto& b) {
        return a.first != b.first ? a.first > b.first : a.second < b.second;
    });
    for (size_t k = 0; given < FARM_BUCKETS; k++, given++) quota[remainders[k].second]++;

    // 2. Stable matching by bucket-proposing deferred acceptance (its result
    // is the same as the global greedy scan described above).
    std::vector<uint8_t> pref(size_t{FARM_BUCKETS} * n);
    std::vector<double> score(size_t{FARM_BUCKETS} * n);  // score[b * n + member index]
    for (uint32_t b = 0; b < FARM_BUCKETS; b++) {
        double* sc = &score[size_t{b} * n];
        uint8_t* order = &pref[size_t{b} * n];
        for (size_t i = 0; i < n; i++) {
            sc[i] = rank(b, members[i].id, members[i].weight);
            order[i] = static_cast<uint8_t>(i);
        }
        std::sort(order, order + n, [&](uint8_t x, uint8_t y) { return sc[x] != sc[y] ? sc[x] > sc[y] : x < y; });
    }
    using Held = std::pair<double, uint32_t>;  // (rank, bucket): min-heap per member
    std::vector<std::priority_queue<Held, std::vector<Held>, std::greater<Held>>> held(n);
    std::vector<uint16_t> next(FARM_BUCKETS, 0);
    std::vector<uint32_t> free;
    free.reserve(FARM_BUCKETS);
    for (uint32_t b = FARM_BUCKETS; b-- > 0;) free.push_back(b);
    while (!free.empty()) {
        uint32_t b = free.back();
        free.pop_back();
        while (next[b] < n) {
            size_t m = pref[size_t{b} * n + next[b]];
            Held mine{score[size_t{b} * n + m], b};
            auto& h = held[m];
            if (h.size() < quota[m]) {
                h.push(mine);
                break;
            }
            if (quota[m] > 0 && h.top() < mine) {
                uint32_t evicted = h.top().second;
                h.pop();
                h.push(mine);
                next[evicted]++;
                free.push_back(evicted);
                break;
            }
            next[b]++;
        }
    }
    for (size_t m = 0; m < n; m++) {
        auto& h = held[m];
        while (!h.empty()) {
            table[h.top().second].owner = members[m].id;
            h.pop();
        }
    }
    return table;
}

std::vector<farm_bucket> transitionBuckets(const std::vector<farm_bucket>& from,
                                           const std::vector<farm_bucket>& to,
                                           const std::vector<uint8_t>& live) {
    std::vector<farm_bucket> out = to;
    auto alive = [&](uint8_t id) { return std::find(live.begin(), live.end(), id) != live.end(); };
    for (size_t b = 0; b < out.size() && b < from.size(); b++) {
        uint8_t old = from[b].owner;
        if (old == to[b].owner || old == FARM_NODE_NONE || to[b].owner == FARM_NODE_NONE) continue;
        if (!alive(old)) continue;  // a crash: the bucket moves at once
        out[b].prev_owner = old;
        out[b].flags = FARM_BUCKET_TRANSITION;
    }
    return out;
}

}  // namespace safefarm
