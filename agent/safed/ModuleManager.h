// What the commands do to the modules that run on this node: start, stop,
// restart their application, ask their state, status, bucket table and
// who serves a client, write into their log. An interface, so the commands
// are tested without root against a fake (FakeModuleManager.h);
// RunningModules is the real one, and the one place safed calls a Module.
// On the modules' thread only (docs/design.md "Threads").
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/NetAddr.h"
#include "common/Result.h"
#include "control/ModuleLog.h"
#include "farm_abi.h"
#include "module/ModuleState.h"

namespace safefarm::safed {

// A module as the commands see it. Not built: never started since safed
// started (or its files changed since), so STOP with nothing to ask it.
struct RunState {
    bool built = false;
    module::ModuleState state = module::ModuleState::Stop;
    module::Activity activity = module::Activity::Idle;
    std::string reason;

    bool stopped() const { return state == module::ModuleState::Stop && activity == module::Activity::Idle; }
};

class ModuleManager {
public:
    using Done = std::function<void(Result<void>)>;
    virtual ~ModuleManager() = default;

    virtual RunState state(const std::string& module) const = 0;
    // Started, starting or stopping: neither replaced nor removed.
    virtual bool busy(const std::string& module) const = 0;

    // Reads the module's files (off this thread), builds it afresh and
    // starts it; `done` once it is started (WAIT) or could not be.
    virtual void start(const std::string& module, Done done) = 0;
    // Built modules only: stop (drain first, or at once with force), and
    // the application alone stopped and started again.
    virtual void stop(const std::string& module, bool force, Done done) = 0;
    virtual void restartApp(const std::string& module, const std::string& why, Done done) = 0;

    // What a built module answers (nullopt, empty, an error when not built).
    virtual std::optional<nlohmann::json> status(const std::string& module) const = 0;
    virtual std::vector<farm_bucket> table(const std::string& module) const = 0;
    virtual Result<nlohmann::json> whoServes(const std::string& module, const IpAddr& client,
                                             std::optional<uint16_t> port) const = 0;

    // A line in the module's log (opened on first use: the error if it
    // cannot be).
    virtual Result<void> log(const std::string& module, control::Level level, control::MessageId id,
                             const std::string& text) = 0;
    // Its files were replaced or removed: the next start reads them afresh.
    virtual void forget(const std::string& module) = 0;
};

}  // namespace safefarm::safed
