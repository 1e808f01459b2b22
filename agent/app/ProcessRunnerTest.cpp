#include "app/ProcessRunner.h"

#include <gtest/gtest.h>

#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <optional>

#include "app/AppTestHelpers.h"

namespace safefarm::app {
namespace {

using namespace std::chrono_literals;
using testing::TempDir;

class ScriptProcessRunner : public ::testing::Test {
protected:
    void SetUp() override {
        ASSERT_FALSE(dir.path().empty());
        auto l = AppLog::open(io, dir / "userlog", 1 << 20);
        ASSERT_TRUE(l.ok()) << l.error().message();
        log = std::move(l.value());
        runner.emplace(io, log.get());
    }
    void TearDown() override {
        if (runner) runner->killAll();
    }

    // Runs the script to its end (bounded).
    ScriptOutcome run(ScriptRun r) {
        std::optional<ScriptOutcome> out;
        runner->run(std::move(r), [&](ScriptOutcome o) { out = o; });
        EXPECT_TRUE(testing::runUntil(
            io, [&] { return out.has_value(); }, 10s));
        return out.value_or(ScriptOutcome{});
    }
    std::string logText() { return testing::readFile(log->path()); }

    TempDir dir;
    boost::asio::io_context io;
    std::unique_ptr<AppLog> log;
    std::optional<ProcessRunner> runner;
};

TEST_F(ScriptProcessRunner, ReportsExitCodes) {
    auto ok = run({testing::writeScript(dir, "ok", "exit 0"), {}, {}, 5s});
    EXPECT_TRUE(ok.succeeded());
    EXPECT_EQ(ok.exitCode, 0);
    EXPECT_EQ(ok.signal, 0);
    auto three = run({testing::writeScript(dir, "three", "exit 3"), {}, {}, 5s});
    EXPECT_EQ(three.exitCode, 3);
    EXPECT_FALSE(three.succeeded());
    EXPECT_FALSE(three.timedOut);
    EXPECT_FALSE(three.notStarted);
    EXPECT_GT(three.duration.count(), 0);
    EXPECT_EQ(describe(three).substr(0, 7), "exit 3 ");
}

TEST_F(ScriptProcessRunner, ScriptSeesArgumentsAndEnvironment) {
    ::setenv("SF_INHERITED", "from-agent", 1);
    ::setenv("SF_REPLACED", "old", 1);
    std::string script = testing::writeScript(dir, "env",
                                              "echo \"args=$# $1 $2\"\n"
                                              "echo \"SAFE=$SAFE inherited=$SF_INHERITED replaced=$SF_REPLACED\"\n"
                                              "[ -n \"$PATH\" ] || exit 9\n"
                                              "[ \"$(env | grep -c '^SF_REPLACED=')\" = 1 ] || exit 8\n"
                                              "read line && exit 7\n"  // stdin is /dev/null
                                              "exit 0");
    auto o = run({script, {"force", "two words"}, {{"SAFE", "/opt/safe"}, {"SF_REPLACED", "new"}}, 5s});
    EXPECT_EQ(o.exitCode, 0) << describe(o);
    std::string text = logText();
    EXPECT_NE(text.find("env: args=2 force two words"), std::string::npos) << text;
    EXPECT_NE(text.find("env: SAFE=/opt/safe inherited=from-agent replaced=new"), std::string::npos) << text;
}

// A script (and the application it starts) holds none of the agent's
// descriptors, even one opened without close-on-exec (issue 14: Apache's
// workers read heartbeats through an inherited socket).
TEST_F(ScriptProcessRunner, AScriptInheritsNoDescriptorOfTheAgent) {
    std::string marker = dir / "agent-only-file";
    int leaky = ::open(marker.c_str(), O_WRONLY | O_CREAT, 0600);  // no O_CLOEXEC, as a library might
    ASSERT_GE(leaky, 3);
    std::string script =
        testing::writeScript(dir, "fds", "for f in /proc/$$/fd/*; do echo \"fd $f -> $(readlink $f)\"; done");
    auto o = run({script, {}, {}, 5s});
    ::close(leaky);
    EXPECT_EQ(o.exitCode, 0) << describe(o);
    std::string text = logText();
    EXPECT_NE(text.find("fds: fd /proc/"), std::string::npos) << text;
    EXPECT_EQ(text.find("agent-only-file"), std::string::npos) << "the script holds the agent's descriptor:\n" << text;
}

TEST_F(ScriptProcessRunner, OutputLinesGoToTheAppLogBeforeDone) {
    std::string script =
        testing::writeScript(dir, "start_both", "echo out one\necho err one >&2\necho out two\nprintf 'no newline'");
    auto o = run({script, {}, {}, 5s});
    ASSERT_EQ(o.exitCode, 0);
    // Everything the script wrote is in the log when done is called.
    std::string text = logText();
    auto one = text.find("start_both: out one\n");
    auto err = text.find("start_both: err one\n");
    auto two = text.find("start_both: out two\n");
    auto last = text.find("start_both: no newline\n");
    ASSERT_NE(one, std::string::npos) << text;
    ASSERT_NE(err, std::string::npos) << text;
    ASSERT_NE(two, std::string::npos) << text;
    ASSERT_NE(last, std::string::npos) << text;
    EXPECT_LT(one, err);
    EXPECT_LT(err, two);
    EXPECT_LT(two, last);
    // Each line starts with a timestamp: "YYYY-MM-DD HH:MM:SS.mmm ".
    EXPECT_EQ(text[4], '-');
    EXPECT_EQ(text[10], ' ');
    EXPECT_EQ(text[19], '.');
    EXPECT_EQ(text[23], ' ');
}

TEST_F(ScriptProcessRunner, TimeoutKillsTheWholeGroup) {
    std::string pidFile = dir / "pid";
    std::string script = testing::writeScript(dir, "hang",
                                              "echo $$ > " + pidFile +
                                                  "\n"
                                                  "sleep 100 &\nsleep 100 &\n"
                                                  "(sleep 100; echo never) &\n"
                                                  "echo started\nsleep 100");
    auto start = std::chrono::steady_clock::now();
    auto o = run({script, {}, {}, 300ms});
    EXPECT_LT(std::chrono::steady_clock::now() - start, 5s);
    EXPECT_TRUE(o.timedOut);
    EXPECT_EQ(o.signal, SIGKILL);
    EXPECT_EQ(o.exitCode, -1);
    EXPECT_NE(describe(o).find("timed out"), std::string::npos);
    pid_t pgid = std::stoi(testing::readFile(pidFile));
    EXPECT_TRUE(testing::groupGone(pgid)) << testing::liveInGroup(pgid) << " processes left";
    EXPECT_NE(logText().find("hang: started"), std::string::npos);
}

TEST_F(ScriptProcessRunner, NotExecutableOrMissingIsNotStarted) {
    auto notExec = run({testing::writeScript(dir, "noexec", "exit 0", 0644), {}, {}, 5s});
    EXPECT_TRUE(notExec.notStarted);
    EXPECT_EQ(notExec.exitCode, -1);
    EXPECT_NE(notExec.error.find("Permission denied"), std::string::npos) << notExec.error;
    EXPECT_NE(notExec.error.find("noexec"), std::string::npos) << notExec.error;
    auto missing = run({dir / "absent", {}, {}, 5s});
    EXPECT_TRUE(missing.notStarted);
    EXPECT_NE(missing.error.find("No such file"), std::string::npos) << missing.error;
    EXPECT_EQ(runner->running(), 0u);
}

TEST_F(ScriptProcessRunner, DoneIsNeverCalledFromWithinRun) {
    bool called = false;
    runner->run({dir / "absent", {}, {}, 5s}, [&](ScriptOutcome) { called = true; });
    EXPECT_FALSE(called);
    EXPECT_TRUE(testing::runUntil(io, [&] { return called; }));
}

TEST_F(ScriptProcessRunner, KillAllStopsWhatFinishedScriptsLeft) {
    std::string pidFile = dir / "pid";
    // start_both's way: the application in the background, then exit 0.
    auto o = run({testing::writeScript(dir, "bg", "echo $$ > " + pidFile + "\nsleep 100 >/dev/null 2>&1 &\nexit 0"),
                  {},
                  {},
                  5s});
    ASSERT_EQ(o.exitCode, 0);
    pid_t pgid = std::stoi(testing::readFile(pidFile));
    EXPECT_EQ(testing::liveInGroup(pgid), 1);  // a normal exit leaves the background alone
    EXPECT_EQ(runner->groups(), 1u);
    runner->killAll();
    EXPECT_TRUE(testing::groupGone(pgid));
}

TEST_F(ScriptProcessRunner, KillAllEndsRunningScripts) {
    std::optional<ScriptOutcome> out;
    runner->run({testing::writeScript(dir, "long", "sleep 100"), {}, {}, 60s}, [&](ScriptOutcome o) { out = o; });
    testing::runFor(io, 50ms);
    EXPECT_EQ(runner->running(), 1u);
    runner->killAll();
    ASSERT_TRUE(testing::runUntil(io, [&] { return out.has_value(); }));
    EXPECT_EQ(out->signal, SIGKILL);
    EXPECT_FALSE(out->timedOut);
    EXPECT_EQ(runner->running(), 0u);
}

TEST_F(ScriptProcessRunner, RunsScriptsSideBySide) {
    std::optional<ScriptOutcome> slow, fast;
    runner->run({testing::writeScript(dir, "slow", "sleep 0.3; exit 1"), {}, {}, 5s},
                [&](ScriptOutcome o) { slow = o; });
    runner->run({testing::writeScript(dir, "fast", "exit 2"), {}, {}, 5s}, [&](ScriptOutcome o) { fast = o; });
    ASSERT_TRUE(testing::runUntil(io, [&] { return fast.has_value(); }));
    EXPECT_FALSE(slow.has_value());
    ASSERT_TRUE(testing::runUntil(io, [&] { return slow.has_value(); }));
    EXPECT_EQ(fast->exitCode, 2);
    EXPECT_EQ(slow->exitCode, 1);
}

TEST_F(ScriptProcessRunner, WithoutALogOutputIsDiscarded) {
    ProcessRunner quiet(io, nullptr);
    std::optional<ScriptOutcome> out;
    quiet.run({testing::writeScript(dir, "talk", "echo hello; exit 4"), {}, {}, 5s}, [&](ScriptOutcome o) { out = o; });
    ASSERT_TRUE(testing::runUntil(io, [&] { return out.has_value(); }));
    EXPECT_EQ(out->exitCode, 4);
    EXPECT_EQ(logText().find("hello"), std::string::npos);
}

}  // namespace
}  // namespace safefarm::app
