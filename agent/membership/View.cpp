#include "membership/View.h"

namespace safefarm::membership {

const char* stateName(MemberState s) {
    switch (s) {
        case MemberState::NotReady: return "not_ready";
        case MemberState::Ready: return "ready";
        case MemberState::Draining: return "draining";
        case MemberState::Stopped: return "stopped";
    }
    return "?";
}

bool validState(uint8_t v) { return v >= 1 && v <= 4; }

const ViewMember* View::find(uint8_t id) const {
    for (const auto& m : members)
        if (m.id == id) return &m;
    return nullptr;
}

std::string View::describe() const {
    std::string s = "epoch " + std::to_string(id.seq) + "@" + std::to_string(id.coordinator) + "." +
                    std::to_string(id.coordinatorIncarnation) + " [";
    for (size_t i = 0; i < members.size(); i++) {
        const auto& m = members[i];
        if (i) s += ", ";
        s += std::to_string(m.id) + "/" + std::to_string(m.incarnation) + ":" + stateName(m.state) + " w" +
             std::to_string(m.weight);
    }
    return s + "]";
}

}  // namespace safefarm::membership
