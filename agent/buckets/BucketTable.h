// Bucket ownership as a pure function of the view (DESIGN §2): every node
// computes the same table from the same members without exchanging it.
#pragma once

#include <cstdint>
#include <vector>

#include "farm_abi.h"

namespace safefarm {

// The version of computeBuckets()'s algorithm. Every node must compute the
// same table from the same view: a change to the algorithm (or to
// FARM_BUCKETS) that moves any bucket bumps it. Heartbeats carry it with the
// table size, and a node refuses a peer whose heartbeats carry another
// (docs/design.md "Misconfigured peers").
constexpr uint16_t kBucketAlgorithmVersion = 1;

struct BucketMember {
    uint8_t id = 0;
    uint32_t weight = 1;  // <power>; 0 owns nothing
};

// Exact weighted quotas (each share within one bucket of its weight share,
// rounded for the least relative error) filled by the minimum-cost
// assignment of buckets to members under weighted rendezvous costs: a change
// moves little more than the share that joins or leaves (up to 1.2% of the
// table more at 64 members: the reasons and measurements are in
// BucketTable.cpp). Integer arithmetic only. Members with weight 0 or id
// FARM_NODE_NONE own nothing; duplicate ids count once (the first).
std::vector<farm_bucket> computeBuckets(const std::vector<BucketMember>& members);

// The table during a planned change: buckets whose owner changes between
// two live owners are marked in transition (prev_owner = old owner).
// Buckets of an owner that is gone (old owner not in `live`) move at once.
// A transition under way in `from` goes on while its old owner lives.
std::vector<farm_bucket> transitionBuckets(const std::vector<farm_bucket>& from, const std::vector<farm_bucket>& to,
                                           const std::vector<uint8_t>& live);

}  // namespace safefarm
