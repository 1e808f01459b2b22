#include "app/StopSequence.h"

#include <gtest/gtest.h>

#include <optional>

#include "FakeScriptRunner.h"
#include "app/AppTestHelpers.h"
#include "app/ProcessRunner.h"

namespace safefarm::app {
namespace {

using namespace std::chrono_literals;
using testing::TempDir;

StopSettings settings(std::string stopBoth, std::chrono::nanoseconds nice, std::chrono::nanoseconds force) {
    return StopSettings{std::move(stopBoth), {{"SAFEMODULE", "web"}}, nice, force};
}

// --- the sequence's logic, with a runner the test drives ---

TEST(StopSequence, GracefulStopEndsIt) {
    test::FakeScriptRunner runner;
    std::vector<StopReport> reports;
    std::optional<StopEnd> end;
    StopSequence s(runner, settings("/m/bin/stop_both", 300s, 200s),
                   [&](const StopReport& r) { reports.push_back(r); });
    s.start(false, [&](StopEnd e) { end = e; });
    ASSERT_EQ(runner.runs.size(), 1u);
    EXPECT_EQ(runner.last().path, "/m/bin/stop_both");
    EXPECT_TRUE(runner.last().args.empty());  // SafeKit passes nothing on a normal stop
    EXPECT_EQ(runner.last().timeout, 300s);
    EXPECT_EQ(runner.last().env.at(0).first, "SAFEMODULE");
    EXPECT_TRUE(s.running());
    runner.exit(0, 0);
    EXPECT_EQ(end, StopEnd::Graceful);
    EXPECT_FALSE(s.running());
    ASSERT_EQ(reports.size(), 1u);
    EXPECT_EQ(reports[0].step, StopStep::Graceful);
    EXPECT_TRUE(reports[0].ok);
    EXPECT_EQ(runner.killAllCalls, 0);
}

// A force that succeeds is trusted: nothing is killed after it (the module
// never did; the sequence did before the module used it).
TEST(StopSequence, FailedOrTimedOutGracefulGoesToForce) {
    for (bool timeOut : {false, true}) {
        test::FakeScriptRunner runner;
        std::vector<StopReport> reports;
        std::optional<StopEnd> end;
        StopSequence s(runner, settings("/m/bin/stop_both", 300s, 200s),
                       [&](const StopReport& r) { reports.push_back(r); });
        s.start(false, [&](StopEnd e) { end = e; });
        if (timeOut)
            runner.timeOut(0);
        else
            runner.exit(0, 1);
        ASSERT_EQ(runner.runs.size(), 2u);
        EXPECT_EQ(runner.last().args, std::vector<std::string>{"force"});
        EXPECT_EQ(runner.last().timeout, 200s);
        EXPECT_FALSE(end.has_value());
        runner.exit(1, 0);
        EXPECT_EQ(end, StopEnd::Forced);
        EXPECT_EQ(runner.killAllCalls, 0);
        ASSERT_EQ(reports.size(), 2u);
        EXPECT_FALSE(reports[0].ok);
        EXPECT_NE(reports[0].text.find(timeOut ? "timed out" : "exit 1"), std::string::npos) << reports[0].text;
        EXPECT_EQ(reports[0].outcome.timedOut, timeOut);
        EXPECT_EQ(reports[1].step, StopStep::Force);
        EXPECT_TRUE(reports[1].ok);
    }
}

TEST(StopSequence, ForcedStopSkipsGracefulAndAFailedForceEndsKilled) {
    test::FakeScriptRunner runner;
    std::optional<StopEnd> end;
    StopSequence s(runner, settings("/m/bin/stop_both", 300s, 200s), [](const StopReport&) {});
    s.start(true, [&](StopEnd e) { end = e; });
    ASSERT_EQ(runner.runs.size(), 1u);
    EXPECT_EQ(runner.last().args, std::vector<std::string>{"force"});
    runner.timeOut(0);
    EXPECT_EQ(end, StopEnd::Killed);
    EXPECT_EQ(runner.killAllCalls, 1);
}

TEST(StopSequence, DestroyedSequenceReportsNothing) {
    test::FakeScriptRunner runner;
    bool called = false;
    {
        StopSequence s(runner, settings("/m/bin/stop_both", 1s, 1s), [&](const StopReport&) { called = true; });
        s.start(false, [&](StopEnd) { called = true; });
    }
    runner.exit(0, 0);
    EXPECT_FALSE(called);
}

TEST(StopSequence, SettingsComeFromTheModule) {
    config::ModuleConfig c;
    c.user.nicestoptimeout = 7s;
    c.user.forcestoptimeout = 3s;
    ScriptPaths p{"/opt/sf", "", "/var/sf", "web", "/var/sf/modules/web", "/var/sf/modules/web/var"};
    auto s = stopSettings(p, c);
    EXPECT_EQ(s.stopBoth, "/var/sf/modules/web/bin/stop_both");
    EXPECT_EQ(s.niceTimeout, 7s);
    EXPECT_EQ(s.forceTimeout, 3s);
    EXPECT_EQ(s.env.size(), 6u);
}

// --- with real scripts: the bounds hold and nothing is left ---

class StopSequenceReal : public ::testing::Test {
protected:
    // stop_both: `graceful` and `force` are the shell bodies of each mode;
    // it records its group id for the test.
    StopEnd stop(const std::string& graceful, const std::string& force, std::chrono::milliseconds nice,
                 std::chrono::milliseconds forced) {
        std::string body = "echo $$ >> " + (dir / "pids") + "\n" + "if [ \"$1\" = force ]; then\n" + force +
                           "\nelse\n" + graceful + "\nfi";
        std::string script = testing::writeScript(dir, "stop_both", body);
        std::optional<StopEnd> end;
        StopSequence s(runner, settings(script, nice, forced), [&](const StopReport& r) { reports.push_back(r); });
        started = std::chrono::steady_clock::now();
        s.start(false, [&](StopEnd e) { end = e; });
        EXPECT_TRUE(testing::runUntil(
            io, [&] { return end.has_value(); }, 10s));
        took = std::chrono::steady_clock::now() - started;
        return end.value_or(StopEnd::Killed);
    }
    // No process of any stop_both run is left.
    bool nothingLeft() {
        std::istringstream pids(testing::readFile(dir / "pids"));
        bool gone = true;
        for (pid_t p; pids >> p;) gone &= testing::groupGone(p);
        return gone;
    }

    TempDir dir;
    boost::asio::io_context io;
    ProcessRunner runner{io, nullptr};
    std::vector<StopReport> reports;
    std::chrono::steady_clock::time_point started;
    std::chrono::nanoseconds took{};
};

TEST_F(StopSequenceReal, GracefulOk) {
    EXPECT_EQ(stop("exit 0", "exit 0", 2000ms, 2000ms), StopEnd::Graceful);
    EXPECT_LT(took, 2000ms);
    ASSERT_EQ(reports.size(), 1u);
    EXPECT_TRUE(reports[0].ok);
}

TEST_F(StopSequenceReal, GracefulHangsThenForceWithinBounds) {
    EXPECT_EQ(stop("sleep 100 & sleep 100", "exit 0", 200ms, 2000ms), StopEnd::Forced);
    EXPECT_GE(took, 200ms);
    EXPECT_LT(took, 200ms + 1500ms);
    ASSERT_EQ(reports.size(), 2u);
    EXPECT_NE(reports[0].text.find("timed out"), std::string::npos) << reports[0].text;
    EXPECT_TRUE(reports[1].ok);
    EXPECT_TRUE(nothingLeft());
}

TEST_F(StopSequenceReal, ForceHangsThenKilled) {
    EXPECT_EQ(stop("exit 1", "sleep 100 & sleep 100", 2000ms, 200ms), StopEnd::Killed);
    EXPECT_GE(took, 200ms);
    EXPECT_LT(took, 200ms + 1500ms);
    ASSERT_EQ(reports.size(), 3u);
    EXPECT_NE(reports[0].text.find("exit 1"), std::string::npos);
    EXPECT_FALSE(reports[1].ok);
    EXPECT_NE(reports[1].text.find("timed out"), std::string::npos) << reports[1].text;
    EXPECT_EQ(reports[2].step, StopStep::Kill);
    EXPECT_TRUE(nothingLeft());
}

}  // namespace
}  // namespace safefarm::app
