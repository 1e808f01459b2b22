// The module's application on this node (DESIGN §5): start_both; the stop
// sequence (stop_both, then force, then kill: app::StopSequence); the
// checkers and the process monitor (<check>, <errd>) while it runs, and what
// a failure makes the module do (app::RecoveryPolicy). Counts the script
// runs and failed checks that the status and /metrics show.
#pragma once

#include <boost/asio/io_context.hpp>

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "app/Checker.h"
#include "app/RecoveryPolicy.h"
#include "app/ScriptEnv.h"
#include "app/ScriptRunner.h"
#include "app/StopSequence.h"
#include "common/Result.h"
#include "config/ModuleConfig.h"
#include "module/Logger.h"

namespace safefarm::module {

struct ScriptCount {
    uint64_t runs = 0, failures = 0;
};

struct CheckerCount {
    std::string ident;  // a checker's ident or an <errd> process name
    bool ok = true;     // its last check passed (or none ran yet)
    uint64_t failures = 0;
};

class AppSupervisor {
public:
    using MakeCheckers = std::function<Result<std::vector<std::unique_ptr<app::Checker>>>(app::VerdictHandler)>;
    // What a verdict changed.
    enum class Change { None, Failed, OkAgain };

    AppSupervisor(boost::asio::io_context& io, app::ScriptRunner& scripts, MakeCheckers makeCheckers,
                  app::ScriptPaths paths, std::shared_ptr<const config::ModuleConfig> config, const Logger& log);
    ~AppSupervisor();
    AppSupervisor(const AppSupervisor&) = delete;
    AppSupervisor& operator=(const AppSupervisor&) = delete;

    // `done(ok)`, bounded by nicestoptimeout.
    void startBoth(std::function<void(bool ok)> done);
    // The checkers stop; stop_both (force: stop_both force at once) if the
    // application runs.
    void stopBoth(bool force, std::function<void()> done);
    bool running() const { return running_; }
    // start_both ended (even failed: what it left is for stop_both force to
    // stop), a resume, a stop while start_both runs.
    void markRunning() { running_ = true; }

    void startCheckers(app::VerdictHandler onVerdict);
    void stopCheckers();
    bool checkersPass() const;  // no checker is failing now
    Change record(const app::CheckVerdict& verdict);
    // A checker or process that just failed: logged (SF_CHECK_FAILED,
    // SF_ERRD), and what its action and maxloop make of it.
    app::RecoveryDecision failed(const app::CheckVerdict& verdict, std::chrono::nanoseconds now);

    const std::map<std::string, ScriptCount>& scriptCounts() const { return scriptCounts_; }
    std::vector<CheckerCount> checkerCounts() const;

private:
    void onStopReport(const app::StopReport& report);
    void count(const std::string& script, bool ok);
    bool isProcess(const std::string& ident) const;  // an <errd> process, not a checker
    std::string actionOf(const std::string& ident) const;

    boost::asio::io_context& io_;
    app::ScriptRunner& scripts_;
    MakeCheckers makeCheckers_;
    app::ScriptPaths paths_;
    std::shared_ptr<const config::ModuleConfig> config_;
    const Logger& log_;

    bool running_ = false;
    std::unique_ptr<app::StopSequence> stop_;
    std::vector<std::unique_ptr<app::Checker>> checkers_;
    std::map<std::string, bool> failing_;  // ident -> failing now
    app::RecoveryPolicy recovery_;
    std::map<std::string, ScriptCount> scriptCounts_;  // since safed started
    std::map<std::string, uint64_t> checkFailures_;
    std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace safefarm::module
