#include "safed/Checkers.h"

#include "app/CheckerFactory.h"
#include "app/ProcMonitor.h"
#include "app/ProcessRunner.h"

namespace safefarm::safed {

namespace {

// <errd> as one more checker: its verdicts carry the process name as ident.
class ErrdChecker : public app::Checker {
public:
    ErrdChecker(boost::asio::io_context& io, config::ErrdConfig config, app::VerdictHandler onVerdict)
        : monitor_(io, std::move(config), std::move(onVerdict)) {}
    void start() override { monitor_.start(); }
    void stop() override { monitor_.stop(); }
    const std::string& ident() const override { return ident_; }

private:
    app::ProcMonitor monitor_;
    std::string ident_ = "errd";
};

}  // namespace

Result<std::vector<std::unique_ptr<app::Checker>>> makeCheckers(boost::asio::io_context& io,
                                                                const config::ModuleConfig& config,
                                                                const app::ScriptPaths& paths,
                                                                app::VerdictHandler onVerdict) {
    std::vector<std::unique_ptr<app::Checker>> out;
    app::CheckerContext ctx{
        io, paths.moduleDir + "/bin", app::scriptEnv(paths, config),
        [&io]() -> std::unique_ptr<app::ScriptRunner> { return std::make_unique<app::ProcessRunner>(io, nullptr); }};
    for (const auto& check : config.checks) {
        auto c = app::makeChecker(check, ctx, onVerdict);
        if (!c) return c.error();
        out.push_back(std::move(c.value()));
    }
    if (!config.errd.procs.empty()) out.push_back(std::make_unique<ErrdChecker>(io, config.errd, onVerdict));
    return out;
}

}  // namespace safefarm::safed
