#include "safed/InstallCommand.h"

#include <gtest/gtest.h>

#include "safed/FakeModules.h"

namespace safefarm::safed {
namespace {

using control::Reply;
using control::ResultCode;
using nlohmann::json;
using namespace testing;  // the fakes (FakeModules.h)

class InstallCommandTest : public ::testing::Test {
protected:
    void SetUp() override { command_.registerIn(registry_); }

    Reply install(const std::string& file) {
        return callOnce(registry_, {"module-install", "", {{"file", file}}, "safectl (pid 7, uid 0)"}, threads_,
                        &answeredOn_);
    }

    FakeModuleManager manager_;
    FakeModuleStore store_;
    InPlaceThreads threads_;
    InstallCommand command_{manager_, store_, threads_.threads()};
    control::CommandRegistry registry_;
    std::string answeredOn_;
};

TEST_F(InstallCommandTest, UnpacksOffTheModulesThreadAndReplacesOnIt) {
    Reply r = install("/tmp/farm.safe");
    EXPECT_EQ(r.result, ResultCode::Success);
    EXPECT_EQ(r.text, "farm installed in /etc/safefarm/modules/farm");
    EXPECT_EQ(store_.calls,
              (std::vector<std::string>{"stage /tmp/farm.safe farm", "replace /etc/safefarm/modules/.farm.new1 farm"}));
    EXPECT_EQ(manager_.calls, std::vector<std::string>{"forget farm"});  // the next start reads the new files
    // Busy? (modules'), unpack (transports'), busy again and rename (modules'), answer (transports').
    EXPECT_EQ(threads_.hops, (std::vector<std::string>{"modules", "transports", "modules", "transports"}));
    EXPECT_EQ(answeredOn_, "transports");
}

TEST_F(InstallCommandTest, RefusesAFileThatIsNotNAMEDotSafe) {
    for (const char* f : {"/tmp/farm.zip", "/tmp/my farm.safe", "/tmp/.safe", ""}) {
        Reply r = install(f);
        EXPECT_EQ(r.result, ResultCode::Error) << f;
        EXPECT_EQ(r.text, std::string(f) + ": expected NAME.safe (NAME: letters, digits, _ and -)");
    }
    EXPECT_TRUE(store_.calls.empty());
}

TEST_F(InstallCommandTest, ARunningModuleIsNotUnpackedOver) {
    manager_.built["farm"] = RunState{true, module::ModuleState::Up, module::Activity::Idle, ""};
    Reply r = install("/tmp/farm.safe");
    EXPECT_EQ(r.text, "farm is running: stop it before installing it again");
    EXPECT_TRUE(store_.calls.empty());
    EXPECT_EQ(answeredOn_, "transports");
}

TEST_F(InstallCommandTest, AModuleStartedWhileItUnpackedIsNotReplaced) {
    store_.onStage = [this] { manager_.starting.insert("farm"); };
    Reply r = install("/tmp/farm.safe");
    EXPECT_EQ(r.text, "farm is running: stop it before installing it again");
    EXPECT_EQ(store_.calls,
              (std::vector<std::string>{"stage /tmp/farm.safe farm", "discard /etc/safefarm/modules/.farm.new1"}));
    EXPECT_TRUE(manager_.calls.empty());
}

TEST_F(InstallCommandTest, ARefusedArchiveOrConfigurationChangesNothing) {
    store_.stageError = badInput("farm.safe refused:\n  userconfig.xml:3: lan 'x' is not declared in cluster.xml");
    Reply r = install("/tmp/farm.safe");
    EXPECT_EQ(r.result, ResultCode::Error);
    EXPECT_EQ(r.text, "farm.safe refused:\n  userconfig.xml:3: lan 'x' is not declared in cluster.xml");
    EXPECT_EQ(store_.calls, std::vector<std::string>{"stage /tmp/farm.safe farm"});
    EXPECT_TRUE(manager_.calls.empty());
}

TEST_F(InstallCommandTest, AFailedRenameSaysWhat) {
    store_.replaceError = osError(EXDEV, "putting staged in place of farm");
    Reply r = install("/tmp/farm.safe");
    EXPECT_EQ(r.text, "installing farm: " + store_.replaceError->message());
    EXPECT_TRUE(manager_.calls.empty());
}

}  // namespace
}  // namespace safefarm::safed
