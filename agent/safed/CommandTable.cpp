#include "safed/CommandTable.h"

#include <algorithm>

namespace safefarm::safed {

std::optional<std::string> resolveModule(const ModuleStore& store, const control::Request& r,
                                         const control::Responder& respond) {
    auto names = store.list();
    if (!r.module.empty()) {
        if (std::find(names.begin(), names.end(), r.module) != names.end()) return r.module;
        respond(control::Reply::error("no module '" + r.module + "' installed (" + store.folder() + ")"));
        return std::nullopt;
    }
    if (names.size() == 1) return names[0];
    respond(
        control::Reply::error(names.empty() ? "no module installed" : "several modules installed: name one with -m"));
    return std::nullopt;
}

void noteCommand(ModuleManager& modules, const std::string& module, const control::Request& r) {
    std::string what = r.command;
    if (r.args.value("force", false)) what += " (force)";
    (void)modules.log(module, control::Level::Info, control::MessageId::SF_COMMAND,
                      module + ": " + what + " asked by " + (r.origin.empty() ? "an unknown sender" : r.origin));
}

}  // namespace safefarm::safed
