// The checkers of a module, built from its <check> and <errd> elements with
// the real probes (TCP, HTTP, ping, interface, address, custom programs, the
// process monitor); the module starts them while its application runs.
#pragma once

#include <boost/asio/io_context.hpp>

#include <memory>
#include <vector>

#include "app/Checker.h"
#include "app/ScriptEnv.h"
#include "common/Result.h"
#include "config/ModuleConfig.h"

namespace safefarm::safed {

Result<std::vector<std::unique_ptr<app::Checker>>> makeCheckers(boost::asio::io_context& io,
                                                                const config::ModuleConfig& config,
                                                                const app::ScriptPaths& paths,
                                                                app::VerdictHandler onVerdict);

}  // namespace safefarm::safed
