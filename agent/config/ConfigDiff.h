// What changed between two module configurations, and whether the running
// module can take it (SafeKit's rule: boot, maxloop, loop_interval and the
// checkers apply live; <vip>, <farm> and the rest need a restart).
#pragma once

#include <string>
#include <vector>

#include "config/ModuleConfig.h"

namespace safefarm::config {

struct ConfigChange {
    std::string key;     // "service.maxloop", "check[HTTP].to.timeout", "vip.interface[eth0].arpreroute"
    std::string before;  // "" when added
    std::string after;   // "" when removed
    bool live = false;   // applies without restarting the module
};

struct ConfigDiff {
    std::vector<ConfigChange> changes;

    bool empty() const { return changes.empty(); }
    // Every change applies live (an empty diff does too).
    bool appliesLive() const;
    // One line per change: "service.maxloop: 3 -> 5 (live)".
    std::string describe() const;
};

ConfigDiff diffConfigs(const ModuleConfig& before, const ModuleConfig& after);

// The configuration as "key = value" lines in a stable order (the diff's basis).
std::vector<std::pair<std::string, std::string>> flatten(const ModuleConfig& config);

}  // namespace safefarm::config
