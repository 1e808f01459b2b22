// Stopping the application (DESIGN §5, SafeKit's stop): `stop_both` bounded
// by nicestoptimeout; if it fails or times out, `stop_both force` bounded by
// forcestoptimeout; if that fails or times out too, SIGKILL to what is left
// of the process groups the runner started. Each step is reported for the
// module log.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>

#include "app/ScriptEnv.h"
#include "app/ScriptRunner.h"
#include "config/ModuleConfig.h"

namespace safefarm::app {

enum class StopStep { Graceful, Force, Kill };
const char* stopStepName(StopStep step);

struct StopReport {
    StopStep step;
    bool ok;                  // the step succeeded (Kill: always true)
    std::string text;         // "stop_both: exit 0 in 120ms"
    ScriptOutcome outcome{};  // the script's (Kill: none)
};

enum class StopEnd { Graceful, Forced, Killed };

struct StopSettings {
    std::string stopBoth;  // the module's bin/stop_both
    Environment env;
    std::chrono::nanoseconds niceTimeout;   // what is left of nicestoptimeout after draining
    std::chrono::nanoseconds forceTimeout;  // forcestoptimeout
};

// bin/stop_both, the scripts' environment and <user>'s timeouts.
StopSettings stopSettings(const ScriptPaths& paths, const config::ModuleConfig& config);

class StopSequence {
public:
    using Report = std::function<void(const StopReport&)>;

    StopSequence(ScriptRunner& runner, StopSettings settings, Report report);
    ~StopSequence();
    StopSequence(const StopSequence&) = delete;
    StopSequence& operator=(const StopSequence&) = delete;

    // force: straight to `stop_both force` (a forced stop, a failed start).
    // `done` is called once, from the io_context; destroying the sequence
    // first drops it.
    void start(bool force, std::function<void(StopEnd)> done);
    bool running() const { return running_; }

private:
    void graceful();
    void force();

    ScriptRunner& runner_;
    StopSettings settings_;
    Report report_;
    std::function<void(StopEnd)> done_;
    bool running_ = false;
    std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace safefarm::app
