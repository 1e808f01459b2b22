#include "safed/ModuleCommands.h"

#include <gtest/gtest.h>
#include <sys/socket.h>

#include "safed/FakeModules.h"

namespace safefarm::safed {
namespace {

using control::MessageId;
using control::Reply;
using control::ResultCode;
using nlohmann::json;
using namespace testing;  // the fakes (FakeModules.h)

constexpr auto kWait = module::ModuleState::Wait;
constexpr auto kUp = module::ModuleState::Up;

class ModuleCommandsTest : public ::testing::Test {
protected:
    void SetUp() override {
        store_.modules["farm"] = {{"conf/userconfig.xml", "<safe/>"}};
        commands_.registerIn(registry_);
    }

    // The reply, and on which thread it came (every step runs in place).
    Reply call(const std::string& command, const std::string& module = "", json args = json::object()) {
        return callOnce(registry_, {command, module, std::move(args), "safectl (pid 7, uid 0)"}, threads_,
                        &answeredOn_);
    }
    void build(const std::string& module, module::ModuleState state,
               module::Activity activity = module::Activity::Idle) {
        manager_.built[module] = RunState{true, state, activity, "why"};
    }

    FakeModuleManager manager_;
    FakeModuleStore store_;
    InPlaceThreads threads_;
    ModuleCommands commands_{manager_, store_, threads_.threads(), "n1"};
    control::CommandRegistry registry_;
    std::string answeredOn_;
};

// --- the module a request is about (resolveModule) ---------------------------

TEST_F(ModuleCommandsTest, AModuleNotInstalledIsAnErrorNamingTheFolder) {
    Reply r = call("start", "nosuch");
    EXPECT_EQ(r.result, ResultCode::Error);
    EXPECT_EQ(r.text, "no module 'nosuch' installed (/etc/safefarm/modules)");
    EXPECT_TRUE(manager_.calls.empty());
}

TEST_F(ModuleCommandsTest, NoModuleNamedMeansTheOnlyOneInstalled) {
    EXPECT_EQ(call("start").text, "farm: started; UP once the view gives this node its buckets");
    EXPECT_EQ(manager_.calls, std::vector<std::string>{"start farm"});
}

TEST_F(ModuleCommandsTest, NoModuleNamedWithSeveralOrNoneInstalledIsAnError) {
    store_.modules["web"] = {};
    EXPECT_EQ(call("status").text, "several modules installed: name one with -m");
    store_.modules.clear();
    EXPECT_EQ(call("status").text, "no module installed");
    EXPECT_EQ(call("who", "", {{"client", "10.0.0.1"}}).result, ResultCode::Error);
}

TEST_F(ModuleCommandsTest, EveryCommandThatNeedsAModuleAnswersTheSameError) {
    for (const char* c :
         {"start", "stop", "restart", "stopstart", "status", "buckets", "who", "print", "module-remove"})
        EXPECT_EQ(call(c, "nosuch").text, "no module 'nosuch' installed (/etc/safefarm/modules)") << c;
}

// --- start, stop, restart, stopstart -----------------------------------------

TEST_F(ModuleCommandsTest, StartNotesWhoAskedThenStarts) {
    Reply r = call("start", "farm");
    EXPECT_EQ(r.result, ResultCode::Success);
    EXPECT_EQ(r.text, "farm: started; UP once the view gives this node its buckets");
    ASSERT_EQ(manager_.lines.size(), 1u);
    EXPECT_EQ(manager_.lines[0].id, MessageId::SF_COMMAND);
    EXPECT_EQ(manager_.lines[0].text, "farm: start asked by safectl (pid 7, uid 0)");
}

TEST_F(ModuleCommandsTest, StartOfAStartedOrStartingModuleIsRefused) {
    build("farm", kUp);
    EXPECT_EQ(call("start", "farm").text, "farm is already started (UP)");
    manager_.built.clear();
    manager_.starting.insert("farm");
    EXPECT_EQ(call("start", "farm").text, "farm is already started (starting)");
    EXPECT_TRUE(manager_.calls.empty());
}

TEST_F(ModuleCommandsTest, StartThatFailsSaysWhy) {
    manager_.startResult = badInput("configuration of farm refused:\n  userconfig.xml:3: bogus");
    Reply r = call("start", "farm");
    EXPECT_EQ(r.result, ResultCode::Error);
    EXPECT_EQ(r.text, "configuration of farm refused:\n  userconfig.xml:3: bogus");
}

TEST_F(ModuleCommandsTest, StopDrainsOrForcesAndNotesTheForce) {
    build("farm", kUp);
    EXPECT_EQ(call("stop", "farm").text, "farm: stopped");
    build("farm", kUp);
    EXPECT_EQ(call("stop", "farm", {{"force", true}}).text, "farm: stopped");
    EXPECT_EQ(manager_.calls, (std::vector<std::string>{"stop farm", "stop farm force"}));
    EXPECT_TRUE(manager_.logged(MessageId::SF_COMMAND, "farm: stop (force) asked by safectl (pid 7, uid 0)"));
}

TEST_F(ModuleCommandsTest, StopOfAModuleNeverStartedOrStoppedIsEmpty) {
    Reply never = call("stop", "farm");
    EXPECT_EQ(never.result, ResultCode::Empty);
    EXPECT_EQ(never.text, "farm is already stopped");
    build("farm", module::ModuleState::Stop);
    EXPECT_EQ(call("stop", "farm").result, ResultCode::Empty);
    EXPECT_TRUE(manager_.calls.empty());
    // Still stopping (STOP, stop_both running): asked again, it is stopped.
    build("farm", module::ModuleState::Stop, module::Activity::StoppingApp);
    EXPECT_EQ(call("stop", "farm").result, ResultCode::Success);
}

TEST_F(ModuleCommandsTest, StopThatFailsSaysWhy) {
    build("farm", kWait);
    manager_.stopResult = badInput("stop_both failed");
    EXPECT_EQ(call("stop", "farm").text, "stop_both failed");
}

TEST_F(ModuleCommandsTest, StopStartStopsThenStartsAStoppedModuleToo) {
    build("farm", kUp);
    EXPECT_EQ(call("stopstart", "farm").text, "farm: started; UP once the view gives this node its buckets");
    EXPECT_EQ(manager_.calls, (std::vector<std::string>{"stop farm", "start farm"}));
    manager_.built.clear();
    manager_.calls.clear();
    EXPECT_EQ(call("stopstart", "farm").result, ResultCode::Success);
    EXPECT_EQ(manager_.calls, std::vector<std::string>{"start farm"});
}

TEST_F(ModuleCommandsTest, StopStartWhoseStopFailsDoesNotStart) {
    build("farm", kUp);
    manager_.stopResult = badInput("stop_both failed");
    EXPECT_EQ(call("stopstart", "farm").text, "stop_both failed");
    EXPECT_EQ(manager_.calls, std::vector<std::string>{"stop farm"});
}

TEST_F(ModuleCommandsTest, RestartIsTheApplicationsAlone) {
    build("farm", kUp);
    Reply r = call("restart", "farm");
    EXPECT_EQ(r.text, "farm: application restarted");
    EXPECT_EQ(manager_.calls, std::vector<std::string>{"restartApp farm: restart asked"});
    EXPECT_TRUE(manager_.logged(MessageId::SF_COMMAND, "farm: restart asked by safectl (pid 7, uid 0)"));
    manager_.restartResult = badInput("start_both failed");
    EXPECT_EQ(call("restart", "farm").text, "start_both failed");
}

TEST_F(ModuleCommandsTest, RestartOfAModuleNeverStartedIsAnError) {
    Reply r = call("restart", "farm");
    EXPECT_EQ(r.result, ResultCode::Error);
    EXPECT_EQ(r.text, "farm is not started");
}

// --- state, module-list, status, buckets, who ----------------------------------

TEST_F(ModuleCommandsTest, StateOfOneModuleOrOfEvery) {
    store_.modules["web"] = {};
    manager_.built["web"] = RunState{true, kWait, module::Activity::StartingApp, "start_both runs"};
    Reply one = call("state", "web");
    EXPECT_EQ(one.arguments["modules"],
              json::parse(R"([{"module":"web","state":"WAIT","activity":"start_both","reason":"start_both runs"}])"));
    Reply all = call("state");
    ASSERT_EQ(all.arguments["modules"].size(), 2u);
    EXPECT_EQ(all.arguments["modules"][0],
              json::parse(R"({"module":"farm","state":"STOP","activity":"","reason":""})"));
    EXPECT_EQ(call("state", "nosuch").result, ResultCode::Error);
    EXPECT_TRUE(manager_.lines.empty());  // asking is not acting: nothing noted
}

TEST_F(ModuleCommandsTest, ModuleListIsEveryInstalledModuleWithItsState) {
    store_.modules["web"] = {};
    build("web", kUp);
    Reply r = call("module-list");
    ASSERT_EQ(r.arguments["modules"].size(), 2u);
    EXPECT_EQ(r.arguments["modules"][1]["state"], "UP");
    store_.modules.clear();
    EXPECT_EQ(call("module-list").arguments["modules"], json::array());
}

TEST_F(ModuleCommandsTest, StatusOfAStartedModuleIsItsOwn) {
    manager_.statuses["farm"] = {{"module", "farm"}, {"state", "UP"}, {"epoch", 4}};
    Reply r = call("status", "farm");
    EXPECT_EQ(r.arguments["epoch"], 4);
    EXPECT_EQ(answeredOn_, "caller");  // no file read
}

TEST_F(ModuleCommandsTest, StatusOfAModuleNeverStartedNamesItsNodesFromItsFiles) {
    auto cluster = std::make_shared<config::ClusterConfig>();
    cluster->lans.push_back({"default", {{"n1", parseIp("10.0.0.1").value()}, {"n2", parseIp("10.0.0.2").value()}}});
    auto cfg = std::make_shared<config::ModuleConfig>();
    cfg->farm.lans = {"default"};
    LoadedModule loaded;
    loaded.cluster = cluster;
    loaded.config = cfg;
    store_.loads["farm"] = loaded;
    Reply r = call("status", "farm");
    EXPECT_EQ(r.arguments, json::parse(R"({"module":"farm","state":"STOP","self":1,"nodes":[
        {"id":1,"name":"n1","state":"STOP","buckets":0,"share":0.0},
        {"id":2,"name":"n2","state":"UNKNOWN","buckets":0,"share":0.0}]})"));
    EXPECT_EQ(answeredOn_, "transports");  // files are read off the modules' thread
    ASSERT_EQ(store_.loaded.size(), 1u);
    EXPECT_EQ(store_.loaded[0].scope, Scope::Parse);  // no interface is probed
}

TEST_F(ModuleCommandsTest, StatusOfAModuleWhoseFilesAreRefusedIsStopAlone) {
    LoadedModule refused;
    refused.errors = {"cluster configuration refused:\n  cluster.xml:1: bad"};
    store_.loads["farm"] = refused;
    EXPECT_EQ(call("status", "farm").arguments, json::parse(R"({"module":"farm","state":"STOP","nodes":[]})"));
}

TEST_F(ModuleCommandsTest, BucketsOfAStartedModuleWithItsEpochAndNodes) {
    manager_.tables["farm"] = {farm_bucket{1, FARM_NODE_NONE, 0, 0}, farm_bucket{2, 1, FARM_BUCKET_TRANSITION, 0}};
    manager_.statuses["farm"] = json::parse(R"({"epoch":9,"nodes":[{"id":1,"name":"n1"},{"id":2,"name":"n2"}]})");
    Reply r = call("buckets", "farm");
    EXPECT_EQ(r.arguments["module"], "farm");
    EXPECT_EQ(r.arguments["buckets"], 2);
    EXPECT_EQ(r.arguments["moving"], 1);
    EXPECT_EQ(r.arguments["epoch"], 9);
    EXPECT_EQ(r.arguments["nodes"], json::parse(R"({"1":"n1","2":"n2"})"));
}

TEST_F(ModuleCommandsTest, BucketsOfAModuleNeverStartedAreNone) {
    Reply r = call("buckets", "farm");
    EXPECT_EQ(r.result, ResultCode::Success);
    EXPECT_EQ(r.arguments["buckets"], 0);
    EXPECT_EQ(r.arguments["nodes"], json::object());
    EXPECT_FALSE(r.arguments.contains("epoch"));
}

TEST_F(ModuleCommandsTest, WhoServesAClient) {
    build("farm", kUp);
    manager_.who = json{{"node", "n2"}, {"bucket", 17}};
    Reply r = call("who", "farm", {{"client", "10.0.0.9"}, {"port", 8080}});
    EXPECT_EQ(r.text, "n2");
    EXPECT_EQ(r.arguments["bucket"], 17);
    EXPECT_EQ(manager_.whoPort, std::optional<uint16_t>(8080));
    manager_.who = json::object();
    EXPECT_EQ(call("who", "farm", {{"client", "10.0.0.9"}}).text, "none");
    EXPECT_EQ(manager_.whoPort, std::nullopt);
}

TEST_F(ModuleCommandsTest, WhoErrors) {
    EXPECT_EQ(call("who", "farm", {{"client", "10.0.0.9"}}).text, "farm is not started");
    Reply bad = call("who", "farm", {{"client", "nine"}});
    EXPECT_EQ(bad.result, ResultCode::Error);
    EXPECT_EQ(bad.text.rfind("args.client: ", 0), 0u) << bad.text;
    build("farm", kUp);
    manager_.who = badInput("no table installed");
    EXPECT_EQ(call("who", "farm", {{"client", "10.0.0.9"}}).text, "no table installed");
}

// --- print, module-remove ------------------------------------------------------

TEST_F(ModuleCommandsTest, PrintWritesAScriptsMessageAtItsLevel) {
    EXPECT_EQ(call("print", "farm", {{"level", "W"}, {"text", "disk almost full"}}).result, ResultCode::Success);
    EXPECT_EQ(call("print", "farm", {{"level", "E"}, {"text", "no disk"}}).result, ResultCode::Success);
    EXPECT_EQ(call("print", "farm", {{"text", "hello"}}).result, ResultCode::Success);
    ASSERT_EQ(manager_.lines.size(), 3u);
    EXPECT_EQ(manager_.lines[0].level, control::Level::Warn);
    EXPECT_EQ(manager_.lines[0].id, MessageId::SF_USER_WARN);
    EXPECT_EQ(manager_.lines[0].text, "farm: disk almost full");
    EXPECT_EQ(manager_.lines[1].id, MessageId::SF_USER_ERROR);
    EXPECT_EQ(manager_.lines[2].level, control::Level::Info);
    EXPECT_EQ(manager_.lines[2].id, MessageId::SF_USER_INFO);
}

TEST_F(ModuleCommandsTest, PrintWhoseLogCannotBeOpenedSaysWhy) {
    manager_.logError = osError(EACCES, "opening the module log");
    Reply r = call("print", "farm", {{"text", "hello"}});
    EXPECT_EQ(r.result, ResultCode::Error);
    EXPECT_EQ(r.text, manager_.logError->message());
}

TEST_F(ModuleCommandsTest, RemoveSetsTheModuleAsideThenDeletesItOffTheModulesThread) {
    Reply r = call("module-remove", "farm");
    EXPECT_EQ(r.text, "farm removed");
    EXPECT_TRUE(store_.modules.empty());
    EXPECT_EQ(manager_.calls, std::vector<std::string>{"forget farm"});
    EXPECT_EQ(store_.calls, std::vector<std::string>{"erase /etc/safefarm/modules/.farm.removed1"});
    EXPECT_EQ(threads_.hops, std::vector<std::string>{"transports"});
}

TEST_F(ModuleCommandsTest, RemoveOfARunningModuleOrAFailedRenameChangesNothing) {
    build("farm", kWait);
    EXPECT_EQ(call("module-remove", "farm").text, "farm is running: stop it first");
    manager_.built.clear();
    store_.setAsideError = badInput("Permission denied");
    EXPECT_EQ(call("module-remove", "farm").text, "removing farm: Permission denied");
    EXPECT_EQ(store_.modules.count("farm"), 1u);
    EXPECT_TRUE(manager_.calls.empty());
}

TEST_F(ModuleCommandsTest, EveryCommandIsRegisteredWithItsHelp) {
    for (const char* c : {"start", "stop", "restart", "stopstart", "state", "status", "buckets", "who", "print",
                          "module-remove", "module-list"})
        EXPECT_TRUE(registry_.has(c)) << c;
    for (const auto& info : registry_.list()) EXPECT_FALSE(info.help.empty()) << info.name;
}

}  // namespace
}  // namespace safefarm::safed
