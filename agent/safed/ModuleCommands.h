// The commands about the modules that run on this node (safectl over the
// UNIX socket, the console over HTTP, through the same registry): start,
// stop, restart, stopstart, state, status, buckets, who, print,
// module-list, module-remove. Answered on the modules' thread; what reads
// files runs on the transports'. Each names its module in the envelope;
// when it does not and exactly one module is installed, that one is meant.
#pragma once

#include <nlohmann/json.hpp>

#include <string>

#include "control/CommandRegistry.h"
#include "safed/CommandTable.h"
#include "safed/ModuleManager.h"
#include "safed/ModuleStore.h"

namespace safefarm::safed {

class ModuleCommands {
public:
    // `node`: this node's name in cluster.xml (empty: found by address), to
    // say which of a farm's nodes is this one.
    ModuleCommands(ModuleManager& modules, ModuleStore& store, Threads threads, std::string node)
        : modules_(modules), store_(store), threads_(std::move(threads)), node_(std::move(node)) {}

    void registerIn(control::CommandRegistry& registry);

private:
    using Request = control::Request;
    using Responder = control::Responder;

    void start(const std::string& module, const Request& r, const Responder& respond);
    void stop(const std::string& module, const Request& r, const Responder& respond);
    void restart(const std::string& module, const Request& r, const Responder& respond);
    void stopStart(const std::string& module, const Request& r, const Responder& respond);
    void state(const std::string& module, const Request& r, const Responder& respond);
    void status(const std::string& module, const Request& r, const Responder& respond);
    void buckets(const std::string& module, const Request& r, const Responder& respond);
    void who(const std::string& module, const Request& r, const Responder& respond);
    void print(const std::string& module, const Request& r, const Responder& respond);
    void remove(const std::string& module, const Request& r, const Responder& respond);
    void list(const std::string& module, const Request& r, const Responder& respond);

    void startModule(const std::string& module, const Responder& respond);
    void stopModule(const std::string& module, bool force, const Responder& respond);
    nlohmann::json stateOf(const std::string& module) const;
    nlohmann::json unstartedStatus(const std::string& module) const;  // the transports' thread

    ModuleManager& modules_;
    ModuleStore& store_;
    Threads threads_;
    std::string node_;
};

}  // namespace safefarm::safed
