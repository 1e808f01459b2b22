// <custom>: a program of the module's bin/. Two kinds are written for
// SafeKit and both work:
//  - a watcher that runs as long as all is well (docs/userconfig.md: "its
//    exit means failure"): ok while it runs, failed when it exits non-zero
//    or is killed, started again an interval later;
//  - a probe that checks once and exits: exit 0 is ok, anything else fails;
//    run again every interval.
// So: running = ok (reported every interval), exit 0 = ok, other exit =
// failed. No timeout: a watcher never ends. It gets a ScriptRunner of its
// own, since stop() kills everything that runner started.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include <chrono>
#include <memory>

#include "app/Checker.h"
#include "app/ScriptRunner.h"

namespace safefarm::app {

class CustomChecker : public Checker {
public:
    // program.timeout is ignored (see above).
    CustomChecker(boost::asio::io_context& io, std::string ident, ScriptRun program,
                  std::unique_ptr<ScriptRunner> runner, std::chrono::nanoseconds interval, VerdictHandler onVerdict);
    ~CustomChecker() override;

    void start() override;
    void stop() override;
    const std::string& ident() const override { return ident_; }

private:
    void launch();
    void tick();
    void onExit(uint64_t run, const ScriptOutcome& outcome);

    std::string ident_;
    ScriptRun program_;
    std::unique_ptr<ScriptRunner> runner_;
    std::chrono::nanoseconds interval_;
    VerdictHandler onVerdict_;
    boost::asio::steady_timer timer_;
    uint64_t run_ = 0;  // the run in flight (bumped by stop)
    bool programRunning_ = false;
    bool running_ = false;
    std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace safefarm::app
