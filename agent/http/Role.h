// Who may do what through the control API (DESIGN §6). Each role includes
// the ones below it: admin configures and acts, control acts, monitor reads.
#pragma once

#include <optional>
#include <string_view>

namespace safefarm::http {

enum class Role : int {
    Monitor = 0,  // reads: state, status, logs, metrics
    Control = 1,  // acts: start, stop, restart
    Admin = 2,    // configures: modules, configuration, users
};

const char* roleName(Role role);
std::optional<Role> parseRole(std::string_view name);

// Ordered roles: having `have` is enough for what needs `need`.
inline bool allows(Role have, Role need) { return static_cast<int>(have) >= static_cast<int>(need); }

}  // namespace safefarm::http
