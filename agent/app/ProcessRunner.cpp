#include "app/ProcessRunner.h"

#include <boost/asio/post.hpp>

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>

extern char** environ;

namespace safefarm::app {

namespace asio = boost::asio;

namespace {

// The environment the script sees: ours, with run.env added (replacing a
// variable of the same name).
std::vector<std::string> buildEnv(const std::vector<std::pair<std::string, std::string>>& extra) {
    std::vector<std::string> env;
    for (char** e = environ; e && *e; ++e) {
        std::string_view kv(*e);
        std::string_view name = kv.substr(0, kv.find('='));
        bool replaced = false;
        for (const auto& [n, v] : extra) replaced |= n == name;
        if (!replaced) env.emplace_back(kv);
    }
    for (const auto& [n, v] : extra) env.push_back(n + "=" + v);
    return env;
}

std::vector<char*> pointers(std::vector<std::string>& strings) {
    std::vector<char*> p;
    for (auto& s : strings) p.push_back(s.data());
    p.push_back(nullptr);
    return p;
}

std::string baseName(const std::string& path) {
    auto slash = path.rfind('/');
    return slash == std::string::npos ? path : path.substr(slash + 1);
}

// posix_spawn's setup, released whatever happens.
struct SpawnSetup {
    posix_spawn_file_actions_t actions;
    posix_spawnattr_t attr;
    SpawnSetup() {
        posix_spawn_file_actions_init(&actions);
        posix_spawnattr_init(&attr);
    }
    ~SpawnSetup() {
        posix_spawn_file_actions_destroy(&actions);
        posix_spawnattr_destroy(&attr);
    }
};

}  // namespace

ProcessRunner::ProcessRunner(asio::io_context& io, AppLog* log) : io_(io), log_(log) {}

ProcessRunner::~ProcessRunner() { *alive_ = false; }

void ProcessRunner::run(ScriptRun run, std::function<void(ScriptOutcome)> done) {
    forgetEmptyGroups();
    auto notStarted = [&](Error e) {
        ScriptOutcome o;
        o.notStarted = true;
        o.error = e.message();
        asio::post(io_, [done = std::move(done), o] { done(o); });
    };

    int out[2] = {-1, -1};
    if (log_ && ::pipe2(out, O_CLOEXEC) != 0)
        return notStarted(osError(errno, "creating the output pipe of " + run.path));

    SpawnSetup s;
    posix_spawn_file_actions_addopen(&s.actions, 0, "/dev/null", O_RDONLY, 0);
    if (log_) {
        posix_spawn_file_actions_adddup2(&s.actions, out[1], 1);  // dup2 clears close-on-exec
        posix_spawn_file_actions_adddup2(&s.actions, out[1], 2);
    } else {
        posix_spawn_file_actions_addopen(&s.actions, 1, "/dev/null", O_WRONLY, 0);
        posix_spawn_file_actions_adddup2(&s.actions, 1, 2);
    }
    // Nothing of the agent's beyond 0-2, close-on-exec or not: its heartbeat
    // socket, its logs, a library's descriptor (Apache's workers read
    // heartbeats and wrote into module.log through inherited ones).
    posix_spawn_file_actions_addclosefrom_np(&s.actions, 3);
    // A session of its own: the script's process group is everything it
    // forks (unless that calls setsid itself, as daemons do). Signals the
    // agent blocks or ignores (SIGPIPE) must not be inherited through exec.
    sigset_t none, all;
    sigemptyset(&none);
    sigfillset(&all);
    posix_spawnattr_setsigmask(&s.attr, &none);
    posix_spawnattr_setsigdefault(&s.attr, &all);
    posix_spawnattr_setflags(&s.attr, POSIX_SPAWN_SETSID | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);

    std::vector<std::string> argv{run.path};
    argv.insert(argv.end(), run.args.begin(), run.args.end());
    std::vector<std::string> env = buildEnv(run.env);
    auto argvp = pointers(argv);
    auto envp = pointers(env);

    pid_t pid = -1;
    int err = ::posix_spawn(&pid, run.path.c_str(), &s.actions, &s.attr, argvp.data(), envp.data());
    if (log_) ::close(out[1]);
    if (err != 0) {
        if (log_) ::close(out[0]);
        return notStarted(osError(err, "running " + run.path));
    }

    auto child = std::make_shared<Child>(io_);
    child->pid = pid;
    child->started = std::chrono::steady_clock::now();
    child->done = std::move(done);
    groups_.insert(pid);
    if (log_) child->output = log_->follow(out[0], baseName(run.path));

    int pidfd = static_cast<int>(::syscall(SYS_pidfd_open, pid, 0));
    if (pidfd < 0) {
        // Without a pidfd there is no way to learn of the exit: do not leave it running.
        Error e = osError(errno, "pidfd_open for " + run.path);
        ::kill(-pid, SIGKILL);
        ::waitpid(pid, nullptr, 0);
        return notStarted(e);
    }
    child->pidfd.assign(pidfd);
    children_.emplace(pid, child);

    if (run.timeout.count() > 0) {
        child->timer.expires_after(run.timeout);
        child->timer.async_wait([this, alive = alive_, pid](boost::system::error_code ec) {
            if (*alive && !ec) onTimeout(pid);
        });
    }
    child->pidfd.async_wait(asio::posix::descriptor_base::wait_read,
                            [this, alive = alive_, pid](boost::system::error_code ec) {
                                if (*alive && ec != asio::error::operation_aborted) onExit(pid);
                            });
}

void ProcessRunner::onTimeout(pid_t pid) {
    auto it = children_.find(pid);
    if (it == children_.end()) return;
    it->second->timedOut = true;
    ::kill(-pid, SIGKILL);  // the whole group; the pidfd reports the exit
}

void ProcessRunner::onExit(pid_t pid) {
    auto it = children_.find(pid);
    if (it == children_.end()) return;
    std::shared_ptr<Child> child = it->second;
    int status = 0;
    pid_t r = ::waitpid(pid, &status, WNOHANG);
    if (r == 0) {  // readable before the exit can be collected: wait again
        child->pidfd.async_wait(asio::posix::descriptor_base::wait_read,
                                [this, alive = alive_, pid](boost::system::error_code ec) {
                                    if (*alive && ec != asio::error::operation_aborted) onExit(pid);
                                });
        return;
    }
    children_.erase(it);
    child->timer.cancel();

    ScriptOutcome o;
    o.duration = std::chrono::steady_clock::now() - child->started;
    o.timedOut = child->timedOut;
    if (r < 0) {
        o.error = osError(errno, "waiting for pid " + std::to_string(pid)).message();
    } else if (WIFEXITED(status)) {
        o.exitCode = WEXITSTATUS(status);
    } else if (WIFSIGNALED(status)) {
        o.signal = WTERMSIG(status);
    }
    if (log_ && child->output) log_->drain(child->output);
    forgetEmptyGroups();
    child->done(o);
}

void ProcessRunner::killAll() {
    for (pid_t g : groups_) ::kill(-g, SIGKILL);
    forgetEmptyGroups();
}

void ProcessRunner::forgetEmptyGroups() {
    for (auto it = groups_.begin(); it != groups_.end();) {
        if (::kill(-*it, 0) != 0 && errno == ESRCH)
            it = groups_.erase(it);
        else
            ++it;
    }
}

size_t ProcessRunner::groups() {
    forgetEmptyGroups();
    return groups_.size();
}

}  // namespace safefarm::app
