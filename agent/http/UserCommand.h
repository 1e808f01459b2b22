// The users file from the command line, for `safectl user ...` (safectl
// calls this with its arguments after "user"; nothing here knows safectl):
//
//   add NAME ROLE      password read from `in` (one line; safectl reads it
//                      from the terminal without echo, or from a pipe)
//   remove NAME
//   key NAME ROLE      makes an API key, prints it once (only its hash is kept)
//   revoke NAME        removes an API key
//   list               users and keys with their roles (never a secret)
//
// Returns the exit code: 0 done, 1 failed (err says why), 2 bad usage.
// safed reads the file again on SIGHUP (HttpServer::reloadUsers).
#pragma once

#include <iosfwd>
#include <string>
#include <vector>

#include "http/PasswordHash.h"

namespace safefarm::http {

int userCommand(const std::string& usersFile, const std::vector<std::string>& args, std::istream& in, std::ostream& out,
                std::ostream& err, unsigned iterations = kDefaultPbkdf2Iterations);

}  // namespace safefarm::http
