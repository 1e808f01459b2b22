// Bucket ownership as a pure function of a committed view (DESIGN §2): the
// members that own buckets (Ready, weight > 0, view quorate), optionally
// restricted to a <loadbalancing_list><group>'s hosts with their power.
#pragma once

#include <cstdint>
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

}  // namespace safefarm::membership
