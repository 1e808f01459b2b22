#include "buckets/BucketTable.h"

#include <algorithm>
#include <cmath>
#include <limits>

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

}  // namespace

std::vector<farm_bucket> computeBuckets(const std::vector<BucketMember>& members) {
    std::vector<farm_bucket> table(FARM_BUCKETS);
    for (uint32_t b = 0; b < FARM_BUCKETS; b++) {
        double best = -std::numeric_limits<double>::infinity();
        uint8_t owner = FARM_NODE_NONE;
        for (const auto& m : members) {
            if (m.weight == 0) continue;
            // u in (0,1); score = -w / ln(u) is weighted rendezvous (HRW).
            uint64_t h = mix((uint64_t{b} << 8) ^ m.id ^ 0x5afe0000ULL);
            double u = (static_cast<double>(h >> 11) + 0.5) / 9007199254740992.0;
            double score = -static_cast<double>(m.weight) / std::log(u);
            if (score > best || (score == best && m.id < owner)) {
                best = score;
                owner = m.id;
            }
        }
        table[b] = farm_bucket{owner, FARM_NODE_NONE, 0, 0};
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
