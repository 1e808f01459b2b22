// logs [-m MODULE] [--app] [-f] [-n N]: safed says where the log is, safectl
// reads it itself (no log streaming through the control socket).
//   {"command": "logs", "module": MODULE, "args": {"app": bool}} -> {"path": "/var/log/safefarm/m/module.log"}
// -f follows the file as `tail -F` does, across rotations, until interrupted.
#pragma once

#include <cstddef>
#include <ostream>
#include <string>

#include "safectl/Client.h"

namespace safefarm::safectl {

struct LogsOptions {
    std::string module;
    bool app = false;  // the application log (scripts' output), not the module log
    bool follow = false;
    std::size_t lines = 50;
};

int showLogs(const ClientOptions& options, const LogsOptions& logs, std::ostream& out, std::ostream& err);

}  // namespace safefarm::safectl
