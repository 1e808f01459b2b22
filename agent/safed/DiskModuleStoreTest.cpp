#include "safed/DiskModuleStore.h"

#include <gtest/gtest.h>
#include <sys/socket.h>

#include <filesystem>
#include <fstream>

#include "ZipBuilder.h"
#include "safed/TestModuleFiles.h"

namespace safefarm::safed {
namespace {

namespace fs = std::filesystem;
using testing::ConfigFolder;
using testing::kUserConfigXml;
using testing::replaced;

class DiskModuleStoreTest : public ::testing::Test {
protected:
    // node1, whose eth0 holds the VIP's subnet: a start here would pass
    // everything that depends on this machine.
    DiskStoreOptions options() const {
        DiskStoreOptions o;
        o.configDir = folder_.root().string();
        o.machine.node = "node1";
        o.machine.interfaceFamilies = [](const std::string&) { return std::optional(std::vector<int>{AF_INET}); };
        o.machine.localAddresses = [] {
            return std::vector<module::LocalAddr>{{"eth0", parseIp("192.168.1.11").value(), 24}};
        };
        return o;
    }
    // NAME.safe holding this userconfig.xml and the scripts.
    std::string archive(const std::string& name, const std::string& userconfig) const {
        auto file = folder_.root() / (name + ".safe");
        std::ofstream(file, std::ios::binary) << ::safefarm::testing::zipOf(
            {::safefarm::testing::storedEntry("conf/userconfig.xml", userconfig),
             ::safefarm::testing::storedEntry("bin/start_both", "#!/bin/sh\n", 0100755),
             ::safefarm::testing::storedEntry("bin/stop_both", "#!/bin/sh\n", 0100755)});
        return file.string();
    }
    std::vector<std::string> hidden() const {
        std::vector<std::string> out;
        for (const auto& e : fs::directory_iterator(folder_.root() / "modules"))
            if (e.path().filename().string()[0] == '.') out.push_back(e.path().filename().string());
        return out;
    }

    ConfigFolder folder_;
    DiskModuleStore store_{options()};
};

TEST_F(DiskModuleStoreTest, ListsTheInstalledModulesNotThoseBeingInstalledOrRemoved) {
    folder_.writeModule("web", kUserConfigXml);
    folder_.writeModule("farm", kUserConfigXml);
    folder_.writeModule(".farm.new3", kUserConfigXml);
    fs::create_directories(folder_.module("empty"));
    EXPECT_EQ(store_.list(), (std::vector<std::string>{"farm", "web"}));
    EXPECT_EQ(store_.dir("farm"), (folder_.root() / "modules/farm").string());
}

TEST_F(DiskModuleStoreTest, InstallsInTwoStepsAndReadsAndWritesTheFiles) {
    auto staged = store_.stage(archive("farm", kUserConfigXml), "farm");
    ASSERT_TRUE(staged) << staged.error().message();
    EXPECT_TRUE(store_.list().empty());  // not installed until put in place
    ASSERT_TRUE(store_.replace(staged.value(), "farm"));
    EXPECT_EQ(store_.list(), std::vector<std::string>{"farm"});
    EXPECT_EQ(store_.readFiles("farm")["conf/userconfig.xml"], kUserConfigXml);
    auto written = store_.writeFiles("farm", {{"bin/start_both", "#!/bin/sh\necho new\n"}});
    ASSERT_TRUE(written) << written.error().message();
    EXPECT_EQ(store_.readFiles("farm")["bin/start_both"], "#!/bin/sh\necho new\n");
    EXPECT_TRUE(store_.load("farm", Scope::ThisNode, std::nullopt).ok());
}

TEST_F(DiskModuleStoreTest, ARefusedArchiveLeavesNothingBehind) {
    std::ofstream(folder_.root() / "bad.safe") << "not a zip";
    EXPECT_FALSE(store_.stage((folder_.root() / "bad.safe").string(), "bad"));
    auto refused = store_.stage(archive("farm", "<safe>"), "farm");
    ASSERT_FALSE(refused);
    EXPECT_EQ(refused.error().message().rfind("farm.safe refused:\n  ", 0), 0u)
        << refused.error().message();
    EXPECT_TRUE(hidden().empty());
    EXPECT_TRUE(store_.list().empty());
}

TEST_F(DiskModuleStoreTest, RemovesInTwoSteps) {
    folder_.writeModule("farm", kUserConfigXml);
    auto gone = store_.setAside("farm");
    ASSERT_TRUE(gone) << gone.error().message();
    EXPECT_TRUE(store_.list().empty());
    EXPECT_EQ(hidden(), std::vector<std::string>{".farm.removed1"});
    store_.erase(gone.value());
    EXPECT_TRUE(hidden().empty());
    auto again = store_.setAside("farm");
    ASSERT_FALSE(again);
    EXPECT_EQ(again.error().message(), std::error_code(ENOENT, std::generic_category()).message());
}

}  // namespace
}  // namespace safefarm::safed
