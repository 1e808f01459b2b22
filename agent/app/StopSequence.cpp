#include "app/StopSequence.h"

namespace safefarm::app {

const char* stopStepName(StopStep step) {
    switch (step) {
        case StopStep::Graceful: return "stop_both";
        case StopStep::Force: return "stop_both force";
        case StopStep::Kill: return "kill";
    }
    return "?";
}

StopSettings stopSettings(const ScriptPaths& paths, const config::ModuleConfig& config) {
    return StopSettings{paths.moduleDir + "/bin/stop_both", scriptEnv(paths, config), config.user.nicestoptimeout,
                        config.user.forcestoptimeout};
}

StopSequence::StopSequence(ScriptRunner& runner, StopSettings settings, Report report)
    : runner_(runner), settings_(std::move(settings)), report_(std::move(report)) {}

StopSequence::~StopSequence() { *alive_ = false; }

void StopSequence::start(bool forced, std::function<void(StopEnd)> done) {
    running_ = true;
    done_ = std::move(done);
    if (forced)
        force();
    else
        graceful();
}

void StopSequence::graceful() {
    // SafeKit passes no argument on a normal stop (docs/userconfig.md).
    runner_.run(ScriptRun{settings_.stopBoth, {}, settings_.env, settings_.niceTimeout},
                [this, alive = alive_](ScriptOutcome o) {
                    if (!*alive) return;
                    bool ok = o.succeeded();
                    report_({StopStep::Graceful, ok, "stop_both: " + describe(o), o});
                    if (!ok) return force();
                    running_ = false;
                    if (auto d = std::exchange(done_, nullptr)) d(StopEnd::Graceful);
                });
}

void StopSequence::force() {
    runner_.run(ScriptRun{settings_.stopBoth, {"force"}, settings_.env, settings_.forceTimeout},
                [this, alive = alive_](ScriptOutcome o) {
                    if (!*alive) return;
                    bool ok = o.succeeded();
                    report_({StopStep::Force, ok, "stop_both force: " + describe(o), o});
                    // A force that succeeded is trusted, as the module always
                    // did; one that failed or hung has what is left of the
                    // scripts' groups killed.
                    if (!ok) {
                        runner_.killAll();
                        report_({StopStep::Kill, true, "killed what was left of the scripts' process groups", {}});
                    }
                    running_ = false;
                    if (auto d = std::exchange(done_, nullptr)) d(ok ? StopEnd::Forced : StopEnd::Killed);
                });
}

}  // namespace safefarm::app
