// How safed's commands are registered (Kea's CommandMgr handlers): one named
// member function per command, listed in a short table with its help and
// what it acts on. The module a request is about is resolved here, once:
// the handler gets its name, or the client its error.
#pragma once

#include <functional>
#include <optional>
#include <span>
#include <string>

#include "control/CommandRegistry.h"
#include "safed/ModuleManager.h"
#include "safed/ModuleStore.h"

namespace safefarm::safed {

// Where each step of a command runs (docs/design.md "Threads"): the
// modules' thread (what touches a running module) or the transports'
// (reading and parsing files). Tests run both in place.
struct Threads {
    std::function<void(std::function<void()>)> modules;
    std::function<void(std::function<void()>)> transports;
};

// The module a request names or, naming none, the only one installed;
// nullopt once `respond` said why not.
std::optional<std::string> resolveModule(const ModuleStore& store, const control::Request& r,
                                         const control::Responder& respond);

// SF_COMMAND: what an operator asked of a module, and who (safectl's pid
// and uid, the console's user, role and address, or the node it came
// through). On the modules' thread.
void noteCommand(ModuleManager& modules, const std::string& module, const control::Request& r);

enum class Target {
    None,      // no module: the handler gets ""
    Optional,  // the module named, if any ("" when none is named)
    Module,    // the module resolved (resolveModule)
    ActOn,     // resolved, and the operator who asks noted in its log first
};

template <class Commands>
struct CommandRow {
    const char* name;
    const char* help;
    Target target;
    void (Commands::*handler)(const std::string& module, const control::Request&, const control::Responder&);
};

// `note` is called for Target::ActOn rows (on the thread the registry runs on).
template <class Commands>
void addCommands(control::CommandRegistry& registry, Commands& commands, const ModuleStore& store,
                 std::span<const CommandRow<Commands>> rows,
                 std::function<void(const std::string&, const control::Request&)> note = {}) {
    for (const auto& row : rows)
        (void)registry.add(
            row.name, row.help, [&commands, &store, row, note](const control::Request& r, control::Responder respond) {
                std::string module;
                if (row.target != Target::None && (row.target != Target::Optional || !r.module.empty())) {
                    auto name = resolveModule(store, r, respond);
                    if (!name) return;
                    module = *name;
                    if (row.target == Target::ActOn && note) note(module, r);
                }
                (commands.*row.handler)(module, r, respond);
            });
}

}  // namespace safefarm::safed
