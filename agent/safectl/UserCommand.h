// `safectl user …`: the console's users file (http::userCommand), with the
// password of `add` read from the terminal without echo, or from stdin.
#pragma once

#include <string>
#include <vector>

namespace safefarm::safectl {

int userCommandFromTerminal(const std::string& usersFile, const std::vector<std::string>& args);

}  // namespace safefarm::safectl
