#include "http/Role.h"

namespace safefarm::http {

const char* roleName(Role role) {
    switch (role) {
        case Role::Monitor: return "monitor";
        case Role::Control: return "control";
        case Role::Admin: return "admin";
    }
    return "admin";
}

std::optional<Role> parseRole(std::string_view name) {
    if (name == "monitor") return Role::Monitor;
    if (name == "control") return Role::Control;
    if (name == "admin") return Role::Admin;
    return std::nullopt;
}

}  // namespace safefarm::http
