// state [-m MODULE] [-l] [-q]: the module's state on this node.
//   {"command": "state", "module": MODULE} ->
//   {"modules": [{"module": "m", "state": "UP", "activity": "", "reason": "", "view": "7@1"}]}
// (or that one module's object alone).
//
// -q prints nothing and exits with the state, as SafeKit's scripts expect:
// STOP=0 WAIT=1 UP=2, and kStateUnknown when it cannot be told (safed not
// running, no such module, several modules and no -m); why is on stderr.
#pragma once

#include <ostream>
#include <string>

#include "safectl/Client.h"

namespace safefarm::safectl {

inline constexpr int kStateUnknown = 3;

struct StateOptions {
    std::string module;  // "" for every module
    bool longForm = false;
    bool quiet = false;
};

int showState(const ClientOptions& options, const StateOptions& state, std::ostream& out, std::ostream& err);

}  // namespace safefarm::safectl
