#include "safectl/BootCommand.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <vector>

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

bool writeFlag(const std::string& varDir, const std::string& module, bool on, std::ostream& err) {
    std::error_code ec;
    fs::create_directories(varDir + "/boot", ec);
    if (ec) {
        err << "safectl: creating " << varDir << "/boot: " << ec.message() << "\n";
        return false;
    }
    std::string path = safed::bootFlagPath(varDir, module);
    std::string tmp = path + ".tmp";
    int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) {
        err << "safectl: writing " << tmp << ": " << std::strerror(errno) << "\n";
        return false;
    }
    std::string text = on ? "on\n" : "off\n";
    bool ok = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size()) && ::fsync(fd) == 0;
    int e = errno;
    ::close(fd);
    if (!ok || ::rename(tmp.c_str(), path.c_str()) != 0) {
        if (ok) e = errno;
        ::unlink(tmp.c_str());
        err << "safectl: writing " << path << ": " << std::strerror(e) << "\n";
        return false;
    }
    return true;
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
            out << m << ": boot off (userconfig.xml does not parse: safectl config check " << o.configDir << "/modules/" << m << ")\n";
        }
    }
    return kExitOk;
}

}  // namespace safefarm::safectl
