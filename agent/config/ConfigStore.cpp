#include "config/ConfigStore.h"

namespace safefarm::config {

ReloadResult ConfigStore::propose(ModuleParse parsed, bool running) {
    ReloadResult result;
    if (!parsed.config) {
        result.outcome = ReloadOutcome::Rejected;
        result.errors = std::move(parsed.errors);
        if (result.errors.empty()) result.errors.push_back(Diagnostic{"", 0, "", "no configuration"});
        return result;
    }
    if (!current_) {
        current_ = std::move(parsed.config);
        pending_.reset();
        result.outcome = ReloadOutcome::Applied;
        return result;
    }
    result.diff = diffConfigs(*current_, *parsed.config);
    if (result.diff.empty()) {
        pending_.reset();  // back to what is in force: nothing waits any more
        result.outcome = ReloadOutcome::Unchanged;
    } else if (!running || result.diff.appliesLive()) {
        current_ = std::move(parsed.config);
        pending_.reset();
        result.outcome = ReloadOutcome::Applied;
    } else {
        pending_ = std::move(parsed.config);
        result.outcome = ReloadOutcome::PendingRestart;
    }
    return result;
}

bool ConfigStore::commitPending() {
    if (!pending_) return false;
    current_ = std::move(pending_);
    pending_.reset();
    return true;
}

}  // namespace safefarm::config
