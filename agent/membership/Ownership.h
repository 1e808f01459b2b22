// Bucket ownership as a pure function of a committed view (DESIGN §2): the
// members that own buckets (Ready, weight > 0, view quorate), optionally
// restricted to a <loadbalancing_list><group>'s hosts with their power.
#pragma once

#include <cstdint>
#include <functional>
#include <vector>

#include "buckets/BucketTable.h"
#include "membership/View.h"

namespace safefarm::membership {

struct GroupHost {
    uint8_t id = 0;
    uint32_t power = 1;  // 0 owns nothing
};

// hosts empty: every member with its announced weight. Otherwise only the
// members listed, with the group's power (the announced weight is ignored).
std::vector<BucketMember> owningMembers(const View& view, const std::vector<GroupHost>& hosts = {});
std::vector<farm_bucket> bucketsOf(const View& view, bool quorate, const std::vector<GroupHost>& hosts = {});

// What the others serve before `self` takes part in `view` (its first
// view, a join): the view without it.
std::vector<farm_bucket> othersBuckets(const View& view, uint8_t self, bool quorate,
                                       const std::vector<GroupHost>& hosts = {});

// Acquire after release (docs/design.md "Handoffs"): in `next`, the table
// `self` is about to serve for `view`, every bucket it does not serve now
// (`served`, what its data path holds) stays as it is in `served` until
// every other member of the view holds exactly that view (`holdsView`): one
// behind may still serve it under an older view, one ahead under a newer one
// (this node is the stale one then). Returns how many are held back.
uint32_t holdUntilReleased(std::vector<farm_bucket>& next, const std::vector<farm_bucket>& served, const View& view,
                           uint8_t self, const std::function<bool(uint8_t)>& holdsView);

}  // namespace safefarm::membership
