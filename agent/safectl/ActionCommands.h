// The verbs that ask safed to do something and print what it says:
// start, stop, restart, stopstart, module install|list|remove, printi|w|e.
#pragma once

#include <ostream>
#include <string>

#include "safectl/Client.h"

namespace safefarm::safectl {

// start|restart|stopstart [-m MODULE]: {"command": verb, "module": MODULE, "args": {}}
int moduleAction(const ClientOptions& options, const std::string& verb, const std::string& module, std::ostream& out,
                 std::ostream& err);
// stop [-m MODULE] [--force]: {"command": "stop", "module": MODULE, "args": {"force": bool}}
int stopModule(const ClientOptions& options, const std::string& module, bool force, std::ostream& out,
               std::ostream& err);

// module install FILE.safe: {"command": "module-install", "args": {"file": ABSOLUTE_PATH}}
int installModule(const ClientOptions& options, const std::string& file, std::ostream& out, std::ostream& err);
// module list: {"command": "module-list"} -> {"modules": [{"module": NAME, "state": STATE}, ...]}
int listModules(const ClientOptions& options, std::ostream& out, std::ostream& err);
// module remove NAME: {"command": "module-remove", "module": NAME}
// Which node serves a client (a port for on_port rules): "CLIENT -> NODE".
int whoServes(const ClientOptions& options, const std::string& module, const std::string& client, int port,
              std::ostream& out, std::ostream& err);

int removeModule(const ClientOptions& options, const std::string& name, std::ostream& out, std::ostream& err);

// printi|printw|printe MESSAGE, from the module's scripts:
// {"command": "print", "module": MODULE, "args": {"level": "I"|"W"|"E", "text": MESSAGE}}.
// Silent on success: the script's output goes to the application log.
int printMessage(const ClientOptions& options, char level, const std::string& module, const std::string& text,
                 std::ostream& err);

}  // namespace safefarm::safectl
