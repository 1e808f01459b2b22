// Bucket ownership as a pure function of the view (DESIGN §2): every node
// computes the same table from the same members without exchanging it.
#pragma once

#include <cstdint>
#include <vector>

#include "farm_abi.h"

namespace safefarm {

struct BucketMember {
    uint8_t id = 0;
    uint32_t weight = 1;  // <power>; 0 owns nothing
};

// Weighted rendezvous hashing: each bucket goes to the member with the
// highest score -ln(u(bucket, id)) / weight. A leaving member's buckets
// are the only ones that move; a joining member takes only its own.
std::vector<farm_bucket> computeBuckets(const std::vector<BucketMember>& members);

// The table during a planned change: buckets whose owner changes between
// two live owners are marked in transition (prev_owner = old owner).
// Buckets of an owner that is gone (old owner not in `live`) move at once.
std::vector<farm_bucket> transitionBuckets(const std::vector<farm_bucket>& from,
                                           const std::vector<farm_bucket>& to,
                                           const std::vector<uint8_t>& live);

}  // namespace safefarm
