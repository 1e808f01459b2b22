#include "safectl/BootCommand.h"

#include <algorithm>
#include <filesystem>
#include <vector>

#include "common/FileModes.h"
#include "config/ModuleConfig.h"
#include "safectl/Client.h"
#include "safed/BootFlag.h"

namespace safefarm::safectl {

namespace fs = std::filesystem;

namespace {

// The modules safed sees (Daemon::installedModules): folders of
// <config>/modules with conf/userconfig.xml, not .NAME.new/.NAME.old.
std::vector<std::string> installedModules(const std::string& configDir) {
    std::vector<std::string> names;
    std::error_code ec;
    for (const auto& e : fs::directory_iterator(configDir + "/modules", ec)) {
        std::string name = e.path().filename().string();
        if (name[0] != '.' && fs::exists(e.path() / "conf" / "userconfig.xml", ec)) names.push_back(name);
    }
    std::sort(names.begin(), names.end());
    return names;
}

// <service boot> of the module's userconfig.xml; nullopt when it does not parse.
std::optional<bool> configuredBoot(const std::string& configDir, const std::string& module) {
    config::ParseContext ctx;
    ctx.moduleDir = configDir + "/modules/" + module;
    auto parsed = config::parseUserConfigFile(ctx.moduleDir + "/conf/userconfig.xml", ctx);
    if (!parsed.config) return std::nullopt;
    return parsed.config->service.boot;
}

// 0640 root:safefarm in a 0750 folder, as safed writes its state.
bool writeFlag(const std::string& varDir, const std::string& module, bool on, std::ostream& err) {
    auto w = files::makeFolders(varDir + "/boot");
    if (w) w = files::replaceFile(safed::bootFlagPath(varDir, module), on ? "on\n" : "off\n", files::kFileMode);
    if (!w) err << "safectl: " << w.error().message() << "\n";
    return w.ok();
}

}  // namespace

int bootCommand(const BootOptions& o, std::ostream& out, std::ostream& err) {
    auto installed = installedModules(o.configDir);
    std::vector<std::string> modules;
    if (!o.module.empty()) {
        if (std::find(installed.begin(), installed.end(), o.module) == installed.end()) {
            err << "safectl: no module '" << o.module << "' in " << o.configDir << "/modules\n";
            return kExitError;
        }
        modules.push_back(o.module);
    } else {
        modules = installed;
        if (modules.empty()) {
            if (o.action == "status") return kExitOk;
            err << "safectl: no module installed in " << o.configDir << "/modules\n";
            return kExitError;
        }
    }
    if (o.action == "on" || o.action == "off") {
        bool on = o.action == "on";
        for (const auto& m : modules) {
            if (!writeFlag(o.varDir, m, on, err)) return kExitError;
            out << m << ": boot " << o.action << "\n";
        }
        return kExitOk;
    }
    for (const auto& m : modules) {
        if (auto flag = safed::readBootFlag(o.varDir, m)) {
            out << m << ": boot " << (*flag ? "on" : "off") << " (safectl boot)\n";
        } else if (auto conf = configuredBoot(o.configDir, m)) {
            out << m << ": boot " << (*conf ? "on" : "off") << " (userconfig.xml)\n";
        } else {
            out << m << ": boot off (userconfig.xml does not parse: safectl config check " << o.configDir << "/modules/"
                << m << ")\n";
        }
    }
    return kExitOk;
}

}  // namespace safefarm::safectl
