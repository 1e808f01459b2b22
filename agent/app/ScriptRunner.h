// Runs a module's scripts (start_both, stop_both, custom checkers). The real
// runner is ProcessRunner; tests use tests/support/FakeScriptRunner.h.
#pragma once

#include <chrono>
#include <functional>
#include <string>
#include <utility>
#include <vector>

namespace safefarm::app {

struct ScriptRun {
    std::string path;
    std::vector<std::string> args;
    std::vector<std::pair<std::string, std::string>> env;  // added to the inherited environment
    std::chrono::nanoseconds timeout{0};                   // 0: none (a long-running custom checker)
};

struct ScriptOutcome {
    int exitCode = -1;  // -1 when killed or not started
    int signal = 0;     // the signal that ended it, 0 when it exited
    bool timedOut = false;
    bool notStarted = false;
    std::string error;  // why it did not start
    std::chrono::nanoseconds duration{0};

    bool succeeded() const { return exitCode == 0 && !timedOut && !notStarted; }
};

// "exit 0 in 12ms", "timed out after 5s (process group killed)",
// "killed by signal 9 (Killed) after 3s", "not started: ...". For the logs.
std::string describe(const ScriptOutcome& outcome);

class ScriptRunner {
public:
    virtual ~ScriptRunner() = default;
    // Starts the script; `done` is called exactly once, from the io_context,
    // never from within run().
    virtual void run(ScriptRun run, std::function<void(ScriptOutcome)> done) = 0;
    // SIGKILL to every process group this runner started that still has
    // processes: the scripts running now and what finished ones left behind.
    virtual void killAll() = 0;
};

}  // namespace safefarm::app
