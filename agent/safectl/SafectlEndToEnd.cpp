// The safectl verbs end to end: the built binary (and its safekit link) run
// against a UnixServer whose handlers answer canned replies and record what
// they were sent. Not named *Test.cpp: the unit test binary globs those, and
// this one needs the safectl binary built first (its own executable, see
// CMakeLists.txt).
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/post.hpp>

#include <filesystem>
#include <fstream>
#include <mutex>
#include <optional>
#include <thread>

#include "FileText.h"
#include "TempDir.h"
#include "control/UnixServer.h"

namespace safefarm::safectl {
namespace {

namespace fs = std::filesystem;
using control::Reply;
using control::Request;
using control::Responder;
using nlohmann::json;

struct Outcome {
    int exit = -1;
    std::string out, err;
};

const json kStatus = {{"module", "apache_farm"},
                      {"state", "UP"},
                      {"epoch", 7},
                      {"view", "7@1"},
                      {"nodes",
                       {{{"id", 1},
                         {"name", "node1"},
                         {"state", "UP"},
                         {"buckets", 2731},
                         {"share", 33.34},
                         {"connections", 12},
                         {"packets", 345}},
                        {{"id", 2}, {"name", "node2"}, {"state", "WAIT"}, {"buckets", 0}, {"share", 0.0}}}}};

class SafectlVerbs : public ::testing::Test {
protected:
    void SetUp() override {
        ASSERT_TRUE(tmp_.ok());
        addHandlers();
        server_.emplace(io_, registry_, socket_);
        auto r = server_->start();
        ASSERT_TRUE(r.ok()) << r.error().message();
        thread_ = std::thread([this] { io_.run(); });
    }

    void TearDown() override {
        boost::asio::post(io_, [this] {
            server_.reset();
            work_.reset();
        });
        if (thread_.joinable()) thread_.join();
    }

    void addHandlers() {
        auto canned = [this](const char* name, std::function<Reply(const Request&)> answer) {
            (void)registry_.add(name, "", [this, answer](const Request& r, Responder respond) {
                {
                    std::lock_guard lock(mutex_);
                    requests_.push_back(control::toJson(r));
                }
                respond(answer(r));
            });
        };
        auto stateOf = [](const std::string& m) {
            return json{{"module", m}, {"state", m == "w" ? "WAIT" : m == "s" ? "STOP" : "UP"}, {"activity", ""}};
        };
        canned("state", [=](const Request& r) {
            if (r.module == "nosuch") return Reply::error("no module 'nosuch'");
            if (r.module.empty()) return Reply::success("", {{"modules", {stateOf("a"), stateOf("w")}}});
            return Reply::success("", {{"modules", {stateOf(r.module)}}});
        });
        canned("status", [](const Request&) { return Reply::success("", kStatus); });
        canned("print", [](const Request&) { return Reply::success("logged"); });
        canned("start", [](const Request& r) {
            if (r.module == "nosuch") return Reply::error("no module 'nosuch'");
            return Reply::success(r.module + " started");
        });
        canned("stop", [](const Request& r) { return Reply::success(r.module + " stopped"); });
        canned("module-install", [](const Request&) { return Reply::success("installed"); });
        canned("snapshot", [](const Request& r) {
            if (r.module == "nosuch") return Reply::error("no module 'nosuch' installed");
            return Reply::success("2 files", {{"module", "apache_farm"},
                                              {"node", "node1"},
                                              {"files", {{"status.json", "{}"}, {"logs/module.log", "one\n"}}}});
        });
        canned("logs", [this](const Request&) {
            std::ofstream(dir_ + "/module.log") << "one\ntwo\nthree\n";
            return Reply::success("", {{"path", dir_ + "/module.log"}});
        });
    }

    // Runs the binary with args; SAFEFARM_SOCKET points at our server unless env overrides it.
    Outcome run(const std::string& binary, std::vector<std::string> args, std::vector<std::string> env = {}) {
        std::string out = dir_ + "/out", err = dir_ + "/err";
        pid_t pid = ::fork();
        if (pid == 0) {
            ::setenv("SAFEFARM_SOCKET", socket_.c_str(), 1);
            ::unsetenv("SAFEMODULE");
            for (const auto& e : env) ::putenv(const_cast<char*>(e.c_str()));
            std::freopen(out.c_str(), "w", stdout);
            std::freopen(err.c_str(), "w", stderr);
            std::vector<char*> argv{const_cast<char*>(binary.c_str())};
            for (auto& a : args) argv.push_back(a.data());
            argv.push_back(nullptr);
            ::execv(binary.c_str(), argv.data());
            ::_exit(127);
        }
        int status = 0;
        ::waitpid(pid, &status, 0);
        return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, test::readFile(out), test::readFile(err)};
    }

    Outcome safectl(std::vector<std::string> args, std::vector<std::string> env = {}) {
        return run(SAFECTL_BIN, std::move(args), std::move(env));
    }

    std::vector<json> requests() {
        std::lock_guard lock(mutex_);
        return requests_;
    }

    test::TempDir tmp_{"sfe2e"};
    const std::string dir_ = tmp_.str();
    const std::string socket_ = dir_ + "/safed.sock";
    boost::asio::io_context io_;
    std::optional<boost::asio::executor_work_guard<boost::asio::io_context::executor_type>> work_{io_.get_executor()};
    control::CommandRegistry registry_;
    std::optional<control::UnixServer> server_;
    std::thread thread_;
    std::mutex mutex_;
    std::vector<json> requests_;
};

TEST_F(SafectlVerbs, StatusTable) {
    auto r = safectl({"status", "-m", "apache_farm"});
    EXPECT_EQ(r.exit, 0) << r.err;
    EXPECT_EQ(r.out,
              "Module               State  Epoch  View\n"
              "  -> Id  Node             State      Buckets   Share      Conns      Packets\n"
              "apache_farm          UP     7      7@1\n"
              "  -> 1   node1            UP            2731   33.3%         12          345\n"
              "  -> 2   node2            WAIT             0    0.0%          -            -\n");
    ASSERT_EQ(requests().size(), 1u);
    EXPECT_EQ(requests()[0], (json{{"command", "status"}, {"module", "apache_farm"}, {"args", json::object()}}));
}

TEST_F(SafectlVerbs, StatusJson) {
    auto r = safectl({"status", "--json"});
    EXPECT_EQ(r.exit, 0);
    EXPECT_EQ(json::parse(r.out), kStatus);
}

TEST_F(SafectlVerbs, StateQuietExitCodes) {
    EXPECT_EQ(safectl({"state", "-m", "s", "-q"}).exit, 0);
    EXPECT_EQ(safectl({"state", "-m", "w", "-q"}).exit, 1);
    auto up = safectl({"state", "-q", "-m", "apache_farm"});
    EXPECT_EQ(up.exit, 2);
    EXPECT_EQ(up.out, "");
    auto several = safectl({"state", "-q"});
    EXPECT_EQ(several.exit, 3);
    EXPECT_EQ(several.err, "safectl: several modules: name one with -m\n");
    EXPECT_EQ(safectl({"state", "-q", "-m", "nosuch"}).exit, 3);
    EXPECT_EQ(safectl({"state", "-q", "-m", "m"}, {"SAFEFARM_SOCKET=/tmp/nowhere.sock"}).exit, 3);
}

TEST_F(SafectlVerbs, StateShortAndLong) {
    EXPECT_EQ(safectl({"state"}).out, "a: UP\nw: WAIT\n");
    auto l = safectl({"state", "-l", "-m", "a"});
    EXPECT_EQ(l.out,
              "MODULE               STATE ACTIVITY     VIEW       REASON\n"
              "a                    UP    -            -          -\n");
}

TEST_F(SafectlVerbs, NotRunning) {
    auto r = safectl({"status"}, {"SAFEFARM_SOCKET=/tmp/nowhere.sock"});
    EXPECT_EQ(r.exit, 2);
    EXPECT_EQ(r.err, "safectl: safed is not running (no socket at /tmp/nowhere.sock)\n");
    // --socket wins over the environment, before or after the verb.
    EXPECT_EQ(safectl({"--socket", "/tmp/nowhere.sock", "start"}).exit, 2);
    EXPECT_EQ(safectl({"start", "--socket", "/tmp/nowhere.sock"}).exit, 2);
}

TEST_F(SafectlVerbs, SafekitPrintiForwardsTheModule) {
    auto r = run(SAFEKIT_BIN, {"printi", "start_both: apache is up"}, {"SAFEMODULE=apache_farm"});
    EXPECT_EQ(r.exit, 0) << r.err;
    EXPECT_EQ(r.out, "");
    auto e = run(SAFEKIT_BIN, {"printe", "-m", "other", "disk", "full"}, {"SAFEMODULE=apache_farm"});
    EXPECT_EQ(e.exit, 0);
    ASSERT_EQ(requests().size(), 2u);
    EXPECT_EQ(requests()[0], (json{{"command", "print"},
                                   {"module", "apache_farm"},
                                   {"args", {{"level", "I"}, {"text", "start_both: apache is up"}}}}));
    EXPECT_EQ(requests()[1]["module"], "other");
    EXPECT_EQ(requests()[1]["args"], (json{{"level", "E"}, {"text", "disk full"}}));

    auto none = run(SAFEKIT_BIN, {"printw", "no module"});
    EXPECT_EQ(none.exit, 1);
    EXPECT_EQ(none.err, "safekit: printw needs a module: -m MODULE or $SAFEMODULE\n");
}

TEST_F(SafectlVerbs, ActionsPrintTheReply) {
    auto start = safectl({"start", "-m", "apache_farm"});
    EXPECT_EQ(start.exit, 0);
    EXPECT_EQ(start.out, "apache_farm started\n");
    auto failed = safectl({"start", "-m", "nosuch"});
    EXPECT_EQ(failed.exit, 1);
    EXPECT_EQ(failed.err, "safectl: no module 'nosuch'\n");
    EXPECT_EQ(safectl({"stop", "-m", "apache_farm", "--force"}).exit, 0);
    EXPECT_EQ(requests().back(), (json{{"command", "stop"}, {"module", "apache_farm"}, {"args", {{"force", true}}}}));
    auto unknown = safectl({"restart"});  // no handler: Unsupported
    EXPECT_EQ(unknown.exit, 1);
    EXPECT_NE(unknown.err.find("unknown command 'restart'"), std::string::npos);
}

TEST_F(SafectlVerbs, ModuleInstallSendsAnAbsolutePath) {
    std::ofstream(dir_ + "/farm.safe") << "zip";
    auto r = safectl({"module", "install", dir_ + "/./farm.safe"});
    EXPECT_EQ(r.exit, 0) << r.err;
    EXPECT_EQ(requests().back()["args"]["file"], dir_ + "/farm.safe");
    auto missing = safectl({"module", "install", "/nonexistent.safe"});
    EXPECT_EQ(missing.exit, 1);
    EXPECT_EQ(missing.err, "safectl: /nonexistent.safe: no such file\n");
}

TEST_F(SafectlVerbs, LogsPrintsTheLastLines) {
    auto r = safectl({"logs", "-m", "apache_farm", "-n", "2", "--app"});
    EXPECT_EQ(r.exit, 0) << r.err;
    EXPECT_EQ(r.out, "two\nthree\n");
    EXPECT_EQ(requests().back()["args"], (json{{"app", true}}));
}

TEST_F(SafectlVerbs, SnapshotWritesAZipOnlyItsOwnerReads) {
    std::string zip = dir_ + "/snap.zip";
    auto r = safectl({"snapshot", "-m", "apache_farm", "-o", zip});
    EXPECT_EQ(r.exit, 0) << r.err;
    EXPECT_EQ(r.out, zip + ": 2 files of apache_farm on node1, " + std::to_string(fs::file_size(zip)) + " bytes\n");
    EXPECT_EQ(test::readFile(zip).substr(0, 4), std::string("PK\x03\x04", 4));
    EXPECT_EQ(fs::status(zip).permissions() & fs::perms::all, fs::perms::owner_read | fs::perms::owner_write);
    EXPECT_EQ(requests().back()["command"], "snapshot");
    auto bad = safectl({"snapshot", "-m", "nosuch", "-o", dir_ + "/no.zip"});
    EXPECT_EQ(bad.exit, 1);
    EXPECT_NE(bad.err.find("no module 'nosuch' installed"), std::string::npos) << bad.err;
    EXPECT_FALSE(fs::exists(dir_ + "/no.zip"));
}

TEST_F(SafectlVerbs, UsageErrorIsExitOne) {
    EXPECT_EQ(safectl({"nosuchverb"}).exit, 1);
    EXPECT_EQ(safectl({"--help"}).exit, 0);
}

}  // namespace
}  // namespace safefarm::safectl
