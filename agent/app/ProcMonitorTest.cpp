#include "app/ProcMonitor.h"

#include <gtest/gtest.h>

#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>

#include "Privilege.h"
#include "ScopedNetns.h"
#include "app/AppTestHelpers.h"

namespace safefarm::app {
namespace {

using namespace std::chrono_literals;
using testing::TempDir;
namespace fs = std::filesystem;

// A fake /proc: PID/comm, PID/cmdline, PID/ns/net (a symlink to "net:[N]"), self/ns/net.
struct FakeProc {
    TempDir dir;
    FakeProc() { fs::create_directories(dir / "self/ns"), fs::create_symlink("net:[1]", dir / "self/ns/net"); }
    void add(int pid, const std::string& comm, const std::string& argv0, int netns = 1) {
        std::string p = dir / std::to_string(pid);
        fs::create_directories(p + "/ns");
        testing::writeFile(p + "/comm", comm + "\n");
        testing::writeFile(p + "/cmdline", argv0 + std::string("\0-k\0start\0", 10));
        fs::create_symlink("net:[" + std::to_string(netns) + "]", p + "/ns/net");
    }
};

config::ProcConfig proc(std::string name, uint32_t atleast, std::optional<uint32_t> atmax) {
    config::ProcConfig p;
    p.name = std::move(name);
    p.atleast = atleast;
    p.atmax = atmax;
    p.action = "restart";
    return p;
}

TEST(ProcMonitor, CountsByCommOrArgv0OfThisNetnsOnly) {
    FakeProc f;
    f.add(100, "apache2", "/usr/sbin/apache2");
    f.add(101, "apache2", "/usr/sbin/apache2");
    f.add(102, "apache2", "/usr/sbin/apache2", 2);         // another node's Apache
    f.add(200, "sh", "/opt/app/bin/my-long-daemon-name");  // a script: comm is its interpreter
    f.add(201, "my-long-daemon-", "my-long-daemon-name");  // comm cut to 15 characters
    f.add(300, "bash", "-bash");
    fs::create_directories(f.dir / "sys");  // not a process
    auto counts = countProcesses(f.dir.path(), {"apache2", "my-long-daemon-name", "nginx"});
    ASSERT_TRUE(counts.ok()) << counts.error().message();
    EXPECT_EQ(counts->at("apache2"), 2u);
    EXPECT_EQ(counts->at("my-long-daemon-name"), 2u);
    EXPECT_EQ(counts->at("nginx"), 0u);
}

TEST(ProcMonitor, VerdictsFollowAtleastAndAtmax) {
    FakeProc f;
    for (int i = 0; i < 3; i++) f.add(100 + i, "apache2", "/usr/sbin/apache2");
    boost::asio::io_context io;
    config::ErrdConfig cfg;
    cfg.polltimer = 10ms;
    cfg.procs = {proc("apache2", 1, std::nullopt),
                 proc("apache2", 4, std::nullopt),
                 proc("apache2", 1, 3),
                 proc("apache2", 1, 2),
                 proc("nginx", 0, 0),
                 proc("nginx", 1, std::nullopt)};
    ProcMonitor m(
        io, cfg, [](const CheckVerdict&) {}, f.dir.path());
    auto v = m.poll();
    ASSERT_EQ(v.size(), 6u);
    EXPECT_TRUE(v[0].ok);
    EXPECT_FALSE(v[1].ok);  // fewer than atleast
    EXPECT_TRUE(v[2].ok);   // exactly atmax
    EXPECT_FALSE(v[3].ok);  // more than atmax
    EXPECT_TRUE(v[4].ok);   // none wanted, none running
    EXPECT_FALSE(v[5].ok);
    EXPECT_EQ(v[0].ident, "apache2");
    EXPECT_EQ(v[3].detail, "apache2: 3 running (at least 1, at most 2)");
    EXPECT_EQ(v[5].detail, "nginx: 0 running (at least 1)");
}

TEST(ProcMonitor, AnUnreadableProcFailsEveryProc) {
    TempDir empty;
    boost::asio::io_context io;
    config::ErrdConfig cfg;
    cfg.procs = {proc("apache2", 1, std::nullopt)};
    ProcMonitor m(
        io, cfg, [](const CheckVerdict&) {}, empty.path());
    auto v = m.poll();
    ASSERT_EQ(v.size(), 1u);
    EXPECT_FALSE(v[0].ok);
    EXPECT_NE(v[0].detail.find("self/ns/net"), std::string::npos) << v[0].detail;
}

TEST(ProcMonitor, PollsEveryPolltimerUntilStopped) {
    FakeProc f;
    f.add(100, "apache2", "/usr/sbin/apache2");
    boost::asio::io_context io;
    config::ErrdConfig cfg;
    cfg.polltimer = 20ms;
    cfg.procs = {proc("apache2", 1, std::nullopt)};
    std::vector<CheckVerdict> got;
    ProcMonitor m(
        io, cfg, [&](const CheckVerdict& v) { got.push_back(v); }, f.dir.path());
    m.start();
    testing::runFor(io, 10ms);
    EXPECT_TRUE(got.empty());  // the first count waits one polltimer
    ASSERT_TRUE(testing::runUntil(io, [&] { return got.size() >= 2; }));
    EXPECT_TRUE(got[0].ok);
    fs::remove_all(f.dir / "100");  // apache2 died
    ASSERT_TRUE(testing::runUntil(io, [&] { return !got.back().ok; }));
    m.stop();
    size_t n = got.size();
    testing::runFor(io, 60ms);
    EXPECT_EQ(got.size(), n);
}

// --- the real /proc ---

std::string selfName() { return fs::read_symlink("/proc/self/exe").filename(); }

TEST(ProcMonitorReal, CountsTheTestBinary) {
    auto counts = countProcesses("/proc", {selfName()});
    ASSERT_TRUE(counts.ok()) << counts.error().message();
    EXPECT_GE(counts->at(selfName()), 1u);
}

// Copies of sleep under a unique name: exactly those are counted.
class SleepCopies {
public:
    SleepCopies() : name_("sfpm" + std::to_string(::getpid())), path_(dir_ / name_) {
        fs::copy_file("/bin/sleep", path_);
        ::chmod(path_.c_str(), 0755);
    }
    ~SleepCopies() {
        for (pid_t p : pids_) {
            ::kill(p, SIGKILL);
            ::waitpid(p, nullptr, 0);
        }
    }
    void spawn() {
        std::string arg = "100";
        char* argv[] = {path_.data(), arg.data(), nullptr};
        pid_t pid;
        ASSERT_EQ(::posix_spawn(&pid, path_.c_str(), nullptr, nullptr, argv, environ), 0);
        pids_.push_back(pid);
    }
    const std::string& name() const { return name_; }

private:
    TempDir dir_;
    std::string name_, path_;
    std::vector<pid_t> pids_;
};

TEST(ProcMonitorReal, CountsExactlyTheNamedProcesses) {
    SleepCopies s;
    s.spawn();
    s.spawn();
    s.spawn();
    auto counts = countProcesses("/proc", {s.name()});
    ASSERT_TRUE(counts.ok());
    EXPECT_EQ(counts->at(s.name()), 3u);
}

TEST(ProcMonitorReal, ProcessesOfAnotherNetnsAreNotCounted) {
    SAFEFARM_REQUIRE_PRIVILEGE();
    SleepCopies s;
    s.spawn();
    {
        test::ScopedNetns other("sf_app_procmon");  // another node, sharing our PID namespace
        ASSERT_TRUE(other.ok());
        s.spawn();
        s.spawn();
    }
    auto counts = countProcesses("/proc", {s.name()});
    ASSERT_TRUE(counts.ok());
    EXPECT_EQ(counts->at(s.name()), 1u);
}

}  // namespace
}  // namespace safefarm::app
