// module-install: NAME.safe unpacked and checked apart (ModuleStore::stage:
// each entry streamed to disk within limits, issue 14; checked as
// ModuleLoad's Scope::AnyNode), then put in place in one rename: a broken
// archive or configuration changes nothing; a running module is never
// replaced under its feet (checked before unpacking and again at the
// rename, on the modules' thread). The unpacking runs on the transports'
// thread: the heartbeat never waits for an archive (issue 13: installing a
// 66 KB zip that expanded to a large module held the modules' thread 12 s
// and the node fenced itself).
#pragma once

#include <string>

#include "control/CommandRegistry.h"
#include "safed/CommandTable.h"
#include "safed/ModuleManager.h"
#include "safed/ModuleStore.h"

namespace safefarm::safed {

class InstallCommand {
public:
    InstallCommand(ModuleManager& modules, ModuleStore& store, Threads threads)
        : modules_(modules), store_(store), threads_(std::move(threads)) {}

    void registerIn(control::CommandRegistry& registry);

private:
    void install(const std::string& module, const control::Request& r, const control::Responder& respond);

    ModuleManager& modules_;
    ModuleStore& store_;
    Threads threads_;
};

}  // namespace safefarm::safed
