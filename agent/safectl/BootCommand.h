// `safectl boot on|off|status [-m MODULE]`: whether safed starts a module
// when it starts (at boot). Works on files, without safed: the override is
// <var-dir>/boot/<module> (safed/BootFlag.h), which safed reads when it
// starts; without an override, <service boot> of userconfig.xml decides.
#pragma once

#include <ostream>
#include <string>

namespace safefarm::safectl {

struct BootOptions {
    std::string action;     // on | off | status
    std::string module;     // empty: every installed module
    std::string configDir;  // /etc/safefarm: the installed modules are in modules/
    std::string varDir;     // /var/lib/safefarm: the overrides are in boot/
};

// on|off: writes the override of each module (atomically), prints
//   apache_farm: boot on
// status: one line per module:
//   apache_farm: boot off (safectl boot)     the override decides
//   farm: boot on (userconfig.xml)           no override: <service boot>
// 0, or 1 with the reason on err (no such module, no module installed, a
// write that failed).
int bootCommand(const BootOptions& options, std::ostream& out, std::ostream& err);

}  // namespace safefarm::safectl
