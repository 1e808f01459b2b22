#include "safed/DiskModuleStore.h"

#include <algorithm>
#include <filesystem>

#include "module/ModuleInstall.h"
#include "safed/ConfigFiles.h"

namespace safefarm::safed {

namespace fs = std::filesystem;

std::vector<std::string> DiskModuleStore::list() const {
    std::vector<std::string> names;
    std::error_code ec;
    for (const auto& e : fs::directory_iterator(folder(), ec))
        // .NAME.new / .NAME.old / .NAME.removedN: a module being installed or removed
        if (e.path().filename().string()[0] != '.' && fs::exists(e.path() / "conf" / "userconfig.xml"))
            names.push_back(e.path().filename().string());
    std::sort(names.begin(), names.end());
    return names;
}

LoadedModule DiskModuleStore::check(const std::string& dir, Scope scope, std::optional<std::string> userconfig) const {
    ModuleChecks checks = options_.machine;
    checks.clusterFile = options_.configDir + "/cluster.xml";
    checks.scope = scope;
    checks.userconfig = std::move(userconfig);
    return loadModule(dir, checks);
}

LoadedModule DiskModuleStore::load(const std::string& module, Scope scope,
                                   std::optional<std::string> userconfig) const {
    return check(dir(module), scope, std::move(userconfig));
}

std::map<std::string, std::string> DiskModuleStore::readFiles(const std::string& module) const {
    return readModuleFiles(dir(module), kMaxFileBytes);
}

Result<std::vector<std::string>> DiskModuleStore::writeFiles(const std::string& module,
                                                             const std::map<std::string, std::string>& files) {
    return writeModuleFiles(dir(module), files);
}

Result<std::string> DiskModuleStore::stage(const std::string& file, const std::string& module) {
    std::string staging = folder() + "/." + module + ".new" + std::to_string(++installs_);
    std::error_code ec;
    fs::remove_all(staging, ec);  // a crash's leftover
    auto staged = module::stageModule(file, staging, [&](const std::string& dir) -> Result<void> {
        // Its userconfig.xml as text, as config-check reads an installed
        // module's: the same errors, named the same.
        auto files = readModuleFiles(dir, kMaxFileBytes);
        auto text = files.find("conf/userconfig.xml");
        auto loaded =
            check(dir, Scope::AnyNode, text == files.end() ? std::nullopt : std::optional<std::string>(text->second));
        if (loaded.ok()) return success();
        return badInput(loaded.refusal(module + ".safe"));
    });
    if (!staged) return staged.error();
    return staging;
}

Result<void> DiskModuleStore::replace(const std::string& staged, const std::string& module) {
    return module::replaceModule(staged, dir(module));
}

void DiskModuleStore::discard(const std::string& staged) {
    std::error_code ec;
    fs::remove_all(staged, ec);
}

Result<std::string> DiskModuleStore::setAside(const std::string& module) {
    std::string gone = folder() + "/." + module + ".removed" + std::to_string(++removals_);
    std::error_code ec;
    fs::rename(dir(module), gone, ec);
    if (ec) return badInput(ec.message());
    return gone;
}

void DiskModuleStore::erase(const std::string& setAside) {
    std::error_code ec;
    fs::remove_all(setAside, ec);
}

}  // namespace safefarm::safed
