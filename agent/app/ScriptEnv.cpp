#include "app/ScriptEnv.h"

#include <algorithm>

namespace safefarm::app {

Environment scriptEnv(const ScriptPaths& p, const config::ModuleConfig& config) {
    Environment env = {
        {"SAFE", p.safeDir},
        {"SAFEMODULE", p.module},
        {"SAFEBIN", p.safeBin.empty() ? p.safeDir : p.safeBin},
        {"SAFEUSERBIN", p.moduleDir + "/bin"},
        {"SAFEVAR", p.safeVar},
        {"SAFEUSERVAR", p.moduleVar},
    };
    const size_t ours = env.size();
    for (const auto& var : config.user.vars) {
        bool reserved = std::any_of(env.begin(), env.begin() + static_cast<long>(ours),
                                    [&](const auto& e) { return e.first == var.first; });
        if (!reserved) env.push_back(var);
    }
    return env;
}

}  // namespace safefarm::app
