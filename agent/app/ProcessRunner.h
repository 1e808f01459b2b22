// The real ScriptRunner: posix_spawn in a new session (so the script and
// everything it forks share one process group, killable as one), stdin from
// /dev/null, stdout and stderr into the AppLog. Exit is awaited through a
// pidfd (pidfd_open(2)) on the io_context: no SIGCHLD handler, no thread.
//
// Nothing else in the agent may reap children (waitpid(-1), SIGCHLD set to
// SIG_IGN): the runner reaps its own, by pid.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/steady_timer.hpp>

#include <sys/types.h>

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <set>

#include "app/AppLog.h"
#include "app/ScriptRunner.h"

namespace safefarm::app {

class ProcessRunner : public ScriptRunner {
public:
    // log: where the scripts' output goes; nullptr (<user logging="none">)
    // sends it to /dev/null.
    ProcessRunner(boost::asio::io_context& io, AppLog* log);
    // Leaves running scripts alone (safed restarting must not stop the
    // application); call killAll() first to stop them.
    ~ProcessRunner() override;
    ProcessRunner(const ProcessRunner&) = delete;
    ProcessRunner& operator=(const ProcessRunner&) = delete;

    void run(ScriptRun run, std::function<void(ScriptOutcome)> done) override;
    void killAll() override;

    size_t running() const { return children_.size(); }
    // Process groups remembered for killAll (running or left behind).
    size_t groups();

private:
    struct Child {
        Child(boost::asio::io_context& io) : pidfd(io), timer(io) {}
        pid_t pid = -1;
        boost::asio::posix::stream_descriptor pidfd;
        boost::asio::steady_timer timer;
        std::chrono::steady_clock::time_point started;
        std::function<void(ScriptOutcome)> done;
        AppLog::FollowId output = 0;
        bool timedOut = false;
    };

    void onExit(pid_t pid);
    void onTimeout(pid_t pid);
    void forgetEmptyGroups();

    boost::asio::io_context& io_;
    AppLog* log_;
    std::map<pid_t, std::shared_ptr<Child>> children_;
    // Groups of finished scripts may still hold what they started in the
    // background (start_both's application). A group id is a pid: once the
    // group is empty the kernel may reuse it, so empty groups are forgotten
    // at every run, exit and killAll, leaving reuse a window of one pid
    // wrap-around.
    std::set<pid_t> groups_;
    std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace safefarm::app
