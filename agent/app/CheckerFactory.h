// A <check> element of userconfig.xml made into its running checker.
#pragma once

#include <boost/asio/io_context.hpp>

#include <functional>
#include <memory>

#include "app/Checker.h"
#include "app/PeriodicChecker.h"
#include "app/ScriptEnv.h"
#include "app/ScriptRunner.h"
#include "common/Result.h"
#include "config/ModuleConfig.h"

namespace safefarm::app {

struct CheckerContext {
    boost::asio::io_context& io;
    std::string binDir;  // the module's bin/, where a relative custom exec lives
    Environment env;     // the scripts' environment (scriptEnv), for custom checkers
    // A runner for each custom checker: stopping one kills only its program.
    std::function<std::unique_ptr<ScriptRunner>()> makeRunner;
};

// interval and timeout of the <to> element; <intf>, <ip> and <custom> have
// none, so they take the <tcp><to> defaults of the vocabulary (10s, 5s).
CheckTiming checkTiming(const config::CheckConfig& check);

Result<std::unique_ptr<Checker>> makeChecker(const config::CheckConfig& check, const CheckerContext& context,
                                             VerdictHandler onVerdict);

}  // namespace safefarm::app
