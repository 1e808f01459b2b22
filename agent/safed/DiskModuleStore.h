// The modules folder on disk (<config>/modules), the store safed runs with.
#pragma once

#include <atomic>
#include <cstdint>

#include "safed/ModuleStore.h"

namespace safefarm::safed {

struct DiskStoreOptions {
    std::string configDir = "/etc/safefarm";  // cluster.xml and modules/
    // This node (its name) and how a start sees the machine (ModuleChecks:
    // node, interfaceFamilies, localAddresses); tests give their own.
    ModuleChecks machine;
};

class DiskModuleStore : public ModuleStore {
public:
    // config-show and the snapshot leave out larger files.
    static constexpr std::size_t kMaxFileBytes = 256 * 1024;

    explicit DiskModuleStore(DiskStoreOptions options) : options_(std::move(options)) {}

    std::vector<std::string> list() const override;
    std::string folder() const override { return options_.configDir + "/modules"; }
    std::string dir(const std::string& module) const override { return folder() + "/" + module; }
    LoadedModule load(const std::string& module, Scope scope, std::optional<std::string> userconfig) const override;
    std::map<std::string, std::string> readFiles(const std::string& module) const override;
    Result<std::vector<std::string>> writeFiles(const std::string& module,
                                                const std::map<std::string, std::string>& files) override;
    Result<std::string> stage(const std::string& file, const std::string& module) override;
    Result<void> replace(const std::string& staged, const std::string& module) override;
    void discard(const std::string& staged) override;
    Result<std::string> setAside(const std::string& module) override;
    void erase(const std::string& setAside) override;

private:
    LoadedModule check(const std::string& dir, Scope scope, std::optional<std::string> userconfig) const;

    DiskStoreOptions options_;
    std::atomic<uint64_t> installs_{0};  // names each install's staging folder
    std::atomic<uint64_t> removals_{0};  // names each removed module's folder until it is deleted
};

}  // namespace safefarm::safed
