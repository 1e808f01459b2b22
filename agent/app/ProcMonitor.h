// errd: every polltimer, counts the processes of each <proc name>; a count
// below atleast or above atmax is a failed verdict (ident: the name), which
// the module maps to the <proc action> like a checker's.
//
// Only the processes of this node count: those in the agent's network
// namespace (/proc/PID/ns/net is /proc/self/ns/net). In the lab every node's
// Apache runs in one PID namespace, so all of them are in /proc; in
// production the same rule keeps containers on the host apart.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "app/Checker.h"
#include "common/Result.h"
#include "config/ModuleConfig.h"

namespace safefarm::app {

// How many processes of this network namespace are named each of `names`:
// /proc/PID/comm, or the basename of argv[0] (comm is cut to 15 characters,
// and a script's comm is its interpreter's). procRoot is "/proc", or a fake
// tree in tests (PID/comm, PID/cmdline, PID/ns/net and self/ns/net).
Result<std::map<std::string, uint32_t>> countProcesses(const std::string& procRoot,
                                                       const std::vector<std::string>& names);

class ProcMonitor {
public:
    ProcMonitor(boost::asio::io_context& io, config::ErrdConfig config, VerdictHandler onVerdict,
                std::string procRoot = "/proc");
    ~ProcMonitor();

    // The first count comes one polltimer after start(), giving start_both's
    // daemons time to fork.
    void start();
    void stop();
    // One count now: a verdict per <proc>, in the configuration's order.
    std::vector<CheckVerdict> poll() const;

private:
    void arm();

    boost::asio::io_context& io_;
    config::ErrdConfig config_;
    VerdictHandler onVerdict_;
    std::string procRoot_;
    boost::asio::steady_timer timer_;
    bool running_ = false;
    std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace safefarm::app
