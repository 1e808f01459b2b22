#include "membership/Ownership.h"

namespace safefarm::membership {

std::vector<BucketMember> owningMembers(const View& view, const std::vector<GroupHost>& hosts) {
    std::vector<BucketMember> out;
    for (const auto& m : view.members) {
        if (m.state != MemberState::Ready) continue;
        uint32_t weight = m.weight;
        if (!hosts.empty()) {
            bool listed = false;
            for (const auto& h : hosts)
                if (h.id == m.id) {
                    listed = true;
                    weight = h.power;
                }
            if (!listed) continue;
        }
        if (weight > 0) out.push_back(BucketMember{m.id, weight});
    }
    return out;
}

std::vector<farm_bucket> bucketsOf(const View& view, bool quorate, const std::vector<GroupHost>& hosts) {
    if (!quorate) return computeBuckets({});
    return computeBuckets(owningMembers(view, hosts));
}

}  // namespace safefarm::membership
