// A ScriptRunner that runs nothing: it records each run, and the test ends
// them by hand (exit, time out, fail to start) and sees what was asked.
#pragma once

#include <csignal>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "app/ScriptRunner.h"

namespace safefarm::test {

class FakeScriptRunner : public app::ScriptRunner {
public:
    struct Run {
        app::ScriptRun run;
        std::function<void(app::ScriptOutcome)> done;
        bool finished = false;
    };

    void run(app::ScriptRun run, std::function<void(app::ScriptOutcome)> done) override {
        runs.push_back(Run{std::move(run), std::move(done)});
    }

    // Every unfinished run ends as killed by SIGKILL, as the real runner's would.
    void killAll() override {
        killAllCalls++;
        if (!killEndsRuns) return;
        for (size_t i = 0; i < runs.size(); i++)
            if (!runs[i].finished) killed(i);
    }

    // Ends run i with this outcome (its callback may start new runs).
    void complete(size_t i, app::ScriptOutcome outcome) {
        if (runs.at(i).finished) return;
        runs[i].finished = true;
        auto done = std::move(runs[i].done);
        done(std::move(outcome));
    }
    void exit(size_t i, int code) {
        app::ScriptOutcome o;
        o.exitCode = code;
        complete(i, o);
    }
    void timeOut(size_t i) {
        app::ScriptOutcome o;
        o.timedOut = true;
        o.signal = SIGKILL;
        o.duration = runs.at(i).run.timeout;
        complete(i, o);
    }
    void killed(size_t i) {
        app::ScriptOutcome o;
        o.signal = SIGKILL;
        complete(i, o);
    }
    void notStarted(size_t i, std::string error) {
        app::ScriptOutcome o;
        o.notStarted = true;
        o.error = std::move(error);
        complete(i, o);
    }

    size_t unfinished() const {
        size_t n = 0;
        for (const auto& r : runs) n += !r.finished;
        return n;
    }
    const app::ScriptRun& last() const { return runs.back().run; }

    std::vector<Run> runs;
    int killAllCalls = 0;
    bool killEndsRuns = true;
};

}  // namespace safefarm::test
