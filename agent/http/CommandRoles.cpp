#include "http/CommandRoles.h"

namespace safefarm::http {

namespace {

// The commands of agent/safed (ModuleCommands, ConfigCommands, InstallCommand). Reads are monitor's; what
// changes a module's run state is control's; what changes what is installed
// or configured is admin's (also the default for anything not listed).
struct DefaultRole {
    const char* command;
    Role role;
};
constexpr DefaultRole kDefaults[] = {
    {"list-commands", Role::Monitor},
    {"state", Role::Monitor},
    {"status", Role::Monitor},
    {"who", Role::Monitor},
    {"buckets", Role::Monitor},
    {"logs", Role::Monitor},
    {"module-list", Role::Monitor},
    {"start", Role::Control},
    {"stop", Role::Control},
    {"restart", Role::Control},
    {"stopstart", Role::Control},
    // Writes a line into the module log: an operator's note, not a change.
    {"print", Role::Control},
    {"module-install", Role::Admin},
    {"module-remove", Role::Admin},
    // A userconfig.xml may hold the scripts' secrets in its <var>s.
    {"config-show", Role::Admin},
    {"config-check", Role::Admin},
    {"config-deploy", Role::Admin},
    {"snapshot", Role::Admin},
};

}  // namespace

CommandRoles::CommandRoles() {
    for (const auto& d : kDefaults) roles_.emplace(d.command, d.role);
}

Role CommandRoles::required(const std::string& command) const {
    auto it = roles_.find(command);
    return it == roles_.end() ? Role::Admin : it->second;
}

}  // namespace safefarm::http
