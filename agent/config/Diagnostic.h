// One configuration error, or warning: where it is (file, line, element
// path) and what was expected. Parsers return every diagnostic they find,
// never just the first.
#pragma once

#include <string>
#include <vector>

namespace safefarm::config {

struct Diagnostic {
    std::string file;      // "/opt/safefarm/modules/web/conf/userconfig.xml"
    int line = 0;          // 1-based; 0 when the error is about the file as a whole
    std::string path;      // "safe/vip/interface_list/interface[2]/virtual_interface"
    std::string message;   // "attribute 'type': expected vmac_invisible|vmac_directed, got 'vmac'"
    bool warning = false;  // the file is taken; something in it is not done as written

    // "file:line: path: message" ("...: path: warning: message"), the form every tool prints.
    std::string format() const;
};

using Diagnostics = std::vector<Diagnostic>;

// Every one formatted, one a line (each ends with a newline).
std::string formatAll(const Diagnostics& diagnostics);

}  // namespace safefarm::config
