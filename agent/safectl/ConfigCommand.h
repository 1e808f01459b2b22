// `safectl config check [MODULE|PATH]`: checks cluster.xml and modules'
// userconfig.xml, prints OK or every error, returns the exit code.
#pragma once

#include <ostream>
#include <string>

namespace safefarm::safectl {

struct ConfigCheckOptions {
    std::string target;           // "" (cluster.xml and every installed module), a module name, a folder or a file
    std::string clusterFile;      // cluster.xml
    std::string modulesDir;       // where installed modules live
    bool probeInterfaces = true;  // check the interfaces named by <interface name> exist on this node
};

// 0 when everything checked is valid, 1 otherwise.
int configCheck(const ConfigCheckOptions& options, std::ostream& out, std::ostream& err);

}  // namespace safefarm::safectl
