#include "app/CustomChecker.h"

#include <gtest/gtest.h>

#include "FakeScriptRunner.h"
#include "app/AppTestHelpers.h"
#include "app/CheckerFactory.h"
#include "app/ProcessRunner.h"

namespace safefarm::app {
namespace {

using namespace std::chrono_literals;
using testing::TempDir;

struct Custom {
    TempDir dir;
    boost::asio::io_context io;
    std::vector<CheckVerdict> verdicts;

    std::unique_ptr<CustomChecker> make(const std::string& body, std::chrono::milliseconds interval) {
        ScriptRun program{testing::writeScript(dir, "check", body), {}, {}, {}};
        return std::make_unique<CustomChecker>(io, "custom", program, std::make_unique<ProcessRunner>(io, nullptr),
                                               interval, [this](const CheckVerdict& v) { verdicts.push_back(v); });
    }
};

TEST(CheckerCustom, ExitZeroIsOkAndItRunsAgain) {
    Custom t;
    auto c = t.make("exit 0", 20ms);
    c->start();
    ASSERT_TRUE(testing::runUntil(t.io, [&] { return t.verdicts.size() >= 3; }));
    for (const auto& v : t.verdicts) EXPECT_TRUE(v.ok) << v.detail;
    c->stop();
}

TEST(CheckerCustom, OtherExitFails) {
    Custom t;
    auto c = t.make("echo bad; exit 2", 20ms);
    c->start();
    ASSERT_TRUE(testing::runUntil(t.io, [&] { return !t.verdicts.empty(); }));
    EXPECT_FALSE(t.verdicts[0].ok);
    EXPECT_NE(t.verdicts[0].detail.find("exit 2"), std::string::npos) << t.verdicts[0].detail;
    c->stop();
}

TEST(CheckerCustom, ALongRunningWatcherIsOkWhileItRunsAndStopKillsIt) {
    Custom t;
    std::string pidFile = t.dir / "pid";
    auto c = t.make("echo $$ > " + pidFile + "\nsleep 100", 20ms);
    c->start();
    ASSERT_TRUE(testing::runUntil(t.io, [&] { return t.verdicts.size() >= 2; }));
    for (const auto& v : t.verdicts) {
        EXPECT_TRUE(v.ok) << v.detail;
        EXPECT_NE(v.detail.find("running"), std::string::npos);
    }
    pid_t pgid = std::stoi(testing::readFile(pidFile));
    EXPECT_GE(testing::liveInGroup(pgid), 1);
    c->stop();
    EXPECT_TRUE(testing::groupGone(pgid));
    size_t n = t.verdicts.size();
    testing::runFor(t.io, 60ms);
    EXPECT_EQ(t.verdicts.size(), n);  // the killed watcher reports nothing after stop
}

TEST(CheckerCustom, AWatcherThatDiesFailsAndIsStartedAgain) {
    Custom t;
    std::string count = t.dir / "count";
    auto c = t.make("echo x >> " + count + "\nsleep 0.05\nexit 1", 20ms);
    c->start();
    ASSERT_TRUE(testing::runUntil(
        t.io, [&] { return std::count_if(t.verdicts.begin(), t.verdicts.end(), [](auto& v) { return !v.ok; }) >= 2; }));
    EXPECT_GE(testing::readFile(count).size(), 4u);  // ran at least twice
    c->stop();
}

TEST(CheckerFactory, CustomExecIsInBinAndArgsAreSplit) {
    boost::asio::io_context io;
    test::FakeScriptRunner* runner = nullptr;
    CheckerContext ctx{io, "/m/bin", {{"SAFEMODULE", "web"}}, [&] {
                           auto r = std::make_unique<test::FakeScriptRunner>();
                           runner = r.get();
                           return r;
                       }};
    config::CheckConfig cfg;
    cfg.kind = config::CheckKind::Custom;
    cfg.ident = "mine";
    cfg.exec = "watch.sh";
    cfg.arg = "one  two three";
    std::vector<CheckVerdict> verdicts;
    auto c = makeChecker(cfg, ctx, [&](const CheckVerdict& v) { verdicts.push_back(v); });
    ASSERT_TRUE(c.ok()) << c.error().message();
    EXPECT_EQ(c.value()->ident(), "mine");
    c.value()->start();
    io.poll();
    ASSERT_NE(runner, nullptr);
    ASSERT_EQ(runner->runs.size(), 1u);
    EXPECT_EQ(runner->last().path, "/m/bin/watch.sh");
    EXPECT_EQ(runner->last().args, (std::vector<std::string>{"one", "two", "three"}));
    EXPECT_EQ(runner->last().env.size(), 1u);
    EXPECT_EQ(runner->last().timeout.count(), 0);  // a watcher is never timed out
    runner->exit(0, 3);
    ASSERT_EQ(verdicts.size(), 1u);
    EXPECT_FALSE(verdicts[0].ok);
    c.value()->stop();
    EXPECT_EQ(runner->killAllCalls, 0);  // nothing was running
}

TEST(CheckerFactory, TimingsAndErrors) {
    boost::asio::io_context io;
    CheckerContext ctx{io, "/m/bin", {}, nullptr};
    config::CheckConfig cfg;
    cfg.kind = config::CheckKind::Intf;
    cfg.ident = "eth";
    cfg.intf = "lo";
    auto t = checkTiming(cfg);  // <intf> has no <to interval>: the vocabulary's default
    EXPECT_EQ(t.interval, 10s);
    EXPECT_EQ(t.timeout, 5s);
    cfg.interval = std::chrono::milliseconds(100);
    EXPECT_EQ(checkTiming(cfg).interval, 100ms);
    EXPECT_TRUE(makeChecker(cfg, ctx, [](const CheckVerdict&) {}).ok());

    cfg.kind = config::CheckKind::Http;
    cfg.url = "http://www.example.com/";
    auto bad = makeChecker(cfg, ctx, [](const CheckVerdict&) {});
    ASSERT_FALSE(bad.ok());
    EXPECT_NE(bad.error().message().find("not an IP address"), std::string::npos);
    cfg.kind = config::CheckKind::Tcp;
    EXPECT_FALSE(makeChecker(cfg, ctx, [](const CheckVerdict&) {}).ok());  // no address
    cfg.kind = config::CheckKind::Custom;
    EXPECT_FALSE(makeChecker(cfg, ctx, [](const CheckVerdict&) {}).ok());  // no runner
}

}  // namespace
}  // namespace safefarm::app
