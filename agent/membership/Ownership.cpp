#include "membership/Ownership.h"

#include <algorithm>

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

std::vector<farm_bucket> othersBuckets(const View& view, uint8_t self, bool quorate,
                                       const std::vector<GroupHost>& hosts) {
    View others = view;
    std::erase_if(others.members, [&](const ViewMember& m) { return m.id == self; });
    return bucketsOf(others, quorate, hosts);
}

uint32_t holdUntilReleased(std::vector<farm_bucket>& next, const std::vector<farm_bucket>& served, const View& view,
                           uint8_t self, const std::function<bool(uint8_t)>& holdsView) {
    if (!holdsView || served.size() != next.size()) return 0;
    bool released = std::all_of(view.members.begin(), view.members.end(),
                                [&](const ViewMember& m) { return m.id == self || holdsView(m.id); });
    if (released) return 0;
    uint32_t held = 0;
    for (size_t b = 0; b < next.size(); b++) {
        if (next[b].owner != self || served[b].owner == self) continue;
        next[b] = served[b];
        held++;
    }
    return held;
}

}  // namespace safefarm::membership
