#include "app/CustomChecker.h"

#include <boost/asio/post.hpp>

namespace safefarm::app {

namespace asio = boost::asio;

CustomChecker::CustomChecker(asio::io_context& io, std::string ident, ScriptRun program,
                             std::unique_ptr<ScriptRunner> runner, std::chrono::nanoseconds interval,
                             VerdictHandler onVerdict)
    : ident_(std::move(ident)),
      program_(std::move(program)),
      runner_(std::move(runner)),
      interval_(interval),
      onVerdict_(std::move(onVerdict)),
      timer_(io) {
    program_.timeout = std::chrono::nanoseconds(0);
}

CustomChecker::~CustomChecker() {
    stop();
    *alive_ = false;
}

void CustomChecker::start() {
    if (running_) return;
    running_ = true;
    asio::post(timer_.get_executor(), [this, alive = alive_] {
        if (*alive && running_ && !programRunning_) launch();
    });
}

void CustomChecker::stop() {
    if (!running_) return;
    running_ = false;
    run_++;
    timer_.cancel();
    if (programRunning_) runner_->killAll();
    programRunning_ = false;
}

void CustomChecker::launch() {
    uint64_t run = ++run_;
    programRunning_ = true;
    runner_->run(program_, [this, alive = alive_, run](ScriptOutcome o) {
        if (*alive) onExit(run, o);
    });
    tick();
}

// Every interval: an ok verdict while the program runs, else the next run.
void CustomChecker::tick() {
    timer_.expires_after(interval_);
    timer_.async_wait([this, alive = alive_](boost::system::error_code ec) {
        if (!*alive || ec || !running_) return;
        if (!programRunning_) return launch();
        tick();
        onVerdict_(CheckVerdict{ident_, true, program_.path + " running"});
    });
}

void CustomChecker::onExit(uint64_t run, const ScriptOutcome& o) {
    if (!running_ || run != run_) return;
    programRunning_ = false;
    // The tick timer armed while it ran starts the next run.
    onVerdict_(CheckVerdict{ident_, o.succeeded(), program_.path + ": " + describe(o)});
}

}  // namespace safefarm::app
