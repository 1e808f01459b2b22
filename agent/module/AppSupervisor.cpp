#include "module/AppSupervisor.h"

#include <boost/asio/post.hpp>

#include <algorithm>

namespace safefarm::module {

using control::MessageId;

AppSupervisor::AppSupervisor(boost::asio::io_context& io, app::ScriptRunner& scripts, MakeCheckers makeCheckers,
                             app::ScriptPaths paths, std::shared_ptr<const config::ModuleConfig> config,
                             const Logger& log)
    : io_(io),
      scripts_(scripts),
      makeCheckers_(std::move(makeCheckers)),
      paths_(std::move(paths)),
      config_(std::move(config)),
      log_(log),
      recovery_(config_->service.maxloop, config_->service.loopInterval) {}

AppSupervisor::~AppSupervisor() { *alive_ = false; }

void AppSupervisor::count(const std::string& script, bool ok) {
    auto& c = scriptCounts_[script];
    c.runs++;
    c.failures += !ok;
}

void AppSupervisor::startBoth(std::function<void(bool ok)> done) {
    log_.info(MessageId::SF_SCRIPT_START, "start_both");
    // SafeKit bounds no start_both; a hanging one must not hold the module
    // in WAIT for ever, so it gets the same bound as a graceful stop.
    app::ScriptRun run{
        paths_.moduleDir + "/bin/start_both", {}, app::scriptEnv(paths_, *config_), config_->user.nicestoptimeout};
    scripts_.run(run, [this, alive = alive_, done = std::move(done)](app::ScriptOutcome o) {
        if (!*alive) return;
        bool ok = o.succeeded();
        count("start_both", ok);
        log_.write(ok ? control::Level::Info : control::Level::Error, MessageId::SF_SCRIPT_END,
                   std::string("start_both ") + (ok ? "succeeded" : "failed") +
                       (o.timedOut     ? " (timed out)"
                        : o.notStarted ? " (" + o.error + ")"
                                       : " (exit " + std::to_string(o.exitCode) + ")"));
        done(ok);
    });
}

void AppSupervisor::stopBoth(bool force, std::function<void()> done) {
    stopCheckers();
    if (!running_) {
        done();
        return;
    }
    if (force)
        log_.warn(MessageId::SF_SCRIPT_FORCED, "stop_both force");
    else
        log_.info(MessageId::SF_SCRIPT_START, "stop_both");
    stop_ = std::make_unique<app::StopSequence>(scripts_, app::stopSettings(paths_, *config_),
                                                [this](const app::StopReport& r) { onStopReport(r); });
    stop_->start(force, [this, done = std::move(done)](app::StopEnd) {
        running_ = false;
        done();
    });
}

void AppSupervisor::onStopReport(const app::StopReport& r) {
    switch (r.step) {
        case app::StopStep::Graceful:
            count("stop_both", r.ok);
            log_.write(r.ok ? control::Level::Info : control::Level::Warn, MessageId::SF_SCRIPT_END,
                       std::string("stop_both ") + (r.ok                 ? "succeeded"
                                                    : r.outcome.timedOut ? "timed out"
                                                                         : "failed"));
            if (!r.ok) log_.warn(MessageId::SF_SCRIPT_FORCED, "stop_both force");
            return;
        case app::StopStep::Force:
            count("stop_both force", r.ok);
            if (!r.ok) log_.error(MessageId::SF_SCRIPT_END, "stop_both force did not finish: killing its processes");
            return;
        case app::StopStep::Kill: return;
    }
}

void AppSupervisor::startCheckers(app::VerdictHandler onVerdict) {
    if (!makeCheckers_) return;
    auto made = makeCheckers_(std::move(onVerdict));
    if (!made) {
        log_.error(MessageId::SF_CHECK_FAILED, "checkers: " + made.error().message());
        return;
    }
    checkers_ = std::move(made.value());
    failing_.clear();
    for (auto& c : checkers_) c->start();
}

void AppSupervisor::stopCheckers() {
    for (auto& c : checkers_) c->stop();
    // Destroyed later: a verdict handler may be running right now.
    auto old = std::make_shared<std::vector<std::unique_ptr<app::Checker>>>(std::move(checkers_));
    boost::asio::post(io_, [old] {});
    checkers_.clear();
}

bool AppSupervisor::checkersPass() const {
    return std::none_of(failing_.begin(), failing_.end(), [](const auto& kv) { return kv.second; });
}

bool AppSupervisor::isProcess(const std::string& ident) const {
    auto named = [&](const auto& list, auto key) {
        return std::any_of(list.begin(), list.end(), [&](const auto& e) { return e.*key == ident; });
    };
    return named(config_->errd.procs, &config::ProcConfig::name) &&
           !named(config_->checks, &config::CheckConfig::ident);
}

std::string AppSupervisor::actionOf(const std::string& ident) const {
    for (const auto& c : config_->checks)
        if (c.ident == ident) return c.action;
    for (const auto& p : config_->errd.procs)
        if (p.name == ident) return p.action;
    return "restart";
}

AppSupervisor::Change AppSupervisor::record(const app::CheckVerdict& v) {
    bool wasFailing = failing_[v.ident];
    failing_[v.ident] = !v.ok;
    if (!v.ok) {
        checkFailures_[v.ident]++;
        return wasFailing ? Change::None : Change::Failed;
    }
    if (!wasFailing) return Change::None;
    log_.info(MessageId::SF_CHECK_OK, (isProcess(v.ident) ? "process " : "checker ") + v.ident + " ok again");
    return Change::OkAgain;
}

app::RecoveryDecision AppSupervisor::failed(const app::CheckVerdict& v, std::chrono::nanoseconds now) {
    bool process = isProcess(v.ident);
    std::string what = (process ? "process " : "checker ") + v.ident;
    log_.warn(process ? MessageId::SF_ERRD : MessageId::SF_CHECK_FAILED, what + " failed: " + v.detail);
    return recovery_.onFailure(what, actionOf(v.ident), now);
}

std::vector<CheckerCount> AppSupervisor::checkerCounts() const {
    std::vector<std::string> idents;
    for (const auto& c : config_->checks) idents.push_back(c.ident);
    for (const auto& p : config_->errd.procs) idents.push_back(p.name);
    std::vector<CheckerCount> out;
    for (const auto& ident : idents) {
        auto f = checkFailures_.find(ident);
        auto now = failing_.find(ident);
        out.push_back({ident, now == failing_.end() || !now->second, f == checkFailures_.end() ? 0 : f->second});
    }
    return out;
}

}  // namespace safefarm::module
