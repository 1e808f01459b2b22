// The module's configuration in force, replaced whole or not at all (Kea's
// configuration manager pattern): a new configuration is parsed and checked
// apart, then committed in one pointer swap, or refused with the old one
// kept. While the module runs, only a change the running module can take
// (ConfigDiff::appliesLive) is committed at once; any other valid change
// waits, whole, for the next restart.
#pragma once

#include <memory>

#include "config/ConfigDiff.h"
#include "config/ModuleConfig.h"

namespace safefarm::config {

enum class ReloadOutcome {
    Applied,         // in force now
    Unchanged,       // same configuration as in force
    PendingRestart,  // valid, but needs the module restarted: kept aside, whole
    Rejected,        // invalid: nothing changed, the errors say why
};

struct ReloadResult {
    ReloadOutcome outcome = ReloadOutcome::Rejected;
    Diagnostics errors;
    ConfigDiff diff;  // from the configuration in force
};

class ConfigStore {
public:
    std::shared_ptr<const ModuleConfig> current() const { return current_; }
    std::shared_ptr<const ModuleConfig> pending() const { return pending_; }

    // `running`: the module is UP or WAIT (a stopped module takes any change).
    ReloadResult propose(ModuleParse parsed, bool running);
    // At a restart: the pending configuration, if any, comes into force.
    bool commitPending();

private:
    std::shared_ptr<const ModuleConfig> current_;
    std::shared_ptr<const ModuleConfig> pending_;
};

}  // namespace safefarm::config
