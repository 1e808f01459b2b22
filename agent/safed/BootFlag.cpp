#include "safed/BootFlag.h"

#include <fstream>

namespace safefarm::safed {

std::string bootFlagPath(const std::string& varDir, const std::string& module) { return varDir + "/boot/" + module; }

std::optional<bool> readBootFlag(const std::string& varDir, const std::string& module) {
    if (module.empty() || module.find('/') != std::string::npos || module[0] == '.') return std::nullopt;
    std::ifstream in(bootFlagPath(varDir, module));
    std::string word;
    if (!(in >> word)) return std::nullopt;
    if (word == "on") return true;
    if (word == "off") return false;
    return std::nullopt;
}

bool startsAtBoot(const std::string& varDir, const std::string& module, bool configured) {
    return readBootFlag(varDir, module).value_or(configured);
}

}  // namespace safefarm::safed
