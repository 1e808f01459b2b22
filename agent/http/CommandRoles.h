// The role each command needs, in one table. A command nobody classified
// needs admin: a new command is safe until someone says it only reads.
#pragma once

#include <map>
#include <string>

#include "http/Role.h"

namespace safefarm::http {

class CommandRoles {
public:
    // Starts from the defaults table (CommandRoles.cpp).
    CommandRoles();

    Role required(const std::string& command) const;
    // For commands registered later (configuration, snapshot, ...).
    void set(std::string command, Role role) { roles_[std::move(command)] = role; }

private:
    std::map<std::string, Role> roles_;
};

}  // namespace safefarm::http
