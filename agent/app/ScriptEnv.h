// The environment of a module's scripts, as SafeKit gives it, so scripts
// written for SafeKit farm modules run unmodified (DESIGN §5).
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "config/ModuleConfig.h"

namespace safefarm::app {

struct ScriptPaths {
    std::string safeDir;    // SAFE: the install dir, where the `safekit` command lives
    std::string safeBin;    // SAFEBIN: the agent's programs (empty: safeDir)
    std::string safeVar;    // SAFEVAR: the agent's runtime files
    std::string module;     // SAFEMODULE: the module's name
    std::string moduleDir;  // holds conf/ and bin/ (SAFEUSERBIN is its bin/)
    std::string moduleVar;  // SAFEUSERVAR: the module's runtime files
};

using Environment = std::vector<std::pair<std::string, std::string>>;

// SAFE, SAFEMODULE, SAFEBIN, SAFEUSERBIN, SAFEVAR, SAFEUSERVAR, then the
// <user><var/> pairs in their order. A <var> cannot replace one of SafeKit's
// variables: scripts rely on those pointing where the agent put things.
Environment scriptEnv(const ScriptPaths& paths, const config::ModuleConfig& config);

}  // namespace safefarm::app
