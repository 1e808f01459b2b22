// The console's configuration and support commands (admin: a
// userconfig.xml may hold the scripts' secrets in its <var>s): the module's
// files, an edited userconfig.xml checked as a start would check it, a
// deploy of edited files, a snapshot of everything support asks for, and
// the module's logs. Answered on the transports' thread (docs/design.md
// "Threads"): reading and parsing files never holds up the heartbeat; what
// touches a module (its state, its log, its status) is queued on the
// modules' thread.
#pragma once

#include <nlohmann/json.hpp>

#include <functional>
#include <optional>
#include <string>

#include "control/CommandRegistry.h"
#include "safed/CommandTable.h"
#include "safed/ModuleManager.h"
#include "safed/ModuleStore.h"

namespace safefarm::safed {

struct ConfigCommandsOptions {
    std::string node;    // named in the snapshot
    std::string logDir;  // the modules' logs (LogPaths.h)
    // /metrics as text for the snapshot; nullopt: the API does not run.
    std::function<std::optional<std::string>()> metrics;
};

class ConfigCommands {
public:
    ConfigCommands(ModuleManager& modules, ModuleStore& store, Threads threads, ConfigCommandsOptions options)
        : modules_(modules), store_(store), threads_(std::move(threads)), options_(std::move(options)) {}

    void registerIn(control::CommandRegistry& registry);

private:
    using Request = control::Request;
    using Responder = control::Responder;

    void show(const std::string& module, const Request& r, const Responder& respond);
    void check(const std::string& module, const Request& r, const Responder& respond);
    void deploy(const std::string& module, const Request& r, const Responder& respond);
    void snapshot(const std::string& module, const Request& r, const Responder& respond);
    void logs(const std::string& module, const Request& r, const Responder& respond);

    nlohmann::json checkUserConfig(const std::string& module, const std::string& text) const;
    Result<std::string> userConfigToCheck(const nlohmann::json& args, const std::string& module) const;
    nlohmann::json snapshotFiles(const std::string& module, const nlohmann::json& status) const;

    ModuleManager& modules_;
    ModuleStore& store_;
    Threads threads_;
    ConfigCommandsOptions options_;
};

}  // namespace safefarm::safed
