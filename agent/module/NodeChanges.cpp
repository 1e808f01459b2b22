#include "module/NodeChanges.h"

namespace safefarm::module {

using control::MessageId;
using membership::MemberState;

void logNodeChanges(const membership::View& before, const membership::View& after, const FarmPlan& plan,
                    const Logger& log) {
    auto nameOf = [&](uint8_t id) {
        const auto* n = plan.node(id);
        return n ? n->name + " (id " + std::to_string(id) + ")" : "node " + std::to_string(id);
    };
    for (const auto& m : before.members) {
        if (m.id == plan.self || after.contains(m.id)) continue;
        bool drained = m.state == MemberState::Draining;
        log.write(drained ? control::Level::Info : control::Level::Warn, MessageId::SF_NODE_LOST,
                  nameOf(m.id) + (drained ? " left the farm after its drain" : " is no longer heard: out of the farm") +
                      " (view " + after.describe() + ")");
    }
    for (const auto& m : after.members) {
        if (m.id == plan.self) continue;
        const auto* old = before.find(m.id);
        if (old && old->incarnation == m.incarnation) continue;
        log.info(MessageId::SF_NODE_JOINED, nameOf(m.id) + (old ? " restarted and joined again" : " joined the farm") +
                                                " (view " + after.describe() + ")");
    }
}

}  // namespace safefarm::module
