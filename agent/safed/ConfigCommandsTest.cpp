#include "safed/ConfigCommands.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "control/Tail.h"
#include "safed/FakeModules.h"

namespace safefarm::safed {
namespace {

namespace fs = std::filesystem;
using control::MessageId;
using control::Reply;
using control::ResultCode;
using nlohmann::json;
using namespace testing;  // the fakes (FakeModules.h)

const std::string kUserConfig = "<safe><service mode=\"farm\"/></safe>\n";

fs::path tempDir() {
    char tmpl[] = "/tmp/safefarm-configcmd-XXXXXX";
    return ::mkdtemp(tmpl);
}

class ConfigCommandsTest : public ::testing::Test {
protected:
    void SetUp() override {
        store_.modules["farm"] = {{"conf/userconfig.xml", kUserConfig}, {"bin/start_both", "#!/bin/sh\n"}};
        commands_.registerIn(registry_);
    }
    void TearDown() override { fs::remove_all(logDir_); }

    Reply call(const std::string& command, const std::string& module = "farm", json args = json::object()) {
        return callOnce(registry_, {command, module, std::move(args), "adm (admin) from 198.18.1.1"}, threads_,
                        &answeredOn_);
    }
    void refuse(std::vector<std::string> errors) {
        LoadedModule refused;
        refused.refusedAt = LoadedModule::Step::Config;
        refused.errors = std::move(errors);
        store_.loads["farm"] = refused;
    }
    void writeLog(const std::string& name, const std::string& text) {
        fs::create_directories(logDir_ / "farm");
        std::ofstream(logDir_ / "farm" / name) << text;
    }

    fs::path logDir_ = tempDir();  // before commands_, which is given it
    FakeModuleManager manager_;
    FakeModuleStore store_;
    InPlaceThreads threads_;
    std::optional<std::string> metrics_ = "safefarm_up 1\n";
    ConfigCommands commands_{manager_, store_, threads_.threads(),
                             ConfigCommandsOptions{"n1", logDir_.string(), [this] { return metrics_; }}};
    control::CommandRegistry registry_;
    std::string answeredOn_;
};

TEST_F(ConfigCommandsTest, EveryCommandResolvesItsModule) {
    for (const char* c : {"config-show", "config-check", "config-deploy", "snapshot", "logs"})
        EXPECT_EQ(call(c, "nosuch").text, "no module 'nosuch' installed (/etc/safefarm/modules)") << c;
}

TEST_F(ConfigCommandsTest, ShowIsTheModulesFiles) {
    Reply r = call("config-show");
    EXPECT_EQ(r.arguments["module"], "farm");
    EXPECT_EQ(r.arguments["files"]["conf/userconfig.xml"], kUserConfig);
    EXPECT_EQ(r.arguments["files"]["bin/start_both"], "#!/bin/sh\n");
}

TEST_F(ConfigCommandsTest, CheckOfTheModulesOwnFileAsAStartWould) {
    Reply r = call("config-check");
    EXPECT_EQ(r.result, ResultCode::Success);
    EXPECT_EQ(r.text, "valid");
    EXPECT_EQ(r.arguments, json::parse(R"({"module":"farm","valid":true,"errors":[]})"));
    ASSERT_EQ(store_.loaded.size(), 1u);
    EXPECT_EQ(store_.loaded[0].scope, Scope::ThisNode);
    EXPECT_EQ(store_.loaded[0].userconfig, kUserConfig);
}

TEST_F(ConfigCommandsTest, CheckOfAnEditListsEveryError) {
    refuse({"userconfig.xml:2: unknown attribute 'bogus'", "userconfig.xml:5: expected a port"});
    Reply r = call("config-check", "farm", {{"userconfig", "<safe>edited</safe>"}});
    EXPECT_EQ(r.result, ResultCode::Success);  // the check ran: its verdict is in the arguments
    EXPECT_EQ(r.text, "2 error(s)");
    EXPECT_EQ(r.arguments["valid"], false);
    EXPECT_EQ(r.arguments["errors"][1], "userconfig.xml:5: expected a port");
    EXPECT_EQ(store_.loaded[0].userconfig, "<safe>edited</safe>");
}

TEST_F(ConfigCommandsTest, CheckOfADeploysFilesChecksTheirNamesAndItsUserconfig) {
    Reply named = call("config-check", "farm", {{"files", {{"conf/userconfig.xml", "<safe>deployed</safe>"}}}});
    EXPECT_EQ(named.text, "valid");
    EXPECT_EQ(store_.loaded[0].userconfig, "<safe>deployed</safe>");
    Reply badName = call("config-check", "farm", {{"files", {{"../etc/passwd", "x"}}}});
    EXPECT_EQ(badName.arguments["valid"], false);
    EXPECT_EQ(badName.arguments["errors"].size(), 1u);
    Reply notText = call("config-check", "farm", {{"userconfig", 3}});
    EXPECT_EQ(notText.arguments["errors"][0], "args.userconfig: the text of a userconfig.xml");
}

TEST_F(ConfigCommandsTest, CheckOfAModuleWithoutItsUserconfig) {
    store_.modules["farm"].erase("conf/userconfig.xml");
    Reply r = call("config-check");
    EXPECT_EQ(r.arguments["errors"][0], "/etc/safefarm/modules/farm/conf/userconfig.xml: cannot be read");
}

TEST_F(ConfigCommandsTest, DeployWritesNotesAndLogsOnTheModulesThreadAnswersOnTheTransports) {
    Reply r = call("config-deploy", "farm", {{"userconfig", "<safe>new</safe>"}});
    EXPECT_EQ(r.result, ResultCode::Success);
    EXPECT_EQ(r.text, "wrote conf/userconfig.xml");
    EXPECT_EQ(r.arguments, json::parse(R"({"module":"farm","written":["conf/userconfig.xml"],"running":false})"));
    EXPECT_EQ(store_.modules["farm"]["conf/userconfig.xml"], "<safe>new</safe>");
    EXPECT_TRUE(manager_.logged(MessageId::SF_COMMAND, "farm: config-deploy asked by adm (admin) from 198.18.1.1"));
    EXPECT_TRUE(manager_.logged(MessageId::SF_CONFIG, "configuration deployed: conf/userconfig.xml"));
    EXPECT_EQ(threads_.hops, (std::vector<std::string>{"modules", "transports"}));
    EXPECT_EQ(answeredOn_, "transports");
}

TEST_F(ConfigCommandsTest, DeployToARunningModuleTakesEffectAtItsRestart) {
    manager_.built["farm"] = RunState{true, module::ModuleState::Up, module::Activity::Idle, ""};
    Reply r = call("config-deploy", "farm",
                   {{"files", {{"bin/start_both", "#!/bin/sh\necho new\n"}, {"conf/userconfig.xml", "<safe/>"}}}});
    EXPECT_EQ(r.text, "wrote bin/start_both, conf/userconfig.xml; takes effect when farm restarts");
    EXPECT_EQ(r.arguments["running"], true);
}

TEST_F(ConfigCommandsTest, DeployOfARefusedUserconfigWritesNothing) {
    refuse({"userconfig.xml:2: unknown attribute 'bogus'"});
    Reply r = call("config-deploy", "farm", {{"userconfig", "<safe bogus=\"1\"/>"}});
    EXPECT_EQ(r.result, ResultCode::Error);
    EXPECT_EQ(r.text, "userconfig.xml refused, nothing written: userconfig.xml:2: unknown attribute 'bogus'");
    EXPECT_EQ(r.arguments["valid"], false);
    EXPECT_EQ(store_.modules["farm"]["conf/userconfig.xml"], kUserConfig);
    EXPECT_TRUE(manager_.lines.empty());
}

TEST_F(ConfigCommandsTest, DeployErrors) {
    EXPECT_EQ(call("config-deploy", "farm", {{"files", "conf"}}).text, "args.files: an object of file name -> text");
    EXPECT_EQ(call("config-deploy", "farm", {{"files", {{"bin/x", 1}}}}).text, "args.files.bin/x: not a text");
    store_.writeError = badInput("bin/x: not a script (#!)");
    Reply r = call("config-deploy", "farm", {{"files", {{"bin/x", "text"}}}});
    EXPECT_EQ(r.result, ResultCode::Error);
    EXPECT_EQ(r.text, "bin/x: not a script (#!)");
    EXPECT_FALSE(manager_.logged(MessageId::SF_CONFIG, "configuration deployed: bin/x"));
}

TEST_F(ConfigCommandsTest, SnapshotHoldsStatusMetricsNodeLogsAndFiles) {
    manager_.statuses["farm"] = {{"module", "farm"}, {"state", "UP"}};
    writeLog("module.log", "line 1\nline 2\n");
    Reply r = call("snapshot");
    EXPECT_EQ(r.result, ResultCode::Success);
    const json& files = r.arguments["files"];
    EXPECT_EQ(r.text, std::to_string(files.size()) + " files");
    EXPECT_EQ(r.arguments["node"], "n1");
    EXPECT_EQ(json::parse(files["status.json"].get<std::string>())["state"], "UP");
    EXPECT_EQ(files["metrics.txt"], "safefarm_up 1\n");
    EXPECT_EQ(files["node.txt"].get<std::string>().rfind("node n1\nmodule farm\ntaken ", 0), 0u);
    EXPECT_NE(files["node.txt"].get<std::string>().find("\nconfig /etc/safefarm/modules/farm\n"), std::string::npos);
    EXPECT_EQ(files["logs/module.log"], "line 1\nline 2\n");
    EXPECT_EQ(files["logs/application.log"], "");  // never written: no lines
    EXPECT_EQ(files["conf/userconfig.xml"], kUserConfig);
    EXPECT_EQ(threads_.hops, (std::vector<std::string>{"modules", "transports"}));
    EXPECT_EQ(answeredOn_, "transports");
}

TEST_F(ConfigCommandsTest, SnapshotOfAModuleNeverStartedWithoutTheApi) {
    metrics_.reset();
    Reply r = call("snapshot");
    EXPECT_EQ(json::parse(r.arguments["files"]["status.json"].get<std::string>()),
              json::parse(R"({"module":"farm","state":"STOP"})"));
    EXPECT_FALSE(r.arguments["files"].contains("metrics.txt"));
}

TEST_F(ConfigCommandsTest, LogsPathAndTheirLastLines) {
    writeLog("module.log", "a SF_X\nb SF_Y\nc SF_X\n");
    writeLog("application.log", "app\n");
    json path{{"path", (logDir_ / "farm/module.log").string()}};
    EXPECT_EQ(call("logs").arguments, path);
    EXPECT_EQ(call("logs", "farm", {{"app", true}}).arguments["path"], (logDir_ / "farm/application.log").string());
    EXPECT_EQ(call("logs", "farm", {{"lines", 2u}}).arguments["lines"], json::parse(R"(["b SF_Y","c SF_X"])"));
    EXPECT_EQ(call("logs", "farm", {{"lines", 5u}, {"grep", "SF_X"}}).arguments["lines"],
              json::parse(R"(["a SF_X","c SF_X"])"));
}

TEST_F(ConfigCommandsTest, LogsRefuseABadNumberOfLines) {
    for (json lines : {json(-1), json("ten"), json(control::kMaxLogLines + 1)}) {
        Reply r = call("logs", "farm", {{"lines", lines}});
        EXPECT_EQ(r.result, ResultCode::Error) << lines;
        EXPECT_EQ(r.text, "args.lines: a number of lines, 0 to " + std::to_string(control::kMaxLogLines));
    }
}

}  // namespace
}  // namespace safefarm::safed
