// A module on this node at one moment, as plain data (Module::snapshot()):
// what `safectl status`, the console, the support snapshot and /metrics
// show. ModuleStatusJson makes it the status JSON.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "common/NetAddr.h"
#include "membership/Membership.h"
#include "module/AppSupervisor.h"
#include "module/ModuleState.h"

namespace safefarm::module {

struct NodeSnapshot {
    uint8_t id = 0;
    std::string name;
    // This node's ModuleState; another's from the view: UP, WAIT, DRAINING,
    // STOP (not in it), UNKNOWN (no view here: stopped, this node cannot
    // know the others' state).
    std::string state;
    uint32_t buckets = 0;  // in the table installed here
    // This node's as its traffic scans read it, another's as its last
    // heartbeat said; none for a node not in the view.
    std::optional<membership::Membership::Traffic> traffic;
};

struct RefusedPeerSnapshot {
    membership::RefusedPeer peer;
    std::string name;               // empty: not a node of the plan
    std::optional<IpAddr> address;  // its address on the first lan
};

struct ModuleSnapshot {
    std::string module;
    ModuleState state = ModuleState::Stop;
    Activity activity = Activity::Idle;
    std::string reason;
    uint8_t self = 0;
    uint64_t epoch = 0;  // the view's sequence number (0: no view)
    std::string view;    // as View::describe() says it (empty: no view)
    std::vector<NodeSnapshot> nodes;
    size_t tableBuckets = 0;  // the size of the table installed (0: not started)
    // This node's packets by the filter's verdict since it was loaded
    // (reasonName: count), those with packets only.
    std::map<std::string, uint64_t> verdicts;
    uint64_t viewChanges = 0;  // since safed started
    std::vector<RefusedPeerSnapshot> refusedPeers;
    bool blockedByMisconfiguredPeers = false;
    std::map<std::string, ScriptCount> scripts;  // since safed started
    std::vector<CheckerCount> checkers;
};

}  // namespace safefarm::module
